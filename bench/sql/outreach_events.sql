-- The peer of `tipwatch outreach plan` (bench/outreach.sh): the same event
-- selection as src/outreach/outbox.c, in SQL on the store itself. Prints
-- "application_id|event" for every event due on :asof (the bench replaces
-- the literal 2000-01-01 below with its date); approval events need a
-- permit still valid; no_entry is 60 days after a first approval with no
-- entry crossing of the worker from 180 days before submission.
WITH p(asof) AS (SELECT '2000-01-01'),
cur AS (
  SELECT c.row_key AS id, c.decision, c.previous_application_id AS prev, c.worker_ref,
         c.employer_ref, substr(c.submitted_at_utc, 1, 10) AS sub,
         coalesce(substr(c.decided_at_utc, 1, 10), substr(c.submitted_at_utc, 1, 10)) AS dday,
         c.valid_to
  FROM permit_current c),
appr AS (
  SELECT a.*, CASE WHEN a.prev IS NULL OR a.prev = '' THEN 'approved'
                   WHEN pr.employer_ref IS NOT NULL AND pr.employer_ref IS NOT a.employer_ref
                        THEN 'transferred'
                   WHEN pr.id IS NULL THEN 'renewed'
                   ELSE 'renewed' END AS kind
  FROM cur a LEFT JOIN cur pr ON pr.id = a.prev
  WHERE a.decision = 'approved' AND a.dday IS NOT NULL AND a.worker_ref IS NOT NULL),
succ AS (SELECT DISTINCT prev FROM cur WHERE decision IN ('approved', 'pending') AND prev <> ''),
lastin AS (SELECT worker_ref, max(substr(crossed_at_utc, 1, 10)) AS d FROM border_crossing
           WHERE direction = 'in' GROUP BY worker_ref)
SELECT id || '|revoked' FROM cur, p
 WHERE decision = 'revoked' AND dday <= p.asof AND worker_ref IS NOT NULL
UNION ALL
SELECT id || '|' || kind FROM appr, p
 WHERE dday <= p.asof AND (valid_to IS NULL OR valid_to >= p.asof)
UNION ALL
SELECT id || '|expiry_30d' FROM appr a, p
 WHERE a.valid_to IS NOT NULL AND p.asof BETWEEN date(a.valid_to, '-30 days') AND a.valid_to
   AND a.id NOT IN (SELECT prev FROM succ)
UNION ALL
SELECT id || '|no_entry' FROM appr a LEFT JOIN lastin l ON l.worker_ref = a.worker_ref, p
 WHERE a.kind = 'approved' AND (a.valid_to IS NULL OR a.valid_to >= p.asof)
   AND p.asof >= date(a.dday, '+60 days') AND a.sub IS NOT NULL
   AND (l.d IS NULL OR l.d < date(a.sub, '-180 days'));
