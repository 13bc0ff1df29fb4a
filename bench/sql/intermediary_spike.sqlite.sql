-- intermediary_spike: an intermediary whose most live applications in any
-- `window_days` [30]-day window [d, d + 30) reach max(`factor` [5] x
-- baseline, `min_applications` [10]); baseline = the exact median of the
-- counts of the fixed 30-day windows from its first application day d0 to
-- its last (window i = [d0 + 30 i, d0 + 30 (i + 1))), empty ones included.
-- Days are Armenian-time day numbers. Defaults hard-coded.
--
-- The sliding peak is the most applications with a day in (d - 30, d] over
-- the application days d (a RANGE window); the median reads positions
-- (nwin - 1) / 2 and nwin / 2 of the ascending list whose first
-- nwin - (non-empty windows) entries are zeros.
WITH a AS (
  SELECT intermediary_ref AS im,
         CAST(julianday(date(submitted_at_utc, '+4 hours')) - 2440587.5 AS INTEGER) AS day
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
