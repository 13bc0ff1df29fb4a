/*
 * patterns.c - the pattern tables of labour migration and recruitment
 * (corridors, recruitment, concentration, wages, flows, trends) over the
 * loaded registers (stats_int.h). Each column's exact definition is in
 * docs/internals/stats.md; the tests check every table's totals against a
 * direct SQL count over the store.
 *
 * Method: every table selects the applications of the period (by the day
 * of submission, unless the column says otherwise), builds one sort key per
 * application (st_key_t: the grouping columns as alphabetical ranks, then
 * what must be counted distinct), sorts once and walks the groups. No
 * allocation per application beyond the key array.
 * Invariants:
 *   1. A period with no data is a table with its header and no rows.
 *   2. Rows come in the order docs/internals/stats.md states.
 * Thread model: reads a shared, read-only stats_data_t; no global state.
 */
#include "stats/stats_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R21(x) ((uint64_t)d->rank[x] & 0x1fffffu)

static const char *const pattern_names[] = {"corridors", "recruitment", "concentration",
                                            "wages", "flows", "trends"};

const char *stats_pattern_name(stats_pattern_t p)
{
    return p < STATS_PATTERN_COUNT ? pattern_names[p] : "unknown";
}

tw_err_t stats_pattern_parse(const char *s, stats_pattern_t *out, tw_errinfo_t *ei)
{
    size_t i;
    for (i = 0; s && i < STATS_PATTERN_COUNT; i++)
        if (strcmp(s, pattern_names[i]) == 0) {
            *out = (stats_pattern_t)i;
            return TW_OK;
        }
    tw_errinfo_set(ei, TW_EINPUT,
                   "--table must be corridors, recruitment, concentration, wages, flows or "
                   "trends, not '%s'",
                   s ? s : "");
    tw_errinfo_field(ei, "--table");
    return TW_EINPUT;
}

unsigned stats_pattern_needs(stats_pattern_t p)
{
    return p == STATS_FLOWS ? STATS_LOAD_CROSSINGS : 0;
}

static int in_period(const stats_period_t *p, int32_t day)
{
    return day != NO_DAY && day >= p->from && day <= p->to;
}

static const char *txt(const stats_data_t *d, uint32_t i)
{
    return d->dict[i];
}

