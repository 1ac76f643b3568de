"""TrainingPlayground: train a small network on a 2-D toy set and watch it learn, live.

In the spirit of the TensorFlow Playground, inside Jupyter and with dlkit's own parts: a toy set from
``dlkit.data``, an ``nn.Sequential`` MLP, a ``dlkit.optim`` optimizer and ``CrossEntropyLoss``. One
**step** is one mini-batch of the ordinary training loop::

    model.train();  optimizer.zero_grad();  loss = loss_fn(model(xb), yb);  loss.backward();  optimizer.step()

Each frame of Play runs ``steps_per_frame`` of them, then redraws the decision boundary (the class the
model predicts at every point of the plane, shaded by its confidence) and the train / validation loss
curves. "Open stepper" shows a :class:`~dlkit.viz.BackwardStepper` on the current mini-batch's loss.
"""
from __future__ import annotations

import numpy as np

from .. import data, nn, optim
from ..random import manual_seed
from ..tensor import Tensor, no_grad
from .arguments import VizArgumentError, check_choice, check_number
from .live_demo import LiveDemo, setting_from
from .svg_panel import COLOURS, Panel, limits

DATASETS = {"moons": data.make_moons, "circles": data.make_circles, "xor": data.make_xor,
            "spiral": data.make_spiral, "blobs": data.make_blobs}
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}
OPTIMIZERS = ("SGD", "Momentum", "Adam", "RMSprop")
CLASS_RGB = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189]])


