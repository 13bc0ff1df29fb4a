/*
 * api.c - the handlers of /api/v1/... (contract in api.h, reference in
 * docs/api.md): sign-in, alerts (list, read, transition, assign,
 * suppress), entity profiles with their cluster, CSV import, statistics,
 * health and metrics.
 *
 * Data structure: none of its own; each handler reads through alerts.c,
 * store.c and auth.c, and builds a jansson tree that http.c serialises.
 *
 * Invariants:
 *   1. Every write and its audit entry are one transaction: store_begin(),
 *      the module's write (a nested savepoint), audit_append(), commit; a
 *      failed audit undoes the write.
 *   2. Personal data (an alert, its list, an entity) is sent only after its
 *      audit entry is written, and the entry names what was sent (the ids,
 *      the entity keys; bounded, with a hash past the bound); no audit, no
 *      data. A read refused by the caller's scope is audited too.
 *   3. An object-level check (authz_check() with the object's owner) runs
 *      inside the write transaction, so the owner cannot change between the
 *      check and the write. Listings pass the caller's scope to the query.
 *   4. Handlers never leave a transaction open (http.c checks).
 *   5. Who owns an object is decided in one place (authz_owner_of*()): a
 *      single read, a listing's scope and an entity page's cut all ask it
 *      and authz_check(), so they cannot disagree.
 *   6. Below scope all, nothing is said about an entity before the scope
 *      check: unknown and out of reach get the same refusal.
 * Ownership: every json_t built here is handed to the reply or freed.
 * Thread model: called on http.c's worker threads with that thread's store.
 */
#include "server/api.h"
#include "server/api_int.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "engine/alerts.h"
#include "access/audit.h"
#include "ingest/import.h"
#include "engine/indicators.h"
#include "engine/live.h"
#include "ingest/norm.h"
#include "store/registers.h"
#include "base/strmap.h"
#include "ingest/value.h"

static const char *const entity_types[] = {"application", "worker",  "employer",
                                           "intermediary", "address", "phone", NULL};
static const char *const statuses[] = {"new", "in_review", "escalated", "dismissed",
                                       "confirmed", NULL};

/* ---- small helpers ------------------------------------------------------ */

static int in_list(const char *const *list, const char *s)
{
    size_t i;
    for (i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* Length of the longest prefix of s[0..max) that is whole UTF-8 characters. */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* A JSON string of s; never NULL unless out of memory. Text from the store
 * is valid UTF-8 (the importer checks); anything else is shown with '?'. */
static json_t *jstr(const char *s)
{
    json_t *j;
    char *copy;
    size_t i;
    if (!s)
        return json_null();
    if ((j = json_string(s)) != NULL)
        return j;
    if (!(copy = strdup(s)))
        return NULL;
    for (i = 0; copy[i]; i++)
        if ((unsigned char)copy[i] >= 0x80)
            copy[i] = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* Adds v to an object or an array; *oom is set when anything failed (the
 * tree is then thrown away by the caller). */
static void put(json_t *o, const char *k, json_t *v, int *oom)
{
    if (!v || json_object_set_new(o, k, v) != 0)
        *oom = 1;
}

static void push(json_t *a, json_t *v, int *oom)
{
    if (!v || json_array_append_new(a, v) != 0)
        *oom = 1;
}

static json_t *split_ids(const char *s, int *oom)
{
    json_t *a = json_array();
    char id[128];
    while (s && *s) {
        size_t n = strcspn(s, ";");
        if (n && n < sizeof(id)) {
            memcpy(id, s, n);
            id[n] = '\0';
            push(a, json_string(id), oom);
        }
        s += n + (s[n] == ';');
    }
    return a;
}

/* "user:NAME" style audit object with the name cut to whole characters.
 * A name from a URL may hold any byte: control characters become '?', and
 * so does every byte past ASCII when the name is not valid UTF-8, so that
 * whatever a client sends, the entry can be written. */
static void audit_object(char *out, size_t cap, const char *prefix, const char *name)
{
    size_t p = strlen(prefix);
    size_t room = cap > p + 1 ? cap - p - 1 : 0;
    size_t n = utf8_prefix(name, room > AUDIT_OBJECT_MAX - p - 1 ? AUDIT_OBJECT_MAX - p - 1 : room);
    size_t i, len;
    int utf8;
    snprintf(out, cap, "%s%.*s", prefix, (int)n, name);
    len = strlen(out);
    utf8 = norm_utf8_valid(out, len);
    for (i = p; i < len; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
            out[i] = '?';
    }
}

/* A list for an audit detail that stays within a budget of bytes: the items
 * as they come while they fit, then only counted. When some are left out,
 * the detail also carries the SHA-256 of all of them (each as compact JSON
 * and a newline, in order), so the whole list is still pinned down. */
typedef struct {
    json_t *items;
    size_t bytes, budget;
    long long omitted;
    crypto_hash_sha256_state sha;
} alist_t;

static void alist_init(alist_t *l, size_t budget)
{
    memset(l, 0, sizeof(*l));
    l->items = json_array();
    l->budget = budget;
    crypto_hash_sha256_init(&l->sha);
}

/* Adds v (stolen) unless an equal item is there already. */
static void alist_add(alist_t *l, json_t *v, int *oom)
{
    char *text;
    size_t i, n;
    if (!v) {
        *oom = 1;
        return;
    }
    for (i = 0; i < json_array_size(l->items); i++) {
        if (json_equal(json_array_get(l->items, i), v)) {
            json_decref(v);
            return;
        }
    }
    if (!(text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT))) {
        json_decref(v);
        *oom = 1;
        return;
    }
    n = strlen(text);
    crypto_hash_sha256_update(&l->sha, (const unsigned char *)text, n);
    crypto_hash_sha256_update(&l->sha, (const unsigned char *)"\n", 1);
    free(text);
    if (l->omitted || l->bytes + n + 1 > l->budget) {
        l->omitted++;
        json_decref(v);
        return;
    }
    l->bytes += n + 1;
    push(l->items, v, oom);
}

/* Puts the list into detail as NAME, and NAME_omitted with NAME_sha256 when
 * it was cut; the list is spent. */
static void alist_put(json_t *detail, const char *name, alist_t *l, int *oom)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1], key[64];
    crypto_hash_sha256_final(&l->sha, h);
    put(detail, name, l->items, oom);
    l->items = NULL;
    if (l->omitted) {
        sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
        snprintf(key, sizeof(key), "%s_omitted", name);
        put(detail, key, json_integer(l->omitted), oom);
        snprintf(key, sizeof(key), "%s_sha256", name);
        put(detail, key, json_string(hex), oom);
    }
}

/* Writes one audit entry for the request; detail is a JSON tree (stolen,
 * may be NULL) written compactly, cut to the audit limit. */
static tw_err_t audit(http_req_t *req, const char *action, const char *object, json_t *detail,
                      tw_errinfo_t *ei)
{
    char *text = NULL;
    tw_err_t err;
    if (detail) {
        text = json_dumps(detail, JSON_COMPACT);
        json_decref(detail);
        if (!text)
            return TW_ENOMEM;
        if (strlen(text) >= AUDIT_DETAIL_MAX) {
            free(text);
            text = strdup("{\"detail\":\"too long to record\"}");
            if (!text)
                return TW_ENOMEM;
        }
    }
    if (sqlite3_get_autocommit(store_sqlite(http_req_store(req)))) {
        http_write_lock(req); /* its own transaction; else the caller holds it */
        err = audit_append(http_req_store(req), http_req_principal(req), action, object,
                           http_req_remote(req), text, ei);
        http_write_unlock(req);
    } else {
        err = audit_append(http_req_store(req), http_req_principal(req), action, object,
                           http_req_remote(req), text, ei);
    }
    free(text);
    return err;
}

/* A refused read of personal data is recorded too, as ACTION ("alert.read.denied",
 * "entity.read.denied"): who looked for what is what an auditor needs when
 * someone probes. Returns the refusal (err, with *ei as it is) unless the
 * entry cannot be written: no audit, no answer. */
static tw_err_t audit_denied(http_req_t *req, const char *action, const char *object,
                             tw_err_t err, tw_errinfo_t *ei)
{
    tw_errinfo_t aei;
    tw_err_t aerr;
    tw_errinfo_clear(&aei);
    aerr = audit(req, action, object,
                 json_pack("{s:s}", "reason", "outside the caller's scope"), &aei);
    if (aerr != TW_OK) {
        *ei = aei;
        return aerr;
    }
    return err;
}

/* A query parameter; an empty one (a form's unset filter) counts as absent. */
static const char *param(const http_req_t *req, const char *name)
{
    const char *v = http_req_query(req, name);
    return v && v[0] ? v : NULL;
}

static tw_err_t parse_id(const char *s, long long *id, tw_errinfo_t *ei)
{
    char *end;
    errno = 0;
    *id = strtoll(s, &end, 10);
    if (errno || end == s || *end || *id <= 0 || s[0] == '+')
        return tw_errinfo_set(ei, TW_EINPUT, "alert id must be a positive whole number, not "
                                             "'%.40s'",
                              s);
    return TW_OK;
}

/* A string member of a JSON body: TW_EINPUT naming it when it is missing
 * (and required), not a string, or longer than max bytes. */
static tw_err_t body_str(json_t *body, const char *name, int required, size_t max,
                         const char **out, tw_errinfo_t *ei)
{
    json_t *v = json_object_get(body, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%s\" is required", name);
        return TW_OK;
    }
    if (!json_is_string(v))
        return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%s\" must be a string", name);
    if (json_string_length(v) > max)
        return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%s\" is longer than %zu bytes",
                              name, max);
    *out = json_string_value(v);
    return TW_OK;
}

/* TW_EINPUT naming the first member of body not in `allowed`. */
static tw_err_t body_check(json_t *body, const char *const *allowed, tw_errinfo_t *ei)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        if (!in_list(allowed, k))
            return tw_errinfo_set(ei, TW_EINPUT, "request body: unknown member \"%.60s\"", k);
    }
    return TW_OK;
}

static json_t *principal_json(const auth_principal_t *p, int *oom)
{
    json_t *o = json_object();
    put(o, "user", jstr(p->user), oom);
    put(o, "org", jstr(p->org), oom);
    put(o, "role", json_string(auth_role_name(p->role)), oom);
    put(o, "via", json_string(p->via_session ? "session" : "token"), oom);
    return o;
}

static tw_err_t reply_json(http_reply_t *rep, int status, json_t *j, int oom)
{
    if (oom || !j) {
        json_decref(j);
        return TW_ENOMEM;
    }
    rep->status = status;
    rep->json = j;
    return TW_OK;
}

/* ---- who owns what ------------------------------------------------------ */

/* The one rule of ownership is authz_owner_of_user() / authz_owner_of()
 * (authz.h): cases.c applies the same to an alert a case is opened from. */
static void owner_of_user(const auth_user_info_t *u, authz_object_t *obj)
{
    authz_owner_of_user(u, obj);
}

typedef struct {
    const char *name;
    int active_only;
    int found;
    int64_t id, org_id;
    char canonical[64];
    authz_object_t owner;
} user_find_t;

static tw_err_t find_user_cb(void *ctx, const auth_user_info_t *u)
{
    user_find_t *f = ctx;
    if (!f->found && strcasecmp(u->name, f->name) == 0 && !(f->active_only && u->disabled_at)) {
        f->found = 1;
        f->id = u->id;
        f->org_id = u->org_id;
        snprintf(f->canonical, sizeof(f->canonical), "%s", u->name);
        owner_of_user(u, &f->owner);
    }
    return TW_OK;
}

/* The user called `name` (without case); with active_only, not a disabled
 * one. f->found = 0 when there is none. */
static tw_err_t find_user(store_t *st, const char *name, int active_only, user_find_t *f,
                          tw_errinfo_t *ei)
{
    memset(f, 0, sizeof(*f));
    f->name = name;
    f->active_only = active_only;
    return auth_user_list(st, find_user_cb, f, ei);
}


/* A caller's scope for an action as the names of the users whose objects it
 * reaches: every user for whom authz_check() allows the object owner_of_user()
 * makes, so a listing holds exactly what a single read would allow. */
