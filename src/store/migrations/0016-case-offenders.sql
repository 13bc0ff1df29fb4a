-- Migration 16: the suspected offenders of an NRM case (owned by the cases
-- module, case_offenders.c; docs/internals/cases.md "Suspected offenders"),
-- for the UNODC GLOTIP table of suspected offenders detected. Codes only,
-- no name or document: sex and age group (the victims' HTCDS / CTDC lists),
-- citizenship (ISO 3166-1 alpha-3), the year recorded, and the case's
-- forms of exploitation copied when recorded (a purged case leaves the row
-- with case_id NULL, so the statistics keep it).

CREATE TABLE case_offender(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id INTEGER REFERENCES nrm_case(id) ON DELETE SET NULL,
  sex TEXT NOT NULL DEFAULT '',
  age_group TEXT NOT NULL DEFAULT '',
  citizenship TEXT NOT NULL DEFAULT '',
  exploitation TEXT NOT NULL DEFAULT '',
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL
);

CREATE INDEX case_offender_case ON case_offender(case_id);
