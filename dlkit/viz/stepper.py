"""The backward stepper: watch ``backward()`` apply the chain rule one node at a time.

It drives the engine's own generator, ``root.backward_steps()`` — every Step button press is one
``next()`` on it, so what you see *is* the engine, not a re-enactment. To go **back**, the stepper
remembers, for each step, which ``.grad`` arrays the engine replaced (before and after); Back puts the
old ones back, and stepping forward again re-applies the recorded ones (the engine's generator cannot
run backwards).

Starting state: **the stepper starts from zeroed gradients.** When created it sets ``.grad = None`` on
every tensor of the graph (like ``optimizer.zero_grad()``), so the numbers on screen are this backward
pass alone, and after the last step every ``.grad`` equals what a fresh ``backward()`` gives.
``reset()`` returns to that starting state; ``restore()`` puts back the gradients the tensors had
before the stepper was created. Pass ``zero_grad=False`` to accumulate onto existing gradients instead,
exactly as a second ``backward()`` call would.
"""
from __future__ import annotations

import time
from html import escape

import numpy as np

from ..errors import GradientError
from ..tensor import Tensor, topological_order
from .preview import format_number, format_shape, format_value


class BackwardStepper:
    """Step through the backward pass of ``root``, with a graph and the chain rule of each step.

    Parameters
    ----------
    root : Tensor
        A scalar (usually the loss) that requires grad.
    params : Module or dict, optional
        Names parameters in the graph (``"0.weight"``) — see :func:`dlkit.viz.draw_graph`.
    scale : float
        Size of graph text, formula text and buttons (1.6 or 2 for a projector).
    zero_grad : bool
        Clear the graph's ``.grad`` before stepping (default), or accumulate onto them.
    rankdir, max_nodes, collapse : passed to :func:`dlkit.viz.draw_graph`. A graph bigger than
        ``max_nodes`` is shown as a window of the ``max_nodes`` nodes nearest the current step
        (laying out hundreds of nodes takes Graphviz seconds, and nobody can read them anyway).

    Examples
    --------
    >>> a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    >>> b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    >>> stepper = BackwardStepper(a * b + a)
    >>> stepper.step().node.op          # the last op runs first
    'add'
    >>> stepper                          # doctest: +SKIP   (in Jupyter: the widget)
    """

    def __init__(self, root, params=None, scale=1.0, zero_grad=True, rankdir="LR", max_nodes=80,
                 collapse=None):
        if not isinstance(root, Tensor):
            raise TypeError(f"BackwardStepper: expected a dlkit Tensor, got {type(root).__name__}")
        if not root.requires_grad:
            raise GradientError("BackwardStepper: the root does not require grad, so there is no "
                                "backward pass to step through; build it from tensors made with "
                                "requires_grad=True")
        if root.numel() != 1:
            raise GradientError(f"BackwardStepper: the root must hold a single number (a loss), got "
                                f"shape {root.shape}; reduce it first, e.g. .sum() or .mean()")
        self.root, self.params, self.scale = root, params, float(scale)
        self._draw_options = {"rankdir": rankdir, "max_nodes": max_nodes, "collapse": collapse}
        self._nodes = topological_order(root)  # every tensor whose .grad the engine may set
        self._original = [n.grad for n in self._nodes]
        if zero_grad:
            for node in self._nodes:
                node.grad = None
        self._engine = root.backward_steps()  # nothing runs until the first next()
        self._engine_done = False
        self.steps = []        # the engine's BackwardStep records, in the order it made them
        self._changes = []     # per step: [(node position, .grad before, .grad after), ...]
        self._index = 0
        # One step per op node (a node all of whose incoming gradients are None is skipped by the
        # engine; then the count is corrected when the engine stops).
        self.total = sum(1 for n in self._nodes if not n.is_leaf)
        self._ids = None
        self._widget = None
        self._syncing = False

    # -- driving it from Python --------------------------------------------------------------------
    @property
    def index(self):
        """How many steps are applied (0 = before the first step)."""
        return self._index

    @property
    def at_end(self):
        return self._index >= self.total

    def step(self):
        """Apply the next chain-rule step; returns its ``BackwardStep`` (None when already at the end)."""
        if self.at_end:
            return None
        if self._index < len(self.steps):          # been here before: re-apply the recorded grads
            for position, _, after in self._changes[self._index]:
                self._nodes[position].grad = after
        else:                                       # new ground: ask the engine for its next step
            before = [n.grad for n in self._nodes]
            try:
                record = next(self._engine)
            except StopIteration:
                self._engine_done, self.total = True, len(self.steps)
                self._refresh()
                return None
            # The engine assigns new arrays (never writes into old ones), so `is not` finds them.
            self._changes.append([(k, before[k], n.grad) for k, n in enumerate(self._nodes)
                                  if n.grad is not before[k]])
            self.steps.append(record)
        self._index += 1
        self._refresh()
        return self.steps[self._index - 1]

    def back(self):
        """Undo the last step: every ``.grad`` it changed gets its earlier value back."""
        if self._index == 0:
            return
        self._index -= 1
        for position, before, _ in self._changes[self._index]:
            self._nodes[position].grad = before
        self._refresh()

    def reset(self):
        """Go back to the start (zeroed gradients, or the earlier ones with ``zero_grad=False``)."""
        self.go_to(0)

    def go_to(self, index):
        """Step forward or back until ``index`` steps are applied."""
        index = max(0, min(int(index), self.total))
        refresh, self._refresh = self._refresh, lambda: None  # draw once, at the end
        try:
            while self._index < index and not self.at_end:
                if self.step() is None:
                    break
            while self._index > index:
                self.back()
        finally:
            self._refresh = refresh
        self._refresh()

    def play(self, delay=0.0):
        """Run the remaining steps (pausing ``delay`` seconds between them, redrawing each time)."""
        while not self.at_end:
            if self.step() is None:
                break
            if delay:
                time.sleep(delay)

    def restore(self):
        """Put back the ``.grad`` every tensor had before this stepper was created."""
        self.go_to(0)
        for node, grad in zip(self._nodes, self._original):
            node.grad = grad
        self._refresh()

    # -- what is shown -------------------------------------------------------------------------------
    @property
    def current(self):
        """The step applied last (None before the first)."""
        return self.steps[self._index - 1] if self._index else None

    def node_id(self, tensor):
        """The DOT id (``"t3"``) of a tensor of this graph, as used by :func:`draw_graph`."""
        if self._ids is None:
            from .graph import graph_nodes
            self._ids = {id(t): f"t{i}" for i, t in enumerate(graph_nodes(self.root))}
        return self._ids[id(tensor)]

    @property
    def current_node_id(self):
        """The DOT id of the node whose step was applied last (None at the start)."""
        return self.node_id(self.current.node) if self.current else None

    def graph(self):
        """The graph at the current step: current node in yellow, inputs that just got a gradient green."""
        from .graph import draw_graph
        step = self.current
        received = [t for t, g in zip(step.inputs, step.grads) if g is not None] if step else None
        return draw_graph(self.root, params=self.params, highlight=step.node if step else None,
                          received=received, focus=step.node if step else self.root,
                          scale=self.scale, **self._draw_options)

    def _label(self, tensor):
        from .graph import parameter_names
        if not hasattr(self, "_names"):
            self._names = parameter_names(self.params)
        name = self._names.get(id(tensor)) or tensor.name
        node_id = self.node_id(tensor)
        return f"{name} ({node_id})" if name else node_id

    def formula_html(self):
        """The formula panel: the chain rule of the current step, with its numbers."""
        size = f"{100 * self.scale:.0f}%"
        head = (f'<div class="dlkit-stepper-formula" data-step="{self._index}" '
                f'style="font-size:{size}; line-height:1.5; font-family:sans-serif">')
        step = self.current
        if step is None:
            return (head + f"<b>Step 0 of {self.total}</b> — nothing sent yet. Press <b>Step</b>: "
                    f"the engine seeds ∂L/∂L = 1 at the root L = {escape(self._label(self.root))} "
                    "and applies the chain rule at the last op first.</div>")
        out = self._label(step.node)
        lines = [(f"<b>Step {self._index} of {self.total}</b> — node <b>{escape(out)}</b>, "
                 f"made by op <code>{escape(step.node.op)}</code>"),
                 f"local rule: <code>{escape(step.rule)}</code>",
                 f"upstream: ∂L/∂{escape(out)} = {escape(_show(step.upstream))}",
                 "chain rule: ∂L/∂input = ∂L/∂out · ∂out/∂input"]
        rows = []
        letters = "abcdefghijklmnopqrstuvwxyz"
        for k, (tensor, grad) in enumerate(zip(step.inputs, step.grads)):
            who = f"{letters[k % 26]}: {self._label(tensor)}"
            value = _show(tensor.data)
            if grad is None:
                sent = "— (needs no gradient)"
            elif np.size(grad) == 1 and np.size(step.upstream) == 1 and step.upstream.item() != 0:
                local = grad.item() / step.upstream.item()
                sent = (f"{format_number(step.upstream.item(), 6)} × ({format_number(local, 6)}) "
                        f"= <b>{format_number(grad.item(), 6)}</b>")
            else:
                sent = f"<b>{escape(_show(grad))}</b>"
            total = ""
            if grad is not None and tensor.grad is not None and tensor.grad is not grad:
                total = f" (accumulated .grad now {escape(_show(tensor.grad))})"
            cell = '<td style="padding:0 1.2em 0 0">'
            rows.append(f"<tr>{cell}{escape(who)}</td>{cell}{escape(value)}</td>"
                        f"{cell}{sent}{total}</td></tr>")
        head_cell = '<th align="left" style="padding:0 1.2em 0 0">'
        table = ('<table style="border-collapse:collapse; margin-top:0.3em; font-size:inherit">'
                 f"<tr>{head_cell}input</th>{head_cell}value</th>"
                 f"{head_cell}gradient sent = upstream × local</th></tr>"
                 + "".join(rows) + "</table>")
        return head + "<br>".join(lines) + table + "</div>"

    # -- the widget --------------------------------------------------------------------------------------
    @property
    def widget(self):
        """The ipywidgets box (built on first use)."""
        if self._widget is None:
            self._build_widget()
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _build_widget(self):
        import ipywidgets as w

        px = f"{13 * self.scale:.0f}px"
        button_layout = w.Layout(width=f"{110 * self.scale:.0f}px", height=f"{34 * self.scale:.0f}px")

        def button(text, tip):
            b = w.Button(description=text, tooltip=tip, layout=button_layout)
            b.style.font_size = px
            return b

        self._back_button = button("◀ Back", "undo the last step")
        self._step_button = button("Step ▶", "apply the chain rule at the next node")
        self._reset_button = button("⟲ Reset", "back to the start")
        self._slider = w.IntSlider(value=0, min=0, max=self.total, description="step",
                                   continuous_update=True,
                                   layout=w.Layout(width=f"{360 * self.scale:.0f}px"))
        # Play runs in the browser: it moves the slider, the slider moves the stepper. No threads.
        self._play = w.Play(value=0, min=0, max=self.total, interval=800, description="play")
        self._speed = w.IntSlider(value=800, min=100, max=3000, step=100, description="ms/step",
                                  layout=w.Layout(width=f"{260 * self.scale:.0f}px"))
        self._links = (w.jslink((self._play, "value"), (self._slider, "value")),
                       w.jslink((self._speed, "value"), (self._play, "interval")))
        self._graph_view = w.HTML()
        self._formula_view = w.HTML()
        self._back_button.on_click(lambda _: self.back())
        self._step_button.on_click(lambda _: self.step())
        self._reset_button.on_click(lambda _: self.reset())
        self._slider.observe(self._on_slider, names="value")
        controls = w.HBox([self._reset_button, self._back_button, self._step_button, self._play])
        self._widget = w.VBox([controls, w.HBox([self._slider, self._speed]), self._graph_view,
                               self._formula_view])
        self._widget.add_class("dlkit-stepper")
        self._refresh()

    def _on_slider(self, change):
        if not self._syncing:
            self.go_to(change["new"])

    def _refresh(self):
        if self._widget is None:
            return
        from .render import RendererNotFound, RenderFailed
        try:
            svg = self.graph().svg()
        except (RendererNotFound, RenderFailed) as err:
            svg = f"<pre>{escape(str(err))}</pre>"
        # At scale 1 a wide graph shrinks to the output's width; a bigger scale (a projector) keeps
        # its size and scrolls sideways instead, or the text would shrink back.
        fit = "max-width: 100%; height: auto" if self.scale <= 1 else "max-width: none"
        self._graph_view.value = (
            f"<style>.dlkit-stepper-graph svg {{{fit}}}</style>"
            f'<div class="dlkit-stepper-graph" data-current="{self.current_node_id or ""}" '
            f'style="overflow-x: auto">{svg}</div>')
        self._formula_view.value = self.formula_html()
        self._syncing = True
        try:
            self._slider.max = self._play.max = self.total
            self._slider.value = self._index
        finally:
            self._syncing = False
        self._back_button.disabled = self._reset_button.disabled = self._index == 0
        self._step_button.disabled = self.at_end


def _show(array):
    """Scalars in full (well, 6 digits); arrays as shape plus a preview."""
    array = np.asarray(array)
    if array.size == 1:
        return format_number(array.item(), 6)
    return f"{format_shape(array.shape)} {format_value(array)}"
