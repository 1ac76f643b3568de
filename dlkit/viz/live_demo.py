"""What every live-demo widget shares: Step / Play / Reset, a picture, a text form, ``scale=``.

A live demo is a Python object first and a widget second. Its state moves only through three
methods, so a lecture, a test or nbval can drive it without a browser:

* ``step()`` — one step of whatever the demo shows (an optimizer step, a training step, the next
  output cell of a convolution), then a redraw;
* ``play(n)`` — ``n`` steps, one redraw at the end;
  (they return None, so a cell ending in ``demo.play(20)`` does not show the widget a second time)
* ``reset()`` — back to the start with the current settings.

The widget (built on first display) adds buttons and sliders that call those methods. **Play runs in
the browser**: an ``ipywidgets.Play`` ticks, each tick asks the kernel for one frame (``frame()``:
``steps_per_frame`` steps and a redraw), so no thread ever touches the model behind your back and
the kernel stays free between frames. ``repr()`` is the text form a saved notebook shows where widgets
cannot run ("OptimizerPlayground: bowl, step 30 — SGD loss 0.012 …").
"""
from __future__ import annotations

from html import escape

import numpy as np

from .arguments import check_number, check_scale


class LiveDemo:
    """Base class of the live-demo widgets. Subclasses define ``_advance()``, ``_restart()``,
    ``picture_html()``, ``__repr__`` and ``_controls()``."""

    css_class = "dlkit-live-demo"

    def __init__(self, scale=1.0, steps_per_frame=1, interval=200):
        self.scale = check_scale(type(self).__name__, scale)
        self.steps_per_frame = check_number(type(self).__name__, "steps_per_frame", steps_per_frame,
                                            low=1, high=10_000, integer=True)
        self.interval = check_number(type(self).__name__, "interval", interval, low=10, high=10_000,
                                     integer=True)
        self.frames = 0          # redraws so far (the browser test watches it change)
        self._widget = None

    # -- driving it from Python --------------------------------------------------------------------
    def step(self):
        """One step, then a redraw."""
        self._advance()
        self._redraw()

    def play(self, n=10):
        """``n`` steps, then one redraw."""
        n = check_number(type(self).__name__, "n", n, low=0, high=10**7, integer=True)
        for _ in range(n):
            if self._advance() is False:
                break
        self._redraw()

    def frame(self):
        """What one tick of the Play button does: ``steps_per_frame`` steps and a redraw."""
        self.play(self.steps_per_frame)

    def reset(self):
        """Back to the start, keeping the current settings."""
        self._restart()
        self._redraw()

    # -- to be defined by each demo ------------------------------------------------------------------
    def _advance(self):  # pragma: no cover - abstract
        """One step of the demo; return False when there is nothing left to do."""
        raise NotImplementedError

    def _restart(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def picture_html(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _controls(self):
        """Extra widgets (sliders, dropdowns) shown above the picture."""
        return []

    # -- the widget --------------------------------------------------------------------------------------
    @property
    def widget(self):
        """The ipywidgets box (built on first use)."""
        if self._widget is None:
            self._build_widget()
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def _button(self, text, tip, action):
        import ipywidgets as w
        button = w.Button(description=text, tooltip=tip, layout=w.Layout(
            width=f"{110 * self.scale:.0f}px", height=f"{34 * self.scale:.0f}px"))
        button.style.font_size = f"{13 * self.scale:.0f}px"
        button.on_click(lambda _: action())
        return button

    def _slider_layout(self, width=300):
        import ipywidgets as w
        return w.Layout(width=f"{width * self.scale:.0f}px")

    def _style(self):
        return {"description_width": f"{90 * self.scale:.0f}px"}

    def _build_widget(self):
        import ipywidgets as w
        self._step_button = self._button("Step ▶", "one step", self.step)
        self._reset_button = self._button("⟲ Reset", "start again with these settings", self.reset)
        # Play ticks in the browser; every tick is one frame computed in the kernel.
        self._play = w.Play(value=0, min=0, max=10**9, step=1, interval=self.interval,
                            description="play", show_repeat=False)
        self._play.observe(self._on_tick, names="value")
        self._picture = w.HTML()
        self._status = w.HTML()
        buttons = w.HBox([self._reset_button, self._step_button, self._play])
        self._widget = w.VBox([w.HTML(control_css(self.css_class, self.scale)), buttons,
                               *self._controls(), self._picture, self._status])
        self._widget.add_class(self.css_class)
        self._redraw()

    def _on_tick(self, change):
        if change["new"] > change["old"]:
            self.frame()

    def _redraw(self):
        self.frames += 1
        if self._widget is None:
            return
        self._picture.value = (f'<div class="{self.css_class}-picture" data-frame="{self.frames}">'
                               f"{self.picture_html()}</div>")
        self._status.value = (f'<pre class="{self.css_class}-status" style="font-size:'
                              f'{100 * self.scale:.0f}%">{escape(repr(self))}</pre>')



def control_css(css_class, scale):
    """A ``<style>`` that scales the text of the sliders, dropdowns and readouts (for a projector).

    Only the controls: the pictures set their own sizes (and a CSS font-size would override an SVG's).
    """
    size = f"{13 * scale:.0f}px"
    parts = [f".{css_class} {sel}" for sel in (".widget-label", ".widget-readout", "select", "input",
                                                ".widget-button", ".widget-inline-hbox label")]
    return f"<style>{', '.join(parts)} {{font-size: {size}; line-height: 1.3}}</style>"


def setting_from(control, current):
    """The setting a slider asks for: ``current`` when its value is only ``current`` rounded.

    A browser snaps a slider's value to its step (in the exponent, for a ``FloatLogSlider``) and to
    [min, max], then sends it back: ``lr=0.04`` on a log slider with step 0.001 comes back as
    0.03999. Taken at its word, that echo would restart the demo and lose every step played from
    Python. So a value within half a step of ``current`` (or ``current`` clamped) keeps ``current``;
    a learner's move is at least one step and is taken as it is.
    """
    value = control.value
    if value == current:
        return current
    low, high = getattr(control, "min", None), getattr(control, "max", None)
    step = getattr(control, "step", None)
    base = getattr(control, "base", None)
    if low is not None and step:
        if base is not None:                            # FloatLogSlider: min/max/step are exponents
            if current > 0 and value > 0:
                exponent = np.log(current) / np.log(base)
                snapped = np.clip(exponent, low, high)
                if abs(np.log(value) / np.log(base) - snapped) <= step / 2 * (1 + 1e-6) + 1e-12:
                    return current
        else:
            snapped = min(max(current, low), high)
            if abs(value - snapped) <= step / 2 * (1 + 1e-6) + 1e-12:
                return current
    return value
