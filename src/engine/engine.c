/*
 * engine.c - builds the screening engine's in-memory indexes from the store
 * (contract and invariants in engine.h, design in docs/internals/engine.md).
 *
 * Loading is one sequential scan per register (store_scan_range, insertion
 * order), bounded by the row ids of one snapshot, permits on the caller's
 * connection and the other registers on a second connection and thread. A
 * later version of a row overwrites its record in place (found through the
 * store's first-version id, no key map), so only current versions remain
 * (invariant 3) and record indexes stay stable. Postings are built
 * afterwards by a counting sort over the records (two passes: count per
 * key, then place), which gives every list in ascending record order with
 * one allocation per postings table.
 *
 * Memory: records are flat arrays pre-sized to the snapshot's row count;
 * no allocation per record. ix->bytes reports the total so benchmarks can
 * state bytes per application.
 *
 * Thread model: engine_load() uses two threads that touch disjoint parts of
 * the index (see loader_t); the finished index is read-only.
 */
#include "engine/engine.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/strmap.h"
#include "ingest/value.h"
#include "link/persons.h"

struct engine {
    eng_index_t ix;
};

/* Armenian time (UTC+4) day of a UTC timestamp. */
static int32_t local_day(int64_t utc)
{
    int64_t t = utc + 4 * 3600;
    return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

static int32_t cell_date(const store_cell_t *c)
{
    int32_t d;
    if (c->null || value_date(c->text, c->len, &d, NULL) != TW_OK)
        return ENG_NODAY;
    return d;
}

static int32_t cell_timestamp_day(const store_cell_t *c)
{
    int64_t t;
    if (c->null || value_timestamp(c->text, c->len, &t, NULL) != TW_OK)
        return ENG_NODAY;
    return local_day(t);
}

/* The number of a cell stored as an integer, or as the text of one (codes
 * such as ISCO or ISIC are text columns); -1 for anything else. */
static int64_t cell_num(const store_cell_t *c)
{
    int64_t v = 0;
    size_t i;
    if (c->null)
        return -1;
    if (!c->text)
        return c->num;
    if (c->len == 0 || c->len > 18)
        return -1;
    for (i = 0; i < c->len; i++) {
        if (c->text[i] < '0' || c->text[i] > '9')
            return -1;
        v = v * 10 + (c->text[i] - '0');
    }
    return v;
}

static int32_t cell_int(const store_cell_t *c)
{
    int64_t v = cell_num(c);
    if (v < 0 || v > INT32_MAX)
        return -1;
    return (int32_t)v;
}

static uint32_t cell_ref(const store_cell_t *c)
{
    if (c->null || c->num <= 0 || c->num > UINT32_MAX)
        return 0;
    return (uint32_t)c->num;
}

/* Three upper-case letters to 1..17576; 0 for anything else. */
static uint16_t country_code(const store_cell_t *c)
{
    const char *s = c->text;
    if (c->null || c->len != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' ||
        s[2] < 'A' || s[2] > 'Z')
        return 0;
    return (uint16_t)((s[0] - 'A') * 676 + (s[1] - 'A') * 26 + (s[2] - 'A') + 1);
}

static uint8_t region_code(const store_cell_t *c)
{
    static const char *const regions[] = {"AM-ER", "AM-AG", "AM-AR", "AM-AV",
                                          "AM-GR", "AM-KT", "AM-LO", "AM-SH",
                                          "AM-SU", "AM-TV", "AM-VD"};
    size_t i;
    if (c->null)
        return 0;
    for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        if (c->len == 5 && memcmp(c->text, regions[i], 5) == 0)
            return (uint8_t)(i + 1);
    }
    return 0;
}

/* Index + 1 of a value in the list of register column ci; 0 when absent. */
static uint8_t enum_code(const reg_def_t *def, int ci, const store_cell_t *c)
{
    size_t i;
    if (c->null || ci < 0 || !def->cols[ci].values)
        return 0;
    for (i = 0; def->cols[ci].values[i]; i++) {
        if (strlen(def->cols[ci].values[i]) == c->len &&
            memcmp(def->cols[ci].values[i], c->text, c->len) == 0)
            return (uint8_t)(i + 1);
    }
    return 0;
}

static uint32_t violation_bits(const store_cell_t *c)
{
    const reg_def_t *def = reg_get(REG_INSPECTIONS);
    int ci = reg_column_index(def, "violations", 10);
    const char *const *v = def->cols[ci].values;
    uint32_t bits = 0;
    size_t i = 0, j, k;

    if (c->null)
        return 0;
    while (i < c->len) {
        for (j = i; j < c->len && c->text[j] != ';'; j++)
            ;
        for (k = 0; v[k] && k < 32; k++) {
            if (strlen(v[k]) == j - i && memcmp(v[k], c->text + i, j - i) == 0)
                bits |= 1u << k;
        }
        i = j + 1;
    }
    return bits;
}

/* ---- loading ------------------------------------------------------------ */

/* One register's scan. Loaders of different registers share nothing but
 * read-only data, so they can run on different threads: each has its own
 * strings (merged afterwards) and horizon, and touches only its own
 * register's arrays, counts and delta lists in the index. */
typedef struct {
    engine_t *e;
    eng_reg_t reg;
    int64_t since;       /* watermark of this register; INT64_MAX: none */
    int64_t upto;        /* the snapshot's largest row id of this register */
    uint32_t *first_idx; /* row id of a first version -> record index + 1 */
    tw_buf_t *strings;
    size_t cap;
    int32_t horizon;
    int enum_col[2];     /* register columns with value lists (see reg_loads) */
    tw_buf_t prev_keys;  /* permits: previous_application_id values, NUL-ended */
    uint32_t *prev_off;  /* permits: record -> offset in prev_keys + 1; 0 none */
    size_t prev_cap;
} loader_t;

static tw_err_t grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *p;
    if (need <= *cap)
        return TW_OK;
    ncap = *cap ? *cap * 2 : 1024;
    while (ncap < need)
        ncap *= 2;
    p = realloc(*arr, ncap * elem);
    if (!p)
        return TW_ENOMEM;
    *arr = p;
    *cap = ncap;
    return TW_OK;
}

/* The record index for a stored row: a new one (*fresh = 1) for a first
 * version, else the one holding the row's earlier version. `first` is the
 * STORE_COL_FIRST_ID cell: the store resolves versions to their first row,
 * so no key map is needed here. */
