"""``CosineAnnealingWarmRestarts`` (SGDR, Loshchilov & Hutter 2017): cosine decays that restart."""
import math

from ..optimizer import _number
from .base import LRScheduler, _check, _positive_int


class CosineAnnealingWarmRestarts(LRScheduler):
    """A cosine from ``lr₀`` down to ``eta_min`` over ``T_0`` epochs, then back to ``lr₀`` and again,
    each cycle ``T_mult`` times longer than the one before.

    ``lr = eta_min + (lr₀ − eta_min) · (1 + cos(π · T_cur / T_i)) / 2``, where ``T_cur`` counts the
    epochs since the last restart and ``T_i`` is the current cycle's length. ``step(epoch)`` accepts a
    fractional epoch (``epoch + i / batches_per_epoch``) to anneal within an epoch, as in PyTorch.
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        _check(self, "T_0", T_0, _positive_int(T_0), "an integer >= 1")
        _check(self, "T_mult", T_mult, _positive_int(T_mult), "an integer >= 1")
        _check(self, "eta_min", eta_min, _number(eta_min), "a number")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch, or jump to ``epoch`` (may be fractional)."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:  # the end of a cycle: restart, and make the next cycle longer
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            _check(self, "epoch", epoch, _number(epoch) and epoch >= 0, "a value >= 0")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:  # which cycle n holds this epoch: T_0 · (T_mult^n − 1) / (T_mult − 1) <= epoch
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current_lrs()
