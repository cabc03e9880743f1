"""report.html as a person sees it: opened from the file in headless Chromium with the network
cut off, it shows the questions, the warehouse's numbers, drawn charts; a click on a header sorts
a table; choosing a filter value keeps fewer rows and redraws the chart; nothing is fetched and
nothing fails in the console."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page

from cortex.assembly import build_agent
from cortex.settings import load_settings
from cortex.workspace import Workspace
from skills.base import Requester, SkillContext
from skills.builtin import skill_registry
from skills.runner import run_skill
from tests.browser import OfflinePage, browser, needs_chromium, offline_page
from tests.conftest import DEMO_AS_OF

__all__ = ["browser"]

pytestmark = needs_chromium

ROOT = Path(__file__).resolve().parents[2]
ARR = "What's our ARR by segment?"
TICKETS = "Monthly ticket volume over the last 6 months"
BY_CHANNEL = "Monthly ticket volume by channel over the last 6 months"
ARR_BY_SEGMENT = """
    SELECT a.segment, SUM(s.arr) AS arr
    FROM subscriptions AS s JOIN accounts AS a ON a.account_id = s.account_id
    WHERE s.started_on <= DATE '2026-11-24'
      AND (s.ended_on IS NULL OR s.ended_on > DATE '2026-11-24')
    GROUP BY a.segment
"""
TICKETS_BY_MONTH = """
    SELECT strftime(created_at, '%Y-%m') AS month, COUNT(*) AS tickets
    FROM tickets
    WHERE created_at >= DATE '2026-06-01' AND created_at < DATE '2026-11-25'
    GROUP BY month ORDER BY month
"""
BARS = "#section-1 .chart svg .mark-rect path"


@pytest.fixture(scope="module")
def report(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of three questions, made once for the module by report.html on the demo."""
    folder = tmp_path_factory.mktemp("report")
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
    }
    workspace = Workspace.open(load_settings(environ, cwd=folder))
    agent = build_agent(workspace)  # closes the workspace when closed
    try:
        context = SkillContext(workspace=workspace, requester=Requester(user_id="ada"))
        context = dataclasses.replace(context, agent=agent)
        registry = skill_registry(workspace.settings)
        run = run_skill(registry, "report.html", {"questions": [ARR, TICKETS, BY_CHANNEL]}, context)
    finally:
        agent.close()
    assert run.outcome == "done" and run.result is not None, run.message
    (path,) = run.result.files
    return path


@pytest.fixture(scope="module")
def opened(browser: Browser, report: Path) -> Iterator[OfflinePage]:
    """The report open in Chromium once for the module (loading it takes a second or two), its
    charts drawn. Each test leaves the filters on "All"; the tables' order is theirs to change.
    """
    with offline_page(browser) as page:
        page.page.goto(report.as_uri())
        page.page.wait_for_selector("body[data-ready=yes]", timeout=20_000)
        yield page


@pytest.fixture(autouse=True)
def _offline_and_clean(opened: OfflinePage) -> Iterator[None]:
    """After each test: the page tried to fetch nothing, and nothing failed in its console."""
    yield
    assert opened.network == []
    assert opened.errors == []


def _column(page: Page, section: int, index: int, attribute: str | None = None) -> list[str]:
    """The visible cells of a column of a section's table: their text, or an attribute."""
    cells = page.locator(f"#section-{section} table.result tbody tr:visible td:nth-child({index})")
    if attribute is None:
        return [text.strip() for text in cells.all_inner_texts()]
    return [cell.get_attribute(attribute) or "" for cell in cells.all()]


