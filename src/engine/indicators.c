/*
 * indicators.c - the early-warning catalogue and its compute functions
 * (contract in indicators.h; every rule, parameter and strength ramp is in
 * the table of docs/internals/engine.md).
 *
 * Each compute function is one or two passes over the flat arrays and CSR
 * postings of the read-only engine index, reading its parameters from the
 * config once per run.
 *
 * Invariants:
 *   1. Applications whose decision is rejected or withdrawn never count, in
 *      any indicator (live()): they describe no one who came. Narrower:
 *      crowded_residence counts pending and approved ones (a revoked
 *      permit's worker is no longer housed there as a worker);
 *      never_entered and exit_reentry look at approved permits only.
 *   2. Distinct counts ("distinct workers at this address") use 'last seen'
 *      stamp arrays indexed by entity id: stamp[id] == key + 1 means id was
 *      already counted for key. No sorting, no hashing, no reset per key.
 *   3. No allocation per record or per entity: stamp and counter arrays
 *      (one slot per entity id) and scratch arrays (as long as the longest
 *      postings list, or one slot per application) are allocated once per
 *      run and freed at `out:`.
 *   4. "Within D days" is half-open: days d1 <= d2 are within D days when
 *      d2 - d1 < D; a window of W days starting on d is [d, d + W).
 *   5. Strength: 1 for a fact that is either there or not; otherwise
 *      ramp(x) = 0.5 + 0.5 * min(1, x), with x >= 0 how far past the
 *      threshold in the indicator's own unit, so a hit barely past its
 *      threshold has strength just above 0.5 and full strength is 1.
 *   6. Entity ids at or above the index's nentities (a row that arrived
 *      after the entity count was read) are treated as "none" (0), the way
 *      the engine's postings drop them.
 *   7. A hit keeps at most IND_MAX_RECORDS evidence records, the first ones
 *      in the order the indicator met them; nrecords_total counts them all.
 *
 * Thread model: no static mutable state; compute functions may run at once
 * on different ind_hits_t. Ownership: an ind_hits_t owns its two arrays;
 * ind_hits_free() releases them.
 */
#include "engine/indicators.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* registers.c's lists, as the engine stores them. */
enum { V_WAGE_ARREARS = 0, V_EXCESSIVE_HOURS, V_NO_CONTRACT, V_DOCUMENTS_WITHHELD,
       V_UNSAFE_HOUSING, V_CHILD_LABOUR, V_OTHER };
enum { CAT_FORCED_LABOUR = 1, CAT_SEXUAL_EXPLOITATION, CAT_DOMESTIC_SERVITUDE };

/* ---- helpers ------------------------------------------------------------ */

static int live(const eng_app_t *a)
{
    return a->decision != ENG_REJECTED && a->decision != ENG_WITHDRAWN;
}

/* Invariant 6. */
static uint32_t ent(uint32_t id, uint32_t n)
{
    return id < n ? id : 0;
}

static double ramp(double x)
{
    if (!(x > 0))
        return 0.5;
    return x >= 1 ? 1.0 : 0.5 + 0.5 * x;
}

static double param(const ind_def_t *d, const config_t *cfg, const char *key, double def)
{
    double v = config_indicator_param(cfg, d->id, key, def);
    return isfinite(v) ? v : def;
}

/* A day count parameter, rounded and kept within [lo, hi]. */
static int32_t param_days(const ind_def_t *d, const config_t *cfg, const char *key,
                          double def, int32_t lo, int32_t hi)
{
    double v = floor(param(d, cfg, key, def) + 0.5);
    if (v < lo)
        return lo;
    if (v > hi)
        return hi;
    return (int32_t)v;
}

/* Longest list of a postings table. */
static uint32_t plongest(const eng_postings_t *p)
{
    uint32_t k, m = 0;
    if (!p->off)
        return 0;
    for (k = 0; k < p->n; k++) {
        if (p->off[k + 1] - p->off[k] > m)
            m = p->off[k + 1] - p->off[k];
    }
    return m;
}

/* Civil date of a day number (H. Hinnant's algorithm). */
static void civil(int32_t day, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t year_of(int32_t day)
{
    int64_t y;
    unsigned m, d;
    civil(day, &y, &m, &d);
    return y;
}

/* Completed years between birth and day (both known). */
static int64_t age_on(int32_t birth, int32_t day)
{
    int64_t by, y;
    unsigned bm, bd, m, d;
    civil(birth, &by, &bm, &bd);
    civil(day, &y, &m, &d);
    return y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
}

/* (biased day or year << 32) | record: sorts by day, then record index. */
static uint64_t pack(int64_t hi, uint32_t rec)
{
    return ((uint64_t)(hi - INT32_MIN) << 32) | rec;
}

static uint32_t pack_rec(uint64_t p)
{
    return (uint32_t)(p & 0xffffffffu);
}

static int32_t pack_hi(uint64_t p)
{
    return (int32_t)((int64_t)(p >> 32) + INT32_MIN);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The evidence of one hit being built: the first IND_MAX_RECORDS records
 * and the count of all. Lives on the stack. */
typedef struct {
    ind_record_t r[IND_MAX_RECORDS];
    uint32_t n, total;
} recs_t;

static void recs_reset(recs_t *r)
{
    r->n = r->total = 0;
}

static void recs_add(recs_t *r, ind_rec_kind_t kind, uint32_t index)
{
    if (r->n < IND_MAX_RECORDS) {
        r->r[r->n].kind = (uint8_t)kind;
        r->r[r->n].index = index;
        r->n++;
    }
    r->total++;
}

/* Grows an array to hold `need` elements; NULL (array untouched) on failure. */
static void *grow_array(void *p, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap ? *cap : 64;
    void *q;
    if (need <= *cap)
        return p;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return NULL;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return NULL;
    q = realloc(p, ncap * elem);
    if (q)
        *cap = ncap;
    return q;
}

static size_t catalogue_len(void);

/* ind_hits_add() with the kept records and the total given apart, so an
 * indicator does not need every record in memory to count them. */
static tw_err_t add_hit(ind_hits_t *h, uint16_t indicator, ind_kind_t kind, uint32_t entity,
                        double strength, double value, double threshold,
                        const ind_record_t *records, uint32_t nkept, uint32_t total)
{
    uint32_t keep = nkept < IND_MAX_RECORDS ? nkept : IND_MAX_RECORDS;
    ind_hit_t *x;
    void *p;

    if (indicator >= catalogue_len() || (unsigned)kind >= IK_COUNT || (keep && !records) ||
        !(strength > 0) || total < keep)
        return TW_EINTERNAL;
    if (strength > 1)
        strength = 1;
    if (h->nrecords + keep > UINT32_MAX)
        return TW_ETOOBIG;
    if (!(p = grow_array(h->hits, &h->cap, h->n + 1, sizeof(*h->hits))))
        return TW_ENOMEM;
    h->hits = p;
    if (keep) {
        if (!(p = grow_array(h->records, &h->cap_records, h->nrecords + keep,
                             sizeof(*h->records))))
            return TW_ENOMEM;
        h->records = p;
        memcpy(h->records + h->nrecords, records, keep * sizeof(*records));
    }
    x = &h->hits[h->n++];
    memset(x, 0, sizeof(*x));
    x->indicator = indicator;
    x->kind = (uint8_t)kind;
    x->entity = entity;
    x->strength = (float)strength;
    if (!(x->strength > 0)) /* a double below FLT_MIN */
        x->strength = 1e-30f;
    x->value = value;
    x->threshold = threshold;
    x->rec_off = (uint32_t)h->nrecords;
    x->nrecords = keep;
    x->nrecords_total = total;
    h->nrecords += keep;
    return TW_OK;
}

static tw_err_t hit(ind_hits_t *h, const ind_def_t *d, uint16_t self, uint32_t entity,
                    double strength, double value, double threshold, const recs_t *r)
{
    return add_hit(h, self, d->kind, entity, strength, value, threshold, r->r, r->n, r->total);
}

/* A hit on one application, with that application as its evidence. */
static tw_err_t hit_app(ind_hits_t *h, const ind_def_t *d, uint16_t self, uint32_t app,
                        double strength, double value, double threshold)
{
    ind_record_t r;
    r.kind = IR_APPLICATION;
    r.index = app;
    return add_hit(h, self, d->kind, app, strength, value, threshold, &r, 1, 1);
}

/* ---- 1. wage_below_minimum --------------------------------------------- */

/* Full strength when the salary is 30% or more below the minimum. */
#define WAGE_FULL_GAP 0.3

static tw_err_t wage_below_minimum(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                   const config_t *cfg, ind_hits_t *out)
{
    uint32_t i;
    tw_err_t err;

    for (i = 0; i < eng_judged(ix); i++) {
        const eng_app_t *a = &ix->apps[i];
        int64_t min;
        if (!live(a) || a->salary < 0 || a->submitted == ENG_NODAY)
            continue;
        min = config_min_wage(cfg, a->submitted);
        if (min <= 0 || a->salary >= min)
            continue;
        if ((err = hit_app(out, d, self, i,
                           ramp((double)(min - a->salary) / (WAGE_FULL_GAP * (double)min)),
                           a->salary, (double)min)) != TW_OK)
            return err;
    }
    return TW_OK;
}

/* ---- 2. wage_far_below_peers ------------------------------------------- */

typedef struct {
    uint64_t group; /* isco << 40 | sector << 32 | biased year */
    int32_t salary;
    uint32_t app;
} peer_t;

static int cmp_peer(const void *a, const void *b)
{
    const peer_t *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->salary != y->salary)
        return x->salary < y->salary ? -1 : 1;
    return (x->app > y->app) - (x->app < y->app);
}

/* The wage peer group of an application: (ISCO, sector, year of submission)
 * of a live application with a salary; 0 for none. ind_dirty() marks by it. */
static uint64_t peer_group(const eng_app_t *a)
{
    if (!live(a) || a->salary < 0 || !a->isco || !a->sector || a->submitted == ENG_NODAY)
        return 0;
    return ((uint64_t)a->isco << 40) | ((uint64_t)a->sector << 32) |
           (uint32_t)(year_of(a->submitted) - INT32_MIN);
}

/* Groups by sorting (group, salary): a group is a run, its exact median is
 * read off the middle (the mean of the two middle ones for an even count),
 * and its members below ratio x median are its first entries. Applications
 * without ISCO, sector, salary or day are in no group. An application under
 * the minimum wage usually fires here too: both are reported and the scorer
 * weighs them (they say different things: illegal, and unlike the job). */
struct ind_peer_group {
    uint64_t group;
    double median;
    size_t count;
};

/* The live applications with a peer group, sorted by (group, salary); *n
 * receives their number. */
static tw_err_t peers_sorted(const eng_index_t *ix, peer_t **out, size_t *n)
{
    peer_t *v;
    uint32_t i;
    *out = NULL;
    *n = 0;
    if (ix->napps == 0)
        return TW_OK;
    if (!(v = malloc((size_t)ix->napps * sizeof(*v))))
        return TW_ENOMEM;
    for (i = 0; i < ix->napps; i++) {
        const eng_app_t *a = &ix->apps[i];
        if ((v[*n].group = peer_group(a)) == 0)
            continue;
        v[*n].salary = a->salary;
        v[*n].app = i;
        (*n)++;
    }
    qsort(v, *n, sizeof(*v), cmp_peer);
    *out = v;
    return TW_OK;
}

/* The end of the group starting at g0, and its exact median. */
static size_t peer_run(const peer_t *v, size_t n, size_t g0, double *median)
{
    size_t g1, cnt;
    for (g1 = g0 + 1; g1 < n && v[g1].group == v[g0].group; g1++)
        ;
    cnt = g1 - g0;
    *median = cnt % 2 ? v[g0 + cnt / 2].salary
                      : ((double)v[g0 + cnt / 2 - 1].salary + v[g0 + cnt / 2].salary) / 2;
    return g1;
}

static tw_err_t emp_ref_build(const eng_index_t *ix, struct ind_emp_group **out, size_t *n);

static tw_err_t rel_ref_build(const eng_index_t *ix, const config_t *cfg, ind_peer_ref_t *out);

tw_err_t ind_peer_ref_build(const eng_index_t *ix, const config_t *cfg, ind_peer_ref_t *out)
{
    peer_t *v;
    size_t n, g0, g1;
    tw_err_t err;

    memset(out, 0, sizeof(*out));
    if ((err = emp_ref_build(ix, &out->emp, &out->nemp)) != TW_OK ||
        (err = rel_ref_build(ix, cfg, out)) != TW_OK) {
        ind_peer_ref_free(out);
        return err;
    }
    if ((err = peers_sorted(ix, &v, &n)) != TW_OK) {
        ind_peer_ref_free(out);
        return err;
    }
    for (g0 = 0; g0 < n; g0 = g1) {
        double median;
        struct ind_peer_group *grown;
        g1 = peer_run(v, n, g0, &median);
        if (!(grown = grow_array(out->groups, &out->cap, out->n + 1, sizeof(*grown)))) {
            free(v);
            ind_peer_ref_free(out);
            return TW_ENOMEM;
        }
        out->groups = grown;
        out->groups[out->n].group = v[g0].group;
        out->groups[out->n].median = median;
        out->groups[out->n].count = g1 - g0;
        out->n++;
    }
    free(v);
    return TW_OK;
}

void ind_peer_ref_free(ind_peer_ref_t *ref)
{
    int k;
    free(ref->groups);
    free(ref->emp);
    for (k = 0; k < IND_REL_KINDS; k++)
        free(ref->rel[k]);
    memset(ref, 0, sizeof(*ref));
}

static const struct ind_peer_group *peer_ref_find(const ind_peer_ref_t *ref, uint64_t group)
{
    size_t lo = 0, hi = ref->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ref->groups[mid].group < group)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ref->n && ref->groups[lo].group == group ? &ref->groups[lo] : NULL;
}

