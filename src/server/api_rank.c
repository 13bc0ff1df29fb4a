/*
 * api_rank.c - GET /api/v1/watchlist: every entity of one kind ranked by
 * its score, alerted or not (engine/rank.h), for an inspectorate planning
 * its visits; the same list as `tipwatch rank`.
 *
 * Query: entity (application, worker, employer, intermediary, address,
 * phone; required), limit (1..1000, default 100). The list is computed
 * from the store under the config the server scores with (its live index's
 * config); without one the route answers 503 like POST /score. Each request
 * screens the store in memory (seconds at 10^6 applications): a planning
 * list, not a hot path. Entity keys are personal data: the route needs
 * entity.read and every answer is audited with the keys it disclosed
 * (a hash past API_AUDIT_LIST_BYTES, as the other reads).
 * Thread model: http.c's (one store per thread); nothing shared.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/live.h"
#include "engine/rank.h"
#include "engine/score.h"
#include "server/api.h"
#include "server/api_int.h"

#define WATCHLIST_DEFAULT 100
#define WATCHLIST_MAX 1000

tw_err_t api_watchlist(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"entity", "limit", NULL};
    const http_opts_t *o = http_req_opts(req);
    const char *kind_s = api_param(req, "entity"), *limit_s = api_param(req, "limit");
    const live_t *lv = NULL;
    rank_list_t l;
    json_t *out = NULL, *items, *detail, *keys;
    size_t limit = WATCHLIST_DEFAULT, i, listed = 0;
    int kind, oom = 0;
    char *end;
    tw_err_t err;

    memset(&l, 0, sizeof(l));
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    if (!kind_s || (kind = rank_kind_parse(kind_s)) < 0)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "parameter entity: must be application, worker, employer, "
                              "intermediary, address or phone");
    if (limit_s) {
        unsigned long v = strtoul(limit_s, &end, 10);
        if (*end || limit_s[0] == '-' || v < 1 || v > WATCHLIST_MAX)
            return tw_errinfo_set(ei, TW_EINPUT, "parameter limit: must be 1 to %d",
                                  WATCHLIST_MAX);
        limit = v;
    }
    if (!o->live)
        return http_reply_error(rep, 503, "unavailable", "%s",
                                "the watch list needs the scoring index, which is not enabled "
                                "on this server");
    if (!(lv = live_holder_acquire(o->live)))
        return http_reply_error(rep, 503, "unavailable", "%s",
                                "the scoring index is still loading; try again shortly");
    err = rank_compute(http_req_store(req), live_config(lv), (ind_kind_t)kind, limit, &l, ei);
    live_holder_release(o->live, lv);
    if (err)
        goto out;
    /* audited before anything is shown */
    detail = json_object();
    keys = json_array();
    for (i = 0; i < l.n; i++) {
        listed += strlen(l.items[i].key) + 4;
        if (listed > API_AUDIT_LIST_BYTES)
            break;
        api_push(keys, api_jstr(l.items[i].key), &oom);
    }
    api_put(detail, "entity", api_jstr(kind_s), &oom);
    api_put(detail, "count", json_integer((json_int_t)l.n), &oom);
    api_put(detail, "keys", keys, &oom);
    if (i < l.n)
        api_put(detail, "keys_truncated", json_true(), &oom);
    if (oom || !detail) {
        json_decref(detail);
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = api_audit(req, "watchlist.read", kind_s, detail, ei)) != TW_OK)
        goto out;
    out = json_object();
    items = json_array();
    for (i = 0; i < l.n; i++) {
        json_t *it = json_object();
        api_put(it, "entity_key", api_jstr(l.items[i].key), &oom);
        api_put(it, "score", json_real(l.items[i].score), &oom);
        api_put(it, "level", api_jstr(score_level_name((score_level_t)l.items[i].level)), &oom);
        api_put(it, "top_indicators", api_jstr(l.items[i].indicators), &oom);
        api_push(items, it, &oom);
    }
    api_put(out, "entity", api_jstr(kind_s), &oom);
    api_put(out, "config_version", api_jstr(l.config_version), &oom);
    api_put(out, "total", json_integer((json_int_t)l.total), &oom);
    api_put(out, "items", items, &oom);
    err = api_reply_json(rep, 200, out, oom);
out:
    rank_list_free(&l);
    return err;
}
