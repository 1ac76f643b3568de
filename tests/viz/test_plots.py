"""Plots: each returns a Figure holding the expected artists (lines, contour sets, images) — no pixels."""
import numpy as np
import pytest
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure

import dlkit
from dlkit import nn
from dlkit.viz import (
    LiveLossPlot,
    plot_activation_histograms,
    plot_decision_boundary,
    plot_feature_maps,
    plot_filters,
    plot_gradient_histograms,
    plot_history,
    plot_optimizer_trajectories,
    plot_weight_histograms,
)

HISTORY = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7], "accuracy": [0.5, 0.7, 0.8],
           "val_accuracy": [0.4, 0.6, 0.7]}


def visible_axes(fig):
    return [a for a in fig.axes if a.get_visible()]


def bars(ax):
    return len(ax.patches)


def test_plot_history_puts_losses_left_and_metrics_right():
    fig = plot_history(HISTORY)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    left, right = fig.axes
    assert [l.get_label() for l in left.get_lines()] == ["loss", "val_loss"]
    assert [l.get_label() for l in right.get_lines()] == ["accuracy", "val_accuracy"]
    assert list(left.get_lines()[1].get_ydata()) == [1.1, 0.8, 0.7]
    assert list(left.get_lines()[0].get_xdata()) == [1, 2, 3]


def test_plot_history_into_a_given_axes_and_a_history_object():
    class History:
        def __init__(self):
            self.history = {"loss": [3.0, 2.0]}

    base = Figure()
    ax = base.subplots()
    assert plot_history(History(), ax=ax) is base
    assert len(ax.get_lines()) == 1


def test_plot_history_rejects_other_things():
    with pytest.raises(TypeError, match="History"):
        plot_history([1, 2, 3])


def test_live_loss_plot_headless_builds_the_figure_at_the_end():
    plot = LiveLossPlot()
    history = {"loss": []}
    plot.on_train_begin(history)
    assert plot.live is False            # Agg backend, no kernel: no live drawing
    for epoch, value in enumerate([0.9, 0.5, 0.3], start=1):
        history["loss"].append(value)
        plot.on_epoch_end(epoch, history)
    assert plot.redraws == 0 and plot.figure is None
    plot.on_train_end(history)
    assert plot.redraws == 1 and len(plot.figure.axes[0].get_lines()) == 1
    assert list(plot.figure.axes[0].get_lines()[0].get_ydata()) == [0.9, 0.5, 0.3]


def test_live_loss_plot_redraws_every_epoch_when_live(monkeypatch):
    shown = []

    class Handle:
        def update(self, fig):
            shown.append(("update", len(fig.axes[0].get_lines()[0].get_ydata())))

    import IPython.display
    monkeypatch.setattr(IPython.display, "display",
                        lambda fig, display_id: shown.append(("display", 1)) or Handle())
    plot = LiveLossPlot(live=True, every=1)
    history = {"loss": [], "val_loss": []}
    plot.on_train_begin(history)
    for epoch in range(1, 4):
        history["loss"].append(1.0 / epoch)
        history["val_loss"].append(1.2 / epoch)
        plot.on_epoch_end(epoch, history)
    plot.on_train_end(history)
    assert shown == [("display", 1), ("update", 2), ("update", 3), ("update", 3)]
    assert len(plot.figure.axes) == 1 and len(plot.figure.axes[0].get_lines()) == 2


def test_live_loss_plot_as_a_fit_callback():
    from dlkit.optim import SGD
    from dlkit.training import fit
    dlkit.manual_seed(0)
    X = np.random.default_rng(0).standard_normal((40, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    plot = LiveLossPlot()
    history = fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), (X, y), epochs=3,
                  validation_data=(X, y), callbacks=[plot], progress=False)
    losses = plot.figure.axes[0].get_lines()
    assert [l.get_label() for l in losses] == ["loss", "val_loss"]
    assert list(losses[0].get_ydata()) == list(history.history["loss"])


def two_blob_classifier():
    """A hand-set linear classifier: class 1 exactly where x0 + x1 > 0."""
    model = nn.Linear(2, 2)
    model.weight.data[:] = [[-1.0, -1.0], [1.0, 1.0]]
    model.bias.data[:] = 0.0
    X = np.array([[-1.0, -1.0], [-2.0, -0.5], [1.0, 1.0], [0.5, 2.0]])
    return model, X, np.array([0, 0, 1, 1])


def test_decision_boundary_has_one_filled_contour_and_the_points():
    model, X, y = two_blob_classifier()
    fig = plot_decision_boundary(model, X, y, resolution=50)
    ax = fig.axes[0]
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    points = [c for c in ax.collections if not isinstance(c, ContourSet)]
    assert len(contours) == 1 and contours[0].filled
    assert len(points) == 1 and len(points[0].get_offsets()) == 4


