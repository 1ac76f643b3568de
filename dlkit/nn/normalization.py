"""Batch normalisation layers: standardise each channel with batch statistics while training, with
running estimates of them in evaluation (see ``dlkit.functional.normalization`` for the maths)."""
import numpy as np

from ..errors import ShapeError
from ..functional import batch_norm
from ..functional._checks import as_tensor, check_ndim
from ..tensor import get_default_dtype
from .module import Module, Parameter


class _BatchNorm(Module):
    _ndims, _layout = (), ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        dtype = dtype or get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype), name="weight")
            self.bias = Parameter(np.zeros(num_features, dtype=dtype), name="bias")
        else:
            self.weight = self.bias = None
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def forward(self, x):
        x = as_tensor(x, type(self).__name__)
        check_ndim(x, self._ndims, repr(self), self._layout)
        if x.shape[1] != self.num_features:
            raise ShapeError(f"{self!r}: expected {self.num_features} channels (axis 1 of "
                             f"{self._layout}), got shape {tuple(x.shape)} with {x.shape[1]}")
        momentum = self.momentum
        if self.training:
            self.num_batches_tracked += 1    # a 0-d array, updated in place
            if momentum is None:             # cumulative average of all batches seen
                momentum = 1.0 / int(self.num_batches_tracked)
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          training=self.training, momentum=momentum, eps=self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class BatchNorm1d(_BatchNorm):
    """Batch norm for (N, C) features or (N, C, L) sequences: statistics per feature / channel.

    Attributes: ``weight`` (γ, ones), ``bias`` (β, zeros), buffers ``running_mean``, ``running_var``,
    ``num_batches_tracked`` — the same state_dict entries as PyTorch.
    """
    _ndims, _layout = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm for (N, C, H, W) images: statistics per channel over the batch and all pixels."""
    _ndims, _layout = (4,), "(N, C, H, W)"
