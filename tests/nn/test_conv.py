"""Conv1d and Conv2d: against PyTorch float64, central differences, and clear errors."""
import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.functional import conv1d, conv2d

CONV2D_CASES = [  # (in, out, kernel, stride, padding, input shape)
    (1, 4, 3, 1, 0, (2, 1, 7, 7)),
    (3, 5, 3, 2, 1, (2, 3, 8, 9)),
    (2, 3, (2, 3), (2, 1), (1, 2), (3, 2, 6, 5)),
    (4, 2, 1, 1, 0, (2, 4, 3, 3)),
    (2, 2, 5, 3, 2, (1, 2, 5, 5)),   # overlapping padding on both sides, stride > 1
]


@pytest.mark.parametrize("in_c, out_c, kernel, stride, padding, shape", CONV2D_CASES)
def test_conv2d_matches_torch(torch_compare, in_c, out_c, kernel, stride, padding, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    torch_compare(nn.Conv2d(in_c, out_c, kernel, stride=stride, padding=padding),
                  torch.nn.Conv2d(in_c, out_c, kernel, stride=stride, padding=padding), x)


def test_conv2d_without_bias_matches_torch(torch_compare):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    torch_compare(nn.Conv2d(2, 3, 3, bias=False), torch.nn.Conv2d(2, 3, 3, bias=False), x)


@pytest.mark.parametrize("kernel, stride, padding", [(3, 1, 0), (2, 2, 1), (4, 3, 2)])
def test_conv1d_matches_torch(torch_compare, kernel, stride, padding):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 2, 9))
    torch_compare(nn.Conv1d(2, 4, kernel, stride=stride, padding=padding),
                  torch.nn.Conv1d(2, 4, kernel, stride=stride, padding=padding), x)


def test_conv2d_gradcheck_all_inputs():
    dlkit.manual_seed(0)
    x = dlkit.randn(2, 2, 5, 4, requires_grad=True)
    w = dlkit.randn(3, 2, 3, 2, requires_grad=True)
    b = dlkit.randn(3, requires_grad=True)
    assert dlkit.gradcheck(lambda x, w, b: conv2d(x, w, b, stride=(2, 1), padding=1), [x, w, b])


def test_conv1d_gradcheck_all_inputs():
    dlkit.manual_seed(1)
    x = dlkit.randn(2, 2, 7, requires_grad=True)
    w = dlkit.randn(3, 2, 3, requires_grad=True)
    b = dlkit.randn(3, requires_grad=True)
    assert dlkit.gradcheck(lambda x, w, b: conv1d(x, w, b, stride=2, padding=1), [x, w, b])


def test_conv2d_by_hand():
    # A 3x3 image and a 2x2 kernel that sums its window plus a bias of 1.
    x = dlkit.Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    out = conv2d(x, dlkit.Tensor(np.ones((1, 1, 2, 2))), dlkit.Tensor([1.0]))
    np.testing.assert_array_equal(out.data, [[[[0 + 1 + 3 + 4 + 1, 1 + 2 + 4 + 5 + 1],
                                                [3 + 4 + 6 + 7 + 1, 4 + 5 + 7 + 8 + 1]]]])


def test_conv2d_output_size_formula():
    conv = nn.Conv2d(1, 2, kernel_size=3, stride=2, padding=1)
    assert conv(dlkit.randn(1, 1, 28, 28)).shape == (1, 2, 14, 14)


def test_conv2d_weight_shape_and_default_init_bound():
    dlkit.manual_seed(0)
    conv = nn.Conv2d(8, 16, 3)
    assert conv.weight.shape == (16, 8, 3, 3)
    assert np.abs(conv.weight.data).max() <= 1 / np.sqrt(8 * 9)
    assert np.abs(conv.bias.data).max() <= 1 / np.sqrt(8 * 9)


def test_conv2d_channel_mismatch_names_the_layer_and_shapes():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(dlkit.ShapeError, match=r"Conv2d\(3, 8.*expected input with 3 channels.*"
                                               r"got shape \(2, 1, 8, 8\) with 1"):
        conv(dlkit.randn(2, 1, 8, 8))


@pytest.mark.parametrize("shape", [(1, 8, 8), (8, 8), (1, 1, 1, 8, 8)])
def test_conv2d_wrong_ndim_is_a_clear_error(shape):
    with pytest.raises(dlkit.ShapeError, match=r"Conv2d.*expected 4-D input \(N, C, H, W\), got shape"):
        nn.Conv2d(1, 2, 3)(dlkit.randn(*shape))


def test_conv1d_wrong_ndim_is_a_clear_error():
    with pytest.raises(dlkit.ShapeError, match=r"Conv1d.*expected 3-D input \(N, C, L\), got shape \(4, 10\)"):
        nn.Conv1d(1, 2, 3)(dlkit.randn(4, 10))


def test_kernel_larger_than_input_is_a_clear_error():
    with pytest.raises(dlkit.ShapeError, match="kernel size .* is larger than the padded input"):
        nn.Conv2d(1, 1, 5)(dlkit.randn(1, 1, 3, 3))


def test_functional_conv2d_weight_channel_mismatch():
    with pytest.raises(dlkit.ShapeError, match="conv2d: weight of shape \\(2, 3, 3, 3\\) does not fit the input of shape \\(1, 2, 5, 5\\)"):
        conv2d(dlkit.randn(1, 2, 5, 5), dlkit.randn(2, 3, 3, 3))