typedef struct {
    int scoped; /* 0: scope all, every object */
    char (*names)[64];
    size_t n, cap;
    const char **list; /* names as pointers, for alerts_query_t */
    const auth_principal_t *p;
    authz_action_t action;
    /* the organisation whose escalated alerts nobody in particular has are
     * in reach too (authz_owner_of_alert()): the caller's, when the object
     * authz_owner_of_alert() makes for it passes authz_check(); 0: none */
    int64_t org;
} scope_t;

static tw_err_t scope_user_cb(void *ctx, const auth_user_info_t *u)
{
    scope_t *sc = ctx;
    authz_object_t obj;
    tw_errinfo_t ei;
    owner_of_user(u, &obj);
    tw_errinfo_clear(&ei);
    if (authz_check(sc->p, sc->action, &obj, &ei) != TW_OK)
        return TW_OK;
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 16;
        char(*nn)[64] = realloc(sc->names, ncap * sizeof(*nn));
        if (!nn)
            return TW_ENOMEM;
        sc->names = nn;
        sc->cap = ncap;
    }
    snprintf(sc->names[sc->n++], 64, "%s", u->name);
    return TW_OK;
}

static tw_err_t scope_load(store_t *st, const auth_principal_t *p, authz_action_t a,
                           scope_t *sc, tw_errinfo_t *ei)
{
    tw_err_t err;
    size_t i;

    memset(sc, 0, sizeof(*sc));
    if (authz_scope(p->role, a) == AUTHZ_ALL)
        return TW_OK;
    sc->scoped = 1;
    sc->p = p;
    sc->action = a;
    if ((err = auth_user_list(st, scope_user_cb, sc, ei)) != TW_OK)
        return err;
    sc->list = calloc(sc->n + 1, sizeof(*sc->list));
    if (!sc->list)
        return TW_ENOMEM;
    for (i = 0; i < sc->n; i++)
        sc->list[i] = sc->names[i];
    {
        authz_object_t obj = {0, p->org_id};
        tw_errinfo_t e2;
        if (p->org_id > 0 && authz_check(p, a, &obj, &e2) == TW_OK)
            sc->org = p->org_id;
    }
    return TW_OK;
}

/* 1 when an object assigned to `assignee` is within the scope. */
static int scope_has(const scope_t *sc, const char *assignee)
{
    size_t i;
    if (!sc->scoped)
        return 1;
    for (i = 0; assignee && i < sc->n; i++)
        if (strcasecmp(sc->names[i], assignee) == 0)
            return 1;
    return 0;
}

static void scope_free(scope_t *sc)
{
    free(sc->list);
    free(sc->names);
}

/* ---- health, metrics, sign-in ------------------------------------------- */

tw_err_t api_healthz(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    int v = store_schema_version(http_req_store(req)), oom = 0, ok;
    char why[128];
    json_t *o = json_object();
    (void)ei;
    /* a full disk fails every audited request: say so here, not "ok" */
    ok = http_storage_ok(req, why, sizeof(why));
    put(o, "status", json_string(v > 0 && ok ? "ok" : "unavailable"), &oom);
    put(o, "schema_version", json_integer(v), &oom);
    put(o, "storage", json_string(ok ? "ok" : why), &oom);
    return reply_json(rep, v > 0 && ok ? 200 : 503, o, oom);
}

tw_err_t api_metrics(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    long long open[4];
    tw_err_t err;
    if ((err = alerts_count_open(http_req_store(req), open)) != TW_OK)
        return tw_errinfo_set(ei, err, "counting open alerts: %s",
                              store_errmsg(http_req_store(req)));
    if ((err = http_metrics_text(req, open, &rep->text, &rep->text_len)) != TW_OK)
        return err;
    rep->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return TW_OK;
}

/* The audit object of a sign-in attempt: the account's name when the name
 * typed is one (an attempt on an account is what an auditor looks for),
 * else "user:?". What people type into the name box is sometimes their
 * password; it never reaches the log (auth.c invariant 4). */
static void login_object(store_t *st, const char *typed, char *out, size_t cap)
{
    char canonical[64];
    if (auth_user_known(st, typed, canonical) == 1)
        audit_object(out, cap, "user:", canonical);
    else
        snprintf(out, cap, "user:?");
}

tw_err_t api_login(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"user", "password", NULL};
    char session[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1], object[128];
    const char *user, *password;
    auth_principal_t who, nobody;
    json_t *body = NULL, *o, *detail;
    store_t *st = http_req_store(req);
    char *text;
    tw_errinfo_t aei;
    tw_err_t err, err2 = TW_OK;
    int oom = 0, first = 1;

    if ((err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = body_check(body, allowed, ei)) != TW_OK ||
        (err = body_str(body, "user", 1, AUTH_NAME_MAX, &user, ei)) != TW_OK ||
        (err = body_str(body, "password", 1, AUTH_PASSWORD_MAX, &password, ei)) != TW_OK)
        goto out;
    memset(&who, 0, sizeof(who));
    /* not under http_write_lock(): the password check (argon2id, about
     * 0.1 s) would hold every other writer of this process back */
    err = auth_login(st, user, password, http_req_remote(req), session, csrf, &who, ei);
    if (err == TW_EPERM || err == TW_ETOOBIG) {
        /* recorded as anonymous, under the account's name or "user:?"; of
         * the refusals past the limit only the first per name or address in
         * the window (auth_login_refusal), so the log cannot be flooded */
        tw_errinfo_clear(&aei);
        if (err == TW_ETOOBIG)
            err2 = auth_login_refusal(st, user, http_req_remote(req), &first, &aei);
        if (err2 == TW_OK && first) {
            memset(&nobody, 0, sizeof(nobody));
            login_object(st, user, object, sizeof(object));
            detail = err == TW_EPERM
                         ? json_pack("{s:s}", "reason", "wrong name or password")
                         : json_pack("{s:s,s:s}", "reason", "too many failed attempts", "note",
                                     "further refusals of this name or address are not "
                                     "recorded until the window ends");
            text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
            json_decref(detail);
            http_write_lock(req);
            err2 = audit_append(st, &nobody, "login.fail", object, http_req_remote(req), text,
                                &aei);
            http_write_unlock(req);
            free(text);
        }
        if (err2 != TW_OK) {
            /* refusing is what matters; the log line says the audit failed */
            fprintf(stderr, "serve: error: auditing a failed sign-in: %s\n", aei.msg);
        }
        if (err == TW_ETOOBIG) {
            int64_t w = auth_login_wait(st, user, http_req_remote(req));
            rep->retry_after = w > 0 ? (unsigned)w : AUTH_FAIL_DELAY;
            err = http_reply_error(rep, 429, "rate_limited", "too many failed sign-ins; wait "
                                                             "and try again later");
        } else {
            err = http_reply_error(rep, 401, "unauthorized", "wrong user name or password");
        }
        goto out;
    }
    if (err != TW_OK)
        goto out;
    audit_object(object, sizeof(object), "user:", who.user);
    http_write_lock(req);
    err = audit_append(st, &who, "login", object, http_req_remote(req), NULL, ei);
    http_write_unlock(req);
    if (err != TW_OK) {
        auth_logout(st, session); /* no audit, no session */
        goto out;
    }
    snprintf(rep->set_cookie, sizeof(rep->set_cookie),
             "tw_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d", session,
             AUTH_SESSION_LIFE);
    o = json_object();
    put(o, "csrf_token", json_string(csrf), &oom);
    put(o, "principal", principal_json(&who, &oom), &oom);
    err = reply_json(rep, 200, o, oom);
out:
    json_decref(body);
    return err;
}

