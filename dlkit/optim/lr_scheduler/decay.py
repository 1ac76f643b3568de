"""Schedules that follow a formula of the epoch: step, multi-step, exponential, lambda, constant, linear,
cosine.

Each ``get_lr()`` is PyTorch's chainable form: it changes the group's *current* lr by the factor
(or increment) this epoch brings, so several schedulers on one optimizer multiply together.
``_get_closed_form_lr()`` is the same schedule written from ``base_lrs`` (used by ``step(epoch)``).
"""
import math
from bisect import bisect_right
from collections import Counter

from ..optimizer import _number
from .base import LRScheduler, _check, _positive_int


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs: ``lr₀ · γ^⌊epoch / step_size⌋``.

    Examples
    --------
    >>> scheduler = StepLR(optimizer, step_size=30, gamma=0.1)   # 0.1 at epoch 30, 0.01 at 60...
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check(self, "step_size", step_size, _positive_int(step_size), "an integer >= 1")
        _check(self, "gamma", gamma, _number(gamma) and gamma >= 0, "a value >= 0")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch listed in ``milestones``.

    Examples
    --------
    >>> scheduler = MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1)
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = list(milestones)
        _check(self, "milestones", milestones, all(isinstance(m, int) and m >= 0 for m in milestones),
               "a list of epoch numbers (integers >= 0)")
        _check(self, "gamma", gamma, _number(gamma) and gamma >= 0, "a value >= 0")
        self.milestones, self.gamma = Counter(milestones), gamma  # a Counter: a repeated milestone counts twice
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: ``lr₀ · γ^epoch``."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check(self, "gamma", gamma, _number(gamma) and gamma >= 0, "a value >= 0")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """``lr = lr₀ · lr_lambda(epoch)``: any schedule you can write as a function of the epoch.

    Not chainable (as in PyTorch): it sets the lr from ``base_lrs``, overriding what others did.

    Parameters
    ----------
    lr_lambda : function epoch -> factor, or a list of them (one per parameter group)

    Examples
    --------
    >>> warmup = LambdaLR(optimizer, lambda epoch: min(1.0, (epoch + 1) / 5))
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups) if hasattr(optimizer, "param_groups") else 1
        if isinstance(lr_lambda, list | tuple):
            _check(self, "lr_lambda", f"a list of {len(lr_lambda)}", len(lr_lambda) == groups,
                   f"one function per parameter group ({groups})")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        _check(self, "lr_lambda", lr_lambda, all(callable(f) for f in self.lr_lambdas),
               "a function epoch -> factor (or a list of them)")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        """As PyTorch: functions and lambdas are not saved; callable objects save their ``__dict__``."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if _is_plain_function(fn) else dict(fn.__dict__) for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        saved = state_dict.pop("lr_lambdas")
        self.__dict__.update(state_dict)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                fn.__dict__.update(attributes)


def _is_plain_function(fn):
    return type(fn).__name__ == "function"


class ConstantLR(LRScheduler):
    """Multiply the lr by ``factor`` for the first ``total_iters`` epochs, then give back the full lr.

    Examples
    --------
    >>> warmup = ConstantLR(optimizer, factor=0.1, total_iters=3)   # 10 % for 3 epochs, then 100 %
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        _check(self, "factor", factor, _number(factor) and 0 <= factor <= 1, "a value in [0, 1]")
        _check(self, "total_iters", total_iters, isinstance(total_iters, int) and total_iters >= 0,
               "an integer >= 0")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the lr linearly from ``start_factor · lr₀`` to ``end_factor · lr₀`` over ``total_iters``
    epochs, then keep it: the usual warm-up.

    Examples
    --------
    >>> warmup = LinearLR(optimizer, start_factor=0.1, total_iters=5)   # 10 % → 100 % in 5 epochs
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        _check(self, "start_factor", start_factor, _number(start_factor) and 0 < start_factor <= 1,
               "a value in (0, 1]")
        _check(self, "end_factor", end_factor, _number(end_factor) and 0 <= end_factor <= 1, "a value in [0, 1]")
        _check(self, "total_iters", total_iters, isinstance(total_iters, int) and total_iters >= 0,
               "an integer >= 0")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # factor(t) / factor(t - 1), with factor(t) = start + (end − start)·t / total_iters
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from ``lr₀`` down to ``eta_min`` over ``T_max`` epochs (SGDR without restarts).

    ``lr = eta_min + (lr₀ − eta_min) · (1 + cos(π · epoch / T_max)) / 2``; past ``T_max`` it rises
    again, as PyTorch's does.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check(self, "T_max", T_max, _positive_int(T_max), "an integer >= 1")
        _check(self, "eta_min", eta_min, _number(eta_min) and eta_min >= 0, "a value >= 0")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:  # resuming: start from the formula
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / T)) / 2
                    for base_lr in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:  # at the bottom the ratio below is 0/0: step up by the increment
            return [lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base_lr in zip(self._current_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]
