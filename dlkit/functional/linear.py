"""The affine map ``y = x Wᵀ + b`` as one op (PyTorch's weight layout: W has shape (out, in)).

One fused op instead of matmul + transpose + add: fewer graph nodes and no extra copies. Backward:
``∂L/∂x = G W``, ``∂L/∂W = Gᵀ x``, ``∂L/∂b = Σ_rows G`` — each computed only if it is needed.
"""
from ..errors import ShapeError
from ..tensor import Tensor
from ._checks import as_tensor


def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` for ``x`` of shape (..., in), ``weight`` (out, in), ``bias`` (out,)."""
    x = as_tensor(x, "linear")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(f"linear: expected input with last dimension {weight.shape[1]} "
                         f"(weight shape {tuple(weight.shape)}), got shape {tuple(x.shape)}")
    out = x.data @ weight.data.T
    if bias is not None:
        out += bias.data  # in place: `out` is a fresh array, so this saves a copy
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):
        g2 = g.reshape(-1, g.shape[-1])
        grad_x = g @ weight.data if x.requires_grad else None
        grad_w = g2.T @ x.data.reshape(-1, x.shape[-1]) if weight.requires_grad else None
        if bias is None:
            return grad_x, grad_w
        return grad_x, grad_w, (g2.sum(axis=0) if bias.requires_grad else None)
    return Tensor._result(out, parents, "linear", backward,
                          "∂(xWᵀ+b)/∂x = G W,  ∂/∂W = Gᵀ x,  ∂/∂b = Σ G")

