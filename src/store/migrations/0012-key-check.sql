-- Migration 12: the keys the store's case data is sealed with (keyring.c).
-- One row per key id with a check value: a keyed BLAKE2b hash of a fixed text
-- under that key's blind subkey (vault_key_check), never the key itself. A key
-- file whose key of the same id gives another check value is not this
-- store's key file, and serve, keys and every case call refuse it before
-- anything is written.
CREATE TABLE vault_key(
  key_id INTEGER PRIMARY KEY CHECK(key_id BETWEEN 1 AND 4294967295),
  check_value TEXT NOT NULL CHECK(length(check_value) = 32),
  recorded_at TEXT NOT NULL
);

-- The published case statistics of each release period (case_admin.c,
-- cases_aggregate): computed at the period's first request and answered
-- unchanged until the next period, so that two requests cannot be
-- differenced to reveal one new case's profile (docs/internals/cases.md,
-- "Aggregates"). Counts of suppressed cells are stored as -1 only.
CREATE TABLE case_stat_release(
  period TEXT NOT NULL,
  dimension TEXT NOT NULL,
  value TEXT NOT NULL,
  count INTEGER NOT NULL,
  made_at TEXT NOT NULL,
  PRIMARY KEY(period, dimension, value)
);
