"""Turn what the user passes as data — ``(X, y)`` arrays or Tensors, a Dataset, a DataLoader — into batches."""
from ..data import DataLoader, Dataset, TensorDataset
from .metrics import MetricError


def as_loader(data, batch_size, shuffle=False, seed=None, what="data"):
    """A DataLoader over ``data``; a DataLoader given by the user is used as it is."""
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, Dataset):
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle, seed=seed)
    if isinstance(data, tuple | list) and len(data) == 2:
        return DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=shuffle, seed=seed)
    raise MetricError(f"{what}: expected a tuple (X, y) of arrays or Tensors, a Dataset or a DataLoader, "
                      f"got {type(data).__name__}" + (f" of length {len(data)}" if hasattr(data, "__len__")
                                                      else ""))
