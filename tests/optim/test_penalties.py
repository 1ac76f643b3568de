"""L1 / L2 penalties: hand-computed values and gradients."""
import numpy as np
import pytest

import dlkit
from dlkit import optim


def test_l1_penalty_value_and_gradient():
    w = dlkit.Tensor([[1.0, -2.0], [0.5, 0.0]], requires_grad=True)
    b = dlkit.Tensor([-3.0], requires_grad=True)
    penalty = optim.l1_penalty([w, b])
    assert penalty.shape == ()
    assert penalty.item() == pytest.approx(6.5)
    penalty.backward()
    np.testing.assert_array_equal(w.grad, [[1.0, -1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(b.grad, [-1.0])


def test_l2_penalty_value_and_gradient():
    w = dlkit.Tensor([1.0, -2.0, 3.0], requires_grad=True)
    penalty = optim.l2_penalty([w])
    assert penalty.item() == pytest.approx(14.0)
    penalty.backward()
    np.testing.assert_array_equal(w.grad, [2.0, -4.0, 6.0])


def test_half_l2_penalty_equals_sgd_weight_decay():
    # loss + λ/2·Σw² with plain SGD moves weights exactly like SGD(weight_decay=λ).
    w1 = dlkit.Tensor([1.0, -2.0], requires_grad=True)
    w2 = dlkit.Tensor([1.0, -2.0], requires_grad=True)
    (0.1 / 2 * optim.l2_penalty([w1]) + w1.sum()).backward()
    optim.SGD([w1], lr=0.5).step()
    w2.sum().backward()
    optim.SGD([w2], lr=0.5, weight_decay=0.1).step()
    np.testing.assert_allclose(w1.data, w2.data)


def test_empty_parameters_are_refused():
    with pytest.raises(ValueError, match="no parameters"):
        optim.l1_penalty([])
