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
        What was tested (on success) or what differs (on failure).
    hint : str or None
        What to look at for this particular failure ("Look at: ..."); never the reference code.
        ``None`` when the check has nothing specific to say or hints are turned off.
    help : str or None
        How to get the next tier of hints (``dlkit.course.hint(name)``), on failure.
    """

    def __init__(self, name, passed, message, hint=None, help=None):
        self.name, self.passed, self.message, self.hint = name, bool(passed), message, hint
        self.help = help

    def __bool__(self):
        return self.passed

    def _lines(self):
        lines = []
        if not self.passed:
            if self.hint:
                lines.append(("Look at", self.hint))
            if self.help:
                lines.append(("Stuck", self.help))
        return lines

    def __str__(self):
        mark = "✓" if self.passed else "✗"
        text = f"{mark} {self.name}: {self.message}"
        for label, line in self._lines():
            text += f"\n  {label}: {line}" if label == "Look at" else f"\n  {line[0].upper()}{line[1:]}"
        return text

    def __repr__(self):
        return str(self)

    def to_dict(self):
        """Plain data (for ``python -m dlkit.course progress --json``)."""
        return {"name": self.name, "passed": self.passed, "message": self.message}

    def _repr_html_(self):
        colour, background, mark = (("#1a7f37", "#e6f4ea", "✓") if self.passed
                                    else ("#b42318", "#fdecea", "✗"))
        body = f"<b>{mark} {html.escape(self.name)}</b>: {html.escape(self.message)}"
        for label, line in self._lines():
            body += (f"<br><i>Look at:</i> {html.escape(line)}" if label == "Look at"
                     else f"<br><i>{html.escape(line[0].upper() + line[1:])}</i>")
        return (f'<div style="border-left: 4px solid {colour}; background: {background}; '
                f'color: #111; padding: 6px 10px; margin: 4px 0; font-family: sans-serif; '
                f'white-space: pre-wrap">{body}</div>')
