"""Ways to make tensors, named as in PyTorch. Random ones draw from ``dlkit.get_rng()``.

``tensor(data)`` copies ``data`` (as ``torch.tensor``); ``from_numpy(array)`` shares the array, so
changes to either show in both (as ``torch.from_numpy``).
"""
import numbers

import numpy as np

from .errors import DataTypeError, ShapeError
from .modes import get_default_dtype
from .random import get_rng
from .tensor import Tensor


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape


def _make(array, requires_grad=False, name=None):
    """A leaf around a freshly made ``array`` (no second copy)."""
    out = Tensor._wrap(array)
    out.name = name
    if requires_grad:
        out.requires_grad_()
    return out


def tensor(data, requires_grad=False, name=None, dtype=None):
    """A new tensor holding a copy of ``data``, spelled like ``torch.tensor``."""
    return Tensor(data, requires_grad=requires_grad, name=name, dtype=dtype)


def from_numpy(array):
    """A tensor that shares ``array``'s memory: changing one changes the other (no copy)."""
    if not isinstance(array, np.ndarray):
        raise DataTypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    if array.dtype.kind not in "fiub":
        raise DataTypeError(f"from_numpy: expected a numeric array, got dtype {array.dtype}")
    return Tensor._wrap(array)


def zeros(*shape, requires_grad=False, dtype=None, name=None):
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _make(np.zeros(_shape(shape), dtype=dtype or get_default_dtype()), requires_grad, name)


def ones(*shape, requires_grad=False, dtype=None, name=None):
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _make(np.ones(_shape(shape), dtype=dtype or get_default_dtype()), requires_grad, name)


def full(size, fill_value, requires_grad=False, dtype=None, name=None):
    """A tensor of shape ``size`` filled with ``fill_value`` (its dtype follows the value, as torch)."""
    if dtype is None:
        is_float = isinstance(fill_value, float | np.floating)
        dtype = get_default_dtype() if is_float else np.asarray(fill_value).dtype
    size = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    return _make(np.full(size, fill_value, dtype=dtype), requires_grad, name)


def _like(t):
    return t.data if isinstance(t, Tensor) else np.asarray(t)


def zeros_like(t, requires_grad=False, dtype=None):
    return _make(np.zeros_like(_like(t), dtype=dtype), requires_grad)


def ones_like(t, requires_grad=False, dtype=None):
    return _make(np.ones_like(_like(t), dtype=dtype), requires_grad)


def full_like(t, fill_value, requires_grad=False, dtype=None):
    return _make(np.full_like(_like(t), fill_value, dtype=dtype), requires_grad)


def eye(n, m=None, requires_grad=False, dtype=None):
    """The identity matrix of shape (n, m) (square when ``m`` is left out)."""
    return _make(np.eye(n, m, dtype=dtype or get_default_dtype()), requires_grad)


def arange(*args, requires_grad=False, dtype=None):
    """``start, start + step, ...`` below ``end``, as ``torch.arange``.

    Integer arguments give an int64 tensor (so ``logp[arange(n), y]`` indexes rows); any float
    argument gives the default float dtype.
    """
    if dtype is None:
        all_ints = all(isinstance(a, numbers.Integral) for a in args)
        dtype = np.int64 if all_ints else get_default_dtype()
    return _make(np.arange(*args, dtype=dtype), requires_grad)


def linspace(start, end, steps, requires_grad=False, dtype=None):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    return _make(np.linspace(start, end, steps, dtype=dtype or get_default_dtype()), requires_grad)


def randn(*shape, requires_grad=False, dtype=None, name=None):
    """Standard normal samples from dlkit's seeded generator."""
    data = get_rng().standard_normal(_shape(shape)).astype(dtype or get_default_dtype())
    return _make(data, requires_grad, name)


def rand(*shape, requires_grad=False, dtype=None, name=None):
    """Uniform samples in [0, 1) from dlkit's seeded generator."""
    data = get_rng().random(_shape(shape)).astype(dtype or get_default_dtype())
    return _make(data, requires_grad, name)


def randint(low, high=None, size=None, dtype=None):
    """Random integers in ``[low, high)`` (int64), as ``torch.randint(low, high, size)``.

    ``randint(high, size)`` draws from ``[0, high)``.
    """
    if size is None:
        if high is None or isinstance(high, numbers.Integral):
            raise ShapeError("randint: give the shape as size=, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    size = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    return _make(get_rng().integers(low, high, size).astype(dtype or np.int64))


def randperm(n, dtype=None):
    """A random ordering of ``0 .. n−1`` (int64)."""
    return _make(get_rng().permutation(n).astype(dtype or np.int64))
