WITH cur AS (
  /* tickets: tickets (plain) */
  SELECT
    accounts.vertical AS vertical,
    COALESCE(CAST(SUM(tickets.m0) AS BIGINT), 0) AS ai_handled_tickets
  FROM (
    SELECT
      tickets.account_id AS account_id,
      COUNT_IF(tickets.handled_by = 'ai') AS m0
    FROM tickets AS tickets
    WHERE
      tickets.created_at >= CAST('2026-11-01' AS DATE)
      AND tickets.created_at < CAST('2026-11-25' AS DATE)
    GROUP BY
      1
  ) AS tickets
  INNER JOIN accounts AS accounts
    ON tickets.account_id = accounts.account_id
  GROUP BY
    1
), prev AS (
  /* tickets: tickets (plain) */
  SELECT
    accounts.vertical AS vertical,
    COALESCE(CAST(SUM(tickets.m0) AS BIGINT), 0) AS ai_handled_tickets
  FROM (
    SELECT
      tickets.account_id AS account_id,
      COUNT_IF(tickets.handled_by = 'ai') AS m0
    FROM tickets AS tickets
    WHERE
      tickets.created_at >= CAST('2026-10-01' AS DATE)
      AND tickets.created_at < CAST('2026-10-25' AS DATE)
    GROUP BY
      1
  ) AS tickets
  INNER JOIN accounts AS accounts
    ON tickets.account_id = accounts.account_id
  GROUP BY
    1
)
SELECT
  cur.vertical,
  cur.ai_handled_tickets,
  prev.ai_handled_tickets AS ai_handled_tickets__previous,
  cur.ai_handled_tickets - prev.ai_handled_tickets AS ai_handled_tickets__change,
  CAST((
    cur.ai_handled_tickets - prev.ai_handled_tickets
  ) AS DOUBLE) / NULLIF(ABS(prev.ai_handled_tickets), 0) AS ai_handled_tickets__change_pct
FROM cur
LEFT JOIN prev
  ON cur.vertical IS NOT DISTINCT FROM prev.vertical
ORDER BY
  ai_handled_tickets DESC,
  vertical ASC
