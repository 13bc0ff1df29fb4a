/*
 * mse.c - multiple systems estimation by log-linear models (mse.h).
 *
 * Data: the 2^k - 1 observed cells of a k-list capture-history table.
 * A model is the set of two-way interactions it has (a bit per pair of
 * lists); every model has the intercept and the k main effects. Each is
 * fitted as a Poisson regression with log link by iteratively reweighted
 * least squares (at most 100 steps, Cholesky on the normal equations).
 * Invariants:
 *   1. A model is fitted only when each of its interactions' pairs of lists
 *      share at least one person (otherwise its estimate does not exist:
 *      the interaction's coefficient runs to minus infinity).
 *   2. A fit that does not converge, or whose coefficients run past |30|,
 *      is dropped, never reported.
 *   3. The data are refused, saying why, when fewer than MSE_MIN_OVERLAP
 *      persons are on two or more lists, or a list shares fewer than
 *      MSE_MIN_LIST_OVERLAP persons with the others.
 * Thread model: pure functions over the caller's data.
 */
#include "stats/mse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXP (1 + MSE_MAX_LISTS + MSE_MAX_LISTS * (MSE_MAX_LISTS - 1) / 2)
#define NCELL (1 << MSE_MAX_LISTS)

typedef struct {
    unsigned pairs; /* bit j: the j-th pair (i<l) has its interaction */
    int p;
    double b[MAXP], se0;
    double loglik, aic, n0, lo, hi;
    int ok;
} model_t;

static void pair_of(int k, int j, int *a, int *c)
{
    int i, l, n = 0;
    for (i = 0; i < k; i++)
        for (l = i + 1; l < k; l++) {
            if (n == j) {
                *a = i;
                *c = l;
                return;
            }
            n++;
        }
    *a = *c = 0;
}

/* Solves A x = y for a symmetric positive definite A (p x p) by Cholesky;
 * inv (may be NULL) gets A^-1. 0 when A is not positive definite. */
static int cholesky_solve(double *A, int p, const double *y, double *x, double *inv)
{
    double L[MAXP * MAXP];
    int i, j, q;
    memset(L, 0, sizeof(L));
    for (i = 0; i < p; i++)
        for (j = 0; j <= i; j++) {
            double s = A[i * p + j];
            for (q = 0; q < j; q++)
                s -= L[i * p + q] * L[j * p + q];
            if (i == j) {
                if (s <= 1e-12)
                    return 0;
                L[i * p + i] = sqrt(s);
            } else {
                L[i * p + j] = s / L[j * p + j];
            }
        }
    /* forward and back substitution, for y and for each unit vector */
    for (int col = -1; col < (inv ? p : 0); col++) {
        double z[MAXP], w[MAXP];
        for (i = 0; i < p; i++) {
            double s = col < 0 ? y[i] : (i == col ? 1.0 : 0.0);
            for (q = 0; q < i; q++)
                s -= L[i * p + q] * z[q];
            z[i] = s / L[i * p + i];
        }
        for (i = p - 1; i >= 0; i--) {
            double s = z[i];
            for (q = i + 1; q < p; q++)
                s -= L[q * p + i] * w[q];
            w[i] = s / L[i * p + i];
        }
        for (i = 0; i < p; i++) {
            if (col < 0)
                x[i] = w[i];
            else
                inv[i * p + col] = w[i];
        }
    }
    return 1;
}

/* The design row of cell h under model m. */
static int design(int k, unsigned pairs, unsigned h, double *x)
{
    int n = 0, i, j, npairs = k * (k - 1) / 2;
    x[n++] = 1.0;
    for (i = 0; i < k; i++)
        x[n++] = (h >> i) & 1u ? 1.0 : 0.0;
    for (j = 0; j < npairs; j++) {
        int a, c;
        if (!((pairs >> j) & 1u))
            continue;
        pair_of(k, j, &a, &c);
        x[n++] = ((h >> a) & 1u) && ((h >> c) & 1u) ? 1.0 : 0.0;
    }
    return n;
}

