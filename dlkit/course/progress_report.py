"""Progress for self-study: which exercise checks pass, per chapter.

``python -m dlkit.course progress [exercises/]`` runs every exercise notebook in the folder headless
(a fresh kernel each, as "Restart and Run All" would), with errors allowed so one unfinished
exercise does not hide the next, and prints a table::

    chapter                                     done  checks (✓ passes, ✗ to do, · did not run)
    01 derivatives and the chain rule           4/4   ✓ derivative  ✓ mul_backward  ✓ tanh_backward ...
    03 linear models and losses                 1/5   ✓ mse  ✗ bce  ✗ softmax  ...

In Jupyter, ``dlkit.course.progress_widget()`` shows the same table with a button that runs it again.
Your notebooks are only read, never written.
"""
import html
import json
import re
import subprocess
import sys
from pathlib import Path

CHECK_CALL = re.compile(r'check\(\s*"(ch\d+\.\w+)"\s*,')
MARKER = "DLKIT-PROGRESS "
REPORT_CELL = ("import json as _json, dlkit.course as _course\n"
               f"print({MARKER!r} + _json.dumps({{n: r.to_dict() for n, r in "
               "_course.session_results().items()}))")


class ChapterProgress:
    """The checks of one exercise notebook and how each went.

    Attributes
    ----------
    notebook : str
        The file name, e.g. ``"03_linear_models_and_losses.ipynb"``.
    checks : list of (str, str, str)
        ``(check name, status, message)`` in notebook order; status is ``"passed"``, ``"failed"``
        or ``"not run"`` (an error before the check stopped it, e.g. a typo in the answer cell).
    error : str or None
        Why the notebook could not be run at all.
    """

    def __init__(self, notebook, checks, error=None):
        self.notebook, self.checks, self.error = notebook, checks, error

    @property
    def title(self):
        return Path(self.notebook).stem.replace("_", " ")

    @property
    def passed(self):
        return sum(status == "passed" for _, status, _ in self.checks)

    def to_dict(self):
        return {"notebook": self.notebook, "checks": self.checks, "error": self.error}

    @classmethod
    def from_dict(cls, data):
        return cls(data["notebook"], [tuple(c) for c in data["checks"]], data["error"])


