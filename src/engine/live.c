/*
 * live.c - one application scored against a warm index (contract in
 * live.h, design in docs/internals/engine.md, "Live scoring").
 *
 * live_score() copies the application's neighbourhood out of the full
 * index into a small eng_index_t of its own, with entity ids renumbered
 * densely from 1 (so that the indicators' per-entity arrays are sized by
 * the neighbourhood, not by the register), and runs the indicators and
 * score_compute_only() on it unchanged: the live score is computed by the
 * very code that screens, never by a second implementation of the
 * indicators. Only the application and its worker's other applications
 * are judged by the application-level indicators; every other record is
 * carried (engine.h, napps_carried) with the hits a screening of the full
 * index found on it, which live_open() keeps (struct live, own): an
 * arrival changes none of what those hits read.
 *
 * Invariants:
 *   1. The application is record 0 of the neighbourhood's applications;
 *      the judged records come next, then the carried ones (hood_t).
 *   2. Every local entity id maps back to one id of the full index
 *      (idmap_t.back), and every record copied keeps its key text.
 *   3. The full index is only read.
 *   4. With persons (full->worker_rep), every local worker's person is
 *      local too, and ix->worker_rep maps local workers to it: the
 *      neighbourhood reads a person's records as the full index does.
 *   5. Crossings are copied for the judged records' workers only (the
 *      only ones whose crossings a score read off depends on).
 * Memory: the neighbourhood's records, postings and strings, freed by
 * live_result_free(); nothing is kept between calls. The live_t holds the
 * full index's application-level hits (without their records) besides
 * the index.
 */
#include "engine/live.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/strmap.h"
#include "engine/adopt.h"

static double prior_score(const config_t *cfg, ind_kind_t kind);

struct live {
    engine_t *engine;
    const eng_index_t *ix;
    const config_t *cfg;
    ind_peer_ref_t peers;
    uint32_t *by_key; /* open addressing on application_id: record + 1, 0 empty */
    size_t key_cap;   /* power of two, at least twice the applications */
    /* The application-level hits of every record of the full index, as a
     * full screening finds them (CSR by record: own_off[r]..own_off[r+1]
     * in own; their records are not kept). A carried record's hits
     * (engine.h, napps_carried) are these: they read only the record, its
     * worker's crossings and the register's peers, none of which an
     * arrival changes. */
    ind_hit_t *own;
    uint32_t *own_off;
};

/* Every record's application-level hits (struct live, own). */
static tw_err_t build_own(live_t *lv)
{
    const eng_index_t *ix = lv->ix;
    ind_hits_t all;
    size_t i;
    uint32_t r;
    tw_err_t err;

    ind_hits_init(&all);
    if ((err = ind_compute_kinds(ix, lv->cfg, 1u << IK_APPLICATION, &all)) != TW_OK)
        goto out;
    if (!(lv->own_off = calloc((size_t)ix->napps + 1, sizeof(*lv->own_off))) ||
        !(lv->own = malloc((all.n ? all.n : 1) * sizeof(*lv->own)))) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i < all.n; i++)
        if (all.hits[i].kind == IK_APPLICATION && all.hits[i].entity < ix->napps)
            lv->own_off[all.hits[i].entity + 1]++;
    for (r = 0; r < ix->napps; r++)
        lv->own_off[r + 1] += lv->own_off[r];
    {
        uint32_t *fill = malloc(((size_t)ix->napps + 1) * sizeof(*fill));
        if (!fill) {
            err = TW_ENOMEM;
            goto out;
        }
        memcpy(fill, lv->own_off, ((size_t)ix->napps + 1) * sizeof(*fill));
        for (i = 0; i < all.n; i++) {
            const ind_hit_t *h = &all.hits[i];
            if (h->kind == IK_APPLICATION && h->entity < ix->napps)
                lv->own[fill[h->entity]++] = *h;
        }
        free(fill);
    }
out:
    ind_hits_free(&all);
    return err;
}

static size_t key_slot(const char *key, size_t cap)
{
    return (size_t)strmap_hash(key, strlen(key)) & (cap - 1);
}

/* The map of application_id to record that live_find() reads. */
static tw_err_t build_keys(live_t *lv)
{
    const eng_index_t *ix = lv->ix;
    size_t cap = 64;
    uint32_t i;

    while (cap < (size_t)ix->napps * 2 + 2)
        cap *= 2;
    if (!(lv->by_key = calloc(cap, sizeof(*lv->by_key))))
        return TW_ENOMEM;
    lv->key_cap = cap;
    for (i = 0; i < ix->napps; i++) {
        size_t j = key_slot(eng_str(ix, ix->apps[i].key), cap);
        while (lv->by_key[j])
            j = (j + 1) & (cap - 1);
        lv->by_key[j] = i + 1;
    }
    return TW_OK;
}

uint32_t live_find(const live_t *lv, const char *application_id)
{
    size_t j;
    if (!lv->key_cap)
        return 0;
    for (j = key_slot(application_id, lv->key_cap); lv->by_key[j];
         j = (j + 1) & (lv->key_cap - 1)) {
        uint32_t r = lv->by_key[j] - 1;
        if (strcmp(eng_str(lv->ix, lv->ix->apps[r].key), application_id) == 0)
            return r + 1;
    }
    return 0;
}

