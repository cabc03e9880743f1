/* tickets: tickets (plain) */
SELECT
  CAST(DATE_TRUNC('WEEK', tickets.created_at) AS DATE) AS created_at__week,
  COALESCE(COUNT(*), 0) AS ticket_volume
FROM tickets AS tickets
WHERE
  tickets.channel IN ('email', 'chat')
  AND tickets.created_at >= CAST('2026-09-07' AS DATE)
  AND tickets.created_at < CAST('2026-11-25' AS DATE)
GROUP BY
  1
ORDER BY
  created_at__week ASC
