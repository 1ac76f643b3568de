"""Normalisation layers: standardise, then scale by γ (``weight``) and shift by β (``bias``).

* ``BatchNorm1d/2d`` — per channel over the batch while training, with running estimates of those
  statistics in evaluation (or batch statistics always, with ``track_running_stats=False``);
* ``LayerNorm`` — per sample over its last dimensions (the transformer's norm);
* ``GroupNorm`` — per sample over groups of channels (batch-size independent, for small batches).

The maths is in ``dlkit.functional.normalization``.
"""
import numpy as np

from ..errors import ArgumentError, ShapeError
from ..functional import batch_norm, group_norm, layer_norm
from ..functional._checks import as_tensor, check_int, check_ndim, check_number
from ..tensor import get_default_dtype
from .module import Module, Parameter


class _BatchNorm(Module):
    _ndims, _layout = (), ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None):
        super().__init__()
        who = type(self).__name__
        self.num_features = check_int(num_features, who, "num_features", minimum=1)
        self.eps = check_number(eps, who, "eps", 0.0, None, low_open=True)
        self.momentum = None if momentum is None else check_number(momentum, who, "momentum", 0.0, 1.0)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = dtype or get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype), name="weight")
            self.bias = Parameter(np.zeros(num_features, dtype=dtype), name="bias")
        else:
            self.weight = self.bias = None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:   # as PyTorch: the names exist but hold None, and are not in the state_dict
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x):
        x = as_tensor(x, type(self).__name__)
        check_ndim(x, self._ndims, repr(self), self._layout)
        if x.shape[1] != self.num_features:
            raise ShapeError(f"{self!r}: expected {self.num_features} channels (axis 1 of "
                             f"{self._layout}), got shape {tuple(x.shape)} with {x.shape[1]}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1    # a 0-d array, updated in place
            if momentum is None:             # cumulative average of all batches seen
                momentum = 1.0 / int(self.num_batches_tracked)
        # Batch statistics while training, and always when no running statistics are kept.
        use_batch = self.training or self.running_mean is None
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          training=use_batch, momentum=momentum or 0.0, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm for (N, C) features or (N, C, L) sequences: statistics per feature / channel.

    Attributes: ``weight`` (γ, ones), ``bias`` (β, zeros), buffers ``running_mean``, ``running_var``,
    ``num_batches_tracked`` — the same state_dict entries as PyTorch (none of the buffers with
    ``track_running_stats=False``). ``momentum=None`` keeps a cumulative average.
    """
    _ndims, _layout = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm for (N, C, H, W) images: statistics per channel over the batch and all pixels."""
    _ndims, _layout = (4,), "(N, C, H, W)"


class LayerNorm(Module):
    """Standardise each sample over its last dimensions ``normalized_shape``, then ``γ x̂ + β``.

    Parameters
    ----------
    normalized_shape : int or tuple of ints — the trailing shape to normalise over
    eps : float > 0
    elementwise_affine : bool — learn γ (``weight``, ones) and β (``bias``, zeros) of that shape
    bias : bool — learn β (only with ``elementwise_affine``)

    >>> dlkit.nn.LayerNorm(4)(dlkit.randn(2, 3, 4)).shape
    (2, 3, 4)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not shape:
            raise ArgumentError("LayerNorm: normalized_shape must have at least one dimension")
        for size in shape:
            check_int(size, "LayerNorm", "normalized_shape entries", minimum=1)
        self.normalized_shape = shape
        self.eps = check_number(eps, "LayerNorm", "eps", 0.0, None, low_open=True)
        self.elementwise_affine = bool(elementwise_affine)
        dtype = dtype or get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dtype), name="weight")
            self.bias = Parameter(np.zeros(shape, dtype=dtype), name="bias") if bias else None
        else:
            self.weight = self.bias = None

    def forward(self, x):
        x = as_tensor(x, "LayerNorm")
        if x.ndim < len(self.normalized_shape) or \
                tuple(x.shape[x.ndim - len(self.normalized_shape):]) != self.normalized_shape:
            raise ShapeError(f"{self!r}: expected input whose last dimensions are "
                             f"{self.normalized_shape}, got shape {tuple(x.shape)}")
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Standardise each group of ``num_channels // num_groups`` channels of each sample of
    (N, C, ...), then a per-channel ``γ x̂ + β``.

    >>> dlkit.nn.GroupNorm(2, 6)(dlkit.randn(2, 6, 5, 5)).shape
    (2, 6, 5, 5)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        self.num_groups = check_int(num_groups, "GroupNorm", "num_groups", minimum=1)
        self.num_channels = check_int(num_channels, "GroupNorm", "num_channels", minimum=1)
        if num_channels % num_groups:
            raise ArgumentError(f"GroupNorm: num_channels={num_channels} must be divisible by "
                                f"num_groups={num_groups}")
        self.eps = check_number(eps, "GroupNorm", "eps", 0.0, None, low_open=True)
        self.affine = bool(affine)
        dtype = dtype or get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype=dtype), name="weight")
            self.bias = Parameter(np.zeros(num_channels, dtype=dtype), name="bias")
        else:
            self.weight = self.bias = None

    def forward(self, x):
        x = as_tensor(x, "GroupNorm")
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(f"{self!r}: expected input (N, {self.num_channels}, ...), got shape "
                             f"{tuple(x.shape)}")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
