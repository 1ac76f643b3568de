"""BackwardStepper: walks the engine's own steps; its grads equal backward()'s exactly; back() undoes."""
import numpy as np
import pytest

import dlkit
from dlkit.viz import BackwardStepper
from dlkit.viz.graph import HIGHLIGHT_FILL, graph_nodes


def scalar_expression():
    """loss = a·b + a, a = 2, b = −3: by hand ∂loss/∂a = b + 1 = −2 and ∂loss/∂b = a = 2."""
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    return [a, b], a * b + a


def raw_mlp():
    """A 3-5-2 MLP with a squared-error loss, from raw tensors (same numbers on every call)."""
    rng = np.random.default_rng(0)
    X = dlkit.Tensor(rng.standard_normal((4, 3)), name="X")
    Y = dlkit.Tensor(rng.standard_normal((4, 2)), name="Y")
    W1 = dlkit.Tensor(rng.standard_normal((3, 5)), requires_grad=True, name="W1")
    b1 = dlkit.Tensor(rng.standard_normal(5), requires_grad=True, name="b1")
    W2 = dlkit.Tensor(rng.standard_normal((5, 2)), requires_grad=True, name="W2")
    b2 = dlkit.Tensor(rng.standard_normal(2), requires_grad=True, name="b2")
    h = (X @ W1 + b1).relu()
    loss = (((h @ W2 + b2) - Y) ** 2).mean()
    return [W1, b1, W2, b2], loss


def nn_mlp():
    nn = dlkit.nn
    dlkit.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))
    X = dlkit.Tensor(np.random.default_rng(1).standard_normal((6, 2)))
    loss = nn.CrossEntropyLoss()(model(X), np.array([0, 1, 2, 0, 1, 2]))
    return model, [p for _, p in model.named_parameters()], loss


def test_scalar_expression_gives_the_hand_derived_gradients():
    (a, b), loss = scalar_expression()
    stepper = BackwardStepper(loss)
    assert stepper.index == 0 and stepper.total == 2
    assert stepper.step().node.op == "add"
    assert stepper.step().node.op == "mul"
    assert stepper.step() is None and stepper.index == 2
    assert a.grad.item() == -2.0 and b.grad.item() == 2.0


@pytest.mark.parametrize("build", [scalar_expression, raw_mlp], ids=["scalar", "raw-mlp"])
def test_order_and_grads_equal_the_engine_exactly(build):
    reference_params, reference_loss = build()
    reference_position = positions(reference_loss)
    engine_order = [(reference_position[id(s.node)], s.node.op) for s in reference_loss.backward_steps()]
    params, loss = build()
    stepper = BackwardStepper(loss)
    stepper.play()
    position = positions(loss)
    assert [(position[id(s.node)], s.node.op) for s in stepper.steps] == engine_order
    for mine, theirs in zip(params, reference_params):
        assert np.array_equal(mine.grad, theirs.grad)          # exactly, not approximately
    for mine, theirs in zip(topological(loss), topological(reference_loss)):
        assert np.array_equal(mine.grad, theirs.grad)


def positions(root):
    """Where each tensor sits in the traversal (Tensor's == is elementwise, so no list.index)."""
    return {id(t): i for i, t in enumerate(graph_nodes(root))}


def topological(root):
    return dlkit.topological_order(root)


