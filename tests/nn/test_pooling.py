"""Max and average pooling: against PyTorch float64, central differences, and the batch-mixing bug."""
import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.functional import avg_pool2d, max_pool1d, max_pool2d

POOL2D_CASES = [  # (kernel, stride, padding, input shape)
    (2, None, 0, (2, 3, 6, 6)),
    (3, 2, 1, (2, 2, 7, 8)),       # overlapping windows and padding
    ((2, 3), (1, 2), 0, (1, 2, 5, 7)),
    (2, None, 0, (2, 1, 5, 5)),    # odd size: the last row and column are dropped
]


def _distinct(shape, seed=0):
    """Random values without ties, so the max of every window is unique."""
    return np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) / 7.0 - 3.0


@pytest.mark.parametrize("kernel, stride, padding, shape", POOL2D_CASES)
def test_max_pool2d_matches_torch(torch_compare, kernel, stride, padding, shape):
    torch = pytest.importorskip("torch")
    torch_compare(nn.MaxPool2d(kernel, stride, padding), torch.nn.MaxPool2d(kernel, stride, padding),
                  _distinct(shape))


@pytest.mark.parametrize("kernel, stride, padding, shape", POOL2D_CASES)
def test_avg_pool2d_matches_torch(torch_compare, kernel, stride, padding, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    torch_compare(nn.AvgPool2d(kernel, stride, padding), torch.nn.AvgPool2d(kernel, stride, padding), x)


@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 1, 1), (3, 2, 0)])
def test_max_pool1d_matches_torch(torch_compare, kernel, stride, padding):
    torch = pytest.importorskip("torch")
    torch_compare(nn.MaxPool1d(kernel, stride, padding), torch.nn.MaxPool1d(kernel, stride, padding),
                  _distinct((2, 3, 9)))


def test_avg_pool1d_matches_torch(torch_compare):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 9))
    torch_compare(nn.AvgPool1d(3, 2), torch.nn.AvgPool1d(3, 2), x)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum_like_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[[[1.0, 1.0], [1.0, 0.0]]]])
    dl_x = dlkit.Tensor(x, requires_grad=True)
    max_pool2d(dl_x, 2).sum().backward()
    t_x = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(t_x, 2).sum().backward()
    np.testing.assert_array_equal(dl_x.grad, t_x.grad.numpy())
    np.testing.assert_array_equal(dl_x.grad, [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_max_pool2d_by_hand():
    x = dlkit.Tensor(np.array([[1.0, 5.0, 2.0, 0.0],
                               [3.0, 4.0, 8.0, 1.0],
                               [0.0, 0.0, 1.0, 1.0],
                               [9.0, 0.0, 1.0, 2.0]]).reshape(1, 1, 4, 4), requires_grad=True)
    out = max_pool2d(x, 2)
    np.testing.assert_array_equal(out.data.reshape(2, 2), [[5.0, 8.0], [9.0, 2.0]])
    out.backward(np.array([10.0, 20.0, 30.0, 40.0]).reshape(1, 1, 2, 2))
    np.testing.assert_array_equal(x.grad.reshape(4, 4), [[0, 10, 0, 0], [0, 0, 20, 0],
                                                         [0, 0, 0, 0], [30, 0, 0, 40]])


def test_max_pool2d_gradcheck():
    x = dlkit.Tensor(_distinct((2, 2, 5, 5)), requires_grad=True)
    assert dlkit.gradcheck(lambda x: max_pool2d(x, 3, stride=2, padding=1), [x])


def test_avg_pool2d_gradcheck():
    x = dlkit.randn(2, 2, 5, 6, requires_grad=True)
    assert dlkit.gradcheck(lambda x: avg_pool2d(x, (2, 3), stride=1, padding=1), [x])


def test_max_pool1d_gradcheck():
    x = dlkit.Tensor(_distinct((2, 2, 8)), requires_grad=True)
    assert dlkit.gradcheck(lambda x: max_pool1d(x, 3, stride=2), [x])


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
def test_regression_pooling_never_mixes_samples_of_a_batch(pool):
    """A reference library pooled across the batch axis: each sample's output must depend only on
    that sample, so it equals pooling the sample alone and is unchanged when the others change."""
    batch = np.random.default_rng(0).standard_normal((4, 3, 6, 6))
    pooled = pool(dlkit.Tensor(batch), 2, stride=2).data
    for i in range(4):
        alone = pool(dlkit.Tensor(batch[i:i + 1]), 2, stride=2).data[0]
        np.testing.assert_array_equal(pooled[i], alone)
        changed = batch.copy()
        changed[np.arange(4) != i] = 100.0 * np.random.default_rng(i).standard_normal((3, 3, 6, 6))
        np.testing.assert_array_equal(pool(dlkit.Tensor(changed), 2, stride=2).data[i], pooled[i])
    # and the gradient of one sample's output reaches only that sample
    x = dlkit.Tensor(batch, requires_grad=True)
    out = pool(x, 2, stride=2)
    upstream = np.zeros(out.shape)
    upstream[1] = 1.0
    out.backward(upstream)
    assert np.all(x.grad[[0, 2, 3]] == 0) and np.any(x.grad[1] != 0)


@pytest.mark.parametrize("layer, shape, layout", [
    (nn.MaxPool2d(2), (3, 8, 8), r"4-D input \(N, C, H, W\)"),
    (nn.AvgPool2d(2), (1, 1, 3, 8, 8), r"4-D input \(N, C, H, W\)"),
    (nn.MaxPool1d(2), (8, 8), r"3-D input \(N, C, L\)"),
])
def test_pooling_wrong_ndim_names_the_layer_and_the_shape(layer, shape, layout):
    with pytest.raises(dlkit.ShapeError, match=type(layer).__name__ + r"\(.*expected " + layout
                       + r", got shape " + str(shape).replace("(", r"\(").replace(")", r"\)")):
        layer(dlkit.randn(*shape))


def test_pooling_window_larger_than_input_is_a_clear_error():
    with pytest.raises(dlkit.ShapeError, match="max_pool2d: kernel size"):
        nn.MaxPool2d(4)(dlkit.randn(1, 1, 3, 3))


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
def test_pooling_padding_larger_than_half_the_kernel_is_refused(pool):
    with pytest.raises(ValueError, match=r"padding \(2, 2\) must be at most half the kernel size"):
        pool(dlkit.randn(1, 1, 6, 6), 3, padding=2)