/* Relative thresholds ("relative thresholds" below the employer peers). */
enum { REL_WAGE, REL_HEADCOUNT, REL_NEWEMP, REL_SPIKE, REL_NKINDS };
typedef struct rel_s {
    int on;
    double pct;
    unsigned dims;
    double min_group;
    struct ind_rel_group *own;
    const struct ind_rel_group *g;
    size_t ng;
} rel_t;
static tw_err_t rel_open(const eng_index_t *ix, const config_t *cfg, int kind, double min_group,
                         rel_t *r);
static double rel_threshold(const rel_t *r, uint8_t sector, uint8_t region, int32_t day);
static void rel_close(rel_t *r);
static uint32_t rel_aux(double pct, unsigned dims);
static void emp_place(const eng_index_t *ix, uint32_t k, uint8_t *sector, uint8_t *region);
/* One employer-year of permits_over_headcount (emp_years). */
typedef tw_err_t (*emp_year_fn)(void *ctx, uint32_t employer, uint32_t n, int32_t declared,
                                int32_t day, const uint64_t *packed);

static tw_err_t wage_far_below_peers(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                     const config_t *cfg, ind_hits_t *out)
{
    double ratio = param(d, cfg, "ratio", 0.6), min_peers = param(d, cfg, "min_peers", 20);
    peer_t *v = NULL;
    size_t n = 0, g0, g1, j;
    uint32_t i;
    rel_t rel;
    tw_err_t err;

    if ((err = rel_open(ix, cfg, REL_WAGE, min_peers, &rel)) != TW_OK)
        return err;
    if (rel.on) { /* salary = pP within ...: the register's own percentile */
        uint32_t aux = rel_aux(rel.pct, rel.dims);
        for (i = 0; i < eng_judged(ix) && !err; i++) {
            const eng_app_t *a = &ix->apps[i];
            double thr;
            if (!live(a) || a->salary < 0)
                continue;
            thr = rel_threshold(&rel, a->sector, a->work_region, a->submitted);
            if (!(a->salary < thr))
                continue;
            err = hit_app(out, d, self, i, ramp((thr - a->salary) / (WAGE_FULL_GAP * thr)),
                          a->salary, thr);
            if (!err)
                out->hits[out->n - 1].aux = aux;
        }
        rel_close(&rel);
        return err;
    }
    if (ix->peer_ref) { /* a neighbourhood: the whole register's peers */
        for (i = 0; i < eng_judged(ix); i++) {
            const eng_app_t *a = &ix->apps[i];
            uint64_t group = peer_group(a);
            const struct ind_peer_group *g = group ? peer_ref_find(ix->peer_ref, group) : NULL;
            double thr;
            if (!g || (double)g->count < min_peers)
                continue;
            thr = ratio * g->median;
            if (a->salary < thr &&
                (err = hit_app(out, d, self, i,
                               ramp((thr - a->salary) / (WAGE_FULL_GAP * thr)), a->salary,
                               thr)) != TW_OK)
                return err;
        }
        return TW_OK;
    }
    if ((err = peers_sorted(ix, &v, &n)) != TW_OK)
        return err;
    for (g0 = 0; g0 < n; g0 = g1) {
        size_t cnt;
        double median, thr;
        g1 = peer_run(v, n, g0, &median);
        cnt = g1 - g0;
        if ((double)cnt < min_peers)
            continue;
        thr = ratio * median;
        for (j = g0; j < g1 && v[j].salary < thr; j++) {
            if (v[j].app >= eng_judged(ix))
                continue; /* carried: not judged here (engine.h) */
            if ((err = hit_app(out, d, self, v[j].app,
                               ramp((thr - v[j].salary) / (WAGE_FULL_GAP * thr)), v[j].salary,
                               thr)) != TW_OK)
                goto out;
        }
    }
out:
    free(v);
    return err;
}

/* ---- 3, 4. hours ---------------------------------------------------------- */

/* Full strength of hours_excessive this many hours above its threshold. */
#define HOURS_FULL_EXCESS 12.0

/* (legal, excessive]: owned by hours_over_legal; above: hours_excessive. When
 * hours_excessive is switched off, hours_over_legal covers everything above
 * the legal week (at full strength beyond hours_excessive's threshold). */
static tw_err_t hours_over_legal(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                 const config_t *cfg, ind_hits_t *out)
{
    double legal = param(d, cfg, "hours", 40);
    double excessive = config_indicator_param(cfg, "hours_excessive", "hours", 48);
    int capped = config_indicator_enabled(cfg, "hours_excessive");
    double span = isfinite(excessive) && excessive > legal ? excessive - legal : 8;
    uint32_t i;
    tw_err_t err;

    for (i = 0; i < eng_judged(ix); i++) {
        const eng_app_t *a = &ix->apps[i];
        if (!live(a) || a->hours < 0 || a->hours <= legal ||
            (capped && a->hours > legal + span))
            continue;
        if ((err = hit_app(out, d, self, i, ramp((a->hours - legal) / span), a->hours, legal)) !=
            TW_OK)
            return err;
    }
    return TW_OK;
}

static tw_err_t hours_excessive(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                const config_t *cfg, ind_hits_t *out)
{
    double thr = param(d, cfg, "hours", 48);
    uint32_t i;
    tw_err_t err;

    for (i = 0; i < eng_judged(ix); i++) {
        const eng_app_t *a = &ix->apps[i];
        if (!live(a) || a->hours < 0 || a->hours <= thr)
            continue;
        if ((err = hit_app(out, d, self, i, ramp((a->hours - thr) / HOURS_FULL_EXCESS), a->hours,
                           thr)) != TW_OK)
            return err;
    }
    return TW_OK;
}

/* ---- 5. crowded_residence ----------------------------------------------- */

/* Counts distinct workers of pending or approved applications per residence
 * address. With n workers, threshold m and, per employer e, w_e of those
 * workers (each worker belongs to the employer of its first application
 * there) and d_e its largest declared headcount on those applications:
 *
 *   size      = min(1, n / (2m))                 0.5 at m, 1 from 2m
 *   q_e       = d_e / w_e                        how many times bigger the
 *                                                firm is than its workers here
 *   small_e   = 1 when d_e is unknown or 0, else
 *               clamp((R - q_e) / (R - 1), 0, 1) 1 when the firm is no bigger
 *                                                than its workers here, 0 when
 *                                                it is R (dorm_ratio, 5) times
 *                                                bigger or more
 *   smallness = sum(w_e * small_e) / n
 *   strength  = size * (0.2 + 0.8 * smallness)
 *
 * So a big employer's dormitory (one firm declaring at least 5 times the
 * workers living there) has strength <= 0.2, while the same crowd from small
 * firms, or from firms that do not say how big they are, is at full size. */
static tw_err_t crowded_residence(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                  const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *P = &ix->apps_by_res_addr;
    double m = param(d, cfg, "min_workers", 8), R = fmax(1.5, param(d, cfg, "dorm_ratio", 5));
    uint32_t nwk = ix->nentities[ENT_WORKER], nem = ix->nentities[ENT_EMPLOYER];
    uint32_t *wseen = calloc(nwk ? nwk : 1, sizeof(*wseen));
    uint32_t *eseen = calloc(nem ? nem : 1, sizeof(*eseen));
    uint32_t *ew = calloc(nem ? nem : 1, sizeof(*ew));
    int32_t *ed = calloc(nem ? nem : 1, sizeof(*ed));
    uint32_t k, j;
    recs_t r;
    tw_err_t err = TW_OK;

    if (!wseen || !eseen || !ew || !ed) {
        err = TW_ENOMEM;
        goto out;
    }
    if (m < 1)
        m = 1;
    for (k = 1; P->off && k < P->n; k++) {
        uint32_t stamp = k + 1, nw = 0;
        double small = 0, strength;
        recs_reset(&r);
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            uint32_t e = ent(a->employer, nem), w = ent(a->worker, nwk);
            if (a->decision != ENG_PENDING && a->decision != ENG_APPROVED)
                continue;
            recs_add(&r, IR_APPLICATION, P->items[j]);
            if (eseen[e] != stamp) {
                eseen[e] = stamp;
                ew[e] = 0;
                ed[e] = -1;
            }
            if (a->declared_employees > ed[e])
                ed[e] = a->declared_employees;
            if (w == 0 || wseen[w] == stamp)
                continue;
            wseen[w] = stamp;
            nw++;
            ew[e]++;
        }
        if (nw < m)
            continue;
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            uint32_t e = ent(a->employer, nem);
            if (eseen[e] != stamp || ew[e] == 0)
                continue;
            small += ew[e] * (ed[e] <= 0 ? 1.0
                                         : fmax(0.0, fmin(1.0, (R - (double)ed[e] / ew[e]) /
                                                                   (R - 1))));
            ew[e] = 0; /* counted */
        }
        strength = fmin(1.0, nw / (2 * m)) * (0.2 + 0.8 * small / nw);
        if ((err = hit(out, d, self, k, strength, nw, m, &r)) != TW_OK)
            goto out;
    }
out:
    free(wseen);
    free(eseen);
    free(ew);
    free(ed);
    return err;
}

/* ---- 6. residence_is_workplace ------------------------------------------ */

static tw_err_t residence_is_workplace(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                       const config_t *cfg, ind_hits_t *out)
{
    uint32_t i;
    tw_err_t err;

    (void)cfg;
    for (i = 0; i < eng_judged(ix); i++) {
        const eng_app_t *a = &ix->apps[i];
        if (!live(a) || a->res_addr == 0 || a->res_addr != a->work_addr)
            continue;
        if ((err = hit_app(out, d, self, i, 1.0, 1, 1)) != TW_OK)
            return err;
    }
    return TW_OK;
}

/* ---- 7, 8, 9. shared addresses and phones --------------------------------- */

/* Distinct employers and workers of the live applications of each key of P.
 * Hit when employers >= min_e and workers >= min_w; value is the count named
 * by `by_worker`, strength ramp((value - threshold) / threshold). The
 * evidence is every application that brings a new employer (rec_e) or a new
 * worker (rec_w) into the count: one application per employer, per worker,
 * or per either. */
typedef struct {
    const eng_postings_t *P;
    double min_e, min_w;
    int by_worker; /* value and threshold are about workers */
    int rec_e, rec_w;
} shared_t;

static tw_err_t shared_count(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                             const shared_t *s, ind_hits_t *out)
{
    const eng_postings_t *P = s->P;
    uint32_t nwk = ix->nentities[ENT_WORKER], nem = ix->nentities[ENT_EMPLOYER];
    uint32_t *wseen = calloc(nwk ? nwk : 1, sizeof(*wseen));
    uint32_t *eseen = calloc(nem ? nem : 1, sizeof(*eseen));
    uint32_t k, j;
    recs_t r;
    tw_err_t err = TW_OK;

    if (!wseen || !eseen) {
        err = TW_ENOMEM;
        goto out;
    }
    for (k = 1; P->off && k < P->n; k++) {
        uint32_t stamp = k + 1, nw = 0, ne = 0;
        double value, thr;
        recs_reset(&r);
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            uint32_t e = ent(a->employer, nem), w = ent(a->worker, nwk);
            int fresh = 0;
            if (!live(a))
                continue;
            if (e && eseen[e] != stamp) {
                eseen[e] = stamp;
                ne++;
                fresh = s->rec_e;
            }
            if (w && wseen[w] != stamp) {
                wseen[w] = stamp;
                nw++;
                fresh |= s->rec_w;
            }
            if (fresh)
                recs_add(&r, IR_APPLICATION, P->items[j]);
        }
        if (ne < s->min_e || nw < s->min_w)
            continue;
        value = s->by_worker ? nw : ne;
        thr = s->by_worker ? s->min_w : s->min_e;
        if ((err = hit(out, d, self, k, ramp((value - thr) / fmax(thr, 1)), value, thr, &r)) !=
            TW_OK)
            goto out;
    }
out:
    free(wseen);
    free(eseen);
    return err;
}

static tw_err_t shared_employer_address(const ind_def_t *d, uint16_t self,
                                        const eng_index_t *ix, const config_t *cfg,
                                        ind_hits_t *out)
{
    shared_t s;
    s.P = &ix->apps_by_work_addr;
    s.min_e = fmax(1, param(d, cfg, "min_employers", 3));
    s.min_w = 0;
    s.by_worker = 0;
    s.rec_e = 1;
    s.rec_w = 0;
    return shared_count(d, self, ix, &s, out);
}

static tw_err_t shared_phone(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                             const config_t *cfg, ind_hits_t *out)
{
    shared_t s;
    s.P = &ix->apps_by_phone;
    s.min_e = 0;
    s.min_w = fmax(1, param(d, cfg, "min_workers", 3));
    s.by_worker = 1;
    s.rec_e = 0;
    s.rec_w = 1;
    return shared_count(d, self, ix, &s, out);
}

static tw_err_t phone_across_employers(const ind_def_t *d, uint16_t self,
                                       const eng_index_t *ix, const config_t *cfg,
                                       ind_hits_t *out)
{
    shared_t s;
    s.P = &ix->apps_by_phone;
    s.min_e = fmax(1, param(d, cfg, "min_employers", 2));
    s.min_w = fmax(1, param(d, cfg, "min_workers", 3));
    s.by_worker = 0;
    s.rec_e = 1;
    s.rec_w = 1;
    return shared_count(d, self, ix, &s, out);
}

/* ---- 10. intermediary_share --------------------------------------------- */

/* Per employer: the intermediary with the most live applications (on a
 * tie, the first to reach that count); value is its share of
 * all the employer's live applications, strength ramp((share - t) / (1 - t)).
 * The evidence is that intermediary's applications. */
