"""Chapter 10 — the capstone: references and checks.

Exercises: ``train_val_test_split`` (three disjoint, seeded index sets), ``confusion_matrix`` (rows the
truth, columns the prediction), ``worst_mistakes`` (misclassified examples ranked by the probability of
their true class), ``hyperparameter_search`` (choose on validation, touch the test set once),
``to_sequential_state_dict`` (a hand-written MLP's weights under PyTorch's keys and layout) and
``train_reproducibly`` (the same seed gives the same weights, bit for bit).
"""
import itertools

import numpy as np

from ... import nn
from ...data import load_digits
from ...optim import SGD
from ...random import manual_seed
from ...tensor import Tensor, no_grad
from ...training import fit
from ..checker import call, register
from ..compare import Mismatch, as_array, assert_close


# ----------------------------------------------------------------------------------------------------
# References
# ----------------------------------------------------------------------------------------------------
def split_sizes(n, val_fraction, test_fraction):
    n_val, n_test = round(val_fraction * n), round(test_fraction * n)
    return n - n_val - n_test, n_val, n_test


def confusion_matrix(y_true, y_pred, num_classes):
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        counts[t, p] += 1
    return counts


def true_class_probability(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.exp(log_probs[np.arange(len(labels)), labels])


def worst_mistakes(logits, labels, k):
    wrong = np.flatnonzero(logits.argmax(axis=1) != labels)
    p_true = true_class_probability(logits, labels)[wrong]
    return wrong[np.argsort(p_true, kind="stable")[:k]]


def digits_mlp():
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def train_reproducibly(seed, X, y):
    manual_seed(seed)
    model = digits_mlp()
    fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), (X, y), epochs=3, batch_size=32,
        seed=seed, progress=False)
    return model


# ----------------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------------
def _index_array(value, what):
    array = as_array(value, what, "return numpy arrays of integer indices")
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise Mismatch(f"{what} is an array of shape {array.shape} and dtype {array.dtype}, expected a 1-D "
                       "array of integer indices", "np.random.default_rng(seed).permutation(n) gives integers")
    return array


@register("ch10.train_val_test_split", hints=[
    ("shuffle the indices 0..n−1 once, with a generator made from the seed, then cut the shuffled list "
    "into three consecutive pieces"),
    "the sizes: n_val = round(val_fraction · n), n_test = round(test_fraction · n), and training gets the rest",
    ("drawing each piece separately (with or without replacement) lets one example land in two pieces; "
    "a single permutation cannot"),
], forbid=("dlkit.data.random_split",))
def check_train_val_test_split(answer):
    for n, vf, tf in [(100, 0.2, 0.1), (37, 0.15, 0.15), (10, 0.0, 0.5), (1797, 0.2, 0.2)]:
        args = f"n={n}, val_fraction={vf}, test_fraction={tf}, seed=3"
        got = call(answer, n, vf, tf, 3)
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise Mismatch(f"train_val_test_split({args}) returned a {type(got).__name__}, expected "
                           "(train_idx, val_idx, test_idx)")
        parts = [_index_array(part, f"{name} indices ({args})") for part, name in zip(got, ("train", "val", "test"))]
        sizes = tuple(len(p) for p in parts)
        if sizes != split_sizes(n, vf, tf):
            raise Mismatch(f"train_val_test_split({args}) gave sizes (train, val, test) = {sizes}, expected "
                           f"{split_sizes(n, vf, tf)}", "round the two fractions times n; training gets the rest")
        together = np.concatenate(parts)
        if len(np.unique(together)) != n or together.min(initial=0) < 0 or together.max(initial=0) >= n:
            seen, counts = np.unique(together, return_counts=True)
            twice = seen[counts > 1][:5]
            raise Mismatch(f"train_val_test_split({args}): the three index sets are not a partition of 0..{n - 1}"
                           + (f"; indices {twice.tolist()} are in more than one set" if len(twice) else ""),
                           "an example in two sets (say train and test) means the test score is no longer "
                           "an honest estimate: shuffle once, then cut")
        names = ("training", "validation", "test")
        for (a, first), (b, second) in itertools.combinations(zip(parts, names), 2):
            if min(len(a), len(b)) >= 10 and (a.max() < b.min() or b.max() < a.min()):
                low, high = (first, second) if a.max() < b.min() else (second, first)
                raise Mismatch(f"train_val_test_split({args}): every {low} index is smaller than every {high} "
                               "index — the sets are blocks of the original order, so it was not shuffled",
                               "files are often sorted (by class, by date): shuffle all n indices once, "
                               "before cutting")
        again = call(answer, n, vf, tf, 3)
        if not all(np.array_equal(a, b) for a, b in zip(parts, again)):
            raise Mismatch(f"train_val_test_split({args}) gave different indices when called twice with the same "
                           "seed", "make a generator from the seed (np.random.default_rng(seed)) instead of "
                           "using the global random state")
        other = call(answer, n, vf, tf, 4)
        for k, name in ((2, "test"), (1, "validation")):
            if n >= 37 and len(parts[k]) >= 5 and set(np.asarray(other[k]).tolist()) == set(parts[k].tolist()):
                raise Mismatch(f"train_val_test_split with seed 3 and seed 4 (n={n}) gave the same {name} set",
                               "use the seed argument to make the one generator that shuffles everything")
    return "4 splits: right sizes, disjoint, covering every example, shuffled, same seed → same split"


