"""Embedding: lookups and gradients against PyTorch, the padding row, and clear errors."""
import numpy as np
import pytest
from seq_oracle import check_against_torch

import dlkit
from dlkit import nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
def test_embedding_matches_torch_forward_and_weight_gradient(dtype, padding_idx):
    dlkit.manual_seed(0)
    layer = nn.Embedding(7, 4, padding_idx=padding_idx)
    ids = np.array([[0, 3, 3, 6], [1, 6, 0, 2]])       # repeated ids add their gradients
    check_against_torch(layer, torch.nn.Embedding(7, 4, padding_idx=padding_idx), [ids], dtype)


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    layer = nn.Embedding(5, 3, padding_idx=2)
    np.testing.assert_array_equal(layer.weight.data[2], 0)
    layer(np.array([2, 2, 1])).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad[2], 0)
    np.testing.assert_array_equal(layer.weight.grad[1], 1)


def test_torch_state_dict_loads_into_embedding():
    twin = torch.nn.Embedding(6, 2)
    layer = nn.Embedding(6, 2)
    layer.load_state_dict(twin.state_dict())
    ids = np.array([5, 0, 2])
    np.testing.assert_allclose(layer(ids).data, twin(torch.from_numpy(ids)).detach().numpy(), rtol=1e-7)


def test_embedding_init_is_standard_normal_like_torch():
    dlkit.manual_seed(1)
    weight = nn.Embedding(2000, 50).weight.data
    assert abs(weight.mean()) < 0.01 and abs(weight.std() - 1) < 0.01


def test_from_pretrained_copies_and_freezes():
    table = np.arange(6.0).reshape(3, 2)
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad
    np.testing.assert_array_equal(layer(np.array([2, 0])).data, [[4, 5], [0, 1]])
    table[0, 0] = 99
    assert layer.weight.data[0, 0] == 0


def test_out_of_range_index_names_the_layer_and_the_range():
    layer = nn.Embedding(4, 2)
    with pytest.raises(dlkit.DlkitError, match=r"Embedding\(4, 2\).*index 4.*0 <= index < 4"):
        layer(np.array([1, 4]))
    with pytest.raises(dlkit.ShapeError, match="index -1"):
        layer(np.array([-1]))


def test_float_indices_are_refused_with_a_hint():
    with pytest.raises(dlkit.DataTypeError, match=r"Embedding\(4, 2\).*integer indices.*float64"):
        nn.Embedding(4, 2)(np.array([1.0, 2.0]))


def test_bad_padding_idx_is_refused():
    with pytest.raises(ValueError, match="padding_idx=5"):
        nn.Embedding(4, 2, padding_idx=5)


def test_unsupported_torch_options_are_refused_not_ignored():
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(4, 2, max_norm=1.0)
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(4, 2, sparse=True)


def test_initial_weight_can_be_given_as_in_torch():
    table = np.arange(8.0).reshape(4, 2)
    layer = nn.Embedding(4, 2, padding_idx=0, _weight=table)
    np.testing.assert_array_equal(layer.weight.data, table)   # torch keeps a given padding row too
    assert layer.weight.requires_grad
