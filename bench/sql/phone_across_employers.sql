-- phone_across_employers: a phone on live applications of at least
-- `min_employers` [2] distinct employers and `min_workers` [3] distinct
-- workers.
SELECT 'phone_across_employers' AS indicator, 'phone' AS entity_type, ph.key AS entity_key
FROM permit_current p
JOIN phone ph ON ph.id = p.worker_phone_ref
WHERE p.decision NOT IN ('rejected', 'withdrawn')
GROUP BY ph.id, ph.key
HAVING count(DISTINCT p.employer_ref) >= 2 AND count(DISTINCT p.worker_ref) >= 3;
