"""Shared test helpers: an independent gradient oracle built from numpy and central differences.

``check_op`` never asks dlkit for an expected value: the forward reference is a numpy function and the
expected gradient is the central difference of that numpy function, so a wrong backward rule in dlkit
cannot agree with it by construction.
"""
import numpy as np
import pytest

import dlkit


def central_difference(scalar_fn, arrays, index, eps=1e-6):
    """∂ scalar_fn(*arrays) / ∂ arrays[index], one entry at a time: (f(x + ε) − f(x − ε)) / 2ε."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    x = arrays[index]
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        plus = scalar_fn(*arrays)
        x[i] = original - eps
        minus = scalar_fn(*arrays)
        x[i] = original
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def _check_op(dlkit_fn, numpy_fn, *arrays, seed=0, rtol=1e-5, atol=1e-6):
    """Assert ``dlkit_fn`` matches ``numpy_fn`` forward, and its backward matches central differences.

    The upstream gradient is a random array (not ones), so a rule that mixes up output entries fails.
    """
    tensors = [dlkit.Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = dlkit_fn(*tensors)
    expected = np.asarray(numpy_fn(*arrays))
    assert isinstance(out, dlkit.Tensor)
    assert out.shape == expected.shape, f"forward shape {out.shape}, numpy gives {expected.shape}"
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12, err_msg="forward values")
    upstream = np.random.default_rng(seed).standard_normal(expected.shape)
    out.backward(upstream)
    for i, tensor in enumerate(tensors):
        numeric = central_difference(lambda *xs: np.sum(numpy_fn(*xs) * upstream), arrays, i)
        assert tensor.grad is not None, f"input {i} got no gradient"
        assert tensor.grad.shape == tensor.shape, f"input {i}: grad shape {tensor.grad.shape}"
        np.testing.assert_allclose(tensor.grad, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i} (shape {tensor.shape})")


@pytest.fixture(scope="session")
def check_op():
    """``check_op(dlkit_fn, numpy_fn, *arrays)``: forward against numpy, backward against central differences.

    Session-scoped so hypothesis tests may use it.
    """
    return _check_op


@pytest.fixture(scope="session")
def numeric_grad():
    """``numeric_grad(scalar_fn, arrays, index)``: the central-difference gradient of a numpy function."""
    return central_difference
