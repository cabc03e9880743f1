"""The demo company (connectors.demo.build_demo), checked against DEMO_WAREHOUSE.md.

Most tests read the session's scale-0.05 demo (`demo_con`); the build tests make their own tiny
warehouses (scale 0.02) in tmp_path. Tolerances are wide enough for a 250-account company.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from cortex.demo import TABLES, DemoBuildError, DemoSummary, build_demo

ROOT = Path(__file__).resolve().parents[3]
SMALL = 0.02

Con = duckdb.DuckDBPyConnection


def scalar(con: Con, sql: str, *params: object) -> Any:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return row[0]


def rows(con: Con, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def arr_on(con: Con, day: date) -> float:
    return float(
        scalar(
            con,
            "SELECT coalesce(sum(arr), 0) FROM subscriptions "
            "WHERE started_on <= ? AND (ended_on IS NULL OR ended_on > ?)",
            day,
            day,
        )
    )


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    following = date(year + (month0 + 1) // 12, (month0 + 1) % 12 + 1, 1)
    return date(year, month0 + 1, min(day.day, (following - timedelta(days=1)).day))


def black_friday(year: int) -> date:
    november_first = date(year, 11, 1)
    first_thursday = november_first + timedelta(days=(3 - november_first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def history_start(as_of: date) -> date:
    return add_months(as_of, -34)


def fingerprint(path: Path) -> dict[str, tuple[Any, ...]]:
    """Row count and an order-independent checksum of every row, per table."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = {}
        for table in TABLES:
            row = con.execute(
                f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {table} AS t"
            ).fetchone()
            assert row is not None
            found[table] = tuple(row)
        return found
    finally:
        con.close()


# ============================================================================================
# Schema
# ============================================================================================

