/*
 * synth.h - deterministic synthetic registers for development, tests,
 * demos, benchmarks and training exercises.
 *
 * Writes, into one directory, the five canonical registers
 * (permits.csv, border_crossings.csv, inspections.csv, reports.csv,
 * outcomes.csv) plus:
 *   truth.csv     every planted entity: scheme_id, typology, entity_type,
 *                 entity_key, role ("planted" or "lookalike")
 *   persons.csv   the person behind every kept record of permits, border
 *                 crossings and reports: record (permits:APPLICATION_ID,
 *                 border:CROSSING_ID, reports:REPORT_ID), person_id
 *   bad_rows.csv  every deliberately bad row: file, line, column, reason
 *   manifest.csv  per file: rows written (excluding header), bad rows
 * The same options give byte-identical files. Streaming: memory does not
 * grow with the number of applications beyond per-employer state.
 *
 * A world (synth_world_t) shifts the generator's habits - nationality mix,
 * wages, employer sizes, intermediaries, how many schemes, how many outcome
 * labels and how reliable - so a result can be checked on worlds other than
 * the default one. opts.world NULL is the default world.
 */
#ifndef TW_SYNTH_H
#define TW_SYNTH_H

#include <stdint.h>

#include "base/err.h"

/* Most citizenships a nationality mix can name (synth_world_nat_code). */
#define SYNTH_NAT_MAX 32

typedef struct {
    /* Background permit share per citizenship, indexed as
     * synth_world_nat_code() lists them; any non-negative scale (only the
     * ratios count). All zero: the default shares (docs/internals/synth.md). */
    double nat_weight[SYNTH_NAT_MAX];
    double wage_level;         /* multiplies every background wage; 1. 0.2..5 */
    double employer_tail;      /* Pareto tail index of employer sizes; 1.15.
                                  Lower: more large employers. 0.5..4 */
    double apps_per_employer;  /* mean applications per background employer;
                                  11.5. 2..500 */
    double intermediary_share; /* expected share of background applications
                                  through an intermediary, 0..0.95; negative:
                                  the default world's (about 0.11) */
    double scheme_prevalence;  /* multiplies the number of planted schemes (one
                                  per ~3,000 applications); 1. 0.1..20 */
    double label_share;        /* fraction of the outcome labels the default
                                  world records that are kept; 1. 0..1 */
    double label_noise;        /* fraction of recorded labels flipped
                                  (confirmed <-> cleared); 0. 0..0.5 */
    int confirmed_only;        /* 1: only `confirmed` outcomes are written
                                  (positive-unlabelled); 0 */
} synth_world_t;

typedef struct {
    const char *out_dir;       /* created if missing */
    uint64_t applications;     /* permit rows to write, at least 100 */
    uint64_t seed;
    double bad_row_rate;       /* fraction of rows made invalid; 0: the default 0.001;
                                  negative: none */
    const synth_world_t *world; /* NULL: the default world */
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

/* The default world: synth_run() with it writes the same bytes as with
 * opts.world NULL. */
void synth_world_default(synth_world_t *w);

/* Sets one parameter from text, as a `--world` file or a command-line flag
 * gives it. Keys: nationality_mix (`IND=40,NPL=20,RUS=10`: weights per
 * ISO 3166-1 alpha-3 citizenship; the others get 0), wage_level,
 * employer_tail, apps_per_employer, intermediary_share, scheme_prevalence,
 * label_share, label_noise, confirmed_only (yes/no, true/false, 1/0).
 * TW_EINPUT with a message naming the key and the accepted range for an
 * unknown key, a malformed or out-of-range value; *w is then unchanged. */
tw_err_t synth_world_set(synth_world_t *w, const char *key, const char *value,
                         tw_errinfo_t *ei);

/* Reads a world file: `key = value` lines (keys as synth_world_set), blank
 * lines and `#` comments, at most 64 KB. Applies them over *w, or nothing.
 * TW_EINPUT naming the file when it cannot be read (missing, unreadable,
 * too big) and file:line for a bad line or a key given twice. */
tw_err_t synth_world_load(synth_world_t *w, const char *path, tw_errinfo_t *ei);

/* TW_EINPUT naming the first parameter out of its range (as above). */
tw_err_t synth_world_check(const synth_world_t *w, tw_errinfo_t *ei);

/* The citizenship code of nationality-mix index i, NULL past the last. */
const char *synth_world_nat_code(int i);

#endif
