"""fit / evaluate / predict: the loop trains, History records, train/eval modes, callbacks, NaN stop."""
import numpy as np
import pytest

import dlkit
from dlkit import nn, optim
from dlkit.data import DataLoader, TensorDataset, make_blobs
from dlkit.training import MetricError


def _blobs():
    X, y = make_blobs(n_samples=120, n_classes=3, noise=0.4, seed=0)
    return X, y


def _model(seed=0):
    dlkit.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))


def test_fit_lowers_the_loss_and_records_every_epoch():
    X, y = _blobs()
    model = _model()
    history = dlkit.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), (X, y),
                        epochs=8, batch_size=16, validation_data=(X, y), progress=False)
    assert isinstance(history, dlkit.History)
    assert history.epochs == list(range(1, 9))
    assert set(history.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 8 for v in history.history.values())
    assert history["loss"][-1] < history["loss"][0] / 2
    assert history["val_accuracy"][-1] > 0.9
    assert history.stopped_reason is None


def test_the_recorded_loss_is_the_example_weighted_mean_of_the_batch_losses():
    # One epoch of plain SGD with lr=0: weights never change, so the epoch loss must equal the loss
    # on the whole set computed directly (batches of 16, 16, ..., 8 weighted by their sizes).
    X, y = _blobs()
    model = _model()
    history = dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0), (X, y),
                        epochs=1, batch_size=16, progress=False)
    logits = model(dlkit.Tensor(X)).data
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(y)), y])
    assert history["loss"][0] == pytest.approx(expected, rel=1e-12)


def test_same_seed_gives_the_same_history_and_weights():
    X, y = _blobs()
    runs = []
    for _ in range(2):
        model = _model()
        h = dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                      (X, y), epochs=3, seed=5, progress=False)
        runs.append((h["loss"], model.state_dict()["0.weight"]))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_model_is_in_train_mode_during_fit_and_eval_mode_during_evaluation():
    seen = []

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 3)

        def forward(self, x):
            seen.append(("train" if self.training else "eval", len(x)))
            return self.linear(x)

    X, y = _blobs()
    model = Spy()
    dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X[:40], y[:40]),
              epochs=2, batch_size=20, validation_data=(X[:10], y[:10]), progress=False)
    assert seen == [("train", 20), ("train", 20), ("eval", 10)] * 2
    seen.clear()
    dlkit.predict(model, X[:5])
    dlkit.evaluate(model, nn.CrossEntropyLoss(), (X[:5], y[:5]))
    assert seen == [("eval", 5), ("eval", 5)]
    assert model.training  # evaluate/predict put the previous mode back


def test_callbacks_are_called_in_order_with_the_history():
    calls = []

    class Recorder:
        def on_train_begin(self, history):
            calls.append(("begin", len(history)))

        def on_epoch_end(self, epoch, history):
            calls.append(("epoch", epoch, len(history["loss"])))

        def on_train_end(self, history):
            calls.append(("end", len(history)))

    class OnlyEpochs:  # methods are optional
        def on_epoch_end(self, epoch, history):
            calls.append(("only", epoch))

    X, y = _blobs()
    model = _model()
    dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=2,
              callbacks=[Recorder(), OnlyEpochs()], progress=False)
    assert calls == [("begin", 0), ("epoch", 1, 1), ("only", 1), ("epoch", 2, 2), ("only", 2), ("end", 2)]


def test_a_callback_can_stop_training():
    class StopAtTwo:
        def on_epoch_end(self, epoch, history):
            if epoch == 2:
                history.stop_training, history.stopped_reason = True, "enough"

    X, y = _blobs()
    model = _model()
    h = dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=10,
                  callbacks=[StopAtTwo()], progress=False)
    assert h.epochs == [1, 2] and h.stopped_reason == "enough"


def test_nan_loss_stops_training_with_a_warning_and_a_reason():
    X, y = _blobs()
    X = X.copy()
    X[70] = np.nan  # a bad example in the fifth batch of 16 (unshuffled)
    model = _model()
    before = model.state_dict()
    with pytest.warns(RuntimeWarning, match=r"loss became nan at epoch 1, batch 5"):
        h = dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
                      epochs=5, batch_size=16, shuffle=False, progress=False)
    assert "nan" in h.stopped_reason and "smaller learning rate" in h.stopped_reason
    assert h.epochs == []  # the unfinished epoch is not recorded
    after = model.state_dict()
    assert all(np.all(np.isfinite(v)) for v in after.values())  # the NaN batch made no update
    assert not np.array_equal(before["0.weight"], after["0.weight"])  # the four good batches did


