/*
 * store.h - the one way into tipwatch's database (SQLite, WAL).
 *
 * The store owns the schema: the five register tables, the entity tables
 * they point to (worker, employer, intermediary, address, phone), import
 * batches and rejects. No other module writes SQL against these tables;
 * they call the functions below.
 *
 * Invariants:
 *   1. The schema version is PRAGMA user_version; store_open() applies every
 *      missing migration, each in its own transaction, and refuses a database
 *      newer than this program.
 *   2. Foreign keys are on; a register row points only at entity rows that
 *      exist.
 *   3. Register rows are never updated or deleted: a changed row is a new
 *      version (row_key, version), and `<table>_current` views show the
 *      latest version of each.
 *   4. A register row links to its entities through `<role>_ref` columns
 *      (worker_ref, employer_ref, worker_address_ref, ...).
 *   5. Entity keys are unique: worker "COUNTRY:DOCNO", employer TIN,
 *      intermediary id, address normal form, phone E.164.
 * Thread model: a store_t is one SQLite connection; use it from one thread at
 * a time. Several processes may open the same file (WAL); writers wait up to
 * the busy timeout.
 */
#ifndef TW_STORE_H
#define TW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/registers.h"

typedef struct store store_t;

#define STORE_SCHEMA_VERSION 16

typedef enum {
    ENT_WORKER = 0,
    ENT_EMPLOYER,
    ENT_INTERMEDIARY,
    ENT_ADDRESS,
    ENT_PHONE,
    ENT_COUNT
} store_entity_t;

/* Entity links of a register row; 0 = none. Which are used per register:
 *   permits:     worker, employer, intermediary, address (worker_address),
 *                address2 (workplace_address), phone (worker_phone)
 *   border:      worker
 *   inspections: employer
 *   reports:     employer, address, phone
 *   outcomes:    none */
typedef struct {
    int64_t worker, employer, intermediary, address, address2, phone;
} store_links_t;

/* One column's value: text as stored (canonical spelling for codes/enums,
 * the original for free text), the normalised form for columns that have one
 * (reg_column_has_norm), the number for COL_UINT. */
typedef struct {
    const char *text;
    size_t text_len;
    const char *norm;
    size_t norm_len;
    int64_t num;
    unsigned char present;  /* 0: the register said nothing (NULL) */
    unsigned char has_norm; /* 0: normalised form unknown (NULL) */
} store_value_t;

typedef struct {
    reg_id_t reg;
    const char *row_key; /* id column value; outcomes: "entity_type:entity_key" */
    size_t row_key_len;
    int64_t version;
    uint64_t content_hash;
    int64_t batch_id;
    long line;
    const store_value_t *vals; /* reg_get(reg)->ncols entries */
    store_links_t links;
    const char *extra_json;    /* NULL or a JSON object of unknown columns */
} store_row_t;

typedef struct {
    int64_t batch_id;
    reg_id_t reg;
    long line;
    long column;          /* 1-based CSV column; 0 when about the whole row */
    const char *field;    /* canonical column name or NULL */
    int warning;          /* 1: row kept; 0: row rejected */
    const char *reason;
    const char *raw;      /* the record as read (may be truncated by the caller) */
    size_t raw_len;
    uint64_t raw_hash;
} store_reject_t;

typedef struct {
    long long rows_read, rows_new, rows_versioned, rows_unchanged, rows_rejected, warnings;
    long long bytes;
} store_batch_counts_t;

typedef struct {
    long long rows[REG_COUNT];     /* register rows, current versions */
    long long versions[REG_COUNT]; /* all stored versions */
    long long rejected[REG_COUNT]; /* distinct rejected records */
    long long warnings[REG_COUNT];
    long long entities[ENT_COUNT];
    long long batches, batches_interrupted; /* interrupted: also those recorded as running
                                               whose process on this host is gone */
    long long batches_running;             /* running now (or on another host) */
} store_stats_t;

/* Opens (creating if missing) and migrates. Free with store_close(). */
tw_err_t store_open(const char *path, store_t **out, tw_errinfo_t *ei);
void store_close(store_t *st);
int store_schema_version(store_t *st);
/* The connection, for the modules that own tables of their own (alerts.c:
 * alert, alert_event). Their schema still lives in store.c's migrations. */
