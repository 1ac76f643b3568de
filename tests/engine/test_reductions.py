"""Reductions: sum, mean, max, min, var over axis=None / int / negative int / tuple, with keepdims."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import shape_and_axis

from dlkit import ShapeError, Tensor

SEEDS = st.integers(0, 2**32 - 1)


def tie_free(rng, shape):
    """Distinct values 0.1 apart in random order, so max/min have a single winner."""
    size = int(np.prod(shape))
    return (0.1 * rng.permutation(size) - 0.05 * size).reshape(shape)


REDUCTIONS = {
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
    "var": np.var,
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("keepdims", [False, True])
@settings(max_examples=25, deadline=None)
@given(case=shape_and_axis(), seed=SEEDS)
def test_reduction_matches_numpy_and_central_differences(check_op, name, keepdims, case, seed):
    shape, axis = case
    x = tie_free(np.random.default_rng(seed), shape)
    reference = REDUCTIONS[name]
    extra = {"ddof": 0} if name == "var" else {}  # numpy's default; dlkit's (torch's) is unbiased
    check_op(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims, **extra),
             lambda a: reference(a, axis=axis, keepdims=keepdims), x, seed=seed)


def test_sum_gradient_is_ones_of_the_input_shape():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_sum_over_one_axis_copies_the_upstream_gradient_along_that_axis():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    y = x.sum(axis=1)
    assert y.shape == (2,)
    y.backward(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])


def test_sum_with_keepdims_keeps_a_length_one_axis():
    x = Tensor(np.ones((2, 3, 4)))
    assert x.sum(axis=(0, 2), keepdims=True).shape == (1, 3, 1)
    assert x.sum(axis=-1).shape == (2, 3)


def test_mean_gradient_is_one_over_n():
    x = Tensor(np.zeros((2, 4)), requires_grad=True)
    x.mean().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 4), 1 / 8))


def test_mean_over_an_axis_divides_by_that_axis_length_only():
    x = Tensor(np.zeros((2, 4)), requires_grad=True)
    x.mean(axis=0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 4), 1 / 2))


def test_max_sends_the_gradient_to_the_largest_entry_only():
    x = Tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 0.0]], requires_grad=True)
    y = x.max(axis=1)
    y.backward(np.array([10.0, 20.0]))
    np.testing.assert_array_equal(y.data, [5.0, 7.0])
    np.testing.assert_array_equal(x.grad, [[0.0, 10.0, 0.0], [20.0, 0.0, 0.0]])


def test_min_sends_the_gradient_to_the_smallest_entry_only():
    x = Tensor([3.0, -1.0, 2.0], requires_grad=True)
    x.min().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


def test_max_shares_the_gradient_equally_between_tied_winners():
    x = Tensor([[2.0, 2.0, 1.0], [0.0, 3.0, 3.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])


def test_max_over_everything_with_a_three_way_tie():
    x = Tensor([4.0, 4.0, 4.0, 1.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [1 / 3, 1 / 3, 1 / 3, 0.0])


def test_biased_var_is_the_mean_squared_deviation():
    x = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x.var(correction=0)
    y.backward()
    assert y.item() == pytest.approx(1.25)
    # ∂var/∂xᵢ = 2 (xᵢ − mean) / n
    np.testing.assert_allclose(x.grad, [-0.75, -0.25, 0.25, 0.75])


def test_var_with_ddof_one_divides_by_n_minus_one(check_op):
    x = np.array([[1.0, 2.0, 4.0], [3.0, -1.0, 0.5]])
    check_op(lambda t: t.var(axis=1, ddof=1), lambda a: np.var(a, axis=1, ddof=1), x)


def test_reductions_of_a_scalar_tensor():
    x = Tensor(3.0, requires_grad=True)
    for name in ["sum", "mean", "max", "min"]:
        x.grad = None
        y = getattr(x, name)()
        y.backward()
        assert y.item() == 3.0
        assert x.grad == 1.0, name


def test_mean_of_integers_is_a_float():
    assert Tensor([1, 2]).mean().item() == 1.5


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reduction_over_a_missing_axis_names_the_op_the_axis_and_the_shape(name):
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=rf"{name}: dim 2 is out of range for a tensor of shape \(2, 3\)"):
        getattr(x, name)(axis=2)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reduction_over_a_repeated_axis_is_an_error(name):
    with pytest.raises(ShapeError, match=rf"{name}: dim \(0, -2\) names a dimension twice .*\(2, 3\)"):
        getattr(Tensor(np.ones((2, 3))), name)(axis=(0, -2))