tw_err_t live_open(store_t *st, const config_t *cfg, live_t **out, tw_errinfo_t *ei)
{
    live_t *lv;
    tw_err_t err;

    *out = NULL;
    if (!(lv = calloc(1, sizeof(*lv))))
        return TW_ENOMEM;
    lv->cfg = cfg;
    if ((err = engine_load(st, &lv->engine, ei)) != TW_OK) {
        free(lv);
        return err;
    }
    lv->ix = engine_index(lv->engine);
    if ((err = ind_peer_ref_build(lv->ix, lv->cfg, &lv->peers)) != TW_OK ||
        (err = build_keys(lv)) != TW_OK || (err = build_own(lv)) != TW_OK) {
        live_close(lv);
        return tw_errinfo_set(ei, err, "live scoring: wage peers, keys and hits: %s",
                              tw_strerror(err));
    }
    *out = lv;
    return TW_OK;
}

void live_close(live_t *lv)
{
    if (!lv)
        return;
    ind_peer_ref_free(&lv->peers);
    engine_free(lv->engine);
    free(lv->by_key);
    free(lv->own);
    free(lv->own_off);
    free(lv);
}

const eng_index_t *live_index(const live_t *lv)
{
    return lv->ix;
}

const config_t *live_config(const live_t *lv)
{
    return lv->cfg;
}

/* ---- id maps: full-index id -> local id ---------------------------------- */

/* Open addressing on key + 1 (0 = empty slot), grown at half full; `back`
 * lists the keys by local id (local ids are 1.. in order of first sight). */
typedef struct {
    uint32_t *slot_key; /* key + 1 */
    uint32_t *slot_val;
    size_t cap;         /* power of two */
    uint32_t *back;     /* back[local - 1] = key */
    uint32_t n;
    size_t back_cap;
} idmap_t;

static size_t slot_of(uint32_t key, size_t cap)
{
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (cap - 1);
}

static tw_err_t idmap_grow_to(idmap_t *m, size_t ncap);

static tw_err_t idmap_grow(idmap_t *m)
{
    return idmap_grow_to(m, m->cap ? m->cap * 2 : 64);
}

/* Room for n keys without growing: a neighbourhood's size is known once
 * its postings are chosen, and growing by doubling rehashed a large
 * employer's thousands of applications several times. */
static tw_err_t idmap_reserve(idmap_t *m, size_t n)
{
    size_t cap = m->cap ? m->cap : 64;
    tw_err_t err;
    while (cap < n * 2 + 2)
        cap *= 2;
    if (cap > m->cap && (err = idmap_grow_to(m, cap)) != TW_OK)
        return err;
    if (n > m->back_cap) {
        uint32_t *b = realloc(m->back, n * sizeof(*b));
        if (!b)
            return TW_ENOMEM;
        m->back = b;
        m->back_cap = n;
    }
    return TW_OK;
}

static tw_err_t idmap_grow_to(idmap_t *m, size_t ncap)
{
    size_t i;
    uint32_t *k = calloc(ncap, sizeof(*k)), *v = malloc(ncap * sizeof(*v));
    if (!k || !v) {
        free(k);
        free(v);
        return TW_ENOMEM;
    }
    for (i = 0; i < m->cap; i++) {
        size_t j;
        if (!m->slot_key[i])
            continue;
        for (j = slot_of(m->slot_key[i] - 1, ncap); k[j]; j = (j + 1) & (ncap - 1))
            ;
        k[j] = m->slot_key[i];
        v[j] = m->slot_val[i];
    }
    free(m->slot_key);
    free(m->slot_val);
    m->slot_key = k;
    m->slot_val = v;
    m->cap = ncap;
    return TW_OK;
}

/* The local id of `key` (added when new: *added = 1); 0 stays 0. */
static tw_err_t idmap_add(idmap_t *m, uint32_t key, uint32_t *local, int *added)
{
    size_t j;
    tw_err_t err;

    if (added)
        *added = 0;
    if (key == UINT32_MAX)
        return TW_EINPUT;
    if ((size_t)m->n * 2 + 2 > m->cap && (err = idmap_grow(m)) != TW_OK)
        return err;
    for (j = slot_of(key, m->cap); m->slot_key[j]; j = (j + 1) & (m->cap - 1)) {
        if (m->slot_key[j] == key + 1) {
            *local = m->slot_val[j];
            return TW_OK;
        }
    }
    if (m->n + (size_t)1 > m->back_cap) {
        size_t nb = m->back_cap ? m->back_cap * 2 : 64;
        uint32_t *b = realloc(m->back, nb * sizeof(*b));
        if (!b)
            return TW_ENOMEM;
        m->back = b;
        m->back_cap = nb;
    }
    m->back[m->n++] = key;
    m->slot_key[j] = key + 1;
    m->slot_val[j] = m->n;
    *local = m->n;
    if (added)
        *added = 1;
    return TW_OK;
}

static uint32_t idmap_get(const idmap_t *m, uint32_t key)
{
    size_t j;
    if (!m->cap)
        return 0;
    for (j = slot_of(key, m->cap); m->slot_key[j]; j = (j + 1) & (m->cap - 1)) {
        if (m->slot_key[j] == key + 1)
            return m->slot_val[j];
    }
    return 0;
}

static void idmap_free(idmap_t *m)
{
    free(m->slot_key);
    free(m->slot_val);
    free(m->back);
}

/* ---- the neighbourhood --------------------------------------------------- */

/* The neighbourhood's applications come in three classes, in this order
 * after the application itself (record 0):
 *   judged   the worker's (its person's) other applications: every
 *            indicator judges them, with the worker's crossings;
 *   members  the applications of the residences, workplaces and phones
 *            whose hits the three scores read: carried (engine.h), with
 *            every entity they name, so the groups count the same
 *            workers and employers as in the full index;
 *   light    the rest of each employer's applications: carried, and
 *            naming only their employer and intermediary (and their worker
 *            in the occupations young_one_sex_entertainment counts), which
 *            is all the employer's own indicators and its roll-ups read.
 *            A large employer's thousands of applications then bring no
 *            workers, addresses, phones or crossings of their own. */
