"""Shape ops and indexing: the same numbers, rearranged — so every backward just moves them back.

A reshape, permute or basic index returns a *view* of its input's array (as in PyTorch), so an in-place
change through the view changes the input too; the engine's version counter knows (see ``_base``).
"""
import itertools
import numbers

import numpy as np

from .errors import DataTypeError, ShapeError


def _shape_args(shape):
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple | list) else tuple(shape)


class SliceGradient:
    """The gradient of ``x[index]`` for a basic index: ``values`` belong at ``x[index]``, 0 elsewhere.

    Backward adds ``values`` into the parent's gradient buffer in place instead of building a
    full-size array of zeros per slice, so taking all T rows of a sequence one at a time costs
    O(T) instead of O(T²). ``dense(shape, dtype)`` gives the full array when one is needed.
    """

    __slots__ = ("index", "values")

    def __init__(self, index, values):
        self.index, self.values = index, values

    def dense(self, shape, dtype):
        full = np.zeros(shape, dtype=dtype)
        full[self.index] += self.values
        return full


def _index_data(index):
    """Replace Tensors inside an index by their arrays, and lists by arrays."""
    if hasattr(index, "_backward"):
        return index.data
    if isinstance(index, tuple):
        return tuple(_index_data(i) if hasattr(i, "_backward") or isinstance(i, list) else i
                     for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_array(part):
    return isinstance(part, np.ndarray) and part.ndim > 0


def _is_int(part):
    return isinstance(part, numbers.Integral) and not isinstance(part, bool | np.bool_)


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) for p in parts)


def _split_mixed_index(index):
    """PyTorch applies integer indices first, then the arrays; numpy treats the integers as arrays.

    So ``x[1, :, [0, 1]]`` is ``x[1][:, [0, 1]]`` in PyTorch (shape (3, 2) for x of shape (2, 3, 4)),
    while numpy gives (2, 3). Returns the two steps, or None when the index does not mix them.
    One case still follows numpy: a 0-d integer *array or tensor* (not a Python int) next to an
    index list counts as an array, so ``x[np.array(1), :, [0, 1]]`` has numpy's shape.
    """
    if not isinstance(index, tuple) or not any(map(_is_int, index)) or not any(map(_is_array, index)):
        return None
    first, rest = [], []
    for part in index:
        if _is_int(part):
            first.append(part)
        elif _is_array(part):
            first.extend([slice(None)] * (part.ndim if part.dtype == bool else 1))
            rest.append(part)
        else:  # slice, None, Ellipsis: done in the first step; the second keeps the dimensions
            first.append(part)
            rest.append(Ellipsis if part is Ellipsis else slice(None))
    return tuple(first), tuple(rest)


