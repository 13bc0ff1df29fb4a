/*
 * live.c - one application scored against a warm index (contract in
 * live.h, design in docs/internals/engine.md, "Live scoring").
 *
 * live_score() copies the application's neighbourhood out of the full
 * index into a small eng_index_t of its own, with entity ids renumbered
 * densely from 1 (so that the indicators' per-entity arrays are sized by
 * the neighbourhood, not by the register), and runs ind_compute_all() and
 * score_compute() on it unchanged: the live score is computed by the very
 * code that screens, never by a second implementation of the indicators.
 *
 * Invariants:
 *   1. The application is record 0 of the neighbourhood's applications.
 *   2. Every local entity id maps back to one id of the full index
 *      (idmap_t.back), and every record copied keeps its key text.
 *   3. The full index is only read.
 * Memory: the neighbourhood's records, postings and strings, freed by
 * live_result_free(); nothing is kept between calls.
 */
#include "live.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static double prior_score(const config_t *cfg);

struct live {
    engine_t *engine;
    const eng_index_t *ix;
    const config_t *cfg;
    ind_peer_ref_t peers;
};

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
    if ((err = ind_peer_ref_build(lv->ix, &lv->peers)) != TW_OK) {
        live_close(lv);
        return tw_errinfo_set(ei, err, "live scoring: wage peers: %s", tw_strerror(err));
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
    free(lv);
}

