"""``Embedding``: a learnable table with one vector per token id (as ``torch.nn.Embedding``)."""
import numpy as np

from ..errors import DataTypeError
from ..functional.embedding import embedding
from ..tensor import get_default_dtype
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """A lookup table: token id ``i`` becomes row ``i`` of ``weight``.

    Parameters
    ----------
    num_embeddings : int
        How many ids there are (the vocabulary size).
    embedding_dim : int
        The length of each vector.
    padding_idx : int, optional
        An id whose row is set to zeros and gets no gradient, so padding contributes nothing.

    Attributes
    ----------
    weight : Parameter of shape (num_embeddings, embedding_dim), initialised from N(0, 1) as in PyTorch.

    Examples
    --------
    >>> emb = dlkit.nn.Embedding(27, 8)
    >>> emb(np.array([[1, 2, 3], [4, 5, 0]])).shape
    (2, 3, 8)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None,
                 dtype=None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are not "
                                      "supported by dlkit")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding({num_embeddings}, {embedding_dim}): padding_idx="
                                 f"{padding_idx} must be within [-{num_embeddings}, {num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype), name="weight",
                                requires_grad=not _freeze)
        if _weight is None:
            self.reset_parameters()
        else:
            self.weight.data[...] = np.asarray(getattr(_weight, "data", _weight))

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding a copy of ``embeddings`` (2-D); ``freeze`` stops it from training."""
        array = np.array(getattr(embeddings, "data", embeddings), copy=True)
        if array.ndim != 2:
            raise DataTypeError(f"Embedding.from_pretrained: expected a 2-D array, got shape {array.shape}")
        return cls(array.shape[0], array.shape[1], padding_idx=padding_idx, _weight=array,
                   _freeze=freeze, dtype=array.dtype)

    def forward(self, input):
        try:
            return embedding(input, self.weight, self.padding_idx)
        except (DataTypeError, ValueError) as err:
            raise type(err)(f"{self!r}: {err}") from None

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
