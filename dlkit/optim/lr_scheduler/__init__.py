"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: change ``optimizer.param_groups[i]["lr"]``.

Use them as in PyTorch (``step()`` once per epoch, after the optimizer's; OneCycleLR once per batch)::

    scheduler = StepLR(optimizer, step_size=10, gamma=0.5)
    for epoch in range(epochs):
        train_one_epoch(...)
        scheduler.step()

Schedules are *chainable*: each multiplies the optimizer's current lr, so two on one optimizer
compose, and an lr set by hand is kept (see :mod:`.base`).
"""
from .base import LRScheduler
from .decay import ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR, StepLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .sequential import ChainedScheduler, SequentialLR
from .warm_restarts import CosineAnnealingWarmRestarts

__all__ = ["ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "ExponentialLR", "LRScheduler", "LambdaLR",
           "LinearLR", "MultiStepLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "StepLR"]
