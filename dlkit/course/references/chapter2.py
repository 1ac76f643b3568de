"""Chapter 2 — tensors, broadcasting, matrix calculus, gradient checking: references and checks.

Exercises: ``unbroadcast``, ``matmul_backward``, ``max_backward`` (max routes the gradient),
``jacobian`` (by central differences, to compare a vector-Jacobian product with ``backward(v)``),
``numerical_gradient`` and a numerically stable ``softplus`` built from Tensor ops (then gradient-checked).
"""
import numpy as np

from ...tensor import unbroadcast as engine_unbroadcast
from ..checker import AUTOGRAD, check_array_function, check_tensor_function, register
from ..compare import Mismatch, assert_close


def unbroadcast(grad, shape):
    return engine_unbroadcast(grad, tuple(shape))


@register("ch2.unbroadcast", hints=[
    "a copy in the forward pass is a sum in the backward pass: which axes of grad were made by copying?",
    ("two kinds of copied axes: extra leading axes (shape is shorter than grad) and axes where shape has "
    "a 1 but grad does not"),
    "sum the leading ones away; sum the length-1 ones with keepdims=True so that they stay, with length 1"],
    forbid=("dlkit.tensor.unbroadcast",))
def check_unbroadcast(answer):
    rng = np.random.default_rng(21)
    shapes = [((4, 3), (3,)), ((4, 3), (1, 3)), ((4, 3), (4, 1)), ((2, 3, 4), (3, 1)),
              ((2, 3), ()), ((5,), (5,))]
    cases = [(f"grad {g} to shape {s}", (rng.standard_normal(g), s)) for g, s in shapes]
    return check_array_function(answer, unbroadcast, cases, "your unbroadcast gradient")


def matmul_backward(A, B, G):
    return G @ B.T, A.T @ G


@register("ch2.matmul_backward", hints=[
    "check the shapes first: ∂L/∂A must be (n, k) like A, and ∂L/∂B (k, m) like B",
    "write C_ij = Σ_p A_ip B_pj and differentiate L by one entry A_ip: it touches a whole row of C",
    ("∂L/∂A_ip = Σ_j G_ij B_pj and ∂L/∂B_pj = Σ_i A_ip G_ij: read each sum as a product of G with B or A, "
    "transposing whichever needs it")], forbid=AUTOGRAD)
def check_matmul_backward(answer):
    rng = np.random.default_rng(22)
    cases = []
    for n, k, m in [(2, 3, 4), (5, 1, 2), (3, 3, 3)]:
        A, B = rng.standard_normal((n, k)), rng.standard_normal((k, m))
        cases.append((f"A {A.shape}, B {B.shape}", (A, B, rng.standard_normal((n, m)))))
    return check_array_function(answer, matmul_backward, cases, "your (grad_A, grad_B)")


def max_backward(x, upstream, axis):
    # torch.amax's rule: the upstream goes to the entries equal to the maximum, shared among ties.
    winners = (x == x.max(axis=axis, keepdims=True)).astype(x.dtype)
    winners /= winners.sum(axis=axis, keepdims=True)
    return winners * np.expand_dims(upstream, axis)


@register("ch2.max_backward", hints=[
    "max routes: only the entry that holds the maximum moved the output; every other entry gets 0",
    ("find the winners by comparing x with its maximum taken with keepdims=True; give upstream its "
    "reduced axis back (np.expand_dims) so that it broadcasts against x"),
    "with ties, each winner gets the upstream divided by the number of winners along that axis"],
    forbid=AUTOGRAD)
def check_max_backward(answer):
    rng = np.random.default_rng(25)
    tied = np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 1.0], [5.0, 5.0, 5.0]])
    cases = [("x of shape (4, 5), axis=1", (rng.standard_normal((4, 5)), rng.standard_normal(4), 1)),
             ("x of shape (4, 5), axis=0", (rng.standard_normal((4, 5)), rng.standard_normal(5), 0)),
             ("x of shape (2, 3, 4), axis=2",
              (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3)), 2)),
             ("ties: rows [3, 1, 3], [0, 2, 1], [5, 5, 5], axis=1", (tied, np.array([1.0, -2.0, 3.0]), 1))]
    hints = {"ties: rows [3, 1, 3], [0, 2, 1], [5, 5, 5], axis=1":
             "when several entries tie for the maximum, share the upstream gradient equally among "
             "them (as torch.amax does): the shares must add up to the upstream"}
    return check_array_function(answer, max_backward, cases, "your gradient of x", hints=hints)