static tw_err_t intermediary_share(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                   const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    double share = param(d, cfg, "share", 0.8), min_apps = param(d, cfg, "min_applications", 10);
    uint32_t nin = ix->nentities[ENT_INTERMEDIARY];
    uint32_t *seen = calloc(nin ? nin : 1, sizeof(*seen));
    uint32_t *cnt = calloc(nin ? nin : 1, sizeof(*cnt));
    uint32_t k, j;
    recs_t r;
    tw_err_t err = TW_OK;

    if (!seen || !cnt) {
        err = TW_ENOMEM;
        goto out;
    }
    for (k = 1; P->off && k < P->n; k++) {
        uint32_t stamp = k + 1, total = 0, best = 0, bestn = 0;
        double s;
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            uint32_t in = ent(a->intermediary, nin);
            if (!live(a))
                continue;
            total++;
            if (!in)
                continue;
            if (seen[in] != stamp) {
                seen[in] = stamp;
                cnt[in] = 0;
            }
            if (++cnt[in] > bestn) {
                bestn = cnt[in];
                best = in;
            }
        }
        if (!best || bestn < min_apps)
            continue;
        s = (double)bestn / total;
        if (s + 1e-12 < share)
            continue;
        recs_reset(&r);
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            if (live(a) && ent(a->intermediary, nin) == best)
                recs_add(&r, IR_APPLICATION, P->items[j]);
        }
        if ((err = hit(out, d, self, k, share < 1 ? ramp((s - share) / (1 - share)) : 1.0, s,
                       share, &r)) != TW_OK)
            goto out;
    }
out:
    free(seen);
    free(cnt);
    return err;
}

/* ---- 11. intermediary_spike --------------------------------------------- */

/* Per intermediary, its live applications sorted by day (first d0, last d1):
 *   baseline  = the median count of the fixed windows [d0 + iW, d0 + (i+1)W)
 *               that cover its active span, empty windows included (exact;
 *               the mean of the two middle ones for an even number);
 *   peak      = the most applications in any W-day window [d, d + W)
 *               (sliding, so a peak straddling two fixed windows counts);
 *   threshold = max(factor x baseline, min_applications);
 *   hit when peak >= threshold; strength ramp(peak / threshold - 1);
 *   evidence: the applications of the first peak window.
 * A new intermediary whose whole span is one window has baseline = peak and
 * never fires: a spike is measured against the intermediary's own past. */
/* Intermediary k's live applications packed (day, record) and sorted into
 * days[0..*n), its sliding peak over W days (count, first index) and its
 * baseline (median of the fixed windows, empty ones included). 0 when it
 * has fewer than min_apps (or none). days, counts: as long as its postings. */
static int spike_of(const eng_index_t *ix, uint32_t k, int32_t W, double min_apps,
                    uint64_t *days, uint32_t *counts, uint32_t *n_out, uint32_t *peak_out,
                    uint32_t *peak_at_out, double *baseline_out)
{
    const eng_postings_t *P = &ix->apps_by_intermediary;
    uint32_t n = 0, nc = 0, i0, peak = 0, peak_at = 0, j;
    int64_t d0, nwin, empty;
    for (j = P->off[k]; j < P->off[k + 1]; j++) {
        const eng_app_t *a = &ix->apps[P->items[j]];
        if (live(a) && a->submitted != ENG_NODAY)
            days[n++] = pack(a->submitted, P->items[j]);
    }
    if (n == 0 || n < min_apps)
        return 0;
    qsort(days, n, sizeof(*days), cmp_u64);
    d0 = pack_hi(days[0]);
    nwin = ((int64_t)pack_hi(days[n - 1]) - d0) / W + 1;
    for (j = 0; j < n; j++) { /* counts of the non-empty fixed windows */
        if (j == 0 || ((int64_t)pack_hi(days[j]) - d0) / W !=
                          ((int64_t)pack_hi(days[j - 1]) - d0) / W)
            counts[nc++] = 0;
        counts[nc - 1]++;
    }
    qsort(counts, nc, sizeof(*counts), cmp_u32);
    empty = nwin - nc;
#define WIN(i) ((int64_t)(i) < empty ? 0.0 : (double)counts[(int64_t)(i) - empty])
    *baseline_out = nwin % 2 ? WIN(nwin / 2) : (WIN(nwin / 2 - 1) + WIN(nwin / 2)) / 2;
#undef WIN
    for (i0 = 0, j = 0; j < n; j++) { /* sliding peak */
        while ((int64_t)pack_hi(days[j]) - pack_hi(days[i0]) >= W)
            i0++;
        if (j - i0 + 1 > peak) {
            peak = j - i0 + 1;
            peak_at = i0;
        }
    }
    *n_out = n;
    *peak_out = peak;
    *peak_at_out = peak_at;
    return 1;
}

static tw_err_t intermediary_spike(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                   const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *P = &ix->apps_by_intermediary;
    double factor = param(d, cfg, "factor", 5), min_apps = param(d, cfg, "min_applications", 10);
    int32_t W = param_days(d, cfg, "window_days", 30, 1, 1000000);
    uint32_t longest = plongest(P);
    uint64_t *days = malloc((size_t)(longest ? longest : 1) * sizeof(*days));
    uint32_t *counts = malloc((size_t)(longest ? longest : 1) * sizeof(*counts));
    uint32_t k, j;
    recs_t r;
    rel_t rel;
    tw_err_t err;

    memset(&rel, 0, sizeof(rel));
    if (!days || !counts) {
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = rel_open(ix, cfg, REL_SPIKE, param(d, cfg, "min_group", 20), &rel)) != TW_OK)
        goto out;
    for (k = 1; P->off && k < P->n; k++) {
        uint32_t n, peak, peak_at;
        double baseline, thr, f = factor;
        if (!spike_of(ix, k, W, min_apps, days, counts, &n, &peak, &peak_at, &baseline))
            continue;
        if (rel.on) { /* the register's spikes: the group of the peak's first application */
            const eng_app_t *a = &ix->apps[pack_rec(days[peak_at])];
            f = rel_threshold(&rel, a->sector, a->work_region, a->submitted);
            if (!(f >= 0))
                continue;
        }
        thr = fmax(f * baseline, min_apps);
        if (peak < thr || !(thr > 0))
            continue;
        recs_reset(&r);
        for (j = peak_at; j < peak_at + peak; j++)
            recs_add(&r, IR_APPLICATION, pack_rec(days[j]));
        if ((err = hit(out, d, self, k, ramp(peak / thr - 1), peak, thr, &r)) != TW_OK)
            goto out;
        if (rel.on)
            out->hits[out->n - 1].aux = rel_aux(rel.pct, rel.dims);
    }
out:
    rel_close(&rel);
    free(days);
    free(counts);
    return err;
}

/* ---- 12. permits_over_headcount ----------------------------------------- */

/* Per employer and calendar year of submission: n live applications against
 * the largest headcount declared on them (unknown on all: that year is not
 * judged). Hit when n > ratio x declared and n >= min_applications (the
 * latter makes "declared 0" need 5 and keeps a one-person firm with 4
 * permits out). One hit per employer, for its strongest year (the earliest
 * on a tie); strength ramp((n - thr) / max(thr, 1)); evidence: that year's
 * applications. */
/* Every employer-year of live applications with a submission day, in
 * employer order and, within one, year order: fn(ctx, employer, n, largest
 * declared headcount (-1 unknown), a day of that year, its applications
 * packed (year, record)); then fn(ctx, employer, 0, ...) once per employer
 * that had any. */
/* Sorts packed (hi, record) values v[0..n), given in ascending record
 * order, by (hi, record), as qsort(cmp_u64) would: a counting sort on hi
 * (stable, so records stay ascending within one hi) when the values span
 * at most SPAN_MAX of it, as an employer's years do; tmp: n entries. */
#define SPAN_MAX 64
static void sort_by_hi(uint64_t *v, uint32_t n, uint64_t *tmp)
{
    uint32_t cnt[SPAN_MAX + 1], i;
    int32_t lo, hi;
    if (n < 2)
        return;
    lo = hi = pack_hi(v[0]);
    for (i = 1; i < n; i++) {
        int32_t h = pack_hi(v[i]);
        lo = h < lo ? h : lo;
        hi = h > hi ? h : hi;
    }
    if ((int64_t)hi - lo >= SPAN_MAX) {
        qsort(v, n, sizeof(*v), cmp_u64);
        return;
    }
    memset(cnt, 0, sizeof(cnt));
    for (i = 0; i < n; i++)
        cnt[pack_hi(v[i]) - lo + 1]++;
    for (i = 1; i <= SPAN_MAX; i++)
        cnt[i] += cnt[i - 1];
    for (i = 0; i < n; i++)
        tmp[cnt[pack_hi(v[i]) - lo]++] = v[i];
    memcpy(v, tmp, (size_t)n * sizeof(*v));
}

static tw_err_t emp_years(const eng_index_t *ix, emp_year_fn fn, void *ctx)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    uint32_t longest = plongest(P), k, j, n, y0, y1;
    uint64_t *v = malloc((size_t)(longest ? longest : 1) * sizeof(*v));
    uint64_t *tmp = malloc((size_t)(longest ? longest : 1) * sizeof(*tmp));
    tw_err_t err = TW_OK;

    if (!v || !tmp) {
        free(v);
        free(tmp);
        return TW_ENOMEM;
    }
    for (k = 1; P->off && k < P->n && !err; k++) {
        n = 0;
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            if (live(a) && a->submitted != ENG_NODAY)
                v[n++] = pack(year_of(a->submitted), P->items[j]);
        }
        if (!n)
            continue;
        sort_by_hi(v, n, tmp); /* the postings are in record order */
        for (y0 = 0; y0 < n && !err; y0 = y1) {
            int32_t declared = -1;
            for (y1 = y0; y1 < n && pack_hi(v[y1]) == pack_hi(v[y0]); y1++) {
                int32_t de = ix->apps[pack_rec(v[y1])].declared_employees;
                if (de > declared)
                    declared = de;
            }
            err = fn(ctx, k, y1 - y0, declared, ix->apps[pack_rec(v[y0])].submitted, v + y0);
        }
        if (!err)
            err = fn(ctx, k, 0, -1, ENG_NODAY, NULL);
    }
    free(v);
    free(tmp);
    return err;
}

typedef struct {
    const ind_def_t *d;
    uint16_t self;
    const eng_index_t *ix;
    ind_hits_t *out;
    double ratio, min_apps;
    rel_t rel;
    double best, best_thr;
    uint32_t best_n;
    recs_t r;
} poh_t;

static tw_err_t poh_year(void *ctx, uint32_t employer, uint32_t n, int32_t declared,
                         int32_t day, const uint64_t *packed)
{
    poh_t *c = ctx;
    double thr, s, ratio = c->ratio;
    uint32_t j;
    if (n == 0) { /* the employer's end: its strongest year */
        tw_err_t err = TW_OK;
        if (c->best_n) {
            err = hit(c->out, c->d, c->self, employer, c->best, c->best_n, c->best_thr, &c->r);
            if (!err && c->rel.on)
                c->out->hits[c->out->n - 1].aux = rel_aux(c->rel.pct, c->rel.dims);
        }
        c->best = 0;
        c->best_n = 0;
        return err;
    }
    if (c->rel.on) {
        uint8_t sector, region;
        emp_place(c->ix, employer, &sector, &region);
        ratio = rel_threshold(&c->rel, sector, region, day);
        if (!(ratio >= 0))
            return TW_OK;
    }
    thr = ratio * declared;
    if (declared < 0 || n <= thr || n < c->min_apps)
        return TW_OK;
    s = ramp((n - thr) / fmax(thr, 1));
    if (s > c->best) {
        c->best = s;
        c->best_n = n;
        c->best_thr = thr;
        recs_reset(&c->r);
        for (j = 0; j < n; j++)
            recs_add(&c->r, IR_APPLICATION, pack_rec(packed[j]));
    }
    return TW_OK;
}

static tw_err_t permits_over_headcount(const ind_def_t *d, uint16_t self,
                                       const eng_index_t *ix, const config_t *cfg,
                                       ind_hits_t *out)
{
    poh_t c;
    tw_err_t err;

    memset(&c, 0, sizeof(c));
    c.d = d;
    c.self = self;
    c.ix = ix;
    c.out = out;
    c.ratio = param(d, cfg, "ratio", 3);
    c.min_apps = param(d, cfg, "min_applications", 5);
    if ((err = rel_open(ix, cfg, REL_HEADCOUNT, param(d, cfg, "min_group", 20), &c.rel)) !=
        TW_OK)
        return err;
    err = emp_years(ix, poh_year, &c);
    rel_close(&c.rel);
    return err;
}

/* ---- 13. new_employer_many_permits -------------------------------------- */

/* Per employer: r = its registration day (the earliest stated on its live
 * applications), f = its first live submission. Hit when f - r < days and
 * the live applications submitted before r + days number >= min_applications;
 * value = that number, strength ramp((n - m) / m); evidence: those
 * applications. */
/* The applications of employer k submitted before registration + D, when
 * its first live submission came less than D days after registration
 * (*reg_out its registration day); 0 otherwise. */
static uint32_t newemp_count(const eng_index_t *ix, uint32_t k, int32_t D, int32_t *reg_out)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    int32_t reg = INT32_MAX, first = INT32_MAX;
    uint32_t j, n = 0;
    for (j = P->off[k]; j < P->off[k + 1]; j++) {
        const eng_app_t *a = &ix->apps[P->items[j]];
        if (!live(a) || a->submitted == ENG_NODAY)
            continue;
        if (a->submitted < first)
            first = a->submitted;
        if (a->employer_registered != ENG_NODAY && a->employer_registered < reg)
            reg = a->employer_registered;
    }
    *reg_out = reg;
    if (reg == INT32_MAX || first == INT32_MAX || (int64_t)first - reg >= D)
        return 0;
    for (j = P->off[k]; j < P->off[k + 1]; j++) {
        const eng_app_t *a = &ix->apps[P->items[j]];
        if (live(a) && a->submitted != ENG_NODAY && (int64_t)a->submitted < (int64_t)reg + D)
            n++;
    }
    return n;
}

