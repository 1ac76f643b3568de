"""Synthetic sequence tasks: small, seeded, instant to make — for RNNs, LSTMs and attention.

Every function returns ``(x, y)`` numpy arrays with the batch first, ready for
``TensorDataset(x, y)`` and a ``DataLoader``. Two kinds:

**Token tasks** — copy, reverse, sort. A random sequence ``s`` of ``length`` tokens from
``0..vocab_size−1`` is followed by its answer ``a`` (``s`` itself, ``s`` reversed, ``s`` sorted). The
model reads ``s + a`` one token at a time and predicts the next one (as a language model does, the
format of minGPT's sort demo)::

    x = (s + a)[:-1]          int64, shape (n, 2·length − 1)
    y = (s + a)[1:]           the next token, with −100 where it is still part of s

−100 is PyTorch's default ``ignore_index``, so ``CrossEntropyLoss`` scores the answer only. Feed ``x``
through an ``nn.Embedding(vocab_size, …)``.

**Numeric tasks** — addition, parity, sine — give float64 features ``x`` of shape
(n, steps, features), for ``nn.RNN(…, batch_first=True)`` directly.
"""
import numpy as np

IGNORE_INDEX = -100


def _question_and_answer(sequences, answers):
    full = np.concatenate([sequences, answers], axis=1)
    x, y = full[:, :-1].copy(), full[:, 1:].copy()
    y[:, :sequences.shape[1] - 1] = IGNORE_INDEX
    return x, y


def _tokens(n_samples, length, vocab_size, seed):
    if length < 1 or vocab_size < 2:
        raise ValueError(f"expected length >= 1 and vocab_size >= 2, got length={length}, "
                         f"vocab_size={vocab_size}")
    return np.random.default_rng(seed).integers(0, vocab_size, size=(n_samples, length))


def make_copy_task(n_samples=1000, length=8, vocab_size=10, seed=0):
    """Read ``length`` random tokens, then repeat them: the answer is the sequence itself.

    Examples
    --------
    >>> x, y = make_copy_task(2, length=3, vocab_size=5, seed=0)
    >>> x[0], y[0]
    (array([4, 3, 2, 4, 3]), array([-100, -100,    4,    3,    2]))
    """
    tokens = _tokens(n_samples, length, vocab_size, seed)
    return _question_and_answer(tokens, tokens)


def make_reverse_task(n_samples=1000, length=8, vocab_size=10, seed=0):
    """Read ``length`` random tokens, then give them back last first."""
    tokens = _tokens(n_samples, length, vocab_size, seed)
    return _question_and_answer(tokens, tokens[:, ::-1])


def make_sort_task(n_samples=1000, length=8, vocab_size=10, seed=0):
    """Read ``length`` random tokens, then give them back in ascending order."""
    tokens = _tokens(n_samples, length, vocab_size, seed)
    return _question_and_answer(tokens, np.sort(tokens, axis=1))


def make_addition_task(n_samples=1000, digits=4, base=10, seed=0):
    """Add two ``digits``-digit numbers digit by digit, least significant digit first.

    At step ``t`` the input is the pair (t-th digit of a, t-th digit of b) and the target is the t-th
    digit of a + b, which depends on the carry from earlier steps — what the network must remember.
    One extra step (inputs 0, 0) holds the final carry.

    Returns
    -------
    x : float64 (n, digits + 1, 2), the digit values 0..base−1
    y : int64 (n, digits + 1), the digits of the sum (classes 0..base−1)

    Examples
    --------
    >>> x, y = make_addition_task(1, digits=3, seed=4)
    >>> a, b = (x[0, :, 0] * 10 ** np.arange(4)).sum(), (x[0, :, 1] * 10 ** np.arange(4)).sum()
    >>> int(a + b) == int((y[0] * 10 ** np.arange(4)).sum())
    True
    """
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, base, size=(n_samples, digits, 2))
    x = np.concatenate([pairs, np.zeros((n_samples, 1, 2), dtype=pairs.dtype)], axis=1)
    y = np.empty((n_samples, digits + 1), dtype=np.int64)
    carry = np.zeros(n_samples, dtype=np.int64)
    for t in range(digits + 1):
        total = x[:, t, 0] + x[:, t, 1] + carry
        y[:, t], carry = total % base, total // base
    return x.astype(np.float64), y


def make_parity_task(n_samples=1000, length=10, running=False, seed=0):
    """Is the number of ones in a random bit string odd? (Hard for plain RNNs on long strings.)

    Returns
    -------
    x : float64 (n, length, 1), bits 0/1
    y : int64 (n,), the parity of the whole string; with ``running=True`` shape (n, length), the
        parity of each prefix (a target at every step, much easier to learn).
    """
    bits = np.random.default_rng(seed).integers(0, 2, size=(n_samples, length))
    prefix_parity = np.cumsum(bits, axis=1) % 2
    y = prefix_parity if running else prefix_parity[:, -1]
    return bits[..., None].astype(np.float64), y.astype(np.int64)


def make_sine_task(n_samples=1000, length=20, horizon=1, noise=0.1, seed=0):
    """Forecast a noisy sine wave: from ``length`` observed values, predict the next ``horizon``.

    Each sample has its own random phase and a period between 10 and 30 steps; observations are
    ``sin + N(0, noise²)``, and the targets are the next observations (noisy too, so the best
    possible mean squared error is about ``noise²``).

    Returns
    -------
    x : float64 (n, length, 1)
    y : float64 (n, horizon)
    """
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, size=(n_samples, 1))
    period = rng.uniform(10, 30, size=(n_samples, 1))
    t = np.arange(length + horizon)
    series = np.sin(2 * np.pi * t / period + phase) + noise * rng.standard_normal((n_samples, length + horizon))
    return series[:, :length, None], series[:, length:]
