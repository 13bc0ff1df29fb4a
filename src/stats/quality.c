/*
 * quality.c - the data-quality report per register (docs/internals/stats.md,
 * "Data quality"): completeness, validity (rejects), uniqueness, timeliness
 * (lag from event to import), consistency across registers, and their trend
 * by month.
 *
 * Method: one read-only query per register over its `<table>_current` view
 * joined to import_batch (the store's schema), returning per row the month
 * of its event, the lag in days, a natural key and one 0/1 per canonical
 * column; the counting is done here. Rejects are counted per month of the
 * import that rejected them. Consistency uses the loaded registers
 * (stats_int.h).
 * Invariants:
 *   1. Nothing is written; the queries run in one read snapshot.
 *   2. A period with no rows gives the header and one row per register with
 *      zero counts in the summary, no rows in the trend.
 * Thread model: the caller's store_t.
 */
#include "stats/stats_int.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

typedef struct {
    reg_id_t reg;
    const char *event;   /* the event's date column */
    const char *natural; /* SQL expression of what makes a record the same */
} qreg_t;

static const qreg_t qregs[] = {
    {REG_PERMITS, "submitted_at",
     "coalesce(worker_doc_country,'')||'|'||coalesce(worker_doc_no_norm,'')||'|'||"
     "coalesce(employer_tin,'')||'|'||substr(coalesce(submitted_at,''),1,10)"},
    {REG_BORDER, "crossed_at",
     "coalesce(doc_country,'')||'|'||coalesce(doc_no_norm,'')||'|'||coalesce(crossed_at,'')||'|'"
     "||coalesce(direction,'')"},
    {REG_INSPECTIONS, "inspected_on",
     "coalesce(employer_tin,'')||'|'||coalesce(inspected_on,'')"},
    {REG_REPORTS, "received_at",
     "coalesce(channel,'')||'|'||coalesce(received_at,'')||'|'||coalesce(subject_name_norm,'')"
     "||'|'||coalesce(phone_e164,'')||'|'||coalesce(employer_tin,'')"},
    {REG_OUTCOMES, "decided_on",
     "coalesce(entity_type,'')||'|'||coalesce(entity_key,'')||'|'||coalesce(outcome,'')||'|'||"
     "coalesce(decided_on,'')"},
};
#define NQREG (sizeof(qregs) / sizeof(qregs[0]))

typedef struct {
    int month; /* -1: no event date */
    long long rows, filled, cells, dups, rejected, inconsistent;
    long long *lags;
    size_t nlags, caplags;
} qmonth_t;

typedef struct {
    qmonth_t *m;
    size_t n, cap;
} qmonths_t;

static qmonth_t *month_get(qmonths_t *q, int month)
{
    size_t i;
    for (i = 0; i < q->n; i++)
        if (q->m[i].month == month)
            return &q->m[i];
    if (q->n == q->cap) {
        size_t ncap = q->cap ? 2 * q->cap : 64;
        qmonth_t *nv = realloc(q->m, ncap * sizeof(*nv));
        if (!nv)
            return NULL;
        q->m = nv;
        q->cap = ncap;
    }
    memset(&q->m[q->n], 0, sizeof(q->m[0]));
    q->m[q->n].month = month;
    return &q->m[q->n++];
}

static int month_cmp(const void *pa, const void *pb)
{
    const qmonth_t *a = pa, *b = pb;
    return a->month < b->month ? -1 : a->month > b->month;
}

static int ll_cmp(const void *pa, const void *pb)
{
    long long a = *(const long long *)pa, b = *(const long long *)pb;
    return a < b ? -1 : a > b;
}

static double median_ll(long long *v, size_t n)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof(*v), ll_cmp);
    return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

static int in_period(const stats_period_t *p, int32_t day)
{
    return day != NO_DAY && day >= p->from && day <= p->to;
}

static int period_open(const stats_period_t *p)
{
    return p->from == INT32_MIN && p->to == INT32_MAX;
}

/* Consistency: approved permits (by month of submission) whose worker has
 * no entry in the border register at all; entries for work (by month) whose
 * worker has no permit application at all. */
