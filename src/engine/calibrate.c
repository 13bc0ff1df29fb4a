/*
 * calibrate.c - weights and priors learnt from outcome labels (contract in
 * calibrate.h; method and measures in docs/internals/calibrate.md).
 *
 * Data: per kind of labelled entity, a design of rows. An entity with any
 * evidence is a row of sparse features (one per evidence indicator: the
 * strength its score sums, times rollup_weight when carried, times its
 * vulnerability factor); entities without evidence all look alike, so
 * they are one row per (fold, class) whose weight is how many they are.
 * A register of 10^6 applications is then tens of thousands of rows, not
 * millions, for the fitter (learn.c) and the measures.
 *
 * Invariants:
 *   1. The learnt model is the score: logit = prior_KIND + V * sum
 *      weight_KIND_i * s_i (* rollup_weight for carried hits), with
 *      V and s_i as score.c computes them under the base config, so the
 *      written config scores exactly what was fitted.
 *   2. An entity with contradictory labels, or a label naming no entity,
 *      is in no row: counted and reported only.
 *   3. Every row of a fold's held-out part is predicted by a model that
 *      did not see that fold.
 *   4. A config is returned only after config_parse() accepted it and
 *      every value written reads back.
 *   5. A worker without a label of its own is confirmed when one of its
 *      applications is (counted apart as derived); an own label always wins.
 * Single-threaded; reads the store (outcomes) and the engine's index.
 */
#include "engine/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "engine/learn.h"

#define NLK 4 /* the kinds outcomes can label */
static const ind_kind_t lkinds[NLK] = {IK_APPLICATION, IK_WORKER, IK_EMPLOYER,
                                       IK_INTERMEDIARY};

enum { CLS_NONE = -1, CLS_CLEARED = 0, CLS_CONFIRMED = 1, CLS_CONTRA = 2 };

/* ---- labels ---------------------------------------------------------- */

typedef struct {
    uint8_t kind;
    uint32_t entity; /* UINT32_MAX: names no entity of the registers */
    uint8_t seen;    /* bit 0 confirmed, bit 1 cleared */
} lstate_t;

typedef struct {
    int8_t *cls[IK_COUNT]; /* per entity id (applications: record index) */
    uint32_t n[IK_COUNT];
    long long rows;          /* outcome rows read (every version) */
    long long labelled;      /* distinct labelled entities */
    long long unknown;       /* labels naming no entity */
    long long contradictory; /* entities with confirmed and cleared */
    long long confirmed[IK_COUNT], cleared[IK_COUNT], contra[IK_COUNT];
    long long derived; /* workers confirmed through a confirmed application */
} labels_t;

typedef struct {
    const eng_index_t *ix;
    store_t *st;
    strmap_t app_keys;
    strmap_t by_key;
    lstate_t *s;
    size_t n, cap;
    long long rows;
} lscan_t;

static uint32_t nent_of(const eng_index_t *ix, ind_kind_t k)
{
    switch (k) {
    case IK_APPLICATION: return ix->napps;
    case IK_WORKER: return ix->nentities[ENT_WORKER];
    case IK_EMPLOYER: return ix->nentities[ENT_EMPLOYER];
    case IK_INTERMEDIARY: return ix->nentities[ENT_INTERMEDIARY];
    case IK_ADDRESS: return ix->nentities[ENT_ADDRESS];
    case IK_PHONE: return ix->nentities[ENT_PHONE];
    default: return 0;
    }
}

static tw_err_t label_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    lscan_t *b = ctx;
    uint64_t *slot;
    int added;
    tw_err_t err;
    lstate_t *s;

    (void)row_id;
    (void)n;
    b->rows++;
    if (c[0].null || c[1].null || c[2].null || c[3].null)
        return TW_OK;
    if ((err = strmap_put(&b->by_key, c[0].text, c[0].len, b->n, &slot, &added, NULL)) != TW_OK)
        return err;
    if (added) {
        const char *type = c[1].text;
        if (b->n == b->cap) {
            size_t ncap = b->cap ? b->cap * 2 : 256;
            lstate_t *ns = realloc(b->s, ncap * sizeof(*ns));
            if (!ns)
                return TW_ENOMEM;
            b->s = ns;
            b->cap = ncap;
        }
        s = &b->s[b->n++];
        memset(s, 0, sizeof(*s));
        s->entity = UINT32_MAX;
        if (strcmp(type, "application") == 0) {
            uint64_t *v = strmap_get(&b->app_keys, c[2].text, c[2].len);
            s->kind = IK_APPLICATION;
            if (v)
                s->entity = (uint32_t)*v;
        } else {
            store_entity_t ek = strcmp(type, "worker") == 0     ? ENT_WORKER
                                : strcmp(type, "employer") == 0 ? ENT_EMPLOYER
                                                                : ENT_INTERMEDIARY;
            int64_t id;
            s->kind = ek == ENT_WORKER     ? IK_WORKER
                      : ek == ENT_EMPLOYER ? IK_EMPLOYER
                                           : IK_INTERMEDIARY;
            err = store_entity_find(b->st, ek, c[2].text, c[2].len, &id);
            if (err == TW_OK && id > 0 && (uint64_t)id < nent_of(b->ix, (ind_kind_t)s->kind))
                s->entity = (uint32_t)id;
            else if (err != TW_OK && err != TW_ENOTFOUND)
                return err;
        }
    } else {
        s = &b->s[*slot];
    }
    s->seen |= strcmp(c[3].text, "confirmed") == 0 ? 1 : 2;
    return TW_OK;
}

static void labels_free(labels_t *l)
{
    int k;
    for (k = 0; k < IK_COUNT; k++)
        free(l->cls[k]);
    memset(l, 0, sizeof(*l));
}

/* Every version of every outcome row: an entity whose versions (or whose
 * rows under two spellings of its key) say both confirmed and cleared is
 * contradictory (invariant 2). */
static tw_err_t labels_load(store_t *st, const eng_index_t *ix, labels_t *l, tw_errinfo_t *ei)
{
    static const char *const cols[] = {"row_key", "entity_type", "entity_key", "outcome", NULL};
    lscan_t b;
    size_t i;
    int k;
    tw_err_t err = TW_OK;

    memset(l, 0, sizeof(*l));
    memset(&b, 0, sizeof(b));
    b.ix = ix;
    b.st = st;
    strmap_init(&b.app_keys);
    strmap_init(&b.by_key);
    for (i = 0; i < ix->napps && !err; i++) {
        const char *key = eng_str(ix, ix->apps[i].key);
        err = strmap_put(&b.app_keys, key, strlen(key), i, NULL, NULL, NULL);
    }
    if (err)
        goto out;
    if ((err = store_scan(st, REG_OUTCOMES, cols, label_row, &b)) != TW_OK) {
        tw_errinfo_set(ei, err, "reading outcomes: %s", tw_strerror(err));
        goto out;
    }
    for (k = 0; k < NLK; k++) {
        ind_kind_t kk = lkinds[k];
        l->n[kk] = nent_of(ix, kk);
        l->cls[kk] = malloc(l->n[kk] ? l->n[kk] : 1);
        if (!l->cls[kk]) {
            err = TW_ENOMEM;
            goto out;
        }
        memset(l->cls[kk], 0xff, l->n[kk] ? l->n[kk] : 1); /* CLS_NONE */
    }
    l->rows = b.rows;
    for (i = 0; i < b.n; i++) {
        const lstate_t *s = &b.s[i];
        int8_t c = s->seen == 1 ? CLS_CONFIRMED : s->seen == 2 ? CLS_CLEARED : CLS_CONTRA;
        int8_t *slot;
        if (s->entity == UINT32_MAX) {
            l->unknown++;
            continue;
        }
        slot = &l->cls[s->kind][s->entity];
        if (*slot == CLS_NONE)
            *slot = c;
        else if (*slot != c)
            *slot = CLS_CONTRA; /* two keys of one entity that disagree */
    }
    /* A confirmed application confirms the worker it was filed for, when
     * the worker has no label of its own: some schemes (shell employers)
     * are recorded application by application, and without this the
     * worker fit would never see them (invariant 5). */
    for (i = 0; i < ix->napps && i < l->n[IK_APPLICATION]; i++) {
        uint32_t w = ix->apps[i].worker;
        if (ix->worker_rep && w < ix->nentities[ENT_WORKER])
            w = ix->worker_rep[w] ? ix->worker_rep[w] : w;
        if (l->cls[IK_APPLICATION][i] == CLS_CONFIRMED && w > 0 && w < l->n[IK_WORKER] &&
            l->cls[IK_WORKER][w] == CLS_NONE) {
            l->cls[IK_WORKER][w] = CLS_CONFIRMED;
            l->derived++;
        }
    }
    for (k = 0; k < NLK; k++) {
        ind_kind_t kk = lkinds[k];
        uint32_t e;
        for (e = 0; e < l->n[kk]; e++) {
            int8_t c = l->cls[kk][e];
            if (c == CLS_CONFIRMED)
                l->confirmed[kk]++;
            else if (c == CLS_CLEARED)
                l->cleared[kk]++;
            else if (c == CLS_CONTRA)
                l->contra[kk]++;
            if (c != CLS_NONE)
                l->labelled++;
        }
        l->contradictory += l->contra[kk];
    }
out:
    free(b.s);
    strmap_free(&b.app_keys);
    strmap_free(&b.by_key);
    if (err)
        labels_free(l);
    return err;
}

