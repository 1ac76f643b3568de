"""Chapter 4 — multilayer perceptrons with ``dlkit.nn``: references and checks.

Exercises: the two-layer network's backward pass by hand (``two_layer_backward``), a ``Linear``
layer of your own, ``make_mlp`` (a Sequential of Linear and ReLU), ``accuracy`` from logits,
``train_step`` (one step of the training loop) and ``train_epoch`` (one pass over a DataLoader). The
references are dlkit's own layers, optimizers and ``backward()``.
"""
import gc
import importlib
import weakref
from itertools import pairwise

import numpy as np

from ... import functional as F
from ... import nn
from ...data import DataLoader, TensorDataset
from ...optim import SGD
from ...tensor import Tensor
from ..checker import AUTOGRAD, call, register, twin_models
from ..compare import Mismatch, as_number, assert_close, assert_fraction, assert_gradient, assert_tensor


def _parameters(module, what):
    if not hasattr(module, "named_parameters"):
        raise Mismatch(f"{what} is a {type(module).__name__}, expected a dlkit.nn.Module",
                       "subclass dlkit.nn.Module and call super().__init__() first in __init__")
    return dict(module.named_parameters())


def two_layer_backward(X, y, W1, b1, W2, b2):
    """Reference: the gradients as dlkit's own ``backward()`` computes them."""
    params = [Tensor(a, requires_grad=True) for a in (W1, b1, W2, b2)]
    w1, c1, w2, c2 = params
    hidden = (Tensor(X) @ w1.T + c1).relu()
    F.cross_entropy(hidden @ w2.T + c2, Tensor(y)).backward()
    return tuple(p.grad for p in params)


_BACKWARD_HINTS = {
    "dW2": "start from dz2 = (softmax(z2) − onehot(y)) / n (chapter 3); dW2 = dz2ᵀ h has W2's shape "
           "(classes, hidden)",
    "db2": "a bias is added to every row, so its gradient sums dz2 over the rows (axis 0)",
    "dW1": "dW2 is right, so the error is in the hidden layer: dh = dz2 W2, then the ReLU lets the "
           "gradient through only where z1 > 0, then dW1 = dz1ᵀ X",
    "db1": "sum dz1 (the gradient after the ReLU mask) over the rows",
}


@register("ch4.two_layer_backward", hints=[
    "run the forward pass first and keep z1 and h: the backward pass needs them",
    ("go back one forward line at a time — dz2 (chapter 3), dW2 and db2, dh, dz1, dW1 and db1; "
    "every gradient has its variable's shape"),
    ("through a Linear layer: dW = dzᵀ·(its input), db sums dz over the rows, d(input) = dz·W; "
    "through the ReLU: keep the gradient only where z1 > 0"),
], forbid=AUTOGRAD)
def check_two_layer_backward(answer):
    rng = np.random.default_rng(46)
    cases = []
    for label, n, d, h, k, scale in [("6 samples, 3 → 5 → 4", 6, 3, 5, 4, 1.0),
                                     ("1 sample, 2 → 3 → 2", 1, 2, 3, 2, 1.0),
                                     ("large logits (weights × 300)", 5, 3, 4, 3, 300.0)]:
        X = rng.standard_normal((n, d))
        arrays = (X, rng.integers(0, k, n), rng.standard_normal((h, d)), rng.standard_normal(h),
                  rng.standard_normal((k, h)) * scale, rng.standard_normal(k))
        cases.append((label, arrays))
    for label, arrays in cases:
        expected = two_layer_backward(*[a.copy() for a in arrays])
        got = answer(*[a.copy() for a in arrays])
        on = f" (on {label})"
        if not isinstance(got, tuple | list) or len(got) != 4:
            raise Mismatch(f"two_layer_backward should return (dW1, db1, dW2, db2){on}, got "
                           f"{type(got).__name__}", "return dW1, db1, dW2, db2")
        large = label.startswith("large")
        for index in (2, 3, 0, 1):  # in backward order, so the first message is the first mistake
            name = ("dW1", "db1", "dW2", "db2")[index]
            hint = ("np.exp of a large logit is inf: subtract each row's maximum before the softmax"
                    if large else _BACKWARD_HINTS[name])
            assert_close(got[index], expected[index], name + on, hint, check_dtype=False)
    return f"{len(cases)} cases passed: all four gradients equal backward()'s"


