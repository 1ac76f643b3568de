"""Decision boundaries of a 2-D classifier: colour the plane by the class the model predicts."""
from __future__ import annotations

import numpy as np

from ...errors import ShapeError
from ...tensor import Tensor, no_grad
from .axes import as_array, new_figure


def predict_classes(model, points):
    """Class of each 2-D point: argmax of several outputs, or a threshold on a single one.

    A single output is read as a probability (threshold 0.5) when all its values lie in [0, 1], and
    as a logit (threshold 0) otherwise.
    """
    with no_grad():
        out = as_array(model(Tensor(points)))
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    out = out.reshape(len(points))
    threshold = 0.5 if out.min() >= 0 and out.max() <= 1 else 0.0
    return (out > threshold).astype(int)


def plot_decision_boundary(model, X, y, ax=None, resolution=200, padding=0.5, cmap="coolwarm"):
    """The regions a 2-D classifier assigns to each class, with the data points on top.

    Parameters
    ----------
    model : callable
        A dlkit Module (or any function) mapping an (n, 2) Tensor to logits/probabilities.
    X : array of shape (n, 2)
    y : array of shape (n,)
        Integer class labels.
    resolution : int
        Grid points per axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X, y = as_array(X), as_array(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(f"plot_decision_boundary: expected X of shape (n_samples, 2), got {X.shape}")
    if len(y) != len(X):
        raise ShapeError(f"plot_decision_boundary: X has {len(X)} rows but y has {len(y)} labels")
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float64)
    classes = predict_classes(model, grid).reshape(xx.shape)
    n_classes = int(max(classes.max(), y.max())) + 1
    fig, ax = new_figure(ax)
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(xx, yy, classes, levels=levels, cmap=cmap, alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=0, vmax=max(n_classes - 1, 1),
               edgecolors="k", linewidths=0.4, s=18)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_title("decision boundary")
    return fig
