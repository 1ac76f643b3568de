"""Normalisation: standardise, then scale and shift — batch norm, layer norm and group norm.

They differ only in which values share a mean and variance: batch norm a channel across the batch,
layer norm one sample's features, group norm a group of one sample's channels.

Batch norm:

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


def _standardize(data, axes, eps):
    """``x̂ = (x − μ) / √(σ² + ε)`` over ``axes``, and the backward of that map:
    ``ĝ -> (n ĝ − Σĝ − x̂ Σ ĝx̂) / (n √(σ² + ε))`` over the same axes."""
    centred = data - data.mean(axis=axes, keepdims=True)
    var = (centred * centred).mean(axis=axes, keepdims=True)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(data.dtype, copy=False)
    x_hat = centred * inv_std
    n = int(np.prod([data.shape[a] for a in axes]))

    def backward(g_hat):
        sum_g = g_hat.sum(axis=axes, keepdims=True)
        sum_gx = (g_hat * x_hat).sum(axis=axes, keepdims=True)
        return inv_std / n * (n * g_hat - sum_g - x_hat * sum_gx)
    return x_hat, backward


def _affine_op(x, x_hat, standardize_backward, weight, bias, affine_shape, op, rule):
    """``y = γ x̂ + β`` as one op whose backward also runs the standardisation's backward."""
    gamma = None if weight is None else weight.data.reshape(affine_shape)
    out = x_hat * gamma if gamma is not None else x_hat.copy()
    if bias is not None:
        out += bias.data.reshape(affine_shape)
    params = tuple(p for p in (weight, bias) if p is not None)
    # γ and β are broadcast over the axes where affine_shape is 1: their gradients sum over them
    reduce_axes = tuple(i for i, size in enumerate(affine_shape) if size == 1)

    def backward(g):
        grads = [standardize_backward(g * gamma if gamma is not None else g)
                 if x.requires_grad else None]
        if weight is not None:
            grads.append((g * x_hat).sum(axis=reduce_axes).reshape(weight.shape)
                         if weight.requires_grad else None)
        if bias is not None:
            grads.append(g.sum(axis=reduce_axes).reshape(bias.shape) if bias.requires_grad else None)
        return tuple(grads)
    return Tensor._result(out, (x,) + params, op, backward, rule)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Standardise each sample over its last ``len(normalized_shape)`` axes, then ``γ x̂ + β``.

    Unlike batch norm the statistics come from one sample alone, so training and evaluation behave
    the same and the batch size does not matter (the norm of transformers).

    Parameters
    ----------
    input : Tensor whose trailing shape equals ``normalized_shape``
    normalized_shape : int or tuple of ints
    weight, bias : Tensors of shape ``normalized_shape`` or None (γ and β)
    """
    who = "layer_norm"
    x = as_tensor(input, who)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if len(shape) == 0 or tuple(x.shape[x.ndim - len(shape):]) != shape or x.ndim < len(shape):
        raise ShapeError(f"{who}: expected an input whose last dimensions are normalized_shape "
                         f"{shape}, got shape {tuple(x.shape)}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    x_hat, backward = _standardize(x.data, axes, eps)
    affine_shape = (1,) * (x.ndim - len(shape)) + shape
    return _affine_op(x, x_hat, backward, weight, bias, affine_shape, who,
                      "x̂ = (x−μ)/√(σ²+ε) per sample, y = γx̂+β;  ∂L/∂x = (nĝ − Σĝ − x̂Σĝx̂)/(n√(σ²+ε))")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels of (N, C, ...) into ``num_groups`` groups and standardise each group of
    each sample (over its channels and positions), then a per-channel ``γ x̂ + β``.

    ``num_groups = 1`` is layer norm over (C, H, W); ``num_groups = C`` is instance norm.
    """
    who = "group_norm"
    x = as_tensor(input, who)
    if x.ndim < 2:
        raise ShapeError(f"{who}: expected input (N, C, ...) with at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    n, c = x.shape[:2]
    if num_groups < 1 or c % num_groups:
        raise ShapeError(f"{who}: {c} channels (input shape {tuple(x.shape)}) cannot be split into "
                         f"num_groups={num_groups} equal groups")
    grouped = x.data.reshape(n, num_groups, -1)
    x_hat, grouped_backward = _standardize(grouped, (2,), eps)

    def backward(g_hat):
        return grouped_backward(g_hat.reshape(grouped.shape)).reshape(x.shape)
    affine_shape = (1, c) + (1,) * (x.ndim - 2)
    return _affine_op(x, x_hat.reshape(x.shape), backward, weight, bias, affine_shape, who,
                      "x̂ = (x−μ)/√(σ²+ε) per group, y = γx̂+β;  ∂L/∂x = (nĝ − Σĝ − x̂Σĝx̂)/(n√(σ²+ε))")