@register("ch4.Linear", hints=[
    "two nn.Parameter attributes, weight and bias, created in __init__ once the parent Module is set up",
    ("PyTorch's layout: weight is (out_features, in_features), bias is (out_features,); forward "
    "multiplies x by the transposed weight and adds the bias"),
    ("initialise the weight uniformly in ±1/√in_features, every entry drawn independently; the bias "
    "with zeros"),
], forbid=("dlkit.nn.Linear", "dlkit.functional.linear"), forbid_subclass_of=("dlkit.nn.Linear",))
def check_linear(answer):
    rng = np.random.default_rng(41)
    layer = answer(3, 4)
    params = _parameters(layer, "Linear(3, 4)")
    if set(params) != {"weight", "bias"}:
        raise Mismatch(f"Linear(3, 4) has parameters {sorted(params)}, expected ['bias', 'weight']",
                       "assign nn.Parameter objects to self.weight and self.bias")
    for name, shape, why in [("weight", (4, 3), "PyTorch's layout: weight is (out_features, in_features)"),
                             ("bias", (4,), ("one bias per output unit: shape (out_features,), added "
                                            "to every row of x @ weight.T"))]:
        if tuple(params[name].shape) != shape:
            raise Mismatch(f"Linear(3, 4).{name} has shape {tuple(params[name].shape)}, expected {shape}",
                           why)
        if not isinstance(params[name], nn.Parameter):
            raise Mismatch(f"Linear(3, 4).{name} is a {type(params[name]).__name__}, expected an "
                           "nn.Parameter", "wrap the initial values: nn.Parameter(array)")
    weight = params["weight"].data
    if np.allclose(weight, weight.flat[0]):
        raise Mismatch("every entry of Linear(3, 4).weight starts with the same value",
                       "initialise randomly (e.g. uniform in ±1/√in_features): identical weights make "
                       "every output unit compute and learn the same thing")
    _check_initial_scale(answer)
    _check_repeatable(answer)
    W, b = rng.standard_normal((4, 3)), rng.standard_normal(4)
    params["weight"].data[...] = W
    params["bias"].data[...] = b
    x = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    out = layer(x)
    assert_tensor(out, "Linear(3, 4)(x)")
    assert_close(out, x.data @ W.T + b, "Linear(3, 4)(x) for x of shape (5, 3)")
    G = rng.standard_normal((5, 4))
    out.backward(G)
    assert_gradient(params["weight"], G.T @ x.data, "weight")
    assert_gradient(params["bias"], G.sum(axis=0), "bias")
    assert_gradient(x, G @ W, "the input x")
    return "shapes, initialisation, forward values and gradients are right"


def _check_initial_scale(answer):
    """A wide layer's weights: distinct rows, within ±1/√in, spread like uniform(±1/√in)."""
    layer = answer(400, 50)
    weight = dict(layer.named_parameters())["weight"].data
    if np.allclose(weight, weight[:1]):
        raise Mismatch("every row of Linear(400, 50).weight starts the same: all 50 output units "
                       "compute the same thing and get the same gradient, so they stay identical",
                       "draw every entry independently — the shape (out_features, in_features) in one "
                       "call to uniform — so that the symmetry is broken")
    bound = 1 / np.sqrt(400)
    if np.abs(weight).max() > bound * 1.0001 or not 0.8 < weight.std() / (bound / np.sqrt(3)) < 1.2:
        raise Mismatch(f"Linear(400, 50).weight starts with standard deviation {weight.std():.3g} and "
                       f"largest size {np.abs(weight).max():.3g}; expected uniform in ±1/√400 = ±{bound:g} "
                       f"(standard deviation {bound / np.sqrt(3):.3g})",
                       "scale by in_features (the inputs each unit sums over), not out_features or 1: "
                       "bound = 1/√in_features, uniform(−bound, bound)")
    bias = dict(layer.named_parameters())["bias"].data
    if np.abs(bias).max() > bound * 1.0001:
        raise Mismatch(f"Linear(400, 50).bias starts with entries as large as {np.abs(bias).max():.3g}; "
                       f"expected zeros (or, like PyTorch, uniform in ±1/√400 = ±{bound:g})",
                       "start the bias at zeros: nn.Parameter(np.zeros(out_features))")


