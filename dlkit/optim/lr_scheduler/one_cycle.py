"""``OneCycleLR`` (Smith & Topin 2018): one warm-up to a large lr and one long anneal, stepped per batch."""
import math

from ..optimizer import OptimizerError, _number
from .base import LRScheduler, _check, _check_optimizer, _positive_int


class OneCycleLR(LRScheduler):
    """Rise from ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start`` of the steps, then
    anneal to ``initial_lr / final_div_factor``; momentum (or Adam's β₁) moves the opposite way.

    Call ``step()`` after every *batch*; ``total_steps`` (or ``epochs · steps_per_epoch``) steps in all.

    Parameters
    ----------
    max_lr : float or list of float (one per group)
    total_steps : int, or ``epochs`` and ``steps_per_epoch``
    pct_start : float, default 0.3
    anneal_strategy : "cos" or "linear", default "cos"
    cycle_momentum : bool, default True; base_momentum 0.85, max_momentum 0.95
    div_factor : float, default 25; final_div_factor : float, default 1e4
    three_phase : bool, default False (a symmetric warm-up/cool-down, then the final anneal)

    Examples
    --------
    >>> scheduler = OneCycleLR(optimizer, max_lr=0.1, epochs=10, steps_per_epoch=len(loader))
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        _check_optimizer(self, optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            _check(self, "total_steps", total_steps, _positive_int(total_steps), "an integer >= 1")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _check(self, "epochs", epochs, _positive_int(epochs), "an integer >= 1")
            _check(self, "steps_per_epoch", steps_per_epoch, _positive_int(steps_per_epoch), "an integer >= 1")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise OptimizerError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch")
        _check(self, "pct_start", pct_start, isinstance(pct_start, float) and 0 <= pct_start <= 1,
               "a float in [0, 1]")
        _check(self, "anneal_strategy", anneal_strategy, anneal_strategy in ("cos", "linear"), "'cos' or 'linear'")
        self.anneal_strategy = anneal_strategy
        up = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                {"end_step": up, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"}]
        else:
            self._schedule_phases = [
                {"end_step": up, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"}]
        max_lrs = self._per_group("max_lr", max_lr)
        if last_epoch == -1:
            for group, group_max_lr in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise OptimizerError(f"OneCycleLR: {type(optimizer).__name__} has no momentum or betas to "
                                     "cycle; pass cycle_momentum=False")
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = self._per_group("max_momentum", max_momentum)
            base_momentums = self._per_group("base_momentum", base_momentum)
            if last_epoch == -1:
                for group, high, low in zip(optimizer.param_groups, max_momentums, base_momentums):
                    self._set_momentum(group, high)
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    def _per_group(self, name, value):
        groups = len(self.optimizer.param_groups)
        if isinstance(value, list | tuple):
            _check(self, name, value, len(value) == groups, f"one value per parameter group ({groups})")
            return list(value)
        _check(self, name, value, _number(value), "a number or a list of numbers")
        return [value] * groups

    def _set_momentum(self, group, momentum):
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise OptimizerError(f"OneCycleLR: stepped {step} times, but total_steps is {self.total_steps}; "
                                 "call step() once per batch and give the right epochs/steps_per_epoch")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[phase["start_momentum"]],
                                                               group[phase["end_momentum"]], pct))
                    break
                start_step = end_step
        return lrs
