"""Opportunities: won, lost and open new-logo and expansion deals around the subscriptions."""

from __future__ import annotations

import duckdb

from cortex.demo.accounts import SEGMENTS
from cortex.demo.names import owner_sql
from cortex.demo.params import Params
from cortex.demo.sql import pick

__all__ = ["generate_opportunities"]

_STAGES_OPEN = (
    ("Prospecting", 0.30),
    ("Discovery", 0.25),
    ("Demo", 0.20),
    ("Proposal", 0.15),
    ("Negotiation", 0.10),
)

_CYCLE_DAYS = "CASE {segment} WHEN 'SMB' THEN 21 WHEN 'Mid-Market' THEN 45 ELSE 90 END"

_OPPORTUNITIES_SQL = """
CREATE TEMP TABLE _opp AS
WITH won_new AS (
    SELECT a.account_id, a.g, a.account_name, a.segment, a.owner_name, s.started_on, s.arr
    FROM _acc a JOIN subscriptions s ON s.account_id = a.account_id AND s.change_type = 'new'
    WHERE s.started_on >= {start}
), won_new_src AS (
    SELECT *, {nb_source} AS source FROM won_new
), lost_new AS (
    -- lost new-logo deals around each win; fewer lost deals later in the history (win rate
    -- improves), and Outbound loses the most
    SELECT w.g, k.range AS k, w.segment, w.source,
        least({as_of}, greatest({start}, w.started_on
            + CAST(round(60 * _u2(w.g, k.range, 'lost_shift') - 30) AS INTEGER))) AS close_date,
        _u2(w.g, k.range, 'lost_owner') AS u_owner, _n2(w.g, k.range, 'lost_amount') AS n_amount
    FROM won_new_src w CROSS JOIN range(6) k
    WHERE _u2(w.g, k.range, 'lost_new') * 6 < CASE w.source WHEN 'Inbound' THEN 1.8
            WHEN 'Outbound' THEN 4.0 ELSE 2.2 END
        * (1.15 - 0.30 * (w.started_on - {start}) / {n_days})
), lost_named AS (
    SELECT *, {n_accounts} - 1 + row_number() OVER (ORDER BY g, k) AS name_idx FROM lost_new
), open_new AS (
    SELECT range AS i, {n_accounts} + (SELECT count(*) FROM lost_new) + range AS name_idx,
        {open_segment} AS segment, {open_source} AS source,
        {open_stage} AS stage, _u(range, 'open_owner') AS u_owner,
        _n(range, 'open_amount') AS n_amount,
        CAST({as_of} - CAST(floor(_u(range, 'open_age') * 1.5
            * {open_cycle}) AS INTEGER) AS DATE) AS created_on,
        CAST({as_of} + CAST(floor(-10 + 160 * _u(range, 'open_close')) AS INTEGER) AS DATE)
            AS expected_close
    FROM range({n_open_new})
), exp_won AS (
    SELECT s.account_id, s.subscription_id, a.account_name, a.segment, a.owner_name,
        s.started_on, s.arr_change
    FROM subscriptions s JOIN _acc a USING (account_id)
    WHERE s.change_type = 'expansion' AND s.started_on >= {start}
), exp_lost AS (
    SELECT e.*, CAST(e.started_on - CAST(20 + floor(100 * _u(e.subscription_id, 'exp_lost_at'))
            AS INTEGER) AS DATE) AS close_date
    FROM exp_won e
    WHERE _u(e.subscription_id, 'exp_lost') < 0.7
), exp_open AS (
    SELECT a.account_id, a.account_name, a.segment, a.owner_name, a.signup_date, s.arr,
        _u(a.g, 'exp_open_size') AS u_size, _u(a.g, 'exp_open_stage') AS u_stage,
        _u(a.g, 'exp_open_age') AS u_age, _u(a.g, 'exp_open_close') AS u_close
    FROM _acc a JOIN subscriptions s ON s.account_id = a.account_id AND s.ended_on IS NULL
    WHERE _u(a.g, 'exp_open') < CASE a.segment WHEN 'SMB' THEN 0.04
        WHEN 'Mid-Market' THEN 0.12 ELSE 0.25 END
), deals AS (
    SELECT 1 AS kind, g AS key, account_id, account_name || ' - New Business' AS opportunity_name,
        segment, 'New Business' AS type, source, 'Closed Won' AS stage, arr AS amount,
        owner_name,
        CAST(started_on - CAST(round({won_cycle} * exp(0.4 * _n(g, 'won_cycle')))
            AS INTEGER) AS DATE) AS created_on,
        started_on AS close_date
    FROM won_new_src
    UNION ALL
    SELECT 2, name_idx, NULL, name || ' - New Business', segment, 'New Business', source,
        'Closed Lost', {lost_amount}, {lost_owner},
        CAST(close_date - CAST(round({lost_cycle} * exp(0.4 * n_amount)) AS INTEGER) AS DATE),
        close_date
    FROM lost_named JOIN _names USING (name_idx)
    UNION ALL
    SELECT 3, i, NULL, name || ' - New Business', segment, 'New Business', source, stage,
        {open_amount}, {open_owner}, created_on, greatest(created_on + 7, expected_close)
    FROM open_new JOIN _names USING (name_idx)
    UNION ALL
    SELECT 4, subscription_id, account_id, account_name || ' - Expansion', segment, 'Expansion',
        {exp_source}, 'Closed Won', arr_change, owner_name,
        CAST(started_on - CAST(round(0.7 * {exp_cycle}) AS INTEGER) AS DATE), started_on
    FROM exp_won
    UNION ALL
    SELECT 5, subscription_id, account_id, account_name || ' - Expansion', segment, 'Expansion',
        {exp_source}, 'Closed Lost',
        CAST(round(arr_change * (0.6 + 0.8 * _u(subscription_id, 'exp_lost_amount')), -1)
            AS DECIMAL(12,2)),
        owner_name, CAST(close_date - CAST(round(0.7 * {exp_cycle}) AS INTEGER) AS DATE),
        close_date
    FROM exp_lost
    WHERE close_date >= {start}
    UNION ALL
    SELECT 6, account_id, account_id, account_name || ' - Expansion', segment, 'Expansion',
        'Outbound', {exp_open_stage},
        CAST(round(arr * (0.15 + 0.35 * u_size), -1) AS DECIMAL(12,2)), owner_name,
        greatest(signup_date, CAST({as_of} - CAST(floor(75 * u_age) AS INTEGER) AS DATE)),
        CAST({as_of} + CAST(floor(-7 + 127 * u_close) AS INTEGER) AS DATE)
    FROM exp_open
)
SELECT * FROM deals
"""

