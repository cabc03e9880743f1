/* tickets: first_response_seconds_median (plain) */
SELECT
  tickets.channel AS channel,
  MEDIAN(DATE_DIFF('SECOND', tickets.created_at, tickets.first_response_at)) AS first_response_time
FROM tickets AS tickets
WHERE
  tickets.created_at >= CAST('2026-10-26' AS DATE)
  AND tickets.created_at < CAST('2026-11-25' AS DATE)
GROUP BY
  1
ORDER BY
  first_response_time DESC,
  channel ASC
