-- never_entered (PostgreSQL): see never_entered.sqlite.sql. Record order
-- (min(id) per row_key) comes from one grouped pass.
WITH h AS (
  SELECT max(d) AS horizon FROM (
    SELECT max(CAST(submitted_at_utc + INTERVAL '4 hours' AS date)) AS d FROM permit
    UNION ALL SELECT max(CAST(decided_at_utc + INTERVAL '4 hours' AS date)) FROM permit
    UNION ALL SELECT max(CAST(crossed_at_utc + INTERVAL '4 hours' AS date)) FROM border_crossing
    UNION ALL SELECT max(inspected_on) FROM inspection
    UNION ALL SELECT max(CAST(received_at_utc + INTERVAL '4 hours' AS date)) FROM report) all_days
), x AS (
  SELECT c.worker_ref AS w, CAST(c.crossed_at_utc + INTERVAL '4 hours' AS date) AS day,
         c.direction AS dir, r.rec
  FROM border_crossing_current c
  JOIN (SELECT row_key, min(id) AS rec FROM border_crossing GROUP BY row_key) r
    ON r.row_key = c.row_key
  WHERE c.worker_ref IS NOT NULL AND c.crossed_at_utc IS NOT NULL
), s AS (
  SELECT w, day, dir,
         row_number() OVER (PARTITION BY w ORDER BY day, rec) AS seq,
         lead(day) OVER (PARTITION BY w ORDER BY day, rec) AS next_day,
         lead(dir) OVER (PARTITION BY w ORDER BY day, rec) AS next_dir
  FROM x
), a AS (
  SELECT p.row_key, p.worker_ref AS w, p.valid_from AS vf, max(s.seq) AS bseq
  FROM permit_current p
  CROSS JOIN h
  LEFT JOIN s ON s.w = p.worker_ref AND s.day <= p.valid_from
  WHERE p.decision = 'approved' AND p.valid_from IS NOT NULL AND p.worker_ref IS NOT NULL
    AND h.horizon - p.valid_from >= 90
  GROUP BY p.row_key, p.worker_ref, p.valid_from
)
SELECT 'never_entered' AS indicator, 'application' AS entity_type, a.row_key AS entity_key
FROM a
LEFT JOIN s b ON b.w = a.w AND b.seq = a.bseq
LEFT JOIN s f ON f.w = a.w AND f.seq = 1
WHERE EXISTS (SELECT 1 FROM border_crossing_current)
  AND coalesce(CASE WHEN a.bseq IS NULL THEN f.day ELSE b.next_day END, DATE '9999-12-31')
      > a.vf + 90
  AND (a.bseq IS NULL OR b.dir <> 'in')
  AND (a.bseq IS NOT NULL OR f.dir IS NULL OR f.dir <> 'out');
