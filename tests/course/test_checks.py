"""Each exercise check fails on the stub and on a plausible wrong answer, and passes on a right one.

The right answers here are written independently of ``dlkit.course.references`` (so a wrong reference
would make these tests fail), and the wrong answers are the mistakes learners really make.
"""
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

import dlkit
from dlkit.course import CheckFailed, available_checks, check, run_check


def stub(*args):
    raise NotImplementedError("exercise: replace this line with your code")


def assert_fails(name, answer, *fragments):
    result = run_check(name, answer)
    assert not result.passed, f"{name} passed a wrong answer: {result}"
    for fragment in fragments:
        assert fragment in str(result), f"{fragment!r} not in {str(result)!r}"
    return result


def assert_passes(name, answer):
    result = run_check(name, answer)
    assert result.passed, str(result)


# ----------------------------------------------------------------------------------------------------
# Chapter 1
# ----------------------------------------------------------------------------------------------------
def central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


# The engine checks (topological order, Value, backward, MLP, gradient descent) and their right and
# wrong answers live in test_checks_ch1.py.
from test_checks_ch1 import CH1_CASES

# ----------------------------------------------------------------------------------------------------
# Chapter 2
# ----------------------------------------------------------------------------------------------------
# The max_backward and jacobian checks and their right and wrong answers live in test_checks_ch2.py.
from test_checks_ch2 import CH2_CASES
from test_checks_ch5 import CH5_CASES

# Chapter 7's checks and their right and wrong answers live in test_checks_ch7.py.
from test_checks_ch7 import CH7_CASES
from test_checks_ch9 import CH9_CASES


