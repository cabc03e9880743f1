/* tickets: csat_sum/csat_responses, satisfied_share (plain) */
SELECT
  tickets.intent AS intent,
  AVG(tickets.csat_score) AS csat,
  AVG(
    CASE
      WHEN tickets.csat_score >= 4
      THEN 1.0
      WHEN NOT tickets.csat_score IS NULL
      THEN 0.0
    END
  ) AS csat_satisfied_rate
FROM tickets AS tickets
WHERE
  tickets.created_at >= CAST('2026-01-01' AS DATE)
  AND tickets.created_at < CAST('2026-11-25' AS DATE)
GROUP BY
  1
ORDER BY
  csat DESC,
  intent ASC
