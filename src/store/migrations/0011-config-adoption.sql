-- Migration 11: configs proposed, approved (four eyes), active, retired
-- (owned by engine/adopt.c). A config becomes active only when an admin
-- other than the one who proposed it approves it, after seeing the shadow
-- run and the backtest recorded with the proposal; at most one is active.
-- Frozen text: a later change to the schema is a new migration.

CREATE TABLE config_version(
  id INTEGER PRIMARY KEY,
  version TEXT NOT NULL,
  digest TEXT NOT NULL,
  text TEXT NOT NULL,
  note TEXT,
  review TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('proposed','active','retired','rejected','rolled_back')),
  proposed_by TEXT NOT NULL,
  proposed_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  activated_at TEXT,
  retired_at TEXT
);
CREATE UNIQUE INDEX config_version_one_active ON config_version(status) WHERE status = 'active';
CREATE INDEX config_version_status ON config_version(status, id);
