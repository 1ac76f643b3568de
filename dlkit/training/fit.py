"""``fit``: the whole training loop in one call — epochs of mini-batches, validation, metrics, history.

It is the loop you write by hand in chapter 4, packaged::

    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
"""
import math
import warnings

import numpy as np

from .batches import as_loader
from .early_stopping import EarlyStopping
from .evaluation import evaluate
from .history import History
from .metrics import MetricError, get_metric
from .progress import ProgressBar


def fit(model, loss_fn, optimizer, train_data, epochs=10, batch_size=32, validation_data=None,
        metrics=("accuracy",), callbacks=(), shuffle=True, seed=0, progress=True, early_stopping=None,
        scheduler=None):
    """Train ``model`` for ``epochs`` passes over ``train_data``; return the :class:`History`.

    Parameters
    ----------
    model : Module
        Put in ``train()`` mode for training; validation runs in ``eval()`` mode.
    loss_fn : callable(outputs, targets) -> scalar Tensor, e.g. ``nn.CrossEntropyLoss()``
    optimizer : a ``dlkit.optim`` optimizer over ``model.parameters()``
    train_data, validation_data : ``(X, y)`` tuple of arrays or Tensors, a Dataset, or a DataLoader
    epochs : int
    batch_size : int, default 32 (ignored when a DataLoader is given)
    metrics : names (``"accuracy"``, ``"mae"``, ``"rmse"``...) or functions ``metric(outputs, targets)``
    callbacks : objects with any of ``on_train_begin(history)``, ``on_epoch_end(epoch, history)``,
        ``on_train_end(history)``; ``epoch`` counts from 1. A callback may set
        ``history.stop_training = True`` (and ``history.stopped_reason``) to stop after this epoch.
    shuffle : bool, default True; seed : int, default 0 (the same seed gives the same batches)
    progress : bool, default True
        A tqdm progress bar (a widget in Jupyter, text in a terminal). In Jupyter the finished bar is
        replaced by a one-line summary (``history.summary()``), which is what a saved notebook shows.
    early_stopping : EarlyStopping or int, optional
        An int is the patience of ``EarlyStopping(patience)``.
    scheduler : a ``dlkit.optim.lr_scheduler`` schedule of ``optimizer``, optional
        Stepped after every epoch, as in the hand-written loop; ``ReduceLROnPlateau`` is given the
        epoch's ``val_loss`` (or ``loss`` without validation data); ``OneCycleLR`` is stepped after
        every batch. The lr each epoch started with is in ``history.lrs``.

    Returns
    -------
    History
        Per-epoch ``loss``, metrics, and ``val_...`` entries. If the loss becomes NaN or infinite,
        training stops at once (before that batch's update), a ``RuntimeWarning`` is issued, and
        ``history.stopped_reason`` says where it happened; the finished epochs are kept.

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    >>> history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()),
    ...               (X_train, y_train), epochs=20, validation_data=(X_test, y_test))
    """
    if not isinstance(epochs, int) or epochs < 0:
        raise MetricError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
    loader = as_loader(train_data, batch_size, shuffle=shuffle, seed=seed, what="fit: train_data")
    if validation_data is not None:
        as_loader(validation_data, max(batch_size, 256), what="fit: validation_data")  # refuse it before training
    _check_optimizer_updates_model(model, optimizer)
    _check_scheduler(scheduler, optimizer)
    per_batch = scheduler if type(scheduler).__name__ == "OneCycleLR" else None
    named_metrics = [get_metric(m) for m in metrics]
    callbacks = list(callbacks)
    if early_stopping is not None:
        if isinstance(early_stopping, int) and not isinstance(early_stopping, bool):
            early_stopping = EarlyStopping(patience=early_stopping)
        if early_stopping.monitor is None:
            early_stopping.monitor = "val_loss" if validation_data is not None else "loss"
        callbacks.append(early_stopping)

    history = History(model, planned_epochs=epochs)
    _call(callbacks, "on_train_begin", history)
    bar = ProgressBar(epochs * len(loader)) if progress else None
    try:
        for epoch in range(1, epochs + 1):
            if bar is not None:
                bar.set_description(f"epoch {epoch}/{epochs}")
            lr = optimizer.param_groups[0]["lr"] if hasattr(optimizer, "param_groups") else None
            values = _train_one_epoch(model, loss_fn, optimizer, loader, named_metrics, history, epoch, bar,
                                      per_batch)
            if values is None:  # the loss blew up
                break
            if validation_data is not None:
                results = evaluate(model, loss_fn, validation_data, metrics=metrics, batch_size=max(batch_size, 256))
                values.update({f"val_{name}": value for name, value in results.items()})
            history.record(epoch, values)
            history.lrs.append(lr)
            _step_scheduler(scheduler, per_batch, values)
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in values.items()})
            _call(callbacks, "on_epoch_end", epoch, history)
            if history.stop_training:
                break
    finally:
        if bar is not None:
            bar.close()
    _call(callbacks, "on_train_end", history)
    if bar is not None:
        bar.show_summary(history.summary())
    return history


