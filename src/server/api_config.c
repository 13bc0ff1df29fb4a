/*
 * api_config.c - /api/v1/configs: four-eyes adoption of screening configs
 * over HTTP (engine/adopt.h; docs/api.md "Configs"). Every route needs
 * config.admin (admins); approving one's own proposal is refused by
 * adopt_approve(), so the second pair of eyes is another account. Each
 * change writes its audit entry in its own transaction (adopt.c); reads
 * are audited here.
 *
 * A server started without --config follows adoption (live.h,
 * live_holder_start_following): an approval or a rollback here pokes its
 * holder, which swaps in an index under the new config at once; one made
 * from the CLI is seen within LIVE_FOLLOW_S seconds.
 * Thread model: http.c's (one store per thread); nothing shared.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/adopt.h"
#include "engine/config.h"
#include "engine/live.h"
#include "server/api.h"
#include "server/api_int.h"

#define CONFIG_TEXT_MAX (1u << 20)
#define CONFIG_NOTE_MAX 500

static json_t *row_json(const adopt_row_t *r, int *oom)
{
    json_t *o = json_object();
    api_put(o, "id", json_integer(r->id), oom);
    api_put(o, "version", api_jstr(r->version), oom);
    api_put(o, "digest", api_jstr(r->digest), oom);
    api_put(o, "status", api_jstr(r->status), oom);
    api_put(o, "proposed_by", api_jstr(r->proposed_by), oom);
    api_put(o, "proposed_at", api_jstr(r->proposed_at), oom);
    api_put(o, "decided_by", r->decided_by[0] ? api_jstr(r->decided_by) : json_null(), oom);
    api_put(o, "decided_at", r->decided_at[0] ? api_jstr(r->decided_at) : json_null(), oom);
    api_put(o, "note", r->note[0] ? api_jstr(r->note) : json_null(), oom);
    if (!o)
        *oom = 1;
    return o;
}

static tw_err_t parse_id(const char *s, long long *id, tw_errinfo_t *ei)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || *end || s[0] == '-' || s[0] == '+' || v < 1)
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no config version %s", s ? s : "");
    *id = v;
    return TW_OK;
}

typedef struct {
    json_t *items;
    int oom;
} list_ctx_t;

static tw_err_t list_cb(void *ctx, const adopt_row_t *r)
{
    list_ctx_t *c = ctx;
    api_push(c->items, row_json(r, &c->oom), &c->oom);
    return TW_OK;
}

tw_err_t api_configs_list(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    list_ctx_t c;
    json_t *out;
    tw_err_t err;

    if ((err = http_req_query_check(req, (const char *const[]){NULL}, ei)) != TW_OK)
        return err;
    c.items = json_array();
    c.oom = 0;
    if ((err = adopt_list(http_req_store(req), list_cb, &c, ei)) != TW_OK ||
        (err = api_audit(req, "config.list", "configs", NULL, ei)) != TW_OK) {
        json_decref(c.items);
        return err;
    }
    out = json_object();
    api_put(out, "items", c.items, &c.oom);
    return api_reply_json(rep, 200, out, c.oom);
}

tw_err_t api_config_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    adopt_row_t r;
    char *text = NULL, *review = NULL, object[48];
    long long id;
    json_t *out;
    int oom = 0;
    tw_err_t err;

    if ((err = http_req_query_check(req, (const char *const[]){NULL}, ei)) != TW_OK ||
        (err = parse_id(http_req_param(req, 0), &id, ei)) != TW_OK)
        return err;
    snprintf(object, sizeof(object), "config:%lld", id);
    if ((err = api_audit(req, "config.read", object, NULL, ei)) != TW_OK ||
        (err = adopt_get(http_req_store(req), id, &r, &text, &review, ei)) != TW_OK)
        return err;
    out = row_json(&r, &oom);
    api_put(out, "text", api_jstr(text), &oom);
    api_put(out, "review", api_jstr(review), &oom);
    free(text);
    free(review);
    return api_reply_json(rep, 200, out, oom);
}

tw_err_t api_config_propose(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"text", "note", NULL};
    const http_opts_t *o = http_req_opts(req);
    json_t *body = NULL, *out;
    const char *text = NULL, *note = NULL;
    config_t *cur = NULL, *builtin = NULL;
    const config_t *current;
    const live_t *lv = NULL;
    long long id = 0;
    int oom = 0;
    tw_err_t err;

    if ((err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(body, allowed, ei)) != TW_OK ||
        (err = api_body_str(body, "text", 1, CONFIG_TEXT_MAX, &text, ei)) != TW_OK ||
        (err = api_body_str(body, "note", 0, CONFIG_NOTE_MAX, &note, ei)) != TW_OK)
        goto out;
    /* the config in force: the adopted one, else the server's, else built in */
    err = adopt_active(http_req_store(req), &cur, ei);
    if (err == TW_ENOTFOUND) {
        err = TW_OK;
        if (o->live && (lv = live_holder_acquire(o->live)) != NULL)
            current = live_config(lv);
        else if ((err = config_default(&builtin)) != TW_OK)
            goto out;
        else
            current = builtin;
    } else if (err) {
        goto out;
    } else {
        current = cur;
    }
    err = adopt_propose(http_req_store(req), http_req_principal(req), text, strlen(text),
                        "config", note, current, NULL, &id, ei);
    if (lv)
        live_holder_release(o->live, lv);
    if (err)
        goto out;
    {
        adopt_row_t r;
        char *t = NULL, *rv = NULL;
        if ((err = adopt_get(http_req_store(req), id, &r, &t, &rv, ei)) != TW_OK)
            goto out;
        out = row_json(&r, &oom);
        api_put(out, "review", api_jstr(rv), &oom);
        free(t);
        free(rv);
        err = api_reply_json(rep, 201, out, oom);
    }