static const char *sex_text(uint8_t s)
{
    return s == SEX_F ? "F" : s == SEX_M ? "M" : s == SEX_X ? "X" : "";
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Quantile p of sorted v[0..n) by linear interpolation between order
 * statistics (Hyndman and Fan type 7, R's default); the median of an even
 * count is the mean of the two middle values. */
static double quantile(const int64_t *v, size_t n, double p)
{
    double h = (double)(n - 1) * p, lo = floor(h);
    size_t i = (size_t)lo;
    if (i + 1 >= n)
        return (double)v[n - 1];
    return (double)v[i] + (h - lo) * (double)(v[i + 1] - v[i]);
}

typedef struct {
    int64_t *v;
    size_t n, cap;
} vec_t;

static tw_err_t vec_push(vec_t *x, int64_t v)
{
    if (x->n == x->cap) {
        size_t ncap = x->cap ? 2 * x->cap : 256;
        int64_t *nv = realloc(x->v, ncap * sizeof(*nv));
        if (!nv)
            return TW_ENOMEM;
        x->v = nv;
        x->cap = ncap;
    }
    x->v[x->n++] = v;
    return TW_OK;
}

/* Keys of the applications submitted in the period (*n of them); the caller
 * fills a, b, c. Free with free(). */
static st_key_t *period_keys(const stats_data_t *d, const stats_period_t *per, size_t *n)
{
    st_key_t *k = malloc((d->napps ? d->napps : 1) * sizeof(*k));
    size_t i;
    *n = 0;
    if (!k)
        return NULL;
    for (i = 0; i < d->napps; i++)
        if (in_period(per, d->apps[i].sub)) {
            k[*n].i = (uint32_t)i;
            k[*n].a = k[*n].b = k[*n].c = 0;
            (*n)++;
        }
    return k;
}

static tw_err_t new_table(const char *name, const char *const *cols, stats_table_t **t)
{
    return stats_table_new(name, cols, t);
}

/* ---- corridors ------------------------------------------------------------------ */

static tw_err_t corridors(const stats_data_t *d, const stats_period_t *per, stats_table_t *t)
{
    size_t n, i, j;
    st_key_t *k = period_keys(d, per, &n);
    vec_t sal = {NULL, 0, 0};
    tw_err_t err = TW_OK;
    if (!k)
        return TW_ENOMEM;
    for (i = 0; i < n; i++) {
        const st_app_t *a = &d->apps[k[i].i];
        k[i].a = (uint64_t)stats_year(a->sub) << 42 | R21(a->cit) << 21 | R21(a->sector);
        k[i].b = R21(a->region) << 32 | a->worker;
    }
    stats_sort_keys(k, n);
    for (i = 0; err == TW_OK && i < n; i = j) {
        const st_app_t *a0 = &d->apps[k[i].i];
        long long apps = 0, approved = 0, rejected = 0, workers = 0, women = 0;
        uint32_t last_worker = 0;
        int woman = 0;
        sal.n = 0;
        for (j = i; j < n && k[j].a == k[i].a && (k[j].b >> 32) == (k[i].b >> 32); j++) {
            const st_app_t *a = &d->apps[k[j].i];
            apps++;
            approved += a->decision == DEC_APPROVED;
            rejected += a->decision == DEC_REJECTED;
            if (a->salary >= 0 && (err = vec_push(&sal, a->salary)) != TW_OK)
                break;
            if (a->worker && a->worker != last_worker) {
                workers++;
                women += woman;
                woman = 0;
                last_worker = a->worker;
            }
            if (a->worker && a->sex == SEX_F)
                woman = 1;
        }
        women += woman;
        if (err != TW_OK)
            break;
        if (sal.n)
            qsort(sal.v, sal.n, sizeof(int64_t), cmp_i64);
        if ((err = stats_row(t)) != TW_OK || (err = stats_put_int(t, stats_year(a0->sub))) ||
            (err = stats_put_text(t, txt(d, a0->cit))) ||
            (err = stats_put_text(t, txt(d, a0->sector))) ||
            (err = stats_put_text(t, txt(d, a0->region))) || (err = stats_put_int(t, apps)) ||
            (err = stats_put_int(t, approved)) || (err = stats_put_int(t, rejected)) ||
            (err = stats_put_int(t, workers)) || (err = stats_put_int(t, women)))
            break;
        err = sal.n ? stats_put_real(t, quantile(sal.v, sal.n, 0.5)) : stats_put_null(t);
    }
    free(sal.v);
    free(k);
    return err;
}

/* ---- concentration and recruitment ------------------------------------------------ */

typedef struct {
    int year;
    uint32_t sector;
    double hhi;
} market_t;

static int market_cmp(const void *pa, const void *pb)
{
    const market_t *a = pa, *b = pb;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    return a->sector < b->sector ? -1 : a->sector > b->sector;
}

/* Applications per (year, sector) over the whole period's applications,
 * and the intermediated markets. `t` may be NULL (only *mk wanted). */
static tw_err_t markets(const stats_data_t *d, const stats_period_t *per, stats_table_t *t,
                        market_t **mk, size_t *nmk)
{
    size_t n, i, j, m = 0;
    st_key_t *k = period_keys(d, per, &n);
    market_t *out = NULL;
    tw_err_t err = TW_OK;
    *mk = NULL;
    *nmk = 0;
    if (!k)
        return TW_ENOMEM;
    out = malloc((n ? n : 1) * sizeof(*out));
    if (!out) {
        free(k);
        return TW_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        const st_app_t *a = &d->apps[k[i].i];
        k[i].a = (uint64_t)stats_year(a->sub) << 32 | R21(a->sector);
        /* intermediated applications after the others, grouped by intermediary */
        k[i].b = a->inter_id ? (uint64_t)1 << 40 | R21(a->inter_id) : 0;
    }
    stats_sort_keys(k, n);
    for (i = 0; err == TW_OK && i < n; i = j) {
        const st_app_t *a0 = &d->apps[k[i].i];
        long long all = 0, via = 0, inters = 0, top = 0;
        uint32_t top_id = 0;
        double sumsq = 0;
        size_t r;
        for (j = i; j < n && k[j].a == k[i].a; j++)
            all++;
        for (r = i; r < j;) {
            size_t s = r;
            if (!d->apps[k[r].i].inter_id) {
                r++;
                continue;
            }
            while (s < j && k[s].b == k[r].b)
                s++;
            via += (long long)(s - r);
            inters++;
            if ((long long)(s - r) > top) {
                top = (long long)(s - r);
                top_id = d->apps[k[r].i].inter_id;
            }
            r = s;
        }
        for (r = i; via && r < j;) {
            size_t s = r;
            if (!d->apps[k[r].i].inter_id) {
                r++;
                continue;
            }
            while (s < j && k[s].b == k[r].b)
                s++;
            sumsq += pow(100.0 * (double)(s - r) / (double)via, 2);
            r = s;
        }
        if (via) {
            out[m].year = stats_year(a0->sub);
            out[m].sector = a0->sector;
            out[m].hhi = sumsq;
            m++;
        }
        if (!t)
            continue;
        if ((err = stats_row(t)) || (err = stats_put_int(t, stats_year(a0->sub))) ||
            (err = stats_put_text(t, txt(d, a0->sector))) || (err = stats_put_int(t, all)) ||
            (err = stats_put_int(t, via)) ||
            (err = stats_put_real(t, round(1e4 * (double)via / (double)all) / 1e4)) ||
            (err = stats_put_int(t, inters)))
            break;
        if (via) {
            if ((err = stats_put_real(t, round(sumsq * 10) / 10)) ||
                (err = stats_put_text(t, txt(d, top_id))) ||
                (err = stats_put_real(t, round(1e4 * (double)top / (double)via) / 1e4)))
                break;
        } else if ((err = stats_put_null(t)) || (err = stats_put_null(t)) ||
                   (err = stats_put_null(t)))
            break;
    }
    free(k);
    if (err != TW_OK) {
        free(out);
        return err;
    }
    if (m > 1)
        qsort(out, m, sizeof(*out), market_cmp);
    *mk = out;
    *nmk = m;
    return TW_OK;
}

typedef struct {
    int year;
    uint32_t id, name, sector;
    long long apps, employers, emp_apps, cits, sector_apps;
    double hhi;
} inter_row_t;

static int inter_cmp(const void *pa, const void *pb)
{
    const inter_row_t *a = pa, *b = pb;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->apps != b->apps)
        return a->apps > b->apps ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

static tw_err_t recruitment(const stats_data_t *d, const stats_period_t *per, stats_table_t *t)
{
    size_t n, i, j, nr = 0;
    st_key_t *k = period_keys(d, per, &n);
    uint32_t *emp_apps = NULL, *tmp = NULL;
    inter_row_t *rows = NULL;
    market_t *mk = NULL;
    size_t nmk = 0;
    tw_err_t err = TW_OK;

    if (!k)
        return TW_ENOMEM;
    if ((err = markets(d, per, NULL, &mk, &nmk)) != TW_OK)
        goto out;
    emp_apps = calloc(d->napps ? d->napps : 1, sizeof(*emp_apps));
    tmp = malloc((n ? n : 1) * sizeof(*tmp));
    rows = malloc((n ? n : 1) * sizeof(*rows));
    if (!emp_apps || !tmp || !rows) {
        err = TW_ENOMEM;
        goto out;
    }
    /* applications of each employer in each year (all, intermediated or not) */
    for (i = 0; i < n; i++) {
        const st_app_t *a = &d->apps[k[i].i];
        k[i].a = (uint64_t)stats_year(a->sub);
        k[i].b = a->employer;
        k[i].c = 0;
    }
    stats_sort_keys(k, n);
    for (i = 0; i < n; i = j) {
        for (j = i; j < n && k[j].a == k[i].a && k[j].b == k[i].b; j++)
            ;
        for (size_t r = i; r < j; r++)
            emp_apps[k[r].i] = d->apps[k[r].i].employer ? (uint32_t)(j - i) : 1;
    }
    /* intermediated applications by (year, intermediary), employers inside */
    for (i = 0, j = 0; i < n; i++) {
        const st_app_t *a = &d->apps[k[i].i];
        if (!a->inter_id)
            continue;
        k[j].i = k[i].i;
        k[j].a = (uint64_t)stats_year(a->sub) << 32 | R21(a->inter_id);
        k[j].b = a->employer;
        k[j].c = 0;
        j++;
    }
    n = j;
    stats_sort_keys(k, n);
    for (i = 0; i < n; i = j) {
        inter_row_t *r = &rows[nr++];
        const st_app_t *a0 = &d->apps[k[i].i];
        int32_t latest = NO_DAY;
        size_t m = 0, s, best = 0, run;
        uint32_t prev_emp = 0;
        int first = 1;
        memset(r, 0, sizeof(*r));
        r->year = stats_year(a0->sub);
        r->id = a0->inter_id;
        for (j = i; j < n && k[j].a == k[i].a; j++) {
            const st_app_t *a = &d->apps[k[j].i];
            r->apps++;
            if (first || a->employer != prev_emp || !a->employer) {
                r->employers++;
                r->emp_apps += emp_apps[k[j].i];
            }
            first = 0;
            prev_emp = a->employer;
            if (a->sub >= latest && a->inter_name) {
                latest = a->sub;
                r->name = a->inter_name;
            }
            tmp[m++] = a->cit;
        }
        qsort(tmp, m, sizeof(*tmp), u32_cmp);
        for (s = 0; s < m; s++)
            r->cits += tmp[s] && (s == 0 || tmp[s] != tmp[s - 1]);
        /* main sector: most applications, the alphabetically first on a tie */
        for (s = 0, m = 0; s < j - i; s++)
            tmp[m++] = (uint32_t)R21(d->apps[k[i + s].i].sector);
        qsort(tmp, m, sizeof(*tmp), u32_cmp);
        for (s = 0; s < m; s += run) {
            for (run = 1; s + run < m && tmp[s + run] == tmp[s]; run++)
                ;
            if (run > best) {
                best = run;
                r->sector_apps = (long long)run;
                r->sector = tmp[s]; /* a rank for now */
            }
        }
        for (s = i; s < j; s++)
            if (R21(d->apps[k[s].i].sector) == r->sector) {
                r->sector = d->apps[k[s].i].sector;
                break;
            }
        r->hhi = -1;
        {
            market_t key, *hit;
            key.year = r->year;
            key.sector = r->sector;
            hit = bsearch(&key, mk, nmk, sizeof(*mk), market_cmp);
            if (hit)
                r->hhi = hit->hhi;
        }
    }
    if (nr > 1)
        qsort(rows, nr, sizeof(*rows), inter_cmp);
    for (i = 0; err == TW_OK && i < nr; i++) {
        const inter_row_t *r = &rows[i];
        if ((err = stats_row(t)) || (err = stats_put_int(t, r->year)) ||
            (err = stats_put_text(t, txt(d, r->id))) ||
            (err = stats_put_text(t, txt(d, r->name))) || (err = stats_put_int(t, r->apps)) ||
            (err = stats_put_int(t, r->employers)) || (err = stats_put_int(t, r->emp_apps)) ||
            (err = stats_put_real(t, round(1e4 * (double)r->apps / (double)r->emp_apps) / 1e4)) ||
            (err = stats_put_int(t, r->cits)) || (err = stats_put_text(t, txt(d, r->sector))) ||
            (err = stats_put_int(t, r->sector_apps)))
            break;
        err = r->hhi >= 0 ? stats_put_real(t, round(r->hhi * 10) / 10) : stats_put_null(t);
    }
out:
    free(mk);
    free(rows);
    free(tmp);
    free(emp_apps);
    free(k);
    return err;
}

/* ---- wages ------------------------------------------------------------------------- */

typedef struct {
    int year;
    uint32_t sector, isco2;
    double f, m; /* medians; -1 when fewer than WAGE_GAP_MIN salaries */
} gap_t;

#define WAGE_GAP_MIN 5

static int gap_cmp(const void *pa, const void *pb)
{
    const gap_t *a = pa, *b = pb;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->sector != b->sector)
        return a->sector < b->sector ? -1 : 1;
    return a->isco2 < b->isco2 ? -1 : a->isco2 > b->isco2;
}

static tw_err_t wages(const stats_data_t *d, const stats_period_t *per, stats_table_t *t)
{
    size_t n, i, j, ng = 0;
    st_key_t *k = period_keys(d, per, &n);
    gap_t *gaps = NULL;
    vec_t sal = {NULL, 0, 0};
    tw_err_t err = TW_OK;
    if (!k)
        return TW_ENOMEM;
    for (i = 0, j = 0; i < n; i++)
        if (d->apps[k[i].i].salary >= 0)
            k[j++] = k[i];
    n = j;
    if (!(gaps = malloc((n ? n : 1) * sizeof(*gaps)))) {
        free(k);
        return TW_ENOMEM;
    }
    /* medians of women and of men in the same (year, sector, occupation group) */
    for (i = 0; i < n; i++) {
        const st_app_t *a = &d->apps[k[i].i];
        k[i].a = (uint64_t)stats_year(a->sub) << 42 | R21(a->sector) << 21 | R21(a->isco2);
        k[i].b = a->sex;
        k[i].c = (uint64_t)a->salary;
    }
    stats_sort_keys(k, n);
    for (i = 0; i < n; i = j) {
        gap_t *g = &gaps[ng++];
        const st_app_t *a0 = &d->apps[k[i].i];
        g->year = stats_year(a0->sub);
        g->sector = a0->sector;
        g->isco2 = a0->isco2;
        g->f = g->m = -1;
        for (j = i; j < n && k[j].a == k[i].a; j++)
            ;
        for (size_t r = i; r < j;) {
            size_t s = r;
            while (s < j && k[s].b == k[r].b)
                s++;
            if (s - r >= WAGE_GAP_MIN && (k[r].b == SEX_F || k[r].b == SEX_M)) {
                sal.n = 0;
                for (size_t q = r; q < s; q++)
                    if ((err = vec_push(&sal, (int64_t)k[q].c)) != TW_OK)
                        goto out;
                if (k[r].b == SEX_F)
                    g->f = quantile(sal.v, sal.n, 0.5);
                else
                    g->m = quantile(sal.v, sal.n, 0.5);
            }
            r = s;
        }
    }
    if (ng > 1)
        qsort(gaps, ng, sizeof(*gaps), gap_cmp);
    /* the rows: (year, sex, citizenship, sector, occupation group) */
    for (i = 0; i < n; i++) {
        const st_app_t *a = &d->apps[k[i].i];
        static const uint64_t sex_order[] = {4, 1, 2, 3}; /* F, M, X, unknown last */
        k[i].a = (uint64_t)stats_year(a->sub) << 42 | sex_order[a->sex] << 21 | R21(a->cit);
        k[i].b = R21(a->sector) << 21 | R21(a->isco2);
        k[i].c = (uint64_t)a->salary;
    }
    stats_sort_keys(k, n);
    for (i = 0; err == TW_OK && i < n; i = j) {
        const st_app_t *a0 = &d->apps[k[i].i];
        long long below = 0;
        int64_t minw = -1;
        int32_t latest = NO_DAY;
        gap_t key, *g;
        sal.n = 0;
        for (j = i; j < n && k[j].a == k[i].a && k[j].b == k[i].b; j++) {
            const st_app_t *a = &d->apps[k[j].i];
            int64_t mw = stats_min_wage(d, a->sub);
            if ((err = vec_push(&sal, a->salary)) != TW_OK)
                goto out;
            if (mw >= 0 && a->salary < mw)
                below++;
            if (a->sub >= latest) {
                latest = a->sub;
                minw = mw;
            }
        }
        key.year = stats_year(a0->sub);
        key.sector = a0->sector;
        key.isco2 = a0->isco2;
        g = bsearch(&key, gaps, ng, sizeof(*gaps), gap_cmp);
        if ((err = stats_row(t)) || (err = stats_put_int(t, key.year)) ||
            (err = stats_put_text(t, sex_text(a0->sex))) ||
            (err = stats_put_text(t, txt(d, a0->cit))) ||
            (err = stats_put_text(t, txt(d, a0->sector))) ||
            (err = stats_put_text(t, txt(d, a0->isco2))) ||
            (err = stats_put_int(t, (long long)sal.n)) ||
            (err = stats_put_real(t, quantile(sal.v, sal.n, 0.25))) ||
            (err = stats_put_real(t, quantile(sal.v, sal.n, 0.5))) ||
            (err = stats_put_real(t, quantile(sal.v, sal.n, 0.75))))
            break;
        if ((err = minw >= 0 ? stats_put_int(t, minw) : stats_put_null(t)) ||
            (err = stats_put_int(t, below)) ||
            (err = stats_put_real(t, round(1e4 * (double)below / (double)sal.n) / 1e4)))
            break;
        if ((err = g && g->f >= 0 ? stats_put_real(t, g->f) : stats_put_null(t)) ||
            (err = g && g->m >= 0 ? stats_put_real(t, g->m) : stats_put_null(t)))
            break;
        if (g && g->f >= 0 && g->m > 0)
            err = stats_put_real(t, round(1000.0 * (g->m - g->f) / g->m) / 10);
        else
            err = stats_put_null(t);
    }
out:
    free(sal.v);
    free(gaps);
    free(k);
    return err;
}

/* ---- flows ---------------------------------------------------------------------------- */

enum { F_APPS, F_APPROVALS, F_ENTRIES, F_EXITS, F_RENEWALS, F_TRANSFERS, F_UNUSED, F_OVERSTAYS,
       F_COUNT };

/* Days after the end of validity within which an exit or a new permit is
 * not an overstay (docs/internals/stats.md, "flows"). */
#define OVERSTAY_GRACE 15

typedef struct {
    long long (*m)[F_COUNT];
    int lo, hi; /* month numbers covered, inclusive */
} months_t;

static void bump(months_t *mo, int32_t day, int what)
{
    int m = stats_month(day);
    if (m >= mo->lo && m <= mo->hi)
        mo->m[m - mo->lo][what]++;
}

static tw_err_t flows(const stats_data_t *d, const stats_period_t *per, stats_table_t *t)
{
    months_t mo = {NULL, 0, -1};
    int32_t first = INT32_MAX, last = INT32_MIN, ref;
    uint32_t maxw = 0;
    int32_t *maxvto = NULL;
    uint8_t *holder = NULL;
    size_t i;
    tw_err_t err = TW_OK;

    /* months from the first to the last event of the period */
    for (i = 0; i < d->napps; i++) {
        const st_app_t *a = &d->apps[i];
        int32_t days[4] = {a->sub, a->dec, a->vfrom, a->vto};
        for (int q = 0; q < 4; q++)
            if (in_period(per, days[q])) {
                first = days[q] < first ? days[q] : first;
                last = days[q] > last ? days[q] : last;
            }
        if (a->worker > maxw)
            maxw = a->worker;
    }
    for (i = 0; i < d->ncross; i++)
        if (in_period(per, d->cross[i].day)) {
            first = d->cross[i].day < first ? d->cross[i].day : first;
            last = d->cross[i].day > last ? d->cross[i].day : last;
        }
    if (first > last)
        return TW_OK; /* no data in the period: the header only */
    mo.lo = stats_month(first);
    mo.hi = stats_month(last);
    ref = per->to < d->last_day ? per->to : d->last_day;
    mo.m = calloc((size_t)(mo.hi - mo.lo + 1), sizeof(*mo.m));
    maxvto = malloc(((size_t)maxw + 1) * sizeof(*maxvto));
    holder = calloc((size_t)maxw + 1, 1);
    if (!mo.m || !maxvto || !holder) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i <= maxw; i++)
        maxvto[i] = NO_DAY;
    for (i = 0; i < d->napps; i++) {
        const st_app_t *a = &d->apps[i];
        if (a->decision != DEC_APPROVED || !a->worker)
            continue;
        holder[a->worker] = 1;
        if (a->vto != NO_DAY && a->vto > maxvto[a->worker])
            maxvto[a->worker] = a->vto;
    }
    for (i = 0; i < d->napps; i++) {
        const st_app_t *a = &d->apps[i];
        if (in_period(per, a->sub)) {
            bump(&mo, a->sub, F_APPS);
            if (a->prev >= 0)
                bump(&mo, a->sub,
                     d->apps[a->prev].employer == a->employer && a->employer ? F_RENEWALS
                                                                              : F_TRANSFERS);
        }
        if (a->decision != DEC_APPROVED)
            continue;
        if (in_period(per, a->dec))
            bump(&mo, a->dec, F_APPROVALS);
        if (!a->worker)
            continue;
        /* never used: no entry of the worker on or before the end of validity */
        if (in_period(per, a->vfrom) && a->vfrom <= d->last_day) {
            int32_t until = a->vto != NO_DAY ? a->vto : d->last_day;
            size_t c = stats_cross_first(d, a->worker);
            int entered = 0;
            for (; c < d->ncross && d->cross[c].worker == a->worker && d->cross[c].day <= until;
                 c++)
                if (d->cross[c].in) {
                    entered = 1;
                    break;
                }
            if (!entered)
                bump(&mo, a->vfrom, F_UNUSED);
        }
        /* overstay: inside at the end of validity, no exit and no later permit within the
         * grace period, which has passed by the reference day */
        if (in_period(per, a->vto) && a->vto + OVERSTAY_GRACE <= ref &&
            maxvto[a->worker] <= a->vto) {
            size_t c = stats_cross_first(d, a->worker);
            int inside = 0, left = 0;
            for (; c < d->ncross && d->cross[c].worker == a->worker; c++) {
                if (d->cross[c].day <= a->vto)
                    inside = d->cross[c].in;
                else if (d->cross[c].day <= a->vto + OVERSTAY_GRACE && !d->cross[c].in)
                    left = 1;
            }
            if (inside && !left)
                bump(&mo, a->vto, F_OVERSTAYS);
        }
    }
    for (i = 0; i < d->ncross; i++) {
        const st_cross_t *c = &d->cross[i];
        if (in_period(per, c->day) && c->worker <= maxw && holder[c->worker])
            bump(&mo, c->day, c->in ? F_ENTRIES : F_EXITS);
    }
    for (int m = mo.lo; err == TW_OK && m <= mo.hi; m++) {
        char month[16];
        snprintf(month, sizeof(month), "%04d-%02d", (m / 12) % 10000, m % 12 + 1);
        if ((err = stats_row(t)) != TW_OK || (err = stats_put_text(t, month)) != TW_OK)
            break;
        for (int q = 0; err == TW_OK && q < F_COUNT; q++)
            err = stats_put_int(t, mo.m[m - mo.lo][q]);
    }
out:
    free(mo.m);
    free(maxvto);
    free(holder);
    return err;
}

