"""Conv1d/Conv2d with dilation, groups and 'same'/'valid' padding, and ConvTranspose2d: against PyTorch
(float64 and float32, weights through state_dict both ways), central differences, shapes by hypothesis,
and clear errors."""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlkit
from dlkit import nn
from dlkit.functional import conv1d, conv2d, conv_transpose2d

torch = pytest.importorskip("torch")

CONV2D = [  # (in, out, kernel, stride, padding, dilation, groups, input shape)
    (2, 4, 3, 1, 0, 2, 1, (2, 2, 9, 8)),
    (4, 6, 3, 2, 1, 1, 2, (2, 4, 8, 7)),
    (4, 4, 3, 1, 1, 1, 4, (1, 4, 6, 6)),            # depthwise
    (3, 6, (2, 3), (2, 1), (1, 2), (2, 1), 3, (2, 3, 9, 7)),
    (2, 3, 3, 1, "same", 1, 1, (2, 2, 5, 6)),
    (2, 3, 4, 1, "same", 1, 1, (2, 2, 5, 6)),       # even kernel: the extra zero goes at the end
    (2, 3, (3, 2), 1, "same", (2, 3), 1, (1, 2, 7, 8)),
    (2, 3, 3, 2, "valid", 1, 1, (2, 2, 7, 7)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("in_c, out_c, kernel, stride, padding, dilation, groups, shape", CONV2D)
def test_conv2d_options_match_torch(torch_compare, dtype, in_c, out_c, kernel, stride, padding,
                                    dilation, groups, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    torch_compare(nn.Conv2d(in_c, out_c, kernel, **args), torch.nn.Conv2d(in_c, out_c, kernel, **args),
                  x, dtype=dtype, from_torch=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel, stride, padding, dilation, groups", [
    (3, 1, 0, 2, 1), (3, 2, 1, 1, 2), (4, 1, "same", 1, 1), (3, 1, "same", 3, 2), (2, 1, "valid", 1, 1)])
def test_conv1d_options_match_torch(torch_compare, dtype, kernel, stride, padding, dilation, groups):
    x = np.random.default_rng(1).standard_normal((3, 4, 11))
    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    torch_compare(nn.Conv1d(4, 6, kernel, **args), torch.nn.Conv1d(4, 6, kernel, **args), x,
                  dtype=dtype, from_torch=True)


CONV_T = [  # (in, out, kernel, stride, padding, output_padding, groups, dilation, input shape)
    (2, 3, 3, 1, 0, 0, 1, 1, (2, 2, 4, 5)),
    (2, 3, 2, 2, 0, 0, 1, 1, (2, 2, 4, 4)),        # the usual 2x upsampling
    (4, 6, 3, 2, 1, 1, 2, 1, (2, 4, 3, 4)),
    (3, 3, (3, 2), (2, 3), (1, 0), (1, 2), 3, 1, (1, 3, 4, 3)),
    (2, 4, 3, 1, 1, 1, 1, 2, (2, 2, 4, 4)),        # output_padding < dilation with stride 1
    (2, 2, 3, 3, 2, 0, 1, (2, 1), (1, 2, 3, 3)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("in_c, out_c, kernel, stride, padding, output_padding, groups, dilation, shape",
                         CONV_T)
def test_conv_transpose2d_matches_torch(torch_compare, dtype, in_c, out_c, kernel, stride, padding,
                                        output_padding, groups, dilation, shape):
    x = np.random.default_rng(2).standard_normal(shape)
    args = {"stride": stride, "padding": padding, "output_padding": output_padding, "groups": groups,
                "dilation": dilation}
    torch_compare(nn.ConvTranspose2d(in_c, out_c, kernel, **args),
                  torch.nn.ConvTranspose2d(in_c, out_c, kernel, **args), x, dtype=dtype,
                  from_torch=True)


def test_conv_transpose2d_without_bias_and_its_state_dict_keys(torch_compare):
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 4))
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2, bias=False)
    assert list(layer.state_dict()) == ["weight"]
    assert layer.weight.shape == (3, 2, 3, 3)
    torch_compare(layer, torch.nn.ConvTranspose2d(3, 2, 3, stride=2, bias=False), x)


def test_conv_transpose2d_init_bound_matches_torch():
    # PyTorch: kaiming_uniform(a=√5) with fan_in = weight.shape[1]·kh·kw → bound 1/√fan_in.
    layer = nn.ConvTranspose2d(64, 2, 3)
    bound = 1 / np.sqrt(2 * 9)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound
    assert np.abs(layer.bias.data).max() <= bound


def test_conv_options_gradcheck_float64():
    dlkit.manual_seed(0)
    x = dlkit.randn(2, 4, 6, 5, requires_grad=True)
    w = dlkit.randn(6, 2, 3, 2, requires_grad=True)
    b = dlkit.randn(6, requires_grad=True)
    assert dlkit.gradcheck(lambda x, w, b: conv2d(x, w, b, stride=(2, 1), padding=(1, 2),
                                                  dilation=(1, 2), groups=2), [x, w, b])
    assert dlkit.gradcheck(lambda x, w, b: conv2d(x, w, b, padding="same", groups=2), [x, w, b])
    x1 = dlkit.randn(2, 4, 7, requires_grad=True)
    w1 = dlkit.randn(4, 2, 3, requires_grad=True)
    assert dlkit.gradcheck(lambda x, w: conv1d(x, w, dilation=2, groups=2, padding="same"), [x1, w1])


def test_conv_transpose2d_gradcheck_float64():
    dlkit.manual_seed(1)
    x = dlkit.randn(2, 4, 3, 3, requires_grad=True)
    w = dlkit.randn(4, 3, 3, 2, requires_grad=True)
    b = dlkit.randn(6, requires_grad=True)
    assert dlkit.gradcheck(lambda x, w, b: conv_transpose2d(x, w, b, stride=2, padding=1,
                                                            output_padding=(1, 0), groups=2,
                                                            dilation=(1, 2)), [x, w, b])


def assert_same_as_torch(ours, theirs, arrays, rng):
    """Forward and every input's gradient of ``ours`` equal ``theirs`` on the same float64 arrays."""
    xs = [dlkit.Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, t_out = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    t_out.backward(torch.from_numpy(g))
    for a, t in zip(xs, ts):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 2), groups=st.sampled_from([1, 2]), c_per=st.integers(1, 2),
       o_per=st.integers(1, 2), kh=st.integers(1, 3), kw=st.integers(1, 3), s=st.integers(1, 3),
       p=st.integers(0, 2), d=st.integers(1, 2), h=st.integers(1, 6), w=st.integers(1, 6))