typedef struct {
    const eng_index_t *full;
    eng_index_t *ix;    /* being built */
    idmap_t ent[ENT_COUNT];
    idmap_t apps;       /* full record index -> local index + 1 */
    idmap_t reports;
    tw_buf_t strings;
    uint32_t njudged;   /* h->apps.back[0 .. njudged): judged */
    uint32_t nmembers;  /* [njudged .. nmembers): members; the rest light */
    uint32_t nw_judged; /* local workers 1 .. nw_judged: the judged records' */
    uint32_t last_g[ENT_COUNT], last_l[ENT_COUNT]; /* local_ent()'s last answer */
} hood_t;

/* The worker standing for w's person in the full index (engine.h,
 * worker_rep): the key of apps_by_worker, crossings_by_worker and
 * reports_by_worker there; w itself without persons or for a worker
 * stored after the load. */
static uint32_t full_rep(const eng_index_t *full, uint32_t w)
{
    return full->worker_rep && w && w < full->nentities[ENT_WORKER] ? full->worker_rep[w] : w;
}

static tw_err_t local_ent(hood_t *h, store_entity_t k, uint32_t gid, uint32_t *out)
{
    tw_err_t err;
    *out = 0;
    if (!gid)
        return TW_OK;
    if (gid == h->last_g[k]) { /* an employer's applications come in a run */
        *out = h->last_l[k];
        return TW_OK;
    }
    if ((err = idmap_add(&h->ent[k], gid, out, NULL)) == TW_OK) {
        h->last_g[k] = gid;
        h->last_l[k] = *out;
    }
    return err;
}

static tw_err_t copy_key(hood_t *h, const char *key, uint32_t *off)
{
    size_t len = strlen(key);
    tw_err_t err;
    if (h->strings.len > UINT32_MAX - len - 1)
        return TW_ETOOBIG;
    *off = (uint32_t)h->strings.len;
    if ((err = buf_add(&h->strings, key, len)) != TW_OK)
        return err;
    return buf_addc(&h->strings, '\0');
}

/* Application `a` as local record h->ix->napps (capacity is ensured by the
 * caller), entities renumbered; a light one (hood_t) names only its
 * employer, intermediary and, in the occupations that count it, worker. */
static tw_err_t add_app(hood_t *h, const eng_app_t *a, const char *key, int light)
{
    eng_app_t *l = &h->ix->apps[h->ix->napps];
    eng_app_t la;
    tw_err_t err;

    if (light) {
        la = *a;
        if (!ind_entertainment(a->isco))
            la.worker = 0;
        la.res_addr = la.work_addr = la.phone = 0;
        a = &la;
    }
    *l = *a;
    l->prev = 0; /* resolved once all are in */
    if ((err = copy_key(h, key, &l->key)) != TW_OK ||
        (err = local_ent(h, ENT_WORKER, a->worker, &l->worker)) != TW_OK ||
        (err = local_ent(h, ENT_EMPLOYER, a->employer, &l->employer)) != TW_OK ||
        (err = local_ent(h, ENT_INTERMEDIARY, a->intermediary, &l->intermediary)) != TW_OK ||
        (err = local_ent(h, ENT_ADDRESS, a->res_addr, &l->res_addr)) != TW_OK ||
        (err = local_ent(h, ENT_ADDRESS, a->work_addr, &l->work_addr)) != TW_OK ||
        (err = local_ent(h, ENT_PHONE, a->phone, &l->phone)) != TW_OK)
        return err;
    h->ix->napps++;
    return TW_OK;
}

/* The full index's applications on postings list `p` for key `k` (0: none),
 * added to the selection unless already in or `skip` (record index + 1). */
static tw_err_t select_apps(hood_t *h, const eng_postings_t *p, uint32_t k, uint32_t skip)
{
    uint32_t j, local;
    tw_err_t err;
    if (!k || !p->off || k >= p->n)
        return TW_OK;
    for (j = p->off[k]; j < p->off[k + 1]; j++) {
        if (p->items[j] + 1 == skip)
            continue;
        if ((err = idmap_add(&h->apps, p->items[j], &local, NULL)) != TW_OK)
            return err;
    }
    return TW_OK;
}

static tw_err_t grow_records(void **arr, size_t need, size_t elem)
{
    void *p = realloc(*arr, (need ? need : 1) * elem);
    if (!p)
        return TW_ENOMEM;
    *arr = p;
    return TW_OK;
}

/* The records on postings list `p` (keyed by entity kind `k`) of every
 * local entity of that kind, appended to `*arr` (elements of `elem` bytes,
 * `*n` of them): the crossings of each worker, the inspections of each
 * employer. `fix` renumbers a copied record's entity to `local` and
 * returns its key offset, which is then moved into the neighbourhood. */
typedef uint32_t *(*rec_fix_fn)(void *rec, uint32_t local);

static uint32_t *fix_crossing(void *rec, uint32_t local)
{
    eng_crossing_t *x = rec;
    x->worker = local;
    return &x->key;
}

static uint32_t *fix_inspection(void *rec, uint32_t local)
{
    eng_inspection_t *x = rec;
    x->employer = local;
    return &x->key;
}

