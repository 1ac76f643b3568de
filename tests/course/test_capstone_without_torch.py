"""Chapter 10 runs top to bottom where PyTorch is not installed: its PyTorch cells say so and skip.

The notebook is executed in a kernel whose import system cannot see ``torch`` (a ``sitecustomize``
makes the path finder answer "no such module" for it, so ``importlib.util.find_spec("torch")`` is
None exactly as on a machine without PyTorch). The run with PyTorch is nbval's.
"""
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
CAPSTONE = ROOT / "notebooks" / "10_capstone.ipynb"

HIDE_TORCH = '''
import importlib.machinery

_find_spec = importlib.machinery.PathFinder.find_spec.__func__


def _without_torch(cls, name, path=None, target=None):
    if name == "torch" or name.startswith("torch."):
        return None
    return _find_spec(cls, name, path, target)


importlib.machinery.PathFinder.find_spec = classmethod(_without_torch)
'''


def outputs(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.mark.skipif(not CAPSTONE.exists(), reason="chapter 10 is not in this checkout")
def test_capstone_runs_without_torch_and_says_its_torch_cells_skip(tmp_path, monkeypatch):
    (tmp_path / "sitecustomize.py").write_text(HIDE_TORCH)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("DLKIT_DATA", str(tmp_path / "data"))      # no MNIST here: that section skips too
    nb = nbformat.read(str(CAPSTONE), as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    texts = [outputs(c) for c in code]
    assert any("PyTorch is not installed" in t for t in texts)
    torch_cells = [c for c in code if "torch." in c.source and "HAVE_TORCH" in c.source]
    assert len(torch_cells) >= 3
    for cell in torch_cells[1:]:
        assert "skipped: PyTorch is not installed" in outputs(cell), cell.source[:80]
    assert any("MNIST is not on this machine" in t for t in texts)
    assert any("max |logits(reloaded) - logits(trained)| = 0.0" in t for t in texts)
