"""Scaled dot-product attention, as ``torch.nn.functional.scaled_dot_product_attention``.

Each query asks "which keys look like me?": the scores ``q·k / √d`` of one query against every key
become weights by a softmax over the keys, and the answer is the weighted mean of the values::

    weights = softmax(Q Kᵀ · scale + mask)      (..., L, S)   one row per query, summing to 1
    output  = weights V                          (..., L, Ev)

Dividing by ``√d`` keeps the scores' spread independent of the head size, so the softmax does not
saturate. Built from ordinary ops (matmul, ``where``, softmax, dropout), so its graph and gradients are
the engine's; ``attention_weights`` returns the weights too (``nn.MultiheadAttention`` shows them).
"""
import math

import numpy as np

from ..errors import DataTypeError, ShapeError
from ..tensor import Tensor, where
from ._checks import as_tensor
from .activations import softmax
from .dropout import dropout


def swap_last_two(t):
    """``t`` with its last two axes swapped (``Kᵀ`` for a stack of key matrices)."""
    dims = list(range(t.ndim))
    dims[-2], dims[-1] = dims[-1], dims[-2]
    return t.permute(*dims)


def causal_mask(queries, keys):
    """Bool (queries, keys): True where query ``i`` may attend to key ``j``, i.e. ``j <= i``."""
    return np.tril(np.ones((queries, keys), dtype=bool))


def _mask_array(mask, scores_shape, who, what):
    array = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    try:
        np.broadcast_shapes(array.shape, scores_shape)
    except ValueError:
        raise ShapeError(f"{who}: {what} of shape {array.shape} does not broadcast to the attention "
                         f"scores' shape {scores_shape} (..., queries, keys)") from None
    if array.dtype.kind not in "bf":
        raise DataTypeError(f"{who}: {what} must be bool or float, got dtype {array.dtype}")
    return array


def attention_weights(query, key, attn_mask=None, is_causal=False, scale=None, who="attention"):
    """``softmax(Q Kᵀ · scale + mask)``: one row of weights over the keys per query.

    A bool ``attn_mask`` says where a query *may* attend (True = attend, as in PyTorch's SDPA); a
    float one is added to the scores (−inf blocks). A query that may attend nowhere gets all-zero
    weights, as in PyTorch.
    """
    query, key = as_tensor(query, who), as_tensor(key, who)
    if query.ndim < 2 or key.ndim < 2 or query.shape[-1] != key.shape[-1]:
        raise ShapeError(f"{who}: expected query (..., L, E) and key (..., S, E) with the same E, got "
                         f"shapes {tuple(query.shape)} and {tuple(key.shape)}")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ swap_last_two(key)) * scale
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{who}: give either attn_mask or is_causal=True, not both (as in PyTorch)")
        attn_mask = causal_mask(scores.shape[-2], scores.shape[-1])
    if attn_mask is not None:
        mask = _mask_array(attn_mask, scores.shape, who, "attn_mask")
        if mask.dtype == bool:
            scores = where(mask, scores, Tensor(np.array(-np.inf, dtype=scores.dtype)))
        else:
            scores = scores + Tensor(mask.astype(scores.dtype, copy=False))
    blocked = np.all(scores.data == -np.inf, axis=-1, keepdims=True)   # rows with nothing to attend to
    if not blocked.any():
        return softmax(scores, axis=-1)
    weights = softmax(where(blocked, 0.0, scores), axis=-1)
    return where(blocked, 0.0, weights)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None):
    """Attention of every query over every key: ``softmax(Q Kᵀ/√E + mask) V``.

    Parameters
    ----------
    query : Tensor (..., L, E)
    key : Tensor (..., S, E)
    value : Tensor (..., S, Ev)
    attn_mask : bool or float array broadcastable to (..., L, S), optional
        Bool: True where a query may attend. Float: added to the scores.
    dropout_p : float
        Dropout on the weights (applied whenever > 0, as in PyTorch — pass 0.0 when evaluating).
    is_causal : bool
        Query ``i`` attends only to keys ``j <= i`` (a language model must not see the future).
    scale : float, optional
        Defaults to ``1/√E``.

    Returns
    -------
    Tensor (..., L, Ev)

    Examples
    --------
    >>> q = k = v = dlkit.randn(2, 5, 8)
    >>> scaled_dot_product_attention(q, k, v, is_causal=True).shape
    (2, 5, 8)
    """
    who = "scaled_dot_product_attention"
    value = as_tensor(value, who)
    weights = attention_weights(query, key, attn_mask, is_causal, scale, who)
    if value.ndim < 2 or value.shape[-2] != weights.shape[-1]:
        raise ShapeError(f"{who}: value must have shape (..., S, Ev) with S={weights.shape[-1]} keys, "
                         f"got {tuple(value.shape)}")
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value
