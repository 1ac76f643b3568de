"""Loss functions, each one fused op with its own backward.

``reduction`` is "mean" (default), "sum" or "none" (one loss per element / sample), as in PyTorch.

* cross-entropy on logits ``z`` (class axis 1: (N, C) or (N, C, d1, …), or unbatched (C,)):
  ``−Σ_c a_c log softmax(z)_c`` where the coefficients ``a`` are the (weighted, smoothed) target — the
  one-hot label ``w_y·onehot(y)``, with ``label_smoothing`` ε mixed as ``(1 − ε)·w_y·onehot(y) + ε·w/C``,
  or given class probabilities. It is computed with log-sum-exp (stable for logits of any size) and
  its gradient is ``softmax(z)·Σa − a`` — the famous ``softmax(z) − onehot(y)`` in the plain case.
  "mean" divides by the summed weights of the labels that count (``ignore_index`` labels do not);
* NLL on log-probabilities: ``−w_y·logp[y]``, with the same weights, ignore_index and mean;
* MSE ``(x − t)²``, L1 ``|x − t|``, Huber and smooth L1 (quadratic near 0, linear further out);
* binary cross-entropy on probabilities, with the logs clamped at −100 as PyTorch does so that
  p = 0 or 1 gives a large finite loss instead of inf;
* binary cross-entropy on logits: ``w·[p_w·t·softplus(−z) + (1 − t)·softplus(z)]``, stable for any
  z, with gradient ``w·[(p_w·t + 1 − t)·σ(z) − p_w·t]`` (``σ(z) − t`` when the weights are 1);
* KL divergence ``t·(log t − x)`` for log-probabilities ``x`` (``'batchmean'``: sum / batch size).
"""
import numpy as np

from ..errors import ArgumentError, DataTypeError, ShapeError
from ..tensor import Tensor
from ._checks import as_tensor, check_number

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction, who, batchmean=False):
    """Raise unless ``reduction`` is "mean", "sum" or "none" (or "batchmean" for KL divergence)."""
    allowed = REDUCTIONS + (("batchmean",) if batchmean else ())
    if reduction not in allowed:
        raise ArgumentError(f"{who}: reduction must be one of {allowed}, got {reduction!r}")


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
def _class_layout(who, scores):
    """Check the scores' shape: (N, C), (N, C, d1, …) or unbatched (C,)."""
    if scores.ndim < 1:
        raise ShapeError(f"{who}: expected scores of shape (N, C) (a row of C class scores per "
                         f"sample), (N, C, d1, ...) or (C,), got shape {tuple(scores.shape)}")


def check_class_target(who, scores, target, ignore_index=-100):
    """Validate integer class labels for scores of shape (N, C, ...); returns an int64 numpy array.

    ``target`` may be a numpy array, a list or a Tensor of integers in ``[0, C)`` (or equal to
    ``ignore_index``), of shape (N, d1, …): the scores' shape without the class axis.
    """
    _class_layout(who, scores)
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if labels.dtype.kind not in "iu":
        raise DataTypeError(
            f"{who}: class labels must be integers, got dtype {labels.dtype}; labels are class "
            "indices in [0, C), e.g. y.astype(np.int64) (for class probabilities pass a float "
            "target of the scores' shape; for 0/1 targets of a single output unit use "
            "binary_cross_entropy_with_logits)")
    expected = tuple(scores.shape[:1] + scores.shape[2:]) if scores.ndim > 1 else ()
    if labels.shape != expected:
        what = "one label per sample" if scores.ndim == 2 else "one label per position"
        raise ShapeError(f"{who}: expected {what}, i.e. labels of shape {expected}, got shape "
                         f"{labels.shape} for scores of shape {tuple(scores.shape)}")
    n_classes = scores.shape[1] if scores.ndim > 1 else scores.shape[0]
    bad = labels[((labels < 0) | (labels >= n_classes)) & (labels != ignore_index)]
    if bad.size:
        raise ArgumentError(f"{who}: class labels must lie in [0, {n_classes}) for {n_classes} "
                            f"classes (or equal ignore_index={ignore_index}), got "
                            f"{bad[:5].tolist()} (min {labels.min()}, max {labels.max()})")
    return labels.astype(np.int64, copy=False)


