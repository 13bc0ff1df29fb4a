-- hours_over_legal: a live application (decision not rejected or withdrawn)
-- whose declared week is above `hours` [40] and at most hours_excessive's
-- `hours` [48] (hours_excessive is enabled in the default config, so it
-- owns everything above 48). Defaults of docs/tipwatch.conf hard-coded.
SELECT 'hours_over_legal' AS indicator, 'application' AS entity_type, p.row_key AS entity_key
FROM permit_current p
WHERE p.decision NOT IN ('rejected', 'withdrawn')
  AND p.weekly_hours > 40 AND p.weekly_hours <= 48;
