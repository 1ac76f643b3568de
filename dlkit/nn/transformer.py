"""``TransformerEncoderLayer`` and ``TransformerEncoder``, with ``torch.nn``'s names and state_dict keys.

One encoder layer is self-attention followed by a small MLP applied to every position, each wrapped in
a residual connection and a LayerNorm::

    post-norm (norm_first=False, the original paper):   x = norm1(x + SA(x));   x = norm2(x + FF(x))
    pre-norm  (norm_first=True, easier to train deep):  x = x + SA(norm1(x));   x = x + FF(norm2(x))

with ``SA(x) = dropout1(self_attn(x, x, x))`` and ``FF(x) = dropout2(linear2(dropout(act(linear1(x)))))``.
"""
import copy

import numpy as np

from .. import functional as F
from ..errors import DataTypeError
from ..tensor import get_default_dtype
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


def generate_square_subsequent_mask(size, dtype=None):
    """The causal float mask of ``nn.Transformer.generate_square_subsequent_mask``: 0 on and below the
    diagonal, −inf above it (query ``i`` may not look at keys after ``i``).

    >>> generate_square_subsequent_mask(3)
    array([[  0., -inf, -inf],
           [  0.,   0., -inf],
           [  0.,   0.,   0.]])
    """
    upper = np.triu(np.ones((size, size), dtype=bool), k=1)
    return np.where(upper, -np.inf, 0.0).astype(dtype or get_default_dtype())


def _activation(activation):
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise DataTypeError(f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, "
                        f"got {activation!r}")


class TransformerEncoderLayer(Module):
    """Self-attention and a position-wise MLP, each with a residual connection and a LayerNorm.

    Parameters
    ----------
    d_model : int
        Size of each position's vector.
    nhead : int
        Attention heads (must divide ``d_model``).
    dim_feedforward : int
        Hidden size of the MLP.
    dropout : float
        Dropout on the attention weights, inside the MLP and on both residual branches.
    activation : "relu", "gelu" or a callable
    layer_norm_eps : float
    batch_first : bool
        (batch, seq, feature) instead of (seq, batch, feature).
    norm_first : bool
        Pre-norm (LayerNorm before each block) instead of post-norm.

    Examples
    --------
    >>> layer = dlkit.nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    >>> layer(dlkit.randn(2, 7, 16)).shape
    (2, 7, 16)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)
        self.batch_first = batch_first

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """``src`` (seq, batch, d_model) — or (batch, seq, d_model) with batch_first — to the same shape.

        ``src_mask`` (seq, seq) and ``src_key_padding_mask`` (batch, seq) as in
        :class:`MultiheadAttention` (bool True = may not attend).
        """
        x = src
        if self.norm_first:
            x = x + self._self_attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._self_attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))

    def _self_attention(self, x, attn_mask, key_padding_mask, is_causal):
        out, _ = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)
        return self.dropout1(out)

    def _feed_forward(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn (each copy has its own weights).

    Parameters
    ----------
    encoder_layer : TransformerEncoderLayer
        Copied ``num_layers`` times (deep copies, as in PyTorch).
    num_layers : int
    norm : Module, optional
        A final LayerNorm (pre-norm stacks usually want one).

    Examples
    --------
    >>> layer = dlkit.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
    >>> encoder = dlkit.nn.TransformerEncoder(layer, num_layers=2)
    >>> encoder(dlkit.randn(2, 7, 16)).shape
    (2, 7, 16)
    >>> list(encoder.state_dict())[:2]
    ['layers.0.self_attn.in_proj_weight', 'layers.0.self_attn.in_proj_bias']
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return self.norm(x) if self.norm is not None else x
