/*
 * screen.h - one screening run, full or incremental (docs/internals/engine.md,
 * "Incremental screening").
 *
 * A full run loads the engine's indexes, computes every indicator, scores
 * every entity and brings every alert in line. An incremental run does the
 * same computation but lets the alerts of only those entities change that
 * the rows imported since the last run can have touched: the engine records
 * which records are newer than the last run's watermark (and the versions
 * they replaced), ind_dirty() marks the entities whose own hits can differ,
 * score_dirty() follows the propagation, and the entities with a
 * suppression are added. So are the workers whose person a link run
 * changed (a merge, a split, a clerical decision: link/persons.h,
 * persons_changed_workers), which no row of the registers says; every
 * screening, full or incremental, clears that queue once its alerts are
 * written. Everything else keeps its alert untouched.
 *
 * Invariant (the property test tests/e2e/incremental.sh checks it): after
 * any sequence of imports, screening incrementally after each gives the same
 * alerts and history as screening fully after each.
 *
 * An incremental run falls back to a full one when there is no earlier run
 * or the config differs from the last run's (another digest): a new config
 * changes every score. The run and its watermark are recorded with the
 * alert changes in one transaction, so a crash never skips rows.
 */
#ifndef TW_SCREEN_H
#define TW_SCREEN_H

#include <stdio.h>

#include "engine/alerts.h"
#include "engine/config.h"
#include "store/store.h"

typedef struct {
    int incremental;       /* 1: only what changed since the last run */
    const char *hits_path; /* NULL, or write every native hit there as CSV */
    const char *actor;     /* recorded in the alert history */
    /* NULL, or taken (on 1) and given back (on 0) around the writing of
     * the alerts only: a server's other writers wait for that, not for the
     * load and the computation (persons.h, persons_opts_t.write_lock) */
    void (*write_lock)(void *ctx, int on);
    void *lock_ctx;
} screen_opts_t;

typedef struct {
    int incremental;       /* what actually ran */
    const char *why_full;  /* static text: why an incremental request ran fully */
    uint32_t napps, ncrossings, ninspections, nreports;
    size_t nhits, nrolled, nentities;
    size_t changed_records; /* incremental: records newer than the watermark */
    size_t person_changes;  /* workers a link run changed the person of (persons.h) */
    alerts_summary_t alerts;
    double t_load, t_indicators, t_scores, t_alerts; /* seconds, wall clock */
    double c_load, c_indicators, c_scores, c_alerts; /* seconds of CPU, all threads */
    size_t index_bytes;    /* memory held by the engine's index */
} screen_summary_t;

tw_err_t screen_run(store_t *st, const config_t *cfg, const screen_opts_t *o,
                    screen_summary_t *sum, tw_errinfo_t *ei);

/* The summary as the CLI prints it (six lines). */
void screen_print(const screen_summary_t *sum, const config_t *cfg, FILE *out);

#endif
