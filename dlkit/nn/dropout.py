"""``Dropout``: a regulariser that zeros random activations while training, and does nothing in eval."""
from ..functional import dropout
from .module import Module


class Dropout(Module):
    """Zero each entry with probability ``p`` in training (scaling the rest by 1/(1 − p)).

    >>> drop = dlkit.nn.Dropout(0.5).eval()
    >>> drop(dlkit.ones(3)).data               # identity in evaluation mode
    array([1., 1., 1.])
    """

    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
