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
 *      store consistent and a re-run completes it.
 * Thread model: one import per store_t at a time. Inside, a reader thread
 * parses, validates and normalises records in chunks while the calling
 * thread writes the previous chunks to the store (the store_t is only ever
 * used by the calling thread).
 */
#ifndef TW_IMPORT_H
#define TW_IMPORT_H

#include <signal.h>
#include <stddef.h>

#include "err.h"
#include "registers.h"
#include "store.h"

typedef enum {
    IMPORT_PROGRESS_NONE = 0,
    IMPORT_PROGRESS_AUTO,  /* a bar on a terminal, plain lines otherwise */
    IMPORT_PROGRESS_PLAIN, /* plain lines */
    IMPORT_PROGRESS_BAR
} import_progress_t;

typedef struct {
    const char *register_name; /* NULL: from the mapping or the header */
    const char *mapping_path;  /* NULL: canonical headers */
    const char *rejects_path;  /* NULL: FILE.rejects.csv; "" : none */
    size_t batch_rows;         /* rows per transaction; 0: 20000 */
    import_progress_t progress;
    volatile sig_atomic_t *cancel; /* set by a signal handler: stop after the current row */
    int quiet;                     /* no warnings about extra columns on stderr */
    int threads;                   /* 0 or 2: a reader thread feeds the writer; 1: one thread */
} import_opts_t;

typedef struct {
    reg_id_t reg;
    int64_t batch_id;
    store_batch_counts_t counts;
    double seconds;
    int cancelled;
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

#endif
