/* tickets: tickets (plain) */
SELECT
  accounts.account_name AS account_name,
  COALESCE(COUNT(*), 0) AS ticket_volume
FROM tickets AS tickets
INNER JOIN accounts AS accounts
  ON tickets.account_id = accounts.account_id
WHERE
  accounts.segment = 'Enterprise'
  AND tickets.created_at >= CAST('2026-10-01' AS DATE)
  AND tickets.created_at < CAST('2026-11-01' AS DATE)
GROUP BY
  1
ORDER BY
  ticket_volume DESC,
  account_name ASC
LIMIT 10
