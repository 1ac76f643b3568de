"""lr_find: the lr grows geometrically, the loss is smoothed, it stops on divergence, and leaves the model
and the optimizer exactly as they were."""

import matplotlib
import numpy as np
import pytest

import dlkit
from dlkit import nn, optim
from dlkit.data import make_blobs
from dlkit.training import MetricError, lr_find


def _setup(seed=0):
    X, y = make_blobs(n_samples=200, n_classes=3, noise=0.5, seed=0)
    dlkit.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    return model, (X, y)


def test_the_lr_grows_geometrically_and_the_curve_falls_then_diverges():
    # Linear regression with SGD: it learns for lr well below 2 / (largest curvature), diverges above.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 3))
    y = X @ np.array([[1.5], [-2.0], [0.5]]) + 0.1 * rng.standard_normal((256, 1))
    dlkit.manual_seed(0)
    model = nn.Linear(3, 1)
    lrs, losses = lr_find(model, nn.MSELoss(), lambda p: optim.SGD(p, lr=0.1), (X, y),
                          start_lr=1e-4, end_lr=100.0, num_steps=60)
    expected = 1e-4 * (1e6 ** (1 / 59)) ** np.arange(len(lrs))
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert len(lrs) == len(losses)
    assert len(lrs) < 60, "lr up to 100 with plain SGD must diverge before the end"
    assert min(losses) < losses[0] / 2           # it learned on the way...
    assert losses[-1] > 5 * min(losses)           # ...and stopped on the blow-up
    assert lrs[-1] > 0.5                          # not before the lr got large


def test_the_recorded_loss_is_the_bias_corrected_moving_average_of_the_batch_losses():
    model, data = _setup()
    raw = []

    def recording_loss(out, target):
        loss = nn.CrossEntropyLoss()(out, target)
        raw.append(loss.item())
        return loss

    _, losses = lr_find(model, recording_loss, lambda p: optim.SGD(p), data, start_lr=1e-6, end_lr=1e-5,
                        num_steps=10, smooth_factor=0.3)
    average, expected = 0.0, []
    for step, value in enumerate(raw):
        average = 0.7 * average + 0.3 * value
        expected.append(average / (1 - 0.7 ** (step + 1)))
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert losses[0] == pytest.approx(raw[0])


def test_model_weights_and_optimizer_state_are_restored():
    model, data = _setup()
    optimizer = optim.Adam(model.parameters(), lr=0.003)
    X, y = data
    for _ in range(3):  # give the optimizer some state first
        optimizer.zero_grad()
        nn.CrossEntropyLoss()(model(dlkit.Tensor(X)), dlkit.Tensor(y)).backward()
        optimizer.step()
    weights, state = model.state_dict(), optimizer.state_dict()
    model.eval()
    lr_find(model, nn.CrossEntropyLoss(), optimizer, data, num_steps=30, end_lr=1.0)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, weights[key])
    after = optimizer.state_dict()
    assert after["param_groups"][0]["lr"] == 0.003
    for index, entries in state["state"].items():
        assert after["state"][index]["step"] == entries["step"]
        np.testing.assert_array_equal(after["state"][index]["exp_avg"], entries["exp_avg"])
    assert not model.training
    assert all(p.grad is None for p in model.parameters())


def test_suggestion_and_plot():
    model, data = _setup()
    result = lr_find(model, nn.CrossEntropyLoss(), optim.SGD, data, start_lr=1e-4, end_lr=100.0, num_steps=60)
    lr = result.suggestion()
    assert lr in result.lrs and lr < result.lrs[int(np.argmin(result.losses))]   # before the minimum
    matplotlib.use("Agg")
    fig = result.plot()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_xdata(), result.lrs)


def test_suggestion_is_the_steepest_point_of_a_known_curve():
    from dlkit.training import LRFinderResult
    lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
    losses = [2.0, 1.9, 1.2, 0.9, 0.8, 3.0]  # steepest fall between 1e-3 and 1e-2
    # central-difference slopes against log10(lr) up to the minimum: -0.1, -0.4, -0.5, -0.2, -0.1
    assert LRFinderResult(lrs, losses).suggestion() == 1e-2


def test_suggestion_is_never_the_minimum_even_when_the_drop_into_it_is_steepest():
    from dlkit.training import LRFinderResult
    lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
    losses = [2.0, 1.95, 1.8, 1.6, 1.0, 3.0]  # minimum at lr 1; the last step into it drops 0.6 per decade
    # central differences of the points before the minimum: (1.8-2)/2, (1.6-1.95)/2, (1.0-1.8)/2 = -0.4
    assert LRFinderResult(lrs, losses).suggestion() == 1e-1
    assert LRFinderResult(lrs, losses).suggestion("min/10") == pytest.approx(0.1)


def test_suggestion_rules_on_a_smooth_curve_with_known_answers():
    from dlkit.training import LRFinderResult
    log_lr = np.linspace(-6, 1, 71)                       # steps of 0.1 decade
    # 2 - tanh(2(x+3)) falls fastest at x = -3 (and symmetrically, so its central differences peak there);
    # the blow-up 50·max(0, x+0.5)² starts at x = -0.5, where the loss is lowest (checked by hand: 1.00009
    # there, 1.00014 at -0.6, 1.50006 at -0.4)
    losses = 2 - np.tanh(2 * (log_lr + 3)) + 50 * np.maximum(0, log_lr + 0.5) ** 2
    result = LRFinderResult(list(10 ** log_lr), list(losses))
    assert result.suggestion() == pytest.approx(1e-3, rel=1e-9)
    assert result.suggestion(rule="min/10") == pytest.approx(10 ** -1.5, rel=1e-9)
    with pytest.raises(MetricError, match="'steepest' or 'min/10'"):
        result.suggestion(rule="valley")
    with pytest.raises(MetricError, match="no downhill part"):
        LRFinderResult([1e-3, 1e-2, 1e-1], [1.0, 2.0, 3.0]).suggestion()


@pytest.mark.parametrize("kwargs,match", [({"start_lr": 0}, "start_lr"), ({"end_lr": 1e-9}, "end_lr"),
                                          ({"num_steps": 1}, "num_steps"), ({"smooth_factor": 0}, "smooth_factor"),
                                          ({"diverge_th": 1}, "diverge_th")])
def test_bad_arguments_are_refused(kwargs, match):
    model, data = _setup()
    with pytest.raises(MetricError, match=match):
        lr_find(model, nn.CrossEntropyLoss(), optim.SGD, data, **kwargs)


def test_plot_lr_finder_refuses_mismatched_lists():
    from dlkit.viz.plots.lr_finder import plot_lr_finder
    with pytest.raises(ValueError, match="equally long"):
        plot_lr_finder([1e-3, 1e-2], [1.0])