/* ---- trends ------------------------------------------------------------------------ */

enum { K_CORRIDOR = 0, K_INTERMEDIARY, K_SECTOR, K_CITIZENSHIP, K_REGION, K_COUNT };
static const char *const kind_names[] = {"corridor", "intermediary", "sector", "citizenship",
                                         "region"};

/* Items below this many applications in both periods are not ranked (noise). */
#define TREND_MIN 5
#define TREND_ROWS 100

typedef struct {
    int kind;
    uint32_t x, y, z;
    long long prev, cur;
    double score;
} trend_t;

static int trend_cmp(const void *pa, const void *pb)
{
    const trend_t *a = pa, *b = pb;
    double sa = fabs(a->score), sb = fabs(b->score);
    if (sa != sb)
        return sa > sb ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    return a->z < b->z ? -1 : a->z > b->z;
}

static tw_err_t trends(const stats_data_t *d, const stats_period_t *per, stats_table_t *t)
{
    int32_t cfrom, cto, pfrom, pto;
    st_key_t *k = NULL;
    trend_t *tr = NULL;
    size_t n = 0, i, j, nt = 0;
    char pf[11], pt[11], cf[11], ct[11];
    tw_err_t err = TW_OK;

    if (d->last_day == NO_DAY)
        return TW_OK;
    cto = per->to < d->last_day ? per->to : d->last_day;
    cfrom = per->from != INT32_MIN ? per->from : cto - 364;
    if (cfrom > cto)
        return TW_OK;
    pto = cfrom - 1;
    pfrom = pto - (cto - cfrom);
    if (!(k = malloc((d->napps ? d->napps : 1) * K_COUNT * sizeof(*k))))
        return TW_ENOMEM;
    for (i = 0; i < d->napps; i++) {
        const st_app_t *a = &d->apps[i];
        uint64_t cur;
        uint32_t item[K_COUNT][3] = {{a->cit, a->sector, a->region},
                                     {a->inter_id, 0, 0},
                                     {a->sector, 0, 0},
                                     {a->cit, 0, 0},
                                     {a->region, 0, 0}};
        if (a->sub == NO_DAY || a->sub < pfrom || a->sub > cto)
            continue;
        cur = a->sub >= cfrom;
        for (int q = 0; q < K_COUNT; q++) {
            if (!item[q][0] || (q == K_CORRIDOR && (!item[q][1] || !item[q][2])))
                continue;
            k[n].a = (uint64_t)q << 42 | R21(item[q][0]);
            k[n].b = R21(item[q][1]) << 21 | R21(item[q][2]);
            k[n].c = cur;
            k[n].i = (uint32_t)i;
            n++;
        }
    }
    stats_sort_keys(k, n);
    if (!(tr = malloc((n ? n : 1) * sizeof(*tr)))) {
        free(k);
        return TW_ENOMEM;
    }
    for (i = 0; i < n; i = j) {
        trend_t *x = &tr[nt];
        const st_app_t *a = &d->apps[k[i].i];
        memset(x, 0, sizeof(*x));
        x->kind = (int)(k[i].a >> 42);
        switch (x->kind) {
        case K_CORRIDOR: x->x = a->cit, x->y = a->sector, x->z = a->region; break;
        case K_INTERMEDIARY: x->x = a->inter_id; break;
        case K_SECTOR: x->x = a->sector; break;
        case K_CITIZENSHIP: x->x = a->cit; break;
        default: x->x = a->region;
        }
        for (j = i; j < n && k[j].a == k[i].a && k[j].b == k[i].b; j++) {
            if (k[j].c)
                x->cur++;
            else
                x->prev++;
        }
        if (x->prev < TREND_MIN && x->cur < TREND_MIN)
            continue;
        /* the change in units of its Poisson standard error */
        x->score = (double)(x->cur - x->prev) / sqrt((double)(x->cur + x->prev));
        nt++;
    }
    if (nt > 1)
        qsort(tr, nt, sizeof(*tr), trend_cmp);
    stats_day_str(pfrom, pf);
    stats_day_str(pto, pt);
    stats_day_str(cfrom, cf);
    stats_day_str(cto, ct);
    for (i = 0; err == TW_OK && i < nt && i < TREND_ROWS; i++) {
        const trend_t *x = &tr[i];
        char item[256];
        const char *note = x->prev == 0 ? "new" : x->cur == 0 ? "gone"
                                          : x->cur > x->prev  ? "growth"
                                                              : "decline";
        if (x->kind == K_CORRIDOR)
            snprintf(item, sizeof(item), "%s > %s > %s", txt(d, x->x), txt(d, x->y),
                     txt(d, x->z));
        else
            snprintf(item, sizeof(item), "%s", txt(d, x->x));
        if ((err = stats_row(t)) || (err = stats_put_int(t, (long long)i + 1)) ||
            (err = stats_put_text(t, kind_names[x->kind])) || (err = stats_put_text(t, item)) ||
            (err = stats_put_int(t, x->prev)) || (err = stats_put_int(t, x->cur)) ||
            (err = stats_put_int(t, x->cur - x->prev)))
            break;
        if ((err = x->prev ? stats_put_real(t, round(1000.0 * (double)(x->cur - x->prev) /
                                                     (double)x->prev) / 10)
                           : stats_put_null(t)) ||
            (err = stats_put_real(t, round(x->score * 100) / 100)) ||
            (err = stats_put_text(t, note)) || (err = stats_put_text(t, pf)) ||
            (err = stats_put_text(t, pt)) || (err = stats_put_text(t, cf)) ||
            (err = stats_put_text(t, ct)))
            break;
    }
    free(tr);
    free(k);
    return err;
}

