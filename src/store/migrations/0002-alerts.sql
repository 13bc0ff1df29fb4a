-- Migration 2: alerts, their history and suppressions (owned by alerts.c).
-- Frozen text: a later change to the schema is a new migration.

CREATE TABLE alert(
  id INTEGER PRIMARY KEY,
  entity_type TEXT NOT NULL CHECK(entity_type IN ('application','worker','employer','intermediary','address','phone')),
  entity_key TEXT NOT NULL,
  score REAL NOT NULL,
  level TEXT NOT NULL CHECK(level IN ('none','low','medium','high')),
  status TEXT NOT NULL DEFAULT 'new' CHECK(status IN ('new','in_review','escalated','dismissed','confirmed')),
  assignee TEXT,
  indicators TEXT NOT NULL,
  evidence TEXT NOT NULL,
  explanation TEXT NOT NULL,
  config_version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  closed INTEGER NOT NULL DEFAULT 0,
  screened_run INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX alert_open ON alert(entity_type, entity_key) WHERE closed = 0;

CREATE INDEX alert_level ON alert(level, score);

CREATE INDEX alert_entity ON alert(entity_type, entity_key, closed);

CREATE TABLE alert_event(
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alert(id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT,
  score REAL,
  level TEXT,
  indicators TEXT,
  config_version TEXT,
  reason TEXT
);

CREATE INDEX alert_event_alert ON alert_event(alert_id);

CREATE TABLE suppression(
  id INTEGER PRIMARY KEY,
  entity_type TEXT NOT NULL,
  entity_key TEXT NOT NULL,
  indicator TEXT NOT NULL,
  reason TEXT NOT NULL,
  until TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT,
  revoke_reason TEXT
);

CREATE INDEX suppression_entity ON suppression(entity_type, entity_key);