static tw_err_t slot_for(loader_t *L, int64_t row_id, const store_cell_t *first, uint32_t count,
                         uint32_t *idx, int *fresh)
{
    int64_t f = first->null ? row_id : first->num;
    if (f <= 0 || f > L->upto || f > row_id)
        return TW_EINTERNAL; /* a first version after its successor */
    if (L->first_idx[f]) {
        *idx = L->first_idx[f] - 1;
        *fresh = 0;
        return TW_OK;
    }
    if (count == UINT32_MAX)
        return TW_ETOOBIG;
    *idx = count;
    *fresh = 1;
    L->first_idx[f] = count + 1;
    return TW_OK;
}

/* Before record idx is overwritten by the version in row_id: remembers it
 * in the delta when that version is newer than the watermark. */
static tw_err_t note_change(loader_t *L, int64_t row_id, uint32_t idx, int fresh)
{
    eng_index_t *ix = &L->e->ix;
    eng_delta_t *d = &ix->delta;
    tw_err_t err;

    if (row_id > ix->max_row[L->reg])
        ix->max_row[L->reg] = row_id;
    if (row_id <= L->since)
        return TW_OK;
    if ((err = grow((void **)&d->recs[L->reg], &d->cap_recs[L->reg],
                    (size_t)d->nrecs[L->reg] + 1, sizeof(uint32_t))) != TW_OK)
        return err;
    d->recs[L->reg][d->nrecs[L->reg]++] = idx;
    if (fresh)
        return TW_OK;
    switch (L->reg) {
    case ENG_PERMITS:
        if ((err = grow((void **)&d->old_apps, &d->cap_old_apps, (size_t)d->nold_apps + 1,
                        sizeof(eng_app_t))) == TW_OK)
            d->old_apps[d->nold_apps++] = ix->apps[idx];
        break;
    case ENG_CROSSINGS:
        if ((err = grow((void **)&d->old_crossings, &d->cap_old_crossings,
                        (size_t)d->nold_crossings + 1, sizeof(eng_crossing_t))) == TW_OK)
            d->old_crossings[d->nold_crossings++] = ix->crossings[idx];
        break;
    case ENG_INSPECTIONS:
        if ((err = grow((void **)&d->old_inspections, &d->cap_old_inspections,
                        (size_t)d->nold_inspections + 1, sizeof(eng_inspection_t))) == TW_OK)
            d->old_inspections[d->nold_inspections++] = ix->inspections[idx];
        break;
    case ENG_REPORTS:
        if ((err = grow((void **)&d->old_reports, &d->cap_old_reports,
                        (size_t)d->nold_reports + 1, sizeof(eng_report_t))) == TW_OK)
            d->old_reports[d->nold_reports++] = ix->reports[idx];
        break;
    }
    return err;
}

static tw_err_t intern(loader_t *L, const store_cell_t *c, uint32_t *off)
{
    tw_err_t err;
    if (L->strings->len > UINT32_MAX - c->len - 1)
        return TW_ETOOBIG;
    *off = (uint32_t)L->strings->len;
    if ((err = buf_add(L->strings, c->text ? c->text : "", c->len)) != TW_OK)
        return err;
    return buf_addc(L->strings, '\0');
}

static void horizon(loader_t *L, int32_t day)
{
    if (day != ENG_NODAY && day > L->horizon)
        L->horizon = day;
}

/* A record slot for a row: the index of its record (new or overwritten),
 * after growing `*arr` and counting a new record in `*n`. */
static tw_err_t record_for(loader_t *L, int64_t row_id, const store_cell_t *first, void **arr,
                           uint32_t *n, size_t elem, uint32_t *idx)
{
    int fresh;
    tw_err_t err;
    if ((err = slot_for(L, row_id, first, *n, idx, &fresh)) != TW_OK)
        return err;
    if (fresh) {
        if ((err = grow(arr, &L->cap, (size_t)*n + 1, elem)) != TW_OK)
            return err;
        (*n)++;
    }
    return note_change(L, row_id, *idx, fresh);
}

enum {
    P_KEY, P_FIRST, P_PREV, P_SUBMITTED, P_DECIDED, P_VALID_FROM, P_VALID_TO, P_CSTART,
    P_CEND, P_BIRTH, P_EREG, P_SALARY, P_HOURS, P_DECLARED, P_ISCO, P_CITIZEN, P_SECTOR,
    P_DECISION, P_SEX, P_RES_REGION, P_WORK_REGION, P_WORKER, P_EMPLOYER, P_INTERMEDIARY,
    P_RES_ADDR, P_WORK_ADDR, P_PHONE, P_NCOLS
};

static const char *const permit_cols[P_NCOLS + 1] = {
    "row_key", STORE_COL_FIRST_ID, "previous_application_id", "submitted_at_utc",
    "decided_at_utc", "valid_from", "valid_to", "contract_start", "contract_end",
    "worker_birth_date", "employer_registered_on", "monthly_salary_amd", "weekly_hours",
    "employer_declared_employees", "occupation_isco", "worker_citizenship",
    "employer_sector", "decision", "worker_sex", "worker_region", "workplace_region",
    "worker_ref", "employer_ref", "intermediary_ref", "worker_address_ref",
    "workplace_address_ref", "worker_phone_ref", NULL};

static void fill_app(const store_cell_t *c, int decision_col, eng_app_t *a);

static tw_err_t permit_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    loader_t *L = ctx;
    eng_index_t *ix = &L->e->ix;
    eng_app_t *a;
    uint32_t idx;
    tw_err_t err;

    (void)n;
    if ((err = record_for(L, row_id, &c[P_FIRST], (void **)&ix->apps, &ix->napps, sizeof(*a),
                          &idx)) != TW_OK)
        return err;
    a = &ix->apps[idx];
    memset(a, 0, sizeof(*a));
    a->row_id = row_id;
    if ((err = intern(L, &c[P_KEY], &a->key)) != TW_OK)
        return err;
    if ((err = grow((void **)&L->prev_off, &L->prev_cap, (size_t)idx + 1,
                    sizeof(*L->prev_off))) != TW_OK)
        return err;
    L->prev_off[idx] = 0;
    if (c[P_PREV].text) {
        /* resolved once every application is loaded (resolve_previous) */
        if (L->prev_keys.len > UINT32_MAX - c[P_PREV].len - 2)
            return TW_ETOOBIG;
        L->prev_off[idx] = (uint32_t)L->prev_keys.len + 1;
        if ((err = buf_add(&L->prev_keys, c[P_PREV].text, c[P_PREV].len)) != TW_OK ||
            (err = buf_addc(&L->prev_keys, '\0')) != TW_OK)
            return err;
    }
    fill_app(c, L->enum_col[0], a);
    horizon(L, a->submitted);
    horizon(L, a->decided);
    return TW_OK;
}