static tw_err_t new_employer_many_permits(const ind_def_t *d, uint16_t self,
                                          const eng_index_t *ix, const config_t *cfg,
                                          ind_hits_t *out)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    int32_t D = param_days(d, cfg, "days", 180, 0, 1000000), reg;
    double m0 = fmax(1, param(d, cfg, "min_applications", 10));
    uint32_t k, j, n;
    recs_t r;
    rel_t rel;
    tw_err_t err;

    if ((err = rel_open(ix, cfg, REL_NEWEMP, param(d, cfg, "min_group", 20), &rel)) != TW_OK)
        return err;
    for (k = 1; P->off && k < P->n && !err; k++) {
        double m = m0;
        if (!(n = newemp_count(ix, k, D, &reg)))
            continue;
        if (rel.on) {
            uint8_t sector, region;
            double t;
            emp_place(ix, k, &sector, &region);
            t = rel_threshold(&rel, sector, region, reg);
            if (!(t >= 0))
                continue; /* too few new employers in its group to judge */
            m = fmax(1, t);
        }
        if (n < m)
            continue;
        recs_reset(&r);
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            if (live(a) && a->submitted != ENG_NODAY && (int64_t)a->submitted < (int64_t)reg + D)
                recs_add(&r, IR_APPLICATION, P->items[j]);
        }
        err = hit(out, d, self, k, ramp((r.total - m) / m), r.total, m, &r);
        if (!err && rel.on)
            out->hits[out->n - 1].aux = rel_aux(rel.pct, rel.dims);
    }
    rel_close(&rel);
    return err;
}

/* ---- 14. occupation_sector_mismatch ------------------------------------- */

/* value = ISCO code, threshold = ISIC division (the pair that matched). */
/* v as `width` decimal digits with leading zeros (v < 10^width). snprintf
 * did this once per application and was a fifth of a live score's time. */
static void zero_padded(char *out, unsigned v, int width)
{
    out[width] = '\0';
    while (width-- > 0) {
        out[width] = (char)('0' + v % 10);
        v /= 10;
    }
}

static tw_err_t occupation_sector_mismatch(const ind_def_t *d, uint16_t self,
                                           const eng_index_t *ix, const config_t *cfg,
                                           ind_hits_t *out)
{
    uint32_t i;
    tw_err_t err;

    for (i = 0; i < eng_judged(ix); i++) {
        const eng_app_t *a = &ix->apps[i];
        char sector[8], isco[8];
        if (!live(a) || !a->sector || !a->isco || a->isco > 9999)
            continue;
        zero_padded(sector, a->sector, 2);
        zero_padded(isco, a->isco, 4);
        if (!config_mismatch(cfg, sector, isco))
            continue;
        if ((err = hit_app(out, d, self, i, 1.0, a->isco, a->sector)) != TW_OK)
            return err;
    }
    return TW_OK;
}

/* ---- 15. minor_worker ----------------------------------------------------- */

/* Completed years on the submission day < age (18). Strength 1 under 16,
 * 0.75 at 16 and 17 (light work is lawful there from 16, still a child). */
static tw_err_t minor_worker(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                             const config_t *cfg, ind_hits_t *out)
{
    double adult = param(d, cfg, "age", 18);
    uint32_t i;
    tw_err_t err;

    for (i = 0; i < eng_judged(ix); i++) {
        const eng_app_t *a = &ix->apps[i];
        int64_t age;
        if (!live(a) || a->birth == ENG_NODAY || a->submitted == ENG_NODAY)
            continue;
        age = age_on(a->birth, a->submitted);
        if ((double)age >= adult)
            continue;
        if ((err = hit_app(out, d, self, i, age < 16 ? 1.0 : 0.75, (double)age, adult)) != TW_OK)
            return err;
    }
    return TW_OK;
}

/* ---- 16. young_one_sex_entertainment (vulnerability) ---------------------- */

/* ISCO-08 unit groups of the night-time economy: dancers (2653), other
 * performing artists (2659), waiters (5131), bartenders (5132), personal
 * services n.e.c. - escorts, hostesses (5169). */
int ind_entertainment(uint16_t isco)
{
    return isco == 2653 || isco == 2659 || isco == 5131 || isco == 5132 || isco == 5169;
}

/* Per employer, the distinct workers of its live applications in those
 * occupations (a worker's sex and age from its first such application):
 * hit when there are >= min_workers, the larger of the F and M shares is
 * >= share, and the share under max_age on the submission day is >= share.
 * value = the smaller of the two shares, threshold = share, strength 1 (the
 * scorer multiplies evidence by the configured factor). */
static tw_err_t young_one_sex_entertainment(const ind_def_t *d, uint16_t self,
                                            const eng_index_t *ix, const config_t *cfg,
                                            ind_hits_t *out)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    double share = param(d, cfg, "share", 0.8), max_age = param(d, cfg, "max_age", 25);
    double min_w = fmax(1, param(d, cfg, "min_workers", 5));
    uint32_t nwk = ix->nentities[ENT_WORKER];
    uint32_t *seen = calloc(nwk ? nwk : 1, sizeof(*seen));
    uint32_t k, j;
    recs_t r;
    tw_err_t err = TW_OK;

    if (!seen) {
        err = TW_ENOMEM;
        goto out;
    }
    for (k = 1; P->off && k < P->n; k++) {
        uint32_t stamp = k + 1, nw = 0, nf = 0, nm = 0, ny = 0;
        double sex_share, young_share;
        recs_reset(&r);
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            uint32_t w = ent(a->worker, nwk);
            if (!live(a) || !ind_entertainment(a->isco) || !w || seen[w] == stamp)
                continue;
            seen[w] = stamp;
            nw++;
            nf += a->sex == 'F';
            nm += a->sex == 'M';
            ny += a->birth != ENG_NODAY && a->submitted != ENG_NODAY &&
                  (double)age_on(a->birth, a->submitted) < max_age;
            recs_add(&r, IR_APPLICATION, P->items[j]);
        }
        if (nw < min_w)
            continue;
        sex_share = (double)(nf > nm ? nf : nm) / nw;
        young_share = (double)ny / nw;
        if (sex_share + 1e-12 < share || young_share + 1e-12 < share)
            continue;
        if ((err = hit(out, d, self, k, 1.0, fmin(sex_share, young_share), share, &r)) != TW_OK)
            goto out;
    }
out:
    free(seen);
    return err;
}

/* ---- 17. rapid_transfers ------------------------------------------------- */

/* Per worker, its live applications (with an employer and a day) sorted by
 * day; a window slides over them keeping a count per employer, so the most
 * distinct employers named within `days` is found in one pass. value = that
 * number, strength ramp((n - m) / m), evidence: the applications of the
 * first such window. */
static tw_err_t rapid_transfers(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *P = &ix->apps_by_worker;
    double m = fmax(1, param(d, cfg, "employers", 3));
    int32_t D = param_days(d, cfg, "days", 365, 1, 1000000);
    uint32_t nem = ix->nentities[ENT_EMPLOYER], longest = plongest(P);
    uint32_t *cnt = calloc(nem ? nem : 1, sizeof(*cnt));
    uint64_t *v = malloc((size_t)(longest ? longest : 1) * sizeof(*v));
    uint32_t k, j;
    recs_t r;
    tw_err_t err = TW_OK;

    if (!cnt || !v) {
        err = TW_ENOMEM;
        goto out;
    }
    for (k = 1; P->off && k < P->n; k++) {
        uint32_t n = 0, i0 = 0, distinct = 0, best = 0, best_i = 0, best_j = 0;
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            if (live(a) && a->submitted != ENG_NODAY && ent(a->employer, nem))
                v[n++] = pack(a->submitted, P->items[j]);
        }
        if (n < m)
            continue;
        qsort(v, n, sizeof(*v), cmp_u64);
        for (j = 0; j < n; j++) {
            if (cnt[ix->apps[pack_rec(v[j])].employer]++ == 0)
                distinct++;
            while ((int64_t)pack_hi(v[j]) - pack_hi(v[i0]) >= D) {
                if (--cnt[ix->apps[pack_rec(v[i0])].employer] == 0)
                    distinct--;
                i0++;
            }
            if (distinct > best) {
                best = distinct;
                best_i = i0;
                best_j = j;
            }
        }
        for (; i0 < n; i0++) /* leave every count at 0 for the next worker */
            cnt[ix->apps[pack_rec(v[i0])].employer]--;
        if (best < m)
            continue;
        recs_reset(&r);
        for (j = best_i; j <= best_j; j++)
            recs_add(&r, IR_APPLICATION, pack_rec(v[j]));
        if ((err = hit(out, d, self, k, ramp((best - m) / m), best, m, &r)) != TW_OK)
            goto out;
    }
out:
    free(cnt);
    free(v);
    return err;
}

/* ---- 18. never_entered ---------------------------------------------------- */

/* An approved permit whose valid_from is at least grace_days before the data
 * horizon, for a worker the border register never shows inside the country
 * in [valid_from, valid_from + grace_days]. The worker counts as inside when:
 *   - any crossing falls in (valid_from, valid_from + grace] (an entry, or an
 *     exit, which needs the worker inside just before), or
 *   - the worker's last crossing on or before valid_from is an entry (at any
 *     time before: people already living here do not cross again), or
 *   - there is no crossing on or before valid_from and the first one after
 *     it is an exit (the entry predates the register).
 * A crossing-free worker, one whose last crossing before valid_from is an
 * exit, or one who first enters after the grace period is not inside.
 * value = days from valid_from to the horizon, threshold = grace_days,
 * strength ramp((value - grace) / grace); evidence: the application, then
 * the worker's last crossing on or before valid_from and the first after it,
 * where they exist. Without any crossing in the index at all it says
 * nothing: absence of data is not absence of entry. */
static tw_err_t never_entered(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                              const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *X = &ix->crossings_by_worker;
    int32_t grace = param_days(d, cfg, "grace_days", 90, 0, 1000000);
    uint32_t i, j, j0, j1;
    recs_t r;
    tw_err_t err;

    /* no border register at all: nothing to say (a live neighbourhood
     * whose worker never crossed still has the register behind it) */
    if ((ix->ncrossings == 0 && ix->register_crossings == 0) || ix->horizon == ENG_NODAY)
        return TW_OK;
    for (i = 0; i < eng_judged(ix); i++) {
        const eng_app_t *a = &ix->apps[i];
        uint32_t w = ent(a->worker, ix->nentities[ENT_WORKER]);
        uint64_t before = 0, after = UINT64_MAX; /* pack(day, crossing) */
        int64_t elapsed, from = a->valid_from, until = (int64_t)a->valid_from + grace;
        int inside = 0;
        if (a->decision != ENG_APPROVED || a->valid_from == ENG_NODAY || w == 0)
            continue;
        if (ix->worker_rep) /* the crossings of the person, under any document */
            w = ix->worker_rep[w];
        elapsed = (int64_t)ix->horizon - a->valid_from;
        if (elapsed < grace)
            continue;
        j0 = X->off && w < X->n ? X->off[w] : 0;
        j1 = X->off && w < X->n ? X->off[w + 1] : 0;
        for (j = j0; j < j1; j++) {
            const eng_crossing_t *c = &ix->crossings[X->items[j]];
            uint64_t p;
            if (c->day == ENG_NODAY)
                continue;
            p = pack(c->day, X->items[j]);
            if (c->day <= from) {
                if (before == 0 || p > before)
                    before = p;
            } else {
                inside |= c->day <= until;
                if (p < after)
                    after = p;
            }
        }
        if (inside ||
            (before && ix->crossings[pack_rec(before)].direction == 'i') ||
            (!before && after != UINT64_MAX && ix->crossings[pack_rec(after)].direction == 'o'))
            continue;
        recs_reset(&r);
        recs_add(&r, IR_APPLICATION, i);
        if (before)
            recs_add(&r, IR_CROSSING, pack_rec(before));
        if (after != UINT64_MAX)
            recs_add(&r, IR_CROSSING, pack_rec(after));
        if ((err = hit(out, d, self, i, ramp((double)(elapsed - grace) / (grace ? grace : 1)),
                       (double)elapsed, grace, &r)) != TW_OK)
            return err;
    }
    return TW_OK;
}

/* ---- 19. exit_reentry ----------------------------------------------------- */

/* Per worker, its crossings sorted by (day, record); for each approved
 * permit with valid_from known (valid_to unknown: up to the horizon), the
 * out-then-in pairs with both crossings inside [valid_from, valid_to]. An
 * 'in' pairs with the latest 'out' since the previous 'in'. With
 * max_days_out > 0 only short absences count (the 'in' at most that many
 * days after the 'out': visa runs rather than trips home); 0, the default,
 * counts every absence. value = the most pairs of one permit, strength
 * ramp((pairs - cycles) / cycles), evidence: that permit's application, then
 * each pair's out and in crossings. */
