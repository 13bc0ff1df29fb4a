/*
 * adopt.c - four-eyes adoption of configs (contract in adopt.h).
 *
 * Data: table config_version (migration 11), one row per proposal with the
 * config's exact text, its digest, the review (shadow run and backtest) the
 * approver sees, and its status: proposed -> active -> retired (or
 * rolled_back), or proposed -> rejected.
 * Every change and its audit entry are one transaction (store_begin).
 * Single connection, caller's thread.
 */
#include "engine/adopt.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access/audit.h"
#include "engine/alerts.h"
#include "engine/backtest.h"
#include "engine/engine.h"
#include "engine/indicators.h"
#include "engine/score.h"

static void now_iso(char out[40])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *actor(const auth_principal_t *who)
{
    return who && who->user_id ? who->user : "cli";
}

static tw_err_t need_admin(const auth_principal_t *who, const char *what, tw_errinfo_t *ei)
{
    if (!who || who->user_id == 0 || who->role != ROLE_ADMIN)
        return tw_errinfo_set(ei, TW_EPERM, "only an admin may %s a config (%s is %s)", what,
                              who && who->user_id ? who->user : "nobody",
                              who && who->user_id ? auth_role_name(who->role) : "signed in");
    return TW_OK;
}

static tw_err_t sql_err(store_t *st, tw_errinfo_t *ei, const char *what)
{
    return tw_errinfo_set(ei, TW_EIO, "%s: %s", what, store_errmsg(st));
}

static void copy_col(sqlite3_stmt *s, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

#define ROW_COLS "id, version, digest, status, proposed_by, proposed_at, " \
                 "coalesce(decided_by, ''), coalesce(decided_at, ''), coalesce(note, '')"

static void read_row(sqlite3_stmt *s, adopt_row_t *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(s, 0);
    copy_col(s, 1, r->version, sizeof(r->version));
    copy_col(s, 2, r->digest, sizeof(r->digest));
    copy_col(s, 3, r->status, sizeof(r->status));
    copy_col(s, 4, r->proposed_by, sizeof(r->proposed_by));
    copy_col(s, 5, r->proposed_at, sizeof(r->proposed_at));
    copy_col(s, 6, r->decided_by, sizeof(r->decided_by));
    copy_col(s, 7, r->decided_at, sizeof(r->decided_at));
    copy_col(s, 8, r->note, sizeof(r->note));
}

/* The shadow run against `current` and the backtest of `cand`, as text. */
static tw_err_t review(store_t *st, const config_t *current, const config_t *cand, FILE *out,
                       tw_errinfo_t *ei)
{
    engine_t *e = NULL;
    ind_hits_t h1, h2;
    score_result_t s1, s2;
    score_suppressions_t sup = {NULL, 0};
    alerts_shadow_t sum;
    tw_err_t err;

    ind_hits_init(&h1);
    ind_hits_init(&h2);
    memset(&s1, 0, sizeof(s1));
    memset(&s2, 0, sizeof(s2));
    if ((err = engine_load(st, &e, ei)) != TW_OK ||
        (err = alerts_load_suppressions(st, engine_index(e), &sup, ei)) != TW_OK)
        goto out;
    if ((err = ind_compute_all(engine_index(e), current, &h1)) != TW_OK ||
        (err = score_compute_suppressed(engine_index(e), &h1, current, &sup, &s1)) != TW_OK ||
        (err = ind_compute_all(engine_index(e), cand, &h2)) != TW_OK ||
        (err = score_compute_suppressed(engine_index(e), &h2, cand, &sup, &s2)) != TW_OK) {
        tw_errinfo_set(ei, err, "screening: %s", tw_strerror(err));
        goto out;
    }
    fprintf(out, "shadow: config in force %s, candidate %s\n", config_version(current),
            config_version(cand));
    if ((err = alerts_shadow(st, engine_index(e), &s1, &s2, 20, out, &sum)) != TW_OK) {
        tw_errinfo_set(ei, err, "comparing: %s", tw_strerror(err));
        goto out;
    }
    fputc('\n', out);
    err = backtest_run(st, cand, 0, BACKTEST_TABLE, out, ei);
out:
    free(sup.items);
    score_free(&s1);
    score_free(&s2);
    ind_hits_free(&h1);
    ind_hits_free(&h2);
    engine_free(e);
    return err;
}

tw_err_t adopt_propose(store_t *st, const auth_principal_t *who, const char *text, size_t len,
                       const char *name, const char *note, const config_t *current,
                       FILE *review_out, long long *id, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    config_t *cand = NULL;
    char *rev = NULL, digest[17], at[40], object[96], detail[256];
    size_t rlen = 0;
    FILE *mem;
    tw_err_t err;
    int tx = 0;

    *id = 0;
    if ((err = need_admin(who, "propose", ei)) != TW_OK)
        return err;
    if ((err = config_parse(text, len, name, ind_ids(), &cand, ei)) != TW_OK)
        return err;
    snprintf(digest, sizeof(digest), "%016" PRIx64, config_digest(cand));
    if (config_digest(cand) == config_digest(current)) {
        err = tw_errinfo_set(ei, TW_EINPUT, "%s: the same values as the config in force (%s)",
                             name, config_version(current));
        goto out;
    }
    if (!(mem = open_memstream(&rev, &rlen))) {
        err = TW_ENOMEM;
        goto out;
    }
    err = review(st, current, cand, mem, ei);
    if (fclose(mem) != 0 && !err)
        err = TW_ENOMEM;
    if (err)
        goto out;
    if (review_out)
        fputs(rev, review_out);
    now_iso(at);
    if ((err = store_begin(st)) != TW_OK) {
        err = sql_err(st, ei, "starting the proposal");
        goto out;
    }
    tx = 1;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO config_version(version, digest, text, note, review, "
                           "status, proposed_by, proposed_at) VALUES(?,?,?,?,?,'proposed',?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        err = sql_err(st, ei, "recording the proposal");
        goto out;
    }
    sqlite3_bind_text(s, 1, config_version(cand), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, digest, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, text, (int)len, SQLITE_TRANSIENT);
    if (note)
        sqlite3_bind_text(s, 4, note, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, rev, (int)rlen, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, actor(who), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 7, at, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) {
        err = sql_err(st, ei, "recording the proposal");
        goto out;
    }
    *id = sqlite3_last_insert_rowid(db);
    snprintf(object, sizeof(object), "config:%lld", *id);
    snprintf(detail, sizeof(detail), "{\"version\":\"%s\",\"digest\":\"%s\"}",
             config_version(cand), digest);
    if ((err = audit_append(st, who, "config.propose", object, NULL, detail, ei)) != TW_OK)
        goto out;
    err = store_commit(st);
    tx = 0;
    if (err)
        err = sql_err(st, ei, "committing the proposal");
out:
    if (tx)
        store_rollback(st);
    if (err)
        *id = 0;
    sqlite3_finalize(s);
    free(rev);
    config_free(cand);
    return err;
}

/* Status and proposer of `id` (inside the caller's transaction). */
static tw_err_t lookup(store_t *st, long long id, char status[16], char proposer[64],
                       tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT status, proposed_by FROM config_version WHERE id = ?", -1, &s,
                           NULL) != SQLITE_OK)
        return sql_err(st, ei, "reading config versions");
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        copy_col(s, 0, status, 16);
        copy_col(s, 1, proposer, 64);
    } else if (rc == SQLITE_DONE) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "no config version %lld", id);
    } else {
        err = sql_err(st, ei, "reading config versions");
    }
    sqlite3_finalize(s);
    return err;
}

