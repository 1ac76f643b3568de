"""What a check says: passed or not, a message, a hint — as text and as a green/red HTML box."""
import html


class CheckFailed(AssertionError):
    """Raised by :func:`dlkit.course.check` when your answer is not right yet.

    It is an ``AssertionError``, so "Run All" stops at the first exercise that still needs work.
    ``.result`` holds the :class:`CheckResult` with the full message and hint.
    """

    def __init__(self, result):
        super().__init__(str(result))
        self.result = result

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback into dlkit's checker: the red box above
        # already says what is wrong, the learner's code is what needs looking at.
        line = (f"\x1b[31mCheckFailed\x1b[0m: {self.result.name} is not right yet (see the message "
                "above); fix your answer, run its cell, then this check again.")
        return [line]


class CheckResult:
    """The outcome of one exercise check.

    Attributes
    ----------
    name : str
        The check's name, e.g. ``"ch3.softmax"``.
    passed : bool
    message : str
        What was tested (on success) or what is wrong (on failure).
    hint : str or None
        A nudge towards the fix; never the reference code.
    """

    def __init__(self, name, passed, message, hint=None):
        self.name, self.passed, self.message, self.hint = name, bool(passed), message, hint

    def __bool__(self):
        return self.passed

    def __str__(self):
        mark = "✓" if self.passed else "✗"
        text = f"{mark} {self.name}: {self.message}"
        if self.hint and not self.passed:
            text += f"\n  Hint: {self.hint}"
        return text

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        colour, background, mark = (("#1a7f37", "#e6f4ea", "✓") if self.passed
                                    else ("#b42318", "#fdecea", "✗"))
        body = f"<b>{mark} {html.escape(self.name)}</b>: {html.escape(self.message)}"
        if self.hint and not self.passed:
            body += f"<br><i>Hint:</i> {html.escape(self.hint)}"
        return (f'<div style="border-left: 4px solid {colour}; background: {background}; '
                f'color: #111; padding: 6px 10px; margin: 4px 0; font-family: sans-serif; '
                f'white-space: pre-wrap">{body}</div>')