/* The fields of an application from its permit_cols cells (all but the
 * key, the first id and the previous application). */
static void fill_app(const store_cell_t *c, int decision_col, eng_app_t *a)
{
    a->submitted = cell_timestamp_day(&c[P_SUBMITTED]);
    a->decided = cell_timestamp_day(&c[P_DECIDED]);
    a->valid_from = cell_date(&c[P_VALID_FROM]);
    a->valid_to = cell_date(&c[P_VALID_TO]);
    a->contract_start = cell_date(&c[P_CSTART]);
    a->contract_end = cell_date(&c[P_CEND]);
    a->birth = cell_date(&c[P_BIRTH]);
    a->employer_registered = cell_date(&c[P_EREG]);
    a->salary = cell_int(&c[P_SALARY]);
    a->hours = cell_int(&c[P_HOURS]);
    a->declared_employees = cell_int(&c[P_DECLARED]);
    a->isco = (uint16_t)(cell_int(&c[P_ISCO]) > 0 && cell_int(&c[P_ISCO]) < 10000
                             ? cell_int(&c[P_ISCO])
                             : 0);
    a->citizenship = country_code(&c[P_CITIZEN]);
    a->sector = (uint8_t)(cell_int(&c[P_SECTOR]) > 0 && cell_int(&c[P_SECTOR]) < 100
                              ? cell_int(&c[P_SECTOR])
                              : 0);
    a->decision = enum_code(reg_get(REG_PERMITS), decision_col, &c[P_DECISION]);
    a->decision = (uint8_t)(a->decision ? a->decision - 1 : 0);
    a->sex = c[P_SEX].text ? c[P_SEX].text[0] : 0;
    a->res_region = region_code(&c[P_RES_REGION]);
    a->work_region = region_code(&c[P_WORK_REGION]);
    a->worker = cell_ref(&c[P_WORKER]);
    a->employer = cell_ref(&c[P_EMPLOYER]);
    a->intermediary = cell_ref(&c[P_INTERMEDIARY]);
    a->res_addr = cell_ref(&c[P_RES_ADDR]);
    a->work_addr = cell_ref(&c[P_WORK_ADDR]);
    a->phone = cell_ref(&c[P_PHONE]);
}

tw_err_t engine_app_from_values(const store_value_t *vals, const store_links_t *links,
                                eng_app_t *a)
{
    const reg_def_t *def = reg_get(REG_PERMITS);
    store_cell_t c[P_NCOLS];
    const int64_t refs[6] = {links->worker,  links->employer, links->intermediary,
                             links->address, links->address2, links->phone};
    int k;

    memset(a, 0, sizeof(*a));
    for (k = 0; k < P_NCOLS; k++) {
        const char *name = permit_cols[k];
        size_t len = strlen(name);
        int ci;
        memset(&c[k], 0, sizeof(c[k]));
        c[k].null = 1;
        if (k >= P_WORKER) { /* the <role>_ref links, in store_links_t order */
            int64_t id = refs[k - P_WORKER];
            if (id < 0 || id > UINT32_MAX)
                return TW_EINPUT;
            c[k].num = id;
            c[k].null = id == 0;
            continue;
        }
        if (len > 4 && strcmp(name + len - 4, "_utc") == 0) {
            /* a timestamp's UTC form: the normal form of its column */
            ci = reg_column_index(def, name, len - 4);
            if (ci >= 0 && vals[ci].present && vals[ci].has_norm) {
                c[k].text = vals[ci].norm;
                c[k].len = vals[ci].norm_len;
                c[k].null = 0;
            }
            continue;
        }
        if ((ci = reg_column_index(def, name, len)) < 0 || !vals[ci].present)
            continue;
        c[k].null = 0;
        if (def->cols[ci].type == COL_UINT) {
            c[k].num = vals[ci].num;
        } else {
            c[k].text = vals[ci].text;
            c[k].len = vals[ci].text_len;
        }
    }
    fill_app(c, reg_column_index(def, "decision", 8), a);
    return TW_OK;
}

/* previous_application_id -> record index + 1 of that application (0 when
 * it is not loaded). Only the named keys go into a map, and every
 * application is looked up in it once: far cheaper than a map of all keys
 * or an index probe in SQL per reference. */
static tw_err_t resolve_previous(loader_t *L)
{
    eng_index_t *ix = &L->e->ix;
    strmap_t named;
    uint32_t i;
    tw_err_t err = TW_OK;

    strmap_init(&named);
    for (i = 0; i < ix->napps && err == TW_OK; i++) {
        if (L->prev_off[i]) {
            const char *k = L->prev_keys.p + L->prev_off[i] - 1;
            err = strmap_put(&named, k, strlen(k), 0, NULL, NULL, NULL);
        }
    }
    for (i = 0; i < ix->napps && err == TW_OK && named.count; i++) {
        /* the index's strings are not in place yet: the loader's are */
        const char *k = L->strings->p + ix->apps[i].key;
        uint64_t *v = strmap_get(&named, k, strlen(k));
        if (v)
            *v = (uint64_t)i + 1;
    }
    for (i = 0; i < ix->napps && err == TW_OK; i++) {
        uint64_t *v;
        const char *k;
        if (!L->prev_off[i])
            continue;
        k = L->prev_keys.p + L->prev_off[i] - 1;
        v = strmap_get(&named, k, strlen(k));
        ix->apps[i].prev = v ? (uint32_t)*v : 0;
    }
    strmap_free(&named);
    return err;
}

static const char *const crossing_cols[] = {"row_key", STORE_COL_FIRST_ID, "crossed_at_utc",
                                            "direction", "worker_ref", NULL};