static tw_err_t exec_id(store_t *st, const char *sql, long long id, const char *a,
                        const char *b, const char *c, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL) != SQLITE_OK)
        return sql_err(st, ei, "updating config versions");
    sqlite3_bind_int64(s, 1, id);
    if (a)
        sqlite3_bind_text(s, 2, a, -1, SQLITE_TRANSIENT);
    if (b)
        sqlite3_bind_text(s, 3, b, -1, SQLITE_TRANSIENT);
    if (c)
        sqlite3_bind_text(s, 4, c, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = sql_err(st, ei, "updating config versions");
    sqlite3_finalize(s);
    return err;
}

tw_err_t adopt_approve(store_t *st, const auth_principal_t *who, long long id, tw_errinfo_t *ei)
{
    char status[16], proposer[64], at[40], object[64];
    tw_err_t err;

    if ((err = need_admin(who, "approve", ei)) != TW_OK)
        return err;
    if ((err = store_begin(st)) != TW_OK)
        return sql_err(st, ei, "starting the approval");
    if ((err = lookup(st, id, status, proposer, ei)) != TW_OK)
        goto out;
    if (strcmp(status, "proposed") != 0) {
        err = tw_errinfo_set(ei, TW_ECONFLICT, "config version %lld is %s, not a proposal", id,
                             status);
        goto out;
    }
    if (strcmp(proposer, actor(who)) == 0) {
        err = tw_errinfo_set(ei, TW_EPERM,
                             "a second admin must approve config version %lld: %s proposed it",
                             id, proposer);
        goto out;
    }
    now_iso(at);
    snprintf(object, sizeof(object), "config:%lld", id);
    if ((err = exec_id(st,
                       "UPDATE config_version SET status = 'retired', retired_at = ?2 "
                       "WHERE status = 'active' AND id <> ?1",
                       id, at, NULL, NULL, ei)) != TW_OK ||
        (err = exec_id(st,
                       "UPDATE config_version SET status = 'active', decided_by = ?2, "
                       "decided_at = ?3, activated_at = ?3 WHERE id = ?1",
                       id, actor(who), at, NULL, ei)) != TW_OK ||
        (err = audit_append(st, who, "config.approve", object, NULL, NULL, ei)) != TW_OK)
        goto out;
    if ((err = store_commit(st)) != TW_OK)
        return sql_err(st, ei, "committing the approval");
    return TW_OK;
out:
    store_rollback(st);
    return err;
}

