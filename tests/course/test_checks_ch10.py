"""Chapter 10's checks accept right answers (float32 too where floats come in) and catch the mistakes
learners really make: overlapping or unshuffled or unseeded splits, a transposed confusion matrix or
one that counts repeated pairs once, mistakes ranked by the predicted class's confidence or by the raw
logit, a search that chooses on the test set or scores every model on it, a state dict without the
transpose or with the ReLU's index skipped, and training that is seeded in the wrong place. The right
answers here are written independently of dlkit's references (torch confirms the weight layout)."""
import numpy as np
import pytest
import torch
from expect import fails, passes, stub

import dlkit
from dlkit import nn, optim


@pytest.mark.parametrize("name", ["ch10.train_val_test_split", "ch10.confusion_matrix", "ch10.worst_mistakes",
                                  "ch10.hyperparameter_search", "ch10.to_sequential_state_dict",
                                  "ch10.train_reproducibly"])
def test_every_stub_fails(name):
    fails(name, stub)


# --- splits ------------------------------------------------------------------------------------------
def split_right(n, val_fraction, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(np.floor(test_fraction * n + 0.5))
    n_val = int(np.floor(val_fraction * n + 0.5))
    return order[n_test + n_val:], order[n_test:n_test + n_val], order[:n_test]


def test_split_right_answer_passes():
    passes("ch10.train_val_test_split", split_right)


def test_split_drawing_each_part_with_replacement_fails():
    def overlapping(n, vf, tf, seed):
        rng = np.random.default_rng(seed)
        n_val, n_test = round(vf * n), round(tf * n)
        return rng.choice(n, n - n_val - n_test), rng.choice(n, n_val), rng.choice(n, n_test)
    fails("ch10.train_val_test_split", overlapping, "not a partition")


def test_split_without_shuffling_fails():
    def in_order(n, vf, tf, seed):
        n_val, n_test = round(vf * n), round(tf * n)
        order = np.arange(n)
        return order[:n - n_val - n_test], order[n - n_val - n_test:n - n_test], order[n - n_test:]
    fails("ch10.train_val_test_split", in_order, "not shuffled")


def test_split_with_each_set_sorted_passes():
    # Order within a set does not matter; which examples it holds does.
    passes("ch10.train_val_test_split", lambda *args: tuple(np.sort(p) for p in split_right(*args)))


def test_split_drawing_sets_with_choice_then_setdiff_passes():
    def choice_then_setdiff(n, vf, tf, seed):
        rng = np.random.default_rng(seed)
        test = rng.choice(n, round(tf * n), replace=False)
        val = rng.choice(np.setdiff1d(np.arange(n), test), round(vf * n), replace=False)
        return np.setdiff1d(np.arange(n), np.concatenate([test, val])), val, test   # train comes out sorted
    passes("ch10.train_val_test_split", choice_then_setdiff)


def test_split_of_reversed_blocks_fails():
    def reversed_blocks(n, vf, tf, seed):
        n_val, n_test = round(vf * n), round(tf * n)
        test = np.random.default_rng(seed).permutation(n)[:n_test]
        rest = np.setdiff1d(np.arange(n), test)[::-1]
        return rest[n_val:], rest[:n_val], test
    fails("ch10.train_val_test_split", reversed_blocks, "not shuffled")


def test_split_shuffling_only_the_test_set_fails():
    def test_only_shuffled(n, vf, tf, seed):
        n_val, n_test = round(vf * n), round(tf * n)
        test = np.random.default_rng(seed).permutation(n)[:n_test]
        rest = np.setdiff1d(np.arange(n), test)          # sorted: train and val are not shuffled
        return rest[n_val:], rest[:n_val], test
    fails("ch10.train_val_test_split", test_only_shuffled, "not shuffled")


def test_split_whose_validation_set_ignores_the_seed_fails():
    def fixed_val(n, vf, tf, seed):
        n_val, n_test = round(vf * n), round(tf * n)
        val = np.random.default_rng(0).permutation(n)[:n_val]      # always seed 0
        rest = np.random.default_rng(seed).permutation(np.setdiff1d(np.arange(n), val))
        return rest[n_test:], val, rest[:n_test]
    fails("ch10.train_val_test_split", fixed_val, "same validation set")


def test_split_with_the_global_random_state_fails():
    def unseeded(n, vf, tf, seed):
        n_val, n_test = round(vf * n), round(tf * n)
        order = np.random.permutation(n)
        return order[n_val + n_test:], order[n_test:n_test + n_val], order[:n_test]
    fails("ch10.train_val_test_split", unseeded, "same seed")


def test_split_truncating_the_sizes_fails():
    def truncating(n, vf, tf, seed):
        order = np.random.default_rng(seed).permutation(n)
        n_val, n_test = int(vf * n), int(tf * n)
        return order[n_val + n_test:], order[n_test:n_test + n_val], order[:n_test]
    fails("ch10.train_val_test_split", truncating, "sizes")


def test_split_calling_random_split_is_told_to_write_it_itself():
    def borrowed(n, vf, tf, seed):
        parts = dlkit.data.random_split(dlkit.data.TensorDataset(np.arange(n)), [n - round(vf * n) - round(tf * n),
                                        round(vf * n), round(tf * n)], seed=seed)
        return tuple(np.asarray(p.indices) for p in parts)
    fails("ch10.train_val_test_split", borrowed, "write it yourself")


# --- confusion matrix --------------------------------------------------------------------------------
def confusion_right(y_true, y_pred, num_classes):
    return np.array([[np.sum((y_true == t) & (y_pred == p)) for p in range(num_classes)]
                     for t in range(num_classes)])


def test_confusion_right_answer_passes_as_ints_and_floats():
    passes("ch10.confusion_matrix", confusion_right)
    passes("ch10.confusion_matrix", lambda t, p, k: confusion_right(t, p, k).astype(np.float32))


def test_confusion_transposed_fails():
    fails("ch10.confusion_matrix", lambda t, p, k: confusion_right(t, p, k).T, "transpose")


def test_confusion_with_fancy_index_increment_fails():
    def once_per_pair(t, p, k):
        counts = np.zeros((k, k), dtype=int)
        counts[t, p] += 1
        return counts
    fails("ch10.confusion_matrix", once_per_pair, "only 0s and 1s", "np.add.at")


def test_confusion_sized_by_the_labels_seen_fails():
    fails("ch10.confusion_matrix", lambda t, p, k: confusion_right(t, p, int(max(t.max(), p.max())) + 1), "shape")


def test_confusion_calling_the_plot_helper_is_told_to_write_it_itself():
    def borrowed(t, p, k):
        fig = dlkit.viz.plot_confusion_matrix(t, p, num_classes=k)
        return np.asarray(fig.axes[0].images[0].get_array())
    fails("ch10.confusion_matrix", borrowed, "write it yourself")


# --- worst mistakes ----------------------------------------------------------------------------------
def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def mistakes_right(logits, labels, k, dtype=np.float64):
    probs = softmax_rows(logits.astype(dtype))
    wrong = [i for i in range(len(labels)) if probs[i].argmax() != labels[i]]
    wrong.sort(key=lambda i: probs[i, labels[i]])
    return np.array(wrong[:k], dtype=int)


def test_mistakes_right_answer_passes_in_float64_and_float32():
    passes("ch10.worst_mistakes", mistakes_right)
    passes("ch10.worst_mistakes", lambda z, y, k: mistakes_right(z, y, k, np.float32))


def test_mistakes_ranked_by_confidence_of_the_prediction_fails():
    def by_confidence(logits, labels, k):
        probs = softmax_rows(logits)
        wrong = np.flatnonzero(probs.argmax(axis=1) != labels)
        return wrong[np.argsort(-probs[wrong].max(axis=1), kind="stable")[:k]]
    fails("ch10.worst_mistakes", by_confidence, "confidence", "TRUE class")


def test_mistakes_ranked_by_raw_logit_fails():
    def by_logit(logits, labels, k):
        wrong = np.flatnonzero(logits.argmax(axis=1) != labels)
        return wrong[np.argsort(logits[wrong, labels[wrong]], kind="stable")[:k]]
    fails("ch10.worst_mistakes", by_logit, "raw logit")


def test_mistakes_including_correct_examples_fails():
    def all_examples(logits, labels, k):
        p_true = softmax_rows(logits)[np.arange(len(labels)), labels]
        return np.argsort(p_true, kind="stable")[:k]
    fails("ch10.worst_mistakes", all_examples, "classified correctly")


def test_mistakes_with_an_overflowing_softmax_fails():
    def naive(logits, labels, k):
        e = np.exp(logits)
        probs = e / e.sum(axis=1, keepdims=True)
        wrong = np.flatnonzero(logits.argmax(axis=1) != labels)
        return wrong[np.argsort(probs[wrong, labels[wrong]], kind="stable")[:k]]
    fails("ch10.worst_mistakes", naive, "+800")


def test_mistakes_largest_first_fails():
    fails("ch10.worst_mistakes", lambda z, y, k: mistakes_right(z, y, k)[::-1], "reverse")


# --- hyperparameter search ---------------------------------------------------------------------------
def accuracy(model, X, y):
    return float(np.mean(np.asarray(model(X)) == y))


def search_right(configs, train, splits):
    models = [train(config, *splits["train"]) for config in configs]
    val = [accuracy(m, *splits["val"]) for m in models]
    best = max(range(len(configs)), key=lambda i: (val[i], -i))
    return configs[best], val, accuracy(models[best], *splits["test"])


def test_search_right_answer_passes():
    passes("ch10.hyperparameter_search", search_right)


def test_search_choosing_on_test_fails():
    def on_test(configs, train, splits):
        models = [train(c, *splits["train"]) for c in configs]
        tests = [accuracy(m, *splits["test"]) for m in models]
        best = int(np.argmax(tests))
        return configs[best], [accuracy(m, *splits["val"]) for m in models], tests[best]
    fails("ch10.hyperparameter_search", on_test, "test split", "choose on validation")


def test_search_choosing_on_train_fails():
    def on_train(configs, train, splits):
        models = [train(c, *splits["train"]) for c in configs]
        best = int(np.argmax([accuracy(m, *splits["train"]) for m in models]))
        return configs[best], [accuracy(m, *splits["val"]) for m in models], accuracy(models[best], *splits["test"])
    fails("ch10.hyperparameter_search", on_train, "train split")


def test_search_scoring_every_model_on_test_fails():
    def peeking(configs, train, splits):
        chosen, val, _ = search_right(configs, train, splits)
        models = [train(c, *splits["train"]) for c in configs]
        tests = [accuracy(m, *splits["test"]) for m in models]
        return chosen, val, tests[configs.index(chosen)]
    # trains twice: caught there; a version that keeps the models and peeks is caught by the test log
    fails("ch10.hyperparameter_search", peeking)

    def peeking_once(configs, train, splits):
        models = [train(c, *splits["train"]) for c in configs]
        val = [accuracy(m, *splits["val"]) for m in models]
        tests = [accuracy(m, *splits["test"]) for m in models]
        best = int(np.argmax(val))
        return configs[best], val, tests[best]
    fails("ch10.hyperparameter_search", peeking_once, "scored with the models of configs")


def test_search_last_best_on_a_tie_fails():
    def last_on_tie(configs, train, splits):
        models = [train(c, *splits["train"]) for c in configs]
        val = [accuracy(m, *splits["val"]) for m in models]
        best = len(val) - 1 - int(np.argmax(val[::-1]))
        return configs[best], val, accuracy(models[best], *splits["test"])
    fails("ch10.hyperparameter_search", last_on_tie, "first config")


def test_search_training_on_train_and_val_fails():
    def on_both(configs, train, splits):
        X = np.concatenate([splits["train"][0], splits["val"][0]])
        y = np.concatenate([splits["train"][1], splits["val"][1]])
        models = [train(c, X, y) for c in configs]
        val = [accuracy(m, *splits["val"]) for m in models]
        best = int(np.argmax(val))
        return configs[best], val, accuracy(models[best], *splits["test"])
    fails("ch10.hyperparameter_search", on_both, "training split")


# --- state dict --------------------------------------------------------------------------------------
def export_right(params, dtype=np.float64):
    return {"0.weight": params["W1"].T.astype(dtype), "0.bias": params["b1"].astype(dtype),
            "2.weight": params["W2"].T.astype(dtype), "2.bias": params["b2"].astype(dtype)}


def test_export_right_answer_passes_as_arrays_float32_and_tensors():
    passes("ch10.to_sequential_state_dict", export_right)
    passes("ch10.to_sequential_state_dict", lambda p: export_right(p, np.float32))
    passes("ch10.to_sequential_state_dict", lambda p: {k: dlkit.Tensor(v) for k, v in export_right(p).items()})


def test_export_right_answer_loads_into_torch_with_the_same_outputs():
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((5, 7)), "b1": rng.standard_normal(7),
              "W2": rng.standard_normal((7, 3)), "b2": rng.standard_normal(3)}
    twin = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3)).double()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in export_right(params).items()})
    x = rng.standard_normal((4, 5))
    hand = np.maximum(x @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    np.testing.assert_allclose(twin(torch.from_numpy(x)).detach().numpy(), hand, rtol=1e-12)


def test_export_without_transpose_fails():
    fails("ch10.to_sequential_state_dict", lambda p: {"0.weight": p["W1"], "0.bias": p["b1"],
                                                      "2.weight": p["W2"], "2.bias": p["b2"]}, "transpose")


def test_export_numbering_only_the_linear_layers_fails():
    fails("ch10.to_sequential_state_dict", lambda p: {"0.weight": p["W1"].T, "0.bias": p["b1"],
                                                      "1.weight": p["W2"].T, "1.bias": p["b2"]}, "index 1")


def test_export_square_mlp_without_transpose_fails_on_the_outputs():
    def transposes_only_when_needed(p):
        fix = lambda W, rows: W if W.shape[0] == rows else W.T  # a learner's patch
        return {"0.weight": fix(p["W1"], p["b1"].shape[0]), "0.bias": p["b1"],
                "2.weight": fix(p["W2"], p["b2"].shape[0]), "2.bias": p["b2"]}
    fails("ch10.to_sequential_state_dict", transposes_only_when_needed, "4 → 4 → 4", "weight = Wᵀ")


# --- reproducibility ---------------------------------------------------------------------------------
def reproducible_right(seed, X, y):
    dlkit.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=3,
              batch_size=32, seed=seed, progress=False)
    return model


def test_reproducible_right_answer_passes():
    passes("ch10.train_reproducibly", reproducible_right)


def test_reproducible_without_manual_seed_fails():
    def unseeded(seed, X, y):
        model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=3,
                  batch_size=32, seed=seed, progress=False)
        return model
    fails("ch10.train_reproducibly", unseeded, "different weights", "manual_seed")


def test_reproducible_without_the_seed_for_the_batches_fails():
    def batches_unseeded(seed, X, y):
        dlkit.manual_seed(seed)
        model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=3,
                  batch_size=32, progress=False)
        return model
    fails("ch10.train_reproducibly", batches_unseeded, "seed=seed")


def test_reproducible_but_untrained_fails():
    def untrained(seed, X, y):
        dlkit.manual_seed(seed)
        return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    fails("ch10.train_reproducibly", untrained, "not trained")
