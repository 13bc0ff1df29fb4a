-- rapid_transfers: a worker whose live applications name at least
-- `employers` [3] distinct employers within `days` [365] (half-open: two
-- submission days d1 <= d2 are within 365 days when d2 - d1 < 365), days in
-- Armenian time. The engine's sliding window peaks at a window ending on
-- some application's day, so each such day is tried. Defaults hard-coded.
WITH a AS (
  SELECT worker_ref AS w, employer_ref AS e, julianday(date(submitted_at_utc, '+4 hours')) AS day
  FROM permit_current
  WHERE decision NOT IN ('rejected', 'withdrawn') AND submitted_at_utc IS NOT NULL
    AND employer_ref IS NOT NULL AND worker_ref IS NOT NULL
)
SELECT 'rapid_transfers' AS indicator, 'worker' AS entity_type, wk.key AS entity_key
FROM (SELECT x.w
      FROM a x JOIN a y ON y.w = x.w AND y.day <= x.day AND y.day > x.day - 365
      GROUP BY x.w, x.day
      HAVING count(DISTINCT y.e) >= 3) t
JOIN worker wk ON wk.id = t.w
GROUP BY wk.id, wk.key;
