"""PyTorch's names and return types: size(), dim=/keepdim=, max(dim) -> (values, indices), var's default.

Each test compares with torch (the oracle) and failed before the engine took PyTorch's semantics.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from dlkit import ShapeError, Tensor

SEEDS = st.integers(0, 2**16)


def both(array, requires_grad=True):
    return (Tensor(np.array(array), requires_grad=requires_grad),
            torch.tensor(np.array(array), requires_grad=requires_grad))


def test_size_is_the_shape_and_size_of_a_dim_is_one_length():
    ours, theirs = both(np.zeros((2, 3, 4)), requires_grad=False)
    assert ours.size() == tuple(theirs.size()) == (2, 3, 4) and isinstance(ours.size(), tuple)
    assert [ours.size(d) for d in (0, 1, -1)] == [theirs.size(d) for d in (0, 1, -1)]
    assert ours.numel() == theirs.numel() == 24 and ours.size().numel() == 24
    assert ours.dim() == theirs.dim() == 3


def test_size_of_a_dim_out_of_range_names_the_dim_and_shape():
    with pytest.raises(ShapeError, match=r"size: dim 3 is out of range .*\(2, 3\)"):
        Tensor(np.zeros((2, 3))).size(3)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std"])
@settings(max_examples=20, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4), seed=SEEDS, data=st.data())
def test_reductions_take_dim_and_keepdim_like_torch(name, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    array = np.random.default_rng(seed).standard_normal(shape)
    ours, theirs = both(array)
    out, expected = getattr(ours, name)(dim=dim, keepdim=keepdim), getattr(theirs, name)(dim=dim, keepdim=keepdim)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = np.random.default_rng(seed + 1).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
@settings(max_examples=20, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=SEEDS, data=st.data())
def test_max_and_min_along_a_dim_return_values_and_indices_like_torch(name, keepdim, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    # Small integers make ties: torch and dlkit must pick the same index and send it the gradient.
    array = np.random.default_rng(seed).integers(0, 3, shape).astype(np.float64)
    ours, theirs = both(array)
    got, expected = getattr(ours, name)(dim, keepdim), getattr(theirs, name)(dim, keepdim)
    values, indices = got
    assert got.values is values and got.indices is indices
    np.testing.assert_array_equal(values.data, expected.values.detach().numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())
    assert indices.dtype == np.int64 and not indices.requires_grad
    upstream = np.random.default_rng(seed).standard_normal(values.shape)
    values.backward(upstream)
    expected.values.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)


def test_max_without_dim_returns_the_value_and_shares_ties_like_torch():
    ours, theirs = both([2.0, 5.0, 5.0])
    out, expected = ours.max(), theirs.max()
    assert isinstance(out, Tensor) and out.item() == expected.item() == 5.0
    out.backward()
    expected.backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_max_with_a_tensor_argument_is_the_elementwise_maximum_like_torch():
    a, b = Tensor([1.0, 4.0]), Tensor([3.0, 2.0])
    np.testing.assert_array_equal(a.max(b).data, torch.tensor([1.0, 4.0]).max(torch.tensor([3.0, 2.0])))


def test_numpy_spelling_axis_gives_values_only_as_numpy_does():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.max(axis=1, keepdims=True).data, [[2.0], [5.0]])
    np.testing.assert_array_equal(x.sum(axis=0).data, x.sum(dim=0).data)


def test_giving_dim_and_axis_together_is_an_error():
    with pytest.raises(TypeError, match="sum: give dim= or axis="):
        Tensor(np.zeros((2, 3))).sum(dim=0, axis=1)


@pytest.mark.parametrize("kwargs, torch_kwargs", [
    ({}, {}),
    ({"unbiased": False}, {"unbiased": False}),
    ({"correction": 0}, {"correction": 0}),
    ({"correction": 2}, {"correction": 2}),
    ({"ddof": 0}, {"correction": 0}),
])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_default_to_unbiased_like_torch(name, kwargs, torch_kwargs):
    array = np.random.default_rng(0).standard_normal((3, 5))
    ours, theirs = both(array)
    for dim in (None, 1):
        got = getattr(ours, name)(dim=dim, **kwargs) if dim is not None else getattr(ours, name)(**kwargs)
        want = getattr(theirs, name)(dim=dim, **torch_kwargs) if dim is not None \
            else getattr(theirs, name)(**torch_kwargs)
        np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-12)


def test_var_with_two_names_for_the_correction_is_an_error():
    with pytest.raises(TypeError, match="var: give only one of"):
        Tensor(np.zeros(3)).var(correction=1, ddof=0)
