"""nbgrader, for real: the released student notebooks equal exercises/, and autograde scores answers.

A temporary nbgrader course is built from solutions/ with ``python -m dlkit.course nbgrader-source``;
nbgrader itself (its command line, in a subprocess, no network) generates and grades. One assignment
holds every chapter (compared with exercises/); its chapter 3 notebook is autograded for three students
(nbgrader scores each notebook of a submission; the others are simply not submitted).
"""
import copy
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader import api as nbgrader_api  # in the dev extra

from dlkit.course.__main__ import main
from dlkit.course.build import BEGIN, END
from dlkit.course.grading import graded_notebook

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = min((ROOT / "solutions").glob("03_*.ipynb"))


def nbgrader(course, *args):
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH; the kernel it starts must import this checkout's dlkit.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], check=False, cwd=course,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ERROR" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    assert main(["nbgrader-source", "--solutions", str(ROOT / "solutions"), "--course", str(course)]) == 0
    # One assignment with every chapter, for comparing the released notebooks with exercises/.
    everything = course / "source" / "all"
    everything.mkdir()
    for chapter in sorted((course / "source").glob("ch*")):
        for notebook in chapter.glob("*.ipynb"):
            (everything / notebook.name).write_bytes(notebook.read_bytes())
    nbgrader(course, "generate_assignment", "all", "--force")
    return course


def test_the_source_marks_answer_cells_as_solutions_and_check_cells_as_graded_tests():
    solution = nbformat.read(str(CHAPTER), as_version=4)
    for cell in solution.cells:  # derive everything, as for a solution notebook without metadata
        cell.metadata.pop("nbgrader", None)
    graded = graded_notebook(solution, points=2)
    kinds = [c.metadata.get("nbgrader", {}) for c in graded.cells]
    answers = [k for k in kinds if k.get("solution")]
    tests = [k for k in kinds if k.get("grade")]
    assert len(answers) == sum(BEGIN in c.source for c in solution.cells) >= 4
    assert len(tests) == sum('check("' in c.source for c in solution.cells) >= 4
    assert all(t["points"] == 2 and t["locked"] and t["grade_id"].startswith("check-ch3-") for t in tests)
    assert len({k["grade_id"] for k in answers + tests}) == len(answers) + len(tests)
    hidden = [c.source for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert all("### BEGIN HIDDEN TESTS" in s and "_checker.run_check(" in s for s in hidden)
    assert "nbgrader" not in solution.cells[1].metadata, "the solution must not be modified"


def test_nbgrader_metadata_an_author_wrote_is_kept_and_missing_metadata_is_derived():
    solution = nbformat.v4.new_notebook()
    own = {"grade": True, "grade_id": "mine", "locked": True, "points": 3, "schema_version": 3,
           "solution": False, "task": False}
    solution.cells = [nbformat.v4.new_code_cell('check("ch3.mse", mse)', metadata={"nbgrader": own}),
                      nbformat.v4.new_code_cell('check("ch3.bce", bce)')]
    graded = graded_notebook(solution)
    assert graded.cells[0].metadata["nbgrader"] == own
    assert graded.cells[0].source.startswith('check("ch3.mse", mse)\n### BEGIN HIDDEN TESTS')
    assert graded.cells[1].metadata["nbgrader"]["grade_id"] == "check-ch3-bce"


def test_released_student_notebooks_are_the_exercise_notebooks(course):
    released = sorted((course / "release" / "all").glob("*.ipynb"))
    assert [p.name for p in released] == sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    for path in released:
        student = nbformat.read(str(path), as_version=4)
        exercise = nbformat.read(str(ROOT / "exercises" / path.name), as_version=4)
        assert len(student.cells) == len(exercise.cells), path.name
        for i, (mine, theirs) in enumerate(zip(student.cells, exercise.cells)):
            assert mine.cell_type == theirs.cell_type, f"{path.name} cell {i}"
            assert mine.source.rstrip() == theirs.source.rstrip(), f"{path.name} cell {i}"
            assert "HIDDEN TESTS" not in mine.source and "SOLUTION" not in mine.source


def answered(release, solution, sneaky=False):
    """The released notebook with the solution's answers typed in.

    ``sneaky``: the first exercise is left unanswered and its cell redefines ``check`` to do nothing,
    so the visible check cell "passes"; the hidden test must still fail it.
    """
    notebook = copy.deepcopy(release)
    answer_cells = [c for c in solution.cells if BEGIN in c.source]
    targets = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for number, (cell, source) in enumerate(zip(targets, answer_cells)):
        if sneaky and number == 0:
            cell.source += "\n\n\ndef check(*args, **kwargs):\n    pass"
            continue
        lines = [line for line in source.source.split("\n") if line.strip() not in (BEGIN, END)]
        cell.source = "\n".join(lines)
    return notebook


def test_autograde_gives_full_marks_to_right_answers_and_fewer_to_wrong_ones(course):
    release = nbformat.read(str(course / "release" / "all" / CHAPTER.name), as_version=4)
    solution = nbformat.read(str(CHAPTER), as_version=4)
    submissions = {"right": answered(release, solution), "stubs": release,
                   "sneaky": answered(release, solution, sneaky=True)}
    for student, notebook in submissions.items():
        folder = course / "submitted" / student / "all"
        folder.mkdir(parents=True)
        nbformat.write(notebook, str(folder / CHAPTER.name))
    nbgrader(course, "autograde", "all", "--create", "--force")
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        graded = {s: gradebook.find_submission_notebook(CHAPTER.stem, "all", s) for s in submissions}
        full = graded["right"].max_score
        scores = {s: notebook.score for s, notebook in graded.items()}
    assert full >= 4
    assert scores["right"] == full
    assert scores["stubs"] == 0
    assert 0 < scores["sneaky"] < full
    graded = nbformat.read(str(course / "autograded" / "right" / "all" / CHAPTER.name), as_version=4)
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in graded.cells), "hidden tests put back"
