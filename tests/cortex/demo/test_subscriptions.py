"""The demo's subscriptions (the ARR history): consistent periods, and the growth they show."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from cortex.demo import DemoSummary
from tests.cortex.demo.conftest import Con, add_months, arr_on, history_start, rows, scalar

# ============================================================================================
# Consistency
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
# What the data must show
# ============================================================================================


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
