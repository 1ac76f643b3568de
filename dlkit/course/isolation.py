"""A check judges the answer, not the learner's session: clean state, a time limit, forbidden helpers.

* :func:`clean_session` runs a check with dlkit's defaults (float64, gradients on, numpy warnings
  silenced) whatever the notebook set, and restores the session (also dlkit's and numpy's random
  numbers, so running a check does not change what the notebook draws next).
* :func:`time_limit` stops a learner's function that never returns. In the main thread on Unix —
  where Jupyter runs every cell — a timer signal raises :class:`CheckTimeout` inside the running
  Python code, so the notebook gets control back and the kernel lives on. The limit is CPU time
  (``SIGPROF``), so a busy machine does not fail a slow-but-right answer; a wall-clock ``SIGALRM`` at
  three times the limit stops code that sleeps or waits. Elsewhere (Windows, or a check called from
  another thread) signals are not available: the check then runs in a helper thread that is
  abandoned after the limit in wall-clock time; its function may keep running in the background until
  it ends (restart the kernel to stop it). A signal cannot interrupt one long C call (a huge numpy
  operation); it takes effect when that call returns.
* :func:`forbidden` swaps dlkit functions and classes an exercise asks you to write yourself for
  guards that raise :class:`ForbiddenCall` when learner code calls them (dlkit's own code, such as
  the reference answers, still uses the originals).
"""
import contextlib
import importlib
import signal
import sys
import threading

import numpy as np

from ..random import get_rng
from ..tensor import enable_grad, get_default_dtype, set_default_dtype


class CheckTimeout(BaseException):
    """The learner's code ran past the check's time limit.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that a learner's ``except Exception:`` cannot
    swallow it and keep the loop going.
    """


class ForbiddenCall(BaseException):
    """Learner code called a dlkit function the exercise asks you to write yourself."""

    def __init__(self, path):
        super().__init__(path)
        self.path = path


# ----------------------------------------------------------------------------------------------------
# Session state
# ----------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def clean_session():
    """Run the body with float64 as default dtype, gradients on and dlkit's random numbers saved."""
    rng = get_rng()
    # a check must not shift the notebook's random numbers: dlkit's, or numpy's global ones that a
    # learner's function may draw from
    saved_rng, saved_numpy = rng.bit_generator.state, np.random.get_state()
    saved_dtype = get_default_dtype()
    set_default_dtype(np.float64)
    try:
        with enable_grad(), np.errstate(all="ignore"):  # overflow is reported by the check itself
            yield
    finally:
        set_default_dtype(saved_dtype)
        rng.bit_generator.state = saved_rng
        np.random.set_state(saved_numpy)


# ----------------------------------------------------------------------------------------------------
# Time limit
# ----------------------------------------------------------------------------------------------------
def can_interrupt():
    """True where :func:`time_limit` can stop a running function (main thread, Unix signals)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


WALL_FACTOR = 3  # a function that waits (sleep, input) instead of computing is stopped after 3× the limit


@contextlib.contextmanager
def time_limit(seconds):
    """Raise :class:`CheckTimeout` in the body after ``seconds`` of CPU time (main thread, Unix).

    The limit counts the computing the code does (``ITIMER_PROF``: CPU time of this process), not the
    wall clock, so a check does not give up on a right answer because the machine is busy; a second,
    wall-clock timer stops code that waits instead of computing after ``WALL_FACTOR`` times the limit.
    """
    if not seconds or not can_interrupt():
        yield
        return

    def give_up(signum, frame):
        raise CheckTimeout(seconds)

    previous = {number: signal.signal(number, give_up) for number in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_with_time_limit(fn, seconds):
    """``fn()`` under a time limit: a signal where possible, else a helper thread that is abandoned."""
    if not seconds or can_interrupt():
        with time_limit(seconds):
            return fn()
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as error:  # noqa: BLE001 - handed back to the calling thread
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True, name="dlkit-check")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise CheckTimeout(seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


# ----------------------------------------------------------------------------------------------------
# Forbidden dlkit functions and classes
# ----------------------------------------------------------------------------------------------------
def resolve(path):
    """The object named by a dotted path: ``"dlkit.functional.cross_entropy"``, ``"dlkit.nn.Linear"``
    or a method such as ``"dlkit.Tensor.softmax"``."""
    return _locate(path)[2]


def _locate(path):
    """``(owner, attribute, object)`` for a dotted path; the owner is a module or a class."""
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for name in parts[split:-1]:
                owner = getattr(owner, name)
            return owner, parts[-1], getattr(owner, parts[-1])
        except AttributeError as error:
            raise ValueError(f"forbid: cannot find {path!r} ({error})") from None
    raise ValueError(f"forbid: cannot find {path!r} (no module to import)")


def applies(path):
    """Whether a forbidden path is in play: always for dlkit's own names; for another library's
    (``torch.Tensor.backward``) only once the learner has imported it, so checks never import it."""
    top = path.split(".")[0]
    return top == "dlkit" or top in sys.modules


def _called_from_dlkit(depth):
    """True when the caller ``depth`` frames up is dlkit's own code (references, layers, losses)."""
    caller = sys._getframe(depth + 1)
    module = caller.f_globals.get("__name__", "")
    return module == "dlkit" or module.startswith("dlkit.")