/* ---- the design: rows of features per kind --------------------------- */

typedef struct {
    ind_kind_t kind;
    uint32_t nfeat;
    int feat_of[LEARN_MAX_FEATURES]; /* catalogue index -> feature, -1 none */
    uint16_t ind_of[LEARN_MAX_FEATURES];
    size_t nrows, cap, nnz, capnz;
    uint32_t *off;
    uint16_t *fi;
    float *fv;
    uint8_t *y;
    int8_t *cls;
    uint8_t *fold;
    uint8_t *zero;   /* 1: the aggregate of entities without evidence */
    double *count;   /* entities the row stands for */
    double *score;   /* the config's score, 0..100 */
    long long active_pos; /* confirmed entities with any evidence */
} design_t;

static void design_free(design_t *d)
{
    free(d->off);
    free(d->fi);
    free(d->fv);
    free(d->y);
    free(d->cls);
    free(d->fold);
    free(d->zero);
    free(d->count);
    free(d->score);
    memset(d, 0, sizeof(*d));
}

static tw_err_t design_row(design_t *d, int8_t cls, uint8_t fold, double count, double score,
                           int zero)
{
    if (d->nrows + 1 >= d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 1024;
#define GROW(p)                                                                                \
    do {                                                                                       \
        void *np = realloc(d->p, nc * sizeof(*d->p));                                          \
        if (!np)                                                                               \
            return TW_ENOMEM;                                                                  \
        d->p = np;                                                                             \
    } while (0)
        GROW(off);
        GROW(y);
        GROW(cls);
        GROW(fold);
        GROW(zero);
        GROW(count);
        GROW(score);
#undef GROW
        if (d->cap == 0)
            d->off[0] = 0;
        d->cap = nc;
    }
    d->y[d->nrows] = cls == CLS_CONFIRMED;
    d->cls[d->nrows] = cls;
    d->fold[d->nrows] = fold;
    d->zero[d->nrows] = (uint8_t)zero;
    d->count[d->nrows] = count;
    d->score[d->nrows] = score;
    d->nrows++;
    d->off[d->nrows] = (uint32_t)d->nnz;
    return TW_OK;
}

static tw_err_t design_feat(design_t *d, uint16_t f, double v)
{
    if (d->nnz == d->capnz) {
        size_t nc = d->capnz ? d->capnz * 2 : 4096;
        uint16_t *nfi = realloc(d->fi, nc * sizeof(*nfi));
        float *nfv;
        if (!nfi)
            return TW_ENOMEM;
        d->fi = nfi;
        nfv = realloc(d->fv, nc * sizeof(*nfv));
        if (!nfv)
            return TW_ENOMEM;
        d->fv = nfv;
        d->capnz = nc;
    }
    d->fi[d->nnz] = f;
    d->fv[d->nnz] = (float)v;
    d->nnz++;
    return TW_OK;
}

/* The fold of an entity: by the employer its scheme runs under, so that
 * the workers and applications of one employer are on one side. */
static uint8_t fold_of(const eng_index_t *ix, ind_kind_t k, uint32_t e, unsigned folds)
{
    uint64_t group = e, tag = (uint64_t)k << 40;
    if (k == IK_APPLICATION && e < ix->napps && ix->apps[e].employer) {
        group = ix->apps[e].employer;
        tag = (uint64_t)IK_EMPLOYER << 40;
    } else if (k == IK_WORKER && e < ix->apps_by_worker.n &&
               ix->apps_by_worker.off[e] < ix->apps_by_worker.off[e + 1]) {
        uint32_t a = ix->apps_by_worker.items[ix->apps_by_worker.off[e]];
        if (ix->apps[a].employer) {
            group = ix->apps[a].employer;
            tag = (uint64_t)IK_EMPLOYER << 40;
        }
    }
    return (uint8_t)(strmap_mix64(tag ^ group ^ 0x9e3779b97f4a7c15ull) % folds);
}

static double factor_of(const config_t *cfg, const ind_def_t *d, double vmax)
{
    const config_t *def = config_builtin();
    double f = config_indicator_param(
        cfg, d->id, "factor", def ? config_indicator_param(def, d->id, "factor", 1.3) : 1.3);
    return f < 1 ? 1 : f > vmax ? vmax : f;
}

