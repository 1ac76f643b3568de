"""Chapter 9's checks accept right answers (float64 and float32) and fail on the mistakes learners make.

The right answers here are written independently of the references (numpy for the hand-derived
gradients, Tensor ops for the layers); each wrong answer is one plausible slip.
"""
import numpy as np
import pytest
from expect import fails, passes

import dlkit
from dlkit import functional as F
from dlkit import nn


# 1. rnn_step --------------------------------------------------------------------------------------
def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).tanh()


def test_rnn_step_right_answer_passes_in_float64_and_float32():
    passes("ch9.rnn_step", rnn_step)
    passes("ch9.rnn_step", lambda *args: rnn_step(*[t.to(np.float32) for t in args]))


def test_rnn_step_without_tanh_fails():
    fails("ch9.rnn_step", lambda x, h, W_ih, W_hh, b_ih, b_hh: x @ W_ih.T + b_ih + h @ W_hh.T + b_hh,
          "tanh")


def test_rnn_step_with_transposed_weights_fails():
    fails("ch9.rnn_step", lambda x, h, W_ih, W_hh, b_ih, b_hh: (x @ W_ih.T + b_ih + h @ W_hh + b_hh).tanh(),
          "transpose")
    fails("ch9.rnn_step", lambda x, h, W_ih, W_hh, b_ih, b_hh: (x @ W_ih + b_ih + h @ W_hh + b_hh).tanh())


def test_rnn_step_calling_rnncell_is_told_to_write_it_itself():
    def via_cell(x, h, W_ih, W_hh, b_ih, b_hh):
        cell = nn.RNNCell(W_ih.shape[1], W_ih.shape[0])
        return cell(x, h)
    fails("ch9.rnn_step", via_cell, "write it yourself")


# 2. bptt_two_steps --------------------------------------------------------------------------------
def bptt(forget_step_two=False, forget_sum=False):
    def answer(x1, x2, h0, W_ih, W_hh, b, G1, G2):
        h1 = np.tanh(x1 @ W_ih.T + h0 @ W_hh.T + b)
        h2 = np.tanh(x2 @ W_ih.T + h1 @ W_hh.T + b)
        d2 = G2 * (1 - h2 ** 2)
        dh1 = G1 if forget_step_two else G1 + d2 @ W_hh
        d1 = dh1 * (1 - h1 ** 2)
        dW_hh = d2.T @ h1 if forget_sum else d2.T @ h1 + d1.T @ h0
        return d2.T @ x2 + d1.T @ x1, dW_hh, (d1 + d2).sum(axis=0), d1 @ W_hh
    return answer


def test_bptt_right_answer_passes_also_in_float32():
    passes("ch9.bptt_two_steps", bptt())
    right = bptt()
    passes("ch9.bptt_two_steps", lambda *a: tuple(g.astype(np.float32) for g in right(
        *[x.astype(np.float32) for x in a])))


def test_bptt_forgetting_the_gradient_from_step_two_into_h1_fails():
    fails("ch9.bptt_two_steps", bptt(forget_step_two=True), "dW_hh", "G1 plus what flows back")


def test_bptt_counting_only_the_last_use_of_w_hh_fails():
    fails("ch9.bptt_two_steps", bptt(forget_sum=True), "dW_hh")


# 3. lstm_step -------------------------------------------------------------------------------------
def lstm(order="ifgo", tanh_old_cell=False, tanh_new_cell=True):
    def answer(x, h, c, W_ih, W_hh, b_ih, b_hh):
        n = h.shape[-1]
        gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        part = {name: gates[:, k * n:(k + 1) * n] for k, name in enumerate(order)}
        i, f, o = part["i"].sigmoid(), part["f"].sigmoid(), part["o"].sigmoid()
        g = part["g"].tanh()
        c_new = f * (c.tanh() if tanh_old_cell else c) + i * g
        return o * (c_new.tanh() if tanh_new_cell else c_new), c_new
    return answer


def test_lstm_right_answer_passes_in_float64_and_float32():
    passes("ch9.lstm_step", lstm())
    right = lstm()
    passes("ch9.lstm_step", lambda *a: right(*[t.to(np.float32) for t in a]))


@pytest.mark.parametrize("order", ["ifog", "figo", "iofg"])
def test_lstm_with_gates_in_the_wrong_order_fails(order):
    fails("ch9.lstm_step", lstm(order=order), "i, f, g, o")


def test_lstm_squashing_the_old_cell_fails():
    fails("ch9.lstm_step", lstm(tanh_old_cell=True), "c_new", "not through a tanh")


def test_lstm_without_tanh_on_the_new_cell_fails_on_h():
    fails("ch9.lstm_step", lstm(tanh_new_cell=False), "h_new", "tanh(c')")


def test_lstm_calling_lstmcell_is_told_to_write_it_itself():
    def via_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
        cell = nn.LSTMCell(x.shape[1], h.shape[1])
        cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh = W_ih, W_hh, b_ih, b_hh
        return cell(x, (h, c))
    fails("ch9.lstm_step", via_cell, "write it yourself", "LSTMCell")


# 4. attention -------------------------------------------------------------------------------------
def attention(scale=True, axis=-1, mask_after=False, stable=True):
    def answer(Q, K, V, mask=None):
        scores = Q @ K.T
        if scale:
            scores = scores / np.sqrt(Q.shape[-1])
        if mask is not None and not mask_after:
            scores = dlkit.where(mask, scores, dlkit.Tensor(-np.inf))
        if stable:
            weights = scores.softmax(dim=axis)
        else:
            e = scores.exp()
            weights = e / e.sum(axis=axis, keepdims=True)
        if mask is not None and mask_after:
            weights = weights * dlkit.Tensor(mask.astype(float))
        return weights @ V
    return answer


