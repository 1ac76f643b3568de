"""The autograd engine: a ``Tensor`` is a numpy array that remembers how it was made.

Every differentiable op below builds its output *and* says, a few lines further on, how to send a
gradient back to its inputs (its ``backward`` closure, the local chain-rule step). ``backward()`` then
visits the graph in reverse topological order and applies those closures one node at a time.

Two rules hold for every op, enforced once in the engine rather than in each op:

* **broadcasting** — if an input was broadcast to a bigger shape in the forward pass, the gradient
  that comes back has that bigger shape; the engine sums it over the broadcast axes (``unbroadcast``).
* **accumulation** — a tensor used twice (``x * x``, diamonds) receives the *sum* of its gradients,
  and repeated ``backward()`` calls add up in ``.grad`` just like PyTorch.
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .errors import DataTypeError, GradientError, ShapeError

# ----------------------------------------------------------------------------------------------------
# Global switches: default dtype and gradient recording
# ----------------------------------------------------------------------------------------------------
_default_dtype = np.dtype(np.float64)
_grad_enabled = True
_scope = None  # the module whose forward is running; ops record it so graphs can group by module


def set_default_dtype(dtype):
    """Set the float dtype of new tensors made from Python numbers or lists (float64 by default)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise DataTypeError(f"set_default_dtype: expected float32 or float64, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    """The dtype new tensors get when none is given: ``np.float64`` unless changed."""
    return _default_dtype.type


def is_grad_enabled():
    """True when ops record the graph that ``backward()`` needs."""
    return _grad_enabled


class no_grad:
    """Context manager (and decorator) in which ops build no graph: for evaluation and updates.

    >>> with dlkit.no_grad():
    ...     y = model(x)          # y.requires_grad is False, nothing is remembered
    """

    def __enter__(self):
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, False

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class scope:
    """Context manager that tags every op made inside it with ``owner`` (its ``.scope``).

    ``nn.Module.__call__`` runs ``forward`` inside ``scope(module)``, so ``dlkit.viz.draw_graph`` can
    group a big graph by the layer that made each node.
    """

    def __init__(self, owner):
        self.owner = owner

    def __enter__(self):
        global _scope
        self._previous, _scope = _scope, self.owner

    def __exit__(self, *exc):
        global _scope
        _scope = self._previous


class enable_grad(no_grad):
    """Context manager that turns gradient recording back on inside a ``no_grad`` block."""

    def __enter__(self):
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, True


# ----------------------------------------------------------------------------------------------------
# Helpers shared by all ops
# ----------------------------------------------------------------------------------------------------
def _to_array(data, dtype=None, what="Tensor", float_ints=False):
    """Turn user data into a numeric numpy array, or raise a clear error.

    Python floats and lists of floats get the default dtype; numpy arrays keep theirs; Python
    integers stay integers (like ``torch.tensor``) unless ``float_ints`` asks for floats.
    """
    if isinstance(data, Tensor):
        data = data.data
    try:
        if dtype is not None:
            array = np.asarray(data, dtype=dtype)
        elif isinstance(data, np.ndarray | np.generic):
            array = np.asarray(data)
        else:
            array = np.asarray(data)
            if array.dtype.kind == "f" or (float_ints and array.dtype.kind in "iu"):
                array = array.astype(_default_dtype, copy=False)
    except (ValueError, TypeError) as err:
        raise DataTypeError(
            f"{what}: cannot turn {type(data).__name__} into a numeric array ({err}); "
            "expected a number, a (nested) list of numbers or a numeric numpy array") from None
    if array.dtype.kind not in "fiub":
        raise DataTypeError(
            f"{what}: expected numeric data (numbers, lists of numbers, numeric numpy arrays), "
            f"got {type(data).__name__} with dtype {array.dtype}")
    return array


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the backward of numpy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of length 1, so each copy's
    gradient flows back to the same element and must be added up.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple | list) else (axis,)
    return tuple(sorted(a % ndim if ndim else a for a in axes))


def _broadcast_error(op, a, b):
    return ShapeError(
        f"{op}: cannot broadcast shapes {a.shape} and {b.shape}; trailing dimensions must be equal "
        "or 1 (numpy broadcasting rules) — reshape one operand, e.g. x.reshape(-1, 1)")


def _refuse_numpy_call(op, numpy_only):
    """``np.sum(t)`` calls ``t.sum(axis=, dtype=, out=)``: say what to write instead."""
    if numpy_only:
        raise DataTypeError(
            f"{op}: got numpy-only arguments {sorted(numpy_only)} — this looks like np.{op}(tensor), "
            f"which would bypass the graph; call tensor.{op}(...) for a differentiable result, or "
            f"np.{op}(tensor.numpy()) for plain numbers")


class Size(tuple):
    """A tensor's shape, as ``x.size()`` returns it: a tuple (like ``torch.Size``)."""

    def numel(self):
        """Number of elements a tensor of this shape holds."""
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self):
        return f"dlkit.Size({list(self)})"


