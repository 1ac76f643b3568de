"""Chapter 6 — training practice and regularisation: references and checks.

Exercises: inverted ``Dropout`` with its own backward (numpy), ``batchnorm_forward`` with running
statistics, ``batchnorm_backward`` by hand, ``layer_norm`` from Tensor operations,
``train_with_early_stopping`` (a loop that restores the best weights) and ``shift_batch`` (a
zero-filled shift of a batch of digits). The references are dlkit's own ``F.batch_norm``,
``F.layer_norm``, ``backward()`` and ``dlkit.data.shift_images``.
"""
import numpy as np

from ... import functional as F
from ... import nn
from ...data import shift_images
from ...tensor import Tensor
from ..checker import AUTOGRAD, call, check_tensor_function, register
from ..compare import Mismatch, as_array, as_number, assert_close

_BATCH_NORM_LAYERS = ("dlkit.functional.batch_norm", "dlkit.nn.BatchNorm1d", "dlkit.nn.BatchNorm2d")
_LAYER_NORM_LAYERS = ("dlkit.functional.layer_norm", "dlkit.nn.LayerNorm", "dlkit.functional.group_norm",
                      "dlkit.nn.GroupNorm")


# ----------------------------------------------------------------------------------------------------
# Exercise 1: inverted dropout, forward and backward
# ----------------------------------------------------------------------------------------------------
@register("ch6.Dropout", hints=[
    ("forward in training: draw a fresh keep-mask (True with probability 1 − p), keep it on self, "
    "return x · mask / (1 − p); in evaluation return x unchanged"),
    ("backward multiplies the upstream gradient by the mask saved in forward, divided by (1 − p) — "
    "never draw a new mask there"),
    "inverted dropout scales while training, so evaluation needs no scaling at all",
], forbid=("dlkit.functional.dropout", "dlkit.functional.dropout2d", "dlkit.nn.Dropout"),
    forbid_subclass_of=("dlkit.nn.Dropout",))
def check_dropout(answer):
    rng = np.random.default_rng(61)
    for p in (0.4, 0.75):
        layer = answer(p)
        x = rng.uniform(0.5, 2.0, (200, 50)) * rng.choice([-1.0, 1.0], (200, 50))  # never 0
        out = as_array(call(layer.forward, x.copy(), True), f"Dropout({p}).forward(x, training=True)")
        what = f"Dropout({p}).forward(x, training=True) for x of shape (200, 50)"
        if out.shape != x.shape:
            raise Mismatch(f"{what} has shape {out.shape}, expected {x.shape}")
        kept = out != 0
        scaled = np.isclose(out, x / (1 - p), rtol=1e-5, atol=0)
        if not np.all(scaled | ~kept):
            if np.allclose(out[kept], x[kept]):
                raise Mismatch(f"{what}: the kept entries equal x, expected x / (1 − p)",
                               "inverted dropout scales the survivors by 1/(1 − p) during training, so "
                               "that the expected output equals x")
            raise Mismatch(f"{what}: some entries are neither 0 nor x / (1 − p)",
                           "each entry is either dropped (0) or kept and scaled by 1/(1 − p)")
        dropped = 1 - kept.mean()
        if abs(dropped - p) > 0.03:
            flipped = " (is p the probability of keeping, in your code?)" if abs(dropped - (1 - p)) < 0.03 else ""
            raise Mismatch(f"{what} dropped {dropped:.1%} of the entries, expected about p = {p:.0%}"
                           f"{flipped}", "drop each entry with probability p: keep where a uniform "
                           "random number is >= p")
        upstream = rng.standard_normal(x.shape)
        dx = call(layer.backward, upstream.copy())
        assert_close(dx, upstream * kept / (1 - p), f"Dropout({p}).backward(dout) after that forward",
                     "backward must use the mask of the forward pass (saved on self), times 1/(1 − p); "
                     "a mask drawn again in backward is a different mask")
        again = as_array(call(layer.forward, x.copy(), True), f"a second Dropout({p}).forward(x)")
        if np.array_equal(again != 0, kept):
            raise Mismatch(f"two calls of Dropout({p}).forward(x, training=True) dropped the same entries",
                           "draw a new mask on every forward call (create the random generator once, in "
                           "__init__, not with a fixed seed inside forward)")
        evaluated = call(layer.forward, x.copy(), False)
        assert_close(evaluated, x, f"Dropout({p}).forward(x, training=False)",
                     "in evaluation inverted dropout is the identity: no mask and no scaling")
        assert_close(call(layer.backward, upstream.copy()), upstream,
                     f"Dropout({p}).backward(dout) after an evaluation forward",
                     "after forward(x, training=False) nothing was dropped: the gradient passes unchanged")
    x32 = rng.uniform(0.5, 2.0, (20, 30)).astype(np.float32)
    out32 = as_array(call(answer(0.5).forward, x32.copy(), True), "Dropout(0.5).forward(float32 x)")
    if not np.all((out32 == 0) | np.isclose(out32, 2 * x32, rtol=1e-5, atol=0)):
        raise Mismatch("Dropout(0.5).forward on float32 input: entries are neither 0 nor 2x")
    return "p = 0.4 and 0.75: scaling, drop rate, backward with the saved mask, fresh masks, eval mode"


