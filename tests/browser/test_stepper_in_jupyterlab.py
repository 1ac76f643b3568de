"""A real browser: JupyterLab + Chromium (Playwright) run a notebook with a BackwardStepper and click Step.

What it proves that the Python-side tests cannot: the widget renders in JupyterLab (no "Error displaying
widget"), the buttons reach the kernel and the redrawn graph and formula come back to the page.

Everything is local and bounded: a fresh JupyterLab on 127.0.0.1 with a token, a temporary HOME, a
kernelspec pointing at this very Python, Debian's Chromium (never a downloaded browser), the server
stopped by its PID. A screenshot is kept in tests/artifacts/ (gitignored).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).parent
ARTIFACTS = HERE.parent / "artifacts"
TOKEN = "dlkit-browser-test"
HIGHLIGHT = "#ffd54f"

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is absent (install Debian's chromium; CI has it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_environment(tmp):
    """A fresh HOME and Jupyter/IPython/matplotlib dirs, and a python3 kernelspec for this Python."""
    kernels = tmp / "jupyter-data" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (dlkit tests)", "language": "python"}))
    env = dict(os.environ)
    for name, sub in [("HOME", "home"), ("JUPYTER_CONFIG_DIR", "jupyter-config"),
                      ("JUPYTER_DATA_DIR", "jupyter-data"), ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
                      ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")]:
        (tmp / sub).mkdir(exist_ok=True)
        env[name] = str(tmp / sub)
    env["JUPYTER_PATH"] = str(tmp / "jupyter-data")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


@pytest.fixture
def jupyterlab(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(HERE / "stepper_fixture.ipynb", notebooks / "stepper.ipynb")
    env = isolated_environment(tmp_path)
    port = free_port()
    log = open(tmp_path / "jupyterlab.log", "w")  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={notebooks}", "--allow-root",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log").read_text()[-3000:])
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()          # our own server, by its PID
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()


def run_all_cells(page):
    """Run ▸ Run All Cells; with a fresh HOME the first request is sometimes dropped, so retry."""
    prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first
    page.locator(".jp-Notebook").first.click()   # focus the notebook; seen to avoid the dropped run
    page.wait_for_timeout(1500)
    for attempt in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()
        try:
            sync_api.expect(prompt).to_have_text("[1]:", timeout=10_000)
            return
        except AssertionError:
            print(f"Run All attempt {attempt + 1} was dropped; retrying")
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells did not execute the notebook after 3 attempts")


def highlighted_nodes(page):
    """The <title>s (DOT node ids) of the SVG nodes drawn in the highlight colour."""
    return page.evaluate("""(colour) => Array.from(document.querySelectorAll('.dlkit-stepper-graph g.node'))
        .filter(g => Array.from(g.querySelectorAll('polygon, ellipse, path'))
                          .some(s => (s.getAttribute('fill') || '').toLowerCase() === colour))
        .map(g => g.querySelector('title').textContent)""", HIGHLIGHT)


def test_stepper_steps_in_jupyterlab(jupyterlab):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, timeout=30_000,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(f"{jupyterlab}/lab/tree/stepper.ipynb?token={TOKEN}&reset")
            accept = page.locator(".jp-Dialog .jp-mod-accept")      # "Select Kernel", if it appears
            page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(timeout=45_000)
            if accept.count():
                accept.first.click()
            run_all_cells(page)

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
            browser.close()
