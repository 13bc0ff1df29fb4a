/*
 * mapping.h - header and value mapping for real register exports.
 *
 * A government export rarely uses the canonical column names of
 * shared/formats/registry.md. A mapping file says how to read one:
 *
 *     # comments: a line starting with '#' or ';', or '#' after a value
 *     register = permits              # optional: which register this is
 *     date_format = DD.MM.YYYY        # optional: YYYY-MM-DD (default),
 *                                     #   DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY
 *     [columns]
 *     Application No = application_id # source header = canonical column
 *     "Gender, M/F" = worker_sex      # quote a name holding '=', '#' or ','
 *     Internal Ref = -                # '-' : drop this column silently
 *     [values worker_sex]             # value spellings for one canonical column
 *     Male = M
 *     Female = F
 *
 * Matching of source headers and source values is case-insensitive and
 * ignores surrounding spaces. Every error (unknown section, missing '=',
 * duplicate source name, a canonical name that is not a plain identifier,
 * unterminated quote, line over 4 KiB, file over 1 MiB) is TW_EINPUT with
 * the file name, line and column in *ei.
 *
 * The mapping owns all strings it returns; they live until mapping_free().
 * Read-only after load, so one mapping may be shared between threads.
 */
#ifndef TW_MAPPING_H
#define TW_MAPPING_H

#include <stddef.h>

#include "base/err.h"

typedef struct mapping mapping_t;

tw_err_t mapping_load_file(const char *path, mapping_t **out, tw_errinfo_t *ei);
/* `name` is used for error messages only (may be NULL). */
tw_err_t mapping_parse(const char *text, size_t len, const char *name, mapping_t **out,
                       tw_errinfo_t *ei);
void mapping_free(mapping_t *m);

/* NULL when the file does not say. */
const char *mapping_register(const mapping_t *m);
const char *mapping_date_format(const mapping_t *m);
/* The canonical column for a source header; "-" when the column is to be
 * dropped; NULL when the mapping does not mention it. */
const char *mapping_column(const mapping_t *m, const char *header, size_t len);
/* The canonical spelling of `value` in canonical column `column`, or NULL. */
const char *mapping_value(const mapping_t *m, const char *column, const char *value,
                          size_t len);

#endif