def test_it_opens_offline_with_each_question_its_narrative_and_a_drawn_chart(
    opened: OfflinePage, tmp_path: Path
) -> None:
    page = opened.page
    assert page.title() == f"{ARR} (and 2 more)"
    questions = page.locator("h2.question").all_inner_texts()
    assert questions == [f"1 {ARR}", f"2 {TICKETS}", f"3 {BY_CHANNEL}"]
    assert "Enterprise is highest at $6.1M" in page.inner_text("#section-1 .narrative")
    assert page.locator(BARS).count() == 3
    assert page.locator("#section-2 .chart svg .mark-line path").count() >= 1
    assert page.locator("#section-2 .chart svg .mark-symbol path").count() == 6
    assert page.inner_text("#section-1 .badge") == "Verified query"
    assert "sum(arr) over subscriptions" in page.inner_text("#section-1 .provenance")
    assert not page.locator("#section-1 details.sql pre").is_visible()
    page.click("#section-1 details.sql summary")
    assert "SUM(subscriptions.arr)" in page.inner_text("#section-1 details.sql pre")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 50_000


def test_the_tables_hold_the_numbers_the_warehouse_gives(
    opened: OfflinePage, demo_con: duckdb.DuckDBPyConnection
) -> None:
    page = opened.page
    arr = dict(demo_con.execute(ARR_BY_SEGMENT).fetchall())
    segments = _column(page, 1, 1)
    assert sorted(segments) == sorted(arr)
    raw = [float(value) for value in _column(page, 1, 2, "data-value")]
    assert raw == [float(arr[segment]) for segment in segments]
    assert _column(page, 1, 2) == [f"${arr[segment]:,.0f}" for segment in segments]
    tickets = {
        month: f"{count:,}" for month, count in demo_con.execute(TICKETS_BY_MONTH).fetchall()
    }
    shown = dict(zip(_column(page, 2, 1), _column(page, 2, 2), strict=True))
    assert shown.pop("2026-11 (partial: 1–24 Nov 2026)") == tickets.pop("2026-11")
    assert shown == tickets
    align = page.eval_on_selector(
        "#section-1 tbody td.number", "e => getComputedStyle(e).textAlign"
    )
    assert align == "right"


def test_a_click_on_a_header_sorts_the_table_by_that_column_and_again_the_other_way(
    opened: OfflinePage,
) -> None:
    page = opened.page
    header = page.locator("#section-1 th").nth(1)
    header.click()
    ascending = [float(v) for v in _column(page, 1, 2, "data-value")]
    assert ascending == sorted(ascending) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert [float(v) for v in _column(page, 1, 2, "data-value")] == sorted(ascending, reverse=True)
    page.locator("#section-2 th").nth(1).click()  # numbers sort as numbers, not as text
    counts = [int(v) for v in _column(page, 2, 2, "data-value")]
    assert counts == sorted(counts)


def test_choosing_a_filter_value_keeps_its_rows_and_redraws_the_chart(opened: OfflinePage) -> None:
    page = opened.page
    select = page.locator("#section-1 select.filter")
    assert select.locator("option").all_inner_texts() == ["All", "Enterprise", "Mid-Market", "SMB"]
    assert page.locator("#section-2 select.filter").count() == 0  # no categorical column
    select.select_option("Mid-Market")
    page.wait_for_selector("#section-1[data-chart-pick='Mid-Market']")
    assert _column(page, 1, 1) == ["Mid-Market"]
    assert page.inner_text("#section-1 .row-count") == "1 of 3 rows"
    assert page.locator(BARS).count() == 1
    labels = page.locator("#section-1 .chart svg .role-axis-label text").all_text_contents()
    assert "Mid-Market" in labels and "Enterprise" not in labels
    select.select_option(index=0)
    page.wait_for_selector("#section-1[data-chart-pick='']")
    assert len(_column(page, 1, 1)) == 3 and page.locator(BARS).count() == 3


def test_a_filter_on_the_series_of_a_line_chart_keeps_that_line_only(opened: OfflinePage) -> None:
    page = opened.page
    points = page.locator("#section-3 .chart svg .mark-symbol.role-mark path")
    assert points.count() == 30  # 6 months of 5 channels
    page.select_option("#section-3 select.filter", "email")
    page.wait_for_selector("#section-3[data-chart-pick='email']")
    assert points.count() == 6
    assert set(_column(page, 3, 2)) == {"email"} and len(_column(page, 3, 2)) == 6
    page.select_option("#section-3 select.filter", index=0)
    page.wait_for_selector("#section-3[data-chart-pick='']")
    assert points.count() == 30
