-- new_employer_many_permits: an employer whose first live application was
-- submitted less than `days` [180] after its registration day (the earliest
-- employer_registered_on on its live applications), with at least
-- `min_applications` [10] live applications submitted before registration
-- + 180 days. Days are Armenian-time submission days. Defaults hard-coded.
-- ISO date strings compare as dates.
WITH a AS (
  SELECT employer_ref, date(submitted_at_utc, '+4 hours') AS day,
         employer_registered_on AS registered
  FROM permit_current
  WHERE decision NOT IN ('rejected', 'withdrawn') AND submitted_at_utc IS NOT NULL
    AND employer_ref IS NOT NULL
), f AS (
  SELECT employer_ref, min(day) AS first_day, date(min(registered), '+180 days') AS until
  FROM a GROUP BY employer_ref
)
SELECT 'new_employer_many_permits' AS indicator, 'employer' AS entity_type, e.key AS entity_key
FROM f
JOIN a ON a.employer_ref = f.employer_ref AND a.day < f.until
JOIN employer e ON e.id = f.employer_ref
WHERE f.first_day < f.until
GROUP BY e.id, e.key
HAVING count(*) >= 10;
