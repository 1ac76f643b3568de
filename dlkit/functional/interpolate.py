"""Resizing images: ``interpolate`` (nearest, linear, bilinear), as PyTorch's ``F.interpolate``.

Both modes are *separable*: resizing the rows and resizing the columns are independent, so each is a
small matrix that mixes input positions into output positions, and for an (N, C, H, W) input

    out = R x Cᵀ      (R of shape (H_out, H), C of shape (W_out, W), applied to every sample/channel)

with backward ``∂L/∂x = Rᵀ G C`` — the gradient flows back along the same weights.

* nearest: output position ``i`` copies input ``⌊i · scale⌋`` (``scale = in/out``, or
  ``1/scale_factor`` when that was given), so R holds a single 1 per row;
* (bi)linear: output position ``i`` sits at input coordinate ``src`` and mixes its two neighbours
  ``⌊src⌋`` and ``⌊src⌋ + 1`` with weights ``1 − λ`` and ``λ`` (``λ = src − ⌊src⌋``). With
  ``align_corners=False`` (the default) ``src = (i + ½)·scale − ½`` (pixels are squares and their
  centres line up), clamped at 0; with ``align_corners=True`` ``src = i·(in − 1)/(out − 1)`` (the corner
  pixels line up exactly).
"""
import math

import numpy as np

from ..errors import ArgumentError
from ..tensor import Tensor
from ._checks import as_tensor, check_ndim

MODES = ("nearest", "linear", "bilinear")


def separable_op(x, rows, cols, op, rule):
    """``rows @ x @ colsᵀ`` over the last two axes of ``x`` (for 1-D inputs ``rows`` is None)."""
    data = x.data
    out = data @ cols.T if rows is None else rows @ data @ cols.T

    def backward(g):
        g = g @ cols
        return (g if rows is None else rows.T @ g,)
    return Tensor._result(out, (x,), op, backward, rule)


def _nearest_matrix(size, out, scale, dtype):
    src = np.minimum(np.floor(np.arange(out) * scale).astype(np.int64), size - 1)
    matrix = np.zeros((out, size), dtype=dtype)
    matrix[np.arange(out), src] = 1
    return matrix


def _linear_matrix(size, out, scale, align_corners, dtype):
    i = np.arange(out, dtype=np.float64)
    if align_corners:
        src = i * ((size - 1) / (out - 1)) if out > 1 else np.zeros(out)
    else:
        src = np.maximum((i + 0.5) * scale - 0.5, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), size - 1)
    high = np.minimum(low + 1, size - 1)
    lam = src - low
    matrix = np.zeros((out, size), dtype=np.float64)
    np.add.at(matrix, (np.arange(out), low), 1 - lam)
    np.add.at(matrix, (np.arange(out), high), lam)
    return matrix.astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize (N, C, L) or (N, C, H, W) to ``size`` or by ``scale_factor`` (give exactly one).

    Parameters
    ----------
    size : int or tuple of ints, output size of the spatial axes
    scale_factor : float or tuple of floats, e.g. 2 doubles every spatial size (rounded down)
    mode : 'nearest', 'linear' (3-D input) or 'bilinear' (4-D input)
    align_corners : bool, only for (bi)linear; default False

    Examples
    --------
    >>> x = dlkit.Tensor([[[1.0, 2.0]]])
    >>> dlkit.functional.interpolate(x, scale_factor=2, mode="linear").data
    array([[[1.  , 1.25, 1.75, 2.  ]]])
    """
    who = "interpolate"
    x = as_tensor(input, who)
    check_ndim(x, (3, 4), who, "(N, C, L) or (N, C, H, W)")
    spatial = x.ndim - 2
    if mode not in MODES:
        raise ArgumentError(f"{who}: mode must be one of {MODES}, got {mode!r}")
    if (mode == "linear" and spatial != 1) or (mode == "bilinear" and spatial != 2):
        raise ArgumentError(f"{who}: mode {mode!r} needs a {'3' if mode == 'linear' else '4'}-D input, "
                            f"got shape {tuple(x.shape)}")
    if mode == "nearest" and align_corners is not None:
        raise ArgumentError(f"{who}: align_corners only applies to linear and bilinear modes")
    if (size is None) == (scale_factor is None):
        raise ArgumentError(f"{who}: give exactly one of size and scale_factor, got size={size}, "
                            f"scale_factor={scale_factor}")
    in_sizes = x.shape[2:]
    if size is not None:
        sizes = (size,) * spatial if isinstance(size, int) else tuple(size)
        if len(sizes) != spatial or any(not isinstance(s, int) or s < 1 for s in sizes):
            raise ArgumentError(f"{who}: size must be {spatial} positive int(s), got {size!r}")
        scales = [n / s for n, s in zip(in_sizes, sizes)]
    else:
        factors = (scale_factor,) * spatial if isinstance(scale_factor, int | float) else \
            tuple(scale_factor)
        if len(factors) != spatial or any(f <= 0 for f in factors):
            raise ArgumentError(f"{who}: scale_factor must be {spatial} positive number(s), "
                                f"got {scale_factor!r}")
        sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))
        if min(sizes) < 1:
            raise ArgumentError(f"{who}: scale_factor {scale_factor} shrinks shape {tuple(x.shape)} "
                                "to nothing")
        scales = [1.0 / f for f in factors]          # PyTorch uses the given factor, not in/out
    if mode == "nearest":
        mats = [_nearest_matrix(n, s, sc, x.dtype) for n, s, sc in zip(in_sizes, sizes, scales)]
        rule = "∂/∂x = Rᵀ G C: each input pixel collects the gradients of its copies"
    else:
        mats = [_linear_matrix(n, s, sc, bool(align_corners), x.dtype)
                for n, s, sc in zip(in_sizes, sizes, scales)]
        rule = "∂/∂x = Rᵀ G C: the gradient flows back along the interpolation weights"
    rows, cols = (None, mats[0]) if spatial == 1 else mats
    return separable_op(x, rows, cols, f"interpolate_{mode}", rule)
