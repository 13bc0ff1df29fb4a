/*
 * backtest.c - indicators and scores against outcome labels (backtest.h).
 *
 * Data structure: one label per labelled entity (the latest outcome row of
 * each entity_type:entity_key), resolved to the engine's entity id, with a
 * bit set of the catalogue indicators that hit it and its score. Labels are
 * found from hits through a map keyed by (kind, entity id).
 *
 * Nothing is written to the store; the run is read-only.
 */
#include "engine/backtest.h"

#include <stdlib.h>
#include <string.h>

#include "engine/calibrate.h"
#include "engine/engine.h"
#include "engine/indicators.h"
#include "engine/score.h"
#include "base/strmap.h"

typedef struct {
    uint8_t kind;       /* ind_kind_t */
    uint32_t entity;
    int confirmed;
    uint64_t indicators; /* bit i: catalogue indicator i hit this entity */
    double score;        /* 0 when the entity had no hit */
} label_t;

typedef struct {
    const eng_index_t *ix;
    store_t *st;
    strmap_t app_keys;  /* application_id -> index */
    strmap_t by_key;    /* outcome row_key -> label index */
    label_t *labels;
    size_t n, cap;
    long long unknown;  /* labels naming an entity not in the registers */
} bt_t;

static tw_err_t outcome_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    bt_t *b = ctx;
    const char *type = c[1].text;
    uint8_t kind;
    uint32_t entity = 0;
    uint64_t *slot;
    int added;
    tw_err_t err;

    (void)row_id;
    (void)n;
    if (c[0].null || c[1].null || c[2].null || c[3].null)
        return TW_OK;
    if (strcmp(type, "application") == 0) {
        uint64_t *v = strmap_get(&b->app_keys, c[2].text, c[2].len);
        kind = IK_APPLICATION;
        if (v)
            entity = (uint32_t)*v;
        else
            entity = UINT32_MAX;
    } else {
        store_entity_t ek = strcmp(type, "worker") == 0     ? ENT_WORKER
                            : strcmp(type, "employer") == 0 ? ENT_EMPLOYER
                                                            : ENT_INTERMEDIARY;
        int64_t id;
        kind = ek == ENT_WORKER ? IK_WORKER : ek == ENT_EMPLOYER ? IK_EMPLOYER : IK_INTERMEDIARY;
        err = store_entity_find(b->st, ek, c[2].text, c[2].len, &id);
        if (err == TW_OK)
            entity = (uint32_t)id;
        else if (err == TW_ENOTFOUND)
            entity = UINT32_MAX;
        else
            return err;
    }
    /* the latest outcome row of an entity wins */
    if ((err = strmap_put(&b->by_key, c[0].text, c[0].len, b->n, &slot, &added, NULL)) != TW_OK)
        return err;
    if (added) {
        if (b->n == b->cap) {
            size_t ncap = b->cap ? b->cap * 2 : 256;
            label_t *nl = realloc(b->labels, ncap * sizeof(*nl));
            if (!nl)
                return TW_ENOMEM;
            b->labels = nl;
            b->cap = ncap;
        }
        b->n++;
    }
    memset(&b->labels[*slot], 0, sizeof(b->labels[*slot]));
    b->labels[*slot].kind = kind;
    b->labels[*slot].entity = entity;
    b->labels[*slot].confirmed = strcmp(c[3].text, "confirmed") == 0;
    return TW_OK;
}

/* (kind, entity) as a 5-byte map key. */
static void ent_key(uint8_t kind, uint32_t entity, char out[5])
{
    out[0] = (char)kind;
    memcpy(out + 1, &entity, 4);
}

typedef struct {
    long long tp, fp, fn, tn;
} confusion_t;

static void print_row(FILE *out, backtest_format_t fmt, const char *what, const char *kinds,
                      const confusion_t *c, long long volume, double threshold)
{
    double p = c->tp + c->fp ? (double)c->tp / (double)(c->tp + c->fp) : 0;
    double r = c->tp + c->fn ? (double)c->tp / (double)(c->tp + c->fn) : 0;
    if (fmt == BACKTEST_CSV)
        fprintf(out, "%s,%s,%g,%lld,%lld,%lld,%.4f,%.4f,%lld\n", what, kinds, threshold, c->tp,
                c->fp, c->fn, p, r, volume);
    else
        fprintf(out, "%-30s %-22s %6.0f %6lld %6lld %6lld %9.3f %7.3f %8lld\n", what, kinds,
                threshold, c->tp, c->fp, c->fn, p, r, volume);
}

