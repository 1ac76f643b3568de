"""Helpers for the browser tests: an isolated JupyterLab environment, opening and running a notebook.

One JupyterLab per test module, on 127.0.0.1 with a token, a temporary HOME and Jupyter dirs, a
kernelspec pointing at this very Python, stopped by its PID; Debian's Chromium (never a downloaded
browser), headless. Every fixture notebook in this folder is served, and copies of the chapter
notebooks that show live demos (CHAPTERS). Facts behind the details (the
dropped first Run All, the kernel dialog): /work/shared/browser-testing.md.
"""
import json
import os
import socket
import sys
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).parent
REPO = HERE.parent.parent
CHAPTERS = ("05_optimisation.ipynb", "06_training_practice_and_regularisation.ipynb")  # with live demos
ARTIFACTS = HERE.parent / "artifacts"
TOKEN = "dlkit-browser-test"

try:
    from playwright import sync_api
except ImportError:  # the browser fixture skips with the reason
    sync_api = None


def skip_without_a_browser():
    """Called at the top of each browser test module: skip it, saying why, when the tools are absent."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (install Debian's chromium; CI has it)",
                    allow_module_level=True)
    if sync_api is None:
        pytest.skip("playwright is not installed (pip install playwright)", allow_module_level=True)


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
    settings = tmp / "jupyter-config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)       # no "Jupyter news?" pop-up over the screenshots
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


def open_notebook(browser, url, name):
    """A page with notebook ``name`` open and every cell run (the widgets on screen)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    page.goto(f"{url}/lab/tree/{name}?token={TOKEN}&reset")
    accept = page.locator(".jp-Dialog .jp-mod-accept")      # "Select Kernel", if it appears
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(timeout=45_000)
    if accept.count():
        accept.first.click()
    run_all_cells(page)
    return page


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


def wait_until_every_cell_ran(page, timeout=180_000):
    """Wait until every code cell shows an execution count (``[12]:``, not ``[*]:`` or ``[ ]:``)."""
    page.wait_for_function(
        """() => { const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                   return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]:/.test(p.textContent)); }""",
        timeout=timeout)
