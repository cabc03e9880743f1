WITH g0 AS (
  /* conversions: influenced_revenue (plain) */
  SELECT
    accounts.segment AS segment,
    SUM(conversions.order_value) AS m0
  FROM conversions AS conversions
  LEFT JOIN tickets AS tickets
    ON conversions.ticket_id = tickets.ticket_id
  LEFT JOIN accounts AS accounts
    ON tickets.account_id = accounts.account_id
  GROUP BY
    1
), g1 AS (
  /* tickets: tickets (plain) */
  SELECT
    accounts.segment AS segment,
    COUNT(*) AS m1
  FROM tickets AS tickets
  LEFT JOIN accounts AS accounts
    ON tickets.account_id = accounts.account_id
  GROUP BY
    1
), keys AS (
  SELECT
    segment
  FROM g0
  UNION
  SELECT
    segment
  FROM g1
)
SELECT
  k.segment,
  g0.m0 AS influenced_revenue,
  COALESCE(g1.m1, 0) AS ticket_volume
FROM keys AS k
LEFT JOIN g0 AS g0
  ON g0.segment IS NOT DISTINCT FROM k.segment
LEFT JOIN g1 AS g1
  ON g1.segment IS NOT DISTINCT FROM k.segment
ORDER BY
  influenced_revenue DESC,
  segment ASC
