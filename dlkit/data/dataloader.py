"""``DataLoader``: walk a dataset in mini-batches, shuffled with its own seed, as tuples of Tensors."""
import math
import numbers

import numpy as np

from ..tensor import Tensor
from .dataset import DataError, Dataset, TensorDataset


class DataLoader:
    """Batches of examples from ``dataset``, one epoch per ``for`` loop.

    Parameters
    ----------
    dataset : Dataset (or a tuple ``(X, y)`` of arrays, wrapped in a TensorDataset)
    batch_size : int, default 1
    shuffle : bool, default False
        Visit the examples in a new random order every epoch.
    drop_last : bool, default False
        Skip the last batch when it would be smaller than ``batch_size``.
    seed : int, optional
        Seed of the loader's own random generator: the same seed gives the same sequence of epoch
        orders; ``None`` draws from ``dlkit.get_rng()`` (so ``dlkit.manual_seed`` fixes it).

    Yields
    ------
    tuple of Tensor
        ``(x_batch, y_batch)``: features keep their float dtype, integer labels stay int64.

    Examples
    --------
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
    >>> for x_batch, y_batch in loader:
    ...     loss = loss_fn(model(x_batch), y_batch)
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        if isinstance(dataset, tuple | list):
            dataset = TensorDataset(*dataset)
        if not isinstance(dataset, Dataset) and not (hasattr(dataset, "__len__")
                                                     and hasattr(dataset, "__getitem__")):
            raise DataError(f"DataLoader: expected a Dataset (with __len__ and __getitem__) or a tuple "
                            f"(X, y) of arrays, got {type(dataset).__name__}")
        if (not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool)
                or batch_size < 1):
            raise DataError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.seed = bool(shuffle), bool(drop_last), seed
        if seed is None:
            from ..random import get_rng
            self._rng = get_rng()
        else:
            self._rng = np.random.default_rng(seed)

    def __len__(self):
        """Number of batches per epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for batch in range(len(self)):
            yield self._collate(order[batch * self.batch_size:(batch + 1) * self.batch_size])

    def _collate(self, indices):
        if isinstance(self.dataset, TensorDataset):
            # Fast path: one fancy-indexing per array instead of one __getitem__ per example.
            columns = [a[indices] for a in self.dataset.arrays]
        else:
            examples = [self.dataset[int(i)] for i in indices]
            examples = [e if isinstance(e, tuple) else (e,) for e in examples]
            columns = [np.stack([np.asarray(e[k].data if isinstance(e[k], Tensor) else e[k]) for e in examples])
                       for k in range(len(examples[0]))]
            columns = [c.astype(np.int64) if c.dtype.kind in "iub" else c for c in columns]
        return tuple(Tensor(c) for c in columns)

    def __repr__(self):
        return (f"DataLoader({len(self.dataset)} examples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})")
