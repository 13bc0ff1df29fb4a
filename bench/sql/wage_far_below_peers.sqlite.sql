-- wage_far_below_peers: a live application whose salary is below `ratio`
-- [0.6] x the exact median salary (mean of the middle two for an even
-- count) of its peer group: same ISCO unit group, ISIC division and year of
-- submission (Armenian time), groups of at least `min_peers` [20]
-- applications with a known salary. Defaults hard-coded. The threshold is
-- computed in double precision, as the engine does.
WITH g AS (
  SELECT row_key, salary, isco, sector, yr,
         row_number() OVER (PARTITION BY isco, sector, yr ORDER BY salary) AS rn,
         count(*) OVER (PARTITION BY isco, sector, yr) AS cnt
  FROM (SELECT row_key, monthly_salary_amd AS salary, occupation_isco AS isco,
               employer_sector AS sector, strftime('%Y', submitted_at_utc, '+4 hours') AS yr
        FROM permit_current
        WHERE decision NOT IN ('rejected', 'withdrawn') AND monthly_salary_amd IS NOT NULL
          AND occupation_isco IS NOT NULL AND employer_sector IS NOT NULL
          AND submitted_at_utc IS NOT NULL) p
), m AS (
  SELECT isco, sector, yr, CAST(sum(salary) AS DOUBLE PRECISION) / count(*) AS median
  FROM g
  WHERE cnt >= 20 AND rn IN ((cnt + 1) / 2, (cnt + 2) / 2)
  GROUP BY isco, sector, yr
)
SELECT 'wage_far_below_peers' AS indicator, 'application' AS entity_type, g.row_key AS entity_key
FROM g JOIN m ON m.isco = g.isco AND m.sector = g.sector AND m.yr = g.yr
WHERE g.salary < 0.6 * m.median;
