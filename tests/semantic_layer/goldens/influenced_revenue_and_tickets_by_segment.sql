WITH g0 AS (
  /* conversions: influenced_revenue (plain) */
  SELECT
    accounts.segment AS segment,
    SUM(conversions.order_value) AS m0
  FROM conversions AS conversions
  INNER JOIN accounts AS accounts
    ON conversions.account_id = accounts.account_id
  GROUP BY
    1
), g1 AS (
  /* tickets: tickets (plain) */
  SELECT
    accounts.segment AS segment,
    COUNT(*) AS m1
  FROM tickets AS tickets
  INNER JOIN accounts AS accounts
    ON tickets.account_id = accounts.account_id
  GROUP BY
    1
)
SELECT
  COALESCE(g0.segment, g1.segment) AS segment,
  g0.m0 AS influenced_revenue,
  COALESCE(g1.m1, 0) AS ticket_volume
FROM g0 AS g0
FULL JOIN g1 AS g1
  ON g0.segment IS NOT DISTINCT FROM g1.segment
ORDER BY
  influenced_revenue DESC,
  segment ASC
