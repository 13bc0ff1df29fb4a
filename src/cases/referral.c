/*
 * referral.c - referrals of an NRM case to another organisation and the
 * person's consent that gates them; emergency referrals and their review;
 * the receiver's inbox (contract in cases.h; design in
 * docs/internals/cases.md, "Referrals and consent").
 *
 * Data structure: tables case_referral and case_consent (migration 6). A
 * referral moves
 *     draft -> pending            (sender: send, needs a consent in force)
 *     pending -> accepted         (receiver)
 *     pending -> rejected         (receiver, with a reason)
 *     accepted -> completed       (receiver)
 *     draft|pending|accepted -> revoked (sender, with a reason)
 * and an emergency referral is created pending, without consent.
 *
 * Invariants:
 *   1. Access is decided by cases_access() alone (through cases_begin_on /
 *      cases_begin_guarded) inside the call's transaction; this file only
 *      decides which SIDE of a referral may take a step.
 *   2. A referral is sent only while a consent given for it is in force
 *      (given, not withdrawn, until >= today, Armenian calendar day);
 *      withdrawing the consent is one UPDATE that cases_access() reads at
 *      the next call, so the receiver loses access at once.
 *   3. At most one consent of a referral is in force at a time.
 *   4. Purposes, reasons and review notes are stored only sealed.
 *   5. Every write is one transaction with its case_event and audit entry.
 *
 * Thread model: the caller's store_t; the vault is read-only. Ownership:
 * strings passed to callbacks live until the callback returns.
 */
#include "cases/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/audit.h"
#include "access/authz.h"
#include "cases/cases_int.h"
#include "ingest/value.h"

#define REASON_MAX_BYTES 4096
#define PURPOSE_MAX_BYTES 2048

/* The columns of one referral this file decides on. */
typedef struct {
    int64_t case_id, version, from_org, to_org;
    char status[16], services[256];
    int emergency, reviewed;
} ref_row_t;