def test_decision_boundary_regions_follow_the_model():
    from dlkit.viz.plots.boundary import predict_classes
    model, _, _ = two_blob_classifier()
    assert list(predict_classes(model, np.array([[-3.0, 1.0], [3.0, -1.0], [0.2, 0.1]]))) == [0, 1, 1]
    # one sigmoid output: read as a probability, threshold 0.5
    assert list(predict_classes(lambda t: (t[:, 0] * 10).sigmoid(), np.array([[-1.0, 0], [1.0, 0]]))) == [0, 1]


def test_decision_boundary_wants_two_features():
    model, _X, y = two_blob_classifier()
    with pytest.raises(dlkit.ShapeError, match=r"expected X of shape \(n_samples, 2\), got \(4, 3\)"):
        plot_decision_boundary(model, np.ones((4, 3)), y)


def mlp():
    dlkit.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))


def test_weight_histograms_one_panel_per_parameter():
    fig = plot_weight_histograms(mlp(), bins=10)
    panels = visible_axes(fig)
    assert [a.get_title() for a in panels] == ["0.weight  8×2", "0.bias  8", "2.weight  3×8", "2.bias  3"]
    assert all(bars(a) == 10 for a in panels)


def test_gradient_histograms_need_a_backward_first():
    model = mlp()
    with pytest.raises(dlkit.GradientError, match="backward"):
        plot_gradient_histograms(model)
    X = np.random.default_rng(0).standard_normal((10, 2))
    nn.CrossEntropyLoss()(model(dlkit.Tensor(X)), np.zeros(10, dtype=np.int64)).backward()
    assert len(visible_axes(plot_gradient_histograms(model))) == 4


def test_activation_histograms_one_panel_per_layer_output():
    X = np.random.default_rng(0).standard_normal((10, 2))
    fig = plot_activation_histograms(mlp(), X)
    assert [a.get_title() for a in visible_axes(fig)] == [
        "0: Linear  10×8", "1: ReLU  10×8", "2: Linear  10×3"]


def test_histograms_overlay_on_a_given_axes():
    ax = Figure().subplots()
    plot_weight_histograms(mlp(), ax=ax, bins=5)
    assert bars(ax) == 4 * 5


def test_filters_one_image_per_kernel():
    conv = nn.Conv2d(2, 3, 3)
    fig = plot_filters(conv)
    images = [im for a in fig.axes for im in a.get_images()]
    assert len(images) == 6
    assert images[0].get_array().shape == (3, 3)
    np.testing.assert_array_equal(images[4].get_array(), conv.weight.data[2, 0])   # out 2, in 0
    ax = Figure().subplots()
    plot_filters(conv, ax=ax)
    assert len(ax.get_images()) == 1          # one mosaic


def test_feature_maps_one_image_per_output_channel():
    conv = nn.Conv2d(1, 4, 3)
    image = np.random.default_rng(0).random((8, 8))
    fig = plot_feature_maps(conv, image)
    images = [im for a in fig.axes for im in a.get_images()]
    assert len(images) == 4 and images[0].get_array().shape == (6, 6)
    with pytest.raises(dlkit.ShapeError, match="one image"):
        plot_feature_maps(conv, np.ones((2, 1, 8, 8)))


def bowl(p):
    """f(p) = p0² + 10·p1², gradient (2·p0, 20·p1)."""
    return p[0] ** 2 + 10 * p[1] ** 2


class PlainSGD:
    """A stand-in optimizer written from the update rule, to check the trajectory by hand."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for p in self.params:
            p.data = p.data - self.lr * p.grad


def test_trajectories_follow_the_update_rule():
    # lr = 0.05 from (1, 1): p0 ← 0.9·p0 and p1 ← (1 − 1)·p1 = 0
    fig = plot_optimizer_trajectories(bowl, {"sgd": lambda ps: PlainSGD(ps, lr=0.05)},
                                      start=(1.0, 1.0), steps=3, resolution=30)
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_xydata(), [[1, 1], [0.9, 0], [0.81, 0], [0.729, 0]], atol=1e-12)
    assert len([c for c in ax.collections if isinstance(c, ContourSet)]) == 1


def test_trajectories_with_dlkit_optimizers_one_line_each():
    from dlkit.optim import SGD, Adam
    fig = plot_optimizer_trajectories(
        bowl, {"SGD": lambda ps: SGD(ps, lr=0.05), "momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9),
               "Adam": lambda ps: Adam(ps, lr=0.1)}, start=(1.0, 1.0), steps=20, resolution=30)
    ax = fig.axes[0]
    assert [l.get_label() for l in ax.get_lines()] == ["SGD", "momentum", "Adam"]
    assert all(len(l.get_xdata()) == 21 for l in ax.get_lines())
    np.testing.assert_allclose(ax.get_lines()[0].get_xydata()[1], [0.9, 0.0], atol=1e-12)


def test_trajectory_contours_work_for_losses_that_cannot_take_a_batch():
    from dlkit.viz.plots.trajectories import loss_surface
    weights = np.array([1.0, 10.0])
    _xx, _yy, z = loss_surface(lambda p: (p * p * weights).sum(), np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    np.testing.assert_allclose(z, [[0.0, 1.0], [40.0, 41.0]])
