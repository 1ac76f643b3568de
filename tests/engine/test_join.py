"""Joining tensors: concatenate along an existing axis, stack along a new one; the gradient splits back."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import dlkit
from dlkit import ShapeError, Tensor

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=30, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), seed=SEEDS, data=st.data())
def test_concatenate_matches_numpy_and_central_differences(check_op, shape, seed, data):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1))
    count = data.draw(st.integers(1, 3))
    rng = np.random.default_rng(seed)
    # Pieces of different lengths along the joining axis, equal elsewhere.
    arrays = []
    for _ in range(count):
        piece = list(shape)
        piece[axis] = data.draw(st.integers(1, 3))
        arrays.append(rng.standard_normal(piece))
    check_op(lambda *ts: dlkit.concatenate(ts, axis=axis),
             lambda *arrs: np.concatenate(arrs, axis=axis), *arrays, seed=seed)


@settings(max_examples=30, deadline=None)
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), seed=SEEDS, data=st.data())
def test_stack_matches_numpy_and_central_differences(check_op, shape, seed, data):
    ndim = len(shape) + 1
    axis = data.draw(st.integers(-ndim, ndim - 1))
    count = data.draw(st.integers(1, 3))
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for _ in range(count)]
    check_op(lambda *ts: dlkit.stack(ts, axis=axis),
             lambda *arrs: np.stack(arrs, axis=axis), *arrays, seed=seed)


def test_concatenate_splits_the_gradient_back_into_the_pieces():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    y = dlkit.concatenate([a, b])
    y.backward(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(a.grad, [10.0, 20.0])
    np.testing.assert_array_equal(b.grad, [30.0])


def test_stack_gives_each_piece_its_slice_of_the_gradient():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    y = dlkit.stack([a, b], axis=1)
    assert y.shape == (2, 2)
    y.backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(a.grad, [1.0, 3.0])
    np.testing.assert_array_equal(b.grad, [2.0, 4.0])


def test_joining_the_same_tensor_twice_adds_both_gradients():
    a = Tensor([1.0, 2.0], requires_grad=True)
    dlkit.concatenate([a, a]).sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])


def test_join_mixes_tensors_with_arrays_and_only_tensors_get_gradients():
    a = Tensor([1.0, 2.0], requires_grad=True)
    y = dlkit.stack([a, np.array([5.0, 6.0])])
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [[1.0, 2.0], [5.0, 6.0]])
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])


def test_concatenate_of_shapes_that_differ_off_the_axis_names_the_shapes():
    with pytest.raises(ShapeError, match=r"concatenate: shapes \[\(2, 3\), \(2, 4\)\] .* dim 0"):
        dlkit.concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))], axis=0)


def test_concatenate_along_a_missing_axis_is_an_error():
    with pytest.raises(ShapeError, match=r"concatenate: .*dim 2"):
        dlkit.concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 3)))], axis=2)


def test_stack_of_different_shapes_names_the_shapes():
    with pytest.raises(ShapeError, match=r"stack: all tensors must have the same shape, got \[\(2,\), \(3,\)\]"):
        dlkit.stack([Tensor(np.ones(2)), Tensor(np.ones(3))])


def test_stack_along_a_missing_axis_names_the_axis():
    with pytest.raises(ShapeError, match=r"stack: bad dim=3 for tensors of shape \(2, 3\)"):
        dlkit.stack([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 3)))], axis=3)


@pytest.mark.parametrize("fn", [dlkit.concatenate, dlkit.stack])
def test_joining_nothing_is_an_error(fn):
    with pytest.raises(ShapeError, match=r"expected a non-empty list or tuple of tensors"):
        fn([])