static tw_err_t crossing_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    loader_t *L = ctx;
    eng_index_t *ix = &L->e->ix;
    eng_crossing_t *x;
    uint32_t idx;
    tw_err_t err;

    (void)n;
    if ((err = record_for(L, row_id, &c[1], (void **)&ix->crossings, &ix->ncrossings,
                          sizeof(*x), &idx)) != TW_OK)
        return err;
    x = &ix->crossings[idx];
    memset(x, 0, sizeof(*x));
    x->row_id = row_id;
    if ((err = intern(L, &c[0], &x->key)) != TW_OK)
        return err;
    x->day = cell_timestamp_day(&c[2]);
    x->direction = (c[3].text && c[3].text[0] == 'o') ? 'o' : 'i';
    x->worker = cell_ref(&c[4]);
    horizon(L, x->day);
    return TW_OK;
}

static const char *const inspection_cols[] = {"row_key",       STORE_COL_FIRST_ID,
                                              "inspected_on",  "workers_found",
                                              "undeclared_workers", "violations",
                                              "employer_ref",  NULL};

static tw_err_t inspection_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    loader_t *L = ctx;
    eng_index_t *ix = &L->e->ix;
    eng_inspection_t *x;
    uint32_t idx;
    tw_err_t err;

    (void)n;
    if ((err = record_for(L, row_id, &c[1], (void **)&ix->inspections, &ix->ninspections,
                          sizeof(*x), &idx)) != TW_OK)
        return err;
    x = &ix->inspections[idx];
    memset(x, 0, sizeof(*x));
    x->row_id = row_id;
    if ((err = intern(L, &c[0], &x->key)) != TW_OK)
        return err;
    x->day = cell_date(&c[2]);
    x->workers_found = cell_int(&c[3]);
    x->undeclared = cell_int(&c[4]);
    x->violations = violation_bits(&c[5]);
    x->employer = cell_ref(&c[6]);
    horizon(L, x->day);
    return TW_OK;
}

static const char *const report_cols[] = {"row_key",      STORE_COL_FIRST_ID, "received_at_utc",
                                          "channel",      "category",         "employer_ref",
                                          "address_ref",  "phone_ref",        NULL};

static tw_err_t report_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    loader_t *L = ctx;
    eng_index_t *ix = &L->e->ix;
    const reg_def_t *def = reg_get(REG_REPORTS);
    eng_report_t *x;
    uint32_t idx;
    tw_err_t err;

    (void)n;
    if ((err = record_for(L, row_id, &c[1], (void **)&ix->reports, &ix->nreports, sizeof(*x),
                          &idx)) != TW_OK)
        return err;
    x = &ix->reports[idx];
    memset(x, 0, sizeof(*x));
    x->row_id = row_id;
    if ((err = intern(L, &c[0], &x->key)) != TW_OK)
        return err;
    x->day = cell_timestamp_day(&c[2]);
    x->channel = enum_code(def, L->enum_col[0], &c[3]);
    x->category = enum_code(def, L->enum_col[1], &c[4]);
    x->employer = cell_ref(&c[5]);
    x->address = cell_ref(&c[6]);
    x->phone = cell_ref(&c[7]);
    horizon(L, x->day);
    return TW_OK;
}

/* One register: records pre-sized to the snapshot's row count (an upper
 * bound: versions share a record), so the scan does not reallocate. */
typedef struct {
    reg_id_t reg;
    eng_reg_t er;
    const char *const *cols;
    store_scan_fn fn;
    const char *enum_col[2]; /* columns whose value list the row function codes */
} reg_load_t;

static const reg_load_t reg_loads[4] = {
    {REG_PERMITS, ENG_PERMITS, permit_cols, permit_row, {"decision", NULL}},
    {REG_BORDER, ENG_CROSSINGS, crossing_cols, crossing_row, {NULL, NULL}},
    {REG_INSPECTIONS, ENG_INSPECTIONS, inspection_cols, inspection_row, {NULL, NULL}},
    {REG_REPORTS, ENG_REPORTS, report_cols, report_row, {"channel", "category"}},
};

/* Loads the register's rows with ids in (after, upto]. With `keep` (a
 * permit range of a split load, below) the loader's first-version map and
 * previous-application keys are handed over in *keep for the merge, and
 * previous applications are not resolved; else they are, and freed. */
static tw_err_t load_register(engine_t *e, store_t *st, tw_buf_t *strings, const reg_load_t *rl,
                              const int64_t *since, int64_t after, int64_t upto, int32_t *hz,
                              loader_t *keep)
{
    eng_index_t *ix = &e->ix;
    size_t elem[4] = {sizeof(eng_app_t), sizeof(eng_crossing_t), sizeof(eng_inspection_t),
                      sizeof(eng_report_t)};
    void **arrs[4] = {(void **)&ix->apps, (void **)&ix->crossings, (void **)&ix->inspections,
                      (void **)&ix->reports};
    loader_t L;
    tw_err_t err;
    int k;

    memset(&L, 0, sizeof(L));
    L.e = e;
    L.reg = rl->er;
    L.since = since ? since[rl->er] : INT64_MAX;
    L.upto = upto;
    L.strings = strings;
    L.horizon = ENG_NODAY;
    buf_init(&L.prev_keys, (size_t)UINT32_MAX);
    for (k = 0; k < 2; k++) {
        const char *col = rl->enum_col[k];
        L.enum_col[k] = col ? reg_column_index(reg_get(rl->reg), col, strlen(col)) : -1;
    }
    if (upto >= UINT32_MAX)
        return TW_ETOOBIG;
    L.first_idx = calloc((size_t)upto + 1, sizeof(*L.first_idx));
    if (!L.first_idx)
        return TW_ENOMEM;
    if (upto > after &&
        (err = grow(arrs[rl->er], &L.cap, (size_t)(upto - after), elem[rl->er])) != TW_OK)
        goto out;
    err = store_scan_range(st, rl->reg, rl->cols, after, upto, rl->fn, &L);
    if (err == TW_OK && rl->er == ENG_PERMITS && !keep)
        err = resolve_previous(&L);
    *hz = L.horizon;
out:
    if (keep && err == TW_OK) {
        *keep = L;
        return TW_OK;
    }
    free(L.first_idx);
    free(L.prev_off);
    buf_free(&L.prev_keys);
    return err;
}

static void loader_free(loader_t *L)
{
    free(L->first_idx);
    free(L->prev_off);
    buf_free(&L->prev_keys);
    memset(L, 0, sizeof(*L));
}

/* The registers other than permits, on a second connection and thread:
 * crossings are the largest register after permits, so the two halves take
 * about the same time. */
