"""``History``: what ``fit`` records, one value per epoch for the loss and every metric."""


class History:
    """Per-epoch records of a training run, as returned by :func:`dlkit.fit`.

    Attributes
    ----------
    history : dict
        ``"loss"``, ``"accuracy"``, ``"val_loss"``, ``"val_accuracy"``, ... -> list of floats,
        one per finished epoch.
    epochs : list of int
        The epoch numbers 1, 2, ... (x axis for plots).
    stopped_reason : str or None
        Why training ended before ``epochs`` (early stopping, a NaN/inf loss); None when it ran to the end.
    best_epoch : int or None
        With early stopping, the epoch whose weights were kept.
    lrs : list of float
        The learning rate each epoch started with (first parameter group): watch a schedule work.
    model : the model being trained (callbacks may need it, e.g. to restore the best weights).

    Examples
    --------
    >>> history = dlkit.fit(model, loss_fn, optimizer, (X, y), epochs=5)
    >>> history["loss"][-1] < history["loss"][0]
    True
    """

    def __init__(self, model=None, planned_epochs=None):
        self.history = {}
        self.planned_epochs = planned_epochs  # what fit was asked for (epochs=)
        self.lrs = []  # the learning rate (first parameter group) each epoch started with
        self.epochs = []
        self.model = model
        self.stopped_reason = None
        self.stop_training = False  # a callback sets this to end training after the current epoch
        self.best_epoch = None      # set by EarlyStopping

    def record(self, epoch, values):
        """Append one finished epoch's values (a dict name -> float)."""
        self.epochs.append(epoch)
        for name, value in values.items():
            self.history.setdefault(name, []).append(float(value))

    def __getitem__(self, name):
        if name not in self.history:
            raise KeyError(f"History has no {name!r}; it has {sorted(self.history)}")
        return self.history[name]

    def __contains__(self, name):
        return name in self.history

    def keys(self):
        return self.history.keys()

    def __len__(self):
        return len(self.epochs)

    def summary(self):
        """One line: the last epoch and its values, e.g. ``epoch 5/5 — loss 0.12, val_accuracy 0.97``."""
        if not self.epochs:
            text = "no epoch finished"
        else:
            of = f"/{self.planned_epochs}" if self.planned_epochs else ""
            values = ", ".join(f"{k} {v[-1]:.4g}" for k, v in self.history.items())
            text = f"epoch {self.epochs[-1]}{of} — {values}"
        if self.stopped_reason:
            text += f"; stopped: {self.stopped_reason}"
        return text

    def __repr__(self):
        return f"History({self.summary()})"