# ----------------------------------------------------------------------------------------------------
# Exercise 2: batch norm forward with running statistics
# ----------------------------------------------------------------------------------------------------
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """Reference: dlkit's ``F.batch_norm`` (updates ``running_mean``/``running_var`` in place)."""
    return F.batch_norm(Tensor(x), running_mean, running_var, Tensor(gamma), Tensor(beta),
                        training=training, momentum=momentum, eps=eps).data


def _standardised(x, gamma, beta, eps, axis=0, ddof=0):
    mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, keepdims=True, ddof=ddof)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _batchnorm_forward_hint(got, x, gamma, beta, eps):
    """Name the mistake when the output matches a plausible wrong formula."""
    got = np.asarray(got, dtype=np.float64)
    if got.shape == x.shape and len(x) > 1:
        if np.allclose(got, _standardised(x, gamma, beta, eps, ddof=1), rtol=1e-4):
            return ("you normalised with the unbiased variance (ddof=1): the batch is standardised with "
                    "its own, biased variance — divide by n")
        if np.allclose(got, _standardised(x, gamma, beta, eps, axis=1), rtol=1e-4):
            return ("you normalised each row: batch norm normalises each feature (column) over the "
                    "batch — statistics over axis 0")
    return "x̂ = (x − μ)/√(σ² + ε) per column, with μ and σ² of this batch (σ² biased); then γ x̂ + β"


@register("ch6.batchnorm_forward", hints=[
    "training: statistics of this batch, per feature (over axis 0); evaluation: the running ones",
    ("normalise with the biased variance (divide by n), but feed the running variance the unbiased one "
     "n/(n − 1)·σ², as PyTorch does"),
    ("update the running arrays in place (running_mean *= 1 − momentum; running_mean += momentum·μ), so "
     "the caller's arrays change; assigning a new array to the name changes nothing outside"),
], forbid=_BATCH_NORM_LAYERS)
def check_batchnorm_forward(answer):
    rng = np.random.default_rng(62)
    for label, n, d, dtype in [("8 samples, 3 features", 8, 3, np.float64),
                               ("2 samples, 5 features", 2, 5, np.float64),
                               ("16 samples, 4 features, float32", 16, 4, np.float32)]:
        x = rng.normal(rng.uniform(-3, 3, d), rng.uniform(0.5, 3, d), (n, d)).astype(dtype)
        gamma, beta = rng.uniform(0.5, 2, d).astype(dtype), rng.standard_normal(d).astype(dtype)
        mine = [rng.standard_normal(d).astype(dtype), rng.uniform(0.5, 2, d).astype(dtype)]
        theirs = [a.astype(np.float64) for a in mine]
        for step in range(2):   # two training steps, then evaluation with the running statistics
            on = f" (on {label}, training step {step + 1})"
            got = call(answer, x.copy(), gamma.copy(), beta.copy(), mine[0], mine[1], True, 0.1, 1e-5)
            expected = batchnorm_forward(x.astype(np.float64), gamma.astype(np.float64),
                                         beta.astype(np.float64), theirs[0], theirs[1], True)
            assert_close(got, expected, "your output" + on,
                         _batchnorm_forward_hint(got, x.astype(np.float64), gamma, beta, 1e-5))
            assert_close(mine[0], theirs[0], "running_mean after the update" + on,
                         "running_mean = (1 − momentum)·running_mean + momentum·μ, updated in place")
            assert_close(mine[1], theirs[1], "running_var after the update" + on,
                         "the running variance averages the unbiased batch variance n/(n − 1)·σ² "
                         "(updated in place), while the batch itself is normalised with the biased σ²")
            x = rng.normal(0, 2, (n, d)).astype(dtype)
        before = [a.copy() for a in mine]
        got = call(answer, x.copy(), gamma.copy(), beta.copy(), mine[0], mine[1], False, 0.1, 1e-5)
        expected = batchnorm_forward(x.astype(np.float64), gamma.astype(np.float64), beta.astype(np.float64),
                                     theirs[0], theirs[1], False)
        assert_close(got, expected, f"your output in evaluation (on {label})",
                     "in evaluation normalise with running_mean and running_var, not the batch's statistics")
        if not (np.array_equal(before[0], mine[0]) and np.array_equal(before[1], mine[1])):
            raise Mismatch(f"evaluation changed the running statistics (on {label})",
                           "only training updates running_mean and running_var")
    return "3 shapes: 2 training steps (output and running statistics) and evaluation each"


