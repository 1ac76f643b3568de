"""Who owns .grad: after any mix of steppers and backward() calls, every .grad is what the rule says.

The rule (BackwardStepper's module docstring): the newest stepper on a graph owns its .grad; an older
one detaches; a stepper that finds a .grad it did not write detaches instead of acting; a detached
stepper never writes .grad again. The expected gradients come from an oracle that never asks the
stepper: the engine's ``backward_steps()`` run on an identical copy of the graph, snapshotted after
every step.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import dlkit
from dlkit.viz import BackwardStepper, StepperDetached


def two_losses():
    """Two losses sharing the leaves a and b: L1 = a·b + a (a used twice), L2 = tanh(a·c) · b."""
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    c = dlkit.Tensor(0.5, requires_grad=True, name="c")
    return (a, b, c), [a * b + a, (a * c).tanh() * b]


def prefix_gradients(root):
    """The engine's gradients after 0, 1, ..., K steps, from zero, as {id(tensor): array or None}."""
    order = dlkit.topological_order(root)
    for t in order:
        t.grad = None
    states = [{id(t): None for t in order}]
    for _ in root.backward_steps():
        states.append({id(t): None if t.grad is None else t.grad.copy() for t in order})
    for t in order:
        t.grad = None
    return order, states


def same(x, y):
    return (x is None and y is None) or (x is not None and y is not None and np.array_equal(x, y))


def plus(x, y):
    if x is None:
        return None if y is None else y.copy()
    return x.copy() if y is None else x + y


def test_the_reported_sequence_cannot_corrupt_grads_any_more():
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    loss = a * b + a
    s1 = BackwardStepper(loss)
    s1.play()
    s2 = BackwardStepper(loss)
    s2.play()
    assert s1.detached and "newer BackwardStepper" in s1.detached and s2.detached is None
    with pytest.raises(StepperDetached, match="detached"):
        s1.back()
    assert a.grad.item() == -2.0 and b.grad.item() == 2.0      # by hand: b + 1 and a


def test_backward_while_a_stepper_is_live_detaches_it_and_accumulates_as_always():
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    loss = a * b + a
    stepper = BackwardStepper(loss)
    stepper.step()                               # the add: a.grad = 1 so far
    loss.backward()                              # adds the full gradient: a.grad = 1 + (−2)
    assert a.grad.item() == -1.0 and b.grad.item() == 2.0
    with pytest.raises(StepperDetached, match=r"\.grad of .* was changed outside this stepper"):
        stepper.step()
    assert a.grad.item() == -1.0 and b.grad.item() == 2.0      # the refused step changed nothing
    with pytest.raises(StepperDetached):
        stepper.reset()
    assert a.grad.item() == -1.0


def test_a_detached_widget_greys_its_controls_and_says_why():
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    loss = a * a
    old = BackwardStepper(loss)
    _ = old.widget
    BackwardStepper(loss)
    controls = [old._step_button, old._back_button, old._reset_button, old._slider, old._play]
    assert all(c.disabled for c in controls)
    assert "Detached" in old._formula_view.value and "newer BackwardStepper" in old._formula_view.value
    old._step_button.click()                     # a click on a stale widget: no exception, no change
    assert a.grad is None and old.index == 0
    assert "detached: a newer BackwardStepper" in repr(old)


def test_steppers_on_unrelated_graphs_do_not_disturb_each_other():
    x = dlkit.Tensor(1.5, requires_grad=True, name="x")
    y = dlkit.Tensor(0.5, requires_grad=True, name="y")
    first, second = BackwardStepper(x * x), BackwardStepper(y.exp())
    first.play()
    second.play()
    assert first.detached is None and second.detached is None
    assert x.grad.item() == 3.0 and y.grad.item() == np.exp(0.5)


def test_restore_gives_the_old_grads_back_and_detaches():
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    a.grad = np.array(7.0)
    stepper = BackwardStepper(a * a)
    stepper.play()
    stepper.restore()
    assert a.grad.item() == 7.0 and stepper.detached
    with pytest.raises(StepperDetached):
        stepper.play()


def test_each_step_records_only_the_gradients_it_changes():
    """The undo log is what makes play() linear: a step stores its inputs' grads, not the graph's."""
    x = dlkit.Tensor(0.3, requires_grad=True, name="x")
    y = x
    for _ in range(200):
        y = y.tanh() * 0.9
    stepper = BackwardStepper(y)
    stepper.play()
    assert stepper.at_end and len(stepper.steps) == 400
    assert max(len(changes) for changes in stepper._changes) <= 3   # root seed + two inputs
    assert sum(len(changes) for changes in stepper._changes) <= 2 * 400 + 1


