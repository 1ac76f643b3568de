"""Chapter 7 — convolutional networks: references and checks.

Exercises: ``conv_output_size`` (the output-size formula), ``conv_forward_naive`` and
``conv_backward_naive`` (loops, CS231n's layout: x (N, C, H, W), w (F, C, kh, kw), b (F,)),
``im2col`` and ``conv_forward_im2col`` (the same convolution as one matrix product),
``max_pool_forward`` / ``max_pool_backward`` and ``SmallCNN`` (a LeNet-style model of dlkit layers).
The references are dlkit's own ``F.conv2d`` / ``F.max_pool2d`` and their ``backward()`` (which the
test suite checks against PyTorch); the checks forbid those so that the learner writes the loops.
"""
import numpy as np

from ... import functional as F
from ... import nn
from ...data import load_digits
from ...optim import Adam
from ...random import manual_seed
from ...tensor import Tensor
from ..checker import AUTOGRAD, call, register
from ..compare import Mismatch, as_number, assert_close, assert_tensor

_NO_CONV = ("dlkit.functional.conv2d", "dlkit.nn.Conv2d", "dlkit.functional.conv_transpose2d",
            "dlkit.nn.ConvTranspose2d", "torch.conv2d", "torch.nn.functional.conv2d", "torch.nn.Conv2d")
_NO_POOL = ("dlkit.functional.max_pool2d", "dlkit.nn.MaxPool2d", "torch.max_pool2d",
            "torch.nn.functional.max_pool2d", "torch.nn.MaxPool2d")


# ----------------------------------------------------------------------------------------------------
# References
# ----------------------------------------------------------------------------------------------------
def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def conv_forward(x, w, b, stride, padding):
    return F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride=stride, padding=padding).data


def conv_backward(dout, x, w, b, stride, padding):
    x, w, b = (Tensor(a, requires_grad=True) for a in (x, w, b))
    F.conv2d(x, w, b, stride=stride, padding=padding).backward(dout)
    return x.grad, w.grad, b.grad


def im2col(x, kh, kw, stride, padding):
    """Columns (N, C·kh·kw, out_h·out_w); row index c·kh·kw + u·kw + v, like ``w.reshape(F, -1)``."""
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(wd, kw, stride, padding)
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            cols[:, :, u, v] = xp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]
    return cols.reshape(n, c * kh * kw, oh * ow)


def max_pool_forward(x, kernel_size, stride):
    return F.max_pool2d(Tensor(x), kernel_size, stride).data


def max_pool_backward(dout, x, kernel_size, stride):
    x = Tensor(x, requires_grad=True)
    F.max_pool2d(x, kernel_size, stride).backward(dout)
    return x.grad


# ----------------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------------
_SIZE_CASES = [  # (size, kernel, stride, padding, dilation): some where the division is not exact
    (8, 3, 1, 0, 1), (8, 3, 1, 1, 1), (7, 3, 2, 1, 1), (8, 3, 2, 0, 1), (28, 5, 3, 2, 1),
    (10, 3, 1, 0, 2), (9, 3, 2, 2, 3), (32, 4, 4, 0, 1), (5, 5, 1, 0, 1), (6, 2, 3, 0, 1),
    (10, 2, 3, 0, 1)]  # 8 / 3 = 2.67: round() gives 3, the floor 2


@register("ch7.conv_output_size", hints=[
    ("count the positions where the first tap of the (dilated) kernel can start so that its last tap "
    "still lands inside the padded input"),
    "a dilated kernel of k taps spans dilation·(k − 1) + 1 cells; the padded input has size + 2·padding",
    ("with a stride the window moves stride cells at a time: the number of moves is a floor division, "
    "and the first position counts too (+ 1)"),
])
def check_conv_output_size(answer):
    for size, k, s, p, d in _SIZE_CASES:
        args = f"size={size}, kernel_size={k}, stride={s}, padding={p}, dilation={d}"
        got = call(answer, size, k, s, p, d)
        expected = conv_output_size(size, k, s, p, d)
        if isinstance(got, float | np.floating):
            raise Mismatch(f"conv_output_size({args}) returned the float {got}, expected the integer "
                           f"{expected}", "a window cannot start half-way: floor-divide by the stride "
                           "(//) so that the result is a whole number of positions")
        if not isinstance(got, int | np.integer):
            raise Mismatch(f"conv_output_size({args}) returned a {type(got).__name__}, expected an int")
        if got != expected:
            hint = ("the kernel's taps are dilation cells apart, so it spans dilation·(k − 1) + 1 cells"
                    if d > 1 and conv_output_size(size, k, s, p, 1) == got else
                    "padding adds `padding` cells on both sides" if p and conv_output_size(size, k, s, 0, d)
                    == got else None)
            raise Mismatch(f"conv_output_size({args}) returned {got}, expected {expected}", hint)
    return f"{len(_SIZE_CASES)} cases passed (padding, stride, dilation, inexact divisions)"


