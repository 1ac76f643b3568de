"""Training curves: ``plot_history`` after ``fit``, and ``LiveLossPlot`` that draws during it."""
from __future__ import annotations

from ..arguments import VizArgumentError


def _history_dict(history):
    """``{"loss": [...], ...}`` from a ``History`` (its ``.history``) or a plain dict."""
    values = getattr(history, "history", history)
    if not isinstance(values, dict):
        raise VizArgumentError(f"plot_history: expected a History (from dlkit.fit) or a dict of lists, "
                        f"got {type(history).__name__}")
    return {k: list(v) for k, v in values.items() if v is not None and len(v)}


def plot_history(history, ax=None, metrics=None):
    """Loss (and metrics) per epoch, training solid and validation dashed.

    Parameters
    ----------
    history : History or dict
        ``dlkit.fit``'s result, or a dict like ``{"loss": [...], "val_loss": [...]}``.
    ax : matplotlib Axes, optional
        Draw every curve here; otherwise losses go left and other metrics (accuracy...) right.
    metrics : list of str, optional
        The keys to draw (default: all).

    Returns
    -------
    matplotlib.figure.Figure
    """
    values = _history_dict(history)
    keys = [k for k in (metrics or values) if k in values]
    if ax is not None:
        _draw_curves(ax, values, keys)
        return ax.figure
    from matplotlib.figure import Figure
    fig = Figure(layout="constrained")
    _fill_figure(fig, values, keys)
    return fig


def _fill_figure(fig, values, keys):
    """(Re)draw ``fig``: losses on the left, other metrics on the right when there are any."""
    fig.clear()
    losses = [k for k in keys if "loss" in k]
    others = [k for k in keys if "loss" not in k]
    fig.set_size_inches(9 if others else 4.5, 3.5)
    axes = fig.subplots(1, 2 if others else 1, squeeze=False)[0]
    _draw_curves(axes[0], values, losses)
    if others:
        _draw_curves(axes[1], values, others)


def _draw_curves(ax, values, names):
    for name in names:
        epochs = range(1, len(values[name]) + 1)
        style = "--" if name.startswith("val_") else "-"
        ax.plot(epochs, values[name], style, marker="o", markersize=3, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss" if names and all("loss" in n for n in names) else "value")
    if names:
        ax.legend()
    ax.grid(alpha=0.3)


class LiveLossPlot:
    """A ``dlkit.fit`` callback: the training curves, redrawn after every epoch in JupyterLab.

    In a notebook (an IPython kernel with an inline or interactive matplotlib backend) the figure is
    displayed once and updated in place every ``every`` epochs. Elsewhere (a script, a test, the Agg
    backend) nothing is drawn during training and the figure is built at the end. Either way
    ``callback.figure`` holds the final figure.

    >>> plot = LiveLossPlot()
    >>> history = dlkit.fit(model, loss_fn, opt, (X, y), epochs=20, callbacks=[plot])  # doctest: +SKIP
    >>> plot.figure                                                                     # doctest: +SKIP
    """

    def __init__(self, every=1, metrics=None, live=None):
        self.every, self.metrics, self.live = max(1, int(every)), metrics, live
        self.figure = None
        self.redraws = 0          # how many times the figure was drawn (a test can watch it)
        self._handle, self._epochs = None, 0

    def on_train_begin(self, history=None):
        if self.live is None:
            self.live = _in_live_notebook()
        self.figure, self._handle, self.redraws, self._epochs = None, None, 0, 0

    def on_epoch_end(self, epoch, history):
        self._epochs += 1          # our own count: works whether fit counts epochs from 0 or 1
        if not self.live or self._epochs % self.every:
            return
        self._draw(history)
        if self._handle is None:
            from IPython.display import display
            self._handle = display(self.figure, display_id=True)
        else:
            self._handle.update(self.figure)

    def on_train_end(self, history):
        self._draw(history)
        if self._handle is not None:
            self._handle.update(self.figure)

    def _draw(self, history):
        values = _history_dict(history)
        keys = [k for k in (self.metrics or values) if k in values]
        if self.figure is None:
            from matplotlib.figure import Figure
            self.figure = Figure(layout="constrained")
        _fill_figure(self.figure, values, keys)  # same figure: the notebook output is replaced
        self.redraws += 1


def _in_live_notebook():
    """True inside a Jupyter kernel whose matplotlib backend can show figures."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return False
    import matplotlib
    return matplotlib.get_backend().lower() not in ("agg", "pdf", "ps", "svg", "cairo", "template")
