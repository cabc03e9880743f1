"""Tickets: which merchant and day each falls on, its channel and intent, who handled it, how fast.

Tickets are sampled in two steps: an account in proportion to its size times the seasonal
weight of the days it was a customer, then a day inside that span in proportion to the
seasonal weight (weekday rhythm, Black Friday to Cyber Monday, December, January returns).
Running sums that pick rows (ticket -> account -> day) are over integer weights, so they are
exact. The AI-handled share of an AI account's tickets grows linearly from about 30 % to 60 %
over the history.
"""

from __future__ import annotations

import duckdb

from cortex.demo.params import Params
from cortex.demo.sql import lookup, pick

__all__ = ["generate_tickets"]

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
_CSAT_USUAL = ((5, 0.63), (4, 0.22), (3, 0.07), (2, 0.03), (1, 0.05))
_CSAT_HARD = ((5, 0.45), (4, 0.27), (3, 0.12), (2, 0.06), (1, 0.10))  # damaged, shipping

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


def generate_tickets(con: duckdb.DuckDBPyConnection, p: Params) -> None:
    """Fill `tickets` (and the temp tables `_days`, `_tacc` and `_tdraw`)."""
    con.execute(p.sql(_DAYS_SQL))
    con.execute(p.sql(_TICKET_ACCOUNTS_SQL))
    con.execute(p.sql(_TICKET_DRAWS_SQL, n_drawn=p.n_tickets - 1, last_g=p.n_tickets - 1))
    con.execute(_tickets_sql(p))


def _tickets_sql(p: Params) -> str:
    mix = dict(_INTENTS)
    ai_norm = sum(mix[i] * _AI_INTENT_FACTOR[i] for i in mix)
    return p.sql(
        _TICKETS_SQL,
        channel=pick("_u(t.g, 'channel')", _CHANNELS),
        intent=pick("_u(t.g, 'intent')", _INTENTS),
        peak_intent=pick(
            "_u(t.g, 'season_pick')",
            (("where_is_my_order", 0.5), ("shipping_issue", 0.3), ("discount_request", 0.2)),
        ),
        ai_intent=lookup("intent", _AI_INTENT_FACTOR),
        ai_norm=round(ai_norm, 6),
        human_response=lookup("channel", _HUMAN_FIRST_RESPONSE),
        human_resolution=lookup("channel", _HUMAN_RESOLUTION),
        vertical_factor=lookup("vertical", _VERTICAL_RESPONSE_FACTOR),
        resolution_factor=lookup("intent", _RESOLUTION_INTENT_FACTOR),
        csat_usual=pick("_u(g, 'csat')", _CSAT_USUAL),
        csat_hard=pick("_u(g, 'csat')", _CSAT_HARD),
        messages=lookup("channel", _MESSAGES),
    )
