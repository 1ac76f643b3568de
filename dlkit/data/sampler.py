"""Samplers: the order in which a ``DataLoader`` visits a dataset's examples (as ``torch.utils.data``).

A sampler is any iterable of example indices (with ``len``); a *batch* sampler yields lists of them.
``DataLoader(shuffle=True)`` is ``RandomSampler`` inside a ``BatchSampler``; pass your own to change it.
"""
import numbers

import numpy as np

from .dataset import DataError


def as_generator(generator, what):
    """A numpy Generator from ``generator``: a Generator, an int seed, or None (dlkit's own, ``manual_seed``)."""
    if generator is None:
        from ..random import get_rng
        return get_rng()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise DataError(f"{what}: generator should be a numpy Generator (np.random.default_rng(seed)) or an int "
                    f"seed, got {type(generator).__name__}")


class Sampler:
    """Base class: ``__iter__`` yields indices, ``__len__`` says how many."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, 2, ..., len(data_source) − 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def order(self):
        """This epoch's indices as one numpy array (what ``__iter__`` yields, without a Python loop)."""
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random order every epoch; with ``replacement=True``, ``num_samples`` independent draws.

    Parameters
    ----------
    data_source : a Dataset (anything with ``len``)
    replacement : bool, default False
    num_samples : int, optional (default: ``len(data_source)``)
    generator : numpy Generator or int seed, optional (default: dlkit's generator, see ``manual_seed``)
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement, self._num_samples = data_source, bool(replacement), num_samples
        self.generator = generator
        if num_samples is not None and (not isinstance(num_samples, numbers.Integral) or num_samples < 1):
            raise DataError(f"RandomSampler: num_samples should be a positive integer, got {num_samples!r}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        return iter(self.order().tolist())

    def order(self):
        """This epoch's indices as one numpy array (a fresh draw each call)."""
        rng = as_generator(self.generator, "RandomSampler")
        n = len(self.data_source)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples)
        if n == 0:
            return np.arange(0)
        orders = [rng.permutation(n) for _ in range(-(-self.num_samples // n))]  # whole epochs, then cut
        return np.concatenate(orders)[:self.num_samples]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a new random order every epoch."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = list(indices), generator

    def __iter__(self):
        rng = as_generator(self.generator, "SubsetRandomSampler")
        return iter([self.indices[i] for i in rng.permutation(len(self.indices))])

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
            raise DataError(f"BatchSampler: batch_size must be a positive integer, got {batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), bool(drop_last)

    def index_arrays(self):
        """The batches as numpy index arrays: sliced from the sampler's ``order()`` when it has one
        (no Python loop over examples), else gathered from its iterator."""
        if not hasattr(self.sampler, "order"):
            yield from (np.asarray(batch, dtype=np.int64) for batch in self)
            return
        order = self.sampler.order()
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start:start + self.batch_size]

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
