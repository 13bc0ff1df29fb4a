-- never_entered: an approved permit with valid_from at least `grace_days`
-- [90] before the data horizon whose worker the border register never shows
-- inside during [valid_from, valid_from + 90]. Inside: a crossing in
-- (valid_from, valid_from + 90]; or the worker's last crossing on or
-- before valid_from is an entry; or there is none and the first after is
-- an exit. No crossing stored at all: no hits. Default hard-coded.
--
-- Crossings are ordered as the engine orders them: (Armenian-time day,
-- record), record = min(id) over the row_key's versions. "Last on or
-- before" is the one with the highest sequence number among those days;
-- the first after it is the next in sequence (or the worker's first
-- crossing when there is none before). The horizon is the latest day of
-- any stored row, old versions included.
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
    AND julianday(h.horizon) - julianday(p.valid_from) >= 90
  GROUP BY p.row_key, p.worker_ref, p.valid_from
)
SELECT 'never_entered' AS indicator, 'application' AS entity_type, a.row_key AS entity_key
FROM a
LEFT JOIN s b ON b.w = a.w AND b.seq = a.bseq
LEFT JOIN s f ON f.w = a.w AND f.seq = 1
WHERE EXISTS (SELECT 1 FROM border_crossing_current)
  AND coalesce(CASE WHEN a.bseq IS NULL THEN f.day ELSE b.next_day END, '9999-12-31')
      > date(a.vf, '+90 days')
  AND (a.bseq IS NULL OR b.dir <> 'in')
  AND (a.bseq IS NOT NULL OR f.dir IS NULL OR f.dir <> 'out');
