"""Subscriptions: each account's contract periods and what its ARR did at each one.

Contract periods are annual from the sign-up day, with an optional mid-term upgrade after six
months; each renewal expands, contracts or renews, and churn ends the current period.
"""

from __future__ import annotations

import math

import duckdb

from cortex.demo.params import Params

__all__ = ["generate_subscriptions"]

_SUBSCRIPTIONS_SQL = """
INSERT INTO subscriptions
WITH slots AS (
    -- half-year slots from the sign-up day: even slots are anniversaries (renewals), odd
    -- slots are possible mid-term upgrades
    SELECT a.account_id, a.g, a.segment, a.base_arr, a.churn_date, j.range AS j,
        CAST(a.signup_date + to_months(CAST(6 * j.range AS INTEGER)) AS DATE) AS started_on
    FROM _acc a CROSS JOIN range({n_slots}) j
), kept AS (
    SELECT *, _u2(g, j, 'renewal') AS u_renewal, _u2(g, j, 'change_size') AS u_size
    FROM slots
    WHERE started_on <= {as_of} AND (churn_date IS NULL OR started_on < churn_date)
        AND (j % 2 = 0 OR _u2(g, j, 'midterm') < CASE segment WHEN 'SMB' THEN 0.05
            WHEN 'Mid-Market' THEN 0.12 ELSE 0.18 END)
), moved AS (
    SELECT *,
        CASE
            WHEN j = 0 THEN 0.0
            WHEN j % 2 = 1 THEN ln(1.10 + 0.40 * u_size)
            WHEN u_renewal < CASE segment WHEN 'SMB' THEN 0.22 WHEN 'Mid-Market' THEN 0.30
                ELSE 0.38 END THEN ln(1.08 + 0.50 * u_size)
            WHEN u_renewal < CASE segment WHEN 'SMB' THEN 0.32 WHEN 'Mid-Market' THEN 0.38
                ELSE 0.44 END THEN ln(0.90 - 0.25 * u_size)
            ELSE 0.0
        END AS log_move
    FROM kept
), priced AS (
    SELECT *,
        CAST(greatest(500, round(base_arr * exp(sum(round(log_move * 1e9)::BIGINT)
            OVER (PARTITION BY account_id ORDER BY j) / 1e9) / 10) * 10) AS DECIMAL(12,2)) AS arr
    FROM moved
), linked AS (
    SELECT *,
        lag(arr) OVER (PARTITION BY account_id ORDER BY j) AS previous_arr,
        lead(started_on) OVER (PARTITION BY account_id ORDER BY j) AS next_start
    FROM priced
)
SELECT
    row_number() OVER (ORDER BY started_on, account_id, j)::BIGINT AS subscription_id,
    account_id,
    CASE WHEN arr < 2500 THEN 'Starter' WHEN arr < 6000 THEN 'Basic' WHEN arr < 20000 THEN 'Pro'
        WHEN arr < 60000 THEN 'Advanced' ELSE 'Enterprise' END AS plan,
    arr, started_on,
    coalesce(next_start, churn_date) AS ended_on,
    CASE WHEN previous_arr IS NULL THEN 'new' WHEN arr > previous_arr THEN 'expansion'
        WHEN arr < previous_arr THEN 'contraction' ELSE 'renewal' END AS change_type,
    arr - coalesce(previous_arr, 0) AS arr_change,
    CASE WHEN next_start IS NOT NULL THEN 'change' WHEN churn_date IS NOT NULL THEN 'churn' END
        AS end_reason
FROM linked
ORDER BY subscription_id
"""


def generate_subscriptions(con: duckdb.DuckDBPyConnection, p: Params) -> None:
    """Fill `subscriptions` from the accounts in `_acc`."""
    years = (p.cutoff - p.pre_start).days / 365.25
    con.execute(p.sql(_SUBSCRIPTIONS_SQL, n_slots=2 * math.ceil(years) + 2))
