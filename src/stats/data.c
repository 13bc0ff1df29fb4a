/*
 * data.c - loads the current version of every permit application and
 * border crossing into flat arrays for the pattern tables (stats_int.h).
 *
 * Data: st_app_t per application, st_cross_t per crossing, coded strings
 * interned in one dictionary. Versions: the store is append-only and scans
 * come in id order, so a later version of a row comes after the earlier
 * one; STORE_COL_FIRST_ID names the row, and `slot[first_id]` the record
 * the row fills (the later version overwrites it).
 * Invariants:
 *   1. One record per register row (row_key), holding its latest version.
 *   2. prev of an application is the index of the application named by its
 *      previous_application_id, -2 when that id is not in the register,
 *      -1 when none is named.
 *   3. Crossings are sorted by worker then day, exits first within a day.
 * Thread model: built by one thread, read-only afterwards.
 */
#include "stats/stats_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    stats_data_t *d;
    int32_t *slot; /* first_id -> record index + 1 */
    int64_t max;
    strmap_t ids;  /* application_id -> record index (for previous_application_id) */
    char **prev_id; /* record index -> malloc'd previous id or NULL */
    size_t cap;
    tw_err_t err;
} load_t;

static tw_err_t intern(stats_data_t *d, const char *s, size_t len, uint32_t *out)
{
    uint64_t *slot;
    int added;
    const char *key;
    tw_err_t err;
    if (!s || len == 0) {
        *out = 0;
        return TW_OK;
    }
    if ((err = strmap_put(&d->dmap, s, len, d->ndict, &slot, &added, &key)) != TW_OK)
        return err;
    if (added) {
        if (d->ndict >= STATS_DICT_MAX)
            return TW_ETOOBIG; /* sort keys hold ranks in 21 bits (patterns.c) */
        if (d->ndict == d->dcap) {
            size_t ncap = d->dcap * 2;
            char **nv = realloc(d->dict, ncap * sizeof(*nv));
            if (!nv)
                return TW_ENOMEM;
            d->dict = nv;
            d->dcap = ncap;
        }
        d->dict[d->ndict++] = (char *)key;
    }
    *out = (uint32_t)*slot;
    return TW_OK;
}

static int32_t day_of(const store_cell_t *c)
{
    int ok;
    int32_t v;
    if (c->null || !c->text)
        return NO_DAY;
    v = stats_day(c->text, c->len, &ok);
    return ok ? v : NO_DAY;
}

static uint8_t decision_of(const store_cell_t *c)
{
    static const char *const names[] = {"", "pending", "approved", "rejected", "withdrawn",
                                        "revoked"};
    size_t i;
    if (c->null || !c->text)
        return DEC_OTHER;
    for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
        if (c->len == strlen(names[i]) && memcmp(c->text, names[i], c->len) == 0)
            return (uint8_t)i;
    return DEC_OTHER;
}

static uint8_t sex_of(const store_cell_t *c)
{
    if (c->null || c->len != 1)
        return SEX_UNKNOWN;
    return c->text[0] == 'F' ? SEX_F : c->text[0] == 'M' ? SEX_M : c->text[0] == 'X' ? SEX_X
                                                                                      : SEX_UNKNOWN;
}

static uint32_t ref_of(const store_cell_t *c)
{
    return c->null || c->num <= 0 || c->num > UINT32_MAX ? 0 : (uint32_t)c->num;
}

static void seen(stats_data_t *d, int32_t day)
{
    if (day != NO_DAY && day > d->last_day)
        d->last_day = day;
}

/* permits: the column order of app_cols */
static const char *const app_cols[] = {
    "application_id", "submitted_at",     "decision",       "decided_at",
    "valid_from",     "valid_to",         "previous_application_id", "worker_sex",
    "worker_citizenship", "employer_sector", "workplace_region", "occupation_isco",
    "monthly_salary_amd", "intermediary_name", "worker_ref", "employer_ref",
    "intermediary_ref", STORE_COL_FIRST_ID, "intermediary_id", NULL};