@register("ch10.confusion_matrix", hints=[
    "start from a (num_classes, num_classes) array of zeros and add 1 per example",
    ("rows are the true class, columns the predicted class: an example of true class t predicted as p "
    "adds 1 to entry [t, p]"),
    ("numpy's counts[y_true, y_pred] += 1 adds 1 only once for repeated (t, p) pairs: loop over the pairs, "
    "or use np.add.at"),
], forbid=("dlkit.viz.plots.errors.plot_confusion_matrix",))
def check_confusion_matrix(answer):
    rng = np.random.default_rng(100)
    cases = [("3 classes, 8 examples", np.array([0, 0, 1, 2, 2, 2, 1, 0]), np.array([0, 1, 1, 2, 0, 2, 2, 0]), 3)]
    y_true = rng.integers(0, 10, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 10, 200))
    cases.append(("10 classes, 200 examples", y_true, y_pred, 10))
    cases.append(("5 classes of which 3 and 4 never occur", np.array([0, 1, 2, 1]), np.array([0, 0, 2, 2]), 5))
    for label, t, p, k in cases:
        on = f" (on {label})"
        got = as_array(call(answer, t.copy(), p.copy(), k), "your confusion matrix" + on)
        expected = confusion_matrix(t, p, k)
        if got.shape != expected.shape:
            raise Mismatch(f"your confusion matrix has shape {got.shape}{on}, expected {expected.shape}",
                           "the size comes from num_classes, not from the labels that happen to occur")
        if not np.array_equal(expected, expected.T) and np.array_equal(got, expected.T):
            raise Mismatch(f"your confusion matrix is the transpose of the expected one{on}",
                           "rows are the true class and columns the prediction: entry [t, p] counts examples "
                           "of class t predicted as p")
        if np.array_equal(got, (expected > 0).astype(expected.dtype)) and expected.max() > 1:
            raise Mismatch(f"your confusion matrix holds only 0s and 1s{on}, but some (true, predicted) pairs "
                           "occur several times", "counts[y_true, y_pred] += 1 adds once per distinct pair: "
                           "use a loop or np.add.at")
        assert_close(got, expected, "your confusion matrix" + on)
    return "3 cases passed (rows = truth, repeated pairs, classes that never occur)"


def _mistake_cases(rng):
    cases = []
    logits = rng.standard_normal((60, 10)) * 2.0
    labels = rng.integers(0, 10, 60)
    # a correctly classified example whose true class still gets a low probability (a flat row)
    logits[0] = 0.0
    logits[0, labels[0]] = 0.3
    cases.append(("60 examples, 10 classes, k=5", logits, labels, 5))
    cases.append(("the same logits shifted by +800 (softmax must not overflow)", logits + 800.0, labels, 5))
    few = rng.standard_normal((8, 3))
    few_labels = few.argmax(axis=1)
    few_labels[[2, 5]] = (few_labels[[2, 5]] + 1) % 3      # exactly two mistakes
    cases.append(("8 examples with only 2 mistakes, k=4", few, few_labels, 4))
    return cases


