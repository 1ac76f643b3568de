"""Error analysis: where a classifier goes wrong (a confusion matrix) and on what (a grid of images)."""
from __future__ import annotations

import numpy as np

from ..arguments import VizArgumentError
from .axes import as_array, grid_shape, new_figure


def _labels(values, what, num_classes):
    labels = as_array(values)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise VizArgumentError(f"plot_confusion_matrix: {what} must be a 1-D array of integer class labels, "
                               f"got shape {labels.shape} and dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise VizArgumentError(f"plot_confusion_matrix: {what} holds labels in [{labels.min()}, {labels.max()}],"
                               f" expected 0..{num_classes - 1} (num_classes={num_classes})")
    return labels


def plot_confusion_matrix(y_true, y_pred, num_classes=None, ax=None, class_names=None, cmap="Blues"):
    """Counts of (true class, predicted class) pairs: rows are the truth, columns the prediction.

    The diagonal holds the right answers; a large off-diagonal cell (row 4, column 9) says "fours are
    often taken for nines". Each cell shows its count.

    Parameters
    ----------
    y_true, y_pred : 1-D integer arrays (or Tensors) of the same length
    num_classes : int, optional
        Default: one more than the largest label seen.
    ax : matplotlib Axes, optional
    class_names : list of str, optional
        Tick labels (default: 0, 1, ...).

    Returns
    -------
    matplotlib.figure.Figure
        The counts are on the image: ``fig.axes[0].images[0].get_array()``.
    """
    if num_classes is None:
        num_classes = int(max(np.max(as_array(y_true), initial=0), np.max(as_array(y_pred), initial=0))) + 1
    y_true = _labels(y_true, "y_true", num_classes)
    y_pred = _labels(y_pred, "y_pred", num_classes)
    if y_true.shape != y_pred.shape:
        raise VizArgumentError(f"plot_confusion_matrix: y_true has shape {y_true.shape} but y_pred has "
                               f"shape {y_pred.shape}; expected one prediction per example")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)      # add.at: repeated (true, pred) pairs all count
    fig, ax = new_figure(ax, figsize=(4.6, 4.2))
    ax.imshow(counts, cmap=cmap)
    names = class_names or [str(k) for k in range(num_classes)]
    ax.set_xticks(range(num_classes), names)
    ax.set_yticks(range(num_classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    dark = counts.max() / 2 if counts.size else 0
    for (row, col), count in np.ndenumerate(counts):
        if count:
            ax.text(col, row, str(count), ha="center", va="center", fontsize=9,
                    color="white" if count > dark else "black")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"confusion matrix (accuracy {accuracy:.1%})")
    return fig


def plot_image_grid(images, titles=None, ax=None, max_cols=8, cmap="gray_r", suptitle=None):
    """Small images in a grid, each with an optional title (e.g. "true 4, said 9 (p=0.02)").

    Parameters
    ----------
    images : array of shape (n, H, W) or (n, 1, H, W)
    titles : list of n str, optional
    ax : matplotlib Axes, optional
        Not supported (a grid needs its own axes); raises when given.
    max_cols : int, default 8
    cmap : str, default "gray_r" (ink dark on white)
    suptitle : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = as_array(images)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3 or len(images) == 0:
        raise VizArgumentError(f"plot_image_grid: expected images of shape (n, H, W) or (n, 1, H, W) with "
                               f"n >= 1, got shape {images.shape}")
    if ax is not None:
        raise VizArgumentError("plot_image_grid: draws its own grid of axes; call it without ax=")
    titles = list(titles) if titles is not None else [""] * len(images)
    if len(titles) != len(images):
        raise VizArgumentError(f"plot_image_grid: got {len(images)} images but {len(titles)} titles")
    rows, cols = grid_shape(len(images), max_cols)
    fig, axes = new_figure(nrows=rows, ncols=cols, figsize=(1.25 * cols + 0.3, 1.45 * rows + 0.4),
                           squeeze=False)
    for panel, image, title in zip(axes.ravel(), images, titles):
        panel.imshow(image, cmap=cmap)
        panel.set_title(title, fontsize=9)
    for panel in axes.ravel():
        panel.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle)
    return fig
