-- permits_over_headcount: an employer with a calendar year (of submission,
-- Armenian time) in which its live applications number more than `ratio`
-- [3] x the largest headcount declared on them and at least
-- `min_applications` [5]; a year whose applications all lack the headcount
-- is not judged. Defaults hard-coded.
SELECT 'permits_over_headcount' AS indicator, 'employer' AS entity_type, e.key AS entity_key
FROM (SELECT employer_ref, strftime('%Y', submitted_at_utc, '+4 hours') AS yr,
             count(*) AS n, max(employer_declared_employees) AS declared
      FROM permit_current
      WHERE decision NOT IN ('rejected', 'withdrawn') AND submitted_at_utc IS NOT NULL
        AND employer_ref IS NOT NULL
      GROUP BY employer_ref, yr) y
JOIN employer e ON e.id = y.employer_ref
WHERE y.declared IS NOT NULL AND y.n > 3 * y.declared AND y.n >= 5
GROUP BY e.id, e.key;
