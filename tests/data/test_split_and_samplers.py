"""Subset, random_split, samplers, collate_fn and DataLoader's PyTorch-shaped arguments.

torch is the oracle for random_split's lengths (fractions), DataLoader's argument names and order, and
default_collate's structure; the random orders themselves come from numpy (checked against numpy)."""
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlkit
from dlkit.data import (
    BatchSampler,
    DataError,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
)

torch = pytest.importorskip("torch")


def _data(n=10):
    return TensorDataset(np.arange(n * 2, dtype=np.float64).reshape(n, 2), np.arange(n))


@pytest.mark.parametrize("n,lengths", [
    (10, [0.8, 0.2]), (11, [0.8, 0.2]), (7, [0.5, 0.5]), (100, [0.33, 0.33, 0.34]), (5, [0.3, 0.3, 0.4]),
    (13, [0.25, 0.25, 0.25, 0.25]), (9, [1.0]), (10, [3, 7]), (3, [0.7, 0.1, 0.1, 0.1]), (1000, [0.9, 0.1]),
])
@pytest.mark.filterwarnings("ignore:.*empty")
def test_random_split_lengths_equal_torch(n, lengths):
    ours = random_split(_data(n), lengths, seed=0)
    theirs = torch.utils.data.random_split(torch.utils.data.TensorDataset(torch.zeros(n)), lengths,
                                           generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    everything = sorted(i for s in ours for i in s.indices)
    assert everything == list(range(n))  # disjoint, and together the whole dataset


def test_an_empty_subset_warns_as_in_torch():
    with pytest.warns(UserWarning, match="empty"):
        parts = random_split(_data(3), [0.1] * 10, seed=0)
    assert [len(p) for p in parts] == [1, 1, 1] + [0] * 7


def test_random_split_is_seeded_and_uses_numpy_permutation():
    a = random_split(_data(10), [0.7, 0.3], seed=3)
    b = random_split(_data(10), [0.7, 0.3], generator=np.random.default_rng(3))
    expected = np.random.default_rng(3).permutation(10).tolist()
    assert a[0].indices == b[0].indices == expected[:7] and a[1].indices == expected[7:]
    assert random_split(_data(10), [7, 3], generator=4)[0].indices != a[0].indices
    dlkit.manual_seed(11)
    c = random_split(_data(10), [5, 5])
    dlkit.manual_seed(11)
    assert random_split(_data(10), [5, 5])[0].indices == c[0].indices


@pytest.mark.parametrize("lengths,match", [([3, 3], "add up to 6.*has 10"), ([1.5, -0.5], "not between 0 and 1"),
                                           ([0.5, 0.6], "fractions summing to 1.*adding up to 1.1"), ("ab", "counts or fractions")])
def test_bad_split_lengths_are_clear_errors(lengths, match):
    with pytest.raises(DataError, match=match):
        random_split(_data(10), lengths, seed=0)


def test_subset_items_and_a_loader_over_nested_subsets():
    data = _data(10)
    inner = Subset(data, [9, 7, 5, 3, 1])
    outer = Subset(inner, [4, 0, 2])
    assert len(outer) == 3 and outer[1][1] == 9
    x, y = next(iter(DataLoader(outer, batch_size=3)))
    np.testing.assert_array_equal(y.data, [1, 9, 5])
    np.testing.assert_array_equal(x.data, data.arrays[0][[1, 9, 5]])

    class Plain(Dataset):  # the slow path (one __getitem__ per example) must agree with the fast one
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return data[i]

    x2, y2 = next(iter(DataLoader(Subset(Subset(Plain(), [9, 7, 5, 3, 1]), [4, 0, 2]), batch_size=3)))
    np.testing.assert_array_equal(x2.data, x.data)
    np.testing.assert_array_equal(y2.data, y.data)


def test_dataloader_arguments_have_torchs_names_and_order():
    ours = list(inspect.signature(DataLoader.__init__).parameters)
    theirs = list(inspect.signature(torch.utils.data.DataLoader.__init__).parameters)
    positional = theirs[:theirs.index("generator") + 1]
    assert ours[:len(positional)] == positional
    assert set(theirs) <= set(ours) and "seed" in ours


def test_collate_fn_gets_the_list_of_examples_and_its_result_is_the_batch():
    seen = []

    def collate(examples):
        seen.append(len(examples))
        return {"n": len(examples), "labels": [int(e[1]) for e in examples]}

    batches = list(DataLoader(_data(5), batch_size=2, collate_fn=collate))
    assert seen == [2, 2, 1]
    assert batches[0] == {"n": 2, "labels": [0, 1]} and batches[2] == {"n": 1, "labels": [4]}


def test_a_sampler_decides_the_order():
    loader = DataLoader(_data(10), batch_size=4, sampler=[9, 8, 7, 0, 1])
    assert [b[1].data.tolist() for b in loader] == [[9, 8, 7, 0], [1]]
    assert len(loader) == 2
    sampler = SubsetRandomSampler([2, 4, 6, 8], generator=np.random.default_rng(0))
    order = [b[1].data.tolist() for b in DataLoader(_data(10), batch_size=2, sampler=sampler)]
    expected = [[2, 4, 6, 8][i] for i in np.random.default_rng(0).permutation(4)]
    assert [i for batch in order for i in batch] == expected


def test_a_batch_sampler_gives_whole_batches():
    loader = DataLoader(_data(10), batch_sampler=[[0, 1, 2], [5], [9, 3]])
    assert [b[1].data.tolist() for b in loader] == [[0, 1, 2], [5], [9, 3]]
    batches = list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=True))
    assert batches == [[0, 1, 2], [3, 4, 5]]
    assert batches == list(torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(7)), 3, True))


