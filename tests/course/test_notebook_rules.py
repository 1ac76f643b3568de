"""House rules for the committed notebooks.

notebooks/ is committed WITH outputs (it renders on GitHub without running) but never with an error;
solutions/ and exercises/ are committed without outputs. All use the python3 kernel, import only
dlkit's public API plus numpy/matplotlib, and each chapter has an exercise and a solution notebook.
One exception: chapter 10 (the capstone) moves the model to PyTorch, so it may also import ``torch`` —
only inside a cell that first asks ``importlib.util.find_spec("torch")``, so that it runs without it.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALL = CHAPTERS + sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))
IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w.]*)", re.MULTILINE)
ALLOWED = {"dlkit", "numpy", "matplotlib"}
CAPSTONE_EXTRA = {"torch", "importlib"}   # chapter 10 only: the PyTorch twin, detected with find_spec


def imports_torch_unguarded(source):
    """True when a cell imports torch without checking in the same cell that torch is installed."""
    imports = re.search(r"^\s*(?:import|from)\s+torch\b", source, re.MULTILINE)
    return bool(imports) and not re.search(r"find_spec\(\s*[\"']torch[\"']\s*\)", source)


def allowed_imports(path):
    """The top-level modules a notebook may import: chapter 10 may also use torch (and importlib)."""
    return ALLOWED | CAPSTONE_EXTRA if Path(path).name.startswith("10_") else ALLOWED


def name(path):
    return f"{path.parent.name}/{path.name}"


def test_there_are_four_chapters_each_with_exercise_and_solution():
    assert [p.name[:2] for p in CHAPTERS][:4] == ["01", "02", "03", "04"]
    for chapter in CHAPTERS:
        assert (ROOT / "solutions" / chapter.name).exists(), chapter.name
        assert (ROOT / "exercises" / chapter.name).exists(), chapter.name


@pytest.mark.parametrize("path", ALL, ids=name)
def test_notebook_uses_the_python3_kernel_and_allowed_imports(path):
    nb = nbformat.read(str(path), as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            for module in IMPORT.findall(cell.source):
                assert module.split(".")[0] in allowed_imports(path), f"{name(path)} imports {module}"
            assert not imports_torch_unguarded(cell.source), \
                f"{name(path)} imports torch without asking importlib.util.find_spec(\"torch\") first"
            assert "dlkit.course.references" not in cell.source
            assert not re.search(r"\._[A-Za-z]", cell.source), \
                f"{name(path)} uses a private name: {cell.source[:80]!r}"


@pytest.mark.parametrize("path", CHAPTERS, ids=name)
def test_chapter_notebooks_are_committed_executed_and_without_errors(path):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count is not None for c in code), "run the notebook before committing it"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "execute top to bottom in a fresh kernel"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", f"error output in {name(path)}: {cell.source[:80]!r}"
            assert output.get("name") != "stderr" or "Warning" not in output.get("text", ""), \
                f"warning in {name(path)}: {output.get('text', '')[:200]}"


@pytest.mark.parametrize("path", [p for p in ALL if p not in CHAPTERS], ids=name)
def test_solutions_and_exercises_are_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, \
                f"{name(path)} has outputs: clear them (solutions) or rebuild exercises"


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=name)
def test_solutions_have_at_least_four_checked_exercises(path):
    nb = nbformat.read(str(path), as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert sum("### BEGIN SOLUTION" in s for s in sources) >= 4
    assert sum(re.search(r"\bcheck\(\s*\"ch\d", s) is not None for s in sources) >= 4


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=name)
def test_solutions_are_ready_for_nbgrader(path):
    # nbgrader only replaces solution regions in cells whose metadata marks them as solution cells.
    nb = nbformat.read(str(path), as_version=4)
    ids = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if "### BEGIN SOLUTION" in cell.source:
            assert meta and meta["solution"] is True, f"{name(path)}: {cell.source[:60]!r}"
        if meta:
            ids.append(meta["grade_id"])
    assert len(ids) == len(set(ids)) >= 8, "every answer and check cell has its own grade_id"


def test_only_the_capstone_may_import_torch():
    for chapter in ("notebooks/01_derivatives_and_the_chain_rule.ipynb", "solutions/07_cnn.ipynb",
                    "exercises/09_sequences.ipynb", "notebooks/11_next.ipynb", "notebooks/01_torch.ipynb"):
        assert "torch" not in allowed_imports(chapter) and "importlib" not in allowed_imports(chapter)
    for chapter in ("notebooks/10_capstone.ipynb", "solutions/10_capstone.ipynb"):
        assert {"torch", "importlib", "dlkit", "numpy", "matplotlib"} <= allowed_imports(chapter)
        assert allowed_imports(chapter) - ALLOWED == {"torch", "importlib"}


def test_a_torch_import_needs_the_find_spec_guard_in_its_cell():
    assert imports_torch_unguarded("import torch\nx = torch.zeros(3)")
    assert imports_torch_unguarded("from torch import nn")
    assert not imports_torch_unguarded('if importlib.util.find_spec("torch"):\n    import torch')
    assert not imports_torch_unguarded("HAVE = find_spec('torch') is not None\nif HAVE:\n    import torch")
    assert not imports_torch_unguarded("import numpy as np  # no torch here")