def test_exploding_loss_to_inf_is_caught_too():
    X, y = _blobs()
    model = _model()
    with pytest.warns(RuntimeWarning, match="loss became"), np.errstate(over="ignore", invalid="ignore"):
        h = dlkit.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e6),
                      (X, np.eye(3)[y] * 1e3), epochs=50, metrics=(), progress=False)
    assert h.stopped_reason is not None and len(h) < 50


def test_a_dataloader_or_dataset_works_as_train_data():
    X, y = _blobs()
    model = _model()
    loader = DataLoader(TensorDataset(X, y), batch_size=40, shuffle=True, seed=1)
    h = dlkit.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), loader, epochs=3,
                  validation_data=TensorDataset(X, y), progress=False)
    assert len(h["val_loss"]) == 3


def test_regression_metrics_by_name_and_callables():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    y = (X @ np.array([[1.0], [-2.0], [0.5]]))
    dlkit.manual_seed(0)
    model = nn.Linear(3, 1)

    def max_error(outputs, targets):
        return float(np.max(np.abs(outputs - targets)))

    h = dlkit.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=20,
                  metrics=["mae", "rmse", max_error], progress=False)
    assert set(h.keys()) == {"loss", "mae", "rmse", "max_error"}
    assert h["rmse"][-1] < 0.05
    results = dlkit.evaluate(model, nn.MSELoss(), (X, y), metrics=["mae", "rmse"])
    predictions = dlkit.predict(model, X)
    assert results["mae"] == pytest.approx(np.mean(np.abs(predictions - y)))
    assert results["rmse"] == pytest.approx(np.sqrt(np.mean((predictions - y) ** 2)))
    assert results["loss"] == pytest.approx(np.mean((predictions - y) ** 2))


def test_predict_returns_numpy_in_batches_equal_to_one_big_forward():
    X, _ = _blobs()
    model = _model()
    out = dlkit.predict(model, X, batch_size=7)
    assert isinstance(out, np.ndarray) and out.shape == (120, 3)
    np.testing.assert_allclose(out, model(dlkit.Tensor(X)).data)


def test_unknown_metric_name_lists_the_known_ones():
    X, y = _blobs()
    model = _model()
    with pytest.raises(MetricError, match="unknown metric 'accurracy'.*'accuracy'"):
        dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
                  metrics=["accurracy"], progress=False)


def test_bad_train_data_is_a_clear_error():
    model = _model()
    with pytest.raises(MetricError, match=r"expected a tuple \(X, y\)"):
        dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), np.zeros((4, 2)),
                  progress=False)


def test_progress_bar_runs_in_a_terminal(capsys):
    X, y = _blobs()
    model = _model()
    dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=2,
              progress=True)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "batch" in err


EMPTY = (np.zeros((0, 2)), np.zeros(0, dtype=np.int64))


@pytest.mark.parametrize("call", [
    lambda m: dlkit.fit(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters(), lr=0.1), EMPTY, progress=False),
    lambda m: dlkit.fit(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters(), lr=0.1), _blobs(),
                        validation_data=EMPTY, progress=False),
    lambda m: dlkit.evaluate(m, nn.CrossEntropyLoss(), EMPTY),
    lambda m: dlkit.predict(m, EMPTY[0]),
], ids=["fit", "fit-validation", "evaluate", "predict"])
def test_empty_data_is_a_data_error_that_says_so(call):
    with pytest.raises(dlkit.data.DataError, match=r"the data is empty \(0 examples\)"):
        call(_model())


def test_drop_last_dropping_every_batch_is_a_data_error_that_says_so():
    X, y = _blobs()
    loader = DataLoader(TensorDataset(X[:10], y[:10]), batch_size=32, drop_last=True)
    model = _model()
    for call in (lambda: dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader,
                                   progress=False),
                 lambda: dlkit.evaluate(model, nn.CrossEntropyLoss(), loader),
                 lambda: dlkit.predict(model, loader)):
        with pytest.raises(dlkit.data.DataError, match=r"10 examples but batch_size=32 with drop_last=True"):
            call()


