/*
 * score.c - hits to per-entity scores (formula and invariants in score.h).
 *
 * Data flow: roll application hits up to their employers and
 * intermediaries (one sort of (owner, indicator, application) tuples), roll
 * what applications, residences, phones and employers carry down to the
 * workers, then group every hit, original or rolled,
 * by (entity kind, entity) with one sort of references, then score each
 * group and rank its hits by contribution. Allocation is per call, not per
 * hit: a handful of flat arrays sized by the number of hits. The three
 * large sorts run on two threads (psort); everything else on the caller's.
 */
#include "engine/score.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *score_level_name(score_level_t l)
{
    switch (l) {
    case LEVEL_LOW: return "low";
    case LEVEL_MEDIUM: return "medium";
    case LEVEL_HIGH: return "high";
    default: return "none";
    }
}

double score_prior(const config_t *cfg, ind_kind_t kind)
{
    char key[32];
    double prior = config_score(cfg, "prior", -4.0);
    if (kind >= IK_COUNT)
        return prior;
    snprintf(key, sizeof(key), "prior_%s", ind_kind_name(kind));
    return config_score(cfg, key, prior);
}

const ind_hit_t *score_hit(const score_result_t *r, const ind_hits_t *hits, uint32_t ref)
{
    return ref < hits->n ? &hits->hits[ref] : &r->rolled.hits[ref - hits->n];
}

/* ---- sorting on both cores ------------------------------------------------
 * The sorts of hits and entities are most of a screening's scoring time.
 * Above PSORT_MIN elements the first half is sorted on a second thread
 * while this one sorts the other, then the halves are merged. Every
 * comparison used here is a total order (ties broken down to a unique
 * key, or equal elements identical), so the result is the one qsort()
 * gives. */
#define PSORT_MIN 65536

typedef struct {
    void *base;
    size_t n, size;
    int (*cmp)(const void *, const void *);
} psort_half_t;

static void *psort_half(void *arg)
{
    psort_half_t *h = arg;
    qsort(h->base, h->n, h->size, h->cmp);
    return NULL;
}

static void psort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    psort_half_t first = {base, n / 2, size, cmp};
    char *tmp, *a, *b, *ae, *be, *o;
    pthread_t t;

    if (n < PSORT_MIN || !(tmp = malloc(n * size))) {
        qsort(base, n, size, cmp);
        return;
    }
    if (pthread_create(&t, NULL, psort_half, &first) != 0) {
        free(tmp);
        qsort(base, n, size, cmp);
        return;
    }
    qsort((char *)base + first.n * size, n - first.n, size, cmp);
    pthread_join(t, NULL);
    a = base;
    ae = a + first.n * size;
    b = ae;
    be = (char *)base + n * size;
    for (o = tmp; a < ae && b < be; o += size) {
        if (cmp(b, a) < 0) {
            memcpy(o, b, size);
            b += size;
        } else {
            memcpy(o, a, size);
            a += size;
        }
    }
    memcpy(o, a, (size_t)(ae - a));
    o += ae - a;
    memcpy(o, b, (size_t)(be - b));
    memcpy(base, tmp, n * size);
    free(tmp);
}

static int live(const eng_app_t *a)
{
    return a->decision != ENG_REJECTED && a->decision != ENG_WITHDRAWN;
}

/* CSR of hit references by entity: off[e]..off[e+1] in items, for the hits
 * of one entity kind; with `evidence_only` vulnerability traits are left out
 * (an employer's traits are kept: a worker carries them as multipliers, and
 * they still raise nothing alone). */
static int picked(const ind_hit_t *h, const ind_def_t *cat, ind_kind_t kind, int evidence_only)
{
    return h->kind == kind && !(evidence_only && cat[h->indicator].vulnerability);
}

