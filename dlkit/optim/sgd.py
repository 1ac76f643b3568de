"""Stochastic gradient descent, with optional momentum (heavy ball or Nesterov) and weight decay."""
import numpy as np

from ..tensor import no_grad
from .optimizer import Optimizer, _number


class SGD(Optimizer):
    r"""Gradient descent on mini-batches, as ``torch.optim.SGD`` computes it.

    For each parameter ``w`` with gradient ``g``::

        g ← g + weight_decay · w                         (L2 penalty folded into the gradient)
        b ← g                    on the first step       (momentum buffer, "velocity")
        b ← momentum · b + (1 − dampening) · g  afterwards
        g ← g + momentum · b   if nesterov, else  g ← b  (only when momentum > 0)
        w ← w − lr · g

    Parameters
    ----------
    params : iterable of Tensor or of dict
    lr : float, default 1e-3 (PyTorch's default)
    momentum, dampening, weight_decay : float, default 0
    nesterov : bool, default False (needs momentum > 0 and dampening = 0)
    maximize : bool, default False (keyword-only)
        Climb the objective instead of descending it (the gradient's sign is flipped first).

    Examples
    --------
    >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *,
                 maximize=False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize})

    def _checks(self, group):
        return super()._checks(group) + [
            ("momentum", _number(group["momentum"]) and group["momentum"] >= 0, "a value >= 0"),
            ("dampening", _number(group["dampening"]), "a number"),
            ("weight_decay", _number(group["weight_decay"]) and group["weight_decay"] >= 0, "a value >= 0"),
            ("nesterov", not group["nesterov"] or (group["momentum"] > 0 and group["dampening"] == 0),
             "nesterov=True only with momentum > 0 and dampening = 0"),
        ]

    @no_grad()
    def step(self):
        """Move every parameter that has a gradient one step downhill."""
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for p in self._params_with_grad(group):
                g = self._gradient(p, group)
                if weight_decay:
                    g = g + weight_decay * p.data
                if momentum:
                    state = self._state(p)
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        buffer = state["momentum_buffer"] = np.array(g, copy=True)
                    else:
                        buffer *= momentum
                        buffer += (1 - dampening) * g
                    g = g + momentum * buffer if nesterov else buffer
                p.data -= lr * g
