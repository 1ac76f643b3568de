"""Graded use with nbgrader: turn ``solutions/`` into an nbgrader course's ``source/`` folder.

The solution notebooks stay the single source. They may carry nbgrader's cell metadata already (ours
do; it is kept as written); where a cell has none, it is derived from what the notebook says:

* a cell with ``### BEGIN SOLUTION`` … ``### END SOLUTION`` becomes an nbgrader *solution* cell;
* a check cell (``check("ch3.softmax", softmax)``) becomes a locked *autograded test* cell worth
  ``points``.

Every graded check cell then gets a hidden test that runs the check again from a fresh import of
dlkit's checker (so a learner who redefines ``check`` in an answer cell gains nothing). nbgrader
removes the hidden lines from the student version and puts them back when it grades.

``nbgrader_config.py`` sets nbgrader's code stub to the one ``build-exercises`` writes, so the
student notebooks nbgrader releases have the same cells and sources as ``exercises/``.

>>> python -m dlkit.course nbgrader-source --course my_course     # then, in my_course/:
>>> nbgrader generate_assignment ch03 && nbgrader release_assignment ch03   # ... autograde ch03
"""
import re
from pathlib import Path

from .build import BEGIN, STUB, solution_notebooks

CHECK_CALL = re.compile(r'^\s*check\(\s*"(ch\d+\.\w+)"\s*,\s*(\w+)\s*\)\s*$', re.MULTILINE)
CONFIG = f'''# nbgrader settings for the dlkit course (written by `python -m dlkit.course nbgrader-source`).
c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file
c.CourseDirectory.course_id = "dlkit"
# The same stub as `python -m dlkit.course build-exercises`, so released notebooks match exercises/.
c.ClearSolutions.code_stub = {{"python": {"# YOUR CODE HERE" + chr(10) + STUB!r}}}
'''


def assignment_name(path):
    """``"ch03"`` for ``solutions/03_linear_models_and_losses.ipynb`` (one assignment per chapter)."""
    number = re.match(r"(\d+)", Path(path).name)
    if not number:
        raise ValueError(f"nbgrader-source: {Path(path).name} does not start with a chapter number")
    return f"ch{int(number.group(1)):02d}"


def graded_notebook(solution, points=1):
    """A copy of ``solution`` (an nbformat notebook) with nbgrader's metadata on answer and check cells."""
    import nbformat

    notebook = nbformat.from_dict(nbformat.reads(nbformat.writes(solution), as_version=4))
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        checks = CHECK_CALL.findall(cell.source)
        if "nbgrader" not in cell.metadata:  # metadata the author wrote is kept as it is
            if BEGIN in cell.source:
                cell.metadata["nbgrader"] = _metadata(f"answer-{index}", solution=True)
            elif checks:
                cell.metadata["nbgrader"] = _metadata(f"check-{checks[0][0].replace('.', '-')}",
                                                      grade=True, points=points * len(checks))
        graded = cell.metadata.get("nbgrader", {}).get("grade")
        if graded and checks and "### BEGIN HIDDEN TESTS" not in cell.source:
            hidden = "\n".join(f"assert _checker.run_check({n!r}, {answer}).passed, "
                               f"\"{n} is not right yet\"" for n, answer in checks)
            cell.source = (cell.source.rstrip("\n") + "\n### BEGIN HIDDEN TESTS\n"
                           "import dlkit.course as _checker\n" + hidden + "\n### END HIDDEN TESTS")
    return notebook


def _metadata(grade_id, solution=False, grade=False, points=None):
    data = {"grade": grade, "grade_id": grade_id, "locked": grade, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        data["points"] = points
    return data


def write_nbgrader_course(solutions_dir="solutions", course_dir="course", points=1):
    """Write ``course_dir/source/chNN/NAME.ipynb`` for every solution, and ``nbgrader_config.py``.

    An existing ``nbgrader_config.py`` is left alone (it may hold the instructor's own settings);
    it must set ``ClearSolutions.code_stub`` as ours does for released notebooks to match
    ``exercises/``. Returns the paths written.
    """
    import nbformat

    course_dir = Path(course_dir)
    written = []
    for path in solution_notebooks(solutions_dir, "nbgrader-source"):
        target = course_dir / "source" / assignment_name(path) / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        notebook = graded_notebook(nbformat.read(str(path), as_version=4), points)
        nbformat.write(notebook, str(target))
        written.append(target)
    config = course_dir / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
        written.append(config)
    return written
