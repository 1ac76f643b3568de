"""Convolution filters and the feature maps they produce, as grids of small images."""
from __future__ import annotations

import numpy as np

from ...errors import ShapeError
from ...tensor import Tensor, no_grad
from .axes import as_array, grid_shape, new_figure


def _image_grid(images, titles, ax, cmap, max_cols, suptitle):
    """One small image per panel; with the caller's ``ax``, a single tiled mosaic."""
    if ax is not None:
        ax.imshow(_mosaic(images, max_cols), cmap=cmap)
        ax.set_axis_off()
        ax.set_title(suptitle)
        return ax.figure
    rows, cols = grid_shape(len(images), max_cols)
    # At most 8 inches wide (800 px at 100 dpi), so a notebook 820 px wide shows it unscaled and the
    # 10-point panel titles stay about 14 px tall.
    panel = min(1.3, 7.6 / cols)
    fig, axes = new_figure(nrows=rows, ncols=cols, figsize=(panel * cols + 0.4, panel * rows + 0.5),
                           squeeze=False)
    for panel_ax, image, title in zip(axes.ravel(), images, titles):
        panel_ax.imshow(image, cmap=cmap)
        panel_ax.set_title(title, fontsize=10)
    for panel in axes.ravel():
        panel.set_axis_off()
    fig.suptitle(suptitle)
    return fig


def _mosaic(images, max_cols, gap=1):
    """Tile same-size images into one array, each scaled to [0, 1], with a gap between them."""
    rows, cols = grid_shape(len(images), max_cols)
    h, w = images[0].shape
    canvas = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for k, image in enumerate(images):
        r, c = divmod(k, cols)
        span = image.max() - image.min()
        canvas[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = (
            (image - image.min()) / span if span else 0.5)
    return canvas


def plot_filters(conv_layer_or_array, ax=None, max_filters=64, cmap="gray"):
    """The kernels of a convolution layer: one small image per (output, input) channel pair.

    Parameters
    ----------
    conv_layer_or_array : Conv2d or array
        A layer with a ``.weight`` of shape (out_channels, in_channels, kh, kw), or such an array
        (also (out, kh, kw) or (kh, kw)).
    max_filters : int
        Show at most this many kernels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    weight = as_array(getattr(conv_layer_or_array, "weight", conv_layer_or_array))
    if weight.ndim == 2:
        weight = weight[None, None]
    elif weight.ndim == 3:
        weight = weight[:, None]
    if weight.ndim != 4:
        raise ShapeError(f"plot_filters: expected weights of shape (out_channels, in_channels, kh, kw), "
                         f"got {weight.shape}")
    out_channels, in_channels = weight.shape[:2]
    pairs = [(o, i) for o in range(out_channels) for i in range(in_channels)][:max_filters]
    images = [weight[o, i] for o, i in pairs]
    titles = [f"{o}" if in_channels == 1 else f"{o}·{i}" for o, i in pairs]
    cols = in_channels if 1 < in_channels <= 8 else 8
    return _image_grid(images, titles, ax, cmap, cols, f"filters {format_count(weight)}")


def format_count(weight):
    out_channels, in_channels, kh, kw = weight.shape
    return f"({out_channels} out × {in_channels} in, {kh}×{kw})"


def plot_feature_maps(model_or_layer, x, ax=None, max_maps=32, cmap="viridis"):
    """What a conv layer (or model) outputs for one image: one small image per channel.

    Parameters
    ----------
    model_or_layer : callable
        Maps a (1, C, H, W) Tensor to a (1, C', H', W') Tensor.
    x : array or Tensor
        One image: (H, W), (C, H, W) or (1, C, H, W).

    Returns
    -------
    matplotlib.figure.Figure
    """
    image = as_array(x).astype(np.float64, copy=False)
    if image.ndim == 2:
        image = image[None, None]
    elif image.ndim == 3:
        image = image[None]
    if image.ndim != 4 or image.shape[0] != 1:
        raise ShapeError(f"plot_feature_maps: expected one image of shape (H, W), (C, H, W) or "
                         f"(1, C, H, W), got {as_array(x).shape}")
    with no_grad():
        maps = as_array(model_or_layer(Tensor(image)))
    if maps.ndim != 4:
        raise ShapeError(f"plot_feature_maps: expected the layer to output (1, C, H, W) feature maps, "
                         f"got shape {maps.shape}; pass the convolutional part of the model")
    channels = min(maps.shape[1], max_maps)
    images = [maps[0, c] for c in range(channels)]
    return _image_grid(images, [str(c) for c in range(channels)], ax, cmap, 8,
                       f"feature maps ({maps.shape[1]} channels, {maps.shape[2]}×{maps.shape[3]})")