@register("ch10.worst_mistakes", hints=[
    "a mistake is an example whose arg-max class is not its label; keep only those",
    ("rank the mistakes by the softmax probability of row i at its label (the probability the model "
    "gave the right answer), smallest first, and keep k (fewer when there are fewer mistakes)"),
    ("compute the softmax with the row's maximum subtracted first, so that large logits do not overflow; "
    "the raw logit of the true class does not rank the same way, since every row is normalised differently"),
])
def check_worst_mistakes(answer):
    for label, logits, labels, k in _mistake_cases(np.random.default_rng(101)):
        on = f" (on {label})"
        with np.errstate(all="ignore"):
            got = _index_array(call(answer, logits.copy(), labels.copy(), k), "your worst_mistakes" + on)
        expected = worst_mistakes(logits, labels, k)
        if np.array_equal(got, expected):
            continue
        predicted = logits.argmax(axis=1)
        right = [int(i) for i in got if 0 <= i < len(labels) and predicted[i] == labels[i]]
        if right:
            raise Mismatch(f"your worst_mistakes{on} includes example {right[0]}, which the model classified "
                           "correctly", "keep only the examples whose arg-max class differs from the label")
        if len(got) != len(expected):
            raise Mismatch(f"your worst_mistakes{on} returned {len(got)} indices, expected {len(expected)}",
                           "k of them, or all the mistakes when there are fewer than k")
        if np.array_equal(got, expected[::-1]):
            raise Mismatch(f"your worst_mistakes{on} is in reverse order", "smallest true-class probability first")
        wrong = np.flatnonzero(predicted != labels)
        shifted = logits - logits.max(axis=1, keepdims=True)
        confidence = (np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)).max(axis=1)
        by_confidence = wrong[np.argsort(-confidence[wrong], kind="stable")[:k]]
        by_logit = wrong[np.argsort(logits[wrong, labels[wrong]], kind="stable")[:k]]
        if np.array_equal(got, by_confidence):
            raise Mismatch(f"your worst_mistakes{on} ranks the mistakes by the confidence of the predicted class",
                           "rank by the probability given to the TRUE class: a mistake with p(true) = 0.001 is "
                           "worse than one with p(true) = 0.4, however confident the wrong answer was")
        if np.array_equal(got, by_logit):
            raise Mismatch(f"your worst_mistakes{on} ranks by the raw logit of the true class",
                           "logits of different rows are not comparable: turn each row into probabilities "
                           "with a softmax first")
        raise Mismatch(f"your worst_mistakes{on} returned {got.tolist()}, expected {expected.tolist()}",
                       "rank the mistakes by the (stable) softmax probability of each row at its label, smallest first")
    return "3 cases passed (ranked by p(true class), stable softmax, fewer mistakes than k)"


class _Scripted:
    """A fake trained model: its accuracy on each split is fixed in advance; it records what it saw."""

    def __init__(self, splits, accuracies, log, index):
        self.splits, self.accuracies, self.log, self.index = splits, accuracies, log, index

    def __call__(self, X):
        X = np.asarray(getattr(X, "data", X))
        for name, (Xs, ys) in self.splits.items():
            if X.shape == Xs.shape and np.array_equal(X, Xs):
                self.log.append((self.index, name))
                correct = round(self.accuracies[name] * len(ys))
                wrong = (ys + 1) % 10
                return np.concatenate([ys[:correct], wrong[correct:]])
        raise ValueError("the model was called on data that is none of the train, val and test splits")


def _search_case(rng, accuracies):
    splits = {}
    for name, n in (("train", 40), ("val", 20), ("test", 20)):
        splits[name] = (rng.standard_normal((n, 4)), rng.integers(0, 10, n))
    configs = [{"lr": lr, "id": k} for k, lr in enumerate((0.1, 0.03, 0.01, 0.003)[:len(accuracies)])]
    log, trained = [], []

    def train(config, X, y):
        X = np.asarray(getattr(X, "data", X))
        which = [name for name, (Xs, _) in splits.items() if X.shape == Xs.shape and np.array_equal(X, Xs)]
        trained.append((config["id"], which[0] if which else "something else"))
        return _Scripted(splits, accuracies[config["id"]], log, config["id"])
    return configs, train, splits, log, trained


