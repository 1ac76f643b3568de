"""Making tensors: tensor, zeros, ones, *_like, randn, rand, arange — shapes, values, seeding."""
import numpy as np
import pytest

import dlkit
from dlkit import Tensor


@pytest.mark.parametrize("make, value", [(dlkit.zeros, 0.0), (dlkit.ones, 1.0)])
def test_zeros_and_ones_take_sizes_or_a_shape_tuple(make, value):
    for t in [make(2, 3), make((2, 3)), make([2, 3])]:
        assert isinstance(t, Tensor)
        assert t.shape == (2, 3)
        np.testing.assert_array_equal(t.data, np.full((2, 3), value))
        assert not t.requires_grad


def test_creation_passes_requires_grad_name_and_dtype_through():
    t = dlkit.zeros(3, requires_grad=True, name="bias", dtype=np.float32)
    assert t.requires_grad and t.name == "bias" and t.dtype == np.float32 and t.is_leaf


def test_tensor_is_the_constructor_spelled_like_torch():
    t = dlkit.tensor([1.0, 2.0], requires_grad=True, name="w")
    assert isinstance(t, Tensor) and t.requires_grad and t.name == "w"
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


@pytest.mark.parametrize("make, value", [(dlkit.zeros_like, 0.0), (dlkit.ones_like, 1.0)])
def test_like_functions_copy_the_shape_of_a_tensor_or_an_array(make, value):
    for source in [Tensor(np.empty((2, 4))), np.empty((2, 4))]:
        t = make(source)
        assert t.shape == (2, 4)
        np.testing.assert_array_equal(t.data, np.full((2, 4), value))


def test_manual_seed_makes_randn_repeatable():
    dlkit.manual_seed(123)
    first = dlkit.randn(2, 3).data
    dlkit.manual_seed(123)
    second = dlkit.randn(2, 3).data
    np.testing.assert_array_equal(first, second)
    assert first.shape == (2, 3)


def test_randn_draws_from_numpy_default_rng_of_the_seed():
    dlkit.manual_seed(5)
    np.testing.assert_array_equal(dlkit.randn(4).data, np.random.default_rng(5).standard_normal(4))


def test_randn_is_standard_normal():
    dlkit.manual_seed(0)
    sample = dlkit.randn(20_000).data
    assert abs(sample.mean()) < 0.03
    assert abs(sample.std() - 1) < 0.03


def test_rand_is_uniform_on_zero_one():
    dlkit.manual_seed(0)
    sample = dlkit.rand(10_000).data
    assert sample.min() >= 0 and sample.max() < 1
    assert abs(sample.mean() - 0.5) < 0.02


def test_consecutive_draws_differ():
    dlkit.manual_seed(0)
    assert not np.array_equal(dlkit.randn(5).data, dlkit.randn(5).data)


def test_random_tensors_can_require_grad():
    t = dlkit.randn(3, requires_grad=True, name="w")
    assert t.requires_grad and t.name == "w"
    (t * t).sum().backward()
    np.testing.assert_allclose(t.grad, 2 * t.data)


def test_arange_gives_int64_for_integers_and_floats_otherwise_like_torch():
    import torch
    for args in [(4,), (1, 7, 2), (1.0, 2, 0.25), (0, 1, 0.25)]:
        expected = torch.arange(*args).numpy()
        got = dlkit.arange(*args).data
        np.testing.assert_array_equal(got, expected)
        assert (got.dtype == np.int64) == (expected.dtype == np.int64)
    logp = Tensor(np.log(np.full((3, 4), 0.25)), requires_grad=True)
    picked = logp[dlkit.arange(3), Tensor(np.array([0, 3, 1]))]  # the NLL idiom
    np.testing.assert_array_equal(picked.data, np.log([0.25] * 3))
