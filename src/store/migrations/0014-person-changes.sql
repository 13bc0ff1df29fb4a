-- Migration 14: what a link run changed, for the screening (owned by
-- src/link/persons.c; the engine reads and clears it through
-- link/persons.h: persons_changed_workers, persons_changed_workers_done).
--
-- A worker whose person gained or lost records in a run (a merge, a split,
-- a clerical decision, a record that moved) is screened again by the next
-- screening, incremental or full, which then deletes the rows it read.
-- Only worker ids: nothing of a person's data.
CREATE TABLE person_worker_change(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run INTEGER NOT NULL,
  worker_id INTEGER NOT NULL
);

-- The entity page and the NRM case page list a person's workers.
CREATE INDEX person_worker_person ON person_worker(person_id);
