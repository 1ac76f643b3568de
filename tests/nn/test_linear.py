"""Linear: against PyTorch float64, PyTorch's default initialisation, and clear shape errors."""
import math

import numpy as np
import pytest

import dlkit
from dlkit import nn


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_matches_torch_forward_and_gradients(torch_compare, shape, bias):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape)
    torch_compare(nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias), x)


def test_linear_weight_has_pytorchs_layout():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)


def test_default_init_is_uniform_within_one_over_sqrt_fan_in():
    dlkit.manual_seed(0)
    layer = nn.Linear(100, 200)
    bound = 1 / math.sqrt(100)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.95 * bound           # the whole range is used
    # U(−b, b) has standard deviation b / √3.
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def test_init_is_reproducible_with_manual_seed():
    dlkit.manual_seed(42)
    first = nn.Linear(3, 3).weight.data.copy()
    dlkit.manual_seed(42)
    np.testing.assert_array_equal(nn.Linear(3, 3).weight.data, first)
    assert not np.array_equal(nn.Linear(3, 3).weight.data, first)


def test_linear_names_itself_and_both_shapes_on_wrong_feature_count():
    layer = nn.Linear(4, 3)
    expected = ("Linear(in_features=4, out_features=3): expected input with last dimension 4, "
                "got shape (5, 7)")
    with pytest.raises(dlkit.ShapeError) as info:
        layer(dlkit.randn(5, 7))
    assert str(info.value) == expected


def test_linear_accepts_numpy_input():
    layer = nn.Linear(2, 1)
    out = layer(np.ones((3, 2)))
    np.testing.assert_allclose(out.data, np.full((3, 1), layer.weight.data.sum() + layer.bias.data[0]))


def test_linear_float32_stays_float32():
    layer = nn.Linear(3, 2).float()
    out = layer(dlkit.randn(4, 3).float())
    out.sum().backward()
    assert out.dtype == np.float32 and layer.weight.grad.dtype == np.float32


def test_linear_gradcheck():
    layer = nn.Linear(3, 2)
    x = dlkit.randn(4, 3, requires_grad=True)
    assert dlkit.gradcheck(lambda x, w, b: dlkit.functional.linear(x, w, b),
                           [x, layer.weight, layer.bias])
