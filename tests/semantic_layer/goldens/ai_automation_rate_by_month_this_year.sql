/* tickets: ai_resolved_tickets, resolved_tickets (plain) */
SELECT
  CAST(DATE_TRUNC('MONTH', tickets.created_at) AS DATE) AS metric_time__month,
  CAST((
    COALESCE(COUNT_IF((
      NOT tickets.resolved_at IS NULL AND tickets.handled_by = 'ai'
    )), 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(COUNT_IF((
      NOT tickets.resolved_at IS NULL
    )), 0)
  ), 0) AS ai_automation_rate
FROM tickets AS tickets
WHERE
  tickets.created_at >= CAST('2026-01-01' AS DATE)
  AND tickets.created_at < CAST('2026-11-25' AS DATE)
GROUP BY
  1
ORDER BY
  metric_time__month ASC
