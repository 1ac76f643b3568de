"""``default_collate``: turn a list of examples into one batch, as ``torch.utils.data.default_collate``.

Examples that are arrays or numbers are stacked into one Tensor (integers become int64, the labels
dtype); tuples, lists and dicts are collated field by field, so ``(x, y)`` examples give ``(X, Y)``.
"""
import numbers

import numpy as np

from ..tensor import Tensor
from .dataset import DataError


def default_collate(batch):
    """Stack a list of examples into Tensors, keeping their structure (tuple, list, dict)."""
    first = batch[0]
    if isinstance(first, dict):
        return {key: default_collate([example[key] for example in batch]) for key in first}
    if isinstance(first, tuple | list):
        if any(len(example) != len(first) for example in batch):
            raise DataError(f"default_collate: examples have different numbers of fields "
                            f"({sorted({len(e) for e in batch})}); every example must have the same structure")
        fields = [default_collate(list(column)) for column in zip(*batch)]
        return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, str | bytes):
        return list(batch)
    if isinstance(first, Tensor | np.ndarray | numbers.Number | np.generic):
        arrays = [np.asarray(e.data if isinstance(e, Tensor) else e) for e in batch]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise DataError(f"default_collate: cannot stack examples of shapes {sorted(shapes)} into one batch; "
                            "pad them to one shape or pass collate_fn=")
        stacked = np.stack(arrays)
        return Tensor(stacked.astype(np.int64) if stacked.dtype.kind in "iub" else stacked)
    raise DataError(f"default_collate: cannot batch examples of type {type(first).__name__}; "
                    "return arrays, numbers, tuples, lists or dicts from __getitem__, or pass collate_fn=")
