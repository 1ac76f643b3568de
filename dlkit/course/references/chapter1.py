"""Chapter 1 — derivatives, the chain rule, and an engine of your own: references and checks.

Exercises: ``derivative`` (central difference), ``topological_order`` (inputs before the ops that use
them), a scalar ``Value`` class (its ops, then its ``backward()``), an ``MLP`` built from Values and one
``gradient_descent_step``. The Value checks build expressions with the learner's class — reuse,
diamonds, the neuron — and compare values and gradients with dlkit's Tensor on the same expression.
"""
import math
from itertools import pairwise

import numpy as np

from ...tensor import Tensor
from ..checker import register
from ..compare import Mismatch, as_array


# ----------------------------------------------------------------------------------------------------
# Exercise 1: the central difference
# ----------------------------------------------------------------------------------------------------
def derivative(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@register("ch1.derivative", hints=[
    "compare your estimate with the exact slope 3·1.3² of x³ at 1.3: is your error about h, or about h²?",
    "the one-sided difference's error shrinks like h; look at both sides of x instead",
    ("the central difference: f a step h to the right minus f a step h to the left, divided by the "
    "distance between those two points, 2h")])
def check_derivative(answer):
    # Compared with the exact derivative, so a one-sided difference (error ~ h) is caught.
    functions = [("x³ at x = 1.3", lambda x: x ** 3, 1.3, 3 * 1.3 ** 2),
                 ("sin(x) at x = 0.7", np.sin, 0.7, np.cos(0.7)),
                 ("exp(x) at x = −0.4", np.exp, -0.4, np.exp(-0.4)),
                 ("1/x at x = 2.5", lambda x: 1 / x, 2.5, -1 / 2.5 ** 2)]
    for label, f, x, exact in functions:
        got = as_array(answer(f, x, 1e-5), f"derivative of {label}")
        if got.shape != ():
            raise Mismatch(f"derivative of {label} has shape {got.shape}, expected a single number")
        if not abs(float(got) - exact) <= 1e-7 * abs(exact) + 1e-9:
            raise Mismatch(f"derivative of {label} with h = 1e-5: got {float(got):.10g}, exact value "
                           f"{exact:.10g} (difference {abs(float(got) - exact):.3g})")
    return f"{len(functions)} functions passed (within 1e-7 of the exact derivative)"


# ----------------------------------------------------------------------------------------------------
# Exercise 2: topological order
# ----------------------------------------------------------------------------------------------------
def topological_order(root):
    order, visited = [], set()

    def visit(node):
        if id(node) not in visited:
            visited.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    return order


class _Node:
    """A bare graph node for the topological-order check: a name and its parents."""

    def __init__(self, name, *parents):
        self.name, self.parents = name, tuple(parents)

    def __repr__(self):
        return self.name


def _graphs():
    """(label, root, every node reachable from root) for the topological-order check."""
    a, b = _Node("a"), _Node("b")
    chain = _Node("d", _Node("c", _Node("m", a, b)))
    x = _Node("x")
    square = _Node("x·x", x, x)                                   # one parent used twice
    p, q = _Node("p"), _Node("q")
    e = _Node("e", p, q)
    t = _Node("t", e)
    diamond = _Node("L", _Node("u", e, t), _Node("v", t, e), e)   # e and t reached by several paths
    leaves = [_Node(f"w{i}") for i in range(4)]
    hidden = [_Node(f"h{i}", *leaves) for i in range(3)]
    dense = _Node("out", *hidden, leaves[0])
    lonely = _Node("lonely")                                      # not an input of anything
    return [("a chain c = m + …, d = f(c)", chain, ["a", "b", "m", "c", "d"]),
            ("y = x·x (one node used twice by the same op)", square, ["x", "x·x"]),
            ("a diamond: e feeds u, v, t and L directly", diamond, ["p", "q", "e", "t", "u", "v", "L"]),
            ("a small dense layer (every hidden node uses every input)", dense,
             [n.name for n in leaves + hidden] + ["out"]),
            ("a single leaf", lonely, ["lonely"])]


@register("ch1.topological_order", hints=[
    "a node may join the list only after every one of its parents is already in it",
    "depth-first search: to visit a node, first visit each of its parents, then append the node itself",
    ("remember the nodes already visited (in a set) and skip them: a node reached by two paths must "
    "appear once")], forbid=("dlkit.tensor.topological_order",))
def check_topological_order(answer):
    for label, root, names in _graphs():
        order = answer(root)
        if order is None:
            raise Mismatch(f"topological_order returned None (on {label}) — did you forget a `return`?")
        try:
            order = list(order)
        except TypeError:
            raise Mismatch(f"topological_order should return a list of nodes, got "
                           f"{type(order).__name__} (on {label})") from None
        seen = [getattr(n, "name", repr(n)) for n in order]
        counts = {name: seen.count(name) for name in seen}
        twice = [name for name, count in counts.items() if count > 1]
        if twice:
            raise Mismatch(f"on {label}: node {twice[0]} appears {counts[twice[0]]} times in {seen}; "
                           "each node must appear exactly once",
                           "a node reached by two paths is visited twice unless you remember which "
                           "nodes you have already visited (a set of them)")
        missing = [name for name in names if name not in counts]
        if missing:
            raise Mismatch(f"on {label}: node {missing[0]} is missing from your order {seen}",
                           "visit every parent of every node (node.parents), not only the root's")
        extra = [name for name in seen if name not in names]
        if extra:
            raise Mismatch(f"on {label}: {extra[0]} is not a node of this graph")
        position = {id(n): i for i, n in enumerate(order)}
        for node in order:
            for parent in node.parents:
                if position[id(parent)] > position[id(node)]:
                    raise Mismatch(f"on {label}: {node.name} comes before its input {parent.name} in "
                                   f"{seen}; every node must come after all its inputs",
                                   "append a node only after all of its parents have been visited "
                                   "(post-order), so the root comes last")
        if order[-1] is not root:
            raise Mismatch(f"on {label}: the root {root.name} should come last, got {seen}")
    return "5 graphs passed (chain, x·x, diamond, dense layer, single leaf)"


# ----------------------------------------------------------------------------------------------------
# Exercises 3 and 4: the Value class — its ops, then backward()
# ----------------------------------------------------------------------------------------------------
# (label, expression, leaf values). The expressions use only + − * / ** tanh exp and numbers, so the
# same function builds a graph of the learner's Values and one of dlkit Tensors.
ONE_OP = [  # (label, expression of the leaves, the leaves' values)
    ("a + b", lambda a, b: a + b, (2.0, -3.0)),
    ("a * b", lambda a, b: a * b, (2.0, -3.0)),
    ("a * 3.5 (a number on the right)", lambda a: a * 3.5, (-1.25,)),
    ("2.0 * a (a number on the left)", lambda a: 2.0 * a, (0.75,)),
    ("a ** 3", lambda a: a ** 3, (1.5,)),
    ("a ** -1", lambda a: a ** -1, (-0.8,)),
    ("a ** 0.5", lambda a: a ** 0.5, (2.25,)),
    ("a.tanh()", lambda a: a.tanh(), (0.6,)),
    ("a.tanh() at a = −1.7", lambda a: a.tanh(), (-1.7,)),
    ("a.exp()", lambda a: a.exp(), (0.4,)),
    ("a * a (one Value used twice by one op)", lambda a: a * a, (-1.5,)),
    ("a + a (one Value used twice by one op)", lambda a: a + a, (0.3,)),
]

WHOLE_GRAPHS = [
    ("L = a·b + c", lambda a, b, c: a * b + c, (2.0, -3.0, 10.0)),
    ("the neuron tanh(x1·w1 + x2·w2 + b)",
     lambda x1, w1, x2, w2, b: (x1 * w1 + x2 * w2 + b).tanh(), (2.0, -3.0, 0.0, 1.0, 6.8813735870195432)),
    ("a diamond: e = a·b; L = e·tanh(e) + e", lambda a, b: _diamond(a * b),
     (0.7, -1.1)),
    ("a used four times: L = a·a·a + a / b", lambda a, b: a * a * a + a / b, (1.3, -0.6)),
    ("tanh written with exp: (e^2x − 1)/(e^2x + 1)",
     lambda x: _tanh_by_exp((2 * x).exp()), (0.8813735870195432,)),
    ("a deep diamond: h = a·b, then h = h·h + h three times",
     lambda a, b: _repeat(lambda h: h * h.tanh() + h, a * b, 3), (0.5, 0.9)),
    ("squared error of two outputs: (tanh(a·b) − 1)² + (exp(a − b) − 2)²",
     lambda a, b: ((a * b).tanh() - 1) ** 2 + ((a - b).exp() - 2) ** 2, (0.3, -0.4)),
]


def _diamond(e):
    return e * e.tanh() + e


def _tanh_by_exp(e2x):
    return (e2x - 1) / (e2x + 1)


def _repeat(step, h, times):
    for _ in range(times):
        h = step(h)
    return h


def _dlkit_graph(expression, values, upstream=None):
    """The same expression built from dlkit Tensors: (output value, gradients of the leaves)."""
    leaves = [Tensor(v, requires_grad=True) for v in values]
    out = expression(*leaves)
    out.backward(None if upstream is None else np.asarray(upstream))
    return float(out.data), [float(x.grad) if x.grad is not None else 0.0 for x in leaves]


def _number(value, what):
    if value is None:
        raise Mismatch(f"{what} is None — did you forget a `return`?")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Mismatch(f"{what} is a {type(value).__name__}, expected a number") from None


def _learner_leaves(Value, values):
    leaves = [Value(v) for v in values]
    for leaf in leaves:
        if not hasattr(leaf, "data") or not hasattr(leaf, "grad"):
            raise Mismatch("a Value needs the attributes .data and .grad (keep the given __init__)")
        if _number(leaf.grad, "a new Value's .grad") != 0.0:
            raise Mismatch(f"a new Value's .grad is {leaf.grad}, expected 0.0",
                           "gradients start at 0 and are added to as backward() runs")
    return leaves


def _close(got, expected, rtol=1e-5, atol=1e-8):
    # float32 round-off passes (a Value may hold np.float32); a wrong rule is off by far more.
    return math.isfinite(got) and abs(got - expected) <= atol + rtol * abs(expected)


_OP_HINTS = {
    "*": "for out = a·b: a gets b·out.grad and b gets a·out.grad — added with +=, not assigned",
    "**": "d(aⁿ)/da = n·aⁿ⁻¹: keep the factor n (the exponent) in front",
    "tanh": "d tanh(a)/da = 1 − tanh(a)²: use the output t = tanh(a), not the input a",
    "exp": "d eᵃ/da = eᵃ, the output itself",
    "twice": "when a Value is both inputs of one op, both contributions must reach it: use += in "
             "every local backward function, never =",
}


def _op_hint(label):
    if "twice" in label:
        return _OP_HINTS["twice"]
    for key in ("**", "tanh", "exp", "*"):
        if key in label:
            return _OP_HINTS[key]
    return None


@register("ch1.value", hints=[
    ("follow __add__: each op builds its result Value with its inputs as parents, and attaches a "
    "local_backward that adds to the inputs' .grad"),
    ("the local derivatives (chapter 1, section 6): multiply swaps, aⁿ gives n·aⁿ⁻¹, exp gives its own "
    "output, tanh gives 1 − t² with t the output; each is multiplied by out.grad"),
    ("always add (+=) to an input's .grad, never assign: when both inputs are the same Value, both "
    "contributions must land")], forbid=("dlkit.tensor.Tensor",))
def check_value(Value):
    """One op at a time: the output's value, its parents, and what its local_backward sends back."""
    rng = np.random.default_rng(31)
    for label, expression, values in ONE_OP:
        leaves = _learner_leaves(Value, values)
        try:
            out = expression(*leaves)
        except AttributeError as error:
            if "'float' object" not in str(error) and "'int' object" not in str(error):
                raise
            raise Mismatch(f"{label} raised AttributeError: {error}",
                           "an op can meet a plain number (a * 3.5): turn it into a Value first, as "
                           "__add__ does") from None
        if not hasattr(out, "data") or not hasattr(out, "local_backward"):
            raise Mismatch(f"{label} returned a {type(out).__name__}, expected a Value",
                           "every op returns a new Value (with .data, .grad, .parents and "
                           ".local_backward)")
        expected_value, _ = _dlkit_graph(expression, values)
        got = _number(out.data, f"the value of {label}")
        if not _close(got, expected_value):
            inputs = ", ".join(f"{n} = {v:g}" for n, v in zip("ab", values))
            raise Mismatch(f"{label} with {inputs}: got {got:.6g}, expected {expected_value:.6g}",
                           _op_hint(label))
        parents = getattr(out, "parents", ())
        for leaf in leaves:
            if not any(p is leaf for p in parents):
                raise Mismatch(f"the result of {label} does not list its input among its .parents",
                               "pass the inputs as the parents: Value(result, (self, other), op) — "
                               "backward() finds the graph through them")
        upstream = float(rng.uniform(0.5, 2.0))
        out.grad = upstream
        out.local_backward()
        _, expected_grads = _dlkit_graph(expression, values, upstream)
        for name, leaf, expected in zip("ab", leaves, expected_grads):
            got = _number(leaf.grad, f"{name}.grad")
            if not _close(got, expected):
                raise Mismatch(f"after out.grad = {upstream:.4g} and out.local_backward() for {label}: "
                               f"{name}.grad is {got:.6g}, expected {expected:.6g}", _op_hint(label))
    return (f"{len(ONE_OP)} one-op graphs passed (+, *, numbers on either side, ** with three "
            "exponents, tanh, exp, a Value used twice)")


@register("ch1.backward", hints=[
    ("backward has two jobs: give the root its gradient with respect to itself, then let every node "
    "pass its gradient on to its parents"),
    "the gradient of the root with respect to itself is 1",
    ("walk topological_order(self) backwards, so that each node runs its local_backward once, after "
    "every node that uses it")], forbid=("dlkit.tensor.Tensor",))
def check_backward(Value):
    """Whole graphs through the learner's backward(): seeding, order, shared nodes, diamonds."""
    for label, expression, values in WHOLE_GRAPHS:
        leaves = [Value(v) for v in values]
        out = expression(*leaves)
        result = out.backward()
        del result  # backward() returns nothing useful; only the .grad values count
        expected_value, expected_grads = _dlkit_graph(expression, values)
        if not _close(_number(out.data, f"the value of {label}"), expected_value):
            raise Mismatch(f"the value of {label} is {float(out.data):.6g}, expected "
                           f"{expected_value:.6g}", "run check('ch1.value', Value) first: an op is wrong")
        root_grad = _number(out.grad, "the root's .grad")
        if root_grad == 0.0:
            raise Mismatch(f"after backward() on {label} the root's .grad is 0",
                           "backward() must start by seeding the root: self.grad = 1.0 (∂L/∂L = 1)")
        if not _close(root_grad, 1.0):
            raise Mismatch(f"after backward() on {label} the root's .grad is {root_grad:.6g}, "
                           "expected 1.0", "seed the root with self.grad = 1.0 before the loop")
        names = ["a", "b", "c", "d", "e"] if len(values) != 5 else ["x1", "w1", "x2", "w2", "b"]
        if len(values) == 1:
            names = ["x"]
        for name, leaf, expected in zip(names, leaves, expected_grads):
            got = _number(leaf.grad, f"{name}.grad")
            if not _close(got, expected):
                raise Mismatch(
                    f"after backward() on {label}: {name}.grad is {got:.6g}, expected {expected:.6g}",
                    "every node must pass on its gradient exactly once, and only after all of its "
                    "users have added theirs: call local_backward() in reversed topological order "
                    "(root first), not recursively and not in forward order")
    return f"{len(WHOLE_GRAPHS)} graphs passed (seed, reuse, diamonds, the neuron) — same as dlkit"


# ----------------------------------------------------------------------------------------------------
# Exercise 5: an MLP of Values
# ----------------------------------------------------------------------------------------------------
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def _outputs(result):
    """The learner's MLP output as a list of Values (one Value is a list of one)."""
    return list(result) if isinstance(result, list | tuple) else [result]


def _dlkit_mlp(weights, sizes, xs, ys):
    """The same MLP in dlkit: tanh(x @ Wᵀ + b) per layer; loss = Σ (out − y)². Returns (outs, loss, grads)."""
    params = [Tensor(w, requires_grad=True) for w in weights]
    h = Tensor(np.asarray(xs, dtype=np.float64))
    for i in range(len(sizes) - 1):
        W, b = params[2 * i], params[2 * i + 1]
        h = (h @ W.T + b).tanh()
    loss = ((h - Tensor(np.asarray(ys, dtype=np.float64).reshape(h.shape))) ** 2).sum()
    loss.backward()
    return h.data, float(loss.data), [p.grad for p in params]


def _layer_arrays(flat, sizes):
    """Split the flat parameter list (per layer: per neuron: weights then bias) into (W, b) arrays."""
    arrays, at = [], 0
    for n_in, n_out in pairwise(sizes):
        block = np.asarray(flat[at: at + n_out * (n_in + 1)], dtype=np.float64).reshape(n_out, n_in + 1)
        arrays += [block[:, :n_in], block[:, n_in]]
        at += n_out * (n_in + 1)
    return arrays


def _flatten(arrays):
    return np.concatenate([np.concatenate([W, b[:, None]], axis=1).ravel()
                           for W, b in zip(arrays[::2], arrays[1::2])])


_ORDER_HINT = ("parameters() lists, layer by layer and neuron by neuron, each neuron's weights "
               "w[0], w[1], … and then its bias b")


@register("ch1.mlp", hints=[
    ("a Neuron is chapter 1's neuron with n_in inputs: the weighted sum of its inputs plus its bias, "
    "through tanh"),
    "a Layer calls each of its neurons on the same input; an MLP feeds each layer's outputs to the next",
    "parameters() order: layer by layer, neuron by neuron, each neuron's weights and then its bias"],
    forbid=("dlkit.tensor.Tensor",))
def check_mlp(MLP):
    saved = np.random.get_state()  # building the learner's MLP may draw from numpy's generator
    try:
        return _check_mlp(MLP)
    finally:
        np.random.set_state(saved)


def _check_mlp(MLP):
    rng = np.random.default_rng(32)
    for n_in, n_outs in [(3, [4, 4, 1]), (2, [3, 2])]:
        sizes = [n_in, *n_outs]
        label = f"MLP({n_in}, {n_outs})"
        model = MLP(n_in, n_outs)
        params = list(model.parameters())
        count = sum((a + 1) * b for a, b in pairwise(sizes))
        if len(params) != count:
            raise Mismatch(f"{label}.parameters() has {len(params)} entries, expected {count} "
                           "(each neuron has one weight per input and one bias)", _ORDER_HINT)
        if len({id(p) for p in params}) != count:
            raise Mismatch(f"{label}.parameters() lists the same Value more than once")
        initial = np.array([_number(p.data, "a parameter's .data") for p in params])
        if np.abs(initial).max() > 1.0 or np.ptp(initial) == 0.0:
            raise Mismatch(f"{label}: the initial parameters range over [{initial.min():.3g}, "
                           f"{initial.max():.3g}]; expected different random numbers in [−1, 1]",
                           "draw each weight and bias with np.random.uniform(-1, 1); equal weights "
                           "would make every neuron of a layer compute the same thing")
        if initial.min() >= 0 or initial.max() <= 0:
            raise Mismatch(f"{label}: every initial parameter is {'≥' if initial.min() >= 0 else '≤'} 0 "
                           f"(they range over [{initial.min():.3g}, {initial.max():.3g}]); expected random "
                           "numbers spread over [−1, 1], both signs",
                           "np.random.uniform(-1, 1) — np.random.random() and np.random.rand() give [0, 1): "
                           "with all-positive weights every neuron starts leaning the same way")
        values = rng.uniform(-1, 1, count)
        for p, v in zip(params, values):
            p.data = float(v)
        arrays = _layer_arrays(values, sizes)
        xs = rng.uniform(-2, 2, (4, n_in))
        ys = rng.choice([-1.0, 1.0], (4, sizes[-1]))
        expected_outs, _, expected_grads = _dlkit_mlp(arrays, sizes, xs, ys)
        loss = None
        for row, (x, y) in enumerate(zip(xs, ys)):
            outs = _outputs(model([float(v) for v in x]))
            if len(outs) != sizes[-1]:
                raise Mismatch(f"{label} returned {len(outs)} outputs, expected {sizes[-1]}")
            got = np.array([_number(o.data, f"the output of {label}") for o in outs])
            if not np.allclose(got, expected_outs[row], rtol=1e-6, atol=1e-9):
                raise Mismatch(f"{label} on input {np.round(x, 3).tolist()}: got "
                               f"{np.round(got, 6).tolist()}, expected "
                               f"{np.round(expected_outs[row], 6).tolist()}",
                               "every neuron is tanh(Σ wᵢxᵢ + b), the layers are applied in order — "
                               "and " + _ORDER_HINT)
            for o, target in zip(outs, y):
                term = (o - float(target)) ** 2
                loss = term if loss is None else loss + term
        for p in params:
            p.grad = 0.0
        loss.backward()
        grads = np.array([_number(p.grad, "a parameter's .grad") for p in params])
        if not np.allclose(grads, _flatten(expected_grads), rtol=1e-6, atol=1e-9):
            worst = int(np.argmax(np.abs(grads - _flatten(expected_grads))))
            raise Mismatch(f"{label}: after backward() of the squared-error loss, parameter {worst} of "
                           f"parameters() has grad {grads[worst]:.6g}, expected "
                           f"{_flatten(expected_grads)[worst]:.6g}",
                           "build each neuron only from Value operations so the gradient reaches "
                           "every w and b")
    return "MLP(3, [4, 4, 1]) and MLP(2, [3, 2]) passed: parameter count and order, outputs, gradients"


# ----------------------------------------------------------------------------------------------------
# Exercise 6: gradient descent, with an MLP of (the checker's own) Values
# ----------------------------------------------------------------------------------------------------
class _Value:
    """micrograd's Value, enough for the reference MLP the train-step check hands to the learner."""

    def __init__(self, data, parents=(), op=""):
        self.data, self.grad, self.parents, self.op = float(data), 0.0, parents, op
        self.local_backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, _Value) else _Value(other)
        out = _Value(self.data + other.data, (self, other), "+")

        def local_backward():
            self.grad += out.grad
            other.grad += out.grad
        out.local_backward = local_backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, _Value) else _Value(other)
        out = _Value(self.data * other.data, (self, other), "*")

        def local_backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out.local_backward = local_backward
        return out

    def __pow__(self, exponent):
        out = _Value(self.data ** exponent, (self,), f"**{exponent}")

        def local_backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out.local_backward = local_backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = _Value(t, (self,), "tanh")

        def local_backward():
            self.grad += (1 - t * t) * out.grad
        out.local_backward = local_backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def backward(self):
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node.local_backward()