static void fit(const mse_data_t *d, model_t *m)
{
    double X[NCELL][MAXP], mu[NCELL], eta[NCELL];
    unsigned h, ncell = 1u << d->k;
    int p = 0, it, i, j;
    double dev_old = INFINITY;

    m->ok = 0;
    for (h = 1; h < ncell; h++) {
        p = design(d->k, m->pairs, h, X[h]);
        mu[h] = d->count[h] + 0.5;
        eta[h] = log(mu[h]);
    }
    m->p = p;
    if (p >= (int)ncell) /* no degree of freedom left: not identifiable here */
        return;
    for (it = 0; it < 100; it++) {
        double A[MAXP * MAXP], r[MAXP], b[MAXP], dev = 0;
        memset(A, 0, sizeof(A));
        memset(r, 0, sizeof(r));
        for (h = 1; h < ncell; h++) {
            double z = eta[h] + (d->count[h] - mu[h]) / mu[h];
            for (i = 0; i < p; i++) {
                r[i] += X[h][i] * mu[h] * z;
                for (j = 0; j < p; j++)
                    A[i * p + j] += X[h][i] * mu[h] * X[h][j];
            }
        }
        if (!cholesky_solve(A, p, r, b, NULL))
            return;
        for (i = 0; i < p; i++)
            if (!isfinite(b[i]) || fabs(b[i]) > 30)
                return;
        for (h = 1; h < ncell; h++) {
            double e = 0;
            for (i = 0; i < p; i++)
                e += X[h][i] * b[i];
            eta[h] = e;
            mu[h] = exp(e);
            if (d->count[h] > 0)
                dev += 2 * (d->count[h] * log(d->count[h] / mu[h]) - (d->count[h] - mu[h]));
            else
                dev += 2 * mu[h];
        }
        memcpy(m->b, b, sizeof(b));
        if (fabs(dev - dev_old) < 1e-10 * (1 + fabs(dev))) {
            double inv[MAXP * MAXP], dummy[MAXP];
            memset(A, 0, sizeof(A));
            for (h = 1; h < ncell; h++)
                for (i = 0; i < p; i++)
                    for (j = 0; j < p; j++)
                        A[i * p + j] += X[h][i] * mu[h] * X[h][j];
            if (!cholesky_solve(A, p, r, dummy, inv))
                return;
            m->se0 = sqrt(inv[0]);
            m->loglik = 0;
            for (h = 1; h < ncell; h++)
                m->loglik += d->count[h] * log(mu[h]) - mu[h] - lgamma(d->count[h] + 1);
            m->aic = 2.0 * p - 2.0 * m->loglik;
            m->n0 = exp(m->b[0]);
            m->lo = exp(m->b[0] - 1.959964 * m->se0);
            m->hi = exp(m->b[0] + 1.959964 * m->se0);
            m->ok = 1;
            return;
        }
        dev_old = dev;
    }
}

static int model_cmp(const void *pa, const void *pb)
{
    const model_t *a = pa, *b = pb;
    if (a->ok != b->ok)
        return a->ok ? -1 : 1;
    if (a->aic != b->aic)
        return a->aic < b->aic ? -1 : 1;
    return a->p < b->p ? -1 : a->p > b->p;
}

static void model_name(const mse_data_t *d, unsigned pairs, char *out, size_t cap)
{
    int j, a, c, npairs = d->k * (d->k - 1) / 2;
    size_t n = (size_t)snprintf(out, cap, "main effects");
    for (j = 0; j < npairs && n < cap; j++) {
        if (!((pairs >> j) & 1u))
            continue;
        pair_of(d->k, j, &a, &c);
        n += (size_t)snprintf(out + n, cap - n, " + %s*%s", d->names[a], d->names[c]);
    }
}