tw_err_t api_logout(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    const auth_principal_t *p = http_req_principal(req);
    const char *session = http_req_session(req);
    char object[128];
    json_t *o;
    tw_err_t err;
    int oom = 0;

    if (!session)
        return tw_errinfo_set(ei, TW_EINPUT, "signed in with a bearer token: there is no "
                                             "session to end (tokens are revoked with "
                                             "'tipwatch token revoke')");
    audit_object(object, sizeof(object), "user:", p->user);
    if ((err = audit(req, "logout", object, NULL, ei)) != TW_OK)
        return err;
    http_write_lock(req);
    err = auth_logout(http_req_store(req), session);
    http_write_unlock(req);
    if (err != TW_OK)
        return tw_errinfo_set(ei, err, "ending the session");
    snprintf(rep->set_cookie, sizeof(rep->set_cookie),
             "tw_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    o = json_object();
    put(o, "status", json_string("signed_out"), &oom);
    return reply_json(rep, 200, o, oom);
}

tw_err_t api_me(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    const auth_principal_t *p = http_req_principal(req);
    json_t *o = json_object(), *perm = json_object();
    int oom = 0, a;
    (void)ei;
    put(o, "principal", principal_json(p, &oom), &oom);
    put(o, "csrf_token", p->via_session ? json_string(http_req_csrf(req)) : json_null(), &oom);
    for (a = 0; a < AUTHZ_ACTION_COUNT; a++)
        put(perm, authz_action_name((authz_action_t)a),
            json_string(authz_scope_name(authz_scope(p->role, (authz_action_t)a))), &oom);
    put(o, "permissions", perm, &oom);
    return reply_json(rep, 200, o, oom);
}

/* ---- cursors ------------------------------------------------------------ */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void api_cursor_encode(int sort, const char *key, long long id, char *out, size_t cap)
{
    char raw[128];
    size_t n, i, o = 0;
    uint32_t v;
    int len = snprintf(raw, sizeof(raw), "%d|%s|%lld", sort, key, id);
    n = len < 0 ? 0 : (size_t)len >= sizeof(raw) ? sizeof(raw) - 1 : (size_t)len;
    for (i = 0; i < n && o + 5 < cap; i += 3) {
        size_t k = n - i < 3 ? n - i : 3;
        v = (uint32_t)(unsigned char)raw[i] << 16;
        if (k > 1)
            v |= (uint32_t)(unsigned char)raw[i + 1] << 8;
        if (k > 2)
            v |= (uint32_t)(unsigned char)raw[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        if (k > 1)
            out[o++] = b64url[(v >> 6) & 63];
        if (k > 2)
            out[o++] = b64url[v & 63];
    }
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
}

tw_err_t api_cursor_decode(const char *cursor, int sort, char *key, size_t keycap,
                           long long *id)
{
    char raw[128], *bar1, *bar2, *end;
    size_t n = strlen(cursor), i, o = 0;
    uint32_t acc = 0;
    int bits = 0;
    long v;

    if (n == 0 || n > 160)
        return TW_EINPUT;
    for (i = 0; i < n; i++) {
        const char *p = strchr(b64url, cursor[i]);
        if (!p || !cursor[i])
            return TW_EINPUT;
        acc = (acc << 6) | (uint32_t)(p - b64url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= sizeof(raw))
                return TW_EINPUT;
            raw[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    raw[o] = '\0';
    if (memchr(raw, '\0', o))
        return TW_EINPUT;
    bar1 = strchr(raw, '|');
    bar2 = strrchr(raw, '|');
    if (!bar1 || bar2 == bar1)
        return TW_EINPUT;
    *bar1 = '\0';
    *bar2 = '\0';
    errno = 0;
    v = strtol(raw, &end, 10);
    if (errno || *end || end == raw || v != sort)
        return TW_EINPUT;
    if (!bar1[1] || strlen(bar1 + 1) >= keycap)
        return TW_EINPUT;
    snprintf(key, keycap, "%s", bar1 + 1);
    errno = 0;
    *id = strtoll(bar2 + 1, &end, 10);
    if (errno || *end || end == bar2 + 1 || *id <= 0)
        return TW_EINPUT;
    return TW_OK;
}

/* ---- alerts ------------------------------------------------------------- */

static json_t *item_json(const alerts_item_t *it, int *oom)
{
    json_t *o = json_object();
    put(o, "id", json_integer(it->id), oom);
    put(o, "entity_type", jstr(it->entity_type), oom);
    put(o, "entity_key", jstr(it->entity_key), oom);
    put(o, "score", json_real(round(it->score * 100) / 100), oom);
    put(o, "level", jstr(it->level), oom);
    put(o, "status", jstr(it->status), oom);
    put(o, "indicators", split_ids(it->indicators, oom), oom);
    put(o, "assignee", jstr(it->assignee), oom);
    put(o, "created_at", jstr(it->created_at), oom);
    put(o, "updated_at", jstr(it->updated_at), oom);
    put(o, "region", jstr(it->region), oom);
    put(o, "employer", jstr(it->employer), oom);
    put(o, "name", jstr(it->name), oom);
    put(o, "employer_name", jstr(it->employer_name), oom);
    return o;
}

typedef struct {
    json_t *items;
    alist_t ids; /* for the audit entry */
    int oom;
    long long last_id;
    char last_key[64];
    alerts_sort_t sort;
} list_ctx_t;

static tw_err_t list_cb(void *ctx, const alerts_item_t *it)
{
    list_ctx_t *l = ctx;
    push(l->items, item_json(it, &l->oom), &l->oom);
    alist_add(&l->ids, json_integer(it->id), &l->oom);
    l->last_id = it->id;
    if (l->sort <= ALERTS_SORT_SCORE_ASC)
        snprintf(l->last_key, sizeof(l->last_key), "%.17g", it->score);
    else
        snprintf(l->last_key, sizeof(l->last_key), "%s",
                 l->sort <= ALERTS_SORT_CREATED_ASC ? it->created_at : it->updated_at);
    return l->oom ? TW_ENOMEM : TW_OK;
}

/* One group row: the employer (key and name), its own open alert, how many
 * of the matching alerts and of its workers are in the group, the group's
 * top alert. */
static tw_err_t group_cb(void *ctx, const alerts_group_t *g)
{
    list_ctx_t *l = ctx;
    json_t *o = json_object();
    put(o, "employer", jstr(g->employer), &l->oom);
    put(o, "employer_name", jstr(g->employer_name), &l->oom);
    put(o, "alerts", json_integer(g->alerts), &l->oom);
    put(o, "workers", json_integer(g->workers), &l->oom);
    put(o, "top", item_json(g->top, &l->oom), &l->oom);
    put(o, "employer_alert", g->own ? item_json(g->own, &l->oom) : json_null(), &l->oom);
    push(l->items, o, &l->oom);
    alist_add(&l->ids, json_integer(g->top->id), &l->oom);
    if (g->own && g->own->id != g->top->id)
        alist_add(&l->ids, json_integer(g->own->id), &l->oom);
    l->last_id = g->top->id;
    snprintf(l->last_key, sizeof(l->last_key), "%.17g", g->top->score);
    return l->oom ? TW_ENOMEM : TW_OK;
}

tw_err_t api_alerts_list(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"level",  "status",   "indicator", "entity_type",
                                          "region", "employer", "assignee",  "since",
                                          "until",  "sort",     "limit",     "cursor",
                                          "group",  NULL};
    static const char *const sorts[] = {"-score", "score", "-created", "created",
                                        "-updated", "updated", NULL};
    const auth_principal_t *p = http_req_principal(req);
    store_t *st = http_req_store(req);
    const char *sort = param(req, "sort"), *limit = param(req, "limit");
    const char *cursor = param(req, "cursor"), *group = param(req, "group");
    char key[64];
    alerts_query_t q;
    list_ctx_t l;
    scope_t sc;
    json_t *o = NULL, *detail;
    long long total = 0, groups = 0;
    int more = 0, i;
    tw_err_t err;

    memset(&q, 0, sizeof(q));
    memset(&l, 0, sizeof(l));
    memset(&sc, 0, sizeof(sc));
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    if (group && strcmp(group, "employer") != 0)
        return tw_errinfo_set(ei, TW_EINPUT, "parameter group: must be employer, not '%.40s'",
                              group);
    if (sort) {
        for (i = 0; sorts[i] && strcmp(sorts[i], sort) != 0; i++)
            ;
        if (!sorts[i])
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "parameter sort: must be score, -score, created, -created, "
                                  "updated or -updated, not '%.40s'",
                                  sort);
        q.sort = (alerts_sort_t)i;
    }
    q.limit = API_LIST_DEFAULT;
    if (limit) {
        char *end;
        errno = 0;
        q.limit = strtol(limit, &end, 10);
        if (errno || end == limit || *end || q.limit < 1 || q.limit > API_LIST_MAX)
            return tw_errinfo_set(ei, TW_EINPUT, "parameter limit: must be 1..%d, not '%.40s'",
                                  API_LIST_MAX, limit);
    }
    if (cursor) {
        if (api_cursor_decode(cursor, (int)q.sort, key, sizeof(key), &q.after_id) != TW_OK)
            return tw_errinfo_set(ei, TW_EINPUT, "parameter cursor: not a cursor of this "
                                                 "listing and sort order (take next_cursor "
                                                 "from the previous page)");
        if (q.sort <= ALERTS_SORT_SCORE_ASC) {
            char *end;
            q.after_num = strtod(key, &end);
            if (*end || !isfinite(q.after_num))
                return tw_errinfo_set(ei, TW_EINPUT, "parameter cursor: damaged");
        } else {
            q.after_text = key;
        }
    }
    q.level = param(req, "level");
    q.status = param(req, "status");
    q.indicator = param(req, "indicator");
    q.entity_type = param(req, "entity_type");
    q.region = param(req, "region");
    q.employer = param(req, "employer");
    q.assignee = param(req, "assignee");
    q.since = param(req, "since");
    q.until = param(req, "until");
    if (q.entity_type && !in_list(entity_types, q.entity_type))
        return tw_errinfo_set(ei, TW_EINPUT,
                              "parameter entity_type: must be application, worker, employer, "
                              "intermediary, address or phone, not '%.40s'",
                              q.entity_type);
    if ((err = scope_load(st, p, AUTHZ_ALERT_READ, &sc, ei)) != TW_OK)
        goto out;
    q.scoped = sc.scoped;
    q.scope_assignees = sc.list;
    q.nscope = sc.n;
    q.scope_org = sc.org;
    l.items = json_array();
    alist_init(&l.ids, API_AUDIT_LIST_BYTES);
    l.sort = q.sort;
    /* the total and the page from one snapshot: a screening committing
     * meanwhile changes neither (nor makes a group's alert vanish) */
    if ((err = store_begin_read(st)) != TW_OK) {
        err = tw_errinfo_set(ei, err, "reading the alerts: %s", store_errmsg(st));
        goto out;
    }
    err = alerts_query_count(st, &q, &total, group ? &groups : NULL, ei);
    if (err == TW_OK && group)
        err = alerts_query_groups(st, &q, group_cb, &l, &more, ei);
    else if (err == TW_OK)
        err = alerts_query(st, &q, list_cb, &l, &more, ei);
    store_end_read(st);
    if (err != TW_OK)
        goto out;
    /* which alerts were shown, not only how many (at most API_LIST_MAX ids;
     * for groups, the alerts on the group rows) */
    detail = json_pack("{s:I}", "count", (json_int_t)json_array_size(l.items));
    if (detail)
        alist_put(detail, "ids", &l.ids, &l.oom);
    if (l.oom) {
        json_decref(detail);
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = audit(req, "alert.list", "alerts", detail, ei)) != TW_OK)
        goto out;
    o = json_object();
    put(o, group ? "groups" : "items", l.items, &l.oom);
    l.items = NULL;
    put(o, "total", json_integer(total), &l.oom);
    if (group)
        put(o, "total_groups", json_integer(groups), &l.oom);
    if (more) {
        char next[200];
        api_cursor_encode((int)q.sort, l.last_key, l.last_id, next, sizeof(next));
        put(o, "next_cursor", json_string(next), &l.oom);
    } else {
        put(o, "next_cursor", json_null(), &l.oom);
    }
    err = reply_json(rep, 200, o, l.oom);
    o = NULL;
out:
    json_decref(l.items);
    json_decref(l.ids.items);
    scope_free(&sc);
    return err;
}

typedef struct {
    http_req_t *req;
    authz_action_t action;
    json_t *alert, *history, *suppressions;
    char assignee[256];
    char status[32];
    long long org; /* the organisation it was escalated to; 0: none */
    int oom;
} detail_ctx_t;

/* The object-level check of an alert (invariant 3): its owner is its
 * assignee's, else the organisation it was escalated to. */
static tw_err_t check_alert(http_req_t *req, authz_action_t a, const char *assignee,
                            long long org, tw_errinfo_t *ei)
{
    authz_object_t obj;
    tw_err_t err;
    if ((err = authz_owner_of_alert(http_req_store(req), assignee, org, &obj, ei)) != TW_OK)
        return err;
    return authz_check(http_req_principal(req), a, &obj, ei);
}

/* The name of organisation `id` (from its people, as the directory lists
 * organisations), "" when none. */
typedef struct {
    int64_t id;
    const char *name; /* or: the name to find */
    char found[64];
    int64_t found_id;
} org_find_t;

static tw_err_t org_find_cb(void *ctx, const auth_user_info_t *u)
{
    org_find_t *f = ctx;
    if (f->found[0] || !u->org)
        return TW_OK;
    if ((f->id > 0 && u->org_id == f->id) ||
        (f->name && !u->disabled_at && strcasecmp(u->org, f->name) == 0)) {
        snprintf(f->found, sizeof(f->found), "%s", u->org);
        f->found_id = u->org_id;
    }
    return TW_OK;
}

static tw_err_t detail_alert(void *ctx, const alerts_detail_t *d)
{
    detail_ctx_t *c = ctx;
    json_t *ev = NULL, *rel;
    tw_errinfo_t ei;
    tw_err_t err;

    snprintf(c->assignee, sizeof(c->assignee), "%s", d->item.assignee ? d->item.assignee : "");
    snprintf(c->status, sizeof(c->status), "%s", d->item.status ? d->item.status : "");
    c->org = d->assigned_org;
    tw_errinfo_clear(&ei);
    if ((err = check_alert(c->req, c->action, d->item.assignee, d->assigned_org, &ei)) != TW_OK)
        return err; /* the caller checks again for the message */
    c->alert = item_json(&d->item, &c->oom);
    {
        /* the organisation it was escalated to, by name */
        org_find_t f;
        memset(&f, 0, sizeof(f));
        f.id = d->assigned_org;
        if (d->assigned_org > 0 &&
            auth_user_list(http_req_store(c->req), org_find_cb, &f, &ei) != TW_OK)
            f.found[0] = '\0';
        put(c->alert, "assigned_org", f.found[0] ? json_string(f.found) : json_null(), &c->oom);
    }
    put(c->alert, "nationality", jstr(d->item.nationality), &c->oom);
    put(c->alert, "config_version", jstr(d->config_version), &c->oom);
    put(c->alert, "closed", json_boolean(d->closed), &c->oom);
    if (d->evidence)
        ev = json_loads(d->evidence, JSON_DECODE_ANY, NULL);
    rel = ev ? json_object_get(ev, "related") : NULL;
    put(c->alert, "related", rel && json_is_array(rel) ? json_incref(rel) : json_array(),
        &c->oom);
    put(c->alert, "evidence", ev ? ev : json_null(), &c->oom);
    put(c->alert, "explanation", jstr(d->explanation), &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

static tw_err_t detail_event(void *ctx, const alerts_event_t *e)
{
    detail_ctx_t *c = ctx;
    json_t *o = json_object();
    put(o, "at", jstr(e->at), &c->oom);
    put(o, "actor", jstr(e->actor), &c->oom);
    put(o, "kind", jstr(e->kind), &c->oom);
    put(o, "from_status", jstr(e->from_status), &c->oom);
    put(o, "to_status", jstr(e->to_status), &c->oom);
    put(o, "score", e->has_score ? json_real(round(e->score * 100) / 100) : json_null(),
        &c->oom);
    put(o, "level", jstr(e->level), &c->oom);
    put(o, "indicators", e->indicators ? split_ids(e->indicators, &c->oom) : json_null(),
        &c->oom);
    put(o, "config_version", jstr(e->config_version), &c->oom);
    put(o, "reason", jstr(e->reason), &c->oom);
    push(c->history, o, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

static tw_err_t detail_suppression(void *ctx, const alerts_suppression_t *s)
{
    detail_ctx_t *c = ctx;
    json_t *o = json_object();
    put(o, "indicator", jstr(s->indicator), &c->oom);
    put(o, "until", jstr(s->until), &c->oom);
    put(o, "created_by", jstr(s->created_by), &c->oom);
    put(o, "created_at", jstr(s->created_at), &c->oom);
    put(o, "reason", jstr(s->reason), &c->oom);
    push(c->suppressions, o, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

/* Reads alert `id` into c (with history and suppressions when `full`) and
 * checks c->action on it; TW_EPERM with the reason in *ei when refused. */
static tw_err_t load_alert(http_req_t *req, long long id, int full, detail_ctx_t *c,
                           tw_errinfo_t *ei)
{
    alerts_visitor_t v = {detail_alert, full ? detail_event : NULL,
                          full ? detail_suppression : NULL};
    tw_err_t err;
    c->req = req;
    c->history = json_array();
    c->suppressions = json_array();
    err = alerts_get(http_req_store(req), id, &v, c, ei);
    if (err == TW_EPERM)
        return check_alert(req, c->action, c->assignee, c->org, ei); /* the message */
    return err;
}

static void detail_free(detail_ctx_t *c)
{
    json_decref(c->alert);
    json_decref(c->history);
    json_decref(c->suppressions);
}

tw_err_t api_alert_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    detail_ctx_t c;
    char object[64];
    long long id;
    tw_err_t err;

    memset(&c, 0, sizeof(c));
    c.action = AUTHZ_ALERT_READ;
    if ((err = parse_id(http_req_param(req, 0), &id, ei)) != TW_OK)
        return err;
    snprintf(object, sizeof(object), "alert:%lld", id);
    if ((err = load_alert(req, id, 1, &c, ei)) != TW_OK) {
        if (err == TW_EPERM)
            err = audit_denied(req, "alert.read.denied", object, err, ei);
        goto out;
    }
    if ((err = audit(req, "alert.read", object, NULL, ei)) != TW_OK)
        goto out;
    put(c.alert, "history", c.history, &c.oom);
    put(c.alert, "suppressions", c.suppressions, &c.oom);
    c.history = c.suppressions = NULL;
    err = reply_json(rep, 200, c.alert, c.oom);
    c.alert = NULL;
out:
    detail_free(&c);
    return err;
}

typedef enum { WRITE_TRANSITION, WRITE_ASSIGN, WRITE_SUPPRESS } write_kind_t;

/* Whom the caller may hand an alert to: an active user, and, unless the
 * caller may write every alert, one of its own organisation (an inspector
 * cannot pass a case to another body). One answer for a name that is no
 * user, a disabled one and one out of reach, which does not echo the name:
 * this is not the place to find out who has an account. */
static tw_err_t assignee_check(store_t *st, const auth_principal_t *p, const char *name,
                               user_find_t *who, tw_errinfo_t *ei)
{
    tw_err_t err;
    if ((err = find_user(st, name, 1, who, ei)) != TW_OK)
        return err;
    if (who->found &&
        (authz_scope(p->role, AUTHZ_ALERT_WRITE) == AUTHZ_ALL || who->org_id == p->org_id))
        return TW_OK;
    return tw_errinfo_set(ei, TW_EINPUT,
                          "request body: \"assignee\" is not an active user you may assign "
                          "alerts to (of your organisation, unless you may write every alert)");
}

/* One alert write (invariants 1 and 3): begin; read the alert and check the
 * caller may write it; the change; its audit entry; commit. Answers the
 * alert as a list shows it. */
static tw_err_t alert_write(http_req_t *req, http_reply_t *rep, write_kind_t kind,
                            tw_errinfo_t *ei)
{
    static const char *const allowed[3][4] = {{"to", "reason", "org", NULL},
                                               {"assignee", NULL, NULL, NULL},
                                               {"indicator", "until", "reason", NULL}};
    static const char *const actions[3] = {"alert.transition", "alert.assign",
                                           "alert.suppress"};
    const auth_principal_t *p = http_req_principal(req);
    store_t *st = http_req_store(req);
    const char *to = NULL, *reason = NULL, *assignee = NULL, *indicator = NULL, *until = NULL;
    const char *org = NULL;
    org_find_t of;
    user_find_t who;
    detail_ctx_t c;
    json_t *body = NULL, *detail = NULL;
    char object[64];
    long long id;
    int tx = 0, locked = 0;
    tw_err_t err;

    memset(&c, 0, sizeof(c));
    c.action = AUTHZ_ALERT_WRITE;
    if ((err = parse_id(http_req_param(req, 0), &id, ei)) != TW_OK)
        return err;
    if ((err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = body_check(body, allowed[kind], ei)) != TW_OK)
        goto out;
    switch (kind) {
    case WRITE_TRANSITION:
        if ((err = body_str(body, "to", 1, 32, &to, ei)) != TW_OK ||
            (err = body_str(body, "reason", 0, 2000, &reason, ei)) != TW_OK ||
            (err = body_str(body, "org", 0, AUTH_NAME_MAX, &org, ei)) != TW_OK)
            goto out;
        /* escalating to an organisation without naming a person in it */
        if (org && strcmp(to, "escalated") != 0) {
            tw_errinfo_field(ei, "org");
            err = tw_errinfo_set(ei, TW_EINPUT, "request body: \"org\" goes with \"to\": "
                                                "\"escalated\" only");
            goto out;
        }
        if (!in_list(statuses, to)) {
            err = tw_errinfo_set(ei, TW_EINPUT,
                                 "request body: \"to\" must be new, in_review, escalated, "
                                 "dismissed or confirmed, not '%.40s'",
                                 to);
            goto out;
        }
        break;
    case WRITE_ASSIGN:
        if (!json_object_get(body, "assignee")) {
            err = tw_errinfo_set(ei, TW_EINPUT, "request body: \"assignee\" is required (null "
                                                "to unassign)");
            goto out;
        }
        if ((err = body_str(body, "assignee", 0, AUTH_NAME_MAX, &assignee, ei)) != TW_OK)
            goto out;
        break; /* the assignee is checked once the alert is (assignee_check) */
    case WRITE_SUPPRESS:
        if ((err = body_str(body, "indicator", 1, 64, &indicator, ei)) != TW_OK ||
            (err = body_str(body, "until", 1, 10, &until, ei)) != TW_OK ||
            (err = body_str(body, "reason", 1, 2000, &reason, ei)) != TW_OK)
            goto out;
        break;
    }
    http_write_lock(req);
    locked = 1;
    if ((err = store_begin(st)) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "starting the change: %s", store_errmsg(st));
        goto out;
    }
    tx = 1;
    if ((err = load_alert(req, id, 0, &c, ei)) != TW_OK)
        goto out;
    if (kind == WRITE_ASSIGN && assignee && assignee[0]) {
        if ((err = assignee_check(st, p, assignee, &who, ei)) != TW_OK)
            goto out;
        assignee = who.canonical;
    }
    if (kind == WRITE_TRANSITION && org) {
        /* an organisation with an active account: its queue is someone's */
        memset(&of, 0, sizeof(of));
        of.name = org;
        if ((err = auth_user_list(st, org_find_cb, &of, ei)) != TW_OK)
            goto out;
        if (!of.found[0]) {
            tw_errinfo_field(ei, "org");
            tw_errinfo_reason(ei, "unknown_org");
            err = tw_errinfo_set(ei, TW_EINPUT, "org: no organisation '%.63s' with an active "
                                                "account",
                                 org);
            goto out;
        }
        /* the rule of assignee_check(): below scope 'all' an alert goes
         * only to the caller's own organisation (docs/authz.md) */
        if (authz_scope(p->role, AUTHZ_ALERT_WRITE) != AUTHZ_ALL && of.found_id != p->org_id) {
            tw_errinfo_field(ei, "org");
            tw_errinfo_reason(ei, "org_out_of_scope");
            err = tw_errinfo_set(ei, TW_EINPUT, "org: you may escalate an alert only within "
                                                "your own organisation");
            goto out;
        }
    }
    switch (kind) {
    case WRITE_TRANSITION:
        err = alerts_transition(st, id, to, p->user, reason, ei);
        if (err == TW_OK && org)
            err = alerts_assign_org(st, id, of.found_id, of.found, p->user, ei);
        detail = org ? json_pack("{s:s,s:s,s:s,s:s?}", "from", c.status, "to", to, "org",
                                 of.found, "was", c.assignee[0] ? c.assignee : NULL)
                     : json_pack("{s:s,s:s}", "from", c.status, "to", to);
        break;
    case WRITE_ASSIGN:
        err = alerts_assign(st, id, assignee, p->user, ei);
        detail = json_pack("{s:s?,s:s?}", "assignee", assignee, "was",
                           c.assignee[0] ? c.assignee : NULL);
        break;
    case WRITE_SUPPRESS:
        err = alerts_suppress(st, id, indicator, until, reason, p->user, ei);
        detail = json_pack("{s:s,s:s}", "indicator", indicator, "until", until);
        break;
    }
    if (err != TW_OK)
        goto out;
    snprintf(object, sizeof(object), "alert:%lld", id);
    err = audit(req, actions[kind], object, detail, ei);
    detail = NULL;
    if (err != TW_OK)
        goto out;
    if ((err = store_commit(st)) != TW_OK) {
        tx = 0;
        err = tw_errinfo_set(ei, TW_EDB, "committing the change: %s", store_errmsg(st));
        goto out;
    }
    tx = 0;
    http_write_unlock(req);
    locked = 0;
    /* the alert as it is now; the caller was allowed to write it, and the
     * write is audited, so reading it back needs no second entry */
    detail_free(&c);
    memset(&c, 0, sizeof(c));
    c.action = AUTHZ_ALERT_WRITE;
    {
        alerts_visitor_t v = {detail_alert, NULL, NULL};
        c.req = req;
        if ((err = alerts_get(st, id, &v, &c, ei)) == TW_EPERM) {
            /* it left the caller's scope (assigned away): say what was done */
            json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)id, "result", "done");
            err = reply_json(rep, 200, o, 0);
            goto out;
        }
        if (err != TW_OK)
            goto out;
        err = reply_json(rep, 200, c.alert, c.oom);
        c.alert = NULL;
    }
out:
    if (tx)
        store_rollback(st);
    if (locked)
        http_write_unlock(req);
    json_decref(detail);
    json_decref(body);
    detail_free(&c);
    return err;
}

tw_err_t api_alert_transition(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    return alert_write(req, rep, WRITE_TRANSITION, ei);
}

tw_err_t api_alert_assign(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    return alert_write(req, rep, WRITE_ASSIGN, ei);
}

tw_err_t api_alert_suppress(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    return alert_write(req, rep, WRITE_SUPPRESS, ei);
}

/* ---- entities ----------------------------------------------------------- */

#define KIND_APPLICATION ENT_COUNT /* an application is not a store entity */

static const char *kind_name(int kind)
{
    return entity_types[kind == KIND_APPLICATION ? 0 : kind + 1];
}

typedef struct {
    int kind;
    int64_t id;
    char *key;
    char *label;
    int hop;
} node_t;

typedef struct {
    size_t a, b;
    const char *kind;
} edge_t;

typedef struct {
    store_t *st;
    node_t nodes[API_CLUSTER_NODES];
    size_t nn;
    edge_t *edges;
    size_t ne, capedges;
    int truncated;
    int hop; /* of the node being expanded */
    tw_err_t err;
} graph_t;

static void graph_free(graph_t *g)
{
    size_t i;
    for (i = 0; i < g->nn; i++) {
        free(g->nodes[i].key);
        free(g->nodes[i].label);
    }
    free(g->edges);
}

/* The node of (kind, id), added at g->hop + 1 when new; SIZE_MAX when the
 * graph is full (then truncated) or on error (g->err). */
static size_t graph_node(graph_t *g, int kind, int64_t id, const char *label)
{
    char key[2048];
    size_t i;
    tw_err_t err;

    for (i = 0; i < g->nn; i++) {
        if (g->nodes[i].kind == kind && g->nodes[i].id == id) {
            if (!g->nodes[i].label && label && label[0])
                g->nodes[i].label = strdup(label);
            return i;
        }
    }
    if (g->nn == API_CLUSTER_NODES) {
        g->truncated = 1;
        return SIZE_MAX;
    }
    if ((err = store_entity_key(g->st, (store_entity_t)kind, id, key, sizeof(key))) != TW_OK) {
        if (err != TW_ENOTFOUND && err != TW_ETOOBIG)
            g->err = err;
        return SIZE_MAX;
    }
    g->nodes[g->nn].kind = kind;
    g->nodes[g->nn].id = id;
    g->nodes[g->nn].key = strdup(key);
    g->nodes[g->nn].label = label && label[0] ? strdup(label) : NULL;
    g->nodes[g->nn].hop = g->hop + 1;
    if (!g->nodes[g->nn].key) {
        g->err = TW_ENOMEM;
        return SIZE_MAX;
    }
    return g->nn++;
}

static void graph_edge(graph_t *g, size_t a, size_t b, const char *kind)
{
    size_t i;
    if (a == SIZE_MAX || b == SIZE_MAX || a == b)
        return;
    for (i = 0; i < g->ne; i++)
        if (g->edges[i].kind == kind && ((g->edges[i].a == a && g->edges[i].b == b) ||
                                         (g->edges[i].a == b && g->edges[i].b == a)))
            return;
    if (g->ne == g->capedges) {
        size_t ncap = g->capedges ? g->capedges * 2 : 64;
        edge_t *ne;
        if (ncap > 8 * API_CLUSTER_NODES) {
            g->truncated = 1;
            return;
        }
        if (!(ne = realloc(g->edges, ncap * sizeof(*ne)))) {
            g->err = TW_ENOMEM;
            return;
        }
        g->edges = ne;
        g->capedges = ncap;
    }
    g->edges[g->ne].a = a;
    g->edges[g->ne].b = b;
    g->edges[g->ne].kind = kind;
    g->ne++;
}

/* One application seen from a node: its entities become nodes one hop
 * further, joined the way the application joins them. */
static tw_err_t graph_app(void *ctx, const store_app_t *a)
{
    graph_t *g = ctx;
    char name[300];
    size_t w, e, in, ra, wa, ph;

    snprintf(name, sizeof(name), "%s%s%s", a->worker_family_name ? a->worker_family_name : "",
             a->worker_given_name ? " " : "", a->worker_given_name ? a->worker_given_name : "");
    w = a->worker ? graph_node(g, ENT_WORKER, a->worker, name) : SIZE_MAX;
    e = a->employer ? graph_node(g, ENT_EMPLOYER, a->employer, a->employer_name) : SIZE_MAX;
    in = a->intermediary ? graph_node(g, ENT_INTERMEDIARY, a->intermediary, a->intermediary_name)
                         : SIZE_MAX;
    ra = a->res_address ? graph_node(g, ENT_ADDRESS, a->res_address, NULL) : SIZE_MAX;
    wa = a->work_address ? graph_node(g, ENT_ADDRESS, a->work_address, NULL) : SIZE_MAX;
    ph = a->phone ? graph_node(g, ENT_PHONE, a->phone, NULL) : SIZE_MAX;
    graph_edge(g, w, e, "employed_by");
    graph_edge(g, w, in, "recruited_by");
    graph_edge(g, w, ra, "lives_at");
    graph_edge(g, w, wa, "works_at");
    graph_edge(g, w, ph, "uses_phone");
    graph_edge(g, e, wa, "located_at");
    graph_edge(g, e, in, "uses_agent");
    return g->err;
}

/* The entities within two hops of the centre through shared applications
 * (breadth first, at most API_CLUSTER_NODES). */
static tw_err_t graph_build(graph_t *g, int kind, int64_t id, const char *app_key)
{
    size_t i;
    int more = 0;
    tw_err_t err;

    if (kind == KIND_APPLICATION) {
        /* the application is the centre: its entities are one hop away */
        g->hop = 0;
        if ((err = store_entity_applications(g->st, ENT_WORKER, 0, app_key, 1, graph_app, g,
                                             &more)) != TW_OK)
            return err;
        for (i = 0; i < g->nn; i++)
            g->nodes[i].hop = 1;
    } else {
        g->hop = -1;
        if (graph_node(g, kind, id, NULL) == SIZE_MAX)
            return g->err ? g->err : TW_ENOTFOUND;
    }
    for (i = 0; i < g->nn && !g->err; i++) {
        if (g->nodes[i].hop >= 2)
            continue;
        g->hop = g->nodes[i].hop;
        if ((err = store_entity_applications(g->st, (store_entity_t)g->nodes[i].kind,
                                             g->nodes[i].id, NULL, API_CLUSTER_APPS, graph_app,
                                             g, &more)) != TW_OK)
            return err;
        if (more)
            g->truncated = 1;
    }
    return g->err;
}

/* The alerts of one entity as a caller with scope `sc` may see them. An
 * entity has at most one open alert, and it comes first (alerts.h). */
typedef struct {
    const scope_t *sc;
    json_t *alerts;     /* when not NULL: the alerts within the scope, as listed */
    long long hidden;   /* alerts outside the scope */
    int open_seen;      /* the open alert: */
    int open_in_scope;
    long long open_id;
    double open_score;
    char open_level[16];
    int oom;
} entity_alerts_t;

static int status_open(const char *status)
{
    return status && strcmp(status, "dismissed") != 0 && strcmp(status, "confirmed") != 0;
}

static tw_err_t entity_alert_cb(void *ctx, const alerts_item_t *it)
{
    entity_alerts_t *e = ctx;
    int in = scope_has(e->sc, it->assignee);
    if (!e->open_seen && status_open(it->status)) {
        e->open_seen = 1;
        e->open_in_scope = in;
        e->open_id = it->id;
        e->open_score = round(it->score * 100) / 100;
        snprintf(e->open_level, sizeof(e->open_level), "%s", it->level ? it->level : "");
    }
    if (!in) {
        e->hidden++;
        return TW_OK;
    }
    if (e->alerts)
        push(e->alerts, item_json(it, &e->oom), &e->oom);
    return e->oom ? TW_ENOMEM : TW_OK;
}

/* The alerts of (type, key) into e (e->sc and e->alerts set by the caller);
 * TW_EDB when they cannot be read. */
static tw_err_t entity_alerts(store_t *st, const char *type, const char *key,
                              entity_alerts_t *e)
{
    tw_err_t err = alerts_for_entity(st, type, key, entity_alert_cb, e);
    if (err == TW_OK && e->oom)
        err = TW_ENOMEM;
    return err;
}

typedef struct {
    json_t *by_reg[REG_COUNT];
    int oom;
} records_ctx_t;

static tw_err_t record_cb(void *ctx, const store_record_t *rec)
{
    records_ctx_t *c = ctx;
    const reg_def_t *def = reg_get(rec->reg);
    json_t *o = json_object(), *f = json_object();
    size_t i;
    put(o, "row_key", jstr(rec->row_key), &c->oom);
    put(o, "version", json_integer(rec->version), &c->oom);
    for (i = 0; i < rec->n; i++) {
        const store_cell_t *cell = &rec->cells[i];
        if (cell->null)
            put(f, rec->names[i], json_null(), &c->oom);
        else if (i < def->ncols && def->cols[i].type == COL_UINT)
            put(f, rec->names[i], json_integer(cell->num), &c->oom);
        else
            put(f, rec->names[i], jstr(cell->text), &c->oom);
    }
    put(o, "fields", f, &c->oom);
    push(c->by_reg[rec->reg], o, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

/* What the entity page discloses, for its audit entry (invariant 2). */
typedef struct {
    alist_t keys, alerts;
    long long hidden_nodes;
} disclosed_t;

/* One node of the cluster as the caller may see it. With scope all, as it
 * is. Otherwise (docs/api.md, docs/authz.md): the centre and the entities
 * one hop away are the entity's own profile (they are named in its records)
 * and are shown; a node two hops away is shown only when its open alert is
 * within the caller's scope; and a node's alert (score, level, alert_id) is
 * shown only when it is within the scope. A hidden node keeps its type and
 * hop, gets an id that means nothing ("hidden:N") and no key or label, so
 * the shape of the network stays and the people in it do not. *id gets the
 * node's id for the edges (malloc'd). */
static tw_err_t node_json(store_t *st, const scope_t *sc, const node_t *n, size_t index,
                          disclosed_t *dis, json_t **out, char **id, int *oom)
{
    entity_alerts_t ea;
    json_t *o;
    char buf[2200];
    int visible, shown;
    tw_err_t err;

    *out = NULL;
    *id = NULL;
    memset(&ea, 0, sizeof(ea));
    ea.sc = sc;
    if ((err = entity_alerts(st, kind_name(n->kind), n->key, &ea)) != TW_OK)
        return err; /* a store error is a store error (500), not memory */
    shown = ea.open_seen && ea.open_in_scope;
    visible = !sc->scoped || n->hop <= 1 || shown;
    if (visible)
        snprintf(buf, sizeof(buf), "%s:%s", kind_name(n->kind), n->key);
    else
        snprintf(buf, sizeof(buf), "hidden:%zu", index);
    if (!(*id = strdup(buf)))
        return TW_ENOMEM;
    o = json_object();
    put(o, "id", jstr(buf), oom);
    put(o, "type", json_string(kind_name(n->kind)), oom);
    put(o, "key", visible ? jstr(n->key) : json_null(), oom);
    put(o, "label", visible ? jstr(n->label ? n->label : n->key)
                            : json_string("(outside your scope)"),
        oom);
    put(o, "score", shown ? json_real(ea.open_score) : json_null(), oom);
    put(o, "level", shown ? jstr(ea.open_level) : json_null(), oom);
    put(o, "alert_id", shown ? json_integer(ea.open_id) : json_null(), oom);
    put(o, "hop", json_integer(n->hop), oom);
    put(o, "hidden", json_boolean(!visible), oom);
    if (visible)
        alist_add(&dis->keys, json_string(buf), oom);
    else
        dis->hidden_nodes++;
    if (shown)
        alist_add(&dis->alerts, json_integer(ea.open_id), oom);
    *out = o;
    return TW_OK;
}

tw_err_t api_entity_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    const char *type = http_req_param(req, 0), *key = http_req_param(req, 1);
    const auth_principal_t *p = http_req_principal(req);
    store_t *st = http_req_store(req);
    records_ctx_t rc;
    entity_alerts_t ea;
    disclosed_t dis;
    scope_t sc;
    graph_t *g = NULL;
    json_t *o = NULL, *records, *nodes = NULL, *edges = NULL, *related = NULL, *cluster, *detail;
    char object[AUDIT_OBJECT_MAX + 1], prefix[32], cid[1200];
    char **ids = NULL;
    int kind, truncated = 0, i, oom = 0;
    int64_t id = 0;
    size_t k;
    tw_err_t err;

    memset(&rc, 0, sizeof(rc));
    memset(&ea, 0, sizeof(ea));
    memset(&sc, 0, sizeof(sc));
    alist_init(&dis.keys, API_AUDIT_LIST_BYTES);
    alist_init(&dis.alerts, API_AUDIT_LIST_BYTES / 4);
    dis.hidden_nodes = 0;
    for (kind = 0; entity_types[kind] && strcmp(entity_types[kind], type) != 0; kind++)
        ;
    if (!entity_types[kind]) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "entity type must be application, worker, employer, "
                             "intermediary, address or phone, not '%.40s'",
                             type);
        goto out;
    }
    kind = kind == 0 ? KIND_APPLICATION : kind - 1;
    snprintf(prefix, sizeof(prefix), "entity:%s:", type);
    audit_object(object, sizeof(object), prefix, key);

    /* the caller's scope first, before anything says whether the entity
     * exists: all, or an open alert of this entity assigned within it
     * (docs/authz.md). Unknown and out of reach get the same refusal, and
     * the refusal is audited. */
    if ((err = scope_load(st, p, AUTHZ_ENTITY_READ, &sc, ei)) != TW_OK)
        goto out;
    ea.sc = &sc;
    if (sc.scoped) {
        if ((err = entity_alerts(st, type, key, &ea)) != TW_OK) {
            if (err == TW_EDB)
                tw_errinfo_set(ei, err, "reading the entity's alerts: %s", store_errmsg(st));
            goto out;
        }
        if (!ea.open_seen || !ea.open_in_scope) {
            authz_object_t nobody = {-1, -1};
            err = authz_check(p, AUTHZ_ENTITY_READ, &nobody, ei);
            err = audit_denied(req, "entity.read.denied", object,
                               err == TW_OK ? TW_EINTERNAL : err, ei);
            goto out;
        }
        memset(&ea, 0, sizeof(ea));
        ea.sc = &sc;
    }

    /* exists? */
    for (i = 0; i < REG_COUNT; i++)
        rc.by_reg[i] = json_array();
    if (kind == KIND_APPLICATION) {
        err = store_application_records(st, key, API_RECORDS_MAX, record_cb, &rc, &truncated);
        if (err == TW_OK && json_array_size(rc.by_reg[REG_PERMITS]) == 0)
            err = TW_ENOTFOUND;
    } else {
        err = store_entity_find(st, (store_entity_t)kind, key, strlen(key), &id);
    }
    if (err == TW_ENOTFOUND) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "no %s '%.200s'", type, key);
        goto out;
    }
    if (err != TW_OK)
        goto out;
    if (kind != KIND_APPLICATION &&
        (err = store_entity_records(st, (store_entity_t)kind, id, key, API_RECORDS_MAX,
                                    record_cb, &rc, &truncated)) != TW_OK)
        goto out;
    g = calloc(1, sizeof(*g));
    if (!g) {
        err = TW_ENOMEM;
        goto out;
    }
    g->st = st;
    if ((err = graph_build(g, kind, id, key)) != TW_OK)
        goto out;

    o = json_object();
    put(o, "entity_type", json_string(type), &oom);
    put(o, "entity_key", jstr(key), &oom);
    records = json_object();
    for (i = 0; i < REG_COUNT; i++) {
        put(records, reg_get((reg_id_t)i)->name, rc.by_reg[i], &oom);
        rc.by_reg[i] = NULL;
    }
    put(o, "records", records, &oom);
    put(o, "records_truncated", json_boolean(truncated), &oom);
    ea.alerts = json_array();
    if ((err = entity_alerts(st, type, key, &ea)) != TW_OK) {
        if (err == TW_EDB)
            tw_errinfo_set(ei, err, "reading the entity's alerts: %s", store_errmsg(st));
        goto out;
    }
    for (k = 0; k < json_array_size(ea.alerts); k++)
        alist_add(&dis.alerts, json_incref(json_object_get(json_array_get(ea.alerts, k), "id")),
                  &oom);
    put(o, "alerts", ea.alerts, &oom);
    ea.alerts = NULL;
    put(o, "alerts_hidden", json_integer(ea.hidden), &oom);
    nodes = json_array();
    edges = json_array();
    related = json_array();
    if (kind == KIND_APPLICATION) {
        json_t *centre = json_object();
        snprintf(cid, sizeof(cid), "application:%s", key);
        put(centre, "id", jstr(cid), &oom);
        put(centre, "type", json_string("application"), &oom);
        put(centre, "key", jstr(key), &oom);
        put(centre, "label", jstr(key), &oom);
        put(centre, "score", json_null(), &oom);
        put(centre, "level", json_null(), &oom);
        put(centre, "alert_id", json_null(), &oom);
        put(centre, "hop", json_integer(0), &oom);
        put(centre, "hidden", json_false(), &oom);
        push(nodes, centre, &oom);
        alist_add(&dis.keys, jstr(cid), &oom);
    } else {
        snprintf(cid, sizeof(cid), "%s:%s", type, key);
        alist_add(&dis.keys, jstr(cid), &oom); /* also when the graph could not hold it */
    }
    if (g->nn && !(ids = calloc(g->nn, sizeof(*ids)))) {
        err = TW_ENOMEM;
        goto out;
    }
    for (k = 0; k < g->nn; k++) {
        json_t *n;
        if ((err = node_json(st, &sc, &g->nodes[k], k, &dis, &n, &ids[k], &oom)) != TW_OK) {
            if (err == TW_EDB)
                tw_errinfo_set(ei, err, "reading the alerts of the network: %s",
                               store_errmsg(st));
            goto out;
        }
        if (g->nodes[k].hop == 1)
            push(related, json_pack("{s:O,s:O,s:O}", "type", json_object_get(n, "type"), "key",
                                    json_object_get(n, "key"), "label",
                                    json_object_get(n, "label")),
                 &oom);
        push(nodes, n, &oom);
        if (kind == KIND_APPLICATION && g->nodes[k].hop == 1)
            push(edges, json_pack("{s:s,s:s,s:s}", "source", cid, "target", ids[k], "kind",
                                  kind_name(g->nodes[k].kind)),
                 &oom);
    }
    for (k = 0; k < g->ne; k++)
        push(edges, json_pack("{s:s,s:s,s:s}", "source", ids[g->edges[k].a], "target",
                              ids[g->edges[k].b], "kind", g->edges[k].kind),
             &oom);
    put(o, "related", related, &oom);
    related = NULL;
    cluster = json_object();
    put(cluster, "nodes", nodes, &oom);
    put(cluster, "edges", edges, &oom);
    nodes = edges = NULL;
    put(cluster, "truncated", json_boolean(g->truncated), &oom);
    put(cluster, "hidden", json_integer(dis.hidden_nodes), &oom);
    put(o, "cluster", cluster, &oom);
    if (oom) {
        err = TW_ENOMEM;
        goto out;
    }

    /* invariant 2, and which people were shown, not only whose page it was */
    detail = json_object();
    if (detail) {
        alist_put(detail, "keys", &dis.keys, &oom);
        alist_put(detail, "alerts", &dis.alerts, &oom);
        put(detail, "hidden_nodes", json_integer(dis.hidden_nodes), &oom);
        put(detail, "hidden_alerts", json_integer(ea.hidden), &oom);
    }
    if (oom || !detail) {
        json_decref(detail);
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = audit(req, "entity.read", object, detail, ei)) != TW_OK)
        goto out;
    err = reply_json(rep, 200, o, oom);
    o = NULL;
