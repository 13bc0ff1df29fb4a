/*
 * case_admin.c - what is done to NRM cases as a whole rather than to one
 * case: the aggregates statisticians see (with small-cell suppression),
 * retention (purging the personal data of cases closed long ago, keeping a
 * de-identified case_stat row) and re-sealing every blob and blind index
 * with the vault's current key (`tipwatch keys rotate`). Contract in
 * cases.h; design in docs/internals/cases.md ("Aggregates", "Retention",
 * "Re-sealing").
 *
 * Invariants:
 *   1. cases_aggregate() reads no personal data: only the coded columns and
 *      years, of live cases (nrm_case) and purged ones (case_stat), and
 *      never hands out a count between 1 and 4, nor one from which such a
 *      count follows by subtraction (complementary suppression).
 *   2. A purged case leaves no row behind but its case_stat row: the case,
 *      its history, services, referrals, consents and attachments are
 *      deleted in the one transaction that writes the case_stat row and the
 *      audit entry. nrm_case ids are AUTOINCREMENT, so a purged id is never
 *      given to another case (the audit log keeps naming "case:N"). The
 *      purge runs with secure_delete on, so the deleted bytes are
 *      overwritten; case_stat keeps months, not days.
 *   3. cases_reseal() is one transaction: every blob is of the old keys or
 *      every blob is of the current key, never a mixture; plaintext passes
 *      through buffers wiped before they are freed.
 *   4. Purge and reseal are for the system (CLI, retention job: actor->who
 *      NULL) or a principal with user.admin; the aggregates need stats.read.
 *   5. cases_key_usage() and cases_purge_due() read ids, key ids and counts
 *      only (no blob is opened, nothing is written).
 *
 * Thread model: the caller's store_t; the vault is read-only.
 */
#include "cases/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "access/audit.h"
#include "access/authz.h"
#include "cases/cases_int.h"
#include "cases/keyring.h"

/* ---- who may --------------------------------------------------------------- */

/* The system, or a signed-in principal allowed action a. Refusals audited.
 * `in_tx`: the caller may hold a transaction (cases_reseal() inside keys
 * rotate's, which must be one with it). */