static tw_err_t consistency(const stats_data_t *d, const stats_period_t *per, reg_id_t reg,
                            qmonths_t *q, long long *total)
{
    uint32_t maxw = 0;
    uint8_t *has = NULL;
    size_t i;
    *total = 0;
    if (!d || (reg != REG_PERMITS && reg != REG_BORDER))
        return TW_OK;
    for (i = 0; i < d->napps; i++)
        maxw = d->apps[i].worker > maxw ? d->apps[i].worker : maxw;
    for (i = 0; i < d->ncross; i++)
        maxw = d->cross[i].worker > maxw ? d->cross[i].worker : maxw;
    if (!(has = calloc((size_t)maxw + 1, 1)))
        return TW_ENOMEM;
    if (reg == REG_PERMITS) {
        for (i = 0; i < d->ncross; i++)
            if (d->cross[i].in)
                has[d->cross[i].worker] = 1;
        for (i = 0; i < d->napps; i++) {
            const st_app_t *a = &d->apps[i];
            qmonth_t *m;
            if (a->decision != DEC_APPROVED || !a->worker || has[a->worker] ||
                !in_period(per, a->sub))
                continue;
            if (!(m = month_get(q, stats_month(a->sub)))) {
                free(has);
                return TW_ENOMEM;
            }
            m->inconsistent++;
            (*total)++;
        }
    } else {
        for (i = 0; i < d->napps; i++)
            if (d->apps[i].worker)
                has[d->apps[i].worker] = 1;
        for (i = 0; i < d->ncross; i++) {
            const st_cross_t *c = &d->cross[i];
            qmonth_t *m;
            if (!c->in || !c->work || !in_period(per, c->day) || (c->worker && has[c->worker]))
                continue;
            if (!(m = month_get(q, stats_month(c->day)))) {
                free(has);
                return TW_ENOMEM;
            }
            m->inconsistent++;
            (*total)++;
        }
    }
    free(has);
    return TW_OK;
}

