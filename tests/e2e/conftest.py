"""Browser fixtures: the app served over real HTTP in a thread, and Debian's Chromium via Playwright."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (run `make browser` as root to install it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab that fails the test on any console error (a CSP violation, a broken script)."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []

    def on_console(message):
        ours = message.location.get("url", "").startswith(live_server)  # not Canvas's (the simulator's) pages
        # A form sent back refused (422), or refused over a newer version of its record (409), is shown on purpose.
        refused_form = message.text.endswith(("status of 422 (UNPROCESSABLE ENTITY)", "status of 409 (CONFLICT)"))
        if message.type == "error" and ours and not refused_form:
            errors.append(f"{message.text} at {message.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def browser_sign_in(page):
    from tests.helpers import PASSWORD

    def sign_in(username: str, password: str = PASSWORD):
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")

    return sign_in


@pytest.fixture
def canvas(live_server):
    """The Canvas simulator with its demo seed, over real HTTP on its own port."""
    from canvas_sim.testing import running_simulator

    with running_simulator(seed="demo") as sim:
        yield sim


@pytest.fixture
def sim(canvas):
    """The suite-wide fixtures (`integration`, `transferred_121`) reach the simulator as `sim`; the
    browser tests call it `canvas`: both names give the one simulator of the test."""
    return canvas


@pytest.fixture
def worker(redis_url):
    """A real RQ worker process for the jobs the pages start."""
    process = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=dict(os.environ, REDIS_URL=redis_url),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