tw_err_t mse_estimate(const mse_data_t *d, stats_table_t **out, tw_errinfo_t *ei)
{
    static const char *const cols[] = {"rank", "model", "parameters", "aic", "delta_aic",
                                       "observed", "unobserved", "total", "total_low",
                                       "total_high", "selected", NULL};
    int npairs, i, a, c;
    unsigned h, ncell, nmodels, mask;
    double observed = 0, multi = 0, pair_overlap[MSE_MAX_LISTS * MSE_MAX_LISTS];
    model_t *models = NULL;
    stats_table_t *t = NULL;
    tw_err_t err = TW_OK;

    *out = NULL;
    if (d->k < 2 || d->k > MSE_MAX_LISTS)
        return tw_errinfo_set(ei, TW_EINPUT, "multiple systems estimation needs 2 to %d lists, not %d",
                              MSE_MAX_LISTS, d->k);
    ncell = 1u << d->k;
    npairs = d->k * (d->k - 1) / 2;
    memset(pair_overlap, 0, sizeof(pair_overlap));
    for (h = 1; h < ncell; h++) {
        if (d->count[h] < 0 || !isfinite(d->count[h]))
            return tw_errinfo_set(ei, TW_EINPUT, "a count is negative");
        observed += d->count[h];
        if (h & (h - 1))
            multi += d->count[h];
        for (a = 0; a < d->k; a++)
            for (c = a + 1; c < d->k; c++)
                if ((h >> a) & (h >> c) & 1u)
                    pair_overlap[a * MSE_MAX_LISTS + c] += d->count[h];
    }
    if (multi < MSE_MIN_OVERLAP)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "the overlaps are too thin to estimate: %.0f persons are on two or "
                              "more lists, at least %d are needed",
                              multi, MSE_MIN_OVERLAP);
    for (a = 0; a < d->k; a++) {
        double shared = 0;
        for (h = 1; h < ncell; h++)
            if (((h >> a) & 1u) && (h & ~(1u << a)))
                shared += d->count[h];
        if (shared < MSE_MIN_LIST_OVERLAP)
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "the overlaps are too thin to estimate: nobody on list %s is on "
                                  "another list",
                                  d->names[a]);
    }
    nmodels = 1u << npairs;
    if (!(models = calloc(nmodels, sizeof(*models))))
        return tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
    for (mask = 0; mask < nmodels; mask++) {
        int usable = 1;
        models[mask].pairs = mask;
        for (i = 0; i < npairs; i++)
            if ((mask >> i) & 1u) {
                pair_of(d->k, i, &a, &c);
                if (pair_overlap[a * MSE_MAX_LISTS + c] < 1)
                    usable = 0; /* invariant 1 */
            }
        if (usable)
            fit(d, &models[mask]);
    }
    qsort(models, nmodels, sizeof(*models), model_cmp);
    if (!models[0].ok) {
        err = tw_errinfo_set(ei, TW_EINPUT, "no model could be fitted to these overlaps");
        goto out;
    }
    if ((err = stats_table_new("mse", cols, &t)) != TW_OK)
        goto oom;
    for (mask = 0; mask < nmodels && models[mask].ok; mask++) {
        const model_t *m = &models[mask];
        char name[512];
        model_name(d, m->pairs, name, sizeof(name));
        if ((err = stats_row(t)) || (err = stats_put_int(t, (long long)mask + 1)) ||
            (err = stats_put_text(t, name)) || (err = stats_put_int(t, m->p)) ||
            (err = stats_put_real(t, round(m->aic * 1000) / 1000)) ||
            (err = stats_put_real(t, round((m->aic - models[0].aic) * 1000) / 1000)) ||
            (err = stats_put_real(t, observed)) || (err = stats_put_real(t, round(m->n0 * 10) / 10)) ||
            (err = stats_put_real(t, round((observed + m->n0) * 10) / 10)) ||
            (err = stats_put_real(t, round((observed + m->lo) * 10) / 10)) ||
            (err = stats_put_real(t, round((observed + m->hi) * 10) / 10)) ||
            (err = stats_put_int(t, mask == 0)))
            goto oom;
    }
    if ((err = stats_row(t)) != TW_OK)
        goto oom;
    *out = t;
    t = NULL;
    goto out;
