"""Compare a learner's answer with the reference and say precisely what differs.

Each helper raises :class:`Mismatch` with a message a learner can act on: which output, its shape or
dtype, the worst-off entry and where it is. The checker turns a ``Mismatch`` into a red result.
"""
import numpy as np

from ..tensor import Tensor


class Mismatch(Exception):
    """The learner's answer differs from the reference; ``hint`` says what to look at."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message, self.hint = message, hint


def _index(flat_position, shape):
    return tuple(int(i) for i in np.unravel_index(flat_position, shape)) if shape else ()


def as_array(value, what, hint=None):
    """``value`` as a numpy array (Tensors give their data); anything non-numeric is a Mismatch."""
    if isinstance(value, Tensor):
        return value.data
    if value is None:
        raise Mismatch(f"{what} is None — did you forget a `return`?", hint)
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything numpy cannot read is the learner's type error
        array = np.asarray(None)
    if array.dtype.kind not in "fiub":
        raise Mismatch(f"{what} is a {type(value).__name__}, expected numbers (an array or a Tensor)",
                       hint)
    return array


def assert_close(got, expected, what, hint=None, rtol=1e-6, atol=1e-8, check_dtype=True):
    """Raise :class:`Mismatch` unless ``got`` has ``expected``'s shape, dtype and values."""
    got = as_array(got, what, hint)
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        raise Mismatch(f"{what} has shape {got.shape}, expected shape {expected.shape}", hint)
    if check_dtype and expected.dtype.kind == "f" and got.dtype != expected.dtype:
        raise Mismatch(f"{what} has dtype {got.dtype}, expected {expected.dtype}", hint)
    got = got.astype(np.float64)
    expected = expected.astype(np.float64)
    bad_finite = ~np.isfinite(got) & np.isfinite(expected)
    if bad_finite.any():
        where = _index(int(np.argmax(bad_finite)), got.shape)
        raise Mismatch(f"{what} has {got[where]} at index {where} where {expected[where]:.6g} was "
                       f"expected ({int(bad_finite.sum())} of {got.size} entries are nan/inf)", hint)
    with np.errstate(invalid="ignore"):
        error = np.abs(got - expected)
        excess = error - (atol + rtol * np.abs(expected))
    excess = np.where(np.isnan(excess), np.inf, excess) if np.isnan(excess).any() else excess
    if (excess > 0).any():
        position = int(np.argmax(excess))
        where = _index(position, got.shape)
        at = f" at index {where}" if where else ""
        count = int((excess > 0).sum())
        how_many = f"; {count} of {got.size} entries differ" if got.size > 1 else ""
        raise Mismatch(f"{what} is off{at}: got {got[where]:.6g}, expected {expected[where]:.6g} "
                       f"(difference {error[where]:.3g}{how_many})", hint)


def assert_tensor(value, what, hint=None):
    """Raise unless ``value`` is a dlkit Tensor (gradients only flow through Tensor ops)."""
    if not isinstance(value, Tensor):
        raise Mismatch(f"{what} is a {type(value).__name__}, expected a dlkit Tensor",
                       hint or "build the result from Tensor operations (+, *, .exp(), .sum(), …) "
                               "so that backward() can reach the inputs; numpy functions cut the graph")


def assert_gradient(tensor, expected, what, hint=None):
    """Raise unless ``tensor.grad`` exists and matches ``expected``."""
    if tensor.grad is None:
        raise Mismatch(f"no gradient reached {what}",
                       hint or "keep every step a Tensor operation: np.* functions, .data or float() "
                               "break the graph between the input and the output")
    assert_close(tensor.grad, expected, f"the gradient of {what}", hint)
