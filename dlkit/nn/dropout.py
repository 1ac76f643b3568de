"""``Dropout`` and ``Dropout2d``: regularisers that zero random activations (or whole channels) while
training, and do nothing in eval."""
from ..functional import dropout, dropout2d
from ..functional._checks import check_number
from .module import Module


class Dropout(Module):
    """Zero each entry with probability ``p`` in training (scaling the rest by 1/(1 − p)).

    >>> drop = dlkit.nn.Dropout(0.5).eval()
    >>> drop(dlkit.ones(3)).data               # identity in evaluation mode
    array([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = check_number(p, type(self).__name__, "p (a probability)", 0.0, 1.0)
        self.inplace = inplace

    def forward(self, x):
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) with probability ``p`` in training (the rest scaled by
    1/(1 − p)): for convolutional features, whose neighbouring pixels carry the same information."""

    def forward(self, x):
        return dropout2d(x, self.p, self.training)
