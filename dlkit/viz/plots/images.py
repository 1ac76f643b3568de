"""Rows of small images side by side (originals, reconstructions, samples) and 2-D codes as a scatter."""
from __future__ import annotations

import numpy as np

from ...errors import ShapeError
from .axes import as_array, new_figure


def plot_image_rows(rows, titles=None, image_shape=None, cmap="gray_r", suptitle=None):
    """One row of small images per entry of ``rows``, with the row's title on its left.

    Unlike :func:`plot_filters`, pixel values are drawn as they are on one shared [0, 1] scale, so a
    reconstruction can be compared with its original by eye (a faded digit looks faded).

    Parameters
    ----------
    rows : sequence of arrays or Tensors
        Each of shape (n, H, W), (n, 1, H, W) or (n, H·W) with ``image_shape`` given; all rows hold
        the same number of images.
    titles : sequence of str, optional
        One per row (e.g. ``["input", "autoencoder", "PCA"]``).
    image_shape : (H, W), optional
        Reshapes flat rows, e.g. ``(8, 8)`` for the digits.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_image_rows([X[:8], X_hat[:8]], ["input", "reconstruction"], image_shape=(8, 8))  # doctest: +SKIP
    """
    images = [_as_images(row, image_shape, k) for k, row in enumerate(rows)]
    count = len(images[0])
    if any(len(row) != count for row in images):
        raise ShapeError(f"plot_image_rows: every row needs the same number of images, got "
                         f"{[len(row) for row in images]}")
    titles = list(titles) if titles is not None else [""] * len(images)
    if len(titles) != len(images):
        raise ShapeError(f"plot_image_rows: got {len(titles)} titles for {len(images)} rows")
    fig, axes = new_figure(nrows=len(images), ncols=count, squeeze=False,
                           figsize=(0.75 * count + 1.2, 0.8 * len(images) + (0.4 if suptitle else 0.1)))
    for r, (row, title) in enumerate(zip(images, titles)):
        for c, image in enumerate(row):
            panel = axes[r, c]
            panel.imshow(image, cmap=cmap, vmin=0.0, vmax=1.0)
            panel.set_xticks([])
            panel.set_yticks([])
        axes[r, 0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize="medium")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _as_images(row, image_shape, k):
    array = as_array(row).astype(np.float64, copy=False)
    if image_shape is not None:
        array = array.reshape(len(array), *image_shape)
    elif array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3:
        raise ShapeError(f"plot_image_rows: row {k} has shape {as_array(row).shape}; expected (n, H, W), "
                         f"(n, 1, H, W), or (n, H·W) with image_shape=(H, W)")
    return array


def plot_codes_2d(codes, labels, ax=None, title="2-D codes", cmap="tab10"):
    """A scatter of 2-D codes (one point per sample), coloured by label, with a legend of the labels.

    Parameters
    ----------
    codes : array or Tensor of shape (n, 2)
    labels : array of n integer labels (e.g. the digit of each image)

    Returns
    -------
    matplotlib.figure.Figure
    """
    codes, labels = as_array(codes), as_array(labels).astype(int)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(codes) != len(labels):
        raise ShapeError(f"plot_codes_2d: expected codes of shape (n, 2) and n labels, got codes "
                         f"{codes.shape} and {labels.shape[0] if labels.ndim else 'no'} labels")
    fig, ax = new_figure(ax, figsize=(5.2, 4.2))
    import matplotlib
    colours = matplotlib.colormaps[cmap]
    for label in np.unique(labels):
        at = labels == label
        ax.scatter(codes[at, 0], codes[at, 1], s=8, color=colours(label % colours.N), label=str(label),
                   alpha=0.7)
    ax.legend(title="label", fontsize="small", markerscale=2, loc="center left", bbox_to_anchor=(1, 0.5))
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_title(title)
    return fig
