"""Loss functions as modules (``loss_fn = CrossEntropyLoss(); loss = loss_fn(logits, y)``).

The maths lives in ``dlkit.functional.losses``; each module remembers its ``reduction``
("mean", "sum" or "none") and names itself in error messages.
"""
from .. import functional as F
from ..functional._checks import as_tensor
from ..functional.losses import check_class_target, check_reduction, check_same_shape
from .module import Module


class _Loss(Module):
    _fn = None

    def __init__(self, reduction="mean"):
        super().__init__()
        check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def forward(self, input, target):
        input, target = check_same_shape(type(self).__name__, input, target)  # errors name the layer
        return type(self)._fn(input, target, reduction=self.reduction)

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _ClassLoss(_Loss):
    def forward(self, input, target):
        input = as_tensor(input, type(self).__name__)
        check_class_target(type(self).__name__, input, target)  # errors name this layer
        return type(self)._fn(input, target, reduction=self.reduction)


class CrossEntropyLoss(_ClassLoss):
    """Softmax cross-entropy between (N, C) logits and integer labels (N,) — a numpy array, a list
    or a Tensor of ints in [0, C).

    >>> dlkit.nn.CrossEntropyLoss()(dlkit.Tensor([[0.0, 0.0]]), [1]).item()   # log 2
    0.6931471805599453
    """
    _fn = staticmethod(F.cross_entropy)


class NLLLoss(_ClassLoss):
    """Negative log-likelihood of integer labels, for inputs that are already log-probabilities."""
    _fn = staticmethod(F.nll_loss)


class MSELoss(_Loss):
    """Mean squared error ``(input − target)²`` (same shapes required)."""
    _fn = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """Mean absolute error ``|input − target|``."""
    _fn = staticmethod(F.l1_loss)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities in [0, 1] (logs clamped at −100, as in PyTorch)."""
    _fn = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on raw scores (the sigmoid is built in, numerically stable)."""
    _fn = staticmethod(F.binary_cross_entropy_with_logits)
