"""Accounts: the merchants, their segment and firmographics, sign-up, churn and AI adoption.

The step also leaves the temp tables later steps read: `_names` (brand names) and `_acc` (the
accounts with their draw id `g`, sign-up and churn days, ticket volume weight and base ARR).

AI adoption follows a target curve: an account with propensity v turns the agent on when the
curve reaches v (5 % of customers at the start of the history, 20 % at the end), or shortly
after it signs up if that is later.
"""

from __future__ import annotations

import duckdb

from cortex.demo.names import names_sql, owner_sql
from cortex.demo.params import Params
from cortex.demo.sql import lit, lookup, pick

__all__ = ["SEGMENTS", "generate_accounts"]

SEGMENTS = (("SMB", 0.70), ("Mid-Market", 0.24), ("Enterprise", 0.06))
_GMV_TIERS = ("<$1M", "$1M-$5M", "$5M-$20M", "$20M+")
_GMV_BY_SEGMENT = {
    "SMB": (0.64, 0.30, 0.06, 0.0),
    "Mid-Market": (0.08, 0.46, 0.38, 0.08),
    "Enterprise": (0.0, 0.08, 0.37, 0.55),
}
_VERTICALS = (
    ("Apparel & Accessories", 0.24),
    ("Food & Beverage", 0.12),
    ("Health & Beauty", 0.18),
    ("Home & Garden", 0.14),
    ("Sporting Goods", 0.10),
    ("Electronics", 0.12),
    ("Pets", 0.10),
)
_REGIONS = (("North America", 0.55), ("EMEA", 0.25), ("APAC", 0.12), ("LATAM", 0.08))
_PLATFORMS = (("Shopify", 0.72), ("BigCommerce", 0.16), ("Magento", 0.12))

_ACCOUNTS_SQL = """
CREATE TEMP TABLE _acc AS
WITH d AS (
    SELECT range AS g,
        _u(range, 'segment') AS u_segment, _u(range, 'gmv') AS u_gmv,
        _u(range, 'vertical') AS u_vertical, _u(range, 'region') AS u_region,
        _u(range, 'platform') AS u_platform, _u(range, 'owner') AS u_owner,
        _u(range, 'cohort') AS u_cohort, _u(range, 'signup') AS u_signup,
        _u(range, 'lifetime') AS u_lifetime, _u(range, 'ai') AS u_ai,
        _u(range, 'ai_delay') AS u_ai_delay, _n(range, 'volume') AS n_volume,
        _n(range, 'arr') AS n_arr
    FROM range({n_accounts})
), s AS (
    SELECT d.*, {segment} AS segment, n.name AS account_name
    FROM d JOIN _names n ON n.name_idx = d.g
), f AS (
    SELECT *,
        CASE segment {gmv_whens} END AS gmv_tier,
        {vertical} AS vertical, {region} AS region, {platform} AS platform,
        {owner} AS owner_name,
        CASE WHEN u_cohort < 0.40
            THEN {pre_start_ts} + to_seconds(floor(u_signup * {pre_seconds})::BIGINT)
            -- signups grow over the history: density rising linearly from 1 to 2
            ELSE {start_ts} + to_seconds(floor((sqrt(1 + 3 * u_signup) - 1) * {window_seconds})
                ::BIGINT)
        END AS signed_up_at,
        -- monthly churn hazard by segment; at least 30 days as a customer
        30 + -ln(1 - u_lifetime) * 30.44 / CASE segment WHEN 'SMB' THEN 0.018
            WHEN 'Mid-Market' THEN 0.010 ELSE 0.005 END AS lifetime_days,
        -- AI propensity: lower is earlier; larger accounts adopt a little more often
        u_ai * CASE segment WHEN 'SMB' THEN 1.1 WHEN 'Mid-Market' THEN 0.85 ELSE 0.7 END AS v_ai
    FROM s
), t AS (
    SELECT *,
        signed_up_at + to_seconds(floor(lifetime_days * 86400)::BIGINT) AS churn_candidate,
        -- the day the adoption curve reaches v_ai: 0 -> 5 % from launch to the start of the
        -- history, then 5 % -> 20 % (convex) over the history
        CASE
            WHEN v_ai < 0.05 THEN {ai_launch_ts}
                + to_seconds(floor(v_ai / 0.05 * {launch_seconds})::BIGINT)
            WHEN v_ai < 0.20 THEN {start_ts}
                + to_seconds(floor(pow((v_ai - 0.05) / 0.15, 1 / 1.3) * {window_seconds})::BIGINT)
        END AS ai_curve_at
    FROM f
), c AS (
    SELECT *,
        CASE WHEN churn_candidate < {cutoff_ts} THEN churn_candidate END AS churned_at,
        -- (greatest() skips NULLs, so an account off the curve must stay NULL explicitly)
        CASE WHEN ai_curve_at IS NOT NULL THEN greatest(ai_curve_at, signed_up_at
            + to_seconds(floor((1 + 59 * u_ai_delay) * 86400)::BIGINT)) END AS ai_candidate
    FROM t
)
SELECT
    row_number() OVER (ORDER BY signed_up_at, g)::BIGINT AS account_id, g,
    account_name, segment, gmv_tier, vertical, region, platform, owner_name,
    signed_up_at, churned_at,
    CASE WHEN ai_candidate < coalesce(churned_at, {cutoff_ts}) THEN ai_candidate END
        AS ai_agent_enabled_at,
    CAST(signed_up_at AS DATE) AS signup_date,
    CAST(churned_at AS DATE) AS churn_date,
    -- ticket volume weight (integer, so running sums are exact)
    greatest(1, round(100 * CASE segment WHEN 'SMB' THEN 1 WHEN 'Mid-Market' THEN 4 ELSE 15 END
        * {gmv_volume} * exp(0.5 * n_volume)))::BIGINT AS volume,
    CASE segment WHEN 'SMB' THEN 3000 WHEN 'Mid-Market' THEN 24000 ELSE 120000 END
        * {gmv_arr} * exp(0.45 * n_arr) AS base_arr
FROM c
"""

_INSERT_ACCOUNTS = """
INSERT INTO accounts
SELECT account_id, account_name, segment, gmv_tier, vertical, region, platform, owner_name,
    signed_up_at, churned_at, ai_agent_enabled_at
FROM _acc ORDER BY account_id
"""


def generate_accounts(con: duckdb.DuckDBPyConnection, p: Params) -> None:
    """Fill `accounts` (and the temp tables `_names` and `_acc`)."""
    con.execute(names_sql(p))
    con.execute(_accounts_sql(p))
    con.execute(_INSERT_ACCOUNTS)


def _accounts_sql(p: Params) -> str:
    gmv_whens = " ".join(
        f"WHEN {lit(seg)} THEN {pick('u_gmv', list(zip(_GMV_TIERS, shares, strict=True)))}"
        for seg, shares in _GMV_BY_SEGMENT.items()
    )
    gmv_volume = lookup("gmv_tier", dict(zip(_GMV_TIERS, (0.6, 1.0, 1.8, 3.0), strict=True)))
    gmv_arr = lookup("gmv_tier", dict(zip(_GMV_TIERS, (0.7, 1.0, 1.5, 2.2), strict=True)))
    return p.sql(
        _ACCOUNTS_SQL,
        segment=pick("u_segment", SEGMENTS),
        gmv_whens=gmv_whens,
        vertical=pick("u_vertical", _VERTICALS),
        region=pick("u_region", _REGIONS),
        platform=pick("u_platform", _PLATFORMS),
        owner=owner_sql("segment", "u_owner"),
        gmv_volume=gmv_volume,
        gmv_arr=gmv_arr,
    )
