"""The pictures the course relies on show what the prose talks about: names, values and gradients."""
import json
import re
from pathlib import Path

import numpy as np
import pytest

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


# -- every picture in the committed notebooks is readable at a notebook's width --------------------
NOTEBOOK_WIDTH_PX, SMALLEST_TEXT_PX = 820, 10
NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


def svg_pictures(notebook):
    """(cell number, SVG text) for every SVG a committed notebook shows: plain outputs and widgets."""
    saved = json.loads(notebook.read_text())
    cells, widget_state = saved["cells"], saved.get("metadata", {}).get("widgets", {})
    for number, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                text = "".join(value) if isinstance(value, list) else value
                if isinstance(text, str):
                    for svg in re.findall(r"<svg.*?</svg>", text, flags=re.DOTALL):
                        yield f"cell {number} ({mime})", svg
    for where, text in strings(widget_state, "saved widget state"):
        for svg in re.findall(r"<svg.*?</svg>", text, flags=re.DOTALL):
            yield where, svg


def strings(value, where):
    """Every string inside nested dicts and lists (a saved widget's HTML is one)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item, where)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, where)


def text_height_px(svg, width_px=NOTEBOOK_WIDTH_PX):
    """The smallest text, in CSS px, when the SVG is shrunk to fit ``width_px`` (1 pt = 4/3 px).

    Written here from the SVG standard, independently of dlkit.viz's own layout check. The width is
    in pt (graphviz) or in CSS px (no unit or "px": the live demos' panels).
    """
    head = re.search(r"<svg\b[^>]*>", svg).group(0)
    width, unit = re.search(r'\bwidth="([\d.]+)(pt|px)?"', head).groups()
    own_width_px = float(width) * (4 / 3 if unit == "pt" else 1.0)
    view_box = [float(v) for v in re.search(r'viewBox="([^"]+)"', head).group(1).split()]
    user_units_per_px = view_box[2] / min(width_px, own_width_px)
    transform = re.search(r'class="graph" transform="scale\(([\d.]+)', svg)
    group_scale = float(transform.group(1)) if transform else 1.0
    font = min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))
    return font * group_scale / user_units_per_px


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem[:2] for n in NOTEBOOKS])
def test_every_graph_in_the_course_is_readable_at_notebook_width(notebook):
    pictures = list(svg_pictures(notebook))
    too_small = [(where, round(text_height_px(svg), 1)) for where, svg in pictures
                 if text_height_px(svg) < SMALLEST_TEXT_PX]
    assert not too_small, (f"{notebook.name}: text below {SMALLEST_TEXT_PX} px at "
                           f"{NOTEBOOK_WIDTH_PX} px width: {too_small}")


def test_the_readability_measure_itself():
    """A 2,916 pt-wide graph (chapter 3's, before the fix) has 14 pt text shown at 3.9 px."""
    wide = ('<svg width="2916pt" height="83pt" viewBox="0.00 0.00 2916.00 83.00">'
            '<g id="graph0" class="graph" transform="scale(1 1)"><text font-size="14.00">x</text></g></svg>')
    assert abs(text_height_px(wide) - 14 * 820 / 2916) < 1e-9
    narrow = wide.replace('width="2916pt"', 'width="300pt"').replace("2916.00", "300.00")
    assert abs(text_height_px(narrow) - 14 * 4 / 3) < 1e-9
    in_px = '<svg width="400" height="330" viewBox="0 0 800 660"><text font-size="22">x</text></svg>'
    assert abs(text_height_px(in_px) - 11) < 1e-9      # a 400 px picture drawn in 800 user units


def test_a_long_chain_is_drawn_top_to_bottom_and_stays_readable():
    x = dlkit.Tensor(np.arange(3.0), requires_grad=True, name="x")
    y = x
    for _ in range(12):
        y = (y * 1.1).tanh()
    loss = y.sum()
    loss.backward()
    graph = draw_graph(loss)
    assert graph.graph_attr["rankdir"] == "TB"
    assert text_height_px(graph.svg()) >= SMALLEST_TEXT_PX
    assert text_height_px(draw_graph(loss, rankdir="LR").svg()) < SMALLEST_TEXT_PX   # it was a problem
    small = draw_graph(dlkit.Tensor(2.0, requires_grad=True, name="a") * 3)
    assert small.graph_attr["rankdir"] == "LR"                                      # short ones stay LR


def test_the_stepper_has_a_meaningful_text_form_for_saved_notebooks():
    from dlkit.viz import BackwardStepper
    a = dlkit.Tensor(2.0, requires_grad=True, name="a")
    b = dlkit.Tensor(-3.0, requires_grad=True, name="b")
    stepper = BackwardStepper(a * b + a)
    stepper.play()
    text = stepper._repr_mimebundle_()["text/plain"]
    assert text.startswith("BackwardStepper: step 2 of 2 — node t2 (mul)")
    assert "∂(a·b)/∂a = b" in text and "a (t0) gets −3" in text and "b (t1) gets 2" in text
    assert "VBox" not in text


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem[:2] for n in NOTEBOOKS])
def test_saved_widgets_have_a_meaningful_text_form(notebook):
    """Where widgets cannot run (a saved notebook on a website), the text form is what readers see."""
    raw = []
    for number, cell in enumerate(json.loads(notebook.read_text())["cells"]):
        for output in cell.get("outputs", []):
            text = "".join(output.get("data", {}).get("text/plain", ""))
            if re.match(r"\s*(VBox|HBox|Box)\(children=", text):
                raw.append(f"cell {number}: {text[:60]}…")
    assert not raw, f"{notebook.name}: widget outputs saved as a raw ipywidgets repr: {raw}"
