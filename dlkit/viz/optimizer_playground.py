"""OptimizerPlayground: optimizers racing on a 2-D loss surface you can see.

Every racer is a real ``dlkit.optim`` optimizer on a 2-vector parameter ``p``; one step of the race is,
for each racer, the training loop you already know::

    optimizer.zero_grad();  loss = surface(p);  loss.backward();  optimizer.step()

The surfaces: a quadratic **bowl** ``½(x² + κ·y²)`` whose condition number κ you choose (large κ: a
narrow valley where plain gradient descent zig-zags), **Rosenbrock**'s curved valley, a **saddle**
``x² − y²`` (a flat start on the ridge), or your own function of ``p``.
"""
from __future__ import annotations

import numpy as np

from .. import optim
from ..errors import ShapeError
from ..tensor import Tensor, no_grad
from .arguments import VizArgumentError, check_choice, check_number
from .live_demo import LiveDemo, setting_from
from .preview import format_number

OPTIMIZERS = ("SGD", "Momentum", "Nesterov", "RMSprop", "Adagrad", "Adam")
SURFACES = ("bowl", "rosenbrock", "saddle", "custom")
START = {"bowl": (-2.0, 1.5), "rosenbrock": (-1.5, 1.5), "saddle": (-1.5, 0.01), "custom": (-1.5, 1.5)}
WINDOW = {"bowl": ((-2.5, 2.5), (-2.0, 2.0)), "rosenbrock": ((-2.0, 2.0), (-1.0, 3.0)),
          "saddle": ((-2.0, 2.0), (-2.0, 2.0)), "custom": ((-2.0, 2.0), (-2.0, 2.0))}
DIVERGED = 1e6   # a racer farther than this from the origin has diverged and stops


