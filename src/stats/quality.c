/*
 * quality.c - the data-quality report per register (docs/internals/stats.md,
 * "Data quality"): completeness, validity (rejects), uniqueness, timeliness
 * (lag from event to import), consistency across registers, and their trend
 * by month.
 *
 * Method: one read-only scan of each register's table in id order (every
 * version; a later version of a row replaces the earlier one through its
 * first id, as data.c does with STORE_COL_FIRST_ID), keeping per current
 * record only what
 * the report counts: its event day, the start day of the import batch that
 * brought it (import_batch, read once), a bit per filled canonical column,
 * a 64-bit hash of its natural key, and for permits and crossings the
 * worker and the decision or direction. The `<table>_current` views (a
 * correlated max(version) per row) and per-row string keys made the report
 * 4.4 s of CPU at 200,000 applications; docs/internals/stats.md and
 * bench/RESULTS.md say what this costs now. Rejects are counted per month of
 * the import that rejected them. Consistency comes from the same scans.
 * Invariants:
 *   1. Nothing is written; the scans run in one read snapshot.
 *   2. A period with no rows gives the header and one row per register with
 *      zero counts in the summary, no rows in the trend.
 *   3. Duplicates are records whose natural-key hash equals that of a record
 *      with a smaller current row id: a 64-bit hash, so two different keys
 *      are taken for one with a chance of about n^2 / 2^65 (3e-8 at 10^6).
 * Thread model: the caller's store_t.
 */
#include "stats/stats_int.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define NATURAL_MAX 5

typedef struct {
    reg_id_t reg;
    const char *event;                 /* the event's date column */
    const char *natural[NATURAL_MAX];  /* what makes a record the same; NULL ends */
    int natural_day;                   /* that part is only the day (first 10 bytes); -1 */
    const char *flag_col, *flag_value; /* permits: approved; crossings: an entry */
    const char *work_col;              /* crossings: purpose "work" */
} qreg_t;

static const qreg_t qregs[] = {
    {REG_PERMITS, "submitted_at",
     {"worker_doc_country", "worker_doc_no_norm", "employer_tin", "submitted_at", NULL}, 3,
     "decision", "approved", NULL},
    {REG_BORDER, "crossed_at", {"doc_country", "doc_no_norm", "crossed_at", "direction", NULL},
     -1, "direction", "in", "purpose"},
    {REG_INSPECTIONS, "inspected_on", {"employer_tin", "inspected_on", NULL}, -1, NULL, NULL,
     NULL},
    {REG_REPORTS, "received_at",
     {"channel", "received_at", "subject_name_norm", "phone_e164", "employer_tin"}, -1, NULL,
     NULL, NULL},
    {REG_OUTCOMES, "decided_on", {"entity_type", "entity_key", "outcome", "decided_on", NULL},
     -1, NULL, NULL, NULL},
};
#define NQREG (sizeof(qregs) / sizeof(qregs[0]))
#define QMAX_COLS 128

/* One current record of a register, as the report needs it. */
typedef struct {
    uint64_t fill[QMAX_COLS / 64]; /* bit c: canonical column c is filled */
    uint64_t key;                  /* hash of the natural key */
    int32_t day;                   /* event day; NO_DAY */
    int32_t batch_day;             /* start day of its import; NO_DAY */
    uint32_t row;                  /* the current version's row id */
    uint32_t worker;               /* worker_ref (permits, crossings); 0 */
    uint8_t flag, work;
} qrec_t;

typedef struct {
    qrec_t *v;
    size_t n;
    long long versions; /* stored versions read */
} qrecs_t;

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

/* The k-th smallest of v[0..n) (v is reordered): Hoare's selection with a
 * median-of-three pivot, O(n) on average, no allocation. */
