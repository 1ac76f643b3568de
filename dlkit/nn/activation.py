"""Activation functions as layers, so they can sit inside ``Sequential`` (only ``PReLU`` holds a
parameter: its learned slope)."""
import numpy as np

from .. import functional as F
from ..errors import ArgumentError
from ..functional._checks import check_int, check_number
from ..tensor import get_default_dtype
from .module import Module, Parameter


class ReLU(Module):
    """``max(x, 0)``: passes positives, zeros negatives."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """``x`` for positives, ``negative_slope · x`` for negatives (so negatives still get gradient)."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """``1 / (1 + e^{−x})``: squashes to (0, 1)."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent: squashes to (−1, 1)."""

    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    """Turns scores along ``dim`` into probabilities that sum to 1."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, axis=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``log(softmax(x))`` along ``dim``, computed stably; pair it with ``NLLLoss``."""

    def forward(self, x):
        return F.log_softmax(x, axis=self.dim)


class ELU(Module):
    """``x`` for x > 0, ``alpha·(eˣ − 1)`` otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = check_number(alpha, "ELU", "alpha")
        self.inplace = inplace

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """``x·Φ(x)`` (Φ: standard normal CDF); ``approximate='tanh'`` uses the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ArgumentError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x·σ(x)`` (swish)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.silu(x)


class Softplus(Module):
    """``log(1 + e^{βx})/β``, a smooth ReLU (``x`` itself where ``βx > threshold``)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = check_number(beta, "Softplus", "beta")
        self.threshold = check_number(threshold, "Softplus", "threshold")

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``clip(x, min_val, max_val)``."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val = check_number(min_val, "Hardtanh", "min_val")
        self.max_val = check_number(max_val, "Hardtanh", "max_val")
        if self.min_val > self.max_val:
            raise ArgumentError(f"Hardtanh: min_val {min_val} must not exceed max_val {max_val}")
        self.inplace = inplace

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class PReLU(Module):
    """Leaky ReLU whose negative slope is learned: one slope (``num_parameters=1``) or one per channel
    (axis 1 of the input), starting at ``init``.

    Attributes
    ----------
    weight : Parameter of shape (num_parameters,)
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = check_int(num_parameters, "PReLU", "num_parameters", minimum=1)
        init = check_number(init, "PReLU", "init")
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype or get_default_dtype()),
                                name="weight")

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
