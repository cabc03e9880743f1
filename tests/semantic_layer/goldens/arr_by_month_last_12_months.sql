/* subscriptions: arr (snapshot) */
SELECT
  _spine.period AS metric_time__month,
  SUM(subscriptions.arr) AS arr
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
INNER JOIN subscriptions AS subscriptions
  ON CAST(subscriptions.started_on AS DATE) <= _spine.day
  AND COALESCE(CAST(subscriptions.ended_on AS DATE), CAST('9999-12-31' AS DATE)) > _spine.day
GROUP BY
  1
ORDER BY
  metric_time__month ASC