static tw_err_t exit_reentry(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                             const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *P = &ix->apps_by_worker, *X = &ix->crossings_by_worker;
    double cycles = fmax(1, param(d, cfg, "cycles", 2));
    int32_t max_out = param_days(d, cfg, "max_days_out", 0, 0, 1000000);
    uint32_t longest = plongest(X);
    uint64_t *v = malloc((size_t)(longest ? longest : 1) * sizeof(*v));
    uint32_t k, j, c;
    recs_t cur, best;
    tw_err_t err = TW_OK;

    if (!v) {
        err = TW_ENOMEM;
        goto out;
    }
    for (k = 1; P->off && X->off && k < P->n && k < X->n; k++) {
        uint32_t n = 0, best_pairs = 0;
        for (j = X->off[k]; j < X->off[k + 1]; j++) {
            if (ix->crossings[X->items[j]].day != ENG_NODAY)
                v[n++] = pack(ix->crossings[X->items[j]].day, X->items[j]);
        }
        if (n < 2 * cycles)
            continue;
        qsort(v, n, sizeof(*v), cmp_u64);
        recs_reset(&best);
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            const eng_app_t *a = &ix->apps[P->items[j]];
            int64_t from = a->valid_from, to;
            uint32_t pairs = 0, pending = UINT32_MAX;
            if (a->decision != ENG_APPROVED || a->valid_from == ENG_NODAY)
                continue;
            to = a->valid_to != ENG_NODAY ? a->valid_to : ix->horizon;
            recs_reset(&cur);
            recs_add(&cur, IR_APPLICATION, P->items[j]);
            for (c = 0; c < n; c++) {
                int64_t day = pack_hi(v[c]);
                uint32_t x = pack_rec(v[c]);
                if (day < from || day > to)
                    continue;
                if (ix->crossings[x].direction == 'o') {
                    pending = x;
                    continue;
                }
                if (pending != UINT32_MAX &&
                    (!max_out || day - ix->crossings[pending].day <= max_out)) {
                    recs_add(&cur, IR_CROSSING, pending);
                    recs_add(&cur, IR_CROSSING, x);
                    pairs++;
                }
                pending = UINT32_MAX;
            }
            if (pairs > best_pairs) {
                best_pairs = pairs;
                best = cur;
            }
        }
        if (best_pairs < cycles)
            continue;
        if ((err = hit(out, d, self, k, ramp((best_pairs - cycles) / cycles), best_pairs, cycles,
                       &best)) != TW_OK)
            goto out;
    }
out:
    free(v);
    return err;
}

/* ---- 20. prior_violations ------------------------------------------------- */

/* Severity of an inspection's serious violation codes (0: none serious). */
static double severity(uint32_t v)
{
    if (v & ((1u << V_DOCUMENTS_WITHHELD) | (1u << V_CHILD_LABOUR)))
        return 1.0;
    if (v & ((1u << V_WAGE_ARREARS) | (1u << V_UNSAFE_HOUSING)))
        return 0.7;
    if (v & (1u << V_EXCESSIVE_HOURS))
        return 0.5;
    return 0;
}

/* Inspections with a serious code (wage arrears, excessive hours, documents
 * withheld, unsafe housing, child labour; not no_contract or other):
 * strength min(1, worst severity + 0.15 per further serious inspection);
 * value = their number, threshold = min_inspections (1). */
static tw_err_t prior_violations(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                 const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *P = &ix->inspections_by_employer;
    double m = fmax(1, param(d, cfg, "min_inspections", 1));
    uint32_t k, j;
    recs_t r;
    tw_err_t err;

    for (k = 1; P->off && k < P->n; k++) {
        double worst = 0;
        recs_reset(&r);
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            double s = severity(ix->inspections[P->items[j]].violations);
            if (s <= 0)
                continue;
            worst = fmax(worst, s);
            recs_add(&r, IR_INSPECTION, P->items[j]);
        }
        if (r.total < m)
            continue;
        if ((err = hit(out, d, self, k, fmin(1.0, worst + 0.15 * (r.total - 1)), r.total, m,
                       &r)) != TW_OK)
            return err;
    }
    return TW_OK;
}

/* ---- 21. reports_touching_{employer,address,phone,worker} --------------- */

/* Every report naming the entity: strength 0.6 for one, 1 for two or more or
 * for one about forced labour, sexual exploitation or domestic servitude;
 * value = the number of reports, threshold 1. */
static tw_err_t reports_touching(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                 const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *P = d->kind == IK_EMPLOYER  ? &ix->reports_by_employer
                              : d->kind == IK_ADDRESS ? &ix->reports_by_address
                              : d->kind == IK_WORKER  ? &ix->reports_by_worker
                                                      : &ix->reports_by_phone;
    uint32_t k, j;
    recs_t r;
    tw_err_t err;

    (void)cfg;
    for (k = 1; P->off && k < P->n; k++) {
        int grave = 0;
        if (P->off[k] == P->off[k + 1])
            continue;
        recs_reset(&r);
        for (j = P->off[k]; j < P->off[k + 1]; j++) {
            uint8_t cat = ix->reports[P->items[j]].category;
            grave |= cat == CAT_FORCED_LABOUR || cat == CAT_SEXUAL_EXPLOITATION ||
                     cat == CAT_DOMESTIC_SERVITUDE;
            recs_add(&r, IR_REPORT, P->items[j]);
        }
        if ((err = hit(out, d, self, k, r.total >= 2 || grave ? 1.0 : 0.6, r.total, 1, &r)) !=
            TW_OK)
            return err;
    }
    return TW_OK;
}

/* ---- 25. employer_peer_anomaly ------------------------------------------- */

/* Each employer with at least EMP_MIN_APPS live applications is compared
 * with its peers: the employers of the same sector and region (the region
 * of the workplace, both from its earliest live application), or of the
 * same sector in every region when the region has fewer than `min_peers`
 * [20] of them, on five features:
 *   volume         log(1 + live applications)
 *   growth         log((1 + n in the 365 days up to its last submission) /
 *                      (1 + n in the 365 days before those))
 *   wage level     log(1 + median salary)            (low is the risk)
 *   nationality    share of its commonest citizenship
 *   intermediary   share of its applications filed through one
 * Robust z per feature: (x - median) / (1.4826 MAD) over the peers, in the
 * direction of risk (1.2533 x the mean absolute deviation when the MAD is
 * 0; a feature whose spread is 0 among the peers is not judged). Hit when
 * at least `min_features` [2] features have z >= `feature_z` [2] and the
 * combined c = sqrt(sum of the squared positive z) >= `z` [4]; strength
 * ramp((c - z) / z); value c, threshold z; evidence: its applications;
 * ind_hit_t.aux holds each feature's z (ind_hit_detail() says it in
 * words). Order-free (no feature depends on record order), so a live
 * neighbourhood with the employer's every application and the register's
 * group statistics (ind_peer_ref_t) gives the full screening's hit. */
#define EMP_MIN_APPS 5
#define PF_N 5
static const char *const pf_name[PF_N] = {"volume", "growth", "wage level",
                                          "nationality concentration",
                                          "intermediary reliance"};
static const double pf_sign[PF_N] = {1, 1, -1, 1, 1};

struct ind_emp_group {
    uint32_t key; /* sector << 8 | region; region 0xff: the whole sector */
    uint32_t count;
    double med[PF_N], scale[PF_N];
};

typedef struct {
    uint32_t g1, g0; /* its groups: sector and region (0 unknown region), sector */
    double x[PF_N];
    uint8_t has[PF_N];
} emp_feat_t;

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The k-th smallest of a[0..n) (k < n), a reordered so that a[0..k) hold
 * the k smaller ones (Hoare's selection: linear on average, where sorting
 * for a median was most of a large employer's features). */
static int32_t select_i32(int32_t *a, uint32_t n, uint32_t k)
{
    long lo = 0, hi = (long)n - 1, want = (long)k;
    while (lo < hi) {
        int32_t pivot = a[lo + (hi - lo) / 2], t;
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        /* [lo, j] <= pivot <= [i, hi], and (j, i) all equal the pivot */
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return a[want];
    }
    return a[want];
}

/* The largest number of equal values in a[0..n) (values 0..65535, as
 * citizenships are), by a two-pass radix sort into tmp and back. */
static uint32_t most_repeated_u16(int32_t *a, uint32_t n, int32_t *tmp)
{
    uint32_t cnt[257], i, run = 0, best = 0;
    int shift;
    for (shift = 0; shift <= 8; shift += 8) {
        int32_t *from = shift ? tmp : a, *to = shift ? a : tmp;
        memset(cnt, 0, sizeof(cnt));
        for (i = 0; i < n; i++)
            cnt[((uint32_t)from[i] >> shift & 0xff) + 1]++;
        for (i = 1; i <= 256; i++)
            cnt[i] += cnt[i - 1];
        for (i = 0; i < n; i++)
            to[cnt[(uint32_t)from[i] >> shift & 0xff]++] = from[i];
    }
    for (i = 0; i < n; i++) {
        run = i && a[i] == a[i - 1] ? run + 1 : 1;
        if (run > best)
            best = run;
    }
    return best;
}

/* Features of employer k; 0 when it has fewer than EMP_MIN_APPS live
 * applications or no sector. s1, s2, s3: scratch as long as its postings. */
static int emp_features(const eng_index_t *ix, uint32_t k, int32_t *s1, int32_t *s2,
                        int32_t *s3, emp_feat_t *f)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    uint32_t j, n = 0, nsal = 0, ncit = 0, nagent = 0, best_cit = 0, n1 = 0, n0 = 0;
    int32_t first = INT32_MAX, last = INT32_MIN;
    uint8_t sector = 0, region = 0;

    memset(f, 0, sizeof(*f));
    for (j = P->off[k]; j < P->off[k + 1]; j++) {
        const eng_app_t *a = &ix->apps[P->items[j]];
        if (!live(a) || a->submitted == ENG_NODAY)
            continue;
        n++;
        if (a->sector && (a->submitted < first ||
                          (a->submitted == first &&
                           (a->sector < sector || (a->sector == sector && a->work_region < region))))) {
            first = a->submitted;
            sector = a->sector;
            region = a->work_region;
        }
        if (a->submitted > last)
            last = a->submitted;
        if (a->salary >= 0)
            s1[nsal++] = a->salary;
        if (a->citizenship)
            s2[ncit++] = a->citizenship;
        nagent += a->intermediary != 0;
    }
    if (n < EMP_MIN_APPS || !sector)
        return 0;
    for (j = P->off[k]; j < P->off[k + 1]; j++) {
        const eng_app_t *a = &ix->apps[P->items[j]];
        int64_t back;
        if (!live(a) || a->submitted == ENG_NODAY)
            continue;
        back = (int64_t)last - a->submitted;
        n1 += back < 365;
        n0 += back >= 365 && back < 730;
    }
    f->g1 = (uint32_t)sector << 8 | region;
    f->g0 = (uint32_t)sector << 8 | 0xff;
    f->x[0] = log1p((double)n);
    f->has[0] = 1;
    f->x[1] = log((1.0 + n1) / (1.0 + n0));
    f->has[1] = 1;
    if (nsal) {
        /* the median: the middle one, or the mean of the middle two (the
         * lower is the largest of those the selection put below) */
        int32_t upper = select_i32(s1, nsal, nsal / 2), lower = upper;
        if (nsal % 2 == 0) {
            lower = s1[0];
            for (j = 1; j < nsal / 2; j++)
                lower = s1[j] > lower ? s1[j] : lower;
        }
        f->x[2] = log1p(nsal % 2 ? (double)upper : ((double)lower + upper) / 2);
        f->has[2] = 1;
    }
    if (ncit) {
        best_cit = most_repeated_u16(s2, ncit, s3);
        f->x[3] = (double)best_cit / ncit;
        f->has[3] = 1;
    }
    f->x[4] = (double)nagent / n;
    f->has[4] = 1;
    return 1;
}

typedef struct {
    uint32_t key;
    double v;
} gv_t;

static int cmp_gv(const void *a, const void *b)
{
    const gv_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->v > y->v) - (x->v < y->v);
}


/* Features of every employer (ok[k] = 1 when it has them); *out is
 * indexed by employer id and freed by the caller. */
static tw_err_t emp_feats_all(const eng_index_t *ix, emp_feat_t **out, uint8_t **ok)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    uint32_t longest = plongest(P), k;
    size_t nemp = P->off && P->n ? P->n : 1;
    int32_t *s1 = malloc((size_t)(longest ? longest : 1) * sizeof(*s1));
    int32_t *s2 = malloc((size_t)(longest ? longest : 1) * sizeof(*s2));
    int32_t *s3 = malloc((size_t)(longest ? longest : 1) * sizeof(*s3));
    emp_feat_t *e = malloc(nemp * sizeof(*e));
    uint8_t *o = calloc(nemp, 1);
    tw_err_t err = TW_OK;

    if (!s1 || !s2 || !s3 || !e || !o) {
        err = TW_ENOMEM;
        free(e);
        free(o);
        e = NULL;
        o = NULL;
    } else {
        for (k = 1; P->off && k < P->n; k++)
            o[k] = (uint8_t)emp_features(ix, k, s1, s2, s3, &e[k]);
    }
    free(s1);
    free(s2);
    free(s3);
    *out = e;
    *ok = o;
    return err;
}

static const struct ind_emp_group *emp_group_find(const struct ind_emp_group *g, size_t n,
                                                  uint32_t key);

/* The peer groups of the employers (feats, ok: emp_feats_all), sorted by
 * key: count, and per feature the median and the robust scale. */
static tw_err_t emp_groups_build(const emp_feat_t *feats, const uint8_t *ok, uint32_t nemp,
                                 struct ind_emp_group **out, size_t *nout)
{
    gv_t *v = malloc(2 * (size_t)(nemp ? nemp : 1) * sizeof(*v));
    double *dev = malloc(2 * (size_t)(nemp ? nemp : 1) * sizeof(*dev));
    struct ind_emp_group *g = NULL;
    size_t ng = 0, cap = 0, n, i0, i1, i;
    uint32_t k;
    int f;
    tw_err_t err = TW_OK;

