-- young_one_sex_entertainment: an employer with at least `min_workers` [5]
-- distinct workers on live applications in ISCO 2653, 2659, 5131, 5132 or
-- 5169, of whom one sex makes up at least `share` [0.8] and those under
-- `max_age` [25] completed years on the submission day (Armenian time) at
-- least `share` too. A worker's sex and age come from its first such
-- application of that employer in the engine's record order (min(id) over
-- the row_key's versions). Shares in double precision with the engine's
-- 1e-12 slack. Defaults hard-coded.
WITH a AS (
  SELECT p.employer_ref AS e, p.worker_ref AS w, p.worker_sex AS sex,
         p.worker_birth_date AS birth, date(p.submitted_at_utc, '+4 hours') AS day,
         row_number() OVER (PARTITION BY p.employer_ref, p.worker_ref
                            ORDER BY (SELECT min(q.id) FROM permit q WHERE q.row_key = p.row_key))
           AS rn
  FROM permit_current p
  WHERE p.decision NOT IN ('rejected', 'withdrawn')
    AND p.occupation_isco IN ('2653', '2659', '5131', '5132', '5169')
    AND p.employer_ref IS NOT NULL AND p.worker_ref IS NOT NULL
), c AS (
  SELECT e, count(*) AS nw,
         sum(CASE WHEN sex = 'F' THEN 1 ELSE 0 END) AS nf,
         sum(CASE WHEN sex = 'M' THEN 1 ELSE 0 END) AS nm,
         sum(CASE WHEN birth IS NOT NULL AND day IS NOT NULL
                   AND CAST(substr(day, 1, 4) AS INTEGER) - CAST(substr(birth, 1, 4) AS INTEGER)
                       - CASE WHEN substr(day, 6, 5) < substr(birth, 6, 5) THEN 1 ELSE 0 END < 25
                  THEN 1 ELSE 0 END) AS ny
  FROM a WHERE rn = 1
  GROUP BY e
)
SELECT 'young_one_sex_entertainment' AS indicator, 'employer' AS entity_type,
       em.key AS entity_key
FROM c JOIN employer em ON em.id = c.e
WHERE c.nw >= 5
  AND CAST(CASE WHEN c.nf > c.nm THEN c.nf ELSE c.nm END AS DOUBLE PRECISION) / c.nw + 1e-12 >= 0.8
  AND CAST(c.ny AS DOUBLE PRECISION) / c.nw + 1e-12 >= 0.8;
