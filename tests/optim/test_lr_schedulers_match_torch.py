"""Learning-rate schedules: the lr (and momentum) sequence equals torch.optim.lr_scheduler's, step by step,
for every scheduler alone, chained on one optimizer, sequenced, after a hand-set lr, and after a
state_dict round trip."""
import numpy as np
import pytest

import dlkit
from dlkit import optim

torch = pytest.importorskip("torch")

STEPS = 60


def _optimizers(kind="SGD", lrs=(0.2, 0.05)):
    """The same two-group optimizer in dlkit and torch."""
    def build(lib, tensor):
        groups = [{"params": [tensor()], "lr": lr} for lr in lrs]
        if kind == "SGD":
            return lib.SGD(groups, lr=0.1, momentum=0.9)
        return lib.Adam(groups, lr=0.1)
    ours = build(optim, lambda: dlkit.Tensor([1.0], requires_grad=True))
    theirs = build(torch.optim, lambda: torch.zeros(1, requires_grad=True))
    return ours, theirs


# Each case: (name, factory(lr_scheduler_module, optimizer) -> list of schedulers, optimizer kind)
CASES = {
    "StepLR": (lambda m, o: [m.StepLR(o, step_size=3, gamma=0.5)], "SGD"),
    "StepLR-default": (lambda m, o: [m.StepLR(o, step_size=1)], "SGD"),
    "MultiStepLR": (lambda m, o: [m.MultiStepLR(o, milestones=[4, 10, 10, 30], gamma=0.3)], "SGD"),
    "ExponentialLR": (lambda m, o: [m.ExponentialLR(o, gamma=0.9)], "SGD"),
    "LambdaLR": (lambda m, o: [m.LambdaLR(o, lambda e: 1 / (1 + e) ** 0.5)], "SGD"),
    "LambdaLR-per-group": (lambda m, o: [m.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: min(1.0, (e + 1) / 7)])],
                           "SGD"),
    "LinearLR": (lambda m, o: [m.LinearLR(o, start_factor=0.1, total_iters=8)], "SGD"),
    "LinearLR-decay": (lambda m, o: [m.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=12)], "SGD"),
    "CosineAnnealingLR": (lambda m, o: [m.CosineAnnealingLR(o, T_max=10)], "SGD"),
    "CosineAnnealingLR-eta_min": (lambda m, o: [m.CosineAnnealingLR(o, T_max=7, eta_min=0.01)], "SGD"),
    "CosineAnnealingWarmRestarts": (lambda m, o: [m.CosineAnnealingWarmRestarts(o, T_0=5)], "SGD"),
    "CosineAnnealingWarmRestarts-T_mult": (
        lambda m, o: [m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001)], "SGD"),
    "OneCycleLR-SGD": (lambda m, o: [m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS + 1)], "SGD"),
    "OneCycleLR-Adam-linear-3phase": (
        lambda m, o: [m.OneCycleLR(o, max_lr=0.01, epochs=6, steps_per_epoch=11, anneal_strategy="linear",
                                   three_phase=True, pct_start=0.25)], "Adam"),
    "SequentialLR-warmup-cosine": (
        lambda m, o: [m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=5),
                                         m.CosineAnnealingLR(o, T_max=20)], milestones=[5])], "SGD"),
    "SequentialLR-three": (
        lambda m, o: [m.SequentialLR(o, [m.ExponentialLR(o, gamma=0.9), m.StepLR(o, 4, 0.5),
                                         m.LinearLR(o, start_factor=0.5, total_iters=3)],
                                     milestones=[6, 20])], "SGD"),
    "ConstantLR": (lambda m, o: [m.ConstantLR(o, factor=0.25, total_iters=4), m.StepLR(o, 9, 0.5)], "SGD"),
    "ChainedScheduler": (lambda m, o: [m.ChainedScheduler([m.ConstantLR(o, factor=0.1, total_iters=2),
                                                           m.ExponentialLR(o, gamma=0.9)])], "SGD"),
    "SequentialLR-constant-warmup": (
        lambda m, o: [m.SequentialLR(o, [m.ConstantLR(o, factor=0.2, total_iters=3),
                                         m.MultiStepLR(o, [5, 9], 0.5)], milestones=[3])], "SGD"),
    "chain-Step-Exponential": (lambda m, o: [m.StepLR(o, step_size=4, gamma=0.5), m.ExponentialLR(o, 0.95)],
                               "SGD"),
    "chain-MultiStep-Cosine": (lambda m, o: [m.MultiStepLR(o, [7, 15], 0.5), m.CosineAnnealingLR(o, T_max=12)],
                               "SGD"),
    "chain-Linear-Exponential": (lambda m, o: [m.LinearLR(o, start_factor=0.25, total_iters=6),
                                               m.ExponentialLR(o, gamma=0.97)], "SGD"),
}


