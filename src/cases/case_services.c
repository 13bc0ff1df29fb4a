/*
 * case_services.c - the services of an NRM case (offered, accepted or
 * declined, delivered, by a providing organisation; the one-time state
 * payment) and its attachments (contract in cases.h; design in
 * docs/internals/cases.md).
 *
 * Data structure: tables case_service and case_attachment (migration 6).
 *
 * Invariants:
 *   1. Every call runs in one transaction that checks access first
 *      (cases_begin_guarded / cases_begin_on, the one access rule).
 *   2. The state payment is offered only to a case whose decision is
 *      "identified", and at most once (a declined offer aside); a partial
 *      unique index in the schema backs the check.
 *   3. No service depends on cooperating_with_police (never read here).
 *   4. An attachment's name and bytes are stored only sealed.
 *
 * Thread model: the caller's store_t. Ownership: strings passed to
 * callbacks live until they return; attachment bytes go to the caller's
 * buffer.
 */
#include "cases/cases.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases_int.h"

/* ---- services ----------------------------------------------------------------------- */

static const char *const service_status_names[SERVICE_STATUS_COUNT] = {"offered", "accepted",
                                                                      "declined", "delivered"};

const char *cases_service_status_name(cases_service_status_t s)
{
    return (unsigned)s < SERVICE_STATUS_COUNT ? service_status_names[s] : "unknown";
}

tw_err_t cases_service_status_parse(const char *s, cases_service_status_t *out)
{
    int i;
    for (i = 0; s && i < SERVICE_STATUS_COUNT; i++)
        if (strcmp(s, service_status_names[i]) == 0) {
            *out = (cases_service_status_t)i;
            return TW_OK;
        }
    return TW_EINPUT;
}

