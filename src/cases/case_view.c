/*
 * case_view.c - reading NRM cases: one case with its history, services,
 * referrals, consents and attachments (the case view and the printable
 * summary), and the case list, overdue first (contract in cases.h; design
 * in docs/internals/cases.md).
 *
 * Invariants:
 *   1. Every read checks access with the one rule (cases_access) in the
 *      transaction that reads, and writes its audit entry (case.read,
 *      case.list) before any data is unsealed or handed to a callback; the
 *      entry is committed even when handing the data out fails part-way.
 *   2. A receiver sees only the data categories its consent names: the
 *      stage timeline without reasons, its own referrals and their
 *      consents, services with that category (or those it provides),
 *      attachments with that category.
 *   3. The list's SQL only narrows the candidates; each row is admitted by
 *      cases_access() itself, and rows are read until `limit` are admitted
 *      (a LIMIT in the SQL would count rows the rule then drops).
 *   4. A name or document number search matches only cases whose identity
 *      the actor may see: a receiver without the identity category cannot
 *      confirm a guessed name by the case coming back.
 *
 * Thread model: the caller's store_t. Ownership: strings passed to
 * callbacks live until they return; a cases_case_t is the caller's.
 */
#include "cases/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases_int.h"
#include "cases/keyring.h"
#include "ingest/norm.h"

static void categories_detail(unsigned cat, char *out, size_t cap)
{
    char t[128];
    cases_categories_text(cat, t, sizeof(t));
    snprintf(out, cap, "{\"categories\":\"%s\"}", t);
}

tw_err_t cases_get(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t id,
                   cases_case_t *out, tw_errinfo_t *ei)
{
    return cases_view(st, v, act, id, out, NULL, NULL, ei);
}

/* ---- the case view ------------------------------------------------------------ */