struct sqlite3 *store_sqlite(store_t *st);
/* A statement built at run time (a filtered API query), prepared once per
 * connection and kept by its exact text among the last STORE_STMT_CACHE
 * used: preparing a long query costs more than running it. Give it back
 * with store_release_cached() (reset, bindings cleared; finalized if it
 * was not kept), never sqlite3_finalize(). TW_EIO when it does not
 * prepare (store_errmsg() says why). */
#define STORE_STMT_CACHE 16
struct sqlite3_stmt;
tw_err_t store_prepare_cached(store_t *st, const char *sql, struct sqlite3_stmt **out);
void store_release_cached(store_t *st, struct sqlite3_stmt *s);
/* WAL checkpoints. By default a commit that leaves the WAL past 1,000
 * pages copies it back into the database file itself, inside the writer's
 * turn. A server turns that off on its request connections
 * (store_autocheckpoint(st, 0)) and checkpoints from a thread of its own
 * (store_checkpoint(): PASSIVE, never waits for readers or writers, does
 * what it can). */
void store_autocheckpoint(store_t *st, int pages);
tw_err_t store_checkpoint(store_t *st, int *wal_pages, int *copied);
/* A TRUNCATE checkpoint: waits up to max_wait_ms (checking every 100 us)
 * for the readers of the WAL to finish and for no writer, copies it all
 * back and empties the file; TW_ECONFLICT when it could not within that
 * time (nothing lost: try again later). Under a steady load a PASSIVE one
 * never finds the WAL unused, and the WAL only grows; the caller holds off
 * its own writers meanwhile. */
tw_err_t store_checkpoint_truncate(store_t *st, int max_wait_ms);
/* A RESTART checkpoint: the same wait, but the WAL file is kept; once it
 * returns TW_OK every frame is in the database and no reader uses the WAL,
 * so the next commit writes the WAL from its start again (the file is
 * reused, not truncated and grown again; every connection's
 * journal_size_limit of 128 MiB cuts back a WAL that grew past it). Cheap
 * when a PASSIVE checkpoint has just copied nearly everything. */
tw_err_t store_checkpoint_restart(store_t *st, int max_wait_ms);
/* The SQLite library tipwatch runs on ("3.54.1"). store_open() refuses a
 * library older than STORE_SQLITE_MIN (3.51.3): every release from 3.7.0
 * to 3.51.2 has the WAL-reset bug, which loses committed transactions when
 * a checkpoint races a commit (docs/internals/store.md, "Which SQLite"). */
#define STORE_SQLITE_MIN 3051003
const char *store_sqlite_version(void);
/* The last SQLite error message, for logs. */
const char *store_errmsg(store_t *st);
/* TW_EDB, with ei (may be NULL) set to "<what>: <the last SQLite error>":
 * the one way a module reports a failed statement on st. */
tw_err_t store_db_error(store_t *st, tw_errinfo_t *ei, const char *what);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. A failed COMMIT rolls back. After a
 * rollback the entity id maps are reloaded from the table on next use, so an
 * id handed out inside the rolled-back transaction is never reused for
 * another key. Nested: a store_begin() inside an open store_begin()
 * transaction is a savepoint; its commit releases it and its rollback undoes
 * only what was done since, so a caller can wrap a function that manages its
 * own transaction and add its own writes (an audit entry) atomically. */
tw_err_t store_begin(store_t *st);
tw_err_t store_commit(store_t *st);
void store_rollback(store_t *st);
/* Bulk load of one register file (import's bulk path; docs/internals/
 * import.md). store_bulk_begin() opens one write transaction (BEGIN
 * IMMEDIATE: other writers wait until it ends) and drops the secondary
 * indexes of `reg`'s table inside it; meanwhile store_entity_id() gives a
 * new key its id without writing it, and store_row_insert() writes rows
 * into the table without those indexes. store_bulk_commit() writes the new
 * entities in id order, builds the dropped indexes again from their own
 * SQL, and commits: all or nothing, so a crash or kill at any point leaves
 * the store as it was before store_bulk_begin(). store_bulk_rollback()
 * undoes everything. Foreign-key enforcement is off in between (the ids
 * come from the entity maps, read inside the transaction). Not nested:
 * TW_ECONFLICT when a transaction is open. Do not call store_begin() /
 * store_commit() in between. */