out:
    json_decref(body);
    config_free(cur);
    config_free(builtin);
    return err;
}

static tw_err_t decided(http_req_t *req, http_reply_t *rep, long long id, const char *message,
                        tw_errinfo_t *ei)
{
    adopt_row_t r;
    char *t = NULL, *rv = NULL;
    json_t *out;
    int oom = 0;
    tw_err_t err;

    if (id == 0) {
        out = json_object();
        api_put(out, "active", json_null(), &oom);
        api_put(out, "message", api_jstr(message), &oom);
        return api_reply_json(rep, 200, out, oom);
    }
    if ((err = adopt_get(http_req_store(req), id, &r, &t, &rv, ei)) != TW_OK)
        return err;
    free(t);
    free(rv);
    out = row_json(&r, &oom);
    api_put(out, "message", api_jstr(message), &oom);
    return api_reply_json(rep, 200, out, oom);
}

tw_err_t api_config_approve(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    json_t *body = NULL;
    long long id;
    tw_err_t err;

    if ((err = parse_id(http_req_param(req, 0), &id, ei)) != TW_OK ||
        (err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    err = api_body_check(body, (const char *const[]){NULL}, ei);
    json_decref(body);
    if (err)
        return err;
    http_write_lock(req);
    err = adopt_approve(http_req_store(req), http_req_principal(req), id, ei);
    http_write_unlock(req);
    if (err)
        return err;
    if (http_req_opts(req)->live)
        live_holder_poke(http_req_opts(req)->live);
    return decided(req, rep, id,
                   "in force for screenings run from now on and, within seconds, for servers "
                   "that follow adoption (started without --config)",
                   ei);
}

tw_err_t api_config_reject(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"reason", NULL};
    json_t *body = NULL;
    const char *reason = NULL;
    long long id;
    tw_err_t err;

    if ((err = parse_id(http_req_param(req, 0), &id, ei)) != TW_OK ||
        (err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(body, allowed, ei)) == TW_OK &&
        (err = api_body_str(body, "reason", 1, CONFIG_NOTE_MAX, &reason, ei)) == TW_OK) {
        http_write_lock(req);
        err = adopt_reject(http_req_store(req), http_req_principal(req), id, reason, ei);
        http_write_unlock(req);
    }
    json_decref(body);
    if (err)
        return err;
    return decided(req, rep, id, "rejected", ei);
}

tw_err_t api_config_rollback(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"reason", NULL};
    json_t *body = NULL;
    const char *reason = NULL;
    long long now = 0;
    tw_err_t err;

    if ((err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(body, allowed, ei)) == TW_OK &&
        (err = api_body_str(body, "reason", 0, CONFIG_NOTE_MAX, &reason, ei)) == TW_OK) {
        http_write_lock(req);
        err = adopt_rollback(http_req_store(req), http_req_principal(req), reason, &now, ei);
        http_write_unlock(req);
    }
    json_decref(body);
    if (err)
        return err;
    if (http_req_opts(req)->live)
        live_holder_poke(http_req_opts(req)->live);
    return decided(req, rep, now,
                   now ? "the previous config is in force again for screenings run from now on"
                       : "no adopted config is active: the server's files and built-in "
                         "defaults apply",
                   ei);
}
