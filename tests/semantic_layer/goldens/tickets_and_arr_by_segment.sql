WITH g0 AS (
  /* tickets: tickets (plain) */
  SELECT
    accounts.segment AS segment,
    CAST(SUM(tickets.m0) AS BIGINT) AS m0
  FROM (
    SELECT
      tickets.account_id AS account_id,
      COUNT(*) AS m0
    FROM tickets AS tickets
    GROUP BY
      1
  ) AS tickets
  INNER JOIN accounts AS accounts
    ON tickets.account_id = accounts.account_id
  GROUP BY
    1
), g1 AS (
  /* subscriptions: arr (snapshot) */
  SELECT
    accounts.segment AS segment,
    SUM(subscriptions.arr) AS m1
  FROM subscriptions AS subscriptions
  INNER JOIN accounts AS accounts
    ON subscriptions.account_id = accounts.account_id
  WHERE
    CAST(subscriptions.started_on AS DATE) <= CAST('2026-11-24' AS DATE)
    AND (
      subscriptions.ended_on IS NULL
      OR CAST(subscriptions.ended_on AS DATE) > CAST('2026-11-24' AS DATE)
    )
  GROUP BY
    1
)
SELECT
  COALESCE(g0.segment, g1.segment) AS segment,
  COALESCE(g0.m0, 0) AS ticket_volume,
  g1.m1 AS arr
FROM g0 AS g0
FULL JOIN g1 AS g1
  ON g0.segment IS NOT DISTINCT FROM g1.segment
ORDER BY
  ticket_volume DESC,
  segment ASC