static tw_err_t view_events(store_t *st, const vault_t *v, int64_t id, const cases_access_t *acc,
                            const cases_visitor_t *vis, void *ctx, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    cases_event_t e;
    char *reason = NULL;
    tw_err_t err;
    int rc;

    if ((err = cases_prep(st,
                          "SELECT id, at, actor, actor_org, kind, from_stage, to_stage, detail,"
                          " reason_blob FROM case_event WHERE case_id = ?"
                          " AND (?2 OR kind IN ('opened','stage')) ORDER BY id",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, acc->kind == CASES_ACCESS_OWNER);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&e, 0, sizeof(e));
        e.id = sqlite3_column_int64(s, 0);
        e.at = cases_col(s, 1);
        e.actor = cases_col(s, 2);
        e.actor_org = cases_col(s, 3);
        e.kind = cases_col(s, 4);
        e.from_stage = sqlite3_column_type(s, 5) == SQLITE_NULL ? NULL : cases_col(s, 5);
        e.to_stage = sqlite3_column_type(s, 6) == SQLITE_NULL ? NULL : cases_col(s, 6);
        e.detail = sqlite3_column_type(s, 7) == SQLITE_NULL ? NULL : cases_col(s, 7);
        if (acc->categories & CASES_CAT_NARRATIVE)
            err = cases_unseal_row(v, "case_event", "reason_blob", e.id, s, 8, &reason,
                                   &e.unreadable, ei);
        e.reason = reason;
        if (err == TW_OK)
            err = vis->event(ctx, &e);
        cases_wipe_str(reason);
        reason = NULL;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading a case's history");
    sqlite3_finalize(s);
    return err;
}

static tw_err_t view_services(store_t *st, int64_t id, const cases_access_t *acc,
                              const cases_actor_t *act, const cases_visitor_t *vis, void *ctx,
                              tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    cases_service_t sv;
    tw_err_t err;
    int rc;

    if ((err = cases_prep(st,
                          "SELECT sv.id, sv.case_id, sv.version, sv.provider_org, sv.service,"
                          " sv.status, o.name, sv.offered_at, sv.updated_at, sv.amount_amd"
                          " FROM case_service sv JOIN org o ON o.id = sv.provider_org"
                          " WHERE sv.case_id = ? AND (?2 OR sv.provider_org = ?3) ORDER BY sv.id",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, (acc->categories & CASES_CAT_SERVICES) != 0);
    sqlite3_bind_int64(s, 3, act->who->org_id);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        sv.id = sqlite3_column_int64(s, 0);
        sv.case_id = sqlite3_column_int64(s, 1);
        sv.version = sqlite3_column_int64(s, 2);
        sv.provider_org = sqlite3_column_int64(s, 3);
        sv.service = cases_col(s, 4);
        sv.status = cases_col(s, 5);
        sv.provider = cases_col(s, 6);
        sv.offered_at = cases_col(s, 7);
        sv.updated_at = cases_col(s, 8);
        sv.amount_amd = sqlite3_column_int64(s, 9);
        err = vis->service(ctx, &sv);
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading a case's services");
    sqlite3_finalize(s);
    return err;
}

tw_err_t cases_referral_row(const vault_t *v, sqlite3_stmt *s, int with_reason,
                            cases_referral_fn fn, void *ctx, tw_errinfo_t *ei)
{
    cases_referral_t r;
    char *reason = NULL;
    tw_err_t err = TW_OK;

    memset(&r, 0, sizeof(r));
    r.id = sqlite3_column_int64(s, 0);
    r.case_id = sqlite3_column_int64(s, 1);
    r.version = sqlite3_column_int64(s, 2);
    r.from_org = sqlite3_column_int64(s, 3);
    r.to_org = sqlite3_column_int64(s, 4);
    r.from = cases_col(s, 5);
    r.to = cases_col(s, 6);
    r.services = cases_col(s, 7);
    r.status = cases_col(s, 8);
    r.emergency = sqlite3_column_int(s, 9);
    r.reviewed = sqlite3_column_int(s, 10);
    r.created_at = cases_col(s, 11);
    r.created_by = cases_col(s, 12);
    r.updated_at = cases_col(s, 13);
    r.in_force = sqlite3_column_int(s, 15);
    r.sent_at = cases_col(s, 16);
    /* with_reason 2: only an emergency's (its receiver reads why it is
     * urgent; there is no consent to tell it anything else) */
    if ((with_reason == 1 || (with_reason == 2 && r.emergency)) && v)
        err = cases_unseal_row(v, "case_referral", "reason_blob", r.id, s, 14, &reason,
                               &r.unreadable, ei);
    r.reason = reason;
    if (err == TW_OK)
        err = fn(ctx, &r);
    cases_wipe_str(reason);
    return err;
}

static tw_err_t view_referrals(store_t *st, const vault_t *v, int64_t id,
                               const cases_access_t *acc, const cases_actor_t *act,
                               const cases_visitor_t *vis, void *ctx, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    tw_err_t err;
    int rc, owner = acc->kind == CASES_ACCESS_OWNER;

    if (vis->referral) {
        if ((err = cases_prep(st, CASES_REFERRAL_SELECT " WHERE r.case_id = ?2"
                                                        " AND (?3 OR r.to_org = ?4) ORDER BY r.id",
                              &s, ei)) != TW_OK)
            return err;
        sqlite3_bind_int64(s, 1, cases_day(cases_now(act)));
        sqlite3_bind_int64(s, 2, id);
        sqlite3_bind_int(s, 3, owner);
        sqlite3_bind_int64(s, 4, act->who->org_id);
        while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
            err = cases_referral_row(v, s, owner || (acc->categories & CASES_CAT_NARRATIVE) ? 1 : 2,
                                     vis->referral, ctx, ei);
        if (err == TW_OK && rc != SQLITE_DONE)
            err = cases_db_err(st, ei, "reading a case's referrals");
        sqlite3_finalize(s);
        if (err != TW_OK)
            return err;
    }
    if (!vis->consent)
        return TW_OK;
    if ((err = cases_prep(st,
                          "SELECT c.id, c.referral_id, c.case_id, c.recipient_org, c.given,"
                          " c.categories, c.purpose_blob, c.until_day, c.recorded_at,"
                          " c.recorded_by, c.withdrawn_at,"
                          " (c.given = 1 AND c.withdrawn_at IS NULL AND c.until_day >= ?1)"
                          " FROM case_consent c WHERE c.case_id = ?2 AND (?3 OR c.recipient_org"
                          " = ?4) ORDER BY c.id",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, cases_day(cases_now(act)));
    sqlite3_bind_int64(s, 2, id);
    sqlite3_bind_int(s, 3, owner);
    sqlite3_bind_int64(s, 4, act->who->org_id);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        cases_consent_t c;
        char cats[128], until[11] = "";
        char *purpose = NULL;
        memset(&c, 0, sizeof(c));
        c.id = sqlite3_column_int64(s, 0);
        c.referral_id = sqlite3_column_int64(s, 1);
        c.case_id = sqlite3_column_int64(s, 2);
        c.recipient_org = sqlite3_column_int64(s, 3);
        c.given = sqlite3_column_int(s, 4);
        cases_categories_text((unsigned)sqlite3_column_int64(s, 5), cats, sizeof(cats));
        c.categories = cats;
        if (sqlite3_column_type(s, 7) != SQLITE_NULL)
            cases_date((int32_t)sqlite3_column_int64(s, 7), until);
        c.until = until;
        c.recorded_at = cases_col(s, 8);
        c.recorded_by = cases_col(s, 9);
        c.withdrawn_at = sqlite3_column_type(s, 10) == SQLITE_NULL ? NULL : cases_col(s, 10);
        c.in_force = sqlite3_column_int(s, 11);
        /* the purpose is free text: shown like the reasons (cases.h) */
        if (owner || (acc->categories & CASES_CAT_NARRATIVE))
            err = cases_unseal_row(v, "case_consent", "purpose_blob", c.id, s, 6, &purpose,
                                   &c.unreadable, ei);
        c.purpose = purpose;
        if (err == TW_OK)
            err = vis->consent(ctx, &c);
        cases_wipe_str(purpose);
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading a case's consents");
    sqlite3_finalize(s);
    return err;
}

static tw_err_t view_attachments(store_t *st, const vault_t *v, int64_t id,
                                 const cases_visitor_t *vis, void *ctx, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    tw_err_t err;
    int rc;

    if ((err = cases_prep(st,
                          "SELECT id, case_id, name_blob, media_type, added_at, added_by, size"
                          " FROM case_attachment WHERE case_id = ? ORDER BY id",
                          &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_int64(s, 1, id);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        cases_attachment_info_t a;
        char *name = NULL;
        a.id = sqlite3_column_int64(s, 0);
        a.case_id = sqlite3_column_int64(s, 1);
        a.media_type = cases_col(s, 3);
        a.added_at = cases_col(s, 4);
        a.added_by = cases_col(s, 5);
        a.size = sqlite3_column_int64(s, 6);
        a.unreadable = 0;
        err = cases_unseal_row(v, "case_attachment", "name_blob", a.id, s, 2, &name,
                               &a.unreadable, ei);
        a.name = name;
        if (err == TW_OK)
            err = vis->attachment(ctx, &a);
        cases_wipe_str(name);
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading a case's attachments");
    sqlite3_finalize(s);
    return err;
}

tw_err_t cases_view(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t id,
                    cases_case_t *out, const cases_visitor_t *vis, void *ctx,
                    tw_errinfo_t *ei)
{
    cases_access_t acc;
    char detail[160];
    tw_err_t err;

    memset(out, 0, sizeof(*out));
    if ((err = cases_begin_guarded(st, act, id, NEED_READ, "read", &acc, ei)) != TW_OK)
        return err;
    /* invariant 1: the entry first, then the data; it is committed even if
     * handing the data out fails part-way */
    categories_detail(acc.categories, detail, sizeof(detail));
    if ((err = cases_audit(st, act, "case.read", id, detail, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    err = cases_load(st, v, act, id, &acc, out, ei);
    if (err == TW_OK && vis && vis->event)
        err = view_events(st, v, id, &acc, vis, ctx, ei);
    if (err == TW_OK && vis && vis->service)
        err = view_services(st, id, &acc, act, vis, ctx, ei);
    if (err == TW_OK && vis && (vis->referral || vis->consent))
        err = view_referrals(st, v, id, &acc, act, vis, ctx, ei);
    if (err == TW_OK && vis && vis->attachment && (acc.categories & CASES_CAT_ATTACHMENTS))
        err = view_attachments(st, v, id, vis, ctx, ei);
    err = cases_finish_read(st, err, ei);
    if (err != TW_OK)
        cases_case_free(out);
    return err;
}

/* ---- listing ----------------------------------------------------------------------- */

/* Listing limits: cases_filter_t.limit 0 means LIST_DEFAULT (the header's
 * 500); larger requests are cut to LIST_MAX, so one call never walks (and
 * audits) an unbounded number of cases. */
#define LIST_DEFAULT 500
#define LIST_MAX 5000

/* Room for the blind indexes of one value under every loaded key, as a JSON
 * array: a search matches rows indexed under any key, so it keeps working
 * while a rotation is unfinished (docs/internals/vault.md, "Rotation"). */
#define BLINDS_KEYS 16
#define BLINDS_MAX (BLINDS_KEYS * (VAULT_BLIND_HEX + 3) + 3)

static tw_err_t blinds(const vault_t *v, int is_name, const char *value, char *out, size_t cap,
                       tw_errinfo_t *ei)
{
    size_t i, n = vault_key_count(v), used = 1;
    tw_err_t err;

    out[0] = '[';
    out[1] = '\0';
    if (n > BLINDS_KEYS) /* the newest keys: the older ones are being rotated out */
        i = n - BLINDS_KEYS;
    else
        i = 0;
    for (; i < n; i++) {
        char h[VAULT_BLIND_HEX + 1];
        uint32_t kid = vault_key_id(v, i);
        err = is_name ? cases_blind_name(v, kid, value, h, ei)
                      : cases_blind_docno(v, kid, value, h, ei);
        if (err != TW_OK)
            return err;
        if (!h[0])
            continue;
        used += (size_t)snprintf(out + used, cap - used, "%s\"%s\"", used > 1 ? "," : "", h);
    }
    if (used == 1) { /* nothing comparable: match nothing */
        out[0] = '\0';
        return TW_OK;
    }
    snprintf(out + used, cap - used, "]");
    return TW_OK;
}

/* The name words of a search as a JSON array of arrays: for each word, its
 * blind index (search tokens, domain "case.name.part") under each loaded
 * key, as blinds() does for whole values. A case matches when each inner
 * array meets its tokens. "" when the name has no word. */
#define SEARCH_WORDS_MAX 8
typedef struct {
    const vault_t *v;
    tw_buf_t *out;
    int words;
} words_ctx_t;

static tw_err_t word_json(void *ctx, const char *word, size_t len)
{
    words_ctx_t *w = ctx;
    size_t i, n = vault_key_count(w->v);
    tw_err_t err = TW_OK;
    if (w->words == SEARCH_WORDS_MAX) /* the first words decide; more narrow nothing much */
        return TW_OK;
    buf_adds(w->out, w->words++ ? ",[" : "[");
    for (i = n > BLINDS_KEYS ? n - BLINDS_KEYS : 0; i < n && err == TW_OK; i++) {
        char h[VAULT_BLIND_HEX + 1];
        if ((err = cases_blind_part(w->v, vault_key_id(w->v, i), word, len, h)) == TW_OK)
            buf_printf(w->out, "%s\"%s\"", i > (n > BLINDS_KEYS ? n - BLINDS_KEYS : 0) ? "," : "",
                       h);
    }
    buf_adds(w->out, "]");
    return err;
}

static tw_err_t name_words_json(const vault_t *v, const char *name, tw_buf_t *out,
                                tw_errinfo_t *ei)
{
    words_ctx_t w = {v, out, 0};
    tw_err_t err;
    buf_adds(out, "[");
    if ((err = cases_name_words(name, word_json, &w, ei)) != TW_OK)
        return err;
    buf_adds(out, "]");
    if (w.words == 0)
        buf_reset(out);
    return TW_OK;
}

static tw_err_t phone_json(const vault_t *v, const char *phone, char *out, size_t cap,
                           tw_errinfo_t *ei)
{
    size_t i, n = vault_key_count(v), used = 1;
    tw_err_t err;
    out[0] = '[';
    out[1] = '\0';
    for (i = n > BLINDS_KEYS ? n - BLINDS_KEYS : 0; i < n; i++) {
        char h[VAULT_BLIND_HEX + 1];
        if ((err = cases_blind_phone(v, vault_key_id(v, i), phone, h, ei)) != TW_OK)
            return err;
        if (h[0])
            used += (size_t)snprintf(out + used, cap - used, "%s\"%s\"", used > 1 ? "," : "", h);
    }
    if (used == 1) {
        out[0] = '\0';
        return TW_OK;
    }
    snprintf(out + used, cap - used, "]");
    return TW_OK;
}

/* A JSON list of ids for an audit detail, bounded. */
typedef struct {
    tw_buf_t b;
    long long n;
} idlist_t;

static void idlist_add(idlist_t *l, int64_t id)
{
    if (l->b.len < 8000)
        buf_printf(&l->b, "%s%lld", l->n ? "," : "", (long long)id);
    l->n++;
}

/* A case the list admitted: its id and what the actor may see of it. */
typedef struct {
    int64_t id;
    cases_access_t acc;
} admitted_t;

/* Search strings are bounded before anything is done with them. */
static tw_err_t search_check(const char *s, size_t max, const char *field, tw_errinfo_t *ei)
{
    if (!s || strnlen(s, max + 1) <= max)
        return TW_OK;
    tw_errinfo_field(ei, field);
    return tw_errinfo_set(ei, TW_EINPUT, "%s: a search of more than %zu bytes matches nothing",
                          field, max);
}

tw_err_t cases_list(store_t *st, const vault_t *v, const cases_actor_t *act,
                    const cases_filter_t *f, cases_item_fn fn, void *ctx, tw_errinfo_t *ei)
{
    static const cases_filter_t none = {-1, 0, NULL, NULL, 0, NULL};
    cases_access_t acc;
    sqlite3_stmt *s = NULL;
    char today[11], db[BLINDS_MAX] = "", pb[BLINDS_MAX] = "";
    tw_buf_t nb;
    admitted_t *rows = NULL;
    size_t nrows = 0, i;
    idlist_t ids;
    tw_err_t err;
    int rc = SQLITE_DONE, search;
    long limit;

    if (!f)
        f = &none;
    limit = f->limit > 0 ? f->limit : LIST_DEFAULT;
    if (limit > LIST_MAX)
        limit = LIST_MAX;
    search = f->name != NULL || f->docno != NULL || f->phone != NULL;
    buf_init(&nb, 8192);
    buf_init(&ids.b, 16384);
    ids.n = 0;
    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    if (f->stage >= CASE_STAGE_COUNT || f->stage < -1) {
        tw_errinfo_field(ei, "stage");
        return tw_errinfo_set(ei, TW_EINPUT, "stage: unknown stage");
    }
    if ((err = search_check(f->name, CASES_NAME_MAX_BYTES, "name", ei)) != TW_OK ||
        (err = search_check(f->docno, CASES_DOCNO_MAX_BYTES, "docno", ei)) != TW_OK ||
        (err = search_check(f->phone, 64, "phone", ei)) != TW_OK)
        return err;
    if ((err = cases_access(st, act, 0, &acc, ei)) == TW_EPERM)
        return cases_denied(st, act, "cases", "list", err);
    tw_errinfo_clear(ei);
    if (search && !v)
        return tw_errinfo_set(ei, TW_EINTERNAL, "no key file open: cannot search by name");
    /* after a rotation the old keys' blind indexes match nothing: say so
     * rather than answer "no case" */
    if (v && (err = keyring_reader_check(st, v, ei)) != TW_OK)
        return err;
    if (f->name && f->name[0] && (err = name_words_json(v, f->name, &nb, ei)) != TW_OK)
        goto early;
    if (f->docno && f->docno[0] && (err = blinds(v, 0, f->docno, db, sizeof(db), ei)) != TW_OK)
        goto early;
    if (f->phone && f->phone[0] && (err = phone_json(v, f->phone, pb, sizeof(pb), ei)) != TW_OK)
        goto early;
    /* the cases opened before the search tokens existed get theirs first */
    if ((f->name || f->phone) && v) {
        long long indexed;
        if ((err = cases_search_backfill(st, v, &indexed, ei)) != TW_OK)
            goto early;
    }
    rows = malloc((size_t)limit * sizeof(*rows));
    if (!rows) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory listing cases");
        goto early;
    }
    cases_date(cases_day(cases_now(act)), today);
    if (store_begin(st) != TW_OK) {
        free(rows);
        return cases_db_err(st, ei, "starting a transaction");
    }
    /* pass 1: the candidates in order, each admitted by the one rule, until
     * `limit` are (invariant 3); nothing is unsealed or handed out yet */
    err = cases_prep(
        st,
        "SELECT c.id, (c.stage = 'presumed_victim' AND c.preid_due < ?1) AS overdue"
        " FROM nrm_case c"
        " WHERE (c.owner_org = ?2 OR EXISTS (SELECT 1 FROM case_referral r WHERE"
        " r.case_id = c.id AND r.to_org = ?2 AND r.status IN ('pending','accepted')))"
        " AND (?3 IS NULL OR c.stage = ?3) AND (?4 = 0 OR (c.stage = 'presumed_victim'"
        " AND c.preid_due < ?1))"
        /* every word of the name meets one of the case's name tokens */
        " AND (?5 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?5) w WHERE NOT EXISTS"
        " (SELECT 1 FROM case_search t WHERE t.case_id = c.id AND t.kind = 'name'"
        " AND t.blind IN (SELECT value FROM json_each(w.value)))))"
        " AND (?6 IS NULL OR c.docno_blind IN (SELECT value FROM json_each(?6)))"
        " AND (?7 IS NULL OR EXISTS (SELECT 1 FROM case_search t WHERE t.case_id = c.id"
        " AND t.kind = 'phone' AND t.blind IN (SELECT value FROM json_each(?7))))"
        " ORDER BY overdue DESC, CASE WHEN overdue THEN c.preid_due END ASC,"
        " c.opened_unix DESC, c.id DESC",
        &s, ei);
    if (err != TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, today, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, act->who->org_id);
    if (f->stage >= 0)
        sqlite3_bind_text(s, 3, cases_stage_name((cases_stage_t)f->stage), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, f->overdue_only != 0);
    /* a search with nothing comparable matches nothing: "[[]]" is a word
     * no token meets, "[]" a value no index holds */
    if (f->name)
        sqlite3_bind_text(s, 5, nb.len ? buf_str(&nb) : "[[]]", -1, SQLITE_TRANSIENT);
    if (f->docno)
        sqlite3_bind_text(s, 6, db[0] ? db : "[]", -1, SQLITE_TRANSIENT);
    if (f->phone)
        sqlite3_bind_text(s, 7, pb[0] ? pb : "[]", -1, SQLITE_TRANSIENT);
    while (nrows < (size_t)limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t cid = sqlite3_column_int64(s, 0);
        tw_errinfo_t e2;
        if (cases_access(st, act, cid, &acc, &e2) != TW_OK) /* the one rule decides */
            continue;
        /* invariant 4: a match on the blind index is itself identity; a
         * match on the phone's is contact too */
        if (search && !(acc.categories & CASES_CAT_IDENTITY))
            continue;
        if (f->phone && !(acc.categories & CASES_CAT_CONTACT))
            continue;
        rows[nrows].id = cid;
        rows[nrows].acc = acc;
        nrows++;
        idlist_add(&ids, cid);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        err = cases_db_err(st, ei, "listing cases");
    sqlite3_finalize(s);
    s = NULL;
    /* the audit entry before any data (invariant 1); a search says that it
     * searched and by what kind of key, never the value */
    if (err == TW_OK) {
        tw_buf_t d;
        buf_init(&d, 16384);
        buf_printf(&d, "{\"count\":%lld,\"cases\":[%s]%s", ids.n, buf_str(&ids.b),
                   ids.b.len >= 8000 ? ",\"truncated\":true" : "");
        if (search)
            buf_printf(&d, ",\"filter\":{\"name\":%s,\"docno\":%s,\"phone\":%s}",
                       f->name ? "true" : "false", f->docno ? "true" : "false",
                       f->phone ? "true" : "false");
        buf_adds(&d, "}");
        err = cases_audit(st, act, "case.list", 0, buf_str(&d), ei);
        buf_free(&d);
    }
    if (err != TW_OK)
        goto out;
    /* pass 2: the admitted rows, in the same order */
    err = cases_prep(st,
                     "SELECT c.id, c.version, c.owner_org, o.name, c.stage, c.opened_at,"
                     " c.preid_due, c.updated_at,"
                     " (c.stage = 'presumed_victim' AND c.preid_due < ?1), c.name_blob"
                     " FROM nrm_case c JOIN org o ON o.id = c.owner_org WHERE c.id = ?2",
                     &s, ei);
    for (i = 0; err == TW_OK && i < nrows; i++) {
        cases_item_t it;
        char *name = NULL;
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, today, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, rows[i].id);
        if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
            err = cases_db_err(st, ei, "listing cases");
            break;
        }
        memset(&it, 0, sizeof(it));
        it.id = rows[i].id;
        it.version = sqlite3_column_int64(s, 1);
        it.owner_org = sqlite3_column_int64(s, 2);
        it.owner = cases_col(s, 3);
        it.stage = cases_col(s, 4);
        it.opened_at = cases_col(s, 5);
        it.preid_due = strcmp(it.stage, "presumed_victim") == 0 ? cases_col(s, 6) : "";
        it.updated_at = cases_col(s, 7);
        it.overdue = sqlite3_column_int(s, 8);
        it.access = rows[i].acc.kind;
        if (v && (rows[i].acc.categories & CASES_CAT_IDENTITY)) {
            /* one value that does not open is reported on its row, and the
             * rest is listed (a rotation newer than v is not: it stops) */
            err = cases_unseal_row(v, "nrm_case", "name_blob", it.id, s, 9, &name,
                                   &it.unreadable, ei);
        }
        it.name = name;
        if (err == TW_OK)
            err = fn(ctx, &it);
        cases_wipe_str(name);
    }
    sqlite3_finalize(s);
    s = NULL;
    err = cases_finish_read(st, err, ei);
    free(rows);
    buf_free(&ids.b);
    buf_free(&nb);
    return err;
out:
    sqlite3_finalize(s);
    err = cases_finish(st, err, ei);
    free(rows);
early:
    buf_free(&ids.b);
    buf_free(&nb);
    return err;
}
