"""Argument checks shared by the functional ops and the layers: a bad argument becomes a clear dlkit
error that names the op, what it got and what it expected."""
import numpy as np

from ..errors import DataTypeError, ShapeError
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


def pair(value, who, what):
    """``3`` -> ``(3, 3)``; ``(2, 3)`` stays. For kernel sizes, strides and paddings."""
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{who}: {what} must be an int or a pair of ints, got {value}")
    return value


def single(value, who, what):
    """``3`` or ``(3,)`` -> ``3``: the 1-D version of :func:`pair`."""
    if isinstance(value, int | np.integer):
        return int(value)
    value = tuple(int(v) for v in value)
    if len(value) != 1:
        raise ValueError(f"{who}: {what} must be an int, got {value}")
    return value[0]
