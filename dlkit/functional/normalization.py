"""Batch normalisation: standardise each channel over the batch, then scale and shift.

For a channel with batch values ``x``:  ``x̂ = (x − μ) / √(σ² + ε)``,  ``y = γ x̂ + β``.

In training μ and σ² are the batch's own mean and (biased) variance, and the running estimates are
updated in place: ``running = (1 − momentum) · running + momentum · batch statistic`` (the running
variance uses the unbiased batch variance, n/(n − 1) · σ², as PyTorch does). In evaluation the running
estimates are used instead, so one sample's output no longer depends on the rest of the batch.

Backward in training mode (one fused op): with ``ĝ = g γ`` and n values per channel,
``∂L/∂x = (1/(n √(σ²+ε))) · (n ĝ − Σ ĝ − x̂ Σ ĝ x̂)``, ``∂L/∂γ = Σ g x̂``, ``∂L/∂β = Σ g``.
"""
import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._checks import as_tensor


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch norm over axis 1 (channels) of an (N, C), (N, C, L) or (N, C, H, W) tensor.

    Parameters
    ----------
    running_mean, running_var : numpy arrays of shape (C,) or None
        Updated in place when ``training``; used for normalising when not.
    weight, bias : Tensors of shape (C,) or None (γ and β).
    momentum : float or None
        Weight of the new batch in the running averages; None means a plain cumulative average
        (then pass ``momentum=1/num_batches_seen``).
    """
    x = as_tensor(x, "batch_norm")
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected input (N, C, ...) with at least 2 dimensions, "
                         f"got shape {tuple(x.shape)}")
    axes = (0,) + tuple(range(2, x.ndim))       # every axis but the channel axis
    shape = [1] * x.ndim
    shape[1] = x.shape[1]                        # (1, C, 1, 1): broadcasts a per-channel value
    n = x.numel() // x.shape[1]
    use_batch = training or running_mean is None
    if use_batch:
        if n <= 1:
            raise ShapeError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input shape {tuple(x.shape)}")
        mean = x.data.mean(axis=axes)
        var = x.data.var(axis=axes)
        if training and running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += momentum * var * (n / (n - 1))
    else:
        mean, var = running_mean, running_var
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype).reshape(shape)
    x_hat = (x.data - mean.reshape(shape).astype(x.dtype)) * inv_std
    gamma = np.ones(shape, dtype=x.dtype) if weight is None else weight.data.reshape(shape)
    out = x_hat * gamma
    if bias is not None:
        out += bias.data.reshape(shape)
    params = tuple(p for p in (weight, bias) if p is not None)

    def backward(g):
        grads = []
        if x.requires_grad:
            g_hat = g * gamma
            if use_batch:   # μ and σ² depend on x too
                sum_g = g_hat.sum(axis=axes, keepdims=True)
                sum_gx = (g_hat * x_hat).sum(axis=axes, keepdims=True)
                grads.append(inv_std / n * (n * g_hat - sum_g - x_hat * sum_gx))
            else:           # fixed statistics: just a per-channel scale
                grads.append(g_hat * inv_std)
        else:
            grads.append(None)
        if weight is not None:
            grads.append((g * x_hat).sum(axis=axes) if weight.requires_grad else None)
        if bias is not None:
            grads.append(g.sum(axis=axes) if bias.requires_grad else None)
        return tuple(grads)
    return Tensor._result(out, (x,) + params, "batch_norm", backward,
                          "x̂ = (x−μ)/√(σ²+ε), y = γx̂+β;  ∂L/∂x = (nĝ − Σĝ − x̂Σĝx̂)/(n√(σ²+ε))")
