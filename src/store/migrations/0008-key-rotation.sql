-- Migration 8: key rotations (owned by keys.c; docs/internals/keys.md). The
-- newest row names the vault key that every blob and blind index is under
-- once that rotation committed; writers of sealed data refuse to seal with
-- an older key (keyring_writer_check). Key ids only, never key material.
-- Frozen text: a later change to the schema is a new migration.

CREATE TABLE key_rotation(
  id INTEGER PRIMARY KEY,
  key_id INTEGER NOT NULL CHECK(key_id BETWEEN 1 AND 4294967295),
  at TEXT NOT NULL,
  by TEXT NOT NULL,
  resealed INTEGER NOT NULL DEFAULT 0
);
