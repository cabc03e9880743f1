WITH g0 AS (
  /* conversions: converted_tickets (plain) */
  SELECT
    tickets.handled_by AS handled_by,
    COUNT(DISTINCT conversions.ticket_id) AS m0
  FROM conversions AS conversions
  LEFT JOIN tickets AS tickets
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
    COUNT(*) AS m1
  FROM tickets AS tickets
  WHERE
    (
      tickets.intent IN ('product_question', 'discount_request')
    )
    AND tickets.created_at >= CAST('2026-10-01' AS DATE)
    AND tickets.created_at < CAST('2026-11-25' AS DATE)
  GROUP BY
    1
), keys AS (
  SELECT
    handled_by
  FROM g0
  UNION
  SELECT
    handled_by
  FROM g1
)
SELECT
  k.handled_by,
  CAST((
    COALESCE(g0.m0, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(g1.m1, 0)
  ), 0) AS conversion_rate
FROM keys AS k
LEFT JOIN g0 AS g0
  ON g0.handled_by IS NOT DISTINCT FROM k.handled_by
LEFT JOIN g1 AS g1
  ON g1.handled_by IS NOT DISTINCT FROM k.handled_by
ORDER BY
  conversion_rate DESC,
  handled_by ASC
