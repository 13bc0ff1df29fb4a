-- reports_touching_phone: a phone named by any report (current versions).
SELECT DISTINCT 'reports_touching_phone' AS indicator, 'phone' AS entity_type, x.key AS entity_key
FROM report_current r
JOIN phone x ON x.id = r.phone_ref;
