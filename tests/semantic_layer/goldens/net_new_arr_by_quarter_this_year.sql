/* arr_movements: net_arr_change (plain) */
SELECT
  CAST(DATE_TRUNC('QUARTER', arr_movements.moved_on) AS DATE) AS metric_time__quarter,
  COALESCE(SUM(arr_movements.amount), 0.0) AS net_new_arr
FROM (
  SELECT
    started_on AS moved_on,
    arr_change AS amount
  FROM subscriptions
  WHERE
    change_type IN ('new', 'expansion', 'contraction')
  UNION ALL
  SELECT
    ended_on AS moved_on,
    -arr AS amount
  FROM subscriptions
  WHERE
    end_reason = 'churn'
) AS arr_movements
WHERE
  arr_movements.moved_on >= CAST('2026-01-01' AS DATE)
  AND arr_movements.moved_on < CAST('2026-11-25' AS DATE)
GROUP BY
  1
ORDER BY
  metric_time__quarter ASC
