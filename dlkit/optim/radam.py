"""RAdam (Liu et al. 2020): Adam that waits until its variance estimate is trustworthy."""
import math

import numpy as np

from ..tensor import no_grad
from .optimizer import Optimizer, _adam_family_checks, _apply_weight_decay


class RAdam(Optimizer):
    r"""Rectified Adam, as ``torch.optim.RAdam`` computes it.

    In the first steps ``v`` averages only a few squared gradients, so ``1/√v̂`` is noisy. RAdam
    measures how many gradients ``v`` effectively holds (ρₜ) and, while ρₜ ≤ 5, takes a plain
    momentum step; afterwards an Adam step scaled by the rectification ``r``::

        m ← β₁ · m + (1 − β₁) · g,   v ← β₂ · v + (1 − β₂) · g²,   m̂ = m / (1 − β₁ᵗ)
        ρ∞ = 2 / (1 − β₂) − 1,   ρₜ = ρ∞ − 2t · β₂ᵗ / (1 − β₂ᵗ)
        if ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)),
                    w ← w − lr · m̂ · r · √(1 − β₂ᵗ) / (√v + eps)
        else:       w ← w − lr · m̂

    Parameters
    ----------
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    decoupled_weight_decay : bool, default False (True: shrink w directly, as AdamW)
    maximize : bool, default False (keyword-only): climb instead of descend
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, *, maximize=False):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize})

    def _checks(self, group):
        return super()._checks(group) + _adam_family_checks(group)

    @no_grad()
    def step(self):
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            for p in self._params_with_grad(group):
                state = self._state(p)
                if not state:
                    state["step"] = 0
                    state["exp_avg"], state["exp_avg_sq"] = np.zeros_like(p.data), np.zeros_like(p.data)
                state["step"] += 1
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                g = self._gradient(p, group)
                g = _apply_weight_decay(p, g, group)

                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * g * g
                bias_correction1, bias_correction2 = 1 - beta1 ** t, 1 - beta2 ** t
                m_hat = m / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
                if rho_t > 5.0:  # enough gradients in v: the rectified adaptive step
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    p.data -= m_hat * lr * (math.sqrt(bias_correction2) / (np.sqrt(v) + eps)) * rect
                else:            # too few: plain momentum (SGD with bias-corrected m)
                    p.data -= m_hat * lr