def jacobian(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    columns = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = eps
        columns.append((np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps))
    return np.stack(columns, axis=1)


@register("ch2.jacobian", hints=[
    "the result has one row per output and one column per input: shape (m, n)",
    ("column j is how every output moves when only x[j] moves: a central difference with the step "
    "ε in entry j only"),
    "build each nudged input from a copy of x, so that x itself never changes"],
    forbid=("dlkit.gradcheck.numerical_gradient",))
def check_jacobian(answer):
    rng = np.random.default_rng(26)
    W = rng.standard_normal((2, 3))
    functions = [("f(x) = tanh(W x), 3 inputs → 2 outputs", lambda x: np.tanh(W @ x),
                  lambda x: (1 - np.tanh(W @ x) ** 2)[:, None] * W, 3),
                 ("f(x) = x², 4 inputs → 4 outputs (a diagonal Jacobian)", lambda x: x ** 2,
                  lambda x: np.diag(2 * x), 4),
                 ("f(x) = [Σx, x₀·x₁], 5 inputs → 2 outputs",
                  lambda x: np.array([x.sum(), x[0] * x[1]]),
                  lambda x: np.vstack([np.ones_like(x), np.r_[x[1], x[0], np.zeros(x.size - 2)]]), 5)]
    for label, f, exact, n in functions:
        x = rng.standard_normal(n)
        before = x.copy()
        got = answer(f, x, 1e-4)  # ε large enough that a one-sided difference (error ~ ε) shows
        assert_close(got, exact(before), f"your Jacobian of {label}", rtol=1e-6, atol=1e-8)
        if not np.array_equal(x, before):
            raise Mismatch(f"jacobian changed its input x (for {label})",
                           "perturb a copy of x (x + step), or put every entry back afterwards")
    return f"{len(functions)} functions passed (shape (m, n), within 1e-6 of the exact Jacobian)"


@register("ch2.numerical_gradient",
          hints=[("one entry at a time: nudge it up by eps and down by eps, evaluate f each time, then put "
                 "the entry back"),
                 "use the central difference, whose error shrinks like eps², not the one-sided one",
                 ("x is changed in place: save the entry before nudging it and restore it afterwards, or "
                 "the next entries see a shifted x")],
          forbid=("dlkit.gradcheck.numerical_gradient",))
def check_numerical_gradient(answer):
    rng = np.random.default_rng(23)
    functions = [("f(x) = Σ x²", lambda x: np.sum(x ** 2), lambda x: 2 * x, (4,)),
                 ("f(x) = Σ sin(x)·x", lambda x: np.sum(np.sin(x) * x),
                  lambda x: np.cos(x) * x + np.sin(x), (3, 2)),
                 ("f(x) = log Σ exp(x)", lambda x: np.log(np.sum(np.exp(x))),
                  lambda x: np.exp(x) / np.sum(np.exp(x)), (5,))]
    for label, f, exact, shape in functions:
        x = rng.standard_normal(shape)
        before = x.copy()
        got = answer(f, x, 1e-4)
        assert_close(got, exact(before), f"your gradient of {label}", rtol=1e-6, atol=1e-7)
        if not np.array_equal(x, before):
            raise Mismatch(f"numerical_gradient changed its input x (for {label})",
                           "put every perturbed entry back to its original value before moving on")
    return f"{len(functions)} functions passed (within 1e-6 of the exact gradient)"


def softplus(x):
    # log(1 + e^x) = max(x, 0) + log(1 + e^−|x|): the exponent is never positive, so nothing overflows.
    return x.relu() + (1 + (-x.abs()).exp()).log()


@register("ch2.softplus", hints=[
    "log(1 + eˣ) overflows for large x, where it is almost exactly x",
    "for positive x, factor eˣ out of 1 + eˣ: log(1 + eˣ) = x + log(1 + e⁻ˣ), and exp only sees −x",
    "relu and abs write both cases (x ≥ 0 and x < 0) as one expression"])
def check_softplus(answer):
    rng = np.random.default_rng(24)
    large = np.array([-800.0, -40.5, 35.25, 710.5, 900.0])
    cases = [("random x of shape (6,)", (rng.standard_normal(6) * 3,)),
             ("random x of shape (2, 3)", (rng.standard_normal((2, 3)),)),
             ("large |x| (up to 900)", (large,))]
    return check_tensor_function(answer, softplus, cases, ("x",))
