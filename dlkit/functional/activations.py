"""Activation functions as functions: softmax and log-softmax (fused, stable), plus the simple ones.

Softmax and log-softmax each run as one op with its own backward, so the graph shows one node and the
gradient uses the compact closed forms instead of chaining exp, sum and divide:

* softmax ``s = exp(x − max) / Σ exp(x − max)``; backward ``∂L/∂x = s ⊙ (g − Σ g ⊙ s)``, which is
  the Jacobian ``diag(s) − s sᵀ`` applied to ``g`` without ever building it;
* log-softmax ``x − max − log Σ exp(x − max)``; backward ``g − softmax(x) · Σ g``.

Subtracting the row maximum changes nothing mathematically but keeps ``exp`` from overflowing.
"""
import numpy as np

from ..tensor import Tensor
from ._checks import as_tensor


def _axis(x, axis, dim, who):
    axis = dim if dim is not None else axis
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
        from ..errors import ShapeError
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
