-- shared_phone: a phone given by at least `min_workers` [3] distinct
-- workers on live applications.
SELECT 'shared_phone' AS indicator, 'phone' AS entity_type, ph.key AS entity_key
FROM permit_current p
JOIN phone ph ON ph.id = p.worker_phone_ref
WHERE p.decision NOT IN ('rejected', 'withdrawn')
GROUP BY ph.id, ph.key
HAVING count(DISTINCT p.worker_ref) >= 3;