out:
    for (i = 0; i < REG_COUNT; i++)
        json_decref(rc.by_reg[i]);
    json_decref(ea.alerts);
    json_decref(o);
    json_decref(nodes);
    json_decref(edges);
    json_decref(related);
    json_decref(dis.keys.items);
    json_decref(dis.alerts.items);
    if (ids) {
        for (k = 0; k < g->nn; k++)
            free(ids[k]);
        free(ids);
    }
    if (g)
        graph_free(g);
    free(g);
    scope_free(&sc);
    return err;
}

/* ---- import ------------------------------------------------------------- */

typedef struct {
    json_t *list;
    int oom;
} rejects_ctx_t;

static tw_err_t reject_cb(void *ctx, long long line, long long column, const char *field,
                          const char *severity, const char *reason, const char *raw)
{
    rejects_ctx_t *c = ctx;
    json_t *o = json_object();
    put(o, "line", json_integer(line), &c->oom);
    put(o, "column", column ? json_integer(column) : json_null(), &c->oom);
    put(o, "field", jstr(field && field[0] ? field : NULL), &c->oom);
    put(o, "severity", jstr(severity), &c->oom);
    put(o, "reason", jstr(reason), &c->oom);
    /* a reason a client words in its own language: a key repeated later
     * in the file (the line of its last row) */
    if (import_reason_repeated(reason) > 0) {
        put(o, "code", json_string("key_repeated"), &c->oom);
        put(o, "repeated_at", json_integer(import_reason_repeated(reason)), &c->oom);
    }
    /* the row as the file had it: the screen shows the refused value and
     * the row's id, and offers the refused rows as a file to correct */
    put(o, "row", jstr(raw), &c->oom);
    push(c->list, o, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

/* An import that failed after it had started its batch: the rows it
 * committed before the failure stay in the store (its import_batch row says
 * "failed"), so the attempt is recorded as "import.failed" with the rows
 * read. The failure itself is what the client is told; a failure to record
 * it goes to the log. */
static void audit_import_failed(http_req_t *req, const import_result_t *res, tw_err_t failure)
{
    char object[96];
    tw_errinfo_t aei;
    snprintf(object, sizeof(object), "batch:%lld", (long long)res->batch_id);
    tw_errinfo_clear(&aei);
    if (audit(req, "import.failed", object,
              json_pack("{s:s,s:s,s:I}", "register", reg_get(res->reg)->name, "error",
                        tw_err_code_name(failure), "read", (json_int_t)res->counts.rows_read),
              &aei) != TW_OK)
        fprintf(stderr, "serve: error: auditing a failed import (batch %lld): %s\n",
                (long long)res->batch_id, aei.msg);
}

tw_err_t api_import(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"register", NULL};
    const char *reg = param(req, "register");
    const char *ct = http_req_header(req, "Content-Type");
    const char *tmpdir = getenv("TMPDIR");
    store_t *st = http_req_store(req);
    import_opts_t opts;
    import_result_t res;
    rejects_ctx_t rj;
    char path[4096], object[96];
    const char *body;
    size_t len, off = 0;
    long long total = 0;
    json_t *o = NULL, *counts;
    int fd = -1, oom = 0;
    tw_err_t err;

    memset(&rj, 0, sizeof(rj));
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    if (!ct || strncasecmp(ct, "text/csv", 8) != 0 || (ct[8] && ct[8] != ';' && ct[8] != ' '))
        return http_reply_error(rep, 415, "unsupported_media_type",
                                "the body must be a CSV file sent as Content-Type: text/csv");
    if (reg && !reg_by_name(reg))
        return tw_errinfo_set(ei, TW_EINPUT, "parameter register: unknown register '%.40s' "
                                             "(permits, border_crossings, inspections, "
                                             "reports, outcomes)",
                              reg);
    body = http_req_body(req, &len);
    if (len == 0)
        return tw_errinfo_set(ei, TW_EINPUT, "the body is empty: send the CSV file");
    /* the importer reads a file: the body goes to a private temporary one */
    snprintf(path, sizeof(path), "%s/tw-upload-XXXXXX.csv",
             tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    if ((fd = mkstemps(path, 4)) < 0)
        return tw_errinfo_set(ei, TW_EIO, "cannot create a temporary file: %s",
                              strerror(errno));
    while (off < len) {
        ssize_t w = write(fd, body + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err = tw_errinfo_set(ei, TW_EIO, "writing the temporary file: %s", strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0) {
        fd = -1;
        err = tw_errinfo_set(ei, TW_EIO, "writing the temporary file: %s", strerror(errno));
        goto out;
    }
    fd = -1;
    memset(&opts, 0, sizeof(opts));
    /* row by row inside the server: the bulk path holds one write
     * transaction for the whole file (every other writer, the audit of
     * every request included, would wait) and a 1 GiB page cache */
    opts.bulk = IMPORT_BULK_OFF;
    opts.register_name = reg;
    opts.rejects_path = "";
    opts.progress = IMPORT_PROGRESS_NONE;
    opts.quiet = 1;
    opts.cancel = http_req_cancel(req);
    memset(&res, 0, sizeof(res));
    err = import_file(st, path, &opts, &res, ei);
    if (err != TW_OK) {
        tw_errinfo_file(ei, "upload"); /* the temporary name means nothing to the client */
        if (res.batch_id != 0)
            audit_import_failed(req, &res, err);
        goto out;
    }
    if (http_req_opts(req)->live && res.counts.rows_new + res.counts.rows_versioned > 0)
        live_holder_poke(http_req_opts(req)->live); /* the scoring index is behind */
    /* audited once it has run: an upload refused as a whole (its header)
     * wrote nothing; an import cut short by a crash is still told by its
     * import_batch row, marked interrupted */
    snprintf(object, sizeof(object), "batch:%lld", (long long)res.batch_id);
    if ((err = audit(req, "import", object,
                     json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:b}", "register",
                               reg_get(res.reg)->name, "read", (json_int_t)res.counts.rows_read,
                               "new", (json_int_t)res.counts.rows_new, "versioned",
                               (json_int_t)res.counts.rows_versioned, "rejected",
                               (json_int_t)res.counts.rows_rejected, "warnings",
                               (json_int_t)res.counts.warnings, "cancelled", res.cancelled),
                     ei)) != TW_OK)
        goto out;
    rj.list = json_array();
    if ((err = store_batch_rejects(st, res.batch_id, API_IMPORT_REJECTS, reject_cb, &rj,
                                   &total)) != TW_OK) {
        tw_errinfo_set(ei, err, "reading the rejects: %s", store_errmsg(st));
        goto out;
    }
    o = json_object();
    put(o, "register", json_string(reg_get(res.reg)->name), &oom);
    put(o, "batch_id", json_integer(res.batch_id), &oom);
    counts = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "read",
                       (json_int_t)res.counts.rows_read, "new", (json_int_t)res.counts.rows_new,
                       "versioned", (json_int_t)res.counts.rows_versioned, "unchanged",
                       (json_int_t)res.counts.rows_unchanged, "rejected",
                       (json_int_t)res.counts.rows_rejected, "repeated",
                       (json_int_t)res.rows_repeated, "warnings",
                       (json_int_t)res.counts.warnings, "bytes", (json_int_t)res.counts.bytes);
    put(o, "counts", counts, &oom);
    put(o, "rejects", rj.list, &oom);
    rj.list = NULL;
    put(o, "rejects_total", json_integer(total), &oom);
    put(o, "cancelled", json_boolean(res.cancelled), &oom);
    put(o, "bulk", json_boolean(res.bulk), &oom); /* never, inside the server */
    err = reply_json(rep, 200, o, oom || rj.oom);
    o = NULL;
out:
    if (fd >= 0)
        close(fd);
    unlink(path);
    json_decref(rj.list);
    json_decref(o);
    return err;
}

/* ---- statistics --------------------------------------------------------- */

/* ISO 8601 week "YYYY-Www" of a date "YYYY-MM-DD..."; "" when unreadable.
 * The week's Thursday decides its year; its day of that year, its number. */
static void iso_week(const char *date, char out[16])
{
    int32_t days;
    struct tm tm;
    time_t t;
    int wd;

    out[0] = '\0';
    if (!date || strlen(date) < 10 || value_date(date, 10, &days, NULL) != TW_OK)
        return;
    t = (time_t)days * 86400;
    gmtime_r(&t, &tm);
    wd = tm.tm_wday == 0 ? 7 : tm.tm_wday; /* Monday 1 .. Sunday 7 */
    t += (time_t)(4 - wd) * 86400;
    gmtime_r(&t, &tm);
    snprintf(out, 16, "%04d-W%02d", (tm.tm_year + 1900) % 10000, (tm.tm_yday / 7 + 1) % 100);
}

typedef struct {
    strmap_t week, indicator, region, nationality;
    long long level[4], status[5], total;
    tw_err_t err;
} stats_t;

static void count_in(stats_t *s, strmap_t *m, const char *key)
{
    uint64_t *slot;
    if (s->err == TW_OK && (s->err = strmap_put(m, key, strlen(key), 0, &slot, NULL, NULL)) ==
                               TW_OK)
        (*slot)++;
}

static tw_err_t stats_cb(void *ctx, const alerts_item_t *it)
{
    stats_t *s = ctx;
    char week[16], id[128];
    const char *p = it->indicators;
    int i;

    s->total++;
    iso_week(it->created_at, week);
    count_in(s, &s->week, week[0] ? week : "unknown");
    while (p && *p) {
        size_t n = strcspn(p, ";");
        if (n && n < sizeof(id)) {
            memcpy(id, p, n);
            id[n] = '\0';
            count_in(s, &s->indicator, id);
        }
        p += n + (p[n] == ';');
    }
    count_in(s, &s->region, it->region ? it->region : "unknown");
    if (strcmp(it->entity_type, "application") == 0 || strcmp(it->entity_type, "worker") == 0)
        count_in(s, &s->nationality, it->nationality ? it->nationality : "unknown");
    s->level[it->level ? (strcmp(it->level, "high") == 0     ? 3
                          : strcmp(it->level, "medium") == 0 ? 2
                          : strcmp(it->level, "low") == 0    ? 1
                                                             : 0)
                       : 0]++;
    for (i = 0; statuses[i]; i++)
        if (it->status && strcmp(statuses[i], it->status) == 0)
            s->status[i]++;
    return s->err;
}

typedef struct {
    const char *key;
    long long n;
} kv_t;

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const kv_t *)a)->key, ((const kv_t *)b)->key);
}

