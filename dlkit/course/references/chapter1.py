"""Chapter 1 — derivatives and the chain rule: references and checks.

Exercises: ``derivative`` (central difference), ``mul_backward`` and ``tanh_backward`` (local rules
by hand), ``neuron`` (a scalar expression built from Tensors, checked through ``backward()``).
"""
import numpy as np

from ..checker import check_array_function, check_tensor_function, register
from ..compare import Mismatch, as_array


def derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


@register("ch1.derivative", hint="use the central difference (f(x + h) − f(x − h)) / 2h: its "
                                 "error shrinks like h², the one-sided difference's only like h")
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


def mul_backward(a, b, upstream):
    return upstream * b, upstream * a


@register("ch1.mul_backward", hint="∂(a·b)/∂a = b and ∂(a·b)/∂b = a; multiply each by the upstream "
                                   "gradient (the chain rule) and return them in the order (a, b)")
def check_mul_backward(answer):
    rng = np.random.default_rng(11)
    cases = [("numbers a=2, b=−3, upstream=1", (2.0, -3.0, 1.0)),
             ("random numbers", tuple(rng.standard_normal(3))),
             ("arrays of shape (4,)", tuple(rng.standard_normal((3, 4))))]
    return check_array_function(answer, mul_backward, cases, "your (grad_a, grad_b)")


def tanh_backward(x, upstream):
    return upstream * (1 - np.tanh(x) ** 2)


@register("ch1.tanh_backward", hint="d tanh(x)/dx = 1 − tanh(x)², evaluated at the input x (not "
                                    "1 − x²), times the upstream gradient")
def check_tanh_backward(answer):
    rng = np.random.default_rng(12)
    cases = [("x=0.5, upstream=1", (0.5, 1.0)),
             ("random x and upstream", (float(rng.standard_normal() * 2), float(rng.standard_normal()))),
             ("arrays of shape (5,)", (rng.standard_normal(5) * 2, rng.standard_normal(5)))]
    return check_array_function(answer, tanh_backward, cases, "your gradient")


def neuron(x1, w1, x2, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


@register("ch1.neuron", hint="tanh(x1·w1 + x2·w2 + b), written with Tensor operations (* + and .tanh())")
def check_neuron(answer):
    rng = np.random.default_rng(13)
    cases = [("the example values", tuple(np.array(v) for v in (2.0, -3.0, 0.0, 1.0, 6.88))),
             ("random values", tuple(rng.standard_normal(5)))]
    return check_tensor_function(answer, neuron, cases, ("x1", "w1", "x2", "w2", "b"))