static tw_err_t one_register(store_t *st, const stats_data_t *d, const qreg_t *qr,
                             const stats_period_t *per, stats_table_t *sum, stats_table_t *trend,
                             tw_errinfo_t *ei)
{
    const reg_def_t *def = reg_get(qr->reg);
    store_stats_t ss;
    tw_buf_t sql;
    sqlite3_stmt *s = NULL;
    qmonths_t q = {NULL, 0, 0};
    long long *colfill = NULL, rows = 0, filled = 0, dups = 0, rejected = 0, incons = 0;
    long long *all_lags = NULL, within30 = 0;
    size_t nall = 0, i, c, least = 0;
    strmap_t keys;
    tw_err_t err = TW_OK;
    int rc;

    strmap_init(&keys);
    buf_init(&sql, 1 << 16);
    if (!(colfill = calloc(def->ncols, sizeof(*colfill))))
        return tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
    err = buf_printf(&sql,
                     "SELECT substr(r.%s,1,10), CAST(julianday(substr(b.started_at,1,10)) -"
                     " julianday(substr(r.%s,1,10)) AS INTEGER), %s",
                     qr->event, qr->event, qr->natural);
    for (c = 0; err == TW_OK && c < def->ncols; c++)
        err = buf_printf(&sql, ", r.%s IS NOT NULL AND r.%s <> ''", def->cols[c].name,
                         def->cols[c].name);
    if (err == TW_OK)
        err = buf_printf(&sql, " FROM %s_current r JOIN import_batch b ON b.id = r.batch_id",
                         def->table);
    if (err != TW_OK || sqlite3_prepare_v2(store_sqlite(st), buf_str(&sql), -1, &s, NULL)) {
        err = tw_errinfo_set(ei, TW_EDB, "reading the %s register: %s", def->name,
                             store_errmsg(st));
        goto out;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *ev = (const char *)sqlite3_column_text(s, 0);
        int ok = 0, added = 1;
        int32_t day = ev ? stats_day(ev, strlen(ev), &ok) : NO_DAY;
        qmonth_t *m;
        long long f = 0;
        if (!ok)
            day = NO_DAY;
        if (day == NO_DAY ? !period_open(per) : !in_period(per, day))
            continue;
        if (!(m = month_get(&q, day == NO_DAY ? -1 : stats_month(day)))) {
            err = TW_ENOMEM;
            break;
        }
        m->rows++;
        rows++;
        for (c = 0; c < def->ncols; c++)
            if (sqlite3_column_int(s, (int)c + 3)) {
                f++;
                colfill[c]++;
            }
        m->filled += f;
        m->cells += (long long)def->ncols;
        filled += f;
        if ((err = strmap_put(&keys, (const char *)sqlite3_column_text(s, 2),
                              (size_t)sqlite3_column_bytes(s, 2), 0, NULL, &added, NULL)) !=
            TW_OK)
            break;
        if (!added) {
            m->dups++;
            dups++;
        }
        if (day != NO_DAY && sqlite3_column_type(s, 1) != SQLITE_NULL) {
            long long lag = sqlite3_column_int64(s, 1);
            if (m->nlags == m->caplags) {
                size_t ncap = m->caplags ? 2 * m->caplags : 64;
                long long *nv = realloc(m->lags, ncap * sizeof(*nv));
                if (!nv) {
                    err = TW_ENOMEM;
                    break;
                }
                m->lags = nv;
                m->caplags = ncap;
            }
            m->lags[m->nlags++] = lag;
            within30 += lag <= 30;
        }
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = tw_errinfo_set(ei, TW_EDB, "reading the %s register: %s", def->name,
                             store_errmsg(st));
    sqlite3_finalize(s);
    s = NULL;
    if (err != TW_OK)
        goto out;
    /* rejected records, by the month of the import that rejected them */
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT substr(b.started_at,1,10), count(*) FROM reject j JOIN"
                           " import_batch b ON b.id = j.batch_id WHERE j.register = ? AND"
                           " j.severity = 'error' GROUP BY 1",
                           -1, &s, NULL) != SQLITE_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "reading rejects: %s", store_errmsg(st));
        goto out;
    }
    sqlite3_bind_text(s, 1, def->name, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *at = (const char *)sqlite3_column_text(s, 0);
        int ok = 0;
        int32_t day = at ? stats_day(at, strlen(at), &ok) : NO_DAY;
        qmonth_t *m;
        if (!ok || !in_period(per, day))
            continue;
        if (!(m = month_get(&q, stats_month(day)))) {
            err = TW_ENOMEM;
            break;
        }
        m->rejected += sqlite3_column_int64(s, 1);
        rejected += sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (err == TW_OK && (err = consistency(d, per, qr->reg, &q, &incons)) != TW_OK)
        tw_errinfo_set(ei, err, "out of memory");
    if (err != TW_OK)
        goto out;
    if (store_stats(st, &ss) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "reading the store's counts: %s", store_errmsg(st));
        goto out;
    }
    for (i = 0; i < q.n; i++)
        nall += q.m[i].nlags;
    if (nall && !(all_lags = malloc(nall * sizeof(*all_lags)))) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0, nall = 0; i < q.n; i++) {
        if (q.m[i].nlags)
            memcpy(all_lags + nall, q.m[i].lags, q.m[i].nlags * sizeof(*all_lags));
        nall += q.m[i].nlags;
    }
    for (c = 1; c < def->ncols; c++)
        if (colfill[c] < colfill[least])
            least = c;
    if (sum) {
        if ((err = stats_row(sum)) || (err = stats_put_text(sum, def->name)) ||
            (err = stats_put_int(sum, rows)) ||
            (err = stats_put_int(sum, period_open(per) ? ss.versions[qr->reg] : rows)) ||
            (err = stats_put_int(sum, rejected)) ||
            (err = rows + rejected ? stats_put_real(sum, round(1e4 * (double)rows /
                                                              (double)(rows + rejected)) / 1e4)
                                   : stats_put_null(sum)) ||
            (err = rows ? stats_put_real(sum, round(1e4 * (double)filled /
                                                    ((double)rows * (double)def->ncols)) / 1e4)
                        : stats_put_null(sum)) ||
            (err = stats_put_text(sum, rows ? def->cols[least].name : NULL)) ||
            (err = rows ? stats_put_real(sum, round(1e4 * (double)colfill[least] / (double)rows) /
                                                  1e4)
                        : stats_put_null(sum)) ||
            (err = stats_put_int(sum, dups)) ||
            (err = rows ? stats_put_real(sum, round(1e4 * (double)(rows - dups) / (double)rows) /
                                                  1e4)
                        : stats_put_null(sum)) ||
            (err = stats_put_real(sum, median_ll(all_lags, nall))) ||
            (err = nall ? stats_put_real(sum, round(1e4 * (double)within30 / (double)nall) / 1e4)
                        : stats_put_null(sum)))
            goto out;
        if (qr->reg == REG_PERMITS || qr->reg == REG_BORDER)
            err = stats_put_int(sum, incons);
        else
            err = stats_put_null(sum);
        if (err == TW_OK)
            err = stats_put_text(sum, qr->reg == REG_PERMITS  ? "approved_permit_no_entry"
                                      : qr->reg == REG_BORDER ? "work_entry_no_permit"
                                                              : NULL);
        if (err != TW_OK)
            goto out;
    }
    if (trend) {
        if (q.n > 1)
            qsort(q.m, q.n, sizeof(q.m[0]), month_cmp);
        for (i = 0; err == TW_OK && i < q.n; i++) {
            const qmonth_t *m = &q.m[i];
            char month[16] = "";
            if (m->month >= 0)
                snprintf(month, sizeof(month), "%04d-%02d", (m->month / 12) % 10000,
                         m->month % 12 + 1);
            if ((err = stats_row(trend)) || (err = stats_put_text(trend, def->name)) ||
                (err = stats_put_text(trend, month)) || (err = stats_put_int(trend, m->rows)) ||
                (err = stats_put_int(trend, m->rejected)) ||
                (err = m->cells ? stats_put_real(trend, round(1e4 * (double)m->filled /
                                                              (double)m->cells) / 1e4)
                                : stats_put_null(trend)) ||
                (err = stats_put_int(trend, m->dups)) ||
                (err = stats_put_real(trend, median_ll(q.m[i].lags, q.m[i].nlags))))
                break;
            err = qr->reg == REG_PERMITS || qr->reg == REG_BORDER
                      ? stats_put_int(trend, m->inconsistent)
                      : stats_put_null(trend);
        }
    }
    if (err != TW_OK)
        tw_errinfo_set(ei, err, "out of memory");
