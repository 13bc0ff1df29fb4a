-- intermediary_share: an employer one of whose intermediaries is behind
-- at least `min_applications` [10] of its live applications and at least
-- `share` [0.8] of all of them (applications without an intermediary count
-- in the total). The share test is the engine's, in double precision with
-- its 1e-12 slack.
SELECT 'intermediary_share' AS indicator, 'employer' AS entity_type, e.key AS entity_key
FROM (SELECT p.employer_ref, p.intermediary_ref, count(*) AS n
      FROM permit_current p
      WHERE p.decision NOT IN ('rejected', 'withdrawn') AND p.employer_ref IS NOT NULL
      GROUP BY p.employer_ref, p.intermediary_ref) c
JOIN employer e ON e.id = c.employer_ref
GROUP BY e.id, e.key
HAVING max(CASE WHEN c.intermediary_ref IS NOT NULL THEN c.n END) >= 10
   AND CAST(max(CASE WHEN c.intermediary_ref IS NOT NULL THEN c.n END) AS DOUBLE PRECISION)
       / sum(c.n) + 1e-12 >= 0.8;
