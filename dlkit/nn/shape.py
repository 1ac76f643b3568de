"""Layers that only rearrange or pass on their input: ``Flatten``, ``Reshape``, ``Identity``."""
from ..functional._checks import as_tensor
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


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off)."""

    def forward(self, x):
        return x
