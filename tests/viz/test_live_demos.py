"""The live demos, driven from Python: their numbers against PyTorch / hand computation, their controls,
their text forms and their argument checks (the browser tests drive the same widgets by clicking)."""
import re

import numpy as np
import pytest

import dlkit
from dlkit.viz import ConvExplorer, OptimizerPlayground, TrainingPlayground, VizArgumentError

torch = pytest.importorskip("torch")


# -- ConvExplorer ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("padding, stride, dilation", [(0, 1, 1), (1, 1, 1), (1, 2, 1), (2, 1, 2),
                                                       (0, 3, 1), (1, 2, 2)])
def test_conv_explorer_fills_the_output_pytorch_computes(padding, stride, dilation):
    rng = np.random.default_rng(padding + 3 * stride + 7 * dilation)
    image, kernel = rng.integers(-3, 4, (7, 6)).astype(float), rng.integers(-2, 3, (3, 2)).astype(float)
    explorer = ConvExplorer(image, kernel, padding=padding, stride=stride, dilation=dilation)
    expected = torch.nn.functional.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None],
                                          padding=padding, stride=stride, dilation=dilation)[0, 0].numpy()
    assert explorer.out_shape == expected.shape
    assert np.isnan(explorer.output).all()
    explorer.play(explorer.cells + 5)                     # extra steps do nothing
    assert explorer.position == explorer.cells
    np.testing.assert_allclose(explorer.output, expected, rtol=0, atol=1e-12)


def test_conv_explorer_steps_cell_by_cell_and_writes_out_the_product_sum():
    image = np.arange(16.0).reshape(4, 4)
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]])
    explorer = ConvExplorer(image, kernel, stride=2)
    explorer.step()
    # window rows 0-1, cols 0-1: 0·1 + 1·0 + 4·0 + 5·(−1) = −5, by hand
    assert explorer.current == (0, 0) and explorer.output[0, 0] == -5
    assert explorer.product_sum() == "0·1 + 1·0 + 4·0 + 5·(−1) = −5"
    explorer.step()
    assert explorer.current == (0, 1) and explorer.output[0, 1] == 2 - 7
    assert np.isnan(explorer.output[1]).all()
    assert "2 of 4 cells filled" in repr(explorer) and "out[0, 1] = 2·1" in repr(explorer)
    explorer.reset()
    assert explorer.position == 0 and np.isnan(explorer.output).all()
    assert explorer.size_arithmetic() == ["rows: ⌊(4 + 2·0 − 1·(2 − 1) − 1) / 2⌋ + 1 = 2",
                                          "cols: ⌊(4 + 2·0 − 1·(2 − 1) − 1) / 2⌋ + 1 = 2"]


def test_conv_explorer_widget_marks_the_window_and_its_sliders_change_the_geometry():
    explorer = ConvExplorer()
    _ = explorer.widget
    first = explorer._picture.value
    explorer._step_button.click()
    after = explorer._picture.value
    assert after != first and 'data-frame="2"' in after
    assert after.count("#ffd54f") == 9 + 9                   # the 3×3 window and the 3×3 kernel
    explorer._sliders["padding"].value = 1
    assert explorer.padding == 1 and explorer.out_shape == (6, 6) and explorer.position == 0
    explorer._sliders["dilation"].value = 3                    # spans 7 cells of the padded 8
    assert explorer.out_shape == (2, 2) and explorer._message.value == ""
    explorer._sliders["padding"].value = 0                     # too wide for the input: a message
    assert "dilated kernel spans 7×7" in explorer._message.value
    assert "ConvExplorer: input 6×6" in explorer._repr_mimebundle_()["text/plain"]


def test_conv_explorer_refuses_bad_arguments():
    with pytest.raises(VizArgumentError, match="stride must be an int in \\[1, 10\\], got 0"):
        ConvExplorer(stride=0)
    with pytest.raises(VizArgumentError, match="padding must be an int"):
        ConvExplorer(padding=-1)
    with pytest.raises(VizArgumentError, match="input must be a 2-D array"):
        ConvExplorer(np.zeros(5))
    with pytest.raises(dlkit.ShapeError, match="dilated kernel spans 7×7"):
        ConvExplorer(np.zeros((4, 4)), dilation=3)
    with pytest.raises(VizArgumentError, match="scale must be a number in \\(0, 10\\]"):
        ConvExplorer(scale="big")


