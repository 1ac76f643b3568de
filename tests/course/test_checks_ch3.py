"""Chapter 3's checks catch the plausible wrong answers a learner really writes (each test must fail
the check), and say what is wrong in terms of the exercise."""
import numpy as np
from expect import fails

import dlkit
from dlkit.course import run_check


def test_softmax_that_subtracts_the_global_max_fails_on_rows_of_different_scales():
    def softmax_global_max(z):
        e = (z - z.max()).exp()
        return e / e.sum(axis=-1, keepdims=True)
    fails("ch3.softmax", softmax_global_max, "rows on different scales", "each row's own maximum")


def test_softmax_over_the_wrong_axis_fails():
    def softmax_axis0(z):
        e = (z - z.max(axis=0, keepdims=True)).exp()
        return e / e.sum(axis=0, keepdims=True)
    fails("ch3.softmax", softmax_axis0, "is off")


def test_cross_entropy_by_log_of_softmax_fails_on_large_logits_and_names_log_sum_exp():
    def cross_entropy_log_of_softmax(z, y):
        shifted = z - z.max(axis=1, keepdims=True)
        p = shifted.exp() / shifted.exp().sum(axis=1, keepdims=True)
        return -p.log()[np.arange(len(y)), y].mean()
    fails("ch3.cross_entropy", cross_entropy_log_of_softmax, "large logits", "log-sum-exp")


def test_cross_entropy_gradient_without_max_subtraction_fails_on_large_logits():
    def grad_no_shift(z, y):
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p / len(y)
    fails("ch3.cross_entropy_grad", grad_no_shift, "large logits", "nan")


def test_bce_with_logits_through_the_sigmoid_fails_on_large_logits():
    def through_probabilities(z, y):
        p = z.sigmoid()
        return -(y * p.log() + (1 - y) * (1 - p).log()).mean()
    fails("ch3.bce_with_logits", through_probabilities, "±40", "rounds to exactly 1.0")


def test_bce_with_logits_with_clip_for_max_fails_at_zero():
    def with_clip(z, y):
        return (z.clip(0, None) - z * y + ((-z.abs()).exp() + 1).log()).mean()
    fails("ch3.bce_with_logits", with_clip, "exactly 0", "0.5 − y")


def _trainer(batch_grad="mean", keep_last=True, clear=True):
    def train(X, y, lr, epochs, batch_size, rng):
        w = dlkit.Tensor(np.zeros(X.shape[1]), requires_grad=True)
        b = dlkit.Tensor(0.0, requires_grad=True)
        for _ in range(epochs):
            order = rng.permutation(len(X))
            stop = len(X) if keep_last else len(X) - len(X) % batch_size
            for start in range(0, stop, batch_size):
                rows = order[start:start + batch_size]
                z = dlkit.Tensor(X[rows]) @ w + b
                t = dlkit.Tensor(y[rows])
                losses = dlkit.maximum(z, 0.0) - z * t + ((-z.abs()).exp() + 1).log()
                loss = losses.mean() if batch_grad == "mean" else losses.sum()
                if clear:
                    w.grad = b.grad = None
                loss.backward()
                w.data -= lr * w.grad
                b.data -= lr * b.grad
        return w.data, b.item()
    return train


def test_the_trainer_is_accepted_when_right_and_returning_numpy():
    assert run_check("ch3.train_logistic", _trainer()).passed


def test_a_trainer_summing_the_batch_loss_fails_on_the_first_full_batch_step():
    fails("ch3.train_logistic", _trainer(batch_grad="sum"), "one batch of all 50", "*mean* loss")


def test_a_trainer_that_drops_the_last_small_batch_fails():
    fails("ch3.train_logistic", _trainer(keep_last=False), "the last holds 2", "keep the last")


def test_a_trainer_that_never_clears_gradients_fails():
    fails("ch3.train_logistic", _trainer(clear=False), "batches of 16")


def test_a_trainer_returning_one_thing_is_told_to_return_w_and_b():
    fails("ch3.train_logistic", lambda X, y, lr, epochs, batch_size, rng: np.zeros(3), "a pair (w, b)")


# ----------------------------------------------------------------------------------------------------
# An answer that calls the dlkit function the exercise asks you to write: "write it yourself"
# ----------------------------------------------------------------------------------------------------
def test_mse_answered_with_nn_mse_loss_is_told_to_write_it_itself():
    fails("ch3.mse", lambda pred, target: dlkit.nn.MSELoss()(pred, target), "write it yourself", "MSELoss")


def test_cross_entropy_answered_with_f_cross_entropy_is_told_to_write_it_itself():
    from dlkit import functional as F
    fails("ch3.cross_entropy", lambda z, y: F.cross_entropy(z, dlkit.Tensor(y)), "write it yourself",
          "cross_entropy")


def test_cross_entropy_via_f_log_softmax_is_told_to_write_it_itself():
    from dlkit import functional as F
    fails("ch3.cross_entropy", lambda z, y: -F.log_softmax(z, axis=-1)[np.arange(len(y)), y].mean(),
          "write it yourself", "log_softmax")


def test_softmax_answered_with_f_softmax_is_told_to_write_it_itself():
    from dlkit import functional as F
    fails("ch3.softmax", lambda z: F.softmax(z, axis=-1), "write it yourself")


def test_bce_with_logits_answered_with_the_dlkit_loss_is_told_to_write_it_itself():
    fails("ch3.bce_with_logits", lambda z, y: dlkit.nn.BCEWithLogitsLoss()(z, y), "write it yourself")


def test_a_trainer_using_optim_sgd_is_told_to_write_the_update_itself():
    def with_sgd(X, y, lr, epochs, batch_size, rng):
        w = dlkit.Tensor(np.zeros(X.shape[1]), requires_grad=True)
        b = dlkit.Tensor(0.0, requires_grad=True)
        dlkit.optim.SGD([w, b], lr=lr)
        return w, b
    fails("ch3.train_logistic", with_sgd, "write it yourself", "SGD")


def test_bce_summed_instead_of_averaged_fails():
    fails("ch3.bce", lambda p, y: -(y * p.log() + (1 - y) * (1 - p).log()).sum(), "is off")


def test_correct_float32_answers_pass_the_new_checks():
    def bce_logits_float32(z, y):
        z, y = z.float(), y.float()
        return (dlkit.maximum(z, 0.0) - z * y + ((-z.abs()).exp() + 1).log()).mean()
    assert run_check("ch3.bce_with_logits", bce_logits_float32).passed
    trainer = _trainer()
    assert run_check("ch3.train_logistic", lambda X, y, lr, epochs, batch_size, rng: trainer(
        X.astype(np.float32), y.astype(np.float32), lr, epochs, batch_size, rng)).passed


def test_softmax_that_subtracts_each_rows_minimum_fails_on_wide_rows():
    def softmax_row_min(z):
        e = (z - z.min(dim=-1, keepdim=True).values).exp()
        return e / e.sum(dim=-1, keepdim=True)
    fails("ch3.softmax", softmax_row_min, "rows spanning −800 to 800")


def test_cross_entropy_shifted_by_each_rows_minimum_fails_on_wide_rows():
    def shifted_by_min(z, y):
        shifted = z - z.min(dim=-1, keepdim=True).values
        log_p = shifted - shifted.exp().sum(dim=-1, keepdim=True).log()
        return -log_p[np.arange(len(y)), y].mean()
    fails("ch3.cross_entropy", shifted_by_min, "large logits", "inf")
