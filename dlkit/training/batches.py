"""Turn what the user passes as data — ``(X, y)`` arrays or Tensors, a Dataset, a DataLoader — into batches."""
from ..data import DataError, DataLoader, Dataset, TensorDataset
from .metrics import MetricError


def as_loader(data, batch_size, shuffle=False, seed=None, what="data"):
    """A DataLoader over ``data`` with at least one batch; a DataLoader given by the user is used as it is."""
    if isinstance(data, DataLoader):
        loader = data
    elif isinstance(data, Dataset):
        loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle, seed=seed)
    elif isinstance(data, tuple | list) and len(data) == 2:
        loader = DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=shuffle, seed=seed)
    else:
        raise MetricError(f"{what}: expected a tuple (X, y) of arrays or Tensors, a Dataset or a DataLoader, "
                          f"got {type(data).__name__}" + (f" of length {len(data)}" if hasattr(data, "__len__")
                                                          else ""))
    require_batches(loader, what)
    return loader


def require_batches(loader, what):
    """Refuse a loader that yields no batch: an empty dataset, or ``drop_last`` dropping everything."""
    if len(loader) > 0:
        return
    examples = len(loader.dataset)
    if examples == 0:
        raise DataError(f"{what}: the data is empty (0 examples); there is nothing to train on or evaluate")
    raise DataError(f"{what}: {examples} examples but batch_size={loader.batch_size} with drop_last=True, so "
                    "drop_last dropped every example; use drop_last=False or a batch_size <= "
                    f"{examples}")
