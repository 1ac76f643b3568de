"""Chapter 4's checks catch the plausible wrong answers a learner really writes (each test must fail
the check), and their messages point at the real problem."""
from itertools import pairwise

import numpy as np
from expect import fails

import dlkit
from dlkit import nn
from dlkit.course import run_check


def linear_class(init):
    class MyLinear(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.weight = nn.Parameter(init(n_in, n_out))
            self.bias = nn.Parameter(np.zeros(n_out))

        def forward(self, x):
            return x @ self.weight.T + self.bias
    return MyLinear


def uniform(n_in, n_out, bound):
    return dlkit.get_rng().uniform(-bound, bound, (n_out, n_in))


def test_linear_with_the_right_init_passes():
    assert run_check("ch4.Linear", linear_class(lambda i, o: uniform(i, o, 1 / np.sqrt(i)))).passed


def test_linear_initialised_with_standard_normal_weights_fails_on_scale():
    fails("ch4.Linear", linear_class(lambda i, o: dlkit.get_rng().standard_normal((o, i))),
          "standard deviation", "1/√in_features")


def test_linear_scaled_by_out_features_fails_on_scale():
    fails("ch4.Linear", linear_class(lambda i, o: uniform(i, o, 1 / np.sqrt(o))), "standard deviation")


def test_linear_with_identical_rows_fails_on_symmetry():
    def one_row_repeated(n_in, n_out):
        return np.tile(uniform(n_in, 1, 1 / np.sqrt(n_in)), (n_out, 1))
    fails("ch4.Linear", linear_class(one_row_repeated), "every row", "symmetry")


def test_linear_with_a_column_bias_talks_about_the_bias():
    class ColumnBias(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.weight = nn.Parameter(uniform(n_in, n_out, 1 / np.sqrt(n_in)))
            self.bias = nn.Parameter(np.zeros((n_out, 1)))

        def forward(self, x):
            return x @ self.weight.T + self.bias.T
    fails("ch4.Linear", ColumnBias, "Linear(3, 4).bias has shape (4, 1), expected (4,)", "bias")


def test_linear_subclassing_nn_linear_is_told_to_write_it_itself():
    class Linear(nn.Linear):
        pass
    fails("ch4.Linear", Linear, "write it yourself")


def test_accuracy_returning_a_count_asks_for_a_fraction():
    def count(logits, labels):
        return int((logits.argmax(axis=1) == labels).sum())
    fails("ch4.accuracy", count, "expected a fraction in [0, 1], got 6")


def test_train_step_returning_the_loss_tensor_fails():
    def returns_tensor(model, loss_fn, optimizer, X, y):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss
    fails("ch4.train_step", returns_tensor, "returned the loss Tensor", ".item()")


def test_train_epoch_summing_loss_tensors_is_told_it_keeps_graphs_alive():
    def keeps_graphs(model, loss_fn, optimizer, loader):
        total, count = 0.0, 0
        for X, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            total = total + loss * len(X)
            count += len(X)
        return (total / count).item()  # even a float at the end: the graphs lived all epoch
    fails("ch4.train_epoch", keeps_graphs, "keeps every batch's graph alive", ".item()")


def two_layer(mask=True, mean=True):
    def backward(X, y, W1, b1, W2, b2):
        z1 = X @ W1.T + b1
        h = np.maximum(z1, 0)
        z2 = h @ W2.T + b2
        p = np.exp(z2 - z2.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dz2 = (p - np.eye(W2.shape[0])[y]) / (len(y) if mean else 1)
        dz1 = dz2 @ W2 * ((z1 > 0) if mask else 1)
        return dz1.T @ X, dz1.sum(axis=0), dz2.T @ h, dz2.sum(axis=0)
    return backward


def test_two_layer_backward_right_answer_passes_and_mistakes_are_located():
    assert run_check("ch4.two_layer_backward", two_layer()).passed
    fails("ch4.two_layer_backward", two_layer(mask=False), "dW1", "z1 > 0")
    fails("ch4.two_layer_backward", two_layer(mean=False), "dW2", "/ n")


def test_two_layer_backward_without_max_subtraction_fails_on_large_logits():
    def unstable(X, y, W1, b1, W2, b2):
        z1 = X @ W1.T + b1
        h = np.maximum(z1, 0)
        p = np.exp(h @ W2.T + b2)
        p /= p.sum(axis=1, keepdims=True)
        dz2 = (p - np.eye(W2.shape[0])[y]) / len(y)
        dz1 = dz2 @ W2 * (z1 > 0)
        return dz1.T @ X, dz1.sum(axis=0), dz2.T @ h, dz2.sum(axis=0)
    fails("ch4.two_layer_backward", unstable, "large logits", "maximum")


def test_linear_wrapping_nn_linear_is_told_to_write_it_itself():
    class Wrapper(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            inner = nn.Linear(n_in, n_out)
            self.weight, self.bias = inner.weight, inner.bias

        def forward(self, x):
            return x @ self.weight.T + self.bias
    fails("ch4.Linear", Wrapper, "write it yourself", "nn.Linear")


def test_linear_forward_through_f_linear_is_told_to_write_it_itself():
    from dlkit import functional as F

    class ViaFunctional(linear_class(lambda i, o: uniform(i, o, 1 / np.sqrt(i)))):
        def forward(self, x):
            return F.linear(x, self.weight, self.bias)
    fails("ch4.Linear", ViaFunctional, "write it yourself", "functional.linear")


def test_make_mlp_without_relus_fails_on_the_outputs():
    def all_linear(sizes):
        return nn.Sequential(*[nn.Linear(a, b) for a, b in pairwise(sizes)])
    fails("ch4.make_mlp", all_linear, "is off")


def test_a_correct_float32_two_layer_backward_passes():
    right = two_layer()
    assert run_check("ch4.two_layer_backward", lambda *arrays: right(
        *[a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays])).passed


class BiasOfOnes(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(uniform(n_in, n_out, 1 / np.sqrt(n_in)))
        self.bias = nn.Parameter(np.ones(n_out))

    def forward(self, x):
        return x @ self.weight.T + self.bias


class TorchLikeBias(BiasOfOnes):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        bound = 1 / np.sqrt(n_in)
        self.bias = nn.Parameter(dlkit.get_rng().uniform(-bound, bound, n_out))


def test_linear_with_a_bias_of_ones_talks_about_the_bias():
    fails("ch4.Linear", BiasOfOnes, "bias", "zeros")


def test_linear_drawing_from_numpys_global_generator_is_told_it_is_not_repeatable():
    def from_np_random(n_in, n_out):
        bound = 1 / np.sqrt(n_in)
        return np.random.uniform(-bound, bound, (n_out, n_in))
    fails("ch4.Linear", linear_class(from_np_random), "dlkit.manual_seed", "dlkit's own random generator")


def test_linear_with_pytorchs_uniform_bias_passes_and_the_learners_generator_is_kept():
    dlkit.manual_seed(5)
    learners_generator = dlkit.get_rng()
    result = run_check("ch4.Linear", TorchLikeBias)
    assert result.passed, str(result)
    assert dlkit.get_rng() is learners_generator     # the check reseeds only a generator of its own
