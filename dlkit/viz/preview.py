"""Short text previews of arrays, shared by the graph drawing and the stepper's formula panel.

A scalar shows its number; a small array its entries; a big one its first few entries and ``…``.
"""
from __future__ import annotations

import numpy as np


def format_number(x, digits=4):
    """One number, ``digits`` significant digits, with a real minus sign (−) as in the notebooks."""
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.{digits}g}".replace("-", "−")


def format_shape(shape):
    """``"scalar"`` for shape ``()``, else ``"3×4"``."""
    return "scalar" if len(shape) == 0 else "×".join(str(n) for n in shape)


def format_value(array, max_entries=6, digits=4):
    """A preview of ``array``: the number for a scalar, its entries when few, else the first few and …."""
    array = np.asarray(array)
    if array.size == 1:
        return format_number(array.reshape(()).item(), digits)
    flat = array.reshape(-1)
    shown = [format_number(v, 3) for v in flat[:max_entries if array.size <= max_entries else 3]]
    if array.size > max_entries:
        shown.append("…")
    if array.ndim == 2 and array.size <= max_entries:
        rows = [", ".join(shown[r * array.shape[1]:(r + 1) * array.shape[1]])
                for r in range(array.shape[0])]
        return "[" + "; ".join(rows) + "]"
    return "[" + ", ".join(shown) + "]"
