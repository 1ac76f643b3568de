"""Losses: against PyTorch float64 for every reduction, central differences, label validation, and
regression tests for the reference libraries' NaN cross-entropy and infinite BCE."""
import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.functional import binary_cross_entropy, cross_entropy, nll_loss

REDUCTIONS = ["mean", "sum", "none"]


def _compare_loss(dl_loss, torch_loss, input, target, target_requires_grad=False):
    """Forward and gradients (input, and target if asked) of a loss, dlkit vs torch."""
    torch = pytest.importorskip("torch")
    dl_in = dlkit.Tensor(input, requires_grad=True)
    t_in = torch.tensor(input, requires_grad=True)
    if target_requires_grad:
        dl_t, t_t = dlkit.Tensor(target, requires_grad=True), torch.tensor(target, requires_grad=True)
    else:
        dl_t, t_t = target, torch.as_tensor(target)
    dl_out, t_out = dl_loss(dl_in, dl_t), torch_loss(t_in, t_t)
    np.testing.assert_allclose(dl_out.data, t_out.detach().numpy(), rtol=1e-9, atol=1e-12)
    upstream = np.random.default_rng(0).standard_normal(t_out.shape)
    dl_out.backward(upstream)
    t_out.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(dl_in.grad, t_in.grad.numpy(), rtol=1e-9, atol=1e-12)
    if target_requires_grad:
        np.testing.assert_allclose(dl_t.grad, t_t.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((6, 4)) * 3, rng.integers(0, 4, 6)
    _compare_loss(nn.CrossEntropyLoss(reduction=reduction),
                  torch.nn.CrossEntropyLoss(reduction=reduction), logits, labels)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    log_probs, labels = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    _compare_loss(nn.NLLLoss(reduction=reduction), torch.nn.NLLLoss(reduction=reduction),
                  log_probs, labels)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "BCEWithLogitsLoss"])
