"""One time step of a recurrent network: ``RNNCell``, ``LSTMCell``, ``GRUCell`` (as in ``torch.nn``).

The step functions below are the whole of the math; the cells wrap them with parameters, and
``dlkit.nn.RNN`` / ``LSTM`` / ``GRU`` (``recurrent.py``) call them once per time step. Every step is
built from ordinary ops (``linear``, ``sigmoid``, ``tanh``, ``*``, ``+`` and slices), so the graph of a
sequence is the unrolled network and ``backward()`` *is* backpropagation through time.

All weights of one step are kept in two matrices, PyTorch's layout: ``weight_ih`` (gates · hidden,
input) multiplies the input and ``weight_hh`` (gates · hidden, hidden) the previous hidden state, so one
matmul computes every gate at once and the gates are slices of its result:

* RNN:  ``h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`` (or relu)
* LSTM: gates ``i, f, g, o`` (in that order); ``c' = σ(f)·c + σ(i)·tanh(g)``, ``h' = σ(o)·tanh(c')``
* GRU:  gates ``r, z, n``; ``n = tanh(x_n + σ(r)·h_n)``, ``h' = (1 − σ(z))·n + σ(z)·h``, where the
  reset gate scales the hidden part of ``n`` *including its bias*, as in PyTorch.
"""
import math

import numpy as np

from ..errors import DataTypeError, ShapeError
from ..functional._checks import as_tensor
from ..functional.linear import linear
from ..tensor import Tensor, get_default_dtype
from . import init
from .module import Module, Parameter


def _part(t, start, stop):
    """Columns ``start:stop`` of the last axis: one gate out of the fused gate matrix."""
    return t[..., start:stop]


