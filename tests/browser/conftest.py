"""Fixtures for the browser tests: one real JupyterLab and one real Chromium per test module.

Both are local and bounded: JupyterLab on 127.0.0.1 with a token, a temporary HOME and Jupyter dirs,
stopped by its PID; Debian's Chromium, headless (never a downloaded browser). Helpers: lab_session.py.
"""
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from lab_session import CHAPTERS, CHROMIUM, HERE, REPO, TOKEN, free_port, isolated_environment, sync_api


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for fixture in HERE.glob("*_fixture.ipynb"):
        shutil.copy(fixture, notebooks / fixture.name)
    for chapter in CHAPTERS:           # copies: whatever JupyterLab saves stays in the temp dir
        if (REPO / "notebooks" / chapter).exists():
            shutil.copy(REPO / "notebooks" / chapter, notebooks / chapter)
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


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, timeout=30_000,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            yield chromium
        finally:
            chromium.close()