class TrainingPlayground(LiveDemo):
    """A live training run of an MLP on a 2-D toy set.

    Parameters
    ----------
    dataset : {"moons", "circles", "xor", "spiral", "blobs"}
    hidden : sequence of int
        Widths of the hidden layers, e.g. ``(16, 16)`` for a 2-16-16-C network (C classes).
    activation : {"tanh", "relu", "sigmoid"}
    optimizer : {"SGD", "Momentum", "Adam", "RMSprop"}
    lr : float
    weight_decay : float
        L2 penalty, folded into the gradient by the optimizer.
    dropout : float in [0, 1)
        Dropout after every hidden activation (off at evaluation, as always).
    batch_size : int
    n_samples, noise : the toy set's size and noise; 30 % of it is held out for validation.
    seed : int
        Seeds the data, the split and the weights: the same settings give the same run.
    steps_per_frame : int
        Mini-batch steps per frame of Play.
    scale : float

    Examples
    --------
    >>> playground = TrainingPlayground("moons", hidden=(16, 16))
    >>> playground.play(200)
    >>> playground.history["val_loss"][-1] < playground.history["val_loss"][0]
    True
    """

    css_class = "dlkit-training-playground"

    def __init__(self, dataset="moons", hidden=(16, 16), activation="tanh", optimizer="Adam", lr=0.03,
                 weight_decay=0.0, dropout=0.0, batch_size=32, n_samples=300, noise=0.15, seed=0,
                 steps_per_frame=5, scale=1.0, interval=150, resolution=48):
        super().__init__(scale=scale, steps_per_frame=steps_per_frame, interval=interval)
        who = "TrainingPlayground"
        self.dataset = check_choice(who, "dataset", dataset, tuple(DATASETS))
        self.hidden = _widths(who, hidden)
        self.activation = check_choice(who, "activation", activation, tuple(ACTIVATIONS))
        self.optimizer_name = check_choice(who, "optimizer", optimizer, OPTIMIZERS)
        self.lr = check_number(who, "lr", lr, low=0, high=10, low_open=True)
        self.weight_decay = check_number(who, "weight_decay", weight_decay, low=0, high=10)
        self.dropout = check_number(who, "dropout", dropout, low=0, high=0.95)
        self.batch_size = check_number(who, "batch_size", batch_size, low=1, high=100_000, integer=True)
        self.n_samples = check_number(who, "n_samples", n_samples, low=10, high=100_000, integer=True)
        self.noise = check_number(who, "noise", noise, low=0, high=5)
        self.seed = check_number(who, "seed", seed, low=0, integer=True)
        self.resolution = check_number(who, "resolution", resolution, low=8, high=400, integer=True)
        self._stepper_view = None
        self.stepper = None        # the stepper "Open stepper" made last
        self._restart()

    # -- the run ---------------------------------------------------------------------------------------
    def _restart(self):
        X, y = DATASETS[self.dataset](n_samples=self.n_samples, noise=self.noise, seed=self.seed)
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(X))
        cut = round(0.7 * len(X))
        self.X_train, self.y_train = X[order[:cut]], y[order[:cut]]
        self.X_val, self.y_val = X[order[cut:]], y[order[cut:]]
        self.n_classes = int(y.max()) + 1
        manual_seed(self.seed)
        self.model = self._build_model()
        self.optimizer = self._make_optimizer()
        self.loss_fn = nn.CrossEntropyLoss()
        self._rng = np.random.default_rng(self.seed + 1)
        self._batches = iter(())
        self.step_count, self.epoch = 0, 0
        self.batch = None                  # the last mini-batch (xb, yb), for "Open stepper"
        self.history = {"step": [0], "train_loss": [self._loss(self.X_train, self.y_train)],
                        "val_loss": [self._loss(self.X_val, self.y_val)]}
        (x0, y0), (x1, y1) = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
        self.window = ((x0, x1), (y0, y1))
        xs, ys = np.linspace(x0, x1, self.resolution), np.linspace(y1, y0, self.resolution)
        xx, yy = np.meshgrid(xs, ys)
        self._grid = Tensor(np.column_stack([xx.ravel(), yy.ravel()]))

    def _build_model(self):
        layers, width = [], 2
        for size in self.hidden:
            layers += [nn.Linear(width, size), ACTIVATIONS[self.activation]()]
            if self.dropout > 0:
                layers.append(nn.Dropout(self.dropout))
            width = size
        layers.append(nn.Linear(width, self.n_classes))
        return nn.Sequential(*layers)

    def _make_optimizer(self):
        params, lr, wd = self.model.parameters(), self.lr, self.weight_decay
        if self.optimizer_name == "SGD":
            return optim.SGD(params, lr=lr, weight_decay=wd)
        if self.optimizer_name == "Momentum":
            return optim.SGD(params, lr=lr, momentum=0.9, weight_decay=wd)
        if self.optimizer_name == "RMSprop":
            return optim.RMSprop(params, lr=lr, weight_decay=wd)
        return optim.Adam(params, lr=lr, weight_decay=wd)

    def _next_batch(self):
        try:
            return next(self._batches)
        except StopIteration:
            self.epoch += 1
            order = self._rng.permutation(len(self.X_train))
            self._batches = iter([order[k:k + self.batch_size]
                                  for k in range(0, len(order), self.batch_size)])
            return next(self._batches)

    def _advance(self):
        stepper = getattr(self, "stepper", None)
        if stepper is not None and stepper.detached is None:   # say so at once, not at its next click
            stepper.detach("training went on: the playground's next step took the gradients back")
        rows = self._next_batch()
        xb, yb = Tensor(self.X_train[rows]), self.y_train[rows]
        self.batch = (xb, yb)
        self.model.train()
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(xb), yb)
        loss.backward()
        self.optimizer.step()
        self.step_count += 1
        return True

    def _loss(self, X, y):
        self.model.eval()
        with no_grad():
            return float(self.loss_fn(self.model(Tensor(X)), y).item())

    def _record(self):
        if self.history["step"][-1] != self.step_count:
            self.history["step"].append(self.step_count)
            self.history["train_loss"].append(self._loss(self.X_train, self.y_train))
            self.history["val_loss"].append(self._loss(self.X_val, self.y_val))

    def _redraw(self):
        self._record()      # losses once per frame (not per mini-batch): a point on each curve
        super()._redraw()

    def accuracy(self, split="val"):
        X, y = (self.X_val, self.y_val) if split == "val" else (self.X_train, self.y_train)
        self.model.eval()
        with no_grad():
            return float((self.model(Tensor(X)).data.argmax(axis=1) == y).mean())

    def configure(self, **settings):
        """Change any constructor setting (what the controls do) and start again."""
        for name, value in settings.items():
            if name not in {"dataset", "hidden", "activation", "optimizer", "lr", "weight_decay",
                            "dropout", "batch_size", "noise", "seed"}:
                raise VizArgumentError(f"TrainingPlayground.configure: unknown setting {name!r}")
            if name == "hidden":
                value = _widths("TrainingPlayground", value)
            elif name == "dataset":
                value = check_choice("TrainingPlayground", "dataset", value, tuple(DATASETS))
            setattr(self, "optimizer_name" if name == "optimizer" else name, value)
        self.reset()

    def set_lr(self, lr):
        """Change the learning rate of the running optimizer, without starting again."""
        self.lr = check_number("TrainingPlayground", "lr", lr, low=0, high=10, low_open=True)
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr

    def open_stepper(self):
        """A :class:`BackwardStepper` on the loss of the current mini-batch (a fresh forward pass).

        The stepper owns the model's ``.grad`` from now on; the next training step's
        ``backward()`` takes them back and the stepper detaches (see ``BackwardStepper``).
        """
        from .stepper import BackwardStepper
        xb, yb = self.batch if self.batch is not None else (Tensor(self.X_train[:self.batch_size]),
                                                             self.y_train[:self.batch_size])
        self.model.eval()       # no dropout masks in the picture
        loss = self.loss_fn(self.model(xb), yb)
        loss.name = "loss"
        self.stepper = BackwardStepper(loss, params=self.model, scale=self.scale)
        return self.stepper

    # -- what is shown -------------------------------------------------------------------------------
    def __repr__(self):
        sizes = "-".join(str(n) for n in (2, *self.hidden, self.n_classes))
        return (f"TrainingPlayground: {self.dataset}, MLP {sizes} ({self.activation}), "
                f"{self.optimizer_name} lr {self.lr:g}, L2 {self.weight_decay:g}, dropout "
                f"{self.dropout:g}; step {self.step_count} (epoch {self.epoch}): train loss "
                f"{self.history['train_loss'][-1]:.4f}, val loss {self.history['val_loss'][-1]:.4f}, "
                f"val accuracy {self.accuracy():.1%}")

    def boundary_image(self):
        """(resolution, resolution, 3) colours: the predicted class, paler where the model is unsure."""
        self.model.eval()
        with no_grad():
            logits = self.model(self._grid).data
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        winner, confidence = p.argmax(axis=1), p.max(axis=1)
        strength = (confidence - 1 / self.n_classes) / (1 - 1 / self.n_classes)
        mix = 0.15 + 0.45 * strength[:, None]
        rgb = CLASS_RGB[winner % len(CLASS_RGB)] * mix + 255 * (1 - mix)
        return rgb.reshape(self.resolution, self.resolution, 3).astype(np.uint8)

    def picture_html(self):
        (x0, x1), (y0, y1) = self.window
        plane = Panel(340, 320, (x0, x1), (y0, y1), title=f"decision boundary, step {self.step_count}",
                      scale=self.scale)
        plane.image(self.boundary_image())
        colours = [f"rgb{tuple(int(v) for v in CLASS_RGB[c % len(CLASS_RGB)])}" for c in self.y_train]
        plane.points(self.X_train[:, 0], self.X_train[:, 1], colours)
        steps = self.history["step"]
        curves = Panel(360, 320, (0, max(10, steps[-1])),
                       limits(self.history["train_loss"] + self.history["val_loss"], log=True),
                       title=f"loss (val accuracy {self.accuracy():.0%})", xlabel="step", log_y=True,
                       scale=self.scale)
        curves.polyline(steps, self.history["train_loss"], COLOURS[0], label="train")
        curves.polyline(steps, self.history["val_loss"], COLOURS[1], label="validation")
        curves.legend([("train", COLOURS[0]), ("validation", COLOURS[1])])
        return (f'<div style="display:flex; flex-wrap:wrap; gap:8px">{plane.svg("dlkit-boundary")}'
                f"{curves.svg('dlkit-loss-curves')}</div>")

    def _controls(self):
        import ipywidgets as w
        style, layout = self._style(), self._slider_layout(300)
        self._settings = {
            "dataset": w.Dropdown(options=list(DATASETS), value=self.dataset, description="data",
                                  style=style),
            "hidden": w.Text(value=", ".join(map(str, self.hidden)), description="hidden",
                             continuous_update=False, style=style),
            "activation": w.Dropdown(options=list(ACTIVATIONS), value=self.activation,
                                     description="activation", style=style),
            "optimizer": w.Dropdown(options=list(OPTIMIZERS), value=self.optimizer_name,
                                    description="optimizer", style=style),
            "weight_decay": w.FloatSlider(value=self.weight_decay, min=0, max=0.1, step=0.001,
                                          description="L2", style=style, layout=layout,
                                          readout_format=".3f"),
            "dropout": w.FloatSlider(value=self.dropout, min=0, max=0.8, step=0.05,
                                     description="dropout", style=style, layout=layout),
        }
        self._lr_slider = w.FloatLogSlider(value=self.lr, base=10, min=-4, max=0, step=0.001,
                                           description="lr", style=style, layout=layout,
                                           readout_format=".3g")
        self._lr_slider.observe(lambda _: self.set_lr(setting_from(self._lr_slider, self.lr)),
                                names="value")
        for control in self._settings.values():
            control.observe(self._on_setting, names="value")
        self._stepper_button = self._button("Open stepper", "step through backward() on the current "
                                            "mini-batch", self._show_stepper)
        self._stepper_view = w.Output()
        s = self._settings
        return [w.HBox([s["dataset"], s["hidden"], s["activation"]]),
                w.HBox([s["optimizer"], self._lr_slider]),
                w.HBox([s["weight_decay"], s["dropout"], self._stepper_button]), self._stepper_view]

    def _on_setting(self, _change):
        s = self._settings
        try:
            wanted = {"dataset": s["dataset"].value, "hidden": _widths("TrainingPlayground",
                                                                      s["hidden"].value),
                      "activation": s["activation"].value, "optimizer": s["optimizer"].value,
                      "weight_decay": setting_from(s["weight_decay"], self.weight_decay),
                      "dropout": setting_from(s["dropout"], self.dropout)}
            current = {"dataset": self.dataset, "hidden": self.hidden, "activation": self.activation,
                       "optimizer": self.optimizer_name, "weight_decay": self.weight_decay,
                       "dropout": self.dropout}
            if wanted != current:   # not a browser's rounding echo: a real change, start again
                self.configure(**wanted)
        except VizArgumentError as err:
            self._status.value = f'<pre style="color:#b71c1c">{err}</pre>'

    def _show_stepper(self):
        from IPython.display import display
        self.open_stepper()
        self._stepper_view.clear_output()
        with self._stepper_view:
            display(self.stepper)


def _parse_widths(text):
    try:
        return tuple(int(part) for part in text.replace(",", " ").split())
    except ValueError:
        raise VizArgumentError(f"TrainingPlayground: hidden must be widths such as '16, 16', got "
                               f"{text!r}") from None


def _widths(who, hidden):
    if isinstance(hidden, str):
        hidden = _parse_widths(hidden)
    if isinstance(hidden, int):
        hidden = (hidden,)
    hidden = tuple(hidden)
    if len(hidden) > 6:
        raise VizArgumentError(f"{who}: hidden has {len(hidden)} layers; at most 6 here")
    return tuple(check_number(who, "hidden widths", n, low=1, high=256, integer=True) for n in hidden)