# ----------------------------------------------------------------------------------------------------
# Exercise 3: batch norm backward by hand
# ----------------------------------------------------------------------------------------------------
def batchnorm_backward(dout, x, gamma, eps=1e-5):
    """Reference: the gradients that ``backward()`` of dlkit's training-mode batch norm gives."""
    xt, gt, bt = (Tensor(a, requires_grad=True) for a in (x, gamma, np.zeros_like(gamma)))
    F.batch_norm(xt, weight=gt, bias=bt, training=True, eps=eps).backward(dout)
    return xt.grad, gt.grad, bt.grad


@register("ch6.batchnorm_backward", hints=[
    "recompute the forward quantities first: μ, σ², s = √(σ² + ε) and x̂, per column",
    ("dβ = Σ dout and dγ = Σ dout·x̂ over the batch (axis 0); for dx, x reaches the loss three ways: "
     "directly, through μ and through σ²"),
    "with ĝ = dout·γ: dx = (n ĝ − Σ ĝ − x̂ Σ(ĝ x̂)) / (n s), sums over axis 0 kept as rows",
], forbid=(*_BATCH_NORM_LAYERS, *AUTOGRAD))
def check_batchnorm_backward(answer):
    rng = np.random.default_rng(63)
    for label, n, d, dtype in [("6 samples, 3 features", 6, 3, np.float64),
                               ("2 samples, 4 features", 2, 4, np.float64),
                               ("10 samples, 2 features, float32", 10, 2, np.float32)]:
        x = rng.normal(rng.uniform(-2, 2, d), rng.uniform(0.5, 3, d), (n, d)).astype(dtype)
        gamma = rng.uniform(0.5, 2, d).astype(dtype)
        dout = rng.standard_normal((n, d)).astype(dtype)
        got = call(answer, dout.copy(), x.copy(), gamma.copy(), 1e-5)
        on = f" (on {label})"
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise Mismatch(f"batchnorm_backward should return (dx, dgamma, dbeta){on}, got "
                           f"{type(got).__name__}", "return dx, dgamma, dbeta")
        expected = batchnorm_backward(*(a.astype(np.float64) for a in (dout, x, gamma)))
        assert_close(got[2], expected[2], "dbeta" + on, "β is added to every row: sum dout over the batch")
        assert_close(got[1], expected[1], "dgamma" + on, "γ multiplies x̂: sum dout·x̂ over the batch")
        x64 = x.astype(np.float64)
        s = np.sqrt(x64.var(axis=0) + 1e-5)
        direct_only = dout * gamma / s
        hint = ("your dx treats μ and σ² as constants (only the direct path): they depend on x too, "
                "which adds −Σĝ/n and −x̂·Σ(ĝx̂)/n inside the bracket"
                if np.allclose(np.asarray(got[0], dtype=np.float64), direct_only, rtol=1e-4) else
                "dx = (n ĝ − Σ ĝ − x̂ Σ(ĝ x̂)) / (n s) with ĝ = dout·γ, x̂ and s from the biased variance")
        assert_close(got[0], expected[0], "dx" + on, hint, precision=np.asarray(got[0]).dtype)
    return "3 shapes: dx, dgamma and dbeta equal backward()'s"


# ----------------------------------------------------------------------------------------------------
# Exercise 4: layer norm with Tensor operations
# ----------------------------------------------------------------------------------------------------
def layer_norm(x, gamma, beta, eps=1e-5):
    return F.layer_norm(x, (x.shape[-1],), gamma, beta, eps)