tw_err_t backtest_run(store_t *st, const config_t *cfg, int sweep, backtest_format_t fmt,
                      FILE *out, tw_errinfo_t *ei)
{
    static const char *const cols[] = {"row_key", "entity_type", "entity_key", "outcome", NULL};
    engine_t *e = NULL;
    ind_hits_t hits;
    score_result_t sr;
    bt_t b;
    strmap_t lab;
    size_t ncat, i, k;
    const ind_def_t *cat = ind_catalogue(&ncat);
    long long *volume = NULL;
    double low = config_level_low(cfg);
    tw_err_t err;

    memset(&b, 0, sizeof(b));
    memset(&sr, 0, sizeof(sr));
    ind_hits_init(&hits);
    strmap_init(&b.app_keys);
    strmap_init(&b.by_key);
    strmap_init(&lab);
    b.st = st;
    if (ncat > 64) {
        err = tw_errinfo_set(ei, TW_EINTERNAL, "catalogue larger than 64 indicators");
        goto out;
    }
    if ((err = engine_load(st, &e, ei)) != TW_OK)
        goto out;
    b.ix = engine_index(e);
    for (i = 0; i < b.ix->napps; i++) {
        const char *key = eng_str(b.ix, b.ix->apps[i].key);
        if ((err = strmap_put(&b.app_keys, key, strlen(key), i, NULL, NULL, NULL)) != TW_OK)
            goto out;
    }
    if ((err = store_scan(st, REG_OUTCOMES, cols, outcome_row, &b)) != TW_OK) {
        tw_errinfo_set(ei, err, "reading outcomes: %s", tw_strerror(err));
        goto out;
    }
    if ((err = ind_compute_all(b.ix, cfg, &hits)) != TW_OK ||
        (err = score_compute(b.ix, &hits, cfg, &sr)) != TW_OK) {
        tw_errinfo_set(ei, err, "screening: %s", tw_strerror(err));
        goto out;
    }
    for (i = 0; i < b.n; i++) {
        char key[5];
        if (b.labels[i].entity == UINT32_MAX) {
            b.unknown++;
            continue;
        }
        ent_key(b.labels[i].kind, b.labels[i].entity, key);
        if ((err = strmap_put(&lab, key, 5, i, NULL, NULL, NULL)) != TW_OK)
            goto out;
    }
    volume = calloc(ncat, sizeof(*volume));
    if (!volume) {
        err = TW_ENOMEM;
        goto out;
    }
    /* which indicators hit each labelled entity; volumes */
    for (i = 0; i < hits.n + sr.rolled.n; i++) {
        const ind_hit_t *h = score_hit(&sr, &hits, (uint32_t)i);
        char key[5];
        uint64_t *v;
        volume[h->indicator]++;
        ent_key(h->kind, h->entity, key);
        if ((v = strmap_get(&lab, key, 5)) != NULL)
            b.labels[*v].indicators |= 1ull << h->indicator;
    }
    for (i = 0; i < sr.n; i++) {
        char key[5];
        uint64_t *v;
        ent_key(sr.ents[i].kind, sr.ents[i].entity, key);
        if ((v = strmap_get(&lab, key, 5)) != NULL)
            b.labels[*v].score = sr.ents[i].score;
    }

    if (fmt == BACKTEST_CSV) {
        fputs("what,entity_types,threshold,true_positives,false_positives,false_negatives,"
              "precision,recall,volume\n",
              out);
    } else {
        long long conf = 0;
        for (i = 0; i < b.n; i++)
            conf += b.labels[i].confirmed;
        fprintf(out, "backtest under config %s: %zu labelled entities (%lld confirmed), %lld not "
                     "found in the registers (left out)\n\n",
                config_version(cfg), b.n, conf, b.unknown);
        fprintf(out, "%-30s %-22s %6s %6s %6s %6s %9s %7s %8s\n", "indicator", "labels of",
                "thr", "TP", "FP", "FN", "precision", "recall", "volume");
    }
    for (k = 0; k < ncat; k++) {
        const ind_def_t *d = &cat[k];
        int emp_too = d->kind == IK_APPLICATION && !d->vulnerability;
        confusion_t c = {0, 0, 0, 0};
        char kinds[40];
        snprintf(kinds, sizeof(kinds), "%s%s", ind_kind_name(d->kind),
                 emp_too ? "+employer" : "");
        for (i = 0; i < b.n; i++) {
            const label_t *l = &b.labels[i];
            int hit;
            if (l->entity == UINT32_MAX ||
                !(l->kind == d->kind || (emp_too && l->kind == IK_EMPLOYER)))
                continue;
            hit = (l->indicators >> k) & 1;
            if (hit && l->confirmed)
                c.tp++;
            else if (hit)
                c.fp++;
            else if (l->confirmed)
                c.fn++;
            else
                c.tn++;
        }
        print_row(out, fmt, d->id, kinds, &c, volume[k], 0);
    }
    /* the score: per labelled entity type, then all together */
    {
        static const uint8_t kinds[] = {IK_APPLICATION, IK_WORKER, IK_EMPLOYER, IK_INTERMEDIARY};
        double t, from = sweep ? 5 : low, to = sweep ? 95 : low;
        if (fmt == BACKTEST_TABLE)
            fputc('\n', out);
        for (t = from; t <= to + 1e-9; t += 5) {
            confusion_t all = {0, 0, 0, 0};
            long long vol_all = 0;
            for (k = 0; k < sizeof(kinds); k++) {
                confusion_t c = {0, 0, 0, 0};
                long long vol = 0;
                char what[40];
                for (i = 0; i < sr.n; i++)
                    vol += sr.ents[i].kind == kinds[k] && sr.ents[i].score >= t;
                for (i = 0; i < b.n; i++) {
                    const label_t *l = &b.labels[i];
                    int hit = l->score >= t;
                    if (l->entity == UINT32_MAX || l->kind != kinds[k])
                        continue;
                    if (hit && l->confirmed)
                        c.tp++;
                    else if (hit)
                        c.fp++;
                    else if (l->confirmed)
                        c.fn++;
                }
                all.tp += c.tp;
                all.fp += c.fp;
                all.fn += c.fn;
                vol_all += vol;
                snprintf(what, sizeof(what), "score >= %g", t);
                print_row(out, fmt, what, ind_kind_name((ind_kind_t)kinds[k]), &c, vol, t);
            }
            print_row(out, fmt, "score", "all labelled types", &all, vol_all, t);
        }
    }
    /* the measures calibrate reports, so a hand-made and a learnt config
     * compare side by side */
    if (fmt == BACKTEST_TABLE)
        err = calibrate_print_measures(st, b.ix, &hits, &sr, cfg, out, ei);
out:
    free(volume);
    free(b.labels);
    strmap_free(&b.app_keys);
    strmap_free(&b.by_key);
    strmap_free(&lab);
    score_free(&sr);
    ind_hits_free(&hits);
    engine_free(e);
    return err;
}
