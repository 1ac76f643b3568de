"""Chapter 9 — sequences and attention: references and checks.

Exercises: one step of an RNN (``rnn_step``), backpropagation through time over two steps by hand
(``bptt_two_steps``), one LSTM step (``lstm_step``), scaled dot-product attention with a mask
(``attention``), the causal mask (``causal_mask``) and a sampling loop with a temperature
(``sample``). The references are dlkit's own recurrent steps, attention and ``backward()``; the sampler
is judged statistically against the exact probabilities of a small bigram table.
"""
import numpy as np

from ... import functional as F
from ...nn.rnn_cell import lstm_step as dlkit_lstm_step
from ...nn.rnn_cell import rnn_step as dlkit_rnn_step
from ...tensor import Tensor
from ..checker import AUTOGRAD, call, check_tensor_function, register
from ..compare import Mismatch, as_array, assert_close, assert_gradient, assert_tensor

_RECURRENT = ("dlkit.nn.RNNCell", "dlkit.nn.RNN", "dlkit.nn.LSTMCell", "dlkit.nn.LSTM", "dlkit.nn.GRUCell",
              "dlkit.nn.GRU", "dlkit.nn.rnn_cell.rnn_step", "dlkit.nn.rnn_cell.lstm_step")
_ATTENTION = ("dlkit.functional.scaled_dot_product_attention", "dlkit.functional.attention.attention_weights",
              "dlkit.nn.MultiheadAttention")
_MASKS = ("dlkit.nn.generate_square_subsequent_mask", "dlkit.functional.attention.causal_mask")


# ----------------------------------------------------------------------------------------------------
# 1. One RNN step
# ----------------------------------------------------------------------------------------------------
def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return dlkit_rnn_step(x, h, W_ih, W_hh, b_ih, b_hh)


@register("ch9.rnn_step", hints=[
    "the new hidden state mixes the input and the previous hidden state, then squashes the sum",
    ("PyTorch's layout: W_ih is (hidden, input) and W_hh is (hidden, hidden), so each multiplies the "
     "row-vectors x and h through its transpose; add both biases"),
    "the squashing is tanh, applied to the whole sum (both matmuls and both biases)",
], forbid=_RECURRENT)
def check_rnn_step(answer):
    rng = np.random.default_rng(91)
    cases = []
    for label, batch, n_in, hidden in [("batch 3, input 4, hidden 5", 3, 4, 5),
                                       ("batch 2, input 3, hidden 3 (square weights)", 2, 3, 3),
                                       ("batch 1, input 2, hidden 6", 1, 2, 6)]:
        cases.append((label, (rng.standard_normal((batch, n_in)), rng.standard_normal((batch, hidden)),
                              rng.standard_normal((hidden, n_in)), rng.standard_normal((hidden, hidden)),
                              rng.standard_normal(hidden), rng.standard_normal(hidden))))
    return check_tensor_function(
        answer, rnn_step, cases, ("x", "h", "W_ih", "W_hh", "b_ih", "b_hh"),
        hints={"values": "h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh): both weights go through their "
                         "transpose (PyTorch's (hidden, input) layout), and the tanh wraps the whole sum"})


# ----------------------------------------------------------------------------------------------------
# 2. BPTT through two steps, by hand
# ----------------------------------------------------------------------------------------------------
def bptt_two_steps(x1, x2, h0, W_ih, W_hh, b, G1, G2):
    """Reference: the gradients as ``backward()`` computes them on the unrolled two-step graph."""
    params = [Tensor(a, requires_grad=True) for a in (W_ih, W_hh, b, h0)]
    w_ih, w_hh, bias, start = params
    h1 = (Tensor(x1) @ w_ih.T + start @ w_hh.T + bias).tanh()
    h2 = (Tensor(x2) @ w_ih.T + h1 @ w_hh.T + bias).tanh()
    ((h1 * Tensor(G1)).sum() + (h2 * Tensor(G2)).sum()).backward()
    return tuple(p.grad for p in params)


_BPTT_HINTS = {
    "dW_ih": "each step adds δ_tᵀ x_t, where δ_t = ∂L/∂h_t ⊙ (1 − h_t²)",
    "dW_hh": ("W_hh is used at both steps, so its gradient is δ₂ᵀ h₁ + δ₁ᵀ h₀ — and δ₁ needs the full "
              "∂L/∂h₁, which is G1 plus what flows back from step 2: δ₂ W_hh"),
    "db": "the bias is added at both steps and to every row: sum δ₁ + δ₂ over the rows",
    "dh0": "h₀ reaches the loss only through step 1: ∂L/∂h₀ = δ₁ W_hh",
}