def rnn_step(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh"):
    """One step of an Elman RNN: ``h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``."""
    return rnn_update(linear(x, weight_ih, bias_ih), h, weight_hh, bias_hh, nonlinearity)


def rnn_update(from_input, h, weight_hh, bias_hh=None, nonlinearity="tanh"):
    """``rnn_step`` once the input's share ``x W_ihᵀ + b_ih`` is known (see ``lstm_update``)."""
    pre = from_input + linear(h, weight_hh, bias_hh)
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One LSTM step; returns ``(h', c')``. The four gates come from one matmul per weight matrix."""
    return lstm_update(linear(x, weight_ih, bias_ih), h, c, weight_hh, bias_hh)


def lstm_update(from_input, h, c, weight_hh, bias_hh=None):
    """``lstm_step`` once the input's share of the gates, ``x W_ihᵀ + b_ih``, is known.

    The input's share does not depend on the previous state, so a layer computes it for every time
    step at once (one big matmul instead of T small ones, as PyTorch does) and passes its rows here.
    """
    n = h.shape[-1]
    gates = from_input + linear(h, weight_hh, bias_hh)   # (batch, 4n): i f g o
    opened = gates.sigmoid()            # σ of all four is one op; the g quarter of it is not used
    input_gate, forget_gate = _part(opened, 0, n), _part(opened, n, 2 * n)
    output_gate = _part(opened, 3 * n, 4 * n)
    candidate = _part(gates, 2 * n, 3 * n).tanh()
    c = forget_gate * c + input_gate * candidate
    h = output_gate * c.tanh()
    return h, c


def gru_step(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One GRU step: ``h' = (1 − z)·n + z·h``, computed as ``n + z·(h − n)`` (one op fewer)."""
    return gru_update(linear(x, weight_ih, bias_ih), h, weight_hh, bias_hh)


def gru_update(from_input, h, weight_hh, bias_hh=None):
    """``gru_step`` once the input's share ``x W_ihᵀ + b_ih`` (r z n) is known."""
    n = h.shape[-1]
    from_hidden = linear(h, weight_hh, bias_hh)
    reset_update = (_part(from_input, 0, 2 * n) + _part(from_hidden, 0, 2 * n)).sigmoid()
    reset, update = _part(reset_update, 0, n), _part(reset_update, n, 2 * n)
    new = (_part(from_input, 2 * n, 3 * n) + reset * _part(from_hidden, 2 * n, 3 * n)).tanh()
    return new + update * (h - new)


def check_sequence_input(x, who, input_size):
    """A float Tensor whose last axis is ``input_size``, or a clear error naming ``who``."""
    if isinstance(x, Tensor | np.ndarray) and np.asarray(x.data if isinstance(x, Tensor) else x).dtype.kind in "iub":
        raise DataTypeError(f"{who}: expected float input features, got integer data of shape "
                            f"{tuple(x.shape)}; token ids go through an nn.Embedding first")
    x = as_tensor(x, who)
    if x.ndim == 0 or x.shape[-1] != input_size:
        hint = ""
        if input_size in tuple(x.shape)[:-1]:
            hint = (f"; dimension {tuple(x.shape).index(input_size)} has size {input_size}: the "
                    "features must be the last axis (move them with permute)")
        raise ShapeError(f"{who}: expected input with last dimension input_size={input_size}, got "
                         f"shape {tuple(x.shape)}{hint}")
    return x


class _CellBase(Module):
    """Parameters shared by the three cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = dtype or get_default_dtype()
        rows = self.gates * hidden_size
        self.weight_ih = Parameter(np.empty((rows, input_size), dtype=dtype), name="weight_ih")
        self.weight_hh = Parameter(np.empty((rows, hidden_size), dtype=dtype), name="weight_hh")
        self.bias_ih = Parameter(np.empty(rows, dtype=dtype), name="bias_ih") if bias else None
        self.bias_hh = Parameter(np.empty(rows, dtype=dtype), name="bias_hh") if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's init: every weight and bias from U(−1/√hidden_size, 1/√hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _check(self, input, state, what="hx"):
        """Input as (batch, features); the state as (batch, hidden) zeros when None."""
        who = repr(self)
        x = check_sequence_input(input, who, self.input_size)
        if x.ndim not in (1, 2):
            raise ShapeError(f"{who}: expected input of shape (batch, {self.input_size}) or "
                             f"({self.input_size},), got shape {tuple(x.shape)}")
        batched = x.ndim == 2
        x = x if batched else x.reshape(1, -1)
        expected = (x.shape[0], self.hidden_size)
        if state is None:
            return x, batched, None, expected
        state = as_tensor(state, who)
        shown = expected if batched else (self.hidden_size,)
        if tuple(state.shape) != shown:
            raise ShapeError(f"{who}: expected {what} of shape {shown} (batch, hidden_size) to go "
                             f"with input of shape {tuple(input.shape)}, got shape {tuple(state.shape)}")
        return x, batched, state if batched else state.reshape(1, -1), expected

    def _zeros(self, shape, like):
        return Tensor(np.zeros(shape, dtype=np.result_type(like.dtype, self.weight_ih.dtype)))

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        return text + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One step of an Elman RNN: ``h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    nonlinearity : {"tanh", "relu"}

    Examples
    --------
    >>> cell = dlkit.nn.RNNCell(3, 5)
    >>> cell(dlkit.randn(2, 3)).shape        # h0 defaults to zeros
    (2, 5)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, batched, h, shape = self._check(input, hx)
        h = self._zeros(shape, x) if h is None else h
        out = rnn_step(x, h, *self._weights(), nonlinearity=self.nonlinearity)
        return out if batched else out.reshape(-1)

    def extra_repr(self):
        return super().extra_repr() + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class LSTMCell(_CellBase):
    """One LSTM step: ``(h', c') = LSTMCell(x, (h, c))``; gates i, f, g, o stacked in the weights.

    Examples
    --------
    >>> cell = dlkit.nn.LSTMCell(3, 5)
    >>> h, c = cell(dlkit.randn(2, 3))
    >>> h.shape, c.shape
    ((2, 5), (2, 5))
    """

    gates = 4

    def forward(self, input, hx=None):
        if hx is not None and not (isinstance(hx, tuple | list) and len(hx) == 2):
            raise DataTypeError(f"{self!r}: hx must be a pair (h, c), got {type(hx).__name__}")
        x, batched, h, shape = self._check(input, None if hx is None else hx[0], "h")
        c = None if hx is None else self._check(input, hx[1], "c")[2]
        if hx is None:
            h = c = self._zeros(shape, x)
        h, c = lstm_step(x, h, c, *self._weights())
        return (h, c) if batched else (h.reshape(-1), c.reshape(-1))


class GRUCell(_CellBase):
    """One GRU step: reset gate r, update gate z, candidate n; ``h' = (1 − z)·n + z·h``.

    Examples
    --------
    >>> cell = dlkit.nn.GRUCell(3, 5)
    >>> cell(dlkit.randn(2, 3)).shape
    (2, 5)
    """

    gates = 3

    def forward(self, input, hx=None):
        x, batched, h, shape = self._check(input, hx)
        h = self._zeros(shape, x) if h is None else h
        out = gru_step(x, h, *self._weights())
        return out if batched else out.reshape(-1)
