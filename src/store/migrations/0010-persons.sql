-- Migration 10: persons across the registers. Owned by src/link/persons.c;
-- no other module reads or writes these tables (they call link/persons.h).

-- A person id is never reused (AUTOINCREMENT). A person merged into an
-- older one keeps its row: status 'merged', merged_into the survivor.
CREATE TABLE person(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_run INTEGER NOT NULL,
  updated_run INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK(status IN ('active','merged')),
  merged_into INTEGER REFERENCES person(id)
);

-- One row per linked record: permits:ID, border:ID, reports:ID, cases:ID.
-- content_hash: of the values the linkage compared, to find changed rows.
CREATE TABLE person_record(
  record TEXT PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES person(id),
  content_hash INTEGER NOT NULL,
  run INTEGER NOT NULL
);
CREATE INDEX person_record_person ON person_record(person_id);

-- The person of each worker entity (a document, COUNTRY:DOCNO): the person
-- of the worker's first record. The engine reads it through persons.h.
CREATE TABLE person_worker(
  worker_id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL
);

-- Merges and splits of person ids.
CREATE TABLE person_event(
  id INTEGER PRIMARY KEY,
  run INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('merged','split')),
  person_id INTEGER NOT NULL,
  other_id INTEGER NOT NULL,
  records INTEGER NOT NULL DEFAULT 0
);

-- The links that joined a person's records, with their evidence: as a
-- line a person reads (evidence) and as JSON for the web UI's translations
-- (detail: {"prior":P,"total":T,"items":[[FIELD,LEVEL,WEIGHT],...]}).
CREATE TABLE person_join(
  person_id INTEGER NOT NULL,
  a TEXT NOT NULL,
  b TEXT NOT NULL,
  how TEXT NOT NULL CHECK(how IN ('model','identical','earlier','decision')),
  weight REAL NOT NULL,
  evidence TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX person_join_person ON person_join(person_id);

CREATE TABLE link_run(
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  mode TEXT NOT NULL CHECK(mode IN ('full','incremental')),
  records INTEGER NOT NULL DEFAULT 0,
  new_records INTEGER NOT NULL DEFAULT 0,
  persons INTEGER NOT NULL DEFAULT 0,
  pairs_compared INTEGER NOT NULL DEFAULT 0,
  pairs_linked INTEGER NOT NULL DEFAULT 0,
  review INTEGER NOT NULL DEFAULT 0,
  isolated INTEGER NOT NULL DEFAULT 0,
  blocks_capped INTEGER NOT NULL DEFAULT 0,
  chains_refused INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0,
  split INTEGER NOT NULL DEFAULT 0,
  model TEXT
);

-- Blocks over the cap, by run: reported, never compared.
CREATE TABLE link_capped(
  run INTEGER NOT NULL,
  rule TEXT NOT NULL,
  key TEXT NOT NULL,
  size INTEGER NOT NULL
);

-- The clerical review queue: record pairs in the uncertain band of the
-- last run that compared them (a < b).
CREATE TABLE link_review(
  id INTEGER PRIMARY KEY,
  a TEXT NOT NULL,
  b TEXT NOT NULL,
  weight REAL NOT NULL,
  evidence TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}',
  run INTEGER NOT NULL,
  UNIQUE(a, b)
);

-- Clerical decisions (a < b); they outlive every run and override the model.
CREATE TABLE link_decision(
  a TEXT NOT NULL,
  b TEXT NOT NULL,
  decision TEXT NOT NULL CHECK(decision IN ('same','not_same','unsure')),
  decided_by TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  note TEXT,
  PRIMARY KEY(a, b)
);
