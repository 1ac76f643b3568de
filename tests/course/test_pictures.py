"""The pictures the course relies on show what the prose talks about: names, values and gradients."""
import re

import dlkit
from dlkit.viz import draw_graph, render_svg
from dlkit.viz.render import plain_labels


def svg_text(svg):
    return [t.replace("&#160;", " ") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_rendered_graph_shows_tensor_names_values_and_gradients():
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    loss = a * b
    loss.name = "L"
    loss.backward()
    text = " ".join(svg_text(render_svg(draw_graph(loss))))
    for expected in ("a", "b", "L", "mul", "data 2", "data −3", "grad −3", "grad 2"):
        assert re.search(rf"(^|\s){re.escape(expected)}(\s|$)", text), (expected, text)


def test_plain_labels_turns_table_rows_into_lines_and_keeps_other_labels():
    source = ('digraph { t0 [label=<<table><tr><td><b>x</b> (2,)</td></tr><tr><td>data &lt;1&gt;</td>'
              '</tr></table>> shape=box]\n op [label=mul] }')
    assert plain_labels(source) == 'digraph { t0 [label="x (2,)\\ndata <1>" shape=box]\n op [label=mul] }'