def _lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def _momenta(optimizer):
    return [group.get("momentum", group.get("betas", (None,))[0]) for group in optimizer.param_groups]


@pytest.mark.parametrize("case", list(CASES))
def test_schedule_equals_torch_step_by_step(case):
    factory, kind = CASES[case]
    ours, theirs = _optimizers(kind)
    our_scheds, their_scheds = factory(optim.lr_scheduler, ours), factory(torch.optim.lr_scheduler, theirs)
    seen = []
    for step in range(STEPS):
        np.testing.assert_allclose(_lrs(ours), _lrs(theirs), rtol=1e-12, atol=1e-15, err_msg=f"step {step}")
        np.testing.assert_allclose(_momenta(ours), _momenta(theirs), rtol=1e-12, err_msg=f"step {step}")
        for ours_s, theirs_s in zip(our_scheds, their_scheds):
            np.testing.assert_allclose(ours_s.get_last_lr(), theirs_s.get_last_lr(), rtol=1e-12, atol=1e-15)
            assert getattr(ours_s, "last_epoch", None) == getattr(theirs_s, "last_epoch", None)
        seen.append(_lrs(ours)[0])
        theirs.step()
        for ours_s, theirs_s in zip(our_scheds, their_scheds):
            ours_s.step()
            theirs_s.step()
    assert len(set(seen)) > 2  # the schedule really moved the lr
    assert all(type(s).__name__ in repr(s) for s in our_scheds)


@pytest.mark.parametrize("case", ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "MultiStepLR",
                                  "chain-Step-Exponential"])
def test_a_learning_rate_set_by_hand_is_kept_and_scheduled_on_as_torch(case):
    factory, kind = CASES[case]
    ours, theirs = _optimizers(kind)
    our_scheds, their_scheds = factory(optim.lr_scheduler, ours), factory(torch.optim.lr_scheduler, theirs)
    for step in range(30):
        if step == 9:
            for opt in (ours, theirs):
                opt.param_groups[0]["lr"] = 0.7
        theirs.step()
        for ours_s, theirs_s in zip(our_scheds, their_scheds):
            ours_s.step()
            theirs_s.step()
        np.testing.assert_allclose(_lrs(ours), _lrs(theirs), rtol=1e-12, atol=1e-15, err_msg=f"step {step}")


def test_step_and_exponential_chained_multiply_both_factors():
    # Hand-computed: lr 1, ExponentialLR(0.5) and StepLR(2, 0.1) on one optimizer.
    opt = optim.SGD([dlkit.Tensor([1.0], requires_grad=True)], lr=1.0)
    schedulers = [optim.ExponentialLR(opt, gamma=0.5), optim.StepLR(opt, step_size=2, gamma=0.1)]
    seen = []
    for _ in range(4):
        seen.append(opt.param_groups[0]["lr"])
        for s in schedulers:
            s.step()
    np.testing.assert_allclose(seen, [1.0, 0.5, 0.025, 0.0125])


