"""The demo's opportunities: dated sensibly, and won new business matching new subscriptions."""

from __future__ import annotations

from cortex.demo import DemoSummary
from tests.cortex.demo.conftest import Con, history_start, rows, scalar


def test_deals_are_created_before_they_close_and_closed_deals_are_in_the_past(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    assert scalar(demo_con, "SELECT count(*) FROM opportunities WHERE created_on > close_date") == 0
    assert (
        scalar(
            demo_con,
            "SELECT count(*) FROM opportunities WHERE stage LIKE 'Closed%' AND close_date > ?",
            demo_summary.as_of,
        )
        == 0
    )
    assert scalar(demo_con, "SELECT min(amount) FROM opportunities") > 0


def test_won_new_business_is_the_new_arr_of_merchants_signed_in_the_history(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    start = history_start(demo_summary.as_of)
    won = rows(
        demo_con,
        "SELECT account_id, close_date, amount FROM opportunities "
        "WHERE type = 'New Business' AND stage = 'Closed Won' ORDER BY account_id",
    )
    signed = rows(
        demo_con,
        "SELECT account_id, started_on, arr FROM subscriptions "
        "WHERE change_type = 'new' AND started_on >= ? ORDER BY account_id",
        start,
    )
    assert won == signed


def test_only_unsigned_new_logos_have_no_account(demo_con: Con) -> None:
    kinds = set(
        rows(
            demo_con,
            "SELECT DISTINCT type, stage = 'Closed Won' FROM opportunities "
            "WHERE account_id IS NULL",
        )
    )
    assert kinds == {("New Business", False)}
    win_rate = scalar(
        demo_con,
        "SELECT count(*) FILTER (WHERE stage = 'Closed Won') / count(*) FROM opportunities "
        "WHERE type = 'New Business' AND stage LIKE 'Closed%'",
    )
    assert 0.15 <= win_rate <= 0.5
    assert scalar(demo_con, "SELECT count(*) FROM opportunities WHERE stage NOT LIKE 'Closed%'") > 0
