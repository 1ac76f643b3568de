"""Loss functions as modules (``loss_fn = CrossEntropyLoss(); loss = loss_fn(logits, y)``).

The maths lives in ``dlkit.functional.losses``; each module remembers its options (``reduction``
"mean", "sum" or "none", class ``weight``, …), with PyTorch's names, order and defaults, and names
itself in error messages. A class ``weight`` (or ``pos_weight``) is a buffer, as in PyTorch's
state_dict.
"""
import numpy as np

from .. import functional as F
from ..errors import DlkitError
from ..functional._checks import check_int, check_number
from ..functional.losses import _no_legacy, check_reduction
from ..tensor import Tensor
from .module import Module


def _renamed(error, who, fn_name):
    """The same error, naming the layer instead of the function (``cross_entropy`` -> ``CrossEntropyLoss``)."""
    message = str(error)
    if message.startswith(fn_name + ":"):
        message = who + message[len(fn_name):]
    return type(error)(message)


class _Loss(Module):
    _fn = None
    _batchmean = False

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        _no_legacy(type(self).__name__, size_average, reduce)
        check_reduction(reduction, type(self).__name__, batchmean=self._batchmean)
        self.reduction = reduction

    def _options(self):
        return {}

    def forward(self, input, target):
        fn = type(self)._fn
        try:
            return fn(input, target, reduction=self.reduction, **self._options())
        except DlkitError as error:   # say which layer failed, as the rest of nn does
            raise _renamed(error, type(self).__name__, fn.__name__) from None

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


def _weight_buffer(module, name, weight):
    """Store a class weight as a buffer (saved in state_dict), or None."""
    if weight is not None:
        weight = weight.data if isinstance(weight, Tensor) else np.asarray(weight, dtype=np.float64)
        if weight.dtype.kind != "f":
            weight = weight.astype(np.float64)
    module.register_buffer(name, weight)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, "weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy between logits (N, C) / (N, C, d1, …) / (C,) and integer labels
    (N,) / (N, d1, …) / () — a numpy array, a list or a Tensor of ints in [0, C) — or float class
    probabilities of the logits' shape.

    Parameters
    ----------
    weight : array (C,), optional — a weight per class (rare classes count more).
    ignore_index : int — labels with this value add nothing (e.g. padding tokens); default −100.
    reduction : "mean" | "sum" | "none"
    label_smoothing : float in [0, 1]

    >>> dlkit.nn.CrossEntropyLoss()(dlkit.Tensor([[0.0, 0.0]]), [1]).item()   # log 2
    0.6931471805599453
    """
    _fn = staticmethod(F.cross_entropy)

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = check_int(ignore_index, "CrossEntropyLoss", "ignore_index")
        self.label_smoothing = check_number(label_smoothing, "CrossEntropyLoss", "label_smoothing",
                                            0.0, 1.0)

    def _options(self):
        return {"weight": self.weight, "ignore_index": self.ignore_index,
                "label_smoothing": self.label_smoothing}


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of integer labels, for inputs that are already log-probabilities
    (after ``LogSoftmax``); ``weight``, ``ignore_index`` and shapes as ``CrossEntropyLoss``."""
    _fn = staticmethod(F.nll_loss)

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = check_int(ignore_index, "NLLLoss", "ignore_index")

    def _options(self):
        return {"weight": self.weight, "ignore_index": self.ignore_index}


class MSELoss(_Loss):
    """Mean squared error ``(input − target)²`` (same shapes required)."""
    _fn = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """Mean absolute error ``|input − target|``."""
    _fn = staticmethod(F.l1_loss)


class HuberLoss(_Loss):
    """Huber loss: ``½d²`` for ``|d| ≤ delta``, ``delta·(|d| − ½delta)`` beyond (robust regression)."""
    _fn = staticmethod(F.huber_loss)

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = check_number(delta, "HuberLoss", "delta", 0.0, None, low_open=True)

    def _options(self):
        return {"delta": self.delta}


class SmoothL1Loss(_Loss):
    """Smooth L1: ``½d²/beta`` for ``|d| < beta``, ``|d| − ½beta`` beyond (Huber / beta)."""
    _fn = staticmethod(F.smooth_l1_loss)

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = check_number(beta, "SmoothL1Loss", "beta", 0.0, None)

    def _options(self):
        return {"beta": self.beta}


class KLDivLoss(_Loss):
    """KL divergence ``t·(log t − x)`` between log-probabilities ``x`` and a target distribution
    (``log_target=True``: the target is given as log-probabilities too). Use
    ``reduction='batchmean'`` for the mathematical KL per sample."""
    _fn = staticmethod(F.kl_div)
    _batchmean = True

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = bool(log_target)

    def _options(self):
        return {"log_target": self.log_target}


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities in [0, 1] (logs clamped at −100, as in PyTorch);
    ``weight`` scales each element's loss (it must broadcast to the input)."""
    _fn = staticmethod(F.binary_cross_entropy)

    def _options(self):
        return {"weight": self.weight}


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy on raw scores (the sigmoid is built in, numerically stable).

    ``pos_weight`` (one per class, along the last axis) scales the loss of positive targets.
    """
    _fn = staticmethod(F.binary_cross_entropy_with_logits)

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(weight, size_average, reduce, reduction)
        _weight_buffer(self, "pos_weight", pos_weight)

    def _options(self):
        return {"weight": self.weight, "pos_weight": self.pos_weight}
