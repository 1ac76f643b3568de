"""dlkit — an interactive deep-learning teaching kit: one small autograd engine you can watch work.

>>> import dlkit
>>> x = dlkit.Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4., 6.])
"""
from .errors import DataTypeError, DlkitError, GradcheckError, GradientError, ShapeError
from .random import get_rng, manual_seed
from .tensor import (BackwardStep, Tensor, concatenate, enable_grad, get_default_dtype,
                     is_grad_enabled, maximum, minimum, no_grad, set_default_dtype, stack,
                     topological_order, unbroadcast, where)
from .creation import arange, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .gradcheck import gradcheck, numerical_gradient

__version__ = "0.1.0"

# Subpackages. Each issue's work adds its public names to its own subpackage's __init__.
from . import functional  # noqa: E402
from . import course, data, nn, optim, viz  # noqa: E402
from . import training  # noqa: E402
from .serialization import SerializationError, load, save  # noqa: E402
from .training import EarlyStopping, History, evaluate, fit, predict  # noqa: E402
