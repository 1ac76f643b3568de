"""Functions of several tensors (join, pick, combine) and the module-level spellings of ops.

``dlkit.cat([a, b])``, ``dlkit.where(c, a, b)``, ``dlkit.einsum("ij,jk->ik", A, B)``, ``dlkit.exp(x)``:
each is one op with its backward next to it, like the methods in ``tensor.py``.
"""
import numpy as np

from .errors import ShapeError
from .tensor import Tensor, _broadcast_error, _promote


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x))


def _as_tensor_pair(a, b, op):
    """Two tensors and their arrays in PyTorch's result dtype; a Python number takes the other's dtype."""
    if isinstance(a, Tensor):
        b = a._lift(b, op)
    elif isinstance(b, Tensor):
        a = b._lift(a, op)
    else:
        a, b = Tensor(a), Tensor(b)
    x, y = a.data, b.data
    if x.dtype != y.dtype:
        x, y = _promote(x, y)
    return a, b, x, y


def maximum(a, b):
    """Elementwise maximum; where a and b tie, each gets half the gradient (as in PyTorch)."""
    a, b, x, y = _as_tensor_pair(a, b, "maximum")
    try:
        data = np.maximum(x, y)
    except ValueError:
        raise _broadcast_error("maximum", a, b) from None

    def backward(g):
        share = (x > y) + 0.5 * (x == y)
        return g * share, g * (1 - share)
    return Tensor._result(data, (a, b), "maximum", backward,
                          "∂max(a,b)/∂a = 1 where a > b,  ∂max(a,b)/∂b = 1 where b > a")


def minimum(a, b):
    """Elementwise minimum; where a and b tie, each gets half the gradient."""
    a, b, x, y = _as_tensor_pair(a, b, "minimum")
    try:
        data = np.minimum(x, y)
    except ValueError:
        raise _broadcast_error("minimum", a, b) from None

    def backward(g):
        share = (x < y) + 0.5 * (x == y)
        return g * share, g * (1 - share)
    return Tensor._result(data, (a, b), "minimum", backward,
                          "∂min(a,b)/∂a = 1 where a < b,  ∂min(a,b)/∂b = 1 where b < a")


