-- Migration 1: registers, entities, batches, rejects. Each migration file is
-- run whole (sqlite3_exec) in one transaction with the user_version bump.
-- Frozen text: a later change to the schema is a new migration file, never
-- an edit of this one (the text is what sqlite_master keeps).

CREATE TABLE import_batch(
  id INTEGER PRIMARY KEY,
  register TEXT NOT NULL,
  file TEXT NOT NULL,
  mapping TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK(status IN ('running','done','failed','interrupted')),
  host TEXT,
  pid INTEGER,
  rows_read INTEGER NOT NULL DEFAULT 0,
  rows_new INTEGER NOT NULL DEFAULT 0,
  rows_versioned INTEGER NOT NULL DEFAULT 0,
  rows_unchanged INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  warnings INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE reject(
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES import_batch(id),
  register TEXT NOT NULL,
  line INTEGER NOT NULL,
  column_no INTEGER,
  field TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL CHECK(severity IN ('error','warning')),
  reason TEXT NOT NULL,
  raw TEXT,
  raw_hash INTEGER NOT NULL,
  UNIQUE(register, raw_hash, field, severity)
);

CREATE TABLE worker(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);

CREATE TABLE employer(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);

CREATE TABLE intermediary(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);

CREATE TABLE address(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);

CREATE TABLE phone(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);

CREATE TABLE permit(
  id INTEGER PRIMARY KEY,
  row_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  content_hash INTEGER NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES import_batch(id),
  source_line INTEGER NOT NULL,
  application_id TEXT,
  submitted_at TEXT,
  submitted_at_utc TEXT,
  decision TEXT,
  decided_at TEXT,
  decided_at_utc TEXT,
  permit_no TEXT,
  valid_from TEXT,
  valid_to TEXT,
  previous_application_id TEXT,
  worker_doc_no TEXT,
  worker_doc_no_norm TEXT,
  worker_doc_country TEXT,
  worker_family_name TEXT,
  worker_family_name_norm TEXT,
  worker_given_name TEXT,
  worker_given_name_norm TEXT,
  worker_sex TEXT,
  worker_birth_date TEXT,
  worker_citizenship TEXT,
  worker_phone TEXT,
  worker_phone_e164 TEXT,
  worker_email TEXT,
  worker_address TEXT,
  worker_address_norm TEXT,
  worker_region TEXT,
  employer_tin TEXT,
  employer_name TEXT,
  employer_name_norm TEXT,
  employer_sector TEXT,
  employer_registered_on TEXT,
  employer_declared_employees INTEGER,
  workplace_address TEXT,
  workplace_address_norm TEXT,
  workplace_region TEXT,
  occupation_isco TEXT,
  position_title TEXT,
  monthly_salary_amd INTEGER,
  weekly_hours INTEGER,
  contract_start TEXT,
  contract_end TEXT,
  intermediary_id TEXT,
  intermediary_name TEXT,
  intermediary_name_norm TEXT,
  submitted_by TEXT,
  worker_ref REFERENCES worker(id),
  employer_ref REFERENCES employer(id),
  intermediary_ref REFERENCES intermediary(id),
  worker_address_ref REFERENCES address(id),
  workplace_address_ref REFERENCES address(id),
  worker_phone_ref REFERENCES phone(id),
  extra TEXT,
  UNIQUE(row_key, version)
);

CREATE TABLE border_crossing(
  id INTEGER PRIMARY KEY,
  row_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  content_hash INTEGER NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES import_batch(id),
  source_line INTEGER NOT NULL,
  crossing_id TEXT,
  crossed_at TEXT,
  crossed_at_utc TEXT,
  direction TEXT,
  crossing_point TEXT,
  doc_no TEXT,
  doc_no_norm TEXT,
  doc_country TEXT,
  family_name TEXT,
  family_name_norm TEXT,
  given_name TEXT,
  given_name_norm TEXT,
  sex TEXT,
  birth_date TEXT,
  citizenship TEXT,
  purpose TEXT,
  worker_ref REFERENCES worker(id),
  extra TEXT,
  UNIQUE(row_key, version)
);

CREATE TABLE inspection(
  id INTEGER PRIMARY KEY,
  row_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  content_hash INTEGER NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES import_batch(id),
  source_line INTEGER NOT NULL,
  inspection_id TEXT,
  employer_tin TEXT,
  inspected_on TEXT,
  workers_found INTEGER,
  undeclared_workers INTEGER,
  violations TEXT,
  employer_ref REFERENCES employer(id),
  extra TEXT,
  UNIQUE(row_key, version)
);

CREATE TABLE report(
  id INTEGER PRIMARY KEY,
  row_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  content_hash INTEGER NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES import_batch(id),
  source_line INTEGER NOT NULL,
  report_id TEXT,
  received_at TEXT,
  received_at_utc TEXT,
  channel TEXT,
  subject_name TEXT,
  subject_name_norm TEXT,
  subject_birth_date TEXT,
  subject_citizenship TEXT,
  employer_tin TEXT,
  employer_name TEXT,
  employer_name_norm TEXT,
  address TEXT,
  address_norm TEXT,
  phone TEXT,
  phone_e164 TEXT,
  category TEXT,
  summary TEXT,
  employer_ref REFERENCES employer(id),
  address_ref REFERENCES address(id),
  phone_ref REFERENCES phone(id),
  extra TEXT,
  UNIQUE(row_key, version)
);

CREATE TABLE outcome(
  id INTEGER PRIMARY KEY,
  row_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  content_hash INTEGER NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES import_batch(id),
  source_line INTEGER NOT NULL,
  entity_type TEXT,
  entity_key TEXT,
  outcome TEXT,
  decided_on TEXT,
  extra TEXT,
  UNIQUE(row_key, version)
);
CREATE VIEW permit_current AS SELECT * FROM permit p WHERE version = (SELECT max(version) FROM permit q WHERE q.row_key = p.row_key);

CREATE VIEW border_crossing_current AS SELECT * FROM border_crossing p WHERE version = (SELECT max(version) FROM border_crossing q WHERE q.row_key = p.row_key);

CREATE VIEW inspection_current AS SELECT * FROM inspection p WHERE version = (SELECT max(version) FROM inspection q WHERE q.row_key = p.row_key);

CREATE VIEW report_current AS SELECT * FROM report p WHERE version = (SELECT max(version) FROM report q WHERE q.row_key = p.row_key);

CREATE VIEW outcome_current AS SELECT * FROM outcome p WHERE version = (SELECT max(version) FROM outcome q WHERE q.row_key = p.row_key);