class StepperAndBackward(RuleBasedStateMachine):
    """Random Step/Back/Reset/Play/go_to on several steppers, mixed with backward() and zero_grad()."""

    @initialize()
    def build(self):
        self.leaves, self.roots = two_losses()
        self.oracle = []
        for builder_root in two_losses()[1]:            # an identical copy, for the expected values
            order, states = prefix_gradients(builder_root)
            self.oracle.append(([id(t) for t in order], states))
        self.tensors = {}
        for root in self.roots:
            for t in dlkit.topological_order(root):
                self.tensors[id(t)] = t
        # positions of the copy's tensors -> this graph's tensors (same construction, same order)
        self.maps = []
        for r, root in enumerate(self.roots):
            mine = [id(t) for t in dlkit.topological_order(root)]
            self.maps.append(dict(zip(self.oracle[r][0], mine)))
        self.expected = {key: None for key in self.tensors}
        # Identity of what each .grad holds: None for None, a fresh token for each new array. A
        # stepper may act only if every .grad of its graph still holds what it left there.
        self.token = {key: None for key in self.tensors}
        self.steppers = []   # [stepper, root number, base grads, index, attached, tokens it left]

    def contribution(self, r, k):
        """The oracle's gradients after k steps of loss r, keyed by this graph's tensor ids."""
        _ids, states = self.oracle[r]
        k = min(k, len(states) - 1)
        return {self.maps[r][key]: value for key, value in states[k].items()}

    def assign(self, key, value):
        if value is None:
            self.token[key] = None
        else:
            self.token[key] = object()
        self.expected[key] = value

    def left_by(self, r):
        return {key: self.token[key] for key in self.maps[r].values()}

    @rule(r=st.integers(0, 1), zero_grad=st.booleans())
    def new_stepper(self, r, zero_grad):
        mine = set(self.maps[r].values())
        stepper = BackwardStepper(self.roots[r], zero_grad=zero_grad)
        for entry in self.steppers:
            if entry[4] and mine & set(self.maps[entry[1]].values()):
                entry[4] = False                         # rule 2: the newest wins
        base = {key: self.expected[key] for key in mine}
        if zero_grad:
            for key in mine:
                self.assign(key, None)
            base = dict.fromkeys(mine)
        self.steppers.append([stepper, r, base, 0, True, self.left_by(r)])

    @precondition(lambda self: self.steppers)
    @rule(data=st.data(), action=st.sampled_from(["step", "back", "reset", "play", "go_to"]))
    def drive(self, data, action):
        entry = data.draw(st.sampled_from(self.steppers))
        stepper, r, base, index, attached, left = entry
        dirty = any(self.token[key] is not token for key, token in left.items())
        total = len(self.oracle[r][1]) - 1
        target = {"step": min(index + 1, total), "back": max(index - 1, 0), "reset": 0,
                  "play": total}.get(action)
        args = ()
        if action == "go_to":
            target = data.draw(st.integers(-1, total + 1))
            args = (target,)
            target = max(0, min(target, total))
        if not attached or dirty:
            with pytest.raises(StepperDetached):
                getattr(stepper, action)(*args)
            entry[4] = False
            return
        getattr(stepper, action)(*args)
        assert stepper.index == target
        before = self.contribution(r, index)
        entry[3] = target
        for key, value in self.contribution(r, target).items():
            if target != index and not same(value, before[key]):
                self.assign(key, plus(base[key], value))
        entry[5] = self.left_by(r)

    @rule(r=st.integers(0, 1))
    def backward(self, r):
        self.roots[r].backward()
        full = self.contribution(r, 10**9)
        for key, value in full.items():
            if value is not None:
                self.assign(key, plus(self.expected[key], value))

    @rule()
    def zero_grad(self):
        for t in self.leaves:
            t.grad = None
            self.assign(id(t), None)

    @invariant()
    def every_grad_is_what_the_rule_says(self):
        if not hasattr(self, "tensors"):
            return
        for key, tensor in self.tensors.items():
            want = self.expected[key]
            if want is None:
                assert tensor.grad is None, (tensor.name, tensor.grad)
            else:
                assert tensor.grad is not None, (tensor.name, want)
                np.testing.assert_allclose(tensor.grad, want, rtol=1e-12, atol=0)


StepperAndBackward.TestCase.settings = settings(
    max_examples=150, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_any_sequence_of_steppers_and_backward_keeps_the_rule = StepperAndBackward.TestCase
