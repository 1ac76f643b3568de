"""dlkit — an interactive deep-learning teaching kit: one small autograd engine you can watch work.

>>> import dlkit
>>> x = dlkit.Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4., 6.])
"""
from .creation import arange, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .errors import DataTypeError, DlkitError, GradcheckError, GradientError, ShapeError
from .gradcheck import gradcheck, numerical_gradient
from .random import get_rng, manual_seed
from .tensor import (
                     BackwardStep,
                     Tensor,
                     concatenate,
                     enable_grad,
                     get_default_dtype,
                     is_grad_enabled,
                     maximum,
                     minimum,
                     no_grad,
                     set_default_dtype,
                     stack,
                     topological_order,
                     unbroadcast,
                     where,
)

__version__ = "0.1.0"

# Subpackages: each holds its own public names.
from . import course, data, functional, nn, optim, training, viz
from .serialization import SerializationError, load, save
from .training import EarlyStopping, History, evaluate, fit, predict

__all__ = [  # noqa: RUF022 - grouped by topic, not sorted
    # the engine
    "Tensor", "BackwardStep", "no_grad", "enable_grad", "is_grad_enabled", "set_default_dtype",
    "get_default_dtype", "concatenate", "stack", "maximum", "minimum", "where", "unbroadcast",
    "topological_order", "gradcheck", "numerical_gradient",
    # making tensors and randomness
    "tensor", "zeros", "ones", "zeros_like", "ones_like", "rand", "randn", "arange", "manual_seed",
    "get_rng",
    # errors
    "DlkitError", "ShapeError", "DataTypeError", "GradientError", "GradcheckError",
    "SerializationError",
    # training and saving
    "fit", "evaluate", "predict", "History", "EarlyStopping", "save", "load",
    # subpackages
    "course", "data", "functional", "nn", "optim", "training", "viz",
]

# Arguments outside their allowed range (layer sizes, strides, probabilities).
from .errors import ArgumentError

__all__ += ["ArgumentError"]
