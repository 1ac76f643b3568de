"""A real browser drives each live demo: click its controls, see the picture change, no widget errors.

JupyterLab + Chromium (fixtures in conftest.py) open one fixture notebook per widget, run it, and use
the controls a learner would: Step, Play, Reset, a dropdown, a slider, "Open stepper". Each widget
puts ``data-frame="N"`` on its picture (N counts redraws), so "the picture changed" is checked twice:
the frame count moves and the SVG/HTML content differs. Screenshots go to tests/artifacts/.
"""
import re

from lab_session import ARTIFACTS, open_notebook, skip_without_a_browser, sync_api

skip_without_a_browser()
expect = sync_api.expect


def frame_of(picture):
    return int(picture.get_attribute("data-frame"))


def wait_for_frame_after(picture, frame, timeout=20_000):
    expect(picture).not_to_have_attribute("data-frame", str(frame), timeout=timeout)
    return frame_of(picture)


def no_widget_errors(page):
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0


def play_for_a_while(page, root, picture):
    """Press Play, let the browser tick a few frames, press Pause; the frame count must have grown."""
    before = frame_of(picture)
    root.locator(".widget-play button").first.click()          # ▶ (Play's first button)
    expect(picture).to_have_attribute("data-frame", re.compile(r"\d+"))
    page.wait_for_function("([sel, n]) => +document.querySelector(sel).dataset.frame >= n",
                           arg=[f".{picture_class(picture)}", before + 3], timeout=30_000)
    root.locator(".widget-play button").nth(1).click()         # ❚❚ pause
    return frame_of(picture)


def picture_class(picture):
    return picture.get_attribute("class").split()[0]


def test_optimizer_playground_in_jupyterlab(jupyterlab, browser):
    page = open_notebook(browser, jupyterlab, "optimizer_playground_fixture.ipynb")
    try:
        root = page.locator(".dlkit-optimizer-playground")
        picture = page.locator(".dlkit-optimizer-playground-picture")
        status = page.locator(".dlkit-optimizer-playground-status")
        expect(picture).to_have_attribute("data-frame", re.compile(r"\d+"), timeout=30_000)
        expect(status).to_contain_text("step 0")
        start_svg = picture.inner_html()
        frame = frame_of(picture)

        root.locator(".widget-button", has_text="Step ▶").click()
        frame = wait_for_frame_after(picture, frame)
        expect(status).to_contain_text("step 1")
        assert picture.inner_html() != start_svg
        assert picture.locator("polyline[data-label='Adam']").count() == 2   # surface and loss panel

        frame = play_for_a_while(page, root, picture)
        steps = int(re.search(r"step (\d+)", status.inner_text()).group(1))
        assert steps >= 3 * 2                                             # 2 steps per frame

        root.locator("select").first.select_option("rosenbrock")          # the surface dropdown
        expect(status).to_contain_text("rosenbrock")
        expect(status).to_contain_text("step 0")
        assert "rosenbrock: step 0" in picture.inner_text()
        page.screenshot(path=str(ARTIFACTS / "optimizer_playground_in_jupyterlab.png"), full_page=True)
        no_widget_errors(page)
    finally:
        page.close()


def test_training_playground_in_jupyterlab(jupyterlab, browser):
    page = open_notebook(browser, jupyterlab, "training_playground_fixture.ipynb")
    try:
        root = page.locator(".dlkit-training-playground")
        picture = page.locator(".dlkit-training-playground-picture")
        status = page.locator(".dlkit-training-playground-status")
        expect(status).to_contain_text("step 0", timeout=30_000)
        image_before = picture.locator("image").first.get_attribute("href")
        frame = frame_of(picture)

        root.locator(".widget-button", has_text="Step ▶").click()
        frame = wait_for_frame_after(picture, frame)
        expect(status).to_contain_text("step 1 ")
        frame = play_for_a_while(page, root, picture)
        assert picture.locator("image").first.get_attribute("href") != image_before   # boundary moved
        assert picture.locator("polyline[data-label='validation']").count() == 1

        root.locator(".widget-button", has_text="Open stepper").click()
        stepper = root.locator(".dlkit-stepper")
        expect(stepper).to_be_visible(timeout=30_000)
        formula = stepper.locator(".dlkit-stepper-formula")
        expect(formula).to_have_attribute("data-step", "0")
        stepper.locator(".widget-button", has_text="Step ▶").click()
        expect(formula).to_have_attribute("data-step", "1")
        assert "cross_entropy" in formula.inner_text()

        root.locator(".widget-button", has_text="Reset").first.click()
        expect(status).to_contain_text("step 0 ")
        page.screenshot(path=str(ARTIFACTS / "training_playground_in_jupyterlab.png"), full_page=True)
        no_widget_errors(page)
    finally:
        page.close()


def test_conv_explorer_in_jupyterlab(jupyterlab, browser):
    page = open_notebook(browser, jupyterlab, "conv_explorer_fixture.ipynb")
    try:
        root = page.locator(".dlkit-conv-explorer")
        picture = page.locator(".dlkit-conv-explorer-picture")
        status = page.locator(".dlkit-conv-explorer-status")
        expect(status).to_contain_text("0 of 16 cells filled", timeout=30_000)
        output = picture.locator(".dlkit-conv-output td")
        assert output.count() == 16 and output.first.inner_text().strip() == ""

        root.locator(".widget-button", has_text="Step ▶").click()
        expect(status).to_contain_text("1 of 16 cells filled")
        # by hand, Sobel on the top-left window [[0,0,0],[0,1,2],[0,2,4]]: 0 + (0+0−4) + (0+0−4) = −8
        expect(output.first).to_have_text("−8")
        expect(picture.locator(".dlkit-conv-sum")).to_contain_text("= −8")
        window = picture.locator(".dlkit-conv-input td[style*='#ffd54f']")
        assert window.count() == 9

        stride = root.locator(".widget-slider", has_text="stride").locator(".widget-readout")
        stride.click()
        stride.fill("2")
        stride.press("Enter")
        expect(status).to_contain_text("stride 2")
        expect(status).to_contain_text("0 of 4 cells filled")
        assert picture.locator(".dlkit-conv-output td").count() == 4
        frame = frame_of(picture)
        play_for_a_while(page, root, picture)
        assert frame_of(picture) > frame
        page.screenshot(path=str(ARTIFACTS / "conv_explorer_in_jupyterlab.png"), full_page=True)
        no_widget_errors(page)
    finally:
        page.close()
