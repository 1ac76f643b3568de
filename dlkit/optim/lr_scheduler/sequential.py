"""Combining schedules: ``SequentialLR`` runs one, then another from a given epoch on (warm-up, then
decay); ``ChainedScheduler`` steps several together, so their factors multiply."""
from bisect import bisect_right

from ..optimizer import OptimizerError
from .base import LRScheduler, _check_optimizer
from .plateau import ReduceLROnPlateau


class SequentialLR(LRScheduler):
    """Hand the optimizer from one scheduler to the next at each epoch in ``milestones``.

    Each scheduler is built on the same optimizer beforehand; at a milestone the next one starts
    from its own epoch 0 (as ``torch.optim.lr_scheduler.SequentialLR``).

    Parameters
    ----------
    schedulers : list of LRScheduler
    milestones : list of int, one fewer than ``schedulers``

    Examples
    --------
    >>> warmup = LinearLR(optimizer, start_factor=0.1, total_iters=5)
    >>> decay = CosineAnnealingLR(optimizer, T_max=45)
    >>> scheduler = SequentialLR(optimizer, [warmup, decay], milestones=[5])
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer(self, optimizer)
        schedulers, milestones = list(schedulers), list(milestones)
        _check_schedulers(self, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise OptimizerError(f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} "
                                 f"milestones (the epochs where the next one takes over), got {len(milestones)}")
        self._schedulers, self._milestones = schedulers, milestones
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # undo what the schedulers' constructors did...
            group["lr"] = group["initial_lr"]
        self._undo_initial_steps(self)
        first = self._schedulers[bisect_right(milestones, 0)]
        first._initial_step()  # ...and let only the scheduler of epoch 0 take its first step
        self._last_lr = first.get_last_lr()

    def _undo_initial_steps(self, scheduler):
        if hasattr(scheduler, "_schedulers"):
            for inner in scheduler._schedulers:
                self._undo_initial_steps(inner)
        elif hasattr(scheduler, "last_epoch"):
            scheduler.last_epoch -= 1

    def step(self):
        """Advance one epoch with whichever scheduler owns it; a new one starts at its epoch 0."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)   # restart it from its closed form at epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        inner = state_dict.pop("_schedulers")
        self.__dict__.update(state_dict)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)


class ChainedScheduler(LRScheduler):
    """Step every scheduler in ``schedulers`` at once: their changes to the lr compose (multiply).

    The same as calling each one's ``step()`` yourself, as ``torch.optim.lr_scheduler.ChainedScheduler``.

    Examples
    --------
    >>> scheduler = ChainedScheduler([ConstantLR(optimizer, factor=0.1, total_iters=2),
    ...                               ExponentialLR(optimizer, gamma=0.9)])
    """

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        if not schedulers:
            raise OptimizerError("ChainedScheduler: expected at least one scheduler, got none")
        optimizer = optimizer or getattr(schedulers[0], "optimizer", None)
        _check_optimizer(self, optimizer)
        _check_schedulers(self, schedulers, optimizer)
        self._schedulers, self.optimizer = schedulers, optimizer
        self._last_lr = self._current_lrs()

    def step(self):
        """Step every scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._current_lrs()

    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict


def _check_schedulers(combined, schedulers, optimizer):
    name = type(combined).__name__
    if not schedulers:
        raise OptimizerError(f"{name}: expected at least one scheduler, got none")
    for i, scheduler in enumerate(schedulers):
        if isinstance(scheduler, ReduceLROnPlateau):
            raise OptimizerError(f"{name}: scheduler {i} is a ReduceLROnPlateau, which needs the watched value "
                                 "in step(metrics) and cannot be combined")
        if getattr(scheduler, "optimizer", None) is not optimizer:
            raise OptimizerError(f"{name}: scheduler {i} ({type(scheduler).__name__}) belongs to another "
                                 "optimizer; build every scheduler on the same one")
