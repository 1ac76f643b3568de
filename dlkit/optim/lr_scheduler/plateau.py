"""``ReduceLROnPlateau``: cut the learning rate when a watched value (validation loss) stops improving."""
import math

from ..optimizer import OptimizerError, _number
from .base import LRScheduler, _check, _check_optimizer


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` after ``patience`` epochs without improvement of ``metrics``.

    Call ``scheduler.step(val_loss)`` once per epoch. "Improvement" means beating the best value
    so far by more than ``threshold`` (relative, ``best · (1 − threshold)``, or absolute).

    Parameters
    ----------
    mode : "min" or "max", default "min" (a loss; "max" for accuracy)
    factor : float, default 0.1
    patience : int, default 10
    threshold : float, default 1e-4; threshold_mode : "rel" or "abs", default "rel"
    cooldown : int, default 0
        Epochs to wait after a cut before counting bad epochs again.
    min_lr : float or list of float, default 0
    eps : float, default 1e-8
        A cut smaller than this is skipped.

    Examples
    --------
    >>> scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=3)
    >>> for epoch in range(epochs):
    ...     train_one_epoch(); scheduler.step(evaluate(model, loss_fn, val)["loss"])
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        _check_optimizer(self, optimizer)
        _check(self, "factor", factor, _number(factor) and 0 <= factor < 1, "a value in [0, 1)")
        _check(self, "patience", patience, isinstance(patience, int) and patience >= 0, "an integer >= 0")
        _check(self, "mode", mode, mode in ("min", "max"), "'min' or 'max'")
        _check(self, "threshold_mode", threshold_mode, threshold_mode in ("rel", "abs"), "'rel' or 'abs'")
        _check(self, "cooldown", cooldown, isinstance(cooldown, int) and cooldown >= 0, "an integer >= 0")
        self.optimizer, self.factor = optimizer, factor
        if isinstance(min_lr, list | tuple):
            _check(self, "min_lr", min_lr, len(min_lr) == len(optimizer.param_groups),
                   f"one value per parameter group ({len(optimizer.param_groups)})")
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * len(optimizer.param_groups)
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._reset()

    def _reset(self):
        self.best, self.cooldown_counter, self.num_bad_epochs = self.mode_worse, 0, 0

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def is_better(self, value, best):
        """Does ``value`` improve on ``best`` by more than the threshold?"""
        if self.mode == "min":
            return value < (best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return value > (best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metrics, epoch=None):
        """Record this epoch's watched value (e.g. the validation loss); cut the lr on a plateau."""
        try:
            current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        except (TypeError, ValueError):
            raise OptimizerError(f"ReduceLROnPlateau.step: metrics should be a number (the value to watch, "
                                 f"e.g. the validation loss), got {type(metrics).__name__}") from None
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self):
        if len(self.min_lrs) != len(self.optimizer.param_groups):
            if self.default_min_lr is None:
                raise OptimizerError(
                    f"ReduceLROnPlateau: the optimizer now has {len(self.optimizer.param_groups)} parameter "
                    f"groups but min_lr lists {len(self.min_lrs)}; update scheduler.min_lrs")
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr
