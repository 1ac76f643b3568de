"""Compare a learner's answer with the reference and say precisely what differs.

Each helper raises :class:`Mismatch` with a message a learner can act on: which output, its shape or
dtype, the worst-off entry and where it is. The checker turns a ``Mismatch`` into a red result.
"""
import numpy as np

from ..tensor import Tensor


class Mismatch(Exception):
    """The learner's answer differs from the reference; ``hint`` says what to look at."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message, self.hint = message, hint


def _index(flat_position, shape):
    return tuple(int(i) for i in np.unravel_index(flat_position, shape)) if shape else ()


def as_array(value, what, hint=None):
    """``value`` as a numpy array (Tensors give their data); anything non-numeric is a Mismatch."""
    if isinstance(value, Tensor):
        return value.data
    if value is None:
        raise Mismatch(f"{what} is None — did you forget a `return`?", hint)
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything numpy cannot read is the learner's type error
        array = np.asarray(None)
    if array.dtype.kind not in "fiub":
        raise Mismatch(f"{what} is a {type(value).__name__}, expected numbers (an array or a Tensor)",
                       hint)
    return array


def tolerances(got_dtype, expected, rtol=1e-6, atol=1e-8):
    """The (rtol, atol) an answer of ``got_dtype`` is judged with against ``expected``.

    Judge the maths, not the dtype: an answer computed in a less precise float type than the
    reference (float32 against float64) cannot be closer than that type allows, so the tolerances
    grow to a thousand (relative) and a hundred (absolute, scaled by the largest expected value)
    machine epsilons of the answer's dtype — about 1e-4 and 1e-5 for float32. Answers in the
    reference's precision (or integers) keep the check's own ``rtol`` and ``atol``.
    """
    expected = np.asarray(expected)
    got_dtype = np.dtype(got_dtype)
    if got_dtype.kind != "f" or expected.dtype.kind != "f" or got_dtype.itemsize >= expected.dtype.itemsize:
        return rtol, atol
    eps = float(np.finfo(got_dtype).eps)
    finite = np.abs(expected[np.isfinite(expected)]) if expected.size else np.zeros(0)
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    return max(rtol, 1000 * eps), max(atol, 100 * eps * scale)


def assert_close(got, expected, what, hint=None, rtol=1e-6, atol=1e-8, check_dtype=False, precision=None):
    """Raise :class:`Mismatch` unless ``got`` has ``expected``'s shape and values.

    The dtype is not judged (``check_dtype=False``, the default): a float32 answer passes within
    float32 tolerance (see :func:`tolerances`). Pass ``check_dtype=True`` only where the dtype is the
    point of the exercise. ``precision`` (a dtype) says in which precision ``got`` was really computed
    when its own dtype hides it — a gradient cast back to float64 from a float32 computation.
    """
    got = as_array(got, what, hint)
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        raise Mismatch(f"{what} has shape {got.shape}, expected shape {expected.shape}", hint)
    if check_dtype and expected.dtype.kind == "f" and got.dtype != expected.dtype:
        raise Mismatch(f"{what} has dtype {got.dtype}, expected {expected.dtype}", hint)
    rtol, atol = tolerances(got.dtype, expected, rtol, atol)
    if precision is not None:
        rtol, atol = (max(a, b) for a, b in zip((rtol, atol), tolerances(precision, expected, rtol, atol)))
    got = got.astype(np.float64)
    expected = expected.astype(np.float64)
    bad_finite = ~np.isfinite(got) & np.isfinite(expected)
    if bad_finite.any():
        where = _index(int(np.argmax(bad_finite)), got.shape)
        at = f" at index {where}" if where else ""
        raise Mismatch(f"{what} has {got[where]}{at} where {expected[where]:.6g} was "
                       f"expected ({int(bad_finite.sum())} of {got.size} entries are nan/inf)", hint)
    with np.errstate(invalid="ignore"):
        error = np.abs(got - expected)
        excess = error - (atol + rtol * np.abs(expected))
    excess = np.where(np.isnan(excess), np.inf, excess) if np.isnan(excess).any() else excess
    if (excess > 0).any():
        position = int(np.argmax(excess))
        where = _index(position, got.shape)
        at = f" at index {where}" if where else ""
        count = int((excess > 0).sum())
        how_many = f"; {count} of {got.size} entries differ" if got.size > 1 else ""
        raise Mismatch(f"{what} is off{at}: got {got[where]:.6g}, expected {expected[where]:.6g} "
                       f"(difference {error[where]:.3g}{how_many})", hint)


def as_number(value, what, hint=None):
    """``value`` as one Python float; a Tensor, an array of several numbers or None is a Mismatch.

    For answers that must be a plain number, such as a loss returned with ``loss.item()``: a Tensor
    would keep its whole graph (and its memory) alive.
    """
    if isinstance(value, Tensor):
        raise Mismatch(f"{what} is a dlkit Tensor of shape {tuple(value.shape)}, expected a Python number",
                       hint or "a Tensor keeps the whole graph that made it alive; .item() gives its number")
    array = as_array(value, what, hint)
    if array.size != 1:
        raise Mismatch(f"{what} has shape {array.shape}, expected a single number", hint)
    return float(array.reshape(-1)[0])


def assert_fraction(got, expected, what, hint=None, atol=1e-12):
    """Raise unless ``got`` is one number in [0, 1] equal to ``expected`` (a fraction, e.g. accuracy).

    A count (6 instead of 6/10) or a percentage is named as such: "expected a fraction in [0, 1], got 6".
    """
    array = as_array(got, what, hint)
    if array.size != 1:
        raise Mismatch(f"{what} has shape {array.shape}, expected a single number", hint)
    number = float(array.reshape(-1)[0])
    if not 0.0 <= number <= 1.0:
        raise Mismatch(f"{what}: expected a fraction in [0, 1], got {number:g}", hint)
    assert_close(array.reshape(()), expected, what, hint, rtol=0.0, atol=atol)  # keeps its precision


def assert_named_shapes(got, expected, owner, hints=None):
    """Raise unless the arrays in ``got`` (a dict name -> array/Tensor) have the ``expected`` shapes.

    Each mismatch is reported under its own name, with that name's hint, so a wrong-shaped bias
    talks about the bias: "Linear(3, 4).bias has shape (1, 4), expected (4,)".

    Parameters
    ----------
    got : dict of str to array or Tensor
    expected : dict of str to tuple
    owner : str
        How the thing holding them is called in messages, e.g. ``"Linear(3, 4)"``.
    hints : dict of str to str, optional
        A hint per name (and ``"names"`` for missing or extra ones).
    """
    hints = hints or {}
    if set(got) != set(expected):
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        parts = ([f"is missing {missing}"] if missing else []) + ([f"has unexpected {extra}"] if extra else [])
        raise Mismatch(f"{owner} {' and '.join(parts)}; expected exactly {sorted(expected)}",
                       hints.get("names"))
    for name, shape in expected.items():
        value = got[name]
        have = tuple(value.shape) if hasattr(value, "shape") else np.shape(value)
        if have != tuple(shape):
            raise Mismatch(f"{owner}.{name} has shape {have}, expected {tuple(shape)}", hints.get(name))


def assert_tensor(value, what, hint=None):
    """Raise unless ``value`` is a dlkit Tensor (gradients only flow through Tensor ops)."""
    if not isinstance(value, Tensor):
        raise Mismatch(f"{what} is a {type(value).__name__}, expected a dlkit Tensor",
                       hint or "build the result from Tensor operations (+, *, .exp(), .sum(), …) "
                               "so that backward() can reach the inputs; numpy functions cut the graph")


def assert_gradient(tensor, expected, what, hint=None, precision=None):
    """Raise unless ``tensor.grad`` exists and matches ``expected`` (``precision``: see assert_close)."""
    if tensor.grad is None:
        raise Mismatch(f"no gradient reached {what}",
                       hint or "keep every step a Tensor operation: np.* functions, .data or float() "
                               "break the graph between the input and the output")
    assert_close(tensor.grad, expected, f"the gradient of {what}", hint, precision=precision)
