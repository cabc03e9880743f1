/* accounts: active_customers (snapshot) */
SELECT
  accounts.segment AS segment,
  COALESCE(COUNT(*), 0) AS active_customers
FROM accounts AS accounts
WHERE
  CAST(accounts.signed_up_at AS DATE) <= CAST('2026-11-24' AS DATE)
  AND (
    accounts.churned_at IS NULL
    OR CAST(accounts.churned_at AS DATE) > CAST('2026-11-24' AS DATE)
  )
GROUP BY
  1
ORDER BY
  active_customers DESC,
  segment ASC
