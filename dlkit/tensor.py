"""The autograd engine: a ``Tensor`` is a numpy array that remembers how it was made.

Every differentiable op builds its output *and* says, a few lines further on, how to send a gradient
back to its inputs (its ``backward`` closure, the local chain-rule step). ``backward()`` then visits
the graph in reverse topological order and applies those closures one node at a time.

This file holds the Tensor itself, arithmetic, in-place updates and ``backward``; the other ops live
by concept next to it and are mixed into the class: ``tensor_elementwise.py`` (exp, relu, ...),
``tensor_reductions.py`` (sum, max, var, ...), ``tensor_shape.py`` (reshape, permute, indexing, ...)
and ``tensor_functions.py`` (functions of several tensors: cat, where, einsum, ...).

Rules enforced once here rather than in each op:

* **broadcasting** — if an input was broadcast to a bigger shape in the forward pass, the gradient
  that comes back has that bigger shape; the engine sums it over the broadcast axes (``unbroadcast``).
* **accumulation** — a tensor used twice (``x * x``, diamonds) receives the *sum* of its gradients,
  and repeated ``backward()`` calls add up in ``.grad`` just like PyTorch.
* **in-place changes** — ``x += 1``, ``x.zero_()``, ``x[i] = v`` change x's own array. An op that used
  x earlier would then compute a wrong gradient, so ``backward()`` refuses: each in-place change stamps
  the tensor (a version counter, as PyTorch's) and each node checks its inputs' stamps. Writing to
  ``x.data`` directly is allowed and bypasses both the checks and the stamp (as in PyTorch).
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import modes
from .errors import DataTypeError, GradientError, ShapeError
from .modes import (  # re-exported: the engine's switches  # noqa: F401
    enable_grad,
    get_default_dtype,
    is_grad_enabled,
    no_grad,
    scope,
    set_default_dtype,
    set_grad_enabled,
)
from .tensor_elementwise import ElementwiseOps
from .tensor_reductions import ReductionOps, ValuesIndices  # noqa: F401
from .tensor_shape import ShapeOps, SliceGradient

_state = modes.state  # per-thread: grad_enabled
_clock = 0  # counts in-place changes, process-wide; each node remembers the count when it was made


# ----------------------------------------------------------------------------------------------------
# Helpers shared by all ops
# ----------------------------------------------------------------------------------------------------
def _to_array(data, dtype=None, what="Tensor", float_ints=False, copy=False):
    """Turn user data into a numeric numpy array, or raise a clear error.

    Python floats and lists of floats get the default dtype; numpy arrays keep theirs; Python
    integers stay integers (like ``torch.tensor``) unless ``float_ints`` asks for floats.
    """
    if isinstance(data, Tensor):
        data = data.data
    try:
        if dtype is not None:
            array = np.array(data, dtype=dtype, copy=copy or None)
        elif isinstance(data, np.ndarray | np.generic):
            array = np.array(data, copy=copy or None)
        else:
            array = np.asarray(data)
            if array.dtype.kind == "f" or (float_ints and array.dtype.kind in "iu"):
                array = array.astype(modes._default_dtype, copy=False)
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


def _broadcast_error(op, a, b):
    return ShapeError(
        f"{op}: cannot broadcast shapes {a.shape} and {b.shape}; trailing dimensions must be equal "
        "or 1 (numpy broadcasting rules) — reshape one operand, e.g. x.reshape(-1, 1)")


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def result_dtype(a, b):
    """The dtype PyTorch gives ``a op b`` (numpy arrays; a Python number arrives as a 0-d array).

    Within one kind (bool < integer < float) the wider dtype wins; across kinds the higher kind's
    dtype wins, except that a 0-d operand never widens a dimensioned one of the same kind: float32
    data plus a float64 scalar stays float32, and float32 data plus integer data is float32.
    """
    ka, kb = _CATEGORY[a.dtype.kind], _CATEGORY[b.dtype.kind]
    if (a.ndim == 0) == (b.ndim == 0):
        if ka == kb:
            return np.result_type(a.dtype, b.dtype)
        return a.dtype if ka > kb else b.dtype
    full, zero, kf, kz = (a, b, ka, kb) if b.ndim == 0 else (b, a, kb, ka)
    return zero.dtype if kz > kf else full.dtype


def _promote(a, b):
    """``a`` and ``b`` as arrays of their common dtype (``result_dtype``)."""
    dtype = result_dtype(a, b)
    return a.astype(dtype, copy=False), b.astype(dtype, copy=False)


class Size(tuple):
    """A tensor's shape, as ``x.size()`` returns it: a tuple (like ``torch.Size``)."""

    def numel(self):
        """Number of elements a tensor of this shape holds."""
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self):
        return f"dlkit.Size({list(self)})"


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
class Tensor(ElementwiseOps, ReductionOps, ShapeOps):
    """An n-dimensional array with automatic differentiation.

    Parameters
    ----------
    data : number, (nested) list or numpy array
        Copied (as ``torch.tensor`` copies); use ``dlkit.from_numpy`` to share an array instead.
        Python numbers and lists become the default dtype (float64); numpy arrays keep theirs.
    requires_grad : bool
        Record the operations done on this tensor so ``backward()`` can fill in its ``.grad``.
    name : str, optional
        A label shown by ``dlkit.viz.draw_graph`` and the backward stepper.

    Attributes
    ----------
    data : numpy.ndarray
        The values. Writing into it directly (``t.data[0] = 1``) is allowed, as in PyTorch, but it
        bypasses what the in-place methods do: no check that gradients are off, and no version
        stamp — a graph that already used ``t`` will then compute gradients from the new values.
    grad : numpy.ndarray or None
        ∂(what ``backward()`` was called on)/∂t, accumulated over calls; a plain numpy array.

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
        "_base",
        "_hooks",
        "_modified",
        "_stamp",
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
        self.data = _to_array(data, dtype, float_ints=requires_grad, copy=True)
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
        self._base = None       # the tensor whose array this one views (reshape, permute, x[i])
        self._modified = 0      # the in-place clock when this tensor was last changed in place
        self._stamp = 0         # the in-place clock when this node was made
        self._hooks = None      # functions run on this tensor's gradient (register_hook)

    # -- construction of op results -------------------------------------------------------------
    @staticmethod
    def _result(data, parents, op, backward, rule):
        """Wrap an op's output; remember the graph only if some input needs a gradient."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.name, out._base, out._modified, out._hooks = data, None, None, None, 0, None
        out.scope = modes.current_scope
        if (not modes.threads_with_grad_off or _state.grad_enabled) and any(p.requires_grad for p in parents):
            out.requires_grad, out.op, out.parents = True, op, parents
            out._backward, out.rule, out._stamp = backward, rule, _clock
        else:
            out.requires_grad, out.op, out.parents, out._backward, out.rule = False, "", (), None, ""
            out._stamp = 0
        return out

    @staticmethod
    def _wrap(array, base=None):
        """A leaf around ``array`` as it is (no copy, no checks): for results that need no graph."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.name, out.scope, out.requires_grad = array, None, None, None, False
        out.op, out.parents, out._backward, out.rule = "", (), None, ""
        out._base, out._modified, out._stamp, out._hooks = base, 0, 0, None
        return out

    def _view_result(self, data, op, backward, rule):
        """An op whose output shares ``self``'s array: in-place changes to either affect both."""
        out = Tensor._result(data, (self,), op, backward, rule)
        out._base = self._base if self._base is not None else self
        return out

    def _lift(self, other, op="Tensor"):
        """Make ``other`` a Tensor; Python and numpy numbers take this tensor's kind of dtype."""
        if isinstance(other, Tensor):
            return other
        if type(other) is float and self.data.dtype.kind == "f":  # the common case, made quick
            return Tensor._wrap(np.asarray(other, dtype=self.data.dtype))
        try:
            if isinstance(other, numbers.Number) and not isinstance(other, bool):
                # float32 data * 2.0 stays float32 (as in PyTorch); int data * 2.5 is a float
                float_self = self.data.dtype.kind == "f"
                is_float = isinstance(other, numbers.Real) and not isinstance(other, numbers.Integral)
                if float_self or not is_float:
                    dtype = self.data.dtype if float_self else np.int64
                    return Tensor._wrap(np.asarray(other, dtype=dtype))
                return Tensor._wrap(np.asarray(other, dtype=modes._default_dtype))
            return Tensor._wrap(_to_array(other))
        except (DataTypeError, TypeError, OverflowError) as err:  # name the op that got the bad operand
            raise DataTypeError(f"{op}: cannot use a {type(other).__name__} as the other operand of a "
                                f"tensor of shape {self.shape} ({err})") from None

    def _operands(self, other, op):
        """``other`` as a Tensor, and both arrays in PyTorch's result dtype."""
        if not isinstance(other, Tensor):
            other = self._lift(other, op)
        a, b = self.data, other.data
        if a.dtype is not b.dtype and a.dtype != b.dtype:
            a, b = _promote(a, b)
        return other, a, b

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
        if self.data.ndim == 0:
            raise DataTypeError("iteration over a 0-d tensor: it holds one number; use t.item()")
        # Without this, Python would iterate through __getitem__ until an IndexError.
        return (self[i] for i in range(len(self.data)))

    def __array__(self, dtype=None, copy=None):
        """Let numpy and matplotlib read a tensor's values (``np.asarray(t)`` shares, ``np.array`` copies)."""
        array = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return array.copy() if copy and array is self.data else array

    def __bool__(self):
        if self.data.size != 1:
            raise ShapeError(
                f"bool() of a tensor with {self.data.size} values (shape {self.shape}) is ambiguous; "
                "use (t).any() or (t).all() to combine them, or t.item() for a one-element tensor")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.ndim != 0:
            raise DataTypeError(f"only 0-d integer tensors can be used as a Python index, got "
                                f"dtype {self.data.dtype} and shape {self.shape}")
        return int(self.data.item())

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
        if self.data.dtype != modes._default_dtype and self.data.dtype.kind == "f":
            extras += f", dtype={self.data.dtype}"
        return f"Tensor({body}{extras})"

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item: only one-element tensors can be converted, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        """The values as (nested) Python lists of Python numbers."""
        return self.data.tolist()

    def numpy(self):
        """The underlying numpy array (shared, not copied)."""
        return self.data

    def detach(self):
        """A new leaf sharing this tensor's array, cut off from the graph."""
        out = Tensor._wrap(self.data, base=self._base if self._base is not None else self)
        out.name = self.name
        return out

    def clone(self):
        """A copy with its own array; gradients flow back to this tensor unchanged."""
        def backward(g):
            return (g,)
        return Tensor._result(self.data.copy(), (self,), "clone", backward, "∂clone(a)/∂a = 1")

    def zero_grad(self):
        """Forget the accumulated gradient (set ``.grad`` to None)."""
        self.grad = None

    def requires_grad_(self, requires_grad=True):
        """Switch gradient tracking on (or off) for this leaf, in place."""
        if requires_grad and self.data.dtype.kind != "f":
            raise DataTypeError(f"requires_grad_: only float tensors can require gradients, got dtype "
                                f"{self.data.dtype}; convert first, e.g. t.double()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep this tensor's gradient after ``backward()`` (dlkit keeps every one already)."""

    def register_hook(self, hook):
        """Run ``hook(grad)`` when this tensor's gradient is known; a returned array replaces it.

        The hook sees the whole gradient of this backward pass before it goes further back (or,
        for a leaf, into ``.grad``). Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise GradientError("register_hook: this tensor does not require grad, so no gradient "
                                "will ever reach it")
        self._hooks = [*(self._hooks or []), hook]
        return _HookHandle(self, hook)

    def astype(self, dtype):
        """A copy with another dtype; differentiable between float dtypes (the gradient is cast back).

        Casting to an integer or bool dtype gives a tensor that does not require grad: rounding
        has no useful derivative (as in PyTorch).
        """
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return Tensor._wrap(self.data.astype(dtype))
        source = self.data.dtype

        def backward(g):
            return (g.astype(source),)
        return Tensor._result(self.data.astype(dtype), (self,), "astype", backward,
                              "∂cast(a)/∂a = 1")

    def to(self, dtype):
        return self.astype(dtype)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def long(self):
        return self.astype(np.int64)

    def int(self):
        return self.astype(np.int32)

    def bool(self):
        return self.astype(bool)

    # -- arithmetic ----------------------------------------------------------------------------------
    def __add__(self, other):
        other, a, b = self._operands(other, "add")
        try:
            data = a + b
        except ValueError:
            raise _broadcast_error("add", self, other) from None

        def backward(g):
            return g, g
        return Tensor._result(data, (self, other), "add", backward,
                              "∂(a+b)/∂a = 1,  ∂(a+b)/∂b = 1")

    def __sub__(self, other):
        other, a, b = self._operands(other, "sub")
        try:
            data = a - b
        except ValueError:
            raise _broadcast_error("sub", self, other) from None
        except TypeError:  # numpy refuses bool - bool
            raise DataTypeError("sub: subtracting bool tensors is not supported; use ^ "
                                "(logical_xor) or convert with .long() first") from None

        def backward(g):
            return g, -g
        return Tensor._result(data, (self, other), "sub", backward,
                              "∂(a−b)/∂a = 1,  ∂(a−b)/∂b = −1")

    def __mul__(self, other):
        other, a, b = self._operands(other, "mul")
        try:
            data = a * b
        except ValueError:
            raise _broadcast_error("mul", self, other) from None

        def backward(g):
            return g * b, g * a
        return Tensor._result(data, (self, other), "mul", backward,
                              "∂(a·b)/∂a = b,  ∂(a·b)/∂b = a")

    def __truediv__(self, other):
        other, a, b = self._operands(other, "div")
        try:
            data = a / b
        except ValueError:
            raise _broadcast_error("div", self, other) from None

        def backward(g):
            return g / b, -g * data / b
        return Tensor._result(data, (self, other), "div", backward,
                              "∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²")

    def __pow__(self, exponent):
        if isinstance(exponent, numbers.Real) and not isinstance(exponent, bool):
            if self.data.dtype.kind == "f":
                exponent = self.data.dtype.type(exponent)
            data = self.data ** exponent

            def backward(g):
                if exponent == 0:  # d(a⁰)/da = 0, even at a = 0 (0 · 0⁻¹ would give nan)
                    return (np.zeros_like(g),)
                return (g * exponent * self.data ** (exponent - 1),)
            return Tensor._result(data, (self,), f"pow {float(exponent):g}", backward,
                                  f"∂(aⁿ)/∂a = n·aⁿ⁻¹  (n = {float(exponent):g})")
        exponent, a, b = self._operands(exponent, "pow")
        try:
            data = a ** b
        except ValueError:
            raise _broadcast_error("pow", self, exponent) from None

        def backward(g):
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_base = np.where(b == 0, 0, g * b * a ** (b - 1))
                grad_exp = None
                if exponent.requires_grad:  # 0ᵇ for b ≥ 0 sends no gradient to b (as torch)
                    grad_exp = np.where((a == 0) & (b >= 0), 0, g * data * np.log(a))
            return grad_base, grad_exp
        return Tensor._result(data, (self, exponent), "pow", backward,
                              "∂(aᵇ)/∂a = b·aᵇ⁻¹,  ∂(aᵇ)/∂b = aᵇ·ln a")

    def pow(self, exponent):
        return self ** exponent

    def __neg__(self):
        if self.data.dtype == bool:
            raise DataTypeError("neg: negating a bool tensor is not supported (as in PyTorch); to "
                                "invert a mask use ~mask or mask.logical_not()")

        def backward(g):
            return (-g,)
        return Tensor._result(-self.data, (self,), "neg", backward, "∂(−a)/∂a = −1")

    def __invert__(self):
        if self.data.dtype.kind not in "biu":
            raise DataTypeError(f"invert: ~ needs a bool or integer tensor, got dtype {self.data.dtype}")
        return Tensor._wrap(~self.data)

    def logical_not(self):
        return Tensor._wrap(np.logical_not(self.data))

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
        other, a, b = self._operands(other, "matmul")
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

    def matmul(self, other):
        return self @ other

    # Method spellings of the operators, as in PyTorch.
    def add(self, other):
        return self + other

    def sub(self, other):
        return self - other

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    # -- comparisons: plain boolean tensors, no gradient ---------------------------------------------
    def _compare(self, other, fn, op):
        if other is None or isinstance(other, str):
            return NotImplemented
        other_data = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor._wrap(np.asarray(fn(self.data, other_data)))
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

    def __and__(self, other):
        return self._compare(other, np.logical_and, "&")

    def __or__(self, other):
        return self._compare(other, np.logical_or, "|")

    def __xor__(self, other):
        return self._compare(other, np.logical_xor, "^")

    def any(self):
        return Tensor._wrap(np.asarray(self.data.any()))

    def all(self):
        return Tensor._wrap(np.asarray(self.data.all()))

    __hash__ = object.__hash__  # tensors are graph nodes: hashed by identity

    # -- in-place updates ----------------------------------------------------------------------------
    # They change this tensor's own array (same object, same memory), as in PyTorch. Inside no_grad()
    # they are how a manual optimizer step updates the weights. dlkit does not record in-place ops in
    # the graph, so while gradients are recorded they are refused on tensors that require grad —
    # except the operators: `y += x` on a tensor in a graph (or with an x that requires grad) makes a
    # new tensor y + x and rebinds the name, so the graph stays right.
    def _check_inplace(self, op, other=None):
        if not _state.grad_enabled:
            return
        if isinstance(other, Tensor) and other.requires_grad and not self.requires_grad:
            raise GradientError(
                f"{op}: the other operand requires grad, but dlkit does not record in-place ops in "
                f"the graph; write y = y + x (or y += x) instead of an in-place method")
        if self.requires_grad:
            what = ("a leaf tensor that requires grad" if self._backward is None else
                    f"a tensor that is part of a graph (made by {self.op})")
            raise GradientError(
                f"{op}: cannot change {what} in place while gradients are recorded; do updates "
                f"inside `with dlkit.no_grad():` (as an optimizer step does), or compute a new "
                f"tensor (y = y + 1 instead of y += 1)")

    def _mark_modified(self):
        """Stamp this tensor (and the tensor it views) as changed now: the version counter."""
        global _clock
        _clock += 1
        self._modified = _clock
        if self._base is not None:
            self._base._modified = _clock

    def _inplace(self, op, ufunc, other):
        self._check_inplace(op, other)
        value = other.data if isinstance(other, Tensor) else other
        try:
            ufunc(self.data, value, out=self.data, casting="same_kind")
        except ValueError as err:
            if not self.data.flags.writeable:
                raise DataTypeError(f"{op}: this tensor's array is read-only (an expand() result or "
                                    f"a read-only numpy array); clone() it first") from None
            raise ShapeError(f"{op}: the other operand of shape {np.shape(value)} does not broadcast "
                             f"to this tensor's shape {self.shape} ({err})") from None
        except TypeError as err:
            raise DataTypeError(f"{op}: the result cannot be stored in this tensor's dtype "
                                f"{self.data.dtype} ({err})") from None
        self._mark_modified()
        return self

    def add_(self, other):
        return self._inplace("add_", np.add, other)

    def sub_(self, other):
        return self._inplace("sub_", np.subtract, other)

    def mul_(self, other):
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other):
        return self._inplace("div_", np.true_divide, other)

    def _augmented(self, op, ufunc, out_of_place, other):
        """``self op= other``: in place, unless that would hide a step from the graph (see above)."""
        recording = _state.grad_enabled and (
            self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
        if recording and not (self.requires_grad and self._backward is None):
            return out_of_place(self, other)  # Python rebinds the name to this new tensor
        return self._inplace(op, ufunc, other)

    def __iadd__(self, other):
        return self._augmented("+=", np.add, Tensor.__add__, other)

    def __isub__(self, other):
        return self._augmented("-=", np.subtract, Tensor.__sub__, other)

    def __imul__(self, other):
        return self._augmented("*=", np.multiply, Tensor.__mul__, other)

    def __itruediv__(self, other):
        return self._augmented("/=", np.true_divide, Tensor.__truediv__, other)

    def zero_(self):
        """Set every entry to 0, in place."""
        return self.fill_(0)

    def fill_(self, value):
        """Set every entry to ``value``, in place."""
        self._check_inplace("fill_")
        self.data[...] = value.data if isinstance(value, Tensor) else value
        self._mark_modified()
        return self

    def copy_(self, src):
        """Copy ``src``'s values into this tensor (broadcast to its shape, cast to its dtype)."""
        self._check_inplace("copy_")
        try:
            np.copyto(self.data, src.data if isinstance(src, Tensor) else src, casting="unsafe")
        except ValueError as err:
            raise ShapeError(f"copy_: source of shape {np.shape(src)} does not broadcast to this "
                             f"tensor's shape {self.shape} ({err})") from None
        self._mark_modified()
        return self

    def clamp_(self, min=None, max=None):
        """Limit every entry to ``[min, max]``, in place."""
        self._check_inplace("clamp_")
        np.clip(self.data, min, max, out=self.data)
        self._mark_modified()
        return self

    clip_ = clamp_

    # -- backward ----------------------------------------------------------------------------------
    def backward_steps(self, gradient=None):
        """Run the backward pass one node at a time, yielding a :class:`BackwardStep` for each op.

        Each step sends the node's gradient to its inputs with the op's local rule; their ``.grad``
        grows as the contributions arrive. ``backward()`` is this generator run to the end.
        """
        return self._backward_pass(gradient, dense=True)

    def _backward_pass(self, gradient, dense):
        """``backward_steps``; with ``dense=False`` a slice's gradient is added in place at the
        slice (see ``SliceGradient``) and the steps report it as a ``SliceGradient``."""
        seed = self._seed_gradient(gradient)
        order = topological_order(self)
        own = {}  # id(tensor) -> buffers this pass allocated for it (safe to add into in place)
        if not self._hooks:
            self.grad = seed if self.grad is None else self.grad + seed
        pending = {id(self): seed}  # gradients received so far in *this* pass
        index = 0
        for node in reversed(order):
            upstream = pending.pop(id(node), None)
            if upstream is None:
                continue
            if node._hooks:  # its gradient is complete now: hooks may read or replace it
                upstream = node._run_hooks(upstream)
            if node._backward is None:
                continue
            if _clock > node._stamp:  # something changed in place since this node was made
                node._check_versions()
            raw = node._backward(upstream)
            grads = []
            for parent, g in zip(node.parents, raw):
                if g is None or not parent.requires_grad:
                    grads.append(None)
                    continue
                if isinstance(g, SliceGradient):
                    if dense:
                        g = g.dense(parent.data.shape, parent.data.dtype)
                    else:
                        grads.append(g)
                        _scatter_add(parent, g, pending, own)
                        continue
                if g.shape != parent.data.shape:
                    g = unbroadcast(g, parent.data.shape)
                if g.dtype != parent.data.dtype:
                    g = g.astype(parent.data.dtype)
                if parent._backward is None and _shared(g, upstream, grads):
                    g = g.copy()  # a leaf's .grad is its own array, safe to update in place
                grads.append(g)
                key = id(parent)
                before = pending.get(key)
                pending[key] = g if before is None else before + g
                if not parent._hooks:  # hooked tensors get their .grad once hooks have run
                    if parent.grad is None:
                        parent.grad = g
                    elif parent.grad is before:  # the same sum: computed once, not twice
                        parent.grad = pending[key]
                    else:
                        parent.grad = parent.grad + g
            yield BackwardStep(index, node, upstream, node.rule, node.parents, tuple(grads))
            index += 1

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Fill in ``.grad`` of every tensor this one depends on (∂self/∂x), accumulating.

        ``gradient`` is ∂loss/∂self; it may be left out only when ``self`` holds a single number.
        The graph is always kept, so ``retain_graph`` is accepted and changes nothing;
        ``create_graph`` (gradients of gradients) is not supported.
        """
        if create_graph:
            raise GradientError("backward: create_graph=True (higher-order gradients) is not "
                                "supported by dlkit; gradients are plain numpy arrays")
        for _ in self._backward_pass(gradient, dense=False):
            pass

    def _run_hooks(self, grad):
        for hook in self._hooks:
            replaced = hook(grad)
            if replaced is not None:
                replaced = np.asarray(replaced.data if isinstance(replaced, Tensor) else replaced)
                if replaced.shape != self.shape:
                    raise ShapeError(f"register_hook: the hook returned a gradient of shape "
                                     f"{replaced.shape}, but the tensor has shape {self.shape}")
                grad = replaced.astype(self.data.dtype, copy=False)
        self.grad = grad.copy() if self.grad is None else self.grad + grad
        return grad

    def _check_versions(self):
        """Refuse to go back through this node if an input (or itself) changed in place after it."""
        for tensor in (*self.parents, self):
            changed = max(tensor._modified,
                          tensor._base._modified if tensor._base is not None else 0)
            if changed > self._stamp:
                which = "its output" if tensor is self else f"an input of shape {tensor.shape}"
                raise GradientError(
                    f"backward: {which} of the op '{self.op}' was modified by an in-place operation "
                    f"after '{self.op}' used it, so its gradient would be wrong; compute a new tensor "
                    f"(y = y + 1) instead of changing one in place, or clone() it before changing it")

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
                    f"loss.mean()) or pass gradient= an array of shape {self.shape}")
            return np.ones_like(self.data)
        grad = _to_array(grad, what="backward")
        if grad.shape != self.shape:
            raise ShapeError(f"backward: gradient has shape {grad.shape}, but the tensor has shape "
                             f"{self.shape}; they must be equal")
        return grad.astype(self.data.dtype, copy=False)


class _HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off again."""

    def __init__(self, tensor, hook):
        self.tensor, self.hook = tensor, hook

    def remove(self):
        hooks = [h for h in (self.tensor._hooks or []) if h is not self.hook]
        self.tensor._hooks = hooks or None


def _scatter_add(parent, g, pending, own):
    """Add a slice's gradient into ``parent``'s pending gradient (and ``.grad``) at the slice.

    Adds in place only into buffers allocated in this pass (``own``); anything else (a gradient
    another op may still hold, a ``.grad`` from an earlier pass) is copied once first.
    """
    key = id(parent)
    mine = own.setdefault(key, [])
    values = g.values if g.values.dtype == parent.data.dtype else g.values.astype(parent.data.dtype)

    def owned(buffer):
        if buffer is None:
            buffer = np.zeros(parent.data.shape, dtype=parent.data.dtype)
        elif not any(buffer is b for b in mine):
            buffer = buffer.copy()
        else:
            return buffer
        mine.append(buffer)
        return buffer

    current = pending.get(key)
    same = not parent._hooks and parent.grad is current and current is not None
    if not parent._hooks and parent.grad is None and current is None:
        same = True  # both start here: one buffer serves as both
    buffer = owned(current)
    buffer[g.index] += values
    pending[key] = buffer
    if parent._hooks:  # hooked tensors get their .grad once hooks have run
        return
    if same:
        parent.grad = buffer
    else:
        grad = owned(parent.grad)
        grad[g.index] += values
        parent.grad = grad


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
    todo = [(root, False)]
    while todo:
        node, finished = todo.pop()
        if finished:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        todo.append((node, True))
        for parent in reversed(node.parents):
            if (include_constants or parent.requires_grad) and id(parent) not in visited:
                todo.append((parent, False))
    return order


# Functions of several tensors (they need Tensor, so they are imported after it).
from .tensor_functions import (  # noqa: F401
    cat,
    concatenate,
    einsum,
    maximum,
    minimum,
    stack,
    where,
)
