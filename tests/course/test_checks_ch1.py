"""Chapter 1's engine checks (topological order, Value, backward, MLP, gradient descent): each fails on
the stub and on the mistakes learners really make, and passes on right answers written here,
independently of ``dlkit.course.references.chapter1`` — including one whose Value holds float32.

``CH1_CASES`` joins ``CASES`` in test_checks.py, which runs the stub / right / wrong tests for it.
"""
import math

import numpy as np
import pytest

from dlkit.course import run_check


# ----------------------------------------------------------------------------------------------------
# Topological order: a right one (iterative, unlike the reference) and three wrong ones
# ----------------------------------------------------------------------------------------------------
def topo_iterative(root):
    order, done, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in done:
            done.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if id(p) not in done)
    return order


def topo_without_visited_set(root):
    order = []

    def visit(node):
        for parent in node.parents:
            visit(parent)
        order.append(node)
    visit(root)
    return order


def topo_preorder(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            order.append(node)  # appended before its parents: the root comes first
            for parent in node.parents:
                visit(parent)
    visit(root)
    return order


def topo_only_direct_parents(root):
    return [*root.parents, root]


# ----------------------------------------------------------------------------------------------------
# Value classes: one right, and one per classic mistake
# ----------------------------------------------------------------------------------------------------
def make_value(mistake=None, dtype=float):
    """A micrograd-style Value; ``mistake`` names the one bug to put in, ``dtype`` the number type."""

    class Value:
        def __init__(self, data, parents=(), op=""):
            self.data = dtype(data)
            self.grad = 0.0
            self.parents = parents
            self.op = op
            self.local_backward = lambda: None

        @staticmethod
        def lift(x):
            return x if isinstance(x, Value) else Value(x)

        def __add__(self, other):
            other = Value.lift(other)
            out = Value(self.data + other.data, (self, other), "+")

            def local_backward():
                if mistake == "assign":
                    self.grad = out.grad
                    other.grad = out.grad
                else:
                    self.grad += out.grad
                    other.grad += out.grad
            out.local_backward = local_backward
            return out

        def __mul__(self, other):
            other = Value.lift(other)
            out = Value(self.data * other.data, (self, other), "*")

            def local_backward():
                if mistake == "assign":
                    self.grad = other.data * out.grad
                    other.grad = self.data * out.grad
                else:
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
            out.local_backward = local_backward
            return out

        def __pow__(self, n):
            out = Value(self.data ** n, (self,), f"**{n}")

            def local_backward():
                factor = 1 if mistake == "pow_without_exponent" else n
                self.grad += factor * self.data ** (n - 1) * out.grad
            out.local_backward = local_backward
            return out

        def tanh(self):
            e2 = math.exp(2 * float(self.data))
            t = dtype((e2 - 1) / (e2 + 1))
            out = Value(t, (self,), "tanh")

            def local_backward():
                slope = 1 - self.data ** 2 if mistake == "tanh_of_input" else 1 - t ** 2
                self.grad += slope * out.grad
            out.local_backward = local_backward
            return out

        def exp(self):
            out = Value(dtype(math.exp(float(self.data))), (self,), "exp")

            def local_backward():
                self.grad += out.data * out.grad
            out.local_backward = local_backward
            return out

        def __neg__(self):
            return self * -1

        def __sub__(self, other):
            return self + (-other)

        def __rsub__(self, other):
            return Value.lift(other) - self

        def __radd__(self, other):
            return self + other

        def __rmul__(self, other):
            return self * other

        def __truediv__(self, other):
            return self * Value.lift(other) ** -1

        def backward(self):
            if mistake != "no_seed":
                self.grad = 1.0
            if mistake == "recursive":
                def visit(node):  # visits a shared node once per path, before all its users are done
                    node.local_backward()
                    for parent in node.parents:
                        visit(parent)
                visit(self)
                return
            order = topo_iterative(self)
            if mistake != "forward_order":
                order = order[::-1]
            for node in order:
                node.local_backward()

    return Value


# ----------------------------------------------------------------------------------------------------
# MLP classes of Values
# ----------------------------------------------------------------------------------------------------
def make_mlp(mistake=None):
    Value = make_value()

    class Neuron:
        def __init__(self, n_in):
            if mistake == "same_init":
                self.w = [Value(0.5) for _ in range(n_in)]
                self.b = Value(0.5)
            elif mistake == "rand_init":        # np.random.random(): [0, 1), never negative
                self.w = [Value(np.random.random()) for _ in range(n_in)]
                self.b = Value(np.random.random())
            else:
                self.w = [Value(np.random.uniform(-1, 1)) for _ in range(n_in)]
                self.b = Value(np.random.uniform(-1, 1))

        def __call__(self, x):
            total = self.b
            for wi, xi in zip(self.w, x):
                total = total + wi * xi
            return total if mistake == "no_tanh" else total.tanh()

        def parameters(self):
            return [self.b, *self.w] if mistake == "bias_first" else [*self.w, self.b]

    class Layer:
        def __init__(self, n_in, n_out):
            self.neurons = [Neuron(n_in) for _ in range(n_out)]

        def __call__(self, x):
            outs = [n(x) for n in self.neurons]
            return outs[0] if len(outs) == 1 else outs

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP:
        def __init__(self, n_in, n_outs):
            sizes = [n_in, *n_outs]
            self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(n_outs))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
                x = x if isinstance(x, list) else [x]
            return x[0] if len(x) == 1 else x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    return MLP