def unbroadcast_right(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def unbroadcast_leading_only(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


def matmul_right(A, B, G):
    return G @ B.T, A.T @ G


def matmul_untransposed(A, B, G):
    return G @ B.T, G.T @ A  # the transpose of the right answer for B: the classic slip


def numgrad_right(f, x, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def numgrad_forgets_restore(f, x, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        grad[i] = (plus - f(x)) / (2 * eps)
    return grad


def softplus_stable(x):
    return dlkit.maximum(x, 0.0) + (1 + (-x.abs()).exp()).log()


def softplus_naive(x):
    return (1 + x.exp()).log()


# ----------------------------------------------------------------------------------------------------
# Chapter 3
# ----------------------------------------------------------------------------------------------------
def mse_right(pred, target):
    diff = pred - target
    return (diff * diff).sum() / diff.numel()


def mse_sum(pred, target):
    return ((pred - target) ** 2).sum()


def bce_right(p, y):
    return (-(y * p.log()) - (1 - y) * (1 - p).log()).mean()


def bce_no_minus(p, y):
    return (y * p.log() + (1 - y) * (1 - p).log()).mean()


def softmax_right(z):
    e = (z - z.max(axis=-1, keepdims=True)).exp()
    return e / e.sum(axis=-1, keepdims=True)


def softmax_unstable(z):
    e = z.exp()
    return e / e.sum(axis=-1, keepdims=True)


def softmax_numpy(z):
    e = np.exp(z.data - z.data.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_right(z, y):
    m = z.max(axis=1, keepdims=True)
    log_probs = z - m - (z - m).exp().sum(axis=1, keepdims=True).log()
    picked = log_probs[np.arange(z.shape[0]), y]
    return -picked.sum() / z.shape[0]


def cross_entropy_unstable(z, y):
    log_probs = (z.exp() / z.exp().sum(axis=1, keepdims=True)).log()
    return -log_probs[np.arange(z.shape[0]), y].mean()


def ce_grad_right(z, y):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    onehot = np.eye(z.shape[1])[y]
    return (p - onehot) / z.shape[0]


def ce_grad_no_mean(z, y):
    return ce_grad_right(z, y) * z.shape[0]


def ce_grad_no_shift(z, y):
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True) - np.eye(z.shape[1])[y]) / z.shape[0]


def bce_logits_right(z, y):
    # log(1 + e^{-|z|}) + max(z, 0) - z*y; maximum splits a tie's gradient, so z = 0 is right too
    return (dlkit.maximum(z, 0.0) - z * y + ((-z.abs()).exp() + 1).log()).mean()


def bce_logits_relu(z, y):
    # relu's gradient at exactly 0 is 0, and |z|'s too: the kinks no longer cancel at z = 0
    return (z.relu() - z * y + ((-z.abs()).exp() + 1).log()).mean()


def bce_logits_naive(z, y):
    p = z.sigmoid()
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()


def logistic_right(X, y, lr, epochs, batch_size, rng):
    w = dlkit.Tensor(np.zeros(X.shape[1]), requires_grad=True)
    b = dlkit.Tensor(0.0, requires_grad=True)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            loss = bce_logits_right(dlkit.Tensor(X[rows]) @ w + b, dlkit.Tensor(y[rows]))
            w.grad = b.grad = None
            loss.backward()
            w.data -= lr * w.grad
            b.data -= lr * b.grad
    return w, b


def logistic_in_order(X, y, lr, epochs, batch_size, rng):
    class Fixed:  # ignores the shuffle: the rows in their given order
        def permutation(self, n):
            return np.arange(n)
    return logistic_right(X, y, lr, epochs, batch_size, Fixed())


# ----------------------------------------------------------------------------------------------------
# Chapter 4 (needs dlkit.nn and dlkit.optim)
# ----------------------------------------------------------------------------------------------------
def make_linear(transposed=False, constant=False):
    class MyLinear(dlkit.nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            shape = (n_in, n_out) if transposed else (n_out, n_in)
            bound = 1 / np.sqrt(n_in)
            values = np.full(shape, 0.1) if constant else dlkit.get_rng().uniform(-bound, bound, shape)
            self.weight = dlkit.nn.Parameter(values)
            self.bias = dlkit.nn.Parameter(np.zeros(n_out))

        def forward(self, x):
            return (x @ self.weight if transposed else x @ self.weight.T) + self.bias
    return MyLinear


def mlp_right(sizes):
    layers = []
    for i, (a, b) in enumerate(pairwise(sizes)):
        if i:
            layers.append(dlkit.nn.ReLU())
        layers.append(dlkit.nn.Linear(a, b))
    return dlkit.nn.Sequential(*layers)


def mlp_relu_at_end(sizes):
    layers = []
    for a, b in pairwise(sizes):
        layers += [dlkit.nn.Linear(a, b), dlkit.nn.ReLU()]
    return dlkit.nn.Sequential(*layers)


def backward_right(X, y, W1, b1, W2, b2):
    n = len(y)
    z1 = X @ W1.T + b1
    h = np.maximum(z1, 0)
    z2 = h @ W2.T + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dz2 = (p - np.eye(W2.shape[0])[y]) / n
    dz1 = (dz2 @ W2) * (z1 > 0)
    return dz1.T @ X, dz1.sum(axis=0), dz2.T @ h, dz2.sum(axis=0)


def backward_no_relu_mask(X, y, W1, b1, W2, b2):
    n = len(y)
    h = np.maximum(X @ W1.T + b1, 0)
    z2 = h @ W2.T + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dz2 = (p - np.eye(W2.shape[0])[y]) / n
    dz1 = dz2 @ W2
    return dz1.T @ X, dz1.sum(axis=0), dz2.T @ h, dz2.sum(axis=0)


def backward_transposed(X, y, W1, b1, W2, b2):
    dW1, db1, dW2, db2 = backward_right(X, y, W1, b1, W2, b2)
    return dW1.T, db1, dW2.T, db2


def accuracy_right(logits, labels):
    return float(np.sum(logits.argmax(axis=1) == labels) / len(labels))


def accuracy_wrong_axis(logits, labels):
    return float(np.mean(logits.argmax(axis=0)[: len(labels)] == labels[: logits.shape[1]]))


def train_step_right(model, loss_fn, optimizer, X, y):
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return float(loss.data)


def train_step_no_zero_grad(model, loss_fn, optimizer, X, y):
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def train_epoch_right(model, loss_fn, optimizer, loader):
    losses, sizes = [], []
    for X, y in loader:
        losses.append(train_step_right(model, loss_fn, optimizer, X, y))
        sizes.append(X.shape[0])
    return float(np.dot(losses, sizes) / np.sum(sizes))


def train_epoch_mean_of_batches(model, loss_fn, optimizer, loader):
    return float(np.mean([train_step_right(model, loss_fn, optimizer, X, y) for X, y in loader]))


def train_epoch_one_step(model, loss_fn, optimizer, loader):
    total, count = 0.0, 0
    optimizer.zero_grad()
    for X, y in loader:  # accumulates every batch's gradient, then steps once
        loss = loss_fn(model(X), y)
        loss.backward()
        total, count = total + loss.item() * len(X), count + len(X)
    optimizer.step()
    return total / count


CASES = {
    # name: (right answer, [(wrong answer, fragment the message must contain), ...])
    "ch1.derivative": (central, [(forward_difference, "exact value")]),
    **CH1_CASES,
    **CH2_CASES,
    **CH5_CASES,
    **CH9_CASES,
    "ch2.unbroadcast": (unbroadcast_right, [(unbroadcast_leading_only, "has shape")]),
    "ch2.matmul_backward": (matmul_right, [(matmul_untransposed, "has shape")]),
    "ch2.numerical_gradient": (numgrad_right, [(numgrad_forgets_restore, "")]),
    "ch2.softplus": (softplus_stable, [(softplus_naive, "inf")]),
    "ch3.mse": (mse_right, [(mse_sum, "the mean")]),
    "ch3.bce": (bce_right, [(bce_no_minus, "mind the sign")]),
    "ch3.bce_with_logits": (bce_logits_right, [(bce_logits_naive, "large logits"),
                                               (bce_logits_relu, "exactly 0")]),
    "ch3.train_logistic": (logistic_right, [(logistic_in_order, "rng.permutation")]),
    "ch3.softmax": (softmax_right, [(softmax_unstable, "large logits"),
                                    (softmax_numpy, "expected a dlkit Tensor")]),
    "ch3.cross_entropy": (cross_entropy_right, [(cross_entropy_unstable, "large logits")]),
    "ch3.cross_entropy_grad": (ce_grad_right, [(ce_grad_no_mean, "is off"),
                                                (ce_grad_no_shift, "large logits")]),
    "ch4.two_layer_backward": (backward_right, [(backward_no_relu_mask, "dW1"),
                                                (backward_transposed, "dW2 (on 6 samples")]),
    "ch4.Linear": ("linear", [("linear_transposed", "expected (4, 3)"),
                              ("linear_constant", "same value")]),
    "ch4.make_mlp": (mlp_right, [(mlp_relu_at_end, "is off")]),
    "ch4.accuracy": (accuracy_right, [(accuracy_wrong_axis, "")]),
    "ch4.train_step": (train_step_right, [(train_step_no_zero_grad, "clear them before every backward()")]),
    "ch4.train_epoch": (train_epoch_right, [(train_epoch_mean_of_batches, "weight each batch"),
                                            (train_epoch_one_step, "one optimizer step per batch")]),
    **CH7_CASES,
}


def resolve(answer):
    if answer == "linear":
        return make_linear()
    if answer == "linear_transposed":
        return make_linear(transposed=True)
    if answer == "linear_constant":
        return make_linear(constant=True)
    return answer


def test_every_registered_check_is_tested():
    # Chapters 1-4 list their right and wrong answers in CASES here; later chapters in their own
    # tests/course/test_checks_chN.py, which must name every check of that chapter.
    here = Path(__file__).parent
    for name in available_checks():
        if name in CASES:
            continue
        own = here / f"test_checks_ch{name.split('.')[0][2:]}.py"
        assert own.exists() and f'"{name}"' in own.read_text(encoding="utf-8"), \
            f"{name} is tested neither in CASES here nor in {own.name}"
    assert set(CASES) <= set(available_checks())


def test_every_chapter_has_at_least_four_checks():
    for chapter in ("ch1", "ch2", "ch3", "ch4"):
        assert sum(name.startswith(chapter + ".") for name in available_checks()) >= 4, chapter


@pytest.mark.parametrize("name", available_checks())
def test_check_fails_on_the_stub(name):
    assert_fails(name, stub, "not implemented yet", "NotImplementedError")


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_passes_on_a_right_answer(name):
    assert_passes(name, resolve(CASES[name][0]))


@pytest.mark.parametrize("name,index", [(n, i) for n in sorted(CASES) for i in range(len(CASES[n][1]))])
def test_check_fails_on_a_plausible_wrong_answer(name, index):
    wrong, fragment = CASES[name][1][index]
    assert_fails(name, resolve(wrong), fragment)


def test_a_crash_in_learner_code_is_reported_with_its_type():
    def crashes(*args):
        return {}["missing"]
    result = run_check("ch3.mse", crashes)
    assert not result.passed and "KeyError" in result.message


def test_check_raises_check_failed_with_the_message_and_returns_the_result_on_success():
    with pytest.raises(CheckFailed, match="ch3.softmax.*large logits"):
        check("ch3.softmax", softmax_unstable)
    assert check("ch3.softmax", softmax_right).passed


def test_unknown_check_name_lists_the_available_ones():
    with pytest.raises(KeyError, match="ch3.softmax"):
        run_check("ch9.nothing", stub)


def test_a_check_does_not_move_dlkits_random_numbers():
    dlkit.manual_seed(5)
    expected = dlkit.randn(3).data
    dlkit.manual_seed(5)
    run_check("ch4.train_step", train_step_right)
    assert np.array_equal(dlkit.randn(3).data, expected)


def test_a_failing_check_never_shows_the_reference_source():
    import inspect

    from dlkit.course.references import chapter3
    result = run_check("ch3.softmax", softmax_unstable)
    body = inspect.getsource(chapter3.softmax).splitlines()[1:]
    for line in body:
        assert line.strip() not in str(result)


def test_result_has_a_green_or_red_html_form_and_a_plain_text_form():
    good, bad = run_check("ch3.mse", mse_right), run_check("ch3.mse", mse_sum)
    assert str(good).startswith("✓ ch3.mse:") and str(bad).startswith("✗ ch3.mse:")
    assert "Look at:" in str(bad) and "Look at" not in str(good)
    assert 'dlkit.course.hint("ch3.softmax")' in str(run_check("ch3.softmax", softmax_unstable))
    assert "hint(" not in str(run_check("ch3.softmax", softmax_right))
    assert "✓" in good._repr_html_() and "#1a7f37" in good._repr_html_()
    assert "✗" in bad._repr_html_() and "#b42318" in bad._repr_html_()
    assert "<b>" in bad._repr_html_() and "&lt;" not in run_check("ch3.mse", mse_right)._repr_html_()


def test_failed_check_shows_one_short_line_in_ipython_instead_of_a_traceback():
    with pytest.raises(CheckFailed) as caught:
        check("ch3.mse", mse_sum)
    lines = caught.value._render_traceback_()
    assert len(lines) == 1 and "ch3.mse" in lines[0] and "checker.py" not in lines[0]
    assert "the mean" in str(caught.value)  # the exception's own message keeps the full feedback


def in_float32(answer):
    """``answer`` with every float result turned into float32 (Tensors through ``.float()``)."""
    def cast(value):
        if isinstance(value, dlkit.Tensor) and value.dtype.kind == "f":
            return value.float()
        if isinstance(value, np.ndarray | np.floating | float) and np.asarray(value).dtype.kind == "f":
            return np.float32(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float32)
        if isinstance(value, tuple):
            return tuple(cast(v) for v in value)
        return value

    def wrapped(*args):
        return cast(answer(*args))
    return wrapped


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if not isinstance(resolve(CASES[n][0]), type)])
def test_every_check_accepts_a_right_answer_computed_in_float32(name):
    result = run_check(name, in_float32(resolve(CASES[name][0])))
    assert result.passed, str(result)
