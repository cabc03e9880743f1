"""A real browser for the tests: Debian's headless Chromium driven by Playwright, offline.

    from tests.browser import browser, needs_chromium, offline_page

    pytestmark = needs_chromium          # skipped, saying why, only where Chromium is absent

    def test_it(browser: Browser) -> None:
        with offline_page(browser) as page:
            page.goto(path.as_uri())
            ...
        assert page.network == [] and page.errors == []

`browser` is a module-scoped fixture (one Chromium per test module, closed at its end).
`offline_page` opens a page on which every request that is not for a `file://` URL is aborted
and recorded in `network`; console errors and uncaught exceptions are recorded in `errors`.
`offline_page(browser, allow="http://127.0.0.1:PORT/", headers={...})` also lets through the
requests for a server the test runs on loopback, each sent with `headers` (a sign-in proxy's).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Route, sync_playwright

__all__ = [
    "CHROMIUM",
    "OfflinePage",
    "browser",
    "launch_chromium",
    "needs_chromium",
    "offline_page",
]

CHROMIUM = Path("/usr/bin/chromium")
#: Headless in a container, and quiet: no sandbox (no user namespaces in CI), no GPU, and none
#: of Chromium's own calls home (updates, sync, QUIC probes).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
)


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with the flags above; closed on leaving."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the test module."""
    with launch_chromium() as launched:
        yield launched


@dataclass
class OfflinePage:
    """A page that may load only `file://` URLs: what it tried beyond them, and its errors."""

    page: Page
    network: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def offline_page(
    browser: Browser,
    *,
    width: int = 1100,
    height: int = 900,
    allow: str | None = None,
    headers: dict[str, str] | None = None,
) -> Iterator[OfflinePage]:
    """A new page in its own context with every request aborted and recorded that is neither
    for a `file://` URL nor (when given) under `allow`; `headers` go with every request."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, extra_http_headers=headers
    )
    opened = OfflinePage(context.new_page())

    def guard(route: Route) -> None:
        url = route.request.url
        if url.startswith("file://") or (allow is not None and url.startswith(allow)):
            route.continue_()
            return
        opened.network.append(url)
        route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            opened.errors.append(message.text)

    def crashed(error: Error) -> None:
        opened.errors.append(f"{error.name}: {error.message}")

    context.route("**/*", guard)
    opened.page.on("console", console)
    opened.page.on("pageerror", crashed)
    try:
        yield opened
    finally:
        context.close()
