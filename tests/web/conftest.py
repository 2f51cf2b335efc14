"""Fixtures for the browser tests: the app on a free loopback port and headless Chromium.

The page is driven with Playwright (the ``web`` extra) through Debian's Chromium at
``/usr/bin/chromium`` (``apt-get install chromium``; ``RETOUCH_TEST_CHROMIUM`` names
another binary); Playwright's own browser downloads are never used. Without either,
every browser test skips with the reason (pytest -ra prints it); with ``CI=true`` it
fails instead (``tests.conftest.need``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, need, need_module

CHROMIUM = Path(os.environ.get("RETOUCH_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = REPO / "out" / "screenshots"
SAMPLE = REPO / "src" / "retouch" / "data" / "sample.jpg"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="package")
def server_url() -> Iterator[str]:
    """The app (``create_app``) served by uvicorn in a thread on 127.0.0.1."""
    need_module("fastapi", "pip install -e '.[serve]'")
    uvicorn = need_module("uvicorn", "pip install -e '.[serve]'")

    from retouch.server import ServerSettings, create_app

    port = _free_port()
    app = create_app(ServerSettings(port=port, workers=2))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="package")
def browser():
    """Headless Debian Chromium driven by Playwright, closed after tests/web (its event
    loop in the main thread would break the asyncio.run of later tests)."""
    sync_api = need_module("playwright.sync_api", "pip install -e '.[web]'")
    need(
        CHROMIUM.is_file(),
        f"{CHROMIUM} not found: apt-get install -y chromium (or name it in RETOUCH_TEST_CHROMIUM)",
    )
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url):
    """A fresh page at ``/`` (1280 x 800) whose methods have loaded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server_url}/")
    page.wait_for_function("document.querySelector('#erase-method')?.options.length > 0")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def sample_png(tmp_path_factory) -> Path:
    """The sample photo as a lossless PNG (``sample.png``), so results compare exactly."""
    from PIL import Image

    path = tmp_path_factory.mktemp("photos") / "sample.png"
    with Image.open(SAMPLE) as img:
        img.convert("RGB").save(path)
    return path
