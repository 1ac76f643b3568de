"""Module and Parameter: registration, naming, modes, gradients, dtype and printing."""
import numpy as np
import pytest

import dlkit
from dlkit import nn


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 4)
        self.scale = nn.Parameter(np.ones(1))
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        return self.out(self.hidden(x).relu()) * self.scale


def test_parameters_are_listed_with_dotted_names_in_pytorchs_order():
    # PyTorch's order: a module's own parameters first, then each sub-module's, in assignment order.
    names = [name for name, _ in TwoLayer().named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert list(TwoLayer().state_dict()) == names


def test_sequential_names_its_layers_by_position_like_pytorch():
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert model.state_dict()["0.weight"].shape == (5, 3)


def test_parameters_of_linear_are_named_weight_and_bias():
    layer = nn.Linear(2, 3)
    assert (layer.weight.name, layer.bias.name) == ("weight", "bias")
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad


def test_children_and_modules_walk_the_tree():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    assert [type(m).__name__ for m in model.children()] == ["Linear", "Sequential"]
    assert [name for name, _ in model.named_modules()] == ["", "0", "1", "1.0", "1.1"]
    assert len(list(model.modules())) == 5


def test_a_shared_parameter_is_listed_once():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[1].weight = model[0].weight
    assert len(list(model.parameters())) == 3


def test_train_and_eval_switch_every_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(2)))
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_clears_every_parameter_gradient():
    model = TwoLayer()
    model(dlkit.randn(5, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_forward_ops_are_tagged_with_the_module_that_made_them():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    out = model(dlkit.randn(4, 2, requires_grad=True))
    assert out.scope is model[1]
    assert out.parents[0].scope is model[0]


def test_state_dict_returns_copies():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    state["weight"][...] = 123.0
    assert not np.any(layer.weight.data == 123.0)


def test_load_state_dict_round_trip_restores_values():
    a, b = TwoLayer(), TwoLayer()
    b.load_state_dict(a.state_dict())
    x = dlkit.randn(3, 2)
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_copies_in_place_and_keeps_the_dtype():
    layer = nn.Linear(2, 2).float()
    weight_array = layer.weight.data
    layer.load_state_dict({"weight": np.full((2, 2), 0.5), "bias": [1.0, 2.0]})
    assert layer.weight.data is weight_array and layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.bias.data, np.array([1.0, 2.0], dtype=np.float32))


def test_load_state_dict_names_missing_and_unexpected_keys():
    layer = nn.Linear(2, 2)
    with pytest.raises(KeyError) as info:
        layer.load_state_dict({"weight": np.zeros((2, 2)), "bias_typo": np.zeros(2)})
    message = str(info.value)
    assert "Missing keys" in message and "['bias']" in message
    assert "unexpected keys" in message and "['bias_typo']" in message


def test_load_state_dict_non_strict_reports_what_it_skipped():
    layer = nn.Linear(2, 2)
    result = layer.load_state_dict({"weight": np.ones((2, 2)), "extra": np.ones(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(layer.weight.data, np.ones((2, 2)))


def test_load_state_dict_names_the_key_and_both_shapes_on_a_shape_mismatch():
    layer = nn.Linear(2, 3)
    state = layer.state_dict()
    state["weight"] = np.zeros((2, 3))
    with pytest.raises(dlkit.ShapeError, match=r"weight: model \(3, 2\), state_dict \(2, 3\)"):
        layer.load_state_dict(state)


def test_to_float32_converts_parameters_and_buffers():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model.to(np.float32)
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model[1].running_mean.dtype == np.float32 and model[1].running_var.dtype == np.float32
    assert model[1].num_batches_tracked.dtype == np.int64     # integers stay integers
    assert model.state_dict()["1.running_var"].dtype == np.float32
    assert model(dlkit.randn(4, 2).float()).dtype == np.float32
    assert model.double()[0].weight.dtype == np.float64


def test_repr_matches_pytorch():
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8, 2, bias=False), nn.Softmax(dim=1))
    twin = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(8, 2, bias=False),
                               torch.nn.Softmax(dim=1))
    assert repr(model) == repr(twin)


def test_assigning_before_super_init_says_what_to_do():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"call super\(\)\.__init__\(\)"):
        Broken()


def test_assigning_a_plain_tensor_to_a_parameter_slot_is_an_error():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        layer.weight = dlkit.randn(2, 2)


def test_sequential_rejects_a_class_instead_of_an_instance():
    with pytest.raises(TypeError, match="forget the parentheses"):
        nn.Sequential(nn.ReLU)


def test_functional_is_reachable_from_nn():
    import dlkit.nn.functional as F
    assert F is dlkit.functional and nn.functional is dlkit.functional


def test_to_cpu_is_accepted_and_changes_nothing():
    layer = nn.Linear(2, 2)
    assert layer.to("cpu") is layer and layer.weight.dtype == np.float64


def test_to_an_integer_dtype_is_refused():
    with pytest.raises(TypeError, match="expected a float dtype"):
        nn.Linear(2, 2).to(np.int32)