static int cmp_count(const void *a, const void *b)
{
    const kv_t *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* [{name: key, "count": n}] from a map, sorted by key or by count. */
static json_t *map_json(const strmap_t *m, const char *name, int by_count, int *oom)
{
    json_t *a = json_array();
    kv_t *kv = calloc(m->count + 1, sizeof(*kv));
    size_t i, n = 0;
    if (!kv) {
        *oom = 1;
        return a;
    }
    for (i = 0; i < m->nslots; i++)
        if (m->slots[i].key) {
            kv[n].key = m->slots[i].key;
            kv[n].n = (long long)m->slots[i].val;
            n++;
        }
    qsort(kv, n, sizeof(*kv), by_count ? cmp_count : cmp_key);
    for (i = 0; i < n; i++)
        push(a, json_pack("{s:s,s:I}", name, kv[i].key, "count", (json_int_t)kv[i].n), oom);
    free(kv);
    return a;
}

tw_err_t api_stats_summary(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const levels[4] = {"none", "low", "medium", "high"};
    stats_t s;
    json_t *o = NULL, *lv, *fun;
    int oom = 0, i;
    tw_err_t err;

    memset(&s, 0, sizeof(s));
    strmap_init(&s.week);
    strmap_init(&s.indicator);
    strmap_init(&s.region);
    strmap_init(&s.nationality);
    if ((err = http_req_query_check(req, (const char *const[]){NULL}, ei)) != TW_OK)
        goto out;
    if ((err = alerts_scan(http_req_store(req), stats_cb, &s)) != TW_OK) {
        tw_errinfo_set(ei, err, "reading alerts: %s", store_errmsg(http_req_store(req)));
        goto out;
    }
    o = json_object();
    put(o, "alerts_total", json_integer(s.total), &oom);
    put(o, "by_week", map_json(&s.week, "week", 0, &oom), &oom);
    put(o, "by_indicator", map_json(&s.indicator, "indicator", 1, &oom), &oom);
    put(o, "by_region", map_json(&s.region, "region", 1, &oom), &oom);
    put(o, "by_nationality", map_json(&s.nationality, "nationality", 1, &oom), &oom);
    lv = json_object();
    for (i = 0; i < 4; i++)
        put(lv, levels[i], json_integer(s.level[i]), &oom);
    put(o, "by_level", lv, &oom);
    fun = json_object();
    for (i = 0; statuses[i]; i++)
        put(fun, statuses[i], json_integer(s.status[i]), &oom);
    put(o, "funnel", fun, &oom);
    err = reply_json(rep, 200, o, oom);
    o = NULL;
out:
    json_decref(o);
    strmap_free(&s.week);
    strmap_free(&s.indicator);
    strmap_free(&s.region);
    strmap_free(&s.nationality);
    return err;
}

/* ---- POST /api/v1/score --------------------------------------------------- */

/* One normaliser per worker thread (it holds ICU transliterators, too dear
 * to open per request), closed when the thread ends. */
static pthread_key_t norm_key;
static pthread_once_t norm_once = PTHREAD_ONCE_INIT;

static void norm_destroy(void *n)
{
    norm_close(n);
}

static void norm_key_make(void)
{
    if (pthread_key_create(&norm_key, norm_destroy) != 0)
        abort(); /* no thread-specific keys left: a bug of the process */
}

static norm_t *thread_norm(void)
{
    norm_t *n;
    pthread_once(&norm_once, norm_key_make);
    if ((n = pthread_getspecific(norm_key)) != NULL)
        return n;
    if (norm_open(&n) != TW_OK)
        return NULL;
    if (pthread_setspecific(norm_key, n) != 0) {
        norm_close(n);
        return NULL;
    }
    return n;
}

typedef struct {
    long long id;
    char status[16], level[8];
    int found;
} open_alert_t;

static tw_err_t open_alert_cb(void *ctx, const alerts_item_t *it)
{
    open_alert_t *a = ctx;
    if (a->found || !status_open(it->status))
        return TW_OK;
    a->found = 1;
    a->id = it->id;
    snprintf(a->status, sizeof(a->status), "%s", it->status);
    snprintf(a->level, sizeof(a->level), "%s", it->level);
    return TW_OK;
}

/* {"key":..., "score":..., "level":...} of the application's worker or
 * employer as the neighbourhood scores it; null without one. */
static json_t *party_json(store_t *st, const live_t *lv, const live_result_t *r,
                          ind_kind_t kind, store_entity_t ent, uint32_t local, int *oom)
{
    char key[512];
    double sc;
    score_level_t lvl;
    json_t *o;
    if (!local || local >= r->ix.nentities[ent] || !r->ix.global_id[ent])
        return json_null();
    if (store_entity_key(st, ent, r->ix.global_id[ent][local], key, sizeof(key)) != TW_OK)
        snprintf(key, sizeof(key), "%s", ""); /* not stored (a dry run's new entity) */
    live_entity_score(lv, r, kind, &sc, &lvl);
    o = json_object();
    put(o, "key", key[0] ? jstr(key) : json_null(), oom);
    put(o, "score", json_real(round(sc * 100) / 100), oom);
    put(o, "level", json_string(score_level_name(lvl)), oom);
    return o;
}

/* 422 with every issue of a rejected application, as a rejects file lists
 * them. */
static tw_err_t reply_rejected(http_reply_t *rep, const import_record_t *rec)
{
    json_t *o = json_object(), *issues = json_array(), *e = json_object();
    const char *field, *reason, *first_field = "", *first_reason = "";
    char msg[320];
    size_t i;
    int warning, oom = 0, have = 0;

    for (i = 0; i < import_record_issues(rec); i++) {
        json_t *is = json_object();
        import_record_issue(rec, i, &field, &warning, &reason);
        if (!warning && !have) {
            first_field = field;
            first_reason = reason;
            have = 1;
        }
        put(is, "field", jstr(field[0] ? field : NULL), &oom);
        put(is, "severity", json_string(warning ? "warning" : "error"), &oom);
        put(is, "reason", jstr(reason), &oom);
        push(issues, is, &oom);
    }
    snprintf(msg, sizeof(msg), "the application is rejected: %s%s%s", first_field,
             first_field[0] ? ": " : "", first_reason);
    put(e, "code", json_string("rejected"), &oom);
    put(e, "message", jstr(msg), &oom);
    put(o, "error", e, &oom);
    put(o, "issues", issues, &oom);
    return reply_json(rep, 422, o, oom);
}

/* The body's members as column names and text values: strings as they are,
 * whole numbers in decimal, null as empty. values[i] are malloc'd. */
static tw_err_t score_fields(json_t *body, const char ***names, char ***values, size_t *n,
                             tw_errinfo_t *ei)
{
    const char *k;
    json_t *v;
    size_t i = 0;

    *n = json_object_size(body);
    if (*n == 0)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "request body: the application's fields are missing (an object "
                              "of permits register columns)");
    *names = calloc(*n, sizeof(**names));
    *values = calloc(*n, sizeof(**values));
    if (!*names || !*values)
        return TW_ENOMEM;
    json_object_foreach(body, k, v) {
        char num[32];
        const char *text;
        if (json_is_string(v)) {
            if (json_string_length(v) > API_SCORE_FIELD_MAX)
                return tw_errinfo_set(ei, TW_EINPUT,
                                      "request body: \"%.60s\" is longer than %d bytes", k,
                                      API_SCORE_FIELD_MAX);
            if (strlen(json_string_value(v)) != json_string_length(v))
                return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%.60s\" holds a NUL", k);
            text = json_string_value(v);
        } else if (json_is_integer(v)) {
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            text = num;
        } else if (json_is_null(v)) {
            text = "";
        } else {
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "request body: \"%.60s\" must be a string, a whole number or "
                                  "null",
                                  k);
        }
        (*names)[i] = k;
        if (!((*values)[i] = strdup(text)))
            return TW_ENOMEM;
        i++;
    }
    return TW_OK;
}

