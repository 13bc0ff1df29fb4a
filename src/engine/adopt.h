/*
 * adopt.h - four-eyes adoption of a config (table config_version,
 * migration 11).
 *
 * A config (learnt by calibrate, or written by hand) is proposed by an
 * admin: it is checked by the parser, screened in memory against the
 * config in force (the shadow run: which alerts would appear, disappear or
 * change level) and backtested against the outcome labels (the measures
 * calibrate reports); both reports are stored with the proposal. It becomes
 * active only when a second admin, not the one who proposed it, approves
 * it; the config it replaces is kept (retired), and a rollback makes it
 * active again in one step. Every step writes its audit entry in the same
 * transaction as its change (access/audit.h).
 *
 * Invariants: 1. At most one config is active (a partial unique index).
 * 2. The approver of a config is an admin other than its proposer.
 * 3. A config is stored as its exact text, with its digest; what becomes
 *    active parses (it was checked when proposed).
 * Returned strings are malloc'd; the caller frees them.
 */
#ifndef TW_ADOPT_H
#define TW_ADOPT_H

#include <stdio.h>

#include "access/auth.h"
#include "engine/config.h"
#include "store/store.h"

typedef struct {
    long long id;
    char version[65];
    char digest[17];
    char status[16];      /* proposed, active, retired, rejected, rolled_back */
    char proposed_by[64];
    char proposed_at[40];
    char decided_by[64];  /* the approver (or who rejected or rolled back) */
    char decided_at[40];
    char note[256];
} adopt_row_t;

/* Proposes the config text (parsed against the catalogue): runs the shadow
 * against `current` and the backtest, stores both with it. `who` must be an
 * admin. *id receives the proposal's id; the review printed to `review_out`
 * too when not NULL. TW_EINPUT (config errors, with file/line in *ei, or the
 * config already active), TW_EPERM. */
tw_err_t adopt_propose(store_t *st, const auth_principal_t *who, const char *text, size_t len,
                       const char *name, const char *note, const config_t *current,
                       FILE *review_out, long long *id, tw_errinfo_t *ei);
/* Approves proposal `id`: it becomes active, the active one retired.
 * TW_EPERM when `who` is not an admin or proposed it; TW_ENOTFOUND; TW_ECONFLICT
 * when it is not a proposal any more. */
tw_err_t adopt_approve(store_t *st, const auth_principal_t *who, long long id, tw_errinfo_t *ei);
/* Rejects proposal `id` with a reason (any admin, the proposer included). */
tw_err_t adopt_reject(store_t *st, const auth_principal_t *who, long long id, const char *reason,
                      tw_errinfo_t *ei);
/* The active config is rolled back; the one retired most recently becomes
 * active again (none: the config files and built-in defaults apply again).
 * *now_active receives the id now active (0 none). TW_ENOTFOUND when none is
 * active. */
tw_err_t adopt_rollback(store_t *st, const auth_principal_t *who, const char *reason,
                        long long *now_active, tw_errinfo_t *ei);
/* The active config, parsed; TW_ENOTFOUND when none is active (and when the
 * store predates migration 11). */
tw_err_t adopt_active(store_t *st, config_t **cfg, tw_errinfo_t *ei);
/* For a long-running process (the server) that follows adoption: the id
 * of the active config (0: none) in *id; when it differs from *known,
 * *cfg receives that config parsed (NULL when none is active), else *cfg
 * is NULL and nothing is parsed. One indexed query when nothing changed.
 * *known is not changed: the caller sets it once it uses the config and
 * records that with adopt_note_in_force(). */
tw_err_t adopt_follow(store_t *st, long long known, long long *id, config_t **cfg,
                      tw_errinfo_t *ei);
/* Audit entry `config.in_force` (object config:ID, or config:none for
 * the caller's own config; from `where`): the process now serves under
 * this config. */
tw_err_t adopt_note_in_force(store_t *st, long long id, const config_t *cfg, const char *where,
                             tw_errinfo_t *ei);
/* Every config version, newest first. */
typedef tw_err_t (*adopt_row_fn)(void *ctx, const adopt_row_t *row);
tw_err_t adopt_list(store_t *st, adopt_row_fn fn, void *ctx, tw_errinfo_t *ei);
/* One version with its text and review (both malloc'd). */
tw_err_t adopt_get(store_t *st, long long id, adopt_row_t *row, char **text, char **review,
                   tw_errinfo_t *ei);

#endif
