"""Loss functions, each one fused op with its own backward.

``reduction`` is "mean" (default), "sum" or "none" (one loss per element / sample), as in PyTorch.

* cross-entropy on logits: ``−log softmax(z)[y]``, computed with log-sum-exp (stable for logits of
  any size); its gradient is the famous ``softmax(z) − onehot(y)``;
* NLL on log-probabilities: ``−logp[y]``;
* MSE ``(x − t)²`` and L1 ``|x − t|``;
* binary cross-entropy on probabilities, with the logs clamped at −100 as PyTorch does so that
  p = 0 or 1 gives a large finite loss instead of inf;
* binary cross-entropy on logits: ``max(z, 0) − z t + log(1 + e^{−|z|})``, stable for any z, with
  gradient ``σ(z) − t``.
"""
import numpy as np

from ..errors import DataTypeError, ShapeError
from ..tensor import Tensor
from ._checks import as_tensor

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction, who):
    """Raise unless ``reduction`` is "mean", "sum" or "none"."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{who}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def reduce(loss, reduction):
    """Apply ``reduction`` to per-element losses (numpy), returning data and the backward scale."""
    if reduction == "mean":
        return np.asarray(loss.mean(), dtype=loss.dtype), 1.0 / max(loss.size, 1)
    if reduction == "sum":
        return np.asarray(loss.sum(), dtype=loss.dtype), 1.0
    return loss, None


def expand_grad(g, shape, scale):
    """The upstream gradient of a reduced loss, spread back to every element's position."""
    if scale is None:       # reduction="none": g already has the per-element shape
        return g
    return np.broadcast_to(g * scale, shape)


