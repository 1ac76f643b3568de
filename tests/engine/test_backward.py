"""The backward pass: accumulation, reuse, diamonds, repeated calls, no_grad / enable_grad, very long
chains, and the steps ``backward_steps()`` records (the same engine the stepper widget walks)."""
import sys

import numpy as np
import pytest

import dlkit
from dlkit import BackwardStep, GradientError, ShapeError, Tensor


# -- Accumulation ---------------------------------------------------------------------------------------
def test_a_tensor_used_twice_in_a_product_gets_both_contributions():
    x = Tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad == 6.0  # d(x²)/dx = 2x


def test_a_tensor_added_to_itself_gets_gradient_two():
    a = Tensor([1.0, -1.0], requires_grad=True)
    (a + a).sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])


def test_a_diamond_adds_the_gradients_of_both_paths():
    # x feeds two branches that meet again: y = (2x)·(x + 1); dy/dx = 2(x + 1) + 2x = 4x + 2
    x = Tensor(1.5, requires_grad=True)
    left = x * 2
    right = x + 1
    y = left * right
    y.backward()
    assert x.grad == pytest.approx(8.0)
    assert left.grad == pytest.approx(2.5)   # = right
    assert right.grad == pytest.approx(3.0)  # = left


def test_a_deep_diamond_lattice_counts_every_path():
    # Each level doubles the number of paths: y = x · 2ⁿ, so dy/dx = 2ⁿ.
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10):
        y = y + y
    y.backward()
    assert x.grad == 2.0 ** 10


def test_repeated_backward_calls_add_up_like_pytorch():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])  # twice 2x


def test_backward_through_two_losses_sharing_a_leaf_accumulates():
    w = Tensor(2.0, requires_grad=True)
    (w * 3).backward()
    (w * w).backward()
    assert w.grad == 3.0 + 4.0


def test_zero_grad_forgets_the_accumulated_gradient():
    x = Tensor(1.0, requires_grad=True)
    (x * 5).backward()
    x.zero_grad()
    assert x.grad is None
    (x * 2).backward()
    assert x.grad == 2.0


def test_intermediate_tensors_get_their_gradient_too():
    x = Tensor(2.0, requires_grad=True)
    h = x * 3
    y = h * h
    y.backward()
    assert h.grad == 12.0  # 2h
    assert y.grad == 1.0
    assert x.grad == 36.0


def test_only_inputs_that_require_grad_receive_one():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(5.0)
    (a * b).backward()
    assert a.grad == 5.0
    assert b.grad is None


def test_sibling_leaves_get_independent_gradient_arrays():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    upstream = np.array([1.0, 1.0])
    (a + b).backward(upstream)
    a.grad += 100  # in-place update of one leaf's gradient, as an optimizer might do
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(upstream, [1.0, 1.0])


def test_explicit_gradient_for_a_non_scalar_output_weights_each_entry():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -6.0])


def test_backward_of_a_non_scalar_without_grad_says_a_scalar_is_needed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GradientError, match=r"backward: .*scalar.*shape \(2,\)"):
        (x * 2).backward()


def test_backward_of_a_one_element_tensor_of_any_shape_needs_no_grad():
    x = Tensor([[2.0]], requires_grad=True)
    (x * 3).backward()
    np.testing.assert_array_equal(x.grad, [[3.0]])


def test_backward_with_a_grad_of_the_wrong_shape_names_both_shapes():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ShapeError, match=r"backward: gradient has shape \(3,\), but the tensor has shape \(2,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_a_tensor_that_does_not_require_grad_is_an_error():
    with pytest.raises(GradientError, match=r"backward: this tensor does not require grad"):
        (Tensor(1.0) * 2).backward()


def test_detach_cuts_the_graph():
    x = Tensor(2.0, requires_grad=True)
    d = (x * 3).detach()
    assert d.is_leaf and not d.requires_grad
    y = x * d
    y.backward()
    assert x.grad == 6.0


