"""Catch a training loop that keeps every batch's graph alive (``total = total + loss * n``).

Such a loop gives the right numbers, so comparing values cannot catch it; but the sum is a Tensor whose
graph reaches back through every batch, so memory grows with the epoch. A check hands the learner's
loop a watched loss function: each time it is called, the losses of batches two or more steps back must
be gone (a correct loop keeps at most the previous batch's ``loss`` variable).

>>> watched = GraphWatch(nn.CrossEntropyLoss())
>>> answer(model, watched, optimizer, loader)
>>> watched.assert_let_go("your train_epoch")
"""
import gc
import weakref

from ..tensor import Tensor
from .compare import Mismatch


class GraphWatch:
    """A loss function wrapper that notices when earlier batches' loss Tensors are still alive.

    Parameters
    ----------
    loss_fn : callable
        The loss function the learner's loop calls, e.g. ``nn.CrossEntropyLoss()``.
    """

    def __init__(self, loss_fn):
        self.loss_fn = loss_fn
        self.losses = []       # weak references: watching must not keep anything alive itself
        self.kept_at = None    # (batch number, how many earlier graphs were alive), first time seen

    def __call__(self, *args, **kwargs):
        self._look()
        loss = self.loss_fn(*args, **kwargs)
        if isinstance(loss, Tensor):
            self.losses.append(weakref.ref(loss))
        return loss

    def _alive(self):
        return [ref for ref in self.losses[:-1] if ref() is not None]

    def _look(self):
        if self.kept_at is not None or not self._alive():
            return
        gc.collect()  # only when something looks alive: a reference cycle may just be waiting for gc
        alive = self._alive()
        if alive:
            self.kept_at = (len(self.losses) + 1, len(alive))

    def assert_let_go(self, what):
        """Raise :class:`Mismatch` if, during the loop, earlier batches' graphs were kept alive."""
        if self.kept_at is None:
            return
        batch, count = self.kept_at
        raise Mismatch(f"{what} keeps every batch's graph alive: when batch {batch} started, the loss "
                       f"Tensors of {count} earlier batches (and the graphs behind them) still existed",
                       "add up plain numbers (loss.item()), not loss Tensors: a sum of Tensors remembers "
                       "how it was made, batch after batch")