def _conv_cases(rng):
    """(label, x, w, b, stride, padding): non-square kernels and inputs so that swapped axes show."""
    cases = []
    for label, n, c, h, wd, f, kh, kw, s, p in [
            ("x (2, 3, 5, 6), w (4, 3, 3, 2), stride 1, padding 0", 2, 3, 5, 6, 4, 3, 2, 1, 0),
            ("x (2, 2, 6, 5), w (3, 2, 3, 3), stride 1, padding 1", 2, 2, 6, 5, 3, 3, 3, 1, 1),
            ("x (3, 1, 7, 7), w (2, 1, 3, 3), stride 2, padding 1", 3, 1, 7, 7, 2, 3, 3, 2, 1),
            ("x (2, 3, 8, 7), w (2, 3, 2, 3), stride 3, padding 2", 2, 3, 8, 7, 2, 2, 3, 3, 2)]:
        cases.append((label, rng.standard_normal((n, c, h, wd)), rng.standard_normal((f, c, kh, kw)),
                      rng.standard_normal(f), s, p))
    return cases


_FORWARD_HINT = ("deep learning's 'convolution' is a cross-correlation: out[n, f, i, j] = "
                 "Σ_{c,u,v} x_pad[n, c, i·stride + u, j·stride + v] · w[f, c, u, v] + b[f], the kernel "
                 "is not flipped")


def _flip_message(got, x, w, b, s, p, on):
    flipped = conv_forward(x, w[:, :, ::-1, ::-1].copy(), b, s, p)
    if np.shape(got) == flipped.shape and np.allclose(got, flipped, atol=1e-4):
        raise Mismatch(f"your output equals the true convolution (kernel flipped){on}",
                       "PyTorch's conv2d (and dlkit's) does not flip the kernel: it multiplies x_pad[i·stride"
                       " + u, j·stride + v] by w[u, v] with the same u, v")


def _check_conv_forward(answer, what):
    for label, x, w, b, s, p in _conv_cases(np.random.default_rng(70)):
        on = f" (on {label})"
        got = call(answer, x.copy(), w.copy(), b.copy(), s, p)
        expected = conv_forward(x, w, b, s, p)
        if isinstance(got, Tensor):
            got = got.data
        got_shape = np.shape(got)
        if got_shape != expected.shape:
            n, _c, h, wd = x.shape
            unstrided = (n, w.shape[0], conv_output_size(h, w.shape[2], 1, p),
                         conv_output_size(wd, w.shape[3], 1, p))
            hint = ("the output has one cell per stride: H_out = (H + 2·padding − kh) // stride + 1"
                    if s > 1 and got_shape == unstrided else
                    "pad only the two spatial axes (H and W), never the batch or channel axes"
                    if len(got_shape) == 4 and got_shape[:2] != expected.shape[:2] else
                    "the output is (N, F, H_out, W_out) with H_out = (H + 2·padding − kh) // stride + 1")
            raise Mismatch(f"{what} has shape {got_shape}{on}, expected {expected.shape}", hint)
        _flip_message(got, x, w, b, s, p, on)
        # float32 rounding anywhere in the answer is fine: a real mistake is off by O(1)
        assert_close(got, expected, what + on, _FORWARD_HINT, rtol=1e-5, atol=1e-5)
    return "4 cases passed (channels, non-square kernels, stride, padding)"


@register("ch7.conv_forward_naive", hints=[
    "pad x first (np.pad on the two spatial axes only), then loop over n, f, i, j",
    ("the window of output cell (i, j) starts at row i·stride and column j·stride of the padded input "
    "and is kh × kw big; multiply it by w[f] elementwise over all channels and sum, then add b[f]"),
    "the output is (N, F, H_out, W_out) with H_out = (H + 2·padding − kh) // stride + 1 (and W alike)",
], forbid=_NO_CONV)
def check_conv_forward_naive(answer):
    return _check_conv_forward(answer, "your convolution")


