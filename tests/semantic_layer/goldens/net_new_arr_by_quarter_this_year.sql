WITH g0 AS (
  /* subscriptions: contraction_arr, expansion_arr, new_arr (plain) */
  SELECT
    CAST(DATE_TRUNC('QUARTER', subscriptions.started_on) AS DATE) AS metric_time__quarter,
    SUM(
      CASE WHEN (
        subscriptions.change_type = 'new'
      ) THEN subscriptions.arr_change END
    ) AS m0,
    SUM(
      CASE
        WHEN (
          subscriptions.change_type = 'expansion'
        )
        THEN subscriptions.arr_change
      END
    ) AS m1,
    SUM(
      CASE
        WHEN (
          subscriptions.change_type = 'contraction'
        )
        THEN -subscriptions.arr_change
      END
    ) AS m2
  FROM subscriptions AS subscriptions
  WHERE
    subscriptions.started_on >= CAST('2026-01-01' AS DATE)
    AND subscriptions.started_on < CAST('2026-11-25' AS DATE)
  GROUP BY
    1
), g1 AS (
  /* subscriptions: churned_arr (plain) */
  SELECT
    CAST(DATE_TRUNC('QUARTER', subscriptions.ended_on) AS DATE) AS metric_time__quarter,
    SUM(subscriptions.arr) AS m3
  FROM subscriptions AS subscriptions
  WHERE
    (
      subscriptions.end_reason = 'churn'
    )
    AND subscriptions.ended_on >= CAST('2026-01-01' AS DATE)
    AND subscriptions.ended_on < CAST('2026-11-25' AS DATE)
  GROUP BY
    1
)
SELECT
  COALESCE(g0.metric_time__quarter, g1.metric_time__quarter) AS metric_time__quarter,
  (
    COALESCE(g0.m0, 0)
  ) + (
    COALESCE(g0.m1, 0)
  ) - (
    COALESCE(g0.m2, 0)
  ) - (
    COALESCE(g1.m3, 0)
  ) AS net_new_arr
FROM g0 AS g0
FULL JOIN g1 AS g1
  ON g0.metric_time__quarter IS NOT DISTINCT FROM g1.metric_time__quarter
ORDER BY
  metric_time__quarter ASC