static long long select_ll(long long *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
        long long a = v[lo], b = v[mid], c = v[hi], pivot;
        pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                long long t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* The median (the mean of the two middle values for an even count). */
static double median_ll(long long *v, size_t n)
{
    long long hi, lo;
    size_t i;
    if (!n)
        return NAN;
    hi = select_ll(v, n, n / 2);
    if (n % 2)
        return (double)hi;
    /* after the selection every value before n/2 is <= hi: the largest of
     * them is the lower middle */
    lo = v[0];
    for (i = 1; i < n / 2; i++)
        lo = v[i] > lo ? v[i] : lo;
    return ((double)lo + (double)hi) / 2;
}

static int in_period(const stats_period_t *p, int32_t day)
{
    return day != NO_DAY && day >= p->from && day <= p->to;
}

static int period_open(const stats_period_t *p)
{
    return p->from == INT32_MIN && p->to == INT32_MAX;
}

/* ---- the scan --------------------------------------------------------- */

typedef struct {
    const qreg_t *qr;
    const reg_def_t *def;
    qrecs_t *out;
    size_t cap;
    int32_t *slot;   /* first_id -> record index + 1 */
    int64_t max;
    const int32_t *batch_day;
    int64_t nbatch;
    size_t nmask;    /* fill masks, 62 canonical columns each */
} scan_t;

/* Fills the record of the current row of s (the columns of scan_sql()). */
static tw_err_t scan_row(scan_t *S, sqlite3_stmt *s)
{
    int64_t row_id = sqlite3_column_int64(s, 0), first = sqlite3_column_int64(s, 3);
    const char *t;
    qrec_t *r;
    size_t idx, k;
    int ok;

    S->out->versions++;
    if (first <= 0 || first > S->max)
        first = row_id;
    if (S->slot[first]) {
        idx = (size_t)S->slot[first] - 1;
    } else {
        if (S->out->n == S->cap) {
            size_t ncap = S->cap ? 2 * S->cap : 4096;
            qrec_t *nv = realloc(S->out->v, ncap * sizeof(*nv));
            if (!nv)
                return TW_ENOMEM;
            S->out->v = nv;
            S->cap = ncap;
        }
        idx = S->out->n++;
        S->slot[first] = (int32_t)(idx + 1);
    }
    r = &S->out->v[idx];
    memset(r, 0, sizeof(*r));
    r->row = (uint32_t)row_id;
    ok = 0;
    t = (const char *)sqlite3_column_text(s, 1);
    r->day = t ? stats_day(t, (size_t)sqlite3_column_bytes(s, 1), &ok) : NO_DAY;
    if (!ok)
        r->day = NO_DAY;
    {
        int64_t b = sqlite3_column_int64(s, 2);
        r->batch_day = b > 0 && b <= S->nbatch ? S->batch_day[b] : NO_DAY;
    }
    r->flag = (uint8_t)sqlite3_column_int(s, 4);
    r->work = (uint8_t)sqlite3_column_int(s, 5);
    {
        int64_t w = sqlite3_column_int64(s, 6);
        r->worker = w <= 0 || w > UINT32_MAX ? 0 : (uint32_t)w;
    }
    for (k = 0; k < S->nmask; k++) {
        uint64_t m = (uint64_t)sqlite3_column_int64(s, (int)(7 + k));
        for (size_t q = 0; q < 62 && k * 62 + q < S->def->ncols; q++)
            if ((m >> q) & 1u) {
                size_t col = k * 62 + q;
                r->fill[col / 64] |= 1ull << (col % 64);
            }
    }
    /* the natural key: a hash of the parts, each part's hash mixed with
     * its position (a missing part hashes as ""; the day part is its first
     * 10 bytes) */
    r->key = 0x9e3779b97f4a7c15ull;
    for (k = 0; k < NATURAL_MAX && S->qr->natural[k]; k++) {
        int col = (int)(7 + S->nmask + k);
        size_t len;
        t = (const char *)sqlite3_column_text(s, col);
        len = t ? (size_t)sqlite3_column_bytes(s, col) : 0;
        if ((int)k == S->qr->natural_day && len > 10)
            len = 10;
        r->key = strmap_mix64(r->key * 31 + strmap_hash(t ? t : "", len) + k);
    }
    return TW_OK;
}

/* The start day of every import batch, by id. */
static tw_err_t batch_days(store_t *st, int32_t **out, int64_t *n, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    int32_t *v = NULL;
    int64_t max = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(store_sqlite(st), "SELECT coalesce(max(id),0) FROM import_batch", -1,
                           &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return tw_errinfo_set(ei, TW_EDB, "reading the imports: %s", store_errmsg(st));
    }
    max = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (!(v = malloc(((size_t)max + 1) * sizeof(*v))))
        return tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
    for (int64_t i = 0; i <= max; i++)
        v[i] = NO_DAY;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT id, substr(started_at,1,10) FROM import_batch", -1, &s,
                           NULL) != SQLITE_OK) {
        free(v);
        return tw_errinfo_set(ei, TW_EDB, "reading the imports: %s", store_errmsg(st));
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        const char *t = (const char *)sqlite3_column_text(s, 1);
        int ok = 0;
        int32_t day = t ? stats_day(t, strlen(t), &ok) : NO_DAY;
        if (id > 0 && id <= max)
            v[id] = ok ? day : NO_DAY;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        free(v);
        return tw_errinfo_set(ei, TW_EDB, "reading the imports: %s", store_errmsg(st));
    }
    *out = v;
    *n = max;
    return TW_OK;
}