oom:
    tw_errinfo_set(ei, err, "out of memory");
out:
    stats_table_free(t);
    free(models);
    return err;
}

tw_err_t mse_load(const char *path, mse_data_t *out, tw_errinfo_t *ei)
{
    char line[1024];
    int col_list[16], ncols = 0, count_col = -1;
    long no = 0;
    FILE *f;
    tw_err_t err = TW_OK;

    memset(out, 0, sizeof(*out));
    if (!path || !(f = fopen(path, "r"))) {
        tw_errinfo_set(ei, TW_EINPUT, "cannot read the capture histories %s: %s",
                       path ? path : "(none)", path ? strerror(errno) : "--histories FILE is needed");
        tw_errinfo_file(ei, path ? path : "");
        tw_errinfo_field(ei, "--histories");
        return TW_EINPUT;
    }
    while (err == TW_OK && fgets(line, sizeof(line), f)) {
        char *fields[16], *s = line, *e;
        int nf = 0, i;
        no++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!*s)
            continue;
        while (nf < 16) {
            fields[nf++] = s;
            if (!(e = strchr(s, ',')))
                break;
            *e = '\0';
            s = e + 1;
        }
        if (no == 1) {
            for (i = 0; i < nf; i++) {
                if (strcmp(fields[i], "count") == 0) {
                    count_col = i;
                } else if (out->k < MSE_MAX_LISTS && fields[i][0]) {
                    snprintf(out->names[out->k], sizeof(out->names[0]), "%s", fields[i]);
                    col_list[out->k++] = i;
                } else {
                    err = tw_errinfo_set(ei, TW_EINPUT, "at most %d lists, each named",
                                         MSE_MAX_LISTS);
                    break;
                }
                ncols++;
            }
            if (err == TW_OK && count_col < 0)
                err = tw_errinfo_set(ei, TW_EINPUT, "the header has no column count");
            if (err == TW_OK && out->k < 2)
                err = tw_errinfo_set(ei, TW_EINPUT, "at least two lists are needed");
            if (err != TW_OK) {
                ei->line = 1;
                tw_errinfo_file(ei, path);
            }
            continue;
        }
        if (nf != ncols) {
            err = tw_errinfo_set(ei, TW_EINPUT, "%d fields where the header has %d", nf, ncols);
        } else {
            unsigned h = 0;
            char *end;
            double v;
            for (i = 0; i < out->k && err == TW_OK; i++) {
                const char *x = fields[col_list[i]];
                if (strcmp(x, "1") == 0)
                    h |= 1u << i;
                else if (strcmp(x, "0") != 0) {
                    err = tw_errinfo_set(ei, TW_EINPUT, "must be 0 or 1, not '%s'", x);
                    tw_errinfo_field(ei, out->names[i]);
                }
            }
            if (err == TW_OK) {
                errno = 0;
                v = strtod(fields[count_col], &end);
                if (errno || *end || !fields[count_col][0] || v < 0 || v > 1e9 ||
                    v != floor(v)) {
                    err = tw_errinfo_set(ei, TW_EINPUT, "must be a whole number, not '%s'",
                                         fields[count_col]);
                    tw_errinfo_field(ei, "count");
                } else if (h == 0) {
                    err = tw_errinfo_set(ei, TW_EINPUT,
                                         "a history on no list: those persons are the unknown "
                                         "the estimate is for");
                } else {
                    out->count[h] += v;
                }
            }
        }
        if (err != TW_OK) {
            ei->line = no;
            tw_errinfo_file(ei, path);
        }
    }
    fclose(f);
    if (err == TW_OK && no == 0) {
        err = tw_errinfo_set(ei, TW_EINPUT, "an empty file");
        tw_errinfo_file(ei, path);
    }
    return err;
}
