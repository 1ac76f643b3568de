"""``MultiheadAttention``: several attention heads side by side, as ``torch.nn.MultiheadAttention``.

The embedding of size ``embed_dim`` is projected to queries, keys and values and split into
``num_heads`` heads of ``embed_dim / num_heads`` numbers each; every head attends on its own (its own
weights over the keys), the heads' answers are put side by side again and mixed by ``out_proj``::

    Q, K, V = query W_qᵀ + b_q,  key W_kᵀ + b_k,  value W_vᵀ + b_v     (W_q, W_k, W_v: in_proj_weight)
    head_h  = softmax(Q_h K_hᵀ / √head_dim + mask) V_h
    output  = [head_1 … head_H] W_oᵀ + b_o                              (out_proj)

Masks follow PyTorch's conventions for this layer (the *opposite* of ``scaled_dot_product_attention``
for bool masks): in ``attn_mask`` and ``key_padding_mask`` **True means "may not attend"**; float masks
are added to the scores.
"""
import math

import numpy as np

from ..errors import DataTypeError, ShapeError
from ..functional._checks import as_tensor
from ..functional.activations import softmax
from ..functional.attention import swap_last_two
from ..functional.dropout import dropout
from ..functional.linear import linear
from ..tensor import Tensor, get_default_dtype
from . import init
from .linear import Linear
from .module import Module, Parameter


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's parameters (``in_proj_weight``, ``in_proj_bias``, ``out_proj``).

    Parameters
    ----------
    embed_dim : int
        Size of each query (and of the output).
    num_heads : int
        Heads; must divide ``embed_dim``.
    dropout : float
        Dropout on the attention weights (training mode only).
    bias : bool
        Biases in the input and output projections.
    kdim, vdim : int, optional
        Sizes of keys and values when they differ from ``embed_dim`` (then the projections are
        ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` instead of ``in_proj_weight``).
    batch_first : bool
        Inputs and output are (batch, seq, feature) instead of (seq, batch, feature).

    Examples
    --------
    >>> mha = dlkit.nn.MultiheadAttention(16, 4, batch_first=True)
    >>> x = dlkit.randn(2, 5, 16)
    >>> output, weights = mha(x, x, x)
    >>> output.shape, weights.shape           # weights averaged over the heads
    ((2, 5, 16), (2, 5, 5))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim={embed_dim} must be a positive multiple "
                             f"of num_heads={num_heads}")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not "
                                      "supported by dlkit")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, float(dropout)
        self.head_dim = embed_dim // num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.batch_first = batch_first
        dtype = dtype or get_default_dtype()

        def weight(*shape):
            return Parameter(np.empty(shape, dtype=dtype))
        if self._qkv_same_embed_dim:
            self.in_proj_weight = weight(3 * embed_dim, embed_dim)
        else:
            self.q_proj_weight = weight(embed_dim, embed_dim)
            self.k_proj_weight = weight(embed_dim, self.kdim)
            self.v_proj_weight = weight(embed_dim, self.vdim)
        self.in_proj_bias = weight(3 * embed_dim) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's init: Xavier-uniform projections, zero biases (out_proj's weight keeps Linear's)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projection_weights(self):
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        return weights, biases

    # -- checks --------------------------------------------------------------------------------------
    def _who(self):
        return f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})"

    def _batch_first(self, query, key, value):
        """All three as (batch, seq, features), and whether the input had a batch axis."""
        who = self._who()
        query, key, value = (as_tensor(t, who) for t in (query, key, value))
        layout = "(batch, seq, feature)" if self.batch_first else "(seq, batch, feature)"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ShapeError(f"{who}: expected query, key and value all 3-D {layout} (batch_first="
                             f"{self.batch_first}) or all 2-D (seq, feature), got shapes "
                             f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
        for name, t, size in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if t.shape[-1] != size:
                raise ShapeError(f"{who}: expected {name} with last dimension {size}, got shape "
                                 f"{tuple(t.shape)}")
        batched = query.ndim == 3
        if not batched:
            query, key, value = (t.reshape(1, *t.shape) for t in (query, key, value))
        elif not self.batch_first:
            query, key, value = (t.permute(1, 0, 2) for t in (query, key, value))
        if key.shape[:2] != value.shape[:2] or key.shape[0] != query.shape[0]:
            raise ShapeError(f"{who}: query, key and value must share the batch size and key and value "
                             f"the sequence length; got shapes {tuple(query.shape)}, "
                             f"{tuple(key.shape)}, {tuple(value.shape)} read as {layout}")
        return query, key, value, batched

    def _additive_mask(self, attn_mask, key_padding_mask, batch, queries, keys, dtype, batched):
        """Both masks as one float array broadcastable to (batch, heads, queries, keys), or None."""
        who = self._who()
        total = None
        if attn_mask is not None:
            mask = _as_float_mask(attn_mask, who, "attn_mask", dtype)
            if mask.shape == (queries, keys):
                pass
            elif mask.shape == (batch * self.num_heads, queries, keys):
                mask = mask.reshape(batch, self.num_heads, queries, keys)
            else:
                raise ShapeError(f"{who}: attn_mask must have shape ({queries}, {keys}) (queries, "
                                 f"keys) or ({batch * self.num_heads}, {queries}, {keys}) "
                                 f"(batch · num_heads, queries, keys), got {mask.shape}")
            total = mask
        if key_padding_mask is not None:
            mask = _as_float_mask(key_padding_mask, who, "key_padding_mask", dtype)
            expected = (batch, keys) if batched else (keys,)
            if mask.shape != expected:
                raise ShapeError(f"{who}: key_padding_mask must have shape {expected} "
                                 f"({'batch, ' if batched else ''}keys), got {mask.shape}")
            mask = mask.reshape(batch, 1, 1, keys)
            total = mask if total is None else total + mask
        return total

    # -- forward --------------------------------------------------------------------------------------
    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """Attend from every query to every key; returns ``(output, weights)``.

        ``output`` has the query's layout; ``weights`` is (batch, queries, keys) averaged over the
        heads, (batch, heads, queries, keys) with ``average_attn_weights=False``, or None when
        ``need_weights=False``. ``is_causal`` is only a hint, as in PyTorch: pass the causal
        ``attn_mask`` too.
        """
        if is_causal and attn_mask is None:
            raise ValueError(f"{self._who()}: is_causal=True is a hint that needs attn_mask too (as in "
                             "PyTorch); pass e.g. attn_mask=dlkit.nn."
                             "generate_square_subsequent_mask(L)")
        q_in, k_in, v_in, batched = self._batch_first(query, key, value)
        batch, queries, keys = q_in.shape[0], q_in.shape[1], k_in.shape[1]
        (w_q, w_k, w_v), (b_q, b_k, b_v) = self._projection_weights()
        q, k, v = linear(q_in, w_q, b_q), linear(k_in, w_k, b_k), linear(v_in, w_v, b_v)
        q, k, v = (self._split_heads(t) for t in (q, k, v))         # (batch, heads, seq, head_dim)
        scores = (q * (1.0 / math.sqrt(self.head_dim))) @ swap_last_two(k)
        mask = self._additive_mask(attn_mask, key_padding_mask, batch, queries, keys, scores.dtype,
                                   batched)
        if mask is not None:
            scores = scores + Tensor(mask)
        weights = softmax(scores, axis=-1)
        if self.training and self.dropout > 0:
            weights = dropout(weights, self.dropout)
        heads = weights @ v                                          # (batch, heads, queries, head_dim)
        joined = heads.permute(0, 2, 1, 3).reshape(batch, queries, self.embed_dim)
        output = self.out_proj(joined)
        if not batched:
            output = output.reshape(queries, self.embed_dim)
        elif not self.batch_first:
            output = output.permute(1, 0, 2)
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        return output, (weights if batched else weights.reshape(*weights.shape[1:]))

    def _split_heads(self, t):
        batch, seq, _ = t.shape
        return t.reshape(batch, seq, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}" + (
            f", dropout={self.dropout}" if self.dropout else "") + (
            ", batch_first=True" if self.batch_first else "")


def _as_float_mask(mask, who, what, dtype):
    """A bool mask (True = blocked) as 0 / −inf; a float mask as it is."""
    array = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if array.dtype == bool:
        return np.where(array, -np.inf, 0.0).astype(dtype)
    if array.dtype.kind == "f":
        return array.astype(dtype, copy=False)
    raise DataTypeError(f"{who}: {what} must be bool (True = may not attend) or float (added to the "
                        f"scores), got dtype {array.dtype}")
