"""The backward stepper: watch ``backward()`` apply the chain rule one node at a time.

It drives the engine's own generator, ``root.backward_steps()`` — every Step button press is one
``next()`` on it, so what you see *is* the engine, not a re-enactment. To go **back**, the stepper
keeps an undo log: for each step, the few ``.grad`` arrays that step replaced (before and after). Back
puts the old ones back, stepping forward again re-applies the recorded ones (the engine's generator
cannot run backwards). A step costs time in proportion to the gradients it changes, so ``play()`` on
a 10,000-op graph costs about as much as ``backward()``.

**Who owns ``.grad`` — the rule.** The engine keeps one ``.grad`` per tensor, so two things stepping
the same graph would overwrite each other's numbers. Therefore:

1. A stepper *owns* the ``.grad`` of every tensor of its graph from the moment it is created: it sets
   them to its starting state (``None``, like ``optimizer.zero_grad()``; or, with ``zero_grad=False``,
   it keeps the gradients they had) and after every Step/Back/Reset/Play every ``.grad`` equals that
   starting state plus the contributions of the steps applied so far. After the last step that is
   exactly what ``backward()`` gives.
2. The newest stepper wins: creating a stepper **detaches** every older stepper whose graph shares a
   tensor with it (re-running a notebook cell leaves the old widget on screen: its buttons turn grey
   and it says why).
3. If anything else changes one of those ``.grad`` (``loss.backward()``, ``zero_grad()``, an
   assignment), the stepper notices at its next action and detaches instead of stepping on stale
   numbers; that action raises :class:`StepperDetached` and changes nothing.
4. A detached stepper never writes ``.grad`` again. ``backward()`` is never blocked: it accumulates
   onto whatever ``.grad`` holds, as always. ``restore()`` puts back the gradients from before the
   stepper was created and detaches it.
"""
from __future__ import annotations

import gc
import re
import time
import weakref
from html import escape

import numpy as np

from ..errors import GradientError
from ..tensor import Tensor
from .arguments import StepperDetached, VizArgumentError, check_choice, check_number, check_scale
from .preview import format_number, format_shape, format_value

