/*
 * synth.h - deterministic synthetic registers for development, tests,
 * demos, benchmarks and training exercises.
 *
 * Writes, into one directory, the five canonical registers
 * (permits.csv, border_crossings.csv, inspections.csv, reports.csv,
 * outcomes.csv) plus:
 *   truth.csv     every planted entity: scheme_id, typology, entity_type,
 *                 entity_key, role ("planted" or "lookalike")
 *   bad_rows.csv  every deliberately bad row: file, line, column, reason
 *   manifest.csv  per file: rows written (excluding header), bad rows
 * The same options give byte-identical files. Streaming: memory does not
 * grow with the number of applications beyond per-employer state.
 */
#ifndef TW_SYNTH_H
#define TW_SYNTH_H

#include <stdint.h>

#include "base/err.h"

typedef struct {
    const char *out_dir;       /* created if missing */
    uint64_t applications;     /* permit rows to write, at least 100 */
    uint64_t seed;
    double bad_row_rate;       /* fraction of rows made invalid; 0: the default 0.001;
                                  negative: none */
} synth_opts_t;

typedef struct {
    uint64_t rows[5];     /* permits, border_crossings, inspections, reports, outcomes */
    uint64_t bad_rows[5]; /* of those, deliberately invalid */
    uint64_t planted_entities;
    uint64_t schemes;
} synth_summary_t;

/* Writes the files; *sum may be NULL. TW_EINPUT (with *ei) for bad options,
 * TW_EIO when a file cannot be written. */
tw_err_t synth_run(const synth_opts_t *opts, synth_summary_t *sum, tw_errinfo_t *ei);

#endif