@register("ch9.bptt_two_steps", hints=[
    "run the two steps forward first and keep h1 and h2: tanh' is 1 − h²",
    ("go back one step at a time: δ₂ = G2 ⊙ (1 − h₂²); then ∂L/∂h₁ has TWO parts — h₁ is read by the "
     "loss directly and is also an input of step 2"),
    "a weight used at both steps gets the sum of both steps' contributions",
], forbid=AUTOGRAD)
def check_bptt_two_steps(answer):
    rng = np.random.default_rng(92)
    cases = []
    for label, batch, n_in, hidden, reads_h1 in [("batch 3, input 2, hidden 4", 3, 2, 4, True),
                                                 ("batch 1, input 3, hidden 3", 1, 3, 3, True),
                                                 ("a loss that reads only h2 (G1 = 0)", 2, 2, 3, False)]:
        arrays = (rng.standard_normal((batch, n_in)), rng.standard_normal((batch, n_in)),
                  rng.standard_normal((batch, hidden)), rng.standard_normal((hidden, n_in)),
                  rng.standard_normal((hidden, hidden)), rng.standard_normal(hidden),
                  rng.standard_normal((batch, hidden)) * reads_h1, rng.standard_normal((batch, hidden)))
        cases.append((label, arrays))
    for label, arrays in cases:
        expected = bptt_two_steps(*[a.copy() for a in arrays])
        got = call(answer, *[a.copy() for a in arrays])
        on = f" (on {label})"
        if not isinstance(got, tuple | list) or len(got) != 4:
            raise Mismatch(f"bptt_two_steps should return (dW_ih, dW_hh, db, dh0){on}, got "
                           f"{type(got).__name__}", "return dW_ih, dW_hh, db, dh0")
        for index in (1, 0, 2, 3):   # dW_hh first: it is where forgetting step 2's gradient shows
            name = ("dW_ih", "dW_hh", "db", "dh0")[index]
            assert_close(got[index], expected[index], name + on, _BPTT_HINTS[name])
    return f"{len(cases)} cases passed: all four gradients equal backward()'s"


# ----------------------------------------------------------------------------------------------------
# 3. One LSTM step
# ----------------------------------------------------------------------------------------------------
def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    return dlkit_lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh)


@register("ch9.lstm_step", hints=[
    "one matmul per weight matrix gives all four gates at once; each gate is a quarter of the columns",
    "PyTorch's order of the quarters is i, f, g, o: input, forget, candidate, output",
    ("σ for i, f and o, tanh for g; the cell adds: c' = f·c + i·g (no tanh on the old c); then "
     "h' = o·tanh(c')"),
], forbid=_RECURRENT)
def check_lstm_step(answer):
    rng = np.random.default_rng(93)
    for label, batch, n_in, hidden in [("batch 3, input 4, hidden 5", 3, 4, 5),
                                       ("batch 1, input 2, hidden 3", 1, 2, 3)]:
        arrays = (rng.standard_normal((batch, n_in)), rng.standard_normal((batch, hidden)),
                  rng.standard_normal((batch, hidden)) * 2, rng.standard_normal((4 * hidden, n_in)),
                  rng.standard_normal((4 * hidden, hidden)), rng.standard_normal(4 * hidden),
                  rng.standard_normal(4 * hidden))
        mine = [Tensor(a.copy(), requires_grad=True) for a in arrays]
        theirs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
        expected = lstm_step(*theirs)
        got = call(answer, *mine)
        on = f" (on {label})"
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise Mismatch(f"lstm_step should return (h_new, c_new){on}, got {type(got).__name__}",
                           "return both states: h_new, c_new")
        assert_tensor(got[1], "c_new" + on)
        assert_close(got[1], expected[1].data, "c_new" + on,
                     "c' = f·c + i·g with the gates in PyTorch's order i, f, g, o (σ for i, f, o and tanh "
                     "for g); the old cell c enters as it is, not through a tanh")
        assert_tensor(got[0], "h_new" + on)
        assert_close(got[0], expected[0].data, "h_new" + on,
                     "h' = o·tanh(c'): the output gate times the squashed NEW cell")
        weights_h, weights_c = rng.standard_normal(expected[0].shape), rng.standard_normal(expected[1].shape)
        for (h_new, c_new), _ in ((got, mine), (expected, theirs)):
            if not (h_new.requires_grad and c_new.requires_grad):
                raise Mismatch("your h_new or c_new does not require grad" + on,
                               "use only Tensor operations; numpy calls or .data cut the graph")
            ((h_new * Tensor(weights_h)).sum() + (c_new * Tensor(weights_c)).sum()).backward()
        for name, x, ref in zip(("x", "h", "c", "W_ih", "W_hh", "b_ih", "b_hh"), mine, theirs):
            assert_gradient(x, ref.grad, name + on, precision=got[0].data.dtype)
    return "2 cases passed (h_new, c_new and the gradients of every input)"


