"""The demo company: a helpdesk SaaS for e-commerce brands, built into DuckDB.

`build_demo(path, scale=..., as_of=..., seed=...)` writes the tables described in
DEMO_WAREHOUSE.md (accounts, subscriptions, tickets, conversions, opportunities, okr_targets)
into a fresh DuckDB file. Scale 1 is about 5,000 accounts and 1,000,000 tickets.

How it is generated:

- Every table is produced by set-based SQL (`range()`, `INSERT ... SELECT`); Python never loops
  over rows.
- Randomness: every draw is a hash of (seed, salt, key) turned into a uniform number in [0, 1)
  (macro `_u`), where `key` is the row's draw id and `salt` names the draw ("segment", "csat"):
  `hash(xor(hash(seed, salt), key))`. DuckDB's `random()` is not reproducible across threads; a
  hash is, so the same seed, scale and as-of day give the same rows. (DuckDB's multi-argument
  `hash(a, b, c)` mixes its arguments too weakly: draws with different salts came out
  correlated, hence the xor and the second hash.) Normal draws use Box-Muller over two such
  uniforms. Running sums that pick rows (ticket -> account -> day) are over integer weights, so
  they are exact.
- Tickets are sampled in two steps: an account in proportion to its size times the seasonal
  weight of the days it was a customer, then a day inside that span in proportion to the
  seasonal weight (weekday rhythm, Black Friday to Cyber Monday, December, January returns).
- AI adoption follows a target curve: an account with propensity v turns the agent on when the
  curve reaches v (5 % of customers at the start of the history, 20 % at the end), or shortly
  after it signs up if that is later. The AI-handled share of an AI account's tickets grows
  linearly from about 30 % to 60 % over the history.
- Contract periods are annual from the sign-up day, with an optional mid-term upgrade after six
  months; each renewal expands, contracts or renews, and churn ends the current period.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

__all__ = [
    "ACCOUNTS_PER_SCALE",
    "HISTORY_MONTHS",
    "MAX_SCALE",
    "MIN_SCALE",
    "TABLES",
    "TICKETS_PER_SCALE",
    "DemoBuildError",
    "DemoSummary",
    "ProgressCallback",
    "build_demo",
]

ACCOUNTS_PER_SCALE = 5_000
TICKETS_PER_SCALE = 1_000_000
MIN_SCALE = 0.002
MAX_SCALE = 100.0
HISTORY_MONTHS = 34
_PRE_HISTORY_MONTHS = 36  # customers who signed up before the ticket history begins
_AI_LAUNCH_MONTHS = 12  # the AI agent launched this long before the history begins

TABLES = ("accounts", "subscriptions", "tickets", "conversions", "opportunities", "okr_targets")

ProgressCallback = Callable[[str, int, int], None]


class DemoBuildError(ValueError):
    """The demo warehouse cannot be built as asked; the message says how to fix the call."""


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` built: where, from which arguments, how many rows and how fast."""

    path: Path
    scale: float
    seed: int
    as_of: date
    row_counts: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class _Params:
    seed: int
    as_of: date
    n_accounts: int
    n_tickets: int

    @property
    def start(self) -> date:
        """First day of the ticket history."""
        return _add_months(self.as_of, -HISTORY_MONTHS)

    @property
    def pre_start(self) -> date:
        return _add_months(self.start, -_PRE_HISTORY_MONTHS)

    @property
    def ai_launch(self) -> date:
        return _add_months(self.start, -_AI_LAUNCH_MONTHS)

    @property
    def cutoff(self) -> date:
        """The day after as_of: every timestamp is strictly before it."""
        return self.as_of + timedelta(days=1)

    @property
    def n_days(self) -> int:
        return (self.cutoff - self.start).days

    def sql(self, template: str, **extra: object) -> str:
        """`template` with the build's constants (and `extra`) filled in."""
        values: dict[str, object] = {
            "seed": self.seed,
            "as_of": f"DATE '{self.as_of.isoformat()}'",
            "start": f"DATE '{self.start.isoformat()}'",
            "pre_start": f"DATE '{self.pre_start.isoformat()}'",
            "ai_launch": f"DATE '{self.ai_launch.isoformat()}'",
            "cutoff": f"DATE '{self.cutoff.isoformat()}'",
            "start_ts": f"TIMESTAMP '{self.start.isoformat()}'",
            "cutoff_ts": f"TIMESTAMP '{self.cutoff.isoformat()}'",
            "pre_start_ts": f"TIMESTAMP '{self.pre_start.isoformat()}'",
            "ai_launch_ts": f"TIMESTAMP '{self.ai_launch.isoformat()}'",
            "window_seconds": self.n_days * 86_400,
            "pre_seconds": (self.start - self.pre_start).days * 86_400,
            "launch_seconds": (self.start - self.ai_launch).days * 86_400,
            "n_days": self.n_days,
            "n_accounts": self.n_accounts,
            "n_tickets": self.n_tickets,
        }
        values.update(extra)
        return template.format(**values)