static tw_err_t bucket(const ind_hits_t *hits, const ind_hits_t *rolled, uint32_t nkeys,
                       ind_kind_t kind, int evidence_only, const ind_def_t *cat,
                       uint32_t **off_out, uint32_t **items_out)
{
    size_t total = hits->n + (rolled ? rolled->n : 0), i;
    uint32_t *off = calloc((size_t)nkeys + 1, sizeof(*off)), *items, *fill, e;

    items = malloc((total ? total : 1) * sizeof(*items));
    fill = malloc(((size_t)nkeys + 1) * sizeof(*fill));
    if (!off || !items || !fill) {
        free(off);
        free(items);
        free(fill);
        return TW_ENOMEM;
    }
    for (i = 0; i < total; i++) {
        const ind_hit_t *h = i < hits->n ? &hits->hits[i] : &rolled->hits[i - hits->n];
        if (picked(h, cat, kind, evidence_only) && h->entity < nkeys)
            off[h->entity + 1]++;
    }
    for (e = 0; e < nkeys; e++)
        off[e + 1] += off[e];
    memcpy(fill, off, (size_t)nkeys * sizeof(*fill));
    for (i = 0; i < total; i++) {
        const ind_hit_t *h = i < hits->n ? &hits->hits[i] : &rolled->hits[i - hits->n];
        if (picked(h, cat, kind, evidence_only) && h->entity < nkeys)
            items[fill[h->entity]++] = (uint32_t)i;
    }
    free(fill);
    *off_out = off;
    *items_out = items;
    return TW_OK;
}

/* The native evidence an application carries into propagation: its own
 * hits and, for the worker it names, those of the worker's residence
 * address and phone (one hop in the entity graph). */
typedef struct {
    uint32_t *app_off, *app_items, napp;
    uint32_t *addr_off, *addr_items, naddr;
    uint32_t *ph_off, *ph_items, nph;
    uint32_t cap; /* the most references one application can carry */
} sources_t;

static void sources_free(sources_t *s)
{
    free(s->app_off);
    free(s->app_items);
    free(s->addr_off);
    free(s->addr_items);
    free(s->ph_off);
    free(s->ph_items);
    memset(s, 0, sizeof(*s));
}

static uint32_t widest(const uint32_t *off, uint32_t n)
{
    uint32_t k, w = 0;
    for (k = 0; k < n; k++)
        if (off[k + 1] - off[k] > w)
            w = off[k + 1] - off[k];
    return w;
}

static tw_err_t sources_build(const eng_index_t *ix, const ind_hits_t *hits,
                              const ind_def_t *cat, sources_t *s)
{
    tw_err_t err;
    memset(s, 0, sizeof(*s));
    s->napp = ix->napps;
    s->naddr = ix->nentities[ENT_ADDRESS];
    s->nph = ix->nentities[ENT_PHONE];
    if ((err = bucket(hits, NULL, s->napp, IK_APPLICATION, 1, cat, &s->app_off, &s->app_items)) ||
        (err = bucket(hits, NULL, s->naddr, IK_ADDRESS, 1, cat, &s->addr_off, &s->addr_items)) ||
        (err = bucket(hits, NULL, s->nph, IK_PHONE, 1, cat, &s->ph_off, &s->ph_items))) {
        sources_free(s);
        return err;
    }
    s->cap = widest(s->app_off, s->napp) + widest(s->addr_off, s->naddr) +
             widest(s->ph_off, s->nph) + 1;
    return TW_OK;
}

/* References to the hits application `a` carries, into out (s->cap room):
 * its own, and with `person` those of the worker's residence and phone. */
static uint32_t app_refs(const sources_t *s, const eng_app_t *ap, uint32_t a, int person,
                         uint32_t *out)
{
    uint32_t n = 0, q;
    for (q = s->app_off[a]; q < s->app_off[a + 1]; q++)
        out[n++] = s->app_items[q];
    if (!person)
        return n;
    if (ap->res_addr && ap->res_addr < s->naddr)
        for (q = s->addr_off[ap->res_addr]; q < s->addr_off[ap->res_addr + 1]; q++)
            out[n++] = s->addr_items[q];
    if (ap->phone && ap->phone < s->nph)
        for (q = s->ph_off[ap->phone]; q < s->ph_off[ap->phone + 1]; q++)
            out[n++] = s->ph_items[q];
    return n;
}

typedef struct {
    uint16_t indicator;
    uint8_t kind;    /* IK_EMPLOYER or IK_INTERMEDIARY */
    uint32_t owner;
    uint32_t app;
} rollpair_t;

