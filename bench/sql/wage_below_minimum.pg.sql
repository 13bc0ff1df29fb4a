-- wage_below_minimum (PostgreSQL): see wage_below_minimum.sqlite.sql.
-- submitted_at_utc is a UTC timestamp here; + 4 hours gives the Armenian
-- day the engine uses. [minimum_wage] defaults hard-coded.
SELECT 'wage_below_minimum' AS indicator, 'application' AS entity_type, p.row_key AS entity_key
FROM (SELECT row_key, monthly_salary_amd AS salary,
             CAST(submitted_at_utc + INTERVAL '4 hours' AS date) AS day
      FROM permit_current
      WHERE decision NOT IN ('rejected', 'withdrawn')) p
WHERE p.salary < CASE WHEN p.day >= DATE '2023-01-01' THEN 75000
                      WHEN p.day >= DATE '2020-01-01' THEN 68000
                      WHEN p.day >= DATE '1900-01-01' THEN 55000 END;
