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
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "betas": (0.8, 0.99), "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1}),   # rho_t passes 5 early: both branches
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    # maximize=True: every optimizer climbs
    ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.05, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1, "maximize": True}),
]

ALL_NAMES = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "NAdam", "RAdam"]


@pytest.fixture(autouse=True)
def torch_float64_bookkeeping():
    """NAdam/RAdam keep their step count and momentum product in torch's default dtype; float64 here
    makes torch do that bookkeeping in double precision, as dlkit does (Python floats)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


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


@pytest.mark.parametrize("name", ALL_NAMES)
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


@pytest.mark.parametrize("name", ALL_NAMES)
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


@pytest.mark.parametrize("name", ALL_NAMES)
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


ZERO_D_CASES = [("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}), ("Adagrad", {"lr": 0.1}),
                ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}), ("Adam", {"lr": 0.1}),
                ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}), ("AdamW", {"lr": 0.1}),
                ("NAdam", {"lr": 0.1}), ("RAdam", {"lr": 0.1, "betas": (0.9, 0.9)})]


@pytest.mark.parametrize("name,kwargs", ZERO_D_CASES, ids=[f"{n}-{k}" for n, k in ZERO_D_CASES])
def test_zero_dimensional_parameters_step_as_in_torch(name, kwargs):
    """A scalar weight (shape ()) with float32 and float64, its gradient from backward()."""
    for dtype in (np.float64, np.float32):
        ours = dlkit.Tensor(np.array(1.5, dtype=dtype), requires_grad=True)
        theirs = torch.tensor(np.array(1.5, dtype=dtype), requires_grad=True)
        our_opt, their_opt = getattr(optim, name)([ours], **kwargs), getattr(torch.optim, name)([theirs], **kwargs)
        for _ in range(8):
            our_opt.zero_grad()
            ((ours - 0.5) * (ours - 0.5) * 3.0).backward()
            our_opt.step()
            their_opt.zero_grad()
            ((theirs - 0.5) * (theirs - 0.5) * 3.0).backward()
            their_opt.step()
        assert ours.data.shape == () and ours.data.dtype == dtype
        rtol = 1e-9 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol)
        assert not np.isclose(ours.data, 1.5)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_add_param_group_trains_the_new_group_as_torch(name):
    rng = np.random.default_rng(4)
    first, second = rng.standard_normal(3), rng.standard_normal((2, 2))
    grads = [(rng.standard_normal(3), rng.standard_normal((2, 2))) for _ in range(6)]
    a, b = dlkit.Tensor(first.copy(), requires_grad=True), dlkit.Tensor(second.copy(), requires_grad=True)
    ta, tb = torch.tensor(first.copy(), requires_grad=True), torch.tensor(second.copy(), requires_grad=True)
    ours, theirs = getattr(optim, name)([a], lr=0.05), getattr(torch.optim, name)([ta], lr=0.05)
    for t, (ga, gb) in enumerate(grads):
        if t == 2:  # unfreeze b with its own lr (the other settings from the defaults)
            ours.add_param_group({"params": [b], "lr": 0.2})
            theirs.add_param_group({"params": [tb], "lr": 0.2})
        a.grad, ta.grad = ga, torch.from_numpy(ga.copy())
        if t >= 2:
            b.grad, tb.grad = gb, torch.from_numpy(gb.copy())
        ours.step()
        theirs.step()
    assert len(ours.param_groups) == 2 and ours.param_groups[1]["lr"] == 0.2
    np.testing.assert_allclose(a.data, ta.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-9)


def test_add_param_group_refuses_a_parameter_already_in_a_group():
    a = dlkit.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(optim.OptimizerError, match="only one group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(dlkit.DlkitError, match="set"):
        opt.add_param_group({"params": {dlkit.Tensor([1.0], requires_grad=True)}})


def test_zero_grad_set_to_none_false_gives_fresh_zero_arrays():
    p, q = dlkit.Tensor([1.0, 2.0], requires_grad=True), dlkit.Tensor([3.0], requires_grad=True)
    y = p * 2.0
    y.sum().backward()
    shared = p.grad
    opt = optim.SGD([p, q], lr=0.1)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, [0.0, 0.0])
    assert p.grad is not shared and q.grad is None   # no gradient yet stays None, as in torch
    np.testing.assert_array_equal(shared, [2.0, 2.0])  # the engine's array is never zeroed in place
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("name", ALL_NAMES)
def test_optimizer_state_dict_has_torch_layout_and_resumes(name):
    rng = np.random.default_rng(5)
    w0, grads = rng.standard_normal(4), rng.standard_normal((8, 4))
    p, tp = dlkit.Tensor(w0.copy(), requires_grad=True), torch.tensor(w0.copy(), requires_grad=True)
    ours, theirs = getattr(optim, name)([p], lr=0.05), getattr(torch.optim, name)([tp], lr=0.05)
    for g in grads[:4]:
        p.grad, tp.grad = g, torch.from_numpy(g.copy())
        ours.step()
        theirs.step()
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert set(our_state) == set(their_state) == {"state", "param_groups"}
    assert set(our_state["state"]) == set(their_state["state"])
    for index in their_state["state"]:
        assert set(our_state["state"][index]) == set(their_state["state"][index])
    assert our_state["param_groups"][0]["params"] == their_state["param_groups"][0]["params"]
    common = set(our_state["param_groups"][0]) & set(their_state["param_groups"][0])
    assert {"lr", "params", "maximize"} <= common
    q = dlkit.Tensor(p.data.copy(), requires_grad=True)
    resumed = getattr(optim, name)([q], lr=0.05)
    resumed.load_state_dict(our_state)
    for g in grads[4:]:
        q.grad, tp.grad = g, torch.from_numpy(g.copy())
        resumed.step()
        theirs.step()
    np.testing.assert_allclose(q.data, tp.detach().numpy(), rtol=1e-9)