def _function_guard(path, original, calls):
    def guard(*args, **kwargs):
        if _called_from_dlkit(1):
            return original(*args, **kwargs)
        calls.append(path)
        raise ForbiddenCall(path)
    guard.__name__ = getattr(original, "__name__", "guard")
    guard.__doc__ = getattr(original, "__doc__", None)
    guard.__wrapped__ = original
    return guard


@contextlib.contextmanager
def forbidden(paths, namespaces=(), calls=None):
    """Within the body, learner code calling any of ``paths`` raises :class:`ForbiddenCall`.

    A function is replaced by a guard wherever it is bound: in every loaded ``dlkit`` module and in
    ``namespaces`` (the learner's globals, so ``from dlkit.functional import cross_entropy`` is caught
    too). A class keeps its identity (``isinstance`` still works); its ``__init__`` is guarded, which
    also catches a learner's subclass calling ``super().__init__()``. Attempts are appended to
    ``calls`` so a learner's ``try/except`` cannot hide them. Everything is restored on exit.
    """
    calls = [] if calls is None else calls
    undo = []
    try:
        for path in filter(applies, paths):
            owner, attribute, original = _locate(path)
            if isinstance(original, type):
                _guard_class(path, original, calls, undo)
            elif isinstance(owner, type):  # a method: guarded on its class, for every instance
                guard = _function_guard(path, original, calls)
                had_own = attribute in owner.__dict__
                setattr(owner, attribute, guard)
                undo.append(lambda c=owner, a=attribute, v=original, own=had_own:
                            setattr(c, a, v) if own else delattr(c, a))
            else:
                guard = _function_guard(path, original, calls)
                places = [m.__dict__ for name, m in list(sys.modules.items())
                          if (name == "dlkit" or name.startswith("dlkit.")) and m is not None]
                for namespace in [owner.__dict__, *places, *namespaces]:   # owner: torch's own modules
                    for key, value in list(namespace.items()):
                        if value is original:
                            namespace[key] = guard
                            undo.append(lambda ns=namespace, k=key, v=original: ns.__setitem__(k, v))
        yield calls
    finally:
        for restore in reversed(undo):
            restore()


def _guard_class(path, cls, calls, undo):
    had_own = "__init__" in cls.__dict__
    original_init = cls.__init__

    def __init__(self, *args, **kwargs):
        if not _called_from_dlkit(1):
            calls.append(path)
            raise ForbiddenCall(path)
        original_init(self, *args, **kwargs)

    cls.__init__ = __init__
    undo.append(lambda: setattr(cls, "__init__", original_init) if had_own else delattr(cls, "__init__"))


def subclasses_forbidden(answer, paths):
    """The first of ``paths`` that the class ``answer`` inherits from (``None`` when none)."""
    if not isinstance(answer, type):
        return None
    for path in paths:
        if issubclass(answer, resolve(path)):
            return path
    return None
