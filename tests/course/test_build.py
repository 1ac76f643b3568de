"""exercises/ is generated from solutions/: the stub transformation, tagging, and the committed files."""
from pathlib import Path

import nbformat
import pytest

from dlkit.course import build_exercises, make_exercise_notebook
from dlkit.course.__main__ import main
from dlkit.course.build import STUB, stub_source

ROOT = Path(__file__).resolve().parents[2]


def notebook(*sources, outputs=True):
    nb = nbformat.v4.new_notebook()
    for source in sources:
        if source.startswith("md:"):
            nb.cells.append(nbformat.v4.new_markdown_cell(source[3:]))
            continue
        cell = nbformat.v4.new_code_cell(source)
        if outputs:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
            cell.execution_count = 1
        nb.cells.append(cell)
    return nb


def test_a_marked_region_becomes_a_stub_at_its_indentation_and_the_rest_is_kept():
    source = ("def softmax(z):\n    \"\"\"Docs stay.\"\"\"\n    ### BEGIN SOLUTION\n    e = z.exp()\n"
              "    return e / e.sum()\n    ### END SOLUTION\n\nprint('after')")
    new, names, top = stub_source(source)
    assert new == ("def softmax(z):\n    \"\"\"Docs stay.\"\"\"\n    # YOUR CODE HERE\n    "
                   + STUB + "\n\nprint('after')")
    assert names == {"softmax"} and top is False


def test_a_region_inside_a_method_stubs_the_class_with_the_methods_indentation():
    source = ("class Linear(Module):\n    def forward(self, x):\n        ### BEGIN SOLUTION\n"
              "        return x\n        ### END SOLUTION\n")
    new, names, top = stub_source(source)
    assert "        # YOUR CODE HERE\n        " + STUB in new and "return x" not in new
    assert names == {"Linear"} and top is False


def test_a_top_level_region_makes_the_cell_itself_raise():
    new, names, top = stub_source("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION")
    assert new == "x = 1\n# YOUR CODE HERE\n" + STUB and top is True and names == set()


@pytest.mark.parametrize("source,message", [
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n### END SOLUTION", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
])
def test_unbalanced_markers_are_an_error_that_says_where(source, message):
    with pytest.raises(ValueError, match=message):
        stub_source(source, where="cell 3")


def test_exercise_notebook_strips_outputs_and_tags_cells_that_use_a_stub():
    solution = notebook("import numpy as np",
                        "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION",
                        "md:Now check `f`.", "check('ch1.x', f)", "g = 2", "print(g)",
                        "### BEGIN SOLUTION\nh = 1\n### END SOLUTION")
    exercise = make_exercise_notebook(solution)
    tags = [c.metadata.get("tags", []) for c in exercise.cells]
    assert tags == [[], [], [], ["raises-exception"], [], [], ["raises-exception"]]
    for cell in exercise.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert exercise.cells[2].source == "Now check `f`."
    assert solution.cells[1].source.count("BEGIN SOLUTION") == 1, "the solution must not be modified"


def test_build_writes_exercises_and_check_mode_reports_stale_ones(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(notebook("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
                   str(solutions / "01_x.ipynb"))
    assert main(["build-exercises", "--solutions", str(solutions), "--exercises", str(exercises),
                 "--check"]) == 1
    assert main(["build-exercises", "--solutions", str(solutions), "--exercises", str(exercises)]) == 0
    built = nbformat.read(str(exercises / "01_x.ipynb"), as_version=4)
    assert STUB in built.cells[0].source and "return 1" not in built.cells[0].source
    assert build_exercises(solutions, exercises, check_only=True) == []
    (exercises / "01_x.ipynb").write_text("{}")
    assert build_exercises(solutions, exercises, check_only=True) == [exercises / "01_x.ipynb"]


def test_committed_exercises_are_exactly_what_build_exercises_generates():
    stale = build_exercises(ROOT / "solutions", ROOT / "exercises", check_only=True)
    assert stale == [], (f"exercises out of date: {[p.name for p in stale]}; run "
                         "`python -m dlkit.course build-exercises` from the repository root")


def test_every_solution_has_an_exercise_and_no_exercise_lacks_a_solution():
    solutions = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    exercises = {p.name for p in (ROOT / "exercises").glob("*.ipynb")}
    assert solutions == exercises and len(solutions) >= 4


def test_import_dlkit_does_not_load_nbformat():
    # nbformat (via jsonschema) takes seconds to import; only build-exercises needs it.
    import subprocess
    import sys
    code = "import sys, dlkit, dlkit.course; print('nbformat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