# --------------------------------------------------------------------------------------------
# Vocabularies and weights
# --------------------------------------------------------------------------------------------

_SEGMENTS = (("SMB", 0.70), ("Mid-Market", 0.24), ("Enterprise", 0.06))
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
_CHANNELS = (("email", 0.36), ("chat", 0.33), ("social", 0.11), ("sms", 0.08), ("voice", 0.12))
_INTENTS = (
    ("where_is_my_order", 0.28),
    ("return_request", 0.13),
    ("product_question", 0.16),
    ("order_change", 0.09),
    ("shipping_issue", 0.08),
    ("discount_request", 0.07),
    ("damaged_item", 0.05),
    ("subscription_management", 0.06),
    ("other", 0.08),
)
# How much more (or less) often than average the AI agent resolves an intent by itself.
_AI_INTENT_FACTOR = {
    "where_is_my_order": 1.30,
    "return_request": 0.90,
    "product_question": 1.15,
    "order_change": 1.10,
    "shipping_issue": 0.80,
    "discount_request": 1.10,
    "damaged_item": 0.50,
    "subscription_management": 1.00,
    "other": 0.70,
}
# Median seconds to a human's first response, and from it to resolution, by channel.
_HUMAN_FIRST_RESPONSE = {"chat": 90, "voice": 45, "sms": 900, "social": 5_400, "email": 14_400}
_HUMAN_RESOLUTION = {"chat": 900, "voice": 480, "sms": 10_800, "social": 21_600, "email": 64_800}
_MESSAGES = {"chat": 6, "voice": 2, "sms": 4, "social": 3, "email": 3}
_RESOLUTION_INTENT_FACTOR = {
    "where_is_my_order": 0.6,
    "return_request": 1.6,
    "product_question": 0.7,
    "order_change": 1.2,
    "shipping_issue": 1.5,
    "discount_request": 0.6,
    "damaged_item": 2.5,
    "subscription_management": 1.0,
    "other": 1.0,
}
_VERTICAL_RESPONSE_FACTOR = {
    "Apparel & Accessories": 1.00,
    "Food & Beverage": 0.85,
    "Health & Beauty": 1.10,
    "Home & Garden": 1.25,
    "Sporting Goods": 1.05,
    "Electronics": 1.35,
    "Pets": 0.90,
}
_ORDER_VALUE = {
    "Apparel & Accessories": 85,
    "Food & Beverage": 48,
    "Health & Beauty": 62,
    "Home & Garden": 140,
    "Sporting Goods": 110,
    "Electronics": 210,
    "Pets": 55,
}
_CSAT_USUAL = ((5, 0.63), (4, 0.22), (3, 0.07), (2, 0.03), (1, 0.05))
_CSAT_HARD = ((5, 0.45), (4, 0.27), (3, 0.12), (2, 0.06), (1, 0.10))  # damaged, shipping
_STAGES_OPEN = (
    ("Prospecting", 0.30),
    ("Discovery", 0.25),
    ("Demo", 0.20),
    ("Proposal", 0.15),
    ("Negotiation", 0.10),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ADJECTIVES = _words(
    "Amber Arrow Aspen Atlas Autumn Bay Birch Bloom Blue Bold Brass Bright Brook Canyon Cedar "
    "Cinder Clover Coastal Cobalt Copper Coral Cotton Crescent Crimson Crystal Daisy Dawn Desert "
    "Drift Dusk Echo Ember Emerald Fable Fern Fig Firefly Forest Golden Granite Harbor Hazel "
    "Hearth Honey Indigo Iron Ivory Jade Juniper Kestrel Lake Lark Laurel Lemon Linen Lotus "
    "Lunar Maple Marble Meadow Mint Misty Moss North Oak Ocean Olive Onyx Orchid Pebble Pine "
    "Plum Prairie Quartz Rain Raven Ridge River Rose Ruby Rustic Saffron Sage Salt Sand Sierra "
    "Silver Sky Slate Solar Spruce Stone Summit Sunny Thistle Tide Velvet Willow Wild Harvest"
)
_NOUNS = _words(
    "Anchor Antler Apple Badger Barrel Basket Beacon Bee Bell Bison Boat Bramble Bridge Buffalo "
    "Cabin Candle Canoe Cardinal Cask Castle Comet Crane Crow Deer Dove Dragon Drum Eagle Elk "
    "Falcon Feather Finch Flame Fjord Garden Gate Goat Grove Hare Hawk Heron Hill Hive Horn "
    "Island Kettle Kite Lantern Leaf Lighthouse Lion Lynx Magpie Mantle Meadowlark Mill Mountain "
    "Nest Otter Owl Paddle Panda Parrot Peak Pear Pelican Pepper Pillar Pony Quail Rabbit Reef "
    "Robin Rocket Rooftop Saddle Sail Seal Shell Sparrow Spoon Spring Star Stag Swan Thread "
    "Tiger Trail Tree Trout Tulip Valley Wagon Whale Wheel Wolf Wren Yak Zebra Acorn"
)
_SUFFIXES = (
    "",
    "Co.",
    "Goods",
    "Supply",
    "Studio",
    "Collective",
    "Outfitters",
    "Market",
    "Labs",
    "Shop",
    "Brands",
    "Trading Co.",
    "House",
    "Provisions",
    "Workshop",
    "Emporium",
    "Makers",
    "Company",
    "Boutique",
    "Mercantile",
    "Atelier",
    "Outpost",
    "Depot",
    "Gallery",
    "Works",
    "Store",
    "Club",
    "Society",
    "& Co.",
    "Bros.",
    "Lane",
    "Street",
    "Editions",
    "Home",
    "Wares",
    "General Store",
    "Exchange",
    "Studios",
    "Crafts",
    "Trading",
    "Direct",
    "Goods Co.",
    "Threads",
    "Essentials",
    "Living",
)
_OWNERS = {
    "SMB": (
        "Maya Patel",
        "Lucas Meyer",
        "Sofia Rossi",
        "Daniel Kim",
        "Amara Okafor",
        "Jonas Berg",
        "Priya Nair",
        "Tom Walsh",
    ),
    "Mid-Market": (
        "Elena Garcia",
        "Marcus Chen",
        "Hannah Schmidt",
        "Omar Haddad",
        "Grace Liu",
        "Leo Novak",
    ),
    "Enterprise": ("Olivia Bennett", "Rafael Souza", "Ingrid Larsen", "James Whitaker"),
}


# --------------------------------------------------------------------------------------------
# SQL helpers
# --------------------------------------------------------------------------------------------


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _pick(u: str, items: Sequence[tuple[Any, float]]) -> str:
    """A CASE choosing an item with probability proportional to its weight, from uniform `u`."""
    kept = [(value, weight) for value, weight in items if weight > 0]
    total = sum(weight for _, weight in kept)
    parts, running = [], 0.0
    for value, weight in kept[:-1]:
        running += weight / total
        parts.append(f"WHEN {u} < {running:.6f} THEN {_sql_value(value)}")
    return f"CASE {' '.join(parts)} ELSE {_sql_value(kept[-1][0])} END"


def _sql_value(value: Any) -> str:
    return _lit(value) if isinstance(value, str) else repr(value)


def _lookup(column: str, mapping: dict[str, float] | dict[str, int], default: float = 1.0) -> str:
    """A CASE mapping the string `column` to a number."""
    whens = " ".join(f"WHEN {_lit(k)} THEN {v!r}" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE {default!r} END"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    next_first = date(year + (month0 + 1) // 12, (month0 + 1) % 12 + 1, 1)
    last = (next_first - timedelta(days=1)).day
    return date(year, month0 + 1, min(day.day, last))


_MACROS = """
CREATE OR REPLACE TEMP MACRO _u(k, salt) AS
    (hash(xor(hash({seed}::BIGINT, salt), k::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO _u2(k1, k2, salt) AS
    (hash(xor(hash(xor(hash({seed}::BIGINT, salt), k1::UBIGINT)), k2::UBIGINT)) >> 11)::DOUBLE
        / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO _n(k, salt) AS
    sqrt(-2 * ln(1 - _u(k, salt))) * cos(2 * pi() * _u(k, salt || '/2'));
CREATE OR REPLACE TEMP MACRO _n2(k1, k2, salt) AS
    sqrt(-2 * ln(1 - _u2(k1, k2, salt))) * cos(2 * pi() * _u2(k1, k2, salt || '/2'));
"""

_SCHEMA = """
CREATE TABLE accounts (
    account_id BIGINT PRIMARY KEY,
    account_name VARCHAR NOT NULL,
    segment VARCHAR NOT NULL,
    gmv_tier VARCHAR NOT NULL,
    vertical VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    owner_name VARCHAR NOT NULL,
    signed_up_at TIMESTAMP NOT NULL,
    churned_at TIMESTAMP,
    ai_agent_enabled_at TIMESTAMP
);
CREATE TABLE subscriptions (
    subscription_id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    plan VARCHAR NOT NULL,
    arr DECIMAL(12,2) NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    change_type VARCHAR NOT NULL,
    arr_change DECIMAL(12,2) NOT NULL,
    end_reason VARCHAR
);
CREATE TABLE tickets (
    ticket_id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    channel VARCHAR NOT NULL,
    intent VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    resolved_at TIMESTAMP,
    handled_by VARCHAR NOT NULL,
    handed_over BOOLEAN NOT NULL,
    csat_score SMALLINT,
    message_count INTEGER NOT NULL
);
CREATE TABLE conversions (
    conversion_id BIGINT PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    ordered_at TIMESTAMP NOT NULL,
    order_value DECIMAL(12,2) NOT NULL,
    influenced_by VARCHAR NOT NULL
);
CREATE TABLE opportunities (
    opportunity_id BIGINT PRIMARY KEY,
    account_id BIGINT,
    opportunity_name VARCHAR NOT NULL,
    segment VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    owner_name VARCHAR NOT NULL,
    created_on DATE NOT NULL,
    close_date DATE NOT NULL
);
CREATE TABLE okr_targets (
    okr_id VARCHAR PRIMARY KEY,
    objective VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    segment VARCHAR,
    target_value DOUBLE NOT NULL
);
"""


_NAMES_SQL = """
CREATE TEMP TABLE _names AS
SELECT name_idx, name FROM (
    SELECT row_number() OVER (ORDER BY _u(range, 'name'), range) - 1 AS name_idx,
        {name} AS name
    FROM range({space})
)
WHERE name_idx < {n_names}
"""


def _names_sql(p: _Params, n_names: int) -> str:
    """Brand names in random order: name_idx 0.. are accounts, then prospects (all unique)."""
    a, n, s = len(_ADJECTIVES), len(_NOUNS), len(_SUFFIXES)
    words = a * n * s
    space = words * max(1, math.ceil(n_names / words))
    name = (
        f"concat_ws(' ', {_list(_ADJECTIVES)}[range % {a} + 1], "
        f"{_list(_NOUNS)}[range // {a} % {n} + 1], "
        f"NULLIF({_list(_SUFFIXES)}[range // {a * n} % {s} + 1], ''), "
        f"CASE WHEN range >= {words} THEN (range // {words} + 1)::VARCHAR END)"
    )
    return p.sql(_NAMES_SQL, name=name, space=space, n_names=n_names)


def _owner_sql(segment: str, u: str) -> str:
    whens = " ".join(
        f"WHEN {_lit(seg)} THEN {_list(names)}[1 + floor({u} * {len(names)})::INTEGER]"
        for seg, names in _OWNERS.items()
    )
    return f"CASE {segment} {whens} END"


# --------------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------------

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


def _accounts_sql(p: _Params) -> str:
    gmv_whens = " ".join(
        f"WHEN {_lit(seg)} THEN {_pick('u_gmv', list(zip(_GMV_TIERS, shares, strict=True)))}"
        for seg, shares in _GMV_BY_SEGMENT.items()
    )
    gmv_volume = _lookup("gmv_tier", dict(zip(_GMV_TIERS, (0.6, 1.0, 1.8, 3.0), strict=True)))
    gmv_arr = _lookup("gmv_tier", dict(zip(_GMV_TIERS, (0.7, 1.0, 1.5, 2.2), strict=True)))
    return p.sql(
        _ACCOUNTS_SQL,
        segment=_pick("u_segment", _SEGMENTS),
        gmv_whens=gmv_whens,
        vertical=_pick("u_vertical", _VERTICALS),
        region=_pick("u_region", _REGIONS),
        platform=_pick("u_platform", _PLATFORMS),
        owner=_owner_sql("segment", "u_owner"),
        gmv_volume=gmv_volume,
        gmv_arr=gmv_arr,
    )


# --------------------------------------------------------------------------------------------
# Subscriptions
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Tickets
# --------------------------------------------------------------------------------------------

_DAYS_SQL = """
CREATE TEMP TABLE _days AS
WITH d AS (
    SELECT CAST({start} + CAST(range AS INTEGER) AS DATE) AS day FROM range({n_days})
), b AS (
    SELECT day,
        day - (make_date(year(day), 11, 1)
            + CAST((4 - isodow(make_date(year(day), 11, 1)) + 7) % 7 + 22 AS INTEGER))
            AS from_black_friday
    FROM d
), w AS (
    SELECT day, from_black_friday,
        CASE
            WHEN from_black_friday BETWEEN 0 AND 3 THEN 2.1      -- Black Friday..Cyber Monday
            WHEN from_black_friday BETWEEN -3 AND 6 THEN 1.6     -- the days around it
            WHEN month(day) = 12 AND day(day) <= 22 THEN 1.45    -- holiday shipping
            WHEN month(day) = 12 AND day(day) <= 26 THEN 1.0
            WHEN month(day) = 12 OR (month(day) = 1 AND day(day) <= 15) THEN 1.25  -- returns
            WHEN month(day) = 11 THEN 1.15
            WHEN month(day) IN (7, 8) THEN 0.92
            ELSE 1.0
        END AS season,
        [1.12, 1.08, 1.04, 1.0, 0.96, 0.84, 0.88][isodow(day)] AS weekday
    FROM b
)
SELECT day,
    round(1000 * season * weekday)::BIGINT AS weight,
    sum(round(1000 * season * weekday)::BIGINT) OVER (ORDER BY day) AS cum,
    sum(round(1000 * season * weekday)::BIGINT) OVER (ORDER BY day)
        - round(1000 * season * weekday)::BIGINT AS cum_prev,
    from_black_friday BETWEEN -7 AND 6 OR (month(day) = 12 AND day(day) <= 24) AS peak,
    (month(day) = 12 AND day(day) >= 26) OR (month(day) = 1 AND day(day) <= 21) AS returns,
    isodow(day) >= 6 AS weekend
FROM w
ORDER BY day
"""

_TICKET_ACCOUNTS_SQL = """
CREATE TEMP TABLE _tacc AS
WITH span AS (
    SELECT account_id, volume,
        greatest({start}, signup_date + 1) AS first_day,
        least({as_of}, coalesce(churn_date - 1, {as_of})) AS last_day
    FROM _acc
), w AS (
    SELECT s.*, f.cum_prev AS c_lo, l.cum AS c_hi, s.volume * (l.cum - f.cum_prev) AS w
    FROM span s JOIN _days f ON f.day = s.first_day JOIN _days l ON l.day = s.last_day
    WHERE s.first_day <= s.last_day
)
SELECT *, sum(w) OVER (ORDER BY account_id) - w AS w_lo FROM w ORDER BY account_id
"""

_TICKET_DRAWS_SQL = """
CREATE TEMP TABLE _tdraw AS
WITH r AS (
    SELECT range AS g,
        floor(_u(range, 'ticket_account') * (SELECT sum(w) FROM _tacc))::BIGINT AS t_account
    FROM range({n_drawn})
), a AS (
    SELECT r.g, x.account_id, x.last_day,
        (x.c_lo + floor(_u(r.g, 'ticket_day') * (x.c_hi - x.c_lo)))::BIGINT AS t_day
    FROM r ASOF JOIN _tacc x ON r.t_account >= x.w_lo
)
SELECT a.g, a.account_id, least(d.day, a.last_day) AS day
FROM a ASOF JOIN _days d ON a.t_day >= d.cum_prev
UNION ALL
-- the last draw is always on the as-of day, so the data looks fresh at any scale
SELECT {last_g} AS g, account_id, {as_of} AS day
FROM (SELECT account_id FROM _tacc WHERE last_day = {as_of}
      ORDER BY volume DESC, account_id LIMIT 1)
"""

_TICKETS_SQL = """
INSERT INTO tickets
WITH base AS (
    SELECT t.g, t.account_id, a.segment, a.vertical, a.ai_agent_enabled_at, d.peak, d.returns,
        d.weekend,
        t.day + to_seconds(CASE WHEN _u(t.g, 'tod_mode') < 0.15
            THEN floor(_u(t.g, 'tod_a') * 86400)
            ELSE floor((7 + 8 * (_u(t.g, 'tod_a') + _u(t.g, 'tod_b'))) * 3600) END::BIGINT)
            AS created_at,
        {channel} AS channel,
        CASE
            WHEN d.peak AND _u(t.g, 'season_intent') < 0.18 THEN {peak_intent}
            WHEN d.returns AND _u(t.g, 'season_intent') < 0.15 THEN 'return_request'
            ELSE {intent}
        END AS intent
    FROM _tdraw t JOIN _acc a USING (account_id) JOIN _days d USING (day)
), ai AS (
    SELECT *,
        date_diff('second', {start_ts}, created_at) / {window_seconds} AS x,
        coalesce(ai_agent_enabled_at <= created_at, FALSE) AS ai_on
    FROM base
), who AS (
    SELECT *,
        ai_on AND _u(g, 'ai_handled')
            < least(0.95, (0.30 + 0.30 * x) * {ai_intent} / {ai_norm}) AS by_ai
    FROM ai
), flow AS (
    SELECT *,
        ai_on AND NOT by_ai AND _u(g, 'handover') < 0.70 AS handed_over,
        NOT by_ai AND NOT (ai_on AND _u(g, 'handover') < 0.70)
            AND _u(g, 'unanswered') < 0.012 AS unanswered
    FROM who
), secs AS (
    SELECT *,
        CASE
            WHEN unanswered THEN NULL
            WHEN by_ai OR handed_over
                THEN greatest(1, round(exp(ln(6) + 0.5 * _n(g, 'ai_response'))))
            ELSE greatest(5, round(exp(ln({human_response}) + 0.8 * _n(g, 'human_response'))
                * {vertical_factor}
                * CASE segment WHEN 'Enterprise' THEN 0.7 WHEN 'Mid-Market' THEN 0.85 ELSE 1 END
                * CASE WHEN peak THEN 1.5 ELSE 1 END
                * CASE WHEN weekend AND channel IN ('email', 'social') THEN 1.6 ELSE 1 END
                * (1.10 - 0.20 * x)))
        END::BIGINT AS response_seconds,
        CASE
            WHEN unanswered THEN floor((2 + 3 * _u(g, 'auto_close')) * 86400)
            WHEN by_ai THEN greatest(10, round(exp(ln(240) + 0.7 * _n(g, 'resolution'))))
            ELSE greatest(30, round(exp(ln({human_resolution}) + 0.9 * _n(g, 'resolution'))
                * {resolution_factor} * CASE WHEN handed_over THEN 1.15 ELSE 1 END))
        END::BIGINT AS resolution_seconds
    FROM flow
), times AS (
    SELECT *,
        CASE WHEN created_at + to_seconds(response_seconds) < {cutoff_ts}
            THEN created_at + to_seconds(response_seconds) END AS first_response_at
    FROM secs
), done AS (
    SELECT *,
        CASE
            WHEN unanswered AND created_at + to_seconds(resolution_seconds) < {cutoff_ts}
                THEN created_at + to_seconds(resolution_seconds)
            WHEN first_response_at + to_seconds(resolution_seconds) < {cutoff_ts}
                THEN first_response_at + to_seconds(resolution_seconds)
        END AS resolved_at
    FROM times
)
SELECT
    row_number() OVER (ORDER BY created_at, g)::BIGINT AS ticket_id,
    account_id, channel, intent, created_at, first_response_at, resolved_at,
    CASE WHEN by_ai THEN 'ai' ELSE 'human' END AS handled_by,
    handed_over,
    CASE WHEN resolved_at IS NOT NULL AND first_response_at IS NOT NULL
        AND _u(g, 'csat_answer') < CASE WHEN intent IN ('damaged_item', 'shipping_issue') THEN 0.24
            WHEN by_ai THEN 0.18 ELSE 0.21 END
        THEN CASE WHEN intent IN ('damaged_item', 'shipping_issue') THEN {csat_hard}
            ELSE {csat_usual} END
    END::SMALLINT AS csat_score,
    CASE
        WHEN unanswered THEN 1
        WHEN by_ai THEN 2 + floor(-ln(1 - _u(g, 'messages')) * 1.5)
        ELSE {messages} + floor(-ln(1 - _u(g, 'messages')) * {messages} / 2)
            + CASE WHEN handed_over THEN 2 ELSE 0 END
    END::INTEGER AS message_count
FROM done
ORDER BY ticket_id
"""


def _tickets_sql(p: _Params) -> str:
    mix = dict(_INTENTS)
    ai_norm = sum(mix[i] * _AI_INTENT_FACTOR[i] for i in mix)
    return p.sql(
        _TICKETS_SQL,
        channel=_pick("_u(t.g, 'channel')", _CHANNELS),
        intent=_pick("_u(t.g, 'intent')", _INTENTS),
        peak_intent=_pick(
            "_u(t.g, 'season_pick')",
            (("where_is_my_order", 0.5), ("shipping_issue", 0.3), ("discount_request", 0.2)),
        ),
        ai_intent=_lookup("intent", _AI_INTENT_FACTOR),
        ai_norm=round(ai_norm, 6),
        human_response=_lookup("channel", _HUMAN_FIRST_RESPONSE),
        human_resolution=_lookup("channel", _HUMAN_RESOLUTION),
        vertical_factor=_lookup("vertical", _VERTICAL_RESPONSE_FACTOR),
        resolution_factor=_lookup("intent", _RESOLUTION_INTENT_FACTOR),
        csat_usual=_pick("_u(g, 'csat')", _CSAT_USUAL),
        csat_hard=_pick("_u(g, 'csat')", _CSAT_HARD),
        messages=_lookup("channel", _MESSAGES),
    )


# --------------------------------------------------------------------------------------------
# Conversions
# --------------------------------------------------------------------------------------------

_CONVERSIONS_SQL = """
INSERT INTO conversions
WITH presale AS (
    SELECT t.ticket_id, t.account_id, t.intent, t.handled_by, t.first_response_at, a.vertical
    FROM tickets t JOIN accounts a USING (account_id)
    WHERE t.intent IN ('product_question', 'discount_request')
        AND t.first_response_at IS NOT NULL
        -- AI-handled conversations convert at nearly twice the human rate
        AND _u(t.ticket_id, 'convert') < CASE WHEN t.handled_by = 'ai' THEN 0.21 ELSE 0.11 END
            * CASE WHEN t.intent = 'discount_request' THEN 1.1 ELSE 0.92 END
), orders AS (
    SELECT *, k.range AS k FROM presale CROSS JOIN range(2) k
    WHERE k.range = 0 OR _u(ticket_id, 'second_order') < 0.06
), timed AS (
    SELECT *,
        first_response_at + to_seconds(CASE
            WHEN k = 0 AND _u2(ticket_id, k, 'same_day') < 0.82
                THEN least(43200, greatest(60, round(exp(ln(1500) + _n2(ticket_id, k, 'delay')))))
            WHEN k = 0 THEN round((1 + 6 * _u2(ticket_id, k, 'later')) * 86400)
            ELSE round((1 + 13 * _u2(ticket_id, k, 'later')) * 86400)
        END::BIGINT) AS ordered_at,
        CAST(round({order_value} * exp(0.55 * _n2(ticket_id, k, 'value'))
            * CASE WHEN intent = 'discount_request' THEN 0.85 ELSE 1 END, 2) AS DECIMAL(12,2))
            AS order_value
    FROM orders
)
SELECT row_number() OVER (ORDER BY ordered_at, ticket_id, k)::BIGINT AS conversion_id,
    ticket_id, account_id, ordered_at, greatest(order_value, 1.00), handled_by AS influenced_by
FROM timed
WHERE ordered_at < {cutoff_ts}
ORDER BY conversion_id
"""


# --------------------------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------------------------

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


def _opportunities_sql(p: _Params) -> str:
    sources = (("Inbound", 0.45), ("Outbound", 0.35), ("Partner", 0.20))
    seg_arr = (
        "CASE segment WHEN 'SMB' THEN 3000 WHEN 'Mid-Market' THEN 24000 ELSE 120000 END"
        " * exp(0.5 * n_amount)"
    )
    amount = f"CAST(round({seg_arr}, -1) AS DECIMAL(12,2))"
    cycle = _CYCLE_DAYS.format(segment="segment")
    return p.sql(
        _OPPORTUNITIES_SQL,
        nb_source=_pick("_u(g, 'source')", sources),
        n_open_new=max(1, round(p.n_accounts * 0.25)),
        open_segment=_pick("_u(range, 'open_segment')", _SEGMENTS),
        open_source=_pick("_u(range, 'open_source')", sources),
        open_stage=_pick("_u(range, 'open_stage')", _STAGES_OPEN),
        open_cycle=_CYCLE_DAYS.format(segment=_pick("_u(range, 'open_segment')", _SEGMENTS)),
        won_cycle=cycle,
        lost_cycle=cycle,
        exp_cycle=cycle,
        lost_amount=amount,
        open_amount=amount,
        lost_owner=_owner_sql("segment", "u_owner"),
        open_owner=_owner_sql("segment", "u_owner"),
        exp_source=_pick(
            "_u(subscription_id, 'exp_source')",
            (("Outbound", 0.55), ("Inbound", 0.35), ("Partner", 0.10)),
        ),
        exp_open_stage=_pick("u_stage", _STAGES_OPEN),
    )


# --------------------------------------------------------------------------------------------
# OKR targets
# --------------------------------------------------------------------------------------------

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
    con: duckdb.DuckDBPyConnection, p: _Params
) -> list[tuple[str, str, str, str, str | None, float]]:
    """OKR-1..6 for the quarter holding as_of, with targets set from the data."""
    q_start = _quarter_start(p.as_of)
    prev_q_start = _add_months(q_start, -3)
    q_end = _add_months(q_start, 3) - timedelta(days=1)
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


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------


def _validate(path: Path, scale: float, as_of: date, seed: int) -> None:
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale):
        raise DemoBuildError(
            f"scale must be a number, got {scale!r}. Pass e.g. scale=1 (about 5,000 accounts and "
            "1,000,000 tickets) or scale=0.05 for a quick build."
        )
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise DemoBuildError(
            f"scale must be between {MIN_SCALE} and {MAX_SCALE:g}, got {scale!r}. Scale 1 is "
            "about 5,000 accounts and 1,000,000 tickets; use e.g. scale=0.05 for a quick build."
        )
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        raise DemoBuildError(
            f"as_of must be a datetime.date (e.g. date(2026, 11, 24)), got {as_of!r}."
        )
    if not 2000 <= as_of.year <= 2100:
        raise DemoBuildError(
            f"as_of must be a day between 2000 and 2100, got {as_of.isoformat()}. "
            "Pass the day the demo data should end on, e.g. today."
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise DemoBuildError(f"seed must be an integer between 0 and 2**63 - 1, got {seed!r}.")
    if path.is_dir():
        raise DemoBuildError(
            f"{path} is a directory; pass the path of the DuckDB file to write, "
            f"e.g. {path / 'demo.duckdb'}."
        )


def build_demo(
    path: Path,
    *,
    scale: float = 1.0,
    as_of: date,
    seed: int = 42,
    on_progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Build the demo company into the DuckDB file `path` (replacing it) and summarise it.

    The same `seed`, `scale` and `as_of` always give the same rows. The file is built beside
    `path` and renamed into place at the end, so a failed build never leaves half a warehouse.
    `on_progress(step, steps_done, steps_total)` is called after each step.
    Raises DemoBuildError for arguments it cannot build from.
    """
    path = Path(path)
    _validate(path, scale, as_of, seed)
    began = time.perf_counter()
    params = _Params(
        seed=seed,
        as_of=as_of,
        n_accounts=max(1, round(ACCOUNTS_PER_SCALE * scale)),
        n_tickets=max(1, round(TICKETS_PER_SCALE * scale)),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as exc:
        raise DemoBuildError(
            f"Cannot create the demo warehouse in {path.parent}: {exc.strerror}. "
            "Pass a path in a writable directory."
        ) from exc
    try:
        building = workdir / path.name
        row_counts = _build_into(building, params, on_progress)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            wal.unlink()  # a log of the file being replaced would corrupt the new one
        os.replace(building, path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return DemoSummary(
        path=path,
        scale=float(scale),
        seed=seed,
        as_of=as_of,
        row_counts=row_counts,
        seconds=time.perf_counter() - began,
    )


def _build_into(target: Path, p: _Params, on_progress: ProgressCallback | None) -> dict[str, int]:
    con = duckdb.connect(str(target))
    try:
        # brand names: accounts, then at most 6 lost and 0.25 open new-logo deals per account
        n_names = p.n_accounts * 8 + 10

        def accounts() -> None:
            con.execute(p.sql(_MACROS))
            con.execute(_SCHEMA)
            con.execute(_names_sql(p, n_names))
            con.execute(_accounts_sql(p))
            con.execute(_INSERT_ACCOUNTS)

        def subscriptions() -> None:
            years = (p.cutoff - p.pre_start).days / 365.25
            con.execute(p.sql(_SUBSCRIPTIONS_SQL, n_slots=2 * math.ceil(years) + 2))

        def tickets() -> None:
            con.execute(p.sql(_DAYS_SQL))
            con.execute(p.sql(_TICKET_ACCOUNTS_SQL))
            con.execute(p.sql(_TICKET_DRAWS_SQL, n_drawn=p.n_tickets - 1, last_g=p.n_tickets - 1))
            con.execute(_tickets_sql(p))

        def conversions() -> None:
            con.execute(
                p.sql(_CONVERSIONS_SQL, order_value=_lookup("vertical", _ORDER_VALUE, 80.0))
            )

        def opportunities() -> None:
            con.execute(_opportunities_sql(p))
            con.execute(_INSERT_OPPORTUNITIES)

        def okr_targets() -> None:
            con.executemany("INSERT INTO okr_targets VALUES (?, ?, ?, ?, ?, ?)", _okr_rows(con, p))

        def finish() -> None:
            for table in ("_opp", "_tdraw", "_tacc", "_days", "_acc", "_names"):
                con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute("CHECKPOINT")

        steps: list[tuple[str, Callable[[], None]]] = [
            ("accounts", accounts),
            ("subscriptions", subscriptions),
            ("tickets", tickets),
            ("conversions", conversions),
            ("opportunities", opportunities),
            ("okr_targets", okr_targets),
            ("finishing", finish),
        ]
        for done, (label, step) in enumerate(steps, start=1):
            step()
            if on_progress is not None:
                on_progress(label, done, len(steps))
        counts: dict[str, int] = {}
        for table in TABLES:
            found = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(found[0]) if found else 0
        return counts
    finally:
        con.close()