# ----------------------------------------------------------------------------------------------------
# Gradient descent steps
# ----------------------------------------------------------------------------------------------------
def squared_error(model, xs, ys):
    loss = 0.0
    for x, y in zip(xs, ys):
        loss = (model(x) - y) ** 2 + loss
    return loss


def step_right(model, xs, ys, learning_rate):
    for p in model.parameters():
        p.grad = 0.0
    loss = squared_error(model, xs, ys)
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data


def step_without_zero_grad(model, xs, ys, learning_rate):
    loss = squared_error(model, xs, ys)
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data


def step_uphill(model, xs, ys, learning_rate):
    for p in model.parameters():
        p.grad = 0.0
    loss = squared_error(model, xs, ys)
    loss.backward()
    for p in model.parameters():
        p.data += learning_rate * p.grad
    return loss.data


def step_returns_value(model, xs, ys, learning_rate):
    for p in model.parameters():
        p.grad = 0.0
    loss = squared_error(model, xs, ys)
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss


CH1_CASES = {
    # name: (right answer, [(wrong answer, fragment the message must contain), ...])
    "ch1.topological_order": (topo_iterative, [
        (topo_without_visited_set, "appears 2 times"),
        (topo_preorder, "comes before its input"),
        (topo_only_direct_parents, "is missing")]),
    "ch1.value": (make_value(), [
        (make_value("assign"), "used twice"),
        (make_value("tanh_of_input"), "a.tanh()"),
        (make_value("pow_without_exponent"), "a ** 3")]),
    "ch1.backward": (make_value(), [
        (make_value("no_seed"), "self.grad = 1.0"),
        (make_value("recursive"), "exactly once"),
        (make_value("forward_order"), "reversed topological order"),
        (make_value("assign"), "expected")]),
    "ch1.mlp": (make_mlp(), [
        (make_mlp("no_tanh"), "tanh"),
        (make_mlp("bias_first"), "then its bias"),
        (make_mlp("same_init"), "different random numbers"),
        (make_mlp("rand_init"), "both signs")]),
    "ch1.gradient_descent_step": (step_right, [
        (step_without_zero_grad, "p.grad = 0.0"),
        (step_uphill, "loss went up"),
        (step_returns_value, "loss.data")]),
}


def test_a_value_holding_float32_numbers_passes_the_value_and_backward_checks():
    Value32 = make_value(dtype=np.float32)
    for name in ("ch1.value", "ch1.backward"):
        result = run_check(name, Value32)
        assert result.passed, str(result)