@register("ch7.conv_backward_naive", hints=[
    ("mirror the forward loop: every forward term x_pad[n, c, i·s + u, j·s + v]·w[f, c, u, v] sends "
    "dout[n, f, i, j] times the other factor to each of the two"),
    ("accumulate with +=: one weight is used at every position of every image, so dw sums over n, i and "
    "j; one input pixel sits in several windows, so dx_pad collects several terms"),
    "db[f] sums dout[:, f] over the batch and both spatial axes; finally cut the padding off dx_pad",
], forbid=(*_NO_CONV, *AUTOGRAD))
def check_conv_backward_naive(answer):
    rng = np.random.default_rng(71)
    for label, x, w, b, s, p in _conv_cases(rng):
        on = f" (on {label})"
        dout = rng.standard_normal(conv_forward(x, w, b, s, p).shape)
        got = call(answer, dout.copy(), x.copy(), w.copy(), b.copy(), s, p)
        expected = conv_backward(dout, x, w, b, s, p)
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise Mismatch(f"conv_backward_naive should return (dx, dw, db){on}, got "
                           f"{type(got).__name__}", "return dx, dw, db")
        dx, dw, db = got
        if db is None:
            raise Mismatch(f"db is None{on}", "the bias gets a gradient too: db[f] = Σ_{n,i,j} dout[n, f, i, j]")
        single = conv_backward(dout[-1:], x[-1:], w, b, s, p)[1]
        if np.shape(dw) == w.shape and x.shape[0] > 1 and np.allclose(dw, single):
            raise Mismatch(f"dw equals the last image's contribution alone{on}",
                           "the same weights are used for every image: add (+=) the contributions of "
                           "all N images, do not overwrite them")
        assert_close(db, expected[2], "db" + on, "db[f] sums dout[:, f] over the batch and both spatial axes",
                     rtol=1e-5, atol=1e-5)
        assert_close(dw, expected[1], "dw" + on,
                     "dw[f, c, u, v] = Σ_{n,i,j} dout[n, f, i, j] · x_pad[n, c, i·stride + u, j·stride + v]",
                     rtol=1e-5, atol=1e-5)
        assert_close(dx, expected[0], "dx" + on,
                     "dx_pad[n, c, i·stride + u, j·stride + v] += dout[n, f, i, j] · w[f, c, u, v]; "
                     "then drop the padding: dx = dx_pad[:, :, p:p + H, p:p + W]", rtol=1e-5, atol=1e-5)
    return "4 cases passed: dx, dw and db equal backward()'s"


@register("ch7.im2col", hints=[
    ("the result has one column per output position (out_h·out_w of them) and one row per entry of a "
    "window (C·kh·kw of them), for each image"),
    ("the rows must be in the order w.reshape(F, -1) flattens a kernel: channel first, then kernel row "
    "u, then kernel column v"),
    ("loop over the kh·kw kernel offsets only: for offset (u, v) the strided slice "
    "x_pad[:, :, u : u + stride·out_h : stride, v : v + stride·out_w : stride] holds that tap of every "
    "window"),
], forbid=_NO_CONV)
def check_im2col(answer):
    rng = np.random.default_rng(72)
    for label, x, w, _, s, p in _conv_cases(rng):
        on = f" (on {label})"
        kh, kw = w.shape[2:]
        got = call(answer, x.copy(), kh, kw, s, p)
        expected = im2col(x, kh, kw, s, p)
        if isinstance(got, Tensor):
            got = got.data
        if np.shape(got) != expected.shape:
            raise Mismatch(f"im2col(x, {kh}, {kw}, stride={s}, padding={p}) has shape {np.shape(got)}{on}, "
                           f"expected {expected.shape} = (N, C·kh·kw, out_h·out_w)")
        same_rows = np.array_equal(np.sort(np.asarray(got), axis=1), np.sort(expected, axis=1))
        assert_close(got, expected, "your columns" + on,
                     "the right numbers in each column, in the wrong order: put the rows in the order "
                     "(channel, kernel row, kernel column), as w.reshape(F, -1) flattens a kernel"
                     if same_rows else None)
    return "4 cases passed"


@register("ch7.conv_forward_im2col", hints=[
    ("im2col(x, kh, kw, stride, padding) gives (N, C·kh·kw, L) with L = out_h·out_w; w.reshape(F, -1) "
    "is (F, C·kh·kw): their product is (N, F, L)"),
    ("add the bias to every position (broadcast b[:, None]) and reshape (N, F, L) into "
    "(N, F, out_h, out_w)"),
], forbid=_NO_CONV)
def check_conv_forward_im2col(answer):
    return _check_conv_forward(answer, "your im2col convolution")


