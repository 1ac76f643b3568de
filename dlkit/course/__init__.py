"""The course machinery: exercise checks with tiered hints, the exercise builder, learner progress.

>>> from dlkit.course import check, hint
>>> check("ch3.softmax", softmax)        # a green ✓, or a red ✗ saying what differs
>>> hint("ch3.softmax")                  # a first nudge; call again for a stronger one

For graded work turn hints off: ``set_hints(False)`` in a notebook, or ``DLKIT_HINTS=0`` in the
environment. Checks give up on code that runs longer than ``set_timeout(seconds)`` (default 5 s).

``python -m dlkit.course build-exercises`` regenerates every exercise notebook from its solution;
``python -m dlkit.course progress`` shows which checks pass in your exercise notebooks
(``progress_widget()`` in Jupyter); ``python -m dlkit.course nbgrader-source`` prepares graded use.
"""
from .build import build_exercises, make_exercise_notebook
from .checker import available_checks, check, get_timeout, run_check, session_results, set_timeout
from .hints import hint, hints_enabled, reset_hints, set_hints
from .progress_report import progress, progress_widget
from .result import CheckFailed, CheckResult

__all__ = ["CheckFailed", "CheckResult", "available_checks", "build_exercises", "check",
           "get_timeout", "hint", "hints_enabled", "make_exercise_notebook", "progress", "progress_widget", "reset_hints",
           "run_check", "session_results", "set_hints", "set_timeout"]
