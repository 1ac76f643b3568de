"""The progress display of ``fit``: a live bar while training, one readable line when it is done.

In Jupyter the bar is a widget; when training ends it is *replaced* by a one-line summary
("epoch 15/15 — loss 0.0123, val_accuracy 0.972 ..."), so a notebook saved with its outputs (and
read where widgets do not run) shows the result instead of a frozen "0%| | 0/345". In a terminal
it is tqdm's text bar, which ends at 100 % with the last values.
"""
import time


class TrainingSummary:
    """One line of text that notebooks show as plain text and as HTML."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    def _repr_html_(self):
        from html import escape
        return f"<pre style='margin:0'>{escape(self.text)}</pre>"


def in_notebook():
    """True inside a Jupyter kernel that can show widgets."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
        if shell is None or "IPKernelApp" not in shell.config:
            return False
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


class ProgressBar:
    """tqdm's bar over every batch of every epoch, with a summary line at the end."""

    def __init__(self, total):
        self.started = time.perf_counter()
        self._handle = None
        if in_notebook():
            from IPython.display import display
            from tqdm.notebook import tqdm
            self.bar = tqdm(total=total, unit="batch", leave=True, display=False)
            self._handle = display(self.bar.container, display_id=True)
        else:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="batch", leave=True)

    def set_description(self, text):
        self.bar.set_description(text)

    def set_postfix(self, values):
        self.bar.set_postfix(values, refresh=False)

    def update(self, batches=1):
        self.bar.update(batches)

    def close(self):
        self.bar.close()

    def show_summary(self, summary):
        """In a notebook, put the line ``summary`` where the bar was (a terminal keeps its final bar)."""
        if self._handle is not None:
            self._handle.update(TrainingSummary(f"{summary} ({self.bar.n} batches, "
                                                f"{time.perf_counter() - self.started:.1f} s)"))