out:
    sqlite3_finalize(s);
    for (i = 0; i < q.n; i++)
        free(q.m[i].lags);
    free(q.m);
    free(all_lags);
    free(colfill);
    strmap_free(&keys);
    buf_free(&sql);
    return err;
}

tw_err_t stats_quality(store_t *st, const stats_data_t *d, const stats_period_t *per,
                       stats_table_t **summary, stats_table_t **trend, tw_errinfo_t *ei)
{
    static const char *const c_sum[] = {
        "register", "rows", "versions", "rejected", "validity", "completeness",
        "least_complete_column", "least_complete_share", "duplicates", "uniqueness",
        "median_lag_days", "imported_within_30_days", "inconsistent", "inconsistency", NULL};
    static const char *const c_trend[] = {"register",   "month",      "rows",
                                          "rejected",   "completeness", "duplicates",
                                          "median_lag_days", "inconsistent", NULL};
    stats_table_t *s = NULL, *t = NULL;
    tw_err_t err;
    size_t i;

    if (summary)
        *summary = NULL;
    if (trend)
        *trend = NULL;
    if ((err = stats_table_new("quality", c_sum, &s)) != TW_OK ||
        (err = stats_table_new("quality_trend", c_trend, &t)) != TW_OK) {
        stats_table_free(s);
        return tw_errinfo_set(ei, err, "out of memory");
    }
    if ((err = store_begin_read(st)) != TW_OK) {
        tw_errinfo_set(ei, err, "reading the store: %s", store_errmsg(st));
        goto out;
    }
    for (i = 0; err == TW_OK && i < NQREG; i++)
        err = one_register(st, d, &qregs[i], per, s, t, ei);
    store_end_read(st);
    if (err == TW_OK)
        err = stats_row(s);
    if (err == TW_OK)
        err = stats_row(t);
out:
    if (err != TW_OK) {
        stats_table_free(s);
        stats_table_free(t);
        return err;
    }
    if (summary)
        *summary = s;
    else
        stats_table_free(s);
    if (trend)
        *trend = t;
    else
        stats_table_free(t);
    return TW_OK;
}
