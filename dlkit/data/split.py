"""``Subset`` and ``random_split``: views of a dataset, e.g. a training and a validation part."""
import itertools
import math
import numbers
import warnings

import numpy as np

from .dataset import DataError, Dataset
from .sampler import as_generator


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices``, in that order (no data is copied).

    Examples
    --------
    >>> first_hundred = Subset(train_set, range(100))
    """

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        if isinstance(index, list | tuple | np.ndarray):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)

    def __repr__(self):
        return f"Subset({len(self)} of {len(self.dataset)} examples)"


def random_split(dataset, lengths, generator=None, *, seed=None):
    """Split ``dataset`` into non-overlapping random ``Subset``\\ s of the given lengths.

    Parameters
    ----------
    dataset : Dataset
    lengths : sequence of int (summing to ``len(dataset)``) or of fractions (summing to 1)
        Fractions are turned into counts as PyTorch 2.x does: ``floor(n · fraction)`` each, and the
        examples left over go one by one to the first subsets.
    generator : numpy Generator or int seed, optional
        Default: dlkit's generator (``dlkit.manual_seed`` makes it repeatable).
    seed : int, optional
        Same as ``generator=seed``.

    Examples
    --------
    >>> train, val = random_split(TensorDataset(X, y), [0.8, 0.2], seed=0)
    """
    if seed is not None:
        if generator is not None:
            raise DataError("random_split: give generator= or seed=, not both")
        generator = seed
    lengths, n = list(lengths), len(dataset)
    if not lengths or not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in lengths):
        raise DataError(f"random_split: lengths should be a list of counts or fractions, got {lengths!r}")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for fraction in lengths:
            if not 0 <= fraction <= 1:
                raise DataError(f"random_split: the fraction {fraction} is not between 0 and 1")
        counts = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(counts)):  # the leftovers go round-robin, from the first subset on
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"random_split: subset {i} is empty ({n} examples split {lengths})", stacklevel=2)
        lengths = counts
    if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise DataError(f"random_split: lengths should be counts >= 0 or fractions summing to 1, got {lengths!r} "
                        f"(adding up to {sum(lengths):g})")
    if sum(lengths) != n:
        raise DataError(f"random_split: the lengths {lengths} add up to {sum(lengths)}, but the dataset has "
                        f"{n} examples")
    order = as_generator(generator, "random_split").permutation(n).tolist()
    return [Subset(dataset, order[end - length:end])
            for end, length in zip(itertools.accumulate(lengths), lengths)]
