"""The learning-rate finder's curve: smoothed loss against learning rate, on a log axis."""
from __future__ import annotations

import numpy as np

from ..arguments import VizArgumentError
from .axes import new_figure


def plot_lr_finder(lrs, losses, ax=None, suggestion=None):
    """Draw what :func:`dlkit.training.lr_find` measured.

    Parameters
    ----------
    lrs, losses : sequences of float
        ``lr_find``'s result (``lrs, losses = lr_find(...)``).
    ax : matplotlib Axes, optional
    suggestion : float, optional
        An lr to mark (e.g. ``lr_find(...).suggestion()``): where the loss falls fastest.

    Returns
    -------
    matplotlib.figure.Figure
    """
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if lrs.shape != losses.shape or lrs.ndim != 1 or len(lrs) == 0:
        raise VizArgumentError(f"plot_lr_finder: expected two equally long, non-empty lists (lrs, losses), got "
                         f"lengths {lrs.shape} and {losses.shape}")
    fig, ax = new_figure(ax, figsize=(5, 3.5))
    ax.plot(lrs, losses, color="C0", label="smoothed loss")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("loss")
    ax.set_title("learning-rate range test")
    if suggestion is not None:
        y = np.interp(np.log(suggestion), np.log(lrs), losses)
        ax.plot([suggestion], [y], "o", color="C3", label=f"steepest descent: lr ≈ {suggestion:.2g}")
    ax.legend(loc="best", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    return fig
