"""Ways to make tensors, named as in numpy / PyTorch. Random ones draw from ``dlkit.get_rng()``."""
import numpy as np

from .random import get_rng
from .tensor import Tensor, get_default_dtype


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape


def tensor(data, requires_grad=False, name=None, dtype=None):
    """Same as ``Tensor(data, ...)``, spelled like ``torch.tensor``."""
    return Tensor(data, requires_grad=requires_grad, name=name, dtype=dtype)


def zeros(*shape, requires_grad=False, dtype=None, name=None):
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor(np.zeros(_shape(shape), dtype=dtype or get_default_dtype()),
                  requires_grad=requires_grad, name=name)


def ones(*shape, requires_grad=False, dtype=None, name=None):
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return Tensor(np.ones(_shape(shape), dtype=dtype or get_default_dtype()),
                  requires_grad=requires_grad, name=name)


def zeros_like(t, requires_grad=False):
    return Tensor(np.zeros_like(t.data if isinstance(t, Tensor) else t), requires_grad=requires_grad)


def ones_like(t, requires_grad=False):
    return Tensor(np.ones_like(t.data if isinstance(t, Tensor) else t), requires_grad=requires_grad)


def randn(*shape, requires_grad=False, dtype=None, name=None):
    """Standard normal samples from dlkit's seeded generator."""
    data = get_rng().standard_normal(_shape(shape)).astype(dtype or get_default_dtype())
    return Tensor(data, requires_grad=requires_grad, name=name)


def rand(*shape, requires_grad=False, dtype=None, name=None):
    """Uniform samples in [0, 1) from dlkit's seeded generator."""
    data = get_rng().random(_shape(shape)).astype(dtype or get_default_dtype())
    return Tensor(data, requires_grad=requires_grad, name=name)


def arange(*args, requires_grad=False, dtype=None):
    """Evenly spaced values, like ``numpy.arange`` (floats of the default dtype)."""
    return Tensor(np.arange(*args, dtype=dtype or get_default_dtype()), requires_grad=requires_grad)