def _pool_cases(rng):
    cases = []
    for label, shape, k, s in [("x (2, 3, 4, 4), 2×2 windows, stride 2", (2, 3, 4, 4), 2, 2),
                               ("x (1, 2, 5, 7), 3×3 windows, stride 2 (overlapping)", (1, 2, 5, 7), 3, 2),
                               ("x (2, 1, 6, 6), 3×3 windows, stride 3", (2, 1, 6, 6), 3, 3)]:
        cases.append((label, rng.standard_normal(shape), k, s))
    # ties: small integers repeat inside windows; PyTorch routes the gradient to the first maximum
    cases.append(("x of small integers with ties, 2×2 windows, stride 2",
                  rng.integers(0, 3, (2, 2, 4, 6)).astype(np.float64), 2, 2))
    cases.append(("x of small integers with ties, 3×3 windows, stride 1",
                  rng.integers(0, 2, (1, 1, 5, 5)).astype(np.float64), 3, 1))
    # stride leaves the last row and column in no window: the output is 2×2 (floor), not 3×3
    cases.append(("x (1, 2, 5, 5), 2×2 windows, stride 2 (the last row and column are in no window)",
                  rng.standard_normal((1, 2, 5, 5)), 2, 2))
    return cases


@register("ch7.max_pool_forward", hints=[
    "the output is (N, C, H_out, W_out) with H_out = (H − kernel_size) // stride + 1 (no padding)",
    ("output cell (i, j) is the largest entry of the window x[:, :, i·stride : i·stride + kernel_size, "
    "j·stride : j·stride + kernel_size], taken per image and per channel"),
], forbid=_NO_POOL)
def check_max_pool_forward(answer):
    for label, x, k, s in _pool_cases(np.random.default_rng(73)):
        got = call(answer, x.copy(), k, s)
        assert_close(got.data if isinstance(got, Tensor) else got, max_pool_forward(x, k, s),
                     f"your max-pool (on {label})",
                     "take the maximum over the two window axes only, per image and channel")
    return "6 cases passed"


@register("ch7.max_pool_backward", hints=[
    "max is a switch: only the entry that won the window gets the window's gradient, the others get 0",
    ("find the winner's position with np.argmax over the flattened window and np.unravel_index; on a "
    "tie, PyTorch picks the first maximum (row by row), exactly what np.argmax returns"),
    "windows overlap when stride < kernel_size: add (+=) into dx, one entry can win several windows",
], forbid=(*_NO_POOL, *AUTOGRAD))
def check_max_pool_backward(answer):
    rng = np.random.default_rng(74)
    for label, x, k, s in _pool_cases(rng):
        on = f" (on {label})"
        dout = rng.standard_normal(max_pool_forward(x, k, s).shape)
        got = call(answer, dout.copy(), x.copy(), k, s)
        if isinstance(got, Tensor):
            got = got.data
        expected = max_pool_backward(dout, x, k, s)
        hint = None
        if np.shape(got) == x.shape:
            got_sum, routed = float(np.sum(got)), float(np.sum(dout))
            if not np.isclose(got_sum, routed):
                hint = (f"your dx sums to {got_sum:.4g} but the windows' gradients sum to {routed:.4g}: "
                        "each window sends its gradient to exactly one entry, once — on a tie only the "
                        "first maximum gets it; where windows overlap, an entry that wins several adds "
                        "them all (+= in a loop, or np.add.at: dx[idx] += dout drops repeated indices)")
            elif np.count_nonzero(got) > np.count_nonzero(expected):
                hint = ("only the winning entry of a window gets its gradient; the others get 0 (the max "
                        "does not depend on them)")
        assert_close(got, expected, "your dx" + on,
                     hint or "route each dout[n, c, i, j] to the first maximum of its window, and add "
                             "(+=) where windows overlap")
    return "6 cases passed (overlapping windows, ties, a stride that leaves pixels out)"


def _small_cnn_parameter_count():
    return (8 * 1 * 9 + 8) + (16 * 8 * 9 + 16) + (16 * 2 * 2 * 10 + 10)