class ValuesIndices(NamedTuple):
    """What ``x.max(dim)`` / ``x.min(dim)`` return, as in PyTorch: the values and their indices."""

    values: Tensor
    indices: Tensor


class BackwardStep(NamedTuple):
    """One application of the chain rule, as ``Tensor.backward_steps()`` yields it.

    ``node`` received gradient ``upstream`` (= ∂loss/∂node); its op's local rule ``rule`` turned that
    into ``grads[i]`` for ``inputs[i]`` (``None`` for inputs that need no gradient).
    """

    index: int
    node: Tensor
    upstream: np.ndarray
    rule: str
    inputs: tuple
    grads: tuple


# ----------------------------------------------------------------------------------------------------
# The Tensor
# ----------------------------------------------------------------------------------------------------
class Tensor:
    """An n-dimensional array with automatic differentiation.

    Parameters
    ----------
    data : number, (nested) list or numpy array
        Python numbers and lists become the default dtype (float64); numpy arrays keep theirs.
    requires_grad : bool
        Record the operations done on this tensor so ``backward()`` can fill in its ``.grad``.
    name : str, optional
        A label shown by ``dlkit.viz.draw_graph`` and the backward stepper.

    Examples
    --------
    >>> a = Tensor(2.0, requires_grad=True, name="a")
    >>> b = Tensor(-3.0, requires_grad=True, name="b")
    >>> loss = a * b + a
    >>> loss.backward()
    >>> a.grad, b.grad          # (b + 1, a)
    (array(-2.), array(2.))
    """

    __slots__ = (
        "__weakref__",
        "_backward",
        "data",
        "grad",
        "name",
        "op",
        "parents",
        "requires_grad",
        "rule",
        "scope",
    )
    # numpy must hand `array + tensor` to Tensor.__radd__ instead of looping over the tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, name=None, dtype=None):
        self.data = _to_array(data, dtype, float_ints=requires_grad)
        if requires_grad and self.data.dtype.kind != "f":
            raise DataTypeError(
                f"Tensor: only float tensors can require gradients, got dtype {self.data.dtype}; "
                "pass float data or dtype=np.float64")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.op = ""            # the op that made this tensor ("" for a leaf)
        self.parents = ()       # its inputs, in order (a tuple: order is stable run to run)
        self._backward = None   # upstream gradient -> tuple of gradients, one per parent
        self.rule = ""          # the local derivative rule, as a short formula
        self.scope = None       # the module that made it (see `scope`)

    # -- construction of op results -------------------------------------------------------------
    @staticmethod
    def _result(data, parents, op, backward, rule):
        """Wrap an op's output; remember the graph only if some input needs a gradient."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.name, out.scope = data, None, None, _scope
        if _grad_enabled and any(p.requires_grad for p in parents):
            out.requires_grad, out.op, out.parents = True, op, parents
            out._backward, out.rule = backward, rule
        else:
            out.requires_grad, out.op, out.parents, out._backward, out.rule = False, "", (), None, ""
        return out

    @staticmethod
    def _wrap(array):
        """A leaf around ``array`` as it is (no copy, no checks): for results that need no graph."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.name, out.scope, out.requires_grad = array, None, None, _scope, False
        out.op, out.parents, out._backward, out.rule = "", (), None, ""
        return out

    def _view_result(self, data, op, backward, rule):
        """An op whose output may share memory with ``self`` (reshape, permute, ...)."""
        return Tensor._result(data, (self,), op, backward, rule)

    def _lift(self, other, op="Tensor"):
        """Make ``other`` a Tensor; Python numbers take this tensor's dtype (as in PyTorch)."""
        if isinstance(other, Tensor):
            return other
        try:
            if isinstance(other, numbers.Number) and not isinstance(other, np.generic):
                return Tensor(other, dtype=self.data.dtype if self.data.dtype.kind == "f" else None)
            return Tensor(other)
        except DataTypeError as err:  # say which op got the bad operand, not just "Tensor"
            raise DataTypeError(f"{op}: cannot use a {type(other).__name__} as the other operand of a "
                                f"tensor of shape {self.shape} ({err})") from None

    # -- basic properties --------------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="The shape of the underlying array.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    dtype = property(lambda self: self.data.dtype, doc="The numpy dtype.")
    is_leaf = property(lambda self: self._backward is None,
                       doc="True for tensors made by the user rather than by an op.")

    def size(self, dim=None):
        """The shape as a tuple (``torch.Size``), or the length of dimension ``dim``."""
        if dim is None:
            return Size(self.data.shape)
        return self.data.shape[self._dim(dim, "size")]

    def numel(self):
        """Number of elements (the product of the shape)."""
        return self.data.size

    def dim(self):
        """Number of dimensions (PyTorch's name for ``ndim``)."""
        return self.data.ndim

    def _dim(self, dim, op, ndim=None):
        """Check one dimension index (negative counts from the end) and make it non-negative."""
        ndim = self.data.ndim if ndim is None else ndim
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise DataTypeError(f"{op}: dim must be an integer, got {dim!r}")
        span = max(ndim, 1)  # a 0-d tensor accepts dim 0 and -1, as in PyTorch
        if not -span <= dim < span:
            raise ShapeError(f"{op}: dim {dim} is out of range for a tensor of shape {self.shape} "
                             f"(expected {-span} <= dim < {span})")
        return dim % span

    def __len__(self):
        if self.data.ndim == 0:
            raise DataTypeError("len() of a 0-d tensor is undefined (it holds one number, not a "
                                "sequence); use t.item() for the number or t.numel() for the count")
        return len(self.data)

    def __iter__(self):
        # Without this, Python would iterate through __getitem__ until an IndexError.
        return (self[i] for i in range(len(self.data)))

    def __array__(self, dtype=None, copy=None):
        """Let numpy and matplotlib read a tensor's values (``np.asarray(t)``)."""
        return self.data if dtype is None else self.data.astype(dtype)

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20,
                               prefix="Tensor(")
        extras = ""
        if self.name:
            extras += f", name={self.name!r}"
        if self.op:
            extras += f", op={self.op!r}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        if self.data.dtype != _default_dtype and self.data.dtype.kind == "f":
            extras += f", dtype={self.data.dtype}"
        return f"Tensor({body}{extras})"

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item: only one-element tensors can be converted, got shape {self.shape}")
        return self.data.item()

    def numpy(self):
        """The underlying numpy array (shared, not copied)."""
        return self.data

    def detach(self):
        """A new leaf sharing this tensor's data, cut off from the graph."""
        return Tensor(self.data, name=self.name)

    def zero_grad(self):
        """Forget the accumulated gradient (set ``.grad`` to None)."""
        self.grad = None

    def requires_grad_(self, flag=True):
        """Switch gradient tracking on (or off) for this leaf, in place."""
        self.requires_grad = bool(flag)
        return self

    def astype(self, dtype):
        """A copy with another dtype; differentiable (the gradient is cast back)."""
        dtype = np.dtype(dtype)
        source = self.data.dtype

        def backward(g):
            return (g.astype(source),)
        return Tensor._result(self.data.astype(dtype), (self,), "astype", backward,
                              "∂cast(a)/∂a = 1")

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    # -- arithmetic ----------------------------------------------------------------------------------
    def __add__(self, other):
        other = self._lift(other, "add")
        try:
            data = self.data + other.data
        except ValueError:
            raise _broadcast_error("add", self, other) from None

        def backward(g):
            return g, g
        return Tensor._result(data, (self, other), "add", backward,
                              "∂(a+b)/∂a = 1,  ∂(a+b)/∂b = 1")

    def __sub__(self, other):
        other = self._lift(other, "sub")
        try:
            data = self.data - other.data
        except ValueError:
            raise _broadcast_error("sub", self, other) from None

        def backward(g):
            return g, -g
        return Tensor._result(data, (self, other), "sub", backward,
                              "∂(a−b)/∂a = 1,  ∂(a−b)/∂b = −1")

    def __mul__(self, other):
        other = self._lift(other, "mul")
        try:
            data = self.data * other.data
        except ValueError:
            raise _broadcast_error("mul", self, other) from None

        def backward(g):
            return g * other.data, g * self.data
        return Tensor._result(data, (self, other), "mul", backward,
                              "∂(a·b)/∂a = b,  ∂(a·b)/∂b = a")

    def __truediv__(self, other):
        other = self._lift(other, "div")
        try:
            data = self.data / other.data
        except ValueError:
            raise _broadcast_error("div", self, other) from None

        def backward(g):
            return g / other.data, -g * data / other.data
        return Tensor._result(data, (self, other), "div", backward,
                              "∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²")

    def __pow__(self, exponent):
        if isinstance(exponent, numbers.Number) and not isinstance(exponent, Tensor):
            data = self.data ** exponent

            def backward(g):
                return (g * exponent * self.data ** (exponent - 1),)
            return Tensor._result(data, (self,), f"pow {exponent:g}", backward,
                                  f"∂(aⁿ)/∂a = n·aⁿ⁻¹  (n = {exponent:g})")
        exponent = self._lift(exponent, "pow")
        try:
            data = self.data ** exponent.data
        except ValueError:
            raise _broadcast_error("pow", self, exponent) from None

        def backward(g):
            grad_base = g * exponent.data * self.data ** (exponent.data - 1)
            grad_exp = None
            if exponent.requires_grad:
                with np.errstate(divide="ignore", invalid="ignore"):
                    grad_exp = g * data * np.log(self.data)
            return grad_base, grad_exp
        return Tensor._result(data, (self, exponent), "pow", backward,
                              "∂(aᵇ)/∂a = b·aᵇ⁻¹,  ∂(aᵇ)/∂b = aᵇ·ln a")

    def __neg__(self):
        def backward(g):
            return (-g,)
        return Tensor._result(-self.data, (self,), "neg", backward, "∂(−a)/∂a = −1")

    def __radd__(self, other):
        return self._lift(other, "add").__add__(self)

    def __rsub__(self, other):
        return self._lift(other, "sub").__sub__(self)

    def __rmul__(self, other):
        return self._lift(other, "mul").__mul__(self)

    def __rtruediv__(self, other):
        return self._lift(other, "div").__truediv__(self)

    def __rpow__(self, base):
        return self._lift(base, "pow").__pow__(self)

    def __matmul__(self, other):
        other = self._lift(other, "matmul")
        a, b = self.data, other.data
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul: both operands need at least 1 dimension, got shapes "
                             f"{a.shape} and {b.shape}; use * for scaling by a scalar")
        try:
            data = a @ b
        except ValueError:
            left_k = a.shape[-1]
            right_k = b.shape[0] if b.ndim == 1 else b.shape[-2]
            if left_k != right_k:
                why = (f"the last dimension of the left ({left_k}) must equal the "
                       f"{'first' if b.ndim == 1 else 'second-to-last'} of the right ({right_k})")
            else:
                why = f"the batch dimensions {a.shape[:-2]} and {b.shape[:-2]} do not broadcast"
            raise ShapeError(f"matmul: shapes {a.shape} and {b.shape} do not fit: {why}") from None

        def backward(g):
            # Treat 1-D operands as a row (left) or a column (right) matrix, as numpy does.
            a2 = a[None, :] if a.ndim == 1 else a
            b2 = b[:, None] if b.ndim == 1 else b
            g2 = g
            if a.ndim == 1:  # vector @ vector: g is a scalar, and becomes (1, 1) in two steps
                g2 = np.expand_dims(g2, -1 if b.ndim == 1 else -2)
            if b.ndim == 1:
                g2 = np.expand_dims(g2, -1)
            grad_a = grad_b = None
            if self.requires_grad:
                grad_a = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
            if other.requires_grad:
                grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
            return grad_a, grad_b
        return Tensor._result(data, (self, other), "matmul", backward,
                              "∂(A@B)/∂A = G@Bᵀ,  ∂(A@B)/∂B = Aᵀ@G")

    def __rmatmul__(self, other):
        return self._lift(other, "matmul").__matmul__(self)

    # -- comparisons: plain boolean tensors, no gradient ---------------------------------------------
    def _compare(self, other, fn, op):
        if other is None or isinstance(other, str):
            return NotImplemented
        other_data = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor(fn(self.data, other_data))
        except ValueError:
            raise _broadcast_error(op, self, self._lift(other)) from None

    def __lt__(self, other):
        return self._compare(other, np.less, "<")

    def __le__(self, other):
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self, other):
        return self._compare(other, np.greater, ">")

    def __ge__(self, other):
        return self._compare(other, np.greater_equal, ">=")

    def __eq__(self, other):
        return self._compare(other, np.equal, "==")

    def __ne__(self, other):
        return self._compare(other, np.not_equal, "!=")

    __hash__ = object.__hash__  # tensors are graph nodes: hashed by identity

    # -- elementwise functions ------------------------------------------------------------------------
    def exp(self):
        data = np.exp(self.data)

        def backward(g):
            return (g * data,)
        return Tensor._result(data, (self,), "exp", backward, "∂eᵃ/∂a = eᵃ")

    def log(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            data = np.log(self.data)

        def backward(g):
            return (g / self.data,)
        return Tensor._result(data, (self,), "log", backward, "∂ln(a)/∂a = 1/a")

    def sqrt(self):
        data = np.sqrt(self.data)

        def backward(g):
            return (g * 0.5 / data,)
        return Tensor._result(data, (self,), "sqrt", backward, "∂√a/∂a = 1/(2√a)")

    def tanh(self):
        data = np.tanh(self.data)

        def backward(g):
            return (g * (1 - data * data),)
        return Tensor._result(data, (self,), "tanh", backward, "∂tanh(a)/∂a = 1 − tanh²(a)")

    def sigmoid(self):
        # Written via tanh so that large |a| never overflows exp.
        data = 0.5 * (np.tanh(0.5 * self.data) + 1)

        def backward(g):
            return (g * data * (1 - data),)
        return Tensor._result(data, (self,), "sigmoid", backward, "∂σ(a)/∂a = σ(a)·(1 − σ(a))")

    def relu(self):
        mask = self.data > 0
        data = self.data * mask

        def backward(g):
            return (g * mask,)
        return Tensor._result(data, (self,), "relu", backward, "∂relu(a)/∂a = 1 if a > 0 else 0")

    def leaky_relu(self, negative_slope=0.01):
        slope = np.where(self.data > 0, 1.0, negative_slope).astype(self.data.dtype)
        data = self.data * slope

        def backward(g):
            return (g * slope,)
        return Tensor._result(data, (self,), "leaky_relu", backward,
                              f"∂lrelu(a)/∂a = 1 if a > 0 else {negative_slope:g}")

    def abs(self):
        def backward(g):
            return (g * np.sign(self.data),)
        return Tensor._result(np.abs(self.data), (self,), "abs", backward,
                              "∂|a|/∂a = sign(a)")

    __abs__ = abs

    def clip(self, min=None, max=None):
        """Limit values to ``[min, max]``; the gradient is 1 inside the range and 0 outside."""
        data = np.clip(self.data, min, max)
        inside = np.ones(self.shape, dtype=bool)
        if min is not None:
            inside &= self.data >= min
        if max is not None:
            inside &= self.data <= max

        def backward(g):
            return (g * inside,)
        return Tensor._result(data, (self,), "clip", backward,
                              "∂clip(a)/∂a = 1 inside [min, max], else 0")

    # -- reductions --------------------------------------------------------------------------------
    # Each takes PyTorch's names (dim=, keepdim=) and numpy's (axis=, keepdims=); dim may be a tuple.
    def _reduce_dims(self, op, dim, keepdim, axis, keepdims):
        if axis is not None:
            if dim is not None:
                raise DataTypeError(f"{op}: give dim= or axis= (the same thing), not both")
            dim = axis
        if keepdims is not None:
            keepdim = keepdims
        if dim is not None:
            dims = dim if isinstance(dim, tuple | list) else (dim,)
            dim = tuple(self._dim(d, op) for d in dims) if isinstance(dim, tuple | list) \
                else self._dim(dim, op)
            if isinstance(dim, tuple) and len(set(dim)) != len(dim):
                raise ShapeError(f"{op}: dim {dims} names a dimension twice (tensor of shape "
                                 f"{self.shape}); list each dimension once")
            if self.ndim == 0:
                dim = None  # PyTorch lets a 0-d tensor reduce over dim 0 / -1: a no-op
        return dim, bool(keepdim)

    def _expand_reduced(self, g, axis, keepdims):
        """Give a reduced gradient back its reduced axes, ready to broadcast to ``self.shape``."""
        if not keepdims and axis is not None:
            g = np.expand_dims(g, _normalize_axes(axis, self.ndim))
        return g

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, **numpy_only):
        _refuse_numpy_call("sum", numpy_only)
        axis, keepdims = self._reduce_dims("sum", dim, keepdim, axis, keepdims)
        data = np.sum(self.data, axis=axis, keepdims=keepdims)

        def backward(g):
            return (np.broadcast_to(self._expand_reduced(g, axis, keepdims), self.shape),)
        return Tensor._result(np.asarray(data), (self,), "sum", backward,
                              "∂(Σa)/∂aᵢ = 1")

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, **numpy_only):
        _refuse_numpy_call("mean", numpy_only)
        axis, keepdims = self._reduce_dims("mean", dim, keepdim, axis, keepdims)
        with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan, as torch
            data = np.mean(self.data, axis=axis, keepdims=keepdims)
        count = self.data.size // max(np.asarray(data).size, 1) if self.data.size else 1

        def backward(g):
            g = self._expand_reduced(g, axis, keepdims) / count
            return (np.broadcast_to(g, self.shape),)
        return Tensor._result(np.asarray(data), (self,), "mean", backward,
                              "∂(mean a)/∂aᵢ = 1/n")

    def _extreme(self, fn, op, axis, keepdims):
        """max/min over ``axis`` (all of them if None); ties share the gradient equally (as torch)."""
        if self.data.size == 0:
            raise ShapeError(f"{op}: the tensor is empty (shape {self.shape}), so it has no "
                             f"{op}imum; check the input is not an empty batch")
        data = fn(self.data, axis=axis, keepdims=keepdims)

        def backward(g):
            winner = self._expand_reduced(np.asarray(data), axis, keepdims)
            mask = (self.data == winner).astype(self.data.dtype)
            mask /= mask.sum(axis=axis, keepdims=True)
            return (mask * self._expand_reduced(g, axis, keepdims),)
        return Tensor._result(np.asarray(data), (self,), op, backward,
                              f"∂({op} a)/∂aᵢ = 1 for the {op}imum entry, 0 elsewhere")

    def _extreme_along(self, arg_fn, op, dim, keepdim):
        """max/min along one ``dim``: (values, indices); the gradient goes to the chosen index."""
        if self.ndim == 0:
            return ValuesIndices(self * 1, Tensor._wrap(np.zeros((), dtype=np.int64)))
        if self.shape[dim] == 0:
            raise ShapeError(f"{op}: dimension {dim} of shape {self.shape} is empty, so it has "
                             f"no {op}imum")
        index = np.expand_dims(arg_fn(self.data, axis=dim), dim)
        values = np.take_along_axis(self.data, index, axis=dim)
        if not keepdim:
            values, indices = values.squeeze(dim), index.squeeze(dim)
        else:
            indices = index

        def backward(g):
            full = np.zeros_like(self.data)
            np.put_along_axis(full, index, g if keepdim else np.expand_dims(g, dim), axis=dim)
            return (full,)
        out = Tensor._result(values, (self,), op, backward,
                             f"∂({op} a)/∂aᵢ = 1 at the chosen index, 0 elsewhere")
        return ValuesIndices(out, Tensor._wrap(indices.astype(np.int64)))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None, **numpy_only):
        """The largest value; with ``dim``, a named tuple ``(values, indices)`` as in PyTorch.

        numpy's spelling ``axis=`` returns the values only (numpy's ``max``, PyTorch's ``amax``).
        ``x.max(other_tensor)`` is the elementwise maximum, as in PyTorch.
        """
        _refuse_numpy_call("max", numpy_only)
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        if dim is None:
            axis, keepdims = self._reduce_dims("max", None, keepdim, axis, keepdims)
            return self._extreme(np.max, "max", axis, keepdims)
        return self._extreme_along(np.argmax, "max", self._dim(dim, "max"), keepdim)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None, **numpy_only):
        """The smallest value; with ``dim``, a named tuple ``(values, indices)`` as in PyTorch."""
        _refuse_numpy_call("min", numpy_only)
        if isinstance(dim, Tensor):
            return minimum(self, dim)
        if dim is None:
            axis, keepdims = self._reduce_dims("min", None, keepdim, axis, keepdims)
            return self._extreme(np.min, "min", axis, keepdims)
        return self._extreme_along(np.argmin, "min", self._dim(dim, "min"), keepdim)

    def amax(self, dim=None, keepdim=False):
        """Largest values over ``dim`` (values only; ties share the gradient)."""
        axis, keepdims = self._reduce_dims("amax", dim, keepdim, None, None)
        return self._extreme(np.max, "amax", axis, keepdims)

    def amin(self, dim=None, keepdim=False):
        """Smallest values over ``dim`` (values only; ties share the gradient)."""
        axis, keepdims = self._reduce_dims("amin", dim, keepdim, None, None)
        return self._extreme(np.min, "amin", axis, keepdims)

    def argmax(self, dim=None, keepdim=False):
        """Index of the largest value (of the flattened tensor when ``dim`` is None); int64."""
        return self._arg_extreme(np.argmax, "argmax", dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        """Index of the smallest value (of the flattened tensor when ``dim`` is None); int64."""
        return self._arg_extreme(np.argmin, "argmin", dim, keepdim)

    def _arg_extreme(self, fn, op, dim, keepdim):
        if self.data.size == 0:
            raise ShapeError(f"{op}: the tensor is empty (shape {self.shape})")
        if dim is None:
            index = fn(self.data)
            if keepdim:
                index = np.reshape(index, (1,) * self.ndim)
        else:
            index = fn(self.data, axis=self._dim(dim, op), keepdims=keepdim) if self.ndim else fn(self.data)
        return Tensor._wrap(np.asarray(index, dtype=np.int64))

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):
        """Variance over ``dim``: Σ(a − mean)² / (n − correction), unbiased (correction=1) by default.

        As in PyTorch: ``unbiased=False`` or ``correction=0`` divides by n; numpy's ``ddof=`` is
        accepted as another name for ``correction``.
        """
        given = [c for c in (correction, ddof) if c is not None]
        if unbiased is not None:
            given.append(1 if unbiased else 0)
        if len(given) > 1:
            raise DataTypeError("var: give only one of correction=, unbiased= and ddof=")
        correction = given[0] if given else 1
        axis, keepdims = self._reduce_dims("var", dim, keepdim, axis, keepdims)
        centred = self - self.mean(dim=axis, keepdim=True)
        count = self.data.size // max(np.mean(self.data, axis=axis, keepdims=True).size, 1)
        return (centred * centred).sum(dim=axis, keepdim=keepdims) / max(count - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):
        """Standard deviation: the square root of :meth:`var` (unbiased by default, as PyTorch)."""
        return self.var(dim, unbiased, keepdim, correction=correction, axis=axis,
                        keepdims=keepdims, ddof=ddof).sqrt()

    # -- shape ops -----------------------------------------------------------------------------------
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        try:
            data = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ShapeError(f"reshape: cannot reshape a tensor of shape {self.shape} "
                             f"({self.numel()} elements) into shape {tuple(shape)}") from None

        def backward(g):
            return (g.reshape(self.shape),)
        return self._view_result(data, "reshape", backward, "reshape the gradient back")

    def view(self, *shape):
        """Same values in a new shape (``-1`` infers one dimension); like :meth:`reshape`."""
        return self.reshape(*shape)

    def permute(self, *dims):
        """Reorder all dimensions: ``x.permute(2, 0, 1)`` puts the last dimension first."""
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], tuple | list) else dims
        dims = tuple(dims)
        if len(dims) != self.ndim or sorted(self._dim(d, "permute") for d in dims) != \
                list(range(self.ndim)):
            raise ShapeError(f"permute: dims {dims} are not a permutation of the {self.ndim} "
                             f"dimensions of a tensor of shape {self.shape}")
        dims = tuple(d % self.ndim for d in dims) if self.ndim else ()
        inverse = tuple(np.argsort(dims))

        def backward(g):
            return (g.transpose(inverse),)
        return self._view_result(self.data.transpose(dims), "permute", backward,
                                 "permute the gradient back")

    def transpose(self, dim0, dim1):
        """Swap two dimensions, as ``torch.transpose`` (for a full reorder use :meth:`permute`)."""
        d0, d1 = self._dim(dim0, "transpose"), self._dim(dim1, "transpose")

        if self.ndim == 0:  # PyTorch allows transpose(0, 0) and friends on a 0-d tensor
            d0 = d1 = 0
            return self._view_result(self.data, "transpose", lambda g: (g,), "the gradient as is")

        def backward(g):
            return (np.swapaxes(g, d0, d1),)
        data = np.swapaxes(self.data, d0, d1)
        return self._view_result(data, "transpose", backward, "swap the gradient's dims back")

    def t(self):
        """Transpose a tensor of at most 2 dimensions (``x.t()`` as in PyTorch)."""
        if self.ndim > 2:
            raise ShapeError(f"t: expects a tensor with <= 2 dimensions, got shape {self.shape}; "
                             "use transpose(d0, d1) or permute(...)")
        return self.transpose(0, -1)

    @property
    def T(self):
        """All dimensions reversed (for a matrix: its transpose)."""
        return self.permute(*reversed(range(self.ndim)))

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions ``start_dim..end_dim`` into one, like ``torch.flatten``."""
        if self.ndim == 0:
            return self.reshape(1)
        if (not -self.ndim <= start_dim < self.ndim or not -self.ndim <= end_dim < self.ndim
                or start_dim % self.ndim > end_dim % self.ndim):
            raise ShapeError(f"flatten: start_dim={start_dim}, end_dim={end_dim} do not fit a tensor "
                             f"of shape {self.shape}; expected -{self.ndim} <= start_dim <= end_dim "
                             f"< {self.ndim}")
        start, end = start_dim % self.ndim, end_dim % self.ndim
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape)

    def __getitem__(self, index):
        index = _index_data(index)
        try:
            data = self.data[index]
        except IndexError as err:
            raise ShapeError(f"getitem: index {index!r} does not fit a tensor of shape "
                             f"{self.shape} ({err})") from None
        advanced = _is_advanced(index)

        def backward(g):
            full = np.zeros_like(self.data)
            if advanced:
                np.add.at(full, index, g)  # repeated indices each add their share
            else:
                full[index] += g
            return (full,)
        return Tensor._result(np.array(data, copy=True) if not advanced else data, (self,),
                              "getitem", backward, "scatter the gradient into the selected entries")

    # -- backward ----------------------------------------------------------------------------------
    def backward_steps(self, grad=None):
        """Run the backward pass one node at a time, yielding a :class:`BackwardStep` for each op.

        Each step sends the node's gradient to its inputs with the op's local rule; their ``.grad``
        grows as the contributions arrive. ``backward()`` is this generator run to the end.
        """
        seed = self._seed_gradient(grad)
        order = topological_order(self)
        self.grad = seed if self.grad is None else self.grad + seed
        pending = {id(self): seed}  # gradients received so far in *this* pass
        index = 0
        for node in reversed(order):
            upstream = pending.pop(id(node), None)
            if node._backward is None or upstream is None:
                continue
            raw = node._backward(upstream)
            grads = []
            for parent, g in zip(node.parents, raw):
                if g is None or not parent.requires_grad:
                    grads.append(None)
                    continue
                if g.shape != parent.data.shape:
                    g = unbroadcast(g, parent.data.shape)
                if g.dtype != parent.data.dtype:
                    g = g.astype(parent.data.dtype)
                if parent._backward is None and _shared(g, upstream, grads):
                    g = g.copy()  # a leaf's .grad is its own array, safe to update in place
                grads.append(g)
                key = id(parent)
                pending[key] = g if key not in pending else pending[key] + g
                parent.grad = g if parent.grad is None else parent.grad + g
            yield BackwardStep(index, node, upstream, node.rule, node.parents, tuple(grads))
            index += 1

    def backward(self, grad=None):
        """Fill in ``.grad`` of every tensor this one depends on (∂self/∂x), accumulating.

        ``grad`` is ∂loss/∂self; it may be left out only when ``self`` holds a single number.
        """
        for _ in self.backward_steps(grad):
            pass

    def _seed_gradient(self, grad):
        if not self.requires_grad:
            raise GradientError(
                "backward: this tensor does not require grad, so there is no graph to go back "
                "through; create the inputs with requires_grad=True (and not inside no_grad())")
        if grad is None:
            if self.data.size != 1:
                raise GradientError(
                    f"backward: the gradient can only be created implicitly for a scalar, but this "
                    f"tensor has shape {self.shape}; reduce it first (e.g. loss.sum() or "
                    f"loss.mean()) or pass grad= an array of shape {self.shape}")
            return np.ones_like(self.data)
        grad = _to_array(grad, what="backward")
        if grad.shape != self.shape:
            raise ShapeError(f"backward: grad has shape {grad.shape}, but the tensor has shape "
                             f"{self.shape}; they must be equal")
        return grad.astype(self.data.dtype, copy=False)


def _shared(g, upstream, sent):
    """True if ``g`` may also be reachable from elsewhere (a view, the upstream, a sibling's grad)."""
    return (g is upstream or g.base is not None or not g.flags.writeable
            or any(g is other for other in sent))


def topological_order(root, include_constants=False):
    """Every tensor ``root`` depends on, inputs before the ops that use them.

    Only tensors that require grad, unless ``include_constants`` (graph drawing shows those too).
    Iterative depth-first search over the ``parents`` tuples, so the order is the same on every run
    and a chain of 100,000 ops needs no deep recursion.
    """
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parents):
            if (include_constants or parent.requires_grad) and id(parent) not in visited:
                stack.append((parent, False))
    return order


