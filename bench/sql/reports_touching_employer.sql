-- reports_touching_employer: a employer named by any report (current versions).
SELECT DISTINCT 'reports_touching_employer' AS indicator, 'employer' AS entity_type, x.key AS entity_key
FROM report_current r
JOIN employer x ON x.id = r.employer_ref;
