"""Learning-rate schedules: change ``optimizer.param_groups[i]["lr"]`` once per epoch.

Use them as in PyTorch::

    scheduler = StepLR(optimizer, step_size=10, gamma=0.5)
    for epoch in range(epochs):
        train_one_epoch(...)
        scheduler.step()
"""
import math

from .optimizer import Optimizer, OptimizerError, _number


class LRScheduler:
    """Base class: remembers each group's starting lr and sets ``lr = lr_at(epoch)`` on ``step()``."""

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise OptimizerError(f"{type(self).__name__}: expected a dlkit optimizer "
                                 f"(e.g. dlkit.optim.SGD), got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()  # epoch 0: the starting learning rates (as PyTorch does)

    def lr_at(self, epoch, base_lr):
        """The learning rate for ``epoch`` when the schedule started at ``base_lr``."""
        raise NotImplementedError

    def step(self):
        """Advance one epoch and write the new learning rate into every parameter group."""
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(self.last_epoch, base_lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates set by the latest ``step()``, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs: ``lr₀ · γ^⌊epoch / step_size⌋``."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if not isinstance(step_size, int) or step_size < 1:
            raise OptimizerError(f"StepLR: invalid step_size={step_size!r}; expected an integer >= 1")
        if not _number(gamma) or gamma < 0:
            raise OptimizerError(f"StepLR: invalid gamma={gamma!r}; expected a value >= 0")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch, base_lr):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: ``lr₀ · γ^epoch``."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        if not _number(gamma) or gamma < 0:
            raise OptimizerError(f"ExponentialLR: invalid gamma={gamma!r}; expected a value >= 0")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch, base_lr):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from ``lr₀`` down to ``eta_min`` over ``T_max`` epochs (SGDR without restarts).

    ``lr = eta_min + (lr₀ − eta_min) · (1 + cos(π · epoch / T_max)) / 2``; past ``T_max`` it rises
    again, as PyTorch's does.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        if not isinstance(T_max, int) or T_max < 1:
            raise OptimizerError(f"CosineAnnealingLR: invalid T_max={T_max!r}; expected an integer >= 1")
        if not _number(eta_min) or eta_min < 0:
            raise OptimizerError(f"CosineAnnealingLR: invalid eta_min={eta_min!r}; expected a value >= 0")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch, base_lr):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
