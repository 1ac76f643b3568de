"""A check judges the answer, not the session: clean dtype and grad mode, a time limit, forbidden helpers."""
import signal
import threading
import time

import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.course import get_timeout, run_check, set_timeout
from dlkit.course.checker import check_tensor_function
from dlkit.course.isolation import CheckTimeout, time_limit
from dlkit.course.references import chapter3


def softmax_right(z):
    e = (z - z.max(axis=-1, keepdims=True)).exp()
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------------------------------
# The learner's session does not leak into the check, and the check does not leak out
# ----------------------------------------------------------------------------------------------------
def test_a_right_answer_passes_after_the_notebook_set_float32_and_leaked_no_grad():
    leaked = dlkit.no_grad()
    leaked.__enter__()  # as a notebook that ran `no_grad().__enter__()` and never left it
    dlkit.set_default_dtype(np.float32)
    try:
        result = run_check("ch3.softmax", softmax_right)
        assert result.passed, str(result)
        assert dlkit.get_default_dtype() is np.float32, "the session's dtype must be restored"
        assert dlkit.is_grad_enabled() is False, "the session's grad mode must be restored"
    finally:
        dlkit.set_default_dtype(np.float64)
        leaked.__exit__(None, None, None)
    assert dlkit.is_grad_enabled()


def test_a_check_does_not_move_numpys_global_random_numbers(temporary_check):
    def draws(answer):
        answer()
        return "ok"

    name = temporary_check("t.draws", draws)
    np.random.seed(3)
    expected = np.random.rand(2)
    np.random.seed(3)
    assert run_check(name, lambda: np.random.rand(5)).passed
    assert np.array_equal(np.random.rand(2), expected)


def test_the_check_sees_float64_and_gradients_on(temporary_check):
    seen = {}

    def spy(answer):
        seen["dtype"], seen["grad"] = dlkit.get_default_dtype(), dlkit.is_grad_enabled()
        return "ok"

    name = temporary_check("t.spy", spy)
    dlkit.set_default_dtype(np.float32)
    try:
        with dlkit.no_grad():
            run_check(name, None)
    finally:
        dlkit.set_default_dtype(np.float64)
    assert seen == {"dtype": np.float64, "grad": True}


# ----------------------------------------------------------------------------------------------------
# A learner's function that never returns
# ----------------------------------------------------------------------------------------------------
def forever(*args):
    while True:
        pass


def forever_swallowing_exceptions(*args):
    while True:
        try:
            time.sleep(0.01)
        except Exception:  # noqa: BLE001, S110 - the learner's mistake this test is about
            pass


@pytest.mark.parametrize("answer", [forever, forever_swallowing_exceptions])
def test_a_function_that_never_returns_fails_after_the_time_limit(answer):
    set_timeout(0.5)
    previous = [signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGPROF)]
    start = time.perf_counter()
    result = run_check("ch3.softmax", answer)
    elapsed = time.perf_counter() - start
    assert not result.passed and "gave up after 0.5 s" in result.message
    assert elapsed < 5  # 0.5 s of CPU for the busy loop; 3 × 0.5 s of wall time for the sleeping one
    for timer in (signal.ITIMER_REAL, signal.ITIMER_PROF):
        assert signal.getitimer(timer) == (0.0, 0.0), "the timers must be disarmed"
    assert [signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGPROF)] == previous
    assert run_check("ch3.softmax", softmax_right).passed  # and the next check runs normally


def test_outside_the_main_thread_the_check_is_abandoned_after_the_limit():
    set_timeout(0.5)
    results = []
    worker = threading.Thread(target=lambda: results.append(run_check("ch3.softmax", forever_sleeping)))
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    assert not results[0].passed and "gave up after 0.5 s" in results[0].message
    assert "restart the kernel" in results[0].message  # it could not be stopped, only abandoned
    results.clear()
    worker = threading.Thread(target=lambda: results.append(run_check("ch3.softmax", softmax_right)))
    worker.start()
    worker.join(10)
    assert results[0].passed, str(results[0])


def forever_sleeping(*args):
    deadline = time.monotonic() + 3  # ends on its own after 3 s so the abandoned thread goes away
    while time.monotonic() < deadline:
        time.sleep(0.01)


