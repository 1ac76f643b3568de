"""``check(name, your_function)``: test an exercise answer on fresh inputs against dlkit's reference.

A check calls your function on inputs it makes itself (never the notebook's), compares shapes,
values and — for Tensor functions — the gradients that ``backward()`` sends to every input, with the
reference answers in :mod:`dlkit.course.references`. It reports the first thing that differs and how
to ask for a hint (:func:`dlkit.course.hint`); it never shows the reference code.

A check judges the answer, not the session: it runs with float64 as default dtype and gradients on
(whatever the notebook set), leaves dlkit's random numbers where they were, gives up on code that
runs past a time limit, and — where an exercise asks you to build something dlkit already has —
fails an answer that calls dlkit's version (see :mod:`dlkit.course.isolation`).
"""
import os
import sys

import numpy as np

from ..tensor import Tensor
from .compare import Mismatch, assert_close, assert_gradient, assert_tensor
from .hints import hints_enabled, more_help, register_hints
from .isolation import (
    CheckTimeout,
    ForbiddenCall,
    applies,
    can_interrupt,
    clean_session,
    forbidden,
    resolve,
    run_with_time_limit,
    subclasses_forbidden,
    time_limit,
)
from .result import CheckFailed, CheckResult

_CHECKS = {}
_RESULTS = {}            # check name -> the latest CheckResult of this session (for progress)
DEFAULT_TIMEOUT = 5.0    # seconds; DLKIT_CHECK_TIMEOUT or set_timeout() change it
_timeout = "environment"


class Check:
    """A registered check: its function and how it runs (see :func:`register`)."""

    def __init__(self, name, fn, hints, forbid, forbid_subclass_of, timeout):
        self.name, self.fn, self.hints = name, fn, hints
        self.forbid, self.forbid_subclass_of, self.timeout = forbid, forbid_subclass_of, timeout

    @property
    def thing(self):
        """What the exercise builds, for messages: ``"cross_entropy"`` for ``"ch3.cross_entropy"``."""
        return self.name.split(".", 1)[-1]


def twin_models(make, rng):
    """Two models from ``make()`` with the same random weights (scale 0.5, drawn from ``rng``): one
    for the learner's training step, one for the reference step, so their losses can be compared."""
    models = [make(), make()]
    state = {name: rng.standard_normal(p.shape) * 0.5 for name, p in models[0].named_parameters()}
    for model in models:
        model.load_state_dict(state)
    return models


# The engine's own gradients: what an exercise that asks for a gradient "by hand" forbids.
# PyTorch's count too once a learner has imported it (see isolation.applies).
AUTOGRAD = ("dlkit.Tensor.backward", "dlkit.Tensor.backward_steps", "dlkit.gradcheck.numerical_gradient",
            "dlkit.gradcheck.analytic_jacobians", "torch.Tensor.backward", "torch.autograd.backward",
            "torch.autograd.grad")


def register(name, hint=None, *, hints=None, forbid=(), forbid_subclass_of=(), timeout=None):
    """Decorator: ``@register("ch3.softmax", hints=[...])`` adds a check function to the registry.

    The check function receives the learner's answer, raises :class:`Mismatch` when something is
    wrong (its message says what differs, its hint what to look at) and returns a short summary of
    what it tested when all is right.

    Parameters
    ----------
    name : str
        ``"ch<N>.<exercise>"``, as the notebook's check cell spells it.
    hint : str, optional
        A single hint (shortcut for ``hints=[hint]``).
    hints : sequence of str, optional
        Tiers of hints, weakest first, given one per call of ``dlkit.course.hint(name)``. None may
        contain the answer's code (``tests/course/test_hints.py`` scans them).
    forbid : sequence of str, optional
        Dotted paths of dlkit functions or classes the exercise asks you to write yourself, e.g.
        ``("dlkit.functional.cross_entropy", "dlkit.nn.CrossEntropyLoss", "dlkit.Tensor.softmax")``
        (functions, classes or Tensor methods). The check runs with them
        disabled for learner code; an answer calling one fails with "write it yourself".
    forbid_subclass_of : sequence of str, optional
        Dotted paths of dlkit classes a class answer may not inherit from, e.g. ``("dlkit.nn.Linear",)``.
    timeout : float, optional
        Seconds this check needs at least (a slow exercise); the global limit applies when larger.
    """
    if hint is not None and hints is not None:
        raise TypeError(f"register({name!r}): give hint= (one hint) or hints= (tiers), not both")
    tiers = [hint] if hint is not None else list(hints or [])
    if isinstance(hints, str):
        raise TypeError(f"register({name!r}): hints= takes a list of strings (tiers), got one string")

    def decorate(fn):
        _CHECKS[name] = Check(name, fn, tiers, tuple(forbid), tuple(forbid_subclass_of), timeout)
        register_hints(name, tiers)
        return fn
    return decorate


def set_timeout(seconds):
    """Set the time limit of every check in seconds (``None``: no limit; default 5 s).

    The environment variable ``DLKIT_CHECK_TIMEOUT`` sets it for a whole class; a check that
    registered a longer ``timeout`` keeps its longer one.
    """
    global _timeout
    if seconds is not None and not (isinstance(seconds, int | float) and seconds > 0):
        raise ValueError(f"set_timeout: expected a positive number of seconds or None, got {seconds!r}")
    _timeout = seconds


