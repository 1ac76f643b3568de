"""Checks for the numbers a picture is drawn with (``scale=``, ``max_nodes=``, ...).

A wrong one is a :class:`VizArgumentError` naming the function, the argument, the value seen and the
allowed range — never a Graphviz syntax error or a numpy traceback three calls later.
"""
from __future__ import annotations

import math
import numbers

from ..errors import DlkitError


class VizArgumentError(DlkitError, ValueError, TypeError):
    """A picture's argument has the wrong type or is out of range.

    It is both a ``ValueError`` and a ``TypeError``, so either ``except`` clause catches it.
    """


class StepperDetached(DlkitError, RuntimeError):
    """A :class:`~dlkit.viz.BackwardStepper` no longer owns its graph's ``.grad`` (see its docstring)."""


def check_number(who, name, value, low=None, high=None, low_open=False, integer=False, allow_none=False):
    """Return ``value`` as a float (or int) if it is a real number in range, else raise.

    ``low``/``high`` are inclusive unless ``low_open`` (then ``value > low`` is required).
    """
    if value is None and allow_none:
        return None
    kind = "an int" if integer else "a number"
    wanted = kind + _range_text(low, high, low_open) + (" or None" if allow_none else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
            integer and not isinstance(value, numbers.Integral)):
        raise VizArgumentError(f"{who}: {name} must be {wanted}, got {value!r} "
                               f"({type(value).__name__})")
    if math.isnan(value) or (low is not None and (value <= low if low_open else value < low)) or (
            high is not None and value > high):
        raise VizArgumentError(f"{who}: {name} must be {wanted}, got {value!r}")
    return int(value) if integer else float(value)


def check_scale(who, scale):
    """``scale=`` sizes text and controls: a factor in (0, 10] (1 in a notebook, 1.6–2 on a projector)."""
    return check_number(who, "scale", scale, low=0, high=10, low_open=True)


def check_choice(who, name, value, choices):
    if value not in choices:
        raise VizArgumentError(f"{who}: {name} must be one of {', '.join(map(repr, choices))}, "
                               f"got {value!r}")
    return value


def _range_text(low, high, low_open):
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '>='} {low:g}"
    if low is None:
        return f" <= {high:g}"
    return f" in {'(' if low_open else '['}{low:g}, {high:g}]"