@pytest.mark.parametrize("values", [
    [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    list(np.linspace(1, 0.999, 20)),
])
@pytest.mark.parametrize("kwargs", [
    {"factor": 0.5, "patience": 2},
    {"factor": 0.5, "patience": 1, "cooldown": 2, "min_lr": [0.01, 0.03]},
    {"mode": "max", "factor": 0.1, "patience": 0, "threshold": 0.05, "threshold_mode": "abs"},
    {"factor": 0.2, "patience": 1, "threshold": 1e-3, "eps": 1e-3},
])
def test_reduce_lr_on_plateau_equals_torch(values, kwargs):
    ours, theirs = _optimizers()
    our_s = optim.ReduceLROnPlateau(ours, **kwargs)
    their_s = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    for value in values:
        our_s.step(value)
        their_s.step(value)
        np.testing.assert_allclose(_lrs(ours), _lrs(theirs), rtol=1e-12)
        assert our_s.get_last_lr() == pytest.approx(their_s.get_last_lr())
        assert (our_s.num_bad_epochs, our_s.cooldown_counter, our_s.last_epoch) == (
            their_s.num_bad_epochs, their_s.cooldown_counter, their_s.last_epoch)


def test_reduce_lr_on_plateau_accepts_a_scalar_tensor():
    ours, _ = _optimizers()
    scheduler = optim.ReduceLROnPlateau(ours, patience=0)
    scheduler.step(dlkit.Tensor(1.0))
    scheduler.step(dlkit.Tensor(2.0))
    assert ours.param_groups[0]["lr"] == pytest.approx(0.02)


def test_warm_restarts_with_fractional_epochs_equal_torch():
    ours, theirs = _optimizers()
    our_s = optim.CosineAnnealingWarmRestarts(ours, T_0=2, T_mult=2)
    their_s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, T_0=2, T_mult=2)
    for epoch in range(12):
        for i in range(5):
            our_s.step(epoch + i / 5)
            their_s.step(epoch + i / 5)
            np.testing.assert_allclose(_lrs(ours), _lrs(theirs), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", ["StepLR", "MultiStepLR", "LambdaLR", "CosineAnnealingLR",
                                  "CosineAnnealingWarmRestarts-T_mult", "OneCycleLR-SGD",
                                  "SequentialLR-warmup-cosine", "LinearLR", "ChainedScheduler"])
def test_state_dict_round_trip_resumes_the_schedule(case):
    factory, kind = CASES[case]
    ours, theirs = _optimizers(kind)
    our_scheds, their_scheds = factory(optim.lr_scheduler, ours), factory(torch.optim.lr_scheduler, theirs)
    for _ in range(13):
        theirs.step()
        for s in our_scheds + their_scheds:
            s.step()
    saved_optimizer = ours.state_dict()
    saved = [s.state_dict() for s in our_scheds]
    assert all("optimizer" not in state for state in saved)
    # A fresh optimizer and schedulers, restored from the saved states, carry on as torch's never stopped.
    fresh, _ = _optimizers(kind)
    fresh_scheds = factory(optim.lr_scheduler, fresh)
    fresh.load_state_dict(saved_optimizer)
    for s, state in zip(fresh_scheds, saved):
        s.load_state_dict(state)
    assert [getattr(s, "last_epoch", None) for s in fresh_scheds] == [getattr(s, "last_epoch", None) for s in their_scheds]
    for _ in range(20):
        theirs.step()
        for s in fresh_scheds + their_scheds:
            s.step()
        np.testing.assert_allclose(_lrs(fresh), _lrs(theirs), rtol=1e-12, atol=1e-15)


def test_step_with_an_epoch_uses_the_closed_form_as_torch():
    ours, theirs = _optimizers()
    our_s, their_s = optim.StepLR(ours, 3, 0.5), torch.optim.lr_scheduler.StepLR(theirs, 3, 0.5)
    with pytest.warns(UserWarning):
        our_s.step(7)
    with pytest.warns(UserWarning):
        their_s.step(7)
    np.testing.assert_allclose(_lrs(ours), _lrs(theirs))
    assert _lrs(ours)[0] == pytest.approx(0.2 * 0.25)