@register("ch7.SmallCNN", hints=[
    ("two rounds of Conv2d(3×3, padding=1) → ReLU → MaxPool2d(2): 8×8 → 4×4 → 2×2, with 8 then 16 "
    "channels; then flatten and one Linear layer to 10 logits"),
    "Flatten turns (N, 16, 2, 2) into (N, 64), so the Linear layer has 64 inputs",
    "for the parameter count: a Conv2d(c_in, c_out, 3) has c_out·c_in·3·3 weights and c_out biases",
], timeout=30)
def check_small_cnn(answer):
    manual_seed(7)
    model = answer()
    if not hasattr(model, "parameters"):
        raise Mismatch(f"SmallCNN() is a {type(model).__name__}, expected a dlkit.nn.Module",
                       "subclass nn.Module and call super().__init__() first")
    x = Tensor(np.random.default_rng(75).random((5, 1, 8, 8)))
    out = model(x)
    assert_tensor(out, "SmallCNN()(x)")
    if tuple(out.shape) != (5, 10):
        raise Mismatch(f"SmallCNN()(x) for x of shape (5, 1, 8, 8) has shape {tuple(out.shape)}, "
                       "expected (5, 10): one logit per digit class")
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    shapes = [(m.in_channels, m.out_channels, tuple(m.kernel_size)) for m in convs]
    if shapes != [(1, 8, (3, 3)), (8, 16, (3, 3))]:
        raise Mismatch(f"SmallCNN has Conv2d layers (in, out, kernel) = {shapes}, expected "
                       "[(1, 8, (3, 3)), (8, 16, (3, 3))]")
    count = sum(int(np.prod(p.shape)) for p in model.parameters())
    if count != _small_cnn_parameter_count():
        raise Mismatch(f"SmallCNN has {count} parameters, expected {_small_cnn_parameter_count()}",
                       "two convolutions (with biases) and one Linear(64, 10): nothing else has weights")
    _check_relu_and_max_pool(model, x, convs)
    _training_sanity(model)
    return f"shapes, {count} parameters, and 60 Adam steps on digits bring the loss down"


def _check_relu_and_max_pool(model, x, convs):
    """What reaches the second convolution and the Linear layer must be max_pool(relu(conv output)).

    A CNN without its ReLUs, or with average pooling, has the right shapes and parameter count and
    still trains on the digits, so only the values between the layers tell it apart.
    """
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    seen = {}
    hooks = [convs[0].register_forward_hook(lambda m, args, out: seen.setdefault("conv1", out.data)),
             convs[1].register_forward_hook(lambda m, args, out: seen.update(into_conv2=args[0].data,
                                                                             conv2=out.data))]
    if len(linears) == 1:
        hooks.append(linears[0].register_forward_hook(
            lambda m, args, out: seen.setdefault("into_linear", args[0].data)))
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    stages = [("conv1", "into_conv2", "the second Conv2d"), ("conv2", "into_linear", "the Linear layer")]
    for produced, received, where in stages:
        if produced not in seen or received not in seen:
            continue  # forward skipped a layer: the training check below says so
        expected = max_pool_forward(np.maximum(seen[produced], 0.0), 2, 2).reshape(seen[received].shape)
        got = seen[received]
        if not np.allclose(got, expected, rtol=1e-5, atol=1e-6):
            hint = ("a ReLU is missing: the input of " + where + " has negative entries"
                    if np.min(got) < 0 else
                    "pool with the maximum (MaxPool2d(2)), after the ReLU: Conv2d → ReLU → MaxPool2d(2)")
            raise Mismatch(f"what reaches {where} is not MaxPool2d(2)(ReLU(previous Conv2d's output))", hint)


def _training_sanity(model):
    """60 Adam steps on 256 digits must reach a training accuracy a working CNN easily gets."""
    (X, y), _ = load_digits(as_images=True)
    X, y = Tensor(X[:256]), Tensor(y[:256])
    optimizer = Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(76)
    first = None
    for _ in range(60):
        rows = rng.choice(256, 64, replace=False)
        loss = loss_fn(model(X[rows]), y[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        first = as_number(loss.item(), "the loss") if first is None else first
    logits = model(X).data
    accuracy = float(np.mean(logits.argmax(axis=1) == y.data))
    if accuracy < 0.8:
        raise Mismatch(f"after 60 Adam steps (lr 0.01) on 256 digits your SmallCNN's training accuracy "
                       f"is {accuracy:.0%} (first loss {first:.3g}); a working one reaches well over 80%",
                       "check the ReLUs between the layers and that forward uses every layer in order")
