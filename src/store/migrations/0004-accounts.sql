-- Migration 4: organisations, accounts, browser sessions, API tokens and
-- failed sign-ins (owned by auth.c); the hash-chained audit log and its head
-- (owned by audit.c). Only hashes of session and API tokens are stored. The
-- triggers make audit_log append-only and in sequence, and let audit_head
-- move only forward, one entry at a time, to an entry that exists (see
-- docs/internals/audit.md).
-- Frozen text: a later change to the schema is a new migration.

CREATE TABLE org(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  created_at TEXT NOT NULL
);

CREATE TABLE app_user(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  org_id INTEGER NOT NULL REFERENCES org(id),
  role TEXT NOT NULL CHECK(role IN ('admin','analyst','inspector','case_worker','statistician','auditor')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled_at TEXT
);

CREATE TABLE session(
  id INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES app_user(id),
  remote TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_unix INTEGER NOT NULL,
  seen_unix INTEGER NOT NULL,
  expires_unix INTEGER NOT NULL
);

CREATE INDEX session_user ON session(user_id);

CREATE TABLE api_token(
  id INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES app_user(id),
  label TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE INDEX api_token_user ON api_token(user_id);

CREATE TABLE login_failure(
  id INTEGER PRIMARY KEY,
  key_hash TEXT NOT NULL,
  at_unix INTEGER NOT NULL
);

CREATE INDEX login_failure_key ON login_failure(key_hash, at_unix);

CREATE TABLE audit_log(
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_id INTEGER,
  org TEXT,
  role TEXT,
  via TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  remote TEXT NOT NULL,
  detail TEXT,
  hash BLOB NOT NULL
);

CREATE TABLE audit_head(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  last_id INTEGER NOT NULL,
  hash BLOB NOT NULL
);

INSERT INTO audit_head(id, last_id, hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be changed'); END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be removed'); END;

CREATE TRIGGER audit_log_in_sequence BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT (SELECT last_id + 1 FROM audit_head WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'audit_log: entries are appended in sequence'); END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head cannot be removed'); END;

CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.id IS NOT OLD.id OR NEW.last_id IS NOT OLD.last_id + 1
  OR NOT EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.last_id AND hash = NEW.hash)
BEGIN SELECT RAISE(ABORT, 'audit_head moves only forward, to the newest entry'); END;