static tw_err_t read_ref(store_t *st, int64_t id, ref_row_t *r, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    tw_err_t err;
    int rc;

    memset(r, 0, sizeof(*r));
    if ((err = cases_prep(st,
                          "SELECT case_id, version, from_org, to_org, status, services,"
                          " emergency, reviewed_at IS NOT NULL FROM case_referral WHERE id = ?",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        r->case_id = sqlite3_column_int64(s, 0);
        r->version = sqlite3_column_int64(s, 1);
        r->from_org = sqlite3_column_int64(s, 2);
        r->to_org = sqlite3_column_int64(s, 3);
        cases_copy(r->status, sizeof(r->status), cases_col(s, 4));
        cases_copy(r->services, sizeof(r->services), cases_col(s, 5));
        r->emergency = sqlite3_column_int(s, 6);
        r->reviewed = sqlite3_column_int(s, 7);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return TW_OK;
    if (rc == SQLITE_DONE)
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no referral %lld", (long long)id);
    return cases_db_err(st, ei, "reading a referral");
}

/* 1 when referral `id` has a consent given and in force on `day`. */
static int consent_in_force(store_t *st, int64_t id, int32_t day)
{
    sqlite3_stmt *s;
    int n = 0;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT count(*) FROM case_consent WHERE referral_id = ? AND given = 1"
                           " AND withdrawn_at IS NULL AND until_day >= ?",
                           -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, day);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return n > 0;
}

/* For the owner-only steps on a referral or consent reached with
 * NEED_WRITE: the owner goes on; the organisation the object is addressed
 * to is told it may not (TW_EPERM); any other receiver of the case gets the
 * same "no <noun> N" as for an object that does not exist, so it cannot
 * learn of referrals to others. Ends the transaction unless TW_OK. */
static tw_err_t owner_only(store_t *st, const cases_actor_t *act, const cases_access_t *acc,
                           const char *noun, int64_t id, int64_t addressed_to, const char *what,
                           tw_errinfo_t *ei)
{
    if (acc->kind == CASES_ACCESS_OWNER)
        return TW_OK;
    if (addressed_to != act->who->org_id)
        return cases_hide(st, act, noun, id, what, ei);
    return cases_finish(st,
                        tw_errinfo_set(ei, TW_EPERM,
                                       "only the organisation that owns the case may %s; %s "
                                       "received it by referral",
                                       what, act->who->org),
                        ei);
}

/* The canonical services of a referral (at least one). */
static tw_err_t services_canon(const char *services, char *out, size_t cap, tw_errinfo_t *ei)
{
    unsigned bits = 0;
    tw_err_t err = cases_code_canon(CASES_CODE_SERVICE, services ? services : "", out, cap,
                                    &bits, ei);
    if (err != TW_OK)
        return err;
    if (bits == 0)
        return cases_bad_field(ei, "services", "names at least one service");
    return TW_OK;
}

/* Inserts a referral of case_id (owned by acc->owner_org) to `to_org`. */
static tw_err_t insert_ref(store_t *st, const cases_actor_t *act, int64_t case_id,
                           int64_t from_org, int64_t to_org, const char *services,
                           const char *status, int64_t emergency, int64_t *id, tw_errinfo_t *ei)
{
    char at[32];
    tw_err_t err;

    cases_iso(cases_now(act), at);
    err = cases_run(st, ei,
                    "INSERT INTO case_referral(case_id, from_org, to_org, services, status,"
                    " emergency, created_at, created_by, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "iiittittt", case_id, from_org, to_org, services, status, emergency, at,
                    cases_actor_name(act), at);
    if (err == TW_OK)
        *id = sqlite3_last_insert_rowid(store_sqlite(st));
    return err;
}

/* The receiving organisation of a new referral: named, existing, not the owner. */
static tw_err_t receiver(store_t *st, const char *to, int64_t owner_org, int64_t *to_org,
                         tw_errinfo_t *ei)
{
    tw_err_t err = cases_org_id(st, to, "to", to_org, ei);
    if (err != TW_OK)
        return err;
    if (*to_org == owner_org)
        return cases_bad_field(ei, "to", "is the organisation that owns the case");
    return TW_OK;
}

tw_err_t cases_referral_create(store_t *st, const cases_actor_t *act, int64_t case_id,
                               const char *to, const char *services, int64_t *referral_id,
                               tw_errinfo_t *ei)
{
    cases_access_t acc;
    char svc[256], detail[384];
    int64_t to_org = 0, id = 0;
    tw_err_t err;

    if ((err = cases_begin_guarded(st, act, case_id, NEED_OWNER, "create a referral", &acc,
                                   ei)) != TW_OK)
        return err;
    if ((err = services_canon(services, svc, sizeof(svc), ei)) != TW_OK ||
        (err = receiver(st, to, acc.owner_org, &to_org, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    err = insert_ref(st, act, case_id, acc.owner_org, to_org, svc, "draft", 0, &id, ei);
    snprintf(detail, sizeof(detail),
             "{\"referral\":%lld,\"to_org\":%lld,\"services\":\"%s\",\"status\":\"draft\"}",
             (long long)id, (long long)to_org, svc);
    if (err == TW_OK)
        err = cases_event(st, NULL, act, case_id, "referral", NULL, NULL, detail, NULL, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.referral.create", case_id, detail, ei);
    if ((err = cases_finish(st, err, ei)) == TW_OK && referral_id)
        *referral_id = id;
    return err;
}

tw_err_t cases_consent_record(store_t *st, const vault_t *v, const cases_actor_t *act,
                              int64_t referral_id, const cases_consent_in_t *c,
                              int64_t *consent_id, tw_errinfo_t *ei)
{
    cases_access_t acc;
    ref_row_t r;
    int64_t case_id, id = 0, bits64 = 0;
    int32_t today = cases_day(cases_now(act)), until = 0;
    char at[32], cats[128] = "", detail[384];
    tw_err_t err;

    if ((err = cases_begin_on(st, act, "case_referral", "referral", referral_id, NEED_WRITE,
                              "record a consent", &case_id, &acc, ei)) != TW_OK)
        return err;
    if ((err = read_ref(st, referral_id, &r, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if ((err = owner_only(st, act, &acc, "referral", referral_id, r.to_org, "record a consent",
                          ei)) != TW_OK)
        return err;
    if (!c || (c->given != 0 && c->given != 1)) {
        err = cases_bad_field(ei, "given", "must be 1 (given) or 0 (refused)");
        return cases_finish(st, err, ei);
    }
    if (strcmp(r.status, "draft") != 0 && strcmp(r.status, "pending") != 0 &&
        strcmp(r.status, "accepted") != 0)
        return cases_finish(st,
                            tw_errinfo_set(ei, TW_ECONFLICT,
                                           "referral %lld is %s: a consent can no longer be "
                                           "recorded for it",
                                           (long long)referral_id, r.status),
                            ei);
    if (c->given) {
        unsigned bits = 0;
        const char *why = NULL;
        if ((err = cases_code_canon(CASES_CODE_CATEGORY, c->categories ? c->categories : "",
                                    cats, sizeof(cats), &bits, ei)) != TW_OK)
            return cases_finish(st, err, ei);
        if (bits == 0)
            return cases_finish(st, cases_bad_field(ei, "categories", "names no data category"),
                                ei);
        bits64 = (int64_t)bits;
        if ((err = cases_text_check(c->purpose, PURPOSE_MAX_BYTES, "purpose", ei)) != TW_OK)
            return cases_finish(st, err, ei);
        if (!c->until || value_date(c->until, strlen(c->until), &until, &why) != TW_OK) {
            tw_errinfo_field(ei, "until");
            return cases_finish(st,
                                tw_errinfo_set(ei, TW_EINPUT, "until: %s",
                                               why ? why : "the consent needs its end date "
                                                           "(YYYY-MM-DD)"),
                                ei);
        }
        if (until < today)
            return cases_finish(st, cases_bad_field(ei, "until", "is in the past"), ei);
        if (consent_in_force(st, referral_id, today))
            return cases_finish(st,
                                tw_errinfo_set(ei, TW_ECONFLICT,
                                               "referral %lld already has a consent in force: "
                                               "withdraw it first",
                                               (long long)referral_id),
                                ei);
    } else if (c->purpose && c->purpose[0] &&
               (err = cases_text_check(c->purpose, PURPOSE_MAX_BYTES, "purpose", ei)) !=
                   TW_OK) {
        return cases_finish(st, err, ei);
    }
    cases_iso(cases_now(act), at);
    if (c->given)
        err = cases_run(st, ei,
                        "INSERT INTO case_consent(referral_id, case_id, recipient_org, given,"
                        " categories, until_day, recorded_at, recorded_by)"
                        " VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                        "iiiiitt", referral_id, case_id, r.to_org, bits64, (int64_t)until, at,
                        cases_actor_name(act));
    else
        err = cases_run(st, ei,
                        "INSERT INTO case_consent(referral_id, case_id, recipient_org, given,"
                        " categories, until_day, recorded_at, recorded_by)"
                        " VALUES (?, ?, ?, 0, 0, NULL, ?, ?)",
                        "iiitt", referral_id, case_id, r.to_org, at, cases_actor_name(act));
    if (err == TW_OK) {
        id = sqlite3_last_insert_rowid(store_sqlite(st));
        if (c->purpose && c->purpose[0])
            err = cases_seal(st, v, "case_consent", "purpose_blob", id, c->purpose,
                             strlen(c->purpose), ei);
    }
    if (c->given) {
        char u[11];
        cases_date(until, u);
        snprintf(detail, sizeof(detail),
                 "{\"referral\":%lld,\"consent\":%lld,\"given\":true,\"categories\":\"%s\","
                 "\"until\":\"%s\"}",
                 (long long)referral_id, (long long)id, cats, u);
    } else {
        snprintf(detail, sizeof(detail), "{\"referral\":%lld,\"consent\":%lld,\"given\":false}",
                 (long long)referral_id, (long long)id);
    }
    if (err == TW_OK)
        err = cases_event(st, v, act, case_id, "consent", NULL, NULL, detail, NULL, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.consent.record", case_id, detail, ei);
    if ((err = cases_finish(st, err, ei)) == TW_OK && consent_id)
        *consent_id = id;
    return err;
}

tw_err_t cases_consent_withdraw(store_t *st, const vault_t *v, const cases_actor_t *act,
                                int64_t consent_id, const char *reason, tw_errinfo_t *ei)
{
    cases_access_t acc;
    sqlite3_stmt *s;
    int64_t case_id, referral_id = 0, recipient = 0;
    int given = 0, withdrawn = 0;
    char at[32], detail[128];
    tw_err_t err;

    if ((err = cases_begin_on(st, act, "case_consent", "consent", consent_id, NEED_WRITE,
                              "withdraw a consent", &case_id, &acc, ei)) != TW_OK)
        return err;
    if ((err = cases_prep(st,
                          "SELECT referral_id, given, withdrawn_at IS NOT NULL, recipient_org"
                          " FROM case_consent WHERE id = ?",
                          &s, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    sqlite3_bind_int64(s, 1, consent_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        referral_id = sqlite3_column_int64(s, 0);
        given = sqlite3_column_int(s, 1);
        withdrawn = sqlite3_column_int(s, 2);
        recipient = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if ((err = owner_only(st, act, &acc, "consent", consent_id, recipient, "withdraw a consent",
                          ei)) != TW_OK)
        return err;
    if (reason && reason[0] &&
        (err = cases_text_check(reason, REASON_MAX_BYTES, "reason", ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if (!given || withdrawn)
        return cases_finish(st,
                            tw_errinfo_set(ei, TW_ECONFLICT, "consent %lld is %s",
                                           (long long)consent_id,
                                           given ? "already withdrawn" : "a refusal"),
                            ei);
    cases_iso(cases_now(act), at);
    err = cases_run(st, ei,
                    "UPDATE case_consent SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                    "tti", at, cases_actor_name(act), consent_id);
    snprintf(detail, sizeof(detail), "{\"referral\":%lld,\"consent\":%lld,\"withdrawn\":true}",
             (long long)referral_id, (long long)consent_id);
    if (err == TW_OK)
        err = cases_event(st, v, act, case_id, "consent", NULL, NULL, detail, reason, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.consent.withdraw", case_id, detail, ei);
    return cases_finish(st, err, ei);
}

/* Stale base: TW_ECONFLICT with the current version in *cur. */
static tw_err_t ref_version(const ref_row_t *r, int64_t id, int64_t base, int64_t *cur,
                            tw_errinfo_t *ei)
{
    if (cur)
        *cur = r->version;
    if (r->version == base)
        return TW_OK;
    return tw_errinfo_set(ei, TW_ECONFLICT,
                          "referral %lld was changed by someone else (version %lld, yours was "
                          "%lld): review it and try again",
                          (long long)id, (long long)r->version, (long long)base);
}

/* Moves referral id to `to`, bumps its version, stores a reason (sealed)
 * when given, and records the event and the audit entry. */
static tw_err_t ref_move(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t id,
                         const ref_row_t *r, const char *to, const char *reason,
                         const char *action, int64_t *cur, tw_errinfo_t *ei)
{
    char at[32], detail[256];
    tw_err_t err;

    cases_iso(cases_now(act), at);
    err = cases_run(st, ei,
                    "UPDATE case_referral SET status = ?, version = version + 1, updated_at = ?"
                    " WHERE id = ?",
                    "tti", to, at, id);
    if (err == TW_OK && reason && reason[0])
        err = cases_seal(st, v, "case_referral", "reason_blob", id, reason, strlen(reason), ei);
    snprintf(detail, sizeof(detail),
             "{\"referral\":%lld,\"to_org\":%lld,\"from\":\"%s\",\"to\":\"%s\"}", (long long)id,
             (long long)r->to_org, r->status, to);
    if (err == TW_OK)
        err = cases_event(st, v, act, r->case_id, "referral", NULL, NULL, detail, reason, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, action, r->case_id, detail, ei);
    if (err == TW_OK && cur)
        *cur = r->version + 1;
    return err;
}

tw_err_t cases_referral_send(store_t *st, const cases_actor_t *act, int64_t referral_id,
                             int64_t base, int64_t *cur_version, tw_errinfo_t *ei)
{
    cases_access_t acc;
    ref_row_t r;
    int64_t case_id;
    char obj[48];
    tw_err_t err;

    if ((err = cases_begin_on(st, act, "case_referral", "referral", referral_id, NEED_WRITE,
                              "send a referral", &case_id, &acc, ei)) != TW_OK)
        return err;
    if ((err = read_ref(st, referral_id, &r, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if ((err = owner_only(st, act, &acc, "referral", referral_id, r.to_org, "send a referral",
                          ei)) != TW_OK)
        return err;
    if ((err = ref_version(&r, referral_id, base, cur_version, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if (strcmp(r.status, "draft") != 0)
        return cases_finish(st,
                            tw_errinfo_set(ei, TW_ECONFLICT,
                                           "referral %lld is %s: only a draft can be sent",
                                           (long long)referral_id, r.status),
                            ei);
    if (!consent_in_force(st, referral_id, cases_day(cases_now(act)))) {
        /* invariant 2: refused, and the refusal is in the audit log */
        store_rollback(st);
        snprintf(obj, sizeof(obj), "referral:%lld", (long long)referral_id);
        tw_errinfo_set(ei, TW_EPERM,
                       "referral %lld cannot be sent: the person's consent is not in force "
                       "(none given, refused, withdrawn or past its date); record it first",
                       (long long)referral_id);
        return cases_denied(st, act, obj, "send without consent", TW_EPERM);
    }
    err = ref_move(st, NULL, act, referral_id, &r, "pending", NULL, "case.referral.send",
                   cur_version, ei);
    return cases_finish(st, err, ei);
}

tw_err_t cases_referral_act(store_t *st, const vault_t *v, const cases_actor_t *act,
                            int64_t referral_id, int64_t base, cases_referral_op_t op,
                            const char *reason, int64_t *cur_version, tw_errinfo_t *ei)
{
    static const struct {
        const char *from[3], *to, *action, *verb;
        int sender, needs_reason;
    } ops[] = {
        [REFERRAL_ACCEPT] = {{"pending", NULL, NULL}, "accepted", "case.referral.accept",
                             "accept", 0, 0},
        [REFERRAL_REJECT] = {{"pending", NULL, NULL}, "rejected", "case.referral.reject",
                             "reject", 0, 1},
        [REFERRAL_COMPLETE] = {{"accepted", NULL, NULL}, "completed", "case.referral.complete",
                               "complete", 0, 0},
        [REFERRAL_REVOKE] = {{"draft", "pending", "accepted"}, "revoked",
                             "case.referral.revoke", "revoke", 1, 1},
    };
    cases_access_t acc;
    ref_row_t r;
    int64_t case_id, org;
    tw_err_t err;
    int i, ok = 0;

    if ((unsigned)op > REFERRAL_REVOKE) {
        tw_errinfo_field(ei, "op");
        return tw_errinfo_set(ei, TW_EINPUT, "op: unknown referral step %d", (int)op);
    }
    if ((err = cases_begin_on(st, act, "case_referral", "referral", referral_id, NEED_WRITE,
                              ops[op].verb, &case_id, &acc, ei)) != TW_OK)
        return err;
    if ((err = read_ref(st, referral_id, &r, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    org = act->who->org_id;
    /* a receiver reaches only its own referrals (cases.h, cases_view) */
    if (org != r.from_org && org != r.to_org)
        return cases_hide(st, act, "referral", referral_id, ops[op].verb, ei);
    if (ops[op].sender && org != r.from_org)
        return cases_finish(st,
                            tw_errinfo_set(ei, TW_EPERM,
                                           "only the organisation that sent referral %lld may "
                                           "%s it",
                                           (long long)referral_id, ops[op].verb),
                            ei);
    if (!ops[op].sender && org != r.to_org)
        return cases_finish(st,
                            tw_errinfo_set(ei, TW_EPERM,
                                           "only the organisation referral %lld was sent to may "
                                           "%s it",
                                           (long long)referral_id, ops[op].verb),
                            ei);
    if ((err = ref_version(&r, referral_id, base, cur_version, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    for (i = 0; i < 3; i++)
        if (ops[op].from[i] && strcmp(ops[op].from[i], r.status) == 0)
            ok = 1;
    if (!ok)
        return cases_finish(st,
                            tw_errinfo_set(ei, TW_ECONFLICT,
                                           "referral %lld is %s: it cannot be %s",
                                           (long long)referral_id, r.status, ops[op].to),
                            ei);
    if (ops[op].needs_reason &&
        (err = cases_text_check(reason, REASON_MAX_BYTES, "reason", ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if (!ops[op].needs_reason && reason && reason[0] &&
        (err = cases_text_check(reason, REASON_MAX_BYTES, "reason", ei)) != TW_OK)
        return cases_finish(st, err, ei);
    err = ref_move(st, v, act, referral_id, &r, ops[op].to, reason, ops[op].action, cur_version,
                   ei);
    return cases_finish(st, err, ei);
}

tw_err_t cases_referral_emergency(store_t *st, const vault_t *v, const cases_actor_t *act,
                                  int64_t case_id, const char *to, const char *services,
                                  const char *reason, int64_t *referral_id, tw_errinfo_t *ei)
{
    cases_access_t acc;
    char svc[256], detail[384], obj[48];
    int64_t to_org = 0, id = 0;
    tw_err_t err;

    if ((err = cases_begin_guarded(st, act, case_id, NEED_OWNER, "refer in an emergency", &acc,
                                   ei)) != TW_OK)
        return err;
    if ((err = authz_check(act->who, AUTHZ_CASE_EMERGENCY, NULL, ei)) != TW_OK) {
        store_rollback(st);
        snprintf(obj, sizeof(obj), "case:%lld", (long long)case_id);
        return cases_denied(st, act, obj, "refer in an emergency", err);
    }
    if ((err = cases_text_check(reason, REASON_MAX_BYTES, "reason", ei)) != TW_OK ||
        (err = services_canon(services, svc, sizeof(svc), ei)) != TW_OK ||
        (err = receiver(st, to, acc.owner_org, &to_org, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    err = insert_ref(st, act, case_id, acc.owner_org, to_org, svc, "pending", 1, &id, ei);
    if (err == TW_OK)
        err = cases_seal(st, v, "case_referral", "reason_blob", id, reason, strlen(reason), ei);
    snprintf(detail, sizeof(detail),
             "{\"referral\":%lld,\"to_org\":%lld,\"services\":\"%s\",\"status\":\"pending\","
             "\"emergency\":true}",
             (long long)id, (long long)to_org, svc);
    if (err == TW_OK)
        err = cases_event(st, v, act, case_id, "referral", NULL, NULL, detail, reason, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.referral.emergency", case_id, detail, ei);
    if ((err = cases_finish(st, err, ei)) == TW_OK && referral_id)
        *referral_id = id;
    return err;
}

/* case.review for the emergency list and review; audited when refused.
 * *scope = the actor's scope for it: all (the auditor: every
 * organisation's emergencies, read-only but for the review mark) or org
 * (an admin: those its organisation sent or received). */
static tw_err_t review_allowed(store_t *st, const cases_actor_t *act, const char *object,
                               const char *what, authz_scope_t *scope, tw_errinfo_t *ei)
{
    const auth_principal_t *p = act ? act->who : NULL;
    tw_err_t err;
    *scope = AUTHZ_NONE;
    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    if (!p || p->user_id == 0)
        return tw_errinfo_set(ei, TW_EPERM, "sign in first: cases need an account");
    if ((err = authz_check(p, AUTHZ_CASE_REVIEW, NULL, ei)) != TW_OK)
        return cases_denied(st, act, object, what, err);
    *scope = authz_scope(p->role, AUTHZ_CASE_REVIEW);
    return TW_OK;
}

/* Runs a referral listing (sql binds ?1 today, ?2 `arg`, ?3 `arg2` when it
 * has one) and audits it: pass 1 collects the ids and writes the audit
 * entry naming them, pass 2 (the same query in the same transaction, so the
 * same rows) hands them out with their reasons unsealed; the entry is
 * committed even when pass 2 fails part-way. */
static tw_err_t list_refs(store_t *st, const vault_t *v, const cases_actor_t *act,
                          const char *sql, int64_t arg, int64_t arg2, int with_reason,
                          const char *action, cases_referral_fn fn, void *ctx, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_buf_t ids;
    long long n = 0, k;
    tw_err_t err;
    int rc = SQLITE_DONE;

    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    buf_init(&ids, 16384);
    if (store_begin(st) != TW_OK) {
        buf_free(&ids);
        return cases_db_err(st, ei, "starting a transaction");
    }
    if ((err = cases_prep(st, sql, &s, ei)) == TW_OK) {
        sqlite3_bind_int64(s, 1, cases_day(cases_now(act)));
        sqlite3_bind_int64(s, 2, arg);
        if (sqlite3_bind_parameter_count(s) >= 3)
            sqlite3_bind_int64(s, 3, arg2);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (ids.len < 8000)
                buf_printf(&ids, "%s%lld", n ? "," : "", (long long)sqlite3_column_int64(s, 0));
            n++;
        }
        if (rc != SQLITE_DONE)
            err = cases_db_err(st, ei, "listing referrals");
    }
    if (err == TW_OK) {
        tw_buf_t d;
        buf_init(&d, 16384);
        buf_printf(&d, "{\"count\":%lld,\"referrals\":[%s]%s}", n, buf_str(&ids),
                   ids.len >= 8000 ? ",\"truncated\":true" : "");
        err = cases_audit(st, act, action, 0, buf_str(&d), ei);
        buf_free(&d);
    }
    buf_free(&ids);
    if (err != TW_OK) {
        sqlite3_finalize(s);
        return cases_finish(st, err, ei);
    }
    sqlite3_reset(s);
    for (k = 0; err == TW_OK && k < n && (rc = sqlite3_step(s)) == SQLITE_ROW; k++)
        err = cases_referral_row(v, s, with_reason, fn, ctx, ei);
    if (err == TW_OK && k < n)
        err = cases_db_err(st, ei, "listing referrals");
    sqlite3_finalize(s);
    return cases_finish_read(st, err, ei);
}

tw_err_t cases_inbox(store_t *st, const cases_actor_t *act, cases_referral_fn fn, void *ctx,
                     tw_errinfo_t *ei)
{
    return cases_inbox_vault(st, NULL, act, fn, ctx, ei);
}

tw_err_t cases_inbox_vault(store_t *st, const vault_t *v, const cases_actor_t *act,
                           cases_referral_fn fn, void *ctx, tw_errinfo_t *ei)
{
    cases_access_t acc;
    tw_err_t err;

    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    /* the same refusal as a case read for a role without case.read */
    if ((err = cases_access(st, act, 0, &acc, ei)) == TW_EPERM)
        return cases_denied(st, act, "cases", "read the inbox", err);
    tw_errinfo_clear(ei);
    return list_refs(st, v, act,
                     CASES_REFERRAL_SELECT
                     " WHERE r.to_org = ?2 AND r.status IN ('pending','accepted')"
                     " AND (r.emergency = 1 OR EXISTS (SELECT 1 FROM case_consent c"
                     " WHERE c.referral_id = r.id AND c.given = 1 AND c.withdrawn_at IS NULL"
                     " AND c.until_day >= ?1)) ORDER BY r.id DESC",
                     act->who->org_id, 0, 2, "case.inbox", fn, ctx, ei);
}

tw_err_t cases_emergency_list(store_t *st, const vault_t *v, const cases_actor_t *act,
                              int unreviewed_only, cases_referral_fn fn, void *ctx,
                              tw_errinfo_t *ei)
{
    authz_scope_t scope;
    tw_err_t err;
    if ((err = review_allowed(st, act, "", "list emergency referrals", &scope, ei)) != TW_OK)
        return err;
    /* below scope all, only the emergencies the actor's organisation sent
     * or received are listed, and only their reasons are unsealed */
    return list_refs(st, v, act,
                     CASES_REFERRAL_SELECT " WHERE r.emergency = 1 AND (?2 = 0 OR r.reviewed_at"
                                           " IS NULL) AND (?3 = 0 OR r.from_org = ?3 OR"
                                           " r.to_org = ?3) ORDER BY r.id",
                     unreviewed_only ? 1 : 0, scope == AUTHZ_ALL ? 0 : act->who->org_id, 1,
                     "case.emergency.list", fn, ctx, ei);
}

tw_err_t cases_emergency_review(store_t *st, const vault_t *v, const cases_actor_t *act,
                                int64_t referral_id, const char *note, tw_errinfo_t *ei)
{
    ref_row_t r;
    authz_scope_t scope;
    char at[32], detail[96], obj[48];
    tw_err_t err;
    int64_t org;

    snprintf(obj, sizeof(obj), "referral:%lld", (long long)referral_id);
    if ((err = review_allowed(st, act, obj, "review an emergency referral", &scope, ei)) !=
        TW_OK)
        return err;
    if (note && note[0] && (err = cases_text_check(note, REASON_MAX_BYTES, "note", ei)) != TW_OK)
        return err;
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    org = act->who->org_id;
    err = read_ref(st, referral_id, &r, ei);
    /* not an emergency, or one of organisations the actor's scope does not
     * reach (an admin: its own organisation's as sender or receiver): the
     * same answer as for none at all, audited */
    if (err == TW_OK &&
        (!r.emergency || (scope != AUTHZ_ALL && r.from_org != org && r.to_org != org)))
        err = TW_ENOTFOUND;
    if (err == TW_ENOTFOUND) {
        store_rollback(st);
        tw_errinfo_set(ei, TW_ENOTFOUND, "no emergency referral %lld", (long long)referral_id);
        return cases_denied(st, act, obj, "review an emergency referral", TW_ENOTFOUND);
    }
    if (err == TW_OK && r.reviewed)
        err = tw_errinfo_set(ei, TW_ECONFLICT, "emergency referral %lld was already reviewed",
                             (long long)referral_id);
    cases_iso(cases_now(act), at);
    if (err == TW_OK)
        err = cases_run(st, ei,
                        "UPDATE case_referral SET reviewed_at = ?, reviewed_by = ? WHERE id = ?",
                        "tti", at, cases_actor_name(act), referral_id);
    snprintf(detail, sizeof(detail), "{\"referral\":%lld,\"reviewed\":true}",
             (long long)referral_id);
    /* the note is sealed in the case's history (case_event.reason_blob) */
    if (err == TW_OK)
        err = cases_event(st, v, act, r.case_id, "review", NULL, NULL, detail, note, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.emergency.review", r.case_id, detail, ei);
    return cases_finish(st, err, ei);
}