def test_attention_right_answer_passes_also_in_float32():
    passes("ch9.attention", attention())
    right = attention()
    passes("ch9.attention", lambda Q, K, V, mask=None: right(*[t.to(np.float32) for t in (Q, K, V)], mask))


def test_attention_without_the_scale_fails():
    fails("ch9.attention", attention(scale=False), "√d")


def test_attention_with_softmax_over_the_queries_fails():
    fails("ch9.attention", attention(axis=0), "last axis")


def test_attention_masking_after_the_softmax_fails():
    fails("ch9.attention", attention(mask_after=True), "BEFORE the softmax")


def test_attention_with_an_unstable_softmax_fails_on_large_scores():
    fails("ch9.attention", attention(stable=False), "large scores", "maximum")


def test_attention_calling_sdpa_is_told_to_write_it_itself():
    fails("ch9.attention", lambda Q, K, V, mask=None: F.scaled_dot_product_attention(Q, K, V, attn_mask=mask),
          "write it yourself")


# 5. causal_mask -----------------------------------------------------------------------------------
def test_causal_mask_right_answers_pass():
    passes("ch9.causal_mask", lambda size: np.tril(np.ones((size, size), dtype=bool)))
    passes("ch9.causal_mask", lambda size: np.arange(size)[:, None] >= np.arange(size)[None, :])


def test_causal_mask_without_the_diagonal_fails():
    fails("ch9.causal_mask", lambda size: np.tril(np.ones((size, size), dtype=bool), k=-1), "diagonal")


def test_causal_mask_transposed_fails():
    fails("ch9.causal_mask", lambda size: np.triu(np.ones((size, size), dtype=bool)), "transposed")


def test_causal_mask_one_step_too_far_fails():
    fails("ch9.causal_mask", lambda size: np.tril(np.ones((size, size), dtype=bool), k=1), "j ≤ i")


def test_causal_mask_in_the_additive_convention_is_told_which_convention():
    fails("ch9.causal_mask", lambda size: np.where(np.triu(np.ones((size, size)), k=1) > 0, -np.inf, 0.0),
          "dtype float64", "True where allowed")


def test_causal_mask_calling_dlkit_is_told_to_write_it_itself():
    fails("ch9.causal_mask", lambda size: nn.generate_square_subsequent_mask(size) == 0, "write it yourself")


# 6. sample ----------------------------------------------------------------------------------------
def sampler(divide=True, greedy=False, keep_boundary=False, cap=True):
    def sample(logits_fn, temperature, rng, max_length=20):
        ids = [0]
        while not cap or len(ids) <= max_length:
            logits = logits_fn(ids)
            z = logits / temperature if divide else logits * temperature
            p = np.exp(z - z.max())
            p /= p.sum()
            next_id = int(np.argmax(p)) if greedy else int(rng.choice(len(p), p=p))
            if next_id == 0:
                return ids if keep_boundary else ids[1:]
            ids.append(next_id)
            if not cap and len(ids) > 60:
                break
        return ids[1:]
    return sample


def test_sample_right_answer_passes():
    passes("ch9.sample", sampler())


def test_sample_with_a_different_but_correct_drawing_method_passes():
    def inverse_cdf(logits_fn, temperature, rng, max_length=20):
        ids = []
        while len(ids) < max_length:
            p = np.exp(np.asarray(logits_fn([0, *ids]), dtype=np.float32) / np.float32(temperature))
            next_id = int(np.searchsorted(np.cumsum(p / p.sum()), rng.random() * 0.999999))
            if next_id == 0:
                break
            ids.append(next_id)
        return ids
    passes("ch9.sample", inverse_cdf)


def test_sample_multiplying_by_the_temperature_fails():
    fails("ch9.sample", sampler(divide=False), "temperature 0.5", "divide")


def test_sample_with_argmax_fails():
    fails("ch9.sample", sampler(greedy=True), "different names", "argmax")


def test_sample_using_the_global_rng_fails():
    def global_rng(logits_fn, temperature, rng, max_length=20):
        return sampler()(logits_fn, temperature, np.random.default_rng(), max_length)
    fails("ch9.sample", global_rng, "same seed")


def test_sample_returning_the_boundary_fails():
    fails("ch9.sample", sampler(keep_boundary=True), "boundary id 0")


def test_sample_ignoring_max_length_fails():
    fails("ch9.sample", sampler(cap=False), "max_length")


# The shared tests in test_checks.py (stub, right answer, float32, one wrong answer each) use these.
CH9_CASES = {
    "ch9.rnn_step": (rnn_step, [(lambda x, h, W_ih, W_hh, b_ih, b_hh: x @ W_ih.T + b_ih + h @ W_hh.T + b_hh,
                                 "tanh")]),
    "ch9.bptt_two_steps": (bptt(), [(bptt(forget_step_two=True), "dW_hh")]),
    "ch9.lstm_step": (lstm(), [(lstm(order="ifog"), "i, f, g, o")]),
    "ch9.attention": (attention(), [(attention(scale=False), "√d"), (attention(mask_after=True), "BEFORE")]),
    "ch9.causal_mask": (lambda size: np.tril(np.ones((size, size), dtype=bool)),
                        [(lambda size: np.triu(np.ones((size, size), dtype=bool)), "transposed")]),
    "ch9.sample": (sampler(), [(sampler(divide=False), "divide"), (sampler(greedy=True), "argmax")]),
}


def test_chapter_9_has_at_least_five_checks_and_all_are_covered_here():
    names = [n for n in dlkit.course.available_checks() if n.startswith("ch9.")]
    assert len(names) >= 5
    assert sorted(names) == sorted(CH9_CASES)
