-- permits_over_headcount (PostgreSQL): see permits_over_headcount.sqlite.sql.
SELECT 'permits_over_headcount' AS indicator, 'employer' AS entity_type, e.key AS entity_key
FROM (SELECT employer_ref, extract(year FROM submitted_at_utc + INTERVAL '4 hours') AS yr,
             count(*) AS n, max(employer_declared_employees) AS declared
      FROM permit_current
      WHERE decision NOT IN ('rejected', 'withdrawn') AND submitted_at_utc IS NOT NULL
        AND employer_ref IS NOT NULL
      GROUP BY employer_ref, yr) y
JOIN employer e ON e.id = y.employer_ref
WHERE y.declared IS NOT NULL AND y.n > 3 * y.declared AND y.n >= 5
GROUP BY e.id, e.key;
