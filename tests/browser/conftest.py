"""Browser tests: Debian's Chromium driven by Playwright for Python against the real API
(uvicorn on a free loopback port, in a thread) and the session's Neo4j loaded with the demo.

No browser is ever downloaded: Chromium is /usr/bin/chromium (scripts/bootstrap installs it
with apt-get when it can). Every request must stay on 127.0.0.1: anything else is aborted
and fails the test. Each test saves a screenshot under test-artifacts/browser/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from neo4j import Driver

from lineage_catalog.app import create_app
from lineage_catalog.demo import generate
from lineage_catalog.settings import Settings
from tests.test_questions import load

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

try:
    from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None


def _why_no_browser() -> str | None:
    if sync_playwright is None:
        return "Playwright for Python is not installed (it is a dev dependency: uv sync)"
    if not CHROMIUM.exists():
        return (
            "NO CHROMIUM: /usr/bin/chromium is missing; scripts/bootstrap installs Debian's "
            "chromium with apt-get when run as root. Browser tests SKIPPED."
        )
    return None


@dataclass
class Server:
    url: str
    token: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_server(settings: Settings, driver: Driver, admin_token: str) -> Iterator[Server]:
    """The real API on a loopback port, over the demo catalog; stopped at the end."""
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    load(settings, generate(seed=7))
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="browser-test-api", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        server.should_exit = True
        pytest.fail("the API did not start")
    try:
        yield Server(url=url, token=admin_token)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser(browser_server: Server) -> Iterator[Browser]:
    # After the server and its data, and closed with its module: the sync Playwright API runs
    # an event loop in this thread while it is open, and other fixtures and tests call
    # asyncio.run, which refuses to run inside one.
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    assert sync_playwright is not None
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Guarded:
    """A page whose every request outside 127.0.0.1 is aborted and recorded."""

    page: Page
    context: BrowserContext
    outside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def guarded(
    browser: Browser, browser_server: Server, request: pytest.FixtureRequest
) -> Iterator[Guarded]:
    # Playwright starts Chromium on a new temporary user-data-dir, and each test gets a new
    # context in it: no token, no GraphiQL tabs left over.
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    found = Guarded(page=page, context=context)

    def gate(route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname
        if url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            found.outside.append(url)
            route.abort()

    def console(message: Any) -> None:
        if message.type == "error":
            found.problems.append(message.text)

    context.route("**/*", gate)
    page.on("console", console)
    page.on("pageerror", lambda error: found.problems.append(str(error)))
    try:
        yield found
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()
    assert found.outside == [], f"requests left 127.0.0.1: {found.outside}"
    assert found.problems == [], f"errors in the page: {found.problems}"
