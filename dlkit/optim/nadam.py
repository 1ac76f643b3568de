"""NAdam (Dozat 2016): Adam with Nesterov momentum — the step looks one momentum step ahead."""
import numpy as np

from ..tensor import no_grad
from .optimizer import Optimizer, _adam_family_checks, _apply_weight_decay, _number


class NAdam(Optimizer):
    r"""Adam whose momentum term is applied Nesterov-style, as ``torch.optim.NAdam`` computes it.

    At step ``t`` for each parameter ``w`` with gradient ``g``::

        μₜ = β₁ · (1 − ½ · 0.96^(t · momentum_decay))      (the momentum schedule)
        m ← β₁ · m + (1 − β₁) · g,   v ← β₂ · v + (1 − β₂) · g²
        v̂ = v / (1 − β₂ᵗ)
        w ← w − lr · (1 − μₜ) / (1 − μ₁⋯μₜ) · g / (√v̂ + eps)          (today's gradient...)
              − lr · μₜ₊₁ / (1 − μ₁⋯μₜ₊₁) · m / (√v̂ + eps)             (...plus the look-ahead momentum)

    Parameters
    ----------
    lr : float, default 2e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    momentum_decay : float, default 4e-3
    decoupled_weight_decay : bool, default False (True: shrink w directly, as AdamW)
    maximize : bool, default False (keyword-only): climb instead of descend
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize})

    def _checks(self, group):
        return super()._checks(group) + _adam_family_checks(group) + [
            ("momentum_decay", _number(group["momentum_decay"]) and group["momentum_decay"] >= 0, "a value >= 0"),
        ]

    @no_grad()
    def step(self):
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            momentum_decay = group["momentum_decay"]
            for p in self._params_with_grad(group):
                state = self._state(p)
                if not state:
                    state["step"], state["mu_product"] = 0, 1.0
                    state["exp_avg"], state["exp_avg_sq"] = np.zeros_like(p.data), np.zeros_like(p.data)
                state["step"] += 1
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                g = self._gradient(p, group)
                g = _apply_weight_decay(p, g, group)

                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
                state["mu_product"] *= mu
                mu_product = state["mu_product"]

                m += (1 - beta1) * (g - m)                         # m ← β₁m + (1 − β₁)g
                v *= beta2
                v += (1 - beta2) * g * g                           # v ← β₂v + (1 − β₂)g²
                denom = np.sqrt(v / (1 - beta2 ** t)) + eps        # √v̂ + eps
                p.data -= lr * (1 - mu) / (1 - mu_product) * g / denom
                p.data -= lr * mu_next / (1 - mu_product * mu_next) * m / denom
