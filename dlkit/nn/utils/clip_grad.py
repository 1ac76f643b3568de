"""Gradient clipping: keep one bad batch from throwing the weights far away (exploding gradients,
common in recurrent networks).

* ``clip_grad_norm_`` treats all gradients as one long vector ``g`` and, if its norm ``‖g‖`` exceeds
  ``max_norm``, scales every gradient by ``max_norm / (‖g‖ + 1e-6)`` — the direction is kept, only
  the step gets shorter. It returns ``‖g‖`` from before clipping (worth plotting).
* ``clip_grad_value_`` clips every gradient entry into ``[−clip_value, clip_value]`` (this changes
  the direction).

Call them between ``loss.backward()`` and ``optimizer.step()``.
"""
import numpy as np

from ...errors import ArgumentError
from ...functional._checks import check_number
from ...tensor import Tensor


def _gradients(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients in place so that their total ``norm_type``-norm is at most ``max_norm``.

    Parameters
    ----------
    parameters : iterable of Tensors (e.g. ``model.parameters()``) or a single Tensor
    max_norm : float
    norm_type : float or ``float('inf')`` — 2 is the Euclidean norm, inf the largest entry
    error_if_nonfinite : raise if the total norm is NaN or infinite (otherwise the gradients
        become NaN, as in PyTorch)

    Returns
    -------
    Tensor holding the total norm of the gradients before clipping.

    Examples
    --------
    >>> w = dlkit.Tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()                  # grad = (6, 8), norm 10
    >>> dlkit.nn.utils.clip_grad_norm_([w], max_norm=5.0).item()
    10.0
    >>> np.round(w.grad, 4)
    array([3., 4.])
    """
    max_norm = check_number(max_norm, "clip_grad_norm_", "max_norm", 0.0, None)
    norm_type = check_number(norm_type, "clip_grad_norm_", "norm_type", 0.0, None, low_open=True)
    params = _gradients(parameters)
    if not params:
        return Tensor(0.0)
    grads = [p.grad for p in params]
    if norm_type == np.inf:
        total = max(np.abs(g).max() if g.size else 0.0 for g in grads)
    else:
        norms = [np.linalg.norm(g.ravel(), ord=norm_type) if g.size else 0.0 for g in grads]
        total = np.linalg.norm(np.asarray(norms, dtype=np.float64), ord=norm_type)
    total = np.asarray(total, dtype=grads[0].dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise ArgumentError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients "
                            f"is {float(total)}, so they cannot be clipped (error_if_nonfinite=True)")
    scale = min(max_norm / (float(total) + 1e-6), 1.0) if np.isfinite(total) else max_norm / float(total)
    for p in params:
        p.grad = p.grad * np.asarray(scale, dtype=p.grad.dtype)
    return Tensor(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clip every gradient entry into ``[−clip_value, clip_value]``, in place."""
    clip_value = check_number(clip_value, "clip_grad_value_", "clip_value", 0.0, None)
    for p in _gradients(parameters):
        p.grad = np.clip(p.grad, -clip_value, clip_value)
