"""Initialisers: PyTorch's fan and gain formulas, the right scales, and seeded reproducibility."""
import math

import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.nn import init


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3, 3), (6, 2, 5)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.calculate_fan_in_and_fan_out(dlkit.zeros(shape)) == expected


@pytest.mark.parametrize("name, param", [("relu", None), ("tanh", None), ("leaky_relu", 0.2),
                                         ("leaky_relu", math.sqrt(5)), ("sigmoid", None),
                                         ("linear", None)])
def test_gains_match_torch(name, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


def _big(shape=(400, 300)):
    return nn.Parameter(np.zeros(shape))


def test_xavier_uniform_bound_and_spread():
    w = init.xavier_uniform_(_big(), gain=2.0)
    bound = 2.0 * math.sqrt(6 / (300 + 400))
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    assert w.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_xavier_normal_std():
    w = init.xavier_normal_(_big())
    assert w.data.std() == pytest.approx(math.sqrt(2 / 700), rel=0.02)
    assert abs(w.data.mean()) < 0.01


def test_kaiming_uniform_relu_bound():
    w = init.kaiming_uniform_(_big(), nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 300)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound


def test_kaiming_normal_fan_out_std():
    w = init.kaiming_normal_(_big(), mode="fan_out", nonlinearity="relu")
    assert w.data.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)


def test_uniform_normal_zeros_ones_fill_in_place():
    w = _big((100, 100))
    data = w.data
    assert init.uniform_(w, 2.0, 3.0) is w and w.data is data
    assert w.data.min() >= 2.0 and w.data.max() < 3.0
    init.normal_(w, 5.0, 0.1)
    assert w.data.mean() == pytest.approx(5.0, abs=0.01) and w.data.std() == pytest.approx(0.1, rel=0.05)
    np.testing.assert_array_equal(init.zeros_(w).data, 0.0)
    np.testing.assert_array_equal(init.ones_(w).data, 1.0)


def test_init_keeps_the_tensor_dtype():
    w = nn.Parameter(np.zeros((3, 4), dtype=np.float32))
    assert init.kaiming_uniform_(w).dtype == np.float32


def test_init_is_reproducible_with_manual_seed():
    dlkit.manual_seed(3)
    first = init.xavier_normal_(_big((5, 5))).data.copy()
    dlkit.manual_seed(3)
    np.testing.assert_array_equal(init.xavier_normal_(_big((5, 5))).data, first)


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(nn.Parameter(np.zeros(5)))
