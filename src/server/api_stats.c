/*
 * api_stats.c - the statistics endpoints (docs/api.md, "Statistics"):
 *   GET /api/v1/stats/patterns?table=NAME&from=&to=&format=json|csv|html
 *   GET /api/v1/stats/quality?from=&to=&trend=1&format=...
 *   GET /api/v1/stats/glotip?year=YYYY&table=victims|offenders&format=...
 *   GET /api/v1/stats/sdg?year=YYYY&format=... (the population table of
 *       serve --population)
 * Each needs stats.read (the route table in http.c) and is audited
 * (stats.read with the report and the period) before the numbers are
 * sent. They read aggregates only: the pattern tables and the quality
 * report over the registers, and the NRM cases through the suppressed
 * GLOTIP table (never a case-level row).
 *
 * Thread model: one request on its own store connection. The pattern and
 * quality answers come from a process-wide cache (below) keyed by the
 * store's data version (store_data_version(): any import changes it), so
 * the Patterns page's six requests load the registers once per import,
 * not once each, and a repeated page costs no load at all.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "server/api_int.h"
#include "stats/nrm_stats.h"
#include "stats/stats.h"

static const char *content_type(stats_format_t fmt);

static tw_err_t reply_table(http_reply_t *rep, stats_table_t *t, stats_format_t fmt,
                            tw_errinfo_t *ei)
{
    tw_buf_t b;
    tw_err_t err;
    buf_init(&b, (size_t)256 << 20);
    if (fmt == STATS_HTML && (err = stats_html_begin(&b, stats_table_name(t), "")) != TW_OK)
        goto out;
    if ((err = stats_table_write(t, fmt, &b)) != TW_OK)
        goto out;
    if (fmt == STATS_HTML && (err = stats_html_end(&b)) != TW_OK)
        goto out;
    rep->status = 200;
    rep->content_type = content_type(fmt);
    rep->text = b.p; /* handed to the reply */
    rep->text_len = b.len;
    b.p = NULL;
    return TW_OK;
out:
    buf_free(&b);
    return tw_errinfo_set(ei, err, "writing the table: %s", tw_strerror(err));
}

static tw_err_t audit_read(http_req_t *req, const char *report, tw_errinfo_t *ei)
{
    json_t *d = json_pack("{s:s?,s:s?,s:s?,s:s?}", "table", api_param(req, "table"), "from",
                          api_param(req, "from"), "to", api_param(req, "to"), "year",
                          api_param(req, "year"));
    return api_audit(req, "stats.read", report, d, ei);
}

/* The API's parameters are named without the CLI's dashes ("from", not
 * "--from"), in the error the client reads. */
static tw_err_t api_field(tw_err_t err, tw_errinfo_t *ei)
{
    if (err != TW_OK && ei && strncmp(ei->field, "--", 2) == 0)
        memmove(ei->field, ei->field + 2, strlen(ei->field + 2) + 1);
    return err;
}

static tw_err_t common(http_req_t *req, const char *const *allowed, stats_format_t *fmt,
                       stats_period_t *per, tw_errinfo_t *ei)
{
    tw_err_t err;
    const char *f = api_param(req, "format");
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    if ((err = stats_format_parse(f ? f : "json", fmt, ei)) != TW_OK)
        return api_field(err, ei);
    return api_field(stats_period_parse(api_param(req, "from"), api_param(req, "to"), per, ei),
                     ei);
}

/* ---- the cache of the pattern and quality answers ----------------------
 *
 * Data: the data version the cache holds (`ver`), the answers' bytes for
 * that version (CACHE_MAX entries at most, the least recently used goes),
 * and the registers loaded for that version (`data`, reference-counted:
 * the cache holds one reference and every request computing from it one).
 * Invariants:
 *   1. Every entry and `data` belong to version `ver`; seeing another
 *      version empties the cache first (an import invalidates it).
 *   2. The registers are loaded by one request at a time (load_mu), so
 *      concurrent requests after an import wait for one load, not six.
 *   3. A stats_data_t is freed when its last reference goes; requests
 *      only read it (stats_pattern() takes it const); the quality report
 *      reads the store itself and needs none.
 *   4. Audit entries are written per request, hit or miss (audit_read()
 *      before the cache is asked).
 */
#define CACHE_MAX 64

typedef struct {
    char key[192];
    char *body;
    size_t len;
    stats_format_t fmt;
    unsigned long long used;
} centry_t;

typedef struct {
    stats_data_t *d;
    int refs;
} cdata_t;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t cache_ver[REG_COUNT + 1];
static int cache_have;
static centry_t cache[CACHE_MAX];
static cdata_t *cache_data;
static unsigned long long cache_clock;

static void cdata_release(cdata_t *c) /* cache_mu held */
{
    if (c && --c->refs == 0) {
        stats_data_free(c->d);
        free(c);
    }
}

