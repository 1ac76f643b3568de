"""Chapter 2's new checks (max_backward, jacobian) and more plausible wrong answers for the others.

Right answers are written here independently of ``dlkit.course.references.chapter2``; each wrong one
is a mistake learners make. ``CH2_CASES`` joins ``CASES`` in test_checks.py (stub / right / wrong tests).
"""
import numpy as np
import pytest

from dlkit.course import run_check


# ----------------------------------------------------------------------------------------------------
# max_backward
# ----------------------------------------------------------------------------------------------------
def max_backward_right(x, upstream, axis):
    moved = np.moveaxis(x, axis, -1)
    grad = np.zeros_like(moved)
    for index in np.ndindex(moved.shape[:-1]):
        row = moved[index]
        winners = np.flatnonzero(row == row.max())
        grad[index][winners] = np.asarray(upstream)[index] / len(winners)
    return np.moveaxis(grad, -1, axis)


def max_backward_first_winner_only(x, upstream, axis):
    # torch.max(dim)'s rule (one index per row): right except on ties
    grad = np.zeros_like(x)
    index = np.expand_dims(x.argmax(axis=axis), axis)
    np.put_along_axis(grad, index, np.expand_dims(upstream, axis), axis=axis)
    return grad


def max_backward_every_tie_gets_all(x, upstream, axis):
    return (x == x.max(axis=axis, keepdims=True)) * np.expand_dims(upstream, axis)


def max_backward_to_everyone(x, upstream, axis):
    return np.broadcast_to(np.expand_dims(upstream, axis), x.shape).copy()


def max_backward_values_not_mask(x, upstream, axis):
    return x * np.expand_dims(upstream, axis)


# ----------------------------------------------------------------------------------------------------
# jacobian
# ----------------------------------------------------------------------------------------------------
def jacobian_right(f, x, eps):
    J = None
    for j in range(x.size):
        old = x[j]
        x[j] = old + eps
        plus = np.array(f(x), dtype=np.float64)
        x[j] = old - eps
        minus = np.array(f(x), dtype=np.float64)
        x[j] = old
        if J is None:
            J = np.empty((plus.size, x.size))
        J[:, j] = (plus - minus) / (2 * eps)
    return J


def jacobian_transposed(f, x, eps):
    return jacobian_right(f, x, eps).T


def jacobian_one_sided(f, x, eps):
    base = np.array(f(x.copy()))
    columns = []
    for j in range(x.size):
        shifted = x.copy()
        shifted[j] += eps
        columns.append((np.array(f(shifted)) - base) / eps)
    return np.stack(columns, axis=1)


def jacobian_forgets_restore(f, x, eps):
    columns = []
    for j in range(x.size):
        x[j] += eps
        plus = np.array(f(x))
        x[j] -= 2 * eps
        columns.append((plus - np.array(f(x))) / (2 * eps))
    return np.stack(columns, axis=1)


CH2_CASES = {
    "ch2.max_backward": (max_backward_right, [
        (max_backward_first_winner_only, "ties"),
        (max_backward_every_tie_gets_all, "ties"),
        (max_backward_to_everyone, "is off"),
        (max_backward_values_not_mask, "is off")]),
    "ch2.jacobian": (jacobian_right, [
        (jacobian_transposed, "has shape"),
        (jacobian_one_sided, "is off"),
        (jacobian_forgets_restore, "")]),
}


# ----------------------------------------------------------------------------------------------------
# More wrong answers for the chapter's older checks
# ----------------------------------------------------------------------------------------------------
def unbroadcast_without_keepdims(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1:
            grad = grad.sum(axis=axis)  # drops the axis: (4, 1) comes back as (4,)
    return grad


def matmul_elementwise_guess(A, B, G):
    return G.sum(axis=1, keepdims=True) * B.sum(axis=1), A.sum(axis=0)[:, None] * G.sum(axis=0)


def numgrad_one_sided(f, x, eps):
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


def softplus_literal_with_clip(x):
    # log(1 + e^x) with x clipped: no overflow, but wrong (and gradient 0) beyond the clip
    return (1 + x.clip(-30.0, 30.0).exp()).log()


@pytest.mark.parametrize("name,wrong,fragment", [
    ("ch2.unbroadcast", unbroadcast_without_keepdims, "has shape"),
    ("ch2.matmul_backward", matmul_elementwise_guess, ""),
    ("ch2.numerical_gradient", numgrad_one_sided, "is off"),
    ("ch2.softplus", softplus_literal_with_clip, "is off"),
])
def test_more_plausible_wrong_answers_fail(name, wrong, fragment):
    result = run_check(name, wrong)
    assert not result.passed, f"{name} passed a wrong answer: {result}"
    assert fragment in str(result)



def test_answers_that_call_dlkits_own_helper_are_refused():
    import dlkit

    def unbroadcast_borrowed(grad, shape):
        return dlkit.unbroadcast(grad, shape)

    def numgrad_borrowed(f, x, eps):
        t = dlkit.Tensor(x)
        return dlkit.numerical_gradient(lambda u: dlkit.Tensor(f(u.data)), [t], 0, eps).reshape(x.shape)

    def jacobian_borrowed(f, x, eps):
        return dlkit.numerical_gradient(lambda u: dlkit.Tensor(f(u.data)), [dlkit.Tensor(x.copy())], 0, eps)

    for name, answer in [("ch2.unbroadcast", unbroadcast_borrowed),
                         ("ch2.numerical_gradient", numgrad_borrowed),
                         ("ch2.jacobian", jacobian_borrowed)]:
        result = run_check(name, answer)
        assert not result.passed and "write it yourself" in result.message, str(result)
