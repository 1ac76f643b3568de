"""Learning-rate schedules: the lr sequence equals torch.optim.lr_scheduler's."""
import numpy as np
import pytest

import dlkit
from dlkit import optim

torch = pytest.importorskip("torch")

SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("StepLR", {"step_size": 1}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[f"{n}-{k}" for n, k in SCHEDULES])
def test_schedule_lr_sequence_equals_torch(name, kwargs):
    ours = optim.SGD([dlkit.Tensor([1.0], requires_grad=True)], lr=0.2, momentum=0.9)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2, momentum=0.9)
    our_sched = getattr(optim.lr_scheduler, name)(ours, **kwargs)
    their_sched = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    our_lrs, their_lrs = [], []
    for _ in range(25):  # past T_max too, where the cosine rises again
        our_lrs.append(our_sched.get_last_lr()[0])
        their_lrs.append(their_sched.get_last_lr()[0])
        assert ours.param_groups[0]["lr"] == our_lrs[-1]
        theirs.step()
        our_sched.step()
        their_sched.step()
    assert len(set(our_lrs)) > 1
    np.testing.assert_allclose(our_lrs, their_lrs, rtol=1e-12, atol=1e-15)


def test_schedulers_are_importable_from_optim_too():
    assert optim.StepLR is optim.lr_scheduler.StepLR
    assert optim.CosineAnnealingLR is optim.lr_scheduler.CosineAnnealingLR


def test_step_lr_by_hand():
    opt = optim.SGD([dlkit.Tensor([1.0], requires_grad=True)], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.1)
    seen = []
    for _ in range(5):
        seen.append(opt.param_groups[0]["lr"])
        sched.step()
    np.testing.assert_allclose(seen, [1.0, 1.0, 0.1, 0.1, 0.01])


def test_bad_schedule_arguments_are_refused():
    opt = optim.SGD([dlkit.Tensor([1.0], requires_grad=True)], lr=1.0)
    with pytest.raises(optim.OptimizerError, match="step_size"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(optim.OptimizerError, match="T_max"):
        optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(optim.OptimizerError, match="expected a dlkit optimizer"):
        optim.ExponentialLR("sgd", gamma=0.9)
