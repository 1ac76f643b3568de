"""Dropout: during training zero each entry with probability ``p`` and scale the rest by 1/(1 − p).

The scaling keeps the expected value of every entry unchanged, so at evaluation time dropout is simply
the identity. The random mask comes from ``dlkit.get_rng()``, so ``dlkit.manual_seed`` repeats it.

``dropout2d`` drops whole channels of (N, C, H, W) images instead of single pixels: neighbouring
pixels are strongly correlated, so dropping one of them alone hides almost nothing.
"""
import numpy as np

from ..errors import ShapeError
from ..random import get_rng
from ..tensor import Tensor
from ._checks import as_tensor, check_number


def _masked(x, p, mask_shape, op):
    """``x · mask / (1 − p)`` with a random keep-mask of ``mask_shape`` (broadcast over ``x``)."""
    if p == 1.0:
        scaled_mask = np.zeros(mask_shape, dtype=x.dtype)
    else:
        keep = get_rng().random(mask_shape) >= p
        scaled_mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    out = x.data * scaled_mask

    def backward(g):
        return (g * scaled_mask,)
    return Tensor._result(out, (x,), op, backward, f"∂{op}(x)/∂x = mask/(1−p)  (p = {p:g})")


def dropout(x, p=0.5, training=True):
    """Randomly zero entries of ``x`` with probability ``p`` (only when ``training``)."""
    p = check_number(p, "dropout", "p", 0.0, 1.0)
    x = as_tensor(x, "dropout")
    if not training or p == 0.0:
        return x
    return _masked(x, p, x.shape, "dropout")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Randomly zero whole channels of (N, C, H, W) with probability ``p``.

    A 3-D input is read as (N, C, L) and whole channels of length L are dropped, as PyTorch 2 does.
    ``inplace`` is accepted for PyTorch compatibility; dlkit always returns a new tensor.
    """
    p = check_number(p, "dropout2d", "p", 0.0, 1.0)
    x = as_tensor(input, "dropout2d")
    if x.ndim not in (3, 4):
        raise ShapeError(f"dropout2d: expected 4-D input (N, C, H, W) or 3-D (N, C, L), got shape "
                         f"{tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    return _masked(x, p, x.shape[:2] + (1,) * (x.ndim - 2), "dropout2d")