static tw_err_t add_by_entity(hood_t *h, store_entity_t k, uint32_t upto,
                              const eng_postings_t *p, const void *full_recs, size_t elem,
                              void **arr, uint32_t *n, rec_fix_fn fix)
{
    const idmap_t *m = &h->ent[k];
    uint32_t i, j, total = 0, nloc = upto < m->n ? upto : m->n;
    tw_err_t err;

    for (i = 0; i < nloc; i++) {
        uint32_t g = m->back[i];
        if (p->off && g < p->n)
            total += p->off[g + 1] - p->off[g];
    }
    if ((err = grow_records(arr, total, elem)) != TW_OK)
        return err;
    for (i = 0; i < nloc; i++) {
        uint32_t g = m->back[i];
        if (!p->off || g >= p->n)
            continue;
        for (j = p->off[g]; j < p->off[g + 1]; j++) {
            void *rec = (char *)*arr + (size_t)*n * elem;
            uint32_t *key;
            memcpy(rec, (const char *)full_recs + (size_t)p->items[j] * elem, elem);
            key = fix(rec, i + 1);
            if ((err = copy_key(h, eng_str(h->full, *key), key)) != TW_OK)
                return err;
            (*n)++;
        }
    }
    return TW_OK;
}

/* Reports naming any employer, address or phone of the neighbourhood. The
 * entities a report names that the applications do not are added too (a
 * report about two employers counts for both). */
static tw_err_t add_reports(hood_t *h)
{
    const eng_index_t *full = h->full;
    const eng_postings_t *by[3] = {&full->reports_by_employer, &full->reports_by_address,
                                   &full->reports_by_phone};
    const store_entity_t kind[3] = {ENT_EMPLOYER, ENT_ADDRESS, ENT_PHONE};
    eng_index_t *ix = h->ix;
    uint32_t nent[3], i, j, local;
    int t;
    tw_err_t err;

    for (t = 0; t < 3; t++)
        nent[t] = h->ent[kind[t]].n; /* before reports add their own */
    /* reports that linkage put in the person of the judged records'
     * worker (reports_touching_worker is read for it alone) */
    if (full->reports_by_worker.off) {
        const eng_postings_t *p = &full->reports_by_worker;
        for (i = 0; i < h->nw_judged && i < h->ent[ENT_WORKER].n; i++) {
            uint32_t g = h->ent[ENT_WORKER].back[i];
            if (g >= p->n)
                continue;
            for (j = p->off[g]; j < p->off[g + 1]; j++) {
                if ((err = idmap_add(&h->reports, p->items[j], &local, NULL)) != TW_OK)
                    return err;
            }
        }
    }
    for (t = 0; t < 3; t++) {
        const eng_postings_t *p = by[t];
        for (i = 0; i < nent[t]; i++) {
            uint32_t g = h->ent[kind[t]].back[i];
            if (!p->off || g >= p->n)
                continue;
            for (j = p->off[g]; j < p->off[g + 1]; j++) {
                if ((err = idmap_add(&h->reports, p->items[j], &local, NULL)) != TW_OK)
                    return err;
            }
        }
    }
    if ((err = grow_records((void **)&ix->reports, h->reports.n, sizeof(*ix->reports))) !=
        TW_OK)
        return err;
    for (i = 0; i < h->reports.n; i++) {
        eng_report_t *x = &ix->reports[ix->nreports];
        *x = full->reports[h->reports.back[i]];
        /* the report's person, when it is one of the neighbourhood's */
        x->worker = x->worker ? idmap_get(&h->ent[ENT_WORKER], x->worker) : 0;
        if ((err = local_ent(h, ENT_EMPLOYER, x->employer, &x->employer)) != TW_OK ||
            (err = local_ent(h, ENT_ADDRESS, x->address, &x->address)) != TW_OK ||
            (err = local_ent(h, ENT_PHONE, x->phone, &x->phone)) != TW_OK ||
            (err = copy_key(h, eng_str(full, x->key), &x->key)) != TW_OK)
            return err;
        ix->nreports++;
    }
    return TW_OK;
}

/* With persons (engine.h, worker_rep), every worker of the neighbourhood
 * brings the worker standing for its person, under whose id the full
 * index keeps the person's applications, crossings and reports. */
static tw_err_t add_persons(hood_t *h)
{
    uint32_t i, local;
    tw_err_t err;
    if (!h->full->worker_rep)
        return TW_OK;
    for (i = 0; i < h->ent[ENT_WORKER].n; i++) { /* a rep is its own rep: no chains */
        if ((err = idmap_add(&h->ent[ENT_WORKER], full_rep(h->full, h->ent[ENT_WORKER].back[i]),
                             &local, NULL)) != TW_OK)
            return err;
    }
    return TW_OK;
}

static tw_err_t check_input(const eng_index_t *full, const live_input_t *in, tw_errinfo_t *ei)
{
    const eng_app_t *a = &in->app;
    const struct {
        uint32_t id;
        store_entity_t kind;
        const char *name;
    } ids[] = {{a->worker, ENT_WORKER, "worker"},
               {a->employer, ENT_EMPLOYER, "employer"},
               {a->intermediary, ENT_INTERMEDIARY, "intermediary"},
               {a->res_addr, ENT_ADDRESS, "worker_address"},
               {a->work_addr, ENT_ADDRESS, "workplace_address"},
               {a->phone, ENT_PHONE, "worker_phone"}};
    size_t i;

    /* an id past the index is an entity stored after it was loaded: new,
     * with no history in it */
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (ids[i].id == UINT32_MAX) {
            tw_errinfo_field(ei, ids[i].name);
            return tw_errinfo_set(ei, TW_EINPUT, "%s id %u is out of range", ids[i].name,
                                  (unsigned)ids[i].id);
        }
    }
    if (in->replaces > full->napps)
        return tw_errinfo_set(ei, TW_EINPUT, "replaced application %u is not in the index",
                              (unsigned)in->replaces);
    return TW_OK;
}

