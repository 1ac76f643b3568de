"""The course machinery: exercise checks and the tool that builds ``exercises/`` from ``solutions/``.

>>> from dlkit.course import check
>>> check("ch3.softmax", softmax)        # a green ✓, or a red ✗ with what is wrong and a hint

``python -m dlkit.course build-exercises`` regenerates every exercise notebook from its solution.
"""
from .build import build_exercises, make_exercise_notebook
from .checker import available_checks, check, run_check
from .result import CheckFailed, CheckResult

__all__ = ["CheckFailed", "CheckResult", "available_checks", "build_exercises", "check",
           "make_exercise_notebook", "run_check"]