class ShapeOps:
    """Methods of :class:`dlkit.Tensor` (mixed in; see ``dlkit/tensor.py``)."""

    __slots__ = ()

    # -- shape ops -----------------------------------------------------------------------------------
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        try:
            data = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ShapeError(f"reshape: cannot reshape a tensor of shape {self.shape} "
                             f"({self.numel()} elements) into shape {tuple(shape)}") from None

        def backward(g):
            return (g.reshape(self.shape),)
        return self._view_result(data, "reshape", backward, "reshape the gradient back")

    def view(self, *shape):
        """Same values in a new shape (``-1`` infers one dimension); like :meth:`reshape`."""
        return self.reshape(*shape)

    def permute(self, *dims):
        """Reorder all dimensions: ``x.permute(2, 0, 1)`` puts the last dimension first."""
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], tuple | list) else dims
        dims = tuple(dims)
        if len(dims) != self.ndim or sorted(self._dim(d, "permute") for d in dims) != \
                list(range(self.ndim)):
            raise ShapeError(f"permute: dims {dims} are not a permutation of the {self.ndim} "
                             f"dimensions of a tensor of shape {self.shape}")
        dims = tuple(d % self.ndim for d in dims) if self.ndim else ()
        inverse = tuple(np.argsort(dims))

        def backward(g):
            return (g.transpose(inverse),)
        return self._view_result(self.data.transpose(dims), "permute", backward,
                                 "permute the gradient back")

    def transpose(self, dim0, dim1):
        """Swap two dimensions, as ``torch.transpose`` (for a full reorder use :meth:`permute`)."""
        d0, d1 = self._dim(dim0, "transpose"), self._dim(dim1, "transpose")

        if self.ndim == 0:  # PyTorch allows transpose(0, 0) and friends on a 0-d tensor
            d0 = d1 = 0
            return self._view_result(self.data, "transpose", lambda g: (g,), "the gradient as is")

        def backward(g):
            return (np.swapaxes(g, d0, d1),)
        data = np.swapaxes(self.data, d0, d1)
        return self._view_result(data, "transpose", backward, "swap the gradient's dims back")

    def t(self):
        """Transpose a tensor of at most 2 dimensions (``x.t()`` as in PyTorch)."""
        if self.ndim > 2:
            raise ShapeError(f"t: expects a tensor with <= 2 dimensions, got shape {self.shape}; "
                             "use transpose(d0, d1) or permute(...)")
        return self.transpose(0, -1)

    @property
    def T(self):
        """All dimensions reversed (for a matrix: its transpose)."""
        return self.permute(*reversed(range(self.ndim)))

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions ``start_dim..end_dim`` into one, like ``torch.flatten``."""
        if self.ndim == 0:
            return self.reshape(1)
        if (not -self.ndim <= start_dim < self.ndim or not -self.ndim <= end_dim < self.ndim
                or start_dim % self.ndim > end_dim % self.ndim):
            raise ShapeError(f"flatten: start_dim={start_dim}, end_dim={end_dim} do not fit a tensor "
                             f"of shape {self.shape}; expected -{self.ndim} <= start_dim <= end_dim "
                             f"< {self.ndim}")
        start, end = start_dim % self.ndim, end_dim % self.ndim
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape)

    def unsqueeze(self, dim):
        """Insert a dimension of length 1 at ``dim`` (``-1``: at the end)."""
        d = self._dim(dim, "unsqueeze", self.ndim + 1)

        def backward(g):
            return (g.reshape(self.shape),)
        return self._view_result(np.expand_dims(self.data, d), "unsqueeze", backward,
                                 "drop the inserted dimension from the gradient")

    def squeeze(self, dim=None):
        """Remove dimensions of length 1 (all of them, or only ``dim``, which may be a tuple)."""
        if dim is None:
            dims = tuple(i for i, n in enumerate(self.shape) if n == 1)
        else:
            dims = tuple(self._dim(d, "squeeze") for d in (dim if isinstance(dim, tuple | list) else (dim,)))
            dims = tuple(d for d in dims if self.ndim and self.shape[d] == 1)  # others: no-op, as torch

        def backward(g):
            return (g.reshape(self.shape),)
        return self._view_result(np.squeeze(self.data, axis=dims) if dims else self.data, "squeeze",
                                 backward, "put the removed dimensions back into the gradient")

    def expand(self, *sizes):
        """Broadcast to ``sizes`` without copying (``-1`` keeps a dimension); only length-1 dims grow."""
        sizes = _shape_args(sizes)
        extra = len(sizes) - self.ndim
        if extra < 0:
            raise ShapeError(f"expand: the number of sizes ({len(sizes)}) must be at least the number "
                             f"of dimensions of the tensor (shape {self.shape})")
        target = tuple(self.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(sizes))
        for i, n in enumerate(self.shape):
            if n != 1 and target[i + extra] != n:
                raise ShapeError(f"expand: cannot expand shape {self.shape} to {tuple(sizes)}: dimension "
                                 f"{i} has length {n}; only length-1 dimensions can grow")
        if any(n < 0 for n in target):
            raise ShapeError(f"expand: -1 is only allowed for existing dimensions, got {tuple(sizes)} "
                             f"for shape {self.shape}")

        def backward(g):
            return (g,)  # the engine sums the gradient over the broadcast dimensions (unbroadcast)
        return self._view_result(np.broadcast_to(self.data, target), "expand", backward,
                                 "sum the gradient over the expanded dimensions")

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *repeats):
        """Tile the tensor: ``repeats[i]`` copies along dimension i (like ``np.tile``)."""
        repeats = _shape_args(repeats)
        if len(repeats) < self.ndim:
            raise ShapeError(f"repeat: got {len(repeats)} repeat counts for a tensor of shape "
                             f"{self.shape}; give at least one per dimension")
        shape = (1,) * (len(repeats) - self.ndim) + self.shape  # leading new dims, as torch
        data = np.tile(self.data.reshape(shape), repeats)

        def backward(g):
            # View g as (r0, n0, r1, n1, ...) and add up the r copies of each entry.
            tiled = g.reshape([k for r, n in zip(repeats, shape) for k in (r, n)])
            return (tiled.sum(axis=tuple(range(0, 2 * len(shape), 2))).reshape(self.shape),)
        return self._result(data, (self,), "repeat", backward, "add up the gradient of every copy")

    def _narrow(self, dim, start, stop):
        return self[(slice(None),) * dim + (slice(start, stop),)]

    def split(self, split_size_or_sections, dim=0):
        """Cut along ``dim`` into pieces of ``split_size`` (the last may be shorter) or of the given sizes."""
        d = self._dim(dim, "split")
        length = self.shape[d]
        if isinstance(split_size_or_sections, numbers.Integral):
            step = int(split_size_or_sections)
            if step <= 0:
                raise ShapeError(f"split: split_size must be positive, got {step}")
            bounds = list(range(0, length, step)) + [length]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != length:
                raise ShapeError(f"split: sizes {sizes} add up to {sum(sizes)}, but dimension {d} of "
                                 f"shape {self.shape} has length {length}")
            bounds = [0, *np.cumsum(sizes).tolist()]
        return tuple(self._narrow(d, a, b) for a, b in itertools.pairwise(bounds))

    def chunk(self, chunks, dim=0):
        """Cut along ``dim`` into ``chunks`` pieces of equal length (the last may be shorter)."""
        if chunks <= 0:
            raise ShapeError(f"chunk: chunks must be positive, got {chunks}")
        length = self.shape[self._dim(dim, "chunk")]
        return self.split(max(-(-length // chunks), 1), dim)

    def __getitem__(self, index):
        index = _index_data(index)
        steps = _split_mixed_index(index)
        if steps is not None:
            return self[steps[0]][steps[1]]
        advanced = _is_advanced(index)
        given = index
        if not advanced and not any(p is Ellipsis for p in (index if isinstance(index, tuple) else (index,))):
            # a trailing ... makes numpy return a 0-d view instead of a scalar copy
            index = (*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)
        try:
            data = self.data[index]
        except (IndexError, TypeError) as err:
            raise ShapeError(f"getitem: index {given!r} does not fit a tensor of shape "
                             f"{self.shape} ({err})") from None

        def backward(g):
            if not advanced:  # the engine adds g into the parent's gradient at `index`, in place
                return (SliceGradient(index, g),)
            full = np.zeros_like(self.data)
            np.add.at(full, index, g)  # repeated indices each add their share
            return (full,)
        if advanced:
            return self._result(data, (self,), "getitem", backward,
                                "scatter the gradient into the selected entries")
        return self._view_result(data, "getitem", backward,
                                 "scatter the gradient into the selected entries")

    def __setitem__(self, index, value):
        """``x[idx] = value`` changes x in place: allowed when no gradient is being recorded for x."""
        self._check_inplace("setitem")
        index = _index_data(index)
        value = value.data if hasattr(value, "_backward") else value
        steps = _split_mixed_index(index)
        try:
            if steps is not None:
                self.data[steps[0]][steps[1]] = value  # the first step is a view: writes reach x
            else:
                self.data[index] = value
        except (IndexError, ValueError, TypeError) as err:
            raise ShapeError(f"setitem: cannot assign a value of shape {np.shape(value)} to index "
                             f"{index!r} of a tensor of shape {self.shape} ({err})") from None
        self._mark_modified()

    def gather(self, dim, index):
        """``out[i][j][k] = a[i][index[i][j][k]][k]`` for ``dim=1``: pick along ``dim`` by index."""
        d = self._dim(dim, "gather")
        index = np.asarray(index.data if hasattr(index, "_backward") else index)
        if index.dtype.kind not in "iu":
            raise DataTypeError(f"gather: index must hold integers, got dtype {index.dtype}")
        if index.ndim != self.ndim or any(i != d and index.shape[i] > self.shape[i] for i in range(self.ndim)):
            raise ShapeError(f"gather: index of shape {index.shape} does not fit input of shape "
                             f"{self.shape} along dim {d}: same number of dimensions, and no longer "
                             f"than the input except along dim")
        where = list(np.indices(index.shape, sparse=True))
        where[d] = index
        where = tuple(where)
        try:
            data = self.data[where]
        except IndexError as err:
            raise ShapeError(f"gather: index out of range for dim {d} of shape {self.shape} ({err})") from None

        def backward(g):
            full = np.zeros_like(self.data)
            np.add.at(full, where, g)
            return (full,)
        return self._result(data, (self,), "gather", backward,
                            "scatter-add the gradient back to the gathered entries")

    def masked_fill(self, mask, value):
        """A copy with ``value`` where ``mask`` is True; those entries get no gradient."""
        mask = np.asarray(mask.data if hasattr(mask, "_backward") else mask)
        if mask.dtype != bool:
            raise DataTypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype}")
        value = value.item() if hasattr(value, "_backward") else value
        try:
            data = np.where(mask, np.asarray(value, dtype=self.data.dtype), self.data)
        except ValueError:
            raise ShapeError(f"masked_fill: mask of shape {mask.shape} does not broadcast to the "
                             f"tensor's shape {self.shape}") from None
        if data.shape != self.shape:
            raise ShapeError(f"masked_fill: mask of shape {mask.shape} would grow the tensor's shape "
                             f"{self.shape}; it must broadcast to it")

        def backward(g):
            return (np.where(mask, 0, g),)
        return self._result(data, (self,), "masked_fill", backward,
                            "∂/∂a = 0 where masked, 1 elsewhere")
