"""Convolution by im2col: cut the image into kernel-sized windows, then matrix products.

For an input of shape (N, C, H, W), the windows under the kernel form an array ``cols`` of shape
(N, C, kh, kw, H_out, W_out): entry ``[n, c, p, q, i, j]`` is the pixel that kernel entry (p, q) of
channel c sees at output position (i, j) of sample n. Convolution is then

    out[n, o, i, j] = Σ_{c, p, q} weight[o, c, p, q] · cols[n, c, p, q, i, j] + bias[o]

— per sample one matrix product ``W (C_out × C·kh·kw) @ cols_n (C·kh·kw × H_out·W_out)`` (one per
group when ``groups > 1``) whose result is already in NCHW order. The batch is cut into slices that
can run on several threads (``_threads.py``, opt-in): each copies its samples' windows and multiplies.

* ``stride`` skips output positions, ``dilation`` spreads the kernel's entries apart (a 3×3 kernel
  with dilation 2 covers 5×5 pixels), ``padding`` adds zeros around the image ('same' keeps the size).
  ``H_out = (H + pad_top + pad_bottom − dilation·(kh − 1) − 1) // stride + 1``.
* ``groups`` splits the channels into independent convolutions (``groups = C_in``: depthwise).

Backward sends the gradient of each window back onto the pixels it covered ("col2im"): a loop over
the kh·kw kernel offsets (``kernel_offsets``), each a strided slice of the batch, never over pixels;
with stride 1 each offset's slice is one long run of every flat image plane (``col2im_rows``).
A transposed convolution (``conv_transpose2d``) is exactly that backward used as a forward pass.
Pooling (``pooling.py``) uses the same padding and offsets. 1-D convolution is 2-D with height 1.
"""
import numpy as np

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from ._checks import as_tensor, check_int, check_ndim, ntuple
from ._threads import over_batch