const eng_index_t *live_index(const live_t *lv)
{
    return lv->ix;
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

static tw_err_t idmap_grow(idmap_t *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64, i;
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

typedef struct {
    const eng_index_t *full;
    eng_index_t *ix;    /* being built */
    idmap_t ent[ENT_COUNT];
    idmap_t apps;       /* full record index -> local index + 1 */
    idmap_t reports;
    tw_buf_t strings;
} hood_t;

static tw_err_t local_ent(hood_t *h, store_entity_t k, uint32_t gid, uint32_t *out)
{
    *out = 0;
    return gid ? idmap_add(&h->ent[k], gid, out, NULL) : TW_OK;
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
 * caller), entities renumbered. */
static tw_err_t add_app(hood_t *h, const eng_app_t *a, const char *key)
{
    eng_app_t *l = &h->ix->apps[h->ix->napps];
    tw_err_t err;

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

static tw_err_t add_by_entity(hood_t *h, store_entity_t k, const eng_postings_t *p,
                              const void *full_recs, size_t elem, void **arr, uint32_t *n,
                              rec_fix_fn fix)
{
    const idmap_t *m = &h->ent[k];
    uint32_t i, j, total = 0;
    tw_err_t err;

    for (i = 0; i < m->n; i++) {
        uint32_t g = m->back[i];
        if (p->off && g < p->n)
            total += p->off[g + 1] - p->off[g];
    }
    if ((err = grow_records(arr, total, elem)) != TW_OK)
        return err;
    for (i = 0; i < m->n; i++) {
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
        if ((err = local_ent(h, ENT_EMPLOYER, x->employer, &x->employer)) != TW_OK ||
            (err = local_ent(h, ENT_ADDRESS, x->address, &x->address)) != TW_OK ||
            (err = local_ent(h, ENT_PHONE, x->phone, &x->phone)) != TW_OK ||
            (err = copy_key(h, eng_str(full, x->key), &x->key)) != TW_OK)
            return err;
        ix->nreports++;
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

    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (ids[i].id >= full->nentities[ids[i].kind]) {
            tw_errinfo_field(ei, ids[i].name);
            return tw_errinfo_set(ei, TW_EINPUT, "%s id %u is not in the index",
                                  ids[i].name, (unsigned)ids[i].id);
        }
    }
    if (in->replaces > full->napps)
        return tw_errinfo_set(ei, TW_EINPUT, "replaced application %u is not in the index",
                              (unsigned)in->replaces);
    return TW_OK;
}

static tw_err_t build(hood_t *h, const live_input_t *in)
{
    const eng_index_t *full = h->full;
    const eng_app_t *a = &in->app;
    eng_index_t *ix = h->ix;
    uint32_t i;
    int k;
    tw_err_t err;

    if ((err = select_apps(h, &full->apps_by_worker, a->worker, in->replaces)) ||
        (err = select_apps(h, &full->apps_by_employer, a->employer, in->replaces)) ||
        (err = select_apps(h, &full->apps_by_res_addr, a->res_addr, in->replaces)) ||
        (err = select_apps(h, &full->apps_by_work_addr, a->work_addr, in->replaces)) ||
        (err = select_apps(h, &full->apps_by_phone, a->phone, in->replaces)) ||
        (err = select_apps(h, &full->apps_by_work_addr, a->res_addr, in->replaces)))
        return err;
    /* the worker's score takes the strongest evidence of each of its other
     * applications' employers, residences and phones (score.c, roll-down):
     * those are whole groups too; a residence's evidence includes what it
     * is as a workplace (shared_employer_address) */
    if (a->worker && a->worker < full->apps_by_worker.n) {
        const eng_postings_t *w = &full->apps_by_worker;
        for (i = w->off[a->worker]; i < w->off[a->worker + 1]; i++) {
            const eng_app_t *o = &full->apps[w->items[i]];
            if (w->items[i] + 1 == in->replaces)
                continue;
            if ((err = select_apps(h, &full->apps_by_employer, o->employer, in->replaces)) ||
                (err = select_apps(h, &full->apps_by_res_addr, o->res_addr, in->replaces)) ||
                (err = select_apps(h, &full->apps_by_work_addr, o->res_addr, in->replaces)) ||
                (err = select_apps(h, &full->apps_by_phone, o->phone, in->replaces)))
                return err;
        }
    }
    if ((err = grow_records((void **)&ix->apps, (size_t)h->apps.n + 1, sizeof(*ix->apps))))
        return err;
    if ((err = add_app(h, a, in->application_id ? in->application_id : "")) != TW_OK)
        return err;
    for (i = 0; i < h->apps.n; i++) {
        uint32_t g = h->apps.back[i];
        if ((err = add_app(h, &full->apps[g], eng_str(full, full->apps[g].key))) != TW_OK)
            return err;
    }
    /* previous applications: kept when they are in the neighbourhood */
    for (i = 1; i < ix->napps; i++) {
        uint32_t gprev = full->apps[h->apps.back[i - 1]].prev;
        uint32_t l = gprev ? idmap_get(&h->apps, gprev - 1) : 0; /* = local index */
        ix->apps[i].prev = l ? l + 1 : 0;
    }
    if ((err = add_by_entity(h, ENT_WORKER, &full->crossings_by_worker, full->crossings,
                             sizeof(*full->crossings), (void **)&ix->crossings,
                             &ix->ncrossings, fix_crossing)) != TW_OK ||
        (err = add_by_entity(h, ENT_EMPLOYER, &full->inspections_by_employer,
                             full->inspections, sizeof(*full->inspections),
                             (void **)&ix->inspections, &ix->ninspections,
                             fix_inspection)) != TW_OK ||
        (err = add_reports(h)) != TW_OK)
        return err;
    for (k = 0; k < ENT_COUNT; k++)
        ix->nentities[k] = h->ent[k].n + 1;
    ix->horizon = full->horizon;
    ix->peer_ref = NULL;
    if (!h->strings.p && (err = buf_addc(&h->strings, '\0')) != TW_OK)
        return err;
    ix->strings = h->strings.p;
    ix->strings_len = h->strings.len;
    buf_init(&h->strings, 0); /* now owned by the index */
    return engine_index_build(ix);
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
    for (k = 0; k < ENT_COUNT; k++)
        idmap_free(&h.ent[k]);
    idmap_free(&h.apps);
    idmap_free(&h.reports);
    buf_free(&h.strings);
    if (err != TW_OK)
        goto fail;
    out->ix.peer_ref = &lv->peers;
    out->neighbourhood = out->ix.napps;
    if ((err = ind_compute_all(&out->ix, lv->cfg, &out->hits)) != TW_OK ||
        (err = score_compute(&out->ix, &out->hits, lv->cfg, &out->sr)) != TW_OK)
        goto fail;
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
        out->score = prior_score(lv->cfg);
    return TW_OK;
fail:
    live_result_free(out);
    return tw_errinfo_set(ei, err, "live scoring: %s", tw_strerror(err));
}

static double prior_score(const config_t *cfg)
{
    return 100.0 / (1.0 + exp(-config_score(cfg, "prior", -4.0))); /* as score.c */
}

void live_entity_score(const live_t *lv, const live_result_t *r, ind_kind_t kind,
                       double *score, score_level_t *level)
{
    const eng_app_t *a = r->ix.napps ? &r->ix.apps[0] : NULL;
    uint32_t id = 0;
    size_t i;

    *score = prior_score(lv->cfg);
    *level = LEVEL_NONE;
    if (!a)
        return;
    switch (kind) {
    case IK_APPLICATION: id = 0; break;
    case IK_WORKER: id = a->worker; break;
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