/* ---- the entry point ----------------------------------------------------------------- */

tw_err_t stats_pattern(const stats_data_t *d, stats_pattern_t p, const stats_period_t *per,
                       stats_table_t **out, tw_errinfo_t *ei)
{
    static const char *const c_corridors[] = {
        "year",    "citizenship", "sector", "region", "applications", "approved",
        "rejected", "workers",    "women",  "median_salary_amd", NULL};
    static const char *const c_recruitment[] = {
        "year", "intermediary_id", "intermediary_name", "applications", "employers",
        "employer_applications", "share_of_employer_applications", "citizenships",
        "main_sector", "main_sector_applications", "main_sector_hhi", NULL};
    static const char *const c_concentration[] = {
        "year", "sector", "applications", "intermediated_applications", "intermediated_share",
        "intermediaries", "hhi", "top_intermediary_id", "top_intermediary_share", NULL};
    static const char *const c_wages[] = {
        "year", "sex", "citizenship", "sector", "isco_group", "applications", "q1_amd",
        "median_amd", "q3_amd", "minimum_wage_amd", "below_minimum", "below_minimum_share",
        "women_median_amd_in_occupation", "men_median_amd_in_occupation",
        "gender_gap_pct_in_occupation", NULL};
    static const char *const c_flows[] = {"month",     "applications", "approvals",
                                          "entries",   "exits",        "renewals",
                                          "transfers", "permits_never_used", "overstays", NULL};
    static const char *const c_trends[] = {
        "rank", "kind", "item", "previous", "current", "change", "change_pct", "score", "note",
        "previous_from", "previous_to", "current_from", "current_to", NULL};
    static const char *const *const cols[] = {c_corridors, c_recruitment,
                                              c_concentration, c_wages, c_flows, c_trends};
    stats_table_t *t = NULL;
    market_t *mk = NULL;
    size_t nmk;
    tw_err_t err;

    *out = NULL;
    if (p >= STATS_PATTERN_COUNT)
        return tw_errinfo_set(ei, TW_EINPUT, "no such table");
    if ((err = new_table(pattern_names[p], cols[p], &t)) != TW_OK)
        return tw_errinfo_set(ei, err, "out of memory");
    switch (p) {
    case STATS_CORRIDORS: err = corridors(d, per, t); break;
    case STATS_RECRUITMENT: err = recruitment(d, per, t); break;
    case STATS_CONCENTRATION:
        err = markets(d, per, t, &mk, &nmk);
        free(mk);
        break;
    case STATS_WAGES: err = wages(d, per, t); break;
    case STATS_FLOWS: err = flows(d, per, t); break;
    default: err = trends(d, per, t);
    }
    if (err == TW_OK)
        err = stats_row(t);
    if (err != TW_OK) {
        stats_table_free(t);
        return tw_errinfo_set(ei, err, "building the %s table: %s", pattern_names[p],
                              tw_strerror(err));
    }
    *out = t;
    return TW_OK;
}
