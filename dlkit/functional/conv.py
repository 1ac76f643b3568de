"""Convolution by im2col: cut the image into kernel-sized windows, then one big matrix product.

For an input of shape (N, C, H, W), ``sliding_windows`` gives, without copying, an array of shape
(N, C, H_out, W_out, kh, kw) whose entry ``[n, c, i, j]`` is the window under the kernel at output
position (i, j) (with ``H_out = (H + 2·padding − kh) // stride + 1``). Convolution is then

    out[n, o, i, j] = Σ_{c, p, q} window[n, c, i, j, p, q] · weight[o, c, p, q] + bias[o]

— a matrix product once the windows are laid out as a matrix ("im2col"). Backward sends the gradient
of each window back onto the pixels it covered ("col2im"): a loop over the kh·kw kernel offsets
(``kernel_offsets``), each a strided slice of the whole batch, never a loop over pixels. Pooling
(``pooling.py``) walks the same offsets. 1-D convolution is the 2-D one with a kernel of height 1.
"""
import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._checks import as_tensor, check_ndim, pair, single


def pad2d(x, padding, value=0.0):
    """Pad the last two axes of an (N, C, H, W) array by ``padding = (ph, pw)``."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def sliding_windows(x, kernel, stride):
    """View of an (N, C, H, W) array as windows (N, C, H_out, W_out, kh, kw); no copy is made."""
    sh, sw = stride
    windows = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))
    return windows[:, :, ::sh, ::sw]


def window_counts(padded_shape, kernel, stride):
    """(H_out, W_out): how many windows fit along the last two axes of an already padded input."""
    return tuple((size - k) // s + 1 for size, k, s in zip(padded_shape[-2:], kernel, stride))


def kernel_offsets(kernel, stride, out_size):
    """For each kernel offset (p, q): the strided slice of the padded input that the kernel's entry
    (p, q) touches, over all output positions at once. ``x[slice]`` has shape (N, C, H_out, W_out)."""
    (kh, kw), (sh, sw), (h_out, w_out) = kernel, stride, out_size
    for p in range(kh):
        for q in range(kw):
            yield p, q, (slice(None), slice(None), slice(p, p + sh * h_out, sh),
                         slice(q, q + sw * w_out, sw))


def scatter_windows(grad_windows, padded_shape, kernel, stride, padding):
    """col2im: add each window's gradient (N, C, kh, kw, H_out, W_out) back onto the input pixels.

    Overlapping windows add up. The loop runs over the kh·kw kernel offsets only; each step moves a
    whole strided slice of the batch at once. Padding is cut off at the end.
    """
    grad = np.zeros(padded_shape, dtype=grad_windows.dtype)
    for p, q, where in kernel_offsets(kernel, stride, grad_windows.shape[-2:]):
        grad[where] += grad_windows[:, :, p, q]
    return crop(grad, padding)


def crop(x, padding):
    """Undo :func:`pad2d`."""
    ph, pw = padding
    return x[:, :, ph:x.shape[2] - ph, pw:x.shape[3] - pw]


def check_window_fits(who, shape, kernel, padding):
    h, w = shape[-2] + 2 * padding[0], shape[-1] + 2 * padding[1]
    if h < kernel[0] or w < kernel[1]:
        raise ShapeError(f"{who}: kernel size {kernel} is larger than the padded input "
                         f"({h}, {w}) (input shape {tuple(shape)}, padding {padding})")


def _conv2d_arrays(x, weight, stride, padding):
    """Forward of a 2-D convolution on arrays; returns the output and a backward function."""
    n, c = x.shape[:2]
    out_channels, _, kh, kw = weight.shape
    xp = pad2d(x, padding)
    windows = sliding_windows(xp, (kh, kw), stride)
    h_out, w_out = windows.shape[2:4]
    # im2col, one matrix per sample: a row per (channel, kernel offset), a column per output position.
    # This layout makes the product come out directly as (N, C_out, H_out·W_out), i.e. NCHW.
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, h_out * w_out)
    w_mat = weight.reshape(out_channels, -1)
    out = (w_mat @ cols).reshape(n, out_channels, h_out, w_out)

    def backward(g, need_x, need_w):
        g = g.reshape(n, out_channels, h_out * w_out)
        grad_w = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape) if need_w else None
        grad_x = None
        if need_x:
            grad_cols = (w_mat.T @ g).reshape(n, c, kh, kw, h_out, w_out)
            grad_x = scatter_windows(grad_cols, xp.shape, (kh, kw), stride, padding)
        return grad_x, grad_w, g
    return out, backward


def _conv_op(x, weight, bias, stride, padding, op, to2d, from2d):
    """Wrap the array convolution as one Tensor op; ``to2d``/``from2d`` adapt 1-D shapes."""
    out, conv_backward = _conv2d_arrays(to2d(x.data), to2d(weight.data), stride, padding)
    if bias is not None:
        out += bias.data.reshape(1, -1, 1, 1)
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):
        grad_x, grad_w, g_flat = conv_backward(to2d(g), x.requires_grad, weight.requires_grad)
        grad_x = None if grad_x is None else from2d(grad_x)
        grad_w = None if grad_w is None else from2d(grad_w)
        if bias is None:
            return grad_x, grad_w
        return grad_x, grad_w, (g_flat.sum(axis=(0, 2)) if bias.requires_grad else None)
    return Tensor._result(from2d(out), parents, op, backward,
                          "∂/∂x = col2im(Wᵀ G),  ∂/∂W = Σₙ G im2col(x)ᵀ,  ∂/∂b = Σ G")


def _check_conv(who, x, weight, bias, kernel, padding):
    if weight.shape[1] != x.shape[1]:
        raise ShapeError(f"{who}: weight of shape {tuple(weight.shape)} expects {weight.shape[1]} input "
                         f"channels, but the input of shape {tuple(x.shape)} has {x.shape[1]}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ShapeError(f"{who}: bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    check_window_fits(who, x.shape, kernel, padding)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D cross-correlation (what deep learning calls convolution), NCHW layout.

    Parameters
    ----------
    x : Tensor of shape (N, C_in, H, W)
    weight : Tensor of shape (C_out, C_in, kh, kw)
    bias : Tensor of shape (C_out,), optional
    stride, padding : int or (int, int)

    Returns
    -------
    Tensor of shape (N, C_out, H_out, W_out) with ``H_out = (H + 2·padding − kh) // stride + 1``.
    """
    x = as_tensor(x, "conv2d")
    check_ndim(x, (4,), "conv2d", "(N, C, H, W)")
    stride, padding = pair(stride, "conv2d", "stride"), pair(padding, "conv2d", "padding")
    _check_conv("conv2d", x, weight, bias, weight.shape[2:], padding)
    return _conv_op(x, weight, bias, stride, padding, "conv2d", lambda a: a, lambda a: a)


def conv1d(x, weight, bias=None, stride=1, padding=0):
    """1-D convolution of (N, C_in, L) with weight (C_out, C_in, k): the 2-D code with height 1."""
    x = as_tensor(x, "conv1d")
    check_ndim(x, (3,), "conv1d", "(N, C, L)")
    stride, padding = single(stride, "conv1d", "stride"), single(padding, "conv1d", "padding")
    _check_conv("conv1d", x, weight, bias, (1, weight.shape[2]), (0, padding))
    return _conv_op(x, weight, bias, (1, stride), (0, padding), "conv1d",
                    lambda a: a[:, :, None, :], lambda a: a[:, :, 0, :])
