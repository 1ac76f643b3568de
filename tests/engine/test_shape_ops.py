"""Shape ops: reshape, transpose, permute, .T, flatten — values move, gradients move back."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from dlkit import ShapeError, Tensor

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3)


@settings(max_examples=30, deadline=None)
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_reshape_to_any_same_size_shape_matches_central_differences(check_op, shape, seed, data):
    size = int(np.prod(shape))
    # A target shape: split the size into factors, sometimes written with -1.
    factors = [d for d in range(1, size + 1) if size % d == 0]
    first = data.draw(st.sampled_from(factors))
    target = data.draw(st.sampled_from([(size,), (first, size // first), (first, -1), (-1, 1, first)]))
    x = np.random.default_rng(seed).standard_normal(shape)
    check_op(lambda t: t.reshape(target), lambda a: a.reshape(target), x, seed=seed)


def test_reshape_accepts_separate_sizes_or_a_tuple():
    x = Tensor(np.arange(6.0))
    assert x.reshape(2, 3).shape == (2, 3)
    assert x.reshape((3, 2)).shape == (3, 2)
    assert x.reshape([1, 6]).shape == (1, 6)


@settings(max_examples=30, deadline=None)
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_permute_with_any_permutation_matches_central_differences(check_op, shape, seed, data):
    ndim = len(shape)
    axes = tuple(data.draw(st.permutations(range(ndim))))
    # Spell some axes from the end, which numpy allows.
    axes = tuple(a - ndim if data.draw(st.booleans()) else a for a in axes)
    x = np.random.default_rng(seed).standard_normal(shape)
    check_op(lambda t: t.permute(axes), lambda a: np.transpose(a, axes), x, seed=seed)


@settings(max_examples=30, deadline=None)
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_transpose_swaps_two_dims_and_matches_central_differences(check_op, shape, seed, data):
    ndim = max(len(shape), 1)
    d0, d1 = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    x = np.random.default_rng(seed).standard_normal(shape)
    expected = (lambda a: np.swapaxes(a, d0, d1)) if len(shape) else (lambda a: a)
    check_op(lambda t: t.transpose(d0, d1), expected, x, seed=seed)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 4)])
def test_dot_T_reverses_the_axes_like_numpy(check_op, shape):
    x = np.random.default_rng(1).standard_normal(shape)
    check_op(lambda t: t.T, lambda a: a.T, x)


def test_transpose_of_a_matrix_is_its_transpose_not_itself():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.transpose(0, 1).data, np.arange(6.0).reshape(2, 3).T)
    np.testing.assert_array_equal(x.t().data, np.arange(6.0).reshape(2, 3).T)
    assert Tensor(np.zeros((2, 3, 4))).transpose(1, 2).shape == (2, 4, 3)


def test_t_on_more_than_two_dims_is_an_error_pointing_to_transpose():
    with pytest.raises(ShapeError, match=r"t: .*<= 2 dimensions.*\(2, 3, 4\).*transpose"):
        Tensor(np.zeros((2, 3, 4))).t()


@pytest.mark.parametrize("dims", [(0, 2), (-3, 0), (2, 2)])
def test_transpose_with_a_dim_out_of_range_names_dim_and_shape(dims):
    with pytest.raises(ShapeError, match=r"transpose: dim .* out of range .*\(2, 3\)"):
        Tensor(np.zeros((2, 3))).transpose(*dims)


def test_permute_takes_dims_like_pytorch(check_op):
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    check_op(lambda t: t.permute(2, 0, 1), lambda a: np.transpose(a, (2, 0, 1)), x)
    check_op(lambda t: t.permute((1, 2, 0)), lambda a: np.transpose(a, (1, 2, 0)), x)


def test_transpose_gradient_is_the_upstream_transposed_back():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    upstream = np.arange(6.0).reshape(3, 2)
    x.T.backward(upstream)
    np.testing.assert_array_equal(x.grad, upstream.T)


@pytest.mark.parametrize("shape, start, end, expected", [
    ((2, 3, 4), 0, -1, (24,)),
    ((2, 3, 4), 1, -1, (2, 12)),
    ((2, 3, 4), 0, 1, (6, 4)),
    ((2, 3, 4, 5), 1, 2, (2, 12, 5)),
    ((2, 3, 4), -2, -1, (2, 12)),
    ((2, 3), 1, 1, (2, 3)),
    ((), 0, -1, (1,)),
])
def test_flatten_merges_dims_start_to_end_like_torch(check_op, shape, start, end, expected):
    x = np.random.default_rng(3).standard_normal(shape)
    check_op(lambda t: t.flatten(start, end), lambda a: a.reshape(expected), x)


def test_reshape_gradient_has_the_input_shape():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    x.reshape(6).backward(np.arange(6.0))
    np.testing.assert_array_equal(x.grad, np.arange(6.0).reshape(2, 3))


def test_reshape_to_a_different_size_names_both_shapes():
    with pytest.raises(ShapeError, match=r"reshape: .*shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"):
        Tensor(np.zeros((2, 3))).reshape(4, 2)


@pytest.mark.parametrize("axes", [(0, 0), (0,), (0, 1, 2), (0, 2), (-3, 1)])
def test_permute_with_dims_that_are_not_a_permutation_names_dims_and_shape(axes):
    with pytest.raises(ShapeError, match=r"permute: .*(not a permutation|out of range).*\(2, 3\)"):
        Tensor(np.zeros((2, 3))).permute(axes)


@pytest.mark.parametrize("start, end", [(3, -1), (0, 3), (-4, -1), (2, 1)])
def test_flatten_with_dims_out_of_range_or_reversed_is_an_error(start, end):
    with pytest.raises(ShapeError, match=r"flatten: start_dim=.*end_dim=.*shape \(2, 3, 4\)"):
        Tensor(np.zeros((2, 3, 4))).flatten(start, end)
