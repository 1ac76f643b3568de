"""Embedding lookup: row ``i`` of a weight matrix for each integer index ``i``.

Looking up rows is the same as multiplying a one-hot vector by the weight matrix, but without building
the one-hots. Backward therefore adds each upstream gradient row into the row it came from (an index
used twice gets both contributions); the ``padding_idx`` row gets none, as in PyTorch, so it stays
where it was (zeros, usually) during training.
"""
import numpy as np

from ..errors import DataTypeError, ShapeError
from ..tensor import Tensor


def embedding(input, weight, padding_idx=None):
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer ``input`` (any shape).

    Returns a tensor of shape ``input.shape + (embedding_dim,)``.
    """
    indices = input.data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise DataTypeError(f"embedding: expected integer indices, got dtype {indices.dtype}; "
                            "convert token ids with .astype(np.int64)")
    count = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        bad = indices[(indices < 0) | (indices >= count)].ravel()[0]
        raise ShapeError(f"embedding: index {bad} is out of range for a table of {count} rows "
                         f"(weight shape {tuple(weight.shape)}); expected 0 <= index < {count}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += count

    def backward(g):
        grad = np.zeros_like(weight.data)
        np.add.at(grad, indices.ravel(), g.reshape(-1, weight.shape[1]))
        if padding_idx is not None:
            grad[padding_idx] = 0  # the padding row is never trained
        return (grad,)
    rule = "∂out[n]/∂W[i] = 1 where input[n] = i" + (
        "" if padding_idx is None else f"  (row {padding_idx} gets no gradient)")
    return Tensor._result(weight.data[indices], (weight,), "embedding", backward, rule)
