"""Loss options against PyTorch, float64 and float32, every reduction: CrossEntropyLoss / NLLLoss with
weight, ignore_index, label_smoothing, class-probability targets and (N, C, d1, …) inputs;
BCEWithLogitsLoss(weight, pos_weight), BCELoss(weight), HuberLoss, SmoothL1Loss, KLDivLoss; their
functional forms; central differences; clear errors."""
import numpy as np
import pytest

import dlkit
from dlkit import functional as F
from dlkit import nn

torch = pytest.importorskip("torch")
REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [np.float64, np.float32]
TOL = {np.float64: (1e-9, 1e-12), np.float32: (1e-5, 1e-6)}


def _compare(dl_loss, torch_loss, x, target, dtype=np.float64, target_grad=False):
    """Loss value and gradients (input, and a float target when asked): dlkit vs torch."""
    rtol, atol = TOL[dtype]
    x = np.asarray(x, dtype=dtype)
    dl_x, t_x = dlkit.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    if np.asarray(target).dtype.kind == "f":
        target = np.asarray(target, dtype=dtype)
        dl_t = dlkit.Tensor(target, requires_grad=target_grad)
        t_t = torch.tensor(target, requires_grad=target_grad)
    else:
        dl_t, t_t = target, torch.as_tensor(target)
    out, t_out = dl_loss(dl_x, dl_t), torch_loss(t_x, t_t)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=rtol, atol=atol)
    assert out.dtype == dtype and out.shape == tuple(t_out.shape)
    g = np.random.default_rng(0).standard_normal(t_out.shape).astype(dtype)
    out.backward(g)
    t_out.backward(torch.from_numpy(g))
    np.testing.assert_allclose(dl_x.grad, t_x.grad.numpy(), rtol=rtol, atol=atol)
    if target_grad:
        np.testing.assert_allclose(dl_t.grad, t_t.grad.numpy(), rtol=rtol, atol=atol)


def _labels(rng, shape, classes, ignore=None):
    labels = rng.integers(0, classes, shape)
    if ignore is not None:
        labels.flat[::3] = ignore
    return labels


CE_CASES = [  # input shape, options
    ((6, 4), {}),
    ((6, 4), {"weight": [0.5, 2.0, 1.0, 3.0]}),
    ((6, 4), {"ignore_index": 2}),
    ((6, 4), {"ignore_index": -100, "_ignore": -100}),
    ((6, 4), {"label_smoothing": 0.2}),
    ((6, 4), {"weight": [0.5, 2.0, 1.0, 3.0], "label_smoothing": 0.1, "ignore_index": 1}),
    ((3, 5, 4), {}),                                       # per-token losses (N, C, L)
    ((2, 3, 4, 2), {"weight": [1.0, 0.2, 3.0], "ignore_index": 0, "label_smoothing": 0.3}),
    ((4,), {}),                                            # unbatched (C,)
    ((4,), {"weight": [0.5, 2.0, 1.0, 3.0], "label_smoothing": 0.2}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, options", CE_CASES)
def test_cross_entropy_with_labels_matches_torch(dtype, reduction, shape, options):
    rng = np.random.default_rng(1)
    options = dict(options)
    ignore = options.pop("_ignore", options.get("ignore_index"))
    classes = shape[1] if len(shape) > 1 else shape[0]
    labels = _labels(rng, shape[:1] + shape[2:] if len(shape) > 1 else (), classes, ignore)
    x = rng.standard_normal(shape) * 2
    dl_opts = {k: (np.array(v, dtype=dtype) if k == "weight" else v) for k, v in options.items()}
    t_opts = {k: (torch.tensor(v, dtype=torch.float64 if dtype == np.float64 else torch.float32)
                  if k == "weight" else v) for k, v in options.items()}
    _compare(nn.CrossEntropyLoss(reduction=reduction, **dl_opts),
             torch.nn.CrossEntropyLoss(reduction=reduction, **t_opts), x, labels, dtype)
    _compare(lambda a, b: F.cross_entropy(a, b, reduction=reduction, **dl_opts),
             lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction=reduction, **t_opts),
             x, labels, dtype)
    if "label_smoothing" not in options:
        _compare(nn.NLLLoss(reduction=reduction, **dl_opts),
                 torch.nn.NLLLoss(reduction=reduction, **t_opts), x, labels, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, options", [((5, 3), {}), ((5, 3), {"label_smoothing": 0.25}),
                                            ((5, 3), {"weight": [1.0, 2.0, 0.5]}),
                                            ((2, 3, 4), {"weight": [1.0, 2.0, 0.5], "label_smoothing": 0.1}),
                                            ((3,), {})])
