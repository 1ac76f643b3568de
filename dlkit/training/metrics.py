"""Metrics: numbers that say how good predictions are, computed on numpy arrays after each epoch.

A metric is a function ``metric(outputs, targets) -> float``. ``fit`` and ``evaluate`` accept a
metric by name (``"accuracy"``, ``"binary_accuracy"``, ``"mae"``, ``"mse"``, ``"rmse"``) or any such
function (its ``__name__`` names it in the History).
"""
import numpy as np

from ..errors import DlkitError, ShapeError


class MetricError(DlkitError, ValueError):
    """An unknown metric name, or a metric that does not fit the model's outputs."""


def accuracy(outputs, targets):
    """Fraction of rows whose largest output is the target class (from logits or probabilities).

    ``outputs`` has shape (n, n_classes); ``targets`` holds class numbers (n,) or one-hot rows.
    """
    outputs, targets = np.asarray(outputs), np.asarray(targets)
    if outputs.ndim != 2 or outputs.shape[1] < 2:
        raise MetricError(
            f"accuracy: expected outputs of shape (n, n_classes) with n_classes >= 2, got {outputs.shape}; "
            "for one output per example (a sigmoid or a logit) use 'binary_accuracy'")
    if targets.ndim == 2:
        targets = targets.argmax(axis=1)  # one-hot targets
    if targets.shape != (len(outputs),):
        raise ShapeError(f"accuracy: {len(outputs)} outputs but targets of shape {targets.shape}")
    return float(np.mean(outputs.argmax(axis=1) == targets))


def binary_accuracy(outputs, targets, threshold=0.5):
    """Fraction of examples on the right side of ``threshold``: 0.5 for probabilities (after a sigmoid).

    For logits (``BCEWithLogitsLoss``) use ``threshold=0``, e.g.
    ``metrics=[lambda o, t: binary_accuracy(o, t, threshold=0)]``.
    """
    outputs, targets = np.asarray(outputs).reshape(-1), np.asarray(targets).reshape(-1)
    if outputs.shape != targets.shape:
        raise ShapeError(f"binary_accuracy: {outputs.size} outputs but {targets.size} targets")
    return float(np.mean((outputs > threshold) == (targets > 0.5)))


def _difference(name, outputs, targets):
    outputs, targets = np.asarray(outputs, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if outputs.size != targets.size:
        raise ShapeError(f"{name}: outputs of shape {outputs.shape} and targets of shape "
                         f"{targets.shape} have different sizes")
    return outputs.reshape(-1) - targets.reshape(-1)


def mae(outputs, targets):
    """Mean absolute error: mean |output − target| (regression)."""
    return float(np.mean(np.abs(_difference("mae", outputs, targets))))


def mse(outputs, targets):
    """Mean squared error: mean (output − target)²."""
    return float(np.mean(_difference("mse", outputs, targets) ** 2))


def rmse(outputs, targets):
    """Root mean squared error: √mse, in the units of the targets."""
    return float(np.sqrt(mse(outputs, targets)))


METRICS = {"accuracy": accuracy, "acc": accuracy, "binary_accuracy": binary_accuracy,
           "mae": mae, "mse": mse, "rmse": rmse}


def get_metric(metric):
    """``(name, function)`` for a metric name or a callable."""
    if isinstance(metric, str):
        if metric not in METRICS:
            raise MetricError(f"unknown metric {metric!r}; known names are {sorted(METRICS)}, "
                              "or pass a function metric(outputs, targets) -> float")
        return ("accuracy" if metric == "acc" else metric), METRICS[metric]
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    raise MetricError(f"a metric must be a name or a function, got {type(metric).__name__}")