# ----------------------------------------------------------------------------------------------------
# 4. Scaled dot-product attention with a mask
# ----------------------------------------------------------------------------------------------------
def attention(Q, K, V, mask=None):
    return F.scaled_dot_product_attention(Q, K, V, attn_mask=mask)


@register("ch9.attention", hints=[
    "scores of every query against every key, scaled, masked, turned into weights, then mixing values",
    ("scores = Q Kᵀ / √d with d the size of a query (Q's last axis); a softmax along the KEYS — the "
     "last axis — makes each query's row of weights sum to 1"),
    ("the mask acts before the softmax: where it is False, the score becomes −inf (dlkit.where), so "
     "that weight is exactly 0 and the row still sums to 1"),
], forbid=_ATTENTION)
def check_attention(answer):
    rng = np.random.default_rng(94)
    L, S, d, dv = 4, 6, 5, 3
    random_mask = rng.random((L, S)) < 0.5
    random_mask[np.arange(L), rng.integers(0, S, L)] = True   # every query may attend somewhere
    cases = [("no mask, 4 queries, 6 keys", None, (L, S, d, dv)),
             ("a causal mask, 5 queries and keys", np.tril(np.ones((5, 5), dtype=bool)), (5, 5, 4, 4)),
             ("a random mask", random_mask, (L, S, d, dv)),
             ("large scores (queries × 3000)", None, (3, 3, 8, 2))]
    for label, mask, (queries, keys, size, value_size) in cases:
        arrays = (rng.standard_normal((queries, size)) * (3000 if label.startswith("large") else 1),
                  rng.standard_normal((keys, size)), rng.standard_normal((keys, value_size)))
        hint = {"no": "divide the scores by √d (d = Q.shape[-1]) and take the softmax over the keys "
                      "(the last axis): each row of weights sums to 1",
                "a ": "set masked scores to −inf BEFORE the softmax; multiplying the weights by the mask "
                      "afterwards leaves rows that no longer sum to 1",
                "la": "subtract each row's maximum before exp (or use Tensor.softmax): exp of a large "
                      "score overflows"}[label[:2]]
        check_tensor_function(lambda q, k, v, mask=mask: answer(q, k, v, mask),
                              lambda q, k, v, mask=mask: attention(q, k, v, mask),
                              [(label, arrays)], ("Q", "K", "V"), hints={"values": hint, "grad": hint})
    return f"{len(cases)} cases passed (values and gradients of Q, K and V)"


# ----------------------------------------------------------------------------------------------------
# 5. The causal mask
# ----------------------------------------------------------------------------------------------------
@register("ch9.causal_mask", hints=[
    "row i is query i, column j is key j; a query may look at itself and at earlier keys",
    "True on and below the diagonal, False above it; a bool numpy array of shape (size, size)",
], forbid=_MASKS)
def check_causal_mask(answer):
    for size in (1, 4, 7):
        expected = np.arange(size)[None, :] <= np.arange(size)[:, None]
        got = as_array(call(answer, size), f"causal_mask({size})")
        if got.shape != expected.shape:
            raise Mismatch(f"causal_mask({size}) has shape {got.shape}, expected {expected.shape}")
        if got.dtype != bool:
            raise Mismatch(f"causal_mask({size}) has dtype {got.dtype}, expected bool (True = may attend)",
                           "a float mask of 0 and −inf is nn.MultiheadAttention's additive convention; "
                           "this exercise wants scaled_dot_product_attention's: bool, True where allowed")
        if size > 1 and np.array_equal(got, expected.T):
            raise Mismatch(f"causal_mask({size}) is transposed: it lets query 0 see every key and the last "
                           "query only itself", "rows are queries: row i is True for columns j ≤ i")
        if not got.diagonal().all():
            raise Mismatch(f"causal_mask({size}) is False on the diagonal: a query must be allowed to see "
                           "its own position (query 0 would see nothing at all)",
                           "include the diagonal: j ≤ i, not j < i")
        assert_close(got, expected, f"causal_mask({size})", "True exactly where j ≤ i (on and below the "
                     "diagonal)")
    return "sizes 1, 4 and 7 passed"


