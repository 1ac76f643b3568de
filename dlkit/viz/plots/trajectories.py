"""Optimizers racing on a 2-D loss surface: contour lines plus one path per optimizer.

Each optimizer really runs: a 2-vector parameter starts at ``start``; for ``steps`` steps we do
``zero_grad(); loss_fn(p).backward(); step()`` — the same loop as training a network, on a surface you
can see.
"""
from __future__ import annotations

import numpy as np

from ...errors import ShapeError
from ...tensor import Tensor, no_grad
from .axes import new_figure


def run_optimizer(loss_fn, make_optimizer, start, steps):
    """The points an optimizer visits: an array of shape (≤ steps + 1, 2); stops if it diverges."""
    p = Tensor(np.array(start, dtype=np.float64), requires_grad=True, name="θ")
    optimizer = make_optimizer([p])
    path = [p.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(p)
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise ShapeError("plot_optimizer_trajectories: loss_fn must return a scalar Tensor for a "
                             f"2-vector Tensor, got {type(loss).__name__} "
                             f"{getattr(loss, 'shape', '')}")
        loss.backward()
        optimizer.step()
        if not np.all(np.isfinite(p.data)):
            break                                   # diverged: the path ends here
        path.append(p.data.copy())
    return np.array(path)


def loss_surface(loss_fn, xs, ys):
    """``loss_fn`` on the grid ``xs × ys``.

    Tried first in one call, on a (2, n) Tensor (works when ``loss_fn`` uses ``p[0]`` and ``p[1]``
    elementwise); otherwise point by point.
    """
    xx, yy = np.meshgrid(xs, ys)
    with no_grad():
        try:
            z = np.asarray(loss_fn(Tensor(np.stack([xx.ravel(), yy.ravel()]))).data)
            if z.shape == (xx.size,):
                return xx, yy, z.reshape(xx.shape)
        except (ValueError, TypeError, IndexError):
            pass
        z = np.array([[float(loss_fn(Tensor(np.array([x, y]))).item()) for x in xs] for y in ys])
    return xx, yy, z


def _named(optimizers):
    if isinstance(optimizers, dict):
        return list(optimizers.items())
    named = []
    for item in optimizers:
        if isinstance(item, tuple):
            named.append(item)
        else:
            kind = type(item([Tensor(np.zeros(2), requires_grad=True)])).__name__
            named.append((kind, item))
    return named


def plot_optimizer_trajectories(loss_fn, optimizers, start=(-1.5, 1.5), steps=50, xlim=None,
                                ylim=None, ax=None, levels=30, resolution=120):
    """Contours of a 2-D loss and the path each optimizer takes from ``start``.

    Parameters
    ----------
    loss_fn : callable
        Maps a Tensor ``p`` of shape (2,) to a scalar Tensor, e.g.
        ``lambda p: (1 - p[0])**2 + 100 * (p[1] - p[0]**2)**2`` (Rosenbrock).
    optimizers : dict name -> factory, or list of factories / (name, factory) pairs
        A factory makes an optimizer from a parameter list:
        ``{"SGD": lambda params: SGD(params, lr=1e-3), "Adam": lambda params: Adam(params, lr=0.05)}``.
    start : (float, float)
    steps : int
    xlim, ylim : (float, float), optional
        The window; by default it fits the paths.
    levels : int
        Number of contour lines (spaced logarithmically when the loss spans orders of magnitude).

    Returns
    -------
    matplotlib.figure.Figure
    """
    paths = {name: run_optimizer(loss_fn, make, start, steps) for name, make in _named(optimizers)}
    points = np.vstack(list(paths.values()) + [np.array([start], dtype=float)])
    if xlim is None or ylim is None:
        low, high = points.min(axis=0), points.max(axis=0)
        margin = np.maximum(0.15 * (high - low), 0.5)
        xlim = xlim or (low[0] - margin[0], high[0] + margin[0])
        ylim = ylim or (low[1] - margin[1], high[1] + margin[1])
    xx, yy, z = loss_surface(loss_fn, np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    fig, ax = new_figure(ax, figsize=(6, 5))
    ax.contour(xx, yy, z, levels=_levels(z, levels), cmap="viridis", linewidths=0.8)
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], marker="o", markersize=2.5, linewidth=1.4, label=name)
    ax.scatter([start[0]], [start[1]], marker="*", s=140, color="k", zorder=5, label="start")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("p[0]")
    ax.set_ylabel("p[1]")
    ax.legend(fontsize="small")
    ax.set_title(f"{steps} steps from {tuple(float(s) for s in start)}")
    return fig


def _levels(z, count):
    """Evenly spaced levels, or log-spaced ones when the surface spans orders of magnitude."""
    finite = z[np.isfinite(z)]
    low, high = finite.min(), finite.max()
    if high - low > 100 * (np.median(finite) - low + 1e-12):
        return low + np.geomspace(1e-3 * (high - low) + 1e-12, high - low, count)
    return np.linspace(low, high, count)