def notebook_progress(path, timeout=300):
    """Run the notebook at ``path`` in a fresh kernel and return its :class:`ChapterProgress`."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(str(path), as_version=4)
    names = [n for c in notebook.cells if c.cell_type == "code" for n in CHECK_CALL.findall(c.source)]
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT_CELL))
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except Exception as error:  # noqa: BLE001 - a kernel that dies is reported, the others still run
        return ChapterProgress(path.name, [(n, "not run", "") for n in names],
                               f"could not run the notebook: {type(error).__name__}: {error}")
    results = {}
    for output in notebook.cells[-1].get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(MARKER):
                results = json.loads(line[len(MARKER):])
    checks = []
    for name in names:
        result = results.get(name)
        if result is None:
            checks.append((name, "not run", "an error in an earlier cell stopped it"))
        else:
            checks.append((name, "passed" if result["passed"] else "failed", result["message"]))
    return ChapterProgress(path.name, checks)


def collect_progress(folder="exercises", timeout=300):
    """:class:`ChapterProgress` for every ``*.ipynb`` in ``folder``, in file-name order."""
    folder = Path(folder)
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"progress: no notebooks found in {folder.resolve()}")
    return Progress(str(folder), [notebook_progress(p, timeout) for p in notebooks])


MARKS = {"passed": "✓", "failed": "✗", "not run": "·"}


class Progress:
    """Every chapter's checks: a table in a terminal, a coloured table in Jupyter."""

    def __init__(self, folder, chapters):
        self.folder, self.chapters = folder, chapters

    def next_step(self):
        """The first check that does not pass yet, with its message (``None`` when all pass)."""
        for chapter in self.chapters:
            for name, status, message in chapter.checks:
                if status != "passed":
                    return name, message
        return None

    def __str__(self):
        width = max([len(c.title) for c in self.chapters] + [7]) + 2
        legend = f"{MARKS['passed']} passes, {MARKS['failed']} to do, {MARKS['not run']} did not run"
        lines = [f"{'chapter':<{width}}done  checks ({legend})"]
        for chapter in self.chapters:
            done = f"{chapter.passed}/{len(chapter.checks)}"
            marks = "  ".join(f"{MARKS[s]} {n.split('.', 1)[1]}" for n, s, _ in chapter.checks)
            lines.append(f"{chapter.title:<{width}}{done:<6}{chapter.error or marks}")
        step = self.next_step()
        total = sum(len(c.checks) for c in self.chapters)
        passed = sum(c.passed for c in self.chapters)
        lines.append(f"\n{passed} of {total} checks pass in {self.folder}.")
        if step:
            lines.append(f"Next: {step[0]} — {step[1] or 'did not run'}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        colours = {"passed": "#1a7f37", "failed": "#b42318", "not run": "#6e7781"}
        rows = []
        for chapter in self.chapters:
            cells = " ".join(
                f'<span title="{html.escape(m)}" style="color: {colours[s]}; margin-right: 8px">'
                f"{MARKS[s]} {html.escape(n.split('.', 1)[1])}</span>" for n, s, m in chapter.checks)
            rows.append(f"<tr><td style='text-align: left'>{html.escape(chapter.title)}</td>"
                        f"<td>{chapter.passed}/{len(chapter.checks)}</td>"
                        f"<td style='text-align: left'>{html.escape(chapter.error or '') or cells}</td></tr>")
        step = self.next_step()
        after = f"<p>Next: <b>{html.escape(step[0])}</b> — {html.escape(step[1] or 'did not run')}</p>" \
            if step else "<p>Every check passes.</p>"
        return ("<table><tr><th style='text-align: left'>chapter</th><th>done</th>"
                "<th style='text-align: left'>checks (hover for the message)</th></tr>"
                + "".join(rows) + "</table>" + after)

    def to_json(self):
        return json.dumps({"folder": self.folder, "chapters": [c.to_dict() for c in self.chapters]})

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        return cls(data["folder"], [ChapterProgress.from_dict(c) for c in data["chapters"]])


def progress(folder="exercises"):
    """Run the exercise notebooks in ``folder`` headless and return their :class:`Progress`.

    It runs in a separate process (each notebook in its own fresh kernel), so it is safe to call
    from a notebook: your own kernel's variables are neither used nor changed.
    """
    done = subprocess.run([sys.executable, "-m", "dlkit.course", "progress", str(folder), "--json"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"progress: running the notebooks in {folder} failed:\n{done.stderr[-2000:]}")
    return Progress.from_json(done.stdout)


def progress_widget(folder="exercises"):
    """A widget with the progress table and a "Check again" button (runs the notebooks, ~5 s each).

    Examples
    --------
    >>> dlkit.course.progress_widget("exercises")
    """
    import ipywidgets as widgets

    class ProgressWidget(widgets.VBox):
        text = "Progress: not run yet"

        def __repr__(self):  # the text form a notebook saved without widget state shows
            return self.text

    table = widgets.HTML()
    button = widgets.Button(description="Check again", icon="refresh")
    status = widgets.Label()

    def refresh(_=None):
        button.disabled, status.value = True, f"running the notebooks in {folder} …"
        try:
            report = progress(folder)
            table.value, box.text = report._repr_html_(), str(report)
            status.value = ""
        except Exception as error:  # noqa: BLE001 - shown in the widget, the kernel carries on
            status.value = f"could not run them: {error}"
        finally:
            button.disabled = False

    box = ProgressWidget([widgets.HBox([button, status]), table])
    button.on_click(refresh)
    refresh()
    return box
