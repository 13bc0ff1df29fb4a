/*
 * import.h - loading one register file into the store.
 *
 * import_file() reads a CSV export, works out which register it is (from
 * the option, the mapping file, or the header), validates every field
 * against registers.c, normalises names, addresses, phones and document
 * numbers (norm.c), and writes rows, entities and rejects through store.c.
 *
 * Guarantees (each is tested):
 *   1. A bad row is rejected alone, with line, column, field and reason, into
 *      the store's reject table and into the rejects file; the good rows of
 *      the same file load.
 *   2. Importing the same file again adds no row, even when the file holds
 *      one id several times. A row whose id exists with other content than
 *      its latest version becomes a new version (also when an older version,
 *      written by an earlier import, had that content: the newest export is
 *      what the register says now).
 *   3. Rows are committed every `batch_rows`; a killed import leaves the
 *      store consistent and a re-run completes it. On the bulk path the
 *      file is one transaction: a killed import leaves the store as it was,
 *      and a re-run loads it whole. Both paths store the same rows, the
 *      same rejects and the same entity ids for the same input.
 * Thread model: one import per store_t at a time. Inside, a reader thread
 * parses, validates and normalises records in chunks while the calling
 * thread writes the previous chunks to the store (the store_t is only ever
 * used by the calling thread).
 */
#ifndef TW_IMPORT_H
#define TW_IMPORT_H

#include <signal.h>
#include <stddef.h>

#include "base/err.h"
#include "ingest/norm.h"
#include "store/registers.h"
#include "store/store.h"

typedef enum {
    IMPORT_PROGRESS_NONE = 0,
    IMPORT_PROGRESS_AUTO,  /* a bar on a terminal, plain lines otherwise */
    IMPORT_PROGRESS_PLAIN, /* plain lines */
    IMPORT_PROGRESS_BAR
} import_progress_t;

/* The bulk path (docs/internals/import.md, "Bulk path"): the whole file
 * in one transaction, the register table's secondary indexes built after
 * the rows, new entities written in key order. Auto: for a file of at
 * least IMPORT_BULK_MIN_BYTES whose estimated row count (from the bytes
 * per record of its first records) is at least twice the rows the store
 * already holds for the register. */
typedef enum {
    IMPORT_BULK_AUTO = 0,
    IMPORT_BULK_OFF,
    IMPORT_BULK_ON
} import_bulk_t;
#define IMPORT_BULK_MIN_BYTES (32LL << 20)

/* Within one file the last record of a key wins: each earlier record of the
 * key is rejected with this reason (its argument: the line of the key's last
 * record), so a second import of the same file adds nothing. */
#define IMPORT_REPEATED_FMT "the key is repeated at line %ld of this file; the later row is kept"
/* The later line when `reason` is IMPORT_REPEATED_FMT's, else 0 (for a
 * client that words the reason in its own language). */
long import_reason_repeated(const char *reason);

typedef struct {
    const char *register_name; /* NULL: from the mapping or the header */
    const char *mapping_path;  /* NULL: canonical headers */
    const char *rejects_path;  /* NULL: FILE.rejects.csv; "" : none */
    size_t batch_rows;         /* rows per transaction; 0: 20000 */
    import_progress_t progress;
    volatile sig_atomic_t *cancel; /* set by a signal handler: stop after the current row */
    int quiet;                     /* no warnings about extra columns on stderr */
    int threads;                   /* 0 or 2: a reader thread feeds the writer; 1: one thread */
    import_bulk_t bulk;            /* the bulk path: auto (default), off, on */
} import_opts_t;

typedef struct {
    reg_id_t reg;
    int64_t batch_id;
    store_batch_counts_t counts;
    long long rows_repeated; /* of counts.rows_rejected: its key comes again later in the file */
    double seconds;
    int cancelled;
    int bulk; /* 1: the file went the bulk path */
    char rejects_path[4096];
} import_result_t;

/* TW_OK when the file was read to the end (rows may have been rejected).
 * TW_EINPUT with *ei (file, line, field, message) when the file as a whole
 * cannot be imported: unreadable header, unknown register, missing required
 * column, bad mapping. TW_EIO / TW_EDB for system failures. */
tw_err_t import_file(store_t *st, const char *path, const import_opts_t *opts,
                     import_result_t *res, tw_errinfo_t *ei);

/* Which register a header names, from its canonical column names: the one
 * whose required columns are all present and that matches most columns.
 * TW_EINPUT with a message naming the closest register's missing columns. */
tw_err_t import_infer_register(const char *const *names, const size_t *lens, size_t n,
                               reg_id_t *reg, tw_errinfo_t *ei);

/* ---- one record given field by field (POST /api/v1/score) ----
 * The same checks and normal forms as a CSV row of import_file(), the same
 * messages, the same content digest (so a later export holding the same
 * record adds nothing) and the same versioning; entities are resolved in
 * SQL (store_entity_resolve), never from a connection's cached map. */
typedef struct import_record import_record_t;

/* Checks fields names[i] = values[i] (canonical column names of register
 * `reg`; a NULL value is empty). TW_EINPUT when a name is not a column of
 * the register, is given twice, or a required field is missing (ei names
 * it); otherwise TW_OK with *out, which may still be rejected
 * (import_record_rejected: a value failed its check; the issues say which
 * and why, as a rejects file would). `norm` is the caller's (one per
 * thread). Free with import_record_free(). */
tw_err_t import_record_check(reg_id_t reg, norm_t *norm, const char *const *names,
                             const char *const *values, size_t n, import_record_t **out,
                             tw_errinfo_t *ei);
void import_record_free(import_record_t *r);
int import_record_rejected(const import_record_t *r);
size_t import_record_issues(const import_record_t *r);
/* Issue i: the field ("" for the record), 1 for a warning (kept), the
 * reason. Pointers valid until import_record_free(). */
void import_record_issue(const import_record_t *r, size_t i, const char **field,
                         int *warning, const char **reason);
/* The row key (application_id, ...); the checked values, canonical, with
 * their normal forms (reg_get(reg)->ncols entries). */
const char *import_record_key(const import_record_t *r);
const store_value_t *import_record_values(const import_record_t *r);
/* The ids of the entities the record names that the store knows (0 for
 * an entity not stored yet), without writing. */
tw_err_t import_record_links(store_t *st, import_record_t *r, store_links_t *links);

typedef enum {
    IMPORT_STORED_NEW = 1,
    IMPORT_STORED_VERSION,   /* a new version of a stored row */
    IMPORT_STORED_UNCHANGED  /* the latest version already says this */
} import_stored_status_t;

typedef struct {
    import_stored_status_t status;
    int64_t batch_id; /* the batch recording where it came from */
    int64_t version;  /* the row's latest version after the call */
    store_links_t links; /* entity ids, created where new */
} import_stored_t;

/* Stores a record that was not rejected as one batch named `source` (e.g.
 * "api:score by NAME"), in one transaction (nested in the caller's when
 * one is open). Warnings are recorded in the rejects table as an import's
 * are. */
tw_err_t import_record_store(store_t *st, import_record_t *r, const char *source,
                             import_stored_t *res, tw_errinfo_t *ei);

#endif