# -- OptimizerPlayground ------------------------------------------------------------------------------------
def torch_path(surface, make, start, steps):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = make([p])
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        surface(p).backward()
        optimizer.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def test_every_racer_follows_the_path_pytorchs_optimizer_takes():
    race = OptimizerPlayground("bowl", optimizers=("SGD", "Momentum", "Nesterov", "RMSprop", "Adagrad",
                                                   "Adam"),
                               lr=0.05, momentum=0.8, betas=(0.85, 0.99), condition=8)
    race.play(30)
    bowl = lambda p: 0.5 * (p[0] ** 2 + 8 * p[1] ** 2)
    o = torch.optim
    makers = {"SGD": lambda ps: o.SGD(ps, lr=0.05),
              "Momentum": lambda ps: o.SGD(ps, lr=0.05, momentum=0.8),
              "Nesterov": lambda ps: o.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
              "RMSprop": lambda ps: o.RMSprop(ps, lr=0.05, alpha=0.99),
              "Adagrad": lambda ps: o.Adagrad(ps, lr=0.05),
              "Adam": lambda ps: o.Adam(ps, lr=0.05, betas=(0.85, 0.99))}
    for name, make in makers.items():
        expected = torch_path(bowl, make, race.start, 30)
        np.testing.assert_allclose(np.array(race.paths[name]), expected, rtol=1e-9, atol=1e-12,
                                   err_msg=name)
        # the loss curve is the surface along that path (by hand: ½(x² + 8y²))
        np.testing.assert_allclose(race.losses[name], 0.5 * (expected[:, 0] ** 2 + 8 * expected[:, 1] ** 2))


def test_rosenbrock_saddle_and_a_custom_surface_are_the_functions_they_name():
    point = np.array([0.5, -0.25])
    for surface, value in [("rosenbrock", (1 - 0.5) ** 2 + 100 * (-0.25 - 0.25) ** 2),
                           ("saddle", 0.25 - 0.0625)]:
        assert OptimizerPlayground(surface)._value(point) == pytest.approx(value, rel=1e-12)
    custom = OptimizerPlayground(lambda p: (p[0] - 1) ** 2 + p[1] ** 2, lr=0.1, optimizers=["SGD"])
    custom.play(100)
    np.testing.assert_allclose(custom.paths["SGD"][-1], [1.0, 0.0], atol=1e-6)


def test_a_diverging_racer_stops_and_says_so():
    race = OptimizerPlayground("bowl", optimizers=("SGD", "Adam"), lr=0.5, condition=100)
    race.play(100)
    assert "SGD" in race.diverged and "Adam" not in race.diverged
    assert "SGD       loss" in repr(race) and "(diverged)" in repr(race)


def test_optimizer_sliders_restart_the_race_with_new_settings():
    race = OptimizerPlayground("bowl", lr=0.05)
    _ = race.widget
    race._step_button.click()
    assert race.step_count == 1
    before = race._picture.value
    race._settings["condition"].value = 50
    assert race.condition == pytest.approx(50) and race.step_count == 0
    race._settings["lr"].value = 0.01
    assert race.lr == pytest.approx(0.01) and race.optimizers["Adam"].param_groups[0]["lr"] == pytest.approx(0.01)
    race._settings["surface"].value = "rosenbrock"
    assert race.surface_name == "rosenbrock" and race._picture.value != before
    race.frame()                                         # one Play tick: steps_per_frame steps
    assert race.step_count == race.steps_per_frame
    assert race._repr_mimebundle_()["text/plain"].startswith("OptimizerPlayground: rosenbrock")


