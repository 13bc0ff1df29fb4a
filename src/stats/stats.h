/*
 * stats.h - the analyst's and the statistician's view: patterns of labour
 * migration and recruitment computed from the registers, a data-quality
 * report per register, and the national statistics (SDG 16.2.2, GLOTIP
 * tables, the k-anonymous CTDC export). Definitions of every column:
 * docs/internals/stats.md.
 *
 * Shape: every report is a stats_table_t (named columns, rows of cells),
 * written as CSV, JSON or HTML by one writer, so the CLI, the API and the
 * web page show the same numbers.
 *
 * Invariants:
 *   1. Reads only: register rows through store_scan_range() (current
 *      version of each row), import batches and rejects through
 *      store_stats()/read-only SQL, NRM cases only through cases.h
 *      aggregates (no case-level personal data ever reaches this module).
 *   2. A period with no data gives a table with its header and no rows,
 *      never an error.
 *   3. A table's rows are in a stated, deterministic order.
 *
 * Thread model: the caller's store_t; a stats_data_t is read-only once
 * loaded and may be shared by threads. Each function returning memory says
 * who frees it.
 */
#ifndef TW_STATS_H
#define TW_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "engine/config.h"
#include "store/store.h"

/* ---- tables ------------------------------------------------------------------- */

typedef enum { STATS_NULL = 0, STATS_INT, STATS_REAL, STATS_TEXT } stats_kind_t;

typedef struct {
    stats_kind_t kind;
    long long i;
    double r;
    const char *s; /* owned by the table */
} stats_cell_t;

typedef struct stats_table stats_table_t;

/* A new empty table named `name` with the NULL-terminated column names
 * (copied). Free with stats_table_free(). */
tw_err_t stats_table_new(const char *name, const char *const *cols, stats_table_t **out);
void stats_table_free(stats_table_t *t);
/* Starts a new row; cells are then appended in column order. A row left
 * short is completed with empty cells. */
tw_err_t stats_row(stats_table_t *t);
tw_err_t stats_put_int(stats_table_t *t, long long v);
tw_err_t stats_put_real(stats_table_t *t, double v); /* non-finite: empty */
tw_err_t stats_put_text(stats_table_t *t, const char *s); /* NULL or "": empty */
tw_err_t stats_put_null(stats_table_t *t);

const char *stats_table_name(const stats_table_t *t);
size_t stats_table_ncols(const stats_table_t *t);
size_t stats_table_nrows(const stats_table_t *t);
const char *stats_table_col(const stats_table_t *t, size_t c);
/* Column index by name, or -1. */
int stats_table_find(const stats_table_t *t, const char *col);
const stats_cell_t *stats_table_cell(const stats_table_t *t, size_t row, size_t col);

typedef enum { STATS_CSV = 0, STATS_JSON, STATS_HTML } stats_format_t;
/* "csv", "json", "html"; TW_EINPUT naming --format otherwise. */
tw_err_t stats_format_parse(const char *s, stats_format_t *out, tw_errinfo_t *ei);

/* Appends the table: CSV (RFC 4180, header row, empty = unknown), JSON
 * ({"table":..,"columns":[..],"rows":[[..],..]}), or an HTML <table> with a
 * <caption> (a fragment; stats_html_begin/end wrap fragments into a
 * printable page). Reals with up to 6 significant decimals. */
tw_err_t stats_table_write(const stats_table_t *t, stats_format_t f, tw_buf_t *out);
tw_err_t stats_html_begin(tw_buf_t *out, const char *title, const char *subtitle);
tw_err_t stats_html_end(tw_buf_t *out);

/* ---- periods ------------------------------------------------------------------ */

typedef struct {
    int32_t from, to; /* days since 1970-01-01, inclusive; INT32_MIN / INT32_MAX: open */
} stats_period_t;

/* From optional "YYYY-MM-DD" strings (NULL or "": open). TW_EINPUT naming
 * --from / --to for a malformed date, or when from is after to. */
tw_err_t stats_period_parse(const char *from, const char *to, stats_period_t *p,
                            tw_errinfo_t *ei);
/* Days since 1970-01-01 of the date that starts s ("YYYY-MM-DD..."); -1
 * with *ok 0 when it is not one. */
int32_t stats_day(const char *s, size_t len, int *ok);
/* "YYYY-MM-DD" of a day into out[11]. */
void stats_day_str(int32_t day, char out[11]);

/* ---- the registers, loaded once --------------------------------------------------- */

typedef struct stats_data stats_data_t;

/* What to load besides the permits: the border crossings are needed by the
 * flows table and the quality report only. */
#define STATS_LOAD_CROSSINGS 1u
/* Loads the current version of every permit (and, with
 * STATS_LOAD_CROSSINGS, every border crossing): the columns the tables use,
 * into memory. Free with stats_data_free(). `cfg` gives the minimum wage in
 * force (NULL: the built-in configuration); it must outlive the data. A
 * table that needs crossings over data loaded without them counts none. */
tw_err_t stats_data_load(store_t *st, const config_t *cfg, unsigned what, stats_data_t **out,
                         tw_errinfo_t *ei);
void stats_data_free(stats_data_t *d);
/* Applications and crossings loaded (current versions). */
size_t stats_data_applications(const stats_data_t *d);
size_t stats_data_crossings(const stats_data_t *d);

/* ---- the pattern tables (docs/internals/stats.md) ----------------------------------- */

typedef enum {
    STATS_CORRIDORS = 0,
    STATS_RECRUITMENT,
    STATS_CONCENTRATION,
    STATS_WAGES,
    STATS_FLOWS,
    STATS_TRENDS,
    STATS_PATTERN_COUNT
} stats_pattern_t;

/* "corridors", "recruitment", "concentration", "wages", "flows", "trends". */
const char *stats_pattern_name(stats_pattern_t p);
/* TW_EINPUT naming --table and the allowed names otherwise. */
tw_err_t stats_pattern_parse(const char *s, stats_pattern_t *out, tw_errinfo_t *ei);
/* The stats_data_load() flags table p needs. */
unsigned stats_pattern_needs(stats_pattern_t p);
/* Builds one table over the period. The caller frees *out. */
tw_err_t stats_pattern(const stats_data_t *d, stats_pattern_t p, const stats_period_t *per,
                       stats_table_t **out, tw_errinfo_t *ei);

/* ---- data quality (docs/internals/stats.md, "Data quality") ----------------------- */

/* `quality`: one row per register; `quality_trend`: one row per register
 * and month. Reads the store itself (one scan per register, in one read
 * snapshot; no stats_data_t needed). The caller frees both (either out may
 * be NULL). */
tw_err_t stats_quality(store_t *st, const stats_period_t *per, stats_table_t **summary,
                       stats_table_t **trend, tw_errinfo_t *ei);

#endif
