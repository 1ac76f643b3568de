"""dlkit — an interactive deep-learning teaching kit: one small autograd engine you can watch work.

>>> import dlkit
>>> x = dlkit.Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4., 6.])
"""
from . import allocator  # noqa: F401 - importing it keeps freed memory for reuse (allocator.py)
from .creation import (
    arange,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .errors import DataTypeError, DlkitError, GradcheckError, GradientError, ShapeError
from .gradcheck import gradcheck, numerical_gradient
from .modes import (
    enable_grad,
    get_default_dtype,
    is_grad_enabled,
    no_grad,
    set_default_dtype,
    set_grad_enabled,
)
from .random import get_rng, manual_seed
from .tensor import BackwardStep, Size, Tensor, result_dtype, topological_order, unbroadcast
from .tensor_functions import (
    cat,
    concatenate,
    einsum,
    exp,
    log,
    matmul,
    maximum,
    minimum,
    relu,
    sigmoid,
    stack,
    tanh,
    where,
)
from .tensor_reductions import ValuesIndices

__version__ = "0.1.0"

# Subpackages: each holds its own public names.
from . import course, data, functional, nn, optim, training, viz
from .serialization import SerializationError, load, save
from .training import EarlyStopping, History, evaluate, fit, predict

__all__ = [  # noqa: RUF022 - grouped by topic, not sorted
    # the engine
    "Tensor", "Size", "ValuesIndices", "BackwardStep", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "set_default_dtype", "get_default_dtype", "result_dtype", "cat", "concatenate",
    "stack", "maximum", "minimum", "where", "einsum", "matmul", "exp", "log", "tanh", "sigmoid", "relu",
    "unbroadcast", "topological_order", "gradcheck", "numerical_gradient",
    # making tensors and randomness
    "tensor", "from_numpy", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "eye",
    "arange", "linspace", "rand", "randn", "randint", "randperm", "manual_seed", "get_rng",
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