static tw_err_t app_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    load_t *L = ctx;
    stats_data_t *d = L->d;
    int64_t first = c[17].num;
    st_app_t *a;
    size_t idx;
    tw_err_t err = TW_OK;

    (void)n;
    if (first <= 0 || first > L->max)
        first = row_id;
    if (L->slot[first]) {
        idx = (size_t)L->slot[first] - 1;
    } else {
        if (d->napps == L->cap) {
            size_t ncap = L->cap ? 2 * L->cap : 4096;
            st_app_t *nv = realloc(d->apps, ncap * sizeof(*nv));
            char **np;
            if (!nv)
                return TW_ENOMEM;
            d->apps = nv;
            np = realloc(L->prev_id, ncap * sizeof(*np));
            if (!np)
                return TW_ENOMEM;
            L->prev_id = np;
            L->cap = ncap;
        }
        idx = d->napps++;
        L->slot[first] = (int32_t)(idx + 1);
        L->prev_id[idx] = NULL;
        if (!c[0].null &&
            (err = strmap_put(&L->ids, c[0].text, c[0].len, idx, NULL, NULL, NULL)) != TW_OK)
            return err;
    }
    a = &d->apps[idx];
    memset(a, 0, sizeof(*a));
    a->sub = day_of(&c[1]);
    a->decision = decision_of(&c[2]);
    a->dec = day_of(&c[3]);
    a->vfrom = day_of(&c[4]);
    a->vto = day_of(&c[5]);
    seen(d, a->sub);
    seen(d, a->dec);
    free(L->prev_id[idx]);
    L->prev_id[idx] = NULL;
    a->prev = -1;
    if (!c[6].null && c[6].len) {
        if (!(L->prev_id[idx] = malloc(c[6].len + 1)))
            return TW_ENOMEM;
        memcpy(L->prev_id[idx], c[6].text, c[6].len);
        L->prev_id[idx][c[6].len] = '\0';
    }
    a->sex = sex_of(&c[7]);
    if ((err = intern(d, c[8].text, c[8].len, &a->cit)) != TW_OK ||
        (err = intern(d, c[9].text, c[9].len, &a->sector)) != TW_OK ||
        (err = intern(d, c[10].text, c[10].len, &a->region)) != TW_OK ||
        (err = intern(d, c[11].text, c[11].len >= 2 ? 2 : 0, &a->isco2)) != TW_OK ||
        (err = intern(d, c[13].text, c[13].len, &a->inter_name)) != TW_OK ||
        (err = intern(d, c[18].text, c[18].len, &a->inter_id)) != TW_OK)
        return err;
    a->salary = c[12].null ? -1 : c[12].num;
    if (!c[12].null && c[12].text) /* stored as text: not a number */
        a->salary = -1;
    a->worker = ref_of(&c[14]);
    a->employer = ref_of(&c[15]);
    a->inter = ref_of(&c[16]);
    return TW_OK;
}

static const char *const cross_cols[] = {"crossed_at", "direction", "purpose", "worker_ref",
                                         STORE_COL_FIRST_ID, NULL};

static tw_err_t cross_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    load_t *L = ctx;
    stats_data_t *d = L->d;
    int64_t first = c[4].num;
    st_cross_t *x;
    size_t idx;

    (void)n;
    if (first <= 0 || first > L->max)
        first = row_id;
    if (L->slot[first]) {
        idx = (size_t)L->slot[first] - 1;
    } else {
        if (d->ncross == L->cap) {
            size_t ncap = L->cap ? 2 * L->cap : 4096;
            st_cross_t *nv = realloc(d->cross, ncap * sizeof(*nv));
            if (!nv)
                return TW_ENOMEM;
            d->cross = nv;
            L->cap = ncap;
        }
        idx = d->ncross++;
        L->slot[first] = (int32_t)(idx + 1);
    }
    x = &d->cross[idx];
    x->day = day_of(&c[0]);
    seen(d, x->day);
    x->in = !c[1].null && c[1].len == 2 && memcmp(c[1].text, "in", 2) == 0;
    x->work = !c[2].null && c[2].len == 4 && memcmp(c[2].text, "work", 4) == 0;
    x->worker = ref_of(&c[3]);
    return TW_OK;
}

static int cross_cmp(const void *pa, const void *pb)
{
    const st_cross_t *a = pa, *b = pb;
    if (a->worker != b->worker)
        return a->worker < b->worker ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return (int)a->in - (int)b->in;
}

typedef struct {
    const char *s;
    uint32_t i;
} named_t;

static int rank_cmp(const void *pa, const void *pb)
{
    return strcmp(((const named_t *)pa)->s, ((const named_t *)pb)->s);
}