_LIVE = weakref.WeakSet()   # every stepper still attached to its graph (rule 2 looks here)


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

    Notes
    -----
    The stepper owns its graph's ``.grad`` while it is attached; the newest stepper on a graph wins,
    and any outside change to one of those ``.grad`` (``backward()``, ``zero_grad()``) detaches it
    (``stepper.detached`` then says why, and its actions raise :class:`StepperDetached`). The full
    rule is in this module's docstring.

    Examples
    --------
    >>> a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    >>> b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    >>> stepper = BackwardStepper(a * b + a)
    >>> stepper.step().node.op          # the last op runs first
    'add'
    >>> stepper                          # doctest: +SKIP   (in Jupyter: the widget)
    """

    def __init__(self, root, params=None, scale=1.0, zero_grad=True, rankdir="auto", max_nodes=80,
                 collapse=None):
        if not isinstance(root, Tensor):
            raise VizArgumentError(f"BackwardStepper: expected a dlkit Tensor, got {type(root).__name__}")
        if not root.requires_grad:
            raise GradientError("BackwardStepper: the root does not require grad, so there is no "
                                "backward pass to step through; build it from tensors made with "
                                "requires_grad=True")
        if root.numel() != 1:
            raise GradientError(f"BackwardStepper: the root must hold a single number (a loss), got "
                                f"shape {root.shape}; reduce it first, e.g. .sum() or .mean()")
        self.root, self.params = root, params
        self.scale = check_scale("BackwardStepper", scale)
        check_number("BackwardStepper", "max_nodes", max_nodes, low=1, integer=True, allow_none=True)
        check_choice("BackwardStepper", "rankdir", rankdir, ("auto", "LR", "TB", "RL", "BT"))
        self._draw_options = {"rankdir": rankdir, "max_nodes": max_nodes, "collapse": collapse}
        self._nodes = _needing_grad(root)  # every tensor whose .grad the engine may set
        self._original = [n.grad for n in self._nodes]
        self.detached = None   # why this stepper no longer owns .grad (None while it does)
        # Rule 2: the newest stepper wins.
        mine = {id(n) for n in self._nodes}
        for other in list(_LIVE):
            if any(id(n) in mine for n in other._nodes):
                other._detach("a newer BackwardStepper on this graph took over its gradients "
                              "(was a cell re-run?)")
        if zero_grad:
            for node in self._nodes:
                node.grad = None
        # What this stepper last left in each .grad, by id(tensor) (the tensors are kept alive
        # by self._nodes, so their ids stay theirs).
        self._written = {id(n): n.grad for n in self._nodes}
        _LIVE.add(self)
        self._engine = root.backward_steps()  # nothing runs until the first next()
        self.steps = []        # the engine's BackwardStep records, in the order it made them
        self._changes = []     # the undo log, per step: [(tensor, .grad before, after), ...]
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
        self._claim()
        record = self._advance()
        self._refresh()
        return record

    def back(self):
        """Undo the last step: every ``.grad`` it changed gets its earlier value back."""
        self._claim()
        self._retreat()
        self._refresh()

    def reset(self):
        """Go back to the start (zeroed gradients, or the earlier ones with ``zero_grad=False``)."""
        self.go_to(0)

    def go_to(self, index):
        """Step forward or back until ``index`` steps are applied."""
        self._claim()
        index = max(0, min(int(index), self.total))
        while self._index < index and self._advance() is not None:
            pass
        while self._index > index:
            self._retreat()
        self._refresh()

    def play(self, delay=0.0):
        """Run the remaining steps; with ``delay`` > 0, pause that many seconds and redraw after each."""
        self._claim()
        if not delay:
            self._run_to_end()
        while self._advance() is not None:
            if delay:
                self._refresh()
                time.sleep(delay)
        self._refresh()

    def restore(self):
        """Put back the ``.grad`` every tensor had before this stepper was created, and detach it."""
        self._claim()
        for node, grad in zip(self._nodes, self._original):
            node.grad = grad
        self._detach("restore() put back the gradients from before the stepper was created")

    def detach(self, reason="detached by hand"):
        """Give up ownership of the graph's ``.grad`` now (e.g. before training goes on); see rule 4."""
        self._detach(reason)

    # -- the undo log ----------------------------------------------------------------------------------
    def _advance(self):
        """One step forward, with no checks and no redraw; None at the end."""
        if self.at_end:
            return None
        written = self._written
        if self._index < len(self.steps):          # been here before: re-apply the recorded grads
            for tensor, _, after in self._changes[self._index]:
                tensor.grad = written[id(tensor)] = after
        else:                                       # new ground: ask the engine for its next step
            try:
                record = next(self._engine)
            except StopIteration:
                self.total = len(self.steps)
                return None
            # The engine writes only the root (its seed, on the first step) and this node's inputs,
            # always as new arrays, so `is not` finds every change by looking at those few tensors.
            touched = record.inputs if self.steps else (self.root, *record.inputs)
            changes = []
            for tensor in touched:
                key = id(tensor)
                if key in written and tensor.grad is not written[key]:
                    changes.append((tensor, written[key], tensor.grad))
                    written[key] = tensor.grad
            self._changes.append(changes)
            self.steps.append(record)
        self._index += 1
        return self.steps[self._index - 1]

    def _run_to_end(self):
        """``_advance()`` until the end, as one tight loop (``play()`` on a big graph)."""
        while self._index < len(self.steps):
            self._advance()
        written, log, steps, missing = self._written, self._changes, self.steps, object()
        # The log keeps every step alive, so the heap grows by ~10 objects a step; Python's cycle
        # collector would re-scan that growing heap again and again (no cycles are made here).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for record in self._engine:
                changes = []
                for tensor in (record.inputs if steps else (self.root, *record.inputs)):
                    key, grad = id(tensor), tensor.grad
                    before = written.get(key, missing)
                    if before is not missing and grad is not before:
                        changes.append((tensor, before, grad))
                        written[key] = grad
                log.append(changes)
                steps.append(record)
        finally:
            if collecting:
                gc.enable()
        self._index = self.total = len(steps)

    def _retreat(self):
        if self._index == 0:
            return
        self._index -= 1
        for tensor, before, _ in reversed(self._changes[self._index]):
            tensor.grad = self._written[id(tensor)] = before

    def _claim(self):
        """Rule 3: refuse to act (and detach) if some ``.grad`` is not what this stepper left there."""
        if self.detached is None:
            written = self._written
            for node in self._nodes:
                if node.grad is not written[id(node)]:
                    name = self._label(node)
                    self._detach(f"the .grad of {name} was changed outside this stepper (by "
                                 "backward(), zero_grad() or an assignment)")
                    break
        if self.detached is not None:
            raise StepperDetached(f"BackwardStepper: this stepper is detached — {self.detached}. It "
                                  "no longer changes any .grad; create a new BackwardStepper to "
                                  "step through the backward pass again")

    def _detach(self, reason):
        if self.detached is None:
            self.detached = reason
            _LIVE.discard(self)
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
        options = dict(self._draw_options)
        if options["rankdir"] == "auto":
            options["rankdir"] = "LR"
        graph = draw_graph(self.root, params=self.params, highlight=step.node if step else None,
                           received=received, focus=step.node if step else self.root,
                           scale=self.scale, **options)
        if self._draw_options["rankdir"] == "auto":
            # Pick the direction once, so the picture does not flip while stepping; with a margin,
            # since gradients arriving later make the labels longer.
            from .graph import SMALLEST_TEXT_PX, readable_direction
            direction = readable_direction(graph, needed_px=1.3 * SMALLEST_TEXT_PX)
            self._draw_options["rankdir"] = direction
            if direction != "LR":
                return self.graph()
        return graph

    def _label(self, tensor):
        """``"W1 (t0)"`` for a named tensor, ``"t3"`` for an unnamed one (the id drawn in the graph)."""
        name, node_id = self._name(tensor), self.node_id(tensor)
        return f"{name} ({node_id})" if name != node_id else node_id

    def _name(self, tensor):
        """The name the graph shows for ``tensor``: a parameter name, its ``.name``, or its node id."""
        from .graph import parameter_names
        if not hasattr(self, "_names"):
            self._names = parameter_names(self.params)
        return self._names.get(id(tensor)) or tensor.name or self.node_id(tensor)

    def rule_text(self, step=None):
        """The local rule of ``step`` (default: the current one) written with the graph's names.

        The engine writes each rule with placeholder operands (``∂(a·b)/∂a = b``: ``a`` is the first
        input, ``b`` the second). Here they become the inputs' names as the graph shows them, so
        ``x * y`` reads ``∂(x·y)/∂x = y``; when a placeholder cannot be replaced cleanly (it is glued
        to other letters, or two inputs share a name) the rule is kept and a key is added:
        ``where x = X (t1), W = 0.weight (t0)``.
        """
        step = step or self.current
        if step is None:
            return ""
        symbols = rule_operands(step.rule)[:len(step.inputs)]
        names = [self._name(t) for t in step.inputs[:len(symbols)]]
        if not symbols:
            return step.rule
        if _substitutable(step.rule, symbols) and len(set(names)) == len(names):
            table = dict(zip(symbols, names))
            pattern = "|".join(rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])" for s in symbols)
            return re.sub(pattern, lambda m: table[m.group(0)], step.rule)
        key = ", ".join(f"{s} = {self._label(t)}" for s, t in zip(symbols, step.inputs))
        return f"{step.rule}   where {key}"

    def formula_html(self):
        """The formula panel: the chain rule of the current step, with its numbers."""
        size = f"{100 * self.scale:.0f}%"
        head = (f'<div class="dlkit-stepper-formula" data-step="{self._index}" '
                f'style="font-size:{size}; line-height:1.5; font-family:sans-serif">')
        banner = ""
        if self.detached:
            banner = (f'<div class="dlkit-stepper-detached" style="color:#b71c1c"><b>Detached:</b> '
                      f"{escape(self.detached)}. This stepper no longer changes any .grad; "
                      "create a new BackwardStepper to step again.</div>")
        step = self.current
        if step is None:
            return (head + banner + f"<b>Step 0 of {self.total}</b> — nothing sent yet. Press "
                    f"<b>Step</b>: the engine seeds ∂L/∂L = 1 at the root L = "
                    f"{escape(self._label(self.root))} and applies the chain rule at the last op "
                    "first.</div>")
        out = self._label(step.node)
        lines = [(f"<b>Step {self._index} of {self.total}</b> — node <b>{escape(out)}</b>, "
                 f"made by op <code>{escape(step.node.op)}</code>"),
                 f"local rule: <code>{escape(self.rule_text(step))}</code>",
                 f"upstream: ∂L/∂{escape(self._name(step.node))} = {escape(_show(step.upstream))}",
                 "chain rule: ∂L/∂input = ∂L/∂out · ∂out/∂input"]
        rows = []
        for tensor, grad in zip(step.inputs, step.grads):
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
            rows.append(f"<tr>{cell}{escape(self._label(tensor))}</td>{cell}{escape(value)}</td>"
                        f"{cell}{sent}{total}</td></tr>")
        head_cell = '<th align="left" style="padding:0 1.2em 0 0">'
        table = ('<table style="border-collapse:collapse; margin-top:0.3em; font-size:inherit">'
                 f"<tr>{head_cell}input</th>{head_cell}value</th>"
                 f"{head_cell}gradient sent = upstream × local</th></tr>"
                 + "".join(rows) + "</table>")
        return head + banner + "<br>".join(lines) + table + "</div>"

    def __repr__(self):
        """The text form (a saved notebook shows it where widgets cannot run)."""
        where = f"step {self._index} of {self.total}"
        if self.current is None:
            lines = [(f"BackwardStepper: {where} — nothing sent yet; the root "
                      f"{self._label(self.root)} will be seeded with ∂L/∂L = 1")]
        else:
            step = self.current
            lines = [(f"BackwardStepper: {where} — node {self._label(step.node)} ({step.node.op}), "
                      f"upstream ∂L/∂{self._name(step.node)} = {_show(step.upstream)}"),
                     f"  local rule: {self.rule_text(step)}"]
            for tensor, grad in zip(step.inputs, step.grads):
                sent = "needs no gradient" if grad is None else f"gets {_show(grad)}"
                lines.append(f"  {self._label(tensor)} {sent}")
        if self.detached:
            lines.append(f"  detached: {self.detached}")
        return "\n".join(lines)

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
        self._back_button.on_click(lambda _: self._from_widget(self.back))
        self._step_button.on_click(lambda _: self._from_widget(self.step))
        self._reset_button.on_click(lambda _: self._from_widget(self.reset))
        self._slider.observe(self._on_slider, names="value")
        controls = w.HBox([self._reset_button, self._back_button, self._step_button, self._play])
        from .live_demo import control_css
        self._widget = w.VBox([w.HTML(control_css("dlkit-stepper", self.scale)), controls,
                               w.HBox([self._slider, self._speed]), self._graph_view,
                               self._formula_view])
        self._widget.add_class("dlkit-stepper")
        self._refresh()

    def _from_widget(self, action, *args):
        """A click on a detached stepper shows why instead of raising into the kernel log."""
        try:
            action(*args)
        except StepperDetached:
            self._refresh()

    def _on_slider(self, change):
        if not self._syncing:
            self._from_widget(self.go_to, change["new"])

    def _refresh(self):
        if self._widget is None:
            return
        from .render import RendererNotFound, RenderFailed
        if self.detached is None or not self._graph_view.value:
            try:
                svg = self.graph().svg()
            except (RendererNotFound, RenderFailed) as err:
                svg = f"<pre>{escape(str(err))}</pre>"
            # At scale 1 a wide graph shrinks to the output's width; a bigger scale (a projector)
            # keeps its size and scrolls sideways instead, or the text would shrink back.
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
        if self.detached:
            for control in (self._back_button, self._reset_button, self._step_button, self._slider,
                            self._play):
                control.disabled = True


