"""Flatten, Reshape, Identity, and Dropout in eval mode: against PyTorch float64."""
import numpy as np
import pytest

import dlkit
from dlkit import nn


@pytest.mark.parametrize("start, end", [(1, -1), (0, -1), (1, 2), (2, 3)])
def test_flatten_matches_torch(torch_compare, start, end):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    torch_compare(nn.Flatten(start, end), torch.nn.Flatten(start, end), x)


def test_reshape_matches_torch_unflatten(torch_compare):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 12))
    torch_compare(nn.Reshape(3, 2, 2), torch.nn.Unflatten(1, (3, 2, 2)), x)
    assert nn.Reshape((1, 28, 28))(dlkit.randn(2, 784)).shape == (2, 1, 28, 28)


def test_identity_and_eval_dropout_match_torch(torch_compare):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4))
    torch_compare(nn.Identity(), torch.nn.Identity(), x)
    torch_compare(nn.Dropout(0.3).eval(), torch.nn.Dropout(0.3), x)


def test_reshape_to_a_wrong_size_names_the_shapes():
    with pytest.raises(dlkit.ShapeError, match=r"cannot reshape a tensor of shape \(2, 10\)"):
        nn.Reshape(3, 3)(dlkit.randn(2, 10))


def test_apply_visits_every_module_children_first():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]
