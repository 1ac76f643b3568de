"""In-place updates, the version counter, and copy-versus-share: each behaves as in PyTorch."""
import numpy as np
import pytest
import torch

import dlkit
from dlkit import DataTypeError, GradientError, ShapeError, Tensor


@pytest.mark.parametrize("op, value", [
    ("__iadd__", 2.0), ("__isub__", 2.0), ("__imul__", 3.0), ("__itruediv__", 4.0),
    ("add_", 2.0), ("sub_", 2.0), ("mul_", 3.0), ("div_", 4.0),
])
def test_in_place_arithmetic_changes_the_tensor_itself_like_torch(op, value):
    ours, theirs = Tensor([1.0, -2.0, 3.0]), torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    array = ours.data
    result = getattr(ours, op)(value)
    getattr(theirs, op)(value)
    assert result is ours and ours.data is array
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("call, torch_call", [
    (lambda t: t.zero_(), lambda t: t.zero_()),
    (lambda t: t.fill_(7.5), lambda t: t.fill_(7.5)),
    (lambda t: t.copy_(Tensor([[9.0, 8.0, 7.0]])), lambda t: t.copy_(torch.tensor([[9.0, 8.0, 7.0]]))),
    (lambda t: t.clamp_(-1.0, 2.0), lambda t: t.clamp_(-1.0, 2.0)),
    (lambda t: t.clamp_(min=0.0), lambda t: t.clamp_(min=0.0)),
])
def test_in_place_methods_change_the_tensor_itself_like_torch(call, torch_call):
    values = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -6.0]])
    ours, theirs = Tensor(values), torch.tensor(values)
    array = ours.data
    assert call(ours) is ours and ours.data is array
    torch_call(theirs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_a_manual_sgd_step_inside_no_grad_changes_the_weight():
    w = Tensor([1.0, -1.0], requires_grad=True)
    before = w
    loss = (w * w).sum()
    loss.backward()
    with dlkit.no_grad():
        w -= 0.1 * w.grad
    assert w is before and w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.data, [0.8, -0.8])


def test_in_place_on_a_leaf_that_requires_grad_outside_no_grad_is_an_error_like_torch():
    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        torch.tensor([1.0], requires_grad=True).add_(1)
    with pytest.raises(GradientError, match=r"add_: cannot change a leaf tensor that requires grad .*no_grad"):
        w.add_(1.0)
    with pytest.raises(GradientError, match=r"setitem: cannot change a leaf"):
        w[0] = 2.0
    np.testing.assert_array_equal(w.data, [1.0])


def test_augmented_assignment_on_a_graph_tensor_keeps_the_graph_right_like_torch():
    x, tx = Tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    y, ty = x * 3, tx * 3
    y += x * x  # dlkit: a new tensor (the name is rebound); torch: recorded in place
    ty += tx * tx
    y *= 2.0
    ty *= 2.0
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    total, torch_total = dlkit.zeros(2), torch.zeros(2, dtype=torch.float64)
    w, tw = Tensor([1.0, -1.0], requires_grad=True), torch.tensor([1.0, -1.0], requires_grad=True)
    total += w * 5
    torch_total += tw * 5
    total.sum().backward()
    torch_total.sum().backward()
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())


def test_an_in_place_method_on_a_graph_tensor_is_an_error_while_recording():
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(GradientError, match=r"add_: cannot change a tensor that is part of a graph "
                                            r"\(made by mul\) in place"):
        y.add_(1.0)
    with pytest.raises(GradientError, match=r"add_: the other operand requires grad"):
        dlkit.zeros(1).add_(y)


def test_changing_a_tensor_saved_for_backward_makes_backward_name_the_op_like_torch():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    y = (x * c).sum()
    c.mul_(2.0)  # the product saved c for its gradient: ∂(x·c)/∂x = c
    tx, tc = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0])
    ty = (tx * tc).sum()
    tc.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()
    with pytest.raises(GradientError, match=r"backward: an input of shape \(2,\) of the op 'mul' was "
                                            r"modified by an in-place operation"):
        y.backward()


def test_changing_a_view_of_a_saved_tensor_is_caught_too():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([[3.0, 4.0]])
    y = (x * c[0]).sum()
    c.reshape(2)[1] = 0.0  # another view of c's memory
    with pytest.raises(GradientError, match="modified by an in-place operation"):
        y.backward()


