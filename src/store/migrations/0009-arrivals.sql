-- Migration 9: what every stored arrival through the API reads (a one-row
-- batch and its alert, bench/RESULTS.md): the batches still running on this
-- host (the look for dead imports at each batch start scanned every batch
-- ever made) and the last screening run stamped on an alert (max() scanned
-- every alert).
-- Frozen text: a later change to the schema is a new migration.

CREATE INDEX import_batch_running ON import_batch(host) WHERE status = 'running';

CREATE INDEX alert_screened_run ON alert(screened_run);
