-- intermediary_spike (PostgreSQL): see intermediary_spike.sqlite.sql.
WITH a AS (
  SELECT intermediary_ref AS im,
         CAST(submitted_at_utc + INTERVAL '4 hours' AS date) - DATE '1970-01-01' AS day
  FROM permit_current
  WHERE decision NOT IN ('rejected', 'withdrawn') AND submitted_at_utc IS NOT NULL
    AND intermediary_ref IS NOT NULL
), span AS (
  SELECT im, min(day) AS d0, (max(day) - min(day)) / 30 + 1 AS nwin
  FROM a GROUP BY im HAVING count(*) >= 10
), win AS (
  SELECT a.im, count(*) AS n,
         row_number() OVER (PARTITION BY a.im ORDER BY count(*)) AS rn
  FROM a JOIN span ON span.im = a.im
  GROUP BY a.im, (a.day - span.d0) / 30
), base AS (
  SELECT span.im,
         span.nwin - (SELECT count(*) FROM win WHERE win.im = span.im) AS empty,
         (span.nwin - 1) / 2 AS p1, span.nwin / 2 AS p2
  FROM span
), med AS (
  SELECT base.im,
         (coalesce((SELECT n FROM win WHERE win.im = base.im AND win.rn = base.p1 - base.empty + 1), 0)
        + coalesce((SELECT n FROM win WHERE win.im = base.im AND win.rn = base.p2 - base.empty + 1), 0))
         / 2.0 AS baseline
  FROM base
), peak AS (
  SELECT im, max(c) AS peak
  FROM (SELECT a.im, count(*) OVER (PARTITION BY a.im ORDER BY a.day
                                    RANGE BETWEEN 29 PRECEDING AND CURRENT ROW) AS c
        FROM a JOIN span ON span.im = a.im) w
  GROUP BY im
)
SELECT 'intermediary_spike' AS indicator, 'intermediary' AS entity_type, i.key AS entity_key
FROM peak
JOIN med ON med.im = peak.im
JOIN intermediary i ON i.id = peak.im
WHERE peak.peak >= CASE WHEN 5 * med.baseline > 10 THEN 5 * med.baseline ELSE 10 END;
