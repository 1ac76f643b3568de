"""A real browser: JupyterLab + Chromium (Playwright) run a notebook with a BackwardStepper and click Step.

What it proves that the Python-side tests cannot: the widget renders in JupyterLab (no "Error displaying
widget"), the buttons reach the kernel and the redrawn graph and formula come back to the page.
The server and browser come from ``conftest.py`` (local, bounded, stopped by PID); a screenshot is
kept in tests/artifacts/ (gitignored).
"""
from lab_session import ARTIFACTS, open_notebook, skip_without_a_browser, sync_api

skip_without_a_browser()

HIGHLIGHT = "#ffd54f"


def highlighted_nodes(page):
    """The <title>s (DOT node ids) of the SVG nodes drawn in the highlight colour."""
    return page.evaluate("""(colour) => Array.from(document.querySelectorAll('.dlkit-stepper-graph g.node'))
        .filter(g => Array.from(g.querySelectorAll('polygon, ellipse, path'))
                          .some(s => (s.getAttribute('fill') || '').toLowerCase() === colour))
        .map(g => g.querySelector('title').textContent)""", HIGHLIGHT)


def test_stepper_steps_in_jupyterlab(jupyterlab, browser):
    page = open_notebook(browser, jupyterlab, "stepper_fixture.ipynb")
    try:
        formula = page.locator(".dlkit-stepper-formula")
        graph = page.locator(".dlkit-stepper-graph")
        sync_api.expect(formula).to_have_attribute("data-step", "0", timeout=30_000)
        assert "Step 0 of 3" in formula.inner_text()
        assert highlighted_nodes(page) == []
        step_button = page.locator(".dlkit-stepper .widget-button", has_text="Step")

        seen = []
        for k in (1, 2, 3):
            step_button.click()
            sync_api.expect(formula).to_have_attribute("data-step", str(k))
            current = graph.get_attribute("data-current")
            text = formula.inner_text()
            assert f"Step {k} of 3" in text
            # the yellow node in the SVG is the node the formula panel talks about
            assert sorted(highlighted_nodes(page)) == sorted([current, f"op{current[1:]}"])
            assert f"node {current}" in text
            seen.append((current, text))
        assert [c for c, _ in seen] == ["t4", "t3", "t2"]          # tanh, add, mul: last op first
        assert len({t for _, t in seen}) == 3
        assert "∂(a·b)/∂a = b" in seen[-1][1]
        sync_api.expect(step_button).to_be_disabled()
        page.screenshot(path=str(ARTIFACTS / "stepper_in_jupyterlab.png"), full_page=True)
        assert page.get_by_text("Error displaying widget").count() == 0
    finally:
        page.close()