def _index_data(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray | list) for p in parts)


# ----------------------------------------------------------------------------------------------------
# Functions of several tensors
# ----------------------------------------------------------------------------------------------------
def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _as_tensor_pair(a, b, op):
    """Two tensors; a Python number takes the other tensor's dtype, as in ``t + 2``."""
    if isinstance(a, Tensor):
        return a, a._lift(b, op)
    if isinstance(b, Tensor):
        return b._lift(a, op), b
    return Tensor(a), Tensor(b)


def maximum(a, b):
    """Elementwise maximum; where a and b tie, each gets half the gradient (as in PyTorch)."""
    a, b = _as_tensor_pair(a, b, "maximum")
    try:
        data = np.maximum(a.data, b.data)
    except ValueError:
        raise _broadcast_error("maximum", a, b) from None

    def backward(g):
        share = (a.data > b.data) + 0.5 * (a.data == b.data)
        return g * share, g * (1 - share)
    return Tensor._result(data, (a, b), "maximum", backward,
                          "∂max(a,b)/∂a = 1 where a > b,  ∂max(a,b)/∂b = 1 where b > a")


def minimum(a, b):
    """Elementwise minimum; where a and b tie, each gets half the gradient."""
    a, b = _as_tensor_pair(a, b, "minimum")
    try:
        data = np.minimum(a.data, b.data)
    except ValueError:
        raise _broadcast_error("minimum", a, b) from None

    def backward(g):
        share = (a.data < b.data) + 0.5 * (a.data == b.data)
        return g * share, g * (1 - share)
    return Tensor._result(data, (a, b), "minimum", backward,
                          "∂min(a,b)/∂a = 1 where a < b,  ∂min(a,b)/∂b = 1 where b < a")


