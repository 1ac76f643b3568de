"""Numerics and dtypes that must agree with PyTorch exactly where learners notice."""
import numpy as np
import pytest
import torch

import dlkit.functional as F
from dlkit import DataTypeError, Tensor

TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def test_float16_sigmoid_is_computed_in_float32_and_rounded_like_torch():
    x = np.concatenate([np.linspace(-30, 30, 2401), [-np.inf, -1e4, -17.3, -12.0, -11.1, np.inf]])
    x = x.astype(np.float16)
    with np.errstate(all="raise"):        # no underflow or overflow warnings on the way
        ours = Tensor(x).sigmoid().data
    assert ours.dtype == np.float16
    np.testing.assert_array_equal(ours, torch.sigmoid(torch.from_numpy(x)).numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sigmoid", "logsigmoid"])
def test_sigmoid_and_logsigmoid_are_accurate_for_every_input_like_torch(dtype, name):
    x = np.concatenate([np.linspace(-800, 800, 4001), [-1e30, -104.0, -88.7, -17.6, 0.0, 1e-8, 1e30]])
    x = x.astype(dtype)
    ours = (Tensor(x).sigmoid() if name == "sigmoid" else F.logsigmoid(Tensor(x))).data
    theirs = getattr(torch.nn.functional, name)(torch.from_numpy(x)).numpy() if name == "logsigmoid" \
        else torch.sigmoid(torch.from_numpy(x)).numpy()
    assert ours.dtype == dtype
    tiny = np.finfo(dtype).tiny
    normal = np.abs(theirs) >= tiny
    ulp = np.spacing(np.abs(theirs[normal]).astype(dtype))
    assert np.all(np.abs(ours[normal] - theirs[normal]) <= 4 * ulp), "more than 4 ulp from torch"
    assert np.all(np.abs(ours[~normal]) < tiny), "torch underflows here, dlkit must too"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_gradient_survives_far_below_minus_17_in_float32(dtype):
    x = Tensor(np.array([-30.0, -60.0], dtype=dtype), requires_grad=True)
    tx = torch.tensor([-30.0, -60.0], dtype=TORCH_DTYPE[dtype], requires_grad=True)
    x.sigmoid().log().sum().backward()
    tx.sigmoid().log().sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6)
    assert np.all(x.grad > 0.99)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsigmoid_gradient_matches_torch(dtype):
    values = np.array([-200.0, -5.0, -0.5, 0.0, 0.5, 5.0, 200.0], dtype=dtype)
    x, tx = Tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    upstream = np.linspace(-1, 1, len(values)).astype(dtype)
    F.logsigmoid(x).backward(upstream)
    torch.nn.functional.logsigmoid(tx).backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6, atol=1e-30)


def test_pow_gradient_at_a_zero_base_matches_torch():
    for exponent in [0, 0.0, 1, 2, 3.0]:
        x, tx = Tensor([0.0, 2.0], requires_grad=True), torch.tensor([0.0, 2.0], dtype=torch.float64,
                                                                      requires_grad=True)
        (x ** exponent).sum().backward()
        (tx ** exponent).sum().backward()
        np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    base, exp_ = np.array([0.0, 0.0, 2.0, 3.0]), np.array([0.0, 2.0, 0.0, 0.5])
    a, b = Tensor(base, requires_grad=True), Tensor(exp_, requires_grad=True)
    ta, tb = torch.tensor(base, requires_grad=True), torch.tensor(exp_, requires_grad=True)
    (a ** b).sum().backward()
    (ta ** tb).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12)


def test_relu_of_minus_infinity_is_zero_and_never_minus_zero():
    values = np.array([-np.inf, -3.0, -0.0, 0.0, 2.0, np.inf, np.nan])
    ours, theirs = Tensor(values).relu().data, torch.relu(torch.tensor(values)).numpy()
    np.testing.assert_array_equal(ours, theirs)  # -0.0 == 0.0, nan where torch has nan
    assert not np.any(np.signbit(ours[~np.isnan(ours)]))  # torch passes -0.0 through; dlkit gives +0.0
    x = Tensor(values[:-1], requires_grad=True)
    tx = torch.tensor(values[:-1], requires_grad=True)
    x.relu().sum().backward()
    tx.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_abs_gradient_at_nan_and_zero_matches_torch():
    values = np.array([np.nan, 0.0, -0.0, -2.0, 3.0])
    x, tx = Tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    x.abs().sum().backward()
    tx.abs().sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


@pytest.mark.parametrize("other, torch_other", [
    (2.5, 2.5), (3, 3), (np.float64(2.5), 2.5), (np.int64(3), 3),
    (Tensor(np.array([1, 2, 3])), torch.tensor([1, 2, 3])),
    (Tensor(np.array(2.5)), torch.tensor(2.5, dtype=torch.float64)),
    (Tensor(np.array([True, False, True])), torch.tensor([True, False, True])),
])
@pytest.mark.parametrize("op", ["__add__", "__sub__", "__mul__", "__truediv__", "__radd__", "__rmul__"])
def test_a_float32_tensor_with_numbers_or_integer_tensors_stays_float32_like_torch(op, other, torch_other):
    ours = getattr(Tensor(np.array([1.0, 2.0, 4.0], dtype=np.float32)), op)(other)
    if op == "__sub__" and isinstance(other, Tensor) and other.dtype == bool:
        return
    theirs = getattr(torch.tensor([1.0, 2.0, 4.0]), op)(torch_other)
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("left, right", [
    (np.array([1, 2]), 2.5), (np.array([1, 2], dtype=np.int32), 3), (np.array([True, False]), 1),
    (np.array([1, 2], dtype=np.int32), np.array([1, 2], dtype=np.int64)),
    (np.array([1.0, 2.0], dtype=np.float32), np.array([1.0, 2.0])),
    (np.array([1, 2]), np.array(1.5, dtype=np.float32)),
])
def test_result_dtypes_follow_torch_promotion(left, right):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # dlkit's default dtype: int * 2.5 gives the default
    try:
        theirs = torch.from_numpy(left) * (torch.from_numpy(right) if isinstance(right, np.ndarray) else right)
    finally:
        torch.set_default_dtype(previous)
    ours = Tensor(left) * (Tensor(right) if isinstance(right, np.ndarray) else right)
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_allclose(ours.data, theirs.numpy())


def test_float32_matmul_with_a_float64_array_operand_keeps_the_tensor_dims_rule():
    a = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = a @ Tensor(np.ones((3, 1), dtype=np.int64))
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32


def test_requires_grad_on_an_integer_tensor_is_an_error_like_torch():
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).requires_grad_()
    with pytest.raises(DataTypeError, match=r"requires_grad_: only float tensors can require gradients, "
                                            r"got dtype int64"):
        Tensor(np.array([1, 2])).requires_grad_()


def test_casting_to_an_integer_dtype_gives_a_tensor_without_gradient_like_torch():
    x = Tensor([1.5, 2.5], requires_grad=True)
    assert not x.astype(np.int64).requires_grad and not x.long().requires_grad
    assert not torch.tensor([1.5], requires_grad=True).long().requires_grad
    assert x.astype(np.float32).requires_grad


def test_backward_takes_torchs_keyword_names():
    x, tx = Tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(gradient=np.array([1.0, -1.0]), retain_graph=True)
    (tx * 3).backward(gradient=torch.tensor([1.0, -1.0]), retain_graph=True)
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