def test_conv2d_any_small_shape_matches_torch(n, groups, c_per, o_per, kh, kw, s, p, d, h, w):
    c, o = c_per * groups, o_per * groups
    if h + 2 * p < d * (kh - 1) + 1 or w + 2 * p < d * (kw - 1) + 1:
        return   # no window fits: covered by the error test
    rng = np.random.default_rng(0)
    arrays = rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c_per, kh, kw)), rng.standard_normal(o)
    kwargs = {"stride": s, "padding": p, "dilation": d, "groups": groups}
    assert_same_as_torch(lambda *xs: conv2d(*xs, **kwargs),
                         lambda *ts: torch.nn.functional.conv2d(*ts, **kwargs), arrays, rng)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 2), groups=st.sampled_from([1, 2]), c_per=st.integers(1, 2),
       o_per=st.integers(1, 2), k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 2),
       d=st.integers(1, 2), op=st.integers(0, 2), h=st.integers(1, 4), w=st.integers(1, 4))
def test_conv_transpose2d_any_small_shape_matches_torch(n, groups, c_per, o_per, k, s, p, d, op, h, w):
    c, o = c_per * groups, o_per * groups
    if op >= max(s, d) or min((h - 1) * s, (w - 1) * s) - 2 * p + d * (k - 1) + op + 1 < 1:
        return   # invalid arguments: covered by the error tests
    rng = np.random.default_rng(1)
    arrays = rng.standard_normal((n, c, h, w)), rng.standard_normal((c, o_per, k, k)), rng.standard_normal(o)
    kwargs = {"stride": s, "padding": p, "output_padding": op, "groups": groups, "dilation": d}
    assert_same_as_torch(lambda *xs: conv_transpose2d(*xs, **kwargs),
                         lambda *ts: torch.nn.functional.conv_transpose2d(*ts, **kwargs), arrays, rng)


def test_threads_give_the_same_numbers_as_one_thread():
    from dlkit.functional import _threads
    rng = np.random.default_rng(4)
    x = dlkit.Tensor(rng.standard_normal((16, 8, 20, 20)), requires_grad=True)
    w = dlkit.Tensor(rng.standard_normal((8, 8, 3, 3)), requires_grad=True)
    results = []
    before = _threads.get_num_threads()
    try:
        for threads in (1, 3):
            _threads.set_num_threads(threads)
            x.grad = w.grad = None
            out = dlkit.functional.max_pool2d(conv2d(x, w, padding=1), 2)
            out.backward(np.ones(out.shape))
            results.append((out.data.copy(), x.grad.copy(), w.grad.copy()))
    finally:
        _threads.set_num_threads(before)
    for one, many in zip(*results):
        np.testing.assert_allclose(one, many, rtol=1e-12, atol=1e-12)


def blas_threads():
    from threadpoolctl import threadpool_info
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def split_over_two_threads_with_blas_on_two():
    from threadpoolctl import ThreadpoolController

    from dlkit.functional import _threads
    before = _threads.get_num_threads()
    _threads.set_num_threads(2)
    # BLAS on 2 threads whatever the environment says, so that "held to one" can be seen
    limiter = ThreadpoolController().select(user_api="blas").limit(limits=2)
    try:
        assert blas_threads() and all(n == 2 for n in blas_threads())
        yield _threads
    finally:
        _threads.set_num_threads(before)
        limiter.restore_original_limits()


