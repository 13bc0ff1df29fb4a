-- reports_touching_address: a address named by any report (current versions).
SELECT DISTINCT 'reports_touching_address' AS indicator, 'address' AS entity_type, x.key AS entity_key
FROM report_current r
JOIN address x ON x.id = r.address_ref;
