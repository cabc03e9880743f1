WITH g0 AS (
  /* accounts: ai_enabled_customers (snapshot) */
  SELECT
    _spine.period AS metric_time__month,
    COUNT(*) AS m0
  FROM (VALUES
    (CAST('2025-12-01' AS DATE), CAST('2025-12-31' AS DATE)),
    (CAST('2026-01-01' AS DATE), CAST('2026-01-31' AS DATE)),
    (CAST('2026-02-01' AS DATE), CAST('2026-02-28' AS DATE)),
    (CAST('2026-03-01' AS DATE), CAST('2026-03-31' AS DATE)),
    (CAST('2026-04-01' AS DATE), CAST('2026-04-30' AS DATE)),
    (CAST('2026-05-01' AS DATE), CAST('2026-05-31' AS DATE)),
    (CAST('2026-06-01' AS DATE), CAST('2026-06-30' AS DATE)),
    (CAST('2026-07-01' AS DATE), CAST('2026-07-31' AS DATE)),
    (CAST('2026-08-01' AS DATE), CAST('2026-08-31' AS DATE)),
    (CAST('2026-09-01' AS DATE), CAST('2026-09-30' AS DATE)),
    (CAST('2026-10-01' AS DATE), CAST('2026-10-31' AS DATE)),
    (CAST('2026-11-01' AS DATE), CAST('2026-11-24' AS DATE))) AS _spine(period, day)
  INNER JOIN accounts AS accounts
    ON CAST(accounts.ai_agent_enabled_at AS DATE) <= _spine.day
    AND (
      CAST(accounts.churned_at AS DATE) IS NULL
      OR CAST(accounts.churned_at AS DATE) > _spine.day
    )
  GROUP BY
    1
), g1 AS (
  /* accounts: active_customers (snapshot) */
  SELECT
    _spine.period AS metric_time__month,
    COUNT(*) AS m1
  FROM (VALUES
    (CAST('2025-12-01' AS DATE), CAST('2025-12-31' AS DATE)),
    (CAST('2026-01-01' AS DATE), CAST('2026-01-31' AS DATE)),
    (CAST('2026-02-01' AS DATE), CAST('2026-02-28' AS DATE)),
    (CAST('2026-03-01' AS DATE), CAST('2026-03-31' AS DATE)),
    (CAST('2026-04-01' AS DATE), CAST('2026-04-30' AS DATE)),
    (CAST('2026-05-01' AS DATE), CAST('2026-05-31' AS DATE)),
    (CAST('2026-06-01' AS DATE), CAST('2026-06-30' AS DATE)),
    (CAST('2026-07-01' AS DATE), CAST('2026-07-31' AS DATE)),
    (CAST('2026-08-01' AS DATE), CAST('2026-08-31' AS DATE)),
    (CAST('2026-09-01' AS DATE), CAST('2026-09-30' AS DATE)),
    (CAST('2026-10-01' AS DATE), CAST('2026-10-31' AS DATE)),
    (CAST('2026-11-01' AS DATE), CAST('2026-11-24' AS DATE))) AS _spine(period, day)
  INNER JOIN accounts AS accounts
    ON CAST(accounts.signed_up_at AS DATE) <= _spine.day
    AND (
      CAST(accounts.churned_at AS DATE) IS NULL
      OR CAST(accounts.churned_at AS DATE) > _spine.day
    )
  GROUP BY
    1
), keys AS (
  SELECT
    metric_time__month
  FROM g0
  UNION
  SELECT
    metric_time__month
  FROM g1
)
SELECT
  k.metric_time__month,
  CAST((
    COALESCE(g0.m0, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(g1.m1, 0)
  ), 0) AS ai_adoption_rate
FROM keys AS k
LEFT JOIN g0 AS g0
  ON g0.metric_time__month IS NOT DISTINCT FROM k.metric_time__month
LEFT JOIN g1 AS g1
  ON g1.metric_time__month IS NOT DISTINCT FROM k.metric_time__month
ORDER BY
  metric_time__month ASC,
  ai_adoption_rate DESC