class OptimizerPlayground(LiveDemo):
    """Optimizers racing from the same start on a 2-D loss surface.

    Parameters
    ----------
    surface : {"bowl", "rosenbrock", "saddle"} or callable
        A callable maps a Tensor ``p`` of shape (2,) to a scalar Tensor (it is then "custom"), e.g.
        ``lambda p: (p[0] ** 2 + p[1] - 1) ** 2 + (p[0] + p[1] ** 2 - 1) ** 2``.
    optimizers : sequence of names
        Any of ``"SGD"``, ``"Momentum"`` (SGD with momentum), ``"Nesterov"``, ``"RMSprop"``,
        ``"Adagrad"``, ``"Adam"``.
    lr, momentum : float
        Learning rate (shared by every racer) and the momentum of Momentum/Nesterov.
    betas : (float, float)
        Adam's β₁ and β₂ (β₂ is also RMSprop's α).
    condition : float >= 1
        The bowl's condition number κ.
    start : (float, float), optional
        Where every racer starts (a default per surface).
    scale : float
        Text and control size (1.6–2 for a projector).

    Examples
    --------
    >>> race = OptimizerPlayground("bowl", condition=20, lr=0.05)
    >>> race.play(50)
    >>> race.losses["Adam"][-1] < race.losses["Adam"][0]
    True
    """

    css_class = "dlkit-optimizer-playground"

    def __init__(self, surface="bowl", optimizers=("SGD", "Momentum", "Adam"), lr=0.05,
                 momentum=0.9, betas=(0.9, 0.999), condition=10.0, start=None, scale=1.0,
                 steps_per_frame=2, interval=150):
        super().__init__(scale=scale, steps_per_frame=steps_per_frame, interval=interval)
        who = "OptimizerPlayground"
        if callable(surface):
            self.surface_name, self._custom = "custom", surface
        else:
            self.surface_name, self._custom = check_choice(who, "surface", surface, SURFACES[:3]), None
        names = list(optimizers)
        if not names:
            raise VizArgumentError(f"{who}: optimizers must name at least one of {OPTIMIZERS}")
        for name in names:
            check_choice(who, "optimizers", name, OPTIMIZERS)
        self.names = names
        self.lr = check_number(who, "lr", lr, low=0, high=100, low_open=True)
        self.momentum = check_number(who, "momentum", momentum, low=0, high=0.999)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise VizArgumentError(f"{who}: betas must be a pair (β₁, β₂), got {betas!r}")
        self.betas = tuple(check_number(who, f"betas[{k}]", b, low=0, high=0.9999)
                           for k, b in enumerate(betas))
        self.condition = check_number(who, "condition", condition, low=1, high=1e4)
        start = START[self.surface_name] if start is None else start
        if not (isinstance(start, (tuple, list, np.ndarray)) and len(start) == 2):
            raise VizArgumentError(f"{who}: start must be a point (x, y), got {start!r}")
        self.start = tuple(check_number(who, "start", v) for v in start)
        self._restart()

    # -- the surfaces ----------------------------------------------------------------------------------
    def loss(self, p):
        """The surface at ``p`` (a Tensor whose first axis holds x and y)."""
        x, y = p[0], p[1]
        if self.surface_name == "bowl":
            return 0.5 * (x * x + self.condition * (y * y))
        if self.surface_name == "rosenbrock":
            return (1 - x) ** 2 + 100 * (y - x * x) ** 2
        if self.surface_name == "saddle":
            return x * x - y * y
        return self._custom(p)

    def _make(self, name, params):
        b1, b2 = self.betas
        if name == "SGD":
            return optim.SGD(params, lr=self.lr)
        if name == "Momentum":
            return optim.SGD(params, lr=self.lr, momentum=self.momentum)
        if name == "Nesterov":
            return optim.SGD(params, lr=self.lr, momentum=max(self.momentum, 1e-3), nesterov=True)
        if name == "RMSprop":
            return optim.RMSprop(params, lr=self.lr, alpha=b2)
        if name == "Adagrad":
            return optim.Adagrad(params, lr=self.lr)
        return optim.Adam(params, lr=self.lr, betas=(b1, b2))

    # -- the race --------------------------------------------------------------------------------------
    def _restart(self):
        self.step_count = 0
        self.params = {n: Tensor(np.array(self.start), requires_grad=True, name="p") for n in self.names}
        self.optimizers = {n: self._make(n, [self.params[n]]) for n in self.names}
        self.paths = {n: [np.array(self.start)] for n in self.names}
        first = self._value(np.array(self.start))
        self.losses = {n: [first] for n in self.names}
        self.diverged = set()

    def _value(self, point):
        with no_grad():
            return float(np.asarray(self.loss(Tensor(point)).data))

    def _advance(self):
        if len(self.diverged) == len(self.names):
            return False
        for name in self.names:
            if name in self.diverged:
                continue
            p, optimizer = self.params[name], self.optimizers[name]
            optimizer.zero_grad()
            loss = self.loss(p)
            if not isinstance(loss, Tensor) or loss.data.size != 1:
                raise ShapeError("OptimizerPlayground: the surface must return a scalar Tensor for a "
                                 f"2-vector p, got {type(loss).__name__} {getattr(loss, 'shape', '')}")
            loss.backward()
            optimizer.step()
            point = p.data.copy()
            if not np.all(np.isfinite(point)) or np.abs(point).max() > DIVERGED:
                self.diverged.add(name)
                continue
            self.paths[name].append(point)
            self.losses[name].append(self._value(point))
        self.step_count += 1
        return True

    def configure(self, **settings):
        """Change ``lr``, ``momentum``, ``betas``, ``condition`` or ``surface`` (what the sliders do),
        and start the race again."""
        surface = settings.pop("surface", None)
        if surface is not None:
            self.surface_name = check_choice("OptimizerPlayground", "surface", surface,
                                             SURFACES if self._custom else SURFACES[:3])
            self.start = START[self.surface_name]
        for name in ("lr", "momentum", "condition"):
            if name in settings:
                low = {"lr": 0, "momentum": 0, "condition": 1}[name]
                setattr(self, name, check_number("OptimizerPlayground", name, settings.pop(name),
                                                 low=low, low_open=name == "lr"))
        if "betas" in settings:
            self.betas = tuple(check_number("OptimizerPlayground", f"betas[{k}]", b, low=0, high=0.9999)
                               for k, b in enumerate(settings.pop("betas")))
        if settings:
            raise VizArgumentError(f"OptimizerPlayground.configure: unknown settings {sorted(settings)}")
        self.reset()

    # -- what is shown -------------------------------------------------------------------------------
    def __repr__(self):
        what = (f"bowl (condition {format_number(self.condition)})" if self.surface_name == "bowl"
                else self.surface_name)
        lines = [f"OptimizerPlayground: {what}, lr {format_number(self.lr)}, step {self.step_count}"]
        for name in self.names:
            x, y = self.paths[name][-1]
            state = " (diverged)" if name in self.diverged else ""
            lines.append(f"  {name:<9} loss {format_number(self.losses[name][-1])} at "
                         f"({format_number(x)}, {format_number(y)}){state}")
        return "\n".join(lines)

    def picture_html(self):
        """The contour map with each racer's path, and loss against step, as SVG."""
        from .svg_panel import COLOURS, Panel, colour_map, limits
        (x0, x1), (y0, y1) = WINDOW[self.surface_name]
        key = (self.surface_name, self.condition)
        if getattr(self, "_background_key", None) != key:
            self._background = self._contour_image(x0, x1, y0, y1, colour_map)
            self._background_key = key
        colour = {name: COLOURS[k % len(COLOURS)] for k, name in enumerate(self.names)}
        surface = Panel(400, 330, (x0, x1), (y0, y1), title=f"{self.surface_name}: step "
                        f"{self.step_count}", scale=self.scale)
        surface.image(self._background)
        for name in self.names:
            path = np.array(self.paths[name])
            surface.polyline(path[:, 0], path[:, 1], colour[name], label=name, halo=True,
                             markers=True)
        surface.star(*self.start)
        surface.legend([(name, colour[name]) for name in self.names])
        every = [v for name in self.names for v in self.losses[name]]
        log = min((v for v in every if np.isfinite(v)), default=0) > 0
        curves = Panel(360, 330, (0, max(10, self.step_count)), limits(every, log=log),
                       title="loss", xlabel="step", log_y=log, scale=self.scale)
        for name in self.names:
            curves.polyline(np.arange(len(self.losses[name])), self.losses[name], colour[name],
                            label=name)
        return (f'<div style="display:flex; flex-wrap:wrap; gap:8px">{surface.svg("dlkit-surface")}'
                f"{curves.svg('dlkit-loss-curves')}</div>")

    def _contour_image(self, x0, x1, y0, y1, colour_map, size=120, bands=18):
        """The surface as filled contour bands: log-spaced levels when it spans orders of magnitude."""
        from .plots.trajectories import loss_surface
        _, _, z = loss_surface(self.loss, np.linspace(x0, x1, size), np.linspace(y1, y0, size))
        finite = z[np.isfinite(z)]
        low = finite.min()
        shifted = np.log10(z - low + 1e-3 * (finite.max() - low) + 1e-12)
        levels = np.floor((shifted - shifted.min()) / (np.ptp(shifted) or 1) * bands)
        return colour_map(levels, "viridis", 0, bands, pale=0.45)

    def _controls(self):
        import ipywidgets as w
        style, layout = self._style(), self._slider_layout(300)
        self._settings = {
            "surface": w.Dropdown(options=list(SURFACES if self._custom else SURFACES[:3]),
                                  value=self.surface_name, description="surface", style=style),
            "lr": w.FloatLogSlider(value=self.lr, base=10, min=-4, max=0.5, step=0.001,
                                   description="lr", style=style, layout=layout, readout_format=".3g"),
            "momentum": w.FloatSlider(value=self.momentum, min=0, max=0.99, step=0.01,
                                      description="momentum", style=style, layout=layout),
            "beta1": w.FloatSlider(value=self.betas[0], min=0, max=0.99, step=0.01,
                                   description="β₁", style=style, layout=layout),
            "beta2": w.FloatSlider(value=self.betas[1], min=0.5, max=0.9999, step=0.0001,
                                   description="β₂", style=style, layout=layout, readout_format=".4f"),
            "condition": w.FloatLogSlider(value=self.condition, base=10, min=0, max=2.5, step=0.001,
                                          description="condition κ", style=style, layout=layout),
        }
        for control in self._settings.values():
            control.observe(self._on_setting, names="value")
        s = self._settings
        return [w.HBox([s["surface"], s["lr"]]), w.HBox([s["momentum"], s["condition"]]),
                w.HBox([s["beta1"], s["beta2"]])]

    def _on_setting(self, _change):
        s = self._settings
        wanted = {"surface": s["surface"].value, "lr": setting_from(s["lr"], self.lr),
                  "momentum": setting_from(s["momentum"], self.momentum),
                  "betas": (setting_from(s["beta1"], self.betas[0]),
                            setting_from(s["beta2"], self.betas[1])),
                  "condition": setting_from(s["condition"], self.condition)}
        current = {"surface": self.surface_name, "lr": self.lr, "momentum": self.momentum,
                   "betas": self.betas, "condition": self.condition}
        if wanted != current:       # not a browser's rounding echo: a real change, start again
            self.configure(**wanted)
