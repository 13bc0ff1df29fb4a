/*
 * learn.c - weighted, penalised, box-constrained logistic regression and
 * ranking measures (contract in learn.h).
 *
 * The fit is a projected Newton method: at each step the gradient and the
 * Hessian of the objective are summed over the rows (a sparse row of k
 * features costs k^2), the weights held at a bound by a gradient that
 * pushes them out are fixed, the Newton step of the others is solved by
 * Cholesky, and the step is halved until the objective falls. The
 * objective is convex and the penalty keeps it strictly so (every feature's
 * Hessian diagonal holds lambda), so this converges to the one optimum.
 *
 * Invariants: 1. lo[j] <= beta[j] <= hi[j] after every step. 2. The
 * objective never rises from one step to the next.
 */
#include "engine/learn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define D_MAX (LEARN_MAX_FEATURES + 1)

double learn_logit(const learn_data_t *d, size_t r, const double *beta)
{
    double z = beta[0];
    uint32_t k;
    for (k = d->off[r]; k < d->off[r + 1]; k++)
        z += beta[1 + d->fi[k]] * (double)d->fv[k];
    return z;
}

/* log(1 + e^z) without overflow */
static double softplus(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

static double sigmoid(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

static double objective(const learn_data_t *d, const uint32_t *rows, size_t n, const double *w,
                        const learn_fit_opts_t *o, const double *beta)
{
    double obj = 0;
    size_t i;
    uint32_t j;
    for (i = 0; i < n; i++) {
        size_t r = rows ? rows[i] : i;
        double z = learn_logit(d, r, beta);
        if (w[r] > 0)
            obj += w[r] * (softplus(z) - (d->y[r] ? z : 0));
    }
    for (j = 0; j < d->nfeat; j++)
        obj += 0.5 * o->lambda * (beta[1 + j] - o->prior[j]) * (beta[1 + j] - o->prior[j]);
    return obj;
}

/* Solves A x = b for the symmetric positive definite m x m A (row stride
 * D_MAX) by Cholesky, in place; 0 on success, -1 when A is not positive
 * definite. */
static int cholesky_solve(double *a, double *b, int m)
{
    int i, j, k;
    for (j = 0; j < m; j++) {
        double s = a[j * D_MAX + j];
        for (k = 0; k < j; k++)
            s -= a[j * D_MAX + k] * a[j * D_MAX + k];
        if (s <= 0 || !isfinite(s))
            return -1;
        a[j * D_MAX + j] = sqrt(s);
        for (i = j + 1; i < m; i++) {
            double t = a[i * D_MAX + j];
            for (k = 0; k < j; k++)
                t -= a[i * D_MAX + k] * a[j * D_MAX + k];
            a[i * D_MAX + j] = t / a[j * D_MAX + j];
        }
    }
    for (i = 0; i < m; i++) { /* L y = b */
        double t = b[i];
        for (k = 0; k < i; k++)
            t -= a[i * D_MAX + k] * b[k];
        b[i] = t / a[i * D_MAX + i];
    }
    for (i = m - 1; i >= 0; i--) { /* L^T x = y */
        double t = b[i];
        for (k = i + 1; k < m; k++)
            t -= a[k * D_MAX + i] * b[k];
        b[i] = t / a[i * D_MAX + i];
    }
    return 0;
}

tw_err_t learn_fit(const learn_data_t *d, const uint32_t *rows, size_t n, const double *w,
                   const learn_fit_opts_t *o, double *beta, int *iters)
{
    double *hs = NULL, g[D_MAX], step[D_MAX], nb[D_MAX], sub[D_MAX * D_MAX], rhs[D_MAX];
    double wpos = 0, wneg = 0, obj;
    uint32_t dim = d->nfeat + 1, j, k;
    int free_idx[D_MAX], m, it, max_iter = o->max_iter > 0 ? o->max_iter : 50;
    size_t i;
    tw_err_t err = TW_OK;

    if (d->nfeat > LEARN_MAX_FEATURES)
        return TW_EINTERNAL;
    for (i = 0; i < n; i++) {
        size_t r = rows ? rows[i] : i;
        if (d->y[r])
            wpos += w[r];
        else
            wneg += w[r];
    }
    if (wpos <= 0 || wneg <= 0)
        return TW_EINPUT;
    /* the Hessian lives on the heap so that fits may run on several threads */
    hs = malloc(sizeof(double) * D_MAX * D_MAX);
    if (!hs)
        return TW_ENOMEM;
    beta[0] = log(wpos / wneg);
    for (j = 0; j < d->nfeat; j++) {
        double b = o->prior[j];
        beta[1 + j] = b < o->lo[j] ? o->lo[j] : b > o->hi[j] ? o->hi[j] : b;
    }
    obj = objective(d, rows, n, w, o, beta);
    for (it = 0; it < max_iter; it++) {
        double gmax = 0, t, nobj = 0;
        int accepted = 0;
        memset(g, 0, sizeof(g));
        memset(hs, 0, sizeof(double) * D_MAX * D_MAX);
        for (i = 0; i < n; i++) {
            size_t r = rows ? rows[i] : i;
            double z, p, e, hh;
            uint32_t a, b;
            if (w[r] <= 0)
                continue;
            z = learn_logit(d, r, beta);
            p = sigmoid(z);
            e = w[r] * (p - (d->y[r] ? 1.0 : 0.0));
            hh = w[r] * p * (1 - p);
            g[0] += e;
            hs[0] += hh;
            for (a = d->off[r]; a < d->off[r + 1]; a++) {
                uint32_t fa = 1u + d->fi[a];
                double xa = (double)d->fv[a];
                g[fa] += e * xa;
                hs[fa] += hh * xa; /* row 0, column fa */
                for (b = d->off[r]; b <= a; b++) {
                    uint32_t fb = 1u + d->fi[b];
                    double v = hh * xa * (double)d->fv[b];
                    hs[fa * D_MAX + fb] += v;
                    if (fa != fb)
                        hs[fb * D_MAX + fa] += v;
                }
            }
        }
        for (j = 1; j < dim; j++) {
            hs[j * D_MAX] = hs[j]; /* symmetric first column */
            g[j] += o->lambda * (beta[j] - o->prior[j - 1]);
            hs[j * D_MAX + j] += o->lambda + 1e-9;
        }
        hs[0] += 1e-9;
        /* free set: the intercept, and every weight not held at a bound by
         * a gradient pushing it out */
        m = 0;
        for (j = 0; j < dim; j++) {
            if (j > 0 && ((beta[j] <= o->lo[j - 1] && g[j] > 0) ||
                          (beta[j] >= o->hi[j - 1] && g[j] < 0)))
                continue;
            free_idx[m++] = (int)j;
            if (fabs(g[j]) > gmax)
                gmax = fabs(g[j]);
        }
        if (gmax < 1e-9 * (wpos + wneg))
            break;
        for (j = 0; j < (uint32_t)m; j++) {
            for (k = 0; k < (uint32_t)m; k++)
                sub[j * D_MAX + k] = hs[free_idx[j] * D_MAX + free_idx[k]];
            rhs[j] = -g[free_idx[j]];
        }
        if (cholesky_solve(sub, rhs, m) != 0) {
            /* numerically singular: a gradient step instead */
            for (j = 0; j < (uint32_t)m; j++)
                rhs[j] = -g[free_idx[j]] / (hs[free_idx[j] * D_MAX + free_idx[j]] + 1e-6);
        }
        memset(step, 0, sizeof(step));
        for (j = 0; j < (uint32_t)m; j++)
            step[free_idx[j]] = rhs[j];
        for (t = 1.0; t > 1e-10; t *= 0.5) {
            nb[0] = beta[0] + t * step[0];
            for (j = 1; j < dim; j++) {
                double v = beta[j] + t * step[j];
                nb[j] = v < o->lo[j - 1] ? o->lo[j - 1] : v > o->hi[j - 1] ? o->hi[j - 1] : v;
            }
            nobj = objective(d, rows, n, w, o, nb);
            if (nobj <= obj) {
                accepted = 1;
                break;
            }
        }
        if (!accepted)
            break;
        {
            double change = 0;
            for (j = 0; j < dim; j++) {
                if (fabs(nb[j] - beta[j]) > change)
                    change = fabs(nb[j] - beta[j]);
                beta[j] = nb[j];
            }
            obj = nobj;
            if (change < 1e-8)
                break;
        }
    }
    if (iters)
        *iters = it;
    free(hs);
    return err;
}

typedef struct {
    double s;
    uint32_t r;
} ranked_t;

static int cmp_desc(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->s != y->s)
        return x->s > y->s ? -1 : 1;
    return x->r < y->r ? -1 : x->r > y->r;
}

static ranked_t *rank_desc(const double *s, const double *w, size_t n, size_t *m)
{
    ranked_t *v = malloc((n ? n : 1) * sizeof(*v));
    size_t i;
    if (!v)
        return NULL;
    *m = 0;
    for (i = 0; i < n; i++)
        if (!w || w[i] > 0) {
            v[*m].s = s[i];
            v[*m].r = (uint32_t)i;
            (*m)++;
        }
    qsort(v, *m, sizeof(*v), cmp_desc);
    return v;
}

tw_err_t learn_auc(const double *s, const uint8_t *y, const double *w, size_t n,
                   learn_auc_t *out)
{
    size_t m, i, j;
    ranked_t *v = rank_desc(s, w, n, &m);
    double P = 0, N = 0, tp = 0, fp = 0, ap = 0, auc = 0;

    if (!v)
        return TW_ENOMEM;
    for (i = 0; i < m; i++) {
        double wi = w ? w[v[i].r] : 1;
        if (y[v[i].r])
            P += wi;
        else
            N += wi;
    }
    for (i = 0; i < m; i = j) {
        double pg = 0, ng = 0;
        for (j = i; j < m && v[j].s == v[i].s; j++) {
            double wj = w ? w[v[j].r] : 1;
            if (y[v[j].r])
                pg += wj;
            else
                ng += wj;
        }
        tp += pg;
        fp += ng;
        if (P > 0 && pg > 0)
            ap += (pg / P) * (tp / (tp + fp));
        auc += pg * (N - fp) + 0.5 * pg * ng;
    }
    out->pos = P;
    out->neg = N;
    out->pr_auc = P > 0 ? ap : -1;
    out->roc_auc = P > 0 && N > 0 ? auc / (P * N) : -1;
    free(v);
    return TW_OK;
}

tw_err_t learn_deciles(const double *p, const uint8_t *y, const double *w, size_t n,
                       learn_deciles_t *out)
{
    size_t m, i;
    ranked_t *v = rank_desc(p, w, n, &m);
    double W = 0, cum = 0, sp[10] = {0}, sy[10] = {0};
    int g;

    memset(out, 0, sizeof(*out));
    if (!v)
        return TW_ENOMEM;
    for (i = 0; i < m; i++)
        W += w ? w[v[i].r] : 1;
    /* ascending: the first decile holds the lowest predictions */
    for (i = m; i-- > 0;) {
        double wi = w ? w[v[i].r] : 1;
        g = W > 0 ? (int)(10.0 * (cum + wi / 2) / W) : 0;
        if (g > 9)
            g = 9;
        if (g < 0)
            g = 0;
        out->weight[g] += wi;
        sp[g] += wi * p[v[i].r];
        sy[g] += y[v[i].r] ? wi : 0;
        cum += wi;
    }
    for (g = 0; g < 10; g++) {
        out->pred[g] = out->weight[g] > 0 ? sp[g] / out->weight[g] : 0;
        out->obs[g] = out->weight[g] > 0 ? sy[g] / out->weight[g] : 0;
    }
    free(v);
    return TW_OK;
}

void learn_confusion(const double *s, const uint8_t *y, const double *w, size_t n, double t,
                     learn_confusion_t *out)
{
    size_t i;
    memset(out, 0, sizeof(*out));
    for (i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        int hit = s[i] >= t;
        if (wi <= 0)
            continue;
        if (hit)
            out->alerted += wi;
        if (hit && y[i])
            out->tp += wi;
        else if (hit)
            out->fp += wi;
        else if (y[i])
            out->fn += wi;
    }
}

double learn_threshold_for_recall(const double *s, const uint8_t *y, const double *w, size_t n,
                                  double recall)
{
    size_t m, i, j;
    ranked_t *v = rank_desc(s, w, n, &m);
    double P = 0, tp = 0, t = HUGE_VAL;

    if (!v)
        return HUGE_VAL;
    for (i = 0; i < m; i++)
        if (y[v[i].r])
            P += w ? w[v[i].r] : 1;
    for (i = 0; i < m && P > 0; i = j) {
        for (j = i; j < m && v[j].s == v[i].s; j++)
            if (y[v[j].r])
                tp += w ? w[v[j].r] : 1;
        t = v[i].s;
        if (tp >= recall * P - 1e-9)
            break;
    }
    free(v);
    return t;
}

double learn_threshold_for_volume(const double *s, const double *w, size_t n, double volume)
{
    size_t m, i, j;
    ranked_t *v = rank_desc(s, w, n, &m);
    double cum = 0, t = HUGE_VAL;

    if (!v)
        return HUGE_VAL;
    for (i = 0; i < m; i = j) {
        double g = 0;
        for (j = i; j < m && v[j].s == v[i].s; j++)
            g += w ? w[v[j].r] : 1;
        if (i > 0 && cum + g > volume)
            break;
        cum += g;
        t = v[i].s;
    }
    free(v);
    return t;
}
