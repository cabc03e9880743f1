"""OKR targets: six objectives for the quarter holding the as-of day, set from the data."""

from __future__ import annotations

import math
from datetime import date, timedelta

import duckdb

from cortex.demo.params import Params, add_months

__all__ = ["generate_okr_targets"]

_OKR_FACTS_SQL = """
WITH q AS (SELECT {q_start} AS q_start, {prev_q_start} AS prev_q_start)
SELECT
    (SELECT coalesce(sum(arr), 0) FROM subscriptions
        WHERE started_on <= {as_of} AND (ended_on IS NULL OR ended_on > {as_of})) AS arr_now,
    (SELECT coalesce(sum(arr), 0) FROM subscriptions
        WHERE started_on <= {as_of} - 90 AND (ended_on IS NULL OR ended_on > {as_of} - 90))
        AS arr_90,
    (SELECT count(*) FROM accounts WHERE signed_up_at < {cutoff_ts}
        AND (churned_at IS NULL OR churned_at >= {cutoff_ts})) AS active_now,
    (SELECT count(*) FROM accounts WHERE ai_agent_enabled_at < {cutoff_ts}
        AND (churned_at IS NULL OR churned_at >= {cutoff_ts})) AS ai_now,
    (SELECT quantile_cont(date_diff('second', created_at, first_response_at), 0.5)
        FROM tickets WHERE created_at >= {as_of} - 29 AND first_response_at IS NOT NULL)
        AS frt_30,
    (SELECT count(*) FILTER (WHERE handled_by = 'ai') / greatest(count(*), 1) FROM tickets
        WHERE created_at >= {as_of} - 29 AND resolved_at IS NOT NULL) AS automation_30,
    (SELECT sum(t.csat_score) / greatest(count(t.csat_score), 1)
        FROM tickets t JOIN accounts a USING (account_id)
        WHERE a.segment = 'Enterprise' AND t.created_at >= {as_of} - 89) AS enterprise_csat,
    (SELECT coalesce(sum(s.arr_change), 0) FROM subscriptions s JOIN accounts a USING (account_id)
        WHERE a.segment = 'Enterprise' AND s.started_on >= (SELECT prev_q_start FROM q)
            AND s.started_on < (SELECT q_start FROM q))
    - (SELECT coalesce(sum(s.arr), 0) FROM subscriptions s JOIN accounts a USING (account_id)
        WHERE a.segment = 'Enterprise' AND s.end_reason = 'churn'
            AND s.ended_on >= (SELECT prev_q_start FROM q) AND s.ended_on < (SELECT q_start FROM q))
        AS enterprise_nna_prev_q,
    (SELECT coalesce(sum(s.arr), 0) FROM subscriptions s JOIN accounts a USING (account_id)
        WHERE a.segment = 'Enterprise' AND s.started_on <= {as_of}
            AND (s.ended_on IS NULL OR s.ended_on > {as_of})) AS enterprise_arr
"""


def generate_okr_targets(con: duckdb.DuckDBPyConnection, p: Params) -> None:
    """Fill `okr_targets` from the other tables."""
    con.executemany("INSERT INTO okr_targets VALUES (?, ?, ?, ?, ?, ?)", _okr_rows(con, p))


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _ceil_to(value: float, step: float) -> float:
    return math.ceil(value / step) * step


def _sig_step(value: float, digits: int) -> float:
    """The rounding step keeping `digits` significant digits of `value`."""
    return 10.0 ** (math.floor(math.log10(max(abs(value), 1.0))) - digits + 1)


def _money(value: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= size:
            return "$" + f"{value / size:.3f}".rstrip("0").rstrip(".") + unit
    return f"${value:,.0f}"


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    if not minutes:
        return f"{rest} seconds"
    return f"{minutes} minutes" + (f" {rest} seconds" if rest else "")


def _okr_rows(
    con: duckdb.DuckDBPyConnection, p: Params
) -> list[tuple[str, str, str, str, str | None, float]]:
    """OKR-1..6 for the quarter holding as_of, with targets set from the data."""
    q_start = _quarter_start(p.as_of)
    prev_q_start = add_months(q_start, -3)
    q_end = add_months(q_start, 3) - timedelta(days=1)
    period = f"{q_start.year}-Q{(q_start.month - 1) // 3 + 1}"
    row = con.execute(
        p.sql(
            _OKR_FACTS_SQL,
            q_start=f"DATE '{q_start.isoformat()}'",
            prev_q_start=f"DATE '{prev_q_start.isoformat()}'",
        )
    ).fetchone()
    if row is None:  # pragma: no cover - an aggregate query always returns one row
        raise RuntimeError("the OKR facts query returned no row")
    arr_now, arr_90, active, ai_now, frt, automation, ent_csat, ent_nna, ent_arr = (
        float(v) if v is not None else 0.0 for v in row
    )
    # OKR-1: a little above where the trailing-90-day run-rate lands at quarter end
    days_left = (q_end - p.as_of).days
    run_rate_end = arr_now + max(arr_now - arr_90, 0.0) / 90 * days_left
    arr_target = _ceil_to(run_rate_end + 0.004 * arr_now, _sig_step(arr_now, 3))
    adoption = ai_now / active if active else 0.0
    adoption_target = math.ceil((adoption + 0.03) * 100) / 100
    # a fifth faster than the last 30 days, in whole minutes (or tens of seconds when short)
    frt_step = 60 if frt * 0.8 >= 120 else 10
    frt_target = float(max(10, math.floor(frt * 0.8 / frt_step) * frt_step))
    automation_target = math.ceil((automation + 0.04) * 100) / 100
    csat_target = min(5.0, math.ceil((ent_csat or 4.3) * 10) / 10 + 0.1)
    nna_base = max(ent_nna * 1.1, 0.02 * ent_arr, 1000.0)
    nna_target = _ceil_to(nna_base, _sig_step(nna_base, 2))
    return [
        (
            "OKR-1",
            f"Grow ARR to {_money(arr_target)} by the end of {period}",
            "arr",
            period,
            None,
            arr_target,
        ),
        (
            "OKR-2",
            f"Reach {adoption_target:.0%} AI agent adoption among active customers",
            "ai_adoption_rate",
            period,
            None,
            adoption_target,
        ),
        (
            "OKR-3",
            f"Cut the median first response time to {_duration(frt_target)}",
            "first_response_time",
            period,
            None,
            frt_target,
        ),
        (
            "OKR-4",
            f"Resolve {automation_target:.0%} of tickets with the AI agent",
            "ai_automation_rate",
            period,
            None,
            automation_target,
        ),
        (
            "OKR-5",
            f"Lift Enterprise CSAT to {csat_target:.1f}",
            "csat",
            period,
            "Enterprise",
            round(csat_target, 1),
        ),
        (
            "OKR-6",
            f"Add {_money(nna_target)} of net new Enterprise ARR in {period}",
            "net_new_arr",
            period,
            "Enterprise",
            nna_target,
        ),
    ]
