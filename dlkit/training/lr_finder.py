"""``lr_find``: the learning-rate range test (Smith 2017) — train briefly while the lr grows, watch the loss.

Start with a tiny learning rate and multiply it a little after every mini-batch. At first the loss
barely moves (the steps are too small), then it falls fast, then it blows up (the steps overshoot).
A good learning rate sits on the steep downhill part, well before the blow-up. The model's weights
and the optimizer are put back afterwards: the test only looks.
"""
import math
from typing import NamedTuple

import numpy as np

from .batches import as_loader
from .metrics import MetricError


class LRFinderResult(NamedTuple):
    """What :func:`lr_find` measured; unpacks as ``lrs, losses = lr_find(...)``."""

    lrs: list
    losses: list

    def suggestion(self, rule="steepest"):
        """A learning rate to start from, read off the curve; ``rule`` says how.

        ``"steepest"`` (default): the lr where the smoothed loss falls fastest against log lr, strictly
        before its minimum. The slope at a point is the central difference of its two neighbours, so
        the drop into the minimum (where the next steps start to overshoot) never counts as the
        steepest point, and the answer is a point on the downhill part, below the minimum's lr.
        ``"min/10"``: the lr of the lowest loss divided by 10 (the other common rule of thumb).
        """
        if rule not in ("steepest", "min/10"):
            raise MetricError(f"lr_find: suggestion rule must be 'steepest' or 'min/10', got {rule!r}")
        if len(self.lrs) < 3:
            raise MetricError(f"lr_find: only {len(self.lrs)} points were measured, too few to suggest an lr; "
                              "lower start_lr or raise num_steps")
        losses, log_lrs = np.asarray(self.losses, dtype=float), np.log10(self.lrs)
        lowest = int(np.argmin(losses))
        if rule == "min/10":
            return float(self.lrs[lowest]) / 10
        if lowest < 2:
            raise MetricError(f"lr_find: the loss is lowest at lr {self.lrs[lowest]:.3g}, point {lowest + 1} of "
                              f"{len(self.lrs)}: no downhill part to suggest from; lower start_lr")
        inner = np.arange(1, lowest)                   # points with a neighbour on each side, before the minimum
        slopes = (losses[inner + 1] - losses[inner - 1]) / (log_lrs[inner + 1] - log_lrs[inner - 1])
        return float(self.lrs[int(inner[np.argmin(slopes)])])

    def plot(self, ax=None, suggest=True):
        """Loss against lr on a log axis (see :func:`dlkit.viz.plots.lr_finder.plot_lr_finder`)."""
        from ..viz.plots.lr_finder import plot_lr_finder
        return plot_lr_finder(self.lrs, self.losses, ax=ax, suggestion=self.suggestion() if suggest else None)


def lr_find(model, loss_fn, optimizer, data, start_lr=1e-7, end_lr=10.0, num_steps=100, batch_size=32,
            smooth_factor=0.05, diverge_th=5.0, seed=0):
    """Run the learning-rate range test; return ``(lrs, losses)`` and leave model and optimizer as they were.

    Parameters
    ----------
    model : Module
    loss_fn : callable(outputs, targets) -> scalar Tensor
    optimizer : an optimizer over ``model.parameters()``, or a function ``params -> optimizer``
        (e.g. ``lambda p: optim.SGD(p, lr=0.1, momentum=0.9)``). Its lr is overwritten during the test
        and restored (with its state) afterwards.
    data : ``(X, y)``, a Dataset or a DataLoader; batches are cycled if ``num_steps`` needs more.
    start_lr, end_lr : float, default 1e-7 and 10
        The lr grows geometrically from ``start_lr`` to ``end_lr`` over ``num_steps`` batches.
    num_steps : int, default 100
    batch_size : int, default 32 (ignored for a DataLoader)
    smooth_factor : float, default 0.05
        Weight of each new loss in the running average (an exponential moving average, bias-corrected).
    diverge_th : float, default 5
        Stop once the smoothed loss exceeds ``diverge_th`` × its lowest value (or is NaN/inf).
    seed : int, default 0
        Shuffling seed of the batches.

    Returns
    -------
    LRFinderResult
        ``(lrs, losses)``: the lr of each step and the smoothed loss it gave; ``.suggestion()`` and
        ``.plot()`` help read it.

    Examples
    --------
    >>> lrs, losses = lr_find(model, nn.CrossEntropyLoss(), lambda p: optim.SGD(p, lr=0.1), (X, y))
    >>> lr_find(model, loss_fn, optimizer, (X, y)).plot()
    """
    _check_arguments(start_lr, end_lr, num_steps, smooth_factor, diverge_th)
    if not hasattr(optimizer, "param_groups") and callable(optimizer):  # a factory, e.g. lambda p: optim.SGD(p)
        optimizer = optimizer(model.parameters())
    if not hasattr(optimizer, "param_groups"):
        raise MetricError(f"lr_find: optimizer should be a dlkit optimizer or a function params -> optimizer, "
                          f"got {type(optimizer).__name__}")
    loader = as_loader(data, batch_size, shuffle=True, seed=seed, what="lr_find: data")
    saved_weights, saved_optimizer = model.state_dict(), optimizer.state_dict()
    was_training = getattr(model, "training", True)
    growth = (end_lr / start_lr) ** (1 / (num_steps - 1))
    lrs, losses = [], []
    average, best = 0.0, math.inf
    try:
        model.train()
        for step, (x, y) in enumerate(_cycle(loader)):
            if step == num_steps:
                break
            lr = start_lr * growth ** step
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            value = loss.item()
            average = (1 - smooth_factor) * average + smooth_factor * value
            smoothed = average / (1 - (1 - smooth_factor) ** (step + 1))  # undo the bias of starting at 0
            if not math.isfinite(smoothed):
                break
            lrs.append(lr)
            losses.append(smoothed)
            if smoothed > diverge_th * best:
                break  # diverged: the rest of the curve would only climb
            best = min(best, smoothed)
            loss.backward()
            optimizer.step()
    finally:
        model.load_state_dict(saved_weights)
        optimizer.load_state_dict(saved_optimizer)
        optimizer.zero_grad()
        if not was_training:
            model.eval()
    return LRFinderResult(lrs, losses)


def _cycle(loader):
    while True:
        yield from loader


def _check_arguments(start_lr, end_lr, num_steps, smooth_factor, diverge_th):
    def number(x):
        return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
    if not (number(start_lr) and start_lr > 0):
        raise MetricError(f"lr_find: start_lr must be a number > 0, got {start_lr!r}")
    if not (number(end_lr) and end_lr > start_lr):
        raise MetricError(f"lr_find: end_lr must be a number > start_lr={start_lr}, got {end_lr!r}")
    if not (isinstance(num_steps, int) and num_steps >= 2):
        raise MetricError(f"lr_find: num_steps must be an integer >= 2, got {num_steps!r}")
    if not (number(smooth_factor) and 0 < smooth_factor <= 1):
        raise MetricError(f"lr_find: smooth_factor must be in (0, 1], got {smooth_factor!r}")
    if not (number(diverge_th) and diverge_th > 1):
        raise MetricError(f"lr_find: diverge_th must be a number > 1, got {diverge_th!r}")
