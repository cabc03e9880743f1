WITH cur AS (
  /* opportunities: closed_deals, won_deals (plain) */
  SELECT
    opportunities.source AS source,
    CAST((
      COALESCE(COUNT_IF((
        opportunities.stage = 'Closed Won'
      )), 0)
    ) AS DOUBLE) / NULLIF(
      (
        COALESCE(
          COUNT_IF((
            opportunities.stage = 'Closed Won' OR opportunities.stage = 'Closed Lost'
          )),
          0
        )
      ),
      0
    ) AS win_rate
  FROM opportunities AS opportunities
  WHERE
    opportunities.close_date >= CAST('2026-01-01' AS DATE)
    AND opportunities.close_date < CAST('2026-11-25' AS DATE)
  GROUP BY
    1
), prev AS (
  /* opportunities: closed_deals, won_deals (plain) */
  SELECT
    opportunities.source AS source,
    CAST((
      COALESCE(COUNT_IF((
        opportunities.stage = 'Closed Won'
      )), 0)
    ) AS DOUBLE) / NULLIF(
      (
        COALESCE(
          COUNT_IF((
            opportunities.stage = 'Closed Won' OR opportunities.stage = 'Closed Lost'
          )),
          0
        )
      ),
      0
    ) AS win_rate
  FROM opportunities AS opportunities
  WHERE
    opportunities.close_date >= CAST('2025-01-01' AS DATE)
    AND opportunities.close_date < CAST('2025-11-25' AS DATE)
  GROUP BY
    1
)
SELECT
  cur.source,
  cur.win_rate,
  prev.win_rate AS win_rate__previous,
  cur.win_rate - prev.win_rate AS win_rate__change,
  CAST((
    cur.win_rate - prev.win_rate
  ) AS DOUBLE) / NULLIF(ABS(prev.win_rate), 0) AS win_rate__change_pct
FROM cur
LEFT JOIN prev
  ON cur.source IS NOT DISTINCT FROM prev.source
ORDER BY
  win_rate DESC,
  source ASC
