/*
 * screen.c - a screening run (contract in screen.h).
 *
 * The steps are the same for both modes; the incremental one adds the
 * watermark to the engine load and a scope to alerts_apply(). The
 * computation itself stays whole (indicators over the whole index), so an
 * incremental run is exactly a full run restricted to the entities whose
 * result can differ; restricting the computation as well is the
 * engine-at-scale work.
 */
#include "engine/screen.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/privfile.h"
#include "engine/engine.h"
#include "engine/indicators.h"
#include "engine/score.h"
#include "link/persons.h"

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* CPU seconds of the whole process (every thread) since *c0. */
static double cpu_since(const struct timespec *c0)
{
    struct timespec c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    return (double)(c1.tv_sec - c0->tv_sec) + (double)(c1.tv_nsec - c0->tv_nsec) / 1e9;
}

static tw_err_t write_hits(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                           const char *path, tw_errinfo_t *ei)
{
    FILE *f = privfile_create(path);
    tw_err_t err = f ? alerts_write_hits(st, ix, hits, f) : TW_EIO;
    if (f && fclose(f) != 0 && err == TW_OK)
        err = TW_EIO;
    if (err != TW_OK) {
        tw_errinfo_set(ei, err, "writing hits: %s", tw_strerror(err));
        tw_errinfo_file(ei, path);
    }
    return err;
}

/* The workers a link run changed the person of (link/persons.h), read
 * before the store is loaded. */
typedef struct {
    int64_t *id;
    size_t n, cap;
    int64_t upto; /* the last queue row read: cleared after the alerts */
} changed_t;

static tw_err_t changed_add(void *ctx, int64_t worker)
{
    changed_t *c = ctx;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 256;
        int64_t *p = realloc(c->id, nc * sizeof *p);
        if (!p)
            return TW_ENOMEM;
        c->id = p;
        c->cap = nc;
    }
    c->id[c->n++] = worker;
    return TW_OK;
}

/* Marks the changed workers, the workers standing for their persons now,
 * and their applications (never_entered reads the person's crossings). */
static tw_err_t mark_changed(const eng_index_t *ix, const changed_t *ch, ind_marks_t *mk)
{
    uint32_t nw = mk->n[IK_WORKER], i;
    unsigned char *hit;
    size_t k;
    if (ch->n == 0 || nw == 0)
        return TW_OK;
    if (!(hit = calloc(nw, 1)))
        return TW_ENOMEM;
    for (k = 0; k < ch->n; k++) {
        int64_t w = ch->id[k];
        if (w <= 0 || w >= (int64_t)nw)
            continue; /* a worker the index does not hold */
        hit[w] = 1;
        ind_mark(mk, IK_WORKER, (uint32_t)w);
        if (ix->worker_rep && (uint32_t)w < ix->nentities[ENT_WORKER] &&
            ix->worker_rep[w] < nw) {
            hit[ix->worker_rep[w]] = 1;
            ind_mark(mk, IK_WORKER, ix->worker_rep[w]);
        }
    }
    for (i = 0; i < ix->napps; i++)
        if (ix->apps[i].worker < nw && hit[ix->apps[i].worker])
            ind_mark(mk, IK_APPLICATION, i);
    free(hit);
    return TW_OK;
}

/* The marks of an incremental run: what the delta touches and the workers
 * a link run changed, propagated, and every entity with a suppression (one
 * may have expired or been lifted). */
static tw_err_t scope_of(store_t *st, const eng_index_t *ix, const config_t *cfg,
                         int32_t old_horizon, const changed_t *ch, ind_marks_t *mk,
                         tw_errinfo_t *ei)
{
    score_suppressions_t all = {NULL, 0};
    size_t i;
    tw_err_t err;

    if ((err = ind_marks_init(mk, ix)) != TW_OK) {
        tw_errinfo_set(ei, err, "%s", "no memory for the screening scope");
        return err;
    }
    ind_dirty(ix, cfg, old_horizon, mk);
    if ((err = mark_changed(ix, ch, mk)) != TW_OK) {
        ind_marks_free(mk);
        tw_errinfo_set(ei, err, "%s", "no memory for the screening scope");
        return err;
    }
    if ((err = alerts_load_all_suppressions(st, ix, &all, ei)) != TW_OK) {
        ind_marks_free(mk);
        return err;
    }
    for (i = 0; i < all.n; i++)
        ind_mark(mk, (ind_kind_t)all.items[i].kind, all.items[i].entity);
    free(all.items);
    score_dirty(ix, mk);
    return TW_OK;
}