static int key_cmp(const void *pa, const void *pb)
{
    const st_key_t *a = pa, *b = pb;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    if (a->c != b->c)
        return a->c < b->c ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

void stats_sort_keys(st_key_t *k, size_t n)
{
    if (n > 1)
        qsort(k, n, sizeof(*k), key_cmp);
}

/* The civil year and month (1..12) of a day (H. Hinnant's algorithm). */
static void civil(int32_t z, int *y, int *m)
{
    int era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

int stats_year(int32_t day)
{
    int y, m;
    civil(day, &y, &m);
    return y;
}

int stats_month(int32_t day)
{
    int y, m;
    civil(day, &y, &m);
    return y * 12 + m - 1;
}

int64_t stats_min_wage(const stats_data_t *d, int32_t day)
{
    return day == NO_DAY ? -1 : config_min_wage(d->cfg, day);
}

size_t stats_cross_first(const stats_data_t *d, uint32_t w)
{
    size_t lo = 0, hi = d->ncross;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->cross[mid].worker < w)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

tw_err_t stats_data_load(store_t *st, const config_t *cfg, unsigned what, stats_data_t **out,
                         tw_errinfo_t *ei)
{
    stats_data_t *d = calloc(1, sizeof(*d));
    load_t L;
    int64_t max_app = 0, max_cross = 0;
    named_t *order = NULL;
    tw_err_t err = TW_OK;
    size_t i;

    *out = NULL;
    memset(&L, 0, sizeof(L));
    strmap_init(&L.ids);
    if (!d)
        return tw_errinfo_set(ei, TW_ENOMEM, "out of memory loading the registers");
    strmap_init(&d->dmap);
    d->last_day = NO_DAY;
    d->cfg = cfg;
    if (!cfg) {
        if ((err = config_default(&d->own_cfg)) != TW_OK)
            goto out;
        d->cfg = d->own_cfg;
    }
    d->dcap = 256;
    if (!(d->dict = malloc(d->dcap * sizeof(char *)))) {
        err = TW_ENOMEM;
        goto out;
    }
    d->dict[0] = (char *)"";
    d->ndict = 1;
    if ((err = store_begin_read(st)) != TW_OK)
        goto out;
    if ((err = store_max_row(st, REG_PERMITS, &max_app)) == TW_OK &&
        (what & STATS_LOAD_CROSSINGS))
        err = store_max_row(st, REG_BORDER, &max_cross);
    L.d = d;
    L.max = max_app > max_cross ? max_app : max_cross;
    if (err == TW_OK && !(L.slot = calloc((size_t)L.max + 1, sizeof(int32_t))))
        err = TW_ENOMEM;
    if (err == TW_OK)
        err = store_scan_range(st, REG_PERMITS, app_cols, 0, max_app, app_row, &L);
    if (err == TW_OK && (what & STATS_LOAD_CROSSINGS)) {
        memset(L.slot, 0, ((size_t)L.max + 1) * sizeof(int32_t));
        L.cap = 0;
        err = store_scan_range(st, REG_BORDER, cross_cols, 0, max_cross, cross_row, &L);
    }
    store_end_read(st);
    if (err != TW_OK)
        goto out;
    for (i = 0; i < d->napps; i++) {
        uint64_t *v;
        if (!L.prev_id[i])
            continue;
        v = strmap_get(&L.ids, L.prev_id[i], strlen(L.prev_id[i]));
        d->apps[i].prev = v && *v != i ? (int32_t)*v : -2;
    }
    if (d->ncross > 1)
        qsort(d->cross, d->ncross, sizeof(*d->cross), cross_cmp);
    /* alphabetical ranks of the dictionary */
    if (!(order = malloc(d->ndict * sizeof(*order))) ||
        !(d->rank = malloc(d->ndict * sizeof(*d->rank)))) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i < d->ndict; i++) {
        order[i].s = d->dict[i];
        order[i].i = (uint32_t)i;
    }
    qsort(order, d->ndict, sizeof(*order), rank_cmp);
    for (i = 0; i < d->ndict; i++)
        d->rank[order[i].i] = (uint32_t)i;
out:
    free(order);
    if (L.prev_id)
        for (i = 0; i < d->napps; i++)
            free(L.prev_id[i]);
    free(L.prev_id);
    free(L.slot);
    strmap_free(&L.ids);
    if (err != TW_OK) {
        stats_data_free(d);
        if (err == TW_ENOMEM)
            return tw_errinfo_set(ei, err, "out of memory loading the registers");
        if (err == TW_ETOOBIG)
            return tw_errinfo_set(ei, err, "more than %u distinct codes and intermediaries in the "
                                           "registers", (unsigned)STATS_DICT_MAX);
        if (!ei->msg[0])
            tw_errinfo_set(ei, err, "reading the registers: %s", store_errmsg(st));
        return err;
    }
    *out = d;
    return TW_OK;
}

void stats_data_free(stats_data_t *d)
{
    if (!d)
        return;
    free(d->apps);
    free(d->cross);
    free(d->dict);
    free(d->rank);
    strmap_free(&d->dmap);
    config_free(d->own_cfg);
    free(d);
}

size_t stats_data_applications(const stats_data_t *d)
{
    return d->napps;
}

size_t stats_data_crossings(const stats_data_t *d)
{
    return d->ncross;
}
