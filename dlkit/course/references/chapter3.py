"""Chapter 3 — linear models and losses: references and checks.

Exercises: ``mse``, ``bce``, ``bce_with_logits`` (the stable form), a stable ``softmax``,
``cross_entropy`` from logits and integer labels, its gradient by hand (``cross_entropy_grad``) and a
whole mini-batch SGD trainer for logistic regression (``train_logistic``). The losses are checked
against dlkit's own ``dlkit.functional`` losses, values and gradients; the trainer against a numpy
trainer written from the chapter's formulas.
"""
import numpy as np

from ... import functional as F
from ..checker import AUTOGRAD, check_array_function, check_tensor_function, register
from ..compare import Mismatch, as_array, assert_close


def mse(pred, target):
    return F.mse_loss(pred, target)


@register("ch3.mse", hints=[
    "the loss is one number: the average, over every entry, of the squared difference",
    "square the differences with Tensor operations, then take their mean (not their sum)",
], forbid=("dlkit.functional.mse_loss", "dlkit.nn.MSELoss"))
def check_mse(answer):
    rng = np.random.default_rng(31)
    cases = [("shape (8,)", (rng.standard_normal(8), rng.standard_normal(8))),
             ("shape (5, 3)", (rng.standard_normal((5, 3)), rng.standard_normal((5, 3))))]
    return check_tensor_function(answer, mse, cases, ("pred", "target"),
                                 hints={"values": "the mean (not the sum) of the squared differences",
                                        "grad": "the loss must be built from Tensor ops on pred"})


def bce(probs, target):
    return F.binary_cross_entropy(probs, target)


@register("ch3.bce", hints=[
    "the loss is the negative log-likelihood: large when the probability of the true label is small",
    "−mean(y·log p + (1 − y)·log(1 − p)): mind the minus sign, and average over every entry",
], forbid=("dlkit.functional.binary_cross_entropy", "dlkit.nn.BCELoss"))
def check_bce(answer):
    rng = np.random.default_rng(32)
    cases = []
    for shape in [(6,), (4, 2)]:
        probs = rng.uniform(0.05, 0.95, shape)
        target = rng.integers(0, 2, shape).astype(np.float64)
        cases.append((f"shape {shape}", (probs, target)))
    return check_tensor_function(answer, bce, cases, ("probs", "target"),
                                 hints={"values": "the log-likelihood is negative and the loss is "
                                                  "positive: mind the sign, and average"},
                                 differentiable=(True, False))


def bce_with_logits(logits, target):
    return F.binary_cross_entropy_with_logits(logits, target)


@register("ch3.bce_with_logits", hints=[
    "never form the probability σ(z): write the loss directly in z (chapter 3, section 6)",
    "ℓ = max(z, 0) − z·y + log(1 + exp(−|z|)) has no positive exponent and no log of 0; average it",
    ("at z = 0 the gradient must be ½ − y: dlkit.maximum splits a tie's gradient in half, relu and "
    "clip do not"),
], forbid=("dlkit.functional.binary_cross_entropy_with_logits", "dlkit.nn.BCEWithLogitsLoss",
           "dlkit.functional.binary_cross_entropy", "dlkit.nn.BCELoss"))
def check_bce_with_logits(answer):
    rng = np.random.default_rng(36)
    small = rng.standard_normal(8)
    large = np.array([40.0, -40.0, 800.0, -800.0, 3.0, -3.0])
    cases = [("logits of shape (8,)", (small, rng.integers(0, 2, 8).astype(np.float64))),
             ("logits of shape (3, 2)", (rng.standard_normal((3, 2)) * 2,
                                         rng.integers(0, 2, (3, 2)).astype(np.float64))),
             ("large logits (±40, ±800)", (large, np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0]))),
             ("logits exactly 0 (where max(z, 0) and |z| have kinks)",
              (np.zeros(4), np.array([0.0, 1.0, 1.0, 0.0])))]
    hints = {"logits exactly 0 (where max(z, 0) and |z| have kinks)":
             "at z = 0 the gradient must be σ(0) − y = 0.5 − y; the kinks of max(z, 0) and |z| cancel "
             "only if max's gradient at a tie is ½ — use dlkit.maximum(z, 0.0), not relu or clip",
             "large logits (±40, ±800)":
             "σ(40) rounds to exactly 1.0, so log(1 − σ(z)) is log 0 = −inf: never form the "
             "probability, write log(1 + exp(−z)) as max(−z, 0) + log(1 + exp(−|z|))"}
    return check_tensor_function(answer, bce_with_logits, cases, ("logits", "target"), hints=hints,
                                 differentiable=(True, False))