def test_raw_mlp_grads_match_pytorch():
    torch = pytest.importorskip("torch")
    params, loss = raw_mlp()
    BackwardStepper(loss).play()
    W1, b1, W2, b2 = (torch.tensor(p.data, requires_grad=True) for p in params)
    rng = np.random.default_rng(0)
    X, Y = torch.tensor(rng.standard_normal((4, 3))), torch.tensor(rng.standard_normal((4, 2)))
    ((torch.relu(X @ W1 + b1) @ W2 + b2 - Y) ** 2).mean().backward()
    for mine, theirs in zip(params, (W1, b1, W2, b2)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_nn_mlp_with_a_loss_steps_to_backwards_gradients():
    model, params, loss = nn_mlp()
    _, reference_params, reference_loss = nn_mlp()
    reference_loss.backward()
    stepper = BackwardStepper(loss, params=model)
    stepper.play()
    assert stepper.at_end and stepper.index == len(stepper.steps) > 0
    for mine, theirs in zip(params, reference_params):
        assert np.array_equal(mine.grad, theirs.grad)
    assert '"0.weight  8×2' in stepper.graph().source


def snapshot(root):
    return [None if t.grad is None else t.grad.copy() for t in dlkit.topological_order(root)]


def same(first, second):
    return all((x is None and y is None) or (x is not None and y is not None and np.array_equal(x, y))
               for x, y in zip(first, second))


def test_back_restores_the_earlier_gradients_and_step_replays_them():
    _params, loss = raw_mlp()
    stepper = BackwardStepper(loss)
    states = [snapshot(loss)]
    while stepper.step() is not None:
        states.append(snapshot(loss))
    assert len(states) == stepper.total + 1
    for k in range(stepper.total, 0, -1):
        stepper.back()
        assert stepper.index == k - 1 and same(snapshot(loss), states[k - 1])
    stepper.go_to(3)
    assert same(snapshot(loss), states[3])
    stepper.reset()
    assert stepper.index == 0 and all(g is None for g in snapshot(loss))


def test_stepper_starts_from_zeroed_grads_and_restore_brings_the_old_ones_back():
    (a, b), loss = scalar_expression()
    a.grad = np.array(10.0)
    stepper = BackwardStepper(loss)
    assert a.grad is None
    stepper.play()
    assert a.grad.item() == -2.0
    stepper.restore()
    assert a.grad.item() == 10.0 and b.grad is None


def test_zero_grad_false_accumulates_like_a_second_backward_and_reset_goes_back():
    (a, b), loss = scalar_expression()
    a.grad = np.array(10.0)
    stepper = BackwardStepper(loss, zero_grad=False)
    stepper.play()
    assert a.grad.item() == 8.0 and b.grad.item() == 2.0
    stepper.reset()
    assert a.grad.item() == 10.0 and b.grad is None


def test_widget_state_after_each_step():
    (_a, _b), loss = scalar_expression()
    stepper = BackwardStepper(loss)
    _ = stepper.widget                               # build it
    assert stepper._back_button.disabled and stepper._reset_button.disabled
    assert not stepper._step_button.disabled
    assert "Step 0 of 2" in stepper._formula_view.value

    stepper.step()                                   # the add node, t3
    assert stepper.current_node_id == "t3"
    assert stepper._slider.value == 1 and stepper._play.max == stepper._slider.max == 2
    assert not stepper._back_button.disabled and not stepper._step_button.disabled
    assert 'data-current="t3"' in stepper._graph_view.value
    graph = stepper.graph().source
    assert 't3 [label=' in graph and HIGHLIGHT_FILL in line_of(graph, "t3")
    assert HIGHLIGHT_FILL in line_of(graph, "op3")
    assert "#c8e6c9" in line_of(graph, "t2") and "#c8e6c9" in line_of(graph, "t0")   # got grads
    panel = stepper._formula_view.value
    # the rule speaks of the graph's own names: t2 (= a·b) and the leaf a, never a second "a"/"b"
    assert "Step 1 of 2" in panel and "∂(t2+a)/∂t2 = 1,  ∂(t2+a)/∂a = 1" in panel
    assert ">t2</td>" in panel and ">a (t0)</td>" in panel
    assert "1 × (1) = <b>1</b>" in panel

    stepper.step()                                   # the mul node, t2
    panel = stepper._formula_view.value
    assert "Step 2 of 2" in panel and "<code>mul</code>" in panel
    assert "1 × (−3) = <b>−3</b>" in panel           # ∂L/∂a via this use: upstream 1 × b
    assert "1 × (2) = <b>2</b>" in panel             # ∂L/∂b = upstream 1 × a
    assert "accumulated .grad now −2" in panel       # a was also used by the add
    assert stepper._step_button.disabled and stepper._slider.value == 2
    assert "<title>t2</title>" in stepper._graph_view.value     # the SVG itself

    stepper.back()
    assert stepper._slider.value == 1 and not stepper._step_button.disabled
    assert 'data-current="t3"' in stepper._graph_view.value


def line_of(source, node_id):
    return next(line for line in source.splitlines() if line.startswith(f"\t{node_id} ["))


def test_play_runs_in_the_browser_through_links_to_the_slider():
    _, loss = scalar_expression()
    stepper = BackwardStepper(loss)
    _ = stepper.widget
    play_link, speed_link = stepper._links
    assert play_link.source == (stepper._play, "value") and play_link.target == (stepper._slider, "value")
    assert speed_link.target == (stepper._play, "interval")
    buttons = [b.description for b in stepper.widget.children[1].children[:3]]
    assert buttons == ["⟲ Reset", "◀ Back", "Step ▶"]


def test_moving_the_slider_moves_the_stepper():
    _params, loss = raw_mlp()
    stepper = BackwardStepper(loss)
    _ = stepper.widget
    stepper._slider.value = 4
    assert stepper.index == 4
    stepper._slider.value = 1
    assert stepper.index == 1


def test_formula_panel_shows_shapes_and_previews_for_arrays():
    _params, loss = raw_mlp()
    stepper = BackwardStepper(loss)
    stepper.go_to(stepper.total)                     # last step: the first matmul X @ W1
    panel = stepper.formula_html()
    assert "matmul" in panel and "W1 (t" in panel and "3×5 [" in panel


def test_scale_makes_text_and_buttons_bigger():
    _, loss = scalar_expression()
    stepper = BackwardStepper(loss, scale=2.0)
    _ = stepper.widget
    assert "font-size:200%" in stepper.formula_html()
    assert stepper._step_button.layout.width == "220px"
    assert "fontsize=28" in stepper.graph().source


def test_a_big_graph_shows_a_window_around_the_current_step():
    x = dlkit.Tensor(0.1, requires_grad=True, name="x")
    y = x
    for _ in range(300):
        y = y.tanh()
    stepper = BackwardStepper(y, max_nodes=40)
    stepper.go_to(150)
    source = stepper.graph().source
    assert stepper.current_node_id in source and HIGHLIGHT_FILL in line_of(source, stepper.current_node_id)
    assert "nodes hidden" in source


def test_bad_roots_are_clear_errors():
    with pytest.raises(dlkit.GradientError, match="single number"):
        BackwardStepper(dlkit.Tensor([1.0, 2.0], requires_grad=True) * 2)
    with pytest.raises(dlkit.GradientError, match="does not require grad"):
        BackwardStepper(dlkit.Tensor(1.0) * 2)


def test_the_rule_is_written_with_the_graphs_names_or_with_a_key():
    x = dlkit.Tensor(1.5, requires_grad=True, name="x")
    y = dlkit.Tensor(0.5, requires_grad=True, name="y")
    stepper = BackwardStepper((x / y).tanh())
    stepper.play()
    tanh_step, div_step = stepper.steps
    assert stepper.rule_text(tanh_step) == "∂tanh(t2)/∂t2 = 1 − tanh²(t2)"
    assert stepper.rule_text(div_step) == "∂(x/y)/∂x = 1/y,  ∂(x/y)/∂y = −x/y²"
    same = BackwardStepper(x * x)            # both inputs are x: a key, not an ambiguous rule
    same.step()
    assert same.rule_text().endswith("where a = x (t0), b = x (t0)")
    glued = BackwardStepper(dlkit.Tensor(np.ones((2, 3)), requires_grad=True, name="X").exp().sum())
    glued.play()                              # eᵃ: a superscript placeholder cannot be renamed
    assert glued.rule_text(glued.steps[1]) == "∂eᵃ/∂a = eᵃ   where a = X (t0)"


def test_a_layers_rule_keeps_its_letters_and_names_them():
    model, _params, loss = nn_mlp()
    stepper = BackwardStepper(loss, params=model)
    stepper.play()
    first_layer = stepper.steps[-1]
    assert first_layer.node.op == "linear"
    assert stepper.rule_text(first_layer).endswith("where x = t0, W = 0.weight (t1), b = 0.bias (t2)")
