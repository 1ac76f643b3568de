"""dlkit.training: ``fit`` (the training loop in one call), ``evaluate``, ``predict``, ``History``,
``EarlyStopping``, metrics, and the learning-rate finder ``lr_find``. The main names are also at the
top level: ``dlkit.fit``.
"""
from .early_stopping import EarlyStopping
from .evaluation import evaluate, predict
from .fit import fit
from .history import History
from .lr_finder import LRFinderResult, lr_find
from .metrics import METRICS, MetricError, accuracy, binary_accuracy, mae, mse, rmse

__all__ = ["METRICS", "EarlyStopping", "History", "LRFinderResult", "MetricError", "accuracy", "binary_accuracy",
           "evaluate", "fit", "lr_find", "mae", "mse", "predict", "rmse"]