tw_err_t store_bulk_begin(store_t *st, reg_id_t reg);
tw_err_t store_bulk_commit(store_t *st);
void store_bulk_rollback(store_t *st);
int store_bulk_active(const store_t *st);

/* A read snapshot: every read until store_end_read() sees one state of the
 * database, even when another process commits meanwhile. */
tw_err_t store_begin_read(store_t *st);
void store_end_read(store_t *st);

/* Import batches. Marks 'running' batches whose process is gone as
 * 'interrupted' (on this host), then records a new running batch. */
tw_err_t store_batch_start(store_t *st, reg_id_t reg, const char *file, const char *mapping,
                           int64_t *batch_id);
/* status NULL keeps the current one; otherwise "done", "failed", "interrupted". */
tw_err_t store_batch_update(store_t *st, int64_t batch_id, const store_batch_counts_t *c,
                            const char *status);

/* Entity ids. Loads every known key into memory on first use, so a lookup
 * of a known key does not touch SQLite; a new key is inserted (inside the
 * caller's transaction). */
tw_err_t store_entity_id(store_t *st, store_entity_t kind, const char *key, size_t len,
                         int64_t *id);

/* The id of an existing entity, without adding one: TW_ENOTFOUND when the
 * key is unknown. */
tw_err_t store_entity_find(store_t *st, store_entity_t kind, const char *key, size_t len,
                           int64_t *id);

/* The same straight from SQL, without the map (a server's connections live
 * long and other connections add entities): the id of the entity with that
 * key, or, when there is none, TW_ENOTFOUND, or with `create` a new one
 * (inside the caller's write transaction). */
tw_err_t store_entity_resolve(store_t *st, store_entity_t kind, const char *key, size_t len,
                              int create, int64_t *id);

/* Calls fn for every stored version of every row of `reg`, in insertion
 * order: (row_key, version, content_hash, batch_id). */
typedef tw_err_t (*store_row_state_fn)(void *ctx, const char *row_key, size_t len,
                                       int64_t version, uint64_t content_hash,
                                       int64_t batch_id);
tw_err_t store_row_states(store_t *st, reg_id_t reg, store_row_state_fn fn, void *ctx);
/* The same for the versions of one row only. */
tw_err_t store_row_versions(store_t *st, reg_id_t reg, const char *key, size_t len,
                            store_row_state_fn fn, void *ctx);

tw_err_t store_row_insert(store_t *st, const store_row_t *row);
/* Adds a reject/warning unless the same record was already rejected for the
 * same field (idempotent re-import). */
tw_err_t store_reject_add(store_t *st, const store_reject_t *rj);

tw_err_t store_stats(store_t *st, store_stats_t *out);

/* One value of a scanned row, as stored, never converted: an integer (or
 * real) has `num` and no text; text has `text`/`len` and num 0; SQL NULL
 * has `null` set. Valid only during the callback. */
typedef struct {
    const char *text;
    size_t len;
    int64_t num;
    int null;
} store_cell_t;

typedef tw_err_t (*store_scan_fn)(void *ctx, int64_t row_id, const store_cell_t *cells,
                                  size_t n);

/* Calls fn for every stored version of every row of `reg`, in insertion
 * order (so a later version of a row_key comes after the earlier ones),
 * with the named columns of its table (register columns, their `_norm`,
 * `_e164`, `_utc` forms, `<role>_ref` links, row_key, version). `columns`
 * is NULL-terminated; a name the table does not have is TW_EINPUT. fn's
 * error stops the scan and is returned. */
tw_err_t store_scan(store_t *st, reg_id_t reg, const char *const *columns, store_scan_fn fn,
                    void *ctx);

/* The same over the rows with after < id <= upto only. The store is
 * append-only (invariant 3), so a scan bounded by the largest ids read in
 * one snapshot (store_max_row) sees exactly that snapshot, from any
 * connection and at any later time: this is how several connections load
 * one consistent state in parallel. Besides the table's columns, one
 * computed one may be asked for: STORE_COL_FIRST_ID, the id of the first
 * stored version of the row (its own id for version 1), so that a reader
 * can find a row's earlier version without a map of all keys. */
