WITH g0 AS (
  /* tickets: tickets (plain) */
  SELECT
    accounts.segment AS segment,
    COUNT(*) AS m0
  FROM tickets AS tickets
  LEFT JOIN accounts AS accounts
    ON tickets.account_id = accounts.account_id
  GROUP BY
    1
), g1 AS (
  /* subscriptions: arr (snapshot) */
  SELECT
    accounts.segment AS segment,
    SUM(subscriptions.arr) AS m1
  FROM (VALUES
    (CAST('2026-11-24' AS DATE), CAST('2026-11-24' AS DATE))) AS _spine(period, day)
  INNER JOIN subscriptions AS subscriptions
    ON CAST(subscriptions.started_on AS DATE) <= _spine.day
    AND (
      CAST(subscriptions.ended_on AS DATE) IS NULL
      OR CAST(subscriptions.ended_on AS DATE) > _spine.day
    )
  LEFT JOIN accounts AS accounts
    ON subscriptions.account_id = accounts.account_id
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
  COALESCE(g0.m0, 0) AS ticket_volume,
  g1.m1 AS arr
FROM keys AS k
LEFT JOIN g0 AS g0
  ON g0.segment IS NOT DISTINCT FROM k.segment
LEFT JOIN g1 AS g1
  ON g1.segment IS NOT DISTINCT FROM k.segment
ORDER BY
  ticket_volume DESC,
  segment ASC