static int cmp_rollpair(const void *a, const void *b)
{
    const rollpair_t *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->owner != y->owner)
        return x->owner < y->owner ? -1 : 1;
    if (x->indicator != y->indicator)
        return x->indicator < y->indicator ? -1 : 1;
    return x->app < y->app ? -1 : x->app > y->app;
}

static tw_err_t push_pair(rollpair_t **pairs, size_t *n, size_t *cap, uint16_t ind,
                          uint8_t kind, uint32_t owner, uint32_t app)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        rollpair_t *p = realloc(*pairs, nc * sizeof(*p));
        if (!p)
            return TW_ENOMEM;
        *pairs = p;
        *cap = nc;
    }
    (*pairs)[*n].indicator = ind;
    (*pairs)[*n].kind = kind;
    (*pairs)[*n].owner = owner;
    (*pairs)[*n].app = app;
    (*n)++;
    return TW_OK;
}

/* Roll-up: for each application-level evidence indicator, the share of an
 * employer's (and an intermediary's) live applications hit, once at least
 * rollup_min_applications are (invariant 2). Address and phone evidence is
 * not rolled up: a report naming an employer's workplace usually names the
 * employer too, and counting it twice is what made employer alerts noisy. */
static tw_err_t roll_up(const eng_index_t *ix, const ind_hits_t *hits, const sources_t *src,
                        const config_t *cfg, const ind_marks_t *only, ind_hits_t *rolled)
{
    size_t n = 0, cap = 0, i, j;
    double min_apps = config_score(cfg, "rollup_min_applications", 2);
    rollpair_t *pairs = NULL;
    uint32_t *refs = malloc(src->cap * sizeof(*refs)), a;
    ind_record_t recs[IND_MAX_RECORDS];
    tw_err_t err = TW_OK;

    if (!refs)
        return TW_ENOMEM;
    for (a = 0; a < ix->napps && !err; a++) {
        const eng_app_t *ap = &ix->apps[a];
        uint32_t nr, r;
        if (!live(ap))
            continue;
        nr = app_refs(src, ap, a, 0, refs);
        for (r = 0; r < nr && !err; r++) {
            uint16_t ind = hits->hits[refs[r]].indicator;
            if (ap->employer && ap->employer < ix->apps_by_employer.n &&
                (!only || ind_marked(only, IK_EMPLOYER, ap->employer)))
                err = push_pair(&pairs, &n, &cap, ind, IK_EMPLOYER, ap->employer, a);
            if (!err && ap->intermediary && ap->intermediary < ix->apps_by_intermediary.n &&
                (!only || ind_marked(only, IK_INTERMEDIARY, ap->intermediary)))
                err = push_pair(&pairs, &n, &cap, ind, IK_INTERMEDIARY, ap->intermediary, a);
        }
    }
    free(refs);
    if (err) {
        free(pairs);
        return err;
    }
    if (n)
        psort(pairs, n, sizeof(*pairs), cmp_rollpair);
    for (i = 0; i < n; i = j) {
        const eng_postings_t *p = pairs[i].kind == IK_EMPLOYER ? &ix->apps_by_employer
                                                               : &ix->apps_by_intermediary;
        uint32_t owner = pairs[i].owner, hit = 0, total = 0, k, nrec = 0, prev = UINT32_MAX;
        for (j = i; j < n && pairs[j].kind == pairs[i].kind && pairs[j].owner == owner &&
                    pairs[j].indicator == pairs[i].indicator;
             j++) {
            if (pairs[j].app == prev)
                continue; /* one application counts once */
            prev = pairs[j].app;
            hit++;
            if (nrec < IND_MAX_RECORDS) {
                recs[nrec].kind = IR_APPLICATION;
                recs[nrec].index = pairs[j].app;
                nrec++;
            }
        }
        if ((double)hit < min_apps)
            continue;
        for (k = p->off[owner]; k < p->off[owner + 1]; k++)
            total += live(&ix->apps[p->items[k]]);
        if (total == 0)
            continue;
        err = ind_hits_add(rolled, pairs[i].indicator, (ind_kind_t)pairs[i].kind, owner,
                           hit >= total ? 1.0 : (double)hit / total, hit, total, recs, nrec);
        if (err)
            break;
        rolled->hits[rolled->n - 1].nrecords_total = hit;
    }
    free(pairs);
    return err;
}