/* The length of postings list k of p (0 for none). */
static size_t plen(const eng_postings_t *p, uint32_t k)
{
    return k && p->off && k < p->n ? p->off[k + 1] - p->off[k] : 0;
}

static tw_err_t build(hood_t *h, const live_input_t *in)
{
    const eng_index_t *full = h->full;
    const eng_app_t *a = &in->app;
    eng_index_t *ix = h->ix;
    uint32_t i, skip = in->replaces;
    int k;
    tw_err_t err;

    uint32_t person = full_rep(full, a->worker);
    const eng_postings_t *w = &full->apps_by_worker;
    int has_person = person && person < w->n;

    {
        /* every list chosen below, for the maps' sizes */
        size_t cand = 1;
        cand += plen(w, person) + plen(&full->apps_by_res_addr, a->res_addr) +
                plen(&full->apps_by_work_addr, a->work_addr) +
                plen(&full->apps_by_phone, a->phone) +
                plen(&full->apps_by_work_addr, a->res_addr) +
                plen(&full->apps_by_employer, a->employer);
        for (i = has_person ? w->off[person] : 0; has_person && i < w->off[person + 1]; i++) {
            const eng_app_t *o = &full->apps[w->items[i]];
            cand += plen(&full->apps_by_res_addr, o->res_addr) +
                    plen(&full->apps_by_work_addr, o->res_addr) +
                    plen(&full->apps_by_phone, o->phone) +
                    plen(&full->apps_by_employer, o->employer);
        }
        if ((err = idmap_reserve(&h->apps, cand)) != TW_OK)
            return err;
    }
    /* judged: the person's other applications */
    if ((err = select_apps(h, w, person, skip)))
        return err;
    h->njudged = h->apps.n;
    /* members: the groups whose hits the scores read. The worker's score
     * takes the strongest evidence of each of its applications'
     * residences and phones (score.c, roll-down); a residence's evidence
     * includes what it is as a workplace (shared_employer_address) */
    if ((err = select_apps(h, &full->apps_by_res_addr, a->res_addr, skip)) ||
        (err = select_apps(h, &full->apps_by_work_addr, a->work_addr, skip)) ||
        (err = select_apps(h, &full->apps_by_phone, a->phone, skip)) ||
        (err = select_apps(h, &full->apps_by_work_addr, a->res_addr, skip)))
        return err;
    for (i = has_person ? w->off[person] : 0; has_person && i < w->off[person + 1]; i++) {
        const eng_app_t *o = &full->apps[w->items[i]];
        if (w->items[i] + 1 == skip)
            continue;
        if ((err = select_apps(h, &full->apps_by_res_addr, o->res_addr, skip)) ||
            (err = select_apps(h, &full->apps_by_work_addr, o->res_addr, skip)) ||
            (err = select_apps(h, &full->apps_by_phone, o->phone, skip)))
            return err;
    }
    h->nmembers = h->apps.n;
    /* light: the employers of the application and of the worker's others
     * (their own hits and roll-ups reach the employer's and the worker's
     * scores) */
    if ((err = select_apps(h, &full->apps_by_employer, a->employer, skip)))
        return err;
    for (i = has_person ? w->off[person] : 0; has_person && i < w->off[person + 1]; i++) {
        if (w->items[i] + 1 == skip)
            continue;
        if ((err = select_apps(h, &full->apps_by_employer, full->apps[w->items[i]].employer,
                               skip)))
            return err;
    }
    if ((err = grow_records((void **)&ix->apps, (size_t)h->apps.n + 1, sizeof(*ix->apps))))
        return err;
    if ((err = add_app(h, a, in->application_id ? in->application_id : "", 0)) != TW_OK)
        return err;
    for (i = 0; i < h->apps.n; i++) {
        uint32_t g = h->apps.back[i];
        if (i == h->njudged) {
            /* the judged records' workers and their persons: only these
             * need their crossings and the reports on their person */
            if ((err = add_persons(h)) != TW_OK)
                return err;
            h->nw_judged = h->ent[ENT_WORKER].n;
        }
        if ((err = add_app(h, &full->apps[g], eng_str(full, full->apps[g].key),
                           i >= h->nmembers)) != TW_OK)
            return err;
    }
    if (h->apps.n == h->njudged) {
        if ((err = add_persons(h)) != TW_OK)
            return err;
        h->nw_judged = h->ent[ENT_WORKER].n;
    }
    ix->napps_carried = h->apps.n - h->njudged;
    /* previous applications: kept when they are in the neighbourhood */
    for (i = 1; i < ix->napps; i++) {
        uint32_t gprev = full->apps[h->apps.back[i - 1]].prev;
        uint32_t l = gprev ? idmap_get(&h->apps, gprev - 1) : 0; /* = local index */
        ix->apps[i].prev = l ? l + 1 : 0;
    }
    if ((err = add_persons(h)) != TW_OK)
        return err;
    if ((err = add_by_entity(h, ENT_WORKER, h->nw_judged, &full->crossings_by_worker,
                             full->crossings, sizeof(*full->crossings), (void **)&ix->crossings,
                             &ix->ncrossings, fix_crossing)) != TW_OK ||
        (err = add_by_entity(h, ENT_EMPLOYER, UINT32_MAX, &full->inspections_by_employer,
                             full->inspections, sizeof(*full->inspections),
                             (void **)&ix->inspections, &ix->ninspections,
                             fix_inspection)) != TW_OK ||
        (err = add_reports(h)) != TW_OK)
        return err;
    for (k = 0; k < ENT_COUNT; k++) {
        ix->nentities[k] = h->ent[k].n + 1;
        if (k == ENT_WORKER && full->worker_rep) {
            /* local persons: the worker standing for each local worker */
            if (!(ix->worker_rep = malloc((size_t)ix->nentities[k] * sizeof(uint32_t))))
                return TW_ENOMEM;
            ix->worker_rep[0] = 0;
            for (i = 0; i < h->ent[k].n; i++)
                ix->worker_rep[i + 1] =
                    idmap_get(&h->ent[k], full_rep(full, h->ent[k].back[i]));
        }
        if (!(ix->global_id[k] = malloc((size_t)ix->nentities[k] * sizeof(uint32_t))))
            return TW_ENOMEM;
        ix->global_id[k][0] = 0;
        if (h->ent[k].n)
            memcpy(ix->global_id[k] + 1, h->ent[k].back, h->ent[k].n * sizeof(uint32_t));
    }
    ix->horizon = full->horizon;
    ix->register_crossings = full->register_crossings;
    ix->peer_ref = NULL;
    if (!h->strings.p && (err = buf_addc(&h->strings, '\0')) != TW_OK)
        return err;
    ix->strings = h->strings.p;
    ix->strings_len = h->strings.len;
    buf_init(&h->strings, 0); /* now owned by the index */
    return engine_index_build(ix);
}