tw_err_t api_score(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"dry_run", NULL};
    static const char *const stored_names[] = {"", "new", "version", "unchanged"};
    const http_opts_t *o = http_req_opts(req);
    const auth_principal_t *p = http_req_principal(req);
    store_t *st = http_req_store(req);
    const char *dry_s = param(req, "dry_run");
    const char **names = NULL;
    char **values = NULL;
    size_t n = 0, i;
    import_record_t *rec = NULL;
    import_stored_t stored;
    store_links_t links;
    const live_t *lv = NULL;
    live_input_t in;
    live_result_t r;
    ind_marks_t marks;
    open_alert_t alert;
    tw_buf_t ev_json, ev_text;
    json_t *body = NULL, *out = NULL, *detail, *evidence = NULL;
    char object[160], source[128];
    int dry = 0, tx = 0, locked = 0, scored = 0, oom = 0;
    norm_t *norm;
    tw_err_t err;

    memset(&r, 0, sizeof(r));
    memset(&marks, 0, sizeof(marks));
    memset(&stored, 0, sizeof(stored));
    memset(&alert, 0, sizeof(alert));
    buf_init(&ev_json, (size_t)16 << 20);
    buf_init(&ev_text, (size_t)4 << 20);
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        goto out;
    if (dry_s) {
        if (strcmp(dry_s, "1") == 0 || strcmp(dry_s, "true") == 0) {
            dry = 1;
        } else if (strcmp(dry_s, "0") != 0 && strcmp(dry_s, "false") != 0) {
            err = tw_errinfo_set(ei, TW_EINPUT, "parameter dry_run: must be true or false");
            goto out;
        }
    }
    if (!o->live) {
        err = http_reply_error(rep, 503, "unavailable", "%s",
                               "scoring is not enabled on this server");
        goto out;
    }
    if ((err = http_req_json(req, &body, ei)) != TW_OK ||
        (err = score_fields(body, &names, &values, &n, ei)) != TW_OK)
        goto out;
    if (!(norm = thread_norm())) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "%s", "cannot set up name normalisation");
        goto out;
    }
    if ((err = import_record_check(REG_PERMITS, norm, names, (const char *const *)values, n,
                                   &rec, ei)) != TW_OK)
        goto out; /* the message names the field */
    if (import_record_rejected(rec)) {
        err = reply_rejected(rep, rec);
        goto out;
    }
    if (!(lv = live_holder_acquire(o->live))) {
        live_holder_info_t info;
        live_holder_info(o->live, &info);
        rep->retry_after = 5;
        err = http_reply_error(rep, 503, "loading", "the scoring index is %s",
                               info.error[0] ? "not loaded: see the server's log" : "loading");
        goto out;
    }

    /* the arrival stored, scored against the warm index, the application's
     * alert brought in line, and the audit entry: one transaction */
    http_write_lock(req);
    locked = 1;
    if ((err = store_begin(st)) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "starting the scoring: %s", store_errmsg(st));
        goto out;
    }
    tx = 1;
    snprintf(source, sizeof(source), "api:score by %s", p->user);
    if (dry) {
        err = import_record_links(st, rec, &links);
        if (err != TW_OK)
            err = tw_errinfo_set(ei, err, "looking up the application's entities: %s",
                                 err == TW_EDB ? store_errmsg(st) : tw_strerror(err));
    } else if ((err = import_record_store(st, rec, source, &stored, ei)) == TW_OK) {
        links = stored.links;
    }
    if (err != TW_OK)
        goto out;
    memset(&in, 0, sizeof(in));
    if ((err = engine_app_from_values(import_record_values(rec), &links, &in.app)) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EINTERNAL, "%s", "an entity id out of range");
        goto out;
    }
    in.application_id = import_record_key(rec);
    in.replaces = live_find(lv, in.application_id);
    if ((err = live_score(lv, &in, &r, ei)) != TW_OK)
        goto out;
    scored = 1;
    if (!dry) {
        alerts_summary_t sum;
        if ((err = ind_marks_init(&marks, &r.ix)) != TW_OK) {
            err = tw_errinfo_set(ei, err, "%s", "no memory for the alert update");
            goto out;
        }
        ind_mark(&marks, IK_APPLICATION, 0);
        if ((err = alerts_apply_live(st, &r.ix, &r.hits, &r.sr, live_config(lv), &marks,
                                     p->user, &sum, ei)) != TW_OK ||
            (err = alerts_for_entity(st, "application", in.application_id, open_alert_cb,
                                     &alert)) != TW_OK)
            goto out;
    }
    if (r.app && (err = alerts_evidence(st, &r.ix, &r.hits, &r.sr, r.app, live_config(lv),
                                        &ev_json, &ev_text)) != TW_OK) {
        err = tw_errinfo_set(ei, err, "rendering the evidence: %s", tw_strerror(err));
        goto out;
    }
    if (r.app && !(evidence = json_loadb(ev_json.p, ev_json.len, 0, NULL))) {
        err = tw_errinfo_set(ei, TW_EINTERNAL, "%s", "the evidence is not valid JSON");
        goto out;
    }
    audit_object(object, sizeof(object), "application:", in.application_id);
    detail = json_object();
    put(detail, "stored", dry ? json_null() : json_string(stored_names[stored.status]), &oom);
    put(detail, "score", json_real(round(r.score * 100) / 100), &oom);
    put(detail, "level", json_string(score_level_name(r.level)), &oom);
    put(detail, "alert_id", alert.found ? json_integer(alert.id) : json_null(), &oom);
    if (oom) {
        json_decref(detail);
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = audit(req, dry ? "score.dry_run" : "score", object, detail, ei)) != TW_OK)
        goto out;
    if ((err = store_commit(st)) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "committing the scoring: %s", store_errmsg(st));
        goto out;
    }
    tx = 0;
    http_write_unlock(req);
    locked = 0;
    if (!dry && stored.status != IMPORT_STORED_UNCHANGED)
        live_holder_poke(o->live); /* the index is behind the store now */

    out = json_object();
    put(out, "application_id", jstr(in.application_id), &oom);
    put(out, "stored", dry ? json_null() : json_string(stored_names[stored.status]), &oom);
    put(out, "score", json_real(round(r.score * 100) / 100), &oom);
    put(out, "level", json_string(score_level_name(r.level)), &oom);
    put(out, "neighbourhood", json_integer((json_int_t)r.neighbourhood), &oom);
    put(out, "worker",
        party_json(st, lv, &r, IK_WORKER, ENT_WORKER, r.ix.napps ? r.ix.apps[0].worker : 0,
                   &oom),
        &oom);
    put(out, "employer",
        party_json(st, lv, &r, IK_EMPLOYER, ENT_EMPLOYER,
                   r.ix.napps ? r.ix.apps[0].employer : 0, &oom),
        &oom);
    put(out, "explanation", r.app ? jstr(buf_str(&ev_text)) : jstr("No indicator fired."),
        &oom);
    put(out, "evidence", evidence ? evidence : json_null(), &oom);
    evidence = NULL;
    if (alert.found) {
        json_t *a = json_object();
        put(a, "id", json_integer(alert.id), &oom);
        put(a, "status", json_string(alert.status), &oom);
        put(a, "level", json_string(alert.level), &oom);
        put(out, "alert", a, &oom);
    } else {
        put(out, "alert", json_null(), &oom);
    }
    {
        json_t *w = json_array();
        for (i = 0; i < import_record_issues(rec); i++) {
            const char *field, *reason;
            int warning;
            json_t *is = json_object();
            import_record_issue(rec, i, &field, &warning, &reason);
            put(is, "field", jstr(field[0] ? field : NULL), &oom);
            put(is, "reason", jstr(reason), &oom);
            push(w, is, &oom);
        }
        put(out, "warnings", w, &oom);
    }
    err = reply_json(rep, 200, out, oom);
    out = NULL;
