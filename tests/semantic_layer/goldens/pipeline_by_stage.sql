/* opportunities: open_pipeline_amount (plain) */
SELECT
  opportunities.stage AS stage,
  SUM(opportunities.amount) FILTER(WHERE
    (
      NOT (
        opportunities.stage = 'Closed Won' OR opportunities.stage = 'Closed Lost'
      )
    )) AS pipeline_amount
FROM opportunities AS opportunities
GROUP BY
  1
ORDER BY
  pipeline_amount DESC,
  stage ASC
