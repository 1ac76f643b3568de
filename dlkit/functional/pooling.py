"""Max, average and adaptive average pooling over sliding windows (window code shared with ``conv.py``).

Each window belongs to one sample and one channel, so pooling never mixes samples of a batch (and
the work can split over the batch onto several threads, see ``_threads.py``).

* max pooling keeps the largest entry of each window and remembers which kernel offset won (as
  PyTorch does: the first one on ties, the last nan if the window has one); backward sends the
  window's gradient to that entry only.
  ``return_indices=True`` also returns where each max came from, as a flat index into H·W.
* average pooling takes the mean; backward shares the gradient equally among the window's entries.
  ``count_include_pad`` says whether padded zeros count in the mean's divisor.
* ``ceil_mode=True`` rounds the number of windows up, so a last, partial window is kept (it may
  hang over the bottom/right edge, but must start inside the input or its left padding).
* adaptive average pooling picks window sizes that give the requested output size (windows
  ``[⌊i·H/out⌋, ⌈(i+1)·H/out⌉)``), computed as two small averaging matrices: ``A_h x A_wᵀ``.

Max and average pooling loop over the kh·kw kernel offsets only (each step a strided slice of the
batch, see ``conv.kernel_offsets``), never over pixels.
"""
import math

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from ._checks import as_tensor, check_ndim, ntuple
from ._threads import over_batch
from .conv import check_window_fits, crop, kernel_offsets, pad_batch
from .interpolate import separable_op


def pool_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output length along one axis."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1     # the last window would start in the right padding: PyTorch drops it
    return out


def _pool_geometry(shape, kernel, stride, padding, dilation, ceil_mode):
    """Output size and (top, bottom, left, right) padding, with the extra that ceil_mode needs."""
    out_size, pads = [], []
    for size, k, s, p, d in zip(shape[-2:], kernel, stride, padding, dilation):
        out = pool_output_size(size, k, s, p, d, ceil_mode)
        needed = (out - 1) * s + d * (k - 1) + 1           # input span the windows cover
        out_size.append(out)
        pads += [p, max(p, needed - size - p)]
    return tuple(out_size), tuple(pads)