/* Roll-down to workers: a worker receives, for each indicator, the
 * strongest hit among what its live applications carry (their own hits and
 * those of the addresses and phone they name) and their employers' hits
 * (native or rolled up; an employer's vulnerability traits come along as
 * multipliers), so the people inside a scheme are found even when their own
 * application looks clean. Max, not sum, so one signal seen twice counts
 * once (invariant 4). */
static tw_err_t roll_down(const eng_index_t *ix, const ind_hits_t *hits, const sources_t *src,
                          const ind_marks_t *only, ind_hits_t *rolled)
{
    size_t ncat, before = rolled->n;
    const ind_def_t *cat = ind_catalogue(&ncat);
    uint32_t *emp_off = NULL, *emp_items = NULL, *refs = NULL;
    uint32_t *best = NULL, *touched = NULL, ntouched, w, k;
    ind_record_t *recs = NULL;
    uint32_t *nrec = NULL;
    ind_hits_t snapshot;
    tw_err_t err;

    /* the employer roll-ups made so far are part of the employer evidence */
    snapshot = *rolled;
    snapshot.n = before;
    if ((err = bucket(hits, &snapshot, ix->nentities[ENT_EMPLOYER], IK_EMPLOYER, 0, cat,
                      &emp_off, &emp_items)))
        goto out;
    best = malloc((ncat ? ncat : 1) * sizeof(*best));
    touched = malloc((ncat ? ncat : 1) * sizeof(*touched));
    nrec = calloc(ncat ? ncat : 1, sizeof(*nrec));
    recs = malloc((ncat ? ncat : 1) * IND_MAX_RECORDS * sizeof(*recs));
    refs = malloc(((size_t)src->cap + widest(emp_off, ix->nentities[ENT_EMPLOYER])) *
                  sizeof(*refs));
    if (!best || !touched || !nrec || !recs || !refs) {
        err = TW_ENOMEM;
        goto out;
    }
    for (k = 0; k < ncat; k++)
        best[k] = UINT32_MAX;
    for (w = 1; w < ix->apps_by_worker.n; w++) {
        uint32_t p;
        if (only && !ind_marked(only, IK_WORKER, w))
            continue;
        ntouched = 0;
        for (p = ix->apps_by_worker.off[w]; p < ix->apps_by_worker.off[w + 1]; p++) {
            uint32_t a = ix->apps_by_worker.items[p], emp = ix->apps[a].employer, q, nr;
            if (!live(&ix->apps[a]))
                continue;
            if (emp >= ix->nentities[ENT_EMPLOYER])
                emp = 0; /* outside the index: no employer evidence */
            nr = app_refs(src, &ix->apps[a], a, 1, refs);
            if (emp)
                for (q = emp_off[emp]; q < emp_off[emp + 1]; q++)
                    refs[nr++] = emp_items[q];
            for (q = 0; q < nr; q++) {
                uint32_t ref = refs[q];
                /* rolled->hits, not snapshot.hits: adding worker hits may
                 * move the array; the first `before` entries keep their
                 * values */
                const ind_hit_t *h = ref < hits->n ? &hits->hits[ref]
                                                   : &rolled->hits[ref - hits->n];
                const ind_hit_t *cur;
                k = h->indicator;
                if (best[k] == UINT32_MAX)
                    touched[ntouched++] = k;
                cur = best[k] == UINT32_MAX ? NULL
                      : best[k] < hits->n   ? &hits->hits[best[k]]
                                            : &rolled->hits[best[k] - hits->n];
                if (!cur || h->strength > cur->strength)
                    best[k] = ref;
                if (nrec[k] < IND_MAX_RECORDS &&
                    (nrec[k] == 0 || recs[k * IND_MAX_RECORDS + nrec[k] - 1].index != a)) {
                    recs[k * IND_MAX_RECORDS + nrec[k]].kind = IR_APPLICATION;
                    recs[k * IND_MAX_RECORDS + nrec[k]].index = a;
                    nrec[k]++;
                }
            }
        }
        for (p = 0; p < ntouched; p++) {
            const ind_hit_t *h;
            k = touched[p];
            h = best[k] < hits->n ? &hits->hits[best[k]] : &rolled->hits[best[k] - hits->n];
            if ((err = ind_hits_add(rolled, (uint16_t)k, IK_WORKER, w, h->strength, h->value,
                                    h->threshold, &recs[k * IND_MAX_RECORDS], nrec[k])) !=
                TW_OK)
                goto out;
            best[k] = UINT32_MAX;
            nrec[k] = 0;
        }
    }
out:
    free(emp_off);
    free(emp_items);
    free(best);
    free(touched);
    free(nrec);
    free(recs);
    free(refs);
    return err;
}