class _MLP:
    """A tanh MLP of _Values with fixed weights, for the train-step check."""

    def __init__(self, weights, sizes):
        self.sizes = sizes
        self.params = [_Value(w) for w in weights]

    def __call__(self, x):
        at, h = 0, list(x)
        for n_in, n_out in pairwise(self.sizes):
            out = []
            for _ in range(n_out):
                w, b = self.params[at: at + n_in], self.params[at + n_in]
                at += n_in + 1
                out.append(sum((wi * xi for wi, xi in zip(w, h)), b).tanh())
            h = out
        return h[0] if len(h) == 1 else h

    def parameters(self):
        return self.params


def _expected_steps(weights, sizes, xs, ys, learning_rate, steps, sign=1.0, accumulate=False):
    """Losses and parameters of gradient descent on Σ (out − y)², computed with dlkit.

    ``sign=-1`` (stepping uphill) and ``accumulate=True`` (never zeroing the gradients) give the two
    classic mistakes, so the check can name them.
    """
    flat, losses, total = np.array(weights, dtype=np.float64), [], 0.0
    for _ in range(steps):
        _, loss, grads = _dlkit_mlp(_layer_arrays(flat, sizes), sizes, xs, ys)
        losses.append(loss)
        total = total + _flatten(grads) if accumulate else _flatten(grads)
        flat = flat - sign * learning_rate * total
    return losses, flat


