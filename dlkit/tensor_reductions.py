"""Reductions: sums, means, extremes and spreads over some dimensions, and the softmax family.

Each takes PyTorch's names (``dim=``, ``keepdim=``) and numpy's (``axis=``, ``keepdims=``); ``dim``
may be a tuple. Their backward rules all do the same first step: give the gradient back the reduced
dimensions (``_expand_reduced``) so it broadcasts over the entries that were combined.
"""
from typing import NamedTuple

import numpy as np

from .errors import DataTypeError, ShapeError


class ValuesIndices(NamedTuple):
    """What ``x.max(dim)`` / ``x.min(dim)`` return, as in PyTorch: the values and their indices."""

    values: object
    indices: object


def _normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple | list) else (axis,)
    return tuple(sorted(a % ndim if ndim else a for a in axes))


def _refuse_numpy_call(op, numpy_only):
    """``np.sum(t)`` calls ``t.sum(axis=, dtype=, out=)``: say what to write instead."""
    if numpy_only:
        raise DataTypeError(
            f"{op}: got numpy-only arguments {sorted(numpy_only)} — this looks like np.{op}(tensor), "
            f"which would bypass the graph; call tensor.{op}(...) for a differentiable result, or "
            f"np.{op}(tensor.numpy()) for plain numbers")


