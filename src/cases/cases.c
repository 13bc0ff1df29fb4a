/*
 * cases.c - NRM cases: the access rule, stages, code lists, fields,
 * opening, updating and moving a case, loading one, blind indexes and the
 * helpers the other files of the module share through cases_int.h
 * (contract in cases.h; reading and listing: case_view.c; services and
 * attachments: case_services.c; referrals and consent: referral.c;
 * aggregates, retention and re-sealing: case_admin.c; design in
 * docs/internals/cases.md).
 *
 * Data structure: the tables of migration 6 (nrm_case and case_event are
 * written here; case_referral and case_consent are read here for the access
 * rule). Nothing is kept in memory between calls.
 *
 * Invariants:
 *   1. cases_access() is the only place that decides who sees a case; every
 *      read and write calls it (through cases_guard()) inside the
 *      transaction that does the work, so a consent withdrawn a moment ago
 *      is already in force against the next call.
 *   2. "No access" and "no such case" give the same error and message.
 *   3. The transition table `edges` is the only statement of which stage
 *      moves are allowed; docs/nrm.md shows it and tests/test_cases.c checks
 *      the two agree cell by cell.
 *   4. Personal data is written only through cases_seal(): a *_blob column
 *      never holds plaintext; blind indexes only through vault_blind() of a
 *      normal form. cases_seal() refuses (TW_ECONFLICT, "restart: the keys
 *      were rotated") to seal with a vault older than the store's current
 *      key (keyring_writer_check(), inside the writer's transaction).
 *   5. Each write and its audit entry and case_event commit together or
 *      not at all (one store_begin() per call).
 *   6. Nothing reads cooperating_with_police to allow or refuse anything.
 *   7. Public calls that write or audit run outside any caller's
 *      transaction (cases_outside_tx()), so refusals and read audits are
 *      committed by the call itself.
 *
 * Thread model: the caller's store_t; the vault is read-only.
 * Ownership: a cases_case_t's strings belong to it (cases_case_free());
 * strings passed to callbacks live until the callback returns.
 */
#include "cases/cases.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "access/audit.h"
#include "access/authz.h"
#include "cases/cases_int.h"
#include "cases/keyring.h"
#include "engine/alerts.h"
#include "ingest/norm.h"
#include "ingest/value.h"

#define NAME_MAX_BYTES CASES_NAME_MAX_BYTES
#define ADDRESS_MAX_BYTES 1024
#define NARRATIVE_MAX_BYTES (256 * 1024)
#define REASON_MAX_BYTES 4096

/* ---- policy ---------------------------------------------------------- */

void cases_policy_default(cases_policy_t *p)
{
    p->preid_days = 10;
    p->reflection_days = 30;
    p->retention_days = 1826; /* five years */
    p->state_payment_amd = 250000;
    p->attachment_max = (size_t)10 << 20;
}

tw_err_t cases_policy_check(const cases_policy_t *p, tw_errinfo_t *ei)
{
    const char *f = NULL, *why = NULL;
    if (p->preid_days < 1 || p->preid_days > 365)
        f = "preid_days", why = "must be 1..365";
    else if (p->reflection_days < 30 || p->reflection_days > 3650)
        f = "reflection_days", why = "must be at least 30 (the law's minimum) and at most 3650";
    else if (p->retention_days < 1)
        f = "retention_days", why = "must be at least 1";
    else if (p->state_payment_amd < 0)
        f = "state_payment_amd", why = "must not be negative";
    else if (p->attachment_max == 0 || p->attachment_max > ((size_t)64 << 20))
        f = "attachment_max", why = "must be 1 byte .. 64 MiB";
    if (!f)
        return TW_OK;
    tw_errinfo_field(ei, f);
    return tw_errinfo_set(ei, TW_EINPUT, "case policy: %s %s", f, why);
}

void cases_policy_from_config(const config_t *cfg, cases_policy_t *p)
{
    cases_policy_default(p);
    if (!cfg)
        return;
    p->preid_days = (int)config_cases(cfg, "preid_days", p->preid_days);
    p->reflection_days = (int)config_cases(cfg, "reflection_days", p->reflection_days);
    p->retention_days = (int)config_cases(cfg, "retention_days", p->retention_days);
    p->state_payment_amd = config_cases(cfg, "state_payment_amd", p->state_payment_amd);
    p->attachment_max =
        (size_t)config_cases(cfg, "attachment_max_bytes", (int64_t)p->attachment_max);
}

const cases_policy_t *cases_policy_or_default(const cases_policy_t *pol, cases_policy_t *tmp)
{
    if (pol)
        return pol;
    cases_policy_default(tmp);
    return tmp;
}

/* ---- small helpers (shared with referral.c through cases_int.h) ---------- */

int64_t cases_now(const cases_actor_t *act)
{
    return act && act->now ? act->now : (int64_t)time(NULL);
}

int32_t cases_day(int64_t now)
{
    int64_t t = now + CASES_TZ_OFFSET;
    int64_t d = t / 86400;
    if (t % 86400 < 0)
        d--;
    return (int32_t)d;
}

void cases_iso(int64_t now, char out[32])
{
    char tmp[21];
    value_format_timestamp(now, tmp);
    snprintf(out, 32, "%s", tmp);
}

void cases_date(int32_t day, char out[11])
{
    value_format_date(day, out);
}

const char *cases_actor_name(const cases_actor_t *act)
{
    return act && act->who && act->who->user_id ? act->who->user : "system";
}

const char *cases_actor_org(const cases_actor_t *act)
{
    return act && act->who && act->who->user_id ? act->who->org : "";
}

tw_err_t cases_db_err(store_t *st, tw_errinfo_t *ei, const char *what)
{
    return store_db_error(st, ei, what);
}

tw_err_t cases_prep(store_t *st, const char *sql, sqlite3_stmt **s, tw_errinfo_t *ei)
{
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, s, NULL) != SQLITE_OK) {
        *s = NULL;
        return cases_db_err(st, ei, "preparing a case query");
    }
    return TW_OK;
}

const char *cases_col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

/* Runs one statement with parameters given as a format: 'i' an int64_t
 * (callers pass int64_t, never a plain int), 't' text (NULL binds NULL). */