def test_regression_and_logit_losses_match_torch(name, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((4, 3)) * 2, rng.uniform(0, 1, (4, 3))
    _compare_loss(getattr(nn, name)(reduction=reduction),
                  getattr(torch.nn, name)(reduction=reduction), x, t, target_requires_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    p, t = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    _compare_loss(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), p, t,
                  target_requires_grad=True)


def test_cross_entropy_by_hand():
    loss = cross_entropy(dlkit.Tensor([[2.0, 0.0, 0.0]]), [0])
    assert loss.item() == pytest.approx(-np.log(np.exp(2) / (np.exp(2) + 2)), rel=1e-14)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z = np.array([[1.0, 2.0, 3.0]])
    logits = dlkit.Tensor(z, requires_grad=True)
    cross_entropy(logits, [1]).backward()
    np.testing.assert_allclose(logits.grad, np.exp(z) / np.exp(z).sum() - [0, 1, 0], rtol=1e-14)


@pytest.mark.parametrize("fn", [cross_entropy,
                                lambda z, y: nll_loss(dlkit.functional.log_softmax(z), y)])
def test_class_losses_gradcheck(fn):
    logits = dlkit.randn(4, 3, requires_grad=True)
    assert dlkit.gradcheck(lambda z: fn(z, np.array([0, 2, 1, 2])), [logits])


@pytest.mark.parametrize("labels", [np.array([2, 0]), [2, 0], dlkit.Tensor(np.array([2, 0]))])
def test_cross_entropy_accepts_labels_as_array_list_or_tensor(labels):
    logits = dlkit.Tensor([[0.0, 1.0, 2.0], [3.0, 1.0, 0.0]])
    expected = cross_entropy(logits, np.array([2, 0])).item()
    assert nn.CrossEntropyLoss()(logits, labels).item() == expected


def test_regression_cross_entropy_is_finite_for_huge_logits():
    """A reference library computed log(softmax) naively and returned NaN for logits ~1e4."""
    torch = pytest.importorskip("torch")
    z = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4 - 1], [-1e4, -1e4, 5e3]])
    labels = np.array([2, 1, 0])
    logits = dlkit.Tensor(z, requires_grad=True)
    loss = cross_entropy(logits, labels)
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(logits.grad))
    t_z = torch.tensor(z, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(t_z, torch.tensor(labels))
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(logits.grad, t_z.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_regression_bce_is_finite_at_probabilities_zero_and_one():
    """A reference library returned inf / NaN when p hit exactly 0 or 1; PyTorch clamps log at −100."""
    torch = pytest.importorskip("torch")
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    probs = dlkit.Tensor(p, requires_grad=True)
    loss = binary_cross_entropy(probs, t, reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 100.0, 100.0, np.log(2)], rtol=1e-12)
    assert np.all(np.isfinite(probs.grad))
    t_probs = torch.tensor(p, requires_grad=True)
    t_loss = torch.nn.functional.binary_cross_entropy(t_probs, torch.tensor(t), reduction="none")
    t_loss.sum().backward()
    np.testing.assert_allclose(loss.data, t_loss.detach().numpy(), rtol=1e-12)
    # where p(1 − p) = 0 both divide by the guard 1e-12 (torch's constant is rounded, hence 1e-8)
    np.testing.assert_allclose(probs.grad, t_probs.grad.numpy(), rtol=1e-8)


def test_bce_with_logits_is_stable_for_huge_logits():
    z = dlkit.Tensor([1e4, -1e4, 1e4], requires_grad=True)
    loss = nn.BCEWithLogitsLoss(reduction="none")(z, np.array([1.0, 0.0, 0.0]))
    loss.sum().backward()
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 1e4])
    np.testing.assert_allclose(z.grad, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("loss_fn", [nn.CrossEntropyLoss(), nn.NLLLoss()])
def test_labels_out_of_range_are_a_clear_error(loss_fn):
    name = type(loss_fn).__name__
    with pytest.raises(ValueError, match=name + r": class labels must lie in \[0, 3\).*\[3\]"):
        loss_fn(dlkit.randn(2, 3), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"\[-1\]"):
        loss_fn(dlkit.randn(2, 3), [-1, 0])


@pytest.mark.parametrize("loss_fn", [nn.CrossEntropyLoss(), nn.NLLLoss()])
def test_float_labels_are_a_clear_type_error(loss_fn):
    with pytest.raises(dlkit.DataTypeError, match=type(loss_fn).__name__
                       + ": class labels must be integers, got dtype float64"):
        loss_fn(dlkit.randn(2, 3), np.array([0.0, 1.0]))


def test_label_count_must_match_the_batch_size():
    with pytest.raises(dlkit.ShapeError, match=r"CrossEntropyLoss: expected one label per sample, "
                                               r"i.e. labels of shape \(4,\), got shape \(3,\)"):
        nn.CrossEntropyLoss()(dlkit.randn(4, 3), np.array([0, 1, 2]))


def test_cross_entropy_of_unbatched_scores_needs_a_single_label():
    with pytest.raises(dlkit.ShapeError, match=r"labels of shape \(\), got shape \(1,\)"):
        cross_entropy(dlkit.randn(4), np.array([0]))
    with pytest.raises(dlkit.ShapeError, match=r"expected scores of shape \(N, C\)"):
        cross_entropy(dlkit.Tensor(1.0), np.array(0))


def test_mse_rejects_shapes_that_would_silently_broadcast():
    with pytest.raises(dlkit.ShapeError, match=r"MSELoss: input shape \(5, 1\) and target shape \(5,\)"):
        nn.MSELoss()(dlkit.randn(5, 1), dlkit.randn(5))
    with pytest.raises(dlkit.ShapeError, match=r"mse_loss: input shape \(5, 1\)"):
        dlkit.functional.mse_loss(dlkit.randn(5, 1), dlkit.randn(5))


def test_bce_rejects_values_outside_zero_one():
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
        nn.BCELoss()(dlkit.Tensor([1.5, 0.2]), np.array([1.0, 0.0]))


def test_unknown_reduction_is_a_clear_error():
    with pytest.raises(ValueError, match=r"reduction must be one of"):
        nn.MSELoss(reduction="average")
