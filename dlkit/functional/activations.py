"""Activation functions as functions: softmax and log-softmax (fused, stable), plus the simple ones.

Softmax and log-softmax each run as one op with its own backward, so the graph shows one node and the
gradient uses the compact closed forms instead of chaining exp, sum and divide:

* softmax ``s = exp(x − max) / Σ exp(x − max)``; backward ``∂L/∂x = s ⊙ (g − Σ g ⊙ s)``, which is
  the Jacobian ``diag(s) − s sᵀ`` applied to ``g`` without ever building it;
* log-softmax ``x − max − log Σ exp(x − max)``; backward ``g − softmax(x) · Σ g``.

Subtracting the row maximum changes nothing mathematically but keeps ``exp`` from overflowing.

The smooth ones (ELU, GELU, SiLU, Softplus) and the bounded ones (Hardtanh, PReLU's learned slope) are
fused ops too, each with its derivative written next to it.
"""
import math

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from ._checks import as_tensor, check_number


def _axis(x, axis, dim, who):
    axis = dim if dim is not None else axis
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
        raise ShapeError(f"{who}: axis={axis} is out of range for a tensor of shape {tuple(x.shape)}")
    return axis


def softmax(x, axis=-1, dim=None):
    """Softmax along ``axis`` (``dim`` is accepted as PyTorch's spelling): entries become probabilities.

    Examples
    --------
    >>> dlkit.functional.softmax(dlkit.Tensor([1.0, 2.0, 3.0]))
    Tensor([0.09  , 0.2447, 0.6652])
    """
    x = as_tensor(x, "softmax")
    axis = _axis(x, axis, dim, "softmax")
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    s = e / e.sum(axis=axis, keepdims=True)

    def backward(g):
        return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)
    return Tensor._result(s, (x,), "softmax", backward, "∂s/∂x = diag(s) − s sᵀ")


def log_softmax(x, axis=-1, dim=None):
    """``log(softmax(x))`` computed stably as ``x − max − log Σ exp(x − max)``."""
    x = as_tensor(x, "log_softmax")
    axis = _axis(x, axis, dim, "log_softmax")
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(g):
        return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)
    return Tensor._result(out, (x,), "log_softmax", backward, "∂logsoftmax/∂x = I − 1·softmax(x)ᵀ")


def relu(x):
    """``max(x, 0)`` elementwise."""
    return as_tensor(x, "relu").relu()


def leaky_relu(x, negative_slope=0.01):
    """``x`` where positive, ``negative_slope · x`` elsewhere."""
    return as_tensor(x, "leaky_relu").leaky_relu(negative_slope)


def sigmoid(x):
    """``1 / (1 + exp(−x))`` elementwise."""
    return as_tensor(x, "sigmoid").sigmoid()


def logsigmoid(x):
    """``log σ(x) = −log(1 + e⁻ˣ)``, stable for every x: ``min(x, 0) − log1p(e^−|x|)``.

    Its gradient is ``1 − σ(x) = σ(−x)``, which stays accurate where ``log(sigmoid(x))`` would
    round ``σ(x)`` to 1 (large x) or lose it to underflow (very negative x).
    """
    x = as_tensor(x, "logsigmoid")
    a = x.data
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(a))
        out = np.minimum(a, 0) - np.log1p(e)
        sigmoid_of_minus_a = np.where(a >= 0, e, 1) / (1 + e)

    def backward(g):
        return (g * sigmoid_of_minus_a,)
    return Tensor._result(out.astype(a.dtype, copy=False), (x,), "logsigmoid", backward,
                          "∂log σ(a)/∂a = 1 − σ(a)")


def tanh(x):
    """Hyperbolic tangent elementwise."""
    return as_tensor(x, "tanh").tanh()


# -- smooth and bounded activations: each one fused op, its derivative written beside it -------------
def _pointwise(x, who, forward, derivative, rule):
    """An elementwise op ``forward(x)`` whose backward is ``g · derivative(x)``."""
    x = as_tensor(x, who)
    out = forward(x.data)

    def backward(g):
        return (g * derivative(x.data),)
    return Tensor._result(np.asarray(out, dtype=x.dtype), (x,), who, backward, rule)