/* The carried records' own hits (engine.h, napps_carried): the full
 * screening's, each with its application as its one record (the worker's
 * crossings that show never_entered are not in the neighbourhood; the hit
 * counts them in nrecords_total as the full screening does). */
static tw_err_t add_carried(const live_t *lv, const hood_t *h, ind_hits_t *hits)
{
    const eng_index_t *ix = h->ix;
    uint32_t i, q;
    tw_err_t err;

    for (i = eng_judged(ix); i < ix->napps; i++) {
        uint32_t g = h->apps.back[i - 1]; /* record 0 is the application */
        ind_record_t rec;
        rec.kind = IR_APPLICATION;
        rec.index = i;
        for (q = lv->own_off[g]; q < lv->own_off[g + 1]; q++) {
            const ind_hit_t *o = &lv->own[q];
            ind_hit_t *n;
            if ((err = ind_hits_add(hits, o->indicator, IK_APPLICATION, i, o->strength, o->value,
                                    o->threshold, &rec, 1)) != TW_OK)
                return err;
            n = &hits->hits[hits->n - 1];
            n->aux = o->aux;
            n->nrecords_total = o->nrecords_total;
        }
    }
    return TW_OK;
}

tw_err_t live_score(const live_t *lv, const live_input_t *in, live_result_t *out,
                    tw_errinfo_t *ei)
{
    hood_t h;
    size_t i;
    int k;
    tw_err_t err;

    memset(out, 0, sizeof(*out));
    ind_hits_init(&out->hits);
    if ((err = check_input(lv->ix, in, ei)) != TW_OK)
        return err;
    memset(&h, 0, sizeof(h));
    h.full = lv->ix;
    h.ix = &out->ix;
    buf_init(&h.strings, (size_t)UINT32_MAX);
    err = build(&h, in);
    if (err == TW_OK) {
        out->ix.peer_ref = &lv->peers;
        out->neighbourhood = out->ix.napps;
        /* no score read off below is an intermediary's */
        err = ind_compute_kinds(&out->ix, lv->cfg, ~(1u << IK_INTERMEDIARY), &out->hits);
    }
    if (err == TW_OK)
        err = add_carried(lv, &h, &out->hits);
    for (k = 0; k < ENT_COUNT; k++)
        idmap_free(&h.ent[k]);
    idmap_free(&h.apps);
    idmap_free(&h.reports);
    buf_free(&h.strings);
    if (err != TW_OK)
        goto fail;
    {
        /* only the three scores read off below (and live_entity_score's
         * residence and phone): no roll-down to the neighbourhood's other
         * workers, no roll-up to its other employers */
        const eng_app_t *a = &out->ix.apps[0];
        ind_marks_t mk;
        if ((err = ind_marks_init(&mk, &out->ix)) != TW_OK)
            goto fail;
        ind_mark(&mk, IK_APPLICATION, 0);
        ind_mark(&mk, IK_WORKER,
                 out->ix.worker_rep && a->worker ? out->ix.worker_rep[a->worker] : a->worker);
        ind_mark(&mk, IK_EMPLOYER, a->employer);
        ind_mark(&mk, IK_ADDRESS, a->res_addr);
        ind_mark(&mk, IK_PHONE, a->phone);
        err = score_compute_only(&out->ix, &out->hits, lv->cfg, &mk, &out->sr);
        ind_marks_free(&mk);
        if (err != TW_OK)
            goto fail;
    }
    out->level = LEVEL_NONE;
    for (i = 0; i < out->sr.n; i++) {
        const score_entity_t *se = &out->sr.ents[i];
        if (se->kind == IK_APPLICATION && se->entity == 0) {
            out->app = se;
            out->score = se->score;
            out->level = (score_level_t)se->level;
            break;
        }
    }
    if (!out->app) /* no evidence at all */
        out->score = prior_score(lv->cfg, IK_APPLICATION);
    return TW_OK;
fail:
    live_result_free(out);
    return tw_errinfo_set(ei, err, "live scoring: %s", tw_strerror(err));
}

static double prior_score(const config_t *cfg, ind_kind_t kind)
{
    return 100.0 / (1.0 + exp(-score_prior(cfg, kind))); /* as score.c */
}

