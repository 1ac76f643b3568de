"""Weight initialisers, named and scaled as in ``torch.nn.init``; all modify a tensor in place.

Random ones draw from ``dlkit.get_rng()``, so ``dlkit.manual_seed(s)`` makes them repeatable.

Why the scales: a layer with ``fan_in`` inputs adds up ``fan_in`` products, so to keep activations from
growing or shrinking layer after layer the weights' variance should be about ``1 / fan_in`` (times a
gain for the nonlinearity: 2 for ReLU — He/Kaiming), or ``2 / (fan_in + fan_out)`` to balance the
forward and backward passes (Glorot/Xavier). A uniform U(−a, a) has variance a²/3.
"""
import math

from ..errors import ArgumentError, ShapeError
from ..random import get_rng


def calculate_fan_in_and_fan_out(tensor):
    """``(fan_in, fan_out)`` of a weight of shape (out, in, *kernel): in·k and out·k, k = kernel size."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ShapeError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (as ``torch.nn.init.calculate_gain``)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "sigmoid", "identity"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def _fill(tensor, values):
    tensor.data[...] = values  # in place, keeping the tensor's dtype
    return tensor


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with samples of U(a, b)."""
    return _fill(tensor, get_rng().uniform(a, b, size=tensor.shape))


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with samples of N(mean, std²)."""
    return _fill(tensor, get_rng().normal(mean, std, size=tensor.shape))


def zeros_(tensor):
    return _fill(tensor, 0.0)


def ones_(tensor):
    return _fill(tensor, 1.0)


def constant_(tensor, value):
    return _fill(tensor, value)


def xavier_uniform_(tensor, gain=1.0):
    """Glorot uniform: U(−a, a) with ``a = gain · √(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """Glorot normal: N(0, σ²) with ``σ = gain · √(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(−b, b) with ``b = √3 · gain / √fan`` (PyTorch's default for Linear and Conv,
    with ``a = √5``, gives ``b = 1/√fan_in``)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, σ²) with ``σ = gain / √fan``."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


def default_init_(weight, bias):
    """PyTorch's default for Linear and Conv: kaiming_uniform(a=√5) weights, bias U(±1/√fan_in)."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = calculate_fan_in_and_fan_out(weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)


