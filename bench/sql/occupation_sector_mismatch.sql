-- occupation_sector_mismatch: a live application whose (ISIC division,
-- ISCO unit group) pair is listed under [mismatch] in docs/tipwatch.conf
-- (the default list, hard-coded; it has no prefix entries). Both columns
-- are stored as validated fixed-width digit strings.
SELECT 'occupation_sector_mismatch' AS indicator, 'application' AS entity_type,
       p.row_key AS entity_key
FROM permit_current p
WHERE p.decision NOT IN ('rejected', 'withdrawn')
  AND (   (p.employer_sector = '01' AND p.occupation_isco = '2653')
       OR (p.employer_sector IN ('41', '42', '43')
           AND p.occupation_isco IN ('2653', '5142', '5169'))
       OR (p.employer_sector = '62' AND p.occupation_isco IN ('9313', '2653'))
       OR (p.employer_sector = '86' AND p.occupation_isco = '2653')
       OR (p.employer_sector = '97' AND p.occupation_isco IN ('9313', '7112', '2653')));
