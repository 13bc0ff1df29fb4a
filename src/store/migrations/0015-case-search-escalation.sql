-- Migration 15: case search by any name order, part of a name and phone
-- (src/cases owns case_search), and escalation of an alert to an
-- organisation (src/engine owns the alert columns).
--
-- case_search holds keyed blind indexes only (vault_blind under the
-- domains "case.name.part" and "case.phone"), never plaintext: for each
-- word of the name's normal form its prefixes of 3 or more letters and the
-- word itself, and the phone's E.164 form. nrm_case.search_v is NULL for a
-- case whose tokens are not computed yet (opened before this migration):
-- the first search indexes them (docs/internals/cases.md, "Search").
-- Frozen text: a later change to the schema is a new migration.

CREATE TABLE case_search(
  case_id INTEGER NOT NULL REFERENCES nrm_case(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK(kind IN ('name','phone')),
  blind TEXT NOT NULL,
  PRIMARY KEY(case_id, kind, blind)
) WITHOUT ROWID;
CREATE INDEX case_search_blind ON case_search(blind, kind, case_id);
ALTER TABLE nrm_case ADD COLUMN search_v INTEGER;

-- An alert escalated to an organisation without naming a person in it:
-- the organisation (org.id) whose queue holds it while nobody in
-- particular has it (docs/authz.md "Who owns what": the assignee first,
-- else this organisation). NULL: none.
ALTER TABLE alert ADD COLUMN assigned_org INTEGER;
CREATE INDEX alert_assigned_org ON alert(assigned_org) WHERE assigned_org IS NOT NULL;
