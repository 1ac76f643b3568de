"""``evaluate`` and ``predict``: run a trained model over data in evaluation mode, without gradients."""
import numpy as np

from ..tensor import Tensor, no_grad
from .batches import as_loader, require_batches
from .metrics import get_metric


class _EvalMode:
    """Put the model in eval() for the block (dropout off, batch norm uses running stats), then restore."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.was_training = getattr(self.model, "training", None)
        if self.was_training is not None:
            self.model.eval()

    def __exit__(self, *exc):
        if self.was_training:
            self.model.train()


def _run(model, loader, loss_fn):
    """Outputs, targets and the example-weighted mean loss over every batch."""
    outputs, targets, total, count = [], [], 0.0, 0
    with _EvalMode(model), no_grad():
        for batch in loader:
            x, y = batch[0], batch[1]
            out = model(x)
            if loss_fn is not None:
                total += loss_fn(out, y).item() * len(x)
            count += len(x)
            outputs.append(out.data)
            targets.append(y.data)
    return np.concatenate(outputs), np.concatenate(targets), (total / count if count else float("nan"))


def evaluate(model, loss_fn, data, metrics=("accuracy",), batch_size=256):
    """The loss and metrics of ``model`` on ``data``, in eval mode.

    Parameters
    ----------
    model : Module (anything callable on a batch Tensor)
    loss_fn : a loss (e.g. ``nn.CrossEntropyLoss()``), or None to skip the loss
    data : ``(X, y)`` tuple of arrays/Tensors, a Dataset or a DataLoader
    metrics : names or functions (see :mod:`dlkit.training.metrics`)

    Returns
    -------
    dict
        ``{"loss": ..., "accuracy": ...}``

    Examples
    --------
    >>> evaluate(model, nn.CrossEntropyLoss(), (X_test, y_test))
    {'loss': 0.09, 'accuracy': 0.975}
    """
    outputs, targets, loss = _run(model, as_loader(data, batch_size, what="evaluate"), loss_fn)
    results = {} if loss_fn is None else {"loss": loss}
    for metric in metrics:
        name, fn = get_metric(metric)
        results[name] = float(fn(outputs, targets))
    return results


def predict(model, X, batch_size=256):
    """The model's outputs for every row of ``X`` as one numpy array (eval mode, no gradients).

    ``X`` may be an array, a Tensor, a Dataset or a DataLoader (its first item per batch is the input).
    """
    from ..data import DataLoader, Dataset, TensorDataset
    if not isinstance(X, DataLoader | Dataset):
        X = TensorDataset(X.data if isinstance(X, Tensor) else np.asarray(X))
    loader = X if isinstance(X, DataLoader) else DataLoader(X, batch_size=batch_size)
    require_batches(loader, "predict")
    outputs = []
    with _EvalMode(model), no_grad():
        for batch in loader:
            outputs.append(model(batch[0]).data)
    return np.concatenate(outputs)
