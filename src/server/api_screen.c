/*
 * api_screen.c - POST /api/v1/screen-runs: a screening started from the web
 * UI, typically right after an import, so the new rows count in the alerts
 * without the command line (issue 18). It does what `tipwatch import
 * --screen` does after its import: links the records into persons (the
 * engine reads persons), then screens incrementally (docs/internals/engine.md:
 * only the alerts the new rows can have touched change, with the result a
 * full screening would give; the first run, or one under another config,
 * is full) with the config in force, and answers what changed.
 *
 * Data: none of its own; a process-wide flag so that one screening runs at
 * a time (a second request meanwhile is 409, "a screening is running").
 * Invariants:
 *   1. The run holds the server's write lock only while it writes, as
 *      every write does: the link reads the records from one snapshot and
 *      compares them without it, then takes it for its write transaction
 *      (persons_opts_t.write_lock: refused and tried again, at most three
 *      times, when a decision or a dispute came meanwhile); the screening
 *      loads and computes without it and takes it for the alerts'
 *      transaction (screen_opts_t.write_lock). Every other write of the
 *      server waits for those transactions, not for the whole run (minutes
 *      at 10^6 applications).
 *   2. The link runs with the [link] section of the server's --config
 *      file (http_opts_t.config_path), as `tipwatch link --config` does.
 *   3. Audited (screen.run) after it ran, with what it did; a run that
 *      fails is audited too, with the error; a step that fails changes
 *      nothing (its own transaction), a link that succeeded before a
 *      failed screening stays.
 * Thread model: http.c's worker threads, one store per thread; the flag is
 * an atomic exchange.
 * Ownership: everything built here goes to the reply or is freed.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/live.h"
#include "engine/screen.h"
#include "link/persons.h"
#include "server/api.h"
#include "server/api_int.h"

static atomic_int running;

#define LINK_TRIES 3

/* persons_opts_t / screen_opts_t write_lock: the server's write lock. */
static void write_lock(void *ctx, int on)
{
    if (on)
        http_write_lock(ctx);
    else
        http_write_unlock(ctx);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

tw_err_t api_screen_run(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {NULL};
    const http_opts_t *ho = http_req_opts(req);
    const auth_principal_t *p = http_req_principal(req);
    store_t *st = http_req_store(req);
    persons_opts_t po;
    const config_t *cfg = ho->config;
    const live_t *lv = NULL;
    char version[80];
    screen_opts_t so;
    screen_summary_t sum;
    json_t *o, *alerts;
    double t0;
    int oom = 0, tries;
    tw_err_t err;

    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    if (!ho->config)
        return http_reply_error(rep, 503, "unavailable",
                                "this server was started without a config to screen with");
    if (atomic_exchange(&running, 1))
        return tw_errinfo_set(ei, TW_ECONFLICT,
                              "a screening is running: wait for it to finish, then look at "
                              "the alerts");
    memset(&sum, 0, sizeof(sum));
    memset(&so, 0, sizeof(so));
    so.incremental = 1;
    so.actor = p->user;
    so.write_lock = write_lock;
    so.lock_ctx = req;
    persons_opts_default(&po);
    po.log = NULL;
    po.config_path = ho->config_path;
    po.write_lock = write_lock;
    po.lock_ctx = req;
    /* the config in force: the scoring index's, which follows an approved
     * config or a rollback without a restart (serve without --config);
     * the server's own while that index is still loading */
    if (ho->live && (lv = live_holder_acquire(ho->live)) != NULL)
        cfg = live_config(lv);
    t0 = now_s();
    for (tries = 0; tries < LINK_TRIES; tries++) {
        tw_errinfo_clear(ei);
        if ((err = persons_link_store(st, &po, ei)) != TW_ECONFLICT)
            break;
    }
    if (err == TW_OK)
        err = screen_run(st, cfg, &so, &sum, ei);
    atomic_store(&running, 0);
    snprintf(version, sizeof(version), "%s", config_version(cfg));
    if (lv)
        live_holder_release(ho->live, lv);
    if (err != TW_OK) {
        tw_errinfo_t e2;
        tw_errinfo_clear(&e2);
        api_audit(req, "screen.run", "alerts",
                  json_pack("{s:b,s:s}", "ok", 0, "error", tw_strerror(err)), &e2);
        return err;
    }
    if ((err = api_audit(req, "screen.run", "alerts",
                         json_pack("{s:b,s:b,s:I,s:I,s:I,s:I}", "ok", 1, "incremental",
                                   sum.incremental, "raised", (json_int_t)sum.alerts.raised,
                                   "updated", (json_int_t)sum.alerts.updated, "lowered",
                                   (json_int_t)sum.alerts.lowered, "considered",
                                   (json_int_t)sum.alerts.considered),
                         ei)) != TW_OK)
        return err;
    o = json_object();
    api_put(o, "incremental", json_boolean(sum.incremental), &oom);
    api_put(o, "why_full", api_jstr(sum.incremental ? NULL : sum.why_full), &oom);
    api_put(o, "config_version", api_jstr(version), &oom);
    api_put(o, "applications", json_integer(sum.napps), &oom);
    api_put(o, "changed_records", json_integer((json_int_t)sum.changed_records), &oom);
    api_put(o, "entities_considered", json_integer(sum.alerts.considered), &oom);
    alerts = json_object();
    api_put(alerts, "raised", json_integer(sum.alerts.raised), &oom);
    api_put(alerts, "updated", json_integer(sum.alerts.updated), &oom);
    api_put(alerts, "unchanged", json_integer(sum.alerts.unchanged), &oom);
    api_put(alerts, "lowered", json_integer(sum.alerts.lowered), &oom);
    api_put(alerts, "open_low", json_integer(sum.alerts.open_by_level[1]), &oom);
    api_put(alerts, "open_medium", json_integer(sum.alerts.open_by_level[2]), &oom);
    api_put(alerts, "open_high", json_integer(sum.alerts.open_by_level[3]), &oom);
    api_put(o, "alerts", alerts, &oom);
    api_put(o, "seconds", json_real((double)(long long)((now_s() - t0) * 100) / 100), &oom);
    return api_reply_json(rep, 200, o, oom);
}