def _check_repeatable(answer):
    """``dlkit.manual_seed`` makes the initial weights repeatable: they come from dlkit's generator."""
    dlkit_random = importlib.import_module("dlkit.random")
    learners_generator = dlkit_random.get_rng()            # the learner's stream is left as it was
    try:
        starts = []
        for _ in range(2):
            dlkit_random.manual_seed(2024)
            starts.append(dict(answer(6, 5).named_parameters())["weight"].data.copy())
    finally:
        dlkit_random._rng = learners_generator
    if not np.array_equal(*starts):
        raise Mismatch("two Linear(6, 5) built right after the same dlkit.manual_seed(2024) start with "
                       "different weights",
                       "draw them from dlkit's own random generator (the one dlkit.manual_seed seeds), "
                       "not numpy's global one: then the initialisation is repeatable, as nn.Linear's is")


@register("ch4.make_mlp", hints=[
    "one Linear layer per consecutive pair of sizes, in order",
    "an nn.ReLU() between two Linear layers, and none after the last one: it outputs logits",
])
def check_make_mlp(answer):
    rng = np.random.default_rng(42)
    for sizes in ([2, 16, 8, 3], [4, 5], [3, 7, 2]):
        model = answer(list(sizes))
        _parameters(model, f"make_mlp({sizes})")
        layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
        got = [(m.in_features, m.out_features) for m in layers]
        expected = list(pairwise(sizes))
        if got != expected:
            raise Mismatch(f"make_mlp({sizes}) has Linear layers (in, out) = {got}, expected {expected}")
        x = rng.standard_normal((6, sizes[0]))
        h = x
        for i, layer in enumerate(layers):
            h = h @ layer.weight.data.T + layer.bias.data
            if i < len(layers) - 1:
                h = np.maximum(h, 0)
        out = model(Tensor(x))
        assert_tensor(out, f"make_mlp({sizes})(x)")
        assert_close(out, h, f"make_mlp({sizes})(x) for x of shape {x.shape}", check_dtype=False)
    return "3 architectures passed (layer sizes, ReLU placement, outputs)"


def accuracy(logits, labels):
    return np.mean(np.argmax(logits, axis=1) == labels)


@register("ch4.accuracy", hints=[
    "the predicted class of a row is the index of its largest logit",
    "compare the predictions with the labels and take the fraction that agree: a float in [0, 1]",
])
def check_accuracy(answer):
    rng = np.random.default_rng(43)
    cases = []
    for n, k in [(10, 3), (7, 5), (4, 2)]:
        logits = rng.standard_normal((n, k))
        labels = rng.integers(0, k, n)
        labels[: n // 2] = logits[: n // 2].argmax(axis=1)  # so that the accuracy is well above chance
        cases.append((f"{n} samples, {k} classes", (logits, labels)))
    for label, (logits, labels) in cases:
        got = call(answer, logits.copy(), labels.copy())
        assert_fraction(got, accuracy(logits, labels), f"your accuracy (on {label})",
                        "the fraction of rows predicted right: right predictions / samples",
                        atol=1e-6)  # float32 answers round; fractions of ≤ 10 samples differ by ≥ 0.1
    return f"{len(cases)} cases passed"


def train_step(model, loss_fn, optimizer, X, y):
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _twin_models(rng):
    return twin_models(lambda: nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3)), rng)