typedef struct {
    uint8_t kind;
    uint32_t entity;
    uint32_t ref;
} ref_t;

static int cmp_ref(const void *a, const void *b)
{
    const ref_t *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->entity != y->entity)
        return x->entity < y->entity ? -1 : 1;
    return x->ref < y->ref ? -1 : x->ref > y->ref;
}

static int cmp_entity_score(const void *a, const void *b)
{
    const score_entity_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->entity < y->entity ? -1 : x->entity > y->entity;
}

/* Sorts order/contribution of one entity by contribution, largest first
 * (insertion sort: an entity has a handful of hits). */
static void rank(uint32_t *order, double *contrib, unsigned char *sup, uint32_t n)
{
    uint32_t i, j;
    for (i = 1; i < n; i++) {
        uint32_t o = order[i];
        double c = contrib[i];
        unsigned char s = sup[i];
        for (j = i; j > 0 && contrib[j - 1] < c; j--) {
            order[j] = order[j - 1];
            contrib[j] = contrib[j - 1];
            sup[j] = sup[j - 1];
        }
        order[j] = o;
        contrib[j] = c;
        sup[j] = s;
    }
}

static int cmp_sup(const void *x, const void *y)
{
    const score_suppression_t *a = x, *b = y;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->entity != b->entity)
        return a->entity < b->entity ? -1 : 1;
    return a->indicator < b->indicator ? -1 : a->indicator > b->indicator;
}

void score_sort_suppressions(score_suppressions_t *sup)
{
    if (sup && sup->n)
        qsort(sup->items, sup->n, sizeof(*sup->items), cmp_sup);
}

static int is_suppressed(const score_suppressions_t *sup, uint8_t kind, uint32_t entity,
                         uint16_t indicator)
{
    score_suppression_t key = {kind, entity, indicator};
    return sup && sup->n &&
           bsearch(&key, sup->items, sup->n, sizeof(key), cmp_sup) != NULL;
}

tw_err_t score_compute(const eng_index_t *ix, const ind_hits_t *hits, const config_t *cfg,
                       score_result_t *out)
{
    return score_compute_suppressed(ix, hits, cfg, NULL, out);
}

static tw_err_t compute(const eng_index_t *ix, const ind_hits_t *hits, const config_t *cfg,
                        const score_suppressions_t *sup, const ind_marks_t *only,
                        score_result_t *out);

tw_err_t score_compute_suppressed(const eng_index_t *ix, const ind_hits_t *hits,
                                  const config_t *cfg, const score_suppressions_t *sup,
                                  score_result_t *out)
{
    return compute(ix, hits, cfg, sup, NULL, out);
}

