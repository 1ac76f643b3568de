"""``LRScheduler``: the base class of every learning-rate schedule, chainable as PyTorch's.

A scheduler changes ``optimizer.param_groups[i]["lr"]`` each time you call ``scheduler.step()``
(usually once per epoch, after ``optimizer.step()``). Like PyTorch's, each schedule is written in
*chainable form*: ``get_lr()`` computes the new lr from the group's **current** lr (multiply by γ,
add a cosine increment...), not from the starting lr. So two schedulers on one optimizer compose
(StepLR then ExponentialLR multiply both factors in), and an lr you set by hand is kept and carried on.
"""
import warnings

from ..optimizer import Optimizer, OptimizerError


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and writes ``get_lr()`` into every group.

    Parameters
    ----------
    optimizer : Optimizer
    last_epoch : int, default -1
        The index of the last epoch seen. Leave it at -1 for a fresh run; a value >= 0 resumes a
        schedule and needs each group's ``"initial_lr"`` (as PyTorch).

    Attributes
    ----------
    base_lrs : list of float
        Each group's ``"initial_lr"``: the lr the schedule started from.
    last_epoch : int
        How many times ``step()`` ran since construction (0 right after it).
    """

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(self, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise OptimizerError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', needed to resume "
                        f"a schedule with last_epoch={last_epoch}; load the optimizer's state_dict first, "
                        "or use last_epoch=-1 for a fresh run")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """Epoch 0: set the starting learning rates (PyTorch does one step in the constructor)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The new lr of each group, computed from ``group["lr"]`` (chainable form)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def step(self, epoch=None):
        """Advance one epoch and write the new learning rates into the optimizer."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn("scheduler.step(epoch) is deprecated (as in PyTorch); call step() without "
                          "an argument", UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates set by the latest ``step()``, one per parameter group."""
        return list(self._last_lr)

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Everything but the optimizer (as PyTorch): resume with ``load_state_dict``."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def __repr__(self):
        lrs = ", ".join(f"{lr:.4g}" for lr in self._last_lr)
        epoch = f"last_epoch={self.last_epoch}, " if hasattr(self, "last_epoch") else ""
        return f"{type(self).__name__}({epoch}lr=[{lrs}])"


def _check_optimizer(scheduler, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise OptimizerError(f"{type(scheduler).__name__}: expected a dlkit optimizer "
                             f"(e.g. dlkit.optim.SGD), got {type(optimizer).__name__}")


def _check(scheduler, name, value, ok, expected):
    """Refuse a bad argument with a message naming the scheduler, the argument and the allowed range."""
    if not ok:
        raise OptimizerError(f"{type(scheduler).__name__}: invalid {name}={value!r}; expected {expected}")


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1

