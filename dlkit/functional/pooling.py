"""Max and average pooling over sliding windows (the window code is shared with ``conv.py``).

Each window belongs to one sample and one channel, so pooling never mixes samples of a batch.

* max pooling keeps the largest entry of each window; backward sends the window's gradient to the
  entry that won (the first one on ties, as PyTorch does), through an argmax mask;
* average pooling takes the mean; backward shares the gradient equally among the window's entries.

Both directions loop over the kh·kw kernel offsets only (each step a strided slice of the whole
batch, see ``conv.kernel_offsets``), never over pixels.
"""
import numpy as np

from ..tensor import Tensor
from ._checks import as_tensor, check_ndim, pair, single
from .conv import check_window_fits, crop, kernel_offsets, pad2d, window_counts


def _max_pool_op(x, kernel, stride, padding, op, to2d, from2d):
    xp = pad2d(to2d(x.data), padding, value=-np.inf)  # padding never wins a max
    offsets = list(kernel_offsets(kernel, stride, window_counts(xp.shape, kernel, stride)))
    # The max of each window, one kernel offset at a time (each step a strided slice of the batch).
    best = xp[offsets[0][2]]
    for _, _, where in offsets[1:]:
        best = np.maximum(best, xp[where])

    def backward(g):
        g = to2d(g)
        grad = np.zeros(xp.shape, dtype=g.dtype)
        taken = np.zeros(best.shape, dtype=bool)
        for _, _, where in offsets:
            # The window's gradient goes to the entry that holds the max; on ties only to the
            # first such entry (as PyTorch does), hence `taken`.
            winner = (xp[where] == best) & ~taken
            taken |= winner
            grad[where] += g * winner
        return (from2d(crop(grad, padding)),)
    return Tensor._result(from2d(best), (x,), op, backward,
                          "∂max(window)/∂xᵢ = 1 for the winning entry, 0 elsewhere")


def _avg_pool_op(x, kernel, stride, padding, op, to2d, from2d):
    xp = pad2d(to2d(x.data), padding)  # zeros, counted in the mean (PyTorch's count_include_pad)
    out_size = window_counts(xp.shape, kernel, stride)
    count = kernel[0] * kernel[1]
    total = 0
    for _, _, where in kernel_offsets(kernel, stride, out_size):
        total = total + xp[where]
    out = total / np.asarray(count, dtype=xp.dtype)

    def backward(g):
        share = to2d(g) / np.asarray(count, dtype=g.dtype)  # every entry of a window gets 1/count
        grad = np.zeros(xp.shape, dtype=g.dtype)
        for _, _, where in kernel_offsets(kernel, stride, out_size):
            grad[where] += share
        return (from2d(crop(grad, padding)),)
    return Tensor._result(from2d(out), (x,), op, backward,
                          "∂mean(window)/∂xᵢ = 1/(kh·kw) for every entry of the window")


def _check_padding(who, kernel, padding):
    # A window lying wholly in the padding would have no real entry to pool (as in PyTorch).
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{who}: padding {padding} must be at most half the kernel size {kernel}")


def _pool2d(kind, x, kernel_size, stride, padding):
    who = f"{kind}_pool2d"
    x = as_tensor(x, who)
    check_ndim(x, (4,), who, "(N, C, H, W)")
    kernel = pair(kernel_size, who, "kernel_size")
    stride = kernel if stride is None else pair(stride, who, "stride")
    padding = pair(padding, who, "padding")
    _check_padding(who, kernel, padding)
    check_window_fits(who, x.shape, kernel, padding)
    fn = _max_pool_op if kind == "max" else _avg_pool_op
    return fn(x, kernel, stride, padding, who, lambda a: a, lambda a: a)


def _pool1d(kind, x, kernel_size, stride, padding):
    who = f"{kind}_pool1d"
    x = as_tensor(x, who)
    check_ndim(x, (3,), who, "(N, C, L)")
    k = single(kernel_size, who, "kernel_size")
    s = k if stride is None else single(stride, who, "stride")
    p = single(padding, who, "padding")
    _check_padding(who, (k,), (p,))
    check_window_fits(who, x.shape, (1, k), (0, p))
    fn = _max_pool_op if kind == "max" else _avg_pool_op
    return fn(x, (1, k), (1, s), (0, p), who, lambda a: a[:, :, None, :], lambda a: a[:, :, 0, :])


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max over each kernel-sized window of an (N, C, H, W) tensor; ``stride`` defaults to the kernel."""
    return _pool2d("max", x, kernel_size, stride, padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean over each kernel-sized window of an (N, C, H, W) tensor; ``stride`` defaults to the kernel."""
    return _pool2d("avg", x, kernel_size, stride, padding)


def max_pool1d(x, kernel_size, stride=None, padding=0):
    """Max over each window of an (N, C, L) tensor (the 2-D code with a window of height 1)."""
    return _pool1d("max", x, kernel_size, stride, padding)


def avg_pool1d(x, kernel_size, stride=None, padding=0):
    """Mean over each window of an (N, C, L) tensor."""
    return _pool1d("avg", x, kernel_size, stride, padding)
