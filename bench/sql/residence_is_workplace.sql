-- residence_is_workplace: a live application whose (known) residence
-- address entity is its workplace address entity.
SELECT 'residence_is_workplace' AS indicator, 'application' AS entity_type,
       p.row_key AS entity_key
FROM permit_current p
WHERE p.decision NOT IN ('rejected', 'withdrawn')
  AND p.worker_address_ref IS NOT NULL
  AND p.worker_address_ref = p.workplace_address_ref;
