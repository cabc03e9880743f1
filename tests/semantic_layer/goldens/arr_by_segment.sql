/* subscriptions: arr (snapshot) */
SELECT
  accounts.segment AS segment,
  SUM(subscriptions.arr) AS arr
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
ORDER BY
  arr DESC,
  segment ASC
