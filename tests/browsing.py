"""Real-browser plumbing: Debian's Chromium (no browser download) kept off the network."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

if not CHROMIUM.exists() and os.environ.get("CI"):
    pytest.fail("CI needs Debian's chromium at /usr/bin/chromium", pytrace=False)
MARKS = [
    pytest.mark.browser,
    pytest.mark.multiprocess,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


def launched_browser() -> Iterator[Any]:
    """Body of a module-scoped ``browser`` fixture."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Offline:
    """Aborts and records every request (and websocket) not to the app at 127.0.0.1."""

    def __init__(self, page: Any) -> None:
        self.attempted: list[str] = []
        page.route("**/*", self._route)
        page.on("websocket", self._socket)

    @staticmethod
    def _local(url: str) -> bool:
        parsed = urlparse(url)
        return parsed.scheme in ("data", "blob", "about") or parsed.hostname == "127.0.0.1"

    def _route(self, route: Any) -> None:
        url = route.request.url
        if self._local(url):
            route.continue_()
        else:
            self.attempted.append(url)
            route.abort()

    def _socket(self, ws: Any) -> None:
        if not self._local(ws.url.replace("ws://", "http://").replace("wss://", "https://")):
            self.attempted.append(ws.url)


def wait_js(target: Any, expression: str, timeout: float = 30_000) -> None:
    """Wait until the JavaScript ``expression`` is true in ``target`` (a page or a frame).

    Playwright's ``wait_for_function`` evaluates its predicate with ``new Function``
    inside the page when it has to poll, which the app's CSP (no 'unsafe-eval') refuses;
    ``evaluate`` goes through the devtools protocol, which the CSP does not govern.
    """
    import time

    deadline = time.monotonic() + timeout / 1000
    while not target.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout / 1000:.0f} s: {expression}")
        time.sleep(0.05)