typedef struct {
    engine_t *e;
    const char *path;
    const int64_t *since;
    const int64_t *upto;
    tw_buf_t strings;
    int32_t horizon;
    tw_err_t err;
    char errmsg[256];
    /* a split load: permits (split, upto[permits]] into part's records
     * after the other registers (merge_permits) */
    engine_t *part;
    int64_t split;
    loader_t part_loader;
} side_load_t;

/* The store maps up to 1 GiB of the database file (PRAGMA mmap_size):
 * good for the random reads of the server, but a full scan then keeps
 * every page it read resident, counted in the process's memory (twice
 * with two connections). The load reads each page once, in order, through
 * SQLite's page cache instead; *saved receives the setting to put back
 * (-1: none to restore). */
static void scan_unmapped(store_t *st, int64_t *saved)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    *saved = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA mmap_size", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        *saved = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (*saved > 0)
        sqlite3_exec(db, "PRAGMA mmap_size=0", NULL, NULL, NULL);
    else
        *saved = -1;
}

static void scan_restore(store_t *st, int64_t saved)
{
    char sql[64];
    if (saved < 0)
        return;
    snprintf(sql, sizeof(sql), "PRAGMA mmap_size=%lld", (long long)saved);
    sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL);
}

static void *side_load(void *arg)
{
    side_load_t *s = arg;
    store_t *st2 = NULL;
    tw_errinfo_t ei;
    int r;

    int64_t saved;

    tw_errinfo_clear(&ei);
    if ((s->err = store_open(s->path, &st2, &ei)) != TW_OK) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s", ei.msg);
        return NULL;
    }
    scan_unmapped(st2, &saved);
    for (r = 1; r < 4 && s->err == TW_OK; r++) {
        int32_t hz;
        s->err = load_register(s->e, st2, &s->strings, &reg_loads[r], s->since, 0, s->upto[r],
                               &hz, NULL);
        if (hz > s->horizon)
            s->horizon = hz;
        if (s->err == TW_EDB)
            snprintf(s->errmsg, sizeof(s->errmsg), "%s", store_errmsg(st2));
    }
    if (s->part && s->err == TW_OK) {
        int32_t hz;
        s->err = load_register(s->part, st2, &s->strings, &reg_loads[0], NULL, s->split,
                               s->upto[0], &hz, &s->part_loader);
        if (hz > s->horizon)
            s->horizon = hz;
        if (s->err == TW_EDB)
            snprintf(s->errmsg, sizeof(s->errmsg), "%s", store_errmsg(st2));
    }
    store_close(st2);
    return NULL;
}

/* Appends the side loader's strings to the main ones and moves its
 * records' key offsets along. */
static tw_err_t merge_strings(eng_index_t *ix, tw_buf_t *main, const tw_buf_t *side)
{
    size_t base = main->len;
    uint32_t i;
    tw_err_t err;
    if (side->len == 0)
        return TW_OK;
    if (base + side->len > UINT32_MAX)
        return TW_ETOOBIG;
    if ((err = buf_add(main, side->p, side->len)) != TW_OK)
        return err;
    for (i = 0; i < ix->ncrossings; i++)
        ix->crossings[i].key += (uint32_t)base;
    for (i = 0; i < ix->ninspections; i++)
        ix->inspections[i].key += (uint32_t)base;
    for (i = 0; i < ix->nreports; i++)
        ix->reports[i].key += (uint32_t)base;
    return TW_OK;
}

/* Counting sort of record indexes by key: key_of(record) in [0, nkeys). */
typedef uint32_t (*key_fn)(const eng_index_t *ix, uint32_t rec);

static tw_err_t build_postings(const eng_index_t *ix, eng_postings_t *p, uint32_t nkeys,
                               uint32_t nrecs, key_fn key, size_t *bytes)
{
    uint32_t r, k;
    uint32_t *fill;

    p->n = nkeys;
    p->off = calloc((size_t)nkeys + 1, sizeof(*p->off));
    p->items = malloc((size_t)(nrecs ? nrecs : 1) * sizeof(*p->items));
    fill = malloc((size_t)(nkeys ? nkeys : 1) * sizeof(*fill));
    if (!p->off || !p->items || !fill) {
        free(fill);
        return TW_ENOMEM;
    }
    for (r = 0; r < nrecs; r++) {
        k = key(ix, r);
        if (k && k < nkeys)
            p->off[k + 1]++;
    }
    for (k = 0; k < nkeys; k++)
        p->off[k + 1] += p->off[k];
    memcpy(fill, p->off, (size_t)nkeys * sizeof(*fill));
    for (r = 0; r < nrecs; r++) {
        k = key(ix, r);
        if (k && k < nkeys)
            p->items[fill[k]++] = r;
    }
    free(fill);
    *bytes += ((size_t)nkeys + 1 + nrecs) * sizeof(uint32_t);
    return TW_OK;
}

static uint32_t k_app_employer(const eng_index_t *ix, uint32_t r) { return ix->apps[r].employer; }
/* A worker's key: the worker standing for its person (engine.h). */
static uint32_t rep(const eng_index_t *ix, uint32_t w)
{
    return ix->worker_rep && w < ix->nentities[ENT_WORKER] ? ix->worker_rep[w] : w;
}
static uint32_t k_app_worker(const eng_index_t *ix, uint32_t r) { return rep(ix, ix->apps[r].worker); }
static uint32_t k_app_res(const eng_index_t *ix, uint32_t r) { return ix->apps[r].res_addr; }
static uint32_t k_app_work(const eng_index_t *ix, uint32_t r) { return ix->apps[r].work_addr; }
static uint32_t k_app_phone(const eng_index_t *ix, uint32_t r) { return ix->apps[r].phone; }
static uint32_t k_app_interm(const eng_index_t *ix, uint32_t r) { return ix->apps[r].intermediary; }
static uint32_t k_cross_worker(const eng_index_t *ix, uint32_t r) { return rep(ix, ix->crossings[r].worker); }
static uint32_t k_rep_worker(const eng_index_t *ix, uint32_t r) { return ix->reports[r].worker; }
static uint32_t k_insp_employer(const eng_index_t *ix, uint32_t r) { return ix->inspections[r].employer; }
static uint32_t k_rep_employer(const eng_index_t *ix, uint32_t r) { return ix->reports[r].employer; }
static uint32_t k_rep_address(const eng_index_t *ix, uint32_t r) { return ix->reports[r].address; }
static uint32_t k_rep_phone(const eng_index_t *ix, uint32_t r) { return ix->reports[r].phone; }