def get_timeout():
    """The global time limit of checks, in seconds (``None`` when there is none)."""
    if _timeout != "environment":
        return _timeout
    text = os.environ.get("DLKIT_CHECK_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    if text.lower() in ("0", "none", "off"):
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"DLKIT_CHECK_TIMEOUT must be a number of seconds or 'off', got {text!r}") from None


def available_checks():
    """Names of every registered check, e.g. ``["ch1.mul_backward", ...]``."""
    _load_references()
    return sorted(_CHECKS)


def session_results():
    """The latest result of every check run in this session: ``{name: CheckResult}``."""
    return dict(_RESULTS)


def run_check(name, answer):
    """Run check ``name`` on ``answer`` and return a :class:`CheckResult` (never raises for a wrong answer)."""
    _load_references()
    if name not in _CHECKS:
        raise KeyError(f"check: no exercise check named {name!r}; available: {', '.join(sorted(_CHECKS))}")
    spec = _CHECKS[name]
    result = _judge(spec, answer)
    if not result.passed:
        if not hints_enabled():
            result.hint = None
        result.help = more_help(name)
    _RESULTS[name] = result
    return result


def _judge(spec, answer):
    name = spec.name
    parent = subclasses_forbidden(answer, spec.forbid_subclass_of)
    if parent:
        return CheckResult(name, False, f"write it yourself: this exercise asks you to build {spec.thing} "
                           f"without subclassing dlkit's {_short(parent)}",
                           "subclass dlkit.nn.Module and create the parameters yourself")
    for path in filter(applies, spec.forbid):
        resolve(path)  # a typo in a check's forbid list is the check author's error, raised here
    seconds = _limit(spec)
    calls = []
    try:
        if can_interrupt():
            summary = _execute(spec, answer, calls, seconds)
        else:  # no signals here (Windows, another thread): run it in a thread we can walk away from
            summary = run_with_time_limit(lambda: _execute(spec, answer, calls, None), seconds)
    except CheckTimeout:
        still = ("" if can_interrupt() else " It may still be running in the background (this check could "
                 "not stop it here): restart the kernel to stop it.")
        return CheckResult(name, False, f"gave up after {seconds:g} s: your code did not finish (a loop "
                           f"whose condition never changes? waiting for input?).{still}",
                           "look for a loop that never ends (a `while` whose condition never changes), "
                           "fix it and run its cell again")
    except ForbiddenCall as call:
        return _forbidden_result(spec, call.path)
    except NotImplementedError:
        return CheckResult(name, False, "not implemented yet",
                           "replace the `raise NotImplementedError(...)` line with your code, run that "
                           "cell, then run this check again")
    except Mismatch as wrong:
        if calls:
            return _forbidden_result(spec, calls[0])
        return CheckResult(name, False, wrong.message, wrong.hint)
    except Exception as error:  # noqa: BLE001 - any crash in learner code becomes feedback
        if calls:
            return _forbidden_result(spec, calls[0])
        return CheckResult(name, False, f"your code raised {type(error).__name__}: {error}")
    if calls:  # the learner caught our ForbiddenCall and carried on
        return _forbidden_result(spec, calls[0])
    return CheckResult(name, True, summary)


def _execute(spec, answer, calls, seconds):
    with clean_session(), forbidden(spec.forbid, _namespaces(answer), calls), time_limit(seconds):
        return spec.fn(answer)


def _limit(spec):
    limit = get_timeout()
    if limit is None:
        return None
    return max(limit, spec.timeout or 0)


def _forbidden_result(spec, path):
    whose = "dlkit's " if path.startswith("dlkit.") else ""
    return CheckResult(spec.name, False, f"write it yourself: this exercise asks you to build "
                       f"{spec.thing} without calling {whose}{_short(path)} (your code called it)",
                       f"build it from the operations the chapter taught; {_short(path)} is what you "
                       "compare with afterwards")


def _short(path):
    return path.removeprefix("dlkit.")


def _namespaces(answer):
    """The learner's global namespaces, where ``from dlkit... import x`` bound forbidden names."""
    found = []
    candidates = [answer] + ([getattr(answer, "forward", None), getattr(answer, "__init__", None)]
                             if isinstance(answer, type) else [])
    for fn in candidates:
        namespace = getattr(fn, "__globals__", None)
        if namespace is not None and all(namespace is not n for n in found):
            found.append(namespace)
    module = sys.modules.get(getattr(answer, "__module__", None) or "")
    if module is not None and all(module.__dict__ is not n for n in found):
        found.append(module.__dict__)
    return [n for n in found if not n.get("__name__", "").startswith("dlkit")]


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
        When the answer is wrong: the message says what differs and how to ask for a hint
        (``dlkit.course.hint(name)``), and "Run All" stops here so you can fix it before moving on.
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
    """Import every ``references/chapterN.py``: each registers its checks (a new chapter needs no edit here)."""
    global _references_loaded
    if _references_loaded:
        return
    import importlib
    import pkgutil

    from . import references
    for module in pkgutil.iter_modules(references.__path__):
        if module.name.startswith("chapter"):
            importlib.import_module(f"{references.__name__}.{module.name}")
    _references_loaded = True


_references_loaded = False


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
                # a float32 result was computed in float32 all the way back: judge its gradients so
                assert_gradient(x, ref.grad, f"{name}{on}", case_hint or hints.get("grad"),
                                precision=got.data.dtype)
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
