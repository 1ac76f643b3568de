"""Self-study progress: the exercise notebooks run headless, and each check's status is reported."""
from pathlib import Path

import nbformat
import pytest

from dlkit.course import progress, progress_widget
from dlkit.course.__main__ import main
from dlkit.course.build import BEGIN, END

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = min((ROOT / "exercises").glob("03_*.ipynb"))
SOLUTION = ROOT / "solutions" / EXERCISE.name


@pytest.fixture(scope="module")
def learner_folder(tmp_path_factory):
    """A copy of chapter 3's exercises: the first answered, the second with a syntax error."""
    folder = tmp_path_factory.mktemp("my_exercises")
    exercise = nbformat.read(str(EXERCISE), as_version=4)
    solution = nbformat.read(str(SOLUTION), as_version=4)
    answers = [i for i, c in enumerate(solution.cells) if BEGIN in c.source]
    first, second = answers[0], answers[1]
    exercise.cells[first].source = "\n".join(line for line in solution.cells[first].source.split("\n")
                                             if line.strip() not in (BEGIN, END))
    exercise.cells[second].source = "def oops(:\n    pass"
    nbformat.write(exercise, str(folder / EXERCISE.name))
    return folder


@pytest.fixture(scope="module")
def report(learner_folder):
    return progress(learner_folder)  # runs `python -m dlkit.course progress --json` in a subprocess


def test_each_check_is_passed_failed_or_not_run(report):
    (chapter,) = report.chapters
    statuses = [status for _, status, _ in chapter.checks]
    names = [name for name, _, _ in chapter.checks]
    assert len(names) >= 4 and all(n.startswith("ch3.") for n in names)
    assert statuses[0] == "passed"
    assert statuses[1] == "not run"  # its answer cell has a syntax error, so the check never ran
    assert set(statuses[2:]) == {"failed"}
    assert chapter.checks[2][2] == "not implemented yet"
    assert chapter.passed == 1 and chapter.error is None


def test_the_terminal_table_shows_the_chapter_its_count_and_the_next_step(report):
    text = str(report)
    first, second = report.chapters[0].checks[0][0], report.chapters[0].checks[1][0]
    assert "03 linear models and losses" in text
    assert f"1/{len(report.chapters[0].checks)}" in text
    assert f"✓ {first.split('.')[1]}" in text and f"· {second.split('.')[1]}" in text
    assert f"Next: {second} — an error in an earlier cell stopped it" in text


def test_the_command_line_prints_the_table(report, monkeypatch, capsys):
    monkeypatch.setattr("dlkit.course.progress_report.collect_progress", lambda folder: report)
    assert main(["progress", "anything"]) == 0
    assert str(report) in capsys.readouterr().out


def test_the_widget_shows_the_same_table_with_a_button(report, monkeypatch):
    monkeypatch.setattr("dlkit.course.progress_report.progress", lambda folder: report)
    widget = progress_widget("anything")
    button, table = widget.children[0].children[0], widget.children[1]
    assert button.description == "Check again"
    assert "03 linear models and losses" in table.value and "#1a7f37" in table.value
    assert "Next:" in table.value
    assert repr(widget) == str(report)  # the text form saved notebooks show without widgets


def test_the_learners_notebooks_are_not_changed(learner_folder, report):
    notebook = nbformat.read(str(learner_folder / EXERCISE.name), as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="no notebooks found"):
        progress(tmp_path)