def _train_one_epoch(model, loss_fn, optimizer, loader, named_metrics, history, epoch, bar, per_batch=None):
    """One pass over the batches; the epoch's loss and metrics, or None if the loss became NaN/inf."""
    if hasattr(model, "train"):
        model.train()
    total, count, outputs, targets = 0.0, 0, [], []
    for index, (x, y) in enumerate(loader, start=1):
        optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        value = loss.item()
        if not math.isfinite(value):
            history.stop_training = True
            history.stopped_reason = (
                f"the loss became {value} at epoch {epoch}, batch {index}: training stopped before "
                "that update. Try a smaller learning rate, normalised inputs, or a numerically stable "
                "loss (CrossEntropyLoss on logits rather than log of softmax).")
            warnings.warn(history.stopped_reason, RuntimeWarning, stacklevel=3)
            return None
        loss.backward()
        optimizer.step()
        if per_batch is not None:
            per_batch.step()
        total += value * len(x)
        count += len(x)
        if named_metrics:
            outputs.append(out.data)
            targets.append(y.data)
        if bar is not None:
            bar.update(1)
            bar.set_postfix({"loss": f"{total / count:.4g}"})
    values = {"loss": total / count}
    if named_metrics and outputs:
        outputs, targets = np.concatenate(outputs), np.concatenate(targets)
        for name, fn in named_metrics:
            values[name] = float(fn(outputs, targets))
    return values


def _check_optimizer_updates_model(model, optimizer):
    """Refuse an optimizer none of whose tensors is a parameter of ``model`` (PyTorch would silently
    train nothing: e.g. the optimizer was built on an earlier model, before the model was re-created)."""
    if not hasattr(model, "parameters") or not hasattr(optimizer, "param_groups"):
        return
    model_params = {id(p) for p in model.parameters()}
    updated = [p for group in optimizer.param_groups for p in group["params"]]
    if model_params and not any(id(p) in model_params for p in updated):
        from ..optim import OptimizerError
        raise OptimizerError(
            f"fit: the optimizer updates {len(updated)} tensors (shapes {[tuple(p.shape) for p in updated][:4]}"
            f"{'...' if len(updated) > 4 else ''}), none of which is a parameter of this "
            f"{type(model).__name__}, so training would change nothing. Build the optimizer after the model, "
            "from this model: optim.SGD(model.parameters(), ...)")


def _check_scheduler(scheduler, optimizer):
    if scheduler is None:
        return
    from ..optim.lr_scheduler import LRScheduler
    if not isinstance(scheduler, LRScheduler):
        raise MetricError(f"fit: scheduler should be a dlkit.optim.lr_scheduler schedule (e.g. StepLR(optimizer, "
                          f"10)), got {type(scheduler).__name__}")
    if scheduler.optimizer is not optimizer:
        raise MetricError(f"fit: the {type(scheduler).__name__} schedules another optimizer than the one "
                          "given to fit; build it on the same optimizer")


def _step_scheduler(scheduler, per_batch, values):
    """After an epoch: step the schedule as a hand-written loop would (OneCycleLR already stepped per batch)."""
    if scheduler is None or per_batch is not None:
        return
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        scheduler.step(values.get("val_loss", values["loss"]))
    else:
        scheduler.step()


def _call(callbacks, method, *args):
    for callback in callbacks:
        hook = getattr(callback, method, None)
        if hook is not None:
            hook(*args)

