"""``Dataset``: anything with a length whose item ``i`` is one example, e.g. ``(x, y)``.

``TensorDataset`` wraps arrays of equal length, like ``torch.utils.data.TensorDataset``.
"""
import numpy as np

from ..errors import DlkitError, ShapeError
from ..tensor import Tensor


class DataError(DlkitError, ValueError):
    """Data settings dlkit cannot use: a batch size of 0, a dataset file that is corrupt..."""


class Dataset:
    """Base class: subclasses define ``__len__`` and ``__getitem__(i)`` returning one example (a tuple)."""

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Examples are the rows of equally long arrays: item ``i`` is ``(X[i], y[i], ...)``.

    Parameters
    ----------
    *arrays : numpy arrays or Tensors, all with the same first dimension
        Float features keep their dtype; integer labels stay int64.

    Examples
    --------
    >>> data = TensorDataset(np.zeros((5, 2)), np.arange(5))
    >>> len(data), data[1][1]
    (5, 1)
    """

    def __init__(self, *arrays):
        if not arrays:
            raise DataError("TensorDataset: expected at least one array, e.g. TensorDataset(X, y)")
        self.arrays = tuple(_as_array(a, i) for i, a in enumerate(arrays))
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            shapes = [a.shape for a in self.arrays]
            raise ShapeError(f"TensorDataset: all arrays need the same number of rows (first dimension), "
                             f"got shapes {shapes}")

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


def _as_array(a, position):
    array = a.data if isinstance(a, Tensor) else np.asarray(a)
    if array.ndim == 0:
        raise ShapeError(f"TensorDataset: array {position} is a single number; expected one row per "
                         "example (at least 1-D)")
    if array.dtype.kind in "iub":
        return array.astype(np.int64, copy=False)
    return array
