"""Activation functions as layers, so they can sit inside ``Sequential`` (they hold no parameters)."""
from .. import functional as F
from .module import Module


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