/* Rows for kind k from a screening under cfg. */
static tw_err_t design_build(const eng_index_t *ix, const ind_hits_t *hits,
                             const score_result_t *sr, const config_t *cfg, const labels_t *l,
                             ind_kind_t k, unsigned folds, design_t *d)
{
    size_t ncat, i;
    const ind_def_t *cat = ind_catalogue(&ncat);
    double rollw = config_score(cfg, "rollup_weight", 1.0);
    double vmax = config_score(cfg, "vulnerability_max_factor", 1.5);
    double zscore = 100.0 / (1.0 + exp(-score_prior(cfg, k)));
    uint32_t nent = nent_of(ix, k), e, first = k == IK_APPLICATION ? 0 : 1;
    unsigned char *has = NULL;
    double x[LEARN_MAX_FEATURES], zcount[256][3];
    int touched[LEARN_MAX_FEATURES], nt, f;
    tw_err_t err = TW_OK;

    memset(d, 0, sizeof(*d));
    d->kind = k;
    if (ncat > LEARN_MAX_FEATURES || folds > 256)
        return TW_EINTERNAL;
    for (i = 0; i < ncat; i++)
        d->feat_of[i] = -1;
    memset(x, 0, sizeof(x));
    memset(zcount, 0, sizeof(zcount));
    has = calloc(nent ? nent : 1, 1);
    if (!has)
        return TW_ENOMEM;
    /* features: first the indicators that reach this kind at all */
    for (i = 0; i < hits->n + sr->rolled.n; i++) {
        const ind_hit_t *h = score_hit(sr, hits, (uint32_t)i);
        if (h->kind == k && !cat[h->indicator].vulnerability && d->feat_of[h->indicator] < 0) {
            d->feat_of[h->indicator] = (int)d->nfeat;
            d->ind_of[d->nfeat++] = h->indicator;
        }
    }
    for (i = 0; i < sr->n && !err; i++) {
        const score_entity_t *se = &sr->ents[i];
        double v = 1;
        uint32_t q;
        int8_t cls;
        if (se->kind != k || se->entity >= nent)
            continue;
        cls = l->cls[k] ? l->cls[k][se->entity] : CLS_NONE;
        for (q = se->first; q < se->first + se->nhits; q++) {
            const ind_hit_t *h = score_hit(sr, hits, sr->order[q]);
            if (cat[h->indicator].vulnerability) {
                double fv = factor_of(cfg, &cat[h->indicator], vmax);
                if (fv > v)
                    v = fv;
            }
        }
        nt = 0;
        for (q = se->first; q < se->first + se->nhits; q++) {
            uint32_t ref = sr->order[q];
            const ind_hit_t *h = score_hit(sr, hits, ref);
            if (cat[h->indicator].vulnerability)
                continue;
            f = d->feat_of[h->indicator];
            if (x[f] == 0)
                touched[nt++] = f;
            x[f] += (double)h->strength * (ref >= hits->n ? rollw : 1.0) * v;
        }
        if (nt == 0)
            continue; /* no evidence: an aggregate row below */
        has[se->entity] = 1;
        if (cls == CLS_CONTRA) {
            for (f = 0; f < nt; f++)
                x[touched[f]] = 0;
            continue;
        }
        for (f = 0; f < nt && !err; f++) {
            if (x[touched[f]] > 0)
                err = design_feat(d, (uint16_t)touched[f], x[touched[f]]);
            x[touched[f]] = 0;
        }
        if (!err)
            err = design_row(d, cls, fold_of(ix, k, se->entity, folds), 1, se->score, 0);
        d->active_pos += cls == CLS_CONFIRMED;
    }
    for (e = first; e < nent && !err; e++) {
        int8_t cls = l->cls[k] ? l->cls[k][e] : CLS_NONE;
        if (has[e] || cls == CLS_CONTRA)
            continue;
        zcount[fold_of(ix, k, e, folds)][cls + 1] += 1;
    }
    for (f = 0; f < (int)folds && !err; f++) {
        int c;
        for (c = 0; c < 3 && !err; c++)
            if (zcount[f][c] > 0)
                err = design_row(d, (int8_t)(c - 1), (uint8_t)f, zcount[f][c], zscore, 1);
    }
    free(has);
    if (err)
        design_free(d);
    return err;
}

/* ---- measures -------------------------------------------------------- */

typedef struct {
    learn_auc_t all, lab;
    learn_confusion_t at[3];
    learn_deciles_t dec;
} measures_t;

/* s: ranking score; p: probability for the deciles; thr: the three levels
 * in the units of s. */
static tw_err_t measure(const design_t *d, const double *s, const double *p,
                        const double thr[3], measures_t *m)
{
    double *wl = malloc((d->nrows ? d->nrows : 1) * sizeof(*wl));
    size_t r;
    int i;
    tw_err_t err;

    if (!wl)
        return TW_ENOMEM;
    for (r = 0; r < d->nrows; r++)
        wl[r] = d->cls[r] == CLS_NONE ? 0 : d->count[r];
    if ((err = learn_auc(s, d->y, d->count, d->nrows, &m->all)) == TW_OK &&
        (err = learn_auc(s, d->y, wl, d->nrows, &m->lab)) == TW_OK)
        err = learn_deciles(p, d->y, d->count, d->nrows, &m->dec);
    for (i = 0; i < 3 && !err; i++)
        learn_confusion(s, d->y, d->count, d->nrows, thr[i], &m->at[i]);
    free(wl);
    return err;
}

static void fmt_auc(char *out, size_t cap, double v)
{
    if (v < 0)
        snprintf(out, cap, "%s", "-");
    else
        snprintf(out, cap, "%.3f", v);
}

static void print_measures(FILE *out, const char *const names[], const measures_t *m[],
                           int ncol, const double level[3])
{
    static const char *const lv[3] = {"low", "medium", "high"};
    int c, i, g;
    char a[32];

    fprintf(out, "    %-34s", "");
    for (c = 0; c < ncol; c++)
        fprintf(out, " %22s", names[c]);
    fputc('\n', out);
    fprintf(out, "    %-34s", "PR-AUC, confirmed vs the rest");
    for (c = 0; c < ncol; c++) {
        fmt_auc(a, sizeof(a), m[c]->all.pr_auc);
        fprintf(out, " %22s", a);
    }
    fprintf(out, "\n    %-34s", "ROC-AUC, confirmed vs the rest");
    for (c = 0; c < ncol; c++) {
        fmt_auc(a, sizeof(a), m[c]->all.roc_auc);
        fprintf(out, " %22s", a);
    }
    fprintf(out, "\n    %-34s", "PR-AUC, confirmed vs cleared");
    for (c = 0; c < ncol; c++) {
        fmt_auc(a, sizeof(a), m[c]->lab.pr_auc);
        fprintf(out, " %22s", a);
    }
    fprintf(out, "\n    %-34s", "ROC-AUC, confirmed vs cleared");
    for (c = 0; c < ncol; c++) {
        fmt_auc(a, sizeof(a), m[c]->lab.roc_auc);
        fprintf(out, " %22s", a);
    }
    fputc('\n', out);
    for (i = 0; i < 3; i++) {
        char what[64];
        snprintf(what, sizeof(what), "at %s (score >= %g): P / R / n", lv[i], level[i]);
        fprintf(out, "    %-34s", what);
        for (c = 0; c < ncol; c++) {
            const learn_confusion_t *k = &m[c]->at[i];
            double p = k->tp + k->fp > 0 ? k->tp / (k->tp + k->fp) : 0;
            double r = k->tp + k->fn > 0 ? k->tp / (k->tp + k->fn) : 0;
            char cell[64];
            snprintf(cell, sizeof(cell), "%.3f / %.3f / %.0f", p, r, k->alerted);
            fprintf(out, " %22s", cell);
        }
        fputc('\n', out);
    }
    fprintf(out, "    calibration by decile (predicted / observed rate of a confirmed label, "
                 "lowest decile first):\n");
    for (c = 0; c < ncol; c++) {
        fprintf(out, "      %-10s", names[c]);
        for (g = 0; g < 10; g++)
            fprintf(out, " %.4f/%.4f", m[c]->dec.pred[g], m[c]->dec.obs[g]);
        fputc('\n', out);
    }
}

static double logit_of(double score100)
{
    double p = score100 / 100.0;
    if (p <= 1e-12)
        p = 1e-12;
    if (p >= 1 - 1e-12)
        p = 1 - 1e-12;
    return log(p / (1 - p));
}

static void print_label_summary(FILE *out, const labels_t *l)
{
    fprintf(out,
            "labels: %lld outcome rows, %lld labelled entities; %lld contradictory (confirmed "
            "and cleared for one entity) and %lld naming no entity of the registers: counted "
            "here, left out of every figure below\n",
            l->rows, l->labelled, l->contradictory, l->unknown);
    if (l->derived)
        fprintf(out,
                "  %lld workers without a label of their own are confirmed because one of their "
                "applications is\n",
                l->derived);
}

