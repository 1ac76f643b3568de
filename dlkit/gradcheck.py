"""Numerical gradient checking: compare backward() with central differences.

The central difference ``(f(x + ε) − f(x − ε)) / 2ε`` approximates ∂f/∂x with an error of order ε²,
so in float64 it agrees with a correct analytic gradient to many digits. This is how every op in
dlkit is tested, and how you can test an op of your own.
"""
import numpy as np

from .errors import DataTypeError, GradcheckError
from .tensor import Tensor, no_grad


def numerical_gradient(fn, inputs, index, eps=1e-6):
    """The numerical Jacobian of ``fn`` with respect to ``inputs[index]``, by central differences.

    Shape (output size, input size): column ``j`` is how every output moves when entry ``j`` moves.
    """
    data = inputs[index].data
    columns = []
    with no_grad():
        # Perturb entries in place by multi-index (C order, matching the analytic Jacobian's
        # columns); unlike a reshaped view, this reaches the input whatever its memory layout.
        for i in np.ndindex(data.shape):
            original = data[i]
            data[i] = original + eps
            plus = np.array(_call(fn, inputs).data, dtype=np.float64).reshape(-1)
            data[i] = original - eps
            minus = np.array(_call(fn, inputs).data, dtype=np.float64).reshape(-1)
            data[i] = original
            columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def analytic_jacobians(fn, inputs):
    """One Jacobian per input from backward(), shape (output size, input size), row by row."""
    out = _call(fn, inputs)
    jacobians = [np.zeros((out.data.size, x.data.size)) for x in inputs]
    for row in range(out.data.size):
        for x in inputs:
            x.grad = None
        out = _call(fn, inputs)  # a fresh graph each time, so nothing stale accumulates
        seed = np.zeros(out.data.size, dtype=out.data.dtype)
        seed[row] = 1
        if out.requires_grad:
            out.backward(seed.reshape(out.shape))
        for jac, x in zip(jacobians, inputs):
            if x.grad is not None:
                jac[row] = x.grad.reshape(-1)
    for x in inputs:
        x.grad = None
    return jacobians


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check ``fn``'s gradients against central differences, like ``torch.autograd.gradcheck``.

    Parameters
    ----------
    fn : callable
        Takes the tensors in ``inputs`` and returns a tensor (of any shape).
    inputs : Tensor or sequence of Tensor
        float64 tensors; those with ``requires_grad=True`` are checked.
    eps, atol, rtol : float
        Step of the central difference; an entry passes when
        ``|analytic − numeric| <= atol + rtol · |numeric|``.

    Returns
    -------
    True, or raises :class:`dlkit.GradcheckError` naming the input, the worst entry and both values.

    Examples
    --------
    >>> x = dlkit.randn(3, requires_grad=True)
    >>> dlkit.gradcheck(lambda t: (t * t).sum(), [x])
    True
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise DataTypeError(f"gradcheck: input {i} is a {type(x).__name__}, expected a Tensor")
        if x.requires_grad and x.dtype != np.float64:
            raise DataTypeError(
                f"gradcheck: input {i} has dtype {x.dtype}; central differences need float64 "
                "to be accurate, so create it with dtype=np.float64 (or call .double())")
    checked = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not checked:
        raise GradcheckError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    analytic = analytic_jacobians(fn, inputs)
    for i in checked:
        numeric = numerical_gradient(fn, inputs, i, eps)
        error = np.abs(analytic[i] - numeric)
        allowed = atol + rtol * np.abs(numeric)
        if np.all(error <= allowed):
            continue
        row, col = np.unravel_index(np.argmax(error - allowed), error.shape)
        where = np.unravel_index(col, inputs[i].shape) if inputs[i].ndim else ()
        label = f"input {i}" + (f" ({inputs[i].name!r})" if inputs[i].name else "")
        raise GradcheckError(
            f"gradcheck: gradient of {label} is wrong at index {tuple(int(w) for w in where)} "
            f"(output entry {row}): analytic {analytic[i][row, col]:.8g}, numeric "
            f"{numeric[row, col]:.8g}, difference {error[row, col]:.3g} > allowed "
            f"{allowed[row, col]:.3g} (atol={atol}, rtol={rtol})")
    return True


def _call(fn, inputs):
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise DataTypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    return out