def _class_weight(who, weight, n_classes, dtype):
    if weight is None:
        return np.ones(n_classes, dtype=dtype)
    weight = weight.data if isinstance(weight, Tensor) else np.asarray(weight, dtype=dtype)
    if weight.shape != (n_classes,):
        raise ShapeError(f"{who}: weight must have one entry per class, shape ({n_classes},), got "
                         f"{tuple(weight.shape)}")
    return weight.astype(dtype, copy=False)


def _rows(a):
    """(N, C, d1, …) -> (N·d1·…, C): one row of class scores per position (a view when possible)."""
    return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])


def _unrows(rows, shape):
    """Undo :func:`_rows` for an array of the scores' ``shape``."""
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return np.moveaxis(rows.reshape(moved), -1, 1)


def _target_coefficients(who, scores, target, weight, ignore_index, label_smoothing):
    """The coefficients ``a`` (one row per position) with loss = −Σ_c a_c logp_c, the per-position
    output shape, and the divisor of "mean"."""
    n_classes = scores.shape[1]
    w = _class_weight(who, weight, n_classes, scores.dtype)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind == "f" and t.shape == scores.shape:     # class probabilities, one row each
        t = _rows(t.astype(scores.dtype, copy=False))
        if label_smoothing:
            t = t * (1 - label_smoothing) + label_smoothing / n_classes
        return t * w, t.shape[0]
    labels = check_class_target(who, scores, target, ignore_index).reshape(-1)
    counted = labels != ignore_index
    safe = np.where(counted, labels, 0)
    coeffs = np.zeros((labels.size, n_classes), dtype=scores.dtype)
    coeffs[np.arange(labels.size), safe] = w[safe] * (1 - label_smoothing)
    if label_smoothing:
        coeffs += w * (label_smoothing / n_classes)
    coeffs[~counted] = 0
    return coeffs, w[safe][counted].sum()


def _class_loss(who, scores, target, weight, ignore_index, reduction, label_smoothing, logits):
    """Shared by cross_entropy (``logits``: softmax built in) and nll_loss (log-probabilities)."""
    scores = as_tensor(scores, who)
    check_reduction(reduction, who)
    check_number(label_smoothing, who, "label_smoothing", 0.0, 1.0)
    _class_layout(who, scores)
    unbatched = scores.ndim == 1
    data = scores.data[None] if unbatched else scores.data
    if unbatched:
        target = np.asarray(target.data if isinstance(target, Tensor) else target)
        if target.shape not in ((), scores.shape):
            raise ShapeError(f"{who}: for unbatched scores of shape {tuple(scores.shape)} expected a "
                             f"single label, i.e. labels of shape (), got shape {target.shape}")
        target = target[None]
    coeffs, divisor = _target_coefficients(who, data, target, weight, ignore_index, label_smoothing)
    z = _rows(data)
    if logits:
        shifted = z - z.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_probs = shifted - log_sum_exp
    else:
        log_probs = z
    per_position = -(coeffs * log_probs).sum(axis=1)
    out_shape = (data.shape[0],) + data.shape[2:]
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):   # every label ignored: NaN, as PyTorch
            out = np.asarray(per_position.sum() / divisor, dtype=data.dtype)
    elif reduction == "sum":
        out = np.asarray(per_position.sum(), dtype=data.dtype)
    else:
        out = per_position.reshape(() if unbatched else out_shape)

    def backward(g):
        g = np.asarray(g)
        if reduction == "none":
            g_rows = g.reshape(-1, 1)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                g_rows = g / divisor if reduction == "mean" else g
        grad = -coeffs * g_rows
        if logits:   # softmax(z)·Σa − a, scaled by the upstream gradient
            grad += np.exp(log_probs) * (coeffs.sum(axis=1, keepdims=True) * g_rows)
        grad = _unrows(grad, data.shape)
        return (grad[0] if unbatched else grad,)
    rule = "∂CE/∂z = softmax(z)·Σa − a  (a = onehot(y) when unweighted)" if logits else \
        "∂NLL/∂logp = −w_y·onehot(y)"
    return Tensor._result(out, (scores,), who, backward, rule)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits against class labels or class probabilities.

    Parameters
    ----------
    input : Tensor of shape (N, C), (N, C, d1, ...) or (C,) — raw scores (logits).
    target : integer labels of shape (N,), (N, d1, ...) or () (a numpy array, list or Tensor), or
        float class probabilities of the input's shape.
    weight : array of shape (C,), optional — a weight per class.
    ignore_index : int — labels equal to it add nothing (and do not count in the mean).
    reduction : "mean" (divided by the summed weights of the counted labels), "sum" or "none".
    label_smoothing : float in [0, 1] — mix the target with the uniform distribution.
    size_average, reduce : PyTorch's deprecated arguments; leave them as None.

    Examples
    --------
    >>> z = dlkit.Tensor([[2.0, 0.0, 0.0]], requires_grad=True)
    >>> loss = dlkit.functional.cross_entropy(z, [0])
    >>> round(loss.item(), 4)       # −log(e² / (e² + 2))
    0.2395
    """
    _no_legacy("cross_entropy", size_average, reduce)
    return _class_loss("cross_entropy", input, target, weight, ignore_index, reduction,
                       label_smoothing, logits=True)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood ``−weight[y]·input[i, y]`` (use after ``log_softmax``); the same
    shapes, ``weight``, ``ignore_index`` and ``reduction`` as :func:`cross_entropy`."""
    _no_legacy("nll_loss", size_average, reduce)
    if isinstance(target, Tensor | np.ndarray) and np.asarray(target).dtype.kind == "f":
        raise DataTypeError("nll_loss: class labels must be integers, got dtype "
                            f"{np.asarray(target).dtype} (class-probability targets are for "
                            "cross_entropy)")
    return _class_loss("nll_loss", input, target, weight, ignore_index, reduction, 0.0,
                       logits=False)


