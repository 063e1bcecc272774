"""Browser test fixtures: the session app served live on 127.0.0.1, driven by
Debian's chromium through pytest-playwright (never `playwright install`).

Without chromium the browser tests skip with a reason on a developer machine and
FAIL under CI=true (CI and `make test` install it via `make system-deps`).
"""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    reason = f"Debian's chromium not found at {CHROMIUM} (run `make system-deps`)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests are required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(app):
    """The session app on a free port of 127.0.0.1 in a threaded background server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    _require_chromium()
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server, "locale": "id-ID",
            "timezone_id": "Asia/Jakarta", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture()
def page(page):
    """pytest-playwright's page with a bounded default timeout (fail fast, not hang)."""
    page.set_default_timeout(15_000)
    return page


@pytest.fixture()
def ui_login():
    """ui_login(page, 'operator') logs in through the real login form."""

    def _login(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_load_state("load")
        assert "/login" not in page.url, f"login failed for {username}"

    return _login


def ui_logout(page) -> None:
    page.goto("/logout/")
    page.wait_for_load_state("load")
