"""draw_graph: which nodes and arrows appear, their labels, and that the DOT text is deterministic."""
import numpy as np
import pytest
from dot_text import dot_edges, dot_nodes, label_lines

import dlkit
from dlkit.tensor import scope
from dlkit.viz import draw_graph
from dlkit.viz.graph import HIGHLIGHT_FILL


def small_expression():
    """loss = a·b + a with a = 2, b = −3: by hand ∂loss/∂a = b + 1 = −2, ∂loss/∂b = a = 2."""
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    return a, b, a * b + a


def test_draw_graph_returns_a_graphviz_digraph():
    import graphviz
    assert isinstance(draw_graph(small_expression()[2]), graphviz.Digraph)


def test_graph_has_one_box_per_tensor_and_one_oval_per_op():
    _a, _b, loss = small_expression()
    nodes = dot_nodes(draw_graph(loss).source)
    tensors = [n for n in nodes if n.startswith("t")]
    ops = [n for n in nodes if n.startswith("op")]
    assert len(tensors) == 4          # a, b, a·b, loss
    assert len(ops) == 2              # mul, add
    assert all("shape=box" in nodes[t] for t in tensors)
    assert all("shape=ellipse" in nodes[o] for o in ops)
    assert sorted(nodes[o].split()[0] for o in ops) == ["label=add", "label=mul"]


def test_arrows_go_inputs_to_op_to_result():
    _a, _b, loss = small_expression()
    edges = dot_edges(draw_graph(loss).source)
    # mul: a, b -> op2 -> t2 ; add: t2, a -> op3 -> t3
    assert edges == [("t0", "op2"), ("t1", "op2"), ("op2", "t2"),
                     ("t2", "op3"), ("t0", "op3"), ("op3", "t3")]


def test_a_tensor_used_twice_gets_two_arrows():
    x = dlkit.Tensor(3.0, requires_grad=True, name="x")
    edges = dot_edges(draw_graph(x * x).source)
    assert edges.count(("t0", "op1")) == 2


def test_labels_show_name_shape_value_and_gradient_once_known():
    _a, _b, loss = small_expression()
    before = dot_nodes(draw_graph(loss).source)
    assert label_lines(before["t0"]) == ["a  scalar", "data 2"]
    assert label_lines(before["t1"]) == ["b  scalar", "data −3"]
    assert label_lines(before["t2"]) == ["t2  scalar", "data −6"]    # unnamed: its node id
    loss.backward()
    after = dot_nodes(draw_graph(loss).source)
    assert label_lines(after["t0"]) == ["a  scalar", "data 2", "grad −2"]    # b + 1, by hand
    assert label_lines(after["t1"]) == ["b  scalar", "data −3", "grad 2"]    # a
    assert label_lines(after["t3"]) == ["t3  scalar", "data −4", "grad 1"]    # the seed
    hidden = dot_nodes(draw_graph(loss, show_data=False, show_grad=False).source)
    assert label_lines(hidden["t0"]) == ["a  scalar"]


def test_small_arrays_show_entries_and_big_ones_a_preview():
    small = dlkit.Tensor([1.5, -2.0], requires_grad=True, name="w")
    big = dlkit.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, name="X")
    nodes = dot_nodes(draw_graph(small.sum() + big.sum()).source)
    assert label_lines(nodes["t0"]) == ["w  2", "data [1.5, −2]"]
    assert label_lines(nodes["t2"]) == ["X  3×4", "data [0, 1, 2, …]"]


def test_constants_are_drawn_grey_and_leaves_that_learn_blue():
    x = dlkit.Tensor(1.0, requires_grad=True, name="x")
    nodes = dot_nodes(draw_graph(x * 5.0).source)
    assert 'fillcolor="#e3f2fd"' in nodes["t0"]
    assert 'fillcolor="#eeeeee"' in nodes["t1"] and label_lines(nodes["t1"]) == ["t1  scalar", "data 5"]


def test_dot_text_is_the_same_for_the_same_expression():
    sources = [draw_graph(small_expression()[2]).source for _ in range(2)]
    assert sources[0] == sources[1]
    a, _b, loss = small_expression()
    assert str(id(a)) not in draw_graph(loss).source


def test_parameters_are_labelled_by_their_qualified_names():
    w = dlkit.Tensor([[1.0, 2.0]], requires_grad=True)
    x = dlkit.Tensor([[3.0], [4.0]])
    nodes = dot_nodes(draw_graph((w @ x).sum(), params={"0.weight": w}).source)
    assert label_lines(nodes["t0"])[0] == "0.weight  1×2"


def test_nn_module_parameter_names_and_collapse_by_module():
    nn = dlkit.nn
    dlkit.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
    logits = model(dlkit.Tensor(np.ones((5, 2))))
    loss = nn.CrossEntropyLoss()(logits, np.array([0, 1, 2, 0, 1]))
    full = draw_graph(loss, params=model).source
    names = [label_lines(v)[0] for k, v in dot_nodes(full).items() if k.startswith("t")]
    for name in ("0.weight  4×2", "0.bias  4", "2.weight  3×4", "2.bias  3"):
        assert name in names
    collapsed = draw_graph(loss, params=model, collapse="module").source
    modules = {k: v for k, v in dot_nodes(collapsed).items() if k.startswith("m")}
    assert [v.split("\\n")[0] for v in modules.values()] == [
        'label="0: Linear', 'label="1: ReLU', 'label="2: Linear', 'label="CrossEntropyLoss']
    assert not any(k.startswith("op") for k in dot_nodes(collapsed))
    assert ("m0", "m1") in dot_edges(collapsed) and ("m1", "m2") in dot_edges(collapsed)


