"""The demo's tickets: consistent with the accounts, and the rhythm and service they show."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cortex.demo import DemoSummary
from tests.cortex.demo.conftest import Con, add_months, black_friday, history_start, rows, scalar

# ============================================================================================
# Consistency
# ============================================================================================


def test_responses_follow_creation_and_resolution_follows_response(demo_con: Con) -> None:
    assert (
        scalar(
            demo_con,
            "SELECT count(*) FROM tickets WHERE first_response_at < created_at "
            "OR resolved_at < first_response_at OR resolved_at < created_at",
        )
        == 0
    )


def test_tickets_are_opened_only_while_the_merchant_is_a_customer(demo_con: Con) -> None:
    outside = scalar(
        demo_con,
        "SELECT count(*) FROM tickets t JOIN accounts a USING (account_id) "
        "WHERE t.created_at < a.signed_up_at OR t.created_at >= a.churned_at",
    )
    assert outside == 0


def test_only_merchants_with_the_ai_agent_on_get_ai_handled_tickets(demo_con: Con) -> None:
    wrong = scalar(
        demo_con,
        "SELECT count(*) FROM tickets t JOIN accounts a USING (account_id) "
        "WHERE t.handled_by = 'ai' AND (a.ai_agent_enabled_at IS NULL "
        "OR a.ai_agent_enabled_at > t.created_at)",
    )
    assert wrong == 0
    assert scalar(demo_con, "SELECT count(*) FROM tickets WHERE handled_by = 'ai'") > 0


def test_handed_over_tickets_are_handled_by_humans_after_the_ai_agent(demo_con: Con) -> None:
    wrong = scalar(
        demo_con,
        "SELECT count(*) FROM tickets t JOIN accounts a USING (account_id) WHERE t.handed_over "
        "AND (t.handled_by <> 'human' OR a.ai_agent_enabled_at IS NULL "
        "OR a.ai_agent_enabled_at > t.created_at)",
    )
    assert wrong == 0
    assert scalar(demo_con, "SELECT count(*) FROM tickets WHERE handed_over") > 0


def test_csat_is_answered_on_about_a_fifth_of_resolved_tickets_only(demo_con: Con) -> None:
    assert (
        scalar(
            demo_con,
            "SELECT count(*) FROM tickets WHERE csat_score IS NOT NULL AND resolved_at IS NULL",
        )
        == 0
    )
    assert rows(demo_con, "SELECT min(csat_score), max(csat_score) FROM tickets")[0] == (1, 5)
    answered = scalar(demo_con, "SELECT count(csat_score) / count(resolved_at) FROM tickets")
    assert 0.15 <= answered <= 0.25


def test_some_tickets_are_unanswered_or_still_open(demo_con: Con) -> None:
    unanswered, still_open, total = rows(
        demo_con,
        "SELECT count(*) FILTER (WHERE first_response_at IS NULL), "
        "count(*) FILTER (WHERE resolved_at IS NULL), count(*) FROM tickets",
    )[0]
    assert 0 < unanswered < 0.05 * total
    assert 0 < still_open < 0.05 * total
    assert scalar(demo_con, "SELECT min(message_count) FROM tickets") >= 1


# ============================================================================================
# What the data must show
# ============================================================================================


def test_about_34_months_of_ticket_history_ending_on_the_as_of_day(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    first, last = rows(demo_con, "SELECT min(created_at), max(created_at) FROM tickets")[0]
    assert last.date() == demo_summary.as_of  # fresh: the latest ticket is on the as-of day
    assert first.date() == history_start(demo_summary.as_of)


def test_tickets_have_a_weekly_rhythm(demo_con: Con) -> None:
    by_weekday = dict(rows(demo_con, "SELECT isodow(created_at), count(*) FROM tickets GROUP BY 1"))
    assert by_weekday[1] > 1.15 * by_weekday[6]  # Mondays busier than Saturdays
    assert by_weekday[1] > by_weekday[3] > by_weekday[5]


def test_tickets_peak_around_black_friday_and_in_december(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    year = demo_summary.as_of.year - 1

    def per_day(first: date, last: date) -> float:
        count = scalar(
            demo_con,
            "SELECT count(*) FROM tickets WHERE CAST(created_at AS DATE) BETWEEN ? AND ?",
            first,
            last,
        )
        return float(count) / ((last - first).days + 1)

    october = per_day(date(year, 10, 1), date(year, 10, 31))
    bfcm = per_day(black_friday(year), black_friday(year) + timedelta(days=3))
    december = per_day(date(year, 12, 1), date(year, 12, 22))
    assert bfcm > 1.6 * october
    assert december > 1.2 * october


def test_ai_handled_share_of_ai_merchants_tickets_grows_from_30_to_60_percent(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    def ai_share(first: date, last: date) -> float:
        return float(
            scalar(
                demo_con,
                "SELECT avg((t.handled_by = 'ai')::INTEGER) FROM tickets t "
                "JOIN accounts a USING (account_id) WHERE a.ai_agent_enabled_at <= t.created_at "
                "AND CAST(t.created_at AS DATE) BETWEEN ? AND ?",
                first,
                last,
            )
        )

    start, as_of = history_start(demo_summary.as_of), demo_summary.as_of
    assert ai_share(start, add_months(start, 3)) == pytest.approx(0.30, abs=0.10)
    assert ai_share(add_months(as_of, -3), as_of) == pytest.approx(0.60, abs=0.10)


def test_first_response_differs_by_channel_and_the_ai_answers_in_seconds(demo_con: Con) -> None:
    human = dict(
        rows(
            demo_con,
            "SELECT channel, median(date_diff('second', created_at, first_response_at)) "
            "FROM tickets WHERE handled_by = 'human' AND NOT handed_over GROUP BY 1",
        )
    )
    assert human["chat"] < 5 * 60  # minutes
    assert 3600 <= human["email"] <= 12 * 3600  # hours
    assert human["chat"] < human["sms"] < human["social"] < human["email"]
    ai_p99 = scalar(
        demo_con,
        "SELECT quantile_cont(date_diff('second', created_at, first_response_at), 0.99) "
        "FROM tickets WHERE handled_by = 'ai' OR handed_over",
    )
    assert ai_p99 < 120


def test_first_response_differs_by_vertical(demo_con: Con) -> None:
    medians = [
        median
        for (median,) in rows(
            demo_con,
            "SELECT median(date_diff('second', t.created_at, t.first_response_at)) "
            "FROM tickets t JOIN accounts a USING (account_id) "
            "WHERE t.channel = 'email' AND t.handled_by = 'human' AND NOT t.handed_over "
            "GROUP BY a.vertical",
        )
    ]
    assert len(medians) == 7
    assert max(medians) > 1.3 * min(medians)


def test_csat_averages_about_4_3_and_is_lower_on_damaged_items_and_shipping(
    demo_con: Con,
) -> None:
    overall = scalar(demo_con, "SELECT avg(csat_score) FROM tickets")
    assert overall == pytest.approx(4.3, abs=0.15)
    by_intent = dict(rows(demo_con, "SELECT intent, avg(csat_score) FROM tickets GROUP BY 1"))
    others = scalar(
        demo_con,
        "SELECT avg(csat_score) FROM tickets "
        "WHERE intent NOT IN ('damaged_item', 'shipping_issue')",
    )
    assert by_intent["damaged_item"] < others - 0.15
    assert by_intent["shipping_issue"] < others - 0.15
