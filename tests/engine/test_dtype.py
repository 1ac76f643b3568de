"""Dtypes: float64 by default (exact enough for gradient checks); float32 when chosen, and kept."""
import numpy as np
import pytest

import dlkit
from dlkit import Tensor


@pytest.fixture
def float32_default():
    """Switch the default dtype to float32 for one test, and always switch it back."""
    previous = dlkit.get_default_dtype()
    dlkit.set_default_dtype(np.float32)
    yield
    dlkit.set_default_dtype(previous)


def test_default_dtype_is_float64():
    assert dlkit.get_default_dtype() is np.float64


@pytest.mark.parametrize("make", [
    lambda: Tensor(1.5), lambda: Tensor([1.0, 2.0]), lambda: Tensor([[1, 2.5]]),
    lambda: dlkit.zeros(2), lambda: dlkit.ones(2, 3), lambda: dlkit.randn(3), lambda: dlkit.rand(3),
    lambda: dlkit.arange(4.0), lambda: Tensor([1, 2], requires_grad=True),
])
def test_new_float_tensors_are_float64_by_default(make):
    assert make().dtype == np.float64


def test_python_integers_stay_integers_like_torch_tensor():
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor(3).dtype == np.int64


def test_numpy_arrays_keep_their_dtype():
    assert Tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.int32)).dtype == np.int32


def test_explicit_dtype_wins():
    assert Tensor([1.0], dtype=np.float32).dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float32), dtype=np.float64).dtype == np.float64


def test_set_default_dtype_changes_new_tensors(float32_default):
    assert dlkit.get_default_dtype() is np.float32
    for t in [Tensor(1.5), Tensor([1.0, 2.0]), dlkit.zeros(2), dlkit.ones(2), dlkit.randn(2),
              dlkit.rand(2), dlkit.arange(3.0), Tensor([1, 2], requires_grad=True)]:
        assert t.dtype == np.float32


def test_set_default_dtype_leaves_numpy_float64_arrays_alone(float32_default):
    assert Tensor(np.ones(2)).dtype == np.float64


X32 = np.array([[0.5, 1.5, 2.0], [1.0, 0.25, 3.0]], dtype=np.float32)

FLOAT32_OPS = {
    "t + 1": lambda t: t + 1, "1 + t": lambda t: 1 + t, "t - 2.5": lambda t: t - 2.5,
    "2.5 - t": lambda t: 2.5 - t, "t * 3.0": lambda t: t * 3.0, "3.0 * t": lambda t: 3.0 * t,
    "t / 3": lambda t: t / 3, "3 / t": lambda t: 3 / t, "t ** 2": lambda t: t ** 2,
    "t ** 0.5": lambda t: t ** 0.5, "2 ** t": lambda t: 2 ** t, "-t": lambda t: -t,
    "abs": abs, "exp": Tensor.exp, "log": Tensor.log, "sqrt": Tensor.sqrt, "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid, "relu": Tensor.relu, "leaky_relu": Tensor.leaky_relu,
    "clip": lambda t: t.clip(0.5, 2.0), "maximum(t, 0.0)": lambda t: dlkit.maximum(t, 0.0),
    "minimum(1, t)": lambda t: dlkit.minimum(1, t), "where(t > 1, t, 0.0)": lambda t: dlkit.where(t > 1, t, 0.0),
    "sum": lambda t: t.sum(axis=0), "mean": Tensor.mean, "max": lambda t: t.max(axis=1), "min": Tensor.min,
    "var": lambda t: t.var(axis=1), "reshape": lambda t: t.reshape(-1), "T": lambda t: t.T,
    "getitem": lambda t: t[[0, 0], 1:], "matmul": lambda t: t @ t.T,
    "concatenate": lambda t: dlkit.concatenate([t, t]), "stack": lambda t: dlkit.stack([t, t]),
}


@pytest.mark.parametrize("name", list(FLOAT32_OPS))
def test_float32_is_kept_through_ops_with_python_numbers_and_so_are_its_gradients(name):
    x = Tensor(X32.copy(), requires_grad=True)
    y = FLOAT32_OPS[name](x)
    assert y.dtype == np.float32, f"{name} gave {y.dtype}"
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_mixing_float32_and_float64_tensors_promotes_the_result_but_keeps_each_gradient_dtype():
    a = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    b = Tensor(np.full(2, 3.0), requires_grad=True)
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, [3.0, 3.0])


def test_astype_converts_and_casts_the_gradient_back():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.astype(np.float32)
    assert y.dtype == np.float32 and y.op == "astype"
    (y * 3).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_float_and_double_are_astype_shortcuts():
    x = Tensor([1.0], requires_grad=True)
    assert x.float().dtype == np.float32
    assert x.float().double().dtype == np.float64
    x.float().double().sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0])


def test_astype_of_a_float64_to_float64_matches_central_differences(check_op):
    check_op(lambda t: t.astype(np.float64) * t, lambda a: a * a, np.array([1.0, -2.0]))
