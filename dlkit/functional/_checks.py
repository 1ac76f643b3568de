"""Small validators shared by the functional ops: turn a bad argument into a clear dlkit error."""
import numpy as np

from ..errors import DataTypeError, ShapeError
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def as_tensor(x, who):
    """A Tensor from a Tensor, numpy array, list or number (float data only)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except DataTypeError as err:
        raise DataTypeError(f"{who}: {err}") from None


def check_reduction(reduction, who):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{who}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def reduce(loss, reduction):
    """Apply ``reduction`` to per-element losses (numpy), returning data and the backward scale."""
    if reduction == "mean":
        return np.asarray(loss.mean(), dtype=loss.dtype), 1.0 / max(loss.size, 1)
    if reduction == "sum":
        return np.asarray(loss.sum(), dtype=loss.dtype), 1.0
    return loss, None


def expand_grad(g, shape, scale):
    """The upstream gradient of a reduced loss, spread back to every element's position."""
    if scale is None:       # reduction="none": g already has the per-element shape
        return g
    return np.broadcast_to(g * scale, shape)


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
