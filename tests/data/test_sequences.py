"""Synthetic sequence tasks: shapes, dtypes, seeds, and answers checked by hand-written rules."""
import doctest

import numpy as np
import pytest

from dlkit.data import (
    DataLoader,
    TensorDataset,
    make_addition_task,
    make_copy_task,
    make_parity_task,
    make_reverse_task,
    make_sine_task,
    make_sort_task,
)

TOKEN_TASKS = {make_copy_task: lambda s: s, make_reverse_task: lambda s: s[::-1],
               make_sort_task: sorted}


@pytest.mark.parametrize("make, answer", TOKEN_TASKS.items())
def test_token_task_reads_the_sequence_then_predicts_the_answer(make, answer):
    x, y = make(50, length=5, vocab_size=7, seed=3)
    assert x.shape == y.shape == (50, 9) and x.dtype == y.dtype == np.int64
    for row_x, row_y in zip(x, y):
        sequence = list(row_x[:5])
        expected = list(answer(sequence))
        assert list(row_y[:4]) == [-100] * 4                 # no target while reading
        assert list(row_y[4:]) == expected                   # then the whole answer
        assert list(row_x[5:]) == expected[:-1]              # fed back one step later
        assert all(0 <= t < 7 for t in sequence)


@pytest.mark.parametrize("make", TOKEN_TASKS)
def test_same_seed_same_data_other_seed_other_data(make):
    a, b, c = make(20, seed=1), make(20, seed=1), make(20, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_addition_digits_add_up_with_carries():
    x, y = make_addition_task(200, digits=3, seed=0)
    assert x.shape == (200, 4, 2) and y.shape == (200, 4)
    assert x.dtype == np.float64 and y.dtype == np.int64
    powers = 10 ** np.arange(4)
    a, b = (x[:, :, 0] * powers).sum(1), (x[:, :, 1] * powers).sum(1)
    np.testing.assert_array_equal(a + b, (y * powers).sum(1))
    assert (x[:, -1] == 0).all() and (y[:, -1] == 1).any()   # the final step holds the carry


def test_addition_in_binary():
    x, y = make_addition_task(100, digits=6, base=2, seed=5)
    powers = 2 ** np.arange(7)
    np.testing.assert_array_equal((x[..., 0] * powers).sum(1) + (x[..., 1] * powers).sum(1),
                                  (y * powers).sum(1))


def test_parity_counts_ones():
    x, y = make_parity_task(100, length=7, seed=0)
    assert x.shape == (100, 7, 1) and y.shape == (100,)
    np.testing.assert_array_equal(y, x[..., 0].sum(1) % 2)
    _, running = make_parity_task(100, length=7, running=True, seed=0)
    np.testing.assert_array_equal(running[:, -1], y)
    np.testing.assert_array_equal(running[:, 2], x[:, :3, 0].sum(1) % 2)


def test_sine_targets_continue_the_inputs():
    x, y = make_sine_task(300, length=12, horizon=3, noise=0.0, seed=0)
    assert x.shape == (300, 12, 1) and y.shape == (300, 3)
    assert np.abs(x).max() <= 1 and np.abs(y).max() <= 1
    # a noiseless sine obeys s[t+1] = 2 cos(ω) s[t] − s[t−1]; fit cos(ω) per sample and extrapolate
    s = np.concatenate([x[..., 0], y], axis=1)
    two_cos = (s[:, 2:] + s[:, :-2]) / np.where(np.abs(s[:, 1:-1]) > 1e-3, s[:, 1:-1], np.nan)
    np.testing.assert_allclose(np.nanmax(two_cos, 1), np.nanmin(two_cos, 1), atol=1e-6)
    noisy_x, _ = make_sine_task(300, length=12, horizon=3, noise=0.1, seed=0)
    assert 0.08 < np.std(noisy_x - x) < 0.12


def test_arrays_go_straight_into_a_dataloader():
    x, y = make_sort_task(10, length=4, seed=0)
    batch_x, batch_y = next(iter(DataLoader(TensorDataset(x, y), batch_size=4)))
    assert batch_x.shape == (4, 7) and batch_y.shape == (4, 7)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="vocab_size=1"):
        make_copy_task(5, vocab_size=1)


def test_docstring_examples():
    import dlkit.data.sequences
    result = doctest.testmod(dlkit.data.sequences, extraglobs={"dlkit": dlkit, "np": np})
    assert result.attempted > 0 and result.failed == 0