def test_schedulers_are_importable_from_optim_too():
    for name in ["ChainedScheduler", "ConstantLR", "StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "LinearLR", "CosineAnnealingLR",
                 "SequentialLR", "OneCycleLR", "CosineAnnealingWarmRestarts", "ReduceLROnPlateau", "LRScheduler"]:
        assert getattr(optim, name) is getattr(optim.lr_scheduler, name)


def test_step_lr_by_hand():
    opt = optim.SGD([dlkit.Tensor([1.0], requires_grad=True)], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.1)
    seen = []
    for _ in range(5):
        seen.append(opt.param_groups[0]["lr"])
        sched.step()
    np.testing.assert_allclose(seen, [1.0, 1.0, 0.1, 0.1, 0.01])


def test_one_cycle_peaks_at_max_lr_and_ends_at_the_floor():
    opt = optim.SGD([dlkit.Tensor([1.0], requires_grad=True)], lr=1.0, momentum=0.9)
    sched = optim.OneCycleLR(opt, max_lr=1.0, total_steps=11, pct_start=0.5, div_factor=10.0,
                             final_div_factor=100.0, anneal_strategy="linear")
    seen = [opt.param_groups[0]["lr"]]
    for _ in range(10):
        sched.step()
        seen.append(opt.param_groups[0]["lr"])
    # up from 0.1 towards 1.0 until step 4.5 (linear), then down to 0.1 / 100 at step 10
    assert seen[0] == pytest.approx(0.1)
    assert seen[4] == pytest.approx(0.1 + 0.9 * 4 / 4.5)
    assert seen[5] == pytest.approx(1.0 - (1.0 - 0.001) * 0.5 / 5.5)
    assert seen[-1] == pytest.approx(0.001)
    with pytest.raises(optim.OptimizerError, match="total_steps"):
        sched.step()
        sched.step()


def test_bad_schedule_arguments_are_refused():
    opt = optim.SGD([dlkit.Tensor([1.0], requires_grad=True)], lr=1.0)
    other = optim.SGD([dlkit.Tensor([1.0], requires_grad=True)], lr=1.0)
    with pytest.raises(optim.OptimizerError, match="step_size"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(optim.OptimizerError, match="T_max"):
        optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(optim.OptimizerError, match="expected a dlkit optimizer"):
        optim.ExponentialLR("sgd", gamma=0.9)
    with pytest.raises(optim.OptimizerError, match="milestones"):
        optim.MultiStepLR(opt, milestones=[2.5])
    with pytest.raises(optim.OptimizerError, match="start_factor"):
        optim.LinearLR(opt, start_factor=0)
    with pytest.raises(optim.OptimizerError, match="lr_lambda"):
        optim.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])
    with pytest.raises(optim.OptimizerError, match="T_mult"):
        optim.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    with pytest.raises(optim.OptimizerError, match="factor"):
        optim.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(optim.OptimizerError, match="total_steps"):
        optim.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(optim.OptimizerError, match="milestones"):
        optim.SequentialLR(opt, [optim.StepLR(opt, 2), optim.StepLR(opt, 3)], milestones=[])
    with pytest.raises(optim.OptimizerError, match="another optimizer"):
        optim.SequentialLR(opt, [optim.StepLR(opt, 2), optim.StepLR(other, 3)], milestones=[4])
    with pytest.raises(optim.OptimizerError, match="momentum"):
        optim.OneCycleLR(optim.Adagrad([dlkit.Tensor([1.0], requires_grad=True)]), max_lr=0.1, total_steps=5)
    with pytest.raises(optim.OptimizerError, match="metrics"):
        optim.ReduceLROnPlateau(opt).step("low")
    assert issubclass(optim.OptimizerError, ValueError)
