"""``DataLoader``: walk a dataset in mini-batches, in the order a sampler gives, collated into Tensors.

Same arguments, in the same order, as ``torch.utils.data.DataLoader``; everything runs in the main
process (``num_workers``, ``pin_memory``, ``timeout``... are accepted so PyTorch code ports, and do
nothing here).
"""
import numbers

import numpy as np

from ..tensor import Tensor
from .collate import default_collate
from .dataset import DataError, Dataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .split import Subset


class DataLoader:
    """Batches of examples from ``dataset``, one epoch per ``for`` loop.

    Parameters
    ----------
    dataset : Dataset (or a tuple ``(X, y)`` of arrays, wrapped in a TensorDataset)
    batch_size : int or None, default 1
        None: no batching, the examples one by one (as Tensors).
    shuffle : bool, default False
        Visit the examples in a new random order every epoch.
    sampler : iterable of indices, optional
        The order of the examples (e.g. ``SubsetRandomSampler``); not with ``shuffle``.
    batch_sampler : iterable of lists of indices, optional
        Whole batches at once; not with ``batch_size``, ``shuffle``, ``sampler`` or ``drop_last``.
    num_workers : int, default 0 (accepted; dlkit always loads in the main process)
    collate_fn : function(list of examples) -> batch, optional
        Default :func:`default_collate`: stack into Tensors, keeping tuples/lists/dicts.
    drop_last : bool, default False
        Skip the last batch when it would be smaller than ``batch_size``.
    generator : numpy Generator or int seed, optional
        The random source of ``shuffle``.
    seed : int, optional (keyword-only, dlkit's shorthand)
        Same as ``generator=np.random.default_rng(seed)``: the same seed gives the same sequence of
        epoch orders. With neither, shuffling draws from ``dlkit.get_rng()`` (``dlkit.manual_seed``).

    Yields
    ------
    The collated batch: for ``(x, y)`` examples a tuple ``(x_batch, y_batch)`` of Tensors (PyTorch gives a
    list; both unpack the same way); features keep their float dtype, integer labels become int64.

    Examples
    --------
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
    >>> for x_batch, y_batch in loader:
    ...     loss = loss_fn(model(x_batch), y_batch)
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True, seed=None):
        if isinstance(dataset, tuple | list):
            dataset = TensorDataset(*dataset)
        if not isinstance(dataset, Dataset) and not (hasattr(dataset, "__len__")
                                                     and hasattr(dataset, "__getitem__")):
            raise DataError(f"DataLoader: expected a Dataset (with __len__ and __getitem__) or a tuple "
                            f"(X, y) of arrays, got {type(dataset).__name__}")
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool)
                                       or batch_size < 1):
            raise DataError(f"DataLoader: batch_size must be a positive integer (or None), got {batch_size!r}")
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise DataError(f"DataLoader: num_workers must be an integer >= 0, got {num_workers!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise DataError(f"DataLoader: collate_fn must be a function(list of examples) -> batch, "
                            f"got {type(collate_fn).__name__}")
        if seed is not None:
            if generator is not None:
                raise DataError("DataLoader: give generator= or seed=, not both")
            generator = np.random.default_rng(seed)
        if sampler is not None and shuffle:
            raise DataError("DataLoader: sampler= and shuffle=True cannot be used together (the sampler "
                            "decides the order; use RandomSampler for a random one)")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise DataError("DataLoader: batch_sampler= decides the batches, so it cannot be used with "
                            "batch_size, shuffle, sampler or drop_last")
        if batch_size is None and drop_last:
            raise DataError("DataLoader: drop_last=True needs a batch_size (got batch_size=None)")

        self.dataset, self.num_workers, self.drop_last = dataset, num_workers, bool(drop_last)
        self.shuffle, self.seed, self.generator = bool(shuffle), seed, generator
        self.collate_fn = collate_fn
        if batch_sampler is not None:
            self.batch_size, self.drop_last = None, False
        else:
            self.batch_size = None if batch_size is None else int(batch_size)
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, self.batch_size, self.drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler

    def __len__(self):
        """Number of batches per epoch (examples, with ``batch_size=None``)."""
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

    def __iter__(self):
        if self.batch_sampler is None:  # batch_size=None: one example at a time
            for index in self.sampler:
                example = self.dataset[int(index)]
                yield self.collate_fn(example) if self.collate_fn else _convert(example)
            return
        batches = (self.batch_sampler.index_arrays() if isinstance(self.batch_sampler, BatchSampler)
                   else self.batch_sampler)
        arrays, rows = _tensor_arrays(self.dataset) if self.collate_fn is None else (None, None)
        for indices in batches:
            if arrays is not None:
                # Fast path: one fancy-indexing per array instead of one __getitem__ per example.
                picked = np.asarray(indices, dtype=np.int64)
                picked = picked if rows is None else rows[picked]
                yield tuple(Tensor(a[picked]) for a in arrays)
            else:
                examples = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(examples)

    def __repr__(self):
        order = ("shuffle=True" if self.shuffle else f"sampler={type(self.sampler).__name__}")
        return (f"DataLoader({len(self.dataset)} examples, batch_size={self.batch_size}, {order}, "
                f"drop_last={self.drop_last}, seed={self.seed})")


def _tensor_arrays(dataset):
    """(arrays, row numbers or None for all rows) when ``dataset`` is a TensorDataset, or Subsets of one;
    else (None, None)."""
    rows = None
    while isinstance(dataset, Subset):
        own = np.asarray(dataset.indices, dtype=np.int64)
        rows = own if rows is None else own[rows]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None, None
    return dataset.arrays, rows


def _convert(example):
    """One example as Tensors (``batch_size=None``), keeping its structure."""
    if isinstance(example, tuple | list):
        converted = [_convert(e) for e in example]
        return tuple(converted) if isinstance(example, tuple) else converted
    if isinstance(example, dict):
        return {k: _convert(v) for k, v in example.items()}
    if isinstance(example, np.ndarray | numbers.Number | np.generic):
        return Tensor(np.asarray(example))
    return example
