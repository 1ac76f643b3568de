"""dlkit.optim: optimizers (SGD, Adagrad, RMSprop, Adam, AdamW, NAdam, RAdam), learning-rate schedules, L1/L2 penalties.

Each optimizer follows ``torch.optim``: same names, defaults and update formulas, so the same model
trained on the same batches gives the same numbers in both.
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)
from .nadam import NAdam
from .optimizer import Optimizer, OptimizerError
from .penalties import l1_penalty, l2_penalty
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
           "SGD",
           "Adagrad",
           "Adam",
           "AdamW",
           "ChainedScheduler",
           "ConstantLR",
           "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts",
           "ExponentialLR",
           "LRScheduler",
           "LambdaLR",
           "LinearLR",
           "MultiStepLR",
           "NAdam",
           "OneCycleLR",
           "Optimizer",
           "OptimizerError",
           "RAdam",
           "RMSprop",
           "ReduceLROnPlateau",
           "SequentialLR",
           "StepLR",
           "l1_penalty",
           "l2_penalty",
           "lr_scheduler",
]