/* The postings tables: which records, keyed by which entity. Built on two
 * threads for a large index (postings_part): the application tables on
 * one, the others (crossings are the largest) on the other; each table is
 * built by one thread, so the result is the same either way. */
typedef struct {
    size_t off;      /* eng_postings_t in eng_index_t */
    int ent;         /* entity kind of the keys */
    int reg;         /* ENG_* register of the records */
    key_fn key;
} postings_def_t;

static const postings_def_t postings_defs[] = {
    {offsetof(eng_index_t, apps_by_employer), ENT_EMPLOYER, ENG_PERMITS, k_app_employer},
    {offsetof(eng_index_t, apps_by_worker), ENT_WORKER, ENG_PERMITS, k_app_worker},
    {offsetof(eng_index_t, apps_by_res_addr), ENT_ADDRESS, ENG_PERMITS, k_app_res},
    {offsetof(eng_index_t, apps_by_work_addr), ENT_ADDRESS, ENG_PERMITS, k_app_work},
    {offsetof(eng_index_t, apps_by_phone), ENT_PHONE, ENG_PERMITS, k_app_phone},
    {offsetof(eng_index_t, apps_by_intermediary), ENT_INTERMEDIARY, ENG_PERMITS, k_app_interm},
    {offsetof(eng_index_t, crossings_by_worker), ENT_WORKER, ENG_CROSSINGS, k_cross_worker},
    {offsetof(eng_index_t, inspections_by_employer), ENT_EMPLOYER, ENG_INSPECTIONS,
     k_insp_employer},
    {offsetof(eng_index_t, reports_by_employer), ENT_EMPLOYER, ENG_REPORTS, k_rep_employer},
    {offsetof(eng_index_t, reports_by_address), ENT_ADDRESS, ENG_REPORTS, k_rep_address},
    {offsetof(eng_index_t, reports_by_phone), ENT_PHONE, ENG_REPORTS, k_rep_phone},
    {offsetof(eng_index_t, reports_by_worker), ENT_WORKER, ENG_REPORTS, k_rep_worker},
};
#define NPOSTINGS (sizeof(postings_defs) / sizeof(postings_defs[0]))
#define POSTINGS_APPS 6 /* the first six: the application tables */

typedef struct {
    eng_index_t *ix;
    size_t from, to; /* postings_defs[from..to) */
    size_t bytes;
    tw_err_t err;
} postings_part_t;

static void *postings_part(void *arg)
{
    postings_part_t *pp = arg;
    size_t i;
    uint32_t nrecs;
    for (i = pp->from; i < pp->to && pp->err == TW_OK; i++) {
        const postings_def_t *d = &postings_defs[i];
        eng_postings_t *p = (eng_postings_t *)((char *)pp->ix + d->off);
        nrecs = d->reg == ENG_PERMITS       ? pp->ix->napps
                : d->reg == ENG_CROSSINGS   ? pp->ix->ncrossings
                : d->reg == ENG_INSPECTIONS ? pp->ix->ninspections
                                            : pp->ix->nreports;
        pp->err = build_postings(pp->ix, p, pp->ix->nentities[d->ent], nrecs, d->key, &pp->bytes);
    }
    return NULL;
}

tw_err_t engine_index_build(eng_index_t *ix)
{
    postings_part_t part[2] = {{ix, 0, POSTINGS_APPS, 0, TW_OK},
                               {ix, POSTINGS_APPS, NPOSTINGS, 0, TW_OK}};
    pthread_t t;
    int two;
    if (!ix->register_crossings)
        ix->register_crossings = ix->ncrossings;
    /* a second thread only where it pays (a live neighbourhood index is
     * small and built per arrival) */
    two = (size_t)ix->napps + ix->ncrossings >= 200000 &&
          pthread_create(&t, NULL, postings_part, &part[1]) == 0;
    postings_part(&part[0]);
    if (two)
        pthread_join(t, NULL);
    else
        postings_part(&part[1]);
    ix->bytes += part[0].bytes + part[1].bytes;
    return part[0].err != TW_OK ? part[0].err : part[1].err;
}

/* Gives back the slack of the pre-sized record arrays (versions). */
static void shrink(eng_index_t *ix)
{
    void *p;
    if (ix->napps && (p = realloc(ix->apps, (size_t)ix->napps * sizeof(*ix->apps))))
        ix->apps = p;
    if (ix->ncrossings &&
        (p = realloc(ix->crossings, (size_t)ix->ncrossings * sizeof(*ix->crossings))))
        ix->crossings = p;
    if (ix->ninspections &&
        (p = realloc(ix->inspections, (size_t)ix->ninspections * sizeof(*ix->inspections))))
        ix->inspections = p;
    if (ix->nreports && (p = realloc(ix->reports, (size_t)ix->nreports * sizeof(*ix->reports))))
        ix->reports = p;
}

/* ---- persons (link/persons.h) ---- */

typedef struct {
    eng_index_t *ix;
    strmap_t person;    /* person id -> index in best/best_day */
    int64_t *pid;       /* worker -> person id (0: none) */
    uint32_t *best;     /* per person: the worker standing for it */
    int64_t *best_day;  /* its latest application (2^40 + day) or crossing (day) */
    size_t n, cap;
    strmap_t report;    /* report_id -> report index */
    const char *strings;
} persons_ctx_t;

static tw_err_t person_slot(persons_ctx_t *c, int64_t pid, uint64_t **slot)
{
    int added;
    tw_err_t err = strmap_put(&c->person, (const char *)&pid, sizeof pid, c->n, slot, &added,
                              NULL);
    if (err || !added)
        return err;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 1024;
        void *a;
        if (!(a = realloc(c->best, nc * sizeof *c->best)))
            return TW_ENOMEM;
        c->best = a;
        if (!(a = realloc(c->best_day, nc * sizeof *c->best_day)))
            return TW_ENOMEM;
        c->best_day = a;
        c->cap = nc;
    }
    c->best[c->n] = 0;
    c->best_day[c->n] = INT64_MIN;
    c->n++;
    return TW_OK;
}

static tw_err_t person_worker(void *ctx, int64_t worker, int64_t pid)
{
    persons_ctx_t *c = ctx;
    uint64_t *slot;
    if (worker <= 0 || worker >= c->ix->nentities[ENT_WORKER])
        return TW_OK; /* a worker added after this snapshot */
    c->pid[worker] = pid;
    return person_slot(c, pid, &slot);
}

