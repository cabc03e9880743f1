/* tickets: csat_responses, csat_sum/csat_responses, satisfied_responses (plain) */
SELECT
  tickets.intent AS intent,
  AVG(tickets.csat_score) AS csat,
  CAST((
    COALESCE(COUNT(CASE WHEN (
      tickets.csat_score >= 4
    ) THEN 1 END), 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(COUNT(tickets.csat_score), 0)
  ), 0) AS csat_satisfied_rate
FROM tickets AS tickets
WHERE
  tickets.created_at >= CAST('2026-01-01' AS DATE)
  AND tickets.created_at < CAST('2026-11-25' AS DATE)
GROUP BY
  1
ORDER BY
  csat DESC,
  intent ASC