out:
    if (tx)
        store_rollback(st);
    if (locked)
        http_write_unlock(req);
    if (scored)
        live_result_free(&r);
    if (lv)
        live_holder_release(o->live, lv);
    ind_marks_free(&marks);
    json_decref(evidence);
    json_decref(out);
    json_decref(body);
    if (values) {
        for (i = 0; i < n; i++)
            free(values[i]);
    }
    free(values);
    free(names);
    import_record_free(rec);
    buf_free(&ev_json);
    buf_free(&ev_text);
    return err;
}

/* ---- shared with api_cases.c (api_int.h) ------------------------------------ */

json_t *api_jstr(const char *s)
{
    return jstr(s);
}

void api_put(json_t *o, const char *k, json_t *v, int *oom)
{
    put(o, k, v, oom);
}

void api_push(json_t *a, json_t *v, int *oom)
{
    push(a, v, oom);
}

tw_err_t api_audit(http_req_t *req, const char *action, const char *object, json_t *detail,
                   tw_errinfo_t *ei)
{
    return audit(req, action, object, detail, ei);
}

tw_err_t api_body_str(json_t *body, const char *name, int required, size_t max,
                      const char **out, tw_errinfo_t *ei)
{
    return body_str(body, name, required, max, out, ei);
}

tw_err_t api_body_check(json_t *body, const char *const *allowed, tw_errinfo_t *ei)
{
    return body_check(body, allowed, ei);
}

