"""``RNN``, ``LSTM`` and ``GRU``: a cell applied at every time step, layer after layer (as ``torch.nn``).

The forward pass is a plain Python loop over time that calls the step functions of ``rnn_cell.py``.
Nothing is fused across steps, so the graph behind the output is the network *unrolled in time*:
``draw_graph`` and the backward stepper show backpropagation through time as it happens. (Only the
input's share of every step, ``x_t W_ihᵀ + b_ih``, is one matmul over the whole sequence before the
loop: it does not depend on the state, and one big matmul is much faster than T small ones.) Each step's
ops run inside a :class:`TimeStep` scope, so ``draw_graph(loss, collapse="module")`` folds a long
sequence into one box per (layer, direction, time step); its hidden states are named ``h_l0[3]``
(layer 0, step 3) and ``h_l0_reverse[3]``.

Layout, as in PyTorch: input ``(seq_len, batch, input_size)``, or ``(batch, seq_len, input_size)``
with ``batch_first=True``, or unbatched ``(seq_len, input_size)``. Initial and final states are
``(num_layers · num_directions, batch, hidden_size)`` whatever ``batch_first`` says. Parameters are
``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (``..._reverse`` for the
backward direction), so ``state_dict`` keys and shapes are PyTorch's.
"""
import math
import warnings

import numpy as np

from ..errors import DataTypeError, ShapeError
from ..functional._checks import as_tensor
from ..functional.dropout import dropout
from ..functional.linear import linear
from ..tensor import Tensor, concatenate, get_default_dtype, scope, stack
from . import init
from .module import Module, Parameter
from .rnn_cell import check_sequence_input, gru_update, lstm_update, rnn_update