static void person_offer(persons_ctx_t *c, uint32_t w, int64_t day)
{
    uint64_t *i;
    if (w == 0 || w >= c->ix->nentities[ENT_WORKER] || c->pid[w] == 0)
        return;
    i = strmap_get(&c->person, (const char *)&c->pid[w], sizeof c->pid[w]);
    if (i && (day > c->best_day[*i] || (day == c->best_day[*i] && w > c->best[*i]))) {
        c->best_day[*i] = day;
        c->best[*i] = w;
    }
}

static tw_err_t person_report(void *ctx, const char *id, size_t len, int64_t pid)
{
    persons_ctx_t *c = ctx;
    uint64_t *r = strmap_get(&c->report, id, len);
    uint64_t *i = strmap_get(&c->person, (const char *)&pid, sizeof pid);
    if (r && i)
        c->ix->reports[*r].worker = c->best[*i];
    return TW_OK;
}

/* Reads the persons of the last `tipwatch link` into ix->worker_rep and
 * each report's worker; nothing when the store was never linked. */
static tw_err_t load_persons(store_t *st, eng_index_t *ix, const tw_buf_t *strings)
{
    persons_ctx_t c;
    uint32_t nw = ix->nentities[ENT_WORKER], i;
    tw_err_t err;

    memset(&c, 0, sizeof c);
    c.ix = ix;
    strmap_init(&c.person);
    strmap_init(&c.report);
    c.pid = calloc(nw ? nw : 1, sizeof *c.pid);
    if (!c.pid) {
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = persons_each_worker(st, person_worker, &c)) != TW_OK || c.n == 0)
        goto out;
    for (i = 0; i < ix->napps; i++)
        person_offer(&c, ix->apps[i].worker,
                     ((int64_t)1 << 40) + (ix->apps[i].submitted == ENG_NODAY
                                               ? 0
                                               : (int64_t)ix->apps[i].submitted));
    for (i = 0; i < ix->ncrossings; i++)
        person_offer(&c, ix->crossings[i].worker,
                     ix->crossings[i].day == ENG_NODAY ? INT32_MIN : ix->crossings[i].day);
    ix->worker_rep = malloc((size_t)(nw ? nw : 1) * sizeof *ix->worker_rep);
    if (!ix->worker_rep) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i < nw; i++) {
        uint64_t *p = c.pid[i] ? strmap_get(&c.person, (const char *)&c.pid[i],
                                             sizeof c.pid[i])
                               : NULL;
        ix->worker_rep[i] = p && c.best[*p] ? c.best[*p] : i;
    }
    ix->bytes += (size_t)nw * sizeof *ix->worker_rep;
    for (i = 0; i < ix->nreports; i++) {
        const char *k = strings->p + ix->reports[i].key;
        if ((err = strmap_put(&c.report, k, strlen(k), i, NULL, NULL, NULL)) != TW_OK)
            goto out;
    }
    err = persons_each_record(st, "reports:", person_report, &c);
out:
    strmap_free(&c.person);
    strmap_free(&c.report);
    free(c.pid);
    free(c.best);
    free(c.best_day);
    return err;
}

tw_err_t engine_load(store_t *st, engine_t **out, tw_errinfo_t *ei)
{
    return engine_load_since(st, NULL, out, ei);
}

/* Permit rows from which a full load is split (engine_set_split_min). */
static int64_t split_min = 100000;

int64_t engine_set_split_min(int64_t rows)
{
    int64_t was = split_min;
    split_min = rows;
    return was;
}

/* A split load (full loads of a large store): permits (0, split] load on
 * the caller's connection, (split, upto] on the side connection after the
 * other registers, into a second engine's records, so both threads do
 * about the same work. The result is that of one scan: `part`'s records
 * whose first version is at or before `split` are later versions of main
 * records and replace them (they are newer); the others are appended in
 * the order of their first version, as one scan creates records. Keys
 * move by `base` (the side strings' offset in the merged strings). */
static tw_err_t merge_permits(eng_index_t *ix, loader_t *Lm, const eng_index_t *part,
                              const loader_t *Lp, int64_t split, int64_t upto, size_t base)
{
    size_t pbase = Lm->prev_keys.len;
    int64_t f;
    tw_err_t err;

    if (pbase + Lp->prev_keys.len > UINT32_MAX - 1)
        return TW_ETOOBIG;
    if (Lp->prev_keys.len &&
        (err = buf_add(&Lm->prev_keys, Lp->prev_keys.p, Lp->prev_keys.len)) != TW_OK)
        return err;
    for (f = 1; f <= upto; f++) {
        uint32_t r, idx;
        eng_app_t a;
        if (!Lp->first_idx[f])
            continue;
        r = Lp->first_idx[f] - 1;
        a = part->apps[r];
        a.key += (uint32_t)base;
        if (f <= split) {
            if (!Lm->first_idx[f])
                return TW_EINTERNAL; /* a first version the main scan did not see */
            idx = Lm->first_idx[f] - 1;
        } else {
            if (ix->napps == UINT32_MAX)
                return TW_ETOOBIG;
            idx = ix->napps;
            if ((err = grow((void **)&ix->apps, &Lm->cap, (size_t)idx + 1, sizeof(*ix->apps))) !=
                    TW_OK ||
                (err = grow((void **)&Lm->prev_off, &Lm->prev_cap, (size_t)idx + 1,
                            sizeof(*Lm->prev_off))) != TW_OK)
                return err;
            ix->napps++;
        }
        ix->apps[idx] = a;
        Lm->prev_off[idx] = Lp->prev_off[r] ? Lp->prev_off[r] + (uint32_t)pbase : 0;
    }
    if (part->max_row[ENG_PERMITS] > ix->max_row[ENG_PERMITS])
        ix->max_row[ENG_PERMITS] = part->max_row[ENG_PERMITS];
    return TW_OK;
}