tw_err_t api_reply_json(http_reply_t *rep, int status, json_t *j, int oom)
{
    return reply_json(rep, status, j, oom);
}

const char *api_param(const http_req_t *req, const char *name)
{
    return param(req, name);
}

tw_err_t api_alert_readable(http_req_t *req, long long id, tw_errinfo_t *ei)
{
    detail_ctx_t c;
    char object[64];
    tw_err_t err;

    memset(&c, 0, sizeof(c));
    c.action = AUTHZ_ALERT_READ;
    snprintf(object, sizeof(object), "alert:%lld", id);
    err = load_alert(req, id, 0, &c, ei);
    detail_free(&c);
    if (err == TW_EPERM) {
        tw_errinfo_clear(ei);
        if ((err = audit_denied(req, "alert.read.denied", object, TW_EPERM, ei)) != TW_EPERM)
            return err;
        err = TW_ENOTFOUND;
    }
    if (err == TW_ENOTFOUND) {
        tw_errinfo_clear(ei);
        tw_errinfo_field(ei, "alert_id");
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no alert %lld", id);
    }
    return err;
}

tw_err_t api_entity_guard(http_req_t *req, const char *type, const char *key, int deny,
                          int *readable, tw_errinfo_t *ei)
{
    const auth_principal_t *p = http_req_principal(req);
    store_t *st = http_req_store(req);
    entity_alerts_t ea;
    scope_t sc;
    char object[AUDIT_OBJECT_MAX + 1], prefix[32];
    tw_err_t err;

    *readable = 0;
    memset(&ea, 0, sizeof(ea));
    if ((err = scope_load(st, p, AUTHZ_ENTITY_READ, &sc, ei)) != TW_OK)
        goto out;
    *readable = 1;
    if (sc.scoped) {
        ea.sc = &sc;
        if ((err = entity_alerts(st, type, key, &ea)) != TW_OK) {
            if (err == TW_EDB)
                tw_errinfo_set(ei, err, "reading the entity's alerts: %s", store_errmsg(st));
            *readable = 0;
            goto out;
        }
        *readable = ea.open_seen && ea.open_in_scope;
    }
    if (!*readable && deny) {
        authz_object_t nobody = {-1, -1};
        snprintf(prefix, sizeof(prefix), "entity:%s:", type);
        audit_object(object, sizeof(object), prefix, key);
        err = authz_check(p, AUTHZ_ENTITY_READ, &nobody, ei);
        err = audit_denied(req, "entity.read.denied", object, err == TW_OK ? TW_EINTERNAL : err,
                           ei);
    }
out:
    scope_free(&sc);
    return err;
}