tw_err_t adopt_reject(store_t *st, const auth_principal_t *who, long long id, const char *reason,
                      tw_errinfo_t *ei)
{
    char status[16], proposer[64], at[40], object[64], detail[600];
    tw_err_t err;

    if ((err = need_admin(who, "reject", ei)) != TW_OK)
        return err;
    if (!reason || !*reason || strlen(reason) > 500)
        return tw_errinfo_set(ei, TW_EINPUT, "a reason (1 to 500 bytes) is required");
    if ((err = store_begin(st)) != TW_OK)
        return sql_err(st, ei, "starting the rejection");
    if ((err = lookup(st, id, status, proposer, ei)) != TW_OK)
        goto out;
    if (strcmp(status, "proposed") != 0) {
        err = tw_errinfo_set(ei, TW_ECONFLICT, "config version %lld is %s, not a proposal", id,
                             status);
        goto out;
    }
    now_iso(at);
    snprintf(object, sizeof(object), "config:%lld", id);
    {
        /* the reason as a JSON string: escape quotes, backslashes and controls */
        size_t o = 0, i;
        o += (size_t)snprintf(detail, sizeof(detail), "{\"reason\":\"");
        for (i = 0; reason[i] && o + 8 < sizeof(detail); i++) {
            unsigned char ch = (unsigned char)reason[i];
            if (ch == '"' || ch == '\\')
                o += (size_t)snprintf(detail + o, sizeof(detail) - o, "\\%c", ch);
            else if (ch < 0x20)
                o += (size_t)snprintf(detail + o, sizeof(detail) - o, "\\u%04x", ch);
            else
                detail[o++] = (char)ch;
        }
        snprintf(detail + o, sizeof(detail) - o, "\"}");
    }
    if ((err = exec_id(st,
                       "UPDATE config_version SET status = 'rejected', decided_by = ?2, "
                       "decided_at = ?3, reason = ?4 WHERE id = ?1",
                       id, actor(who), at, reason, ei)) != TW_OK ||
        (err = audit_append(st, who, "config.reject", object, NULL, detail, ei)) != TW_OK)
        goto out;
    if ((err = store_commit(st)) != TW_OK)
        return sql_err(st, ei, "committing the rejection");
    return TW_OK;
out:
    store_rollback(st);
    return err;
}

static tw_err_t one_id(store_t *st, const char *sql, long long *id, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    int rc;
    *id = 0;
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL) != SQLITE_OK)
        return sql_err(st, ei, "reading config versions");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TW_OK : sql_err(st, ei, "reading configs");
}

tw_err_t adopt_rollback(store_t *st, const auth_principal_t *who, const char *reason,
                        long long *now_active, tw_errinfo_t *ei)
{
    long long active, prev;
    char at[40], object[64];
    tw_err_t err;

    *now_active = 0;
    if ((err = need_admin(who, "roll back", ei)) != TW_OK)
        return err;
    if ((err = store_begin(st)) != TW_OK)
        return sql_err(st, ei, "starting the rollback");
    if ((err = one_id(st, "SELECT id FROM config_version WHERE status = 'active'", &active,
                      ei)) != TW_OK ||
        (err = one_id(st,
                      "SELECT id FROM config_version WHERE status = 'retired' "
                      "ORDER BY retired_at DESC, id DESC LIMIT 1",
                      &prev, ei)) != TW_OK)
        goto out;
    if (!active) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "%s", "no config is active: nothing to roll back");
        goto out;
    }
    now_iso(at);
    snprintf(object, sizeof(object), "config:%lld", active);
    if ((err = exec_id(st,
                       "UPDATE config_version SET status = 'rolled_back', retired_at = ?2, "
                       "reason = coalesce(?3, reason) WHERE id = ?1",
                       active, at, reason ? reason : NULL, NULL, ei)) != TW_OK)
        goto out;
    if (prev && (err = exec_id(st,
                               "UPDATE config_version SET status = 'active', activated_at = ?2 "
                               "WHERE id = ?1",
                               prev, at, NULL, NULL, ei)) != TW_OK)
        goto out;
    {
        char detail[96];
        snprintf(detail, sizeof(detail), "{\"now_active\":%lld}", prev);
        if ((err = audit_append(st, who, "config.rollback", object, NULL, detail, ei)) != TW_OK)
            goto out;
    }
    if ((err = store_commit(st)) != TW_OK)
        return sql_err(st, ei, "committing the rollback");
    *now_active = prev;
    return TW_OK;