# ----------------------------------------------------------------------------------------------------
# 6. Sampling with a temperature
# ----------------------------------------------------------------------------------------------------
_TABLE = np.array([[-9.0, 1.0, 0.0, -1.0, 0.5],      # after the boundary 0: never stop at once
                   [0.5, -1.0, 1.5, 0.0, -0.5],
                   [1.0, 0.0, -1.0, 1.0, 0.0],
                   [-0.5, 2.0, 0.0, -1.0, 0.5],
                   [0.0, 0.5, 1.0, 0.0, -1.0]])


def _softmax(z):
    p = np.exp(z - z.max())
    return p / p.sum()


def _exact_pairs(temperature):
    """Exact probability of each (first, second) id of a sample; second is 0 when the name ends."""
    first = _softmax(_TABLE[0] / temperature)
    return {(a, b): first[a] * _softmax(_TABLE[a] / temperature)[b] for a in range(1, 5) for b in range(5)}


class _Logits:
    """The learner's ``logits_fn``: the bigram table's row for the last id; checks what it is given."""

    def __init__(self):
        self.calls = 0

    def __call__(self, ids):
        ids = list(ids)
        if not ids or ids[0] != 0:
            raise Mismatch(f"logits_fn was called with ids {ids}; it expects the sequence so far, starting "
                           "with the boundary id 0", "start from ids = [0] and append each sampled id")
        self.calls += 1
        return _TABLE[ids[-1]].copy()


def _samples(answer, temperature, seed, count, max_length=20):
    rng, logits_fn = np.random.default_rng(seed), _Logits()
    results = []
    for _ in range(count):
        ids = call(answer, logits_fn, temperature, rng, max_length)
        if not isinstance(ids, list | tuple | np.ndarray):
            raise Mismatch(f"sample returned a {type(ids).__name__}, expected a list of ids",
                           "return the sampled ids, without the boundary id 0 at either end")
        results.append([int(i) for i in ids])
    return results


@register("ch9.sample", hints=[
    "start from [0], ask logits_fn for the next logits, draw one id, append it, repeat until you draw 0",
    ("draw with the rng you were given (rng.choice with p=...), never argmax: sampling must be "
     "random, and a seeded rng makes it repeatable"),
    ("the temperature DIVIDES the logits before the softmax (it does not multiply them); small T "
     "sharpens the distribution, large T flattens it"),
], timeout=30)
def check_sample(answer):
    # The same seed must give the same names, and the boundary never appears inside a name.
    first = _samples(answer, 1.0, 5, 20)
    if _samples(answer, 1.0, 5, 20) != first:
        raise Mismatch("two calls with rngs of the same seed gave different names",
                       "draw only from the rng argument (not np.random or a new generator)")
    if any(0 in ids for ids in first):
        raise Mismatch(f"a returned name contains the boundary id 0: {next(i for i in first if 0 in i)}",
                       "stop when you draw 0, and leave the boundary ids out of the result")
    if not any(len(ids) > 1 for ids in first) or len({tuple(i) for i in first}) < 3:
        raise Mismatch(f"20 samples gave only {len({tuple(i) for i in first})} different names: "
                       f"{first[:3]}…", "sample with rng.choice(…, p=probs); argmax always gives the "
                       "same name")
    long = _samples(answer, 1.0, 6, 30, max_length=3)
    if max(len(ids) for ids in long) > 3:
        raise Mismatch(f"with max_length=3 a name of {max(len(ids) for ids in long)} ids came back",
                       "stop after max_length ids even if 0 was never drawn")
    for temperature in (0.5, 2.0):
        count = 3000
        names = _samples(answer, temperature, 7, count)
        exact = _exact_pairs(temperature)
        seen = {}
        for ids in names:
            key = (ids[0], ids[1] if len(ids) > 1 else 0) if ids else None
            seen[key] = seen.get(key, 0) + 1
        distance = 0.5 * sum(abs(seen.get(key, 0) / count - p) for key, p in exact.items())
        distance += 0.5 * sum(n / count for key, n in seen.items() if key not in exact)
        if distance > 0.06:   # the sampling noise of 3000 draws over 20 pairs is about 0.03
            raise Mismatch(f"at temperature {temperature}, the first two ids of {count} samples are "
                           f"distributed unlike softmax(logits / T): total variation distance "
                           f"{distance:.2f} (sampling noise is below 0.06)",
                           "divide the logits by the temperature (not multiply), then softmax, then draw "
                           "with rng.choice")
    return "repeatable with a seed, stops at 0 and at max_length, and samples softmax(logits / T)"