tw_err_t engine_load_since(store_t *st, const int64_t since[4], engine_t **out,
                           tw_errinfo_t *ei)
{
    engine_t *e;
    eng_index_t *ix;
    tw_buf_t strings;
    side_load_t side;
    pthread_t thread;
    int64_t upto[4], mapped;
    tw_err_t err;
    int k, in_tx = 0, threaded = 0;
    int32_t hz;
    loader_t main_loader;
    size_t base;

    *out = NULL;
    memset(&side, 0, sizeof(side));
    memset(&main_loader, 0, sizeof(main_loader));
    buf_init(&side.strings, (size_t)UINT32_MAX);
    buf_init(&strings, (size_t)UINT32_MAX);
    e = calloc(1, sizeof(*e));
    if (!e)
        return TW_ENOMEM;
    ix = &e->ix;
    ix->horizon = ENG_NODAY;
    ix->delta.active = since != NULL;
    /* one snapshot: the largest ids of entities and registers are read
     * together; the scans are then bounded by them (store_scan_range), so
     * they see that state even when an import commits meanwhile */
    if ((err = store_begin_read(st)) != TW_OK)
        goto fail;
    in_tx = 1;
    for (k = 0; k < ENT_COUNT; k++) {
        int64_t max;
        if ((err = store_entity_max_id(st, (store_entity_t)k, &max)) != TW_OK)
            goto fail;
        if (max >= UINT32_MAX) {
            err = TW_ETOOBIG;
            goto fail;
        }
        ix->nentities[k] = (uint32_t)max + 1;
    }
    for (k = 0; k < 4; k++) {
        if ((err = store_max_row(st, reg_loads[k].reg, &upto[k])) != TW_OK)
            goto fail;
    }
    store_end_read(st);
    in_tx = 0;

    /* permits here, the other registers on a second connection in parallel
     * (an in-memory database has no second connection: one after another) */
    side.e = e;
    side.path = store_path(st);
    side.since = since;
    side.upto = upto;
    side.horizon = ENG_NODAY;
    side.split = upto[0];
    if (!since && side.path[0] && upto[0] >= split_min) {
        /* a permit row costs about 3.5 crossing rows to load: the side
         * thread takes the permits after `split`, so that
         * split = (permits - split) + crossings / 3.5 */
        side.split = (upto[0] + upto[1] * 2 / 7) / 2;
        if (side.split > upto[0])
            side.split = upto[0];
        if (!(side.part = calloc(1, sizeof(*side.part)))) {
            err = TW_ENOMEM;
            goto fail;
        }
        side.part->ix.horizon = ENG_NODAY;
    }
    if (side.path[0] && pthread_create(&thread, NULL, side_load, &side) == 0)
        threaded = 1;
    if (!threaded && side.part) { /* no second thread: one scan here */
        engine_free(side.part);
        side.part = NULL;
        side.split = upto[0];
    }
    scan_unmapped(st, &mapped);
    err = load_register(e, st, &strings, &reg_loads[0], since, 0, side.split, &hz,
                        side.part ? &main_loader : NULL);
    scan_restore(st, mapped);
    ix->horizon = hz;
    if (threaded) {
        pthread_join(thread, NULL);
    } else {
        for (k = 1; k < 4 && side.err == TW_OK; k++) {
            int32_t h;
            side.err = load_register(e, st, &side.strings, &reg_loads[k], since, 0, upto[k], &h,
                                     NULL);
            if (h > side.horizon)
                side.horizon = h;
        }
    }
    if (err == TW_OK)
        err = side.err;
    if (err != TW_OK)
        goto fail;
    if (side.horizon > ix->horizon)
        ix->horizon = side.horizon;
    base = strings.len;
    if ((err = merge_strings(ix, &strings, &side.strings)) != TW_OK)
        goto fail;
    buf_free(&side.strings);
    if (side.part) {
        main_loader.e = e;
        main_loader.strings = &strings;
        if ((err = merge_permits(ix, &main_loader, &side.part->ix, &side.part_loader, side.split,
                                 upto[0], base)) != TW_OK ||
            (err = resolve_previous(&main_loader)) != TW_OK)
            goto fail;
        loader_free(&main_loader);
        loader_free(&side.part_loader);
        engine_free(side.part);
        side.part = NULL;
    }
    shrink(ix);

    ix->bytes = (size_t)ix->napps * sizeof(eng_app_t) +
                (size_t)ix->ncrossings * sizeof(eng_crossing_t) +
                (size_t)ix->ninspections * sizeof(eng_inspection_t) +
                (size_t)ix->nreports * sizeof(eng_report_t) + strings.len;
    if ((err = load_persons(st, ix, &strings)) != TW_OK)
        goto fail;
    if ((err = engine_index_build(ix)) != TW_OK)
        goto fail;
    if (!strings.p && (err = buf_addc(&strings, '\0')) != TW_OK)
        goto fail;
    ix->strings = strings.p;
    ix->strings_len = strings.len;
    *out = e;
    return TW_OK;
fail:
    if (in_tx)
        store_end_read(st);
    tw_errinfo_set(ei, err, "loading the engine's indexes: %s%s%s", tw_strerror(err),
                   side.errmsg[0] || err == TW_EDB ? ": " : "",
                   side.errmsg[0] ? side.errmsg : err == TW_EDB ? store_errmsg(st) : "");
    buf_free(&strings);
    buf_free(&side.strings);
    loader_free(&main_loader);
    loader_free(&side.part_loader);
    engine_free(side.part);
    engine_free(e);
    return err;
}

static void free_postings(eng_postings_t *p)
{
    free(p->off);
    free(p->items);
}

void engine_index_release(eng_index_t *ix)
{
    int r;
    free(ix->apps);
    free(ix->crossings);
    free(ix->inspections);
    free(ix->reports);
    free_postings(&ix->apps_by_employer);
    free_postings(&ix->apps_by_worker);
    free_postings(&ix->apps_by_res_addr);
    free_postings(&ix->apps_by_work_addr);
    free_postings(&ix->apps_by_phone);
    free_postings(&ix->apps_by_intermediary);
    free_postings(&ix->crossings_by_worker);
    free_postings(&ix->inspections_by_employer);
    free_postings(&ix->reports_by_employer);
    free_postings(&ix->reports_by_address);
    free_postings(&ix->reports_by_phone);
    free_postings(&ix->reports_by_worker);
    free(ix->worker_rep);
    free(ix->strings);
    for (r = 0; r < 4; r++)
        free(ix->delta.recs[r]);
    free(ix->delta.old_apps);
    free(ix->delta.old_crossings);
    free(ix->delta.old_inspections);
    free(ix->delta.old_reports);
    for (r = 0; r < ENT_COUNT; r++)
        free(ix->global_id[r]);
    memset(ix, 0, sizeof(*ix));
}

void engine_free(engine_t *e)
{
    if (!e)
        return;
    engine_index_release(&e->ix);
    free(e);
}

const eng_index_t *engine_index(const engine_t *e)
{
    return &e->ix;
}