static void print_kind_header(FILE *out, const labels_t *l, const design_t *d, double nent)
{
    ind_kind_t k = d->kind;
    fprintf(out,
            "\n%s: %.0f entities; %lld confirmed, %lld cleared, %lld contradictory, %.0f "
            "unlabelled; %s\n",
            ind_kind_name(k), nent, l->confirmed[k], l->cleared[k], l->contra[k],
            nent - (double)(l->confirmed[k] + l->cleared[k] + l->contra[k]),
            l->confirmed[k] == 0 ? "no confirmed label: nothing to learn from (a single class)"
            : l->cleared[k] == 0
                ? "confirmed labels only: positive-unlabelled (the unlabelled entities are not "
                  "taken as cleared; together they weigh as much as the confirmed ones)"
                : "confirmed and cleared labels (cleared entities are known negatives; the "
                  "unlabelled ones are not taken as cleared and weigh as negatives only "
                  "together with them)");
}

/* Entities of the kind in the index (contradictory ones included). */
static double kind_entities(const eng_index_t *ix, ind_kind_t k)
{
    uint32_t n = nent_of(ix, k);
    return k == IK_APPLICATION ? n : n > 0 ? n - 1 : 0;
}

tw_err_t calibrate_print_measures(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                                  const score_result_t *sr, const config_t *cfg, FILE *out,
                                  tw_errinfo_t *ei)
{
    labels_t l;
    double level[3] = {config_level_low(cfg), config_level_medium(cfg), config_level_high(cfg)};
    int k;
    tw_err_t err;

    if ((err = labels_load(st, ix, &l, ei)) != TW_OK)
        return err;
    fprintf(out, "\nmeasures under config %s, as calibrate reports them\n", config_version(cfg));
    print_label_summary(out, &l);
    for (k = 0; k < NLK && !err; k++) {
        design_t d;
        measures_t m;
        const measures_t *mm[1] = {&m};
        static const char *const names[1] = {"this config"};
        double *p;
        size_t r;
        if ((err = design_build(ix, hits, sr, cfg, &l, lkinds[k], 5, &d)) != TW_OK)
            break;
        p = malloc((d.nrows ? d.nrows : 1) * sizeof(*p));
        if (!p) {
            design_free(&d);
            err = TW_ENOMEM;
            break;
        }
        for (r = 0; r < d.nrows; r++)
            p[r] = d.score[r] / 100.0;
        print_kind_header(out, &l, &d, kind_entities(ix, lkinds[k]));
        if ((err = measure(&d, d.score, p, level, &m)) == TW_OK)
            print_measures(out, names, mm, 1, level);
        free(p);
        design_free(&d);
    }
    labels_free(&l);
    return err;
}

/* The base config's measures alone, for a kind that is not fitted. */
static tw_err_t print_before(const design_t *d, const double level[3], FILE *out)
{
    static const char *const names[1] = {"before"};
    double *p = malloc((d->nrows ? d->nrows : 1) * sizeof(*p));
    measures_t m;
    const measures_t *mm[1] = {&m};
    size_t r;
    tw_err_t err;
    if (!p)
        return TW_ENOMEM;
    for (r = 0; r < d->nrows; r++)
        p[r] = d->score[r] / 100.0;
    if ((err = measure(d, d->score, p, level, &m)) == TW_OK)
        print_measures(out, names, mm, 1, level);
    free(p);
    return err;
}

/* ---- fitting --------------------------------------------------------- */

typedef struct {
    int fitted;
    double lambda;
    double prior;                        /* the learnt prior_KIND */
    double w[LEARN_MAX_FEATURES];        /* per feature */
    double base_w[LEARN_MAX_FEATURES];
    long long needed;
    int unreachable;                     /* the recall target was not reachable */
    int recall_floor;   /* level low lowered to keep the base config's recall */
    double base_recall; /* the base config's recall on the labels at level low */
} fit_t;

/* Balanced weights over the rows whose fold is not `skip` (-1: all):
 * confirmed 1 each; cleared up to 1 each, together at most half the
 * confirmed; unlabelled the rest of the confirmed total. Gives the shift
 * that turns the fitted intercept back into the log-odds of a confirmed
 * label among all entities. */
static double balance(const design_t *d, int skip, double *w)
{
    double np = 0, nc = 0, nu = 0, wc, wu;
    size_t r;
    for (r = 0; r < d->nrows; r++) {
        if ((int)d->fold[r] == skip)
            continue;
        if (d->cls[r] == CLS_CONFIRMED)
            np += d->count[r];
        else if (d->cls[r] == CLS_CLEARED)
            nc += d->count[r];
        else
            nu += d->count[r];
    }
    wc = nc > 0 ? (0.5 * np / nc < 1 ? 0.5 * np / nc : 1) : 0;
    if (nu > 0)
        wu = (np - wc * nc) / nu;
    else {
        wu = 0;
        wc = nc > 0 ? np / nc : 0;
    }
    for (r = 0; r < d->nrows; r++) {
        double per = d->cls[r] == CLS_CONFIRMED ? 1 : d->cls[r] == CLS_CLEARED ? wc : wu;
        w[r] = (int)d->fold[r] == skip ? 0 : per * d->count[r];
    }
    /* weighted negatives total np over nc + nu entities */
    return nc + nu > 0 && np > 0 ? log(np / (nc + nu)) : 0;
}

/* The learner's view of a kind's design (borrowed arrays). */
static void learn_data_of(const design_t *d, learn_data_t *ld)
{
    ld->nrows = d->nrows;
    ld->nfeat = d->nfeat;
    ld->off = d->off;
    ld->fi = d->fi;
    ld->fv = d->fv;
    ld->y = d->y;
}

/* Cross-validated logits into cv: each fold's rows scored by a fit on the
 * other folds (balanced by balance(), w its scratch); a fold whose training
 * rows lack a class keeps the base ranking for its rows. */
static tw_err_t cv_logits(const design_t *d, const learn_data_t *ld, unsigned folds,
                          const learn_fit_opts_t *o, double *w, double *cv)
{
    double beta[LEARN_MAX_FEATURES + 1];
    size_t r;
    unsigned f;
    tw_err_t err;

    for (f = 0; f < folds; f++) {
        double sh = balance(d, (int)f, w);
        err = learn_fit(ld, NULL, d->nrows, w, o, beta, NULL);
        if (err == TW_EINPUT) {
            for (r = 0; r < d->nrows; r++)
                if (d->fold[r] == f)
                    cv[r] = logit_of(d->score[r]);
            continue;
        }
        if (err)
            return err;
        for (r = 0; r < d->nrows; r++)
            if (d->fold[r] == f)
                cv[r] = learn_logit(ld, r, beta) + sh;
    }
    return TW_OK;
}

