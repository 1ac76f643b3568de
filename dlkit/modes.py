"""The engine's switches: the default dtype (one per process) and gradient recording (one per thread).

Gradient mode is per thread, as in PyTorch: a thread that evaluates a model under ``no_grad()`` never
switches recording off for a thread that is training. The default dtype is shared by all threads
(``torch.set_default_dtype`` is process-wide too).

>>> with dlkit.no_grad():              # a block
...     y = model(x)
>>> @dlkit.no_grad                      # a function, bare or called: @dlkit.no_grad()
... def evaluate(model, x): ...
>>> dlkit.set_grad_enabled(False)       # a plain switch (also a context manager)
"""
import functools
import threading

import numpy as np

from .errors import DataTypeError

_default_dtype = np.dtype(np.float64)


def set_default_dtype(dtype):
    """Set the float dtype of new tensors made from Python numbers or lists (float64 by default)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise DataTypeError(f"set_default_dtype: expected float32 or float64, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    """The dtype new tensors get when none is given: ``np.float64`` unless changed."""
    return _default_dtype.type


class _ThreadState(threading.local):
    """Each thread sees its own copy of these attributes, starting from the class defaults."""

    grad_enabled = True


state = _ThreadState()
# Reading a thread-local costs more than the rest of a tiny op's bookkeeping, so ops first look at
# this plain counter: while no thread has recording switched off, they need not ask their own thread.
threads_with_grad_off = 0
_count_lock = threading.Lock()
current_scope = None  # the module whose forward is running; ops record it so graphs group by module


def is_grad_enabled():
    """True when ops (in this thread) record the graph that ``backward()`` needs."""
    return state.grad_enabled


def _switch(enabled):
    """Set this thread's gradient mode; return the previous one."""
    global threads_with_grad_off
    previous = state.grad_enabled
    if previous != enabled:
        with _count_lock:
            threads_with_grad_off += -1 if enabled else 1
        state.grad_enabled = enabled
    return previous


class _GradMode:
    """Base of the switches below: a context manager that is also a decorator."""

    enabled = True

    def __new__(cls, fn=None):
        switch = super().__new__(cls)
        if callable(fn):        # used bare: @dlkit.no_grad
            return switch(fn)
        return switch

    def __enter__(self):
        self._previous = _switch(self.enabled)

    def __exit__(self, *exc):
        _switch(self._previous)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():  # a fresh switch per call: safe under recursion and threads
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Context manager (and decorator) in which ops build no graph: for evaluation and updates.

    >>> with dlkit.no_grad():
    ...     y = model(x)          # y.requires_grad is False, nothing is remembered
    """

    enabled = False


class enable_grad(_GradMode):
    """Context manager (and decorator) that turns gradient recording back on inside ``no_grad``."""

    enabled = True


class set_grad_enabled:
    """Switch gradient recording on or off now; as a context manager, restore it on exit.

    >>> dlkit.set_grad_enabled(False)          # off from here on (in this thread)
    >>> with dlkit.set_grad_enabled(True):     # on inside the block only
    ...     loss = model(x).sum()
    """

    def __init__(self, mode):
        self._previous = _switch(bool(mode))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _switch(self._previous)


class scope:
    """Context manager that tags every op made inside it with ``owner`` (its ``.scope``).

    ``nn.Module.__call__`` runs ``forward`` inside ``scope(module)``, so ``dlkit.viz.draw_graph`` can
    group a big graph by the layer that made each node. (One scope per process, not per thread:
    it only labels graph drawings.)
    """

    def __init__(self, owner):
        self.owner = owner

    def __enter__(self):
        global current_scope
        self._previous, current_scope = current_scope, self.owner

    def __exit__(self, *exc):
        global current_scope
        current_scope = self._previous
