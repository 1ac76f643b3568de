"""Hints in tiers: ``hint("ch3.softmax")`` gives a first nudge, the next call a stronger one.

A check that fails says *what* differs; it never gives the answer. Help comes only on request, one
tier at a time, and no tier contains the answer's code (a test scans every registered hint).

For graded work an instructor turns hints off, for a whole class with the environment variable
``DLKIT_HINTS=0`` (e.g. in JupyterHub's spawner environment) or in a notebook with
``dlkit.course.set_hints(False)``. Then failing checks still say what differs, but show no hints.
"""
import html
import os

_TIERS = {}       # check name -> tuple of hint strings, weakest first
_GIVEN = {}       # check name -> how many tiers this session has asked for
_ENABLED = None   # None: follow DLKIT_HINTS; True/False: set_hints() decided


def register_hints(name, hints):
    """Store the tiers of hints for check ``name`` (called by ``@register``)."""
    _TIERS[name] = tuple(hints)
    _GIVEN.pop(name, None)


def hint_tiers(name):
    """Every tier of hints registered for ``name`` (for tests and tools; learners call :func:`hint`)."""
    return _TIERS.get(name, ())


def set_hints(enabled):
    """Turn hints on or off for this session (``None`` goes back to the ``DLKIT_HINTS`` setting).

    Examples
    --------
    >>> dlkit.course.set_hints(False)     # graded work: failing checks show no hints
    """
    global _ENABLED
    if enabled not in (True, False, None):
        raise TypeError(f"set_hints: expected True, False or None, got {enabled!r}")
    _ENABLED = enabled


def hints_enabled():
    """True unless hints were turned off by :func:`set_hints` or ``DLKIT_HINTS=0`` (also ``off``/``false``)."""
    if _ENABLED is not None:
        return _ENABLED
    return os.environ.get("DLKIT_HINTS", "1").strip().lower() not in ("0", "off", "false", "no")


def reset_hints(name=None):
    """Start the tiers again from the first nudge (for ``name``, or for every check)."""
    if name is None:
        _GIVEN.clear()
    else:
        _GIVEN.pop(name, None)


def hint(name):
    """The next hint for exercise ``name``: the first call gives tier 1, the next tier 2, and so on.

    Parameters
    ----------
    name : str
        The exercise, as in its check cell, e.g. ``"ch3.softmax"``.

    Returns
    -------
    Hint
        Shows as a blue box in Jupyter and as ``Hint 1 of 3 for ch3.softmax: ...`` in text.
    """
    from .checker import available_checks  # the references register their hints when loaded

    if name not in available_checks():
        raise KeyError(f"hint: no exercise check named {name!r}; available: {', '.join(available_checks())}")
    tiers = _TIERS.get(name, ())
    if not hints_enabled():
        return Hint(name, 0, len(tiers), "hints are turned off for this assignment (graded work)")
    if not tiers:
        return Hint(name, 0, 0, "this exercise has no hints: re-read its text and the check's message")
    level = min(_GIVEN.get(name, 0) + 1, len(tiers))
    _GIVEN[name] = level
    return Hint(name, level, len(tiers), tiers[level - 1])


def more_help(name):
    """The line a failing check ends with: how to ask for the next hint (``None`` when hints are off)."""
    tiers = _TIERS.get(name, ())
    if not hints_enabled() or not tiers:
        return None
    given = _GIVEN.get(name, 0)
    if given >= len(tiers):
        return f'you have seen all {len(tiers)} hints: dlkit.course.hint("{name}") shows the last again'
    which = "a first" if given == 0 else "a stronger"
    return (f'stuck? dlkit.course.hint("{name}") gives {which} nudge '
            f"({given} of {len(tiers)} hints seen)")


class Hint:
    """One tier of help for one exercise (``level`` 0 means none was given)."""

    def __init__(self, name, level, of, text):
        self.name, self.level, self.of, self.text = name, level, of, text

    def __str__(self):
        if self.level == 0:
            return f"{self.name}: {self.text}"
        more = "" if self.level < self.of else " (the last hint)"
        return f"Hint {self.level} of {self.of} for {self.name}{more}: {self.text}"

    __repr__ = __str__

    def _repr_html_(self):
        return ('<div style="border-left: 4px solid #1f6feb; background: #eaf2fe; color: #111; '
                'padding: 6px 10px; margin: 4px 0; font-family: sans-serif; white-space: pre-wrap">'
                f"{html.escape(str(self))}</div>")
