"""Adam (Kingma & Ba 2015): momentum and RMSprop together, with bias correction for the first steps."""
import math

import numpy as np

from ..tensor import no_grad
from .optimizer import Optimizer, _adam_family_checks, _apply_weight_decay


class Adam(Optimizer):
    r"""Adaptive moment estimation, as ``torch.optim.Adam`` computes it.

    At step ``t`` for each parameter ``w`` with gradient ``g``::

        g ← g + weight_decay · w               (classic L2; see AdamW for decoupled decay)
        m ← β₁ · m + (1 − β₁) · g              (first moment: a running mean of gradients)
        v ← β₂ · v + (1 − β₂) · g²             (second moment: a running mean of squares)
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   (undo the bias of starting m, v at zero)
        w ← w − lr · m̂ / (√v̂ + eps)

    With ``amsgrad=True`` the denominator uses the largest ``v`` seen so far.

    Parameters
    ----------
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    amsgrad : bool, default False
    maximize : bool, default False (keyword-only): climb instead of descend
    decoupled_weight_decay : bool, default False (keyword-only): True makes this AdamW
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False):
        super().__init__(params, {"lr": lr, "betas": tuple(betas) if isinstance(betas, list) else betas,
                                  "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay})

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
                    state["exp_avg"] = np.zeros_like(p.data)       # m
                    state["exp_avg_sq"] = np.zeros_like(p.data)    # v
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = np.zeros_like(p.data)
                state["step"] += 1
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                g = self._gradient(p, group)
                g = _apply_weight_decay(p, g, group)

                # In-place numpy ops (out=...) below: same formulas, no temporary arrays per line.
                scratch = np.subtract(g, m, out=np.empty_like(m))   # an array even for 0-d weights
                scratch *= 1 - beta1
                m += scratch                                       # m ← β₁m + (1 − β₁)g
                np.multiply(g, g, out=scratch)
                scratch *= 1 - beta2
                v *= beta2
                v += scratch                                       # v ← β₂v + (1 − β₂)g²
                if group["amsgrad"]:
                    v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])

                step_size = lr / (1 - beta1 ** t)
                denom = np.sqrt(v, out=scratch)
                denom /= math.sqrt(1 - beta2 ** t)
                denom += eps                                       # √v̂ + eps
                np.divide(m, denom, out=scratch)
                scratch *= step_size
                p.data -= scratch                                  # w ← w − lr·m̂/(√v̂ + eps)


class AdamW(Adam):
    r"""Adam with *decoupled* weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``.

    Instead of adding ``weight_decay · w`` to the gradient (where Adam's scaling would weaken it),
    AdamW shrinks the weights directly before the Adam step::

        w ← w · (1 − lr · weight_decay)
        ...then the Adam update above, without weight decay in g.

    Parameters
    ----------
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 1e-2 (PyTorch's AdamW default)
    amsgrad : bool, default False
    maximize : bool, default False (keyword-only): climb instead of descend
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=True)
