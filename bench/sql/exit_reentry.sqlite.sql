-- exit_reentry: a worker with at least `cycles` [2] out-then-in pairs
-- inside the validity of one of its approved permits ([valid_from,
-- valid_to], valid_to unknown: the data horizon); `max_days_out` [0] counts
-- every absence. Defaults hard-coded.
--
-- The engine walks the worker's crossings sorted by (Armenian-time day,
-- record), and an 'in' pairs with the latest 'out' since the previous 'in'
-- within the permit's range: that is, an 'in' in range pairs exactly when
-- the crossing just before it in that order is an 'out' also in range
-- (the range is contiguous in the order, so that predecessor is in range
-- when its day is on or after valid_from). Record order is the order in
-- which a row_key first appeared in the store, min(id) over its versions.
-- The horizon is the latest day of any stored row, old versions included,
-- as the engine's load computes it.
WITH h AS (
  SELECT max(d) AS horizon FROM (
    SELECT max(date(submitted_at_utc, '+4 hours')) AS d FROM permit
    UNION ALL SELECT max(date(decided_at_utc, '+4 hours')) FROM permit
    UNION ALL SELECT max(date(crossed_at_utc, '+4 hours')) FROM border_crossing
    UNION ALL SELECT max(inspected_on) FROM inspection
    UNION ALL SELECT max(date(received_at_utc, '+4 hours')) FROM report) all_days
), x AS (
  SELECT c.worker_ref AS w, date(c.crossed_at_utc, '+4 hours') AS day, c.direction AS dir,
         (SELECT min(q.id) FROM border_crossing q WHERE q.row_key = c.row_key) AS rec
  FROM border_crossing_current c
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