@register("ch10.hyperparameter_search", hints=[
    ("for each config, train a model on the training split only; its validation accuracy is the share of "
    "its predictions on the validation split that equal the labels"),
    ("choose the config with the highest validation accuracy (the first one on a tie), and only then look "
    "at the test set — once, with the chosen model"),
    ("choosing by test accuracy (or scoring every model on test) turns the test set into a second "
    "validation set: the number you report is then optimistic"),
])
def check_hyperparameter_search(answer):
    # per config: accuracies on (train, val, test), chosen so that each split would pick another config
    scripts = [
        [{"train": 1.0, "val": 0.6, "test": 0.55}, {"train": 0.9, "val": 0.8, "test": 0.7},
         {"train": 0.85, "val": 0.7, "test": 0.9}, {"train": 0.7, "val": 0.5, "test": 0.5}],
        [{"train": 0.8, "val": 0.75, "test": 0.6}, {"train": 0.85, "val": 0.75, "test": 0.8},
         {"train": 0.95, "val": 0.5, "test": 0.85}],          # a tie on validation: the first one wins
    ]
    rng = np.random.default_rng(102)
    for accuracies in scripts:
        configs, train, splits, log, trained = _search_case(rng, accuracies)
        on = f" (on {len(configs)} configs)"
        got = call(answer, [dict(c) for c in configs], train, splits)
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise Mismatch(f"hyperparameter_search returned a {type(got).__name__}{on}, expected "
                           "(best_config, val_accuracies, test_accuracy)")
        best, val_scores, test_score = got
        val = [a["val"] for a in accuracies]
        chosen = int(np.argmax(val))
        if sorted(trained) != [(k, "train") for k in range(len(configs))]:
            raise Mismatch(f"train(config, X, y) was called with {trained}{on}; expected each config once, on "
                           "the training split", "train every config on splits['train'] only")
        assert_close(np.asarray(val_scores, dtype=float), np.asarray(val), "your val_accuracies" + on,
                     "accuracy = mean(model(X_val) == y_val), one number per config, in the configs' order")
        tested = sorted({k for k, split in log if split == "test"})
        if not isinstance(best, dict) or best.get("id") != chosen:
            picked = best.get("id") if isinstance(best, dict) else None
            by = {int(np.argmax([a[s] for a in accuracies])): s for s in ("train", "test")}
            if picked in by:
                raise Mismatch(f"you chose config {picked}{on}, the best on the {by[picked]} split; the best on "
                               f"validation is config {chosen}",
                               "choose on validation: the test set must not influence any choice")
            raise Mismatch(f"you chose {best!r}{on}; the best on validation is {configs[chosen]!r}",
                           "the highest validation accuracy wins; on a tie, the first config")
        if not tested:
            raise Mismatch(f"the test set was never scored{on}", "finally score the chosen model on splits['test']")
        if tested != [chosen]:
            raise Mismatch(f"the test set was scored with the models of configs {tested}{on}",
                           "look at the test set once, with the chosen model only: every extra look is a "
                           "chance to be tempted into choosing by it")
        assert_close(float(test_score), accuracies[chosen]["test"], "your test_accuracy" + on,
                     "the test accuracy of the chosen model")
    return "2 searches passed: trained on train, chosen on validation (first on a tie), test scored once"


def _forward(params, x):
    return np.maximum(x @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]