tw_err_t cases_run(store_t *st, tw_errinfo_t *ei, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s;
    va_list ap;
    int i, rc;
    tw_err_t err;

    if ((err = cases_prep(st, sql, &s, ei)) != TW_OK)
        return err;
    va_start(ap, fmt);
    for (i = 0; fmt[i]; i++) {
        if (fmt[i] == 'i') {
            sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
        } else {
            const char *t = va_arg(ap, const char *);
            if (t)
                sqlite3_bind_text(s, i + 1, t, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(s, i + 1);
        }
    }
    va_end(ap);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return cases_db_err(st, ei, "writing a case");
    return TW_OK;
}

tw_err_t cases_audit(store_t *st, const cases_actor_t *act, const char *action, int64_t case_id,
                     const char *detail, tw_errinfo_t *ei)
{
    char obj[48];
    if (case_id > 0)
        snprintf(obj, sizeof(obj), "case:%lld", (long long)case_id);
    else
        obj[0] = '\0';
    return audit_append(st, act ? act->who : NULL, action, obj, act ? act->remote : NULL, detail,
                        ei);
}

tw_err_t cases_denied(store_t *st, const cases_actor_t *act, const char *object,
                      const char *what, tw_err_t err)
{
    char detail[128];
    tw_errinfo_t e2;
    snprintf(detail, sizeof(detail), "{\"tried\":\"%s\"}", what);
    if (store_begin(st) != TW_OK)
        return err;
    if (audit_append(st, act ? act->who : NULL, "case.access.denied", object,
                     act ? act->remote : NULL, detail, &e2) != TW_OK) {
        store_rollback(st);
        return err;
    }
    if (store_commit(st) != TW_OK)
        store_rollback(st);
    return err;
}

tw_err_t cases_outside_tx(store_t *st, tw_errinfo_t *ei)
{
    if (sqlite3_get_autocommit(store_sqlite(st)))
        return TW_OK;
    /* inside the caller's transaction, a refusal's or a read's audit entry
     * would be undone with it (store_begin() nests as a savepoint) */
    return tw_errinfo_set(ei, TW_EINTERNAL,
                          "case functions are called outside a transaction: this one was called "
                          "inside a transaction");
}

void cases_wipe_str(char *s)
{
    if (s)
        sodium_memzero(s, strlen(s));
    free(s);
}

void cases_wipe_buf(tw_buf_t *b)
{
    if (b->p)
        sodium_memzero(b->p, b->len);
    buf_free(b);
}

tw_err_t cases_seal(store_t *st, const vault_t *v, const char *table, const char *col, int64_t id,
                    const void *data, size_t len, tw_errinfo_t *ei)
{
    char sql[160], ad[128];
    sqlite3_stmt *s = NULL;
    tw_buf_t b;
    tw_err_t err = TW_OK;

    buf_init(&b, (size_t)128 << 20);
    snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE id = ?", table, col);
    if ((err = cases_prep(st, sql, &s, ei)) != TW_OK)
        goto out;
    if (data) {
        if (!v) {
            err = tw_errinfo_set(ei, TW_EINTERNAL, "no key file open: cannot store %s", col);
            goto out;
        }
        /* A process that loaded the keys before a rotation must not seal
         * with a key the rotation retires (docs/internals/keys.md). */
        if ((err = cases_keys_writer_check(st, v, ei)) != TW_OK)
            goto out;
        snprintf(ad, sizeof(ad), "%s.%s:%lld", table, col, (long long)id);
        if ((err = vault_seal(v, ad, data, len, &b)) != TW_OK) {
            tw_errinfo_set(ei, err, "sealing %s.%s: %s", table, col, tw_strerror(err));
            goto out;
        }
        sqlite3_bind_blob(s, 1, b.p, (int)b.len, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(s, 1);
    }
    sqlite3_bind_int64(s, 2, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = cases_db_err(st, ei, "storing a sealed value");
out:
    sqlite3_finalize(s);
    buf_free(&b);
    return err;
}

tw_err_t cases_unseal(const vault_t *v, const char *table, const char *col, int64_t id,
                      sqlite3_stmt *s, int i, char **out, tw_errinfo_t *ei)
{
    char ad[128];
    tw_buf_t b;
    tw_err_t err;

    *out = NULL;
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return TW_OK;
    if (!v)
        return tw_errinfo_set(ei, TW_EINTERNAL, "no key file open: cannot read %s", col);
    snprintf(ad, sizeof(ad), "%s.%s:%lld", table, col, (long long)id);
    buf_init(&b, (size_t)128 << 20);
    err = vault_unseal(v, ad, sqlite3_column_blob(s, i), (size_t)sqlite3_column_bytes(s, i), &b);
    if (err != TW_OK) {
        uint32_t kid = 0;
        cases_wipe_buf(&b);
        if (err == TW_ENOTFOUND &&
            vault_blob_key(sqlite3_column_blob(s, i), (size_t)sqlite3_column_bytes(s, i), &kid) ==
                TW_OK &&
            kid > vault_current_key(v))
            return tw_errinfo_set(ei, TW_ECONFLICT,
                                  "%s.%s of row %lld was sealed with key %lu, newer than the keys "
                                  "this process loaded: restart: the keys were rotated",
                                  table, col, (long long)id, (unsigned long)kid);
        if (err == TW_ENOTFOUND &&
            vault_blob_key(sqlite3_column_blob(s, i), (size_t)sqlite3_column_bytes(s, i), &kid) ==
                TW_OK)
            return tw_errinfo_set(ei, TW_ENOTFOUND,
                                  "%s.%s of row %lld was sealed with key %lu, which is not in the "
                                  "key file (restore that key or re-run the rotation)",
                                  table, col, (long long)id, (unsigned long)kid);
        return tw_errinfo_set(ei, err == TW_ENOMEM ? TW_ENOMEM : TW_EINTERNAL,
                              "%s.%s of row %lld cannot be opened with the key file (%s)", table,
                              col, (long long)id, tw_strerror(err));
    }
    if (!b.p) {
        *out = calloc(1, 1);
        return *out ? TW_OK : TW_ENOMEM;
    }
    *out = b.p; /* the buffer's memory is handed over */
    return TW_OK;
}

tw_err_t cases_unseal_row(const vault_t *v, const char *table, const char *col, int64_t id,
                          sqlite3_stmt *s, int i, char **out, int *unreadable, tw_errinfo_t *ei)
{
    tw_errinfo_t e2;
    tw_err_t err;

    tw_errinfo_clear(&e2);
    err = cases_unseal(v, table, col, id, s, i, out, &e2);
    if (err == TW_ENOTFOUND || (err == TW_EINTERNAL && v)) {
        *unreadable = 1;
        return TW_OK;
    }
    if (err != TW_OK && ei)
        *ei = e2;
    return err;
}

tw_err_t cases_org_id(store_t *st, const char *name, const char *field, int64_t *id,
                      tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    tw_err_t err;
    int rc;

    if (!name || !name[0]) {
        tw_errinfo_field(ei, field);
        tw_errinfo_reason(ei, "org_required");
        return tw_errinfo_set(ei, TW_EINPUT, "%s: name an organisation", field);
    }
    if ((err = cases_prep(st, "SELECT id FROM org WHERE name = ?", &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return TW_OK;
    if (rc != SQLITE_DONE)
        return cases_db_err(st, ei, "looking up an organisation");
    tw_errinfo_field(ei, field);
    tw_errinfo_reason(ei, "unknown_org");
    return tw_errinfo_set(ei, TW_EINPUT, "%s: no organisation '%.64s'", field, name);
}

static int blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

tw_err_t cases_text_check(const char *s, size_t max, const char *field, tw_errinfo_t *ei)
{
    size_t n = s ? strlen(s) : 0;
    const char *why = NULL;
    if (!s || blank(s))
        why = "is required";
    else if (n > max)
        why = "is too long";
    else if (!norm_utf8_valid(s, n))
        why = "is not valid UTF-8";
    if (!why)
        return TW_OK;
    tw_errinfo_field(ei, field);
    return tw_errinfo_set(ei, TW_EINPUT, "%s %s", field, why);
}

/* Names (a person's, an attachment's) are shown in lists, file names and
 * printed summaries: a control character (C0, DEL, C1), a line or paragraph
 * separator or a text-direction control (U+061C, U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069) could break a line, a header or the order in
 * which a reader sees the characters ("gpj.exe" shown as "exe.jpg"), so a
 * name holding one is refused. s is valid UTF-8 (cases_text_check). */
tw_err_t cases_name_check(const char *s, const char *field, tw_errinfo_t *ei)
{
    const unsigned char *p = (const unsigned char *)s;
    const char *why = NULL;

    for (; s && *p && !why; p++) {
        if (*p < 0x20 || *p == 0x7f)
            why = "contains a control character (a tab, a line break, ...)";
        else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            why = "contains a control character";
        else if ((p[0] == 0xd8 && p[1] == 0x9c) ||
                 (p[0] == 0xe2 && p[1] == 0x80 &&
                  (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae))) ||
                 (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))
            why = "contains a text-direction control or a line separator";
    }
    if (!why)
        return TW_OK;
    tw_errinfo_field(ei, field);
    return tw_errinfo_set(ei, TW_EINPUT, "%s %s, which a name may not hold", field, why);
}

/* ---- stages (invariant 3) -------------------------------------------------- */

static const char *const stage_names[CASE_STAGE_COUNT] = {
    "presumed_victim", "referred_to_commission", "identified",      "not_identified",
    "assistance",      "reintegration",          "voluntary_return", "onward_referral",
    "closed"};

#define PV CASE_PRESUMED_VICTIM
#define RC CASE_REFERRED_TO_COMMISSION
#define ID CASE_IDENTIFIED
#define NI CASE_NOT_IDENTIFIED
#define AS CASE_ASSISTANCE
#define RE CASE_REINTEGRATION
#define VR CASE_VOLUNTARY_RETURN
#define OR CASE_ONWARD_REFERRAL
#define CL CASE_CLOSED
/* The one transition table (docs/nrm.md, "Stages"). Closing is allowed from
 * every open stage; a closed case can only be reopened as presumed_victim. */
static const unsigned char edges[CASE_STAGE_COUNT][CASE_STAGE_COUNT] = {
    [PV] = {[RC] = 1, [CL] = 1},
    [RC] = {[ID] = 1, [NI] = 1, [CL] = 1},
    [ID] = {[AS] = 1, [CL] = 1},
    [NI] = {[AS] = 1, [RC] = 1, [CL] = 1},
    [AS] = {[RE] = 1, [VR] = 1, [OR] = 1, [CL] = 1},
    [RE] = {[AS] = 1, [CL] = 1},
    [VR] = {[CL] = 1},
    [OR] = {[CL] = 1},
    [CL] = {[PV] = 1},
};
#undef PV
#undef RC
#undef ID
#undef NI
#undef AS
#undef RE
#undef VR
#undef OR
#undef CL

const char *cases_stage_name(cases_stage_t s)
{
    return (unsigned)s < CASE_STAGE_COUNT ? stage_names[s] : "unknown";
}

tw_err_t cases_stage_parse(const char *s, cases_stage_t *out)
{
    int i;
    for (i = 0; s && i < CASE_STAGE_COUNT; i++)
        if (strcmp(s, stage_names[i]) == 0) {
            *out = (cases_stage_t)i;
            return TW_OK;
        }
    return TW_EINPUT;
}

int cases_stage_allowed(cases_stage_t from, cases_stage_t to)
{
    if ((unsigned)from >= CASE_STAGE_COUNT || (unsigned)to >= CASE_STAGE_COUNT)
        return 0;
    return edges[from][to];
}

int cases_stage_needs_reason(cases_stage_t to)
{
    return to == CASE_IDENTIFIED || to == CASE_NOT_IDENTIFIED || to == CASE_CLOSED ||
           to == CASE_PRESUMED_VICTIM;
}

int cases_stage_needs_date(cases_stage_t to)
{
    return to == CASE_IDENTIFIED || to == CASE_NOT_IDENTIFIED;
}

/* ---- code lists (HTCDS v2.0 / CTDC; docs/nrm.md "Case fields") ----------- */

static const char *const sex_codes[] = {"Male", "Female", "Transgender/NonConforming", "Unknown",
                                        NULL};
static const char *const age_codes[] = {"0--8",   "09--17", "18--20", "21--23", "24--26",
                                        "27--29", "30--38", "39--47", "48+",    NULL};
static const char *const exploitation_codes[] = {
    "ForcedLabour",      "SexualExploitation", "ForcedMarriage", "ForcedMilitaryService",
    "OrganRemoval",      "ForcedBegging",      "IllicitActivities", "IllegalAdoption",
    "Surrogacy",         "Other",              NULL};
static const char *const control_codes[] = {
    "DebtBondage",        "TakesEarnings",         "RestrictsFinancialAccess",
    "Threats",            "PsychologicalAbuse",    "PhysicalAbuse",
    "SexualAbuse",        "FalsePromises",         "PsychoactiveSubstances",
    "RestrictsMovement",  "RestrictsMedicalCare",  "ExcessiveWorkingHours",
    "UsesChildren",       "ThreatOfLawEnforcement", "WithholdsNecessities",
    "WithholdsDocuments", "Other",                 NULL};
static const char *const recruiter_codes[] = {"IntimatePartner", "Friend", "Family", "Other",
                                              "Unknown", NULL};
static const char *const sector_codes[] = {
    "Agriculture",       "Aquafarming",   "Begging",  "Construction",   "DomesticWork",
    "Hospitality",       "IllicitActivities", "Manufacturing", "MiningOrDrilling", "Peddling",
    "Transportation",    "Other",         NULL};
static const char *const service_codes[] = {
    "shelter",        "medical",       "psychological",       "legal_aid",
    "interpretation", "state_payment", "vocational_training", "return_support", NULL};
static const char *const category_codes[] = {"profile",  "identity",    "contact", "narrative",
                                             "services", "attachments", NULL};

static const struct {
    const char *const *codes;
    const char *field;
    int multi;
} code_lists[CASES_CODE_COUNT] = {
    [CASES_CODE_SEX] = {sex_codes, "sex", 0},
    [CASES_CODE_AGE_GROUP] = {age_codes, "age_group", 0},
    [CASES_CODE_EXPLOITATION] = {exploitation_codes, "exploitation", 1},
    [CASES_CODE_MEANS_OF_CONTROL] = {control_codes, "means_of_control", 1},
    [CASES_CODE_RECRUITER] = {recruiter_codes, "recruiter", 1},
    [CASES_CODE_LABOUR_SECTOR] = {sector_codes, "labour_sector", 1},
    [CASES_CODE_SERVICE] = {service_codes, "service", 1},
    [CASES_CODE_CATEGORY] = {category_codes, "categories", 1},
};

const char *const *cases_codes(cases_code_list_t l)
{
    return (unsigned)l < CASES_CODE_COUNT ? code_lists[l].codes : NULL;
}

const char *cases_code_field(cases_code_list_t l)
{
    return (unsigned)l < CASES_CODE_COUNT ? code_lists[l].field : "unknown";
}

tw_err_t cases_code_canon(cases_code_list_t l, const char *value, char *out, size_t cap,
                          unsigned *bits, tw_errinfo_t *ei)
{
    const char *const *codes;
    const char *p, *field;
    unsigned seen = 0;
    size_t used = 0;
    int i, n = 0;

    if ((unsigned)l >= CASES_CODE_COUNT)
        return tw_errinfo_set(ei, TW_EINTERNAL, "unknown code list %d", (int)l);
    codes = code_lists[l].codes;
    field = code_lists[l].field;
    if (out && cap)
        out[0] = '\0';
    for (p = value; p && *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = -1;
        for (i = 0; codes[i]; i++)
            if (strlen(codes[i]) == len && memcmp(codes[i], p, len) == 0)
                found = i;
        tw_errinfo_field(ei, field);
        if (found < 0)
            return tw_errinfo_set(ei, TW_EINPUT, "%s: unknown value '%.*s'", field,
                                  (int)(len > 64 ? 64 : len), p);
        if (seen & (1u << found))
            return tw_errinfo_set(ei, TW_EINPUT, "%s: '%s' given twice", field, codes[found]);
        seen |= 1u << found;
        n++;
        if (n > 1 && !code_lists[l].multi)
            return tw_errinfo_set(ei, TW_EINPUT, "%s takes one value", field);
        if (!end)
            break;
        p = end + 1;
        if (!*p)
            return tw_errinfo_set(ei, TW_EINPUT, "%s: empty value after ';'", field);
    }
    if (ei && ei->field[0] && n > 0)
        ei->field[0] = '\0';
    for (i = 0; codes[i] && out; i++) {
        if (!(seen & (1u << i)))
            continue;
        int w = snprintf(out + used, cap - used, "%s%s", used ? ";" : "", codes[i]);
        if (w < 0 || (size_t)w >= cap - used)
            return tw_errinfo_set(ei, TW_ETOOBIG, "%s: too many values", field);
        used += (size_t)w;
    }
    if (bits)
        *bits = seen;
    return TW_OK;
}

tw_err_t cases_code_check(cases_code_list_t l, const char *value, tw_errinfo_t *ei)
{
    return cases_code_canon(l, value, NULL, 0, NULL, ei);
}

void cases_categories_text(unsigned bits, char *out, size_t cap)
{
    size_t used = 0;
    int i;
    out[0] = '\0';
    for (i = 0; category_codes[i]; i++) {
        int w;
        if (!(bits & (1u << i)))
            continue;
        w = snprintf(out + used, cap - used, "%s%s", used ? ";" : "", category_codes[i]);
        if (w < 0 || (size_t)w >= cap - used)
            return;
        used += (size_t)w;
    }
}

/* ---- the access rule (invariant 1) --------------------------------------- */

tw_err_t cases_access(store_t *st, const cases_actor_t *act, int64_t id, cases_access_t *out,
                      tw_errinfo_t *ei)
{
    const auth_principal_t *p = act ? act->who : NULL;
    sqlite3_stmt *s = NULL;
    char today[11];
    tw_err_t err;
    int rc, any = 0;

    memset(out, 0, sizeof(*out));
    if (!p || p->user_id == 0)
        return tw_errinfo_set(ei, TW_EPERM, "sign in first: cases need an account");
    if (authz_scope(p->role, AUTHZ_CASE_READ) == AUTHZ_NONE)
        return tw_errinfo_set(ei, TW_EPERM, "role %s may not %s", auth_role_name(p->role),
                              authz_action_name(AUTHZ_CASE_READ));
    if ((err = cases_prep(st, "SELECT owner_org FROM nrm_case WHERE id = ?", &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        out->owner_org = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cases_db_err(st, ei, "reading a case");
    if (rc == SQLITE_ROW && out->owner_org == p->org_id) {
        out->kind = CASES_ACCESS_OWNER;
        out->categories = CASES_CAT_ALL;
        return TW_OK;
    }
    {
        /* A receiver: a sent referral to the actor's organisation that is
         * still open, under an emergency or a consent in force today. The
         * query runs for a case that does not exist too (it finds nothing),
         * so "no such case" and "not yours" take the same work (invariant
         * 2, also in time). */
        int exists = rc == SQLITE_ROW;
        cases_date(cases_day(cases_now(act)), today);
        if ((err = cases_prep(st,
                              "SELECT r.emergency, c.categories FROM case_referral r"
                              " LEFT JOIN case_consent c ON c.referral_id = r.id AND c.given = 1"
                              " AND c.withdrawn_at IS NULL AND c.until_day >= ?"
                              " WHERE r.case_id = ? AND r.to_org = ?"
                              " AND r.status IN ('pending','accepted')",
                              &s, ei)) != TW_OK)
            return err;
        sqlite3_bind_int64(s, 1, cases_day(cases_now(act)));
        sqlite3_bind_int64(s, 2, id);
        sqlite3_bind_int64(s, 3, p->org_id);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (sqlite3_column_int(s, 0)) {
                out->categories |= CASES_CAT_EMERGENCY;
                any = 1;
            }
            if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
                out->categories |= (unsigned)sqlite3_column_int64(s, 1) & CASES_CAT_ALL;
                any = 1;
            }
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return cases_db_err(st, ei, "reading a case's referrals");
        if (any && exists) {
            out->kind = CASES_ACCESS_RECEIVER;
            return TW_OK;
        }
    }
    /* invariant 2: the same answer whether it exists or not */
    memset(out, 0, sizeof(*out));
    return tw_errinfo_set(ei, TW_ENOTFOUND, "no case %lld", (long long)id);
}

tw_err_t cases_guard(store_t *st, const cases_actor_t *act, int64_t case_id, cases_need_t need,
                     const char *what, cases_access_t *acc, tw_errinfo_t *ei)
{
    const auth_principal_t *p;
    tw_err_t err = cases_access(st, act, case_id, acc, ei);
    if (err != TW_OK)
        return err;
    if (need == NEED_READ)
        return TW_OK;
    p = act->who;
    if (authz_scope(p->role, AUTHZ_CASE_WRITE) == AUTHZ_NONE)
        return tw_errinfo_set(ei, TW_EPERM, "role %s may not %s", auth_role_name(p->role),
                              authz_action_name(AUTHZ_CASE_WRITE));
    if (need == NEED_OWNER && acc->kind != CASES_ACCESS_OWNER)
        return tw_errinfo_set(ei, TW_EPERM,
                              "only the organisation that owns case %lld may %s; %s received "
                              "it by referral",
                              (long long)case_id, what, p->org);
    return TW_OK;
}

/* Begins the transaction of one call and checks access in it. On failure
 * nothing is open; a refusal is audited. */
tw_err_t cases_begin_guarded(store_t *st, const cases_actor_t *act, int64_t case_id,
                              cases_need_t need, const char *what, cases_access_t *acc,
                              tw_errinfo_t *ei)
{
    char obj[48];
    tw_err_t err;
    memset(acc, 0, sizeof(*acc));
    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    err = cases_guard(st, act, case_id, need, what, acc, ei);
    if (err == TW_OK)
        return TW_OK;
    store_rollback(st);
    snprintf(obj, sizeof(obj), "case:%lld", (long long)case_id);
    if (err == TW_ENOTFOUND || err == TW_EPERM)
        return cases_denied(st, act, obj, what, err);
    return err;
}

/* Commits (err == TW_OK) or rolls back; returns the outcome. */
static tw_err_t finish(store_t *st, tw_err_t err, tw_errinfo_t *ei)
{
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    if (store_commit(st) != TW_OK) {
        store_rollback(st);
        return cases_db_err(st, ei, "committing a case change");
    }
    return TW_OK;
}

tw_err_t cases_finish_read(store_t *st, tw_err_t err, tw_errinfo_t *ei)
{
    if (store_commit(st) != TW_OK) {
        store_rollback(st);
        return cases_db_err(st, ei, "committing a case read's audit entry");
    }
    return err;
}

/* ---- events ------------------------------------------------------------ */

tw_err_t cases_event(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t case_id,
                     const char *kind, const char *from, const char *to, const char *detail,
                     const char *reason, tw_errinfo_t *ei)
{
    char at[32];
    tw_err_t err;
    int64_t eid;

    cases_iso(cases_now(act), at);
    if ((err = cases_run(st, ei,
                   "INSERT INTO case_event(case_id, at, actor, actor_org, kind, from_stage,"
                   " to_stage, detail) VALUES (?,?,?,?,?,?,?,?)",
                   "ittttttt", case_id, at, cases_actor_name(act), cases_actor_org(act), kind,
                   from, to, detail)) != TW_OK)
        return err;
    eid = sqlite3_last_insert_rowid(store_sqlite(st));
    if (reason && reason[0])
        return cases_seal(st, v, "case_event", "reason_blob", eid, reason, strlen(reason), ei);
    return TW_OK;
}

/* ---- fields ---------------------------------------------------------------- */

/* Validated and normalised form of cases_fields_t; NULL members unchanged. */
typedef struct {
    const char *name, *birth_date, *email, *address, *narrative;
    char phone[64];
    int has_phone;
    const char *worker_key;
    char docno[96];
    char sex[32], age_group[8], citizenship[4], coe[4];
    char exploitation[256], control[512], recruiter[96], sector[256];
    int has_sex, has_age, has_cit, has_coe, has_expl, has_control, has_recr, has_sector;
    char presumed_on[11];
    int has_presumed;
    int coop;
    int32_t birth_day;
} fields_t;

tw_err_t cases_bad_field(tw_errinfo_t *ei, const char *field, const char *why)
{
    tw_errinfo_field(ei, field);
    return tw_errinfo_set(ei, TW_EINPUT, "%s %s", field, why);
}

static tw_err_t opt_text(const char *s, size_t max, const char *field, tw_errinfo_t *ei)
{
    if (!s || !s[0])
        return TW_OK;
    if (strlen(s) > max)
        return cases_bad_field(ei, field, "is too long");
    if (!norm_utf8_valid(s, strlen(s)))
        return cases_bad_field(ei, field, "is not valid UTF-8");
    return TW_OK;
}

static tw_err_t opt_code(cases_code_list_t l, const char *in, char *out, size_t cap, int *has,
                         tw_errinfo_t *ei)
{
    *has = in != NULL;
    if (!in)
        return TW_OK;
    return cases_code_canon(l, in, out, cap, NULL, ei);
}

static tw_err_t opt_country(const char *in, const char *field, char out[4], int *has,
                            tw_errinfo_t *ei)
{
    const char *why = NULL;
    *has = in != NULL;
    out[0] = '\0';
    if (!in || !in[0])
        return TW_OK;
    if (value_country(in, strlen(in), out, &why) != TW_OK) {
        tw_errinfo_field(ei, field);
        return tw_errinfo_set(ei, TW_EINPUT, "%s: '%.16s' is %s", field, in,
                              why ? why : "not a country code");
    }
    return TW_OK;
}

static tw_err_t check_fields(const cases_fields_t *f, int32_t today, fields_t *o,
                             tw_errinfo_t *ei)
{
    const char *why = NULL;
    int32_t d;
    tw_err_t err;

    memset(o, 0, sizeof(*o));
    o->coop = f->cooperating_with_police;
    if (o->coop < -1 || o->coop > 1)
        return cases_bad_field(ei, "cooperating_with_police", "must be 0 or 1");
    if ((err = opt_text(f->name, NAME_MAX_BYTES, "name", ei)) != TW_OK ||
        (f->name && f->name[0] && (err = cases_name_check(f->name, "name", ei)) != TW_OK) ||
        (err = opt_text(f->address, ADDRESS_MAX_BYTES, "address", ei)) != TW_OK ||
        (err = opt_text(f->narrative, NARRATIVE_MAX_BYTES, "narrative", ei)) != TW_OK)
        return err;
    o->name = f->name;
    o->address = f->address;
    o->narrative = f->narrative;
    o->birth_date = f->birth_date;
    if (f->birth_date && f->birth_date[0]) {
        if (value_date(f->birth_date, strlen(f->birth_date), &d, &why) != TW_OK) {
            tw_errinfo_field(ei, "birth_date");
            return tw_errinfo_set(ei, TW_EINPUT, "birth_date: %s", why ? why : "not a date");
        }
        if (d > today)
            return cases_bad_field(ei, "birth_date", "is in the future");
        o->birth_day = d;
    }
    o->email = f->email;
    if (f->email && f->email[0] && value_email(f->email, strlen(f->email), &why) != TW_OK) {
        tw_errinfo_field(ei, "email");
        return tw_errinfo_set(ei, TW_EINPUT, "email: %s", why ? why : "not an e-mail address");
    }
    if (f->phone) {
        o->has_phone = 1;
        if (f->phone[0] &&
            norm_phone(f->phone, strlen(f->phone), o->phone, sizeof(o->phone), NULL) != TW_OK)
            return cases_bad_field(ei, "phone", "cannot be read as a phone number");
    }
    o->worker_key = f->worker_key;
    if (f->worker_key && f->worker_key[0]) {
        const char *k = f->worker_key;
        char cc[4];
        if (strlen(k) < 5 || k[3] != ':' || value_country(k, 3, cc, &why) != TW_OK ||
            norm_docno(k + 4, strlen(k + 4), o->docno, sizeof(o->docno), NULL) != TW_OK ||
            !o->docno[0])
            return cases_bad_field(ei, "worker_key", "must be COUNTRY:DOCNO (ISO alpha-3, a document "
                                               "number)");
    }
    if ((err = opt_code(CASES_CODE_SEX, f->sex, o->sex, sizeof(o->sex), &o->has_sex, ei)) !=
            TW_OK ||
        (err = opt_code(CASES_CODE_AGE_GROUP, f->age_group, o->age_group, sizeof(o->age_group),
                        &o->has_age, ei)) != TW_OK ||
        (err = opt_code(CASES_CODE_EXPLOITATION, f->exploitation, o->exploitation,
                        sizeof(o->exploitation), &o->has_expl, ei)) != TW_OK ||
        (err = opt_code(CASES_CODE_MEANS_OF_CONTROL, f->means_of_control, o->control,
                        sizeof(o->control), &o->has_control, ei)) != TW_OK ||
        (err = opt_code(CASES_CODE_RECRUITER, f->recruiter, o->recruiter, sizeof(o->recruiter),
                        &o->has_recr, ei)) != TW_OK ||
        (err = opt_code(CASES_CODE_LABOUR_SECTOR, f->labour_sector, o->sector,
                        sizeof(o->sector), &o->has_sector, ei)) != TW_OK ||
        (err = opt_country(f->citizenship, "citizenship", o->citizenship, &o->has_cit, ei)) !=
            TW_OK ||
        (err = opt_country(f->country_of_exploitation, "country_of_exploitation", o->coe,
                           &o->has_coe, ei)) != TW_OK)
        return err;
    if (f->presumed_on && f->presumed_on[0]) {
        if (value_date(f->presumed_on, strlen(f->presumed_on), &d, &why) != TW_OK) {
            tw_errinfo_field(ei, "presumed_on");
            return tw_errinfo_set(ei, TW_EINPUT, "presumed_on: %s", why ? why : "not a date");
        }
        if (d > today)
            return cases_bad_field(ei, "presumed_on", "is in the future");
        cases_date(d, o->presumed_on);
        o->has_presumed = 1;
    }
    return TW_OK;
}

/* CTDC age group of someone born on `birth` at day `at`. */
static const char *age_group_at(int32_t birth, int32_t at)
{
    char b[11], a[11];
    int by, bm, bd, ay, am, ad, age;
    cases_date(birth, b);
    cases_date(at, a);
    if (sscanf(b, "%d-%d-%d", &by, &bm, &bd) != 3 || sscanf(a, "%d-%d-%d", &ay, &am, &ad) != 3)
        return "";
    age = ay - by - ((am < bm || (am == bm && ad < bd)) ? 1 : 0);
    if (age < 0)
        return "";
    if (age <= 8)
        return "0--8";
    if (age <= 17)
        return "09--17";
    if (age <= 20)
        return "18--20";
    if (age <= 23)
        return "21--23";
    if (age <= 26)
        return "24--26";
    if (age <= 29)
        return "27--29";
    if (age <= 38)
        return "30--38";
    if (age <= 47)
        return "39--47";
    return "48+";
}

/* Blind index of a name / document number into out ("" when nothing). */
tw_err_t cases_blind_name(const vault_t *v, uint32_t key_id, const char *name,
                          char out[VAULT_BLIND_HEX + 1], tw_errinfo_t *ei)
{
    norm_t *n = NULL;
    size_t len = strlen(name), cap = 6 * len + 16, olen = 0;
    char *buf = malloc(cap);
    tw_err_t err;

    out[0] = '\0';
    if (!buf)
        return TW_ENOMEM;
    if ((err = norm_open(&n)) != TW_OK)
        goto out;
    if ((err = norm_name(n, name, len, buf, cap, &olen)) != TW_OK) {
        tw_errinfo_field(ei, "name");
        tw_errinfo_set(ei, err, "name cannot be normalised");
        goto out;
    }
    if (olen)
        err = vault_blind_with_key(v, key_id ? key_id : vault_current_key(v), "case.name", buf,
                                   olen, out);
out:
    norm_close(n);
    sodium_memzero(buf, cap); /* the normal form of a name is personal data too */
    free(buf);
    return err;
}

const char *cases_worker_docno(const char *worker_key)
{
    const char *c = strchr(worker_key, ':');
    return c ? c + 1 : worker_key;
}

tw_err_t cases_blind_docno(const vault_t *v, uint32_t key_id, const char *docno,
                           char out[VAULT_BLIND_HEX + 1], tw_errinfo_t *ei)
{
    char d[96];
    size_t dlen = 0;
    tw_err_t err;

    out[0] = '\0';
    if (!docno || !docno[0])
        return TW_OK;
    /* one normal form for storing and searching: "ab 123-4" finds "AB1234" */
    if (norm_docno(docno, strlen(docno), d, sizeof(d), &dlen) != TW_OK || dlen == 0)
        return cases_bad_field(ei, "docno", "is not a document number");
    err = vault_blind_with_key(v, key_id ? key_id : vault_current_key(v), "case.docno", d, dlen,
                               out);
    sodium_memzero(d, sizeof(d));
    return err;
}

/* ---- search tokens (case_search, migration 15) ----
 * A name is searched by its words in any order and by their beginnings: for
 * each word of the name's normal form, the blind index of its prefixes of
 * SEARCH_PART_MIN..SEARCH_PART_MAX bytes and of the whole word (a word
 * shorter than SEARCH_PART_MIN: the word only). A query word then matches
 * through the blind index of the query word itself. The phone: the blind
 * index of its E.164 form. Domains "case.name.part" and "case.phone", so
 * no value is comparable across columns or with name_blind. */
#define SEARCH_PART_MIN 3
#define SEARCH_PART_MAX 24

tw_err_t cases_blind_part(const vault_t *v, uint32_t key_id, const char *word, size_t len,
                          char out[VAULT_BLIND_HEX + 1])
{
    return vault_blind_with_key(v, key_id ? key_id : vault_current_key(v), "case.name.part",
                                word, len, out);
}

tw_err_t cases_blind_phone(const vault_t *v, uint32_t key_id, const char *phone,
                           char out[VAULT_BLIND_HEX + 1], tw_errinfo_t *ei)
{
    char e164[64];
    size_t n = 0;
    tw_err_t err;

    out[0] = '\0';
    if (!phone || !phone[0])
        return TW_OK;
    if (norm_phone(phone, strlen(phone), e164, sizeof(e164), &n) != TW_OK || n == 0)
        return cases_bad_field(ei, "phone", "cannot be read as a phone number");
    err = vault_blind_with_key(v, key_id ? key_id : vault_current_key(v), "case.phone", e164, n,
                               out);
    sodium_memzero(e164, sizeof(e164));
    return err;
}

tw_err_t cases_name_words(const char *name, cases_word_fn fn, void *ctx, tw_errinfo_t *ei)
{
    norm_t *n = NULL;
    size_t len = strlen(name), cap = 6 * len + 16, olen = 0, i, start;
    char *buf = malloc(cap);
    tw_err_t err;

    if (!buf)
        return TW_ENOMEM;
    if ((err = norm_open(&n)) != TW_OK)
        goto out;
    if ((err = norm_name(n, name, len, buf, cap, &olen)) != TW_OK) {
        tw_errinfo_field(ei, "name");
        tw_errinfo_set(ei, err, "name cannot be normalised");
        goto out;
    }
    /* words: runs of letters and digits of the normal form */
    for (i = 0; i <= olen && err == TW_OK; i = start + 1) {
        for (start = i; start < olen && isalnum((unsigned char)buf[start]); start++)
            ;
        if (start > i)
            err = fn(ctx, buf + i, start - i);
    }
out:
    norm_close(n);
    sodium_memzero(buf, cap);
    free(buf);
    return err;
}

typedef struct {
    store_t *st;
    const vault_t *v;
    int64_t id;
    tw_errinfo_t *ei;
} index_ctx_t;

static tw_err_t index_blind(index_ctx_t *x, const char *kind, const char *blind)
{
    return cases_run(x->st, x->ei,
                     "INSERT OR IGNORE INTO case_search(case_id, kind, blind) VALUES (?, ?, ?)",
                     "itt", x->id, kind, blind);
}

static tw_err_t index_word(void *ctx, const char *word, size_t len)
{
    index_ctx_t *x = ctx;
    char h[VAULT_BLIND_HEX + 1];
    size_t p = len < SEARCH_PART_MIN ? len : SEARCH_PART_MIN;
    tw_err_t err = TW_OK;

    for (; p <= len && p <= SEARCH_PART_MAX && err == TW_OK; p++)
        if ((err = cases_blind_part(x->v, 0, word, p, h)) == TW_OK)
            err = index_blind(x, "name", h);
    if (err == TW_OK && len > SEARCH_PART_MAX &&
        (err = cases_blind_part(x->v, 0, word, len, h)) == TW_OK)
        err = index_blind(x, "name", h);
    return err;
}

tw_err_t cases_index_search(store_t *st, const vault_t *v, int64_t id, const char *name,
                            const char *phone, tw_errinfo_t *ei)
{
    index_ctx_t x = {st, v, id, ei};
    char h[VAULT_BLIND_HEX + 1];
    tw_err_t err = TW_OK;

    if (name) {
        err = cases_run(st, ei, "DELETE FROM case_search WHERE case_id = ? AND kind = 'name'",
                        "i", id);
        if (err == TW_OK && name[0])
            err = cases_name_words(name, index_word, &x, ei);
    }
    if (err == TW_OK && phone) {
        err = cases_run(st, ei, "DELETE FROM case_search WHERE case_id = ? AND kind = 'phone'",
                        "i", id);
        if (err == TW_OK && phone[0] && (err = cases_blind_phone(v, 0, phone, h, ei)) == TW_OK &&
            h[0])
            err = index_blind(&x, "phone", h);
    }
    if (err == TW_OK)
        err = cases_run(st, ei, "UPDATE nrm_case SET search_v = 1 WHERE id = ?", "i", id);
    return err;
}

/* Writes the personal-data columns of fields_t into case `id`. */
static tw_err_t write_sealed(store_t *st, const vault_t *v, int64_t id, const fields_t *o,
                             tw_errinfo_t *ei)
{
    char blind[VAULT_BLIND_HEX + 1];
    tw_err_t err = TW_OK;
    const struct {
        const char *col, *val;
        int set;
    } cols[] = {
        {"name_blob", o->name, o->name != NULL},
        {"birth_date_blob", o->birth_date, o->birth_date != NULL},
        {"worker_key_blob", o->worker_key, o->worker_key != NULL},
        {"phone_blob", o->phone, o->has_phone},
        {"email_blob", o->email, o->email != NULL},
        {"address_blob", o->address, o->address != NULL},
        {"narrative_blob", o->narrative, o->narrative != NULL},
    };
    size_t i;

    for (i = 0; i < sizeof(cols) / sizeof(cols[0]) && err == TW_OK; i++) {
        if (!cols[i].set)
            continue;
        err = cases_seal(st, v, "nrm_case", cols[i].col, id, cols[i].val[0] ? cols[i].val : NULL,
                         strlen(cols[i].val), ei);
    }
    if (err == TW_OK && o->name) {
        blind[0] = '\0';
        if ((err = o->name[0] ? cases_blind_name(v, 0, o->name, blind, ei) : TW_OK) == TW_OK)
            err = cases_run(st, ei, "UPDATE nrm_case SET name_blind = ? WHERE id = ?", "ti",
                      blind[0] ? blind : NULL, id);
    }
    if (err == TW_OK && o->worker_key) {
        if ((err = cases_blind_docno(v, 0, o->docno, blind, ei)) == TW_OK)
            err = cases_run(st, ei, "UPDATE nrm_case SET docno_blind = ? WHERE id = ?", "ti",
                      blind[0] ? blind : NULL, id);
    }
    /* the search tokens of what changed (a new case: both, even if empty) */
    if (err == TW_OK && (o->name || o->has_phone))
        err = cases_index_search(st, v, id, o->name, o->has_phone ? o->phone : NULL, ei);
    return err;
}

/* Writes the coded columns that are set. */
static tw_err_t write_codes(store_t *st, int64_t id, const fields_t *o, tw_errinfo_t *ei)
{
    const struct {
        const char *col, *val;
        int set;
    } cols[] = {
        {"sex", o->sex, o->has_sex},
        {"age_group", o->age_group, o->has_age},
        {"citizenship", o->citizenship, o->has_cit},
        {"country_of_exploitation", o->coe, o->has_coe},
        {"exploitation", o->exploitation, o->has_expl},
        {"means_of_control", o->control, o->has_control},
        {"recruiter", o->recruiter, o->has_recr},
        {"labour_sector", o->sector, o->has_sector},
    };
    char sql[128];
    size_t i;
    tw_err_t err = TW_OK;

    for (i = 0; i < sizeof(cols) / sizeof(cols[0]) && err == TW_OK; i++) {
        if (!cols[i].set)
            continue;
        snprintf(sql, sizeof(sql), "UPDATE nrm_case SET %s = ? WHERE id = ?", cols[i].col);
        err = cases_run(st, ei, sql, "ti", cols[i].val, id);
    }
    if (err == TW_OK && o->coop >= 0)
        err = cases_run(st, ei, "UPDATE nrm_case SET cooperating_with_police = ? WHERE id = ?", "ii",
                  (int64_t)o->coop, id);
    return err;
}

/* Names of the fields set in f, as a JSON array, for the audit detail. */
static void changed_fields(const cases_fields_t *f, char *out, size_t cap)
{
    const struct {
        const char *name;
        int set;
    } all[] = {{"name", f->name != NULL},
               {"birth_date", f->birth_date != NULL},
               {"phone", f->phone != NULL},
               {"email", f->email != NULL},
               {"address", f->address != NULL},
               {"narrative", f->narrative != NULL},
               {"worker_key", f->worker_key != NULL},
               {"sex", f->sex != NULL},
               {"age_group", f->age_group != NULL},
               {"citizenship", f->citizenship != NULL},
               {"country_of_exploitation", f->country_of_exploitation != NULL},
               {"exploitation", f->exploitation != NULL},
               {"means_of_control", f->means_of_control != NULL},
               {"recruiter", f->recruiter != NULL},
               {"labour_sector", f->labour_sector != NULL},
               {"presumed_on", f->presumed_on != NULL},
               {"cooperating_with_police", f->cooperating_with_police >= 0}};
    size_t i, used;
    int w;
    used = (size_t)snprintf(out, cap, "{\"fields\":[");
    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (!all[i].set)
            continue;
        w = snprintf(out + used, cap - used, "%s\"%s\"", out[used - 1] == '[' ? "" : ",",
                     all[i].name);
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
    snprintf(out + used, cap - used, "]}");
}

/* ---- reading one case ------------------------------------------------------ */

void cases_case_free(cases_case_t *c)
{
    if (!c)
        return;
    cases_wipe_str(c->name);
    cases_wipe_str(c->birth_date);
    cases_wipe_str(c->worker_key);
    cases_wipe_str(c->evidence);
    cases_wipe_str(c->phone);
    cases_wipe_str(c->email);
    cases_wipe_str(c->address);
    cases_wipe_str(c->narrative);
    sodium_memzero(c, sizeof(*c)); /* the codes are personal data too */
}

#define CASE_COLS                                                                            \
    "c.id, c.version, c.owner_org, o.name, c.stage, c.opened_at, c.opened_by, c.updated_at,"  \
    " c.presumed_on, c.reflection_until, c.preid_due, c.decision, c.decision_date,"          \
    " c.closed_at, c.cooperating_with_police, c.alert_id, c.sex, c.age_group, c.citizenship," \
    " c.country_of_exploitation, c.exploitation, c.means_of_control, c.recruiter,"          \
    " c.labour_sector, c.name_blob, c.birth_date_blob, c.worker_key_blob, c.evidence_blob,"   \
    " c.phone_blob, c.email_blob, c.address_blob, c.narrative_blob"

void cases_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* The sealed evidence of a case opened from an alert is "alert:N\n" and
 * the alert's evidence (the link to the alert, whose entity key is
 * COUNTRY:DOCNO, is personal data and never in the clear). Strips the
 * prefix in place and returns N; 0 when there is none. */
#define EVIDENCE_PREFIX "alert:"
static int64_t evidence_split(char *ev)
{
    const size_t plen = sizeof(EVIDENCE_PREFIX) - 1;
    char *end = NULL;
    long long n;
    if (!ev || strncmp(ev, EVIDENCE_PREFIX, plen) != 0)
        return 0;
    n = strtoll(ev + plen, &end, 10);
    if (!end || *end != '\n' || n <= 0)
        return 0;
    end++;
    memmove(ev, end, strlen(end) + 1);
    return (int64_t)n;
}

/* Loads case `id` as `acc` allows into *out (the caller has checked). */
tw_err_t cases_load(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t id,
                          const cases_access_t *acc, cases_case_t *out, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    char today[11];
    unsigned cat = acc->categories;
    tw_err_t err;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((err = cases_prep(st, "SELECT " CASE_COLS " FROM nrm_case c JOIN org o"
                              " ON o.id = c.owner_org WHERE c.id = ?",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        if (rc == SQLITE_DONE)
            return tw_errinfo_set(ei, TW_ENOTFOUND, "no case %lld", (long long)id);
        return cases_db_err(st, ei, "reading a case");
    }
    cases_date(cases_day(cases_now(act)), today);
    out->id = sqlite3_column_int64(s, 0);
    out->version = sqlite3_column_int64(s, 1);
    out->owner_org = sqlite3_column_int64(s, 2);
    cases_copy(out->owner_org_name, sizeof(out->owner_org_name), cases_col(s, 3));
    cases_stage_parse(cases_col(s, 4), &out->stage);
    out->access = acc->kind;
    out->categories = cat;
    cases_copy(out->opened_at, sizeof(out->opened_at), cases_col(s, 5));
    cases_copy(out->opened_by, sizeof(out->opened_by), cases_col(s, 6));
    cases_copy(out->updated_at, sizeof(out->updated_at), cases_col(s, 7));
    cases_copy(out->presumed_on, sizeof(out->presumed_on), cases_col(s, 8));
    cases_copy(out->reflection_until, sizeof(out->reflection_until), cases_col(s, 9));
    if (out->stage == CASE_PRESUMED_VICTIM) {
        cases_copy(out->preid_due, sizeof(out->preid_due), cases_col(s, 10));
        out->overdue = strcmp(today, out->preid_due) > 0;
    }
    out->in_reflection = strcmp(today, out->reflection_until) <= 0;
    cases_copy(out->decision, sizeof(out->decision), cases_col(s, 11));
    cases_copy(out->decision_date, sizeof(out->decision_date), cases_col(s, 12));
    cases_copy(out->closed_at, sizeof(out->closed_at), cases_col(s, 13));
    if (cat & CASES_CAT_PROFILE) {
        out->cooperating_with_police = sqlite3_column_int(s, 14);
        cases_copy(out->sex, sizeof(out->sex), cases_col(s, 16));
        cases_copy(out->age_group, sizeof(out->age_group), cases_col(s, 17));
        cases_copy(out->citizenship, sizeof(out->citizenship), cases_col(s, 18));
        cases_copy(out->country_of_exploitation, sizeof(out->country_of_exploitation),
             cases_col(s, 19));
        cases_copy(out->exploitation, sizeof(out->exploitation), cases_col(s, 20));
        cases_copy(out->means_of_control, sizeof(out->means_of_control), cases_col(s, 21));
        cases_copy(out->recruiter, sizeof(out->recruiter), cases_col(s, 22));
        cases_copy(out->labour_sector, sizeof(out->labour_sector), cases_col(s, 23));
    }
    err = TW_OK;
    {
        /* each field the categories allow; one that does not open is named
         * in out->unreadable and the rest is read (a rotation newer than v
         * and running out of memory still stop) */
        static const struct {
            unsigned cat;
            const char *field, *col;
            int i;
            size_t off;
        } f[] = {
            {CASES_CAT_IDENTITY, "name", "name_blob", 24, offsetof(cases_case_t, name)},
            {CASES_CAT_IDENTITY, "birth_date", "birth_date_blob", 25,
             offsetof(cases_case_t, birth_date)},
            {CASES_CAT_IDENTITY, "worker_key", "worker_key_blob", 26,
             offsetof(cases_case_t, worker_key)},
            {CASES_CAT_IDENTITY, "evidence", "evidence_blob", 27, offsetof(cases_case_t, evidence)},
            {CASES_CAT_CONTACT, "phone", "phone_blob", 28, offsetof(cases_case_t, phone)},
            {CASES_CAT_CONTACT, "email", "email_blob", 29, offsetof(cases_case_t, email)},
            {CASES_CAT_CONTACT, "address", "address_blob", 30, offsetof(cases_case_t, address)},
            {CASES_CAT_NARRATIVE, "narrative", "narrative_blob", 31,
             offsetof(cases_case_t, narrative)},
        };
        size_t k;
        for (k = 0; k < sizeof(f) / sizeof(f[0]) && err == TW_OK; k++) {
            int bad = 0;
            if (!(cat & f[k].cat))
                continue;
            err = cases_unseal_row(v, "nrm_case", f[k].col, id, s, f[k].i,
                                   (char **)((char *)out + f[k].off), &bad, ei);
            if (err == TW_OK && bad)
                out->unreadable[out->nunreadable++] = f[k].field;
        }
    }
    if (err == TW_OK && acc->kind == CASES_ACCESS_OWNER) {
        /* the alert link is sealed with the evidence and shown to the owner
         * only; alert_id is read for a case opened before it was sealed */
        int64_t aid = evidence_split(out->evidence);
        out->alert_id = aid ? aid : sqlite3_column_int64(s, 15);
    } else if (out->evidence) {
        evidence_split(out->evidence);
    }
    sqlite3_finalize(s);
    if (err != TW_OK)
        cases_case_free(out);
    return err;
}

/* The current case handed back with a TW_ECONFLICT is a read: in its own
 * transaction, access checked again and audited (case.read, "conflict")
 * before anything is unsealed; the entry is committed even if loading then
 * fails. *cur is zeroed when the case cannot be handed out (the conflict
 * is still reported). */
static void conflict_read(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t id,
                          cases_case_t *cur)
{
    cases_access_t acc;
    char cats[128], detail[192];
    tw_errinfo_t e2;
    tw_err_t err;

    memset(cur, 0, sizeof(*cur));
    if (store_begin(st) != TW_OK)
        return;
    err = cases_guard(st, act, id, NEED_READ, "read", &acc, &e2);
    if (err == TW_OK) {
        cases_categories_text(acc.categories, cats, sizeof(cats));
        snprintf(detail, sizeof(detail), "{\"categories\":\"%s\",\"conflict\":true}", cats);
        err = cases_audit(st, act, "case.read", id, detail, &e2);
    }
    if (err != TW_OK) {
        store_rollback(st);
        return;
    }
    err = cases_load(st, v, act, id, &acc, cur, &e2);
    if (cases_finish_read(st, err, &e2) != TW_OK)
        cases_case_free(cur);
}

/* On a stale base: ends the call's transaction and answers TW_ECONFLICT,
 * with the current case in *cur (conflict_read). TW_OK: carry on. */
static tw_err_t check_version(store_t *st, const vault_t *v, const cases_actor_t *act,
                              int64_t id, int64_t base, cases_case_t *cur, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    int64_t now_v = -1;
    tw_err_t err;
    int rc;

    if ((err = cases_prep(st, "SELECT version FROM nrm_case WHERE id = ?", &s, ei)) != TW_OK) {
        store_rollback(st);
        return err;
    }
    sqlite3_bind_int64(s, 1, id);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW)
        now_v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (now_v == base)
        return TW_OK;
    store_rollback(st);
    if (rc != SQLITE_ROW)
        return cases_db_err(st, ei, "reading a case's version");
    if (cur)
        conflict_read(st, v, act, id, cur);
    return tw_errinfo_set(ei, TW_ECONFLICT,
                          "case %lld was changed by someone else (version %lld, yours was %lld): "
                          "review the current state and try again",
                          (long long)id, (long long)now_v, (long long)base);
}

static tw_err_t bump(store_t *st, const cases_actor_t *act, int64_t id, int64_t *new_version,
                     tw_errinfo_t *ei)
{
    char at[32];
    sqlite3_stmt *s;
    tw_err_t err;

    cases_iso(cases_now(act), at);
    if ((err = cases_run(st, ei, "UPDATE nrm_case SET version = version + 1, updated_at = ? WHERE id = ?",
                   "ti", at, id)) != TW_OK)
        return err;
    if (!new_version)
        return TW_OK;
    if ((err = cases_prep(st, "SELECT version FROM nrm_case WHERE id = ?", &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    *new_version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return TW_OK;
}


/* ---- opening ----------------------------------------------------------------- */

/* The alert's entity and evidence, for a case opened from it. */
typedef struct {
    char entity_type[16];
    char *entity_key;
    char *evidence;
} alert_copy_t;

static void alert_copy_free(alert_copy_t *a)
{
    cases_wipe_str(a->entity_key);
    cases_wipe_str(a->evidence);
    memset(a, 0, sizeof(*a));
}

/* Who owns an alert, by the rule of docs/authz.md ("Who owns what") that
 * src/server/api.c applies to one alert and to its listings (owner_of()): the
 * assignee (any account, active or disabled, name compared without case)
 * and the assignee's organisation; an unassigned alert is owned by nobody
 * (0: only scope all reaches it), one assigned to a name that is no
 * account by nobody reachable (-1). The users are walked for an
 * unassigned alert too, so the answer takes the same work either way. */
/* Who owns an alert: the one rule (authz_owner_of(), as the API reads
 * alerts). */
static tw_err_t alert_owner(store_t *st, const char *assignee, int64_t org,
                            authz_object_t *obj, tw_errinfo_t *ei)
{
    return authz_owner_of_alert(st, assignee, org, obj, ei);
}

/* Reads alert `alert_id` for a case opened from it, if the actor may read
 * it (alert.read on its owner, as for reading the alert itself). A missing
 * alert and one out of the actor's scope are the same TW_ENOTFOUND "no
 * alert N" after the same work. */
static tw_err_t read_alert(store_t *st, const cases_actor_t *act, int64_t alert_id,
                           alert_copy_t *a, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    authz_object_t obj;
    char assignee[256] = "";
    int64_t org = 0;
    tw_errinfo_t e2;
    tw_err_t err;
    int rc;

    memset(a, 0, sizeof(*a));
    if ((err = cases_prep(st,
                          "SELECT entity_type, entity_key, evidence, assignee,"
                          " coalesce(assigned_org, 0) FROM alert WHERE id = ?",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, alert_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        cases_copy(a->entity_type, sizeof(a->entity_type), cases_col(s, 0));
        a->entity_key = strdup(cases_col(s, 1));
        a->evidence = strdup(cases_col(s, 2));
        cases_copy(assignee, sizeof(assignee), cases_col(s, 3));
        org = sqlite3_column_int64(s, 4);
        if (!a->entity_key || !a->evidence)
            err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory reading an alert");
    } else if (rc != SQLITE_DONE) {
        err = cases_db_err(st, ei, "reading an alert");
    }
    sqlite3_finalize(s);
    if (err == TW_OK)
        err = alert_owner(st, assignee, org, &obj, ei);
    if (err == TW_OK && (rc != SQLITE_ROW ||
                         authz_check(act->who, AUTHZ_ALERT_READ, &obj, &e2) != TW_OK)) {
        tw_errinfo_field(ei, "alert_id");
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "no alert %lld", (long long)alert_id);
    }
    if (err != TW_OK)
        alert_copy_free(a);
    return err;
}

tw_err_t cases_open(store_t *st, const vault_t *v, const cases_policy_t *pol,
                    const cases_actor_t *act, const cases_fields_t *f, int64_t alert_id,
                    int64_t *id, tw_errinfo_t *ei)
{
    cases_policy_t tmp;
    const auth_principal_t *p = act ? act->who : NULL;
    int64_t now = cases_now(act), new_id = 0;
    int32_t today = cases_day(now), presumed;
    char at[32], due[11], pres[11], refl[11], detail[800];
    fields_t o;
    alert_copy_t a;
    cases_fields_t ff;
    tw_err_t err;

    memset(&a, 0, sizeof(a));
    memset(&o, 0, sizeof(o));
    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    pol = cases_policy_or_default(pol, &tmp);
    if (!p || p->user_id == 0)
        return cases_denied(st, act, "case:new", "open",
                            tw_errinfo_set(ei, TW_EPERM, "sign in first: cases need an account"));
    if (authz_scope(p->role, AUTHZ_CASE_WRITE) == AUTHZ_NONE)
        return cases_denied(st, act, "case:new", "open",
                            tw_errinfo_set(ei, TW_EPERM, "role %s may not %s",
                                           auth_role_name(p->role),
                                           authz_action_name(AUTHZ_CASE_WRITE)));
    if (!v)
        return tw_errinfo_set(ei, TW_EINTERNAL, "no key file open: cases cannot be stored");
    ff = *f;
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    if (alert_id > 0 && (err = read_alert(st, act, alert_id, &a, ei)) != TW_OK) {
        char obj[48];
        store_rollback(st);
        if (err != TW_ENOTFOUND)
            goto out;
        snprintf(obj, sizeof(obj), "alert:%lld", (long long)alert_id);
        err = cases_denied(st, act, obj, "open a case from an alert", err);
        goto out;
    }
    if (alert_id > 0 && !ff.worker_key && strcmp(a.entity_type, "worker") == 0)
        ff.worker_key = a.entity_key;
    if ((err = check_fields(&ff, today, &o, ei)) != TW_OK) {
        store_rollback(st);
        goto out;
    }
    /* one open case per person: a second one for the same document number
     * only with a written reason (two organisations working one person
     * apart is what the NRM exists to avoid) */
    if (o.worker_key && o.docno[0] && (!ff.duplicate_reason || blank(ff.duplicate_reason))) {
        char blind[VAULT_BLIND_HEX + 1];
        sqlite3_stmt *dq;
        int rc;
        if ((err = cases_blind_docno(v, 0, o.docno, blind, ei)) != TW_OK ||
            (err = cases_prep(st,
                              "SELECT c.id, g.name FROM nrm_case c JOIN org g ON g.id = c.owner_org"
                              " WHERE c.docno_blind = ? AND c.stage <> 'closed' ORDER BY c.id"
                              " LIMIT 1",
                              &dq, ei)) != TW_OK) {
            store_rollback(st);
            goto out;
        }
        sqlite3_bind_text(dq, 1, blind, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(dq);
        if (rc == SQLITE_ROW) {
            long long other = sqlite3_column_int64(dq, 0);
            if (ei)
                snprintf(ei->ref, sizeof(ei->ref), "%lld", other);
            tw_errinfo_field(ei, "duplicate_reason");
            tw_errinfo_reason(ei, "case_exists");
            err = tw_errinfo_set(ei, TW_ECONFLICT,
                                 "case %lld of %.64s is open for this document number; say why a "
                                 "second one is needed (duplicate_reason)",
                                 other, cases_col(dq, 1));
        } else if (rc != SQLITE_DONE) {
            err = cases_db_err(st, ei, "looking for the person's open case");
        }
        sqlite3_finalize(dq);
        if (err != TW_OK) {
            store_rollback(st);
            goto out;
        }
    }
    if (o.coop < 0)
        o.coop = 0;
    presumed = today;
    if (o.has_presumed) {
        const char *why;
        value_date(o.presumed_on, 10, &presumed, &why);
    }
    /* the age group at the presumption, from the birth date when not given */
    if (!o.has_age && o.birth_date && o.birth_date[0]) {
        cases_copy(o.age_group, sizeof(o.age_group), age_group_at(o.birth_day, presumed));
        o.has_age = o.age_group[0] != '\0';
    }
    cases_date(presumed, pres);
    cases_date(presumed + pol->reflection_days, refl);
    cases_date(today + pol->preid_days, due);
    cases_iso(now, at);

    /* alert_id stays NULL: the link is sealed with the evidence (cases.h) */
    err = cases_run(st, ei,
              "INSERT INTO nrm_case(owner_org, stage, opened_at, opened_unix, opened_by,"
              " updated_at, preid_due, presumed_on, reflection_until)"
              " VALUES (?, 'presumed_victim', ?, ?, ?, ?, ?, ?, ?)",
              "itittttt", p->org_id, at, now, p->user, at, due, pres, refl);
    if (err == TW_OK)
        new_id = sqlite3_last_insert_rowid(store_sqlite(st));
    if (err == TW_OK)
        err = write_codes(st, new_id, &o, ei);
    if (err == TW_OK)
        err = write_sealed(st, v, new_id, &o, ei);
    if (err == TW_OK && alert_id > 0) {
        tw_buf_t ev;
        buf_init(&ev, (size_t)128 << 20);
        err = buf_printf(&ev, EVIDENCE_PREFIX "%lld\n", (long long)alert_id);
        if (err == TW_OK)
            err = buf_adds(&ev, a.evidence);
        if (err != TW_OK)
            err = tw_errinfo_set(ei, err, "the alert's evidence is too large to copy");
        else
            err = cases_seal(st, v, "nrm_case", "evidence_blob", new_id, ev.p, ev.len, ei);
        cases_wipe_buf(&ev);
    }
    if (err == TW_OK) {
        char fields[600];
        changed_fields(&ff, fields, sizeof(fields));
        /* whether it came from an alert, never which one (cases.h rule 8) */
        int w = snprintf(detail, sizeof(detail), "{\"from_alert\":%s,\"preid_due\":\"%s\",%s",
                         alert_id > 0 ? "true" : "false", due, fields + 1);
        if (w < 0 || (size_t)w >= sizeof(detail)) /* cannot happen: 17 short names */
            err = tw_errinfo_set(ei, TW_EINTERNAL, "case.open: audit detail too long");
        if (err == TW_OK)
            err = cases_event(st, v, act, new_id, "opened", NULL, "presumed_victim", detail,
                              ff.duplicate_reason && !blank(ff.duplicate_reason)
                                  ? ff.duplicate_reason
                                  : NULL,
                              ei);
    }
    /* the alert's history says a case was opened from it, and by which
     * organisation (never which case: the link stays sealed) */
    if (err == TW_OK && alert_id > 0 && alerts_note_case(st, alert_id, p->user, p->org) != TW_OK)
        err = cases_db_err(st, ei, "recording the case in the alert's history");
    if (err == TW_OK)
        err = cases_audit(st, act, "case.open", new_id, detail, ei);
    err = finish(st, err, ei);
    if (err == TW_OK) /* never the id of a row that was rolled back */
        *id = new_id;
out:
    alert_copy_free(&a);
    sodium_memzero(&o, sizeof(o)); /* the normalised phone and document number */
    return err;
}

/* ---- updating ------------------------------------------------------------------- */

tw_err_t cases_update(store_t *st, const vault_t *v, const cases_policy_t *pol,
                      const cases_actor_t *act, int64_t id, int64_t base,
                      const cases_fields_t *f, int64_t *new_version, cases_case_t *cur,
                      tw_errinfo_t *ei)
{
    cases_policy_t tmp;
    cases_access_t acc;
    fields_t o;
    char detail[600];
    tw_err_t err;

    pol = cases_policy_or_default(pol, &tmp);
    if ((err = cases_begin_guarded(st, act, id, NEED_OWNER, "update", &acc, ei)) != TW_OK)
        return err;
    if ((err = check_version(st, v, act, id, base, cur, ei)) != TW_OK)
        return err;
    if ((err = check_fields(f, cases_day(cases_now(act)), &o, ei)) != TW_OK) {
        sodium_memzero(&o, sizeof(o));
        return finish(st, err, ei);
    }
    err = write_codes(st, id, &o, ei);
    if (err == TW_OK)
        err = write_sealed(st, v, id, &o, ei);
    if (err == TW_OK && o.has_presumed) {
        int32_t d;
        char refl[11];
        const char *why;
        value_date(o.presumed_on, 10, &d, &why);
        cases_date(d + pol->reflection_days, refl);
        err = cases_run(st, ei, "UPDATE nrm_case SET presumed_on = ?, reflection_until = ? WHERE id = ?",
                  "tti", o.presumed_on, refl, id);
    }
    changed_fields(f, detail, sizeof(detail));
    if (err == TW_OK)
        err = bump(st, act, id, new_version, ei);
    if (err == TW_OK)
        err = cases_event(st, v, act, id, "update", NULL, NULL, detail, NULL, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.update", id, detail, ei);
    sodium_memzero(&o, sizeof(o)); /* the normalised phone and document number */
    return finish(st, err, ei);
}

tw_err_t cases_transition(store_t *st, const vault_t *v, const cases_policy_t *pol,
                          const cases_actor_t *act, int64_t id, int64_t base, cases_stage_t to,
                          const char *reason, const char *decision_date, int64_t *new_version,
                          cases_case_t *cur, tw_errinfo_t *ei)
{
    cases_policy_t tmp;
    cases_access_t acc;
    cases_stage_t from = CASE_STAGE_COUNT;
    sqlite3_stmt *s;
    int64_t now = cases_now(act);
    int32_t today = cases_day(now), dday = 0;
    char detail[160], at[32], ddate[11] = "";
    tw_err_t err;

    pol = cases_policy_or_default(pol, &tmp);
    if ((unsigned)to >= CASE_STAGE_COUNT) {
        tw_errinfo_field(ei, "stage");
        return tw_errinfo_set(ei, TW_EINPUT, "stage: unknown stage %d", (int)to);
    }
    if ((err = cases_begin_guarded(st, act, id, NEED_OWNER, "transition", &acc, ei)) != TW_OK)
        return err;
    if ((err = check_version(st, v, act, id, base, cur, ei)) != TW_OK)
        return err;
    if ((err = cases_prep(st, "SELECT stage FROM nrm_case WHERE id = ?", &s, ei)) != TW_OK)
        return finish(st, err, ei);
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW)
        cases_stage_parse(cases_col(s, 0), &from);
    sqlite3_finalize(s);
    if (!cases_stage_allowed(from, to))
        return finish(st,
                      tw_errinfo_set(ei, TW_ECONFLICT,
                                     "case %lld cannot move from %s to %s (docs/nrm.md lists the "
                                     "allowed moves)",
                                     (long long)id, cases_stage_name(from), cases_stage_name(to)),
                      ei);
    if (cases_stage_needs_reason(to) &&
        (err = cases_text_check(reason, REASON_MAX_BYTES, "reason", ei)) != TW_OK)
        return finish(st, err, ei);
    if (!cases_stage_needs_reason(to) && reason && reason[0] &&
        (err = cases_text_check(reason, REASON_MAX_BYTES, "reason", ei)) != TW_OK)
        return finish(st, err, ei);
    if (cases_stage_needs_date(to)) {
        const char *why = NULL;
        if (!decision_date || value_date(decision_date, strlen(decision_date), &dday, &why) !=
                                  TW_OK) {
            tw_errinfo_field(ei, "decision_date");
            return finish(st,
                          tw_errinfo_set(ei, TW_EINPUT, "decision_date: %s",
                                         why ? why : "the decision needs its date (YYYY-MM-DD)"),
                          ei);
        }
        if (dday > today) {
            tw_errinfo_field(ei, "decision_date");
            return finish(st, tw_errinfo_set(ei, TW_EINPUT, "decision_date is in the future"),
                          ei);
        }
        cases_date(dday, ddate);
    }
    cases_iso(now, at);
    err = cases_run(st, ei, "UPDATE nrm_case SET stage = ? WHERE id = ?", "ti", cases_stage_name(to),
              id);
    if (err == TW_OK && cases_stage_needs_date(to))
        err = cases_run(st, ei, "UPDATE nrm_case SET decision = ?, decision_date = ? WHERE id = ?",
                  "tti", cases_stage_name(to), ddate, id);
    if (err == TW_OK && to == CASE_CLOSED)
        err = cases_run(st, ei, "UPDATE nrm_case SET closed_at = ?, closed_unix = ? WHERE id = ?",
                  "tii", at, now, id);
    if (err == TW_OK && to == CASE_PRESUMED_VICTIM) { /* reopened: a new deadline */
        char due[11];
        cases_date(today + pol->preid_days, due);
        err = cases_run(st, ei,
                  "UPDATE nrm_case SET closed_at = NULL, closed_unix = NULL, preid_due = ?"
                  " WHERE id = ?",
                  "ti", due, id);
    }
    if (err == TW_OK)
        err = bump(st, act, id, new_version, ei);
    if (ddate[0])
        snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"to\":\"%s\",\"decision_date\":\"%s\"}",
                 cases_stage_name(from), cases_stage_name(to), ddate);
    else
        snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"to\":\"%s\"}",
                 cases_stage_name(from), cases_stage_name(to));
    if (err == TW_OK)
        err = cases_event(st, v, act, id, "stage", cases_stage_name(from), cases_stage_name(to),
                          detail, reason, ei);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.transition", id, detail, ei);
    return finish(st, err, ei);
}

/* ---- objects of a case (services, attachments, referrals, consents) ------ */

tw_err_t cases_begin_on(store_t *st, const cases_actor_t *act, const char *table,
                        const char *noun, int64_t obj_id, cases_need_t need, const char *what,
                        int64_t *case_id, cases_access_t *acc, tw_errinfo_t *ei)
{
    char sql[96], obj[64];
    sqlite3_stmt *s;
    tw_err_t err;
    int rc;

    *case_id = 0;
    memset(acc, 0, sizeof(*acc));
    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    snprintf(obj, sizeof(obj), "%s:%lld", noun, (long long)obj_id);
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    snprintf(sql, sizeof(sql), "SELECT case_id FROM %s WHERE id = ?", table);
    if ((err = cases_prep(st, sql, &s, ei)) != TW_OK) {
        store_rollback(st);
        return err;
    }
    sqlite3_bind_int64(s, 1, obj_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *case_id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_rollback(st);
        return cases_db_err(st, ei, "reading a case");
    }
    /* a missing object goes through the same rule with case 0, which does
     * not exist: the same queries, the same EPERM or ENOTFOUND (invariant 2,
     * also in time) */
    err = cases_guard(st, act, *case_id, need, what, acc, ei);
    if (err == TW_OK)
        return TW_OK;
    store_rollback(st);
    if (err == TW_ENOTFOUND) /* invariant 2, for the object as for the case */
        tw_errinfo_set(ei, TW_ENOTFOUND, "no %s %lld", noun, (long long)obj_id);
    if (err == TW_ENOTFOUND || err == TW_EPERM)
        return cases_denied(st, act, obj, what, err);
    return err;
}

/* Rolls back a transaction opened by cases_begin_on() and reports the
 * object as not found (and audits the refusal). */
tw_err_t cases_hide(store_t *st, const cases_actor_t *act, const char *noun, int64_t obj_id,
                    const char *what, tw_errinfo_t *ei)
{
    char obj[64];
    store_rollback(st);
    snprintf(obj, sizeof(obj), "%s:%lld", noun, (long long)obj_id);
    tw_errinfo_set(ei, TW_ENOTFOUND, "no %s %lld", noun, (long long)obj_id);
    return cases_denied(st, act, obj, what, TW_ENOTFOUND);
}

tw_err_t cases_finish(store_t *st, tw_err_t err, tw_errinfo_t *ei)
{
    return finish(st, err, ei);
}