def where(condition, a, b):
    """Pick ``a`` where ``condition`` holds, else ``b``; each gets the gradient where it was picked."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    cond = cond.astype(bool)
    a, b, x, y = _as_tensor_pair(a, b, "where")
    try:
        data = np.where(cond, x, y)
    except ValueError:
        raise ShapeError(f"where: cannot broadcast condition {cond.shape}, a {a.shape} and "
                         f"b {b.shape} together") from None

    def backward(g):
        return np.where(cond, g, 0), np.where(cond, 0, g)
    return Tensor._result(data, (a, b), "where", backward,
                          "∂where(c,a,b)/∂a = c,  ∂where(c,a,b)/∂b = 1 − c")


def _joinable(op, tensors, dim, axis):
    if axis is not None:
        dim = axis
    if isinstance(tensors, Tensor) or not len(tensors):
        raise ShapeError(f"{op}: expected a non-empty list or tuple of tensors")
    return [_as_tensor(t) for t in tensors], dim


def concatenate(tensors, axis=None, *, dim=0, _op="concatenate"):
    """Join tensors along an existing dimension; the gradient is split back into the pieces."""
    tensors, dim = _joinable(_op, tensors, dim, axis)
    arrays = [t.data for t in tensors]
    if len({a.dtype for a in arrays}) > 1:
        dtype = np.result_type(*arrays)
        arrays = [a.astype(dtype, copy=False) for a in arrays]
    try:
        data = np.concatenate(arrays, axis=dim)
    except (ValueError, np.exceptions.AxisError) as err:
        shapes = [t.shape for t in tensors]
        raise ShapeError(f"{_op}: shapes {shapes} cannot be joined along dim {dim}: all "
                         f"dimensions but dim {dim} must be equal ({err})") from None
    bounds = np.cumsum([t.shape[dim] for t in tensors])[:-1]

    def backward(g):
        return tuple(np.split(g, bounds, axis=dim))
    return Tensor._result(data, tuple(tensors), "cat", backward,
                          "split the gradient back into the pieces")


def cat(tensors, dim=0):
    """Join tensors along dimension ``dim`` (PyTorch's name for :func:`concatenate`)."""
    return concatenate(tensors, dim=dim, _op="cat")


def stack(tensors, axis=None, *, dim=0):
    """Join same-shape tensors along a new dimension; the gradient is unstacked."""
    tensors, dim = _joinable("stack", tensors, dim, axis)
    try:
        data = np.stack([t.data for t in tensors], axis=dim)
    except np.exceptions.AxisError:
        raise ShapeError(f"stack: bad dim={dim} for tensors of shape {tensors[0].shape} "
                         f"(the result has {tensors[0].ndim + 1} dimensions)") from None
    except ValueError:
        shapes = [t.shape for t in tensors]
        raise ShapeError(f"stack: all tensors must have the same shape, got {shapes}") from None

    def backward(g):
        return tuple(np.moveaxis(g, dim, 0))
    return Tensor._result(data, tuple(tensors), "stack", backward,
                          "unstack the gradient into the pieces")


# -- einsum -------------------------------------------------------------------------------------------
def _einsum_parts(subscripts, n_operands):
    """Split ``"ij,jk->ik"`` into input subscripts and the output (made explicit as numpy would)."""
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != n_operands:
        raise ShapeError(f"einsum: {subscripts!r} names {len(inputs)} operands, got {n_operands}")
    if not arrow:  # implicit: the letters used once, in alphabetical order
        letters = "".join(inputs).replace(".", "")
        output = ("..." if any("..." in s for s in inputs) else "") + \
            "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for s in inputs:
        letters = s.replace("...", "")
        if len(set(letters)) != len(letters):
            raise ShapeError(f"einsum: dlkit cannot differentiate a letter repeated within one operand "
                             f"({s!r} in {subscripts!r}, a diagonal); write it with an explicit mask")
    return inputs, output


def _spell_out_ellipsis(inputs, output, shapes):
    """Replace ``...`` by letters of their own (right-aligned, as broadcasting aligns dims)."""
    if not any("..." in s for s in inputs):
        return inputs, output
    used = set("".join(inputs) + output)
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    lengths = [len(shape) - len(s.replace("...", "")) for s, shape in zip(inputs, shapes) if "..." in s]
    widest = spare[:max(lengths)]
    inputs = [s.replace("...", "".join(widest[len(widest) - (len(shape) - len(s) + 3):]))
              if "..." in s else s for s, shape in zip(inputs, shapes)]
    return inputs, output.replace("...", "".join(widest))


def _letter_sizes(sub, shape):
    """Which dimension length each letter of ``sub`` stands for (``...`` may cover several)."""
    head, _, tail = sub.partition("...")
    sizes = dict(zip(head, shape))
    if tail:
        sizes.update(zip(tail, shape[len(shape) - len(tail):]))
    return sizes


def einsum(subscripts, *operands):
    """Einstein summation, as ``torch.einsum`` / ``np.einsum``; differentiable in every operand.

    ``einsum("bij,bjk->bik", A, B)`` is a batched matrix product. The gradient for one operand is
    another einsum: the upstream gradient contracted with the other operands.
    """
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    tensors = [_as_tensor(t) for t in operands]
    inputs, output = _einsum_parts(subscripts, len(tensors))
    inputs, output = _spell_out_ellipsis(inputs, output, [t.shape for t in tensors])
    arrays = [t.data for t in tensors]
    if len({a.dtype for a in arrays}) > 1:
        dtype = np.result_type(*arrays)
        arrays = [a.astype(dtype, copy=False) for a in arrays]
    try:
        data = np.einsum(f"{','.join(inputs)}->{output}", *arrays)
    except ValueError as err:
        shapes = [t.shape for t in tensors]
        raise ShapeError(f"einsum: {subscripts!r} does not fit operands of shapes {shapes} ({err})") from None

    def backward(g):
        grads = []
        for i, (sub, array) in enumerate(zip(inputs, arrays)):
            if not tensors[i].requires_grad:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(inputs) if j != i]
            other_arrays = [a for j, a in enumerate(arrays) if j != i]
            # Letters only this operand has were summed away: feed them back as ones to broadcast.
            seen = set(output + "".join(others))
            sizes = _letter_sizes(sub, array.shape)
            lonely = [c for c in sub.replace("...", "") if c not in seen]
            ones = [np.ones(sizes[c], dtype=array.dtype) for c in lonely]
            spec = ",".join([output, *others, *lonely]) + "->" + sub
            grads.append(np.einsum(spec, g, *other_arrays, *ones))
        return tuple(grads)
    return Tensor._result(np.asarray(data), tuple(tensors), "einsum", backward,
                          f"einsum {subscripts}: contract the gradient with the other operands")


# -- module-level spellings of Tensor methods, as in PyTorch ----------------------------------------------
def matmul(a, b):
    """Matrix product ``a @ b`` (batched and 1-D rules as ``torch.matmul``)."""
    return _as_tensor(a) @ b


def exp(x):
    return _as_tensor(x).exp()


def log(x):
    return _as_tensor(x).log()


def tanh(x):
    return _as_tensor(x).tanh()


def sigmoid(x):
    return _as_tensor(x).sigmoid()


def relu(x):
    return _as_tensor(x).relu()