/* The scan's SQL: id, event, batch_id, first_id (lazy, as store.c's
 * STORE_COL_FIRST_ID), flag, work, worker, the fill masks (62 canonical
 * columns each: filled = not NULL and not ''), the natural key. Masks are
 * computed by SQLite, so a row costs a few column reads, not three API
 * calls per canonical column. */
static tw_err_t scan_sql(const qreg_t *qr, const reg_def_t *def, size_t nmask, tw_buf_t *b)
{
    tw_err_t err;
    size_t k, q;
    err = buf_printf(b,
                     "SELECT id, %s, batch_id, CASE WHEN version>1 THEN (SELECT min(x.id) FROM"
                     " %s x WHERE x.row_key=r.row_key) ELSE id END",
                     qr->event, def->table);
    if (err == TW_OK)
        err = qr->flag_col ? buf_printf(b, ", %s IS '%s'", qr->flag_col, qr->flag_value)
                           : buf_adds(b, ", 0");
    if (err == TW_OK)
        err = qr->work_col ? buf_printf(b, ", %s IS 'work'", qr->work_col) : buf_adds(b, ", 0");
    if (err == TW_OK)
        err = buf_adds(b, qr->reg == REG_PERMITS || qr->reg == REG_BORDER ? ", worker_ref"
                                                                          : ", 0");
    for (k = 0; err == TW_OK && k < nmask; k++) {
        err = buf_adds(b, ", 0");
        for (q = 0; err == TW_OK && q < 62 && k * 62 + q < def->ncols; q++) {
            const char *col = def->cols[k * 62 + q].name;
            err = buf_printf(b, "|(CASE WHEN %s IS NOT NULL AND %s<>'' THEN %lld ELSE 0 END)",
                             col, col, 1ll << q);
        }
    }
    for (k = 0; err == TW_OK && k < NATURAL_MAX && qr->natural[k]; k++)
        err = buf_printf(b, ", %s", qr->natural[k]);
    if (err == TW_OK)
        err = buf_printf(b, " FROM %s r WHERE id <= ? ORDER BY id", def->table);
    return err;
}

static tw_err_t scan_register(store_t *st, const qreg_t *qr, const int32_t *bdays, int64_t nb,
                              qrecs_t *out, tw_errinfo_t *ei)
{
    const reg_def_t *def = reg_get(qr->reg);
    sqlite3_stmt *s = NULL;
    tw_buf_t sql;
    scan_t S;
    tw_err_t err;
    int rc;

    memset(out, 0, sizeof(*out));
    if (def->ncols > QMAX_COLS)
        return tw_errinfo_set(ei, TW_EINTERNAL, "register %s has more than %d columns",
                              def->name, QMAX_COLS);
    memset(&S, 0, sizeof(S));
    S.qr = qr;
    S.def = def;
    S.out = out;
    S.batch_day = bdays;
    S.nbatch = nb;
    S.nmask = (def->ncols + 61) / 62;
    if ((err = store_max_row(st, qr->reg, &S.max)) != TW_OK)
        return tw_errinfo_set(ei, err, "reading the %s register: %s", def->name,
                              store_errmsg(st));
    buf_init(&sql, 1 << 16);
    if ((err = scan_sql(qr, def, S.nmask, &sql)) != TW_OK) {
        err = tw_errinfo_set(ei, err, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(store_sqlite(st), buf_str(&sql), -1, &s, NULL) != SQLITE_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "reading the %s register: %s", def->name,
                             store_errmsg(st));
        goto out;
    }
    sqlite3_bind_int64(s, 1, S.max);
    if (!(S.slot = calloc((size_t)S.max + 1, sizeof(*S.slot)))) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
        goto out;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((err = scan_row(&S, s)) != TW_OK) {
            tw_errinfo_set(ei, err, "out of memory");
            goto out;
        }
    if (rc != SQLITE_DONE)
        err = tw_errinfo_set(ei, TW_EDB, "reading the %s register: %s", def->name,
                             store_errmsg(st));
out:
    sqlite3_finalize(s);
    free(S.slot);
    buf_free(&sql);
    return err;
}

