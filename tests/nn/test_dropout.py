"""Dropout: identity in eval, masks and scaling in training, reproducible with manual_seed."""
import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.functional import dropout


def test_dropout_is_the_identity_in_eval_mode():
    x = dlkit.randn(10, 10, requires_grad=True)
    out = nn.Dropout(0.5).eval()(x)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, x.data)
    np.testing.assert_array_equal(x.grad, np.ones((10, 10)))


def test_dropout_zeros_about_p_of_the_entries_and_scales_the_rest():
    dlkit.manual_seed(0)
    out = nn.Dropout(0.3)(dlkit.ones(200, 200)).data
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / 0.7], rtol=1e-15)
    assert (out == 0).mean() == pytest.approx(0.3, abs=0.01)


def test_dropout_gradient_is_the_same_scaled_mask():
    dlkit.manual_seed(1)
    x = dlkit.Tensor(np.random.default_rng(0).uniform(1, 2, (5, 6)), requires_grad=True)
    out = dropout(x, 0.5, training=True)
    out.backward(np.full((5, 6), 3.0))
    mask = out.data / x.data          # 0 or 2 where kept
    np.testing.assert_allclose(x.grad, 3.0 * mask)
    assert set(np.round(np.unique(mask), 12)) == {0.0, 2.0}


def test_dropout_is_reproducible_with_manual_seed():
    dlkit.manual_seed(7)
    first = dropout(dlkit.ones(50), 0.5).data
    dlkit.manual_seed(7)
    np.testing.assert_array_equal(dropout(dlkit.ones(50), 0.5).data, first)


def test_dropout_edge_probabilities():
    x = dlkit.randn(4, 4)
    np.testing.assert_array_equal(dropout(x, 0.0).data, x.data)
    np.testing.assert_array_equal(dropout(x, 1.0).data, np.zeros((4, 4)))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_a_p_that_is_not_a_probability(p):
    with pytest.raises(dlkit.ArgumentError, match=r"Dropout: p \(a probability\) must lie in \[0.0, 1.0\]"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=r"dropout: p must lie in \[0.0, 1.0\]"):
        dropout(dlkit.randn(2), p)


def test_dropout_keeps_float32():
    assert dropout(dlkit.randn(3, 3).float(), 0.5).dtype == np.float32