# Rows whose logits span 1600: only the row's *maximum* keeps every exponent ≤ 0 (its minimum, or no
# shift at all, overflows). Whole numbers, so float32 holds them exactly.
_WIDE_ROWS = np.array([[800.0, -800.0, 0.0, 5.0], [-800.0, 3.0, 799.0, 800.0], [1.0, 2.0, -800.0, 0.0]])


def softmax(logits):
    return F.softmax(logits, dim=-1)


@register("ch3.softmax", hints=[
    "softmax(z) = exp(z) / Σ exp(z), row by row: along the last axis, keeping it for broadcasting",
    ("exp(1000) is inf: subtracting a constant from a row does not change its softmax, so subtract "
    "the row's largest logit first"),
    "each row needs its own maximum (max over the last dimension with keepdim=True), not the batch's",
], forbid=("dlkit.functional.softmax", "dlkit.functional.log_softmax", "dlkit.nn.Softmax",
           "dlkit.nn.LogSoftmax"))
def check_softmax(answer):
    rng = np.random.default_rng(33)
    # One row far above the others: each row needs its own maximum. Multiples of 1/64 stay exact in
    # float32 near 1000, so a float32 answer is judged on its arithmetic, not on rounded inputs.
    mixed = np.round(rng.standard_normal((3, 4)) * 64) / 64
    mixed[0] += 1000
    cases = [("logits of shape (4, 5)", (rng.standard_normal((4, 5)),)),
             ("a single row of shape (6,)", (rng.standard_normal(6) * 2,)),
             ("large logits (up to 1000)", (rng.standard_normal((3, 4)) * 300 + 700,)),
             ("rows on different scales (row 0 near 1000, the others near 0)", (mixed,)),
             ("rows spanning −800 to 800", (_WIDE_ROWS.copy(),))]
    hints = {"large logits (up to 1000)": "exp(1000) overflows to inf; subtract each row's maximum "
                                          "from the logits first — softmax does not change",
             "rows spanning −800 to 800": "after the shift every exponent must be ≤ 0, so that nothing "
                                          "overflows: shift by each row's maximum",
             "rows on different scales (row 0 near 1000, the others near 0)":
                 "subtract each row's own maximum (max over the last dimension, keepdim=True), not the "
                 "largest logit of the whole batch: exp(0 − 1000) underflows to 0 in the other rows"}
    return check_tensor_function(answer, softmax, cases, ("logits",), hints=hints)


def cross_entropy(logits, targets):
    return F.cross_entropy(logits, targets)


@register("ch3.cross_entropy", hints=[
    "the loss of one row is −log p at its label; compute log p directly, not as the log of a softmax",
    "log-softmax = (z − m) − log Σ exp(z − m) with m each row's maximum: the log-sum-exp trick",
    ("pick one entry per row, at the row's label (index rows and labels together), then average and "
    "negate"),
], forbid=("dlkit.functional.cross_entropy", "dlkit.nn.CrossEntropyLoss", "dlkit.functional.log_softmax",
           "dlkit.functional.softmax", "dlkit.functional.nll_loss", "dlkit.nn.NLLLoss",
           "dlkit.nn.LogSoftmax", "dlkit.nn.Softmax"))
def check_cross_entropy(answer):
    rng = np.random.default_rng(34)
    cases = []
    for label, n, k, scale in [("8 samples, 3 classes", 8, 3, 1.0), ("5 samples, 4 classes", 5, 4, 2.0),
                               ("large logits (up to 1000)", 4, 3, 400.0)]:
        cases.append((label, (rng.standard_normal((n, k)) * scale + (600 if scale > 100 else 0),
                              rng.integers(0, k, n))))
    cases.append(("rows spanning −800 to 800", (_WIDE_ROWS.copy(), np.array([1, 0, 2]))))
    hints = {"large logits (up to 1000)": "softmax(z).log() takes the log of probabilities that "
                                          "underflowed to 0: compute log-softmax directly with the "
                                          "log-sum-exp trick (subtract each row's maximum)",
             "rows spanning −800 to 800": "the labels here pick tiny probabilities (e^−1600): only a "
                                          "log-softmax computed by log-sum-exp, shifted by each row's "
                                          "maximum, gets −1600 instead of log 0"}
    return check_tensor_function(answer, cross_entropy, cases, ("logits", "targets"), hints=hints)


def cross_entropy_grad(logits, targets):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    probs[np.arange(len(targets)), targets] -= 1
    return probs / len(targets)


