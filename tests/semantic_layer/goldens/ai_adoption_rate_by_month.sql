/* accounts: active_customers, ai_enabled_customers (snapshot) */
SELECT
  _spine.period AS metric_time__month,
  CAST((
    COALESCE(COUNT_IF(CAST(accounts.ai_agent_enabled_at AS DATE) <= _spine.day), 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(COUNT_IF(CAST(accounts.signed_up_at AS DATE) <= _spine.day), 0)
  ), 0) AS ai_adoption_rate
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
  ON LEAST(
    COALESCE(CAST(accounts.ai_agent_enabled_at AS DATE), CAST('9999-12-31' AS DATE)),
    COALESCE(CAST(accounts.signed_up_at AS DATE), CAST('9999-12-31' AS DATE))
  ) <= _spine.day
  AND COALESCE(CAST(accounts.churned_at AS DATE), CAST('9999-12-31' AS DATE)) > _spine.day
GROUP BY
  1
ORDER BY
  metric_time__month ASC