@pytest.mark.parametrize("kwargs,match", [
    ({"sampler": [0, 1], "shuffle": True}, "sampler= and shuffle=True"),
    ({"batch_sampler": [[0]], "batch_size": 4}, "batch_sampler="),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler="),
    ({"seed": 1, "generator": np.random.default_rng(1), "shuffle": True}, "not both"),
    ({"collate_fn": "stack"}, "collate_fn"),
    ({"num_workers": -1}, "num_workers"),
])
def test_conflicting_loader_arguments_are_refused(kwargs, match):
    with pytest.raises(DataError, match=match):
        DataLoader(_data(4), **kwargs)


def test_shuffle_with_a_seed_or_generator_follows_numpy():
    for loader in (DataLoader(_data(10), batch_size=10, shuffle=True, seed=5),
                   DataLoader(_data(10), batch_size=10, shuffle=True, generator=np.random.default_rng(5))):
        rng = np.random.default_rng(5)
        for _ in range(3):  # a new order each epoch, from the same generator
            assert next(iter(loader))[1].data.tolist() == rng.permutation(10).tolist()


def test_random_sampler_with_replacement_and_num_samples():
    sampler = RandomSampler(range(5), replacement=True, num_samples=12, generator=np.random.default_rng(2))
    assert list(sampler) == np.random.default_rng(2).integers(0, 5, size=12).tolist()
    assert len(sampler) == 12
    longer = list(RandomSampler(range(4), num_samples=10, generator=0))
    assert len(longer) == 10 and sorted(longer[:4]) == [0, 1, 2, 3] and sorted(longer[4:8]) == [0, 1, 2, 3]


def test_batch_size_none_yields_single_examples():
    items = list(DataLoader(_data(3), batch_size=None))
    assert len(items) == 3 and items[1][0].shape == (2,) and items[1][1].data == 1


def test_default_collate_keeps_the_structure_as_torch():
    examples = [{"x": np.array([1.0, 2.0]), "y": 3, "pair": (4, np.float64(5.5))},
                {"x": np.array([3.0, 4.0]), "y": 6, "pair": (7, np.float64(8.5))}]
    ours, theirs = default_collate(examples), torch.utils.data.default_collate(examples)
    assert set(ours) == set(theirs)
    np.testing.assert_array_equal(ours["x"].data, theirs["x"].numpy())
    np.testing.assert_array_equal(ours["y"].data, theirs["y"].numpy())
    assert ours["y"].dtype == np.int64 and theirs["y"].dtype == torch.int64
    for a, b in zip(ours["pair"], theirs["pair"]):
        np.testing.assert_array_equal(a.data, b.numpy())
    with pytest.raises(DataError, match=r"shapes \[\(1,\), \(2,\)\]"):
        default_collate([np.zeros(1), np.zeros(2)])
    with pytest.raises(DataError, match="cannot batch examples of type object"):
        default_collate([object(), object()])


@pytest.mark.parametrize("drop_last", [False, True])
def test_the_loaders_fast_batches_equal_the_batch_samplers_lists(drop_last):
    def batches():
        return BatchSampler(RandomSampler(range(10), generator=np.random.default_rng(1)), 3, drop_last)
    fast = [a.tolist() for a in batches().index_arrays()]
    assert fast == list(batches())
    assert len(fast) == (3 if drop_last else 4)


@st.composite
def _fractions(draw):
    weights = draw(st.lists(st.integers(1, 20), min_size=1, max_size=6))
    return [w / sum(weights) for w in weights]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 300), fractions=_fractions())
def test_random_split_lengths_equal_torch_for_any_fractions(n, fractions):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs = [len(s) for s in torch.utils.data.random_split(range(n), fractions)]
        except ValueError:
            with pytest.raises(DataError):
                random_split(_data(n) if n else TensorDataset(np.zeros((0, 1))), fractions, seed=0)
            return
        ours = [len(s) for s in random_split(_data(n) if n else TensorDataset(np.zeros((0, 1))), fractions, seed=0)]
    assert ours == theirs


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 50), batch_size=st.integers(1, 60), drop_last=st.booleans(), shuffle=st.booleans())
def test_loader_length_and_batch_sizes_equal_torch(n, batch_size, drop_last, shuffle):
    ours = DataLoader(_data(n), batch_size=batch_size,
                      drop_last=drop_last, shuffle=shuffle, seed=0)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(n)), batch_size=batch_size,
                                         drop_last=drop_last, shuffle=shuffle)
    assert len(ours) == len(theirs)
    assert [len(b[0]) for b in ours] == [len(b[0]) for b in theirs]
