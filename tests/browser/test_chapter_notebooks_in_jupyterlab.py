"""The chapter notebooks with live demos, run in a real browser: the widgets show, respond, never err.

JupyterLab + Chromium (fixtures in conftest.py) open copies of chapters 5 and 6 (nothing is written
into the repository), Run All, then drive the live demo as a learner would: Step, Play, Reset. Each
demo's picture carries ``data-frame="N"`` (N counts redraws), so "the picture changed" is checked as
the frame count moving and the SVG differing. The state the notebook left (steps played from Python)
must survive the widget's first render: a slider's rounding echoed by the browser once restarted the
race (issue 13). Screenshots go to tests/artifacts/.
"""
import re

import pytest
from lab_session import (
    ARTIFACTS,
    CHAPTERS,
    REPO,
    open_notebook,
    skip_without_a_browser,
    sync_api,
    wait_until_every_cell_ran,
)
from test_live_demos_in_jupyterlab import frame_of, no_widget_errors, play_for_a_while, wait_for_frame_after

skip_without_a_browser()
expect = sync_api.expect


def chapter(name):
    if not (REPO / "notebooks" / name).exists():
        pytest.fail(f"notebooks/{name} is missing: the browser test of its live demo cannot run")
    return name


def test_chapter_5_optimizer_playground(jupyterlab, browser):
    page = open_notebook(browser, jupyterlab, chapter(CHAPTERS[0]))
    try:
        wait_until_every_cell_ran(page)
        page.wait_for_timeout(2000)        # time for any message a widget's first render sends back
        root = page.locator(".dlkit-optimizer-playground").first
        picture = root.locator(".dlkit-optimizer-playground-picture")
        status = root.locator(".dlkit-optimizer-playground-status")
        # what the notebook's cells left: bowl, lr 0.04, 60 steps (cell "race.play(60)", momentum 0.8)
        expect(status).to_contain_text("bowl (condition 20), lr 0.04, step 60")
        svg = picture.inner_html()
        frame = frame_of(picture)

        root.locator(".widget-button", has_text="Step ▶").click()
        frame = wait_for_frame_after(picture, frame)
        expect(status).to_contain_text("lr 0.04, step 61")
        assert picture.inner_html() != svg

        play_for_a_while(page, root, picture)
        steps = int(re.search(r"step (\d+)", status.inner_text()).group(1))
        assert steps >= 61 + 3 * 2                                        # 2 steps per frame

        root.scroll_into_view_if_needed()
        root.screenshot(path=str(ARTIFACTS / "chapter_5_optimizer_playground.png"))     # mid-run, after Play
        svg = picture.inner_html()
        root.locator(".widget-button", has_text="Reset").click()
        expect(status).to_contain_text("lr 0.04, step 0")
        assert picture.inner_html() != svg
        page.screenshot(path=str(ARTIFACTS / "chapter_5_in_jupyterlab.png"), full_page=False)
        no_widget_errors(page)
    finally:
        page.close()


def test_chapter_6_training_playground(jupyterlab, browser):
    page = open_notebook(browser, jupyterlab, chapter(CHAPTERS[1]))
    try:
        wait_until_every_cell_ran(page)
        page.wait_for_timeout(2000)
        root = page.locator(".dlkit-training-playground").first
        picture = root.locator(".dlkit-training-playground-picture")
        status = root.locator(".dlkit-training-playground-status")
        expect(status).to_contain_text("Adam lr 0.01, L2 0, dropout 0.3; step 200 ")   # as the cell left it
        image = picture.locator("image").first.get_attribute("href")
        frame = frame_of(picture)

        root.locator(".widget-button", has_text="Step ▶").click()
        frame = wait_for_frame_after(picture, frame)
        expect(status).to_contain_text("step 201 ")
        play_for_a_while(page, root, picture)
        assert picture.locator("image").first.get_attribute("href") != image     # the boundary moved

        root.scroll_into_view_if_needed()
        root.screenshot(path=str(ARTIFACTS / "chapter_6_training_playground.png"))     # mid-run, after Play
        root.locator(".widget-button", has_text="Reset").first.click()
        expect(status).to_contain_text("step 0 ")
        page.screenshot(path=str(ARTIFACTS / "chapter_6_in_jupyterlab.png"), full_page=False)
        no_widget_errors(page)
    finally:
        page.close()
