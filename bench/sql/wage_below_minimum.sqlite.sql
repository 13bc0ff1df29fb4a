-- wage_below_minimum: a live application with a known salary below the
-- minimum wage in force on its submission day (Armenian time, UTC+4, as the
-- engine counts days). [minimum_wage] of docs/tipwatch.conf hard-coded:
-- 55000 from 1900-01-01, 68000 from 2020-01-01, 75000 from 2023-01-01; no
-- minimum before 1900 (NULL: no hit).
SELECT 'wage_below_minimum' AS indicator, 'application' AS entity_type, p.row_key AS entity_key
FROM (SELECT row_key, monthly_salary_amd AS salary,
             date(submitted_at_utc, '+4 hours') AS day
      FROM permit_current
      WHERE decision NOT IN ('rejected', 'withdrawn')) p
WHERE p.salary < CASE WHEN p.day >= '2023-01-01' THEN 75000
                      WHEN p.day >= '2020-01-01' THEN 68000
                      WHEN p.day >= '1900-01-01' THEN 55000 END;
