"""``Linear``: the fully connected layer ``y = x Wᵀ + b``, with PyTorch's weight layout (out, in)."""
import numpy as np

from ..errors import ShapeError
from ..functional import linear
from ..functional._checks import as_tensor, check_int
from ..tensor import get_default_dtype
from . import init
from .module import Module, Parameter


class Linear(Module):
    """Fully connected layer: each of ``out_features`` outputs is a weighted sum of all inputs.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
        Learn an additive bias (default True).

    Attributes
    ----------
    weight : Parameter of shape (out_features, in_features)
    bias : Parameter of shape (out_features,) or None

    Examples
    --------
    >>> layer = dlkit.nn.Linear(4, 3)
    >>> layer(dlkit.randn(5, 4)).shape
    (5, 3)
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = check_int(in_features, "Linear", "in_features", minimum=1)
        self.out_features = check_int(out_features, "Linear", "out_features", minimum=1)
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype), name="weight")
        self.bias = Parameter(np.empty(out_features, dtype=dtype), name="bias") if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.default_init_(self.weight, self.bias)

    def forward(self, x):
        x = as_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(f"Linear(in_features={self.in_features}, out_features="
                             f"{self.out_features}): expected input with last dimension "
                             f"{self.in_features}, got shape {tuple(x.shape)}")
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