/* ---- the counts ---------------------------------------------------------- */

/* The earliest record of each natural key: an open-addressing table of
 * (key hash, smallest current row id), at most two thirds full. */
typedef struct {
    uint64_t key;
    uint32_t row; /* 0: empty slot (row ids start at 1) */
} qslot_t;

static qslot_t *first_of(qslot_t *t, size_t mask, uint64_t key)
{
    size_t i = (size_t)strmap_mix64(key) & mask;
    while (t[i].row && t[i].key != key)
        i = (i + 1) & mask;
    return &t[i];
}

/* One register's summary row and trend rows. has_entry (permits) and
 * has_permit (crossings) are by worker id, nworkers long. */
static tw_err_t one_register(store_t *st, const qreg_t *qr, const qrecs_t *R,
                             const uint8_t *has_entry, const uint8_t *has_permit,
                             uint32_t nworkers, const stats_period_t *per, stats_table_t *sum,
                             stats_table_t *trend, tw_errinfo_t *ei)
{
    const reg_def_t *def = reg_get(qr->reg);
    sqlite3_stmt *s = NULL;
    qmonths_t q = {NULL, 0, 0};
    uint32_t *mof = NULL; /* record index -> its month's index + 1 (0: out of the period) */
    qslot_t *keys = NULL;
    size_t kmask = 1;
    long long *colfill = NULL, rows = 0, filled = 0, dups = 0, rejected = 0, incons = 0;
    long long *all_lags = NULL, within30 = 0;
    size_t nall = 0, i, c, least = 0;
    tw_err_t err = TW_OK;
    int rc;

    if (!(colfill = calloc(def->ncols, sizeof(*colfill))) ||
        !(mof = calloc(R->n ? R->n : 1, sizeof(*mof)))) {
        err = TW_ENOMEM;
        goto oom;
    }
    while (kmask < R->n + R->n / 2 + 1) /* load at most 2/3 */
        kmask <<= 1;
    if (!(keys = calloc(kmask, sizeof(*keys)))) {
        err = TW_ENOMEM;
        goto oom;
    }
    for (i = 0; i < R->n; i++) {
        const qrec_t *r = &R->v[i];
        qmonth_t *m;
        long long f = 0;
        if (r->day == NO_DAY ? !period_open(per) : !in_period(per, r->day))
            continue;
        /* q.m moves while it grows: an index, not a pointer, is kept */
        if (!(m = month_get(&q, r->day == NO_DAY ? -1 : stats_month(r->day)))) {
            err = TW_ENOMEM;
            goto oom;
        }
        mof[i] = (uint32_t)(m - q.m) + 1;
        m->rows++;
        rows++;
        for (c = 0; c < def->ncols; c++)
            if ((r->fill[c / 64] >> (c % 64)) & 1u) {
                f++;
                colfill[c]++;
            }
        m->filled += f;
        m->cells += (long long)def->ncols;
        filled += f;
        {
            qslot_t *k = first_of(keys, kmask - 1, r->key);
            if (!k->row || r->row < k->row) {
                k->key = r->key;
                k->row = r->row;
            }
        }
        if (r->day != NO_DAY && r->batch_day != NO_DAY) {
            long long lag = (long long)r->batch_day - r->day;
            if (m->nlags == m->caplags) {
                size_t ncap = m->caplags ? 2 * m->caplags : 64;
                long long *nv = realloc(m->lags, ncap * sizeof(*nv));
                if (!nv) {
                    err = TW_ENOMEM;
                    goto oom;
                }
                m->lags = nv;
                m->caplags = ncap;
            }
            m->lags[m->nlags++] = lag;
            within30 += lag <= 30;
        }
        /* consistency (invariant of the columns: docs/internals/stats.md) */
        if (qr->reg == REG_PERMITS && r->flag && r->worker &&
            !(r->worker < nworkers && has_entry[r->worker])) {
            m->inconsistent++;
            incons++;
        } else if (qr->reg == REG_BORDER && r->flag && r->work &&
                   !(r->worker && r->worker < nworkers && has_permit[r->worker])) {
            m->inconsistent++;
            incons++;
        }
    }
    /* duplicates (invariant 3): all but the earliest of each key */
    for (i = 0; i < R->n; i++)
        if (mof[i] && first_of(keys, kmask - 1, R->v[i].key)->row != R->v[i].row) {
            q.m[mof[i] - 1].dups++;
            dups++;
        }
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
    if (err != TW_OK)
        goto oom;
    for (i = 0; i < q.n; i++)
        nall += q.m[i].nlags;
    if (nall && !(all_lags = malloc(nall * sizeof(*all_lags)))) {
        err = TW_ENOMEM;
        goto oom;
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
            (err = stats_put_int(sum, period_open(per) ? R->versions : rows)) ||
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
    goto out;
oom:
    tw_errinfo_set(ei, err, "out of memory");
out:
    sqlite3_finalize(s);
    for (i = 0; i < q.n; i++)
        free(q.m[i].lags);
    free(q.m);
    free(all_lags);
    free(colfill);
    free(mof);
    free(keys);
    return err;
}

tw_err_t stats_quality(store_t *st, const stats_period_t *per, stats_table_t **summary,
                       stats_table_t **trend, tw_errinfo_t *ei)
{
    static const char *const c_sum[] = {
        "register", "rows", "versions", "rejected", "validity", "completeness",
        "least_complete_column", "least_complete_share", "duplicates", "uniqueness",
        "median_lag_days", "imported_within_30_days", "inconsistent", "inconsistency", NULL};
    static const char *const c_trend[] = {"register",   "month",      "rows",
                                          "rejected",   "completeness", "duplicates",
                                          "median_lag_days", "inconsistent", NULL};
    stats_table_t *s = NULL, *t = NULL;
    qrecs_t R[NQREG];
    int32_t *bdays = NULL;
    int64_t nb = 0;
    uint8_t *has_entry = NULL, *has_permit = NULL;
    uint32_t nworkers = 0;
    tw_err_t err;
    size_t i;

    memset(R, 0, sizeof(R));
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
    if ((err = batch_days(st, &bdays, &nb, ei)) == TW_OK)
        for (i = 0; err == TW_OK && i < NQREG; i++)
            err = scan_register(st, &qregs[i], bdays, nb, &R[i], ei);
    store_end_read(st);
    /* consistency: which workers ever entered, and which ever applied */
    if (err == TW_OK) {
        for (i = 0; i < 2; i++)
            for (size_t k = 0; k < R[i].n; k++)
                nworkers = R[i].v[k].worker >= nworkers ? R[i].v[k].worker + 1 : nworkers;
        if (!(has_entry = calloc(nworkers ? nworkers : 1, 1)) ||
            !(has_permit = calloc(nworkers ? nworkers : 1, 1)))
            err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
    }
    if (err == TW_OK) {
        for (size_t k = 0; k < R[0].n; k++) /* qregs[0]: permits */
            has_permit[R[0].v[k].worker] = 1;
        for (size_t k = 0; k < R[1].n; k++) /* qregs[1]: crossings */
            if (R[1].v[k].flag)
                has_entry[R[1].v[k].worker] = 1;
        has_permit[0] = has_entry[0] = 0;
    }
    for (i = 0; err == TW_OK && i < NQREG; i++)
        err = one_register(st, &qregs[i], &R[i], has_entry, has_permit, nworkers, per, s, t,
                           ei);
    for (i = 0; i < NQREG; i++)
        free(R[i].v);
    free(bdays);
    free(has_entry);
    free(has_permit);
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