@pytest.mark.parametrize("name", ["ch1.value", "ch1.backward"])
def test_the_exercise_stub_class_is_reported_as_not_implemented(name):
    # The exercise notebook's class: __init__ and __add__ given, every other method a stub.
    Right = make_value()

    class Stub(Right):
        def __mul__(self, other):
            raise NotImplementedError("exercise: replace this line with your code")

        def backward(self):
            raise NotImplementedError("exercise: replace this line with your code")

    result = run_check(name, Stub)
    assert not result.passed and result.message == "not implemented yet", str(result)


def test_the_mlp_check_leaves_numpys_global_random_stream_alone():
    np.random.seed(3)
    expected = np.random.uniform(size=3)
    np.random.seed(3)
    assert run_check("ch1.mlp", make_mlp()).passed
    assert np.array_equal(np.random.uniform(size=3), expected)


# ----------------------------------------------------------------------------------------------------
# More wrong answers for ch1.derivative (the stub / right / first wrong one are in test_checks.py)
# ----------------------------------------------------------------------------------------------------
def central_without_the_2(f, x, h):
    return (f(x + h) - f(x - h)) / h


def central_ignoring_h(f, x, h):
    return (f(x + 0.1) - f(x - 0.1)) / 0.2  # a fixed, too large step: error ~ h²/6·f'''


def backward_difference(f, x, h):
    return (f(x) - f(x - h)) / h


@pytest.mark.parametrize("wrong", [central_without_the_2, central_ignoring_h, backward_difference])
def test_derivative_check_fails_on_more_plausible_wrong_answers(wrong):
    result = run_check("ch1.derivative", wrong)
    assert not result.passed and "exact value" in result.message, str(result)


def test_topological_order_answered_with_dlkits_own_is_refused():
    import dlkit

    def borrowed(root):
        return dlkit.topological_order(root, include_constants=True)  # would work on any .parents graph
    result = run_check("ch1.topological_order", borrowed)
    assert not result.passed and "write it yourself" in result.message, str(result)


def test_a_value_that_wraps_dlkit_tensors_is_refused():
    import dlkit
    Right = make_value()

    class Wrapped(Right):
        def __init__(self, data, parents=(), op=""):
            super().__init__(dlkit.Tensor(float(data)).item(), parents, op)
    result = run_check("ch1.value", Wrapped)
    assert not result.passed and "write it yourself" in result.message, str(result)


def test_a_mul_that_forgets_plain_numbers_is_told_to_wrap_them():
    Right = make_value()

    class NoLift(Right):
        def __mul__(self, other):
            out = Right.__mul__(self, other) if isinstance(other, Right) else None
            return out if out is not None else Right(self.data * other.data)  # float has no .data
    result = run_check("ch1.value", NoLift)
    assert not result.passed and "a * 3.5" in str(result) and "turn it into a Value" in str(result), str(result)


def exp_rule_from_the_input():
    Value = make_value()
    right_exp = Value.exp

    def exp(self):
        out = right_exp(self)

        def local_backward():        # e^a's slope taken as a, not e^a
            self.grad += self.data * out.grad
        out.local_backward = local_backward
        return out
    Value.exp = exp
    return Value


def backward_without_a_visited_set():
    Value = make_value()

    def backward(self):              # a shared node is listed (and run) once per path
        order = []

        def visit(node):
            for parent in node.parents:
                visit(parent)
            order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node.local_backward()
    Value.backward = backward
    return Value


def central_difference_with_a_precedence_slip(f, x, h):
    return (f(x + h) - f(x - h)) / 2 * h


@pytest.mark.parametrize("name,wrong,fragment", [
    ("ch1.value", exp_rule_from_the_input(), "a.exp()"),
    ("ch1.backward", backward_without_a_visited_set(), "diamond"),
    ("ch1.derivative", central_difference_with_a_precedence_slip, "exact value"),
])
def test_more_wrong_engines_found_by_the_cold_read_fail(name, wrong, fragment):
    result = run_check(name, wrong)
    assert not result.passed, f"{name} passed a wrong answer: {result}"
    assert fragment in str(result), str(result)