tw_err_t score_compute_only(const eng_index_t *ix, const ind_hits_t *hits, const config_t *cfg,
                            const ind_marks_t *only, score_result_t *out)
{
    ind_marks_t need;
    uint32_t w, p;
    int k;
    tw_err_t err;

    /* what the marked entities read: a marked worker's roll-down reads the
     * roll-ups of the employers of its applications */
    memset(&need, 0, sizeof(need));
    if ((err = ind_marks_init(&need, ix)) != TW_OK)
        return err;
    for (k = 0; k < IK_COUNT; k++)
        if (only->n[k] && need.n[k])
            memcpy(need.m[k], only->m[k], only->n[k] < need.n[k] ? only->n[k] : need.n[k]);
    for (w = 1; w < ix->apps_by_worker.n; w++) {
        if (!ind_marked(only, IK_WORKER, w))
            continue;
        for (p = ix->apps_by_worker.off[w]; p < ix->apps_by_worker.off[w + 1]; p++)
            ind_mark(&need, IK_EMPLOYER, ix->apps[ix->apps_by_worker.items[p]].employer);
    }
    err = compute(ix, hits, cfg, NULL, &need, out);
    ind_marks_free(&need);
    return err;
}

static tw_err_t compute(const eng_index_t *ix, const ind_hits_t *hits, const config_t *cfg,
                        const score_suppressions_t *sup, const ind_marks_t *only,
                        score_result_t *out)
{
    size_t ncat, total, i, j, ne = 0;
    const ind_def_t *cat = ind_catalogue(&ncat);
    double prior = config_score(cfg, "prior", -4.0);
    double vmax = config_score(cfg, "vulnerability_max_factor", 1.5);
    double rollw = config_score(cfg, "rollup_weight", 1.0);
    double lo = config_level_low(cfg), mid = config_level_medium(cfg),
           hi = config_level_high(cfg);
    double *weight = NULL, *factor = NULL, *kweight = NULL, kprior[IK_COUNT];
    ref_t *refs = NULL;
    const config_t *defaults = config_builtin();
    sources_t src;
    tw_err_t err;

    memset(out, 0, sizeof(*out));
    ind_hits_init(&out->rolled);
    /* a weight the config does not set is the built-in one, not 1 */
    if (!defaults) {
        err = TW_ENOMEM;
        goto fail;
    }
    if ((err = sources_build(ix, hits, cat, &src)) != TW_OK)
        goto fail;
    err = roll_up(ix, hits, &src, cfg, only, &out->rolled);
    if (err == TW_OK)
        err = roll_down(ix, hits, &src, only, &out->rolled);
    sources_free(&src);
    if (err != TW_OK)
        goto fail;
    total = hits->n + out->rolled.n;
    weight = malloc((ncat ? ncat : 1) * sizeof(*weight));
    kweight = malloc((ncat ? ncat : 1) * IK_COUNT * sizeof(*kweight));
    factor = malloc((ncat ? ncat : 1) * sizeof(*factor));
    refs = malloc((total ? total : 1) * sizeof(*refs));
    out->order = malloc((total ? total : 1) * sizeof(*out->order));
    out->contribution = malloc((total ? total : 1) * sizeof(*out->contribution));
    out->suppressed = calloc(total ? total : 1, sizeof(*out->suppressed));
    out->ents = malloc((total ? total : 1) * sizeof(*out->ents));
    if (!weight || !kweight || !factor || !refs || !out->order || !out->contribution || !out->ents ||
        !out->suppressed) {
        err = TW_ENOMEM;
        goto fail;
    }
    for (i = 0; i < ncat; i++) {
        weight[i] = config_indicator_param(
            cfg, cat[i].id, "weight", config_indicator_param(defaults, cat[i].id, "weight", 1.0));
        factor[i] = config_indicator_param(
            cfg, cat[i].id, "factor", config_indicator_param(defaults, cat[i].id, "factor", 1.3));
        if (weight[i] < 0)
            weight[i] = 0;
        if (factor[i] < 1)
            factor[i] = 1;
        if (factor[i] > vmax)
            factor[i] = vmax;
    }
    /* per kind of entity (weight_KIND, [score] prior_KIND: calibrate.c);
     * absent, the indicator's weight and the common prior */
    for (i = 0; i < IK_COUNT; i++) {
        char key[32];
        kprior[i] = score_prior(cfg, (ind_kind_t)i);
        snprintf(key, sizeof(key), "weight_%s", ind_kind_name((ind_kind_t)i));
        for (j = 0; j < ncat; j++) {
            double w = config_indicator_param(cfg, cat[j].id, key, weight[j]);
            kweight[i * ncat + j] = w < 0 ? 0 : w;
        }
    }
    for (i = j = 0; i < total; i++) {
        const ind_hit_t *h = score_hit(out, hits, (uint32_t)i);
        if (only && !ind_marked(only, (ind_kind_t)h->kind, h->entity))
            continue;
        refs[j].kind = h->kind;
        refs[j].entity = h->entity;
        refs[j].ref = (uint32_t)i;
        j++;
    }
    total = j;
    psort(refs, total, sizeof(*refs), cmp_ref);

    for (i = 0; i < total; i = j) {
        score_entity_t *se = &out->ents[ne];
        double evidence = 0, v = 1;
        uint32_t k;

        for (j = i; j < total && refs[j].kind == refs[i].kind && refs[j].entity == refs[i].entity;
             j++)
            ;
        se->kind = refs[i].kind;
        se->entity = refs[i].entity;
        se->first = (uint32_t)i;
        se->nhits = (uint32_t)(j - i);
        for (k = (uint32_t)i; k < j; k++) {
            const ind_hit_t *h = score_hit(out, hits, refs[k].ref);
            if (cat[h->indicator].vulnerability &&
                !is_suppressed(sup, se->kind, se->entity, h->indicator)) {
                if (factor[h->indicator] > v)
                    v = factor[h->indicator];
            }
        }
        for (k = (uint32_t)i; k < j; k++) {
            const ind_hit_t *h = score_hit(out, hits, refs[k].ref);
            double c = 0;
            out->suppressed[k] = (unsigned char)is_suppressed(sup, se->kind, se->entity,
                                                              h->indicator);
            if (!cat[h->indicator].vulnerability && !out->suppressed[k])
                c = kweight[(size_t)se->kind * ncat + h->indicator] * h->strength *
                    (refs[k].ref >= hits->n ? rollw : 1.0);
            evidence += c;
            out->order[k] = refs[k].ref;
            out->contribution[k] = c;
        }
        if (evidence <= 0)
            v = 1; /* a trait alone raises nothing (invariant 1) */
        for (k = (uint32_t)i; k < j; k++)
            out->contribution[k] *= v;
        se->vulnerability = v;
        se->logit = (se->kind < IK_COUNT ? kprior[se->kind] : prior) + evidence * v;
        se->score = 100.0 / (1.0 + exp(-se->logit));
        se->level = se->score >= hi    ? LEVEL_HIGH
                    : se->score >= mid ? LEVEL_MEDIUM
                    : se->score >= lo  ? LEVEL_LOW
                                       : LEVEL_NONE;
        rank(out->order + i, out->contribution + i, out->suppressed + i, se->nhits);
        ne++;
    }
    out->n = ne;
    out->norder = total;
    psort(out->ents, ne, sizeof(*out->ents), cmp_entity_score);
    free(weight);
    free(kweight);
    free(factor);
    free(refs);
    return TW_OK;
fail:
    free(weight);
    free(kweight);
    free(factor);
    free(refs);
    score_free(out);
    return err;
}

void score_free(score_result_t *r)
{
    free(r->ents);
    free(r->order);
    free(r->contribution);
    free(r->suppressed);
    ind_hits_free(&r->rolled);
    memset(r, 0, sizeof(*r));
}

void score_dirty(const eng_index_t *ix, ind_marks_t *mk)
{
    uint32_t i;
    /* roll-up: application -> employer, intermediary */
    for (i = 0; i < ix->napps; i++) {
        if (!ind_marked(mk, IK_APPLICATION, i))
            continue;
        ind_mark(mk, IK_EMPLOYER, ix->apps[i].employer);
        ind_mark(mk, IK_INTERMEDIARY, ix->apps[i].intermediary);
    }
    /* roll-down: application, residence, phone, employer -> worker */
    for (i = 0; i < ix->napps; i++) {
        const eng_app_t *a = &ix->apps[i];
        if (ind_marked(mk, IK_APPLICATION, i) || ind_marked(mk, IK_ADDRESS, a->res_addr) ||
            ind_marked(mk, IK_PHONE, a->phone) || ind_marked(mk, IK_EMPLOYER, a->employer))
            ind_mark(mk, IK_WORKER, a->worker);
    }
}