def test_time_limit_settings_global_environment_and_per_check(monkeypatch, temporary_check):
    assert get_timeout() == 5.0
    monkeypatch.setenv("DLKIT_CHECK_TIMEOUT", "12")
    assert get_timeout() == 12.0
    monkeypatch.setenv("DLKIT_CHECK_TIMEOUT", "off")
    assert get_timeout() is None
    monkeypatch.setenv("DLKIT_CHECK_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="DLKIT_CHECK_TIMEOUT"):
        get_timeout()
    set_timeout(0.3)
    assert get_timeout() == 0.3
    with pytest.raises(ValueError, match="positive"):
        set_timeout(-1)

    def slow_but_fine(answer):
        time.sleep(0.6)  # longer than the global 0.3 s, within this check's own 2 s
        return "ok"

    name = temporary_check("t.slow", slow_but_fine, timeout=2)
    assert run_check(name, None).passed


def test_time_limit_context_raises_check_timeout_in_the_main_thread():
    with pytest.raises(CheckTimeout), time_limit(0.2):
        forever()


def test_the_limit_counts_computing_not_waiting_for_a_busy_machine():
    # 0.6 s of sleeping uses almost no CPU: under a 0.3 s CPU limit it is not stopped (the wall-clock
    # backstop is 3 × 0.3 s), while 0.6 s of computing is.
    with time_limit(0.3):
        time.sleep(0.6)
    with pytest.raises(CheckTimeout), time_limit(0.3):
        end = time.process_time() + 0.6
        while time.process_time() < end:
            pass


# ----------------------------------------------------------------------------------------------------
# Forbidden dlkit functions and classes
# ----------------------------------------------------------------------------------------------------
def check_ce(answer):
    rng = np.random.default_rng(0)
    cases = [("4 samples, 3 classes", (rng.standard_normal((4, 3)), rng.integers(0, 3, 4)))]
    # The reference lives in dlkit (as every reference does), so it may call dlkit's own cross_entropy.
    return check_tensor_function(answer, chapter3.cross_entropy, cases, ("logits", "targets"))


FORBID = ("dlkit.functional.cross_entropy", "dlkit.nn.CrossEntropyLoss")


def ce_by_hand(z, y):
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - (z - m).exp().sum(axis=1, keepdims=True).log()
    return -log_p[np.arange(z.shape[0]), y].mean()


def ce_calls_functional(z, y):
    return dlkit.functional.cross_entropy(z, y)


def ce_calls_the_loss_module(z, y):
    return nn.CrossEntropyLoss()(z, y)


def ce_hides_the_error(z, y):
    try:
        return dlkit.functional.cross_entropy(z, y)
    except BaseException:  # noqa: BLE001 - a learner trying to get around the rule
        return ce_by_hand(z, y)


def ce_from_imported_name():
    namespace = {}
    exec("from dlkit.functional import cross_entropy\n"  # noqa: S102 - a notebook's namespace
         "def ce(z, y):\n    return cross_entropy(z, y)\n", namespace)
    return namespace["ce"]


@pytest.mark.parametrize("answer", [ce_calls_functional, ce_calls_the_loss_module, ce_hides_the_error,
                                    ce_from_imported_name()])
def test_an_answer_calling_the_dlkit_function_it_should_build_fails(temporary_check, answer):
    name = temporary_check("t.cross_entropy", check_ce, forbid=FORBID)
    result = run_check(name, answer)
    assert not result.passed
    assert result.message.startswith("write it yourself: this exercise asks you to build cross_entropy "
                                     "without calling dlkit's ")


def test_the_same_answers_pass_when_nothing_is_forbidden_and_the_hand_written_one_always(temporary_check):
    free = temporary_check("t.ce_free", check_ce)
    assert run_check(free, ce_calls_functional).passed
    strict = temporary_check("t.ce_strict", check_ce, forbid=FORBID)
    assert run_check(strict, ce_by_hand).passed, str(run_check(strict, ce_by_hand))


def test_forbidden_functions_and_classes_are_restored_after_the_check(temporary_check):
    original_function, original_init = dlkit.functional.cross_entropy, nn.CrossEntropyLoss.__init__
    name = temporary_check("t.restore", check_ce, forbid=FORBID)
    run_check(name, ce_calls_the_loss_module)
    assert dlkit.functional.cross_entropy is original_function
    assert nn.CrossEntropyLoss.__init__ is original_init
    loss = nn.CrossEntropyLoss()(dlkit.Tensor(np.zeros((2, 3))), dlkit.Tensor(np.array([0, 1])))
    assert np.isclose(loss.item(), np.log(3))


def check_layer(answer):
    layer = answer(3, 2)
    out = layer(dlkit.Tensor(np.ones((1, 3))))
    if tuple(out.shape) != (1, 2):
        from dlkit.course.compare import Mismatch
        raise Mismatch(f"output has shape {tuple(out.shape)}")
    return "ok"


class LinearBySubclassing(nn.Linear):
    pass


class LinearWrappingDlkits(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.inner = nn.Linear(n_in, n_out)

    def forward(self, x):
        return self.inner(x)


class LinearOwn(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(np.ones((n_out, n_in)))
        self.bias = nn.Parameter(np.zeros(n_out))

    def forward(self, x):
        return x @ self.weight.T + self.bias


def test_subclassing_or_wrapping_the_dlkit_class_fails_and_an_own_module_passes(temporary_check):
    name = temporary_check("t.Linear", check_layer, forbid=("dlkit.nn.Linear",),
                           forbid_subclass_of=("dlkit.nn.Linear",))
    subclassed = run_check(name, LinearBySubclassing)
    assert not subclassed.passed
    assert "without subclassing dlkit's nn.Linear" in subclassed.message
    wrapped = run_check(name, LinearWrappingDlkits)
    assert not wrapped.passed and "without calling dlkit's nn.Linear" in wrapped.message
    assert run_check(name, LinearOwn).passed
    assert isinstance(nn.Linear(2, 2), nn.Module)  # the class works again afterwards


def test_a_forbidden_path_that_does_not_exist_is_a_clear_error(temporary_check):
    name = temporary_check("t.typo", check_ce, forbid=("dlkit.functional.cross_entropi",))
    with pytest.raises(ValueError, match="cross_entropi"):
        run_check(name, ce_by_hand)


def check_sigmoid(answer):
    x = np.linspace(-3, 3, 7)
    cases = [("7 values in [-3, 3]", (x,))]
    return check_tensor_function(answer, dlkit.functional.sigmoid, cases, ("x",))  # dlkit's own code


def test_a_forbidden_tensor_method_fails_when_called_and_is_restored(temporary_check):
    name = temporary_check("t.sigmoid", check_sigmoid, forbid=("dlkit.Tensor.sigmoid",))
    method = dlkit.Tensor.sigmoid
    calls_method = run_check(name, lambda x: x.sigmoid())
    assert not calls_method.passed and "dlkit's Tensor.sigmoid" in calls_method.message
    assert run_check(name, lambda x: 1 / (1 + (-x).exp())).passed
    assert dlkit.Tensor.sigmoid is method
    assert np.isclose(dlkit.Tensor(0.0).sigmoid().item(), 0.5)