void live_entity_score(const live_t *lv, const live_result_t *r, ind_kind_t kind,
                       double *score, score_level_t *level)
{
    const eng_app_t *a = r->ix.napps ? &r->ix.apps[0] : NULL;
    uint32_t id = 0;
    size_t i;

    *score = prior_score(lv->cfg, kind);
    *level = LEVEL_NONE;
    if (!a)
        return;
    switch (kind) {
    case IK_APPLICATION: id = 0; break;
    case IK_WORKER: /* the person's worker (engine.h, worker_rep) */
        id = r->ix.worker_rep && a->worker < r->ix.nentities[ENT_WORKER]
                 ? r->ix.worker_rep[a->worker]
                 : a->worker;
        break;
    case IK_EMPLOYER: id = a->employer; break;
    case IK_ADDRESS: id = a->res_addr; break;
    case IK_PHONE: id = a->phone; break;
    default: return;
    }
    if (kind != IK_APPLICATION && id == 0)
        return;
    for (i = 0; i < r->sr.n; i++) {
        if (r->sr.ents[i].kind == kind && r->sr.ents[i].entity == id) {
            *score = r->sr.ents[i].score;
            *level = (score_level_t)r->sr.ents[i].level;
            return;
        }
    }
}

void live_result_free(live_result_t *r)
{
    score_free(&r->sr);
    ind_hits_free(&r->hits);
    r->ix.peer_ref = NULL;
    engine_index_release(&r->ix);
    r->app = NULL;
}

/* ---- a warm index for a server ------------------------------------------ */

/* One loaded index and the requests using it. */
typedef struct gen {
    live_t *lv;
    int refs;
    struct gen *next;
} gen_t;

struct live_holder {
    char *db_path;
    const config_t *cfg;
    unsigned check_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    gen_t *cur;       /* the index handed out; NULL until the first load */
    gen_t *retired;   /* replaced ones still in use */
    int stop, poked, started;
    int follow;          /* live_holder_start_following() */
    long long active_id; /* the adopted config of cur; 0 the holder's; -1 not yet read */
    config_t **cfgs;     /* every adopted config parsed, kept until stop (a */
    size_t ncfgs;        /* request may hold an old index that reads one) */
    live_holder_info_t info;
};

/* Frees retired generations nobody uses any more; under mu. */
static void reap(live_holder_t *h)
{
    gen_t **p = &h->retired;
    while (*p) {
        gen_t *g = *p;
        if (g->refs == 0) {
            *p = g->next;
            live_close(g->lv);
            free(g);
        } else {
            p = &g->next;
        }
    }
}

/* 1 when the store holds rows past what the index read. */
static int store_moved(store_t *st, const int64_t max_row[4])
{
    static const reg_id_t regs[4] = {REG_PERMITS, REG_BORDER, REG_INSPECTIONS, REG_REPORTS};
    int r;
    for (r = 0; r < 4; r++) {
        int64_t m = 0;
        if (store_max_row(st, regs[r], &m) != TW_OK || m != max_row[r])
            return 1;
    }
    return 0;
}

static void *holder_main(void *arg)
{
    live_holder_t *h = arg;
    int64_t seen[4] = {-1, -1, -1, -1};
    int first = 1, pending_poke = 0;
    time_t last_look = 0;

    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        store_t *st = NULL;
        live_t *lv = NULL;
        tw_errinfo_t ei;
        tw_err_t err;
        int moved, look, follow = h->follow, poked = pending_poke;
        long long active_id = h->active_id, new_id = h->active_id;
        config_t *new_cfg = NULL;
        const config_t *cur_cfg = h->cur ? live_config(h->cur->lv) : NULL;
        struct timespec t0, t1;

        pthread_mutex_unlock(&h->mu);
        tw_errinfo_clear(&ei);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        err = store_open(h->db_path, &st, &ei);
        if (err == TW_OK && follow)
            err = adopt_follow(st, active_id, &new_id, &new_cfg, &ei);
        /* following wakes every LIVE_FOLLOW_S for the config; the store is
         * still looked at every check_s (or when poked) */
        look = first || poked || !follow || t0.tv_sec - last_look >= (time_t)h->check_s;
        if (look)
            last_look = t0.tv_sec;
        moved = err == TW_OK &&
                (first || new_id != active_id || (look && store_moved(st, seen)));
        if (err == TW_OK && moved)
            err = live_open(st, new_cfg ? new_cfg : new_id == active_id && cur_cfg ? cur_cfg
                                                                                    : h->cfg,
                            &lv, &ei);
        if (err == TW_OK && lv && follow && new_id != active_id && active_id >= 0) {
            /* a switch is audited (not the start); a failed entry keeps
             * the old config */
            err = adopt_note_in_force(st, new_id, live_config(lv), "server", &ei);
            if (err != TW_OK) {
                live_close(lv);
                lv = NULL;
            }
        }
        store_close(st);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        pthread_mutex_lock(&h->mu);
        if (err != TW_OK) {
            h->info.failures++;
            snprintf(h->info.error, sizeof(h->info.error), "%s",
                     ei.msg[0] ? ei.msg : tw_strerror(err));
        } else if (lv) {
            gen_t *g = calloc(1, sizeof(*g));
            config_t **nc = NULL;
            if (g && new_cfg && !(nc = realloc(h->cfgs, (h->ncfgs + 1) * sizeof(*nc)))) {
                free(g);
                g = NULL;
            }
            if (nc)
                h->cfgs = nc;
            if (!g) {
                live_close(lv);
                h->info.failures++;
                snprintf(h->info.error, sizeof(h->info.error), "%s", "out of memory");
            } else {
                const eng_index_t *ix = live_index(lv);
                g->lv = lv;
                if (new_cfg) {
                    h->cfgs[h->ncfgs++] = new_cfg; /* the holder owns it now */
                    new_cfg = NULL;
                }
                h->active_id = new_id;
                h->info.config_id = new_id > 0 ? new_id : 0;
                snprintf(h->info.config_version, sizeof(h->info.config_version), "%s",
                         config_version(live_config(lv)));
                if (h->cur) {
                    h->cur->next = h->retired;
                    h->retired = h->cur;
                }
                h->cur = g;
                memcpy(seen, ix->max_row, sizeof(seen));
                h->info.loads++;
                h->info.applications = ix->napps;
                h->info.bytes = ix->bytes;
                h->info.loaded_at = time(NULL);
                h->info.load_seconds = (double)(t1.tv_sec - t0.tv_sec) +
                                       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
                h->info.error[0] = '\0';
                first = 0;
            }
        }
        config_free(new_cfg); /* not taken: the load failed */
        reap(h);
        pthread_cond_broadcast(&h->cond); /* live_holder_wait() */
        /* after a load, a pause before the next one whatever the pokes say
         * (they are kept for after it): a stream of stored arrivals pokes
         * on every request, and reloading on each would keep a core busy.
         * At least 1 s, and 4 times the load's length, so reloading takes
         * at most a fifth of a core. */
        if (lv && !h->stop) {
            struct timespec until;
            double gap = 4.0 * h->info.load_seconds;
            if (gap < 1.0)
                gap = 1.0;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += (time_t)gap;
            until.tv_nsec += (long)((gap - (double)(time_t)gap) * 1e9);
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (!h->stop && pthread_cond_timedwait(&h->cond, &h->mu, &until) == 0)
                ;
        }
        /* sleep until the next check, a poke or the stop */
        if (!h->stop && !h->poked) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += h->cur ? (time_t)h->check_s : 2; /* retry a failed first load */
            if (h->follow && h->check_s > LIVE_FOLLOW_S && h->cur)
                until.tv_sec -= (time_t)(h->check_s - LIVE_FOLLOW_S);
            while (!h->stop && !h->poked &&
                   pthread_cond_timedwait(&h->cond, &h->mu, &until) == 0)
                ;
        }
        pending_poke = h->poked;
        h->poked = 0;
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static tw_err_t holder_start(const char *db_path, const config_t *cfg, unsigned check_s,
                             int follow, live_holder_t **out);