def elu(input, alpha=1.0, inplace=False):
    """``x`` for x > 0, ``α(eˣ − 1)`` otherwise: smooth near 0, negative outputs bounded by −α."""
    alpha = check_number(alpha, "elu", "alpha")
    return _pointwise(input, "elu",
                      lambda x: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
                      lambda x: np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))),
                      "∂elu/∂x = 1 for x > 0, αeˣ otherwise")


_erf = np.frompyfunc(math.erf, 1, 1)   # numpy has no erf; math.erf is exact to double precision


def gelu(input, approximate="none"):
    """``x·Φ(x)`` (Φ the standard normal CDF, via erf), or its tanh approximation
    ``½x(1 + tanh(√(2/π)(x + 0.044715x³)))`` with ``approximate='tanh'`` (GPT-2's choice)."""
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)

        def forward(x):
            return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))

        def derivative(x):
            t = np.tanh(c * (x + 0.044715 * x ** 3))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        return _pointwise(input, "gelu", forward, derivative,
                          "∂gelu/∂x = ½(1+t) + ½x(1−t²)·√(2/π)(1 + 0.134145x²)")

    def cdf(x):
        return 0.5 * (1 + np.asarray(_erf(x / math.sqrt(2)), dtype=x.dtype))

    return _pointwise(input, "gelu", lambda x: x * cdf(x),
                      lambda x: cdf(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi),
                      "∂gelu/∂x = Φ(x) + x·φ(x)")


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1)   # σ(x) without overflow


def silu(input, inplace=False):
    """``x·σ(x)`` (also called swish)."""
    return _pointwise(input, "silu", lambda x: x * _sigmoid(x),
                      lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
                      "∂silu/∂x = σ(x)(1 + x(1 − σ(x)))")


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + e^{βx})/β``, a smooth ReLU; where ``βx > threshold`` it is ``x`` (as PyTorch)."""
    beta = check_number(beta, "softplus", "beta")
    threshold = check_number(threshold, "softplus", "threshold")

    def forward(x):
        bx = beta * x
        smooth = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
        return np.where(bx > threshold, x, smooth)
    return _pointwise(input, "softplus", forward,
                      lambda x: np.where(beta * x > threshold, 1.0, _sigmoid(beta * x)),
                      "∂softplus/∂x = σ(βx)")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``clip(x, min_val, max_val)``; the gradient is 1 strictly inside, 0 outside (and at the ends)."""
    min_val = check_number(min_val, "hardtanh", "min_val")
    max_val = check_number(max_val, "hardtanh", "max_val")
    if min_val > max_val:
        raise ArgumentError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    return _pointwise(input, "hardtanh", lambda x: np.clip(x, min_val, max_val),
                      lambda x: ((x > min_val) & (x < max_val)).astype(x.dtype),
                      "∂hardtanh/∂x = 1 inside (min, max), else 0")


def prelu(input, weight):
    """``x`` for x > 0, ``a·x`` otherwise, with a learned slope ``a`` (``weight``): one for all
    channels, or one per channel (axis 1)."""
    x, weight = as_tensor(input, "prelu"), as_tensor(weight, "prelu")
    a = weight.data
    channels = x.shape[1] if x.ndim >= 2 else 1      # PyTorch: a 0-D or 1-D input has one channel
    if a.size not in (1, channels):
        raise ShapeError(f"prelu: weight of {a.size} slopes does not match the {channels} channel(s) "
                         f"(axis 1) of the input of shape {tuple(x.shape)}")
    shape = [1] * x.ndim
    if a.size != 1:
        shape[1] = a.size
    slope = a.reshape(shape)
    negative = x.data <= 0
    out = np.where(negative, slope * x.data, x.data)
    reduce_axes = tuple(i for i in range(x.ndim) if a.size == 1 or i != 1)

    def backward(g):
        grad_x = g * np.where(negative, slope, 1.0) if x.requires_grad else None
        grad_a = (g * x.data * negative).sum(axis=reduce_axes).reshape(a.shape) \
            if weight.requires_grad else None
        return grad_x, grad_a
    return Tensor._result(out.astype(x.dtype, copy=False), (x, weight), "prelu", backward,
                          "∂prelu/∂x = 1 for x > 0, a otherwise;  ∂/∂a = Σ x·[x ≤ 0]")
