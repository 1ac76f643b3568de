"""Activation layers and softmax / log-softmax: PyTorch, central differences, and the Jacobian bug."""
import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.functional import log_softmax, softmax


@pytest.mark.parametrize("name, args", [("ReLU", ()), ("LeakyReLU", (0.2,)), ("Sigmoid", ()),
                                        ("Tanh", ()), ("Softmax", (1,)), ("LogSoftmax", (1,)),
                                        ("Softmax", (0,)), ("LogSoftmax", (-1,))])
def test_activation_modules_match_torch(torch_compare, name, args):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 5)) * 3
    torch_compare(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x)


def test_softmax_on_a_4d_tensor_along_channels_matches_torch(torch_compare):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    torch_compare(nn.Softmax(dim=1), torch.nn.Softmax(dim=1), x)


def test_regression_softmax_jacobian_is_diag_s_minus_s_s_transpose():
    """A reference library had a wrong softmax Jacobian. Build the full Jacobian from backward, one
    row per output entry, and compare with the analytic diag(s) − s sᵀ and with torch."""
    z = np.array([0.5, -1.0, 2.0, 0.0])
    s = np.exp(z) / np.exp(z).sum()
    analytic = np.diag(s) - np.outer(s, s)
    rows = []
    for i in range(4):
        x = dlkit.Tensor(z, requires_grad=True)
        seed = np.zeros(4)
        seed[i] = 1.0
        softmax(x).backward(seed)
        rows.append(x.grad)
    jacobian = np.stack(rows)
    np.testing.assert_allclose(jacobian, analytic, rtol=1e-12, atol=1e-15)
    torch = pytest.importorskip("torch")
    torch_jacobian = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0),
                                                        torch.tensor(z)).numpy()
    np.testing.assert_allclose(jacobian, torch_jacobian, rtol=1e-12, atol=1e-15)


def test_softmax_gradcheck():
    x = dlkit.randn(3, 4, requires_grad=True)
    assert dlkit.gradcheck(lambda x: softmax(x, axis=1), [x])
    assert dlkit.gradcheck(lambda x: softmax(x, axis=0), [x])


def test_log_softmax_gradcheck():
    x = dlkit.randn(3, 4, requires_grad=True)
    assert dlkit.gradcheck(lambda x: log_softmax(x, axis=-1), [x])


def test_softmax_and_log_softmax_are_stable_for_huge_inputs():
    x = dlkit.Tensor([[1e4, 0.0, -1e4], [1000.0, 1000.0, 1000.0]])
    np.testing.assert_allclose(softmax(x).data, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-15)
    np.testing.assert_allclose(log_softmax(x).data, [[0, -1e4, -2e4], [-np.log(3)] * 3], rtol=1e-12)


def test_softmax_rows_sum_to_one():
    probs = softmax(dlkit.randn(5, 7)).data
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)


def test_softmax_accepts_pytorchs_dim_keyword():
    x = dlkit.randn(2, 3)
    np.testing.assert_array_equal(softmax(x, dim=0).data, softmax(x, axis=0).data)


def test_softmax_bad_axis_is_a_clear_error():
    with pytest.raises(dlkit.ShapeError, match=r"softmax: axis=2 is out of range.*\(2, 3\)"):
        softmax(dlkit.randn(2, 3), axis=2)


def test_leaky_relu_by_hand():
    x = dlkit.Tensor([-2.0, 3.0], requires_grad=True)
    out = nn.LeakyReLU(0.1)(x)
    out.sum().backward()
    np.testing.assert_allclose(out.data, [-0.2, 3.0])
    np.testing.assert_allclose(x.grad, [0.1, 1.0])