    *out = NULL;
    *nout = 0;
    if (!v || !dev) {
        err = TW_ENOMEM;
        goto out;
    }
    for (f = -1; f < PF_N; f++) { /* -1: the groups and their counts */
        n = 0;
        for (k = 1; k < nemp; k++) {
            const emp_feat_t *e = &feats[k];
            if (!ok[k] || (f >= 0 && !e->has[f]))
                continue;
            v[n].key = e->g1;
            v[n++].v = f >= 0 ? e->x[f] : 0;
            v[n].key = e->g0;
            v[n++].v = f >= 0 ? e->x[f] : 0;
        }
        qsort(v, n, sizeof(*v), cmp_gv);
        for (i0 = 0; i0 < n; i0 = i1) {
            struct ind_emp_group *x;
            size_t cnt;
            double med, mad, mean = 0;
            for (i1 = i0 + 1; i1 < n && v[i1].key == v[i0].key; i1++)
                ;
            cnt = i1 - i0;
            if (f < 0) { /* in key order: g stays sorted */
                if (!(x = grow_array(g, &cap, ng + 1, sizeof(*g)))) {
                    err = TW_ENOMEM;
                    goto out;
                }
                g = x;
                memset(&g[ng], 0, sizeof(*g));
                g[ng].key = v[i0].key;
                g[ng++].count = (uint32_t)cnt;
                continue;
            }
            x = (struct ind_emp_group *)emp_group_find(g, ng, v[i0].key);
            if (!x)
                continue;
            med = cnt % 2 ? v[i0 + cnt / 2].v : (v[i0 + cnt / 2 - 1].v + v[i0 + cnt / 2].v) / 2;
            for (i = i0; i < i1; i++) {
                dev[i - i0] = fabs(v[i].v - med);
                mean += dev[i - i0];
            }
            qsort(dev, cnt, sizeof(*dev), cmp_dbl);
            mad = cnt % 2 ? dev[cnt / 2] : (dev[cnt / 2 - 1] + dev[cnt / 2]) / 2;
            x->med[f] = med;
            x->scale[f] = mad > 0 ? 1.4826 * mad : 1.2533 * mean / (double)cnt;
        }
    }
    *out = g;
    *nout = ng;
    g = NULL;
out:
    free(g);
    free(v);
    free(dev);
    return err;
}

static const struct ind_emp_group *emp_group_find(const struct ind_emp_group *g, size_t n,
                                                  uint32_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && g[lo].key == key ? &g[lo] : NULL;
}

/* z in quarters, 6 bits per feature (0..15.75) */
static uint32_t z_pack(const double z[PF_N])
{
    uint32_t aux = 0;
    int f;
    for (f = 0; f < PF_N; f++) {
        double q = z[f] > 0 ? floor(z[f] * 4 + 0.5) : 0;
        aux |= (uint32_t)(q > 63 ? 63 : q) << (6 * f);
    }
    return aux;
}

static tw_err_t employer_peer_anomaly(const ind_def_t *d, uint16_t self, const eng_index_t *ix,
                                      const config_t *cfg, ind_hits_t *out)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    double min_peers = param(d, cfg, "min_peers", 20), zthr = fmax(0.1, param(d, cfg, "z", 4));
    double fz = param(d, cfg, "feature_z", 2), minf = param(d, cfg, "min_features", 2);
    struct ind_emp_group *own = NULL;
    const struct ind_emp_group *groups;
    emp_feat_t *feats = NULL;
    uint8_t *ok = NULL;
    size_t ng;
    uint32_t k, j;
    recs_t r;
    tw_err_t err;

    if (!P->off || P->n < 2)
        return TW_OK;
    if ((err = emp_feats_all(ix, &feats, &ok)) != TW_OK)
        return err;
    if (ix->peer_ref) { /* a neighbourhood: the whole register's groups */
        groups = ix->peer_ref->emp;
        ng = ix->peer_ref->nemp;
    } else {
        if ((err = emp_groups_build(feats, ok, P->n, &own, &ng)) != TW_OK)
            goto out;
        groups = own;
    }
    for (k = 1; k < P->n; k++) {
        const emp_feat_t *e = &feats[k];
        const struct ind_emp_group *g;
        double z[PF_N], c = 0;
        int f, strong = 0;
        if (!ok[k])
            continue;
        g = emp_group_find(groups, ng, e->g1);
        if (!g || g->count < min_peers)
            g = emp_group_find(groups, ng, e->g0);
        if (!g || g->count < min_peers)
            continue;
        for (f = 0; f < PF_N; f++) {
            z[f] = e->has[f] && g->scale[f] > 0
                       ? pf_sign[f] * (e->x[f] - g->med[f]) / g->scale[f]
                       : 0;
            if (z[f] > 0)
                c += z[f] * z[f];
            strong += z[f] >= fz;
        }
        c = sqrt(c);
        if (strong < minf || c < zthr)
            continue;
        recs_reset(&r);
        for (j = P->off[k]; j < P->off[k + 1]; j++)
            if (live(&ix->apps[P->items[j]]))
                recs_add(&r, IR_APPLICATION, P->items[j]);
        if ((err = hit(out, d, self, k, ramp((c - zthr) / zthr), c, zthr, &r)) != TW_OK)
            goto out;
        out->hits[out->n - 1].aux = z_pack(z);
    }
out:
    free(own);
    free(feats);
    free(ok);
    return err;
}


/* The register's employer peer groups, for a neighbourhood's reference. */
static tw_err_t emp_ref_build(const eng_index_t *ix, struct ind_emp_group **out, size_t *n)
{
    emp_feat_t *feats = NULL;
    uint8_t *ok = NULL;
    tw_err_t err;
    *out = NULL;
    *n = 0;
    if (!ix->apps_by_employer.off || ix->apps_by_employer.n < 2)
        return TW_OK;
    if ((err = emp_feats_all(ix, &feats, &ok)) == TW_OK)
        err = emp_groups_build(feats, ok, ix->apps_by_employer.n, out, n);
    free(feats);
    free(ok);
    return err;
}

/* An employer's two peer group keys (emp_features()'s, whatever its
 * number of applications), 0 when it has no live application with a
 * sector. */
static void emp_keys(const eng_index_t *ix, uint32_t k, uint32_t *g1, uint32_t *g0)
{
    const eng_postings_t *P = &ix->apps_by_employer;
    int32_t first = INT32_MAX;
    uint8_t sector = 0, region = 0;
    uint32_t j;
    *g1 = *g0 = 0;
    if (!k || k >= P->n)
        return;
    for (j = P->off[k]; j < P->off[k + 1]; j++) {
        const eng_app_t *a = &ix->apps[P->items[j]];
        if (!live(a) || a->submitted == ENG_NODAY || !a->sector)
            continue;
        if (a->submitted < first ||
            (a->submitted == first &&
             (a->sector < sector || (a->sector == sector && a->work_region < region)))) {
            first = a->submitted;
            sector = a->sector;
            region = a->work_region;
        }
    }
    if (sector) {
        *g1 = (uint32_t)sector << 8 | region;
        *g0 = (uint32_t)sector << 8 | 0xff;
    }
}

/* ---- relative thresholds ------------------------------------------------- */

/* A threshold set relative to the register (config_indicator_rel): the
 * P-th percentile (type 7: linear between the order statistics) of the
 * register's own observations of what the key bounds, per group of the
 * dimensions named (sector, region, year), computed in the screening from
 * the index. A group with fewer than `min_group` observations is not
 * judged. A hit under a relative threshold keeps the percentile and the
 * dimensions in ind_hit_t.aux (REL_AUX), so its evidence says which
 * percentile and its value (ind_hit_detail). In a neighbourhood (live.c)
 * the groups are the register's (ind_peer_ref_t.rel). Supported keys:
 * wage_far_below_peers `salary` (live salaries), permits_over_headcount
 * `ratio` (applications per declared employee, per employer and year),
 * new_employer_many_permits `min_applications` (applications of new
 * employers within `days` of registration). */
#define REL_AUX 0x80000000u
#define REL_ALL 0xffffffffffffffffull

typedef struct {
    uint64_t key;
    double v;
} obs_t;

struct ind_rel_group {
    uint64_t key;
    double thr;
    uint32_t n;
};

static int cmp_obs(const void *a, const void *b)
{
    const obs_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->v > y->v) - (x->v < y->v);
}

/* The group key of (sector, region, day) under dims; REL_ALL never (the
 * whole register is key 0 when dims is 0). */
static uint64_t rel_key(unsigned dims, uint8_t sector, uint8_t region, int32_t day)
{
    uint64_t k = 0;
    if (dims & CONFIG_REL_SECTOR)
        k |= (uint64_t)sector << 40;
    if (dims & CONFIG_REL_REGION)
        k |= (uint64_t)region << 32;
    if (dims & CONFIG_REL_YEAR)
        k |= (uint32_t)(year_of(day) - INT32_MIN);
    return k;
}

/* 0 when a dimension asked for is unknown on this record. */
static int rel_known(unsigned dims, uint8_t sector, uint8_t region, int32_t day)
{
    return !((dims & CONFIG_REL_SECTOR) && !sector) && !((dims & CONFIG_REL_REGION) && !region) &&
           !((dims & CONFIG_REL_YEAR) && day == ENG_NODAY);
}

/* Sorts o[0..n) and makes one group per key with its percentile. */
static tw_err_t rel_groups(obs_t *o, size_t n, double pct, struct ind_rel_group **out,
                           size_t *nout)
{
    struct ind_rel_group *g = NULL;
    size_t ng = 0, cap = 0, i0, i1;
    *out = NULL;
    *nout = 0;
    qsort(o, n, sizeof(*o), cmp_obs);
    for (i0 = 0; i0 < n; i0 = i1) {
        struct ind_rel_group *x;
        double h, lo;
        size_t cnt, at;
        for (i1 = i0 + 1; i1 < n && o[i1].key == o[i0].key; i1++)
            ;
        cnt = i1 - i0;
        if (!(x = grow_array(g, &cap, ng + 1, sizeof(*g)))) {
            free(g);
            return TW_ENOMEM;
        }
        g = x;
        h = (double)(cnt - 1) * pct / 100.0;
        lo = floor(h);
        at = i0 + (size_t)lo;
        g[ng].key = o[i0].key;
        g[ng].n = (uint32_t)cnt;
        g[ng].thr = at + 1 < i1 ? o[at].v + (h - lo) * (o[at + 1].v - o[at].v) : o[at].v;
        ng++;
    }
    *out = g;
    *nout = ng;
    return TW_OK;
}

static const struct ind_rel_group *rel_find(const struct ind_rel_group *g, size_t n,
                                            uint64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && g[lo].key == key ? &g[lo] : NULL;
}

static uint32_t rel_aux(double pct, unsigned dims)
{
    return REL_AUX | (uint32_t)(dims & 7u) << 14 | (uint32_t)floor(pct * 100 + 0.5);
}

/* Observations for one relative key of one indicator (REL_* below). */
static const char *const rel_ind[REL_NKINDS] = {"wage_far_below_peers", "permits_over_headcount",
                                                "new_employer_many_permits",
                                                "intermediary_spike"};
static const char *const rel_param[REL_NKINDS] = {"salary", "ratio", "min_applications",
                                                  "factor"};
static const char *const rel_what[REL_NKINDS] = {
    "salaries", "applications per declared employee in a year",
    "applications of new employers in their first `days`",
    "intermediary peaks over their baseline (peak / median window)"};

/* An employer's sector and region (its earliest live application's) and
 * its registration day; sector 0 when unknown. */
static void emp_place(const eng_index_t *ix, uint32_t k, uint8_t *sector, uint8_t *region)
{
    uint32_t g1, g0;
    emp_keys(ix, k, &g1, &g0);
    *sector = (uint8_t)(g1 >> 8);
    *region = (uint8_t)(g1 & 0xff);
}


typedef struct {
    obs_t *o;
    size_t n;
    unsigned dims;
    const eng_index_t *ix;
} obs_ctx_t;

static tw_err_t obs_headcount(void *ctx, uint32_t employer, uint32_t n, int32_t declared,
                              int32_t day, const uint64_t *packed)
{
    obs_ctx_t *c = ctx;
    uint8_t sector, region;
    (void)packed;
    if (declared <= 0)
        return TW_OK;
    emp_place(c->ix, employer, &sector, &region);
    if (!rel_known(c->dims, sector, region, day))
        return TW_OK;
    c->o[c->n].key = rel_key(c->dims, sector, region, day);
    c->o[c->n++].v = (double)n / declared;
    return TW_OK;
}

/* The groups of relative key `kind` under (pct, dims) over the index. */
static tw_err_t rel_build(const eng_index_t *ix, const config_t *cfg, int kind, double pct,
                          unsigned dims, struct ind_rel_group **out, size_t *nout)
{
    obs_ctx_t c;
    uint32_t i;
    tw_err_t err = TW_OK;

    memset(&c, 0, sizeof(c));
    c.dims = dims;
    c.ix = ix;
    *out = NULL;
    *nout = 0;
    if (!(c.o = malloc(((size_t)ix->napps + 1) * sizeof(*c.o))))
        return TW_ENOMEM;
    if (kind == REL_WAGE) {
        for (i = 0; i < ix->napps; i++) {
            const eng_app_t *a = &ix->apps[i];
            if (!live(a) || a->salary < 0 || !rel_known(dims, a->sector, a->work_region, a->submitted))
                continue;
            c.o[c.n].key = rel_key(dims, a->sector, a->work_region, a->submitted);
            c.o[c.n++].v = a->salary;
        }
    } else if (kind == REL_HEADCOUNT) {
        err = emp_years(ix, obs_headcount, &c);
    } else if (kind == REL_SPIKE) {
        const eng_postings_t *Q = &ix->apps_by_intermediary;
        const ind_def_t *sd = &ind_catalogue(NULL)[ind_find("intermediary_spike")];
        int32_t W = param_days(sd, cfg, "window_days", 30, 1, 1000000);
        double min_apps = param(sd, cfg, "min_applications", 10);
        uint32_t longest = plongest(Q), n, peak, at;
        uint64_t *days = malloc((size_t)(longest ? longest : 1) * sizeof(*days));
        uint32_t *counts = malloc((size_t)(longest ? longest : 1) * sizeof(*counts));
        double baseline;
        if (!days || !counts)
            err = TW_ENOMEM;
        for (i = 1; !err && Q->off && i < Q->n; i++) {
            const eng_app_t *a;
            if (!spike_of(ix, i, W, min_apps, days, counts, &n, &peak, &at, &baseline) ||
                !(baseline > 0))
                continue;
            a = &ix->apps[pack_rec(days[at])];
            if (!rel_known(dims, a->sector, a->work_region, a->submitted))
                continue;
            c.o[c.n].key = rel_key(dims, a->sector, a->work_region, a->submitted);
            c.o[c.n++].v = peak / baseline;
        }
        free(days);
        free(counts);
    } else {
        const ind_def_t *nd = &ind_catalogue(NULL)[ind_find("new_employer_many_permits")];
        int32_t D = param_days(nd, cfg, "days", 180, 0, 1000000), reg;
        for (i = 1; ix->apps_by_employer.off && i < ix->apps_by_employer.n; i++) {
            uint32_t n = newemp_count(ix, i, D, &reg);
            uint8_t sector, region;
            if (!n)
                continue;
            emp_place(ix, i, &sector, &region);
            if (!rel_known(dims, sector, region, reg))
                continue;
            c.o[c.n].key = rel_key(dims, sector, region, reg);
            c.o[c.n++].v = n;
        }
    }
    if (err == TW_OK)
        err = rel_groups(c.o, c.n, pct, out, nout);
    free(c.o);
    return err;
}