def test_leaves_are_leaves_and_op_results_are_not():
    x = Tensor(1.0, requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.op == "" and x.parents == ()
    assert not y.is_leaf and y.op == "mul" and y.parents[0] is x


# -- no_grad / enable_grad -----------------------------------------------------------------------------
def test_no_grad_builds_no_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with dlkit.no_grad():
        assert not dlkit.is_grad_enabled()
        y = (x * 2).sum()
    assert dlkit.is_grad_enabled()
    assert not y.requires_grad
    assert y.parents == ()
    assert y.op == ""
    with pytest.raises(GradientError):
        y.backward()


def test_no_grad_works_as_a_decorator():
    @dlkit.no_grad()
    def evaluate(t):
        """Evaluate without a graph."""
        return t * 3

    x = Tensor(1.0, requires_grad=True)
    y = evaluate(x)
    assert not y.requires_grad and y.parents == ()
    assert dlkit.is_grad_enabled()
    assert evaluate.__name__ == "evaluate"
    assert evaluate.__doc__ == "Evaluate without a graph."


def test_no_grad_restores_recording_after_an_exception():
    with pytest.raises(RuntimeError), dlkit.no_grad():
        raise RuntimeError("boom")
    assert dlkit.is_grad_enabled()


def test_nested_no_grad_blocks_restore_the_outer_state():
    with dlkit.no_grad():
        with dlkit.no_grad():
            pass
        assert not dlkit.is_grad_enabled()
    assert dlkit.is_grad_enabled()


def test_enable_grad_turns_recording_back_on_inside_no_grad():
    x = Tensor(2.0, requires_grad=True)
    with dlkit.no_grad():
        with dlkit.enable_grad():
            y = x * x
        z = x * x
        assert not dlkit.is_grad_enabled()
    assert y.requires_grad and y.parents == (x, x)
    assert not z.requires_grad
    y.backward()
    assert x.grad == 4.0


# -- Very long graphs ---------------------------------------------------------------------------------
def test_a_chain_of_100000_ops_backpropagates_without_touching_the_recursion_limit():
    limit = sys.getrecursionlimit()
    x = Tensor(1.0, requires_grad=True)
    y = x
    for i in range(100_000):
        y = y * 1.00001 if i % 2 == 0 else y + 1.0
    steps = sum(1 for _ in y.backward_steps())
    assert steps == 100_000
    assert x.grad == pytest.approx(1.00001 ** 50_000, rel=1e-9)
    assert sys.getrecursionlimit() == limit
    del y  # freeing the chain must not recurse either


def test_topological_order_puts_inputs_before_the_ops_that_use_them():
    a = Tensor(1.0, requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    c = a * b
    d = c + a
    e = d * c
    order = dlkit.topological_order(e)
    position = {id(t): i for i, t in enumerate(order)}
    assert len(order) == 5
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert order[-1] is e


# -- backward_steps ------------------------------------------------------------------------------------
def test_backward_steps_record_node_upstream_rule_inputs_and_grads():
    a = Tensor(2.0, requires_grad=True, name="a")
    b = Tensor(3.0, requires_grad=True, name="b")
    c = a * b
    d = c + a
    steps = list(d.backward_steps())
    assert [type(s) for s in steps] == [BackwardStep, BackwardStep]
    first, second = steps
    assert first.index == 0 and first.node is d
    assert first.upstream == 1.0
    assert first.rule == d.rule and "∂" in first.rule
    assert first.inputs == (c, a)
    assert [float(g) for g in first.grads] == [1.0, 1.0]
    assert second.index == 1 and second.node is c
    assert second.upstream == 1.0
    assert second.inputs == (a, b)
    assert [float(g) for g in second.grads] == [3.0, 2.0]  # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a


def test_gradients_fill_in_step_by_step():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(3.0, requires_grad=True)
    d = a * b + a
    steps = d.backward_steps()
    next(steps)            # the add: a receives its first contribution, b nothing yet
    assert a.grad == 1.0 and b.grad is None
    next(steps)            # the mul: a receives b, b receives a
    assert a.grad == 4.0 and b.grad == 2.0
    with pytest.raises(StopIteration):
        next(steps)


def test_an_input_that_needs_no_gradient_gets_none_in_the_step():
    a = Tensor(2.0, requires_grad=True)
    (step,) = list((a * Tensor(5.0)).backward_steps())
    assert step.grads[0] == 5.0
    assert step.grads[1] is None


def test_every_node_is_stepped_before_the_ops_that_made_its_inputs():
    # A node may send its gradient on only once every op that uses it has sent it one.
    x = Tensor(np.ones(3), requires_grad=True)
    h = x.exp()
    y = (h * x + h.sum()).mean()
    nodes = [step.node for step in y.backward_steps()]
    assert len(set(map(id, nodes))) == len(nodes) == 5  # one step per op node
    position = {id(node): i for i, node in enumerate(nodes)}
    for i, node in enumerate(nodes):
        for parent in node.parents:
            if not parent.is_leaf:
                assert position[id(parent)] > i


def _expression(x, w):
    h = (x @ w).tanh()
    return (h * h + h.relu()).mean(axis=0).sum() + w.abs().max()


def _leaves():
    rng = np.random.default_rng(7)
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True, name="x")
    w = Tensor(rng.standard_normal((3, 2)), requires_grad=True, name="w")
    return x, w


def test_backward_equals_backward_steps_run_to_the_end():
    x1, w1 = _leaves()
    x2, w2 = _leaves()
    _expression(x1, w1).backward()
    for _ in _expression(x2, w2).backward_steps():
        pass
    np.testing.assert_array_equal(x1.grad, x2.grad)
    np.testing.assert_array_equal(w1.grad, w2.grad)


def test_the_same_expression_built_twice_gives_the_same_steps_in_the_same_order():
    def describe(steps):
        return [(s.index, s.node.op, s.rule, s.node.shape,
                 tuple(p.name or p.op for p in s.inputs)) for s in steps]
    first = describe(_expression(*_leaves()).backward_steps())
    second = describe(_expression(*_leaves()).backward_steps())
    assert first == second
    assert len(first) > 5


def test_steps_report_the_gradient_sent_to_each_input():
    x, w = _leaves()
    for step in _expression(x, w).backward_steps():
        assert len(step.grads) == len(step.inputs)
        assert np.shape(step.upstream) == step.node.shape
        for parent, g in zip(step.inputs, step.grads):
            if g is not None:
                assert g.shape == parent.shape