@register("ch4.train_step", hints=[
    "four things in order: clear the gradients, compute the loss, backpropagate, step",
    ("gradients add up across backward() calls, so clear them before every backward(); return the "
    "loss as a Python float with .item()"),
])
def check_train_step(answer):
    rng = np.random.default_rng(44)
    mine, reference = _twin_models(rng)
    my_opt = SGD(mine.parameters(), lr=0.1, momentum=0.9)
    ref_opt = SGD(reference.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(1, 4):
        X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
        got = answer(mine, loss_fn, my_opt, Tensor(X), Tensor(y))
        expected = train_step(reference, loss_fn, ref_opt, Tensor(X), Tensor(y))
        if isinstance(got, Tensor):
            raise Mismatch(f"step {step} returned the loss Tensor, expected a Python float",
                           "a Tensor drags its whole graph along, and a caller that adds those "
                           "Tensors up keeps every step's graph in memory; .item() gives the number")
        got = as_number(got, f"the loss returned by step {step}")
        assert_close(got, expected, f"the loss returned by step {step}")
        ref_params = dict(reference.named_parameters())
        for name, p in mine.named_parameters():
            assert_close(p.data, ref_params[name].data, f"parameter {name!r} after step {step}",
                         "gradients add up across backward() calls: clear them before every "
                         "backward()" if step > 1 else None)
    return "3 training steps passed (losses and updated parameters)"


class _GraphWatch:
    """Wraps a loss function and counts earlier losses still alive when a new batch starts.

    By the time batch k's loss is computed, batch k − 2's loss Tensor should be gone; if the learner
    sums loss Tensors, each one (and its graph) stays reachable from the running total.
    """

    def __init__(self, loss_fn):
        self.loss_fn, self.losses, self.kept_alive = loss_fn, [], 0

    def __call__(self, prediction, target):
        if any(r() is not None for r in self.losses[:-1]):
            gc.collect()  # only what is really still referenced should count (slow: only when needed)
        self.kept_alive = max(self.kept_alive, sum(r() is not None for r in self.losses[:-1]))
        loss = self.loss_fn(prediction, target)
        self.losses.append(weakref.ref(loss))
        return loss


def train_epoch(model, loss_fn, optimizer, loader):
    total, count = 0.0, 0
    for X, y in loader:
        total += train_step(model, loss_fn, optimizer, X, y) * len(X)
        count += len(X)
    return total / count


@register("ch4.train_epoch", hints=[
    "loop over the loader's batches and call your train_step on each",
    ("the mean per sample, not per batch: weight each batch's loss by its number of samples, and "
    "divide by the total number of samples"),
    "keep the running total a Python float (train_step returns one), never a Tensor",
])
def check_train_epoch(answer):
    rng = np.random.default_rng(45)
    mine, reference = _twin_models(rng)
    my_opt = SGD(mine.parameters(), lr=0.05, momentum=0.9)
    ref_opt = SGD(reference.parameters(), lr=0.05, momentum=0.9)
    X, y = rng.standard_normal((50, 4)), rng.integers(0, 3, 50)
    # Twin loaders with one seed shuffle identically; 50 samples in batches of 16 leave a last batch of 2.
    my_loader, ref_loader = (DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, seed=7)
                             for _ in range(2))
    loss_fn = nn.CrossEntropyLoss()
    watched = _GraphWatch(loss_fn)
    for epoch in range(1, 3):
        got = answer(mine, watched, my_opt, my_loader)
        if isinstance(got, Tensor) or watched.kept_alive:
            raise Mismatch(f"epoch {epoch} keeps every batch's graph alive "
                           f"({watched.kept_alive or 'all'} earlier losses are still in memory)",
                           "add up Python floats (each loss's .item()), not loss Tensors: a sum of "
                           "Tensors chains every batch's graph into one")
        expected = train_epoch(reference, loss_fn, ref_opt, ref_loader)
        got = as_number(got, f"the mean loss returned for epoch {epoch}")
        ref_params = dict(reference.named_parameters())
        for name, p in mine.named_parameters():
            assert_close(p.data, ref_params[name].data, f"parameter {name!r} after epoch {epoch}",
                         "one optimizer step per batch, with the gradients cleared before each "
                         "backward()")
        assert_close(got, expected, f"the mean loss of epoch {epoch}",
                     "the last batch holds 2 samples, not 16: weight each batch's loss by its size "
                     "and divide by the number of samples")
    return "2 epochs passed (updated parameters and the per-sample mean loss)"
