"""Indexing ``t[...]``: slices, steps, negative steps, integer arrays (repeats add up), boolean masks,
``t[rows, cols]`` gathers and Tensor indices — the gradient lands back on the entries that were read."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlkit import ShapeError, Tensor

SEEDS = st.integers(0, 2**32 - 1)
X = np.random.default_rng(0).standard_normal((4, 5))

INDICES = {
    "integer": 2,
    "negative integer": -1,
    "row and column": (1, 3),
    "slice": slice(1, 3),
    "slice with step": (slice(None), slice(0, 5, 2)),
    "negative step": slice(None, None, -1),
    "negative step in columns": (slice(3, 0, -2), slice(None, None, -1)),
    "ellipsis": (Ellipsis, 1),
    "new axis": (None, slice(1, 3)),
    "integer array": np.array([3, 0]),
    "integer array with repeats": np.array([1, 1, 2, 1]),
    "list with repeats": [0, 0, 3],
    "boolean mask of rows": np.array([True, False, True, True]),
    "boolean mask of entries": X > 0,
    "rows, cols gather": (np.array([0, 1, 3, 0]), np.array([4, 0, 2, 4])),
    "rows, cols lists": ([2, 2], [1, 1]),
    "array and slice": (np.array([0, 2, 2]), slice(1, 4)),
    "slice and array": (slice(None), np.array([4, 4, 0])),
}


@pytest.mark.parametrize("name", list(INDICES))
def test_indexing_matches_numpy_and_central_differences(check_op, name):
    index = INDICES[name]
    check_op(lambda t: t[index], lambda a: a[index], X)


@pytest.mark.parametrize("name", ["integer array with repeats", "boolean mask of entries", "rows, cols gather"])
def test_indexing_with_a_tensor_index_works_like_its_array(check_op, name):
    index = INDICES[name]
    tensor_index = tuple(Tensor(i) for i in index) if isinstance(index, tuple) else Tensor(index)
    check_op(lambda t: t[tensor_index], lambda a: a[index], X)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, data=st.data())
def test_random_slices_with_steps_match_central_differences(check_op, seed, data):
    def a_slice():
        step = data.draw(st.sampled_from([None, 1, 2, -1, -2, 3]))
        start = data.draw(st.one_of(st.none(), st.integers(-5, 4)))
        stop = data.draw(st.one_of(st.none(), st.integers(-5, 5)))
        return slice(start, stop, step)
    index = (a_slice(), a_slice())
    x = np.random.default_rng(seed).standard_normal((4, 5))
    check_op(lambda t: t[index], lambda a: a[index], x, seed=seed)


def test_repeated_indices_add_their_gradients():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[[0, 2, 0, 0]]
    y.backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(y.data, [10.0, 30.0, 10.0, 10.0])
    np.testing.assert_array_equal(x.grad, [8.0, 0.0, 2.0])


def test_slice_gradient_is_zero_outside_the_slice():
    x = Tensor(np.zeros(5), requires_grad=True)
    x[1:3].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 0.0, 0.0])


def test_negative_step_gradient_lands_on_the_reversed_positions():
    x = Tensor(np.zeros(4), requires_grad=True)
    x[::-1].backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [4.0, 3.0, 2.0, 1.0])


def test_boolean_mask_picks_the_true_entries_and_routes_gradient_only_to_them():
    x = Tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    y = x[x > 0]
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [1.0, 4.0])
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0], [0.0, 1.0]])


def test_rows_cols_gather_picks_one_entry_per_pair():
    # The pattern of cross-entropy: pick each row's score of its true class.
    scores = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    labels = np.array([2, 0])
    picked = scores[np.arange(2), labels]
    picked.sum().backward()
    np.testing.assert_array_equal(picked.data, [3.0, 4.0])
    np.testing.assert_array_equal(scores.grad, [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


def test_a_basic_index_is_a_view_and_an_advanced_one_a_copy_like_torch():
    import torch
    ours, theirs = Tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    ours[0:2].data[0] = 100.0
    theirs[0:2][0] = 100.0
    ours[[1, 2]].data[0] = -5.0
    theirs[[1, 2]][0] = -5.0
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_iterating_over_a_tensor_yields_its_rows_with_gradients():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(rows) == len(x) == 2
    rows[1].sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize("index, expected", [
    (4, r"getitem: index 4 does not fit a tensor of shape \(4, 5\)"),
    ((0, 7), r"getitem: index \(0, 7\) does not fit a tensor of shape \(4, 5\)"),
    ((0, 1, 2), r"getitem: .* does not fit a tensor of shape \(4, 5\)"),
    (np.array([0, 9]), r"getitem: .* does not fit a tensor of shape \(4, 5\)"),
    (np.array([True, False]), r"getitem: .* does not fit a tensor of shape \(4, 5\)"),
    (1.5, r"getitem: index 1.5 does not fit a tensor of shape \(4, 5\)"),
])
def test_bad_index_names_the_index_and_the_shape(index, expected):
    with pytest.raises(ShapeError, match=expected):
        Tensor(X)[index]


MIXED_INDEXES = {
    "int, slice, list": lambda: (1, slice(None), [0, 1]),
    "list, slice, list": lambda: ([0, 1], slice(None), [0, 1]),
    "slice, list, list": lambda: (slice(None), [0, 1], [1, 2]),
    "list, slice, list of one": lambda: ([0], slice(1, None), [1]),
    "int, list, slice": lambda: (0, [2, 0], slice(None)),
    "int, slice, int array": lambda: (1, slice(None), np.array([3, 3, 0])),
    "int, int, list": lambda: (1, 2, [0, 3]),
    "list, int, slice": lambda: ([1, 0], 2, slice(1, 3)),
    "int, None, list": lambda: (1, None, [0, 1]),
    "ellipsis, int, list": lambda: (Ellipsis, 1, [0, 2]),
    "int, bool mask": lambda: (0, np.array([True, False, True])),
}


@pytest.mark.parametrize("name", sorted(MIXED_INDEXES))
def test_mixed_basic_and_advanced_indexing_follows_torch(name):
    import torch
    index = MIXED_INDEXES[name]()
    values = np.random.default_rng(0).standard_normal((2, 3, 4))
    ours, theirs = Tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    torch_index = tuple(torch.from_numpy(p) if isinstance(p, np.ndarray) else p for p in index)
    out, expected = ours[index], theirs[torch_index]
    assert out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())
