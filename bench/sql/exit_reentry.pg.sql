-- exit_reentry (PostgreSQL): see exit_reentry.sqlite.sql. Record order
-- (min(id) per row_key) comes from one grouped pass here instead of a
-- correlated subquery per crossing, which PostgreSQL would run row by row.
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
         lag(dir) OVER (PARTITION BY w ORDER BY day, rec) AS prev_dir,
         lag(day) OVER (PARTITION BY w ORDER BY day, rec) AS prev_day
  FROM x
), a AS (
  SELECT p.id, p.worker_ref AS w, p.valid_from AS vf, coalesce(p.valid_to, h.horizon) AS vt
  FROM permit_current p, h
  WHERE p.decision = 'approved' AND p.valid_from IS NOT NULL AND p.worker_ref IS NOT NULL
)
SELECT 'exit_reentry' AS indicator, 'worker' AS entity_type, wk.key AS entity_key
FROM (SELECT a.w
      FROM a JOIN s ON s.w = a.w
      WHERE s.day >= a.vf AND s.day <= a.vt AND s.dir = 'in'
        AND s.prev_dir = 'out' AND s.prev_day >= a.vf
      GROUP BY a.id, a.w
      HAVING count(*) >= 2) t
JOIN worker wk ON wk.id = t.w
GROUP BY wk.id, wk.key;