static tw_err_t fit_kind(const design_t *d, const config_t *base, unsigned folds, double recall,
                         double keep, double level_low, FILE *out, fit_t *ft, double *cv_logit)
{
    static const double grid[] = {0.3, 1.0, 3.0, 10.0};
    size_t ncat, r, gi;
    const ind_def_t *cat = ind_catalogue(&ncat);
    learn_data_t ld;
    learn_fit_opts_t o;
    double *w = malloc((d->nrows ? d->nrows : 1) * sizeof(*w));
    double *cv = malloc((d->nrows ? d->nrows : 1) * sizeof(*cv));
    double beta[LEARN_MAX_FEATURES + 1], best_ap = -2, t, zmax = -HUGE_VAL, shift;
    char wkey[40];
    uint32_t j;
    tw_err_t err = TW_OK;

    if (!w || !cv) {
        err = TW_ENOMEM;
        goto out;
    }
    learn_data_of(d, &ld);
    memset(&o, 0, sizeof(o));
    snprintf(wkey, sizeof(wkey), "weight_%s", ind_kind_name(d->kind));
    for (j = 0; j < d->nfeat; j++) {
        const char *id = cat[d->ind_of[j]].id;
        const config_t *def = config_builtin();
        double bw = config_indicator_param(
            base, id, "weight", def ? config_indicator_param(def, id, "weight", 1.0) : 1.0);
        bw = config_indicator_param(base, id, wkey, bw);
        ft->base_w[j] = bw;
        o.prior[j] = bw;
        o.lo[j] = keep * bw; /* monotone: evidence only raises risk */
        o.hi[j] = 10;  /* the config's bound on a weight */
    }
    /* lambda by cross-validated PR-AUC (confirmed vs the rest) */
    for (gi = 0; gi < sizeof(grid) / sizeof(grid[0]); gi++) {
        learn_auc_t a;
        o.lambda = grid[gi];
        if ((err = cv_logits(d, &ld, folds, &o, w, cv)) != TW_OK)
            goto out;
        if ((err = learn_auc(cv, d->y, d->count, d->nrows, &a)) != TW_OK)
            goto out;
        fprintf(out, "    lambda %-5g cross-validated PR-AUC %.3f\n", grid[gi], a.pr_auc);
        if (a.pr_auc > best_ap + 1e-12) {
            best_ap = a.pr_auc;
            ft->lambda = grid[gi];
            memcpy(cv_logit, cv, d->nrows * sizeof(*cv));
        }
    }
    o.lambda = ft->lambda;
    shift = balance(d, -1, w);
    if ((err = learn_fit(&ld, NULL, d->nrows, w, &o, beta, NULL)) != TW_OK)
        goto out;
    /* the level low: by default where it alerts as many entities as the
     * base config does here (the workload the hand-set levels stood for),
     * so before and after compare at equal volume; with a recall target,
     * where cross-validation reaches it. Never at or below the entities
     * without evidence. */
    if (recall > 0) {
        t = learn_threshold_for_recall(cv_logit, d->y, d->count, d->nrows, recall);
    } else {
        /* equal workload, but never less recall on the labels than the
         * base config had: where the learnt ranking is worse at the top
         * (labelled cases are the easy ones, the rest look like them
         * less), the level goes down until it catches as many labelled
         * cases as before, and the report shows what that costs */
        double vol = 0, pos = 0, hit = 0, tr;
        for (r = 0; r < d->nrows; r++) {
            if (d->score[r] >= level_low)
                vol += d->count[r];
            if (d->y[r]) {
                pos += d->count[r];
                hit += d->score[r] >= level_low ? d->count[r] : 0;
            }
        }
        t = learn_threshold_for_volume(cv_logit, d->count, d->nrows, vol);
        ft->base_recall = pos > 0 ? hit / pos : 0;
        if (pos > 0 && hit > 0) {
            tr = learn_threshold_for_recall(cv_logit, d->y, d->count, d->nrows, hit / pos);
            if (tr < t) {
                t = tr;
                ft->recall_floor = 1;
            }
        }
    }
    for (r = 0; r < d->nrows; r++)
        if (d->zero[r] && cv_logit[r] > zmax)
            zmax = cv_logit[r];
    if (t <= zmax) {
        double nxt = HUGE_VAL;
        for (r = 0; r < d->nrows; r++)
            if (!d->zero[r] && cv_logit[r] > zmax && cv_logit[r] < nxt)
                nxt = cv_logit[r];
        ft->unreachable = 1;
        t = nxt < HUGE_VAL ? nxt : zmax + 1;
    }
    /* score = sigmoid(prior + evidence): entities at the cut score `low` */
    ft->prior = beta[0] + shift + (logit_of(level_low) - t);
    for (j = 0; j < d->nfeat; j++)
        ft->w[j] = round(beta[1 + j] * 1e4) / 1e4;
    ft->prior = round(ft->prior * 1e4) / 1e4;
    if (ft->prior < -20)
        ft->prior = -20;
    if (ft->prior > 20)
        ft->prior = 20;
    /* cross-validated logits moved to the written scale, for the report */
    for (r = 0; r < d->nrows; r++)
        cv_logit[r] += logit_of(level_low) - t;
    ft->fitted = 1;
out:
    free(w);
    free(cv);
    return err;
}

/* ---- the new config's text ------------------------------------------- */

typedef struct {
    char section[96]; /* "score" or "indicator ID" */
    char key[48];
    char value[32];
    int done;
} edit_t;

typedef struct {
    edit_t *e;
    size_t n, cap;
} edits_t;

