"""Pooling options (ceil_mode, return_indices, dilation, count_include_pad, divisor_override),
AdaptiveAvgPool2d and Upsample / F.interpolate against PyTorch, float64 and float32, hypothesis over
small shapes, central differences and clear errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlkit
from dlkit import functional as F
from dlkit import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _check(dl_fn, t_fn, x, dtype=np.float64, seed=0):
    """Forward and input gradient of ``dl_fn`` against ``t_fn`` on the same data."""
    rtol, atol = (1e-9, 1e-12) if dtype == np.float64 else (1e-5, 1e-6)
    x = np.asarray(x, dtype=dtype)
    dl_x, t_x = dlkit.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, t_out = dl_fn(dl_x), t_fn(t_x)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=rtol, atol=atol)
    assert out.dtype == dtype
    g = np.random.default_rng(seed).standard_normal(out.shape).astype(dtype)
    out.backward(g)
    t_out.backward(torch.from_numpy(g))
    np.testing.assert_allclose(dl_x.grad, t_x.grad.numpy(), rtol=rtol, atol=atol)


MAX2D = [  # kernel, stride, padding, dilation, ceil_mode, shape
    (3, 2, 0, 1, True, (2, 3, 8, 8)),
    (3, 2, 1, 1, True, (1, 2, 6, 7)),
    (2, 2, 0, 2, False, (2, 2, 7, 7)),
    ((2, 3), (1, 2), (1, 1), (1, 2), True, (1, 2, 5, 9)),
    (2, None, 0, 1, True, (2, 1, 5, 5)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode, shape", MAX2D)
def test_max_pool2d_options_match_torch(dtype, kernel, stride, padding, dilation, ceil_mode, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    args = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    _check(nn.MaxPool2d(kernel, **args), torch.nn.MaxPool2d(kernel, **args), x, dtype)


@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode, shape", MAX2D)
def test_max_pool2d_return_indices_match_torch(kernel, stride, padding, dilation, ceil_mode, shape):
    x = np.random.default_rng(1).standard_normal(shape)
    args = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode, "return_indices": True}
    out, idx = nn.MaxPool2d(kernel, **args)(dlkit.Tensor(x))
    t_out, t_idx = torch.nn.MaxPool2d(kernel, **args)(torch.from_numpy(x))
    np.testing.assert_array_equal(out.data, t_out.numpy())
    np.testing.assert_array_equal(idx.data, t_idx.numpy())
    assert idx.dtype == np.int64


def test_max_pool_ties_send_the_gradient_to_the_first_entry_like_torch():
    x = np.zeros((1, 1, 4, 4))          # every window is a tie (e.g. after ReLU)
    _check(lambda t: F.max_pool2d(t, 2), lambda t: TF.max_pool2d(t, 2), x)
    _check(lambda t: F.max_pool2d(t, 3, 1, ceil_mode=True), lambda t: TF.max_pool2d(t, 3, 1, ceil_mode=True), x)
    _out, idx = F.max_pool2d(dlkit.Tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(idx.data, TF.max_pool2d(torch.from_numpy(x), 2, return_indices=True)[1])


def test_max_pool_ties_across_rows_and_columns_pick_the_first_in_reading_order_like_torch():
    # [[0, 5], [5, 0]]: the max appears at (0, 1) and (1, 0); PyTorch scans row by row and keeps (0, 1).
    x = np.array([[[[0.0, 5, 2, 2], [5, 0, 2, 2], [1, 7, 7, 0], [7, 1, 0, 7]]]])
    for kernel, stride in ((2, 2), (2, 1), (3, 1)):
        _check(lambda t, k=kernel, s=stride: F.max_pool2d(t, k, s),
               lambda t, k=kernel, s=stride: TF.max_pool2d(t, k, s), x)
        idx = F.max_pool2d(dlkit.Tensor(x), kernel, stride, return_indices=True)[1]
        np.testing.assert_array_equal(idx.data, TF.max_pool2d(torch.from_numpy(x), kernel, stride,
                                                              return_indices=True)[1])


def test_max_pool_window_with_nan_is_nan_and_sends_the_gradient_to_its_last_nan_like_torch():
    nan = np.nan
    x = np.array([[[[nan, 1, nan, 4], [2, nan, 3, 3], [1, 2, 3, 4], [5, 6, 7, 8]]]])
    for kernel, stride in ((2, 2), (2, 1)):
        dl_x, t_x = dlkit.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out = F.max_pool2d(dl_x, kernel, stride, return_indices=True)
        t_out = TF.max_pool2d(t_x, kernel, stride, return_indices=True)
        np.testing.assert_array_equal(out[0].data, t_out[0].detach().numpy())   # nan where torch has nan
        np.testing.assert_array_equal(out[1].data, t_out[1].numpy())
        out[0].sum().backward()
        t_out[0].sum().backward()
        np.testing.assert_array_equal(dl_x.grad, t_x.grad.numpy())


def test_max_pool_window_of_minus_inf_picks_its_first_cell_inside_the_image_like_torch():
    # The window [pad, -inf] ties padding with the image: PyTorch's kernel starts from the first cell
    # inside the image, so index 0 gets the gradient (not the padding, which would lose it).
    x = np.array([[[[-np.inf, 1.0, 2.0], [-np.inf, -np.inf, 3.0]]]])
    for kernel, stride, padding, dilation in (((1, 2), (1, 2), (0, 1), 1), ((2, 2), 1, 1, 1), (2, 1, 1, 2)):
        args = {"stride": stride, "padding": padding, "dilation": dilation, "return_indices": True}
        dl_x, t_x = dlkit.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, idx = F.max_pool2d(dl_x, kernel, **args)
        t_out, t_idx = TF.max_pool2d(t_x, kernel, **args)
        np.testing.assert_array_equal(out.data, t_out.detach().numpy())
        np.testing.assert_array_equal(idx.data, t_idx.numpy())
        out.sum().backward()
        t_out.sum().backward()
        np.testing.assert_array_equal(dl_x.grad, t_x.grad.numpy())


@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 1)])
def test_max_pool_sends_an_infinite_gradient_to_the_winner_only_like_torch(kernel, stride):
    x = np.random.default_rng(5).standard_normal((1, 2, 5, 5))
    dl_x, t_x = dlkit.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, t_out = F.max_pool2d(dl_x, kernel, stride), TF.max_pool2d(t_x, kernel, stride)
    g = np.full(out.shape, np.inf)
    g[0, 0, 0, 0] = -np.inf
    out.backward(g)
    t_out.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(dl_x.grad, t_x.grad.numpy())   # 0, not inf · 0 = nan, elsewhere


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode", [
    (3, 2, 0, 1, True), (3, 2, 1, 2, True), (2, 1, 1, 1, False), (4, None, 2, 1, True)])
def test_max_pool1d_options_match_torch(dtype, kernel, stride, padding, dilation, ceil_mode):
    x = np.random.default_rng(2).standard_normal((2, 3, 10))
    args = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    _check(nn.MaxPool1d(kernel, **args), torch.nn.MaxPool1d(kernel, **args), x, dtype)
    _out, idx = F.max_pool1d(dlkit.Tensor(x), kernel, return_indices=True, **args)
    np.testing.assert_array_equal(idx.data, TF.max_pool1d(torch.from_numpy(x), kernel,
                                                          return_indices=True, **args)[1].numpy())


AVG2D = [  # kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, shape
    (3, 2, 1, True, True, None, (2, 2, 6, 7)),
    (3, 2, 1, True, False, None, (2, 2, 6, 7)),
    (3, 2, 1, False, False, None, (1, 2, 5, 5)),
    ((2, 3), (2, 2), (1, 1), True, True, None, (1, 1, 5, 6)),
    (2, 2, 0, False, True, 3, (1, 2, 4, 4)),
    (3, 3, 1, True, False, 2, (1, 1, 8, 7)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel, stride, padding, ceil_mode, include, divisor, shape", AVG2D)
def test_avg_pool2d_options_match_torch(dtype, kernel, stride, padding, ceil_mode, include, divisor, shape):
    x = np.random.default_rng(3).standard_normal(shape)
    args = {"stride": stride, "padding": padding, "ceil_mode": ceil_mode, "count_include_pad": include,
                "divisor_override": divisor}
    _check(nn.AvgPool2d(kernel, **args), torch.nn.AvgPool2d(kernel, **args), x, dtype)


@pytest.mark.parametrize("ceil_mode, include", [(True, True), (True, False), (False, False)])
def test_avg_pool1d_options_match_torch(ceil_mode, include):
    x = np.random.default_rng(4).standard_normal((2, 2, 8))
    args = {"stride": 2, "padding": 1, "ceil_mode": ceil_mode, "count_include_pad": include}
    _check(nn.AvgPool1d(3, **args), torch.nn.AvgPool1d(3, **args), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output_size, shape", [
    (1, (2, 3, 5, 7)), ((2, 3), (1, 2, 5, 7)), ((3, None), (1, 2, 7, 4)), (4, (1, 1, 9, 10)),
    ((5, 6), (1, 1, 3, 4)), (2, (3, 4, 4))])
def test_adaptive_avg_pool2d_matches_torch(dtype, output_size, shape):
    x = np.random.default_rng(5).standard_normal(shape)
    _check(nn.AdaptiveAvgPool2d(output_size), torch.nn.AdaptiveAvgPool2d(output_size), x, dtype)


UPSAMPLE = [  # kwargs, shape
    ({"scale_factor": 2, "mode": "nearest"}, (2, 2, 3, 4)),
    ({"size": (5, 7), "mode": "nearest"}, (1, 2, 3, 4)),
    ({"size": (2, 3), "mode": "nearest"}, (1, 1, 5, 7)),
    ({"scale_factor": 2, "mode": "bilinear"}, (2, 2, 3, 4)),
    ({"scale_factor": 2, "mode": "bilinear", "align_corners": True}, (2, 2, 3, 4)),
    ({"size": (5, 3), "mode": "bilinear", "align_corners": False}, (1, 1, 4, 6)),
    ({"size": (5, 3), "mode": "bilinear", "align_corners": True}, (1, 1, 4, 6)),
    ({"size": (1, 1), "mode": "bilinear", "align_corners": True}, (1, 1, 4, 6)),
    ({"scale_factor": (1.5, 2.5), "mode": "bilinear"}, (1, 1, 4, 3)),
    ({"scale_factor": 3, "mode": "linear"}, (2, 2, 4)),
    ({"size": 7, "mode": "linear", "align_corners": True}, (2, 2, 4)),
    ({"scale_factor": 2, "mode": "nearest"}, (2, 2, 5)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs, shape", UPSAMPLE)
def test_upsample_and_interpolate_match_torch(dtype, kwargs, shape):
    x = np.random.default_rng(6).standard_normal(shape)
    _check(nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs), x, dtype)
    _check(lambda t: F.interpolate(t, **kwargs), lambda t: TF.interpolate(t, **kwargs), x, dtype)


def test_pooling_and_resizing_gradcheck_float64():
    dlkit.manual_seed(0)
    x = dlkit.randn(2, 2, 5, 6, requires_grad=True)
    assert dlkit.gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [x])
    assert dlkit.gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, dilation=1, ceil_mode=True), [x])
    assert dlkit.gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 4)), [x])
    assert dlkit.gradcheck(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), [x])
    assert dlkit.gradcheck(lambda x: F.interpolate(x, size=(7, 4), mode="nearest"), [x])


def _some_window_is_all_padding(size, k, s, p, d, ceil):
    from dlkit.functional.pooling import pool_output_size
    out = pool_output_size(size, k, s, p, d, ceil)
    return any(all(not 0 <= i * s - p + j * d < size for j in range(k)) for i in range(out))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 2), h=st.integers(1, 7), w=st.integers(1, 7),
       k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 1), d=st.integers(1, 2),
       ceil=st.booleans())
def test_max_and_avg_pool_any_small_shape_match_torch(n, c, h, w, k, s, p, d, ceil):
    if 2 * p > k or h + 2 * p < d * (k - 1) + 1 or w + 2 * p < d * (k - 1) + 1:
        return  # invalid arguments: covered by the error tests
    if _some_window_is_all_padding(h, k, s, p, d, ceil) or _some_window_is_all_padding(w, k, s, p, d, ceil):
        return  # PyTorch's max index for such a window points outside it (a degenerate case)
    x = np.random.default_rng(7).standard_normal((n, c, h, w))
    _check(lambda t: F.max_pool2d(t, k, s, p, d, ceil_mode=ceil),
           lambda t: TF.max_pool2d(t, k, s, p, d, ceil_mode=ceil), x)
    if d == 1:
        for include in (True, False):
            _check(lambda t, include=include: F.avg_pool2d(t, k, s, p, ceil, include),
                   lambda t, include=include: TF.avg_pool2d(t, k, s, p, ceil, include), x)


@settings(max_examples=30, deadline=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), oh=st.integers(1, 9), ow=st.integers(1, 9),
       mode=st.sampled_from(["nearest", "bilinear-false", "bilinear-true", "adaptive"]))
def test_resizing_any_small_shape_matches_torch(h, w, oh, ow, mode):
    x = np.random.default_rng(8).standard_normal((1, 2, h, w))
    if mode == "adaptive":
        _check(lambda t: F.adaptive_avg_pool2d(t, (oh, ow)), lambda t: TF.adaptive_avg_pool2d(t, (oh, ow)), x)
        return
    kwargs = {"size": (oh, ow), "mode": mode.split("-")[0]}
    if mode != "nearest":
        kwargs["align_corners"] = mode.endswith("true")
    _check(lambda t: F.interpolate(t, **kwargs), lambda t: TF.interpolate(t, **kwargs), x)


@pytest.mark.parametrize("make, match", [
    (lambda: nn.MaxPool2d(0), "kernel_size must be >= 1"),
    (lambda: nn.MaxPool2d(2, stride=0), "stride must be >= 1"),
    (lambda: nn.MaxPool2d(2, padding=-1), "padding must be >= 0"),
    (lambda: nn.MaxPool2d(2, padding=2), "at most half the kernel size"),
    (lambda: nn.MaxPool1d(2, dilation=0), "dilation must be >= 1"),
    (lambda: nn.AvgPool2d(2, divisor_override=0), "divisor_override"),
    (lambda: nn.AdaptiveAvgPool2d(0), "output_size must be >= 1"),
    (lambda: nn.Upsample(scale_factor=2, mode="bicubic"), "mode must be one of"),
    (lambda: nn.Upsample(), "exactly one of size and scale_factor"),
    (lambda: F.interpolate(dlkit.zeros(1, 1, 2, 2), scale_factor=2, mode="linear"), "needs a 3-D input"),
    (lambda: F.interpolate(dlkit.zeros(1, 1, 2, 2), scale_factor=-1), "positive"),
])
def test_bad_pooling_arguments_are_clear_dlkit_errors(make, match):
    with pytest.raises(dlkit.DlkitError, match=match):
        make()


def test_wrong_rank_for_new_layers_names_layer_and_shape():
    with pytest.raises(dlkit.ShapeError, match=r"adaptive_avg_pool2d: expected 3-D or 4-D input.*\(2, 3\)"):
        nn.AdaptiveAvgPool2d(2)(dlkit.zeros(2, 3))
    with pytest.raises(dlkit.ShapeError, match=r"interpolate: expected 3-D or 4-D input.*\(5,\)"):
        nn.Upsample(scale_factor=2)(dlkit.zeros(5))
    with pytest.raises(dlkit.ShapeError, match=r"MaxPool2d\(kernel_size=2.*expected 4-D input.*\(1, 4, 4\)"):
        nn.MaxPool2d(2, ceil_mode=True)(dlkit.zeros(1, 4, 4))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel, stride, padding, shape, output_size", [
    (2, None, 0, (2, 3, 6, 6), None), (3, 2, 1, (1, 2, 7, 7), (7, 7)), (2, 2, 0, (1, 1, 5, 7), (5, 7)),
    ((2, 3), (2, 3), 0, (2, 2, 6, 9), None)])
def test_max_unpool2d_undoes_max_pool2d_like_torch(dtype, kernel, stride, padding, shape, output_size):
    x = np.random.default_rng(9).standard_normal(shape)
    pooled, idx = F.max_pool2d(dlkit.Tensor(x), kernel, stride, padding, return_indices=True)
    _, t_idx = TF.max_pool2d(torch.from_numpy(x), kernel, stride, padding, return_indices=True)
    np.testing.assert_array_equal(idx.data, t_idx.numpy())
    unpool = nn.MaxUnpool2d(kernel, stride, padding)
    t_unpool = torch.nn.MaxUnpool2d(kernel, stride, padding)
    _check(lambda t: unpool(t, idx, output_size), lambda t: t_unpool(t, t_idx, output_size),
           pooled.data, dtype)


def test_max_unpool2d_rejects_indices_outside_the_output():
    with pytest.raises(dlkit.ShapeError, match=r"max_unpool2d: indices must lie in \[0, 4\)"):
        F.max_unpool2d(dlkit.ones(1, 1, 1, 1), np.array([[[[7]]]]), 2)
