"""The exercise cells as committed: every check fails on the exercise notebook's own stub and passes on
the solution notebook's answer (run here without a kernel, in a few seconds; nbval runs them in one)."""
import re
from pathlib import Path

import nbformat
import pytest

from dlkit.course import run_check

ROOT = Path(__file__).resolve().parents[2]
CHECK_CALL = re.compile(r'check\(\s*"(ch\d+\.\w+)"\s*,\s*(\w+)\s*\)')


def checks_in(path):
    """Execute the notebook's setup and answer cells; return [(check name, answer object)]."""
    nb = nbformat.read(str(path), as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    namespace = {}
    exec(code[0], namespace)  # noqa: S102 - the imports and seeds
    found = []
    for source in code[1:]:
        calls = CHECK_CALL.findall(source)
        if calls:
            found += [(name, namespace[answer]) for name, answer in calls]
        elif "NotImplementedError" in source or "### BEGIN SOLUTION" in source:
            exec(source, namespace)  # noqa: S102 - defines the answer (or its stub)
    return found


def paths(folder):
    return sorted((ROOT / folder).glob("*.ipynb"))


@pytest.mark.parametrize("path", paths("solutions"), ids=lambda p: p.name)
def test_every_check_passes_on_the_solution_notebooks_answers(path):
    found = checks_in(path)
    assert len(found) >= 4
    for name, answer in found:
        result = run_check(name, answer)
        assert result.passed, str(result)


@pytest.mark.parametrize("path", paths("exercises"), ids=lambda p: p.name)
def test_every_check_fails_on_the_exercise_notebooks_stub(path):
    found = checks_in(path)
    assert len(found) >= 4
    for name, answer in found:
        result = run_check(name, answer)
        assert not result.passed and result.message == "not implemented yet", str(result)
