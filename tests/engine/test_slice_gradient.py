"""Basic slices send their gradient into the parent's buffer in place: same numbers as PyTorch.

The engine adds ``x[index]``'s gradient at ``index`` instead of building a full-size array per
slice; these tests check the cases where that could go wrong (overlapping slices, slices mixed with
ordinary gradients, hooks, ``.grad`` kept from an earlier backward, the stepper's reports).
"""
import numpy as np
import torch

from dlkit import Tensor


def both(values):
    return Tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


def test_every_row_taken_once_gives_the_upstream_gradients_like_torch():
    values = np.random.default_rng(0).standard_normal((5, 3, 4))
    x, tx = both(values)
    weights = np.arange(5 * 3 * 4, dtype=float).reshape(5, 3, 4)
    sum(((x[t] * weights[t]).sum() for t in range(5)), Tensor(0.0)).backward()
    sum((tx[t] * torch.from_numpy(weights[t])).sum() for t in range(5)).backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    np.testing.assert_array_equal(x.grad, weights)   # hand-computed: ∂Σ x·w / ∂x = w


def test_overlapping_slices_mixed_with_a_dense_gradient_and_a_second_backward():
    values = np.random.default_rng(1).standard_normal((6, 4))
    x, tx = both(values)
    for library in ("dlkit", "torch"):
        for _ in range(2):  # .grad accumulates over calls
            if library == "dlkit":
                h = x * 2.0
                loss = (h[1:4] ** 2).sum() + (h[2:6, 1:3] * 3.0).sum() + (h * h).sum() + h[0].sum()
                loss.backward()
            else:
                th = tx * 2.0
                loss = (th[1:4] ** 2).sum() + (th[2:6, 1:3] * 3.0).sum() + (th * th).sum() + th[0].sum()
                loss.backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


def test_grad_held_by_the_user_is_not_changed_by_a_later_backward():
    x = Tensor(np.zeros((3, 2)), requires_grad=True)
    x[0].sum().backward()
    kept = x.grad
    snapshot = kept.copy()
    x[1].sum().backward()
    np.testing.assert_array_equal(kept, snapshot)
    np.testing.assert_array_equal(x.grad, [[1, 1], [1, 1], [0, 0]])


def test_hook_sees_the_whole_gradient_of_a_sliced_tensor():
    x = Tensor(np.ones((4, 2)), requires_grad=True)
    h = x * 1.0
    seen = []
    h.register_hook(lambda g: seen.append(g.copy()))
    (h[0].sum() + 2.0 * h[3].sum()).backward()
    np.testing.assert_array_equal(seen[0], [[1, 1], [0, 0], [0, 0], [2, 2]])
    np.testing.assert_array_equal(x.grad, seen[0])


def test_backward_steps_report_full_size_gradients_for_slices():
    x = Tensor(np.ones((3, 2)), requires_grad=True)
    loss = x[1].sum()
    reported = [step.grads[0] for step in loss.backward_steps() if step.node.op == "getitem"]
    np.testing.assert_array_equal(reported[0], [[0, 0], [1, 1], [0, 0]])
    np.testing.assert_array_equal(x.grad, [[0, 0], [1, 1], [0, 0]])


def test_float32_slices_keep_float32_gradients():
    x = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    (x[0] * x[2]).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [[1, 1], [0, 0], [1, 1]])
