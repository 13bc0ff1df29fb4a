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
 * Thread model: one request on its own store connection; the registers are
 * loaded per request (stats_data_load()), read-only.
 */
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "server/api_int.h"
#include "stats/nrm_stats.h"
#include "stats/stats.h"

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
    rep->content_type = fmt == STATS_CSV    ? "text/csv; charset=utf-8"
                        : fmt == STATS_HTML ? "text/html; charset=utf-8"
                                            : "application/json";
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

tw_err_t api_stats_patterns(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"table", "from", "to", "format", NULL};
    stats_format_t fmt;
    stats_period_t per;
    stats_pattern_t p;
    stats_data_t *d = NULL;
    stats_table_t *t = NULL;
    tw_err_t err;

    if ((err = common(req, allowed, &fmt, &per, ei)) != TW_OK ||
        (err = stats_pattern_parse(api_param(req, "table"), &p, ei)) != TW_OK)
        return api_field(err, ei);
    if ((err = audit_read(req, "stats:patterns", ei)) != TW_OK)
        return err;
    if ((err = stats_data_load(http_req_store(req), NULL, stats_pattern_needs(p), &d, ei)) ==
            TW_OK &&
        (err = stats_pattern(d, p, &per, &t, ei)) == TW_OK)
        err = reply_table(rep, t, fmt, ei);
    stats_table_free(t);
    stats_data_free(d);
    return err;
}

tw_err_t api_stats_quality(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"from", "to", "format", "trend", NULL};
    stats_format_t fmt;
    stats_period_t per;
    stats_data_t *d = NULL;
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
    if ((err = stats_data_load(http_req_store(req), NULL, STATS_LOAD_CROSSINGS, &d, ei)) ==
            TW_OK &&
        (err = stats_quality(http_req_store(req), d, &per, by_month ? NULL : &t,
                             by_month ? &t : NULL, ei)) == TW_OK)
        err = reply_table(rep, t, fmt, ei);
    stats_table_free(t);
    stats_data_free(d);
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