def test_collapse_by_module_without_nn_uses_the_scope_tag():
    class Block:  # any object can own a scope
        pass

    first, second = Block(), Block()
    x = dlkit.Tensor([1.0, 2.0], requires_grad=True, name="x")
    with scope(first):
        h = (x * 2).tanh()
    with scope(second):
        y = (h + 1).sum()
    nodes = dot_nodes(draw_graph(y, collapse="module").source)
    groups = [v for k, v in nodes.items() if k.startswith("m")]
    assert len(groups) == 2
    assert "2 ops inside" in groups[0] and "2 ops inside" in groups[1]
    # constants (the 2 and the 1) stay visible: they are inputs, like a batch of data
    assert dot_edges(draw_graph(y, collapse="module").source) == [
        ("t0", "m0"), ("t1", "m0"), ("m0", "m1"), ("t4", "m1")]


def chain(length):
    x = dlkit.Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(length):
        y = y.tanh()
    return y   # length + 1 tensors and length ops: 2·length + 1 nodes


def test_max_nodes_hides_the_farthest_nodes_and_says_how_many():
    source = draw_graph(chain(50), max_nodes=10).source
    nodes = dot_nodes(source)
    assert len([n for n in nodes if n.startswith("t")]) == 5   # 5 tensors + their 5 ops = 10
    assert "⋯ 91 nodes hidden" in nodes["hidden"]             # 101 − 10
    assert ("hidden", "op46") in dot_edges(source)


def test_collapse_by_depth_keeps_tensors_near_the_root():
    nodes = dot_nodes(draw_graph(chain(50), collapse=2, max_nodes=None).source)
    assert sorted(n for n in nodes if n.startswith("t")) == ["t48", "t49", "t50"]
    assert "⋯ 95 nodes hidden" in nodes["hidden"]


def test_focus_keeps_the_window_around_a_node_and_highlight_is_never_hidden():
    y = chain(50)
    middle = y
    for _ in range(25):
        middle = middle.parents[0]          # t25
    nodes = dot_nodes(draw_graph(y, max_nodes=6, focus=middle, highlight=middle).source)
    assert sorted(n for n in nodes if n.startswith("t")) == ["t24", "t25", "t26"]
    assert HIGHLIGHT_FILL in nodes["t25"] and HIGHLIGHT_FILL in nodes["op25"]


def test_highlight_direction_and_scale_options():
    a, _b, loss = small_expression()
    source = draw_graph(loss, highlight=a, rankdir="TB", scale=2.0).source
    assert HIGHLIGHT_FILL in dot_nodes(source)["t0"]
    assert HIGHLIGHT_FILL not in dot_nodes(source)["t1"]
    assert "rankdir=TB" in source and "fontsize=28" in source


@pytest.mark.parametrize("kwargs, message", [
    ({"rankdir": "up"}, "rankdir"), ({"collapse": "layers"}, "collapse"), ({"max_nodes": 0}, "max_nodes")])
def test_bad_options_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_graph(small_expression()[2], **kwargs)


def test_draw_graph_needs_a_tensor():
    with pytest.raises(TypeError, match="expected a dlkit Tensor, got ndarray"):
        draw_graph(np.ones(3))


@pytest.mark.parametrize("kwargs, message", [
    ({"max_nodes": "5"}, r"max_nodes must be an int >= 1 or None, got '5' \(str\)"),
    ({"max_nodes": 0}, r"max_nodes must be an int >= 1 or None, got 0"),
    ({"max_nodes": 2.5}, r"max_nodes must be an int"),
    ({"scale": 0}, r"scale must be a number in \(0, 10\], got 0"),
    ({"scale": "big"}, r"scale must be a number in \(0, 10\], got 'big'"),
    ({"scale": float("nan")}, r"scale must be a number"),
    ({"scale": -1}, r"scale must be a number in \(0, 10\]"),
    ({"rankdir": "up"}, r"rankdir must be one of 'auto', 'LR', 'TB'"),
    ({"collapse": -1}, r"collapse must be None, 'module' or an int depth >= 0"),
])
def test_bad_drawing_arguments_name_the_argument_and_the_allowed_range(kwargs, message):
    loss = dlkit.Tensor(2.0, requires_grad=True, name="a") * 3
    with pytest.raises(dlkit.DlkitError, match=message) as caught:
        draw_graph(loss, **kwargs)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, TypeError)
    assert str(caught.value).startswith("draw_graph:")


@pytest.mark.parametrize("kwargs", [{"scale": 0}, {"scale": "big"}, {"max_nodes": "5"}])
def test_the_stepper_checks_its_drawing_arguments_too(kwargs):
    from dlkit.viz import BackwardStepper, VizArgumentError
    loss = dlkit.Tensor(2.0, requires_grad=True, name="a") * 3
    with pytest.raises(VizArgumentError, match=f"BackwardStepper: {next(iter(kwargs))} must be"):
        BackwardStepper(loss, **kwargs)


def test_a_fresh_loss_never_shows_gradients_left_by_an_earlier_loss():
    """ch3/ch4: a new loss from the same weights must not be drawn with the last step's gradients."""
    w = dlkit.Tensor(2.0, requires_grad=True, name="w")
    old_loss = w * 5
    old_loss.backward()                          # w.grad = 5, from old_loss
    new_loss = w * w
    assert "grad" not in draw_graph(new_loss).source       # w.grad does not belong to new_loss
    assert "grad 5" in draw_graph(new_loss, show_grad="always").source
    assert "grad 5" in draw_graph(old_loss).source          # old_loss's own pass: shown
    w.grad = None
    new_loss.backward()
    assert "grad 4" in draw_graph(new_loss).source          # now they are new_loss's: 2w = 4
