"""RMSprop (Hinton's lecture 6e, 2012): divide each step by a running average of recent gradient sizes."""
import numpy as np

from ..tensor import no_grad
from .optimizer import Optimizer, _number


class RMSprop(Optimizer):
    r"""Like AdaGrad, but the squared gradients are *averaged* (they fade), not summed (``torch.optim.RMSprop``).

    For each parameter ``w`` with gradient ``g``::

        g ← g + weight_decay · w
        s ← α · s + (1 − α) · g²                          (s starts at 0)
        d ← √s + eps        or, if centered:  ḡ ← α · ḡ + (1 − α) · g,  d ← √(s − ḡ²) + eps
        w ← w − lr · g / d     or, with momentum:  b ← momentum · b + g / d,  w ← w − lr · b

    Parameters
    ----------
    lr : float, default 1e-2
    alpha : float, default 0.99
    eps : float, default 1e-8
    weight_decay, momentum : float, default 0
    centered : bool, default False
    maximize : bool, default False (keyword-only): climb instead of descend
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False):
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                                  "momentum": momentum, "centered": centered, "maximize": maximize})

    def _checks(self, group):
        return super()._checks(group) + [
            ("alpha", _number(group["alpha"]) and 0 <= group["alpha"] <= 1, "a value in [0, 1]"),
            ("eps", _number(group["eps"]) and group["eps"] >= 0, "a value >= 0"),
            ("weight_decay", _number(group["weight_decay"]) and group["weight_decay"] >= 0, "a value >= 0"),
            ("momentum", _number(group["momentum"]) and group["momentum"] >= 0, "a value >= 0"),
        ]

    @no_grad()
    def step(self):
        for group in self.param_groups:
            alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
            for p in self._params_with_grad(group):
                state = self._state(p)
                if not state:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(p.data)
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(p.data)
                    if group["centered"]:
                        state["grad_avg"] = np.zeros_like(p.data)
                state["step"] += 1
                g = self._gradient(p, group)
                if group["weight_decay"]:
                    g = g + group["weight_decay"] * p.data
                square_avg = state["square_avg"]
                square_avg *= alpha
                square_avg += (1 - alpha) * g * g
                if group["centered"]:
                    grad_avg = state["grad_avg"]
                    grad_avg += (1 - alpha) * (g - grad_avg)   # = α·ḡ + (1 − α)·g
                    denom = np.sqrt(square_avg - grad_avg * grad_avg) + eps
                else:
                    denom = np.sqrt(square_avg) + eps
                if momentum > 0:
                    buffer = state["momentum_buffer"]
                    buffer *= momentum
                    buffer += g / denom
                    p.data -= group["lr"] * buffer
                else:
                    p.data -= group["lr"] * g / denom