def test_updating_weights_after_backward_and_building_a_new_graph_is_fine():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        w.grad = None
        (w * w).sum().backward()
        with dlkit.no_grad():
            w.sub_(0.25 * w.grad)
    np.testing.assert_allclose(w.data, np.array([1.0, 2.0]) * 0.5 ** 3)


def test_editing_data_directly_is_allowed_and_bypasses_the_checks():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.data[0] = 10.0  # documented: .data bypasses the version counter, as in PyTorch
    y.backward()
    np.testing.assert_array_equal(w.grad, [20.0, 4.0])


def test_in_place_with_a_shape_that_does_not_broadcast_names_both_shapes():
    with pytest.raises(ShapeError, match=r"add_: the other operand of shape \(3,\) does not broadcast to this "
                                         r"tensor's shape \(2,\)"):
        Tensor([1.0, 2.0]).add_(np.ones(3))


def test_in_place_float_into_an_integer_tensor_is_a_dtype_error_like_torch():
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).add_(0.5)
    with pytest.raises(DataTypeError, match=r"add_: the result cannot be stored in this tensor's dtype int64"):
        Tensor([1, 2]).add_(0.5)


def test_in_place_keeps_a_float32_tensor_float32():
    x = Tensor(np.ones(2, dtype=np.float32))
    x += np.float64(0.5)
    x *= Tensor([2.0, 4.0])
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x.data, [3.0, 6.0])


def test_tensor_and_dlkit_tensor_copy_an_array_and_from_numpy_shares_it_like_torch():
    array = np.array([1.0, 2.0])
    copied, also_copied, shared = Tensor(array), dlkit.tensor(array), dlkit.from_numpy(array)
    array[0] = 5.0
    assert copied.data[0] == also_copied.data[0] == torch.tensor(np.array([1.0]))[0].item() == 1.0
    assert shared.data[0] == torch.from_numpy(array)[0].item() == 5.0
    shared.data[1] = -1.0
    assert array[1] == -1.0


def test_np_array_of_a_tensor_copies_and_np_asarray_shares():
    t = Tensor([1.0, 2.0])
    np.array(t)[0] = 9.0
    np.asarray(t)[1] = 7.0
    np.testing.assert_array_equal(t.data, [1.0, 7.0])


def test_from_numpy_refuses_what_is_not_a_numpy_array():
    with pytest.raises(DataTypeError, match="from_numpy: expected a numpy array, got list"):
        dlkit.from_numpy([1.0, 2.0])


def test_an_optimizer_step_never_writes_into_the_users_array():
    weights = np.array([[1.0, 2.0]])
    layer = dlkit.nn.Linear(2, 1)
    layer.weight = dlkit.nn.Parameter(weights)
    optimizer = dlkit.optim.SGD(layer.parameters(), lr=0.5)
    layer(Tensor([[1.0, 1.0]])).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(weights, [[1.0, 2.0]])
    assert not np.array_equal(layer.weight.data, weights)


def test_setitem_assigns_like_torch_when_no_gradient_is_recorded():
    values = np.arange(12.0).reshape(3, 4)
    ours, theirs = Tensor(values), torch.tensor(values)
    for index, value in [((0, 1), -1.0), ((slice(None), 2), 7.0), ((1, slice(None), ), np.arange(4.0)),
                         ((np.array([0, 2]), 3), 9.0), ((2, [0, 1]), 5.0)]:
        ours[index] = value
        theirs[index] = torch.as_tensor(value) if isinstance(value, np.ndarray) else value
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    w = Tensor([1.0, 2.0], requires_grad=True)
    with dlkit.no_grad():
        w[0] = 0.0
    np.testing.assert_array_equal(w.data, [0.0, 2.0])


def test_a_view_changed_in_place_changes_its_base_like_torch():
    ours, theirs = Tensor(np.zeros((2, 3))), torch.zeros(2, 3, dtype=torch.float64)
    ours[0].fill_(1.0)
    theirs[0].fill_(1.0)
    ours.T[2].add_(5.0)
    theirs.T[2].add_(5.0)
    ours.reshape(6)[1:3].mul_(3.0)
    theirs.reshape(6)[1:3].mul_(3.0)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
