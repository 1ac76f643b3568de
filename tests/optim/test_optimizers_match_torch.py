"""Every optimizer against torch.optim in float64: same start, same gradients -> same parameters."""
import numpy as np
import pytest

import dlkit
from dlkit import optim

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5}),
    ("RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "eps": 1e-6}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": False, "weight_decay": 0.01}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]


def _gradient(params, t, rng_grads):
    # A gradient that depends on the current parameters (like a real loss): g = noise_t + 0.5·w.
    return [rng_grads[t][i] + 0.5 * w for i, w in enumerate(params)]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_optimizer_matches_torch_after_several_steps(name, kwargs):
    rng = np.random.default_rng(0)
    start = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    grads = [[rng.standard_normal((3, 4)), rng.standard_normal(4)] for _ in range(12)]

    ours = [dlkit.Tensor(w.copy(), requires_grad=True) for w in start]
    theirs = [torch.tensor(w.copy(), requires_grad=True) for w in start]
    our_opt = getattr(optim, name)(ours, **kwargs)
    their_opt = getattr(torch.optim, name)(theirs, **kwargs)

    for t in range(12):
        for p, g in zip(ours, _gradient([p.data for p in ours], t, grads)):
            p.grad = g
        for p, g in zip(theirs, _gradient([p.detach().numpy() for p in theirs], t, grads)):
            p.grad = torch.from_numpy(g)
        our_opt.step()
        their_opt.step()

    for ours_p, theirs_p, w0 in zip(ours, theirs, start):
        assert not np.allclose(ours_p.data, w0)  # the parameters really moved
        np.testing.assert_allclose(ours_p.data, theirs_p.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_a_small_linear_model_trains_the_same_as_in_torch(name):
    """W, b of a linear softmax classifier, gradients from our engine vs torch autograd."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 5)), rng.integers(0, 3, 16)
    w0, b0 = rng.standard_normal((5, 3)) * 0.3, np.zeros(3)
    kwargs = {"lr": 0.05, "momentum": 0.9} if name == "SGD" else {"lr": 0.05}

    w, b = dlkit.Tensor(w0.copy(), requires_grad=True), dlkit.Tensor(b0.copy(), requires_grad=True)
    tw, tb = torch.tensor(w0.copy(), requires_grad=True), torch.tensor(b0.copy(), requires_grad=True)
    our_opt, their_opt = getattr(optim, name)([w, b], **kwargs), getattr(torch.optim, name)([tw, tb], **kwargs)
    onehot = np.eye(3)[y]
    for _ in range(10):
        our_opt.zero_grad()
        logits = dlkit.Tensor(x) @ w + b
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        loss = -(log_probs * onehot).sum() / len(y)
        loss.backward()
        our_opt.step()

        their_opt.zero_grad()
        torch.nn.functional.cross_entropy(torch.from_numpy(x) @ tw + tb, torch.from_numpy(y)).backward()
        their_opt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_parameters_without_a_gradient_are_left_alone(name):
    used, unused = dlkit.Tensor([1.0, 2.0], requires_grad=True), dlkit.Tensor([3.0, 4.0], requires_grad=True)
    opt = getattr(optim, name)([used, unused], lr=0.1)
    used.grad = np.array([1.0, -1.0])
    opt.step()
    assert not np.allclose(used.data, [1.0, 2.0])
    np.testing.assert_array_equal(unused.data, [3.0, 4.0])


def test_float32_parameters_stay_float32():
    p = dlkit.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.ones(3, dtype=np.float32)
    opt.step()
    assert p.data.dtype == np.float32
    np.testing.assert_allclose(p.data, 0.9, rtol=1e-6)  # first Adam step moves each weight by lr


def test_param_groups_use_their_own_learning_rates():
    a, b = dlkit.Tensor([1.0], requires_grad=True), dlkit.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    np.testing.assert_allclose([a.data[0], b.data[0]], [0.9, 0.5])


def test_zero_grad_clears_every_gradient():
    p = dlkit.Tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad()
    assert p.grad is None


def test_state_dict_round_trip_continues_identically():
    rng = np.random.default_rng(3)
    w0, grads = rng.standard_normal(4), rng.standard_normal((6, 4))
    p = dlkit.Tensor(w0.copy(), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    for g in grads[:3]:
        p.grad = g
        opt.step()
    saved, saved_w = opt.state_dict(), p.data.copy()
    q = dlkit.Tensor(saved_w.copy(), requires_grad=True)
    opt2 = optim.Adam([q], lr=0.1)
    opt2.load_state_dict(saved)
    for g in grads[3:]:
        p.grad, q.grad = g, g.copy()
        opt.step()
        opt2.step()
    np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_step_does_not_change_the_gradient_arrays(name):
    p = dlkit.Tensor([1.0, -2.0, 3.0], requires_grad=True)
    kwargs = {"lr": 0.1, "weight_decay": 0.1}
    if name == "SGD":
        kwargs["momentum"] = 0.9
    opt = getattr(optim, name)([p], **kwargs)
    grad = np.array([0.5, -0.25, 1.0])
    for _ in range(2):
        p.grad = grad
        opt.step()
    np.testing.assert_array_equal(grad, [0.5, -0.25, 1.0])