/* The relative threshold of `kind` for a record of (sector, region, day):
 * NAN when the config does not set one, when a dimension is unknown, or
 * when the group has fewer than min_group observations. rt: the groups
 * (built on first use in a full index, the register's in a neighbourhood). */
static tw_err_t rel_open(const eng_index_t *ix, const config_t *cfg, int kind, double min_group,
                         rel_t *r)
{
    memset(r, 0, sizeof(*r));
    r->on = config_indicator_rel(cfg, rel_ind[kind], rel_param[kind], &r->pct, &r->dims);
    r->min_group = min_group;
    if (!r->on)
        return TW_OK;
    if (ix->peer_ref) {
        r->g = ix->peer_ref->rel[kind];
        r->ng = ix->peer_ref->nrel[kind];
        return TW_OK;
    }
    {
        tw_err_t err = rel_build(ix, cfg, kind, r->pct, r->dims, &r->own, &r->ng);
        r->g = r->own;
        return err;
    }
}

_Static_assert(REL_NKINDS == IND_REL_KINDS, "IND_REL_KINDS and REL_NKINDS differ");

static tw_err_t rel_ref_build(const eng_index_t *ix, const config_t *cfg, ind_peer_ref_t *out)
{
    int k;
    tw_err_t err = TW_OK;
    for (k = 0; k < REL_NKINDS && !err && cfg; k++) {
        double pct;
        unsigned dims;
        if (config_indicator_rel(cfg, rel_ind[k], rel_param[k], &pct, &dims))
            err = rel_build(ix, cfg, k, pct, dims, &out->rel[k], &out->nrel[k]);
    }
    return err;
}

static double rel_threshold(const rel_t *r, uint8_t sector, uint8_t region, int32_t day)
{
    const struct ind_rel_group *g;
    if (!rel_known(r->dims, sector, region, day))
        return NAN;
    g = rel_find(r->g, r->ng, rel_key(r->dims, sector, region, day));
    return g && g->n >= r->min_group ? g->thr : NAN;
}

static void rel_close(rel_t *r)
{
    free(r->own);
    memset(r, 0, sizeof(*r));
}

/* ---- the catalogue --------------------------------------------------------- */

static const ind_def_t catalogue[] = {
    {"wage_below_minimum", "The salary is below the legal minimum wage in force on the day "
                           "the application was submitted.",
     ILO_WAGES | ILO_CONDITIONS, IK_APPLICATION, 0, wage_below_minimum},
    {"wage_far_below_peers", "The salary is far below the median of applications for the same "
                             "occupation, sector and year.",
     ILO_WAGES, IK_APPLICATION, 0, wage_far_below_peers},
    {"hours_over_legal", "The declared working week is longer than the legal 40 hours.",
     ILO_OVERTIME, IK_APPLICATION, 0, hours_over_legal},
    {"hours_excessive", "The declared working week is longer than 48 hours, beyond what "
                        "overtime allows.",
     ILO_OVERTIME | ILO_CONDITIONS, IK_APPLICATION, 0, hours_excessive},
    {"crowded_residence", "Many workers of small employers are registered as living at this "
                          "one address.",
     ILO_CONDITIONS | ILO_ISOLATION, IK_ADDRESS, 0, crowded_residence},
    {"residence_is_workplace", "The worker is registered as living at the workplace.",
     ILO_ISOLATION | ILO_CONDITIONS, IK_APPLICATION, 0, residence_is_workplace},
    {"shared_employer_address", "Several employers give this one address as their workplace.",
     ILO_DECEPTION, IK_ADDRESS, 0, shared_employer_address},
    {"shared_phone", "Several workers give this one phone number as their own.",
     ILO_ISOLATION | ILO_DEBT, IK_PHONE, 0, shared_phone},
    {"phone_across_employers", "Workers of different employers give this one phone number.",
     ILO_DECEPTION, IK_PHONE, 0, phone_across_employers},
    {"intermediary_share", "One intermediary is behind almost all of this employer's "
                           "applications.",
     ILO_DEBT | ILO_DECEPTION, IK_EMPLOYER, 0, intermediary_share},
    {"intermediary_spike", "This intermediary submitted far more applications in one month "
                           "than it usually does.",
     ILO_DECEPTION, IK_INTERMEDIARY, 0, intermediary_spike},
    {"permits_over_headcount", "The employer applied for far more permits in a year than its "
                               "declared number of employees.",
     ILO_DECEPTION, IK_EMPLOYER, 0, permits_over_headcount},
    {"new_employer_many_permits", "A newly registered employer applied for many permits soon "
                                  "after registration.",
     ILO_DECEPTION, IK_EMPLOYER, 0, new_employer_many_permits},
    {"occupation_sector_mismatch", "The occupation does not fit the employer's sector and is a "
                                   "known cover for exploitation.",
     ILO_DECEPTION, IK_APPLICATION, 0, occupation_sector_mismatch},
    {"minor_worker", "The worker was under 18 on the day the application was submitted.",
     ILO_VULNERABILITY, IK_APPLICATION, 0, minor_worker},
    {"young_one_sex_entertainment", "The employer's entertainment staff are almost all young "
                                    "and of one sex.",
     ILO_VULNERABILITY, IK_EMPLOYER, 1, young_one_sex_entertainment},
    {"rapid_transfers", "The worker's applications name several employers within a year.",
     ILO_MOVEMENT, IK_WORKER, 0, rapid_transfers},
    {"never_entered", "The permit was approved months ago but the worker has not entered "
                      "the country.",
     ILO_DECEPTION, IK_APPLICATION, 0, never_entered},
    {"exit_reentry", "The worker repeatedly left and re-entered the country while the permit "
                     "was valid.",
     ILO_MOVEMENT, IK_WORKER, 0, exit_reentry},
    {"prior_violations", "Labour inspections found serious violations at this employer.",
     ILO_WAGES | ILO_DOCUMENTS | ILO_CONDITIONS | ILO_OVERTIME, IK_EMPLOYER, 0,
     prior_violations},
    {"reports_touching_employer", "Hotline, NGO or police reports name this employer.",
     ILO_INTIMIDATION | ILO_VULNERABILITY, IK_EMPLOYER, 0, reports_touching},
    {"reports_touching_address", "Hotline, NGO or police reports name this address.",
     ILO_INTIMIDATION | ILO_VULNERABILITY, IK_ADDRESS, 0, reports_touching},
    {"reports_touching_phone", "Hotline, NGO or police reports name this phone number.",
     ILO_INTIMIDATION | ILO_VULNERABILITY, IK_PHONE, 0, reports_touching},
    {"reports_touching_worker", "Hotline, NGO or police reports name a person linked to this "
                                "worker (by name and birth date, across the registers).",
     ILO_INTIMIDATION | ILO_VULNERABILITY, IK_WORKER, 0, reports_touching},
    {"employer_peer_anomaly", "The employer is far from its peers (same sector and region) on "
                              "several of volume, growth, wage level, nationality mix and "
                              "reliance on intermediaries.",
     ILO_DECEPTION, IK_EMPLOYER, 0, employer_peer_anomaly},
};

static const char *const ids[] = {
    "wage_below_minimum", "wage_far_below_peers", "hours_over_legal", "hours_excessive",
    "crowded_residence", "residence_is_workplace", "shared_employer_address", "shared_phone",
    "phone_across_employers", "intermediary_share", "intermediary_spike",
    "permits_over_headcount", "new_employer_many_permits", "occupation_sector_mismatch",
    "minor_worker", "young_one_sex_entertainment", "rapid_transfers", "never_entered",
    "exit_reentry", "prior_violations", "reports_touching_employer", "reports_touching_address",
    "reports_touching_phone", "reports_touching_worker", "employer_peer_anomaly", NULL};

/* The two lists are one: the test checks ids[i] == catalogue[i].id. */
_Static_assert(NELEM(ids) == NELEM(catalogue) + 1, "ids[] and catalogue[] differ");

static size_t catalogue_len(void)
{
    return NELEM(catalogue);
}

const ind_def_t *ind_catalogue(size_t *n)
{
    if (n)
        *n = NELEM(catalogue);
    return catalogue;
}

int ind_find(const char *id)
{
    size_t i;
    if (!id)
        return -1;
    for (i = 0; i < NELEM(catalogue); i++) {
        if (strcmp(catalogue[i].id, id) == 0)
            return (int)i;
    }
    return -1;
}

const char *const *ind_ids(void)
{
    return ids;
}

const char *ind_kind_name(ind_kind_t k)
{
    static const char *const names[IK_COUNT] = {"application", "worker", "employer",
                                                "intermediary", "address", "phone"};
    return (unsigned)k < IK_COUNT ? names[k] : "unknown";
}

void ind_ilo_names(uint32_t ilo, char *out, size_t cap)
{
    /* In the order of the ILO_* bits. */
    static const char *const names[] = {
        "abuse_of_vulnerability", "deception", "restriction_of_movement", "isolation",
        "physical_and_sexual_violence", "intimidation_and_threats",
        "retention_of_identity_documents", "withholding_of_wages", "debt_bondage",
        "abusive_working_and_living_conditions", "excessive_overtime"};
    size_t i, len = 0;

    if (!out || cap == 0)
        return;
    out[0] = '\0';
    for (i = 0; i < NELEM(names); i++) {
        size_t nl = strlen(names[i]), sep = len ? 1 : 0;
        if (!(ilo & (1u << i)))
            continue;
        if (len + sep + nl >= cap) /* whole names only */
            break;
        if (sep)
            out[len++] = ',';
        memcpy(out + len, names[i], nl);
        len += nl;
        out[len] = '\0';
    }
}

void ind_hits_init(ind_hits_t *h)
{
    memset(h, 0, sizeof(*h));
}

void ind_hits_free(ind_hits_t *h)
{
    if (!h)
        return;
    free(h->hits);
    free(h->records);
    ind_hits_init(h);
}

tw_err_t ind_hits_add(ind_hits_t *h, uint16_t indicator, ind_kind_t kind, uint32_t entity,
                      double strength, double value, double threshold,
                      const ind_record_t *records, uint32_t n)
{
    return add_hit(h, indicator, kind, entity, strength, value, threshold, records, n, n);
}

/* Appends every hit of `src` to `dst`, records moved along. */
static tw_err_t hits_append(ind_hits_t *dst, const ind_hits_t *src)
{
    ind_hit_t *h;
    ind_record_t *r;
    size_t i;

    if (src->n == 0)
        return TW_OK;
    if (!(h = grow_array(dst->hits, &dst->cap, dst->n + src->n, sizeof(*h))))
        return TW_ENOMEM;
    dst->hits = h;
    if (src->nrecords) {
        if (!(r = grow_array(dst->records, &dst->cap_records, dst->nrecords + src->nrecords,
                             sizeof(*r))))
            return TW_ENOMEM;
        dst->records = r;
        memcpy(dst->records + dst->nrecords, src->records, src->nrecords * sizeof(*r));
    }
    for (i = 0; i < src->n; i++) {
        dst->hits[dst->n + i] = src->hits[i];
        dst->hits[dst->n + i].rec_off += (uint32_t)dst->nrecords;
    }
    dst->n += src->n;
    dst->nrecords += src->nrecords;
    return TW_OK;
}

/* The indicators are independent reads of one read-only index: two workers
 * take them from a shared counter, each into its own hit list, and the
 * lists are joined in catalogue order, so the result is the same as one
 * thread's, whatever the timing. */
typedef struct {
    const eng_index_t *ix;
    const config_t *cfg;
    unsigned kinds;
    ind_hits_t part[NELEM(catalogue)];
    tw_err_t err[NELEM(catalogue)];
    size_t next;
    pthread_mutex_t lock;
} compute_job_t;

static void *compute_worker(void *arg)
{
    compute_job_t *job = arg;
    for (;;) {
        size_t i;
        pthread_mutex_lock(&job->lock);
        i = job->next++;
        pthread_mutex_unlock(&job->lock);
        if (i >= NELEM(catalogue))
            return NULL;
        if (!(job->kinds & 1u << catalogue[i].kind) ||
            !config_indicator_enabled(job->cfg, catalogue[i].id))
            continue;
        job->err[i] = catalogue[i].compute(&catalogue[i], (uint16_t)i, job->ix, job->cfg,
                                           &job->part[i]);
    }
}

/* Below this many applications a second thread costs more than it saves
 * (live.c's neighbourhoods, small registers). */
#define PARALLEL_MIN_APPS 50000

tw_err_t ind_compute_all(const eng_index_t *ix, const config_t *cfg, ind_hits_t *out)
{
    return ind_compute_kinds(ix, cfg, ~0u, out);
}