tw_err_t live_holder_start(const char *db_path, const config_t *cfg, unsigned check_s,
                           live_holder_t **out)
{
    return holder_start(db_path, cfg, check_s, 0, out);
}

tw_err_t live_holder_start_following(const char *db_path, const config_t *cfg, unsigned check_s,
                                     live_holder_t **out)
{
    return holder_start(db_path, cfg, check_s, 1, out);
}

static tw_err_t holder_start(const char *db_path, const config_t *cfg, unsigned check_s,
                             int follow, live_holder_t **out)
{
    live_holder_t *h;

    *out = NULL;
    if (!(h = calloc(1, sizeof(*h))) || !(h->db_path = strdup(db_path))) {
        free(h);
        return TW_ENOMEM;
    }
    h->cfg = cfg;
    h->check_s = check_s ? check_s : 1;
    h->active_id = -1;
    h->follow = follow;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cond, NULL);
    if (pthread_create(&h->thread, NULL, holder_main, h) != 0) {
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cond);
        free(h->db_path);
        free(h);
        return TW_EINTERNAL;
    }
    h->started = 1;
    *out = h;
    return TW_OK;
}

void live_holder_stop(live_holder_t *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = 1;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->mu);
    if (h->started)
        pthread_join(h->thread, NULL);
    /* every request has released by now (the server stops first) */
    if (h->cur) {
        h->cur->next = h->retired;
        h->retired = h->cur;
        h->cur = NULL;
    }
    reap(h);
    while (h->ncfgs > 0)
        config_free(h->cfgs[--h->ncfgs]);
    free(h->cfgs);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cond);
    free(h->db_path);
    free(h);
}

const live_t *live_holder_acquire(live_holder_t *h)
{
    const live_t *lv = NULL;
    pthread_mutex_lock(&h->mu);
    if (h->cur) {
        h->cur->refs++;
        lv = h->cur->lv;
    }
    pthread_mutex_unlock(&h->mu);
    return lv;
}

void live_holder_release(live_holder_t *h, const live_t *lv)
{
    gen_t *g;
    if (!lv)
        return;
    pthread_mutex_lock(&h->mu);
    if (h->cur && h->cur->lv == lv) {
        h->cur->refs--;
    } else {
        for (g = h->retired; g; g = g->next) {
            if (g->lv == lv) {
                g->refs--;
                break;
            }
        }
        reap(h);
    }
    pthread_mutex_unlock(&h->mu);
}

void live_holder_poke(live_holder_t *h)
{
    pthread_mutex_lock(&h->mu);
    h->poked = 1;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->mu);
}

int live_holder_wait(live_holder_t *h, unsigned seconds)
{
    struct timespec until;
    int ready;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)seconds;
    pthread_mutex_lock(&h->mu);
    while (!h->cur && !h->stop && pthread_cond_timedwait(&h->cond, &h->mu, &until) == 0)
        ;
    ready = h->cur != NULL;
    pthread_mutex_unlock(&h->mu);
    return ready;
}

void live_holder_info(live_holder_t *h, live_holder_info_t *out)
{
    pthread_mutex_lock(&h->mu);
    *out = h->info;
    out->ready = h->cur != NULL;
    pthread_mutex_unlock(&h->mu);
}