@register("ch10.to_sequential_state_dict", hints=[
    ("nn.Sequential names its layers 0, 1, 2...: Linear, ReLU, Linear are 0, 1 and 2 — the ReLU has no "
    "weights but still takes index 1"),
    ("nn.Linear stores weight with shape (out_features, in_features) and computes x·weightᵀ + bias; "
    "your hand-written W1 is (in, out)"),
    "return plain numpy arrays (or Tensors) under the keys '0.weight', '0.bias', '2.weight', '2.bias'",
])
def check_to_sequential_state_dict(answer):
    rng = np.random.default_rng(103)
    for n_in, hidden, n_out in [(5, 7, 3), (4, 4, 4)]:      # the square case hides a missing transpose
        on = f" (on an MLP {n_in} → {hidden} → {n_out})"
        params = {"W1": rng.standard_normal((n_in, hidden)), "b1": rng.standard_normal(hidden),
                  "W2": rng.standard_normal((hidden, n_out)), "b2": rng.standard_normal(n_out)}
        got = call(answer, {k: v.copy() for k, v in params.items()})
        if not isinstance(got, dict):
            raise Mismatch(f"to_sequential_state_dict returned a {type(got).__name__}{on}, expected a dict")
        expected_keys = ["0.bias", "0.weight", "2.bias", "2.weight"]
        if sorted(got) != expected_keys:
            raise Mismatch(f"your state dict has keys {sorted(got)}{on}, expected {expected_keys}",
                           "nn.Sequential(Linear, ReLU, Linear) numbers its layers 0, 1, 2: the ReLU keeps "
                           "index 1")
        model = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))
        for key, module, rows in (("0.weight", "W1", hidden), ("2.weight", "W2", n_out)):
            shape = as_array(got[key], f"your {key!r}").shape
            if shape != (rows, params[module].shape[0]):
                raise Mismatch(f"your {key!r} has shape {shape}{on}, expected {(rows, params[module].shape[0])} "
                               "= (out_features, in_features)", f"nn.Linear's weight is the transpose of your {module}")
        arrays = {k: as_array(v, f"your {k!r}") for k, v in got.items()}
        model.load_state_dict(arrays)
        x = rng.standard_normal((6, n_in))
        with no_grad():
            out = model(Tensor(x)).data
        least = min((a.dtype for a in arrays.values() if a.dtype.kind == "f"), key=lambda d: d.itemsize,
                    default=np.dtype(np.float64))      # float32 weights: judge with float32 tolerance
        assert_close(out, _forward(params, x), "the Sequential model's output with your state dict" + on,
                     "nn.Linear computes x·weightᵀ + bias: store weight = Wᵀ", precision=least)
    return "2 MLPs passed: PyTorch's keys and layout, the same outputs as the hand-written forward"


@register("ch10.train_reproducibly", hints=[
    ("seed dlkit's random numbers with dlkit.manual_seed(seed) before you build the model: the initial "
    "weights come from them"),
    "fit shuffles the batches with its own seed= argument: pass the seed there too",
    "build, seed and train inside the function, so that each call starts from the same state",
], timeout=60)
def check_train_reproducibly(answer):
    (X, y), _ = load_digits()
    X, y = X[:600], y[:600]
    first = call(answer, 5, X.copy(), y.copy())
    if not hasattr(first, "state_dict"):
        raise Mismatch(f"train_reproducibly returned a {type(first).__name__}, expected the trained model")
    state = {k: as_array(v, k) for k, v in first.state_dict().items()}
    manual_seed(123)          # whatever happened before the call must not matter
    second = {k: as_array(v, k) for k, v in call(answer, 5, X.copy(), y.copy()).state_dict().items()}
    differs = [k for k in state if k not in second or not np.array_equal(state[k], second[k])]
    if differs:
        raise Mismatch(f"two calls with seed 5 gave different weights (first in {differs[0]!r})",
                       "call dlkit.manual_seed(seed) inside the function, before building the model")
    expected = train_reproducibly(5, X, y).state_dict()
    if sorted(state) != sorted(expected):
        raise Mismatch(f"your model has parameters {sorted(state)}, expected {sorted(expected)}",
                       "a Sequential of Linear(64 → 32), ReLU and Linear(32 → 10)")
    for key in expected:
        if state[key].shape != expected[key].shape:
            raise Mismatch(f"your {key!r} has shape {state[key].shape}, expected {expected[key].shape}")
    untrained = _seeded_init(5)
    if all(np.array_equal(state[k], untrained[k]) for k in untrained):
        raise Mismatch("your model's weights are its initial weights: it was not trained", "call dlkit.fit")
    for key in expected:
        assert_close(state[key], expected[key], f"your trained {key!r}",
                     "seed with dlkit.manual_seed(seed) right before building the model, and give fit "
                     "seed=seed (SGD lr 0.1, 3 epochs, batch_size 32) so that the batches come in the "
                     "seed's order", rtol=1e-9, atol=1e-12)
    return "the same seed gives the same weights, whatever the random state before the call"


def _seeded_init(seed):
    manual_seed(seed)
    return {k: np.array(v) for k, v in digits_mlp().state_dict().items()}
