"""Layers that only rearrange or pass on their input: ``Flatten``, ``Unflatten``, ``Reshape``,
``Identity``."""
import numpy as np

from ..errors import ArgumentError, ShapeError
from ..functional._checks import as_tensor, check_int
from .module import Module


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` (by default all but the batch axis): (N, C, H, W) ->
    (N, C·H·W), the usual bridge from convolutions to ``Linear``."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return as_tensor(x, "Flatten").flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Reshape(Module):
    """Reshape each sample to ``shape``, keeping the batch axis: ``Reshape(1, 28, 28)`` turns (N, 784)
    into (N, 1, 28, 28). (PyTorch spells this ``nn.Unflatten(1, (1, 28, 28))``.)"""

    def __init__(self, *shape):
        super().__init__()
        self.shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape

    def forward(self, x):
        x = as_tensor(x, "Reshape")
        return x.reshape((x.shape[0],) + tuple(self.shape))

    def extra_repr(self):
        return ", ".join(str(s) for s in self.shape)


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: ``Unflatten(1, (1, 28, 28))`` turns
    (N, 784) into (N, 1, 28, 28) — the inverse of ``Flatten``. One entry may be -1 (inferred).

    >>> dlkit.nn.Unflatten(1, (2, 5))(dlkit.zeros(3, 10)).shape
    (3, 2, 5)
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = check_int(dim, "Unflatten", "dim")
        sizes = tuple(unflattened_size)
        for size in sizes:
            if check_int(size, "Unflatten", "unflattened_size entries", minimum=-1) == 0:
                raise ArgumentError(f"Unflatten: unflattened_size entries must be >= 1 (or one -1), "
                                    f"got {sizes}")
        self.unflattened_size = sizes

    def forward(self, x):
        x = as_tensor(x, "Unflatten")
        if not -x.ndim <= self.dim < x.ndim:
            raise ShapeError(f"{self!r}: dim {self.dim} is out of range for input shape {tuple(x.shape)}")
        dim = self.dim % x.ndim
        known = int(np.prod([s for s in self.unflattened_size if s != -1]))
        fits = (x.shape[dim] % known == 0) if -1 in self.unflattened_size else x.shape[dim] == known
        if not fits:
            raise ShapeError(f"{self!r}: cannot split dimension {dim} of size {x.shape[dim]} (input "
                             f"shape {tuple(x.shape)}) into {self.unflattened_size}")
        return x.reshape(x.shape[:dim] + self.unflattened_size + x.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off). Any arguments are
    accepted and ignored, as in PyTorch."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x
