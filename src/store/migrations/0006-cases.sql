-- Migration 6: National Referral Mechanism cases (owned by cases.c and
-- referral.c; docs/internals/cases.md). Personal data lives only in the
-- _blob columns, sealed by the vault and bound to "<table>.<column>:<id>";
-- _blind are keyed hashes for search. case_stat keeps the de-identified
-- row of a purged case for the aggregates.
-- Frozen text: a later change to the schema is a new migration.

CREATE TABLE nrm_case(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_org INTEGER NOT NULL REFERENCES org(id),
  version INTEGER NOT NULL DEFAULT 1,
  stage TEXT NOT NULL CHECK(stage IN ('presumed_victim','referred_to_commission','identified','not_identified','assistance','reintegration','voluntary_return','onward_referral','closed')),
  opened_at TEXT NOT NULL,
  opened_unix INTEGER NOT NULL,
  opened_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  preid_due TEXT NOT NULL,
  presumed_on TEXT NOT NULL,
  reflection_until TEXT NOT NULL,
  decision TEXT CHECK(decision IN ('identified','not_identified')),
  decision_date TEXT,
  closed_at TEXT,
  closed_unix INTEGER,
  alert_id INTEGER,
  cooperating_with_police INTEGER NOT NULL DEFAULT 0 CHECK(cooperating_with_police IN (0,1)),
  sex TEXT NOT NULL DEFAULT '',
  age_group TEXT NOT NULL DEFAULT '',
  citizenship TEXT NOT NULL DEFAULT '',
  country_of_exploitation TEXT NOT NULL DEFAULT '',
  exploitation TEXT NOT NULL DEFAULT '',
  means_of_control TEXT NOT NULL DEFAULT '',
  recruiter TEXT NOT NULL DEFAULT '',
  labour_sector TEXT NOT NULL DEFAULT '',
  name_blob BLOB,
  name_blind TEXT,
  birth_date_blob BLOB,
  worker_key_blob BLOB,
  docno_blind TEXT,
  evidence_blob BLOB,
  phone_blob BLOB,
  email_blob BLOB,
  address_blob BLOB,
  narrative_blob BLOB
);

CREATE INDEX nrm_case_owner ON nrm_case(owner_org, stage);

CREATE INDEX nrm_case_name_blind ON nrm_case(name_blind);

CREATE INDEX nrm_case_docno_blind ON nrm_case(docno_blind);

CREATE TABLE case_event(
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES nrm_case(id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_org TEXT NOT NULL,
  kind TEXT NOT NULL,
  from_stage TEXT,
  to_stage TEXT,
  detail TEXT,
  reason_blob BLOB
);

CREATE INDEX case_event_case ON case_event(case_id);

CREATE TABLE case_service(
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES nrm_case(id),
  version INTEGER NOT NULL DEFAULT 1,
  service TEXT NOT NULL CHECK(service IN ('shelter','medical','psychological','legal_aid','interpretation','state_payment','vocational_training','return_support')),
  status TEXT NOT NULL CHECK(status IN ('offered','accepted','declined','delivered')),
  provider_org INTEGER NOT NULL REFERENCES org(id),
  amount_amd INTEGER NOT NULL DEFAULT 0,
  offered_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE INDEX case_service_case ON case_service(case_id);

CREATE UNIQUE INDEX case_service_one_payment ON case_service(case_id) WHERE service = 'state_payment' AND status <> 'declined';

CREATE TABLE case_referral(
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES nrm_case(id),
  version INTEGER NOT NULL DEFAULT 1,
  from_org INTEGER NOT NULL REFERENCES org(id),
  to_org INTEGER NOT NULL REFERENCES org(id),
  services TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('draft','pending','accepted','rejected','completed','revoked')),
  emergency INTEGER NOT NULL DEFAULT 0,
  reviewed_at TEXT,
  reviewed_by TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  reason_blob BLOB
);

CREATE INDEX case_referral_case ON case_referral(case_id);

CREATE INDEX case_referral_to ON case_referral(to_org, status);

CREATE TABLE case_consent(
  id INTEGER PRIMARY KEY,
  referral_id INTEGER NOT NULL REFERENCES case_referral(id),
  case_id INTEGER NOT NULL REFERENCES nrm_case(id),
  recipient_org INTEGER NOT NULL REFERENCES org(id),
  given INTEGER NOT NULL CHECK(given IN (0,1)),
  categories INTEGER NOT NULL DEFAULT 0,
  purpose_blob BLOB,
  until_day INTEGER,
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  withdrawn_at TEXT,
  withdrawn_by TEXT
);

CREATE INDEX case_consent_referral ON case_consent(referral_id);

CREATE TABLE case_attachment(
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES nrm_case(id),
  name_blob BLOB NOT NULL,
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  data_blob BLOB NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL
);

CREATE INDEX case_attachment_case ON case_attachment(case_id);

CREATE TABLE case_stat(
  id INTEGER PRIMARY KEY,
  purged_at TEXT NOT NULL,
  stage TEXT NOT NULL,
  decision TEXT,
  sex TEXT NOT NULL,
  age_group TEXT NOT NULL,
  citizenship TEXT NOT NULL,
  country_of_exploitation TEXT NOT NULL,
  exploitation TEXT NOT NULL,
  means_of_control TEXT NOT NULL,
  recruiter TEXT NOT NULL,
  labour_sector TEXT NOT NULL,
  opened_on TEXT NOT NULL,
  decision_date TEXT,
  closed_on TEXT,
  stage_dates TEXT NOT NULL,
  services_delivered TEXT NOT NULL
);
