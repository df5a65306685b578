"""The real app served by uvicorn on a loopback port, for tests that talk HTTP like users do."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from lineage_catalog.app import create_app
from lineage_catalog.settings import Settings


@contextmanager
def serve(settings: Settings, port: int, *, delay: float = 0.0) -> Iterator[str]:
    """The app on 127.0.0.1:port in a background thread, started after `delay` seconds."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )

    def run() -> None:
        time.sleep(delay)
        server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_healthy(url: str, *, within: float = 15.0) -> None:
    """Return once the server answers /healthz."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} did not become healthy")
