"""Where a plot draws: a fresh figure, or an axes the caller gave."""
from __future__ import annotations

import numpy as np


def new_figure(ax=None, nrows=1, ncols=1, figsize=None, squeeze=True):
    """``(figure, axes)``: the caller's ``ax`` and its figure, or a new pyplot-free figure.

    A figure built with ``matplotlib.figure.Figure`` (not ``pyplot``) is not shown a second time at
    the end of a notebook cell and is never left open in pyplot's list of figures.
    """
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize or (4.5 * ncols, 3.5 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=squeeze)
    return fig, axes


def grid_shape(count, max_cols=6):
    """Rows and columns for ``count`` small panels."""
    cols = min(count, max_cols)
    return int(np.ceil(count / cols)), cols


def as_array(x):
    """The numpy data of a Tensor, or ``np.asarray`` of anything else."""
    return np.asarray(getattr(x, "data", x))
