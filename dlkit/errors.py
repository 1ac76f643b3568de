"""dlkit's errors: each says which op or layer failed, what it saw and what it expected.

They subclass the built-in ``ValueError`` / ``TypeError`` so ordinary ``except ValueError`` code keeps
working, and the common base ``DlkitError`` lets you catch every dlkit error at once.
"""


class DlkitError(Exception):
    """Base class of every error dlkit raises on purpose."""


class ShapeError(DlkitError, ValueError):
    """Shapes that do not fit together: broadcasting, matmul, a layer's expected input."""


class DataTypeError(DlkitError, TypeError):
    """Data of a kind dlkit cannot use: strings, objects, integer labels given as floats."""


class GradientError(DlkitError, ValueError):
    """A backward pass that cannot run: no graph, a non-scalar root without ``grad``."""


class GradcheckError(DlkitError, ValueError):
    """Analytic and numerical gradients disagree (raised by :func:`dlkit.gradcheck`)."""


class ArgumentError(DlkitError, ValueError):
    """An argument outside its allowed range: ``nn.Linear(0, 3)``, ``stride=0``, ``Dropout(p=1.5)``."""