def _needing_grad(root):
    """Every tensor ``root`` depends on that requires grad (no order needed: a plain graph walk)."""
    seen = {id(root): root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent.requires_grad and id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return list(seen.values())


def rule_operands(rule):
    """The placeholder operands of a rule, in order: ``"∂(a·b)/∂a = b, ∂(a·b)/∂b = a"`` → a, b."""
    found = []
    for symbol in re.findall(r"/∂([A-Za-z]+)", rule):
        if symbol not in found:
            found.append(symbol)
    return found


_SUPERSCRIPT = {"a": "ᵃ", "b": "ᵇ", "x": "ˣ"}


def _substitutable(rule, symbols):
    """True if every placeholder stands alone: not glued to another (``xWᵀ``), not a superscript (``eᵃ``)."""
    if any(_SUPERSCRIPT.get(s, "\0") in rule for s in symbols):
        return False
    letters = set("".join(symbols))
    for word in re.findall(r"[A-Za-z]+", rule):
        if word not in symbols and set(word) <= letters:
            return False
    return True


def _show(array):
    """Scalars in full (well, 6 digits); arrays as shape plus a preview."""
    array = np.asarray(array)
    if array.size == 1:
        return format_number(array.item(), 6)
    return f"{format_shape(array.shape)} {format_value(array)}"
