-- shared_employer_address: a workplace address given by at least
-- `min_employers` [3] distinct employers on live applications. (The engine
-- counts every distinct employer: there is no "unrelated" test in code.)
SELECT 'shared_employer_address' AS indicator, 'address' AS entity_type, a.key AS entity_key
FROM permit_current p
JOIN address a ON a.id = p.workplace_address_ref
WHERE p.decision NOT IN ('rejected', 'withdrawn')
GROUP BY a.id, a.key
HAVING count(DISTINCT p.employer_ref) >= 3;