@register("ch6.layer_norm", hints=[
    "each sample (row) gets its own mean and variance, over its features: the last axis",
    ("keep that axis (keepdims=True) so the statistics broadcast back over the features; the variance is "
     "the biased one (mean of squared deviations) — Tensor.var divides by n − 1 unless told otherwise"),
], forbid=(*_LAYER_NORM_LAYERS, *_BATCH_NORM_LAYERS))
def check_layer_norm(answer):
    rng = np.random.default_rng(64)
    cases = []
    for label, shape in [("x of shape (4, 5)", (4, 5)), ("x of shape (2, 3, 6): normalise the last axis", (2, 3, 6)),
                         ("x of shape (6, 3), rows far from 0", (6, 3))]:
        x = rng.normal(0, 2, shape) + (rng.uniform(-20, 20, shape[:-1] + (1,)) if "far" in label else 0)
        d = shape[-1]
        cases.append((label, (x, rng.uniform(0.5, 2, d), rng.standard_normal(d))))
    hint = ("statistics per sample over the features (the last axis, keepdims=True), with the biased "
            "variance; then γ x̂ + β")
    summary = check_tensor_function(answer, lambda x, g, b: layer_norm(x, g, b), cases, ("x", "gamma", "beta"),
                                    hints={"values": hint, "grad": "build it from Tensor operations only, "
                                           "so that backward() reaches x, gamma and beta"})
    x32 = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    got = call(answer, x32, Tensor(np.ones(4, np.float32)), Tensor(np.zeros(4, np.float32)))
    assert_close(got, layer_norm(Tensor(x32.data.astype(np.float64)), None, None).data,
                 "your result on float32 input", hint)
    return summary + "; float32 accepted"


# ----------------------------------------------------------------------------------------------------
# Exercise 5: an early-stopping loop
# ----------------------------------------------------------------------------------------------------
def train_with_early_stopping(model, train_one_epoch, validation_loss, max_epochs, patience):
    best, best_epoch, best_state, waited = None, 0, None, 0
    for epoch in range(1, max_epochs + 1):
        train_one_epoch()
        loss = validation_loss()
        if best is None or loss < best:
            best, best_epoch, best_state, waited = loss, epoch, model.state_dict(), 0
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    return best_epoch


class _ScriptedRun:
    """A model whose weights after epoch k are all k, and a validation loss read from a script."""

    def __init__(self, losses):
        self.model = nn.Linear(2, 2)
        self.losses, self.trained, self.validated = list(losses), 0, 0

    def train_one_epoch(self):
        self.trained += 1
        for p in self.model.parameters():
            p.data[...] = self.trained      # in place, as an optimizer step does

    def validation_loss(self):
        if self.validated >= self.trained:
            raise Mismatch("validation_loss() was called twice for one epoch",
                           "one train_one_epoch() and one validation_loss() per epoch")
        self.validated += 1
        return self.losses[self.trained - 1]


@register("ch6.early_stopping", hints=[
    "count the epochs without a new best (strictly lower loss); reset the count when one comes",
    ("stop right after the epoch that makes the count reach patience: with patience 3 and the best at "
     "epoch b, the last epoch run is b + 3"),
    ("keep a copy of the weights of the best epoch (model.state_dict() returns a copy) and put it back "
     "with model.load_state_dict before returning"),
], forbid=("dlkit.EarlyStopping", "dlkit.training.EarlyStopping", "dlkit.fit", "dlkit.training.fit"))
def check_early_stopping(answer):
    scenarios = [
        ("losses 5, 4, 3, 3.5, 3.2, 3.1, 2.9, … with patience 3", [5, 4, 3, 3.5, 3.2, 3.1, 2.9, 2, 1, 0.5], 3, 10),
        ("losses that improve every epoch, max_epochs 5", [5, 4, 3, 2, 1, 0.5, 0.1], 2, 5),
        ("a loss equal to the best is no improvement, patience 2", [3, 2, 2, 2, 1], 2, 5),
        ("patience 1", [4, 3, 3.5, 1, 0.5], 1, 5),
        ("the best epoch is the first", [1, 2, 3, 4, 5, 6], 4, 6),
        ("losses 5, 6, 7, 4, 6, 7, 3, … with patience 3 (a new best resets the count)",
         [5, 6, 7, 4, 6, 7, 3, 2, 1, 0.5], 3, 10),
    ]
    for label, losses, patience, max_epochs in scenarios:
        run = _ScriptedRun(losses)
        expected_run = _ScriptedRun(losses)
        expected_best = train_with_early_stopping(expected_run.model, expected_run.train_one_epoch,
                                                  expected_run.validation_loss, max_epochs, patience)
        got = call(answer, run.model, run.train_one_epoch, run.validation_loss, max_epochs, patience)
        on = f" (on {label})"
        if run.trained != expected_run.trained:
            raise Mismatch(f"your loop ran {run.trained} epochs, expected {expected_run.trained}{on}",
                           "patience counts the epochs in a row without a strictly lower validation "
                           "loss; stop after the epoch that makes that count equal patience, and never "
                           "run more than max_epochs")
        got = as_number(got, "the best epoch you returned" + on)
        if got != expected_best:
            raise Mismatch(f"you returned best epoch {got:g}, expected {expected_best}{on}",
                           "epochs count from 1; only a strictly lower loss makes a new best")
        weights = run.model.weight.data
        if not np.all(weights == expected_best):
            raise Mismatch(f"after your loop the model holds the weights of epoch {weights.flat[0]:g}, "
                           f"expected those of the best epoch {expected_best}{on}",
                           "save a copy of the best weights (model.state_dict()) when a new best comes, "
                           "and restore them with model.load_state_dict(...) at the end; a reference to "
                           "the live parameters changes as training goes on")
    return f"{len(scenarios)} scripted runs: epochs run, best epoch and restored weights"


