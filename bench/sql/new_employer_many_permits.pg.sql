-- new_employer_many_permits (PostgreSQL): see
-- new_employer_many_permits.sqlite.sql.
WITH a AS (
  SELECT employer_ref, CAST(submitted_at_utc + INTERVAL '4 hours' AS date) AS day,
         employer_registered_on AS registered
  FROM permit_current
  WHERE decision NOT IN ('rejected', 'withdrawn') AND submitted_at_utc IS NOT NULL
    AND employer_ref IS NOT NULL
), f AS (
  SELECT employer_ref, min(day) AS first_day, min(registered) + 180 AS until
  FROM a GROUP BY employer_ref
)
SELECT 'new_employer_many_permits' AS indicator, 'employer' AS entity_type, e.key AS entity_key
FROM f
JOIN a ON a.employer_ref = f.employer_ref AND a.day < f.until
JOIN employer e ON e.id = f.employer_ref
WHERE f.first_day < f.until
GROUP BY e.id, e.key
HAVING count(*) >= 10;
