/*
 * api_persons.c - /api/v1/persons...: the person page (records across the
 * registers and the evidence of every link) and the clerical review queue
 * of record pairs the linkage is unsure of, with its decisions
 * (docs/api.md "Persons"; the data is link/persons.h's).
 *
 * Authorisation: the routes say the action (person.read, person.review;
 * docs/authz.md); every read of a person and every decision is written to
 * the audit log, the decision in the same transaction as its row.
 * Thread model: http.c's (one store per thread); writes under
 * http_write_lock().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

typedef struct {
    json_t *records, *links;
    int oom;
} view_ctx_t;

static tw_err_t view_rec(void *ctx, const char *record, int64_t group)
{
    view_ctx_t *c = ctx;
    json_t *o = json_object();
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
    json_t *o = json_object();
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
    int oom;
} review_ctx_t;

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
    c.items = json_array();
    err = persons_review_list(http_req_store(req), (size_t)limit, ds && strcmp(ds, "true") == 0,
                              review_item, &c, &total);
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