class TimeStep:
    """Owner of the ops of one time step (see ``dlkit.tensor.scope``): lets graphs fold by step."""

    __slots__ = ("direction", "graph_label", "layer", "module", "t")

    def __init__(self, module, layer, direction, t):
        self.module, self.layer, self.direction, self.t = module, layer, direction, t
        arrow = " (reverse)" if direction else ""
        self.graph_label = f"{type(module).__name__} layer {layer}{arrow} t={t}"

    def __repr__(self):
        return f"TimeStep({self.graph_label})"


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, shape checks, and the loop over layers and time."""

    gates = 1          # rows of weight_ih per hidden unit: 1 (RNN), 4 (LSTM), 3 (GRU)
    has_cell_state = False

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, dtype=None):
        super().__init__()
        who = type(self).__name__
        if not isinstance(dropout, int | float) or not 0 <= dropout <= 1:
            raise ValueError(f"{who}: dropout must be a probability in [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{who}: dropout={dropout} and num_layers=1: dropout acts between layers, "
                          "so it does nothing here (as in PyTorch)", stacklevel=2)
        if num_layers < 1 or hidden_size < 1:
            raise ValueError(f"{who}: num_layers and hidden_size must be positive, got "
                             f"num_layers={num_layers}, hidden_size={hidden_size}")
        if proj_size:
            raise NotImplementedError(f"{who}: proj_size is not supported by dlkit (only proj_size=0)")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, 0
        dtype = dtype or get_default_dtype()
        directions = 2 if bidirectional else 1
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (rows, layer_input)), ("weight_hh", (rows, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(np.empty(shape, dtype=dtype), name=name + suffix))
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's init: every weight and bias from U(−1/√hidden_size, 1/√hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple(getattr(self, name + suffix, None) for name in names)

    # -- checks ------------------------------------------------------------------------------------
    def _layout(self):
        return "(batch, seq_len, input_size)" if self.batch_first else "(seq_len, batch, input_size)"

    def _check_input(self, input):
        """The input as a time-major (seq_len, batch, features) tensor, and whether it was batched."""
        who = repr(self).split("\n")[0]
        x = check_sequence_input(input, who, self.input_size)
        if x.ndim not in (2, 3):
            raise ShapeError(f"{who}: expected 3-D input {self._layout()} with input_size="
                             f"{self.input_size} (batch_first={self.batch_first}) or unbatched 2-D "
                             f"(seq_len, input_size), got shape {tuple(x.shape)}")
        if x.ndim == 2:
            x = x.reshape(x.shape[0], 1, x.shape[1])
            batched = False
        else:
            batched = True
            if self.batch_first:
                x = x.permute(1, 0, 2)
        if x.shape[0] == 0:
            raise ShapeError(f"{who}: the input has no time steps (shape {tuple(input.shape)})")
        return x, batched

    def _check_state(self, state, what, batch, batched, input_shape):
        who = repr(self).split("\n")[0]
        state = as_tensor(state, who)
        layers = self.num_layers * self.num_directions
        expected = (layers, batch, self.hidden_size) if batched else (layers, self.hidden_size)
        if tuple(state.shape) != expected:
            hint = ""
            if batched and state.ndim == 3 and state.shape[1] != batch:
                hint = (f"; its batch dimension (1) must equal the input's batch size {batch} "
                        f"(input shape {tuple(input_shape)} read as {self._layout()} since "
                        f"batch_first={self.batch_first})")
            raise ShapeError(f"{who}: expected {what} of shape {expected} (num_layers · "
                             f"num_directions, {'batch, ' if batched else ''}hidden_size), got shape "
                             f"{tuple(state.shape)}{hint}")
        return state if batched else state.reshape(layers, 1, self.hidden_size)

    def _initial_states(self, hx, x, batched, input_shape):
        """One state per (layer, direction): h, or (h, c) for an LSTM."""
        batch = x.shape[1]
        count = self.num_layers * self.num_directions
        if hx is None:
            dtype = np.result_type(x.dtype, self.weight_ih_l0.dtype)
            zero = Tensor(np.zeros((batch, self.hidden_size), dtype=dtype))
            return [(zero, zero) if self.has_cell_state else zero] * count
        if self.has_cell_state:
            if not (isinstance(hx, tuple | list) and len(hx) == 2):
                raise DataTypeError(f"{type(self).__name__}: hx must be a pair (h_0, c_0), got "
                                    f"{type(hx).__name__}")
            h0 = self._check_state(hx[0], "h_0", batch, batched, input_shape)
            c0 = self._check_state(hx[1], "c_0", batch, batched, input_shape)
            return [(h0[k], c0[k]) for k in range(count)]
        h0 = self._check_state(hx, "h_0", batch, batched, input_shape)
        return [h0[k] for k in range(count)]

    # -- the unrolled loop -----------------------------------------------------------------------
    def _step(self, x, state, weights):
        raise NotImplementedError

    def _run_direction(self, layer_input, state, layer, direction):
        """Apply the cell along the sequence (backwards for direction 1); outputs in time order.

        The input's share of every step, ``x_t W_ihᵀ + b_ih``, is one matmul over the whole
        sequence (it does not depend on the state); each step takes its row of it.
        """
        steps = layer_input.shape[0]
        outputs = [None] * steps
        order = range(steps - 1, -1, -1) if direction else range(steps)
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        weight_ih, weight_hh, bias_ih, bias_hh = self._weights(layer, direction)
        from_input = linear(layer_input, weight_ih, bias_ih)
        for t in order:
            with scope(TimeStep(self, layer, direction, t)):
                state = self._step(from_input[t], state, (weight_hh, bias_hh))
            hidden = state[0] if self.has_cell_state else state
            hidden.name = f"h{suffix}[{t}]"
            if self.has_cell_state:
                state[1].name = f"c{suffix}[{t}]"
            outputs[t] = hidden
        return outputs, state

    def forward(self, input, hx=None):
        """Run the whole sequence; returns ``(output, h_n)`` — ``(output, (h_n, c_n))`` for an LSTM.

        ``output`` holds the last layer's hidden state at every step (both directions side by side:
        forward in ``[..., :hidden_size]``, reverse in ``[..., hidden_size:]``); ``h_n`` (and
        ``c_n``) the final state of every layer and direction.
        """
        x, batched = self._check_input(input)
        initial = self._initial_states(hx, x, batched, getattr(input, "shape", ()))
        layer_input, steps, finals = x, None, []
        for layer in range(self.num_layers):
            if layer > 0:  # the previous layer's outputs, as one (seq_len, batch, features) tensor
                layer_input = stack(steps)
                if self.dropout > 0 and self.training:
                    layer_input = dropout(layer_input, self.dropout)
            runs = []
            for direction in range(self.num_directions):
                outputs, final = self._run_direction(
                    layer_input, initial[layer * self.num_directions + direction], layer, direction)
                runs.append(outputs)
                finals.append(final)
            steps = runs[0] if len(runs) == 1 else [concatenate(pair, axis=-1) for pair in zip(*runs)]
        output = stack(steps, axis=1 if (self.batch_first and batched) else 0)
        if self.has_cell_state:
            h_n, c_n = stack([h for h, _ in finals]), stack([c for _, c in finals])
            if not batched:
                output, h_n, c_n = output.reshape(output.shape[0], -1), _unbatch(h_n), _unbatch(c_n)
            return output, (h_n, c_n)
        h_n = stack(finals)
        if not batched:
            output, h_n = output.reshape(output.shape[0], -1), _unbatch(h_n)
        return output, h_n

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0,
                    "bidirectional": False}
        for name, default in defaults.items():
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


def _unbatch(state):
    return state.reshape(state.shape[0], state.shape[2])


class RNN(RNNBase):
    """Elman RNN: at each step ``h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh)``.

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
        Stacked layers; layer k > 0 reads the outputs of layer k − 1.
    nonlinearity : {"tanh", "relu"}
    bias : bool
    batch_first : bool
        Input and output are (batch, seq_len, features) instead of (seq_len, batch, features).
    dropout : float
        Dropout on the outputs of every layer but the last (training mode only).
    bidirectional : bool
        Also run each layer from the last step to the first; outputs are concatenated.

    Returns (from ``forward(input, h_0=None)``)
    -------
    output : (seq_len, batch, num_directions · hidden_size)
    h_n : (num_layers · num_directions, batch, hidden_size)

    Examples
    --------
    >>> rnn = dlkit.nn.RNN(10, 20, num_layers=2)
    >>> output, h_n = rnn(dlkit.randn(5, 3, 10))
    >>> output.shape, h_n.shape
    ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype=dtype)
        self.nonlinearity = nonlinearity

    def _step(self, x, h, weights):
        return rnn_update(x, h, *weights, nonlinearity=self.nonlinearity)

    def extra_repr(self):
        return super().extra_repr() + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class LSTM(RNNBase):
    """Long short-term memory: a cell state ``c`` carried along by gates (i, f, g, o).

    Same parameters as :class:`RNN` (no ``nonlinearity``). ``forward(input, (h_0, c_0))`` returns
    ``output, (h_n, c_n)``.

    Examples
    --------
    >>> lstm = dlkit.nn.LSTM(10, 20, batch_first=True)
    >>> output, (h_n, c_n) = lstm(dlkit.randn(3, 5, 10))
    >>> output.shape, h_n.shape, c_n.shape
    ((3, 5, 20), (1, 3, 20), (1, 3, 20))
    """

    gates, has_cell_state = 4, True

    def _step(self, x, state, weights):
        return lstm_update(x, state[0], state[1], *weights)


class GRU(RNNBase):
    """Gated recurrent unit: reset and update gates decide how much of ``h`` to keep.

    Same parameters and outputs as :class:`RNN` (no ``nonlinearity``).

    Examples
    --------
    >>> gru = dlkit.nn.GRU(10, 20, bidirectional=True)
    >>> output, h_n = gru(dlkit.randn(5, 3, 10))
    >>> output.shape, h_n.shape
    ((5, 3, 40), (2, 3, 20))
    """

    gates = 3

    def _step(self, x, h, weights):
        return gru_update(x, h, *weights)