_INSERT_OPPORTUNITIES = """
INSERT INTO opportunities
SELECT row_number() OVER (ORDER BY created_on, close_date, kind, key)::BIGINT,
    account_id, opportunity_name, segment, type, source, stage,
    greatest(amount, 100.00), owner_name, least(created_on, close_date), close_date
FROM _opp
ORDER BY 1
"""


def generate_opportunities(con: duckdb.DuckDBPyConnection, p: Params) -> None:
    """Fill `opportunities` (and the temp table `_opp`)."""
    con.execute(_opportunities_sql(p))
    con.execute(_INSERT_OPPORTUNITIES)


def _opportunities_sql(p: Params) -> str:
    sources = (("Inbound", 0.45), ("Outbound", 0.35), ("Partner", 0.20))
    seg_arr = (
        "CASE segment WHEN 'SMB' THEN 3000 WHEN 'Mid-Market' THEN 24000 ELSE 120000 END"
        " * exp(0.5 * n_amount)"
    )
    amount = f"CAST(round({seg_arr}, -1) AS DECIMAL(12,2))"
    cycle = _CYCLE_DAYS.format(segment="segment")
    return p.sql(
        _OPPORTUNITIES_SQL,
        nb_source=pick("_u(g, 'source')", sources),
        n_open_new=max(1, round(p.n_accounts * 0.25)),
        open_segment=pick("_u(range, 'open_segment')", SEGMENTS),
        open_source=pick("_u(range, 'open_source')", sources),
        open_stage=pick("_u(range, 'open_stage')", _STAGES_OPEN),
        open_cycle=_CYCLE_DAYS.format(segment=pick("_u(range, 'open_segment')", SEGMENTS)),
        won_cycle=cycle,
        lost_cycle=cycle,
        exp_cycle=cycle,
        lost_amount=amount,
        open_amount=amount,
        lost_owner=owner_sql("segment", "u_owner"),
        open_owner=owner_sql("segment", "u_owner"),
        exp_source=pick(
            "_u(subscription_id, 'exp_source')",
            (("Outbound", 0.55), ("Inbound", 0.35), ("Partner", 0.10)),
        ),
        exp_open_stage=pick("u_stage", _STAGES_OPEN),
    )