def test_optimizer_playground_refuses_bad_arguments():
    with pytest.raises(VizArgumentError, match="surface must be one of"):
        OptimizerPlayground("banana")
    with pytest.raises(VizArgumentError, match="optimizers must be one of"):
        OptimizerPlayground(optimizers=["LBFGS"])
    with pytest.raises(VizArgumentError, match="lr must be a number in \\(0, 100\\]"):
        OptimizerPlayground(lr=0)
    with pytest.raises(VizArgumentError, match="scale"):
        OptimizerPlayground(scale=0)
    with pytest.raises(VizArgumentError, match="n must be an int"):
        OptimizerPlayground().play("5")


# -- TrainingPlayground -------------------------------------------------------------------------------------
def test_training_playground_really_trains_a_dlkit_mlp():
    playground = TrainingPlayground("moons", hidden=(16, 16), lr=0.03)
    shapes = [tuple(p.shape) for p in playground.model.parameters()]
    assert shapes == [(16, 2), (16,), (16, 16), (16,), (2, 16), (2,)]
    playground.play(150)
    assert playground.step_count == 150 and playground.epoch >= 1
    assert playground.history["val_loss"][-1] < 0.5 * playground.history["val_loss"][0]
    assert playground.accuracy() > 0.9


def test_one_step_is_the_ordinary_training_loop():
    playground = TrainingPlayground("xor", hidden=(8,), optimizer="SGD", lr=0.1, batch_size=16)
    start = [p.data.copy() for p in playground.model.parameters()]
    playground.step()
    xb, yb = playground.batch
    # by hand, in PyTorch: the same weights, the same batch, one SGD step
    W1, b1, W2, b2 = (torch.tensor(a, requires_grad=True) for a in start)
    logits = torch.tanh(torch.tensor(xb.data) @ W1.T + b1) @ W2.T + b2
    torch.nn.functional.cross_entropy(logits, torch.tensor(yb)).backward()
    for mine, (w, g) in zip(playground.model.parameters(), [(W1, W1.grad), (b1, b1.grad), (W2, W2.grad),
                                                            (b2, b2.grad)]):
        np.testing.assert_allclose(mine.data, (w - 0.1 * g).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_same_settings_give_the_same_run_and_reset_starts_it_again():
    first, second = TrainingPlayground("circles", seed=3), TrainingPlayground("circles", seed=3)
    first.play(20)
    second.play(20)
    assert first.history["train_loss"] == second.history["train_loss"]
    first.reset()
    assert first.step_count == 0 and first.history["train_loss"] == second.history["train_loss"][:1]


def test_the_stepper_opens_on_the_current_batch_and_gives_backwards_gradients():
    playground = TrainingPlayground("moons", hidden=(4,), batch_size=8)
    playground.play(3)
    stepper = playground.open_stepper()
    stepper.play()
    xb, yb = playground.batch
    reference = [p.data.copy() for p in playground.model.parameters()]
    W1, b1, W2, b2 = (torch.tensor(a, requires_grad=True) for a in reference)
    logits = torch.tanh(torch.tensor(xb.data) @ W1.T + b1) @ W2.T + b2
    torch.nn.functional.cross_entropy(logits, torch.tensor(yb)).backward()
    for mine, theirs in zip(playground.model.parameters(), (W1, b1, W2, b2)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert "0.weight" in stepper.graph().source
    playground.step()                       # training takes the gradients back: the stepper detaches
    assert "training went on" in stepper.detached
    with pytest.raises(dlkit.viz.StepperDetached):
        stepper.back()


def test_training_controls_rebuild_the_network_and_lr_changes_live():
    playground = TrainingPlayground("moons")
    _ = playground.widget
    playground._step_button.click()
    assert playground.step_count == 1
    playground._settings["hidden"].value = "8, 8, 4"
    assert playground.hidden == (8, 8, 4) and playground.step_count == 0
    assert [tuple(p.shape) for p in playground.model.parameters()][-2] == (2, 4)
    playground._settings["dataset"].value = "spiral"
    assert playground.n_classes == 3 and "spiral, MLP 2-8-8-4-3" in repr(playground)
    playground._settings["dropout"].value = 0.2
    assert any(isinstance(m, dlkit.nn.Dropout) for m in playground.model.modules())
    playground._lr_slider.value = 0.001
    assert playground.optimizer.param_groups[0]["lr"] == pytest.approx(0.001)
    playground._settings["hidden"].value = "eight"
    assert "hidden must be widths" in playground._status.value
    playground._stepper_button.click()
    assert isinstance(playground.stepper, dlkit.viz.BackwardStepper)
    assert playground._repr_mimebundle_()["text/plain"].startswith("TrainingPlayground: spiral")


def test_training_playground_refuses_bad_arguments():
    with pytest.raises(VizArgumentError, match="dataset must be one of"):
        TrainingPlayground("mnist")
    with pytest.raises(VizArgumentError, match="hidden widths must be an int in \\[1, 256\\], got 0"):
        TrainingPlayground(hidden=(16, 0))
    with pytest.raises(VizArgumentError, match="dropout must be a number in \\[0, 0.95\\]"):
        TrainingPlayground(dropout=1.5)
    with pytest.raises(VizArgumentError, match="scale"):
        TrainingPlayground(scale=-2)


@pytest.mark.parametrize("make", [lambda s: ConvExplorer(scale=s), lambda s: OptimizerPlayground(scale=s),
                                  lambda s: TrainingPlayground(scale=s)],
                         ids=["conv", "optimizer", "training"])
def test_scale_enlarges_controls_and_pictures_for_a_projector(make):
    small, big = make(1.0), make(2.0)
    _ = small.widget, big.widget
    assert "font-size: 13px" in small.widget.children[0].value
    assert "font-size: 26px" in big.widget.children[0].value
    assert small._step_button.layout.width == "110px" and big._step_button.layout.width == "220px"
    sizes = [re.findall(r'(?:font-size="|font-size:)(\d+)', demo._picture.value) for demo in (small, big)]
    assert sizes[0] and [2 * int(v) for v in sizes[0][:3]] == [int(v) for v in sizes[1][:3]]


# -- a browser sends back its slider's rounding of a value: that echo must not restart the demo ----------
# By hand: a FloatLogSlider with step 0.001 snaps the exponent, log10(0.04) = −1.39794 → −1.398, so the
# browser sends 10**−1.398 = 0.0399945; log10(20) = 1.30103 → 1.301 → 19.9986; log10(0.03) → −1.523 →
# 0.0299916. A FloatSlider with step 0.001 snaps weight_decay 1e-4 to 0.0.
def test_optimizer_playground_ignores_the_browsers_rounding_echo():
    race = OptimizerPlayground("bowl", optimizers=("SGD", "Momentum"), lr=0.04, momentum=0.8,
                               condition=20)
    _ = race.widget
    race.play(60)
    race._settings["lr"].value = 0.0399945
    race._settings["condition"].value = 19.9986
    assert race.step_count == 60 and race.lr == 0.04 and race.condition == 20
    assert repr(race).startswith("OptimizerPlayground: bowl (condition 20), lr 0.04, step 60")
    race._settings["momentum"].value = 0.81          # one step of the slider: a learner's move
    assert race.step_count == 0 and race.momentum == 0.81 and race.lr == 0.04
    race.play(5)
    race._settings["lr"].value = 0.1
    assert race.step_count == 0 and race.lr == pytest.approx(0.1)


def test_training_playground_ignores_the_browsers_rounding_echo():
    playground = TrainingPlayground("moons", hidden=(4,), lr=0.03, weight_decay=1e-4)
    _ = playground.widget
    playground.play(5)
    playground._lr_slider.value = 0.0299916
    playground._settings["weight_decay"].value = 0.0
    assert playground.step_count == 5 and playground.weight_decay == 1e-4
    assert playground.lr == 0.03 and playground.optimizer.param_groups[0]["lr"] == 0.03
    playground._settings["weight_decay"].value = 0.002
    assert playground.step_count == 0 and playground.weight_decay == 0.002
