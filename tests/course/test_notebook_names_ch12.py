"""Live demos re-run cells out of order, so a chapter never rebinds a name to a different kind of thing.

The rule tested here catches the classic slip (chapter 1 once defined ``f`` as a function and later
rebound it to a Tensor): a name bound by ``def``/``class`` in one cell is bound by nothing else in any
other cell, and a name bound to a value (assignment, ``for``, ``with``) is never also a function or
class. Only module-level bindings count; names inside functions and comprehensions are local.
Chapters 1 and 2 for now (their author's files); other chapters can join the list.
"""
import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = [ROOT / "notebooks" / "01_derivatives_and_the_chain_rule.ipynb",
             ROOT / "notebooks" / "02_tensors_broadcasting_and_gradient_checking.ipynb",
             ROOT / "solutions" / "01_derivatives_and_the_chain_rule.ipynb",
             ROOT / "solutions" / "02_tensors_broadcasting_and_gradient_checking.ipynb"]


def targets(node):
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from targets(element)
    elif isinstance(node, ast.Starred):
        yield from targets(node.value)


def top_level_bindings(source):
    """(name, kind) for every module-level binding: kind is "callable" (def/class) or "value"."""
    found = []
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef):
            found.append((statement.name, "callable"))
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda):
                continue
            if isinstance(node, ast.Assign):
                found += [(n, "value") for t in node.targets for n in targets(t)]
            elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.NamedExpr):
                found += [(n, "value") for n in targets(node.target)]
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                found += [(n, "value") for n in targets(node.optional_vars)]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_name_is_both_a_function_or_class_and_a_value_or_defined_twice(path):
    nb = nbformat.read(str(path), as_version=4)
    kinds, where = {}, {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for name, kind in top_level_bindings(cell.source):
            if name in kinds:
                assert kinds[name] == kind, (f"{name!r} is a {kinds[name]} in cell {where[name]} and a {kind} "
                                             f"in cell {index}: re-running one breaks the other")
                assert kind != "callable" or where[name] == index, \
                    f"{name!r} is defined in cells {where[name]} and {index}"
            kinds.setdefault(name, kind)
            where.setdefault(name, index)


def test_the_rule_catches_the_old_chapter_1_slip():
    cells = ["def f(x):\n    return 3 * x**2", "f = dlkit.Tensor(-2.0)"]
    kinds = {}
    clash = None
    for source in cells:
        for name, kind in top_level_bindings(source):
            if kinds.get(name, kind) != kind:
                clash = name
            kinds.setdefault(name, kind)
    assert clash == "f"
