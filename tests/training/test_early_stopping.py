"""EarlyStopping: stops after `patience` epochs without improvement and restores the best weights."""
import numpy as np
import pytest

import dlkit
from dlkit import nn, optim
from dlkit.training import EarlyStopping, MetricError


class ScriptedModel(nn.Module):
    """One weight that counts the epochs; its validation loss follows a script given in advance."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.zeros(1))

    def forward(self, x):
        return x * 0 + self.weight


class FrozenSGD(optim.SGD):
    def step(self):  # training leaves the weight alone: only the script below changes it
        pass


def _scripted_fit(script, early_stopping, epochs=20):
    """fit() where epoch k's val_loss is script[k-1] and the weight equals k after epoch k."""
    model, values = ScriptedModel(), iter(script)

    def scripted_loss(out, target):
        if model.training:
            return (out - target).mean()
        model.weight.data[...] += 1  # validation runs once per epoch: the weight counts epochs
        return (out - target).mean() * 0 + next(values)

    X, y = np.zeros((1, 1)), np.zeros((1, 1))
    history = dlkit.fit(model, scripted_loss, FrozenSGD(model.parameters(), lr=0.1), (X, y), epochs=epochs,
                        validation_data=(X, y), metrics=(), early_stopping=early_stopping, progress=False)
    return history, model


def test_stops_after_patience_epochs_without_improvement_and_restores_the_best():
    script = [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 1.0, 0.5]
    h, model = _scripted_fit(script, EarlyStopping(patience=3))
    assert h.epochs == [1, 2, 3, 4, 5, 6]  # best at epoch 3, then 3 epochs without improvement
    assert h["val_loss"] == [5.0, 4.0, 3.0, 3.5, 3.2, 3.1]
    assert "val_loss did not improve for 3 epochs" in h.stopped_reason
    assert h.best_epoch == 3
    assert model.weight.data[0] == 3.0  # the weights of epoch 3 are back


def test_an_int_means_patience_and_restore_best_can_be_off():
    script = [5.0, 4.0, 4.5, 4.6, 4.7, 0.0]
    h, model = _scripted_fit(script, 2)
    assert h.epochs == [1, 2, 3, 4]
    assert model.weight.data[0] == 2.0
    h, model = _scripted_fit(script, EarlyStopping(patience=2, restore_best=False))
    assert model.weight.data[0] == 4.0


def test_min_delta_counts_tiny_improvements_as_none():
    script = [1.0, 0.999, 0.998, 0.997, 0.5]
    h, _ = _scripted_fit(script, EarlyStopping(patience=2, min_delta=0.01))
    assert h.epochs == [1, 2, 3]


def test_accuracy_is_maximised():
    stopper = EarlyStopping(patience=1, monitor="val_accuracy")
    history = dlkit.History()
    stopper.on_train_begin(history)
    for epoch, value in enumerate([0.5, 0.7, 0.6], start=1):
        history.record(epoch, {"val_accuracy": value})
        stopper.on_epoch_end(epoch, history)
    assert history.stop_training and stopper.best == 0.7


def test_monitoring_a_missing_entry_is_a_clear_error():
    stopper = EarlyStopping(patience=1, monitor="val_loss")
    history = dlkit.History()
    stopper.on_train_begin(history)
    history.record(1, {"loss": 1.0})
    with pytest.raises(MetricError, match=r"cannot monitor 'val_loss'.*\['loss'\].*validation_data"):
        stopper.on_epoch_end(1, history)


def test_bad_patience_is_refused():
    with pytest.raises(MetricError, match="patience"):
        EarlyStopping(patience=0)


def test_a_nan_watched_value_for_patience_epochs_stops_cleanly_says_why_and_restores_the_best():
    nan = float("nan")
    h, model = _scripted_fit([5.0, 4.0, nan, nan, nan, 1.0], EarlyStopping(patience=3))
    assert h.epochs == [1, 2, 3, 4, 5]
    assert "val_loss was NaN for the last 3 epochs" in h.stopped_reason
    assert "best 4 at epoch 2" in h.stopped_reason
    assert h.best_epoch == 2
    assert model.weight.data[0] == 2.0  # the weights of epoch 2 are back


def test_nan_from_the_first_epoch_stops_and_restores_the_weights_from_before_training():
    nan = float("nan")
    h, model = _scripted_fit([nan, nan, nan, 1.0], EarlyStopping(patience=2))
    assert h.epochs == [1, 2]
    assert "val_loss was NaN for the last 2 epochs" in h.stopped_reason
    assert "no epoch gave a number" in h.stopped_reason
    assert "weights from before training were restored" in h.stopped_reason
    assert h.best_epoch is None
    assert model.weight.data[0] == 0.0
    assert "NaN" in repr(h)
