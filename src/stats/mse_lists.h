/*
 * mse_lists.h - the capture histories of multiple systems estimation from
 * tipwatch's own lists that identify victims, counted per PERSON through
 * the person linkage (link/persons.h):
 *   - the NRM cases, one list per organisation that opened them (the
 *     referring organisation; the smallest are merged into "nrm:other" so
 *     that at most MSE_MAX_LISTS lists remain);
 *   - the alerts confirmed (worker and application alerts; their worker);
 *   - the reports register (every report record linked to a person).
 * Definitions and assumptions: docs/internals/stats.md ("Multiple systems
 * estimation"). Thread model: the caller's store_t.
 */
#ifndef TW_MSE_LISTS_H
#define TW_MSE_LISTS_H

#include "cases/cases.h"
#include "stats/mse.h"

typedef struct {
    long long cases;           /* cases read */
    long long cases_own;       /* of those, a person of their own (no key, or key not linked) */
    long long cases_unreadable;/* whose sealed key did not open */
    long long alerts;          /* confirmed alerts on a worker or an application */
    long long alerts_other;    /* confirmed alerts on other entities (not persons): left out */
    long long alerts_unlinked; /* whose worker has no person (store not linked): left out */
    long long reports;         /* report records linked to a person */
    long long persons;         /* distinct persons on at least one list */
    int orgs, orgs_merged;     /* organisations with cases; merged into nrm:other */
} mse_lists_info_t;

/* Builds d from the store: v is the key file's vault (cases' worker keys
 * are sealed); act the system (cases_members()). Needs the store linked
 * (`tipwatch link`): TW_EINPUT "link the registers first" otherwise.
 * TW_EINPUT when fewer than two lists have anybody on them. */
tw_err_t mse_lists_load(store_t *st, const vault_t *v, const cases_actor_t *act,
                        mse_data_t *d, mse_lists_info_t *info, tw_errinfo_t *ei);

#endif