def test_the_batch_split_holds_blas_to_one_thread_and_gives_it_back(split_over_two_threads_with_blas_on_two):
    seen = []
    split_over_two_threads_with_blas_on_two.over_batch(lambda start, stop: seen.append(blas_threads()), 8,
                                                       10**9)
    assert len(seen) == 4 and all(threads == [1] * len(threads) for threads in seen), seen
    assert all(n == 2 for n in blas_threads())


def test_batch_splits_running_at_once_leave_blas_as_it_was():
    import threading

    from dlkit.functional import _threads
    x = dlkit.Tensor(np.random.default_rng(0).standard_normal((16, 8, 32, 32)))
    w = dlkit.Tensor(np.random.default_rng(1).standard_normal((8, 8, 3, 3)))
    before, split = blas_threads(), _threads.get_num_threads()

    def convolve():
        for _ in range(30):
            conv2d(x, w, padding=1)
    _threads.set_num_threads(2)
    try:
        workers = [threading.Thread(target=convolve) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        _threads.set_num_threads(split)
    assert blas_threads() == before


def test_conv_and_pooling_run_on_one_thread_unless_asked():
    script = "from dlkit.functional import get_num_threads; print(get_num_threads())"
    env = {k: v for k, v in os.environ.items() if k != "DLKIT_NUM_THREADS"}
    for extra, expected in (({}, "1"), ({"OMP_NUM_THREADS": "2"}, "1"), ({"DLKIT_NUM_THREADS": "3"}, "3")):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             env={**env, **extra}, timeout=120).stdout.strip()
        assert out == expected, (extra, out)


@pytest.mark.parametrize("make, match", [
    (lambda: nn.Conv2d(3, 8, 0), "kernel_size must be >= 1"),
    (lambda: nn.Conv2d(3, 8, 3, stride=0), "stride must be >= 1"),
    (lambda: nn.Conv2d(3, 8, 3, padding=-1), "padding must be >= 0"),
    (lambda: nn.Conv2d(3, 8, 3, dilation=0), "dilation must be >= 1"),
    (lambda: nn.Conv2d(0, 8, 3), "in_channels must be an int >= 1"),
    (lambda: nn.Conv2d(3, 8, 3, groups=2), "in_channels=3 must be divisible by groups=2"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), "out_channels=6 must be divisible by groups=4"),
    (lambda: nn.Conv2d(3, 8, 3, padding="full"), "padding must be an int"),
    (lambda: nn.Conv2d(3, 8, 3, stride=2, padding="same"), "padding='same' needs stride 1"),
    (lambda: nn.Conv2d(3, 8, 3, padding_mode="reflect"), "padding_mode"),
    (lambda: nn.Conv1d(3, 8, (3, 3)), "kernel_size must be an int or a tuple of 1 ints"),
    (lambda: nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=2), "output_padding"),
    (lambda: nn.ConvTranspose2d(3, 8, 3, stride=0), "stride must be >= 1"),
])
def test_bad_conv_arguments_are_clear_dlkit_errors(make, match):
    with pytest.raises(dlkit.DlkitError, match=match) as info:
        make()
    assert isinstance(info.value, ValueError | TypeError)


def test_wrong_input_for_conv_transpose_names_layer_and_shapes():
    layer = nn.ConvTranspose2d(3, 2, 3)
    with pytest.raises(dlkit.ShapeError, match=r"ConvTranspose2d\(3, 2.*expected input with 3 channels.*\(1, 4, 5, 5\)"):
        layer(dlkit.zeros(1, 4, 5, 5))
    with pytest.raises(dlkit.ShapeError, match=r"ConvTranspose2d.*expected 4-D input"):
        layer(dlkit.zeros(3, 5, 5))
    with pytest.raises(dlkit.ShapeError, match="conv_transpose2d: padding .* leaves no output"):
        conv_transpose2d(dlkit.zeros(1, 1, 1, 1), dlkit.zeros(1, 1, 1, 1), padding=1)


def test_an_empty_batch_goes_through_conv_transpose_and_pooling_like_torch():
    x = np.zeros((0, 3, 5, 5))
    for dl_layer, t_layer in [(nn.Conv2d(3, 4, 3, padding="same"), torch.nn.Conv2d(3, 4, 3, padding="same")),
                              (nn.ConvTranspose2d(3, 2, 2, stride=2), torch.nn.ConvTranspose2d(3, 2, 2, stride=2)),
                              (nn.MaxPool2d(2, ceil_mode=True), torch.nn.MaxPool2d(2, ceil_mode=True))]:
        dl_x = dlkit.Tensor(x, requires_grad=True)
        out = dl_layer(dl_x)
        assert out.shape == tuple(t_layer.double()(torch.from_numpy(x)).shape)
        out.sum().backward()
        assert dl_x.grad.shape == x.shape