out:
    store_rollback(st);
    return err;
}

tw_err_t adopt_active(store_t *st, config_t **cfg, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;
    char name[64];

    *cfg = NULL;
    if (store_schema_version(st) < 11)
        return TW_ENOTFOUND;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT id, text FROM config_version WHERE status = 'active'", -1, &s,
                           NULL) != SQLITE_OK)
        return sql_err(st, ei, "reading the active config");
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        err = TW_ENOTFOUND;
    } else if (rc == SQLITE_ROW) {
        snprintf(name, sizeof(name), "active config version %lld",
                 (long long)sqlite3_column_int64(s, 0));
        err = config_parse((const char *)sqlite3_column_text(s, 1),
                           (size_t)sqlite3_column_bytes(s, 1), name, ind_ids(), cfg, ei);
    } else {
        err = sql_err(st, ei, "reading the active config");
    }
    sqlite3_finalize(s);
    return err;
}

tw_err_t adopt_follow(store_t *st, long long known, long long *id, config_t **cfg,
                      tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;

    *id = 0;
    *cfg = NULL;
    if (store_schema_version(st) < 11)
        return TW_OK;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT id FROM config_version WHERE status = 'active'", -1, &s,
                           NULL) != SQLITE_OK)
        return sql_err(st, ei, "reading the active config");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    else if (rc != SQLITE_DONE)
        err = sql_err(st, ei, "reading the active config");
    sqlite3_finalize(s);
    if (err || *id == known || *id == 0)
        return err;
    /* between the two reads an approval may have changed it again: the
     * parsed one is what counts, its id read with its text */
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT id, text FROM config_version WHERE status = 'active'", -1, &s,
                           NULL) != SQLITE_OK)
        return sql_err(st, ei, "reading the active config");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        char name[64];
        *id = sqlite3_column_int64(s, 0);
        snprintf(name, sizeof(name), "active config version %lld", *id);
        if (*id != known)
            err = config_parse((const char *)sqlite3_column_text(s, 1),
                               (size_t)sqlite3_column_bytes(s, 1), name, ind_ids(), cfg, ei);
    } else if (rc == SQLITE_DONE) {
        *id = 0;
    } else {
        err = sql_err(st, ei, "reading the active config");
    }
    sqlite3_finalize(s);
    return err;
}

tw_err_t adopt_note_in_force(store_t *st, long long id, const config_t *cfg, const char *where,
                             tw_errinfo_t *ei)
{
    char object[40], detail[160], digest[17];
    snprintf(object, sizeof(object), id > 0 ? "config:%lld" : "config:none", id);
    snprintf(digest, sizeof(digest), "%016" PRIx64, config_digest(cfg));
    snprintf(detail, sizeof(detail), "{\"version\":\"%s\",\"digest\":\"%s\"}",
             config_version(cfg), digest);
    return audit_append(st, NULL, "config.in_force", object, where, detail, ei);
}

tw_err_t adopt_list(store_t *st, adopt_row_fn fn, void *ctx, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    adopt_row_t r;
    tw_err_t err = TW_OK;
    int rc;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT " ROW_COLS " FROM config_version ORDER BY id DESC", -1, &s,
                           NULL) != SQLITE_OK)
        return sql_err(st, ei, "listing config versions");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && !err) {
        read_row(s, &r);
        err = fn(ctx, &r);
    }
    if (!err && rc != SQLITE_DONE)
        err = sql_err(st, ei, "listing config versions");
    sqlite3_finalize(s);
    return err;
}

tw_err_t adopt_get(store_t *st, long long id, adopt_row_t *row, char **text, char **review_text,
                   tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;
    *text = NULL;
    *review_text = NULL;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT " ROW_COLS ", text, review FROM config_version WHERE id = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return sql_err(st, ei, "reading a config version");
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        read_row(s, row);
        *text = strdup((const char *)sqlite3_column_text(s, 9));
        *review_text = strdup((const char *)sqlite3_column_text(s, 10));
        if (!*text || !*review_text) {
            free(*text);
            free(*review_text);
            *text = *review_text = NULL;
            err = TW_ENOMEM;
        }
    } else if (rc == SQLITE_DONE) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "no config version %lld", id);
    } else {
        err = sql_err(st, ei, "reading a config version");
    }
    sqlite3_finalize(s);
    return err;
}
