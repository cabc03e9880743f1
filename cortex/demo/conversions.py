"""Conversions: orders placed after a presale ticket (a product question or a discount request)."""

from __future__ import annotations

import duckdb

from cortex.demo.params import Params
from cortex.demo.sql import lookup

__all__ = ["generate_conversions"]

_ORDER_VALUE = {
    "Apparel & Accessories": 85,
    "Food & Beverage": 48,
    "Health & Beauty": 62,
    "Home & Garden": 140,
    "Sporting Goods": 110,
    "Electronics": 210,
    "Pets": 55,
}

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


def generate_conversions(con: duckdb.DuckDBPyConnection, p: Params) -> None:
    """Fill `conversions` from the tickets."""
    con.execute(p.sql(_CONVERSIONS_SQL, order_value=lookup("vertical", _ORDER_VALUE, 80.0)))
