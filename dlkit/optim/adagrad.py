"""AdaGrad (Duchi, Hazan & Singer 2011): each weight's step shrinks with its own gradient history."""
import numpy as np

from ..tensor import no_grad
from .optimizer import Optimizer, _number


class Adagrad(Optimizer):
    r"""Per-weight learning rates from the running sum of squared gradients (``torch.optim.Adagrad``).

    At step ``t`` for each parameter ``w`` with gradient ``g``::

        g  ← g + weight_decay · w
        η  = lr / (1 + (t − 1) · lr_decay)
        G  ← G + g²                     (G starts at initial_accumulator_value)
        w  ← w − η · g / (√G + eps)

    Weights that saw large gradients get small steps; rarely-updated weights keep large ones.

    Parameters
    ----------
    lr : float, default 1e-2
    lr_decay, weight_decay, initial_accumulator_value : float, default 0
    eps : float, default 1e-10
    maximize : bool, default False (keyword-only): climb instead of descend
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10, *, maximize=False):
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "eps": eps,
                                  "maximize": maximize})

    def _checks(self, group):
        return super()._checks(group) + [
            ("lr_decay", _number(group["lr_decay"]) and group["lr_decay"] >= 0, "a value >= 0"),
            ("weight_decay", _number(group["weight_decay"]) and group["weight_decay"] >= 0, "a value >= 0"),
            ("initial_accumulator_value", _number(group["initial_accumulator_value"])
             and group["initial_accumulator_value"] >= 0, "a value >= 0"),
            ("eps", _number(group["eps"]) and group["eps"] >= 0, "a value >= 0"),
        ]

    @no_grad()
    def step(self):
        for group in self.param_groups:
            for p in self._params_with_grad(group):
                state = self._state(p)
                if not state:
                    state["step"] = 0
                    state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
                state["step"] += 1
                g = self._gradient(p, group)
                if group["weight_decay"]:
                    g = g + group["weight_decay"] * p.data
                lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
                state["sum"] += g * g
                p.data -= lr * g / (np.sqrt(state["sum"]) + group["eps"])
