"""The internal site as people use it, in headless Chromium against the site served on loopback.

A sales rep signs in through the proxy's header, asks, sees the number (their own accounts'),
the chart drawn by vega-embed, and how it was computed; follows up; gives a thumbs-down with
a comment; then an analyst finds it in the thumbs-down queue. A request without the header is
refused. Nothing is fetched beyond the site on 127.0.0.1 and nothing fails in the console.

Screenshots go to `$SCREENSHOTS_DIR` when set (to look at them), else to the test's tmp_path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from cortex.web import running
from cortex.web.pages import WebSite
from tests.browser import OfflinePage, browser, needs_chromium, offline_page
from tests.web.conftest import ANALYST, REP, REP_NAME, signed_in

__all__ = ["browser"]

pytestmark = needs_chromium

QUESTION = "What's our ARR by segment?"
FOLLOW_UP = "now by month over the last 6 months"
COMMENT = "I expected my renewals to count too"


@pytest.fixture(scope="module")
def base_url(site: WebSite) -> Iterator[str]:
    with running(site) as url:
        yield url


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _clean(page: OfflinePage) -> None:
    assert page.network == [], f"requests outside the site: {page.network}"
    assert page.errors == [], f"console errors: {page.errors}"


def test_a_request_without_the_proxy_header_is_refused(browser: Browser, base_url: str) -> None:
    with offline_page(browser, allow=base_url) as opened:
        response = opened.page.goto(f"{base_url}/ask")
        assert response is not None and response.status == 401
        expect(opened.page.locator("h1")).to_have_text("Please sign in")
        expect(opened.page.locator("main")).to_contain_text("X-Forwarded-Email")
        assert opened.network == []  # the console has the 401 itself, as it should


def test_a_person_asks_follows_up_and_a_thumbs_down_reaches_the_analysts(
    browser: Browser, base_url: str, shots: Path
) -> None:
    with offline_page(browser, allow=base_url, headers=signed_in(REP), height=1400) as rep:
        page = rep.page
        page.goto(f"{base_url}/ask")
        expect(page.locator(".who")).to_contain_text(REP_NAME)
        page.fill("#question", QUESTION)
        page.click("form.ask button[type=submit]")
        page.wait_for_url(f"{base_url}/answers/*")
        expect(page.locator("#sentence")).to_contain_text(f"ARR for {REP_NAME}")
        expect(page.locator("#sentence")).to_contain_text("$")
        page.wait_for_selector("#chart svg .mark-rect path")  # drawn by vega-embed
        provenance = page.locator("#provenance")
        expect(provenance).to_contain_text("How this was computed")
        expect(provenance).to_contain_text(f"account_owner = '{REP_NAME}'")
        expect(page.locator("table.result tbody tr")).not_to_have_count(0)
        page.click("#provenance summary")
        expect(page.locator("#provenance pre")).to_contain_text("SELECT")
        page.screenshot(path=str(shots / "1-answer.png"), full_page=True)

        page.fill("#question", FOLLOW_UP)
        page.click("form.ask button[type=submit]")
        page.wait_for_url(f"{base_url}/answers/*")
        expect(page.locator(".earlier")).to_contain_text(QUESTION)
        expect(page.locator("#sentence")).to_contain_text(f"ARR for {REP_NAME}")
        page.wait_for_selector("#chart svg .mark-line path")
        page.fill("#comment", COMMENT)
        page.click("button.vote[value=down]")
        expect(page.locator(".rated")).to_contain_text("thumbs-down")
        expect(page.locator(".rated")).to_contain_text(COMMENT)
        page.screenshot(path=str(shots / "2-follow-up-rated.png"), full_page=True)
        _clean(rep)

    with offline_page(browser, allow=base_url, headers=signed_in(ANALYST)) as analyst:
        page = analyst.page
        page.goto(f"{base_url}/feedback")
        latest = page.locator("article.down").first
        expect(latest).to_contain_text(FOLLOW_UP)
        expect(latest).to_contain_text(COMMENT)
        expect(latest).to_contain_text(REP_NAME)
        page.screenshot(path=str(shots / "3-queue.png"), full_page=True)
        page.goto(f"{base_url}/catalog")
        expect(page.locator("section.metric").first).to_be_visible()
        page.screenshot(path=str(shots / "4-catalog.png"))
        _clean(analyst)
