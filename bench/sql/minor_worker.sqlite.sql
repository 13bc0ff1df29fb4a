-- minor_worker: a live application whose worker was under `age` [18]
-- completed years on the submission day (Armenian time). Completed years
-- as the engine counts them: year difference, less one when the month-day
-- of the submission is before the month-day of birth (a 29 February birthday
-- falls on 1 March in other years). Default hard-coded.
SELECT 'minor_worker' AS indicator, 'application' AS entity_type, p.row_key AS entity_key
FROM (SELECT row_key, worker_birth_date AS birth, date(submitted_at_utc, '+4 hours') AS day
      FROM permit_current
      WHERE decision NOT IN ('rejected', 'withdrawn') AND worker_birth_date IS NOT NULL
        AND submitted_at_utc IS NOT NULL) p
WHERE CAST(substr(p.day, 1, 4) AS INTEGER) - CAST(substr(p.birth, 1, 4) AS INTEGER)
      - CASE WHEN substr(p.day, 6, 5) < substr(p.birth, 6, 5) THEN 1 ELSE 0 END < 18;