/* Under cache_mu: makes the cache hold version v (invariant 1). */
static void cache_at(const int64_t *v)
{
    size_t i;
    if (cache_have && memcmp(cache_ver, v, sizeof(cache_ver)) == 0)
        return;
    for (i = 0; i < CACHE_MAX; i++) {
        free(cache[i].body);
        memset(&cache[i], 0, sizeof(cache[i]));
    }
    cdata_release(cache_data);
    cache_data = NULL;
    memcpy(cache_ver, v, sizeof(cache_ver));
    cache_have = 1;
}

static const char *content_type(stats_format_t fmt)
{
    return fmt == STATS_CSV    ? "text/csv; charset=utf-8"
           : fmt == STATS_HTML ? "text/html; charset=utf-8"
                               : "application/json";
}

/* A hit: the answer's bytes copied into the reply. 1 on a hit. */
static int cache_get(const int64_t *v, const char *key, http_reply_t *rep)
{
    size_t i;
    int hit = 0;
    pthread_mutex_lock(&cache_mu);
    cache_at(v);
    for (i = 0; i < CACHE_MAX; i++)
        if (cache[i].body && strcmp(cache[i].key, key) == 0) {
            char *copy = malloc(cache[i].len ? cache[i].len : 1);
            if (copy) {
                memcpy(copy, cache[i].body, cache[i].len);
                rep->status = 200;
                rep->content_type = content_type(cache[i].fmt);
                rep->text = copy;
                rep->text_len = cache[i].len;
                cache[i].used = ++cache_clock;
                hit = 1;
            }
            break;
        }
    pthread_mutex_unlock(&cache_mu);
    return hit;
}

/* Keeps a copy of the reply's bytes for version v (dropped when the cache
 * moved on meanwhile, or when out of memory: the cache is only a cache). */
static void cache_put(const int64_t *v, const char *key, stats_format_t fmt,
                      const http_reply_t *rep)
{
    size_t i, slot = 0;
    char *copy;
    if (!(copy = malloc(rep->text_len ? rep->text_len : 1)))
        return;
    memcpy(copy, rep->text, rep->text_len);
    pthread_mutex_lock(&cache_mu);
    if (!cache_have || memcmp(cache_ver, v, sizeof(cache_ver)) != 0) {
        pthread_mutex_unlock(&cache_mu);
        free(copy);
        return;
    }
    for (i = 0; i < CACHE_MAX; i++) {
        if (!cache[i].body || strcmp(cache[i].key, key) == 0) {
            slot = i;
            break;
        }
        if (cache[i].used < cache[slot].used)
            slot = i;
    }
    free(cache[slot].body);
    snprintf(cache[slot].key, sizeof(cache[slot].key), "%s", key);
    cache[slot].body = copy;
    cache[slot].len = rep->text_len;
    cache[slot].fmt = fmt;
    cache[slot].used = ++cache_clock;
    pthread_mutex_unlock(&cache_mu);
}

/* The registers of version v, loaded once (invariant 2); *out holds a
 * reference the caller gives back with data_put(). */
static tw_err_t data_get(http_req_t *req, const int64_t *v, cdata_t **out, tw_errinfo_t *ei)
{
    stats_data_t *d = NULL;
    cdata_t *c;
    tw_err_t err;

    *out = NULL;
    pthread_mutex_lock(&load_mu);
    pthread_mutex_lock(&cache_mu);
    cache_at(v);
    if ((c = cache_data) != NULL)
        c->refs++;
    pthread_mutex_unlock(&cache_mu);
    if (!c) {
        if ((err = stats_data_load(http_req_store(req), NULL, STATS_LOAD_CROSSINGS, &d, ei)) !=
            TW_OK) {
            pthread_mutex_unlock(&load_mu);
            return err;
        }
        if (!(c = malloc(sizeof(*c)))) {
            stats_data_free(d);
            pthread_mutex_unlock(&load_mu);
            return tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
        }
        c->d = d;
        c->refs = 1; /* ours */
        pthread_mutex_lock(&cache_mu);
        if (cache_have && memcmp(cache_ver, v, sizeof(cache_ver)) == 0 && !cache_data) {
            cache_data = c;
            c->refs++; /* the cache's */
        }
        pthread_mutex_unlock(&cache_mu);
    }
    pthread_mutex_unlock(&load_mu);
    *out = c;
    return TW_OK;
}

static void data_put(cdata_t *c)
{
    pthread_mutex_lock(&cache_mu);
    cdata_release(c);
    pthread_mutex_unlock(&cache_mu);
}

static tw_err_t data_version(http_req_t *req, int64_t *v, tw_errinfo_t *ei)
{
    if (store_data_version(http_req_store(req), v) != TW_OK)
        return store_db_error(http_req_store(req), ei, "reading the data version");
    return TW_OK;
}

