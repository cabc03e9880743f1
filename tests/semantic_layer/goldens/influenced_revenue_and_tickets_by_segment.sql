WITH g0 AS (
  /* conversions: influenced_revenue (plain) */
  SELECT
    accounts.segment AS segment,
    SUM(conversions.m0) AS m0
  FROM (
    SELECT
      conversions.account_id AS account_id,
      SUM(conversions.order_value) AS m0
    FROM conversions AS conversions
    GROUP BY
      1
  ) AS conversions
  INNER JOIN accounts AS accounts
    ON conversions.account_id = accounts.account_id
  GROUP BY
    1
), g1 AS (
  /* tickets: tickets (plain) */
  SELECT
    accounts.segment AS segment,
    CAST(SUM(tickets.m1) AS BIGINT) AS m1
  FROM (
    SELECT
      tickets.account_id AS account_id,
      COUNT(*) AS m1
    FROM tickets AS tickets
    GROUP BY
      1
  ) AS tickets
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