def _max_pool_op(x, kernel, stride, padding, dilation, ceil_mode, return_indices, op, to2d, from2d):
    data = to2d(x.data)
    out_size, pads = _pool_geometry(data.shape, kernel, stride, padding, dilation, ceil_mode)
    xp = pad_batch(data, pads, value=-np.inf)  # padding never wins a max
    offsets = [where for _, _, where in kernel_offsets(kernel, stride, dilation, out_size)]
    n, c = data.shape[:2]
    best = np.empty((n, c) + out_size, dtype=data.dtype)

    def forward_part(start, stop):
        part, top = xp[start:stop], best[start:stop]
        np.maximum(part[offsets[0]], part[offsets[1]], out=top) if len(offsets) > 1 else \
            np.copyto(top, part[offsets[0]])
        for where in offsets[2:]:
            np.maximum(top, part[where], out=top)
    over_batch(forward_part, n, xp.size)

    def winner_index(part, top):
        """Which kernel offset holds each window's max, as PyTorch's kernel picks it: it starts
        from the window's first cell inside the image and moves on only if ``v > max or isnan(v)``
        — so the first max on ties, the last nan if there is one, and for a window of -inf its
        first cell inside the image (not the -inf padding)."""
        dtype = np.uint8 if len(offsets) <= 256 else np.int32
        index = np.full(top.shape, len(offsets) - 1, dtype=dtype)
        for k in reversed(range(len(offsets) - 1)):   # the last hit written is the first offset
            hit = part[offsets[k]] == top
            index -= hit * (index - k)   # index = k where hit (index > k, so no wrap-around)
        all_minus_inf = np.isneginf(top)
        if all_minus_inf.any():
            first, inside = first_cell_inside()
            np.copyto(index, first.astype(dtype), where=all_minus_inf & inside)
        if np.isnan(top).any():
            for k, where in enumerate(offsets):
                np.putmask(index, np.isnan(part[where]), k)
        return index

    def first_cell_inside():
        """Per output position: the first kernel offset that lands inside the image (not in the
        padding), and whether there is one (a window can lie wholly in padding, with dilation)."""
        along = []
        for size, out, s, d, k, before in zip(data.shape[2:], out_size, stride, dilation, kernel,
                                              pads[::2]):
            position = np.arange(out)[None, :] * s + np.arange(k)[:, None] * d - before
            along.append((position >= 0) & (position < size))            # (k, out)
        inside = along[0][:, None, :, None] & along[1][None, :, None, :]  # (kh, kw, H_out, W_out)
        inside = inside.reshape(-1, *out_size)
        return inside.argmax(axis=0), inside.any(axis=0)

    # Windows that do not overlap (stride ≥ span) each own their pixels: write, do not add.
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))

    def backward(g):
        g = to2d(g)
        grad = np.zeros(xp.shape, dtype=g.dtype)

        def backward_part(start, stop):
            part, g_part = grad[start:stop], g[start:stop]
            index = winner_index(xp[start:stop], best[start:stop])
            finite = np.isfinite(g_part).all()   # else inf · 0 would put nan on the losers
            for k, where in enumerate(offsets):
                if finite and disjoint:
                    np.multiply(g_part, index == k, out=part[where])
                    continue
                share = g_part * (index == k) if finite else np.where(index == k, g_part, 0)
                if disjoint:
                    part[where] = share
                else:   # inf + (−inf) from two windows is nan, as in PyTorch: no warning for it
                    with np.errstate(invalid="ignore"):
                        part[where] += share
        over_batch(backward_part, n, xp.size)
        return (from2d(crop(grad, pads)),)
    out = Tensor._result(from2d(best), (x,), op, backward,
                         "∂max(window)/∂xᵢ = 1 for the winning entry, 0 elsewhere")
    if not return_indices:
        return out
    # Flat index (row · W + column) of each max in its input plane, as PyTorch returns it.
    winner = winner_index(xp, best).astype(np.int64)
    rows = np.arange(out_size[0])[:, None] * stride[0] - pads[0] + (winner // kernel[1]) * dilation[0]
    cols = np.arange(out_size[1])[None, :] * stride[1] - pads[2] + (winner % kernel[1]) * dilation[1]
    return out, Tensor(from2d(rows * data.shape[3] + cols))


def _avg_pool_op(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, op,
                 to2d, from2d):
    data = to2d(x.data)
    out_size, pads = _pool_geometry(data.shape, kernel, stride, padding, (1, 1), ceil_mode)
    xp = pad_batch(data, pads)   # zeros
    offsets = [where for _, _, where in kernel_offsets(kernel, stride, (1, 1), out_size)]
    n, c, h, w = data.shape
    if divisor_override:
        count = np.asarray(divisor_override, dtype=data.dtype)
    else:
        # How many counted entries each window holds: padding counts only with count_include_pad;
        # the overhang ceil_mode adds never counts (as in PyTorch).
        counted = np.zeros(xp.shape[2:], dtype=data.dtype)
        if count_include_pad:
            counted[:h + 2 * padding[0], :w + 2 * padding[1]] = 1
        else:
            counted[pads[0]:pads[0] + h, pads[2]:pads[2] + w] = 1
        count = sum(counted[where[2:]] for where in offsets)
    total = np.zeros((n, c) + out_size, dtype=data.dtype)

    def forward_part(start, stop):
        for where in offsets:
            total[start:stop] += xp[start:stop][where]
    over_batch(forward_part, n, xp.size)
    out = total / count

    def backward(g):
        share = to2d(g) / count        # every counted entry of a window gets 1/count
        grad = np.zeros(xp.shape, dtype=share.dtype)

        def backward_part(start, stop):
            for where in offsets:
                grad[start:stop][where] += share[start:stop]
        over_batch(backward_part, n, xp.size)
        return (from2d(crop(grad, pads)),)
    return Tensor._result(from2d(out.astype(data.dtype, copy=False)), (x,), op, backward,
                          "∂mean(window)/∂xᵢ = 1/count for every entry of the window")


def _check_padding(who, kernel, padding, dilation):
    # A window lying wholly in the padding would have no real entry to pool (as in PyTorch).
    if any(2 * p > d * (k - 1) + 1 for p, k, d in zip(padding, kernel, dilation)):
        raise ArgumentError(f"{who}: padding {padding} must be at most half the kernel size {kernel}")


def _pool_args(who, x, dims, kernel_size, stride, padding, dilation):
    """Validated 2-D (kernel, stride, padding, dilation) and the 1-D <-> 2-D adapters."""
    x = as_tensor(x, who)
    check_ndim(x, (dims + 2,), who, "(N, C, H, W)" if dims == 2 else "(N, C, L)")
    kernel = ntuple(kernel_size, dims, who, "kernel_size", minimum=1)
    stride = kernel if stride is None or stride == () else ntuple(stride, dims, who, "stride",
                                                                   minimum=1)
    padding = ntuple(padding, dims, who, "padding", minimum=0)
    dilation = ntuple(dilation, dims, who, "dilation", minimum=1)
    _check_padding(who, kernel, padding, dilation)
    if dims == 1:
        kernel, stride, dilation = ((1,) + v for v in (kernel, stride, dilation))
        padding = (0,) + padding
        adapt = (lambda a: a[:, :, None, :], lambda a: a[:, :, 0, :])
    else:
        adapt = (lambda a: a, lambda a: a)
    pads = (padding[0], padding[0], padding[1], padding[1])
    check_window_fits(who, x.shape, kernel, pads, dilation)
    return x, kernel, stride, padding, dilation, adapt


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each window of an (N, C, H, W) tensor; ``stride`` defaults to ``kernel_size``.

    With ``return_indices=True`` returns ``(output, indices)``: where each max came from, as a flat
    index ``row · W + column`` into its sample's channel (what ``max_unpool2d`` takes).
    """
    x, kernel, stride, padding, dilation, adapt = _pool_args("max_pool2d", input, 2, kernel_size,
                                                             stride, padding, dilation)
    return _max_pool_op(x, kernel, stride, padding, dilation, ceil_mode, return_indices,
                        "max_pool2d", *adapt)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each window of an (N, C, L) tensor (the 2-D code with a window of height 1)."""
    x, kernel, stride, padding, dilation, adapt = _pool_args("max_pool1d", input, 1, kernel_size,
                                                             stride, padding, dilation)
    return _max_pool_op(x, kernel, stride, padding, dilation, ceil_mode, return_indices,
                        "max_pool1d", *adapt)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each window of an (N, C, H, W) tensor; ``stride`` defaults to ``kernel_size``."""
    x, kernel, stride, padding, _, adapt = _pool_args("avg_pool2d", input, 2, kernel_size, stride,
                                                      padding, 1)
    if divisor_override is not None and divisor_override == 0:
        raise ArgumentError("avg_pool2d: divisor_override must be non-zero, got 0")
    return _avg_pool_op(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override,
                        "avg_pool2d", *adapt)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over each window of an (N, C, L) tensor."""
    x, kernel, stride, padding, _, adapt = _pool_args("avg_pool1d", input, 1, kernel_size, stride,
                                                      padding, 1)
    return _avg_pool_op(x, kernel, stride, padding, ceil_mode, count_include_pad, None,
                        "avg_pool1d", *adapt)


def _adaptive_matrix(size, out, dtype):
    """(out, size) matrix whose row i averages input positions ``[⌊i·size/out⌋, ⌈(i+1)·size/out⌉)``."""
    matrix = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start, stop = (i * size) // out, math.ceil((i + 1) * size / out)
        matrix[i, start:stop] = 1.0 / (stop - start)
    return matrix


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (H_out, W_out) whatever the input size (``None`` keeps a size).

    ``adaptive_avg_pool2d(x, 1)`` is global average pooling: one mean per channel.
    """
    who = "adaptive_avg_pool2d"
    x = as_tensor(input, who)
    check_ndim(x, (3, 4), who, "(N, C, H, W) or (C, H, W)")
    if output_size is None or isinstance(output_size, int):
        output_size = (output_size, output_size)
    sizes = tuple(s if o is None else o for s, o in zip(x.shape[-2:], output_size))
    sizes = ntuple(sizes, 2, who, "output_size", minimum=1)
    rows = _adaptive_matrix(x.shape[-2], sizes[0], x.dtype)
    cols = _adaptive_matrix(x.shape[-1], sizes[1], x.dtype)
    return separable_op(x, rows, cols, who, "∂/∂x = A_hᵀ G A_w  (each window shares its gradient)")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d(..., return_indices=True)``: put each value back where its
    max came from (``indices``, flat ``row · W + column``), zeros elsewhere.

    The output size is ``(H − 1)·stride − 2·padding + kernel_size`` unless ``output_size`` is given
    (needed when the pooled input's size was not a multiple of the stride).
    """
    who = "max_unpool2d"
    x = as_tensor(input, who)
    check_ndim(x, (3, 4), who, "(N, C, H, W) or (C, H, W)")
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if idx.shape != x.shape or idx.dtype.kind not in "iu":
        raise ShapeError(f"{who}: indices must be integers of the input's shape {tuple(x.shape)}, got "
                         f"{idx.dtype} of shape {idx.shape}")
    kernel = ntuple(kernel_size, 2, who, "kernel_size", minimum=1)
    stride = kernel if stride is None else ntuple(stride, 2, who, "stride", minimum=1)
    padding = ntuple(padding, 2, who, "padding", minimum=0)
    if output_size is None:
        size = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[-2:], stride, padding, kernel))
    else:
        size = ntuple(tuple(output_size)[-2:], 2, who, "output_size", minimum=1)
    planes = int(np.prod(x.shape[:-2]))
    flat_idx = idx.reshape(planes, -1)
    if flat_idx.size and (flat_idx.min() < 0 or flat_idx.max() >= size[0] * size[1]):
        raise ShapeError(f"{who}: indices must lie in [0, {size[0] * size[1]}) for the output size "
                         f"{size}, got values up to {flat_idx.max()}")
    rows = np.arange(planes)[:, None]
    out = np.zeros((planes, size[0] * size[1]), dtype=x.dtype)
    out[rows, flat_idx] = x.data.reshape(planes, -1)

    def backward(g):
        return (g.reshape(planes, -1)[rows, flat_idx].reshape(x.shape),)
    return Tensor._result(out.reshape(x.shape[:-2] + size), (x,), who, backward,
                          "∂unpool/∂x = the gradient read back at each value's index")
