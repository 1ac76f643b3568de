"""Dropout: during training zero each entry with probability ``p`` and scale the rest by 1/(1 − p).

The scaling keeps the expected value of every entry unchanged, so at evaluation time dropout is simply
the identity. The random mask comes from ``dlkit.get_rng()``, so ``dlkit.manual_seed`` repeats it.
"""
import numpy as np

from ..random import get_rng
from ..tensor import Tensor
from ._checks import as_tensor


def dropout(x, p=0.5, training=True):
    """Randomly zero entries of ``x`` with probability ``p`` (only when ``training``)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    x = as_tensor(x, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        scaled_mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = get_rng().random(x.shape) >= p
        scaled_mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    out = x.data * scaled_mask

    def backward(g):
        return (g * scaled_mask,)
    return Tensor._result(out, (x,), "dropout", backward,
                          f"∂dropout(x)/∂x = mask/(1−p)  (p = {p:g})")
