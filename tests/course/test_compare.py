"""compare.py judges the maths, not the dtype, and its messages name the real problem."""
import numpy as np
import pytest

import dlkit
from dlkit.course import run_check
from dlkit.course.compare import (
    Mismatch,
    as_number,
    assert_close,
    assert_fraction,
    assert_gradient,
    assert_named_shapes,
    tolerances,
)


def test_a_float32_answer_passes_within_float32_tolerance_of_a_float64_reference():
    expected = np.random.default_rng(0).standard_normal((4, 5)) * 10
    assert_close(expected.astype(np.float32), expected, "your result")  # rounding to float32 is fine


def test_a_float32_answer_that_is_really_wrong_still_fails():
    expected = np.linspace(-3, 3, 7)
    wrong = expected.astype(np.float32)
    wrong[3] += 1e-2
    with pytest.raises(Mismatch, match=r"is off at index \(3,\)"):
        assert_close(wrong, expected, "your result")


def test_float64_answers_keep_the_checks_own_tight_tolerance():
    expected = np.ones(3)
    with pytest.raises(Mismatch, match="is off"):
        assert_close(expected + 1e-5, expected, "your result")  # within float32's, not float64's


def test_the_dtype_is_judged_only_where_it_is_the_point():
    expected = np.ones(3)
    with pytest.raises(Mismatch, match="has dtype float32, expected float64"):
        assert_close(expected.astype(np.float32), expected, "your result", check_dtype=True)


def test_tolerances_grow_with_the_answers_precision_and_the_values_scale():
    rtol, atol = tolerances(np.float32, np.array([1.0, -200.0]))
    eps = np.finfo(np.float32).eps
    assert rtol == pytest.approx(1000 * eps) and atol == pytest.approx(100 * eps * 200)
    assert tolerances(np.float64, np.ones(2)) == (1e-6, 1e-8)
    assert tolerances(np.int64, np.ones(2)) == (1e-6, 1e-8)


def test_gradients_follow_the_same_rule():
    x = dlkit.Tensor(np.ones(3), requires_grad=True)
    x.grad = np.full(3, 2.0, dtype=np.float32) + np.float32(1e-6)
    assert_gradient(x, np.full(3, 2.0), "x")


def matmul_backward_float32(A, B, G):
    A, B, G = (np.asarray(m, dtype=np.float32) for m in (A, B, G))
    return G @ B.T, A.T @ G


def softmax_float32(z):
    z = z.float()
    e = (z - z.max(axis=-1, keepdims=True)).exp()
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_grad_float32(z, y):
    z = z.astype(np.float32)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


@pytest.mark.parametrize("name,answer", [("ch2.matmul_backward", matmul_backward_float32),
                                         ("ch3.softmax", softmax_float32),
                                         ("ch3.cross_entropy_grad", cross_entropy_grad_float32)])
def test_float32_answers_pass_the_real_checks(name, answer):
    result = run_check(name, answer)
    assert result.passed, str(result)


# ----------------------------------------------------------------------------------------------------
# Messages that point at the real problem
# ----------------------------------------------------------------------------------------------------
def test_a_count_instead_of_a_fraction_is_named_as_such():
    with pytest.raises(Mismatch, match=r"your accuracy: expected a fraction in \[0, 1\], got 6$"):
        assert_fraction(6, 0.6, "your accuracy")
    with pytest.raises(Mismatch, match="is off"):
        assert_fraction(0.5, 0.6, "your accuracy")
    with pytest.raises(Mismatch, match="expected a single number"):
        assert_fraction(np.array([0.5, 0.6]), 0.6, "your accuracy")
    assert_fraction(np.float32(0.6), 0.6, "your accuracy", atol=1e-6)
    assert_fraction(0.6, 0.6, "your accuracy")


def test_as_number_refuses_a_tensor_and_says_why():
    loss = dlkit.Tensor(np.array(1.5), requires_grad=True) * 2
    with pytest.raises(Mismatch, match="is a dlkit Tensor of shape .*expected a Python number") as caught:
        as_number(loss, "the loss returned by step 1")
    assert ".item()" in caught.value.hint
    with pytest.raises(Mismatch, match="forget a `return`"):
        as_number(None, "the loss")
    with pytest.raises(Mismatch, match=r"has shape \(2,\), expected a single number"):
        as_number([1.0, 2.0], "the loss")
    assert as_number(np.float32(2.5), "the loss") == 2.5


def test_a_wrong_shaped_parameter_is_reported_under_its_own_name_with_its_own_hint():
    hints = {"weight": "weight is (out_features, in_features)", "bias": "one bias per output unit"}
    with pytest.raises(Mismatch, match=r"^Linear\(3, 4\)\.bias has shape \(1, 4\), expected \(4,\)$") as caught:
        assert_named_shapes({"weight": np.zeros((4, 3)), "bias": np.zeros((1, 4))},
                            {"weight": (4, 3), "bias": (4,)}, "Linear(3, 4)", hints)
    assert caught.value.hint == "one bias per output unit"
    with pytest.raises(Mismatch, match=r"is missing \['bias'\] and has unexpected \['b'\]"):
        assert_named_shapes({"weight": np.zeros((4, 3)), "b": np.zeros(4)},
                            {"weight": (4, 3), "bias": (4,)}, "Linear(3, 4)")
    assert_named_shapes({"weight": dlkit.zeros(4, 3), "bias": dlkit.zeros(4)},
                        {"weight": (4, 3), "bias": (4,)}, "Linear(3, 4)")


# ----------------------------------------------------------------------------------------------------
# A training loop that keeps every batch's graph alive
# ----------------------------------------------------------------------------------------------------
def _loop(accumulate_tensors):
    from dlkit import nn
    from dlkit.course.graph_watch import GraphWatch

    rng = np.random.default_rng(0)
    dlkit.manual_seed(0)
    model = nn.Linear(3, 2)
    watched = GraphWatch(nn.CrossEntropyLoss())
    total = 0.0
    for _ in range(4):
        loss = watched(model(dlkit.Tensor(rng.standard_normal((5, 3)))),
                       dlkit.Tensor(rng.integers(0, 2, 5)))
        loss.backward()
        total = total + (loss * 5 if accumulate_tensors else loss.item() * 5)
    return watched, float(total.item() if accumulate_tensors else total)


def test_a_loop_that_sums_loss_tensors_is_caught_and_one_that_sums_numbers_passes():
    kept, kept_total = _loop(accumulate_tensors=True)
    with pytest.raises(Mismatch, match="keeps every batch's graph alive: when batch 3 started") as caught:
        kept.assert_let_go("your train_epoch")
    assert "loss.item()" in caught.value.hint
    fine, fine_total = _loop(accumulate_tensors=False)
    fine.assert_let_go("your train_epoch")
    assert kept_total == pytest.approx(fine_total)  # the numbers agree: only the memory differs