static tw_err_t allowed_tx(store_t *st, const cases_actor_t *act, authz_action_t a,
                           const char *what, int in_tx, tw_errinfo_t *ei)
{
    tw_err_t err;
    if (!in_tx && (err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    if (!act || !act->who)
        return TW_OK; /* the system: CLI or retention job */
    if ((err = authz_check(act->who, a, NULL, ei)) != TW_OK)
        return cases_denied(st, act, "cases", what, err);
    return TW_OK;
}

static tw_err_t allowed(store_t *st, const cases_actor_t *act, authz_action_t a,
                        const char *what, tw_errinfo_t *ei)
{
    return allowed_tx(st, act, a, what, 0, ei);
}

/* ---- aggregates ---------------------------------------------------------------- */

typedef struct {
    const char *dim; /* static */
    char val[40];
    long long n;
    int suppressed;
} cell_t;

typedef struct {
    cell_t *v;
    size_t n, cap;
} cells_t;

static tw_err_t cell_add(cells_t *c, const char *dim, const char *val, size_t len)
{
    size_t i;
    if (len == 0) {
        val = "unknown";
        len = strlen(val);
    }
    if (len >= sizeof(c->v[0].val))
        len = sizeof(c->v[0].val) - 1;
    for (i = 0; i < c->n; i++)
        if (c->v[i].dim == dim && strlen(c->v[i].val) == len &&
            memcmp(c->v[i].val, val, len) == 0) {
            c->v[i].n++;
            return TW_OK;
        }
    if (c->n == c->cap) {
        size_t ncap = c->cap ? 2 * c->cap : 64;
        cell_t *nv = realloc(c->v, ncap * sizeof(*nv));
        if (!nv)
            return TW_ENOMEM;
        c->v = nv;
        c->cap = ncap;
    }
    c->v[c->n].dim = dim;
    memcpy(c->v[c->n].val, val, len);
    c->v[c->n].val[len] = '\0';
    c->v[c->n].n = 1;
    c->v[c->n].suppressed = 0;
    c->n++;
    return TW_OK;
}

static int cell_cmp(const void *a, const void *b)
{
    const cell_t *x = a, *y = b;
    int d = strcmp(x->dim, y->dim);
    return d ? d : strcmp(x->val, y->val);
}

/* Small-cell suppression of the cells [from, to) of one dimension (sorted,
 * so a dimension's cells are adjacent). Primary: every count 1..4.
 * Complementary: the cells of a single-valued dimension add up to the
 * number of cases, which the other dimensions give away (year=2025:6 with
 * sex=Female:5 would make sex=Male "<5" a 1), so while the suppressed cells
 * of a dimension are a single one, or add up to less than the threshold
 * (two 1s whose sum 2 is known are both 1), the smallest cell still shown is
 * suppressed too. Every suppressed cell is shown alike, so which one was
 * small is not told either. */
#define CELL_MIN 5
static void suppress(cell_t *v, size_t from, size_t to)
{
    size_t i, k = 0;
    long long sum = 0;
    for (i = from; i < to; i++)
        if (v[i].n < CELL_MIN) {
            v[i].suppressed = 1;
            k++;
            sum += v[i].n;
        }
    while (k > 0 && (k == 1 || sum < CELL_MIN)) {
        size_t best = to;
        for (i = from; i < to; i++)
            if (!v[i].suppressed && (best == to || v[i].n < v[best].n))
                best = i;
        if (best == to)
            break; /* the whole dimension is suppressed */
        v[best].suppressed = 1;
        k++;
        sum += v[best].n;
    }
}

/* The release period of time t: its month, "YYYY-MM" (UTC). */
static void release_period(int64_t t, char out[8])
{
    time_t tt = (time_t)t;
    struct tm tm;
    out[0] = '\0';
    if (gmtime_r(&tt, &tm))
        strftime(out, 8, "%Y-%m", &tm);
}

/* The cells published for `period` when there are any (*have = 1), handed
 * to fn in order and audited; else nothing (*have = 0). Inside the
 * caller's transaction. */
static tw_err_t release_read(store_t *st, const char *period, const cases_actor_t *act,
                             cases_cell_fn fn, void *ctx, int *have, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    char detail[96];
    long long n = 0;
    tw_err_t err;
    int rc;

    *have = 0;
    if ((err = cases_prep(st,
                          "SELECT dimension, value, count FROM case_stat_release"
                          " WHERE period = ? ORDER BY dimension, value",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_text(s, 1, period, -1, SQLITE_STATIC);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        cases_cell_t cell;
        char shown[24];
        cell.dimension = (const char *)sqlite3_column_text(s, 0);
        cell.value = (const char *)sqlite3_column_text(s, 1);
        cell.count = sqlite3_column_int64(s, 2);
        cell.release = period;
        if (cell.count < 0)
            snprintf(shown, sizeof(shown), "suppressed");
        else
            snprintf(shown, sizeof(shown), "%lld", cell.count);
        cell.shown = shown;
        err = fn(ctx, &cell);
        n++;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading the release of the case statistics");
    sqlite3_finalize(s);
    if (err != TW_OK || n == 0)
        return err;
    *have = 1;
    snprintf(detail, sizeof(detail), "{\"cells\":%lld,\"release\":\"%s\",\"made\":false}", n,
             period);
    return cases_audit(st, act, "case.aggregate", 0, detail, ei);
}

tw_err_t cases_aggregate(store_t *st, const cases_actor_t *act, cases_cell_fn fn, void *ctx,
                         tw_errinfo_t *ei)
{
    static const char *const dims[] = {"stage", "sex", "age_group", "citizenship",
                                       "exploitation", "year"};
    cells_t c = {NULL, 0, 0};
    sqlite3_stmt *s = NULL, *ins = NULL;
    char detail[96], period[8], made[32];
    tw_err_t err;
    size_t i;
    int rc = SQLITE_DONE, have = 0;

    if (act && act->who && act->who->user_id == 0)
        return tw_errinfo_set(ei, TW_EPERM, "sign in first");
    if ((err = allowed(st, act, AUTHZ_STATS_READ, "read case statistics", ei)) != TW_OK)
        return err;
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    /* the release schedule: one answer per month (invariant 6) */
    release_period(cases_now(act), period);
    if ((err = release_read(st, period, act, fn, ctx, &have, ei)) != TW_OK || have)
        return cases_finish(st, err, ei);
    err = cases_prep(st,
                     "SELECT stage, sex, age_group, citizenship, exploitation,"
                     " substr(opened_at, 1, 4) FROM nrm_case UNION ALL"
                     " SELECT stage, sex, age_group, citizenship, exploitation,"
                     " substr(opened_on, 1, 4) FROM case_stat",
                     &s, ei);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (i = 0; i < 6 && err == TW_OK; i++) {
            const char *v = cases_col(s, (int)i);
            if (i != 4) {
                err = cell_add(&c, dims[i], v, strlen(v));
                continue;
            }
            /* exploitation is a ';'-set: each form counts once per case */
            if (!v[0])
                err = cell_add(&c, dims[i], "", 0);
            while (v[0] && err == TW_OK) {
                const char *e = strchr(v, ';');
                size_t len = e ? (size_t)(e - v) : strlen(v);
                err = cell_add(&c, dims[i], v, len);
                v += len + (e ? 1 : 0);
            }
        }
    }
    if (err == TW_ENOMEM)
        tw_errinfo_set(ei, err, "out of memory counting cases");
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "counting cases");
    sqlite3_finalize(s);
    if (err == TW_OK && c.n)
        qsort(c.v, c.n, sizeof(c.v[0]), cell_cmp);
    for (i = 0; err == TW_OK && i < c.n;) { /* dimension by dimension */
        size_t j = i;
        while (j < c.n && strcmp(c.v[j].dim, c.v[i].dim) == 0)
            j++;
        suppress(c.v, i, j);
        i = j;
    }
    cases_iso(cases_now(act), made);
    if (err == TW_OK && c.n)
        err = cases_prep(st,
                         "INSERT INTO case_stat_release(period, dimension, value, count, made_at)"
                         " VALUES (?, ?, ?, ?, ?)",
                         &ins, ei);
    for (i = 0; err == TW_OK && i < c.n; i++) {
        cases_cell_t cell;
        char shown[24];
        cell.dimension = c.v[i].dim;
        cell.value = c.v[i].val;
        cell.release = period;
        if (c.v[i].suppressed) { /* 0 is never a cell */
            cell.count = -1;
            snprintf(shown, sizeof(shown), "suppressed");
        } else {
            cell.count = c.v[i].n;
            snprintf(shown, sizeof(shown), "%lld", c.v[i].n);
        }
        cell.shown = shown;
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, period, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, cell.dimension, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, cell.value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 4, cell.count);
        sqlite3_bind_text(ins, 5, made, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            err = cases_db_err(st, ei, "storing the release of the case statistics");
        if (err == TW_OK)
            err = fn(ctx, &cell);
    }
    sqlite3_finalize(ins);
    snprintf(detail, sizeof(detail), "{\"cells\":%zu,\"release\":\"%s\",\"made\":true}", c.n,
             period);
    if (err == TW_OK)
        err = cases_audit(st, act, "case.aggregate", 0, detail, ei);
    free(c.v);
    return cases_finish(st, err, ei);
}

/* ---- ids of a query, collected before the rows are changed -------------------------- */

typedef struct {
    int64_t *v;
    size_t n, cap;
} ids_t;

static tw_err_t collect(store_t *st, const char *sql, int64_t arg, ids_t *ids, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    tw_err_t err;
    int rc;

    ids->n = 0;
    if ((err = cases_prep(st, sql, &s, ei)) != TW_OK)
        return err;
    if (sqlite3_bind_parameter_count(s) > 0)
        sqlite3_bind_int64(s, 1, arg);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (ids->n == ids->cap) {
            size_t ncap = ids->cap ? 2 * ids->cap : 256;
            int64_t *nv = realloc(ids->v, ncap * sizeof(*nv));
            if (!nv) {
                sqlite3_finalize(s);
                return tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
            }
            ids->v = nv;
            ids->cap = ncap;
        }
        ids->v[ids->n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return cases_db_err(st, ei, "reading cases");
    return TW_OK;
}

/* ---- retention ------------------------------------------------------------------- */

/* The de-identified row of case id (docs/internals/cases.md, "Retention"):
 * the codes the aggregates count (stage, decision, sex, age group,
 * citizenship, country and forms of exploitation, labour sector), the
 * MONTHS (YYYY-MM) of its opening, decision, closing and stage moves, the
 * services delivered, and the month it was purged. Days would single out a
 * person among Armenia's few identified victims a year; means of control
 * and recruiter (rare multi-code combinations, no aggregate uses them)
 * are not kept (stored ''). */
static tw_err_t write_stat(store_t *st, int64_t id, const char *purged_at, tw_errinfo_t *ei)
{
    static const char *const svc_order[] = {
        "shelter",        "medical",       "psychological",       "legal_aid",
        "interpretation", "state_payment", "vocational_training", "return_support", NULL};
    sqlite3_stmt *s;
    tw_buf_t dates, svcs;
    tw_err_t err;
    int rc, i;

    buf_init(&dates, 65536);
    buf_init(&svcs, 1024);
    buf_adds(&dates, "[");
    err = cases_prep(st,
                     "SELECT to_stage, substr(at, 1, 7) FROM case_event WHERE case_id = ?"
                     " AND to_stage IS NOT NULL ORDER BY id",
                     &s, ei);
    if (err == TW_OK) {
        sqlite3_bind_int64(s, 1, id);
        while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
            err = buf_printf(&dates, "%s[\"%s\",\"%s\"]", dates.len > 1 ? "," : "",
                             cases_col(s, 0), cases_col(s, 1));
        sqlite3_finalize(s);
        if (err == TW_ETOOBIG) /* an absurdly long history: keep what fits */
            err = TW_OK;
    }
    if (err == TW_OK)
        err = buf_adds(&dates, "]");
    for (i = 0; err == TW_OK && svc_order[i]; i++) {
        int n = 0;
        err = cases_prep(st,
                         "SELECT count(*) FROM case_service WHERE case_id = ? AND service = ?"
                         " AND status = 'delivered'",
                         &s, ei);
        if (err != TW_OK)
            break;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, svc_order[i], -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        if (n)
            err = buf_printf(&svcs, "%s%s", svcs.len ? ";" : "", svc_order[i]);
    }
    if (err == TW_OK)
        err = cases_run(st, ei,
                        "INSERT INTO case_stat(purged_at, stage, decision, sex, age_group,"
                        " citizenship, country_of_exploitation, exploitation, means_of_control,"
                        " recruiter, labour_sector, opened_on, decision_date, closed_on,"
                        " stage_dates, services_delivered)"
                        " SELECT substr(?, 1, 7), stage, decision, sex, age_group, citizenship,"
                        " country_of_exploitation, exploitation, '', '',"
                        " labour_sector, substr(opened_at, 1, 7), substr(decision_date, 1, 7),"
                        " substr(closed_at, 1, 7), ?, ? FROM nrm_case WHERE id = ?",
                        "ttti", purged_at, buf_str(&dates), buf_str(&svcs), id);
    else if (err != TW_EDB)
        err = tw_errinfo_set(ei, err, "case %lld: cannot summarise it", (long long)id);
    buf_free(&dates);
    buf_free(&svcs);
    return err;
}

/* The cases cases_purge() removes: closed before the cutoff (?1). */
#define PURGE_DUE "stage = 'closed' AND closed_unix IS NOT NULL AND closed_unix < ?"

tw_err_t cases_purge_due(store_t *st, const cases_policy_t *pol, const cases_actor_t *act,
                         long long *due, char closed_before[32], tw_errinfo_t *ei)
{
    cases_policy_t tmp;
    int64_t cutoff;
    sqlite3_stmt *s;
    tw_err_t err;

    *due = 0;
    closed_before[0] = '\0';
    pol = cases_policy_or_default(pol, &tmp);
    if ((err = cases_policy_check(pol, ei)) != TW_OK)
        return err;
    if (act && act->who && act->who->user_id == 0)
        return tw_errinfo_set(ei, TW_EPERM, "sign in first");
    if ((err = allowed(st, act, AUTHZ_USER_ADMIN, "count cases due for purging", ei)) != TW_OK)
        return err;
    cutoff = cases_now(act) - (int64_t)pol->retention_days * 86400;
    cases_iso(cutoff, closed_before);
    if ((err = cases_prep(st, "SELECT count(*) FROM nrm_case WHERE " PURGE_DUE, &s, ei)) !=
        TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, cutoff);
    if (sqlite3_step(s) == SQLITE_ROW)
        *due = sqlite3_column_int64(s, 0);
    else
        err = cases_db_err(st, ei, "counting cases due for purging");
    sqlite3_finalize(s);
    return err;
}

/* PRAGMA secure_delete: set to `to` (0, 1, 2 = fast) unless to < 0; returns
 * the value in force after, -1 on an error. */
static int pragma_secure_delete(store_t *st, int to)
{
    char sql[48];
    sqlite3_stmt *s;
    int v = -1;
    if (to >= 0)
        snprintf(sql, sizeof(sql), "PRAGMA secure_delete = %d", to);
    else
        snprintf(sql, sizeof(sql), "PRAGMA secure_delete");
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

tw_err_t cases_purge(store_t *st, const cases_policy_t *pol, const cases_actor_t *act,
                     long long *purged, tw_errinfo_t *ei)
{
    static const char *const children[] = {
        "DELETE FROM case_consent WHERE case_id = ?", "DELETE FROM case_referral WHERE case_id = ?",
        "DELETE FROM case_attachment WHERE case_id = ?",
        "DELETE FROM case_service WHERE case_id = ?", "DELETE FROM case_event WHERE case_id = ?",
        "DELETE FROM case_search WHERE case_id = ?",
        "DELETE FROM nrm_case WHERE id = ?", NULL};
    cases_policy_t tmp;
    ids_t ids = {NULL, 0, 0};
    int64_t now = cases_now(act), cutoff;
    char at[32], cut[32];
    tw_buf_t d;
    tw_err_t err;
    size_t i;
    int k, secure;

    if (purged)
        *purged = 0;
    pol = cases_policy_or_default(pol, &tmp);
    if ((err = cases_policy_check(pol, ei)) != TW_OK)
        return err;
    if (act && act->who && act->who->user_id == 0)
        return tw_errinfo_set(ei, TW_EPERM, "sign in first");
    if ((err = allowed(st, act, AUTHZ_USER_ADMIN, "purge cases", ei)) != TW_OK)
        return err;
    cutoff = now - (int64_t)pol->retention_days * 86400;
    cases_iso(now, at);
    cases_iso(cutoff, cut);
    /* the deleted rows are overwritten with zeros, not left in free space
     * for anyone with the file (and the key) to read back; the connection's
     * setting is put back after */
    if ((secure = pragma_secure_delete(st, -1)) < 0)
        return cases_db_err(st, ei, "reading PRAGMA secure_delete");
    if (pragma_secure_delete(st, 1) != 1)
        return cases_db_err(st, ei, "setting PRAGMA secure_delete");
    buf_init(&d, 16384);
    if (store_begin(st) != TW_OK) {
        buf_free(&d);
        pragma_secure_delete(st, secure);
        return cases_db_err(st, ei, "starting a transaction");
    }
    err = collect(st, "SELECT id FROM nrm_case WHERE " PURGE_DUE " ORDER BY id", cutoff, &ids,
                  ei);
    buf_printf(&d, "{\"closed_before\":\"%s\",\"cases\":[", cut);
    for (i = 0; err == TW_OK && i < ids.n; i++) {
        err = write_stat(st, ids.v[i], at, ei);
        for (k = 0; err == TW_OK && children[k]; k++)
            err = cases_run(st, ei, children[k], "i", ids.v[i]);
        if (err == TW_OK) {
            /* its person link goes with it (link/persons.h) */
            char rec[40];
            snprintf(rec, sizeof rec, "cases:%lld", (long long)ids.v[i]);
            if (persons_forget(st, rec) != TW_OK)
                err = cases_db_err(st, ei, "forgetting a purged case's person link");
        }
        if (d.len < 8000)
            buf_printf(&d, "%s%lld", i ? "," : "", (long long)ids.v[i]);
    }
    buf_printf(&d, "],\"purged\":%zu%s}", ids.n, d.len >= 8000 ? ",\"truncated\":true" : "");
    if (err == TW_OK)
        err = cases_audit(st, act, "case.purge", 0, buf_str(&d), ei);
    err = cases_finish(st, err, ei);
    /* the WAL still holds the deleted rows' old pages: copy back and
     * truncate it now when no reader needs it (best effort: a busy WAL is
     * checkpointed, with the zeros, by the next writer) */
    if (err == TW_OK && ids.n)
        sqlite3_wal_checkpoint_v2(store_sqlite(st), NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                  NULL);
    pragma_secure_delete(st, secure);
    if (err == TW_OK && purged)
        *purged = (long long)ids.n;
    free(ids.v);
    buf_free(&d);
    return err;
}

/* ---- re-sealing ----------------------------------------------------------------- */

static const struct {
    const char *table, *col;
} sealed_cols[] = {
    {"nrm_case", "name_blob"},        {"nrm_case", "birth_date_blob"},
    {"nrm_case", "worker_key_blob"},  {"nrm_case", "evidence_blob"},
    {"nrm_case", "phone_blob"},       {"nrm_case", "email_blob"},
    {"nrm_case", "address_blob"},     {"nrm_case", "narrative_blob"},
    {"case_event", "reason_blob"},    {"case_referral", "reason_blob"},
    {"case_consent", "purpose_blob"}, {"case_attachment", "name_blob"},
    {"case_attachment", "data_blob"},
};

typedef struct {
    uint32_t key_id;
    long long n;
    char example[96];
} key_use_t;

/* keyring_probe_fn of cases_keys_verify(): a few values sealed under key_id
 * (the oldest of each sealed column) must open with v; one damaged value
 * among them is not taken for a wrong key, all of them failing is. */
#define PROBE_TRIES 3

static tw_err_t key_probe(void *ctx, store_t *st, const vault_t *v, uint32_t key_id,
                          tw_errinfo_t *ei)
{
    unsigned char k[4] = {(unsigned char)(key_id >> 24), (unsigned char)(key_id >> 16),
                          (unsigned char)(key_id >> 8), (unsigned char)key_id};
    char sql[320], where[96] = "";
    sqlite3_stmt *s;
    size_t c;
    int tried = 0, rc;
    tw_err_t err = TW_OK;

    (void)ctx;
    for (c = 0; c < sizeof(sealed_cols) / sizeof(sealed_cols[0]) && tried < PROBE_TRIES; c++) {
        snprintf(sql, sizeof(sql),
                 "SELECT id, %s FROM %s WHERE length(%s) >= %d AND substr(%s, 1, 1) = x'01'"
                 " AND substr(%s, 2, 4) = ? ORDER BY id LIMIT %d",
                 sealed_cols[c].col, sealed_cols[c].table, sealed_cols[c].col, VAULT_OVERHEAD,
                 sealed_cols[c].col, sealed_cols[c].col, PROBE_TRIES);
        if ((err = cases_prep(st, sql, &s, ei)) != TW_OK)
            return err;
        sqlite3_bind_blob(s, 1, k, 4, SQLITE_STATIC);
        while (tried < PROBE_TRIES && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            char *plain = NULL;
            tw_errinfo_t e2;
            int64_t id = sqlite3_column_int64(s, 0);
            tried++;
            if (cases_unseal(v, sealed_cols[c].table, sealed_cols[c].col, id, s, 1, &plain,
                             &e2) == TW_OK) {
                cases_wipe_str(plain);
                sqlite3_finalize(s);
                return TW_OK;
            }
            snprintf(where, sizeof(where), "%s.%s:%lld", sealed_cols[c].table,
                     sealed_cols[c].col, (long long)id);
        }
        sqlite3_finalize(s);
    }
    if (!tried)
        return TW_OK;
    return tw_errinfo_set(ei, TW_EINPUT, "key %lu does not open %s", (unsigned long)key_id,
                          where);
}

tw_err_t cases_keys_verify(store_t *st, const vault_t *v, tw_errinfo_t *ei)
{
    return keyring_verify(st, v, key_probe, NULL, ei);
}

tw_err_t cases_keys_writer_check(store_t *st, const vault_t *v, tw_errinfo_t *ei)
{
    return keyring_writer_check(st, v, key_probe, NULL, ei);
}

tw_err_t cases_key_usage(store_t *st, cases_key_fn fn, void *ctx, tw_errinfo_t *ei)
{
    key_use_t *use = NULL, *nv;
    size_t nuse = 0, cap = 0, c, i, j;
    char sql[320];
    sqlite3_stmt *s;
    tw_err_t err = TW_OK;
    int rc = SQLITE_DONE;

    for (c = 0; err == TW_OK && c < sizeof(sealed_cols) / sizeof(sealed_cols[0]); c++) {
        /* bytes 2..5 of a blob are its key id (big-endian); anything that is
         * not a blob of format 1 counts as key 0 */
        snprintf(sql, sizeof(sql),
                 "SELECT CASE WHEN length(%s) >= %d AND substr(%s, 1, 1) = x'01' THEN"
                 " substr(%s, 2, 4) END AS k, count(*), min(id) FROM %s WHERE %s IS NOT NULL"
                 " GROUP BY k",
                 sealed_cols[c].col, VAULT_OVERHEAD, sealed_cols[c].col, sealed_cols[c].col,
                 sealed_cols[c].table, sealed_cols[c].col);
        if ((err = cases_prep(st, sql, &s, ei)) != TW_OK)
            break;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const unsigned char *k = sqlite3_column_blob(s, 0);
            uint32_t kid = 0;
            if (k && sqlite3_column_bytes(s, 0) == 4)
                kid = (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 |
                      (uint32_t)k[3];
            for (i = 0; i < nuse && use[i].key_id != kid; i++)
                ;
            if (i == nuse) {
                if (nuse == cap) {
                    cap = cap ? 2 * cap : 8;
                    nv = realloc(use, cap * sizeof(*use));
                    if (!nv) {
                        err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
                        break;
                    }
                    use = nv;
                }
                use[i].key_id = kid;
                use[i].n = 0;
                snprintf(use[i].example, sizeof(use[i].example), "%s.%s:%lld",
                         sealed_cols[c].table, sealed_cols[c].col,
                         (long long)sqlite3_column_int64(s, 2));
                nuse++;
            }
            use[i].n += sqlite3_column_int64(s, 1);
        }
        sqlite3_finalize(s);
        if (err == TW_OK && rc != SQLITE_DONE)
            err = cases_db_err(st, ei, "counting sealed values");
    }
    /* ascending key ids (a handful: insertion sort) */
    for (i = 1; err == TW_OK && i < nuse; i++)
        for (j = i; j > 0 && use[j - 1].key_id > use[j].key_id; j--) {
            key_use_t t = use[j];
            use[j] = use[j - 1];
            use[j - 1] = t;
        }
    for (i = 0; err == TW_OK && i < nuse; i++)
        err = fn(ctx, use[i].key_id, use[i].n, use[i].example);
    free(use);
    return err;
}

/* Re-seals one blob with the current key unless it already is; *done = 1
 * when it was re-sealed. */
static tw_err_t reseal_one(store_t *st, const vault_t *v, const char *table, const char *col,
                           int64_t id, int *done, tw_errinfo_t *ei)
{
    char sql[160], ad[128];
    sqlite3_stmt *s;
    tw_buf_t plain, blob;
    uint32_t kid = 0;
    tw_err_t err;

    *done = 0;
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ?", col, table);
    if ((err = cases_prep(st, sql, &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_type(s, 0) == SQLITE_NULL) {
        sqlite3_finalize(s);
        return TW_OK;
    }
    if (vault_blob_key(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), &kid) !=
        TW_OK) {
        sqlite3_finalize(s);
        return tw_errinfo_set(ei, TW_EINTERNAL, "%s.%s of row %lld is not a sealed value", table,
                              col, (long long)id);
    }
    if (kid == vault_current_key(v)) {
        sqlite3_finalize(s);
        return TW_OK;
    }
    buf_init(&plain, (size_t)128 << 20);
    buf_init(&blob, (size_t)128 << 20);
    snprintf(ad, sizeof(ad), "%s.%s:%lld", table, col, (long long)id);
    err = vault_unseal(v, ad, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0),
                       &plain);
    sqlite3_finalize(s);
    if (err == TW_ENOTFOUND)
        err = tw_errinfo_set(ei, TW_ENOTFOUND,
                             "%s.%s of row %lld was sealed with key %lu, which is not in the key "
                             "file: nothing was re-sealed",
                             table, col, (long long)id, (unsigned long)kid);
    else if (err != TW_OK)
        err = tw_errinfo_set(ei, err, "%s.%s of row %lld cannot be opened (%s)", table, col,
                             (long long)id, tw_strerror(err));
    if (err == TW_OK && (err = vault_seal(v, ad, plain.p ? plain.p : "", plain.len, &blob)) !=
                            TW_OK)
        tw_errinfo_set(ei, err, "sealing %s.%s: %s", table, col, tw_strerror(err));
    if (err == TW_OK) {
        snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE id = ?", table, col);
        if ((err = cases_prep(st, sql, &s, ei)) == TW_OK) {
            sqlite3_bind_blob(s, 1, blob.p, (int)blob.len, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, id);
            if (sqlite3_step(s) != SQLITE_DONE)
                err = cases_db_err(st, ei, "storing a re-sealed value");
            sqlite3_finalize(s);
        }
    }
    cases_wipe_buf(&plain);
    buf_free(&blob);
    if (err == TW_OK)
        *done = 1;
    return err;
}

/* Recomputes the blind indexes and the search tokens of case id with the
 * current key. */
static tw_err_t reblind_one(store_t *st, const vault_t *v, int64_t id, tw_errinfo_t *ei)
{
    char nb[VAULT_BLIND_HEX + 1] = "", db[VAULT_BLIND_HEX + 1] = "";
    char *name = NULL, *wk = NULL, *phone = NULL;
    sqlite3_stmt *s;
    tw_err_t err;

    if ((err = cases_prep(st, "SELECT name_blob, worker_key_blob, phone_blob FROM nrm_case"
                              " WHERE id = ?",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        err = cases_unseal(v, "nrm_case", "name_blob", id, s, 0, &name, ei);
        if (err == TW_OK)
            err = cases_unseal(v, "nrm_case", "worker_key_blob", id, s, 1, &wk, ei);
        if (err == TW_OK)
            err = cases_unseal(v, "nrm_case", "phone_blob", id, s, 2, &phone, ei);
    }
    sqlite3_finalize(s);
    if (err == TW_OK && name && name[0])
        err = cases_blind_name(v, 0, name, nb, ei);
    if (err == TW_OK && wk && wk[0])
        err = cases_blind_docno(v, 0, cases_worker_docno(wk), db, ei);
    if (err == TW_OK)
        err = cases_run(st, ei, "UPDATE nrm_case SET name_blind = ?, docno_blind = ? WHERE id = ?",
                        "tti", nb[0] ? nb : NULL, db[0] ? db : NULL, id);
    if (err == TW_OK)
        err = cases_index_search(st, v, id, name ? name : "", phone ? phone : "", ei);
    cases_wipe_str(name);
    cases_wipe_str(wk);
    cases_wipe_str(phone);
    return err;
}

/* Computes the search tokens of the cases opened before migration 15 (or
 * before it was indexed), in a transaction of its own; *n: how many. */
tw_err_t cases_search_backfill(store_t *st, const vault_t *v, long long *n, tw_errinfo_t *ei)
{
    ids_t ids = {NULL, 0, 0};
    size_t i;
    tw_err_t err;

    *n = 0;
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    err = collect(st, "SELECT id FROM nrm_case WHERE search_v IS NULL ORDER BY id", 0, &ids, ei);
    for (i = 0; err == TW_OK && i < ids.n; i++)
        err = reblind_one(st, v, ids.v[i], ei);
    if (err == TW_OK)
        *n = (long long)ids.n;
    free(ids.v);
    return cases_finish(st, err, ei);
}

tw_err_t cases_reseal(store_t *st, const vault_t *v, const cases_actor_t *act,
                      long long *blobs, tw_errinfo_t *ei)
{
    ids_t ids = {NULL, 0, 0};
    long long n = 0;
    char sql[160], detail[128];
    tw_err_t err;
    size_t c, i;

    if (blobs)
        *blobs = 0;
    if (!v)
        return tw_errinfo_set(ei, TW_EINTERNAL, "no key file open: nothing can be re-sealed");
    if (act && act->who && act->who->user_id == 0)
        return tw_errinfo_set(ei, TW_EPERM, "sign in first");
    if ((err = allowed_tx(st, act, AUTHZ_USER_ADMIN, "re-seal cases", 1, ei)) != TW_OK)
        return err;
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    for (c = 0; err == TW_OK && c < sizeof(sealed_cols) / sizeof(sealed_cols[0]); c++) {
        snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE %s IS NOT NULL ORDER BY id",
                 sealed_cols[c].table, sealed_cols[c].col);
        err = collect(st, sql, 0, &ids, ei);
        for (i = 0; err == TW_OK && i < ids.n; i++) {
            int done = 0;
            err = reseal_one(st, v, sealed_cols[c].table, sealed_cols[c].col, ids.v[i], &done,
                             ei);
            n += done;
        }
    }
    if (err == TW_OK)
        err = collect(st,
                      "SELECT id FROM nrm_case WHERE name_blob IS NOT NULL OR worker_key_blob"
                      " IS NOT NULL OR name_blind IS NOT NULL OR docno_blind IS NOT NULL"
                      " OR phone_blob IS NOT NULL OR search_v IS NOT NULL ORDER BY id",
                      0, &ids, ei);
    for (i = 0; err == TW_OK && i < ids.n; i++)
        err = reblind_one(st, v, ids.v[i], ei);
    snprintf(detail, sizeof(detail), "{\"resealed\":%lld,\"reindexed\":%zu,\"key\":%lu}", n,
             err == TW_OK ? ids.n : 0, (unsigned long)vault_current_key(v));
    if (err == TW_OK)
        err = cases_audit(st, act, "case.reseal", 0, detail, ei);
    free(ids.v);
    err = cases_finish(st, err, ei);
    if (err == TW_OK && blobs)
        *blobs = n;
    return err;
}
