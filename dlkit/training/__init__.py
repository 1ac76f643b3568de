"""dlkit.training: ``fit`` (the training loop in one call), ``evaluate``, ``predict``, ``History``,
``EarlyStopping`` and metrics. The main names are also at the top level: ``dlkit.fit``.
"""
from .early_stopping import EarlyStopping
from .evaluation import evaluate, predict
from .fit import fit
from .history import History
from .metrics import METRICS, MetricError, accuracy, binary_accuracy, mae, mse, rmse

__all__ = ["METRICS", "EarlyStopping", "History", "MetricError", "accuracy", "binary_accuracy", "evaluate",
           "fit", "mae", "mse", "predict", "rmse"]
