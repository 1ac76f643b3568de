"""Chapter 7's checks accept right answers (float64 and float32) and catch the wrong answers learners
really write: a flipped kernel, padding on the wrong axes, a forgotten stride, dw not summed over the
batch, a missing db, im2col rows in the wrong order, max-pool gradients spread over the window or to
every tied maximum, a missing floor or dilation, and a CNN with the wrong layers. The right answers
here are written independently of dlkit (plain numpy loops; torch confirms the tie rule)."""
import numpy as np
import pytest
import torch
from expect import fails, passes

import dlkit
from dlkit import nn


# --- output size -------------------------------------------------------------------------------------
def size_right(size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    return int(np.floor((size + 2 * padding - span) / stride)) + 1


def test_output_size_right_answer_passes():
    passes("ch7.conv_output_size", size_right)


def test_output_size_matches_torch_on_the_checked_cases():
    for size, k, s, p, d in [(9, 3, 2, 2, 3), (7, 3, 2, 1, 1), (6, 2, 3, 0, 1), (10, 2, 3, 0, 1)]:
        conv = torch.nn.Conv1d(1, 1, k, stride=s, padding=p, dilation=d)
        assert conv(torch.zeros(1, 1, size)).shape[-1] == size_right(size, k, s, p, d)


def test_output_size_without_floor_fails():
    fails("ch7.conv_output_size", lambda n, k, stride=1, padding=0, dilation=1:
          (n + 2 * padding - dilation * (k - 1) - 1) / stride + 1, "float", "floor")


def test_output_size_without_dilation_fails():
    fails("ch7.conv_output_size", lambda n, k, stride=1, padding=0, dilation=1:
          (n + 2 * padding - k) // stride + 1, "dilation=2", "dilation")


def test_output_size_with_padding_once_fails():
    fails("ch7.conv_output_size", lambda n, k, stride=1, padding=0, dilation=1:
          (n + padding - dilation * (k - 1) - 1) // stride + 1, "expected")


def test_output_size_rounding_instead_of_floor_fails():
    fails("ch7.conv_output_size", lambda n, k, stride=1, padding=0, dilation=1:
          round((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1, "stride=3", "expected 3")


def test_output_size_stub_fails():
    def stub(*args, **kwargs):
        raise NotImplementedError
    fails("ch7.conv_output_size", stub)


# --- naive convolution forward -----------------------------------------------------------------------
def conv_loops(x, w, b, stride=1, padding=0, flip=False, pad_axes=(2, 3), use_stride_in_size=True,
               dtype=None):
    if dtype is not None:
        x, w, b = x.astype(dtype), w.astype(dtype), b.astype(dtype)
    if flip:
        w = w[:, :, ::-1, ::-1]
    pads = [(padding, padding) if axis in pad_axes else (0, 0) for axis in range(4)]
    xp = np.pad(x, pads)
    n, _c, h, wd = xp.shape
    f, _, kh, kw = w.shape
    step = stride if use_stride_in_size else 1
    oh, ow = (h - kh) // step + 1, (wd - kw) // step + 1
    out = np.zeros((n, f, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            r, s = i * stride, j * stride
            window = xp[:, :, r:r + kh, s:s + kw]
            if window.shape[2:] != (kh, kw):
                continue
            out[:, :, i, j] = np.einsum("ncuv,fcuv->nf", window[:, :w.shape[1]], w) + b
    return out


def test_conv_forward_right_answer_passes_in_float64_and_float32():
    passes("ch7.conv_forward_naive", conv_loops)
    passes("ch7.conv_forward_naive", lambda *a: conv_loops(*a, dtype=np.float32))


def test_conv_loops_match_torch():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=2,
                                          padding=1).numpy()
    np.testing.assert_allclose(conv_loops(x, w, b, 2, 1), expected, rtol=1e-10, atol=1e-12)


def test_conv_forward_with_flipped_kernel_fails():
    fails("ch7.conv_forward_naive", lambda *a: conv_loops(*a, flip=True), "flipped", "does not flip")


def test_conv_forward_padding_every_axis_fails():
    fails("ch7.conv_forward_naive", lambda *a: conv_loops(*a, pad_axes=(0, 1, 2, 3)), "spatial axes")


def test_conv_forward_ignoring_stride_in_output_size_fails():
    fails("ch7.conv_forward_naive", lambda *a: conv_loops(*a, use_stride_in_size=False), "stride")


def test_conv_forward_calling_dlkit_conv2d_is_told_to_write_it_itself():
    def borrowed(x, w, b, stride, padding):
        return dlkit.functional.conv2d(dlkit.Tensor(x), dlkit.Tensor(w), dlkit.Tensor(b), stride=stride,
                                       padding=padding).data
    fails("ch7.conv_forward_naive", borrowed, "write it yourself")


def test_conv_forward_using_nn_conv2d_is_told_to_write_it_itself():
    def borrowed(x, w, b, stride, padding):
        layer = nn.Conv2d(x.shape[1], w.shape[0], w.shape[2:], stride=stride, padding=padding)
        return layer(dlkit.Tensor(x)).data
    fails("ch7.conv_forward_naive", borrowed, "write it yourself")


# --- naive convolution backward ----------------------------------------------------------------------
def conv_backward_loops(dout, x, w, b, stride=1, padding=0, overwrite_dw=False, no_db=False):
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    _, _, kh, kw = w.shape
    for n in range(x.shape[0]):
        dw_n = np.zeros_like(w)
        for f in range(w.shape[0]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    r, s = i * stride, j * stride
                    dxp[n, :, r:r + kh, s:s + kw] += dout[n, f, i, j] * w[f]
                    dw_n[f] += dout[n, f, i, j] * xp[n, :, r:r + kh, s:s + kw]
        dw = dw_n if overwrite_dw else dw + dw_n
    db = None if no_db else dout.sum(axis=(0, 2, 3))
    return dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], dw, db


def test_conv_backward_right_answer_passes_in_float64_and_float32():
    passes("ch7.conv_backward_naive", conv_backward_loops)
    passes("ch7.conv_backward_naive",
           lambda *a: tuple(g.astype(np.float32) for g in conv_backward_loops(*[np.float32(v) if
                            isinstance(v, np.ndarray) else v for v in a])))


def test_conv_backward_loops_match_torch():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1)
    dout = rng.standard_normal(out.shape)
    out.backward(torch.tensor(dout))
    for mine, theirs in zip(conv_backward_loops(dout, x, w, b, 2, 1), (tx, tw, tb)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv_backward_with_dw_not_summed_over_the_batch_fails():
    fails("ch7.conv_backward_naive", lambda *a: conv_backward_loops(*a, overwrite_dw=True),
          "last image", "+=")


def test_conv_backward_with_missing_db_fails():
    fails("ch7.conv_backward_naive", lambda *a: conv_backward_loops(*a, no_db=True), "db is None")


def test_conv_backward_with_db_summed_over_the_batch_only_fails():
    def db_wrong(*a):
        dx, dw, _ = conv_backward_loops(*a)
        return dx, dw, a[0].sum(axis=0).sum(axis=-1)[:, 0]
    fails("ch7.conv_backward_naive", db_wrong, "db")


def test_conv_backward_with_padding_left_on_dx_fails():
    def padded_dx(dout, x, w, b, stride, padding):
        dx, dw, db = conv_backward_loops(dout, x, w, b, stride, 0 if padding == 0 else padding)
        return np.pad(dx, ((0, 0), (0, 0), (padding, padding), (padding, padding))), dw, db
    fails("ch7.conv_backward_naive", padded_dx, "dx")


# --- im2col ------------------------------------------------------------------------------------------
def im2col_loops(x, kh, kw, stride, padding, order="cuv"):
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, wd = xp.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    cols = np.zeros((n, c * kh * kw, oh * ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            if order == "uvc":
                window = window.transpose(0, 2, 3, 1)
            cols[:, :, i * ow + j] = window.reshape(n, -1)
    return cols


def conv_by_im2col(x, w, b, stride, padding, order="cuv"):
    f, _, kh, kw = w.shape
    cols = im2col_loops(x, kh, kw, stride, padding, order)
    oh = (x.shape[2] + 2 * padding - kh) // stride + 1
    out = np.einsum("fk,nkl->nfl", w.reshape(f, -1), cols) + b[:, None]
    return out.reshape(x.shape[0], f, oh, -1)


def test_im2col_right_answer_passes():
    passes("ch7.im2col", im2col_loops)
    passes("ch7.im2col", lambda x, *a: im2col_loops(x.astype(np.float32), *a))


def test_im2col_with_rows_in_the_wrong_order_fails():
    fails("ch7.im2col", lambda *a: im2col_loops(*a, order="uvc"), "wrong order", "(channel, kernel row")


def test_im2col_transposed_fails_on_shape():
    fails("ch7.im2col", lambda *a: im2col_loops(*a).transpose(0, 2, 1), "C·kh·kw")


def test_conv_im2col_right_answer_passes():
    passes("ch7.conv_forward_im2col", conv_by_im2col)


def test_conv_im2col_with_column_order_not_matching_the_weight_reshape_fails():
    fails("ch7.conv_forward_im2col", lambda *a: conv_by_im2col(*a, order="uvc"), "im2col convolution")


# --- max pooling -------------------------------------------------------------------------------------
def pool_forward_loops(x, k, s):
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
    return out


def pool_backward_loops(dout, x, k, s, rule="first"):
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * s:i * s + k, j * s:j * s + k]
                    target = dx[n, c, i * s:i * s + k, j * s:j * s + k]
                    if rule == "first":
                        u, v = np.unravel_index(np.argmax(window), window.shape)
                        target[u, v] += dout[n, c, i, j]
                    elif rule == "all_ties":
                        target += dout[n, c, i, j] * (window == window.max())
                    elif rule == "spread":
                        target += dout[n, c, i, j] / window.size
                    elif rule == "overwrite":
                        u, v = np.unravel_index(np.argmax(window), window.shape)
                        target[u, v] = dout[n, c, i, j]
    return dx


def test_max_pool_forward_right_answer_passes():
    passes("ch7.max_pool_forward", pool_forward_loops)
    passes("ch7.max_pool_forward", lambda x, k, s: pool_forward_loops(x.astype(np.float32), k, s))


def test_max_pool_forward_rounding_the_window_count_up_fails():
    def ceil_mode(x, k, s):   # keeps a last, partial window where the stride leaves pixels out
        n, c, h, w = x.shape
        out = np.empty((n, c, -(-(h - k) // s) + 1, -(-(w - k) // s) + 1))
        for i in range(out.shape[2]):
            for j in range(out.shape[3]):
                out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
        return out
    fails("ch7.max_pool_forward", ceil_mode, "expected shape (1, 2, 2, 2)")


def test_max_pool_forward_with_the_mean_fails():
    def mean_pool(x, k, s):
        _n, _c, h, w = x.shape
        return np.stack([[x[:, :, i * s:i * s + k, j * s:j * s + k].mean(axis=(2, 3))
                          for j in range((w - k) // s + 1)] for i in range((h - k) // s + 1)]
                        ).transpose(2, 3, 0, 1)
    fails("ch7.max_pool_forward", mean_pool, "max-pool")


def test_max_pool_forward_calling_max_pool2d_is_told_to_write_it_itself():
    fails("ch7.max_pool_forward", lambda x, k, s: dlkit.functional.max_pool2d(dlkit.Tensor(x), k, s).data,
          "write it yourself")


def test_max_pool_backward_right_answer_passes():
    passes("ch7.max_pool_backward", pool_backward_loops)
    passes("ch7.max_pool_backward", lambda d, x, k, s: pool_backward_loops(d.astype(np.float32),
                                                                           x.astype(np.float32), k, s))


def test_first_maximum_rule_is_torchs():
    x = np.array([[[[1.0, 2.0, 2.0], [0.0, 2.0, 1.0], [2.0, 0.0, 0.0]]]])
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 3, 1).sum().backward()
    np.testing.assert_array_equal(tx.grad.numpy(), pool_backward_loops(np.ones((1, 1, 1, 1)), x, 3, 1))


def test_max_pool_backward_spreading_the_gradient_over_the_window_fails():
    fails("ch7.max_pool_backward", lambda *a: pool_backward_loops(*a, rule="spread"), "only the winning")


def test_max_pool_backward_giving_every_tie_the_gradient_fails():
    fails("ch7.max_pool_backward", lambda *a: pool_backward_loops(*a, rule="all_ties"), "tie")


def test_max_pool_backward_overwriting_where_windows_overlap_fails():
    fails("ch7.max_pool_backward", lambda *a: pool_backward_loops(*a, rule="overwrite"), "overlapping")


# --- SmallCNN ----------------------------------------------------------------------------------------
def small_cnn(channels=(8, 16), relu=True, linear_in=64, padding=1):
    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            act = nn.ReLU if relu else nn.Identity
            self.features = nn.Sequential(
                nn.Conv2d(1, channels[0], 3, padding=padding), act(), nn.MaxPool2d(2),
                nn.Conv2d(channels[0], channels[1], 3, padding=padding), act(), nn.MaxPool2d(2))
            self.classifier = nn.Linear(linear_in, 10)

        def forward(self, x):
            return self.classifier(self.features(x).reshape(x.shape[0], -1))
    return SmallCNN


def test_small_cnn_right_answer_passes():
    passes("ch7.SmallCNN", small_cnn())


def test_small_cnn_with_other_widths_fails():
    fails("ch7.SmallCNN", small_cnn(channels=(16, 32), linear_in=128), "Conv2d layers")


def test_small_cnn_without_padding_fails_on_shapes():
    fails("ch7.SmallCNN", small_cnn(padding=0, linear_in=16))


def test_small_cnn_whose_forward_skips_layers_fails_training():
    class Lazy(small_cnn()):
        def forward(self, x):
            return self.classifier(dlkit.Tensor(np.zeros((x.shape[0], 64))))
    fails("ch7.SmallCNN", Lazy, "training accuracy")


def test_small_cnn_without_relus_fails():
    fails("ch7.SmallCNN", small_cnn(relu=False), "second Conv2d", "ReLU is missing")


def test_small_cnn_with_average_pooling_fails():
    class Averaging(small_cnn()):
        def forward(self, x):
            for layer in self.features:
                x = dlkit.functional.avg_pool2d(x, 2) if isinstance(layer, nn.MaxPool2d) else layer(x)
            return self.classifier(x.reshape(x.shape[0], -1))
    fails("ch7.SmallCNN", Averaging, "MaxPool2d(2)(ReLU")


@pytest.mark.parametrize("name", ["ch7.conv_backward_naive", "ch7.max_pool_backward", "ch7.im2col",
                                  "ch7.conv_forward_im2col", "ch7.SmallCNN"])
def test_stubs_fail(name):
    def stub(*args, **kwargs):
        raise NotImplementedError("write your answer here")
    fails(name, stub)


def test_conv_forward_without_the_bias_fails():
    fails("ch7.conv_forward_naive", lambda x, w, b, s, p: conv_loops(x, w, 0 * b, s, p), "your convolution")


def test_conv_im2col_in_float32_passes():
    passes("ch7.conv_forward_im2col", lambda x, w, b, s, p: conv_by_im2col(x.astype(np.float32),
                                                                            w.astype(np.float32), b, s, p))


def test_output_size_with_numpy_floor_is_accepted():
    passes("ch7.conv_output_size", lambda n, k, stride=1, padding=0, dilation=1:
           np.int64(np.floor((n + 2 * padding - dilation * (k - 1) - 1) / stride)) + 1)


# ``CH7_CASES`` joins ``CASES`` in test_checks.py, which runs the stub / right / wrong tests for every check.
CH7_CASES = {
    # name: (right answer, [(wrong answer, fragment the message must contain), ...])
    "ch7.conv_output_size": (size_right, [
        (lambda n, k, stride=1, padding=0, dilation=1: (n + 2 * padding - k) // stride + 1, "dilation")]),
    "ch7.conv_forward_naive": (conv_loops, [(lambda *a: conv_loops(*a, flip=True), "flipped")]),
    "ch7.conv_backward_naive": (conv_backward_loops, [
        (lambda *a: conv_backward_loops(*a, overwrite_dw=True), "last image")]),
    "ch7.im2col": (im2col_loops, [(lambda *a: im2col_loops(*a, order="uvc"), "wrong order")]),
    "ch7.conv_forward_im2col": (conv_by_im2col, [(lambda *a: conv_by_im2col(*a, order="uvc"), "is off")]),
    "ch7.max_pool_forward": (pool_forward_loops, [
        (lambda x, k, s: pool_forward_loops(x, k, s) * 0.5, "is off")]),
    "ch7.max_pool_backward": (pool_backward_loops, [
        (lambda *a: pool_backward_loops(*a, rule="all_ties"), "tie")]),
    "ch7.SmallCNN": (small_cnn(), [(small_cnn(channels=(16, 32), linear_in=128), "Conv2d layers")]),
}
