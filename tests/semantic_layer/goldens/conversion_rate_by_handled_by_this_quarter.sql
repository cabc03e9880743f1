WITH g0 AS (
  /* conversions: converted_tickets (plain) */
  SELECT
    tickets.handled_by AS handled_by,
    COUNT(DISTINCT conversions.ticket_id) AS m0
  FROM conversions AS conversions
  INNER JOIN tickets AS tickets
    ON conversions.ticket_id = tickets.ticket_id
  WHERE
    conversions.ordered_at >= CAST('2026-10-01' AS DATE)
    AND conversions.ordered_at < CAST('2026-11-25' AS DATE)
  GROUP BY
    1
), g1 AS (
  /* tickets: presale_tickets (plain) */
  SELECT
    tickets.handled_by AS handled_by,
    COUNT_IF((
      tickets.intent = 'product_question' OR tickets.intent = 'discount_request'
    )) AS m1
  FROM tickets AS tickets
  WHERE
    tickets.created_at >= CAST('2026-10-01' AS DATE)
    AND tickets.created_at < CAST('2026-11-25' AS DATE)
  GROUP BY
    1
)
SELECT
  COALESCE(g0.handled_by, g1.handled_by) AS handled_by,
  CAST((
    COALESCE(g0.m0, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(g1.m1, 0)
  ), 0) AS conversion_rate
FROM g0 AS g0
FULL JOIN g1 AS g1
  ON g0.handled_by IS NOT DISTINCT FROM g1.handled_by
ORDER BY
  conversion_rate DESC,
  handled_by ASC