def where(condition, a, b):
    """Pick ``a`` where ``condition`` holds, else ``b``; each gets the gradient where it was picked."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    cond = cond.astype(bool)
    a, b = _as_tensor_pair(a, b, "where")
    try:
        data = np.where(cond, a.data, b.data)
    except ValueError:
        raise ShapeError(f"where: cannot broadcast condition {cond.shape}, a {a.shape} and "
                         f"b {b.shape} together") from None

    def backward(g):
        return np.where(cond, g, 0), np.where(cond, 0, g)
    return Tensor._result(data, (a, b), "where", backward,
                          "∂where(c,a,b)/∂a = c,  ∂where(c,a,b)/∂b = 1 − c")


def _check_joinable(op, tensors, axis):
    if not tensors:
        raise ShapeError(f"{op}: expected a non-empty sequence of tensors")
    return [_as_tensor(t) for t in tensors]


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis; the gradient is split back into the pieces."""
    tensors = _check_joinable("concatenate", tensors, axis)
    try:
        data = np.concatenate([t.data for t in tensors], axis=axis)
    except ValueError as err:
        shapes = [t.shape for t in tensors]
        raise ShapeError(f"concatenate: shapes {shapes} cannot be joined along axis {axis}: all "
                         f"dimensions but axis {axis} must be equal ({err})") from None
    bounds = np.cumsum([t.shape[axis] for t in tensors])[:-1]

    def backward(g):
        return tuple(np.split(g, bounds, axis=axis))
    return Tensor._result(data, tuple(tensors), "concatenate", backward,
                          "split the gradient back into the pieces")


def stack(tensors, axis=0):
    """Join same-shape tensors along a new axis; the gradient is unstacked."""
    tensors = _check_joinable("stack", tensors, axis)
    try:
        data = np.stack([t.data for t in tensors], axis=axis)
    except np.exceptions.AxisError:
        raise ShapeError(f"stack: bad axis={axis} for tensors of shape {tensors[0].shape} "
                         f"(the result has {tensors[0].ndim + 1} axes)") from None
    except ValueError:
        shapes = [t.shape for t in tensors]
        raise ShapeError(f"stack: all tensors must have the same shape, got {shapes}") from None

    def backward(g):
        return tuple(np.moveaxis(g, axis, 0))
    return Tensor._result(data, tuple(tensors), "stack", backward,
                          "unstack the gradient into the pieces")