def test_cross_entropy_with_class_probabilities_matches_torch(dtype, reduction, shape, options):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    p = rng.random(shape)
    p /= p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
    dl_opts = {k: (np.array(v, dtype=dtype) if k == "weight" else v) for k, v in options.items()}
    t_opts = {k: (torch.tensor(v, dtype=torch.float64 if dtype == np.float64 else torch.float32)
                  if k == "weight" else v) for k, v in options.items()}
    _compare(nn.CrossEntropyLoss(reduction=reduction, **dl_opts),
             torch.nn.CrossEntropyLoss(reduction=reduction, **t_opts), x, p, dtype)


def test_cross_entropy_weight_is_a_buffer_in_the_state_dict_like_torch():
    w = np.array([1.0, 2.0, 3.0])
    loss = nn.CrossEntropyLoss(weight=w)
    t_loss = torch.nn.CrossEntropyLoss(weight=torch.from_numpy(w))
    assert list(loss.state_dict()) == list(t_loss.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == list(torch.nn.CrossEntropyLoss().state_dict())
    assert list(nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == \
        list(torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(w)).state_dict())


def test_every_label_ignored_gives_nan_mean_like_torch():
    x = np.zeros((2, 3))
    out = F.cross_entropy(dlkit.Tensor(x), np.array([-100, -100]))
    t_out = torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.tensor([-100, -100]))
    assert np.isnan(out.item()) and np.isnan(t_out.item())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight, pos_weight", [(None, None), (np.array([0.5, 1.0, 2.0]), None),
                                                (None, np.array([3.0, 1.0, 0.25])),
                                                (np.array([[2.0], [1.0], [0.5], [1.5]]), np.array([3.0, 1.0, 0.25]))])
def test_bce_with_logits_weight_and_pos_weight_match_torch(dtype, reduction, weight, pos_weight):
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((4, 3)) * 3, rng.uniform(0, 1, (4, 3))
    as_t = (lambda a: None if a is None else torch.tensor(a.astype(dtype)))
    _compare(nn.BCEWithLogitsLoss(weight=weight, reduction=reduction, pos_weight=pos_weight),
             torch.nn.BCEWithLogitsLoss(weight=as_t(weight), reduction=reduction, pos_weight=as_t(pos_weight)),
             x, t, dtype, target_grad=True)
    _compare(lambda a, b: F.binary_cross_entropy(a.sigmoid(), b, weight=weight, reduction=reduction),
             lambda a, b: torch.nn.functional.binary_cross_entropy(a.sigmoid(), b, weight=as_t(weight),
                                                                   reduction=reduction),
             x, t, dtype, target_grad=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, kwargs", [("HuberLoss", {}), ("HuberLoss", {"delta": 0.3}),
                                          ("HuberLoss", {"delta": 2.5}), ("SmoothL1Loss", {}),
                                          ("SmoothL1Loss", {"beta": 0.4}), ("SmoothL1Loss", {"beta": 0.0})])
def test_huber_and_smooth_l1_match_torch(dtype, reduction, name, kwargs):
    rng = np.random.default_rng(4)
    x, t = rng.standard_normal((5, 4)) * 2, rng.standard_normal((5, 4))
    _compare(getattr(nn, name)(reduction=reduction, **kwargs),
             getattr(torch.nn, name)(reduction=reduction, **kwargs), x, t, dtype, target_grad=True)
    fn = {"HuberLoss": "huber_loss", "SmoothL1Loss": "smooth_l1_loss"}[name]
    _compare(lambda a, b: getattr(F, fn)(a, b, reduction=reduction, **kwargs),
             lambda a, b: getattr(torch.nn.functional, fn)(a, b, reduction=reduction, **kwargs),
             x, t, dtype, target_grad=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(dtype, reduction, log_target):
    rng = np.random.default_rng(5)
    x = np.log(rng.dirichlet(np.ones(4), size=3))
    t = rng.dirichlet(np.ones(4), size=3)
    t = np.log(t) if log_target else t
    _compare(nn.KLDivLoss(reduction=reduction, log_target=log_target),
             torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), x, t, dtype,
             target_grad=True)


