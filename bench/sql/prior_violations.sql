-- prior_violations: an employer with at least `min_inspections` [1]
-- inspections (current versions) naming a serious violation: wage_arrears,
-- excessive_hours, documents_withheld, unsafe_housing or child_labour
-- (not no_contract or other). `violations` holds ';'-separated codes.
SELECT 'prior_violations' AS indicator, 'employer' AS entity_type, e.key AS entity_key
FROM inspection_current i
JOIN employer e ON e.id = i.employer_ref
WHERE ';' || i.violations || ';' LIKE '%;wage\_arrears;%' ESCAPE '\'
   OR ';' || i.violations || ';' LIKE '%;excessive\_hours;%' ESCAPE '\'
   OR ';' || i.violations || ';' LIKE '%;documents\_withheld;%' ESCAPE '\'
   OR ';' || i.violations || ';' LIKE '%;unsafe\_housing;%' ESCAPE '\'
   OR ';' || i.violations || ';' LIKE '%;child\_labour;%' ESCAPE '\'
GROUP BY e.id, e.key
HAVING count(*) >= 1;
