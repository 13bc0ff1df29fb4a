/*
 * api_persons.c - /api/v1/persons...: the person page (records across the
 * registers and the evidence of every link) and the clerical review queue
 * of record pairs the linkage is unsure of, with its decisions
 * (docs/api.md "Persons"; the data is link/persons.h's).
 *
 * Authorisation: the routes say the action (person.read, person.review;
 * docs/authz.md); every read of a person and every decision is written to
 * the audit log, the decision in the same transaction as its row. The
 * person page, too, shows an NRM case record (and its links) only to a
 * caller who may see that case's identity: person.read is the analysts',
 * who read no case, and a case's existence is organisation-isolated.
 *
 * The person of an entity page (GET /api/v1/workers/{key}/person,
 * entity.read) and of an NRM case page (GET /api/v1/cases/{id}/person,
 * case.read) show the person's records within the caller's scope only
 * (docs/authz.md, "A person on the entity and case pages"): the register
 * records (permits, crossings, reports) when the caller may read a worker
 * (document) of the person; a case record only when cases_access() lets
 * the caller see that case's identity (its owner, or a receiver whose
 * consent covers identity). A case out of reach is left out without a
 * trace (not even counted): that a person has an NRM case elsewhere is
 * itself what organisation isolation hides.
 * Thread model: http.c's (one store per thread); writes under
 * http_write_lock().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases.h"
#include "link/persons.h"
#include "server/api.h"
#include "server/api_int.h"

static tw_err_t parse_id(const char *s, const char *noun, int64_t *id, tw_errinfo_t *ei)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || s[0] == '+')
        return tw_errinfo_set(ei, TW_EINPUT, "%s id must be a positive whole number, not '%.40s'",
                              noun, s);
    *id = (int64_t)v;
    return TW_OK;
}

/* 1 when record is not an NRM case, or a case whose identity the caller
 * may see (cases_access(): its organisation, or a receiver whose consent
 * covers identity); 0 otherwise, and for a malformed case record. */
static int record_visible(http_req_t *req, const char *record)
{
    cases_actor_t act = {http_req_principal(req), http_req_remote(req), 0};
    cases_access_t acc;
    tw_errinfo_t e2;
    char *end;
    long long cid;
    if (strncmp(record, "cases:", 6) != 0)
        return 1;
    cid = strtoll(record + 6, &end, 10);
    if (*end || cid <= 0)
        return 0;
    tw_errinfo_clear(&e2);
    return cases_access(http_req_store(req), &act, (int64_t)cid, &acc, &e2) == TW_OK &&
           (acc.categories & CASES_CAT_IDENTITY);
}

typedef struct {
    json_t *records, *links;
    http_req_t *req;
    long long hidden_cases; /* not shown, not said: for the audit entry only */
    int oom;
} view_ctx_t;