#define STORE_COL_FIRST_ID "first_id"
tw_err_t store_scan_range(store_t *st, reg_id_t reg, const char *const *columns, int64_t after,
                          int64_t upto, store_scan_fn fn, void *ctx);
/* The largest row id of a register's table (all versions); 0 when empty. */
tw_err_t store_max_row(store_t *st, reg_id_t reg, int64_t *max);
/* The version of the registers' data: the largest row id of each
 * register's table and of import_batch (out[0..REG_COUNT]). The registers
 * are append-only (a change is a new version row) and every import opens a
 * batch, so any import, even one whose every row was rejected, changes it;
 * equal versions mean the same register data and rejects. Cheap (one
 * index lookup per table). For caches of derived tables. */
tw_err_t store_data_version(store_t *st, int64_t out[REG_COUNT + 1]);
/* The database file's path ("" for an in-memory database), to open another
 * connection to the same store. */
const char *store_path(store_t *st);

/* The key of entity `id` into out[0..cap). TW_ENOTFOUND, TW_ETOOBIG. */
tw_err_t store_entity_key(store_t *st, store_entity_t kind, int64_t id, char *out, size_t cap);

/* Largest entity id of a kind (ids are dense from 1). */
tw_err_t store_entity_max_id(store_t *st, store_entity_t kind, int64_t *max);

/* Rejects and warnings grouped by register, field and severity, most
 * frequent first, at most `limit` groups; fn is called for each with one
 * example reason. */
typedef tw_err_t (*store_reject_group_fn)(void *ctx, const char *reg, const char *field,
                                          const char *severity, long long count,
                                          const char *example);
tw_err_t store_reject_groups(store_t *st, int limit, store_reject_group_fn fn, void *ctx);

/* ---- entity profile reads (the HTTP API's entity page) ---- */

/* One current register row: its canonical columns (names[i], cells[i],
 * i < n, in registers.c order). Valid only during the callback. */
typedef struct {
    reg_id_t reg;
    const char *row_key;
    int64_t version;
    const char *const *names;
    const store_cell_t *cells;
    size_t n;
} store_record_t;
typedef tw_err_t (*store_record_fn)(void *ctx, const store_record_t *rec);

/* The current rows of every register that point at entity `id` of `kind`
 * (key: its key, for the outcomes register), newest first, at most `limit`
 * per register and link; *truncated = 1 when some were left out. */
tw_err_t store_entity_records(store_t *st, store_entity_t kind, int64_t id, const char *key,
                              size_t limit, store_record_fn fn, void *ctx, int *truncated);
/* The current row of register `reg` whose id column is `key` (the
 * application, crossing, inspection or report id): fn once, or not at all
 * when there is none. */
tw_err_t store_record_get(store_t *st, reg_id_t reg, const char *key, store_record_fn fn,
                         void *ctx);
/* The same for one application: its current permit row and its outcomes. */
tw_err_t store_application_records(store_t *st, const char *application_id, size_t limit,
                                   store_record_fn fn, void *ctx, int *truncated);

/* One current permit application with the entities it links (0 = none) and
 * the names written on it (NULL when absent). Valid during the callback. */
typedef struct {
    const char *application_id;
    int64_t worker, employer, intermediary, res_address, work_address, phone;
    const char *worker_family_name, *worker_given_name, *employer_name, *intermediary_name;
} store_app_t;
typedef tw_err_t (*store_app_fn)(void *ctx, const store_app_t *app);

/* The current applications that link entity `id` of `kind` (any address
 * role for ENT_ADDRESS), or, with application_id != NULL, that one
 * application; newest first, at most `limit`, *truncated = 1 when more. */
tw_err_t store_entity_applications(store_t *st, store_entity_t kind, int64_t id,
                                   const char *application_id, size_t limit,
                                   store_app_fn fn, void *ctx, int *truncated);

/* The rejects and warnings an import batch recorded, by line, at most
 * `limit`; *total = how many it recorded in all. `raw` is the row as the
 * file had it (NULL when not kept). */
typedef tw_err_t (*store_batch_reject_fn)(void *ctx, long long line, long long column,
                                          const char *field, const char *severity,
                                          const char *reason, const char *raw);
tw_err_t store_batch_rejects(store_t *st, int64_t batch_id, size_t limit,
                             store_batch_reject_fn fn, void *ctx, long long *total);

#endif