# ----------------------------------------------------------------------------------------------------
# Exercise 6: a shift augmentation
# ----------------------------------------------------------------------------------------------------
@register("ch6.shift_batch", hints=[
    "out[:, r, c] = images[:, r − dy, c − dx] where that pixel exists, and 0 where it does not",
    ("np.roll wraps what leaves one edge round to the other; start from np.zeros_like(images) and copy a "
    "slice instead"),
    "the labels of shifted digits are the same labels: return them unchanged",
], forbid=("dlkit.data.shift_images", "dlkit.data.random_shift_rotate", "dlkit.data.rotate_images"))
def check_shift_batch(answer):
    rng = np.random.default_rng(66)
    images = rng.uniform(0.1, 1.0, (5, 6, 7))    # no zero pixels: a wrapped pixel cannot hide
    labels = rng.integers(0, 10, 5)
    for dx, dy in [(1, 0), (0, 1), (-2, 0), (0, -3), (2, -1), (0, 0), (7, 0), (-3, 6)]:
        given = images.copy()
        got = call(answer, given, labels.copy(), dx, dy)
        on = f" (dx={dx}, dy={dy}, images of shape (5, 6, 7))"
        if not np.array_equal(given, images):
            raise Mismatch(f"your shift_batch changed the images it was given{on}",
                           "write the shifted pixels into a new array (np.zeros_like(images)); an "
                           "augmentation that edits the training set in place shifts it again every epoch")
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise Mismatch(f"shift_batch should return (shifted_images, labels){on}, got {type(got).__name__}",
                           "return the shifted images and the labels")
        shifted, got_labels = got
        expected = shift_images(images, dx, dy)
        shifted_array = as_array(shifted, "your shifted images" + on)
        if shifted_array.shape == expected.shape and not np.allclose(shifted_array, expected):
            rolled = np.roll(images, (dy, dx), axis=(1, 2))
            if np.allclose(shifted_array, rolled):
                raise Mismatch(f"your shifted images wrap around{on}: pixels that leave one edge "
                               "come back at the other", "fill the pixels that come in from outside with 0")
            if np.allclose(shifted_array, shift_images(images, -dx, -dy)):
                raise Mismatch(f"your images moved the opposite way{on}",
                               "positive dx moves the picture right, positive dy moves it down")
            if np.allclose(shifted_array, shift_images(images, dy, dx)):
                raise Mismatch(f"your images moved along the wrong axes{on}",
                               "dx moves along the columns (the last axis), dy along the rows")
        assert_close(shifted, expected, "your shifted images" + on,
                     "out[:, r, c] = images[:, r − dy, c − dx] where that pixel exists, 0 elsewhere")
        got_labels = as_array(got_labels, "the labels you returned" + on)
        if got_labels.shape != labels.shape or not np.array_equal(got_labels, labels):
            raise Mismatch(f"the labels you returned are not the labels given{on}",
                           "a shifted 3 is still a 3: return the labels unchanged, in the same order")
    return "8 shifts (right, down, left, up, diagonal, none, off the image): pixels, zero fill and labels"
