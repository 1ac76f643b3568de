"""The Tensor object itself: properties, conversions to numpy and Python, repr, names, scope."""
import numpy as np
import pytest

from dlkit import Tensor
from dlkit.tensor import scope


def test_properties_describe_the_underlying_array():
    t = Tensor(np.zeros((2, 3, 4)))
    assert t.shape == (2, 3, 4)
    assert t.ndim == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.numel() == 24
    assert t.dtype == np.float64
    assert len(t) == 2


def test_a_new_tensor_has_no_gradient_and_no_graph():
    t = Tensor([1.0], requires_grad=True, name="w")
    assert t.grad is None and t.name == "w" and t.is_leaf
    assert t.op == "" and t.parents == () and t.rule == ""


def test_op_results_remember_their_op_inputs_and_rule():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(3.0, requires_grad=True)
    c = a * b
    assert c.op == "mul" and c.parents == (a, b) and "∂" in c.rule and not c.is_leaf


def test_item_float_and_int_give_python_numbers():
    t = Tensor([[2.5]])
    assert t.item() == 2.5 and isinstance(t.item(), float)
    assert float(t) == 2.5
    assert int(Tensor(3.0)) == 3


def test_numpy_returns_the_shared_array():
    t = Tensor([1.0, 2.0])
    t.numpy()[0] = 5.0
    assert t.data[0] == 5.0


def test_numpy_functions_can_read_a_tensor():
    t = Tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0, 3.0])
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


def test_truth_value_of_a_one_element_tensor():
    assert Tensor(1.0)
    assert not Tensor(0.0)
    with pytest.raises(ValueError):
        bool(Tensor([1.0, 2.0]))


def test_requires_grad_switches_tracking_on_in_place():
    t = Tensor([1.0])
    assert t.requires_grad_() is t and t.requires_grad
    (t * 2).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0])


def test_repr_shows_values_name_op_and_non_default_dtype():
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(Tensor(1.0, requires_grad=True, name="w")) == "Tensor(1., name='w', requires_grad=True)"
    assert "op='add'" in repr(Tensor(1.0, requires_grad=True) + 1)
    assert "dtype=float32" in repr(Tensor(np.ones(2, dtype=np.float32)))


def test_tensors_are_hashed_by_identity_so_they_can_key_dicts():
    a, b = Tensor([1.0]), Tensor([1.0])
    seen = {a: "a", b: "b"}
    assert seen[a] == "a" and seen[b] == "b"


def test_scope_tags_the_ops_made_inside_it():
    # nn.Module runs forward inside scope(module), so graph drawings can group nodes by layer.
    owner = object()
    x = Tensor(1.0, requires_grad=True)
    with scope(owner):
        inside = x * 2
    outside = x * 2
    assert inside.scope is owner
    assert outside.scope is None
