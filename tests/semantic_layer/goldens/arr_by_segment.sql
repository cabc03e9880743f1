/* subscriptions: arr (snapshot) */
SELECT
  accounts.segment AS segment,
  SUM(subscriptions.arr) AS arr
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
ORDER BY
  arr DESC,
  segment ASC
