"""Histograms per layer: weights, activations and gradients — to spot dead units and vanishing grads."""
from __future__ import annotations

import numpy as np

from ...errors import GradientError
from ...tensor import Tensor, enable_grad
from ..arguments import VizArgumentError
from ..graph import graph_nodes, module_names
from ..preview import format_shape
from .axes import as_array, grid_shape, new_figure


def _named_parameters(model, what):
    if hasattr(model, "named_parameters"):
        return list(model.named_parameters())
    if isinstance(model, dict):
        return list(model.items())
    raise VizArgumentError(f"{what}: expected a Module or a dict name -> Tensor, got {type(model).__name__}")


def _histograms(named_arrays, title, ax, bins, colour):
    """One panel per array (or all overlaid on the caller's ``ax``)."""
    if ax is not None:
        for name, values in named_arrays:
            ax.hist(values.ravel(), bins=bins, alpha=0.5, label=name)
        ax.set_title(title)
        ax.legend(fontsize="small")
        return ax.figure
    rows, cols = grid_shape(len(named_arrays), max_cols=4)
    fig, axes = new_figure(nrows=rows, ncols=cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for panel, (name, values) in zip(axes.ravel(), named_arrays):
        panel.hist(values.ravel(), bins=bins, color=colour)
        panel.set_title(f"{name}  {format_shape(values.shape)}", fontsize="medium")
    for panel in axes.ravel()[len(named_arrays):]:
        panel.set_visible(False)
    fig.suptitle(title)
    return fig


def plot_weight_histograms(model, ax=None, bins=30):
    """The distribution of each parameter's values (``0.weight``, ``0.bias``, ...).

    Returns
    -------
    matplotlib.figure.Figure
    """
    named = [(n, as_array(p)) for n, p in _named_parameters(model, "plot_weight_histograms")]
    return _histograms(named, "weights", ax, bins, "#1e88e5")


def plot_gradient_histograms(model, ax=None, bins=30):
    """The distribution of each parameter's ``.grad`` (after ``loss.backward()``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    named = [(n, np.asarray(p.grad)) for n, p in _named_parameters(model, "plot_gradient_histograms")
             if p.grad is not None]
    if not named:
        raise GradientError("plot_gradient_histograms: no parameter has a .grad yet; run "
                            "loss.backward() first (and not after optimizer.zero_grad())")
    return _histograms(named, "gradients", ax, bins, "#c62828")


def layer_outputs(model, x):
    """``[(layer name, output array), ...]``: what each module of ``model`` produced on input ``x``.

    Every op records the module running it (``Tensor.scope``); a module's output is the last tensor
    it made. Works for any Module, not only ``Sequential``.
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    with enable_grad():  # the graph is what tells us which module made which tensor
        out = model(x)
    names = module_names(model)
    last = {}
    for tensor in graph_nodes(out):
        if tensor.scope is not None:
            last.pop(id(tensor.scope), None)   # keep the order of each module's *last* tensor
            last[id(tensor.scope)] = tensor
    result = []
    for key, tensor in last.items():
        kind = type(tensor.scope).__name__
        name = names.get(key)
        result.append((f"{name}: {kind}" if name else kind, tensor.data))
    return result


def plot_activation_histograms(model, x, ax=None, bins=30):
    """The distribution of each layer's output on a batch ``x`` (ReLU layers full of zeros show up).

    Returns
    -------
    matplotlib.figure.Figure
    """
    named = layer_outputs(model, x)
    if not named:
        raise VizArgumentError("plot_activation_histograms: the model made no recorded ops on this input; "
                         "expected a dlkit Module whose parameters require grad")
    return _histograms(named, "activations", ax, bins, "#43a047")
