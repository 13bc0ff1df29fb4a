-- Migration 13: the outreach outbox (src/outreach/outbox.c owns these
-- tables). One row per (application, event): the unique key is what makes
-- planning idempotent, so an event gets its message once however often the
-- planner runs. A message moves queued -> sending -> sent, or back to
-- queued with a later next_attempt_at after a temporary failure, or to
-- failed after the last attempt; in_person messages are listed for
-- delivery at the border or the service centre and marked delivered by
-- hand; opted_out when the worker asked for no messages.
-- Frozen text: a later change to the schema is a new migration.

CREATE TABLE outreach_message(
  id INTEGER PRIMARY KEY,
  application_id TEXT NOT NULL,
  event TEXT NOT NULL CHECK(event IN ('approved','renewed','transferred','revoked',
                                      'expiry_30d','no_entry')),
  event_date TEXT NOT NULL,
  worker_key TEXT NOT NULL,
  channel TEXT NOT NULL CHECK(channel IN ('sms','email','in_person')),
  address TEXT,
  language TEXT NOT NULL,
  template TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('queued','sending','sent','failed','in_person',
                                      'delivered','opted_out')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  planned_at TEXT NOT NULL,
  sent_at TEXT,
  sink TEXT,
  UNIQUE(application_id, event)
);

CREATE INDEX outreach_message_due ON outreach_message(state, next_attempt_at);

CREATE INDEX outreach_message_worker ON outreach_message(worker_key);

CREATE TABLE outreach_optout(
  worker_key TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  reason TEXT
);

CREATE TABLE outreach_language(
  worker_key TEXT PRIMARY KEY,
  language TEXT NOT NULL,
  at TEXT NOT NULL
);
