"""Sequential(OrderedDict) and slicing that keeps names, ModuleList, ModuleDict, Module.apply /
named_modules / get_submodule, forward (pre-)hooks with removable handles, and nn.utils gradient
clipping — state_dict keys and numbers checked against PyTorch."""
from collections import OrderedDict

import numpy as np
import pytest

import dlkit
from dlkit import nn

torch = pytest.importorskip("torch")


def _pair(lib):
    return lib.Sequential(OrderedDict([("conv", lib.Conv2d(1, 2, 3)), ("act", lib.ReLU()),
                                       ("flat", lib.Flatten()), ("head", lib.Linear(8, 3))]))


def test_sequential_from_ordered_dict_uses_its_names_like_torch(torch_compare):
    model = _pair(nn)
    assert list(model.state_dict()) == list(_pair(torch.nn).state_dict())
    assert model.head is model[3] is model[-1]
    torch_compare(model, _pair(torch.nn), np.random.default_rng(0).standard_normal((2, 1, 4, 4)),
                  from_torch=True)


def test_sequential_slicing_keeps_the_names_like_torch():
    model, twin = _pair(nn), _pair(torch.nn)
    for index in (slice(1, 3), slice(None, None, 2), slice(-2, None)):
        assert [n for n, _ in model[index].named_children()] == [n for n, _ in twin[index].named_children()]
        assert isinstance(model[index], nn.Sequential)
    positional = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    assert list(positional[1:].state_dict()) == list(torch.nn.Sequential(
        torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))[1:].state_dict()) == ["2.weight", "2.bias"]


def test_sequential_append_insert_setitem_delitem():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    model.append(nn.Linear(3, 1))
    model.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "ReLU", "Linear"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    model[1] = nn.Sigmoid()
    del model[2]
    assert [type(m).__name__ for m in model] == ["Linear", "Sigmoid", "Linear"]
    assert model(dlkit.randn(4, 2)).shape == (4, 1)
    with pytest.raises(IndexError, match="index 5 is out of range for 3 modules"):
        model[5]


