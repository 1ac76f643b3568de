"""Elementwise functions: exp, log, sqrt, tanh, sigmoid, relu, leaky_relu, abs, neg, clip,
maximum, minimum, where — forward against numpy, backward against central differences and by hand."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import dlkit
from dlkit import Tensor

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
SEEDS = st.integers(0, 2**32 - 1)


def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Values with |x| in [low, high]: no kinks of abs/relu within reach of the finite difference."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def sigmoid_reference(x):
    return 1 / (1 + np.exp(-x))


UNARY = {
    # name: (dlkit op, numpy reference, input maker)
    "exp": (Tensor.exp, np.exp, lambda rng, s: rng.uniform(-2, 2, s)),
    "log": (Tensor.log, np.log, lambda rng, s: rng.uniform(0.2, 3, s)),
    "sqrt": (Tensor.sqrt, np.sqrt, lambda rng, s: rng.uniform(0.2, 3, s)),
    "tanh": (Tensor.tanh, np.tanh, lambda rng, s: rng.uniform(-2, 2, s)),
    "sigmoid": (Tensor.sigmoid, sigmoid_reference, lambda rng, s: rng.uniform(-4, 4, s)),
    "relu": (Tensor.relu, lambda x: np.maximum(x, 0), away_from_zero),
    "leaky_relu": (lambda t: t.leaky_relu(0.1), lambda x: np.where(x > 0, x, 0.1 * x), away_from_zero),
    "abs": (abs, np.abs, away_from_zero),
    "neg": (lambda t: -t, np.negative, lambda rng, s: rng.standard_normal(s)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=25, deadline=None)
@given(shape=SHAPES, seed=SEEDS)
def test_unary_op_matches_numpy_and_central_differences(check_op, name, shape, seed):
    op, reference, make = UNARY[name]
    x = make(np.random.default_rng(seed), shape)
    check_op(op, reference, x, seed=seed)


def test_exp_gradient_is_exp_itself():
    x = Tensor([0.0, 1.0, -2.0], requires_grad=True)
    x.exp().sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, np.e, np.exp(-2.0)])


def test_log_gradient_is_one_over_x():
    x = Tensor([0.5, 2.0, 4.0], requires_grad=True)
    x.log().sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 0.5, 0.25])


def test_sqrt_gradient_is_one_over_twice_sqrt():
    x = Tensor([4.0, 9.0], requires_grad=True)
    x.sqrt().sum().backward()
    np.testing.assert_allclose(x.grad, [0.25, 1 / 6])


def test_tanh_gradient_is_one_at_zero_and_vanishes_far_away():
    x = Tensor([0.0, 30.0, -30.0], requires_grad=True)
    x.tanh().sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 0.0, 0.0], atol=1e-12)


def test_sigmoid_is_one_half_at_zero_with_slope_one_quarter():
    x = Tensor([0.0], requires_grad=True)
    y = x.sigmoid()
    y.sum().backward()
    np.testing.assert_allclose(y.data, [0.5])
    np.testing.assert_allclose(x.grad, [0.25])


def test_sigmoid_of_large_inputs_saturates_without_overflow_warnings():
    x = Tensor([-1000.0, 1000.0], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is right
        y = x.sigmoid()
        y.sum().backward()
    # σ(−1000) underflows: 0 or a subnormal below the smallest normal float (torch gives 0)
    assert 0.0 <= y.data[0] < np.finfo(np.float64).tiny and y.data[1] == 1.0
    assert np.all(np.abs(x.grad) < np.finfo(np.float64).tiny)


def test_relu_gradient_is_one_for_positive_inputs():
    x = Tensor([0.5, 3.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_relu_gradient_is_zero_for_negative_inputs():
    x = Tensor([-0.5, -3.0], requires_grad=True)
    y = x.relu()
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_relu_gradient_at_zero_is_zero_like_pytorch():
    x = Tensor([0.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0])


def test_leaky_relu_lets_a_fraction_of_the_gradient_through_negative_inputs():
    x = Tensor([-2.0, 3.0], requires_grad=True)
    y = x.leaky_relu(0.2)
    y.sum().backward()
    np.testing.assert_allclose(y.data, [-0.4, 3.0])
    np.testing.assert_allclose(x.grad, [0.2, 1.0])


def test_leaky_relu_default_slope_is_one_hundredth():
    x = Tensor([-1.0], requires_grad=True)
    x.leaky_relu().sum().backward()
    np.testing.assert_allclose(x.grad, [0.01])


def test_abs_gradient_is_the_sign():
    x = Tensor([-2.0, 3.0], requires_grad=True)
    y = abs(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [2.0, 3.0])
    np.testing.assert_array_equal(x.grad, [-1.0, 1.0])


def test_abs_method_and_builtin_agree():
    x = Tensor([-2.0, 3.0])
    np.testing.assert_array_equal(x.abs().data, abs(x).data)


def test_negation_gradient_is_minus_one():
    x = Tensor([1.0, -2.0], requires_grad=True)
    (-x).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, -1.0])


# -- clip --------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(shape=SHAPES, seed=SEEDS)
def test_clip_matches_numpy_and_central_differences_away_from_the_bounds(check_op, shape, seed):
    rng = np.random.default_rng(seed)
    # Values in three bands, each at least 0.05 away from the bounds -0.5 and 0.5.
    x = rng.choice([-1.0, 0.0, 1.0], shape) + rng.uniform(-0.4, 0.4, shape)
    check_op(lambda t: t.clip(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), x, seed=seed)


def test_clip_gradient_is_one_inside_and_zero_outside_the_range():
    x = Tensor([-2.0, 0.0, 0.3, 5.0], requires_grad=True)
    y = x.clip(-1.0, 1.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [-1.0, 0.0, 0.3, 1.0])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 0.0])


def test_clip_with_only_a_lower_bound():
    x = Tensor([-2.0, 3.0], requires_grad=True)
    y = x.clip(min=0.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 3.0])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0])


def test_clip_with_only_an_upper_bound():
    x = Tensor([-2.0, 3.0], requires_grad=True)
    y = x.clip(max=0.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [-2.0, 0.0])
    np.testing.assert_array_equal(x.grad, [1.0, 0.0])


# -- maximum, minimum, where -------------------------------------------------------------------------
def two_tie_free_arrays(rng, shape_a, shape_b):
    """a on the grid 0.2·k, b on 0.2·k + 0.1: they never tie (and differ by at least 0.1)."""
    a = 0.2 * rng.integers(-10, 10, shape_a) + 0.0
    b = 0.2 * rng.integers(-10, 10, shape_b) + 0.1
    return a, b


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=SEEDS)
def test_maximum_and_minimum_broadcast_and_match_central_differences(check_op, name, shapes, seed):
    a, b = two_tie_free_arrays(np.random.default_rng(seed), *shapes.input_shapes)
    check_op(getattr(dlkit, name), getattr(np, name), a, b, seed=seed)


def test_maximum_sends_the_gradient_to_the_larger_input():
    a = Tensor([1.0, 5.0], requires_grad=True)
    b = Tensor([3.0, 2.0], requires_grad=True)
    dlkit.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 0.0])


def test_minimum_sends_the_gradient_to_the_smaller_input():
    a = Tensor([1.0, 5.0], requires_grad=True)
    b = Tensor([3.0, 2.0], requires_grad=True)
    dlkit.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.0, 1.0])


@pytest.mark.parametrize("fn", [dlkit.maximum, dlkit.minimum])
def test_maximum_and_minimum_split_the_gradient_in_half_on_ties(fn):
    a = Tensor([2.0], requires_grad=True)
    b = Tensor([2.0], requires_grad=True)
    fn(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5])
    np.testing.assert_array_equal(b.grad, [0.5])


def test_maximum_with_a_python_number_is_a_relu():
    x = Tensor([-1.0, 2.0], requires_grad=True)
    y = dlkit.maximum(x, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 2.0])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0])


def test_minimum_accepts_the_number_on_the_left():
    x = Tensor([-1.0, 2.0], requires_grad=True)
    y = dlkit.minimum(1.0, x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [-1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [1.0, 0.0])


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3), seed=SEEDS)
def test_where_broadcasts_and_matches_central_differences(check_op, shapes, seed):
    rng = np.random.default_rng(seed)
    shape_c, shape_a, shape_b = shapes.input_shapes
    condition = rng.random(shape_c) > 0.5
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    check_op(lambda x, y: dlkit.where(condition, x, y), lambda x, y: np.where(condition, x, y),
             a, b, seed=seed)


def test_where_sends_the_gradient_only_to_the_picked_side():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    condition = Tensor([True, False, True])
    y = dlkit.where(condition, a, b)
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(y.data, [1.0, 20.0, 3.0])
    np.testing.assert_array_equal(a.grad, [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(b.grad, [0.0, 2.0, 0.0])


def test_where_with_a_number_as_the_other_branch():
    x = Tensor([-1.0, 2.0], requires_grad=True)
    y = dlkit.where(x > 0, x, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 2.0])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0])