tw_err_t api_stats_patterns(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"table", "from", "to", "format", NULL};
    stats_format_t fmt;
    stats_period_t per;
    stats_pattern_t p;
    int64_t v[REG_COUNT + 1];
    char key[192];
    cdata_t *c = NULL;
    stats_table_t *t = NULL;
    tw_err_t err;

    if ((err = common(req, allowed, &fmt, &per, ei)) != TW_OK ||
        (err = stats_pattern_parse(api_param(req, "table"), &p, ei)) != TW_OK)
        return api_field(err, ei);
    if ((err = audit_read(req, "stats:patterns", ei)) != TW_OK)
        return err;
    snprintf(key, sizeof(key), "patterns|%d|%ld|%ld|%d", (int)p, (long)per.from, (long)per.to,
             (int)fmt);
    if ((err = data_version(req, v, ei)) != TW_OK)
        return err;
    if (cache_get(v, key, rep))
        return TW_OK;
    if ((err = data_get(req, v, &c, ei)) == TW_OK &&
        (err = stats_pattern(c->d, p, &per, &t, ei)) == TW_OK &&
        (err = reply_table(rep, t, fmt, ei)) == TW_OK)
        cache_put(v, key, fmt, rep);
    stats_table_free(t);
    if (c)
        data_put(c);
    return err;
}

tw_err_t api_stats_quality(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"from", "to", "format", "trend", NULL};
    stats_format_t fmt;
    stats_period_t per;
    int64_t v[REG_COUNT + 1];
    char key[192];
    stats_table_t *t = NULL;
    const char *trend = api_param(req, "trend");
    int by_month = trend && strcmp(trend, "1") == 0;
    tw_err_t err;

    if ((err = common(req, allowed, &fmt, &per, ei)) != TW_OK)
        return err;
    if (trend && !by_month && strcmp(trend, "0") != 0) {
        tw_errinfo_set(ei, TW_EINPUT, "trend must be 0 or 1");
        tw_errinfo_field(ei, "trend");
        return TW_EINPUT;
    }
    if ((err = audit_read(req, "stats:quality", ei)) != TW_OK)
        return err;
    snprintf(key, sizeof(key), "quality|%d|%ld|%ld|%d", by_month, (long)per.from, (long)per.to,
             (int)fmt);
    if ((err = data_version(req, v, ei)) != TW_OK)
        return err;
    if (cache_get(v, key, rep))
        return TW_OK;
    if ((err = stats_quality(http_req_store(req), &per, by_month ? NULL : &t,
                             by_month ? &t : NULL, ei)) == TW_OK &&
        (err = reply_table(rep, t, fmt, ei)) == TW_OK)
        cache_put(v, key, fmt, rep);
    stats_table_free(t);
    return err;
}

static tw_err_t parse_year(http_req_t *req, long *year, tw_errinfo_t *ei)
{
    const char *y = api_param(req, "year");
    *year = 0;
    if (y) {
        char *end;
        *year = strtol(y, &end, 10);
        if (!*y || *end || *year < 1900 || *year > 9999) {
            tw_errinfo_set(ei, TW_EINPUT, "year must be YYYY");
            tw_errinfo_field(ei, "year");
            return TW_EINPUT;
        }
    }
    return TW_OK;
}

tw_err_t api_stats_glotip(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"year", "format", "table", NULL};
    const char *which = api_param(req, "table");
    nrm_actor_t act;
    stats_format_t fmt;
    stats_period_t per;
    stats_table_t *t = NULL;
    long year = 0;
    int offenders = 0;
    tw_err_t err;

    if ((err = common(req, allowed, &fmt, &per, ei)) != TW_OK ||
        (err = parse_year(req, &year, ei)) != TW_OK)
        return err;
    if (which && strcmp(which, "victims") != 0) {
        if (strcmp(which, "offenders") != 0) {
            tw_errinfo_set(ei, TW_EINPUT, "table must be victims or offenders");
            tw_errinfo_field(ei, "table");
            return TW_EINPUT;
        }
        offenders = 1;
    }
    act.who = http_req_principal(req);
    act.remote = http_req_remote(req);
    act.now = 0;
    http_write_lock(req); /* cases_profiles() audits in its own transaction */
    err = offenders ? nrm_glotip_offenders(http_req_store(req), &act, (int)year, &t, ei)
                    : nrm_glotip(http_req_store(req), &act, (int)year, &t, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = reply_table(rep, t, fmt, ei);
    stats_table_free(t);
    return err;
}

tw_err_t api_stats_sdg(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"year", "format", NULL};
    const char *pop = http_req_opts(req)->population_path;
    nrm_actor_t act;
    stats_format_t fmt;
    stats_period_t per;
    stats_table_t *t = NULL;
    long year = 0;
    tw_err_t err;

    if ((err = common(req, allowed, &fmt, &per, ei)) != TW_OK ||
        (err = parse_year(req, &year, ei)) != TW_OK)
        return err;
    if (!pop) {
        tw_errinfo_set(ei, TW_EINPUT,
                       "SDG 16.2.2 needs the population table: start the server with "
                       "--population FILE");
        tw_errinfo_field(ei, "population");
        return TW_EINPUT;
    }
    act.who = http_req_principal(req);
    act.remote = http_req_remote(req);
    act.now = 0;
    http_write_lock(req); /* cases_profiles() audits in its own transaction */
    err = nrm_sdg_1622(http_req_store(req), &act, pop, (int)year, &t, ei);
    http_write_unlock(req);
    err = api_field(err, ei); /* "--population" of a missing or bad file: "population" */
    if (err == TW_OK)
        err = reply_table(rep, t, fmt, ei);
    stats_table_free(t);
    return err;
}