static tw_err_t edit_add(edits_t *es, const char *section, const char *key, double v)
{
    edit_t *e;
    if (es->n == es->cap) {
        size_t nc = es->cap ? es->cap * 2 : 64;
        edit_t *ne = realloc(es->e, nc * sizeof(*ne));
        if (!ne)
            return TW_ENOMEM;
        es->e = ne;
        es->cap = nc;
    }
    e = &es->e[es->n++];
    snprintf(e->section, sizeof(e->section), "%s", section);
    snprintf(e->key, sizeof(e->key), "%s", key);
    snprintf(e->value, sizeof(e->value), "%.4f", v);
    e->done = 0;
    return TW_OK;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* "[ indicator  x ]" -> "indicator x" */
static void section_name(const char *s, size_t len, char *out, size_t cap)
{
    size_t i = 0, o = 0;
    int sp = 0;
    while (i < len && (blank(s[i]) || s[i] == '['))
        i++;
    for (; i < len && s[i] != ']' && s[i] != '#' && s[i] != ';'; i++) {
        if (blank(s[i])) {
            sp = 1;
            continue;
        }
        if (sp && o > 0 && o + 1 < cap)
            out[o++] = ' ';
        sp = 0;
        if (o + 1 < cap)
            out[o++] = s[i];
    }
    out[o] = 0;
}

static void flush_section(FILE *f, edits_t *es, const char *sec)
{
    size_t i;
    for (i = 0; i < es->n; i++)
        if (!es->e[i].done && strcmp(es->e[i].section, sec) == 0) {
            fprintf(f, "%s = %s\n", es->e[i].key, es->e[i].value);
            es->e[i].done = 1;
        }
}

/* The base text with `version` replaced and every edit in its section
 * (an existing line for the same key dropped), sections that did not exist
 * appended. */
static tw_err_t rewrite(const char *text, size_t len, const char *version, const char *header,
                        edits_t *es, char **out, size_t *outlen)
{
    FILE *f = open_memstream(out, outlen);
    size_t pos = 0, i;
    char sec[96] = "";
    if (!f)
        return TW_ENOMEM;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    fputs(header, f);
    fprintf(f, "version = %s\n", version);
    while (pos < len) {
        size_t end = pos, next, a = pos, kend;
        while (end < len && text[end] != '\n' && text[end] != '\r')
            end++;
        next = end;
        if (next < len && text[next] == '\r')
            next++;
        if (next < len && text[next] == '\n' && (next == end || text[next - 1] == '\r'))
            next++;
        else if (end < len && text[end] == '\n')
            next = end + 1;
        while (a < end && blank(text[a]))
            a++;
        if (a < end && text[a] == '[') {
            flush_section(f, es, sec);
            section_name(text + a, end - a, sec, sizeof(sec));
        } else if (a < end && text[a] != '#' && text[a] != ';') {
            int drop = 0;
            for (kend = a; kend < end && text[kend] != '=' && !blank(text[kend]); kend++)
                ;
            if (!sec[0] && kend - a == 7 && memcmp(text + a, "version", 7) == 0)
                drop = 1;
            for (i = 0; i < es->n && !drop; i++)
                if (strcmp(es->e[i].section, sec) == 0 && strlen(es->e[i].key) == kend - a &&
                    memcmp(es->e[i].key, text + a, kend - a) == 0)
                    drop = 1;
            if (drop) {
                pos = next;
                continue;
            }
        }
        fwrite(text + pos, 1, end - pos, f);
        fputc('\n', f);
        pos = next;
    }
    flush_section(f, es, sec);
    for (i = 0; i < es->n; i++)
        if (!es->e[i].done) {
            fprintf(f, "\n[%s]\n", es->e[i].section);
            flush_section(f, es, es->e[i].section);
        }
    if (fclose(f) != 0)
        return TW_ENOMEM;
    return TW_OK;
}

/* ---- threshold fitting (--fit-thresholds) ----------------------------- */

static tw_err_t edits_copy(const edits_t *from, edits_t *to)
{
    memset(to, 0, sizeof(*to));
    if (!from->n)
        return TW_OK;
    if (!(to->e = malloc(from->n * sizeof(*to->e))))
        return TW_ENOMEM;
    memcpy(to->e, from->e, from->n * sizeof(*to->e));
    to->n = to->cap = from->n;
    return TW_OK;
}

/* The thresholds calibrate may move, each over a short grid around the
 * built-in value (the base config's value is always a candidate too). */
static const struct {
    const char *ind, *key;
    double def;
    double grid[5];
    int n;
} tgrid[] = {
    {"wage_far_below_peers", "ratio", 0.6, {0.5, 0.6, 0.7, 0.8}, 4},
    {"permits_over_headcount", "ratio", 3, {2, 3, 4, 6}, 4},
    {"intermediary_share", "share", 0.8, {0.6, 0.7, 0.8, 0.9}, 4},
    {"crowded_residence", "min_workers", 8, {5, 6, 8, 10, 12}, 5},
    {"new_employer_many_permits", "min_applications", 10, {5, 8, 10, 15}, 4},
    {"employer_peer_anomaly", "z", 4, {3, 4, 5}, 3},
};
#define NTGRID (sizeof(tgrid) / sizeof(tgrid[0]))
/* A candidate replaces the value in force only when it raises the mean
 * cross-validated PR-AUC by at least this much: smaller gains are within
 * what resampling the same labels moves (stated, not tuned). */
#define THRESHOLD_MIN_GAIN 0.01

/* Cross-validated PR-AUC (confirmed vs the rest) of a fit at lambda 3 on
 * the design of one kind: the ranking quality the threshold is judged by. */
static tw_err_t cv_pr_auc(const design_t *d, const config_t *cfg, unsigned folds, double *out)
{
    size_t ncat;
    const ind_def_t *cat = ind_catalogue(&ncat);
    learn_data_t ld;
    learn_fit_opts_t o;
    double *w = malloc((d->nrows ? d->nrows : 1) * sizeof(*w));
    double *cv = malloc((d->nrows ? d->nrows : 1) * sizeof(*cv));
    char wkey[40];
    learn_auc_t a;
    uint32_t j;
    tw_err_t err = TW_OK;

    *out = -1;
    if (!w || !cv) {
        err = TW_ENOMEM;
        goto out;
    }
    learn_data_of(d, &ld);
    memset(&o, 0, sizeof(o));
    o.lambda = 3;
    snprintf(wkey, sizeof(wkey), "weight_%s", ind_kind_name(d->kind));
    for (j = 0; j < d->nfeat; j++) {
        const char *id = cat[d->ind_of[j]].id;
        double bw = config_indicator_param(cfg, id, wkey,
                                           config_indicator_param(cfg, id, "weight", 1.0));
        o.prior[j] = bw;
        o.lo[j] = 0;
        o.hi[j] = 10;
    }
    if ((err = cv_logits(d, &ld, folds, &o, w, cv)) != TW_OK)
        goto out;
    if ((err = learn_auc(cv, d->y, d->count, d->nrows, &a)) == TW_OK)
        *out = a.pr_auc;
out:
    free(w);
    free(cv);
    return err;
}

/* base's hits with indicator `ind`'s replaced by `repl` (catalogue order). */
static tw_err_t hits_with(const ind_hits_t *base, uint16_t ind, const ind_hits_t *repl,
                          ind_hits_t *out)
{
    size_t i;
    int done = 0;
    tw_err_t err = TW_OK;
    ind_hits_init(out);
    for (i = 0; i <= base->n && !err; i++) {
        const ind_hit_t *h = i < base->n ? &base->hits[i] : NULL;
        if (!done && (!h || h->indicator >= ind)) {
            size_t k;
            for (k = 0; k < repl->n && !err; k++) {
                const ind_hit_t *x = &repl->hits[k];
                err = ind_hits_add(out, x->indicator, (ind_kind_t)x->kind, x->entity,
                                   x->strength, x->value, x->threshold,
                                   x->nrecords ? repl->records + x->rec_off : NULL,
                                   x->nrecords);
            }
            done = 1;
        }
        if (h && h->indicator != ind && !err)
            err = ind_hits_add(out, h->indicator, (ind_kind_t)h->kind, h->entity, h->strength,
                               h->value, h->threshold,
                               h->nrecords ? base->records + h->rec_off : NULL, h->nrecords);
    }
    if (err)
        ind_hits_free(out);
    return err;
}

/* Mean cross-validated PR-AUC over the kinds in `use` of a screening. */
static tw_err_t judge(const eng_index_t *ix, const ind_hits_t *hits, const config_t *cfg,
                      const labels_t *l, const int use[NLK], unsigned folds, double *mean)
{
    score_result_t sr;
    double sum = 0;
    int k, n = 0;
    tw_err_t err;

    *mean = -1;
    if ((err = score_compute(ix, hits, cfg, &sr)) != TW_OK)
        return err;
    for (k = 0; k < NLK && !err; k++) {
        design_t d;
        double ap;
        if (!use[k])
            continue;
        if ((err = design_build(ix, hits, &sr, cfg, l, lkinds[k], folds, &d)) != TW_OK)
            break;
        if ((err = cv_pr_auc(&d, cfg, folds, &ap)) == TW_OK && ap >= 0) {
            sum += ap;
            n++;
        }
        design_free(&d);
    }
    score_free(&sr);
    if (!err && n)
        *mean = sum / n;
    return err;
}

/* Text of `base_text` with `es` applied (the version kept), parsed. */
static tw_err_t config_with(const calibrate_opts_t *o, edits_t *es, config_t **out)
{
    char *t = NULL;
    size_t tl = 0, i;
    tw_errinfo_t ei;
    tw_err_t err;
    for (i = 0; i < es->n; i++)
        es->e[i].done = 0;
    *out = NULL;
    if ((err = rewrite(o->base_text, o->base_len, config_version(o->base), "", es, &t, &tl)) !=
        TW_OK)
        return err;
    for (i = 0; i < es->n; i++)
        es->e[i].done = 0;
    tw_errinfo_clear(&ei);
    err = config_parse(t, tl, "candidate config", ind_ids(), out, &ei);
    free(t);
    return err == TW_OK ? TW_OK : TW_EINTERNAL;
}

/* Greedy, one threshold at a time in tgrid's order, each judged with the
 * ones already chosen in force: the value with the best mean
 * cross-validated PR-AUC over the kinds with enough labels, kept only when
 * it beats the value in force by THRESHOLD_MIN_GAIN. The chosen values are
 * added to `es`; *tuned receives the config with them (NULL: none moved),
 * and *hits the screening under it. */
static tw_err_t fit_thresholds(const eng_index_t *ix, ind_hits_t *hits,
                               const calibrate_opts_t *o, const labels_t *l, unsigned folds,
                               double epv, FILE *report, edits_t *es, config_t **tuned)
{
    size_t ncat, t;
    const ind_def_t *cat = ind_catalogue(&ncat);
    int use[NLK] = {0}, k, nuse = 0;
    const config_t *cur = o->base;
    config_t *own = NULL;
    tw_err_t err = TW_OK;

    *tuned = NULL;
    /* the kinds with enough labels for the features they have now */
    {
        score_result_t sr;
        if ((err = score_compute(ix, hits, o->base, &sr)) != TW_OK)
            return err;
        for (k = 0; k < NLK && !err; k++) {
            design_t d;
            if ((err = design_build(ix, hits, &sr, o->base, l, lkinds[k], folds, &d)) != TW_OK)
                break;
            /* a kind no indicator reaches yet may gain one from a threshold */
            use[k] = l->confirmed[lkinds[k]] >= (long long)folds &&
                     (double)l->confirmed[lkinds[k]] >= epv * (d.nfeat ? d.nfeat : 1);
            nuse += use[k];
            design_free(&d);
        }
        score_free(&sr);
        if (err)
            return err;
    }
    fprintf(report, "\nthresholds (--fit-thresholds): judged by the mean cross-validated "
                    "PR-AUC of");
    for (k = 0; k < NLK; k++)
        if (use[k])
            fprintf(report, " %s", ind_kind_name(lkinds[k]));
    if (!nuse) {
        fprintf(report, " no kind: none has enough labels; every threshold stays\n");
        return TW_OK;
    }
    fprintf(report, "; a value replaces the one in force only with a gain of at least %g\n",
            THRESHOLD_MIN_GAIN);
    for (t = 0; t < NTGRID && !err; t++) {
        int ind = ind_find(tgrid[t].ind), g, best = -1;
        double now = config_indicator_param(cur, tgrid[t].ind, tgrid[t].key, tgrid[t].def);
        double cand[6], score[6], pct;
        unsigned dims;
        int nc = 0, at_now = -1;
        char sec[96];
        snprintf(sec, sizeof(sec), "indicator %s", tgrid[t].ind);
        if (ind < 0 || !config_indicator_enabled(cur, tgrid[t].ind))
            continue;
        if (config_indicator_rel(cur, tgrid[t].ind, tgrid[t].key, &pct, &dims)) {
            fprintf(report, "    %s %s: relative (p%g), not fitted\n", tgrid[t].ind,
                    tgrid[t].key, pct);
            continue;
        }
        for (g = 0; g < tgrid[t].n; g++)
            cand[nc++] = tgrid[t].grid[g];
        for (g = 0; g < nc && cand[g] != now; g++)
            ;
        if (g == nc)
            cand[nc++] = now;
        fprintf(report, "    %s %s:", tgrid[t].ind, tgrid[t].key);
        for (g = 0; g < nc && !err; g++) {
            edits_t one;
            config_t *c = NULL;
            ind_hits_t part, all;
            memset(&one, 0, sizeof(one));
            /* the values chosen so far, and this candidate */
            if ((err = edits_copy(es, &one)) != TW_OK ||
                (err = edit_add(&one, sec, tgrid[t].key, cand[g])) != TW_OK ||
                (err = config_with(o, &one, &c)) != TW_OK) {
                free(one.e);
                break;
            }
            free(one.e);
            ind_hits_init(&part);
            err = cat[ind].compute(&cat[ind], (uint16_t)ind, ix, c, &part);
            if (!err && (err = hits_with(hits, (uint16_t)ind, &part, &all)) == TW_OK) {
                err = judge(ix, &all, c, l, use, folds, &score[g]);
                ind_hits_free(&all);
            }
            ind_hits_free(&part);
            config_free(c);
            if (!err)
                fprintf(report, " %g -> %.3f%s", cand[g], score[g], cand[g] == now ? " (in force)" : "");
            if (cand[g] == now)
                at_now = g;
            if (!err && (best < 0 || score[g] > score[best]))
                best = g;
        }
        if (err)
            break;
        if (best >= 0 && at_now >= 0 && cand[best] != now &&
            score[best] >= score[at_now] + THRESHOLD_MIN_GAIN) {
            config_t *c = NULL;
            ind_hits_t part, all;
            fprintf(report, "; set to %g\n", cand[best]);
            if ((err = edit_add(es, sec, tgrid[t].key, cand[best])) != TW_OK ||
                (err = config_with(o, es, &c)) != TW_OK)
                break;
            ind_hits_init(&part);
            err = cat[ind].compute(&cat[ind], (uint16_t)ind, ix, c, &part);
            if (!err && (err = hits_with(hits, (uint16_t)ind, &part, &all)) == TW_OK) {
                ind_hits_free(hits);
                *hits = all;
            }
            ind_hits_free(&part);
            config_free(own);
            own = c;
            cur = own;
        } else {
            fprintf(report, "; stays %g\n", now);
        }
    }
    if (err) {
        config_free(own);
        return err;
    }
    *tuned = own;
    return TW_OK;
}

/* ---- calibrate_run --------------------------------------------------- */

tw_err_t calibrate_run(store_t *st, const calibrate_opts_t *o, FILE *report, char **text,
                       size_t *len, tw_errinfo_t *ei)
{
    size_t ncat;
    const ind_def_t *cat = ind_catalogue(&ncat);
    unsigned folds = o->folds ? o->folds : 5;
    double recall = o->recall, epv = o->epv > 0 ? o->epv : 10;
    double level[3] = {config_level_low(o->base), config_level_medium(o->base),
                       config_level_high(o->base)};
    engine_t *eng = NULL;
    const eng_index_t *ix;
    ind_hits_t hits;
    score_result_t sr;
    labels_t l;
    edits_t es;
    fit_t fits[NLK];
    int k, nfit = 0;
    long long worst_needed = 0, worst_have = 0;
    char version[65], header[1024];
    config_t *tuned = NULL;
    const config_t *base = o->base;
    tw_err_t err;

    *text = NULL;
    *len = 0;
    memset(&l, 0, sizeof(l));
    memset(&es, 0, sizeof(es));
    memset(&sr, 0, sizeof(sr));
    memset(fits, 0, sizeof(fits));
    ind_hits_init(&hits);
    if (folds < 2 || folds > 20)
        return tw_errinfo_set(ei, TW_EINPUT, "folds must be 2 to 20, not %u", folds);
    if (!(o->keep >= 0 && o->keep <= 1))
        return tw_errinfo_set(ei, TW_EINPUT, "the share of the base weights kept must be in "
                                             "[0, 1], not %g", o->keep);
    if (recall < 0 || recall > 1)
        return tw_errinfo_set(ei, TW_EINPUT, "the recall target must be in (0, 1], not %g",
                              recall);
    if ((err = engine_load(st, &eng, ei)) != TW_OK)
        goto out;
    ix = engine_index(eng);
    if ((err = ind_compute_all(ix, o->base, &hits)) != TW_OK ||
        (err = score_compute(ix, &hits, o->base, &sr)) != TW_OK) {
        tw_errinfo_set(ei, err, "screening: %s", tw_strerror(err));
        goto out;
    }
    if ((err = labels_load(st, ix, &l, ei)) != TW_OK)
        goto out;
    fprintf(report,
            "calibrate: base config %s; %u-fold cross-validation (folds by the employer of an "
            "application or worker, by the entity for employers and intermediaries); ",
            config_version(o->base), folds);
    if (recall > 0)
        fprintf(report, "level low set where %.0f%% of the confirmed labels are reached in "
                        "cross-validation\n", recall * 100);
    else
        fprintf(report, "level low set to alert as many entities of each kind as the base "
                        "config does on this register\n");
    print_label_summary(report, &l);
    if (o->fit_thresholds) {
        if ((err = fit_thresholds(ix, &hits, o, &l, folds, epv, report, &es, &tuned)) !=
            TW_OK) {
            tw_errinfo_set(ei, err, "fitting thresholds: %s", tw_strerror(err));
            goto out;
        }
        if (tuned) { /* the weights below are fitted on the thresholds chosen */
            base = tuned;
            score_free(&sr);
            if ((err = score_compute(ix, &hits, base, &sr)) != TW_OK)
                goto out;
            fprintf(report, "(\"before\" below is the base config with these thresholds)\n");
        }
    }
    for (k = 0; k < NLK; k++) {
        design_t d;
        fit_t *ft = &fits[k];
        double *cv = NULL, *p0 = NULL, *p1 = NULL, thr1[3];
        measures_t m0, m1;
        size_t r;
        uint32_t j;
        ind_kind_t kind = lkinds[k];

        if ((err = design_build(ix, &hits, &sr, base, &l, kind, folds, &d)) != TW_OK)
            goto out;
        print_kind_header(report, &l, &d, kind_entities(ix, kind));
        ft->needed = (long long)ceil(epv * (double)d.nfeat);
        if (ft->needed < (long long)folds)
            ft->needed = folds;
        if (d.nfeat == 0) {
            fprintf(report, "    not fitted: no indicator reaches any %s here\n",
                    ind_kind_name(kind));
            design_free(&d);
            continue;
        }
        if (l.confirmed[kind] == 0 || l.confirmed[kind] < ft->needed) {
            fprintf(report,
                    "    not fitted: %lld confirmed labels; %u features in use need at least "
                    "%lld (%g confirmed per feature, and one per fold); the base weights "
                    "stay\n",
                    l.confirmed[kind], d.nfeat, ft->needed, epv);
            if (!worst_needed || ft->needed - l.confirmed[kind] < worst_needed - worst_have) {
                worst_needed = ft->needed;
                worst_have = l.confirmed[kind];
            }
            if (l.confirmed[kind] > 0 && (err = print_before(&d, level, report)) != TW_OK) {
                design_free(&d);
                goto out;
            }
            design_free(&d);
            continue;
        }
        fprintf(report, "    %u features in use; %lld confirmed labels (%lld needed); %lld of "
                        "them with any evidence\n",
                d.nfeat, l.confirmed[kind], ft->needed, d.active_pos);
        cv = malloc((d.nrows ? d.nrows : 1) * sizeof(*cv));
        p0 = malloc((d.nrows ? d.nrows : 1) * sizeof(*p0));
        p1 = malloc((d.nrows ? d.nrows : 1) * sizeof(*p1));
        if (!cv || !p0 || !p1) {
            err = TW_ENOMEM;
        } else if ((err = fit_kind(&d, base, folds, recall, o->keep, level[0], report, ft,
                                   cv)) == TW_OK) {
            const measures_t *mm[2] = {&m0, &m1};
            static const char *const names[2] = {"before", "after (CV)"};
            double shift_back = ft->prior; /* cv is on the written scale */
            (void)shift_back;
            for (r = 0; r < d.nrows; r++) {
                p0[r] = d.score[r] / 100.0;
                p1[r] = 1.0 / (1.0 + exp(-cv[r]));
            }
            for (j = 0; j < 3; j++)
                thr1[j] = logit_of(level[j]);
            if ((err = measure(&d, d.score, p0, level, &m0)) == TW_OK &&
                (err = measure(&d, cv, p1, thr1, &m1)) == TW_OK) {
                fprintf(report, "    fitted with lambda %g; prior_%s %.4f%s\n", ft->lambda,
                        ind_kind_name(kind), ft->prior,
                        ft->unreachable ? "; level low would reach entities without any "
                                          "evidence, so it starts at the weakest evidence"
                                        : "");
                if (ft->recall_floor)
                    fprintf(report,
                            "    level low: at equal workload the learnt scores would reach "
                            "fewer confirmed labels than the base config's %.3f, so it is "
                            "lowered to reach as many (more alerts: see n below)\n",
                            ft->base_recall);
                print_measures(report, names, mm, 2, level);
                fprintf(report, "    weights (%s): ", ind_kind_name(kind));
                for (j = 0; j < d.nfeat; j++)
                    fprintf(report, "%s%s %.2f -> %.2f", j ? ", " : "", cat[d.ind_of[j]].id,
                            ft->base_w[j], ft->w[j]);
                fputc('\n', report);
            }
            if (!err) {
                char key[40];
                snprintf(key, sizeof(key), "prior_%s", ind_kind_name(kind));
                err = edit_add(&es, "score", key, ft->prior);
                snprintf(key, sizeof(key), "weight_%s", ind_kind_name(kind));
                for (j = 0; j < d.nfeat && !err; j++) {
                    char sec[96];
                    snprintf(sec, sizeof(sec), "indicator %s", cat[d.ind_of[j]].id);
                    err = edit_add(&es, sec, key, ft->w[j]);
                }
                nfit++;
            }
        }
        free(cv);
        free(p0);
        free(p1);
        design_free(&d);
        if (err)
            goto out;
    }
    if (nfit == 0) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "too few labels to learn anything: no kind of entity has enough "
                             "confirmed labels (the nearest has %lld, needs %lld: %g per "
                             "feature in use); no config written",
                             worst_have, worst_needed, epv);
        goto out;
    }
    /* the version: given, or the base's with a digest of what was learnt */
    if (o->version) {
        snprintf(version, sizeof(version), "%s", o->version);
    } else {
        uint64_t h = 1469598103934665603ull;
        size_t i, c;
        for (i = 0; i < es.n; i++)
            for (c = 0; c < strlen(es.e[i].value); c++)
                h = (h ^ (unsigned char)es.e[i].value[c]) * 1099511628211ull;
        snprintf(version, sizeof(version), "%.46s+cal.%08x", config_version(o->base),
                 (unsigned)(h & 0xffffffffu));
    }
    snprintf(header, sizeof(header),
             "# Calibrated by 'tipwatch calibrate' from config %s on %lld outcome labels\n"
             "# (%d kinds of entity fitted; prior_KIND and weight_KIND are the learnt values,\n"
             "# everything else is the base config). Adopt only after a shadow run and a\n"
             "# backtest ('tipwatch config propose').\n",
             config_version(o->base), l.labelled, nfit);
    if ((err = rewrite(o->base_text, o->base_len, version, header, &es, text, len)) != TW_OK)
        goto out;
    /* invariant 4: it parses, and reads back what was learnt */
    {
        config_t *chk = NULL;
        tw_errinfo_t cei;
        size_t i;
        tw_errinfo_clear(&cei);
        if ((err = config_parse(*text, *len, "calibrated config", ind_ids(), &chk, &cei)) !=
            TW_OK) {
            err = tw_errinfo_set(ei, TW_EINTERNAL, "the calibrated config does not parse: %s",
                                 cei.msg);
            goto out;
        }
        for (i = 0; i < es.n && !err; i++) {
            double v = strtod(es.e[i].value, NULL), got;
            if (strcmp(es.e[i].section, "score") == 0)
                got = config_score(chk, es.e[i].key, NAN);
            else
                got = config_indicator_param(chk, es.e[i].section + 10, es.e[i].key, NAN);
            if (!(got == v))
                err = tw_errinfo_set(ei, TW_EINTERNAL, "the calibrated config reads %s %s back "
                                     "as %g, not %s",
                                     es.e[i].section, es.e[i].key, got, es.e[i].value);
        }
        config_free(chk);
        if (err)
            goto out;
    }
    fprintf(report, "\nconfig %s: %d of %d kinds fitted\n", version, nfit, NLK);
out:
    if (err) {
        free(*text);
        *text = NULL;
        *len = 0;
    }
    free(es.e);
    labels_free(&l);
    score_free(&sr);
    ind_hits_free(&hits);
    config_free(tuned);
    engine_free(eng);
    return err;
}
