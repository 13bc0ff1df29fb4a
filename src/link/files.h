/*
 * files.h - record linkage of arbitrary CSV files (`tipwatch link --files`).
 *
 * One file: deduplication; two files: linkage of the first to the second.
 * SPEC maps columns to comparison kinds (link.h):
 *     column:kind[:format],column:kind[:format],...
 * e.g. "given_name:given,surname:family,date_of_birth:date:YYYYMMDD,
 * soc_sec_id:id,postcode:postcode,state:region". Formats for dates:
 * YYYYMMDD, YYYY-MM-DD (the default), DD.MM.YYYY, DD/MM/YYYY, YYYY.
 *
 * Values are brought to the normal forms of norm.h (names and addresses in
 * any of the three scripts to one Latin form; phones to E.164 where they
 * read as phones); fields and headers are trimmed of surrounding blanks
 * (FEBRL writes ", " between fields). A malformed CSV record is skipped
 * and reported on stderr with its line; a date that does not read in its
 * format is compared as the digits it has. Output: a CSV with the header
 * `left,right,weight,probability`, one row per linked record pair, left
 * and right being the --id column's values (left from the first file).
 * Thread model: one call at a time per thread.
 */
#ifndef TW_LINK_FILES_H
#define TW_LINK_FILES_H

#include <stdio.h>

#include "base/err.h"
#include "link/link.h"

typedef struct {
    const char *files[2]; /* files[1] NULL: deduplication */
    const char *id_column;
    const char *spec;
    const char *out;      /* path of the pairs file */
    link_opts_t opts;     /* sources is set from the files */
    double min_weight;    /* pairs written at or above (default: threshold) */
    int have_min_weight;
    FILE *log;            /* summary lines; NULL: quiet */
} link_files_opts_t;

/* TW_EINPUT (with ei: file, line, field) for a missing column, a bad SPEC,
 * an empty id; TW_ENOTFOUND for a missing file; TW_EIO. */
tw_err_t link_files_run(const link_files_opts_t *o, tw_errinfo_t *ei);

#endif