static tw_err_t view_rec(void *ctx, const char *record, int64_t group)
{
    view_ctx_t *c = ctx;
    json_t *o;
    if (!record_visible(c->req, record)) {
        c->hidden_cases++;
        return TW_OK;
    }
    o = json_object();
    const char *colon = strchr(record, ':');
    char reg[16] = "";
    if (colon && (size_t)(colon - record) < sizeof reg)
        memcpy(reg, record, (size_t)(colon - record));
    api_put(o, "record", api_jstr(record), &c->oom);
    api_put(o, "register", api_jstr(reg), &c->oom);
    api_put(o, "id", api_jstr(colon ? colon + 1 : record), &c->oom);
    api_put(o, "group", json_integer((json_int_t)(group & 0xffffffff)), &c->oom);
    api_push(c->records, o, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

/* The evidence's JSON form as stored (persons.h); null when unreadable. */
static json_t *detail_of(const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    return j ? j : json_null();
}

static tw_err_t view_join(void *ctx, const char *a, const char *b, const char *how,
                          double weight, const char *evidence, const char *detail)
{
    view_ctx_t *c = ctx;
    json_t *o;
    /* a link to a case the caller may not see would say it exists */
    if (!record_visible(c->req, a) || !record_visible(c->req, b))
        return TW_OK;
    o = json_object();
    api_put(o, "detail", detail_of(detail), &c->oom);
    api_put(o, "a", api_jstr(a), &c->oom);
    api_put(o, "b", api_jstr(b), &c->oom);
    api_put(o, "how", api_jstr(how), &c->oom);
    api_put(o, "weight", json_real(weight), &c->oom);
    api_put(o, "probability", json_real(link_probability(weight)), &c->oom);
    api_put(o, "evidence", api_jstr(evidence), &c->oom);
    api_push(c->links, o, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

tw_err_t api_person_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    view_ctx_t c;
    json_t *o;
    int64_t id, resolved = 0;
    char object[64];
    tw_err_t err;

    if ((err = parse_id(http_req_param(req, 0), "person", &id, ei)) != TW_OK)
        return err;
    memset(&c, 0, sizeof c);
    c.req = req;
    c.records = json_array();
    c.links = json_array();
    o = json_object();
    err = persons_view(http_req_store(req), id, &resolved, view_rec, view_join, &c, ei);
    if (err == TW_OK) {
        snprintf(object, sizeof object, "person:%lld", (long long)resolved);
        err = api_audit(req, "person.read", object, NULL, ei);
    }
    if (err != TW_OK) {
        json_decref(c.records);
        json_decref(c.links);
        json_decref(o);
        return err;
    }
    api_put(o, "id", json_integer((json_int_t)resolved), &c.oom);
    api_put(o, "asked", json_integer((json_int_t)id), &c.oom);
    api_put(o, "merged", json_boolean(resolved != id), &c.oom);
    api_put(o, "records", c.records, &c.oom);
    api_put(o, "links", c.links, &c.oom);
    return api_reply_json(rep, 200, o, c.oom);
}

typedef struct {
    json_t *items;
    http_req_t *req;
    int oom;
} review_ctx_t;

/* A pair with a case the caller may not see is left out of the page and of
 * the count (persons_review_list() filters before it cuts the page). */
static int review_visible(void *ctx, const char *a, const char *b)
{
    review_ctx_t *c = ctx;
    return record_visible(c->req, a) && record_visible(c->req, b);
}

static tw_err_t review_item(void *ctx, const persons_review_t *r)
{
    review_ctx_t *c = ctx;
    json_t *o = json_object();
    api_put(o, "id", json_integer((json_int_t)r->id), &c->oom);
    api_put(o, "a", api_jstr(r->a), &c->oom);
    api_put(o, "b", api_jstr(r->b), &c->oom);
    api_put(o, "weight", json_real(r->weight), &c->oom);
    api_put(o, "probability", json_real(r->probability), &c->oom);
    api_put(o, "evidence", api_jstr(r->evidence), &c->oom);
    api_put(o, "detail", detail_of(r->detail), &c->oom);
    api_put(o, "decision", api_jstr(r->decision), &c->oom);
    api_put(o, "decided_by", api_jstr(r->decided_by), &c->oom);
    api_put(o, "decided_at", api_jstr(r->decided_at), &c->oom);
    api_put(o, "note", api_jstr(r->note), &c->oom);
    api_push(c->items, o, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

tw_err_t api_persons_review(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"limit", "decided", NULL};
    review_ctx_t c;
    const char *ls = api_param(req, "limit"), *ds = api_param(req, "decided");
    long long total = 0, limit = 50;
    json_t *o;
    tw_err_t err;

    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    if (ls) {
        char *end;
        errno = 0;
        limit = strtoll(ls, &end, 10);
        if (errno || *end || limit < 1 || limit > 500) {
            tw_errinfo_field(ei, "limit");
            return tw_errinfo_set(ei, TW_EINPUT, "limit must be a whole number in 1..500");
        }
    }
    if (ds && strcmp(ds, "true") != 0 && strcmp(ds, "false") != 0) {
        tw_errinfo_field(ei, "decided");
        return tw_errinfo_set(ei, TW_EINPUT, "decided must be true or false");
    }
    memset(&c, 0, sizeof c);
    c.req = req;
    c.items = json_array();
    err = persons_review_list(http_req_store(req), (size_t)limit, ds && strcmp(ds, "true") == 0,
                              review_visible, review_item, &c, &total);
    if (err == TW_OK)
        err = api_audit(req, "person.review.read", "link_review", NULL, ei);
    if (err != TW_OK) {
        json_decref(c.items);
        return err;
    }
    o = json_object();
    api_put(o, "pending", json_integer((json_int_t)total), &c.oom);
    api_put(o, "items", c.items, &c.oom);
    return api_reply_json(rep, 200, o, c.oom);
}

tw_err_t api_persons_decide(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"decision", "note", NULL};
    const auth_principal_t *p = http_req_principal(req);
    store_t *st = http_req_store(req);
    json_t *body = NULL, *detail, *o;
    const char *decision = NULL, *note = NULL;
    char a[256], b[256], object[64];
    int64_t id;
    int oom = 0;
    tw_err_t err;

    if ((err = parse_id(http_req_param(req, 0), "review pair", &id, ei)) != TW_OK ||
        (err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(body, allowed, ei)) != TW_OK ||
        (err = api_body_str(body, "decision", 1, 16, &decision, ei)) != TW_OK ||
        (err = api_body_str(body, "note", 0, 1000, &note, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    if ((err = store_begin(st)) == TW_OK) {
        err = persons_review_decide(st, id, decision, p->user, note, a, b, sizeof a, ei);
        if (err == TW_OK && (!record_visible(req, a) || !record_visible(req, b)))
            err = tw_errinfo_set(ei, TW_ENOTFOUND, "no review pair %lld", (long long)id);
        if (err == TW_OK) {
            detail = json_object();
            api_put(detail, "a", api_jstr(a), &oom);
            api_put(detail, "b", api_jstr(b), &oom);
            api_put(detail, "decision", api_jstr(decision), &oom);
            snprintf(object, sizeof object, "link_review:%lld", (long long)id);
            err = oom ? TW_ENOMEM : api_audit(req, "person.review", object, detail, ei);
        }
        if (err == TW_OK)
            err = store_commit(st);
        else
            store_rollback(st);
    }
    http_write_unlock(req);
    if (err != TW_OK)
        goto out;
    o = json_object();
    api_put(o, "id", json_integer((json_int_t)id), &oom);
    api_put(o, "a", api_jstr(a), &oom);
    api_put(o, "b", api_jstr(b), &oom);
    api_put(o, "decision", api_jstr(decision), &oom);
    api_put(o, "applies", api_jstr("at the next tipwatch link"), &oom);
    err = api_reply_json(rep, 200, o, oom);
out:
    json_decref(body);
    return err;
}

/* ---- a person on the entity page and on the NRM case page ---- */

typedef struct {
    http_req_t *req;
    int64_t self_case;      /* the case page's own case (not listed); 0 none */
    int registers;          /* 1: the register records are within scope */
    json_t *records;
    long long hidden;       /* register records outside the scope */
    long long cases_shown;
    int oom;
    tw_errinfo_t *ei;
} scoped_ctx_t;

static tw_err_t scoped_rec(void *ctx, const char *record, int64_t group)
{
    scoped_ctx_t *c = ctx;
    const char *colon = strchr(record, ':');
    json_t *o;
    (void)group;
    if (!colon)
        return TW_OK;
    if (strncmp(record, "cases:", 6) == 0) {
        cases_actor_t act = {http_req_principal(c->req), http_req_remote(c->req), 0};
        cases_access_t acc;
        tw_errinfo_t e2;
        char *end;
        long long cid = strtoll(colon + 1, &end, 10);
        tw_err_t err;
        if (*end || cid <= 0 || cid == c->self_case)
            return TW_OK;
        tw_errinfo_clear(&e2);
        err = cases_access(http_req_store(c->req), &act, (int64_t)cid, &acc, &e2);
        if (err == TW_ENOTFOUND || err == TW_EPERM ||
            (err == TW_OK && !(acc.categories & CASES_CAT_IDENTITY)))
            return TW_OK; /* out of reach: no trace */
        if (err != TW_OK) {
            *c->ei = e2;
            return err;
        }
        c->cases_shown++;
    } else if (!c->registers) {
        c->hidden++;
        return TW_OK;
    }
    o = json_object();
    {
        char reg[16] = "";
        if ((size_t)(colon - record) < sizeof reg)
            memcpy(reg, record, (size_t)(colon - record));
        api_put(o, "register", api_jstr(reg), &c->oom);
    }
    api_put(o, "record", api_jstr(record), &c->oom);
    api_put(o, "id", api_jstr(colon + 1), &c->oom);
    api_push(c->records, o, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

static tw_err_t skip_join(void *ctx, const char *a, const char *b, const char *how, double w,
                          const char *ev, const char *detail)
{
    (void)ctx, (void)a, (void)b, (void)how, (void)w, (void)ev, (void)detail;
    return TW_OK;
}

/* The person's records as c allows into *out ({"id", "records", "hidden",
 * "person_page"}), audited as person.read with what was shown. */
static tw_err_t scoped_person(http_req_t *req, int64_t pid, scoped_ctx_t *c, const char *via,
                              json_t **out, tw_errinfo_t *ei)
{
    const auth_principal_t *p = http_req_principal(req);
    json_t *o, *detail;
    int64_t resolved = 0;
    char object[64];
    tw_err_t err;
    tw_errinfo_t e2;

    c->records = json_array();
    err = persons_view(http_req_store(req), pid, &resolved, scoped_rec, skip_join, c, ei);
    if (err == TW_OK && c->oom)
        err = TW_ENOMEM;
    if (err != TW_OK) {
        json_decref(c->records);
        return err;
    }
    detail = json_object();
    api_put(detail, "via", api_jstr(via), &c->oom);
    api_put(detail, "records", json_integer((json_int_t)json_array_size(c->records)), &c->oom);
    api_put(detail, "hidden", json_integer((json_int_t)c->hidden), &c->oom);
    snprintf(object, sizeof object, "person:%lld", (long long)resolved);
    if ((err = api_audit(req, "person.read", object, detail, ei)) != TW_OK) {
        json_decref(c->records);
        return err;
    }
    o = json_object();
    api_put(o, "id", json_integer((json_int_t)resolved), &c->oom);
    api_put(o, "records", c->records, &c->oom);
    api_put(o, "hidden", json_integer((json_int_t)c->hidden), &c->oom);
    tw_errinfo_clear(&e2);
    /* the person page itself needs person.read */
    api_put(o, "person_page", json_boolean(authz_check(p, AUTHZ_PERSON_READ, NULL, &e2) == TW_OK),
            &c->oom);
    *out = o;
    return TW_OK;
}

tw_err_t api_worker_person(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    const char *key = http_req_param(req, 0);
    store_t *st = http_req_store(req);
    scoped_ctx_t c;
    json_t *o, *person = NULL;
    int64_t wid = 0, pid = 0;
    int readable = 0, oom = 0;
    char via[128];
    tw_err_t err;

    /* the entity page's own rule first, before anything says whether the
     * worker exists */
    if ((err = api_entity_guard(req, "worker", key, 1, &readable, ei)) != TW_OK)
        return err;
    err = store_entity_resolve(st, ENT_WORKER, key, strlen(key), 0, &wid);
    if (err == TW_ENOTFOUND)
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no worker '%.200s'", key);
    if (err != TW_OK)
        return err;
    memset(&c, 0, sizeof c);
    c.req = req;
    c.registers = 1; /* the caller may read this worker: the person is it */
    c.ei = ei;
    err = persons_of_worker(st, wid, &pid);
    if (err == TW_OK) {
        snprintf(via, sizeof via, "worker:%.100s", key);
        if ((err = scoped_person(req, pid, &c, via, &person, ei)) != TW_OK)
            return err;
    } else if (err != TW_ENOTFOUND) {
        return err;
    }
    o = json_object();
    api_put(o, "worker", api_jstr(key), &oom);
    api_put(o, "person", person ? person : json_null(), &oom);
    return api_reply_json(rep, 200, o, oom || c.oom);
}

typedef struct {
    http_req_t *req;
    int any;
    tw_errinfo_t *ei;
} worker_scope_t;

static tw_err_t worker_in_scope(void *ctx, int64_t wid)
{
    worker_scope_t *w = ctx;
    char key[256];
    int readable = 0;
    tw_err_t err;
    if (w->any)
        return TW_OK;
    err = store_entity_key(http_req_store(w->req), ENT_WORKER, wid, key, sizeof key);
    if (err == TW_ENOTFOUND || err == TW_ETOOBIG)
        return TW_OK;
    if (err != TW_OK)
        return err;
    if ((err = api_entity_guard(w->req, "worker", key, 0, &readable, w->ei)) != TW_OK)
        return err;
    w->any = readable;
    return TW_OK;
}

tw_err_t api_case_person(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    store_t *st = http_req_store(req);
    cases_actor_t act = {http_req_principal(req), http_req_remote(req), 0};
    cases_access_t acc;
    scoped_ctx_t c;
    worker_scope_t ws;
    json_t *o, *person = NULL;
    int64_t id, pid = 0;
    char rec[40], object[48];
    int oom = 0, withheld = 0;
    tw_err_t err;

    if ((err = parse_id(http_req_param(req, 0), "case", &id, ei)) != TW_OK)
        return err;
    err = cases_access(st, &act, id, &acc, ei);
    if (err == TW_ENOTFOUND) {
        /* out of reach and missing alike, and the probe is audited */
        tw_errinfo_t e2;
        tw_errinfo_clear(&e2);
        snprintf(object, sizeof object, "case:%lld", (long long)id);
        if (api_audit(req, "case.access.denied", object,
                      json_pack("{s:s}", "what", "read the case's person"), &e2) != TW_OK) {
            *ei = e2;
            return TW_EIO;
        }
        return err;
    }
    if (err != TW_OK)
        return err;
    memset(&c, 0, sizeof c);
    c.req = req;
    c.self_case = id;
    c.ei = ei;
    snprintf(rec, sizeof rec, "cases:%lld", (long long)id);
    if (!(acc.categories & CASES_CAT_IDENTITY)) {
        withheld = 1; /* a receiver whose consent does not cover identity */
    } else if ((err = persons_of_record(st, rec, &pid)) == TW_OK) {
        /* register records: when the caller may read a document of the
         * person (its entity page) */
        memset(&ws, 0, sizeof ws);
        ws.req = req;
        ws.ei = ei;
        if ((err = persons_workers_of(st, pid, worker_in_scope, &ws)) != TW_OK)
            return err;
        c.registers = ws.any;
        if ((err = scoped_person(req, pid, &c, rec, &person, ei)) != TW_OK)
            return err;
    } else if (err != TW_ENOTFOUND) {
        return err;
    }
    o = json_object();
    api_put(o, "case", json_integer((json_int_t)id), &oom);
    api_put(o, "withheld", json_boolean(withheld), &oom);
    api_put(o, "person", person ? person : json_null(), &oom);
    return api_reply_json(rep, 200, o, oom || c.oom);
}

/* POST /api/v1/persons/review {"a","b"}: a link of the person page into
 * the review queue (persons_review_add), audited with it. */
tw_err_t api_persons_dispute(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"a", "b", NULL};
    store_t *st = http_req_store(req);
    json_t *body = NULL, *detail, *o;
    const char *a = NULL, *b = NULL;
    char object[64], was[16];
    int64_t id = 0;
    int oom = 0;
    tw_err_t err;

    was[0] = '\0';
    if ((err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(body, allowed, ei)) != TW_OK ||
        (err = api_body_str(body, "a", 1, 200, &a, ei)) != TW_OK ||
        (err = api_body_str(body, "b", 1, 200, &b, ei)) != TW_OK)
        goto out;
    if (!record_visible(req, a) || !record_visible(req, b)) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND,
                             "%.200s and %.200s are not a link of one person", a, b);
        goto out;
    }
    http_write_lock(req);
    if ((err = store_begin(st)) == TW_OK) {
        err = persons_review_add(st, a, b, &id, was, sizeof was, ei);
        if (err == TW_OK) {
            detail = json_object();
            api_put(detail, "a", api_jstr(a), &oom);
            api_put(detail, "b", api_jstr(b), &oom);
            if (was[0]) /* a decided pair reopened: the decision it had */
                api_put(detail, "reopened", api_jstr(was), &oom);
            snprintf(object, sizeof object, "link_review:%lld", (long long)id);
            err = oom ? TW_ENOMEM : api_audit(req, "person.review.add", object, detail, ei);
        }
        if (err == TW_OK)
            err = store_commit(st);
        else
            store_rollback(st);
    }
    http_write_unlock(req);
    if (err != TW_OK)
        goto out;
    o = json_object();
    api_put(o, "id", json_integer((json_int_t)id), &oom);
    api_put(o, "a", api_jstr(a), &oom);
    api_put(o, "b", api_jstr(b), &oom);
    api_put(o, "reopened", api_jstr(was[0] ? was : NULL), &oom);
    err = api_reply_json(rep, 201, o, oom);
out:
    json_decref(body);
    return err;
}
