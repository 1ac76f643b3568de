"""Argument checks shared by the functional ops and the layers: a bad argument becomes a clear dlkit
error that names the op, what it got and what it expected."""
import numbers

import numpy as np

from ..errors import ArgumentError, DataTypeError, ShapeError
from ..tensor import Tensor


def as_tensor(x, who):
    """A Tensor from a Tensor, numpy array, list or number (float data only)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except DataTypeError as err:
        raise DataTypeError(f"{who}: {err}") from None


def check_ndim(x, allowed, who, layout):
    """Raise unless ``x.ndim`` is one of ``allowed``; ``layout`` names the axes, e.g. "(N, C, H, W)"."""
    if x.ndim not in allowed:
        dims = " or ".join(f"{d}-D" for d in allowed)
        raise ShapeError(f"{who}: expected {dims} input {layout}, got shape {tuple(x.shape)}")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(value, who, what, minimum=None):
    """``value`` as an int, or an :class:`ArgumentError` naming ``what`` and the allowed range."""
    if not _is_int(value):
        raise DataTypeError(f"{who}: {what} must be an int, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ArgumentError(f"{who}: {what} must be an int >= {minimum}, got {value}")
    return int(value)


def check_number(value, who, what, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a float inside [low, high] (ends open when asked), or an :class:`ArgumentError`."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise DataTypeError(f"{who}: {what} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high or np.isnan(value):
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        span = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ArgumentError(f"{who}: {what} must lie in {span}, got {value}")
    return value


def ntuple(value, n, who, what, minimum=None):
    """``3`` -> ``(3,) * n``; a tuple of n ints stays. Each entry must be >= ``minimum``."""
    values = (value,) * n if _is_int(value) else value
    try:
        values = tuple(values)
    except TypeError:
        raise DataTypeError(f"{who}: {what} must be an int or a tuple of {n} ints, "
                            f"got {value!r}") from None
    if len(values) != n or not all(_is_int(v) for v in values):
        raise ArgumentError(f"{who}: {what} must be an int or a tuple of {n} ints, got {value!r}")
    if minimum is not None and any(v < minimum for v in values):
        raise ArgumentError(f"{who}: {what} must be >= {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def pair(value, who, what, minimum=None):
    """``3`` -> ``(3, 3)``; ``(2, 3)`` stays. For kernel sizes, strides and paddings."""
    return ntuple(value, 2, who, what, minimum)


def single(value, who, what, minimum=None):
    """``3`` or ``(3,)`` -> ``3``: the 1-D version of :func:`pair`."""
    return ntuple(value, 1, who, what, minimum)[0]