# -- array helpers shared with pooling ---------------------------------------------------------------
def pad_batch(x, pads, value=0.0):
    """Pad the last two axes of an (N, C, H, W) array by ``pads = (top, bottom, left, right)``."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    n, c, h, w = x.shape
    out = np.empty((n, c, h + top + bottom, w + left + right), dtype=x.dtype)

    def work(start, stop):
        out[start:stop].fill(value)
        out[start:stop, :, top:top + h, left:left + w] = x[start:stop]
    over_batch(work, n, out.size)
    return out


def crop(x, pads):
    """Undo :func:`pad_batch` (a view)."""
    top, bottom, left, right = pads
    return x[:, :, top:x.shape[2] - bottom, left:x.shape[3] - right]


def output_size(size, kernel, stride, dilation, total_padding):
    """Number of windows along one axis (PyTorch's formula, see the module docstring)."""
    return (size + total_padding - dilation * (kernel - 1) - 1) // stride + 1


def kernel_offsets(kernel, stride, dilation, out_size):
    """For each kernel offset (p, q): the strided slice of the padded input that kernel entry (p, q)
    touches, over all output positions at once. ``x[slice]`` has shape (N, C, H_out, W_out)."""
    (kh, kw), (sh, sw), (dh, dw), (h_out, w_out) = kernel, stride, dilation, out_size
    for p in range(kh):
        for q in range(kw):
            yield p, q, (slice(None), slice(None), slice(p * dh, p * dh + sh * (h_out - 1) + 1, sh),
                         slice(q * dw, q * dw + sw * (w_out - 1) + 1, sw))


def window_view(xp, kernel, stride, dilation, out_size=None):
    """A view (no copy) of a padded (N, C, H, W) array as its windows, (N, C, H_out, W_out, kh, kw)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = np.lib.stride_tricks.sliding_window_view(xp, extent, axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]
    if out_size is not None:
        windows = windows[:, :, :out_size[0], :out_size[1]]
    return windows


def im2col(windows, out=None):
    """im2col: the windows as a contiguous (N, C, kh, kw, H_out, W_out) array, i.e. per sample a
    matrix with a row per (channel, kernel offset) and a column per output position (written into
    ``out`` when given: one copy, not two)."""
    if out is None:
        return np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))
    np.copyto(out, windows.transpose(0, 1, 4, 5, 2, 3))
    return out


def col2im_add(grad, grad_cols, offsets):
    """col2im: add each window's gradient (N, C, kh, kw, H_out, W_out) onto the pixels it covered.

    Overlapping windows add up. The loop runs over the kh·kw kernel offsets only; each step moves a
    whole strided slice of the batch at once.
    """
    for p, q, where in offsets:
        grad[where] += grad_cols[:, :, p, q]


def row_planes(shape, kernel, dilation, dtype):
    """Zeroed flat (N, C, H·W + spill) planes for :func:`col2im_rows`, and the (N, C, H, W) view of
    them that is the gradient."""
    n, c, h, w = shape
    planes = np.zeros((n, c, h * w + dilation[1] * (kernel[1] - 1)), dtype=dtype)
    return planes, planes[:, :, :h * w].reshape(n, c, h, w)


def col2im_rows(planes, g, w_mat, kernel, dilation, width):
    """col2im for stride 1 along whole rows: add ``col2im(Wᵀ G)`` onto flat image planes.

    In a flat plane of width W, kernel entry (p, q) at output (i, j) touches position
    ``(i + p·dh)·W + (j + q·dw) = i·W + j + offset(p, q)``: over all outputs one contiguous run of
    the plane — if the output grid is taken W wide instead of W_out. So G is padded with zero
    columns to width W (those windows wrap around a row's end; with zero gradient they add
    nothing), multiplied by Wᵀ once, and each kernel entry adds one long run per plane instead of
    H_out short ones. For a 3×3 kernel on 13×13 planes the adds run 2.3x faster than
    :func:`col2im_add`'s; the small CNN step (``benchmarks/bench_cnn.py``) gets about 6 % faster.
    """
    n, c_out, h_out, w_out = g.shape
    (kh, kw), (dh, dw), groups = kernel, dilation, w_mat.shape[0]
    run = h_out * width
    g_wide = np.zeros((n, c_out, h_out, width), dtype=g.dtype)
    g_wide[..., :w_out] = g
    grad_cols = w_mat.swapaxes(-1, -2) @ g_wide.reshape(n, groups, c_out // groups, run)
    grad_cols = grad_cols.reshape(n, planes.shape[1], kh, kw, run)
    for p in range(kh):
        for q in range(kw):
            offset = p * dh * width + q * dw
            planes[:, :, offset:offset + run] += grad_cols[:, :, p, q]


# -- convolution on arrays: each thread takes a slice of the batch -----------------------------------
def _conv2d_arrays(x, weight, stride, pads, dilation, groups):
    """Forward of a 2-D convolution on arrays; returns the output and a backward function."""
    kernel = weight.shape[2:]
    xp = pad_batch(x, pads)
    windows = window_view(xp, kernel, stride, dilation)
    n, c, h_out, w_out = windows.shape[:4]
    c_out = weight.shape[0]
    w_mat = weight.reshape(groups, c_out // groups, -1)       # a matrix per group
    cols = np.empty((n, c) + tuple(kernel) + (h_out, w_out), dtype=x.dtype)
    out = np.empty((n, c_out, h_out, w_out), dtype=np.result_type(x, weight))

    def as_matrices(a, rows):   # (n, rows, ...) -> (n, groups, rows/groups, H_out·W_out)
        return a.reshape(a.shape[0], groups, rows // groups, h_out * w_out)

    def forward_part(start, stop):
        im2col(windows[start:stop], out=cols[start:stop])
        np.matmul(w_mat, as_matrices(cols[start:stop], c * kernel[0] * kernel[1]),
                  out=as_matrices(out[start:stop], c_out))
    over_batch(forward_part, n, cols.size)
    offsets = list(kernel_offsets(kernel, stride, dilation, (h_out, w_out)))

    def backward(g, need_x, need_w, need_b):
        along_rows = tuple(stride) == (1, 1)
        if need_x and along_rows:
            planes, grad_xp = row_planes(xp.shape, kernel, dilation, g.dtype)
        elif need_x:
            grad_xp = np.zeros(xp.shape, dtype=g.dtype)
        else:
            grad_xp = None
        partial_w = []

        def backward_part(start, stop):
            g_part = as_matrices(g[start:stop], c_out)
            cols_part = as_matrices(cols[start:stop], c * kernel[0] * kernel[1])
            if need_w:   # Σ over this slice's samples of G_n colsₙᵀ
                partial_w.append((g_part @ cols_part.swapaxes(-1, -2)).sum(axis=0))
            if need_x and along_rows:
                col2im_rows(planes[start:stop], g[start:stop], w_mat, kernel, dilation, xp.shape[3])
            elif need_x:
                grad_cols = (w_mat.swapaxes(-1, -2) @ g_part).reshape(cols[start:stop].shape)
                col2im_add(grad_xp[start:stop], grad_cols, offsets)
        over_batch(backward_part, n, cols.size)
        grad_w = sum(partial_w).reshape(weight.shape) if need_w else None
        grad_x = crop(grad_xp, pads) if need_x else None
        return grad_x, grad_w, (g.sum(axis=(0, 2, 3)) if need_b else None)
    return out, backward


def _conv_transpose2d_arrays(x, weight, stride, pads, dilation, groups, output_padding):
    """A transposed convolution on arrays: conv2d's input gradient, used as a forward pass."""
    n, c_in, h, w = x.shape
    kernel = tuple(weight.shape[2:])
    c_out = weight.shape[1] * groups
    w_mat = weight.reshape(groups, c_in // groups, -1)       # (groups, C_in/g, C_out/g·kh·kw)
    x_mat = x.reshape(n, groups, c_in // groups, h * w)
    canvas = (n, c_out) + tuple((size - 1) * s + d * (k - 1) + 1 + extra for size, s, d, k, extra
                                in zip((h, w), stride, dilation, kernel, output_padding))
    full = np.zeros(canvas, dtype=np.result_type(x, weight))
    offsets = list(kernel_offsets(kernel, stride, dilation, (h, w)))

    def forward_part(start, stop):
        cols = (w_mat.swapaxes(-1, -2) @ x_mat[start:stop]).reshape((stop - start, c_out) + kernel
                                                                    + (h, w))
        col2im_add(full[start:stop], cols, offsets)
    over_batch(forward_part, n, full.size)
    out = np.ascontiguousarray(crop(full, pads))

    def backward(g, need_x, need_w, need_b):
        windows = window_view(pad_batch(g, pads), kernel, stride, dilation, out_size=(h, w))
        grad_x = np.empty(x.shape, dtype=g.dtype) if need_x else None
        partial_w = []

        def backward_part(start, stop):
            cols_g = im2col(windows[start:stop]).reshape(stop - start, groups,
                                                         c_out // groups * kernel[0] * kernel[1], h * w)
            if need_x:
                np.matmul(w_mat, cols_g,
                          out=grad_x[start:stop].reshape(stop - start, groups, c_in // groups, h * w))
            if need_w:
                partial_w.append((x_mat[start:stop] @ cols_g.swapaxes(-1, -2)).sum(axis=0))
        over_batch(backward_part, n, g.size * kernel[0] * kernel[1])
        grad_w = sum(partial_w).reshape(weight.shape) if need_w else None
        return grad_x, grad_w, (g.sum(axis=(0, 2, 3)) if need_b else None)
    return out, backward


def _conv_op(arrays_fn, x, weight, bias, op, to2d, from2d, rule):
    """Wrap an array convolution as one Tensor op; ``to2d``/``from2d`` adapt 1-D shapes."""
    out, conv_backward = arrays_fn(to2d(x.data), to2d(weight.data))
    if bias is not None:
        out += bias.data.reshape(1, -1, 1, 1)
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):
        need_b = bias is not None and bias.requires_grad
        grad_x, grad_w, grad_b = conv_backward(to2d(g), x.requires_grad, weight.requires_grad, need_b)
        grad_x = None if grad_x is None else from2d(grad_x)
        grad_w = None if grad_w is None else from2d(grad_w)
        if bias is None:
            return grad_x, grad_w
        return grad_x, grad_w, grad_b
    return Tensor._result(from2d(out), parents, op, backward, rule)


# -- argument checks ---------------------------------------------------------------------------------
def conv_padding(padding, kernel, stride, dilation, who):
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same' (for 2-D sizes)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ArgumentError(f"{who}: padding must be an int, a tuple of ints, 'valid' or 'same', "
                                f"got {padding!r}")
        if any(s != 1 for s in stride):
            raise ArgumentError(f"{who}: padding='same' needs stride 1 (as in PyTorch), got "
                                f"stride={stride}")
        pads = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]   # an odd total puts the extra zero at the end
        return tuple(pads)
    ph, pw = padding
    return (ph, ph, pw, pw)


def check_window_fits(who, shape, kernel, pads, dilation=(1, 1)):
    """Raise unless the (dilated) kernel fits the padded input; ``shape`` is the full input shape."""
    spatial = (1,) * (4 - len(shape)) + tuple(shape[2:])
    h, w = spatial[0] + pads[0] + pads[1], spatial[1] + pads[2] + pads[3]
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if h < extent[0] or w < extent[1]:
        dilated = "" if extent == tuple(kernel) else f" (dilated to {extent})"
        raise ShapeError(f"{who}: kernel size {tuple(kernel)}{dilated} is larger than the padded "
                         f"input ({h}, {w}) (input shape {tuple(shape)}, padding "
                         f"(top, bottom, left, right) {pads})")


def _check_conv(who, x, weight, bias, groups, transposed=False):
    groups = check_int(groups, who, "groups", minimum=1)
    weight = as_tensor(weight, who)
    if weight.ndim != x.ndim:
        raise ShapeError(f"{who}: weight must have {x.ndim} dimensions, got shape {tuple(weight.shape)}")
    c_in = x.shape[1]
    if transposed:
        expected = f"(C_in={c_in}, C_out/groups, ...)"
        ok, c_out = weight.shape[0] == c_in and c_in % groups == 0, weight.shape[1] * groups
    else:
        expected = f"(C_out, C_in/groups={c_in}/{groups}, ...)"
        ok = c_in % groups == 0 and weight.shape[1] * groups == c_in and weight.shape[0] % groups == 0
        c_out = weight.shape[0]
    if not ok:
        raise ShapeError(f"{who}: weight of shape {tuple(weight.shape)} does not fit the input of "
                         f"shape {tuple(x.shape)} ({c_in} channels) with groups={groups}; expected a "
                         f"weight of shape {expected} with channels divisible by groups")
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ShapeError(f"{who}: bias must have shape ({c_out},), got {tuple(bias.shape)}")
    return weight, groups


def _conv_args(who, x, weight, bias, stride, padding, dilation, groups, dims):
    """Validated (weight, groups, stride, dilation, pads) as 2-D values; ``dims`` is 1 or 2."""
    weight, groups = _check_conv(who, x, weight, bias, groups)
    stride = ntuple(stride, dims, who, "stride", minimum=1)
    dilation = ntuple(dilation, dims, who, "dilation", minimum=1)
    if not isinstance(padding, str):
        padding = ntuple(padding, dims, who, "padding", minimum=0)
    if dims == 1:
        stride, dilation = (1,) + stride, (1,) + dilation
        padding = padding if isinstance(padding, str) else (0,) + padding
    kernel = (1,) * (2 - dims) + tuple(weight.shape[2:])
    pads = conv_padding(padding, kernel, stride, dilation, who)
    check_window_fits(who, x.shape, kernel, pads, dilation)
    return weight, groups, stride, dilation, pads


_CONV_RULE = "∂/∂x = col2im(Wᵀ G),  ∂/∂W = G im2col(x)ᵀ,  ∂/∂b = Σ G"


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation (what deep learning calls convolution), NCHW layout.

    Parameters
    ----------
    input : Tensor of shape (N, C_in, H, W)
    weight : Tensor of shape (C_out, C_in / groups, kh, kw)
    bias : Tensor of shape (C_out,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), 'valid' (no padding) or 'same' (output as large as the input)
    groups : int
        Split the channels into ``groups`` independent convolutions.

    Returns
    -------
    Tensor of shape (N, C_out, H_out, W_out) with
    ``H_out = (H + 2·padding − dilation·(kh − 1) − 1) // stride + 1``.
    """
    x = as_tensor(input, "conv2d")
    check_ndim(x, (4,), "conv2d", "(N, C, H, W)")
    weight, groups, stride, dilation, pads = _conv_args("conv2d", x, weight, bias, stride, padding,
                                                        dilation, groups, 2)
    return _conv_op(lambda a, w: _conv2d_arrays(a, w, stride, pads, dilation, groups),
                    x, weight, bias, "conv2d", lambda a: a, lambda a: a, _CONV_RULE)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C_in, L) with weight (C_out, C_in / groups, k): 2-D with height 1."""
    x = as_tensor(input, "conv1d")
    check_ndim(x, (3,), "conv1d", "(N, C, L)")
    weight, groups, stride, dilation, pads = _conv_args("conv1d", x, weight, bias, stride, padding,
                                                        dilation, groups, 1)
    return _conv_op(lambda a, w: _conv2d_arrays(a, w, stride, pads, dilation, groups),
                    x, weight, bias, "conv1d", lambda a: a[:, :, None, :], lambda a: a[:, :, 0, :],
                    _CONV_RULE)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution ("deconvolution"): each input pixel paints a weighted copy of the
    kernel onto the output, ``stride`` pixels apart — it upsamples, e.g. in a decoder.

    Parameters
    ----------
    input : Tensor of shape (N, C_in, H, W)
    weight : Tensor of shape (C_in, C_out / groups, kh, kw)  (PyTorch's layout for this op)
    bias : Tensor of shape (C_out,), optional
    stride, padding, output_padding, dilation : int or (int, int)
        ``H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1``;
        ``output_padding`` (< stride or < dilation) picks among the sizes a strided conv maps alike.
    groups : int
    """
    who = "conv_transpose2d"
    x = as_tensor(input, who)
    check_ndim(x, (4,), who, "(N, C, H, W)")
    weight, groups = _check_conv(who, x, weight, bias, groups, transposed=True)
    stride = ntuple(stride, 2, who, "stride", minimum=1)
    dilation = ntuple(dilation, 2, who, "dilation", minimum=1)
    padding = ntuple(padding, 2, who, "padding", minimum=0)
    output_padding = ntuple(output_padding, 2, who, "output_padding", minimum=0)
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
        raise ArgumentError(f"{who}: output_padding {output_padding} must be smaller than either "
                            f"stride {stride} or dilation {dilation}")
    size = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op
            in zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding)]
    if min(size) < 1:
        raise ShapeError(f"{who}: padding {padding} leaves no output for input shape "
                         f"{tuple(x.shape)} (output size would be {tuple(size)})")
    pads = (padding[0], padding[0], padding[1], padding[1])
    return _conv_op(lambda a, w: _conv_transpose2d_arrays(a, w, stride, pads, dilation, groups,
                                                          output_padding),
                    x, weight, bias, who, lambda a: a, lambda a: a,
                    "∂/∂x = W im2col(G),  ∂/∂W = x im2col(G)ᵀ,  ∂/∂b = Σ G")