# -- class-label losses ----------------------------------------------------------------------------
def check_class_target(who, scores, target):
    """Validate integer class labels for (N, C) scores; returns them as an int64 numpy array.

    ``target`` may be a numpy array, a list or a Tensor of integers in ``[0, C)``, one per row.
    """
    if scores.ndim != 2:
        raise ShapeError(f"{who}: expected scores of shape (N, C) (a row of C class scores per "
                         f"sample), got shape {tuple(scores.shape)}")
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if labels.dtype.kind not in "iu":
        raise DataTypeError(
            f"{who}: class labels must be integers, got dtype {labels.dtype}; labels are class "
            "indices in [0, C), e.g. y.astype(np.int64) (for 0/1 targets of a single output "
            "unit use binary_cross_entropy_with_logits)")
    if labels.ndim != 1 or labels.shape[0] != scores.shape[0]:
        raise ShapeError(f"{who}: expected one label per sample, i.e. labels of shape "
                         f"({scores.shape[0]},), got shape {labels.shape} for scores of shape "
                         f"{tuple(scores.shape)}")
    n_classes = scores.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        bad = labels[(labels < 0) | (labels >= n_classes)]
        raise ValueError(f"{who}: class labels must lie in [0, {n_classes}) for {n_classes} "
                         f"classes, got {bad[:5].tolist()} (min {labels.min()}, max {labels.max()})")
    return labels.astype(np.int64, copy=False)


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy of (N, C) ``logits`` against integer labels ``target`` (N,).

    Examples
    --------
    >>> z = dlkit.Tensor([[2.0, 0.0, 0.0]], requires_grad=True)
    >>> loss = dlkit.functional.cross_entropy(z, [0])
    >>> round(loss.item(), 4)       # −log(e² / (e² + 2))
    0.2395
    """
    logits = as_tensor(logits, "cross_entropy")
    check_reduction(reduction, "cross_entropy")
    labels = check_class_target("cross_entropy", logits, target)
    rows = np.arange(logits.shape[0])
    shifted = logits.data - logits.data.max(axis=1, keepdims=True)
    log_sum_exp = np.log(np.exp(shifted).sum(axis=1))
    per_sample = log_sum_exp - shifted[rows, labels]
    out, scale = reduce(per_sample, reduction)

    def backward(g):
        grad = np.exp(shifted - log_sum_exp[:, None])  # softmax(z)
        grad[rows, labels] -= 1
        return (grad * expand_grad(g, per_sample.shape, scale)[:, None],)
    return Tensor._result(out, (logits,), "cross_entropy", backward,
                          "∂CE/∂z = softmax(z) − onehot(y)")


def nll_loss(log_probs, target, reduction="mean"):
    """Negative log-likelihood ``−log_probs[i, target[i]]`` (use after ``log_softmax``)."""
    log_probs = as_tensor(log_probs, "nll_loss")
    check_reduction(reduction, "nll_loss")
    labels = check_class_target("nll_loss", log_probs, target)
    rows = np.arange(log_probs.shape[0])
    per_sample = -log_probs.data[rows, labels]
    out, scale = reduce(per_sample, reduction)

    def backward(g):
        grad = np.zeros_like(log_probs.data)
        grad[rows, labels] = -expand_grad(g, per_sample.shape, scale)
        return (grad,)
    return Tensor._result(out, (log_probs,), "nll_loss", backward,
                          "∂NLL/∂logp = −onehot(y)")


# -- regression and binary losses ------------------------------------------------------------------
def check_same_shape(who, input, target):
    """Both as Tensors, after checking their shapes are equal (no silent broadcasting)."""
    input, target = as_tensor(input, who), as_tensor(target, who)
    if input.shape != target.shape:
        raise ShapeError(f"{who}: input shape {tuple(input.shape)} and target shape "
                         f"{tuple(target.shape)} differ; they must be equal (broadcasting here "
                         "silently compares every prediction with every target — reshape one, "
                         "e.g. target.reshape(-1, 1))")
    return input, target


def _elementwise_loss(who, input, target, reduction, loss_fn, grads_fn, rule):
    """Shared plumbing: per-element ``loss_fn(x, t)``, reduced; ``grads_fn`` gives ∂/∂x and ∂/∂t."""
    check_reduction(reduction, who)
    input, target = check_same_shape(who, input, target)
    per_element = loss_fn(input.data, target.data)
    out, scale = reduce(per_element, reduction)

    def backward(g):
        g = expand_grad(g, per_element.shape, scale)
        grad_x, grad_t = grads_fn(input.data, target.data)
        return (g * grad_x if input.requires_grad else None,
                g * grad_t if target.requires_grad else None)
    return Tensor._result(out, (input, target), who, backward, rule)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error ``(input − target)²``."""
    return _elementwise_loss("mse_loss", input, target, reduction,
                             lambda x, t: (x - t) ** 2,
                             lambda x, t: (2 * (x - t), -2 * (x - t)),
                             "∂(x−t)²/∂x = 2(x−t)")


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error ``|input − target|``."""
    return _elementwise_loss("l1_loss", input, target, reduction,
                             lambda x, t: np.abs(x - t),
                             lambda x, t: (np.sign(x - t), -np.sign(x - t)),
                             "∂|x−t|/∂x = sign(x−t)")


def _check_probabilities(p):
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got values "
                         f"in [{p.min():.4g}, {p.max():.4g}]; for raw scores (logits) use "
                         "binary_cross_entropy_with_logits")


def _clamped_logs(p):
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)


def binary_cross_entropy(input, target, reduction="mean"):
    """``−(t log p + (1 − t) log(1 − p))`` for probabilities ``p``; logs clamped at −100."""
    input, target = check_same_shape("binary_cross_entropy", input, target)
    _check_probabilities(input.data)

    def loss(p, t):
        log_p, log_1mp = _clamped_logs(p)
        return -(t * log_p + (1 - t) * log_1mp)

    def grads(p, t):
        log_p, log_1mp = _clamped_logs(p)
        # PyTorch's guard: the denominator p(1 − p) never goes below 1e-12.
        return (p - t) / np.maximum(p * (1 - p), 1e-12), log_1mp - log_p
    return _elementwise_loss("binary_cross_entropy", input, target, reduction, loss, grads,
                             "∂BCE/∂p = (p − t) / (p(1 − p))")


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """Binary cross-entropy on logits ``z`` (sigmoid built in), stable for any size of z."""
    def loss(z, t):
        return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))

    def grads(z, t):
        return 0.5 * (np.tanh(0.5 * z) + 1) - t, -z     # σ(z) − t, written via tanh
    return _elementwise_loss("binary_cross_entropy_with_logits", input, target, reduction,
                             loss, grads, "∂BCE/∂z = σ(z) − t")
