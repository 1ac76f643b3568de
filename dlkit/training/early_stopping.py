"""``EarlyStopping``: stop training when the validation loss stops improving, keep the best weights."""
import math

from .metrics import MetricError


class EarlyStopping:
    """A ``fit`` callback that ends training after ``patience`` epochs without improvement.

    Parameters
    ----------
    patience : int, default 5
        How many epochs in a row may pass without a new best value.
    monitor : str, optional
        The History entry to watch; default ``"val_loss"`` when there is validation data, else ``"loss"``.
    min_delta : float, default 0
        An improvement must beat the best value by more than this.
    mode : "auto", "min" or "max"
        "auto": higher is better for names ending in "accuracy", lower for everything else.
    restore_best : bool, default True
        At the end, put back the weights of the best epoch (a NaN never counts as one; if it stopped
        with no epoch giving a number, the weights from before training).

    Examples
    --------
    >>> fit(model, loss_fn, opt, (X, y), epochs=200, validation_data=(X_val, y_val),
    ...     early_stopping=EarlyStopping(patience=10))
    """

    def __init__(self, patience=5, monitor=None, min_delta=0.0, mode="auto", restore_best=True):
        if not isinstance(patience, int) or patience < 1:
            raise MetricError(f"EarlyStopping: patience must be an integer >= 1, got {patience!r}")
        if mode not in ("auto", "min", "max"):
            raise MetricError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.patience, self.monitor, self.min_delta = patience, monitor, min_delta
        self.mode, self.restore_best = mode, restore_best

    def on_train_begin(self, history):
        self.best, self.best_epoch, self.best_state, self.wait, self.nan_epochs = None, None, None, 0, 0
        # The fallback if no epoch ever gives a number to compare (the watched value is NaN throughout).
        self.initial_state = (history.model.state_dict() if self.restore_best and hasattr(history.model, "state_dict")
                              else None)

    def _better(self, value, best):
        higher = self.mode == "max" or (self.mode == "auto" and self.monitor.endswith("accuracy"))
        return value > best + self.min_delta if higher else value < best - self.min_delta

    def on_epoch_end(self, epoch, history):
        if self.monitor not in history:
            raise MetricError(f"EarlyStopping: cannot monitor {self.monitor!r}; the History has "
                              f"{sorted(history.keys())} (use validation_data= for 'val_...' entries)")
        value = history[self.monitor][-1]
        self.nan_epochs = self.nan_epochs + 1 if math.isnan(value) else 0
        if not math.isnan(value) and (self.best is None or self._better(value, self.best)):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best and hasattr(history.model, "state_dict"):
                self.best_state = history.model.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            history.stop_training = True
            best = ("no epoch gave a number" if self.best is None
                    else f"best {self.best:.4g} at epoch {self.best_epoch}")
            if self.nan_epochs >= self.patience:
                why = f"{self.monitor} was NaN for the last {self.nan_epochs} epochs"
            else:
                why = f"{self.monitor} did not improve for {self.patience} epochs"
            history.stopped_reason = f"early stopping: {why} ({best})"

    def on_train_end(self, history):
        history.best_epoch = self.best_epoch
        if not self.restore_best:
            return
        if self.best_state is not None:
            history.model.load_state_dict(self.best_state)
        elif self.initial_state is not None and self.best is None and self.wait >= self.patience:
            history.model.load_state_dict(self.initial_state)
            history.stopped_reason += "; the weights from before training were restored"