@register("ch1.gradient_descent_step", hints=[
    "four moves per step: zero the gradients, compute the loss, run backward, update the parameters",
    "gradients add up across backward() calls: set every parameter's .grad to 0.0 before backward()",
    ("move each parameter against its gradient by learning_rate × gradient, and return the loss's "
    "number (its .data), not the Value")])
def check_gradient_descent_step(answer):
    rng = np.random.default_rng(33)
    sizes = [3, 4, 4, 1]
    count = sum((a + 1) * b for a, b in pairwise(sizes))
    weights = rng.uniform(-1, 1, count)
    model = _MLP(weights, sizes)
    learning_rate = 0.05
    expected_losses, expected_params = _expected_steps(weights, sizes, XS, YS, learning_rate, 3)
    uphill, _ = _expected_steps(weights, sizes, XS, YS, learning_rate, 3, sign=-1.0)
    accumulated, _ = _expected_steps(weights, sizes, XS, YS, learning_rate, 3, accumulate=True)
    for step in range(3):
        loss = answer(model, XS, YS, learning_rate)
        if isinstance(loss, _Value):
            raise Mismatch("gradient_descent_step returned the loss Value; return loss.data, a plain "
                           "number, so the training loop does not keep the graph alive")
        got = _number(loss, "the returned loss")
        if not _close(got, expected_losses[step]):
            hint = None
            if _close(got, uphill[step]):
                hint = "the loss went up: step against the gradient (subtract learning_rate × grad)"
            elif _close(got, accumulated[step]):
                hint = ("the first steps were right, a later one is not: gradients add up across "
                        "backward() calls, so set every p.grad = 0.0 before each backward()")
            raise Mismatch(f"step {step + 1}: your step returned loss {got:.6g}, expected "
                           f"{expected_losses[step]:.6g} (the loss before that step's update)", hint)
    params = np.array([p.data for p in model.parameters()])
    if not np.allclose(params, expected_params, rtol=1e-6, atol=1e-9):
        worst = int(np.argmax(np.abs(params - expected_params)))
        raise Mismatch(f"after 3 steps parameter {worst} is {params[worst]:.6g}, expected "
                       f"{expected_params[worst]:.6g}",
                       "update every parameter once per step, by −learning_rate × its gradient")
    return "3 steps of gradient descent passed (losses and every parameter, same as dlkit)"
