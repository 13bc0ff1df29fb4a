/*
 * case_stats.c - the coded profile of every NRM case (live and purged) for
 * the national statistics and the de-identified CTDC export (src/stats/).
 * Contract in cases.h (cases_profiles()).
 *
 * Invariants:
 *   1. Only coded columns and years leave: never an id, a name, a sealed
 *      value, a day or a month; rows come sorted by their codes, so their
 *      order says nothing of when a case was opened.
 *   2. The read is audited (case.profiles) before the first row is handed
 *      out, in the same transaction.
 *   3. Purged cases (case_stat) carry no means of control nor recruiter
 *      (never kept): those come back "".
 * Thread model: the caller's store_t.
 */
#include "cases/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/authz.h"
#include "cases/cases_int.h"

/* What every reader of case statistics does first: outside a transaction,
 * a signed-in caller with stats.read (the system, act->who NULL, always),
 * a transaction begun and its audit entry `action` written in it. On an
 * error nothing is left open. */
tw_err_t cases_stats_begin(store_t *st, const cases_actor_t *act, const char *action,
                           tw_errinfo_t *ei)
{
    tw_err_t err;

    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    if (act && act->who) {
        if (act->who->user_id == 0)
            return tw_errinfo_set(ei, TW_EPERM, "sign in first");
        if ((err = authz_check(act->who, AUTHZ_STATS_READ, NULL, ei)) != TW_OK)
            return cases_denied(st, act, "cases", "read case statistics", err);
    }
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    if ((err = cases_audit(st, act, action, 0, NULL, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    return TW_OK;
}

tw_err_t cases_profiles(store_t *st, const cases_actor_t *act, cases_profile_fn fn, void *ctx,
                        tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    long long n = 0;
    int rc = SQLITE_DONE;

    if ((err = cases_stats_begin(st, act, "case.profiles", ei)) != TW_OK)
        return err;
    err = cases_prep(st,
                     "SELECT substr(opened_at,1,4), stage, coalesce(decision,''),"
                     " substr(coalesce(decision_date,''),1,4), sex, age_group, citizenship,"
                     " country_of_exploitation, exploitation, means_of_control, recruiter,"
                     " labour_sector FROM nrm_case UNION ALL"
                     " SELECT substr(opened_on,1,4), stage, coalesce(decision,''),"
                     " substr(coalesce(decision_date,''),1,4), sex, age_group, citizenship,"
                     " country_of_exploitation, exploitation, '', '', labour_sector"
                     " FROM case_stat ORDER BY 1,2,3,4,5,6,7,8,9,10,11,12",
                     &s, ei);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        cases_profile_t p;
        p.year = cases_col(s, 0);
        p.stage = cases_col(s, 1);
        p.decision = cases_col(s, 2);
        p.decision_year = cases_col(s, 3);
        p.sex = cases_col(s, 4);
        p.age_group = cases_col(s, 5);
        p.citizenship = cases_col(s, 6);
        p.country_of_exploitation = cases_col(s, 7);
        p.exploitation = cases_col(s, 8);
        p.means_of_control = cases_col(s, 9);
        p.recruiter = cases_col(s, 10);
        p.labour_sector = cases_col(s, 11);
        err = fn(ctx, &p);
        n++;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading case profiles");
    sqlite3_finalize(s);
    (void)n;
    return cases_finish(st, err, ei);
}

/* cases_members(): invariant 1 does not hold here by design (it hands out
 * the worker key, a document number), so it is for the system alone and
 * audited like cases_profiles(). */
tw_err_t cases_members(store_t *st, const vault_t *v, const cases_actor_t *act,
                       cases_member_fn fn, void *ctx, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc = SQLITE_DONE;

    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    if (act && act->who) {
        tw_errinfo_set(ei, TW_EPERM, "only the system reads the persons of the cases");
        return cases_denied(st, act, "cases", "read the persons of the cases", TW_EPERM);
    }
    if (!v)
        return tw_errinfo_set(ei, TW_EINPUT, "the key file is needed to read the cases' persons");
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    if ((err = cases_audit(st, act, "case.members", 0, NULL, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    err = cases_prep(st,
                     "SELECT c.id, c.owner_org, o.name, coalesce(c.decision,''),"
                     " substr(c.opened_at,1,4), c.worker_key_blob"
                     " FROM nrm_case c JOIN org o ON o.id = c.owner_org ORDER BY c.id",
                     &s, ei);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        cases_member_t m;
        char *key = NULL;
        int unreadable = 0;
        int64_t id = sqlite3_column_int64(s, 0);
        if ((err = cases_unseal_row(v, "nrm_case", "worker_key_blob", id, s, 5, &key,
                                    &unreadable, ei)) != TW_OK)
            break;
        m.org = sqlite3_column_int64(s, 1);
        m.org_name = cases_col(s, 2);
        m.decision = cases_col(s, 3);
        m.year = cases_col(s, 4);
        m.worker_key = key ? key : "";
        m.unreadable = unreadable;
        err = fn(ctx, &m);
        cases_wipe_str(key);
    }
    if (err == TW_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        err = cases_db_err(st, ei, "reading the cases' persons");
    sqlite3_finalize(s);
    return cases_finish(st, err, ei);
}