def test_kl_div_is_zero_where_the_target_is_zero():
    x = dlkit.Tensor(np.log([[0.5, 0.5]]), requires_grad=True)
    out = F.kl_div(x, np.array([[1.0, 0.0]]), reduction="sum")
    assert out.item() == pytest.approx(np.log(2))       # 1·(log 1 − log ½)


def test_new_losses_gradcheck_float64():
    dlkit.manual_seed(0)
    z = dlkit.randn(3, 4, 2, requires_grad=True)
    labels = np.array([[0, 3], [-100, 1], [2, 2]])
    w = np.array([0.5, 1.0, 2.0, 1.5])
    assert dlkit.gradcheck(lambda z: F.cross_entropy(z, labels, weight=w, label_smoothing=0.2), [z])
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=(3, 2)).transpose(0, 2, 1)
    assert dlkit.gradcheck(lambda z: F.cross_entropy(z, probs, label_smoothing=0.1), [z])
    x, t = dlkit.randn(4, 3, requires_grad=True), dlkit.rand(4, 3, requires_grad=True)
    assert dlkit.gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(
        x, t, pos_weight=np.array([2.0, 0.5, 1.0])), [x, t])
    assert dlkit.gradcheck(lambda x, t: F.huber_loss(x * 3, t, delta=0.7), [x, t])
    assert dlkit.gradcheck(lambda x, t: F.smooth_l1_loss(x * 3, t, beta=0.7), [x, t])
    assert dlkit.gradcheck(lambda x, t: F.kl_div(x, t + 0.1, reduction="batchmean"), [x, t])


@pytest.mark.parametrize("make, error, match", [
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), dlkit.ArgumentError, r"label_smoothing must lie in \[0.0, 1.0\]"),
    (lambda: nn.CrossEntropyLoss(reduction="average"), dlkit.ArgumentError, "reduction must be one of"),
    (lambda: nn.CrossEntropyLoss(size_average=True), dlkit.ArgumentError, "size_average and reduce are deprecated"),
    (lambda: nn.MSELoss(reduction="batchmean"), dlkit.ArgumentError, "reduction must be one of"),
    (lambda: nn.HuberLoss(delta=0), dlkit.ArgumentError, r"delta must lie in \(0.0, inf\]"),
    (lambda: nn.SmoothL1Loss(beta=-1), dlkit.ArgumentError, "beta must lie in"),
    (lambda: nn.NLLLoss(ignore_index=1.5), dlkit.DataTypeError, "ignore_index must be an int"),
    (lambda: nn.CrossEntropyLoss(weight=[1.0, 2.0])(dlkit.randn(2, 3), [0, 1]), dlkit.ShapeError,
     r"CrossEntropyLoss: weight must have one entry per class, shape \(3,\), got \(2,\)"),
    (lambda: nn.CrossEntropyLoss()(dlkit.randn(2, 3, 4), np.zeros((2, 3), dtype=int)), dlkit.ShapeError,
     r"CrossEntropyLoss: expected one label per position, i.e. labels of shape \(2, 4\), got shape \(2, 3\)"),
    (lambda: nn.CrossEntropyLoss(ignore_index=5)(dlkit.randn(2, 3), [0, 4]), dlkit.ArgumentError,
     r"class labels must lie in \[0, 3\).*ignore_index=5.*\[4\]"),
    (lambda: nn.NLLLoss()(dlkit.randn(2, 3), np.zeros((2, 3))), dlkit.DataTypeError,
     "NLLLoss: class labels must be integers"),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=[1.0, 2.0])(dlkit.randn(2, 3), dlkit.rand(2, 3)),
     dlkit.ShapeError, "BCEWithLogitsLoss: pos_weight of shape \\(2,\\) does not broadcast"),
    (lambda: nn.KLDivLoss()(dlkit.randn(2, 3), dlkit.rand(3)), dlkit.ShapeError,
     r"KLDivLoss: input shape \(2, 3\) and target shape \(3,\)"),
])
def test_bad_loss_arguments_are_clear_dlkit_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()
