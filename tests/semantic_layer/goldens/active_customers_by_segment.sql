/* accounts: active_customers (snapshot) */
SELECT
  accounts.segment AS segment,
  COALESCE(COUNT(*), 0) AS active_customers
FROM (VALUES
  (CAST('2026-11-24' AS DATE), CAST('2026-11-24' AS DATE))) AS _spine(period, day)
INNER JOIN accounts AS accounts
  ON CAST(accounts.signed_up_at AS DATE) <= _spine.day
  AND (
    CAST(accounts.churned_at AS DATE) IS NULL
    OR CAST(accounts.churned_at AS DATE) > _spine.day
  )
GROUP BY
  1
ORDER BY
  active_customers DESC,
  segment ASC