@register("ch3.cross_entropy_grad", hints=[
    "for one row, ∂ℓ/∂z_k = p_k − [k = y]: the softmax minus the one-hot label",
    ("the loss is a mean over n rows, so divide by n; compute the softmax stably (each row's maximum "
    "first)"),
], forbid=("dlkit.functional.cross_entropy", "dlkit.nn.CrossEntropyLoss", "dlkit.functional.softmax",
           "dlkit.functional.log_softmax", *AUTOGRAD))
def check_cross_entropy_grad(answer):
    rng = np.random.default_rng(35)
    cases = [(f"{n} samples, {k} classes", (rng.standard_normal((n, k)), rng.integers(0, k, n)))
             for n, k in [(6, 3), (4, 5), (1, 2)]]
    cases.append(("large logits (up to 1000)", (rng.standard_normal((3, 4)) * 300 + 700,
                                                rng.integers(0, 4, 3))))
    hints = {"large logits (up to 1000)": "np.exp(1000) is inf and inf/inf is nan: subtract each "
                                          "row's maximum before np.exp — the softmax does not change"}
    return check_array_function(answer, cross_entropy_grad, cases, "your gradient", hints=hints)


# ----------------------------------------------------------------------------------------------------
# A whole trainer: mini-batch SGD for logistic regression
# ----------------------------------------------------------------------------------------------------
def train_logistic(X, y, lr, epochs, batch_size, rng):
    """Reference trainer in numpy, from the chapter's formula ∂L/∂z = (σ(z) − y) / B."""
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            z = X[rows] @ w + b
            dz = (0.5 * (np.tanh(0.5 * z) + 1) - y[rows]) / len(rows)
            w = w - lr * (X[rows].T @ dz)
            b = b - lr * dz.sum()
    return w, b


@register("ch3.train_logistic", hints=[
    "two loops: over epochs, and inside, over mini-batches of the rows in a freshly shuffled order",
    ("one rng.permutation(n) per epoch; batches are consecutive slices of that order of length "
    "batch_size, the last one shorter"),
    ("per batch: the mean BCE from logits of those rows, gradients cleared, backward(), then "
    "w ← w − lr·∂L/∂w and b ← b − lr·∂L/∂b"),
], forbid=("dlkit.optim.SGD", "dlkit.functional.binary_cross_entropy_with_logits",
           "dlkit.nn.BCEWithLogitsLoss"))
def check_train_logistic(answer):
    data = np.random.default_rng(37)
    X = data.standard_normal((50, 3))
    y = (X @ np.array([1.5, -2.0, 0.5]) + 0.3 * data.standard_normal(50) > 0).astype(np.float64)
    cases = [("1 epoch, one batch of all 50 samples", 1, 50, 0.5,
              ("one step on the whole batch is already off: the gradient is that of the *mean* loss "
              "over the batch, and the step is w ← w − lr·∂L/∂w (same for b); start from zeros")),
             ("1 epoch, batches of 16 (the last holds 2)", 1, 16, 0.5,
              ("take the rows in the order rng.permutation(n) gives (call it once per epoch), one "
              "step per batch, and keep the last, smaller batch")),
             ("4 epochs, batches of 16", 4, 16, 0.5,
              ("draw a fresh permutation at the start of every epoch, and clear the gradients before "
              "every backward() (they add up otherwise)"))]
    for label, epochs, batch_size, lr, hint in cases:
        expected_w, expected_b = train_logistic(X.copy(), y.copy(), lr, epochs, batch_size,
                                                np.random.default_rng(0))
        got = answer(X.copy(), y.copy(), lr, epochs, batch_size, np.random.default_rng(0))
        on = f" (on {label})"
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise Mismatch(f"train_logistic should return a pair (w, b){on}, got "
                           f"{type(got).__name__}", "return w, b at the end")
        w = as_array(got[0], "the returned w" + on)
        b = as_array(got[1], "the returned b" + on)
        if w.shape != (3,):
            raise Mismatch(f"the returned w has shape {w.shape}{on}, expected (3,) — one weight per "
                           "feature", "w starts as zeros of shape (d,) for X of shape (n, d)")
        if b.size != 1:
            raise Mismatch(f"the returned b has shape {b.shape}{on}, expected one number",
                           "b is a single number (a 0-d Tensor or a float)")
        assert_close(w, expected_w, "the trained w" + on, hint, check_dtype=False)
        assert_close(b.reshape(()), expected_b, "the trained b" + on, hint, check_dtype=False)
    return f"{len(cases)} training runs match step for step (full batch, mini-batches, epochs)"
