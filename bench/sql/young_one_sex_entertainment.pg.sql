-- young_one_sex_entertainment (PostgreSQL): see
-- young_one_sex_entertainment.sqlite.sql.
WITH e AS (
  SELECT p.employer_ref AS e, p.worker_ref AS w, p.worker_sex AS sex,
         p.worker_birth_date AS birth,
         CAST(p.submitted_at_utc + INTERVAL '4 hours' AS date) AS day,
         (SELECT min(q.id) FROM permit q WHERE q.row_key = p.row_key) AS rec
  FROM permit_current p
  WHERE p.decision NOT IN ('rejected', 'withdrawn')
    AND p.occupation_isco IN ('2653', '2659', '5131', '5132', '5169')
    AND p.employer_ref IS NOT NULL AND p.worker_ref IS NOT NULL
), a AS (
  SELECT e.*, row_number() OVER (PARTITION BY e, w ORDER BY rec) AS rn FROM e
), c AS (
  SELECT e, count(*) AS nw,
         sum(CASE WHEN sex = 'F' THEN 1 ELSE 0 END) AS nf,
         sum(CASE WHEN sex = 'M' THEN 1 ELSE 0 END) AS nm,
         sum(CASE WHEN birth IS NOT NULL AND day IS NOT NULL
                   AND extract(year FROM day) - extract(year FROM birth)
                       - CASE WHEN to_char(day, 'MM-DD') < to_char(birth, 'MM-DD') THEN 1 ELSE 0 END
                       < 25
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
