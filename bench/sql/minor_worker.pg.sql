-- minor_worker (PostgreSQL): see minor_worker.sqlite.sql.
SELECT 'minor_worker' AS indicator, 'application' AS entity_type, p.row_key AS entity_key
FROM (SELECT row_key, worker_birth_date AS birth,
             CAST(submitted_at_utc + INTERVAL '4 hours' AS date) AS day
      FROM permit_current
      WHERE decision NOT IN ('rejected', 'withdrawn') AND worker_birth_date IS NOT NULL
        AND submitted_at_utc IS NOT NULL) p
WHERE extract(year FROM p.day) - extract(year FROM p.birth)
      - CASE WHEN to_char(p.day, 'MM-DD') < to_char(p.birth, 'MM-DD') THEN 1 ELSE 0 END < 18;
