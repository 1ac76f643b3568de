"""Chapter 3 — linear models and losses: references and checks.

Exercises: ``mse``, ``bce``, a stable ``softmax``, ``cross_entropy`` from logits and integer labels,
and the gradient of softmax + cross-entropy by hand (``cross_entropy_grad``). The first four are
checked against dlkit's own ``dlkit.functional`` losses, values and gradients.
"""
import numpy as np

from ... import functional as F
from ..checker import check_array_function, check_tensor_function, register


def mse(pred, target):
    return F.mse_loss(pred, target)


@register("ch3.mse")
def check_mse(answer):
    rng = np.random.default_rng(31)
    cases = [("shape (8,)", (rng.standard_normal(8), rng.standard_normal(8))),
             ("shape (5, 3)", (rng.standard_normal((5, 3)), rng.standard_normal((5, 3))))]
    return check_tensor_function(answer, mse, cases, ("pred", "target"),
                                 hints={"values": "the mean (not the sum) of the squared differences",
                                        "grad": "the loss must be built from Tensor ops on pred"})


def bce(probs, target):
    return F.binary_cross_entropy(probs, target)


@register("ch3.bce", hint="−mean(y·log p + (1 − y)·log(1 − p)): mind the minus sign and the mean")
def check_bce(answer):
    rng = np.random.default_rng(32)
    cases = []
    for shape in [(6,), (4, 2)]:
        probs = rng.uniform(0.05, 0.95, shape)
        target = rng.integers(0, 2, shape).astype(np.float64)
        cases.append((f"shape {shape}", (probs, target)))
    return check_tensor_function(answer, bce, cases, ("probs", "target"),
                                 differentiable=(True, False))


def softmax(logits):
    return F.softmax(logits, axis=-1)


@register("ch3.softmax", hint="exp(z) / Σ exp(z) along the last axis (axis=-1, keepdims=True)")
def check_softmax(answer):
    rng = np.random.default_rng(33)
    cases = [("logits of shape (4, 5)", (rng.standard_normal((4, 5)),)),
             ("a single row of shape (6,)", (rng.standard_normal(6) * 2,)),
             ("large logits (up to 1000)", (rng.standard_normal((3, 4)) * 300 + 700,))]
    hints = {"large logits (up to 1000)": "exp(1000) overflows to inf; subtract each row's maximum "
                                          "from the logits first — softmax does not change"}
    return check_tensor_function(answer, softmax, cases, ("logits",), hints=hints)


def cross_entropy(logits, targets):
    return F.cross_entropy(logits, targets)


@register("ch3.cross_entropy",
          hint="log-softmax = z − max − log Σ exp(z − max); pick each row's entry at its label with "
               "log_probs[np.arange(n), targets] and return minus their mean")
def check_cross_entropy(answer):
    rng = np.random.default_rng(34)
    cases = []
    for label, n, k, scale in [("8 samples, 3 classes", 8, 3, 1.0), ("5 samples, 4 classes", 5, 4, 2.0),
                               ("large logits (up to 1000)", 4, 3, 400.0)]:
        cases.append((label, (rng.standard_normal((n, k)) * scale + (600 if scale > 100 else 0),
                              rng.integers(0, k, n))))
    hints = {"large logits (up to 1000)": "exp of a large logit overflows: subtract each row's maximum "
                                          "before exponentiating (log-sum-exp trick)"}
    return check_tensor_function(answer, cross_entropy, cases, ("logits", "targets"), hints=hints)


def cross_entropy_grad(logits, targets):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    probs[np.arange(len(targets)), targets] -= 1
    return probs / len(targets)


@register("ch3.cross_entropy_grad",
          hint="∂L/∂z = (softmax(z) − onehot(y)) / n for the mean over n samples")
def check_cross_entropy_grad(answer):
    rng = np.random.default_rng(35)
    cases = [(f"{n} samples, {k} classes", (rng.standard_normal((n, k)), rng.integers(0, k, n)))
             for n, k in [(6, 3), (4, 5), (1, 2)]]
    return check_array_function(answer, cross_entropy_grad, cases, "your gradient")
