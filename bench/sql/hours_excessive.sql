-- hours_excessive: a live application whose declared week is above `hours`
-- [48]. Default of docs/tipwatch.conf hard-coded.
SELECT 'hours_excessive' AS indicator, 'application' AS entity_type, p.row_key AS entity_key
FROM permit_current p
WHERE p.decision NOT IN ('rejected', 'withdrawn')
  AND p.weekly_hours > 48;
