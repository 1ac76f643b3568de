"""``check(name, your_function)``: test an exercise answer on fresh inputs against dlkit's reference.

A check calls your function on inputs it makes itself (never the notebook's), compares shape, dtype,
values and — for Tensor functions — the gradients that ``backward()`` sends to every input, with the
reference answers in :mod:`dlkit.course.references`. It reports the first thing that differs with a
hint, and never shows the reference code.
"""
import numpy as np

from ..random import get_rng
from ..tensor import Tensor
from .compare import Mismatch, assert_close, assert_gradient, assert_tensor
from .result import CheckFailed, CheckResult

_CHECKS = {}


def register(name, hint=None):
    """Decorator: ``@register("ch3.softmax", hint=...)`` adds a check function to the registry.

    The check function receives the learner's answer, raises :class:`Mismatch` when something is
    wrong and returns a short summary of what it tested when all is right.
    """
    def decorate(fn):
        _CHECKS[name] = (fn, hint)
        return fn
    return decorate


def available_checks():
    """Names of every registered check, e.g. ``["ch1.mul_backward", ...]``."""
    _load_references()
    return sorted(_CHECKS)


def run_check(name, answer):
    """Run check ``name`` on ``answer`` and return a :class:`CheckResult` (never raises for a wrong answer)."""
    _load_references()
    if name not in _CHECKS:
        raise KeyError(f"check: no exercise check named {name!r}; available: {', '.join(sorted(_CHECKS))}")
    fn, default_hint = _CHECKS[name]
    rng = get_rng()
    saved = rng.bit_generator.state  # a check must not shift the notebook's random numbers
    try:
        with np.errstate(all="ignore"):  # an overflow is reported by the check itself, with a hint
            summary = fn(answer)
    except NotImplementedError:
        return CheckResult(name, False, "not implemented yet",
                           "replace the `raise NotImplementedError(...)` line with your code, run that "
                           "cell, then run this check again")
    except Mismatch as wrong:
        return CheckResult(name, False, wrong.message, wrong.hint or default_hint)
    except Exception as error:  # noqa: BLE001 - any crash in learner code becomes feedback
        return CheckResult(name, False, f"your code raised {type(error).__name__}: {error}",
                           default_hint)
    finally:
        rng.bit_generator.state = saved
    return CheckResult(name, True, summary)


def check(name, answer):
    """Check an exercise answer; show a green ✓, or a red ✗ and raise :class:`CheckFailed`.

    Parameters
    ----------
    name : str
        The exercise, as given in the notebook, e.g. ``"ch3.softmax"``.
    answer : callable or class
        Your function (or class) for that exercise.

    Returns
    -------
    CheckResult
        On success; it displays as a green box in Jupyter and as ``✓ name: ...`` in text.

    Raises
    ------
    CheckFailed
        When the answer is wrong: the message says what differs and gives a hint, and "Run All"
        stops here so you can fix it before moving on.
    """
    result = run_check(name, answer)
    if not result.passed:
        _display(result)
        raise CheckFailed(result)
    return result


def _display(result):
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: the exception message carries the same text
        return
    if get_ipython() is not None:
        display(result)


def _load_references():
    from .references import chapter1, chapter2, chapter3, chapter4  # noqa: F401 - they register


# ----------------------------------------------------------------------------------------------------
# The common case: a function of Tensors, checked on values and on gradients
# ----------------------------------------------------------------------------------------------------
def call(answer, *args):
    """Call the learner's function; a crash inside it is reported as feedback by ``run_check``."""
    return answer(*args)


def check_tensor_function(answer, reference, cases, names, hints=None, rtol=1e-6, atol=1e-8,
                          differentiable=None):
    """Compare ``answer`` with ``reference`` on each case: output, then the gradient of every input.

    Parameters
    ----------
    cases : list of (label, tuple of numpy arrays)
        The inputs; float arrays become fresh float64 Tensors that require grad (separately for the
        answer and the reference), integer arrays are passed as they are.
    names : tuple of str
        How the inputs are called in the exercise text (used in messages).
    hints : dict, optional
        ``{"values": ..., "grad": ..., case label: ...}``: hints by kind of failure or by case.
    differentiable : tuple of bool, optional
        Which inputs get a gradient (default: the float ones).
    """
    hints = hints or {}
    rng = np.random.default_rng(1234)
    for label, arrays in cases:
        mine = _as_inputs(arrays, differentiable)
        theirs = _as_inputs(arrays, differentiable)
        expected = reference(*theirs)
        got = call(answer, *mine)
        on = f" (on {label})"
        assert_tensor(got, "your result" + on)
        case_hint = hints.get(label)
        assert_close(got, expected.data, "your result" + on, case_hint or hints.get("values"),
                     rtol=rtol, atol=atol)
        upstream = rng.standard_normal(expected.shape)
        if not got.requires_grad:
            raise Mismatch("your result does not require grad" + on,
                           "use only Tensor operations on the inputs; numpy calls, .data or "
                           "Tensor(...) around a result cut it off from the graph")
        got.backward(upstream)
        expected.backward(upstream)
        for name, x, ref in zip(names, mine, theirs):
            if isinstance(x, Tensor) and x.requires_grad:
                assert_gradient(x, ref.grad, f"{name}{on}", case_hint or hints.get("grad"))
    return f"{len(cases)} cases passed (values and gradients)"


def check_array_function(answer, reference, cases, what="your result", hints=None, rtol=1e-6, atol=1e-8):
    """Compare a numpy function (or one returning a tuple of arrays) with ``reference`` on each case."""
    hints = hints or {}
    for label, args in cases:
        expected = reference(*[_copy(a) for a in args])
        got = call(answer, *[_copy(a) for a in args])
        on = f" (on {label})"
        hint = hints.get(label) or hints.get("values")
        if isinstance(expected, tuple):
            if not isinstance(got, tuple | list) or len(got) != len(expected):
                raise Mismatch(f"{what} should be a tuple of {len(expected)} values{on}, got "
                               f"{type(got).__name__}", hints.get("tuple"))
            for i, (g, e) in enumerate(zip(got, expected)):
                assert_close(g, e, f"{what}[{i}]{on}", hint, rtol=rtol, atol=atol)
        else:
            assert_close(got, expected, what + on, hint, rtol=rtol, atol=atol)
    return f"{len(cases)} cases passed"


def _copy(a):
    return a.copy() if isinstance(a, np.ndarray) else a


def _as_inputs(arrays, differentiable):
    inputs = []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        grad = a.dtype.kind == "f" if differentiable is None else differentiable[i]
        inputs.append(Tensor(a.astype(np.float64) if a.dtype.kind == "f" else a.copy(),
                             requires_grad=grad))
    return inputs
