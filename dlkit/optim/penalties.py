"""L1 and L2 penalties: scalar Tensors you add to the loss to keep weights small (chapter 6).

>>> loss = loss_fn(model(x), y) + 1e-4 * l2_penalty(model.parameters())

``λ/2 · l2_penalty`` has gradient ``λ · w``: the same push as ``SGD(..., weight_decay=λ)``.
"""
from ..tensor import Tensor


def _tensors(params, name):
    params = params.parameters() if hasattr(params, "parameters") else params
    params = [params] if isinstance(params, Tensor) else list(params)
    if not params:
        from .optimizer import OptimizerError
        raise OptimizerError(f"{name}: got no parameters to penalise")
    return params


def l1_penalty(params):
    """Σ |w| over every weight of every tensor in ``params`` (a Module works too). Pushes weights to 0."""
    total = None
    for p in _tensors(params, "l1_penalty"):
        term = p.abs().sum()
        total = term if total is None else total + term
    return total


def l2_penalty(params):
    """Σ w² over every weight of every tensor in ``params`` (a Module works too). Shrinks large weights."""
    total = None
    for p in _tensors(params, "l2_penalty"):
        term = (p * p).sum()
        total = term if total is None else total + term
    return total
