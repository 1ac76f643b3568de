"""Max and average pooling over sliding windows (the window view is shared with ``conv.py``).

Each window belongs to one sample and one channel, so pooling never mixes samples of a batch.

* max pooling keeps the largest entry of each window; backward sends the window's gradient to the
  entry that won (the first one on ties, as PyTorch does), through an argmax mask;
* average pooling takes the mean; backward shares the gradient equally among the window's entries.

The backward passes loop over the kh·kw kernel offsets only, never over pixels.
"""
import numpy as np

from ..tensor import Tensor
from ._checks import as_tensor, check_ndim, pair, single
from .conv import check_window_fits, pad2d, scatter_windows, sliding_windows


def _max_pool_op(x, kernel, stride, padding, op, to2d, from2d):
    data = to2d(x.data)
    xp = pad2d(data, padding, value=-np.inf)  # padding never wins a max
    windows = sliding_windows(xp, kernel, stride)
    n, c, h_out, w_out, kh, kw = windows.shape
    flat = windows.reshape(n, c, h_out, w_out, kh * kw)
    winner = flat.argmax(axis=-1)[..., None]          # index of the max inside each window
    out = np.take_along_axis(flat, winner, axis=-1)[..., 0]

    def backward(g):
        # One-hot mask of the winners, times the gradient of each window's output.
        grad_windows = (np.arange(kh * kw) == winner) * to2d(g)[..., None]
        grad_windows = grad_windows.reshape(n, c, h_out, w_out, kh, kw).astype(g.dtype, copy=False)
        return (from2d(scatter_windows(grad_windows, xp.shape, kernel, stride, padding)),)
    return Tensor._result(from2d(out), (x,), op, backward,
                          "∂max(window)/∂xᵢ = 1 for the winning entry, 0 elsewhere")


def _avg_pool_op(x, kernel, stride, padding, op, to2d, from2d):
    xp = pad2d(to2d(x.data), padding)  # zeros, counted in the mean (PyTorch's count_include_pad)
    windows = sliding_windows(xp, kernel, stride)
    out = windows.mean(axis=(-2, -1))
    count = kernel[0] * kernel[1]

    def backward(g):
        share = (to2d(g) / count)[..., None, None]
        grad_windows = np.broadcast_to(share, share.shape[:4] + kernel)
        return (from2d(scatter_windows(grad_windows, xp.shape, kernel, stride, padding)),)
    return Tensor._result(from2d(out), (x,), op, backward,
                          "∂mean(window)/∂xᵢ = 1/(kh·kw) for every entry of the window")


def _pool2d(kind, x, kernel_size, stride, padding):
    who = f"{kind}_pool2d"
    x = as_tensor(x, who)
    check_ndim(x, (4,), who, "(N, C, H, W)")
    kernel = pair(kernel_size, who, "kernel_size")
    stride = kernel if stride is None else pair(stride, who, "stride")
    padding = pair(padding, who, "padding")
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