def _no_legacy(who, size_average, reduce):
    if size_average is not None or reduce is not None:
        raise ArgumentError(f"{who}: size_average and reduce are deprecated in PyTorch and not "
                            "supported; use reduction='mean', 'sum' or 'none'")


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
    check_reduction(reduction, who, batchmean=who == "kl_div")
    input, target = check_same_shape(who, input, target)
    per_element = loss_fn(input.data, target.data)
    if reduction == "batchmean":     # KL divergence per sample: sum / batch size
        scale = 1.0 / (input.shape[0] if input.ndim else 1)
        out = np.asarray(per_element.sum() * scale, dtype=per_element.dtype)
    else:
        out, scale = reduce(per_element, reduction)

    def backward(g):
        g = expand_grad(g, per_element.shape, scale)
        grad_x, grad_t = grads_fn(input.data, target.data)
        return (g * grad_x if input.requires_grad else None,
                g * grad_t if target.requires_grad else None)
    return Tensor._result(out, (input, target), who, backward, rule)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error ``(input − target)²``."""
    _no_legacy("mse_loss", size_average, reduce)
    return _elementwise_loss("mse_loss", input, target, reduction,
                             lambda x, t: (x - t) ** 2,
                             lambda x, t: (2 * (x - t), -2 * (x - t)),
                             "∂(x−t)²/∂x = 2(x−t)")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error ``|input − target|``."""
    _no_legacy("l1_loss", size_average, reduce)
    return _elementwise_loss("l1_loss", input, target, reduction,
                             lambda x, t: np.abs(x - t),
                             lambda x, t: (np.sign(x - t), -np.sign(x - t)),
                             "∂|x−t|/∂x = sign(x−t)")


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber loss: ``½d²`` for ``|d| ≤ δ``, else ``δ(|d| − ½δ)`` (d = input − target): quadratic near
    the target, linear (robust to outliers) further out."""
    delta = check_number(delta, "huber_loss", "delta", 0.0, None, low_open=True)

    def loss(x, t):
        d = np.abs(x - t)
        return np.where(d <= delta, 0.5 * d * d, delta * (d - 0.5 * delta))

    def grads(x, t):
        g = np.clip(x - t, -delta, delta)
        return g, -g
    return _elementwise_loss("huber_loss", input, target, reduction, loss, grads,
                             "∂huber/∂x = clip(x − t, −δ, δ)")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1: ``½d²/β`` for ``|d| < β``, else ``|d| − ½β`` (Huber divided by β; β = 0 is L1)."""
    _no_legacy("smooth_l1_loss", size_average, reduce)
    beta = check_number(beta, "smooth_l1_loss", "beta", 0.0, None)

    def loss(x, t):
        d = np.abs(x - t)
        if beta == 0:
            return d
        return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)

    def grads(x, t):
        d = x - t
        g = np.sign(d) if beta == 0 else np.where(np.abs(d) < beta, d / beta, np.sign(d))
        return g, -g
    return _elementwise_loss("smooth_l1_loss", input, target, reduction, loss, grads,
                             "∂smoothL1/∂x = d/β inside |d| < β, sign(d) outside")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence ``Σ t·(log t − x)`` for log-probabilities ``input`` and probabilities ``target``
    (log-probabilities when ``log_target``). Use ``reduction='batchmean'`` for the true KL per
    sample; 'mean' divides by the number of elements, as PyTorch does."""
    _no_legacy("kl_div", size_average, reduce)

    def loss(x, t):
        if log_target:
            return np.exp(t) * (t - x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t > 0, t * np.log(np.where(t > 0, t, 1)), 0.0) - t * x

    def grads(x, t):
        if log_target:
            return -np.exp(t), np.exp(t) * (t - x + 1)
        with np.errstate(divide="ignore"):
            return -t, np.log(t) + 1 - x
    return _elementwise_loss("kl_div", input, target, reduction, loss, grads,
                             "∂KL/∂x = −t")


def _check_probabilities(p):
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ArgumentError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got "
                            f"values in [{p.min():.4g}, {p.max():.4g}]; for raw scores (logits) use "
                            "binary_cross_entropy_with_logits")


def _clamped_logs(p):
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)


def _broadcast_weight(who, what, weight, shape, dtype):
    """``weight`` as an array that broadcasts to ``shape`` (1 when None)."""
    if weight is None:
        return np.ones((), dtype=dtype)
    weight = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=dtype)
    try:
        np.broadcast_shapes(weight.shape, shape)
    except ValueError:
        raise ShapeError(f"{who}: {what} of shape {weight.shape} does not broadcast to the input "
                         f"shape {tuple(shape)}") from None
    return weight


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``−w·(t log p + (1 − t) log(1 − p))`` for probabilities ``p``; logs clamped at −100."""
    who = "binary_cross_entropy"
    _no_legacy(who, size_average, reduce)
    input, target = check_same_shape(who, input, target)
    _check_probabilities(input.data)
    w = _broadcast_weight(who, "weight", weight, input.shape, input.dtype)

    def loss(p, t):
        log_p, log_1mp = _clamped_logs(p)
        return -w * (t * log_p + (1 - t) * log_1mp)

    def grads(p, t):
        log_p, log_1mp = _clamped_logs(p)
        # PyTorch's guard: the denominator p(1 − p) never goes below 1e-12.
        return w * (p - t) / np.maximum(p * (1 - p), 1e-12), w * (log_1mp - log_p)
    return _elementwise_loss(who, input, target, reduction, loss, grads,
                             "∂BCE/∂p = (p − t) / (p(1 − p))")


def _softplus(z):
    """``log(1 + e^z)``, stable for any z."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross-entropy on logits ``z`` (sigmoid built in), stable for any size of z.

    ``weight`` scales each element's loss; ``pos_weight`` (one per class, broadcast along the last
    axis) scales the positive term: > 1 favours recall on a rare positive class.
    """
    who = "binary_cross_entropy_with_logits"
    _no_legacy(who, size_average, reduce)
    input, target = check_same_shape(who, input, target)
    w = _broadcast_weight(who, "weight", weight, input.shape, input.dtype)
    pw = _broadcast_weight(who, "pos_weight", pos_weight, input.shape, input.dtype)

    def loss(z, t):
        return w * (pw * t * _softplus(-z) + (1 - t) * _softplus(z))

    def grads(z, t):
        sigma = 0.5 * (np.tanh(0.5 * z) + 1)               # σ(z), written via tanh (no overflow)
        return w * ((pw * t + 1 - t) * sigma - pw * t), w * (pw * _softplus(-z) - _softplus(z))
    return _elementwise_loss(who, input, target, reduction, loss, grads, "∂BCE/∂z = σ(z) − t")