class ReductionOps:
    """Methods of :class:`dlkit.Tensor` (mixed in; see ``dlkit/tensor.py``)."""

    __slots__ = ()

    def _reduce_dims(self, op, dim, keepdim, axis, keepdims):
        if dim is None and axis is None:  # over everything: the common case, nothing to check
            return None, bool(keepdim if keepdims is None else keepdims)
        if axis is not None:
            if dim is not None:
                raise DataTypeError(f"{op}: give dim= or axis= (the same thing), not both")
            dim = axis
        if keepdims is not None:
            keepdim = keepdims
        if dim is not None:
            dims = dim if isinstance(dim, tuple | list) else (dim,)
            dim = tuple(self._dim(d, op) for d in dims) if isinstance(dim, tuple | list) \
                else self._dim(dim, op)
            if isinstance(dim, tuple) and len(set(dim)) != len(dim):
                raise ShapeError(f"{op}: dim {dims} names a dimension twice (tensor of shape "
                                 f"{self.shape}); list each dimension once")
            if self.ndim == 0:
                dim = None  # PyTorch lets a 0-d tensor reduce over dim 0 / -1: a no-op
        return dim, bool(keepdim)

    def _expand_reduced(self, g, axis, keepdims):
        """Give a reduced gradient back its reduced axes, ready to broadcast to ``self.shape``."""
        if not keepdims and axis is not None:
            g = np.expand_dims(g, _normalize_axes(axis, self.ndim))
        return g

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, **numpy_only):
        if numpy_only:
            _refuse_numpy_call("sum", numpy_only)
        axis, keepdims = self._reduce_dims("sum", dim, keepdim, axis, keepdims)
        data = np.sum(self.data, axis=axis, keepdims=keepdims)

        def backward(g):
            return (np.broadcast_to(self._expand_reduced(g, axis, keepdims), self.shape),)
        return self._result(np.asarray(data), (self,), "sum", backward,
                              "∂(Σa)/∂aᵢ = 1")

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, **numpy_only):
        if numpy_only:
            _refuse_numpy_call("mean", numpy_only)
        axis, keepdims = self._reduce_dims("mean", dim, keepdim, axis, keepdims)
        with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan, as torch
            data = np.mean(self.data, axis=axis, keepdims=keepdims)
        count = self.data.size // max(np.asarray(data).size, 1) if self.data.size else 1

        def backward(g):
            g = self._expand_reduced(g, axis, keepdims) / count
            return (np.broadcast_to(g, self.shape),)
        return self._result(np.asarray(data), (self,), "mean", backward,
                              "∂(mean a)/∂aᵢ = 1/n")

    def _extreme(self, fn, op, axis, keepdims):
        """max/min over ``axis`` (all of them if None); ties share the gradient equally (as torch)."""
        if self.data.size == 0:
            raise ShapeError(f"{op}: the tensor is empty (shape {self.shape}), so it has no "
                             f"{op}imum; check the input is not an empty batch")
        data = fn(self.data, axis=axis, keepdims=keepdims)

        def backward(g):
            winner = self._expand_reduced(np.asarray(data), axis, keepdims)
            mask = (self.data == winner).astype(self.data.dtype)
            mask /= mask.sum(axis=axis, keepdims=True)
            return (mask * self._expand_reduced(g, axis, keepdims),)
        return self._result(np.asarray(data), (self,), op, backward,
                              f"∂({op} a)/∂aᵢ = 1 for the {op}imum entry, 0 elsewhere")

    def _extreme_along(self, arg_fn, op, dim, keepdim):
        """max/min along one ``dim``: (values, indices); the gradient goes to the chosen index."""
        if self.ndim == 0:
            return ValuesIndices(self * 1, self._wrap(np.zeros((), dtype=np.int64)))
        if self.shape[dim] == 0:
            raise ShapeError(f"{op}: dimension {dim} of shape {self.shape} is empty, so it has "
                             f"no {op}imum")
        index = np.expand_dims(arg_fn(self.data, axis=dim), dim)
        values = np.take_along_axis(self.data, index, axis=dim)
        if not keepdim:
            values, indices = values.squeeze(dim), index.squeeze(dim)
        else:
            indices = index

        def backward(g):
            full = np.zeros_like(self.data)
            np.put_along_axis(full, index, g if keepdim else np.expand_dims(g, dim), axis=dim)
            return (full,)
        out = self._result(values, (self,), op, backward,
                             f"∂({op} a)/∂aᵢ = 1 at the chosen index, 0 elsewhere")
        return ValuesIndices(out, self._wrap(indices.astype(np.int64)))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None, **numpy_only):
        """The largest value; with ``dim``, a named tuple ``(values, indices)`` as in PyTorch.

        numpy's spelling ``axis=`` returns the values only (numpy's ``max``, PyTorch's ``amax``).
        ``x.max(other_tensor)`` is the elementwise maximum, as in PyTorch.
        """
        if numpy_only:
            _refuse_numpy_call("max", numpy_only)
        if hasattr(dim, "requires_grad"):  # x.max(other_tensor)
            from .tensor_functions import maximum
            return maximum(self, dim)
        if dim is None:
            axis, keepdims = self._reduce_dims("max", None, keepdim, axis, keepdims)
            return self._extreme(np.max, "max", axis, keepdims)
        return self._extreme_along(np.argmax, "max", self._dim(dim, "max"), keepdim)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None, **numpy_only):
        """The smallest value; with ``dim``, a named tuple ``(values, indices)`` as in PyTorch."""
        if numpy_only:
            _refuse_numpy_call("min", numpy_only)
        if hasattr(dim, "requires_grad"):  # x.min(other_tensor)
            from .tensor_functions import minimum
            return minimum(self, dim)
        if dim is None:
            axis, keepdims = self._reduce_dims("min", None, keepdim, axis, keepdims)
            return self._extreme(np.min, "min", axis, keepdims)
        return self._extreme_along(np.argmin, "min", self._dim(dim, "min"), keepdim)

    def amax(self, dim=None, keepdim=False):
        """Largest values over ``dim`` (values only; ties share the gradient)."""
        axis, keepdims = self._reduce_dims("amax", dim, keepdim, None, None)
        return self._extreme(np.max, "amax", axis, keepdims)

    def amin(self, dim=None, keepdim=False):
        """Smallest values over ``dim`` (values only; ties share the gradient)."""
        axis, keepdims = self._reduce_dims("amin", dim, keepdim, None, None)
        return self._extreme(np.min, "amin", axis, keepdims)

    def argmax(self, dim=None, keepdim=False):
        """Index of the largest value (of the flattened tensor when ``dim`` is None); int64."""
        return self._arg_extreme(np.argmax, "argmax", dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        """Index of the smallest value (of the flattened tensor when ``dim`` is None); int64."""
        return self._arg_extreme(np.argmin, "argmin", dim, keepdim)

    def _arg_extreme(self, fn, op, dim, keepdim):
        if self.data.size == 0:
            raise ShapeError(f"{op}: the tensor is empty (shape {self.shape})")
        if dim is None:
            index = fn(self.data)
            if keepdim:
                index = np.reshape(index, (1,) * self.ndim)
        else:
            index = fn(self.data, axis=self._dim(dim, op), keepdims=keepdim) if self.ndim else fn(self.data)
        return self._wrap(np.asarray(index, dtype=np.int64))

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):
        """Variance over ``dim``: Σ(a − mean)² / (n − correction), unbiased (correction=1) by default.

        As in PyTorch: ``unbiased=False`` or ``correction=0`` divides by n; numpy's ``ddof=`` is
        accepted as another name for ``correction``.
        """
        given = [c for c in (correction, ddof) if c is not None]
        if unbiased is not None:
            given.append(1 if unbiased else 0)
        if len(given) > 1:
            raise DataTypeError("var: give only one of correction=, unbiased= and ddof=")
        correction = given[0] if given else 1
        axis, keepdims = self._reduce_dims("var", dim, keepdim, axis, keepdims)
        centred = self - self.mean(dim=axis, keepdim=True)
        count = self.data.size // max(np.mean(self.data, axis=axis, keepdims=True).size, 1)
        return (centred * centred).sum(dim=axis, keepdim=keepdims) / max(count - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):
        """Standard deviation: the square root of :meth:`var` (unbiased by default, as PyTorch)."""
        return self.var(dim, unbiased, keepdim, correction=correction, axis=axis,
                        keepdims=keepdims, ddof=ddof).sqrt()

    def logsumexp(self, dim, keepdim=False):
        """``log Σ exp(a)`` over ``dim``, computed stably (the maximum is taken out first)."""
        axis, keepdim = self._reduce_dims("logsumexp", dim, keepdim, None, None)
        peak = np.max(self.data, axis=axis, keepdims=True) if self.data.size else 0.0
        peak = np.where(np.isfinite(peak), peak, 0.0)
        with np.errstate(divide="ignore"):
            kept = np.log(np.sum(np.exp(self.data - peak), axis=axis, keepdims=True)) + peak
        data = kept if keepdim else np.squeeze(kept, axis=axis)

        def backward(g):
            # ∂/∂aᵢ log Σ eᵃ = softmax(a)ᵢ
            return (np.exp(self.data - kept) * self._expand_reduced(g, axis, keepdim),)
        return self._result(np.asarray(data, dtype=self.data.dtype), (self,), "logsumexp", backward,
                            "∂(log Σ eᵃ)/∂aᵢ = softmax(a)ᵢ")

    def softmax(self, dim):
        """``exp(a) / Σ exp(a)`` along ``dim`` (see ``dlkit.functional.softmax``)."""
        from .functional.activations import softmax
        return softmax(self, dim=dim)

    def log_softmax(self, dim):
        """``log(softmax(a))`` along ``dim``, computed stably."""
        from .functional.activations import log_softmax
        return log_softmax(self, dim=dim)