static int64_t count_of(store_t *st, const char *sql, int64_t a)
{
    sqlite3_stmt *s;
    int64_t n = -1;
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(s, 1, a);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

tw_err_t cases_service_offer(store_t *st, const cases_policy_t *pol, const cases_actor_t *act,
                             int64_t case_id, const char *service, const char *provider,
                             int64_t *service_id, tw_errinfo_t *ei)
{
    cases_policy_t tmp;
    cases_access_t acc;
    char code[32], at[32], detail[256];
    unsigned bits = 0;
    int64_t prov, amount = 0, id = 0;
    tw_err_t err;

    pol = cases_policy_or_default(pol, &tmp);
    if ((err = cases_code_canon(CASES_CODE_SERVICE, service ? service : "", code, sizeof(code),
                                &bits, ei)) != TW_OK)
        return err;
    if (bits == 0 || (bits & (bits - 1)))
        return cases_bad_field(ei, "service", "names exactly one service");
    if ((err = cases_begin_guarded(st, act, case_id, NEED_OWNER, "offer a service", &acc, ei)) != TW_OK)
        return err;
    prov = acc.owner_org;
    if (provider && provider[0] && (err = cases_org_id(st, provider, "provider", &prov, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if (strcmp(code, "state_payment") == 0) {
        /* rule 3: identified victims only, once per case */
        if (count_of(st, "SELECT count(*) FROM nrm_case WHERE id = ? AND decision = 'identified'",
                     case_id) != 1)
            return cases_finish(st,
                          tw_errinfo_set(ei, TW_ECONFLICT,
                                         "the state payment is only for identified victims: "
                                         "case %lld has not been identified",
                                         (long long)case_id),
                          ei);
        if (count_of(st,
                     "SELECT count(*) FROM case_service WHERE case_id = ? AND"
                     " service = 'state_payment' AND status <> 'declined'",
                     case_id) != 0)
            return cases_finish(st,
                          tw_errinfo_set(ei, TW_ECONFLICT,
                                         "the state payment is paid once per case: case %lld "
                                         "already has it",
                                         (long long)case_id),
                          ei);
        amount = (int64_t)pol->state_payment_amd;
    }
    cases_iso(cases_now(act), at);
    err = cases_run(st, ei,
              "INSERT INTO case_service(case_id, service, status, provider_org, amount_amd,"
              " offered_at, updated_at) VALUES (?, ?, 'offered', ?, ?, ?, ?)",
              "itiitt", case_id, code, prov, amount, at, at);
    if (err == TW_OK) {
        id = sqlite3_last_insert_rowid(store_sqlite(st));
        snprintf(detail, sizeof(detail),
                 "{\"service_id\":%lld,\"service\":\"%s\",\"status\":\"offered\","
                 "\"provider_org\":%lld}",
                 (long long)id, code, (long long)prov);
        err = cases_event(st, NULL, act, case_id, "service", NULL, NULL, detail, NULL, ei);
    }
    if (err == TW_OK)
        err = cases_audit(st, act, "case.service.offer", case_id, detail, ei);
    /* the id only once it is committed, never one of a rolled-back row */
    if ((err = cases_finish(st, err, ei)) == TW_OK && service_id)
        *service_id = id;
    return err;
}

tw_err_t cases_service_set(store_t *st, const cases_actor_t *act, int64_t service_id,
                           int64_t base, cases_service_status_t to, int64_t *cur_version,
                           tw_errinfo_t *ei)
{
    cases_access_t acc;
    cases_service_status_t from = SERVICE_STATUS_COUNT;
    sqlite3_stmt *s;
    int64_t case_id, version = 0, prov = 0;
    char at[32], detail[256], svc[32] = "";
    tw_err_t err;
    int ok;

    if ((unsigned)to >= SERVICE_STATUS_COUNT) {
        tw_errinfo_field(ei, "status");
        return tw_errinfo_set(ei, TW_EINPUT, "status: unknown service status");
    }
    if ((err = cases_begin_on(st, act, "case_service", "service", service_id, NEED_WRITE,
                              "update a service", &case_id, &acc, ei)) != TW_OK)
        return err;
    if ((err = cases_prep(st,
                          "SELECT status, version, provider_org, service FROM case_service"
                          " WHERE id = ?",
                          &s, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    sqlite3_bind_int64(s, 1, service_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        cases_service_status_parse(cases_col(s, 0), &from);
        version = sqlite3_column_int64(s, 1);
        prov = sqlite3_column_int64(s, 2);
        cases_copy(svc, sizeof(svc), cases_col(s, 3));
    }
    sqlite3_finalize(s);
    /* the owner, or the providing organisation while it has access */
    if (acc.kind != CASES_ACCESS_OWNER && prov != act->who->org_id)
        return cases_hide(st, act, "service", service_id, "update a service", ei);
    if (cur_version)
        *cur_version = version;
    if (version != base)
        return cases_finish(st,
                      tw_errinfo_set(ei, TW_ECONFLICT,
                                     "service %lld was changed by someone else (version %lld, "
                                     "yours was %lld)",
                                     (long long)service_id, (long long)version, (long long)base),
                      ei);
    ok = (from == SERVICE_OFFERED && (to == SERVICE_ACCEPTED || to == SERVICE_DECLINED)) ||
         (from == SERVICE_ACCEPTED && to == SERVICE_DELIVERED);
    if (!ok)
        return cases_finish(st,
                      tw_errinfo_set(ei, TW_ECONFLICT, "service %lld cannot move from %s to %s",
                                     (long long)service_id, cases_service_status_name(from),
                                     cases_service_status_name(to)),
                      ei);
    cases_iso(cases_now(act), at);
    err = cases_run(st, ei,
              "UPDATE case_service SET status = ?, version = version + 1, updated_at = ?"
              " WHERE id = ?",
              "tti", cases_service_status_name(to), at, service_id);
    if (err == TW_OK && cur_version)
        *cur_version = version + 1;
    snprintf(detail, sizeof(detail),
             "{\"service_id\":%lld,\"service\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}",
             (long long)service_id, svc, cases_service_status_name(from),
             cases_service_status_name(to));
    if (err == TW_OK)
        err = cases_event(st, NULL, act, case_id, "service", NULL, NULL, detail, NULL, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.service.update", case_id, detail, ei);
    return cases_finish(st, err, ei);
}

/* ---- attachments -------------------------------------------------------------------- */

static int media_type_ok(const char *m)
{
    const char *p;
    int slash = 0, part = 0;
    if (!m || !m[0] || strlen(m) > 127)
        return 0;
    for (p = m; *p; p++) {
        if (*p == '/') {
            if (slash++ || part == 0)
                return 0;
            part = 0;
            continue;
        }
        if (!isalnum((unsigned char)*p) && !strchr("!#$&^_.+-", *p))
            return 0;
        part++;
    }
    return slash == 1 && part > 0;
}

tw_err_t cases_attachment_add(store_t *st, const vault_t *v, const cases_policy_t *pol,
                              const cases_actor_t *act, int64_t case_id, const char *name,
                              const char *media_type, const void *data, size_t len,
                              int64_t *attachment_id, tw_errinfo_t *ei)
{
    cases_policy_t tmp;
    cases_access_t acc;
    char at[32], detail[256];
    int64_t id = 0;
    tw_err_t err;

    pol = cases_policy_or_default(pol, &tmp);
    if ((err = cases_text_check(name, 255, "attachment name", ei)) != TW_OK ||
        (err = cases_name_check(name, "attachment name", ei)) != TW_OK)
        return err;
    if (!media_type_ok(media_type))
        return cases_bad_field(ei, "media_type", "must be type/subtype, e.g. application/pdf");
    if (!data || len == 0)
        return cases_bad_field(ei, "attachment", "is empty");
    if (len > pol->attachment_max) {
        tw_errinfo_field(ei, "attachment");
        return tw_errinfo_set(ei, TW_ETOOBIG, "attachment: %zu bytes is more than the %zu allowed",
                              len, pol->attachment_max);
    }
    if ((err = cases_begin_guarded(st, act, case_id, NEED_OWNER, "add an attachment", &acc, ei)) !=
        TW_OK)
        return err;
    cases_iso(cases_now(act), at);
    err = cases_run(st, ei,
              "INSERT INTO case_attachment(case_id, name_blob, media_type, size, data_blob,"
              " added_at, added_by) VALUES (?, X'', ?, ?, X'', ?, ?)",
              "ititt", case_id, media_type, (int64_t)len, at, cases_actor_name(act));
    if (err == TW_OK) {
        id = sqlite3_last_insert_rowid(store_sqlite(st));
        err = cases_seal(st, v, "case_attachment", "name_blob", id, name, strlen(name), ei);
    }
    if (err == TW_OK)
        err = cases_seal(st, v, "case_attachment", "data_blob", id, data, len, ei);
    snprintf(detail, sizeof(detail), "{\"attachment\":%lld,\"media_type\":\"%s\",\"size\":%zu}",
             (long long)(err == TW_OK ? id : 0), media_type, len);
    if (err == TW_OK)
        err = cases_event(st, v, act, case_id, "attachment", NULL, NULL, detail, NULL, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.attachment.add", case_id, detail, ei);
    if ((err = cases_finish(st, err, ei)) == TW_OK && attachment_id)
        *attachment_id = id;
    return err;
}

tw_err_t cases_attachment_get(store_t *st, const vault_t *v, const cases_actor_t *act,
                              int64_t attachment_id, char name[256], char media_type[128],
                              tw_buf_t *data, tw_errinfo_t *ei)
{
    cases_access_t acc;
    sqlite3_stmt *s;
    int64_t case_id;
    char *nm = NULL, detail[64];
    tw_err_t err;

    name[0] = media_type[0] = '\0';
    if ((err = cases_begin_on(st, act, "case_attachment", "attachment", attachment_id, NEED_READ,
                              "read an attachment", &case_id, &acc, ei)) != TW_OK)
        return err;
    if (!(acc.categories & CASES_CAT_ATTACHMENTS))
        return cases_hide(st, act, "attachment", attachment_id, "read an attachment", ei);
    /* the audit entry before the bytes are unsealed; kept if that fails */
    snprintf(detail, sizeof(detail), "{\"attachment\":%lld}", (long long)attachment_id);
    if ((err = cases_audit(st, act, "case.attachment.read", case_id, detail, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if ((err = cases_prep(st,
                          "SELECT name_blob, media_type, data_blob FROM case_attachment"
                          " WHERE id = ?",
                          &s, ei)) != TW_OK)
        return cases_finish_read(st, err, ei);
    sqlite3_bind_int64(s, 1, attachment_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return cases_finish_read(st, cases_db_err(st, ei, "reading an attachment"), ei);
    }
    err = cases_unseal(v, "case_attachment", "name_blob", attachment_id, s, 0, &nm, ei);
    if (err == TW_OK) {
        char ad[96];
        cases_copy(name, 256, nm);
        cases_copy(media_type, 128, cases_col(s, 1));
        snprintf(ad, sizeof(ad), "case_attachment.data_blob:%lld", (long long)attachment_id);
        err = vault_unseal(v, ad, sqlite3_column_blob(s, 2), (size_t)sqlite3_column_bytes(s, 2),
                           data);
        if (err != TW_OK)
            tw_errinfo_set(ei, err, "attachment %lld cannot be read (%s)",
                           (long long)attachment_id, tw_strerror(err));
    }
    cases_wipe_str(nm);
    sqlite3_finalize(s);
    return cases_finish_read(st, err, ei);
}