def test_an_optimizer_over_another_models_parameters_is_refused_before_training():
    X, y = _blobs()
    old_model, model = _model(0), _model(1)
    optimizer = optim.SGD(old_model.parameters(), lr=0.1)  # built before the model was re-created
    before = [p.data.copy() for p in old_model.parameters()]
    with pytest.raises(optim.OptimizerError, match=r"none of which is a parameter of this Sequential"):
        dlkit.fit(model, nn.CrossEntropyLoss(), optimizer, (X, y), epochs=1, progress=False)
    assert all(np.array_equal(b, p.data) for b, p in zip(before, old_model.parameters()))


def test_an_optimizer_over_part_of_the_model_is_fine():
    X, y = _blobs()
    model = _model()
    head = list(model.parameters())[-2:]
    history = dlkit.fit(model, nn.CrossEntropyLoss(), optim.SGD(head, lr=0.1), (X, y), epochs=1, progress=False)
    assert len(history) == 1


def _manual_training(model, optimizer, scheduler, loader, epochs, plateau_on=None):
    """The hand-written loop fit stands for, with a schedule stepped as the PyTorch docs say."""
    lrs = []
    for _ in range(epochs):
        lrs.append(optimizer.param_groups[0]["lr"])
        model.train()
        total, count = 0.0, 0
        for x, y in loader:
            optimizer.zero_grad()
            loss = nn.CrossEntropyLoss()(model(x), y)
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(x), count + len(x)
            if isinstance(scheduler, optim.OneCycleLR):
                scheduler.step()
        if isinstance(scheduler, optim.ReduceLROnPlateau):
            scheduler.step(total / count)
        elif not isinstance(scheduler, optim.OneCycleLR):
            scheduler.step()
    return lrs


@pytest.mark.parametrize("make", [
    lambda o: optim.StepLR(o, step_size=2, gamma=0.5),
    lambda o: optim.SequentialLR(o, [optim.LinearLR(o, start_factor=0.2, total_iters=2),
                                     optim.ExponentialLR(o, gamma=0.8)], milestones=[2]),
    lambda o: optim.ReduceLROnPlateau(o, factor=0.5, patience=0, threshold=0.9),
    lambda o: optim.OneCycleLR(o, max_lr=0.2, total_steps=5 * 6),
], ids=["StepLR", "SequentialLR", "ReduceLROnPlateau", "OneCycleLR"])
def test_fit_steps_a_scheduler_as_the_hand_written_loop_does(make):
    X, y = _blobs()
    runs = []
    for use_fit in (True, False):
        model = _model()
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        scheduler = make(optimizer)
        loader = DataLoader(TensorDataset(X, y), batch_size=20, shuffle=True, seed=0)
        if use_fit:
            history = dlkit.fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=5, metrics=(),
                                progress=False, scheduler=scheduler)
            lrs = history.lrs
        else:
            lrs = _manual_training(model, optimizer, scheduler, loader, 5)
        runs.append((lrs, [p.data.copy() for p in model.parameters()]))
    (fit_lrs, fit_weights), (hand_lrs, hand_weights) = runs
    np.testing.assert_allclose(fit_lrs, hand_lrs, rtol=1e-15)
    assert len(set(fit_lrs)) > 1
    for a, b in zip(fit_weights, hand_weights):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_step_lr_in_fit_gives_the_hand_computed_lrs():
    X, y = _blobs()
    model = _model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    history = dlkit.fit(model, nn.CrossEntropyLoss(), optimizer, (X, y), epochs=5, progress=False,
                        scheduler=optim.StepLR(optimizer, step_size=2, gamma=0.5))
    np.testing.assert_allclose(history.lrs, [0.1, 0.1, 0.05, 0.05, 0.025])


def test_a_scheduler_of_another_optimizer_is_refused():
    X, y = _blobs()
    model = _model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    other = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(MetricError, match="another optimizer"):
        dlkit.fit(model, nn.CrossEntropyLoss(), optimizer, (X, y), progress=False,
                  scheduler=optim.StepLR(other, 2))
    with pytest.raises(MetricError, match="scheduler should be"):
        dlkit.fit(model, nn.CrossEntropyLoss(), optimizer, (X, y), progress=False, scheduler="step")