def test_module_list_registers_its_modules_like_torch():
    class Net(nn.Module):
        def __init__(self, lib_nn):
            super().__init__()
            self.layers = lib_nn.ModuleList([lib_nn.Linear(3, 3) for _ in range(2)])
            self.layers.append(lib_nn.Linear(3, 1))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList([torch.nn.Linear(3, 3) for _ in range(2)])
            self.layers.append(torch.nn.Linear(3, 1))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net(nn)
    assert list(net.state_dict()) == list(TorchNet().state_dict())
    twin = TorchNet().double()
    net.load_state_dict(twin.state_dict())
    x = np.random.default_rng(1).standard_normal((4, 3))
    np.testing.assert_allclose(net(dlkit.Tensor(x)).data, twin(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-12)
    layers = net.layers
    assert len(layers) == 3 and isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 2
    del layers[0]
    assert [n for n, _ in layers.named_children()] == ["0", "1"]     # renumbered, as torch
    layers.insert(0, nn.ReLU())
    layers += [nn.Tanh()]
    assert [type(m).__name__ for m in layers] == ["ReLU", "Linear", "Linear", "Tanh"]


def test_module_dict_registers_its_modules_like_torch():
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    twin = torch.nn.ModuleDict({"cls": torch.nn.Linear(4, 3), "box": torch.nn.Linear(4, 2)})
    assert list(heads.state_dict()) == list(twin.state_dict())
    assert "cls" in heads and list(heads) == ["cls", "box"] and len(heads) == 2
    heads["extra"] = nn.Identity()
    assert heads.pop("box") is not None and list(heads.keys()) == ["cls", "extra"]
    with pytest.raises(KeyError, match="ModuleDict has no module 'nope'"):
        heads["nope"]


def test_apply_named_modules_and_get_submodule_match_torch():
    model, twin = _pair(nn), _pair(torch.nn)
    assert [n for n, _ in model.named_modules()] == [n for n, _ in twin.named_modules()]
    assert [n for n, _ in model.named_modules(prefix="m")] == [n for n, _ in twin.named_modules(prefix="m")]
    assert model.get_submodule("head") is model.head and model.get_submodule("") is model
    nested = nn.Sequential(OrderedDict([("block", model)]))
    assert nested.get_submodule("block.conv") is model.conv
    with pytest.raises(AttributeError, match=r"get_submodule\('block.nope'\).*no submodule 'nope'") as info:
        nested.get_submodule("block.nope")
    assert isinstance(info.value, dlkit.DlkitError)
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Conv2d", "ReLU", "Flatten", "Linear", "Sequential"]     # children first, as torch


def test_forward_hooks_see_and_can_replace_outputs_and_handles_remove_them():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    seen = {}
    handles = [m.register_forward_hook(lambda m, args, out, i=i: seen.__setitem__(i, (args, out)))
               for i, m in enumerate(model)]
    x = dlkit.randn(4, 2)
    y = model(x)
    assert seen[0][0][0] is x and seen[2][1] is y and seen[1][1].shape == (4, 3)
    for handle in handles:
        handle.remove()
    seen.clear()
    model(x)
    assert seen == {}
    with model[2].register_forward_hook(lambda m, args, out: out * 0):
        assert np.all(model(x).data == 0)
    assert not np.all(model(x).data == 0)                 # the `with` block removed it


def test_forward_pre_hook_can_replace_the_input_and_order_follows_prepend():
    layer = nn.Identity()
    calls = []
    layer.register_forward_pre_hook(lambda m, args: calls.append("second"))
    layer.register_forward_pre_hook(lambda m, args: calls.append("first"), prepend=True)
    handle = layer.register_forward_pre_hook(lambda m, args: args[0] * 2)
    assert layer(dlkit.Tensor([1.0])).item() == 2.0
    assert calls == ["first", "second"]
    handle.remove()
    assert layer(dlkit.Tensor([1.0])).item() == 1.0
    with pytest.raises(dlkit.DataTypeError, match="a hook must be callable"):
        layer.register_forward_hook("not a function")


def _two_param_grads():
    w, b = dlkit.Tensor([3.0, -4.0, 1.0], requires_grad=True), dlkit.Tensor([[2.0, 0.5]], requires_grad=True)
    w.grad, b.grad = np.array([3.0, -4.0, 1.0]), np.array([[2.0, 0.5]])
    tw, tb = torch.tensor(w.data, requires_grad=True), torch.tensor(b.data, requires_grad=True)
    tw.grad, tb.grad = torch.from_numpy(w.grad.copy()), torch.from_numpy(b.grad.copy())
    return [w, b], [tw, tb]


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (2.0, 1.0), (0.5, float("inf")),
                                                 (1.0, 3.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    params, t_params = _two_param_grads()
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(t_params, max_norm, norm_type)
    assert isinstance(total, dlkit.Tensor)
    assert total.item() == pytest.approx(t_total.item(), rel=1e-12)
    for p, t in zip(params, t_params):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_by_hand_and_edge_cases():
    w = dlkit.Tensor([0.0, 0.0], requires_grad=True)
    w.grad = np.array([6.0, 8.0])
    assert nn.utils.clip_grad_norm_(w, 5.0).item() == 10.0        # a single tensor is accepted
    np.testing.assert_allclose(w.grad, [3.0, 4.0], rtol=1e-6)
    assert nn.utils.clip_grad_norm_([dlkit.Tensor([1.0], requires_grad=True)], 1.0).item() == 0.0
    w.grad = np.array([np.inf, 1.0])
    with pytest.raises(dlkit.ArgumentError, match="total norm of order 2.0 of the gradients is inf"):
        nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    params, t_params = _two_param_grads()
    assert nn.utils.clip_grad_value_(params, 1.5) is None
    torch.nn.utils.clip_grad_value_(t_params, 1.5)
    for p, t in zip(params, t_params):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())


def test_load_state_dict_refuses_complex_values():
    layer = nn.Linear(2, 1)
    state = layer.state_dict()
    state["weight"] = state["weight"] + 1j
    with pytest.raises(dlkit.DataTypeError, match=r"Linear.load_state_dict: weight holds complex values"):
        layer.load_state_dict(state)


def test_load_state_dict_refuses_values_that_overflow_the_models_dtype():
    layer = nn.Linear(2, 1).float()
    state = {k: v.astype(np.float64) for k, v in layer.state_dict().items()}
    state["bias"][0] = 1e300
    before = layer.bias.data.copy()
    with pytest.raises(dlkit.ArgumentError, match="bias holds values too large for the model's float32"):
        layer.load_state_dict(state)
    np.testing.assert_array_equal(layer.bias.data, before)    # nothing was half-loaded
    state["bias"][0] = np.inf                                  # an infinity stays an infinity: allowed
    layer.load_state_dict(state)
    assert layer.bias.data[0] == np.inf
