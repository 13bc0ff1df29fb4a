-- rapid_transfers (PostgreSQL): see rapid_transfers.sqlite.sql.
WITH a AS (
  SELECT worker_ref AS w, employer_ref AS e,
         CAST(submitted_at_utc + INTERVAL '4 hours' AS date) AS day
  FROM permit_current
  WHERE decision NOT IN ('rejected', 'withdrawn') AND submitted_at_utc IS NOT NULL
    AND employer_ref IS NOT NULL AND worker_ref IS NOT NULL
)
SELECT 'rapid_transfers' AS indicator, 'worker' AS entity_type, wk.key AS entity_key
FROM (SELECT x.w
      FROM a x JOIN a y ON y.w = x.w AND y.day <= x.day AND y.day > x.day - 365
      GROUP BY x.w, x.day
      HAVING count(DISTINCT y.e) >= 3) t
JOIN worker wk ON wk.id = t.w
GROUP BY wk.id, wk.key;