tw_err_t ind_compute_kinds(const eng_index_t *ix, const config_t *cfg, unsigned kinds,
                           ind_hits_t *out)
{
    size_t i, n0 = out->n, r0 = out->nrecords;
    tw_err_t err = TW_OK;
    compute_job_t *job;
    pthread_t thread;
    int threaded = 0;

    if (ix->napps < PARALLEL_MIN_APPS) {
        for (i = 0; i < NELEM(catalogue) && err == TW_OK; i++) {
            if (kinds & 1u << catalogue[i].kind && config_indicator_enabled(cfg, catalogue[i].id))
                err = catalogue[i].compute(&catalogue[i], (uint16_t)i, ix, cfg, out);
        }
        goto out;
    }
    if (!(job = calloc(1, sizeof(*job))))
        return TW_ENOMEM;
    job->ix = ix;
    job->cfg = cfg;
    job->kinds = kinds;
    pthread_mutex_init(&job->lock, NULL);
    if (pthread_create(&thread, NULL, compute_worker, job) == 0)
        threaded = 1;
    compute_worker(job);
    if (threaded)
        pthread_join(thread, NULL);
    for (i = 0; i < NELEM(catalogue); i++) {
        if (err == TW_OK)
            err = job->err[i];
        if (err == TW_OK)
            err = hits_append(out, &job->part[i]);
        ind_hits_free(&job->part[i]);
    }
    pthread_mutex_destroy(&job->lock);
    free(job);
out:
    if (err != TW_OK) { /* a failed run adds nothing */
        out->n = n0;
        out->nrecords = r0;
    }
    return err;
}

/* ---- incremental screening ------------------------------------------------ */

tw_err_t ind_marks_init(ind_marks_t *mk, const eng_index_t *ix)
{
    static const store_entity_t of[IK_COUNT] = {
        [IK_WORKER] = ENT_WORKER, [IK_EMPLOYER] = ENT_EMPLOYER,
        [IK_INTERMEDIARY] = ENT_INTERMEDIARY, [IK_ADDRESS] = ENT_ADDRESS, [IK_PHONE] = ENT_PHONE};
    int k;
    memset(mk, 0, sizeof(*mk));
    for (k = 0; k < IK_COUNT; k++) {
        mk->n[k] = k == IK_APPLICATION ? ix->napps : ix->nentities[of[k]];
        if (!(mk->m[k] = calloc(mk->n[k] ? mk->n[k] : 1, 1))) {
            ind_marks_free(mk);
            return TW_ENOMEM;
        }
    }
    return TW_OK;
}

void ind_marks_free(ind_marks_t *mk)
{
    int k;
    for (k = 0; k < IK_COUNT; k++)
        free(mk->m[k]);
    memset(mk, 0, sizeof(*mk));
}

void ind_mark(ind_marks_t *mk, ind_kind_t kind, uint32_t id)
{
    if (kind < IK_COUNT && id < mk->n[kind] && (id || kind == IK_APPLICATION))
        mk->m[kind][id] = 1;
}

static void mark_app_entities(ind_marks_t *mk, const eng_app_t *a)
{
    ind_mark(mk, IK_WORKER, a->worker);
    ind_mark(mk, IK_EMPLOYER, a->employer);
    ind_mark(mk, IK_INTERMEDIARY, a->intermediary);
    ind_mark(mk, IK_ADDRESS, a->res_addr);
    ind_mark(mk, IK_ADDRESS, a->work_addr);
    ind_mark(mk, IK_PHONE, a->phone);
}

static void mark_report(ind_marks_t *mk, const eng_report_t *r)
{
    ind_mark(mk, IK_EMPLOYER, r->employer);
    ind_mark(mk, IK_ADDRESS, r->address);
    ind_mark(mk, IK_PHONE, r->phone);
}

static int cmp_u64_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* employer_peer_anomaly reads the employer's whole peer group: a changed
 * application marks every employer of the groups it, its old version and
 * its employer belong to (everything when there is no memory for it). */
static void dirty_peer_groups(const eng_index_t *ix, ind_marks_t *mk)
{
    const eng_delta_t *d = &ix->delta;
    const eng_postings_t *P = &ix->apps_by_employer;
    uint32_t i, k, g1, g0;
    size_t n = (size_t)d->nrecs[ENG_PERMITS] + d->nold_apps, nk = 0;
    uint64_t *keys = malloc((4 * n + 1) * sizeof(*keys));

    if (n == 0 || !P->off)
        goto out;
    if (!keys) {
        memset(mk->m[IK_EMPLOYER], 1, mk->n[IK_EMPLOYER]);
        goto out;
    }
    for (i = 0; i < n; i++) {
        const eng_app_t *a = i < d->nrecs[ENG_PERMITS] ? &ix->apps[d->recs[ENG_PERMITS][i]]
                                                       : &d->old_apps[i - d->nrecs[ENG_PERMITS]];
        keys[nk++] = (uint32_t)a->sector << 8 | a->work_region;
        keys[nk++] = (uint32_t)a->sector << 8 | 0xff;
        emp_keys(ix, ent(a->employer, P->n), &g1, &g0);
        if (g1) {
            keys[nk++] = g1;
            keys[nk++] = g0;
        }
    }
    qsort(keys, nk, sizeof(*keys), cmp_u64_key);
    for (k = 1; k < P->n; k++) {
        emp_keys(ix, k, &g1, &g0);
        if (g1 && (bsearch(&(uint64_t){g1}, keys, nk, sizeof(*keys), cmp_u64_key) ||
                   bsearch(&(uint64_t){g0}, keys, nk, sizeof(*keys), cmp_u64_key)))
            ind_mark(mk, IK_EMPLOYER, k);
    }
out:
    free(keys);
}

void ind_dirty(const eng_index_t *ix, const config_t *cfg, int32_t old_horizon,
               ind_marks_t *mk)
{
    const eng_delta_t *d = &ix->delta;
    unsigned char *crossed = calloc(mk->n[IK_WORKER] ? mk->n[IK_WORKER] : 1, 1);
    uint64_t *groups = malloc(((size_t)d->nrecs[ENG_PERMITS] + d->nold_apps + 1) *
                              sizeof(*groups));
    size_t ng = 0;
    uint32_t i;

    if (!crossed || !groups) {
        /* no memory for the fine rules: everything is dirty */
        for (i = 0; i < IK_COUNT; i++)
            memset(mk->m[i], 1, mk->n[i]);
        free(crossed);
        free(groups);
        return;
    }
    /* records and the versions they replaced: what they name */
    for (i = 0; i < d->nrecs[ENG_PERMITS]; i++) {
        const eng_app_t *a = &ix->apps[d->recs[ENG_PERMITS][i]];
        ind_mark(mk, IK_APPLICATION, d->recs[ENG_PERMITS][i]);
        mark_app_entities(mk, a);
        if ((groups[ng] = peer_group(a)) != 0)
            ng++;
    }
    for (i = 0; i < d->nold_apps; i++) {
        mark_app_entities(mk, &d->old_apps[i]);
        if ((groups[ng] = peer_group(&d->old_apps[i])) != 0)
            ng++;
    }
    for (i = 0; i < d->nrecs[ENG_CROSSINGS]; i++) {
        uint32_t w = ix->crossings[d->recs[ENG_CROSSINGS][i]].worker;
        ind_mark(mk, IK_WORKER, w);
        if (w < mk->n[IK_WORKER])
            crossed[w] = 1;
    }
    for (i = 0; i < d->nold_crossings; i++) {
        uint32_t w = d->old_crossings[i].worker;
        ind_mark(mk, IK_WORKER, w);
        if (w < mk->n[IK_WORKER])
            crossed[w] = 1;
    }
    for (i = 0; i < d->nrecs[ENG_INSPECTIONS]; i++)
        ind_mark(mk, IK_EMPLOYER, ix->inspections[d->recs[ENG_INSPECTIONS][i]].employer);
    for (i = 0; i < d->nold_inspections; i++)
        ind_mark(mk, IK_EMPLOYER, d->old_inspections[i].employer);
    for (i = 0; i < d->nrecs[ENG_REPORTS]; i++)
        mark_report(mk, &ix->reports[d->recs[ENG_REPORTS][i]]);
    for (i = 0; i < d->nold_reports; i++)
        mark_report(mk, &d->old_reports[i]);
    qsort(groups, ng, sizeof(*groups), cmp_u64_key);

    {
        int32_t grace = param_days(&ind_catalogue(NULL)[ind_find("never_entered")], cfg,
                                   "grace_days", 90, 0, 1000000);
        int32_t h0 = old_horizon, h1 = ix->horizon, lo, hi;
        /* the first crossings ever: never_entered starts to speak */
        int all = d->nrecs[ENG_CROSSINGS] >= ix->ncrossings && ix->ncrossings > 0;
        if (h0 == ENG_NODAY)
            h0 = h1;
        lo = h0 < h1 ? h0 : h1;
        hi = h0 < h1 ? h1 : h0;
        for (i = 0; i < ix->napps; i++) {
            const eng_app_t *a = &ix->apps[i];
            uint64_t g;
            /* never_entered reads the worker's crossings and the horizon */
            if (a->worker < mk->n[IK_WORKER] && crossed[a->worker])
                ind_mark(mk, IK_APPLICATION, i);
            if (a->decision == ENG_APPROVED && a->valid_from != ENG_NODAY && hi != ENG_NODAY &&
                (all || (h0 != h1 && (int64_t)hi - a->valid_from >= grace &&
                         (int64_t)lo - a->valid_from <= 2 * (int64_t)grace)))
                ind_mark(mk, IK_APPLICATION, i);
            /* wage_far_below_peers reads the whole peer group */
            if (ng && (g = peer_group(a)) != 0 &&
                bsearch(&g, groups, ng, sizeof(g), cmp_u64_key))
                ind_mark(mk, IK_APPLICATION, i);
        }
    }
    if (config_indicator_enabled(cfg, "employer_peer_anomaly"))
        dirty_peer_groups(ix, mk);
    {
        /* a relative threshold reads its whole group of the register: any
         * changed application may move it, so everything it judges is
         * screened again (coarse, and only when one is set) */
        int k, changed = d->nrecs[ENG_PERMITS] + d->nold_apps > 0;
        for (k = 0; k < REL_NKINDS && changed; k++) {
            double pct;
            unsigned dims;
            ind_kind_t kk = ind_catalogue(NULL)[ind_find(rel_ind[k])].kind;
            if (config_indicator_rel(cfg, rel_ind[k], rel_param[k], &pct, &dims))
                memset(mk->m[kk], 1, mk->n[kk]);
        }
    }
    if (ix->worker_rep) {
        /* Persons (engine.h): a later `tipwatch link` can move records
         * between the documents of a person without any record changing,
         * so every worker of a person with several documents (and its
         * applications: never_entered reads the person's crossings) and
         * every worker a report names is screened again. Few workers have
         * several documents. A split leaves no worker with another
         * document to find here: the link run queues the workers it
         * changed, and screen.c marks them (persons_changed_workers). */
        uint32_t nw = mk->n[IK_WORKER] < ix->nentities[ENT_WORKER] ? mk->n[IK_WORKER]
                                                                    : ix->nentities[ENT_WORKER];
        memset(crossed, 0, mk->n[IK_WORKER] ? mk->n[IK_WORKER] : 1);
        for (i = 1; i < nw; i++) {
            uint32_t r = ix->worker_rep[i];
            if (r != i && r < nw) {
                crossed[i] = crossed[r] = 1;
                ind_mark(mk, IK_WORKER, i);
                ind_mark(mk, IK_WORKER, r);
            }
        }
        for (i = 0; i < ix->napps; i++)
            if (ix->apps[i].worker < nw && crossed[ix->apps[i].worker])
                ind_mark(mk, IK_APPLICATION, i);
        for (i = 0; i < ix->nreports; i++)
            ind_mark(mk, IK_WORKER, ix->reports[i].worker);
    }
    free(crossed);
    free(groups);
}

size_t ind_hit_detail(const ind_hit_t *h, char *out, size_t cap)
{
    size_t len = 0;
    int f, n = 0;
    if (cap)
        out[0] = '\0';
    if (h->indicator >= catalogue_len())
        return 0;
    if (h->aux & REL_AUX) { /* a relative threshold: which percentile, its value */
        static const char *const dn[3] = {"sector", "region", "year"};
        unsigned dims = (h->aux >> 14) & 7u, k;
        int w = 0, kind;
        for (kind = 0; kind < REL_NKINDS; kind++)
            if (strcmp(ind_catalogue(NULL)[h->indicator].id, rel_ind[kind]) == 0)
                break;
        if (kind == REL_NKINDS)
            return 0;
        w = snprintf(out, cap, "threshold (%s) = %sp%g of the register's %s", rel_param[kind],
                     kind == REL_HEADCOUNT ? "declared headcount x " : "",
                     (double)(h->aux & 0x3fffu) / 100, rel_what[kind]);
        for (k = 0, n = 0; k < 3 && w >= 0 && (size_t)w < cap; k++)
            if (dims & (1u << k))
                w += snprintf(out + w, cap - (size_t)w, "%s%s", n++ ? ", " : " within its ",
                              dn[k]);
        if (w >= 0 && (size_t)w < cap)
            w += snprintf(out + w, cap - (size_t)w, ": %g", h->threshold);
        return w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap ? cap - 1 : 0;
    }
    if (strcmp(ind_catalogue(NULL)[h->indicator].id, "employer_peer_anomaly") != 0)
        return 0;
    for (f = 0; f < PF_N; f++) {
        double z = (double)((h->aux >> (6 * f)) & 63) / 4;
        int w;
        if (z <= 0)
            continue;
        w = snprintf(out + len, cap > len ? cap - len : 0, "%s%s %.2f robust z %s its peers",
                     n++ ? "; " : "", pf_name[f], z, pf_sign[f] < 0 ? "below" : "above");
        if (w < 0)
            break;
        len += (size_t)w;
    }
    if (n == 0)
        len = (size_t)snprintf(out, cap, "no feature above its peers");
    return len < cap ? len : cap ? cap - 1 : 0;
}
