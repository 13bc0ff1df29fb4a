/*
 * case_offenders.c - the suspected offenders of an NRM case (cases.h,
 * "Suspected offenders"), for the UNODC GLOTIP table of suspected offenders
 * detected. Table case_offender (migration 16), written only here.
 *
 * Invariants:
 *   1. An offender row holds codes only (sex, age group, citizenship, the
 *      case's forms of exploitation when recorded) and who recorded it and
 *      when: no name, no document, nothing sealed.
 *   2. Only the owning organisation records one (NEED_OWNER); reading the
 *      list needs any access to the case; the profiles for the statistics
 *      need stats.read or the system, and leave no case id.
 *   3. Every write and read is audited in its transaction (case.offender.add,
 *      case.offender.read, case.offenders).
 *   4. A purged case leaves its offenders' rows with case_id NULL (the
 *      foreign key's ON DELETE SET NULL): the statistics keep them.
 * Thread model: the caller's store_t.
 */
#include "cases/cases.h"

#include <stdio.h>
#include <string.h>

#include "access/authz.h"
#include "cases/cases_int.h"
#include "ingest/value.h"

tw_err_t cases_offender_add(store_t *st, const cases_actor_t *act, int64_t case_id,
                            const cases_offender_t *o, int64_t *offender_id, tw_errinfo_t *ei)
{
    cases_access_t acc;
    char at[32], detail[160], cit[4] = "", expl[256] = "";
    const char *why = NULL;
    int64_t id = 0;
    sqlite3_stmt *s = NULL;
    tw_err_t err;

    /* access first: a case the actor may not reach is "no case N" whatever
     * the body says */
    if ((err = cases_begin_guarded(st, act, case_id, NEED_OWNER, "record a suspected offender",
                                   &acc, ei)) != TW_OK)
        return err;
    if (o->sex && o->sex[0] && (err = cases_code_check(CASES_CODE_SEX, o->sex, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if (o->age_group && o->age_group[0] &&
        (err = cases_code_check(CASES_CODE_AGE_GROUP, o->age_group, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if (o->citizenship && o->citizenship[0] &&
        value_country(o->citizenship, strlen(o->citizenship), cit, &why) != TW_OK) {
        tw_errinfo_field(ei, "citizenship");
        tw_errinfo_set(ei, TW_EINPUT, "citizenship: '%.16s' is %s", o->citizenship,
                       why ? why : "not a country code");
        return cases_finish(st, TW_EINPUT, ei);
    }
    if ((err = cases_prep(st, "SELECT exploitation FROM nrm_case WHERE id = ?", &s, ei)) ==
        TW_OK) {
        sqlite3_bind_int64(s, 1, case_id);
        if (sqlite3_step(s) == SQLITE_ROW)
            cases_copy(expl, sizeof(expl), cases_col(s, 0));
        sqlite3_finalize(s);
    }
    cases_iso(cases_now(act), at);
    if (err == TW_OK)
        err = cases_run(st, ei,
                        "INSERT INTO case_offender(case_id, sex, age_group, citizenship,"
                        " exploitation, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        "ittttt" "t", case_id, o->sex ? o->sex : "",
                        o->age_group ? o->age_group : "", cit, expl, at,
                        act && act->who ? act->who->user : "system");
    if (err == TW_OK) {
        id = sqlite3_last_insert_rowid(store_sqlite(st));
        snprintf(detail, sizeof(detail), "{\"offender_id\":%lld}", (long long)id);
        err = cases_event(st, NULL, act, case_id, "offender", NULL, NULL, detail, NULL, ei);
    }
    if (err == TW_OK)
        err = cases_audit(st, act, "case.offender.add", case_id, detail, ei);
    if ((err = cases_finish(st, err, ei)) == TW_OK && offender_id)
        *offender_id = id;
    return err;
}

tw_err_t cases_offender_list(store_t *st, const cases_actor_t *act, int64_t case_id,
                             cases_offender_fn fn, void *ctx, tw_errinfo_t *ei)
{
    cases_access_t acc;
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc = SQLITE_DONE;

    if ((err = cases_begin_guarded(st, act, case_id, NEED_READ, "read the suspected offenders",
                                   &acc, ei)) != TW_OK)
        return err;
    if ((err = cases_audit(st, act, "case.offender.read", case_id, NULL, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    err = cases_prep(st,
                     "SELECT id, sex, age_group, citizenship, exploitation, recorded_at,"
                     " recorded_by FROM case_offender WHERE case_id = ? ORDER BY id",
                     &s, ei);
    if (err == TW_OK)
        sqlite3_bind_int64(s, 1, case_id);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        cases_offender_t o;
        o.id = sqlite3_column_int64(s, 0);
        o.sex = cases_col(s, 1);
        o.age_group = cases_col(s, 2);
        o.citizenship = cases_col(s, 3);
        /* the forms of exploitation are the case's profile: a receiver
         * whose consent does not cover it reads the offenders without them */
        o.exploitation = (acc.categories & CASES_CAT_PROFILE) ? cases_col(s, 4) : "";
        o.recorded_at = cases_col(s, 5);
        o.recorded_by = cases_col(s, 6);
        o.year = NULL;
        err = fn(ctx, &o);
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading the suspected offenders");
    sqlite3_finalize(s);
    return cases_finish_read(st, err, ei);
}

tw_err_t cases_offender_profiles(store_t *st, const cases_actor_t *act, cases_offender_fn fn,
                                 void *ctx, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc = SQLITE_DONE;

    if ((err = cases_stats_begin(st, act, "case.offenders", ei)) != TW_OK)
        return err;
    /* the live case's forms of exploitation when it has any, else the copy */
    err = cases_prep(st,
                     "SELECT substr(o.recorded_at,1,4), o.sex, o.age_group, o.citizenship,"
                     " CASE WHEN c.exploitation <> '' THEN c.exploitation ELSE o.exploitation END"
                     " FROM case_offender o LEFT JOIN nrm_case c ON c.id = o.case_id"
                     " ORDER BY 1,2,3,4,5",
                     &s, ei);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        cases_offender_t o;
        memset(&o, 0, sizeof(o));
        o.year = cases_col(s, 0);
        o.sex = cases_col(s, 1);
        o.age_group = cases_col(s, 2);
        o.citizenship = cases_col(s, 3);
        o.exploitation = cases_col(s, 4);
        err = fn(ctx, &o);
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading the suspected offenders");
    sqlite3_finalize(s);
    return cases_finish(st, err, ei);
}