tw_err_t screen_run(store_t *st, const config_t *cfg, const screen_opts_t *o,
                    screen_summary_t *sum, tw_errinfo_t *ei)
{
    engine_t *e = NULL;
    ind_hits_t hits;
    score_result_t sr;
    score_suppressions_t sup = {NULL, 0};
    ind_marks_t mk;
    alerts_screening_t last;
    changed_t ch = {NULL, 0, 0, 0};
    const eng_index_t *ix;
    struct timespec t0, c0;
    int found = 0, r;
    tw_err_t err;

    memset(sum, 0, sizeof(*sum));
    memset(&sr, 0, sizeof(sr));
    memset(&mk, 0, sizeof(mk));
    ind_hits_init(&hits);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if (o->incremental) {
        if ((err = alerts_last_screening(st, &last, &found, ei)) != TW_OK)
            goto out;
        if (!found)
            sum->why_full = "no earlier screening";
        else if (last.config_digest != config_digest(cfg))
            sum->why_full = "the config differs from the last screening's";
        else
            sum->incremental = 1;
    }
    /* before the load: a link run that commits meanwhile stays queued */
    if ((err = persons_changed_workers(st, changed_add, &ch, &ch.upto)) != TW_OK) {
        if (err == TW_EDB)
            store_db_error(st, ei, "reading the workers a link run changed");
        goto out;
    }
    if ((err = engine_load_since(st, sum->incremental ? last.watermark : NULL, &e, ei)) !=
        TW_OK)
        goto out;
    ix = engine_index(e);
    sum->t_load = seconds_since(&t0);
    sum->c_load = cpu_since(&c0);
    if ((err = ind_compute_all(ix, cfg, &hits)) != TW_OK) {
        tw_errinfo_set(ei, err, "computing indicators: %s", tw_strerror(err));
        goto out;
    }
    sum->t_indicators = seconds_since(&t0) - sum->t_load;
    sum->c_indicators = cpu_since(&c0) - sum->c_load;
    if (o->hits_path && (err = write_hits(st, ix, &hits, o->hits_path, ei)) != TW_OK)
        goto out;
    if ((err = alerts_load_suppressions(st, ix, &sup, ei)) != TW_OK)
        goto out;
    if ((err = score_compute_suppressed(ix, &hits, cfg, &sup, &sr)) != TW_OK) {
        tw_errinfo_set(ei, err, "scoring: %s", tw_strerror(err));
        goto out;
    }
    sum->t_scores = seconds_since(&t0) - sum->t_load - sum->t_indicators;
    sum->c_scores = cpu_since(&c0) - sum->c_load - sum->c_indicators;
    if (sum->incremental) {
        if ((err = scope_of(st, ix, cfg, last.horizon, &ch, &mk, ei)) != TW_OK)
            goto out;
        for (r = 0; r < 4; r++)
            sum->changed_records += ix->delta.nrecs[r];
    }
    if (o->write_lock)
        o->write_lock(o->lock_ctx, 1);
    err = alerts_apply(st, ix, &hits, &sr, cfg, sum->incremental ? &mk : NULL,
                       o->actor ? o->actor : "screen", &sum->alerts, ei);
    /* the alerts of those workers are as a full run would leave them now */
    if (err == TW_OK && (err = persons_changed_workers_done(st, ch.upto)) != TW_OK)
        store_db_error(st, ei, "clearing the workers a link run changed");
    if (o->write_lock)
        o->write_lock(o->lock_ctx, 0);
    if (err != TW_OK)
        goto out;
    sum->person_changes = ch.n;
    sum->t_alerts = seconds_since(&t0) - sum->t_load - sum->t_indicators - sum->t_scores;
    sum->c_alerts = cpu_since(&c0) - sum->c_load - sum->c_indicators - sum->c_scores;
    sum->napps = ix->napps;
    sum->index_bytes = ix->bytes;
    sum->ncrossings = ix->ncrossings;
    sum->ninspections = ix->ninspections;
    sum->nreports = ix->nreports;
    sum->nhits = hits.n;
    sum->nrolled = sr.rolled.n;
    sum->nentities = sr.n;
out:
    free(ch.id);
    ind_marks_free(&mk);
    free(sup.items);
    score_free(&sr);
    ind_hits_free(&hits);
    engine_free(e);
    return err;
}

void screen_print(const screen_summary_t *sum, const config_t *cfg, FILE *out)
{
    const alerts_summary_t *a = &sum->alerts;
    fprintf(out,
            "screen: %u applications, %u border crossings, %u inspections, %u reports "
            "under config %s\n",
            sum->napps, sum->ncrossings, sum->ninspections, sum->nreports, config_version(cfg));
    if (sum->incremental)
        fprintf(out,
                "screen: incremental: %zu changed records and %zu workers whose person "
                "changed touch %lld entities\n",
                sum->changed_records, sum->person_changes, a->considered);
    else if (sum->why_full)
        fprintf(out, "screen: full (%s)\n", sum->why_full);
    fprintf(out, "screen: %zu indicator hits (+%zu carried to employers and workers) on %zu "
                 "entities\n",
            sum->nhits, sum->nrolled, sum->nentities);
    fprintf(out,
            "screen: alerts raised %lld, updated %lld, unchanged %lld, lowered %lld; "
            "open: %lld high, %lld medium, %lld low\n",
            a->raised, a->updated, a->unchanged, a->lowered, a->open_by_level[3],
            a->open_by_level[2], a->open_by_level[1]);
    fprintf(out, "screen: load %.2f s, indicators %.2f s, scores %.2f s, alerts %.2f s\n",
            sum->t_load, sum->t_indicators, sum->t_scores, sum->t_alerts);
    fprintf(out, "screen: cpu load %.2f s, indicators %.2f s, scores %.2f s, alerts %.2f s\n",
            sum->c_load, sum->c_indicators, sum->c_scores, sum->c_alerts);
    fprintf(out, "screen: index %.1f MiB, %zu bytes per application\n",
            (double)sum->index_bytes / (1024.0 * 1024.0),
            sum->napps ? sum->index_bytes / sum->napps : 0);
}
