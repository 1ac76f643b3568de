"""Build ``exercises/`` from ``solutions/``: the solutions are the single source of every exercise.

In a solution notebook, answer code sits between nbgrader's markers::

    def softmax(logits):
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

The exercise notebook is the same notebook with each marked region replaced by a stub at the same
indentation (``raise NotImplementedError(...)``) and all outputs removed. Cells that will raise in the
exercise notebook — a stub at the top level, or any later cell that uses a stubbed function or class
(its check, for instance) — get nbval's ``raises-exception`` tag, so ``pytest --nbval-lax`` runs the
exercise notebooks too.
"""
import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("exercise: replace this line with your code")'
RAISES_TAG = "raises-exception"
_DEFINITION = re.compile(r"^(?:def|class)\s+([A-Za-z_]\w*)")


def stub_source(source, where="cell"):
    """Replace every marked solution region in ``source``.

    Returns
    -------
    (new_source, stubbed_names, top_level) : str, set of str, bool
        The names of the top-level functions/classes that now hold a stub, and whether a stub sits
        at the top level of the cell (so running the cell itself raises).
    """
    lines = source.split("\n")
    out, names, top_level = [], set(), False
    inside, current = False, None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        definition = _DEFINITION.match(line)
        if definition and not inside:
            current = definition.group(1)
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{where}, line {number}: {BEGIN} inside another solution region")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}{STUB}"]
            if indent == "" or current is None:
                top_level = True
            else:
                names.add(current)
        elif stripped == END:
            if not inside:
                raise ValueError(f"{where}, line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN} is never closed by {END}")
    return "\n".join(out), names, top_level


def make_exercise_notebook(solution):
    """The exercise version of a solution notebook (an ``nbformat`` NotebookNode), as a new notebook."""
    import nbformat  # imported here: it takes seconds to load, and `import dlkit` must stay fast

    exercise = nbformat.from_dict(nbformat.reads(nbformat.writes(solution), as_version=4))
    stubbed = set()
    for i, cell in enumerate(exercise.cells):
        if cell.cell_type != "code":
            continue
        source, names, top_level = stub_source(cell.source, where=f"cell {i}")
        uses_stub = any(re.search(rf"\b{re.escape(n)}\b", source) for n in stubbed)
        cell.source = source
        cell.outputs, cell.execution_count = [], None
        tags = [t for t in cell.metadata.get("tags", []) if t != RAISES_TAG]
        if top_level or uses_stub:
            tags.append(RAISES_TAG)
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        stubbed |= names
    return exercise


def exercise_text(solution_path):
    """The exact text of the exercise notebook generated from ``solution_path``."""
    import nbformat

    solution = nbformat.read(str(solution_path), as_version=4)
    return nbformat.writes(make_exercise_notebook(solution)) + "\n"


def solution_notebooks(solutions_dir, who):
    """Every ``*.ipynb`` in ``solutions_dir``, sorted; ``who`` (the command) names itself if none."""
    solutions_dir = Path(solutions_dir)
    solutions = sorted(solutions_dir.glob("*.ipynb"))
    if not solutions:
        raise FileNotFoundError(f"{who}: no notebooks found in {solutions_dir.resolve()}")
    return solutions


def build_exercises(solutions_dir="solutions", exercises_dir="exercises", check_only=False):
    """Write ``exercises/NAME.ipynb`` for every ``solutions/NAME.ipynb``.

    With ``check_only=True`` nothing is written; the paths of exercise notebooks that are missing or
    differ from what would be generated are returned (an empty list means all are up to date).
    """
    exercises_dir = Path(exercises_dir)
    changed = []
    for path in solution_notebooks(solutions_dir, "build-exercises"):
        target = exercises_dir / path.name
        text = exercise_text(path)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        changed.append(target)
        if not check_only:
            exercises_dir.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return changed
