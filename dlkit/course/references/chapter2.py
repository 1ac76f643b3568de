"""Chapter 2 — tensors, broadcasting, matrix calculus, gradient checking: references and checks.

Exercises: ``unbroadcast``, ``matmul_backward``, ``numerical_gradient`` and a numerically stable
``softplus`` built from Tensor ops (then gradient-checked).
"""
import numpy as np

from ...tensor import unbroadcast as engine_unbroadcast
from ..checker import check_array_function, check_tensor_function, register
from ..compare import Mismatch, assert_close


def unbroadcast(grad, shape):
    return engine_unbroadcast(grad, tuple(shape))


@register("ch2.unbroadcast", hint="sum over the leading axes that broadcasting added, then over every "
                                  "axis where `shape` has a 1 (keepdims=True), so the result has exactly `shape`")
def check_unbroadcast(answer):
    rng = np.random.default_rng(21)
    shapes = [((4, 3), (3,)), ((4, 3), (1, 3)), ((4, 3), (4, 1)), ((2, 3, 4), (3, 1)),
              ((2, 3), ()), ((5,), (5,))]
    cases = [(f"grad {g} to shape {s}", (rng.standard_normal(g), s)) for g, s in shapes]
    return check_array_function(answer, unbroadcast, cases, "your unbroadcast gradient")


def matmul_backward(A, B, G):
    return G @ B.T, A.T @ G


@register("ch2.matmul_backward", hint="for C = A @ B with upstream G = ∂L/∂C: ∂L/∂A = G @ Bᵀ and "
                                      "∂L/∂B = Aᵀ @ G — check that the shapes come out as A's and B's")
def check_matmul_backward(answer):
    rng = np.random.default_rng(22)
    cases = []
    for n, k, m in [(2, 3, 4), (5, 1, 2), (3, 3, 3)]:
        A, B = rng.standard_normal((n, k)), rng.standard_normal((k, m))
        cases.append((f"A {A.shape}, B {B.shape}", (A, B, rng.standard_normal((n, m)))))
    return check_array_function(answer, matmul_backward, cases, "your (grad_A, grad_B)")


@register("ch2.numerical_gradient",
          hint="for each entry i: set x[i] to x[i] + eps, evaluate f, set it to x[i] − eps, evaluate "
               "f, restore x[i]; the gradient entry is (f₊ − f₋) / 2eps")
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


@register("ch2.softplus", hint="log(1 + eˣ) overflows for large x; use max(x, 0) + log(1 + e^(−|x|)), "
                               "which is the same function and never exponentiates a large number")
def check_softplus(answer):
    rng = np.random.default_rng(24)
    large = np.array([-800.0, -40.5, 35.25, 710.5, 900.0])
    cases = [("random x of shape (6,)", (rng.standard_normal(6) * 3,)),
             ("random x of shape (2, 3)", (rng.standard_normal((2, 3)),)),
             ("large |x| (up to 900)", (large,))]
    return check_tensor_function(answer, softplus, cases, ("x",))
