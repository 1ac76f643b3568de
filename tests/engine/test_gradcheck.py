"""dlkit.gradcheck: passes on correct ops, and pins down a wrong backward rule by input, index and values."""
import numpy as np
import pytest

import dlkit
from dlkit import DataTypeError, GradcheckError, Tensor


def double_with_wrong_gradient(t):
    """y = 2t, but its backward claims dy/dt = 3: the kind of bug gradcheck exists to catch."""
    return Tensor._result(2 * t.data, (t,), "double", lambda g: (3 * g,), "∂(2a)/∂a = 3 (wrong!)")


def square_with_one_wrong_entry(t):
    """y = t², with a backward that is right except at flat position 4."""
    def backward(g):
        grad = 2 * t.data * g
        grad.reshape(-1)[4] += 1.0
        return (grad,)
    return Tensor._result(t.data ** 2, (t,), "square", backward, "∂(a²)/∂a = 2a (wrong at one entry)")


@pytest.mark.parametrize("fn, shapes", [
    (lambda a: (a * a).sum(), [(3,)]),
    (lambda a, b: a @ b, [(2, 3), (3, 4)]),
    (lambda a, b: (a / b).tanh(), [(2, 3), (3,)]),
    (lambda a: a.sigmoid().mean(axis=0), [(3, 2)]),
    (lambda a, b: dlkit.concatenate([a.exp(), b], axis=1), [(2, 2), (2, 3)]),
    (lambda a: a.var(axis=1, keepdims=True), [(2, 4)]),
])
def test_gradcheck_passes_on_correct_ops(fn, shapes):
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.uniform(0.5, 1.5, s), requires_grad=True) for s in shapes]
    assert dlkit.gradcheck(fn, inputs) is True


def test_gradcheck_works_on_non_contiguous_inputs():
    # A transposed array is not C-contiguous: perturbing it through a reshaped copy would leave
    # the input unchanged, give a numeric gradient of 0 and report a false failure.
    data = np.arange(1.0, 7.0).reshape(2, 3).T
    assert not data.flags.c_contiguous
    x = Tensor(data, requires_grad=True)
    numeric = dlkit.numerical_gradient(lambda t: (t * t).sum(), [x], 0)
    np.testing.assert_allclose(numeric.reshape(3, 2), 2 * data, rtol=1e-6)
    assert dlkit.gradcheck(lambda t: (t * t).sum(), [x]) is True


def test_gradcheck_accepts_a_single_tensor():
    assert dlkit.gradcheck(lambda a: a.exp(), Tensor([0.1, 0.2], requires_grad=True)) is True


def test_gradcheck_leaves_inputs_unchanged_and_without_grad():
    x = Tensor([0.3, -0.7], requires_grad=True)
    dlkit.gradcheck(lambda a: a * a, [x])
    np.testing.assert_array_equal(x.data, [0.3, -0.7])
    assert x.grad is None


def test_gradcheck_raises_on_a_wrong_backward_with_both_values():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(GradcheckError,
                       match=r"gradient of input 0 is wrong at index \(0,\).*analytic 3\b.*numeric 2\b"):
        dlkit.gradcheck(double_with_wrong_gradient, [x])


def test_gradcheck_error_names_the_input_by_position_and_name():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    weights = Tensor([0.5, 1.5], requires_grad=True, name="weights")
    with pytest.raises(GradcheckError, match=r"input 1 \('weights'\)"):
        dlkit.gradcheck(lambda p, q: p * double_with_wrong_gradient(q), [a, weights])


def test_gradcheck_error_points_at_the_wrong_entry():
    x = Tensor(np.arange(6.0).reshape(2, 3) + 1, requires_grad=True)
    # Flat position 4 of a (2, 3) tensor is index (1, 1); its true gradient there is 2·5 = 10.
    with pytest.raises(GradcheckError, match=r"at index \(1, 1\).*analytic 11\b.*numeric 10\b"):
        dlkit.gradcheck(lambda t: square_with_one_wrong_entry(t).sum(), [x])


def test_gradcheck_only_checks_inputs_that_require_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    constant = Tensor([3.0, 4.0])
    assert dlkit.gradcheck(lambda a, c: a * c, [x, constant]) is True


def test_gradcheck_with_nothing_to_check_says_so():
    with pytest.raises(GradcheckError, match=r"no input has requires_grad=True"):
        dlkit.gradcheck(lambda a: a * 2, [Tensor([1.0])])


def test_gradcheck_refuses_float32_inputs():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with pytest.raises(DataTypeError, match=r"gradcheck: input 0 has dtype float32.*float64"):
        dlkit.gradcheck(lambda a: a * 2, [x])


def test_gradcheck_refuses_inputs_that_are_not_tensors():
    with pytest.raises(DataTypeError, match=r"gradcheck: input 0 is a ndarray, expected a Tensor"):
        dlkit.gradcheck(lambda a: a * 2, [np.ones(2)])


def test_gradcheck_requires_fn_to_return_a_tensor():
    with pytest.raises(DataTypeError, match=r"fn must return a Tensor, got float"):
        dlkit.gradcheck(lambda a: 1.0, [Tensor([1.0], requires_grad=True)])


def test_numerical_gradient_is_the_jacobian_by_central_differences():
    x = Tensor([1.0, 2.0], requires_grad=True)
    # y = (x0·x1, x0²): Jacobian [[x1, x0], [2·x0, 0]]
    jacobian = dlkit.numerical_gradient(lambda t: dlkit.stack([t[0] * t[1], t[0] ** 2]), [x], 0)
    np.testing.assert_allclose(jacobian, [[2.0, 1.0], [2.0, 0.0]], atol=1e-8)
    np.testing.assert_array_equal(x.data, [1.0, 2.0])


def test_gradcheck_on_a_scalar_input_reports_the_empty_index():
    x = Tensor(1.5, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 is wrong at index \(\).*analytic 3\b.*numeric 2\b"):
        dlkit.gradcheck(double_with_wrong_gradient, [x])
