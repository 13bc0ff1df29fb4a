-- crowded_residence: a residence address with at least `min_workers` [8]
-- distinct workers among its pending or approved applications (narrower
-- than "live": revoked permits do not count here). The strength formula
-- (dormitory discount) never stops a hit, so it is not needed for the set.
SELECT 'crowded_residence' AS indicator, 'address' AS entity_type, a.key AS entity_key
FROM permit_current p
JOIN address a ON a.id = p.worker_address_ref
WHERE p.decision IN ('pending', 'approved')
GROUP BY a.id, a.key
HAVING count(DISTINCT p.worker_ref) >= 8;