SCHEMA = {
    "accounts": [
        ("account_id", "BIGINT"),
        ("account_name", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("gmv_tier", "VARCHAR"),
        ("vertical", "VARCHAR"),
        ("region", "VARCHAR"),
        ("platform", "VARCHAR"),
        ("owner_name", "VARCHAR"),
        ("signed_up_at", "TIMESTAMP"),
        ("churned_at", "TIMESTAMP"),
        ("ai_agent_enabled_at", "TIMESTAMP"),
    ],
    "subscriptions": [
        ("subscription_id", "BIGINT"),
        ("account_id", "BIGINT"),
        ("plan", "VARCHAR"),
        ("arr", "DECIMAL(12,2)"),
        ("started_on", "DATE"),
        ("ended_on", "DATE"),
        ("change_type", "VARCHAR"),
        ("arr_change", "DECIMAL(12,2)"),
        ("end_reason", "VARCHAR"),
    ],
    "tickets": [
        ("ticket_id", "BIGINT"),
        ("account_id", "BIGINT"),
        ("channel", "VARCHAR"),
        ("intent", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("first_response_at", "TIMESTAMP"),
        ("resolved_at", "TIMESTAMP"),
        ("handled_by", "VARCHAR"),
        ("handed_over", "BOOLEAN"),
        ("csat_score", "SMALLINT"),
        ("message_count", "INTEGER"),
    ],
    "conversions": [
        ("conversion_id", "BIGINT"),
        ("ticket_id", "BIGINT"),
        ("account_id", "BIGINT"),
        ("ordered_at", "TIMESTAMP"),
        ("order_value", "DECIMAL(12,2)"),
        ("influenced_by", "VARCHAR"),
    ],
    "opportunities": [
        ("opportunity_id", "BIGINT"),
        ("account_id", "BIGINT"),
        ("opportunity_name", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("type", "VARCHAR"),
        ("source", "VARCHAR"),
        ("stage", "VARCHAR"),
        ("amount", "DECIMAL(12,2)"),
        ("owner_name", "VARCHAR"),
        ("created_on", "DATE"),
        ("close_date", "DATE"),
    ],
    "okr_targets": [
        ("okr_id", "VARCHAR"),
        ("objective", "VARCHAR"),
        ("metric", "VARCHAR"),
        ("period", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("target_value", "DOUBLE"),
    ],
}

VOCABULARIES: dict[tuple[str, str], set[str | None]] = {
    ("accounts", "segment"): {"SMB", "Mid-Market", "Enterprise"},
    ("accounts", "gmv_tier"): {"<$1M", "$1M-$5M", "$5M-$20M", "$20M+"},
    ("accounts", "vertical"): {
        "Apparel & Accessories",
        "Food & Beverage",
        "Health & Beauty",
        "Home & Garden",
        "Sporting Goods",
        "Electronics",
        "Pets",
    },
    ("accounts", "region"): {"North America", "EMEA", "APAC", "LATAM"},
    ("accounts", "platform"): {"Shopify", "BigCommerce", "Magento"},
    ("subscriptions", "plan"): {"Starter", "Basic", "Pro", "Advanced", "Enterprise"},
    ("subscriptions", "change_type"): {"new", "expansion", "contraction", "renewal"},
    ("subscriptions", "end_reason"): {"churn", "change", None},
    ("tickets", "channel"): {"email", "chat", "sms", "social", "voice"},
    ("tickets", "intent"): {
        "where_is_my_order",
        "return_request",
        "product_question",
        "order_change",
        "shipping_issue",
        "discount_request",
        "damaged_item",
        "subscription_management",
        "other",
    },
    ("tickets", "handled_by"): {"ai", "human"},
    ("conversions", "influenced_by"): {"ai", "human"},
    ("opportunities", "segment"): {"SMB", "Mid-Market", "Enterprise"},
    ("opportunities", "type"): {"New Business", "Expansion"},
    ("opportunities", "source"): {"Inbound", "Outbound", "Partner"},
    ("opportunities", "stage"): {
        "Prospecting",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Closed Won",
        "Closed Lost",
    },
}

PRIMARY_KEYS = {
    "accounts": "account_id",
    "subscriptions": "subscription_id",
    "tickets": "ticket_id",
    "conversions": "conversion_id",
    "opportunities": "opportunity_id",
    "okr_targets": "okr_id",
}


def test_tables_and_column_types_are_exactly_the_documented_ones(demo_con: Con) -> None:
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows(
        demo_con,
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position",
    ):
        found.setdefault(table, []).append((column, data_type))
    assert found == SCHEMA


@pytest.mark.parametrize(("table", "key"), sorted(PRIMARY_KEYS.items()))
def test_primary_keys_are_unique_and_never_null(demo_con: Con, table: str, key: str) -> None:
    total, distinct, nulls = rows(
        demo_con, f"SELECT count(*), count(DISTINCT {key}), count(*) - count({key}) FROM {table}"
    )[0]
    assert total > 0
    assert (distinct, nulls) == (total, 0)


@pytest.mark.parametrize(("table", "column"), sorted(VOCABULARIES))
def test_categorical_columns_use_the_documented_values(
    demo_con: Con, table: str, column: str
) -> None:
    values = {v for (v,) in rows(demo_con, f"SELECT DISTINCT {column} FROM {table}")}
    assert values <= VOCABULARIES[(table, column)]


def test_every_foreign_key_points_at_an_existing_row(demo_con: Con) -> None:
    orphans = scalar(
        demo_con,
        """
        SELECT (SELECT count(*) FROM subscriptions WHERE account_id NOT IN
                    (SELECT account_id FROM accounts))
             + (SELECT count(*) FROM tickets WHERE account_id NOT IN
                    (SELECT account_id FROM accounts))
             + (SELECT count(*) FROM conversions WHERE ticket_id NOT IN
                    (SELECT ticket_id FROM tickets))
             + (SELECT count(*) FROM opportunities WHERE account_id IS NOT NULL
                    AND account_id NOT IN (SELECT account_id FROM accounts))
        """,
    )
    assert orphans == 0


# ============================================================================================
# Build: size, summary, progress, atomic replacement, determinism, bad arguments
# ============================================================================================


def test_scale_sets_the_number_of_accounts_and_tickets(demo_summary: DemoSummary) -> None:
    # scale 1 is 5,000 accounts and 1,000,000 tickets
    assert demo_summary.row_counts["accounts"] == round(5_000 * demo_summary.scale)
    assert demo_summary.row_counts["tickets"] == round(1_000_000 * demo_summary.scale)


def test_summary_reports_what_was_built(demo_summary: DemoSummary, demo_con: Con) -> None:
    assert demo_summary.path.is_file()
    assert set(demo_summary.row_counts) == set(TABLES)
    for table, count in demo_summary.row_counts.items():
        assert scalar(demo_con, f"SELECT count(*) FROM {table}") == count
    assert demo_summary.row_counts["okr_targets"] >= 4
    assert 0 < demo_summary.seconds < 60


def test_progress_is_reported_after_each_step(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    build_demo(
        tmp_path / "demo.duckdb",
        scale=SMALL,
        as_of=date(2026, 11, 24),
        on_progress=lambda *call: calls.append(call),
    )
    total = calls[0][2]
    assert [done for _, done, _ in calls] == list(range(1, total + 1))
    assert {steps for _, _, steps in calls} == {total}
    assert [label for label, _, _ in calls][:3] == ["accounts", "subscriptions", "tickets"]


def test_build_creates_parent_directories_and_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "deeper" / "demo.duckdb"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"an old file")
    build_demo(target, scale=SMALL, as_of=date(2026, 11, 24))
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert scalar(con, "SELECT count(*) FROM accounts") == round(5_000 * SMALL)
    finally:
        con.close()
    assert [p.name for p in target.parent.iterdir()] == ["demo.duckdb"]  # no temp files left


def test_a_failed_build_leaves_the_previous_file_untouched_and_no_debris(tmp_path: Path) -> None:
    class Interrupted(Exception):
        pass

    def interrupt(label: str, done: int, total: int) -> None:
        if label == "tickets":
            raise Interrupted

    target = tmp_path / "demo.duckdb"
    target.write_bytes(b"the previous warehouse")
    with pytest.raises(Interrupted):
        build_demo(target, scale=SMALL, as_of=date(2026, 11, 24), on_progress=interrupt)
    assert target.read_bytes() == b"the previous warehouse"
    assert [p.name for p in tmp_path.iterdir()] == ["demo.duckdb"]


def test_same_seed_scale_and_as_of_build_identical_data(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "a.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=11)
    second = build_demo(tmp_path / "b.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=11)
    assert first.row_counts == second.row_counts
    assert fingerprint(first.path) == fingerprint(second.path)


def test_another_seed_builds_other_data(tmp_path: Path) -> None:
    one = build_demo(tmp_path / "a.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=11)
    other = build_demo(tmp_path / "b.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=12)
    first, second = fingerprint(one.path), fingerprint(other.path)
    differing = {table for table in TABLES if first[table] != second[table]}
    assert {"accounts", "subscriptions", "tickets", "conversions"} <= differing


def test_the_hash_behind_every_random_draw_is_stable_across_connections() -> None:
    # The demo's randomness is DuckDB's hash(); if a DuckDB upgrade changes it, the demo data
    # (and every number quoted from it) changes too. This pins one value.
    draw = "SELECT hash(xor(hash(7::BIGINT, 'segment'), 1::UBIGINT))"
    values = set()
    for _ in range(2):
        con = duckdb.connect()
        try:
            values.add(scalar(con, draw))
        finally:
            con.close()
    assert values == {4_241_097_758_283_878_494}


def test_the_smallest_scale_builds(tmp_path: Path) -> None:
    summary = build_demo(tmp_path / "tiny.duckdb", scale=0.002, as_of=date(2026, 1, 1))
    assert summary.row_counts["accounts"] == 10
    assert summary.row_counts["tickets"] == 2_000


BAD_ARGUMENTS: list[tuple[dict[str, Any], str]] = [
    ({"scale": 0}, "scale"),
    ({"scale": -1.0}, "scale"),
    ({"scale": math.nan}, "scale"),
    ({"scale": math.inf}, "scale"),
    ({"scale": 1_000}, "scale"),
    ({"scale": True}, "scale"),
    ({"as_of": datetime(2026, 11, 24, 9, 30)}, "as_of"),
    ({"as_of": "2026-11-24"}, "as_of"),
    ({"as_of": date(1970, 1, 1)}, "as_of"),
    ({"seed": -1}, "seed"),
    ({"seed": 1.5}, "seed"),
]


@pytest.mark.parametrize(("change", "named"), BAD_ARGUMENTS)
def test_bad_arguments_raise_a_clear_error_and_write_nothing(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    arguments: dict[str, Any] = {"scale": SMALL, "as_of": date(2026, 11, 24), "seed": 1}
    arguments.update(change)
    with pytest.raises(DemoBuildError) as caught:
        build_demo(tmp_path / "demo.duckdb", **arguments)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert named in message
    assert "e.g." in message or "between" in message  # says what would work
    assert list(tmp_path.iterdir()) == []


def test_a_directory_as_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DemoBuildError, match="directory"):
        build_demo(tmp_path, scale=SMALL, as_of=date(2026, 11, 24))


# ============================================================================================
# Consistency: accounts
# ============================================================================================


def test_account_names_are_unique_and_look_like_brands(demo_con: Con) -> None:
    total, distinct, shortest = rows(
        demo_con,
        "SELECT count(*), count(DISTINCT account_name), min(length(account_name)) FROM accounts",
    )[0]
    assert distinct == total
    assert shortest >= 5
    assert scalar(demo_con, "SELECT count(DISTINCT owner_name) FROM accounts") >= 5


def test_accounts_churn_after_signing_up(demo_con: Con) -> None:
    assert scalar(demo_con, "SELECT count(*) FROM accounts WHERE churned_at <= signed_up_at") == 0
    assert scalar(demo_con, "SELECT count(churned_at) FROM accounts") > 0


def test_ai_agent_is_enabled_between_sign_up_and_churn_or_as_of(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    end = demo_summary.as_of + timedelta(days=1)
    outside = scalar(
        demo_con,
        "SELECT count(*) FROM accounts WHERE ai_agent_enabled_at IS NOT NULL AND ("
        " ai_agent_enabled_at <= signed_up_at"
        " OR ai_agent_enabled_at >= coalesce(churned_at, ?::TIMESTAMP))",
        end,
    )
    assert outside == 0


def test_nothing_happens_after_the_as_of_day(demo_con: Con, demo_summary: DemoSummary) -> None:
    end = datetime.combine(demo_summary.as_of + timedelta(days=1), datetime.min.time())
    latest = rows(
        demo_con,
        """
        SELECT greatest(
            (SELECT max(greatest(signed_up_at, churned_at, ai_agent_enabled_at)) FROM accounts),
            (SELECT max(greatest(created_at, first_response_at, resolved_at)) FROM tickets),
            (SELECT max(ordered_at) FROM conversions))
        """,
    )[0][0]
    assert latest < end
    as_of = demo_summary.as_of
    assert (
        scalar(demo_con, "SELECT max(greatest(started_on, ended_on)) FROM subscriptions") <= as_of
    )
    assert scalar(demo_con, "SELECT count(*) FROM opportunities WHERE created_on > ?", as_of) == 0


# ============================================================================================
# Consistency: subscriptions (the ARR history)
# ============================================================================================


def test_each_accounts_periods_are_contiguous(demo_con: Con) -> None:
    gaps = scalar(
        demo_con,
        """
        SELECT count(*) FROM (
            SELECT ended_on, lead(started_on) OVER (PARTITION BY account_id ORDER BY started_on)
                AS next_start
            FROM subscriptions)
        WHERE next_start IS NOT NULL AND next_start IS DISTINCT FROM ended_on
        """,
    )
    assert gaps == 0
    assert scalar(demo_con, "SELECT count(*) FROM subscriptions WHERE ended_on <= started_on") == 0


def test_the_first_period_starts_on_the_sign_up_day_as_new(demo_con: Con) -> None:
    wrong = scalar(
        demo_con,
        """
        SELECT count(*) FROM accounts a JOIN (
            SELECT account_id, min(started_on) AS first_start,
                count(*) FILTER (WHERE change_type = 'new') AS news,
                arg_min(change_type, started_on) AS first_type
            FROM subscriptions GROUP BY account_id) s USING (account_id)
        WHERE s.first_start <> CAST(a.signed_up_at AS DATE) OR s.news <> 1
            OR s.first_type <> 'new'
        """,
    )
    assert wrong == 0
    assert scalar(demo_con, "SELECT count(DISTINCT account_id) FROM subscriptions") == scalar(
        demo_con, "SELECT count(*) FROM accounts"
    )


def test_active_accounts_have_one_open_period_and_churned_accounts_none(demo_con: Con) -> None:
    wrong = scalar(
        demo_con,
        """
        SELECT count(*) FROM accounts a JOIN (
            SELECT account_id, count(*) FILTER (WHERE ended_on IS NULL) AS open_periods,
                max(ended_on) AS last_end
            FROM subscriptions GROUP BY account_id) s USING (account_id)
        WHERE (a.churned_at IS NULL AND s.open_periods <> 1)
           OR (a.churned_at IS NOT NULL AND (s.open_periods <> 0
               OR s.last_end <> CAST(a.churned_at AS DATE)))
        """,
    )
    assert wrong == 0


def test_change_type_and_arr_change_follow_the_previous_period(demo_con: Con) -> None:
    wrong = scalar(
        demo_con,
        """
        SELECT count(*) FROM (
            SELECT arr, arr_change, change_type,
                lag(arr) OVER (PARTITION BY account_id ORDER BY started_on) AS previous
            FROM subscriptions)
        WHERE arr_change <> arr - coalesce(previous, 0)
           OR change_type <> CASE WHEN previous IS NULL THEN 'new'
                WHEN arr > previous THEN 'expansion' WHEN arr < previous THEN 'contraction'
                ELSE 'renewal' END
        """,
    )
    assert wrong == 0
    assert scalar(demo_con, "SELECT min(arr) FROM subscriptions") > 0


def test_end_reason_says_why_a_period_ended(demo_con: Con) -> None:
    wrong = scalar(
        demo_con,
        """
        SELECT count(*) FROM (
            SELECT s.ended_on, s.end_reason, a.churned_at,
                lead(s.started_on) OVER (PARTITION BY s.account_id ORDER BY s.started_on) AS next
            FROM subscriptions s JOIN accounts a USING (account_id))
        WHERE end_reason IS DISTINCT FROM CASE
            WHEN next IS NOT NULL THEN 'change'
            WHEN churned_at IS NOT NULL THEN 'churn' END
           OR (ended_on IS NULL) <> (end_reason IS NULL)
        """,
    )
    assert wrong == 0


def test_arr_changes_by_exactly_its_movements_between_any_two_days(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    # ARR(d2) - ARR(d1) = new + expansion - contraction - churned ARR, over (d1, d2]
    checked, mismatched = rows(
        demo_con,
        """
        WITH days AS (
            SELECT CAST(range AS DATE) AS day FROM range(
                (SELECT min(started_on) - 1 FROM subscriptions), ? + 1, INTERVAL 11 DAY)
            UNION SELECT ?
        ), arr AS (
            SELECT d.day, coalesce(sum(s.arr), 0) AS arr
            FROM days d LEFT JOIN subscriptions s
                ON s.started_on <= d.day AND (s.ended_on IS NULL OR s.ended_on > d.day)
            GROUP BY d.day
        ), pairs AS (
            SELECT day AS d1, lead(day) OVER (ORDER BY day) AS d2,
                lead(arr) OVER (ORDER BY day) - arr AS change
            FROM arr
        )
        SELECT count(*), count(*) FILTER (WHERE change <>
            (SELECT coalesce(sum(arr_change), 0) FROM subscriptions
                WHERE started_on > d1 AND started_on <= d2)
            - (SELECT coalesce(sum(arr), 0) FROM subscriptions
                WHERE end_reason = 'churn' AND ended_on > d1 AND ended_on <= d2))
        FROM pairs WHERE d2 IS NOT NULL
        """,
        demo_summary.as_of,
        demo_summary.as_of,
    )[0]
    assert checked > 100
    assert mismatched == 0


# ============================================================================================
# Consistency: tickets and conversions
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


def test_conversions_come_from_answered_presale_tickets_of_the_same_account(
    demo_con: Con,
) -> None:
    wrong = scalar(
        demo_con,
        """
        SELECT count(*) FROM conversions c LEFT JOIN tickets t USING (ticket_id)
        WHERE t.ticket_id IS NULL OR t.account_id <> c.account_id
           OR t.intent NOT IN ('product_question', 'discount_request')
           OR c.ordered_at < t.first_response_at OR c.influenced_by <> t.handled_by
           OR c.order_value <= 0
        """,
    )
    assert wrong == 0


def test_conversions_mostly_happen_on_the_day_of_the_ticket(demo_con: Con) -> None:
    same_day = scalar(
        demo_con,
        "SELECT avg((CAST(c.ordered_at AS DATE) = CAST(t.created_at AS DATE))::INTEGER) "
        "FROM conversions c JOIN tickets t USING (ticket_id)",
    )
    assert same_day >= 0.6


# ============================================================================================
# Consistency: opportunities and OKRs
# ============================================================================================


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


def test_okrs_measure_metrics_of_the_semantic_layer_for_the_current_quarter(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    model = yaml.safe_load((ROOT / "metrics.yml").read_text(encoding="utf-8"))
    metric_names = {metric["name"] for metric in model["metrics"]}
    as_of = demo_summary.as_of
    quarter = f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}"
    okrs = rows(demo_con, "SELECT okr_id, metric, period, segment FROM okr_targets ORDER BY okr_id")
    assert [okr_id for okr_id, *_ in okrs] == [f"OKR-{n}" for n in range(1, len(okrs) + 1)]
    assert {metric for _, metric, _, _ in okrs} <= metric_names
    assert {period for _, _, period, _ in okrs} == {quarter}
    segments = {segment for *_, segment in okrs}
    assert None in segments and segments - {None} <= {"SMB", "Mid-Market", "Enterprise"}
    assert len(segments) > 1


def test_okr_1_is_an_arr_target_close_to_but_above_the_run_rate(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    metric, segment, target = rows(
        demo_con, "SELECT metric, segment, target_value FROM okr_targets WHERE okr_id = 'OKR-1'"
    )[0]
    assert (metric, segment) == ("arr", None)
    as_of = demo_summary.as_of
    quarter_end = add_months(date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), 3)
    now, before = arr_on(demo_con, as_of), arr_on(demo_con, as_of - timedelta(days=90))
    run_rate_end = now + (now - before) / 90 * (quarter_end - as_of).days
    assert run_rate_end < target <= run_rate_end * 1.03


# ============================================================================================
# What the data must show
# ============================================================================================


def test_about_34_months_of_ticket_history_ending_on_the_as_of_day(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    first, last = rows(demo_con, "SELECT min(created_at), max(created_at) FROM tickets")[0]
    assert last.date() == demo_summary.as_of  # fresh: the latest ticket is on the as-of day
    assert first.date() == history_start(demo_summary.as_of)


def test_segment_mix_is_about_70_24_6(demo_con: Con) -> None:
    share = dict(
        rows(demo_con, "SELECT segment, count(*) / sum(count(*)) OVER () FROM accounts GROUP BY 1")
    )
    assert share["SMB"] == pytest.approx(0.70, abs=0.07)
    assert share["Mid-Market"] == pytest.approx(0.24, abs=0.06)
    assert 0.02 <= share["Enterprise"] <= 0.11


def test_gmv_tier_rises_with_segment(demo_con: Con) -> None:
    big = dict(
        rows(
            demo_con,
            "SELECT segment, avg((gmv_tier IN ('$5M-$20M', '$20M+'))::INTEGER) FROM accounts "
            "GROUP BY 1",
        )
    )
    assert big["SMB"] < 0.2 < big["Mid-Market"] < big["Enterprise"]
    assert (
        scalar(
            demo_con,
            "SELECT count(*) FROM accounts WHERE segment = 'Enterprise' AND gmv_tier = '<$1M'",
        )
        == 0
    )


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


def test_ai_adoption_grows_from_about_1_in_20_to_1_in_5(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    def adoption(day: date) -> float:
        end = day + timedelta(days=1)
        active, enabled = rows(
            demo_con,
            "SELECT count(*) FILTER (WHERE signed_up_at < ?), "
            "count(*) FILTER (WHERE ai_agent_enabled_at < ?) FROM accounts "
            "WHERE churned_at IS NULL OR churned_at >= ?",
            end,
            end,
            end,
        )[0]
        return float(enabled) / float(active)

    assert 0.02 <= adoption(history_start(demo_summary.as_of)) <= 0.10
    assert 0.14 <= adoption(demo_summary.as_of) <= 0.27


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


def test_enterprise_accounts_are_few_but_hold_a_large_share_of_arr(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    accounts_share, arr_share = rows(
        demo_con,
        """
        SELECT avg((a.segment = 'Enterprise')::INTEGER),
            sum(s.arr) FILTER (WHERE a.segment = 'Enterprise') / sum(s.arr)
        FROM subscriptions s JOIN accounts a USING (account_id)
        WHERE s.started_on <= ? AND (s.ended_on IS NULL OR s.ended_on > ?)
        """,
        demo_summary.as_of,
        demo_summary.as_of,
    )[0]
    assert accounts_share <= 0.12
    assert arr_share >= 0.4


def test_arr_grows_with_churn_expansion_and_contraction_along_the_way(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    as_of = demo_summary.as_of
    start = history_start(as_of)
    assert arr_on(demo_con, as_of) > 1.3 * arr_on(demo_con, start)
    year_ago = as_of - timedelta(days=365)
    moves = dict(
        rows(
            demo_con,
            "SELECT change_type, sum(arr_change) FROM subscriptions "
            "WHERE started_on > ? GROUP BY 1",
            year_ago,
        )
    )
    churned = scalar(
        demo_con,
        "SELECT sum(arr) FROM subscriptions WHERE end_reason = 'churn' AND ended_on > ?",
        year_ago,
    )
    assert moves["new"] > 0 and moves["expansion"] > 0 and moves["contraction"] < 0
    assert 0.01 * arr_on(demo_con, year_ago) < churned < 0.3 * arr_on(demo_con, year_ago)


def test_quarter_over_quarter_growth_is_not_constant(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    quarter_start = date(demo_summary.as_of.year, 3 * ((demo_summary.as_of.month - 1) // 3) + 1, 1)
    ends = [add_months(quarter_start, -3 * n) - timedelta(days=1) for n in range(5, -1, -1)]
    arr = [arr_on(demo_con, day) for day in ends]
    growth = [round(b / a - 1, 4) for a, b in pairwise(arr)]
    assert all(g > -0.1 for g in growth)
    assert len(set(growth)) == len(growth)
    assert max(growth) - min(growth) > 0.005


def test_ai_handled_presale_tickets_convert_at_about_twice_the_human_rate(demo_con: Con) -> None:
    rate = dict(
        rows(
            demo_con,
            """
            SELECT t.handled_by, count(c.ticket_id) / count(*)
            FROM tickets t LEFT JOIN (SELECT DISTINCT ticket_id FROM conversions) c
                USING (ticket_id)
            WHERE t.intent IN ('product_question', 'discount_request')
            GROUP BY 1
            """,
        )
    )
    assert 0.05 <= rate["human"] <= 0.2
    assert 1.6 <= rate["ai"] / rate["human"] <= 2.4
