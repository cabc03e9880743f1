/* tickets: tickets (plain) */
SELECT
  accounts.account_name AS account_name,
  COALESCE(CAST(SUM(tickets.m0) AS BIGINT), 0) AS ticket_volume
FROM (
  SELECT
    tickets.account_id AS account_id,
    COUNT(*) AS m0
  FROM tickets AS tickets
  WHERE
    tickets.created_at >= CAST('2026-10-01' AS DATE)
    AND tickets.created_at < CAST('2026-11-01' AS DATE)
  GROUP BY
    1
) AS tickets
INNER JOIN accounts AS accounts
  ON tickets.account_id = accounts.account_id
WHERE
  accounts.segment = 'Enterprise'
GROUP BY
  1
ORDER BY
  ticket_volume DESC,
  account_name ASC
LIMIT 10
