-- Migration 5: indexes on the entity links, for the reads that start from
-- an entity (the HTTP API's entity page and cluster, an alert's region and
-- employer): without them each is a scan of the whole register.
-- Frozen text: a later change to the schema is a new migration.

CREATE INDEX permit_worker_ref ON permit(worker_ref);

CREATE INDEX permit_employer_ref ON permit(employer_ref);

CREATE INDEX permit_intermediary_ref ON permit(intermediary_ref);

CREATE INDEX permit_worker_address_ref ON permit(worker_address_ref);

CREATE INDEX permit_workplace_address_ref ON permit(workplace_address_ref);

CREATE INDEX permit_worker_phone_ref ON permit(worker_phone_ref);

CREATE INDEX border_crossing_worker_ref ON border_crossing(worker_ref);

CREATE INDEX inspection_employer_ref ON inspection(employer_ref);

CREATE INDEX report_employer_ref ON report(employer_ref);

CREATE INDEX report_address_ref ON report(address_ref);

CREATE INDEX report_phone_ref ON report(phone_ref);
