"""Arithmetic: + - * / ** with broadcasting, and Python numbers or numpy arrays on either side."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from dlkit import Tensor

SEEDS = st.integers(0, 2**32 - 1)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


def nonzero(rng, shape):
    """Denominators well away from zero: |x| in [0.5, 2]."""
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


BINARY = {
    # name: (operator, maker of the left input, maker of the right input)
    "add": (operator.add, np.random.Generator.standard_normal, np.random.Generator.standard_normal),
    "sub": (operator.sub, np.random.Generator.standard_normal, np.random.Generator.standard_normal),
    "mul": (operator.mul, np.random.Generator.standard_normal, np.random.Generator.standard_normal),
    "div": (operator.truediv, np.random.Generator.standard_normal, nonzero),
    # tensor ** tensor: a positive base, so aᵇ and ln a are defined.
    "pow": (operator.pow, lambda rng, s: rng.uniform(0.5, 2.0, s), lambda rng, s: rng.uniform(-2, 2, s)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=30, deadline=None)
@given(shapes=PAIRS, seed=SEEDS)
def test_binary_op_broadcasts_like_numpy_and_matches_central_differences(check_op, name, shapes, seed):
    op, make_left, make_right = BINARY[name]
    rng = np.random.default_rng(seed)
    left, right = make_left(rng, shapes.input_shapes[0]), make_right(rng, shapes.input_shapes[1])
    check_op(op, op, left, right, seed=seed)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1, -1.5, 1])
@settings(max_examples=10, deadline=None)
@given(seed=SEEDS)
def test_tensor_to_a_number_power_matches_central_differences(check_op, exponent, seed):
    x = np.random.default_rng(seed).uniform(0.5, 2.0, (2, 3))
    check_op(lambda t: t ** exponent, lambda a: a ** exponent, x, seed=seed)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_number_to_a_tensor_power_matches_central_differences(check_op, seed):
    x = np.random.default_rng(seed).uniform(-2.0, 2.0, (3, 2))
    check_op(lambda t: 2.5 ** t, lambda a: 2.5 ** a, x, seed=seed)


# -- Hand-derived values -----------------------------------------------------------------------------
def test_product_rule_for_two_scalars():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(-3.0, requires_grad=True)
    (a * b + a).backward()
    assert a.grad == -2.0  # b + 1
    assert b.grad == 2.0   # a


def test_quotient_rule():
    a = Tensor(3.0, requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    (a / b).backward()
    assert a.grad == 0.5     # 1 / b
    assert b.grad == -0.75   # -a / b²


def test_square_gradient_is_twice_x():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x ** 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, -4.0, 6.0])


def test_tensor_power_gradients_with_respect_to_base_and_exponent():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(3.0, requires_grad=True)
    y = a ** b
    y.backward()
    assert y.item() == 8.0
    assert a.grad == pytest.approx(12.0)            # b·aᵇ⁻¹
    assert b.grad == pytest.approx(8.0 * np.log(2))  # aᵇ·ln a


def test_number_to_a_tensor_power_gradient_is_power_times_log_base():
    x = Tensor(3.0, requires_grad=True)
    y = 2 ** x
    y.backward()
    assert y.item() == 8.0
    assert x.grad == pytest.approx(8.0 * np.log(2))


def test_broadcast_row_gets_the_gradient_summed_over_the_rows():
    matrix = Tensor(np.ones((4, 3)), requires_grad=True)
    row = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (matrix * row).sum().backward()
    np.testing.assert_array_equal(row.grad, [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(matrix.grad, np.tile([1.0, 2.0, 3.0], (4, 1)))


def test_broadcast_column_of_ones_shape_keeps_its_shape_in_the_gradient():
    column = Tensor(np.zeros((3, 1)), requires_grad=True)
    (column + Tensor(np.ones((1, 5)))).sum().backward()
    assert column.grad.shape == (3, 1)
    np.testing.assert_array_equal(column.grad, np.full((3, 1), 5.0))


def test_scalar_tensor_added_to_a_matrix_gets_the_total():
    bias = Tensor(0.0, requires_grad=True)
    (Tensor(np.ones((2, 3))) + bias).sum().backward()
    assert bias.grad.shape == ()
    assert bias.grad == 6.0


# -- Python numbers and numpy arrays on either side --------------------------------------------------
NUMBER_CASES = {
    "t + 2": (lambda t: t + 2, lambda a: a + 2),
    "2 + t": (lambda t: 2 + t, lambda a: 2 + a),
    "t - 2": (lambda t: t - 2, lambda a: a - 2),
    "2 - t": (lambda t: 2 - t, lambda a: 2 - a),
    "t * 3.5": (lambda t: t * 3.5, lambda a: a * 3.5),
    "3.5 * t": (lambda t: 3.5 * t, lambda a: 3.5 * a),
    "t / 4": (lambda t: t / 4, lambda a: a / 4),
    "4 / t": (lambda t: 4 / t, lambda a: 4 / a),
    "t ** 2": (lambda t: t ** 2, lambda a: a ** 2),
    "2 ** t": (lambda t: 2 ** t, lambda a: 2.0 ** a),
}


@pytest.mark.parametrize("case", sorted(NUMBER_CASES))
def test_python_numbers_on_either_side_give_a_tensor_with_the_right_gradient(check_op, case):
    fn, reference = NUMBER_CASES[case]
    check_op(fn, reference, np.array([[0.5, 1.5, -2.0], [1.0, -0.75, 3.0]]))


ARRAY = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
ARRAY_CASES = {
    "arr + t": (lambda t: ARRAY + t, lambda a: ARRAY + a),
    "t + arr": (lambda t: t + ARRAY, lambda a: a + ARRAY),
    "arr - t": (lambda t: ARRAY - t, lambda a: ARRAY - a),
    "arr * t": (lambda t: ARRAY * t, lambda a: ARRAY * a),
    "arr / t": (lambda t: ARRAY / t, lambda a: ARRAY / a),
    "t / arr": (lambda t: t / ARRAY, lambda a: a / ARRAY),
    "abs(arr) ** t": (lambda t: np.abs(ARRAY) ** t, lambda a: np.abs(ARRAY) ** a),
    "t ** arr": (lambda t: t ** ARRAY, lambda a: a ** ARRAY),
}


@pytest.mark.parametrize("case", sorted(ARRAY_CASES))
def test_numpy_arrays_on_either_side_give_a_tensor_with_the_right_gradient(check_op, case):
    fn, reference = ARRAY_CASES[case]
    # A row, so the array broadcasts against it and the gradient must be summed back.
    check_op(fn, reference, np.array([0.5, 1.5, 2.0]))


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                operator.pow, operator.matmul])
def test_numpy_defers_to_tensor_when_the_array_is_on_the_left(op):
    t = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    result = op(np.array([[1.0, 2.0], [0.5, 1.0]]), t)
    assert isinstance(result, Tensor)
    assert result.requires_grad
    assert result.parents[1] is t


def test_numpy_scalar_on_the_left_gives_a_tensor():
    t = Tensor([1.0, 2.0], requires_grad=True)
    result = np.float64(3.0) * t
    assert isinstance(result, Tensor)
    result.sum().backward()
    np.testing.assert_array_equal(t.grad, [3.0, 3.0])


def test_subtraction_from_a_number_keeps_the_order_of_operands():
    t = Tensor([1.0, 5.0], requires_grad=True)
    y = 2 - t
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [1.0, -3.0])
    np.testing.assert_array_equal(t.grad, [-1.0, -1.0])


def test_number_operands_are_not_recorded_as_needing_gradients():
    t = Tensor([1.0], requires_grad=True)
    y = t * 2.0
    assert y.parents[0] is t
    assert not y.parents[1].requires_grad


def test_comparisons_return_boolean_tensors_without_a_graph():
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(t > 2, [False, False, True]), (t >= 2, [False, True, True]),
                             (t < 2, [True, False, False]), (t <= 2, [True, True, False]),
                             (t == 2, [False, True, False]), (t != 2, [True, False, True])]:
        assert isinstance(result, Tensor)
        assert result.dtype == np.bool_
        assert not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)
