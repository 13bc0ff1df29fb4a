-- Migration 3: screening runs, the watermark of incremental screening
-- (owned by alerts.c, written in the transaction that applies a run).
-- Frozen text: a later change to the schema is a new migration.

CREATE TABLE screening(
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  mode TEXT NOT NULL CHECK(mode IN ('full','incremental')),
  config_version TEXT NOT NULL,
  config_digest TEXT NOT NULL,
  horizon INTEGER,
  permit_row INTEGER NOT NULL,
  crossing_row INTEGER NOT NULL,
  inspection_row INTEGER NOT NULL,
  report_row INTEGER NOT NULL,
  considered INTEGER NOT NULL,
  raised INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  lowered INTEGER NOT NULL
);
