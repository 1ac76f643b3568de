"""DataLoader: batch sizes, drop_last, seeded shuffling, every sample once per epoch, dtypes."""
import numpy as np
import pytest

import dlkit
from dlkit.data import DataError, DataLoader, Dataset, TensorDataset
from dlkit.errors import ShapeError


def _data(n=10):
    return np.arange(n * 2, dtype=np.float64).reshape(n, 2), np.arange(n)


def test_batches_have_the_requested_sizes_and_the_last_is_smaller():
    loader = DataLoader(TensorDataset(*_data(10)), batch_size=4)
    sizes = [len(x) for x, _ in loader]
    assert sizes == [4, 4, 2]
    assert len(loader) == 3


def test_drop_last_skips_the_short_batch():
    loader = DataLoader(TensorDataset(*_data(10)), batch_size=4, drop_last=True)
    assert [len(x) for x, _ in loader] == [4, 4]
    assert len(loader) == 2


def test_batches_are_tuples_of_tensors_and_labels_stay_int64():
    X, y = _data(6)
    x_batch, y_batch = next(iter(DataLoader(TensorDataset(X.astype(np.float32), y.astype(np.int32)),
                                            batch_size=3)))
    assert isinstance(x_batch, dlkit.Tensor) and isinstance(y_batch, dlkit.Tensor)
    assert x_batch.dtype == np.float32
    assert y_batch.dtype == np.int64
    np.testing.assert_array_equal(y_batch.data, [0, 1, 2])
    np.testing.assert_array_equal(x_batch.data, X[:3])


def test_without_shuffle_the_order_is_the_dataset_order():
    X, y = _data(7)
    labels = np.concatenate([yb.data for _, yb in DataLoader((X, y), batch_size=3)])
    np.testing.assert_array_equal(labels, np.arange(7))


def _epoch_order(loader):
    return np.concatenate([yb.data for _, yb in loader])


def test_every_sample_appears_exactly_once_per_shuffled_epoch():
    loader = DataLoader(TensorDataset(*_data(23)), batch_size=5, shuffle=True, seed=1)
    for _ in range(3):
        order = _epoch_order(loader)
        assert sorted(order.tolist()) == list(range(23))
        # features travel with their labels
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.data[:, 0], 2 * yb.data)


def test_same_seed_gives_the_same_order_and_different_seeds_differ():
    a = DataLoader(TensorDataset(*_data(50)), batch_size=8, shuffle=True, seed=7)
    b = DataLoader(TensorDataset(*_data(50)), batch_size=8, shuffle=True, seed=7)
    c = DataLoader(TensorDataset(*_data(50)), batch_size=8, shuffle=True, seed=8)
    first_a, first_b, first_c = _epoch_order(a), _epoch_order(b), _epoch_order(c)
    np.testing.assert_array_equal(first_a, first_b)
    assert not np.array_equal(first_a, first_c)
    assert not np.array_equal(first_a, np.arange(50))
    # the next epoch is a new order, again the same for the same seed
    second_a, second_b = _epoch_order(a), _epoch_order(b)
    np.testing.assert_array_equal(second_a, second_b)
    assert not np.array_equal(first_a, second_a)


def test_without_a_seed_dlkit_manual_seed_makes_shuffling_repeatable():
    dlkit.manual_seed(3)
    first = _epoch_order(DataLoader(TensorDataset(*_data(30)), batch_size=4, shuffle=True))
    dlkit.manual_seed(3)
    second = _epoch_order(DataLoader(TensorDataset(*_data(30)), batch_size=4, shuffle=True))
    np.testing.assert_array_equal(first, second)


def test_a_custom_dataset_is_collated_by_stacking():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float64), i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert [len(x) for x, _ in batches] == [2, 2, 1]
    np.testing.assert_array_equal(batches[1][0].data, [[2, 4], [3, 9]])
    assert batches[1][1].dtype == np.int64


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size_is_a_clear_error(batch_size):
    with pytest.raises(DataError, match="batch_size must be a positive integer"):
        DataLoader(TensorDataset(*_data(4)), batch_size=batch_size)


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ShapeError, match=r"same number of rows.*\(4, 2\).*\(3,\)"):
        TensorDataset(np.zeros((4, 2)), np.zeros(3))


def test_something_that_is_not_a_dataset_is_refused():
    with pytest.raises(DataError, match="expected a Dataset"):
        DataLoader(42)
