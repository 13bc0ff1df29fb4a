/*
 * mse.c - multiple systems estimation by log-linear models (mse.h).
 *
 * Data: the 2^k - 1 observed cells of a k-list capture-history table.
 * A model is the set of two-way interactions it has (a bit per pair of
 * lists); every model has the intercept and the k main effects. Each is
 * fitted as a Poisson regression with log link by iteratively reweighted
 * least squares (at most 100 steps, Cholesky on the normal equations).
 * Models are ranked by AIC or BIC; the 95 % interval of the first
 * `profile_models` is the profile-likelihood one (Cormack 1992), the Wald
 * interval on the log scale is given beside it.
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
    double loglik, aic, bic, n0, lo, hi; /* lo, hi: Wald */
    double plo, phi;                     /* profile likelihood; NAN: not found */
    double crit;                         /* the criterion models are ranked by */
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

/* The design row of cell h under model m (cell 0, the unseen, has only the
 * intercept). */
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

/* Fits the Poisson log-linear model `pairs` to the cells h0..2^k-1 of y by
 * IRLS: b and mu (indexed by cell) filled; se0 (may be NULL) gets the
 * intercept's standard error. 0 when it does not converge, runs past |30|
 * or is not identifiable (invariant 2). */
static int irls(int k, unsigned pairs, const double *y, unsigned h0, double *b_out, double *mu,
                int *p_out, double *se0)
{
    double X[NCELL][MAXP], eta[NCELL];
    unsigned h, ncell = 1u << k;
    int p = 0, it, i, j;
    double dev_old = INFINITY;

    for (h = h0; h < ncell; h++) {
        p = design(k, pairs, h, X[h]);
        mu[h] = y[h] + 0.5;
        eta[h] = log(mu[h]);
    }
    *p_out = p;
    if (p > (int)(ncell - h0)) /* more parameters than cells: not identifiable */
        return 0;
    for (it = 0; it < 100; it++) {
        double A[MAXP * MAXP], r[MAXP], b[MAXP], dev = 0;
        memset(A, 0, sizeof(A));
        memset(r, 0, sizeof(r));
        for (h = h0; h < ncell; h++) {
            double z = eta[h] + (y[h] - mu[h]) / mu[h];
            for (i = 0; i < p; i++) {
                r[i] += X[h][i] * mu[h] * z;
                for (j = 0; j < p; j++)
                    A[i * p + j] += X[h][i] * mu[h] * X[h][j];
            }
        }
        if (!cholesky_solve(A, p, r, b, NULL))
            return 0;
        for (i = 0; i < p; i++)
            if (!isfinite(b[i]) || fabs(b[i]) > 30)
                return 0;
        for (h = h0; h < ncell; h++) {
            double e = 0;
            for (i = 0; i < p; i++)
                e += X[h][i] * b[i];
            eta[h] = e;
            mu[h] = exp(e);
            if (y[h] > 0)
                dev += 2 * (y[h] * log(y[h] / mu[h]) - (y[h] - mu[h]));
            else
                dev += 2 * mu[h];
        }
        memcpy(b_out, b, sizeof(b));
        if (fabs(dev - dev_old) < 1e-10 * (1 + fabs(dev))) {
            if (se0) {
                double inv[MAXP * MAXP], dummy[MAXP];
                memset(A, 0, sizeof(A));
                for (h = h0; h < ncell; h++)
                    for (i = 0; i < p; i++)
                        for (j = 0; j < p; j++)
                            A[i * p + j] += X[h][i] * mu[h] * X[h][j];
                if (!cholesky_solve(A, p, r, dummy, inv))
                    return 0;
                *se0 = sqrt(inv[0]);
            }
            return 1;
        }
        dev_old = dev;
    }
    return 0;
}

static void fit(const mse_data_t *d, double nobs, model_t *m)
{
    double mu[NCELL];
    unsigned h, ncell = 1u << d->k;

    m->ok = 0;
    if (!irls(d->k, m->pairs, d->count, 1, m->b, mu, &m->p, &m->se0))
        return;
    m->loglik = 0;
    for (h = 1; h < ncell; h++)
        m->loglik += d->count[h] * log(mu[h]) - mu[h] - lgamma(d->count[h] + 1);
    m->aic = 2.0 * m->p - 2.0 * m->loglik;
    m->bic = log(nobs) * m->p - 2.0 * m->loglik;
    m->n0 = exp(m->b[0]);
    m->lo = exp(m->b[0] - 1.959964 * m->se0);
    m->hi = exp(m->b[0] + 1.959964 * m->se0);
    m->plo = m->phi = NAN;
    m->ok = 1;
}

/* The multinomial profile log-likelihood of the population size N under
 * model `pairs` (Cormack 1992): the model fitted to the completed table
 * whose unseen cell holds N - n; NAN when the fit fails. */
static double profile_loglik(const mse_data_t *d, unsigned pairs, double nobs, double N)
{
    double y[NCELL], mu[NCELL], b[MAXP], l;
    unsigned h, ncell = 1u << d->k;
    int p;
    memcpy(y, d->count, sizeof(y));
    y[0] = N - nobs;
    if (!irls(d->k, pairs, y, 0, b, mu, &p, NULL))
        return NAN;
    l = lgamma(N + 1) - lgamma(N - nobs + 1);
    for (h = 0; h < ncell; h++)
        if (y[h] > 0)
            l += y[h] * log(mu[h] / N);
    return l;
}

/* The 95 % profile-likelihood interval of N: the N whose profile
 * log-likelihood is within chi2(1, 0.95) / 2 of its maximum. The maximum is
 * found by golden-section search around the conditional estimate, each
 * bound by bisection (to 0.01 persons). A bound that cannot be found (the
 * likelihood stays flat past 10^9, or a fit fails) is left NAN. */
static void profile_interval(const mse_data_t *d, double nobs, model_t *m)
{
    const double half = 3.841459 / 2, g = 0.6180339887;
    double a = nobs, c = nobs + 4 * m->hi + 10, x1, x2, f1, f2, nhat, lmax, lo, hi, t;
    int i;

    x1 = c - g * (c - a);
    x2 = a + g * (c - a);
    f1 = profile_loglik(d, m->pairs, nobs, x1);
    f2 = profile_loglik(d, m->pairs, nobs, x2);
    for (i = 0; i < 200 && c - a > 1e-3 && isfinite(f1) && isfinite(f2); i++) {
        if (f1 < f2) {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (c - a);
            f2 = profile_loglik(d, m->pairs, nobs, x2);
        } else {
            c = x2;
            x2 = x1;
            f2 = f1;
            x1 = c - g * (c - a);
            f1 = profile_loglik(d, m->pairs, nobs, x1);
        }
    }
    if (!isfinite(f1) || !isfinite(f2))
        return;
    nhat = (a + c) / 2;
    if (!isfinite(lmax = profile_loglik(d, m->pairs, nobs, nhat)))
        return;
    /* lower bound: between nobs and nhat */
    t = profile_loglik(d, m->pairs, nobs, nobs);
    if (isfinite(t) && lmax - t <= half) {
        m->plo = 0;
    } else {
        lo = nobs;
        hi = nhat;
        for (i = 0; i < 200 && hi - lo > 0.01; i++) {
            double mid = (lo + hi) / 2, v = profile_loglik(d, m->pairs, nobs, mid);
            if (!isfinite(v))
                return;
            if (lmax - v > half)
                lo = mid;
            else
                hi = mid;
        }
        m->plo = (lo + hi) / 2 - nobs;
    }
    /* upper bound: widen until the likelihood has dropped, then bisect */
    lo = nhat;
    hi = nhat + (nhat - nobs) + 10;
    for (i = 0; i < 60; i++) {
        double v = profile_loglik(d, m->pairs, nobs, hi);
        if (!isfinite(v) || hi > 1e9)
            return;
        if (lmax - v > half)
            break;
        lo = hi;
        hi = nobs + 2 * (hi - nobs);
    }
    if (i == 60)
        return;
    for (i = 0; i < 200 && hi - lo > 0.01; i++) {
        double mid = (lo + hi) / 2, v = profile_loglik(d, m->pairs, nobs, mid);
        if (!isfinite(v))
            return;
        if (lmax - v > half)
            hi = mid;
        else
            lo = mid;
    }
    m->phi = (lo + hi) / 2 - nobs;
}

static int model_cmp(const void *pa, const void *pb)
{
    const model_t *a = pa, *b = pb;
    if (a->ok != b->ok)
        return a->ok ? -1 : 1;
    if (a->crit != b->crit)
        return a->crit < b->crit ? -1 : 1;
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

void mse_opts_default(mse_opts_t *o)
{
    o->criterion = MSE_AIC;
    o->profile_models = 20;
}

tw_err_t mse_estimate(const mse_data_t *d, const mse_opts_t *opts, stats_table_t **out,
                      tw_errinfo_t *ei)
{
    static const char *const cols[] = {"rank", "model", "parameters", "aic", "bic", "criterion",
                                       "delta", "observed", "unobserved", "total", "total_low",
                                       "total_high", "wald_low", "wald_high", "selected", NULL};
    int npairs, i, a, c;
    unsigned h, ncell, nmodels, mask;
    double observed = 0, multi = 0, pair_overlap[MSE_MAX_LISTS * MSE_MAX_LISTS];
    model_t *models = NULL;
    stats_table_t *t = NULL;
    mse_opts_t o;
    tw_err_t err = TW_OK;

    *out = NULL;
    if (opts)
        o = *opts;
    else
        mse_opts_default(&o);
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
            fit(d, observed, &models[mask]);
        models[mask].crit = o.criterion == MSE_BIC ? models[mask].bic : models[mask].aic;
    }
    qsort(models, nmodels, sizeof(*models), model_cmp);
    if (!models[0].ok) {
        err = tw_errinfo_set(ei, TW_EINPUT, "no model could be fitted to these overlaps");
        goto out;
    }
    for (mask = 0; mask < nmodels && (int)mask < o.profile_models && models[mask].ok; mask++)
        profile_interval(d, observed, &models[mask]);
    if ((err = stats_table_new("mse", cols, &t)) != TW_OK)
        goto oom;
    for (mask = 0; mask < nmodels && models[mask].ok; mask++) {
        const model_t *m = &models[mask];
        char name[512];
        model_name(d, m->pairs, name, sizeof(name));
        if ((err = stats_row(t)) || (err = stats_put_int(t, (long long)mask + 1)) ||
            (err = stats_put_text(t, name)) || (err = stats_put_int(t, m->p)) ||
            (err = stats_put_real(t, round(m->aic * 1000) / 1000)) ||
            (err = stats_put_real(t, round(m->bic * 1000) / 1000)) ||
            (err = stats_put_text(t, o.criterion == MSE_BIC ? "BIC" : "AIC")) ||
            (err = stats_put_real(t, round((m->crit - models[0].crit) * 1000) / 1000)) ||
            (err = stats_put_real(t, observed)) || (err = stats_put_real(t, round(m->n0 * 10) / 10)) ||
            (err = stats_put_real(t, round((observed + m->n0) * 10) / 10)) ||
            (err = stats_put_real(t, round((observed + m->plo) * 10) / 10)) ||
            (err = stats_put_real(t, round((observed + m->phi) * 10) / 10)) ||
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

tw_err_t mse_histories(const mse_data_t *d, stats_table_t **out, tw_errinfo_t *ei)
{
    const char *cols[MSE_MAX_LISTS + 2];
    stats_table_t *t = NULL;
    unsigned h;
    int i;
    tw_err_t err;

    *out = NULL;
    for (i = 0; i < d->k; i++)
        cols[i] = d->names[i];
    cols[d->k] = "count";
    cols[d->k + 1] = NULL;
    if ((err = stats_table_new("mse_histories", cols, &t)) != TW_OK)
        goto oom;
    for (h = 1; h < (1u << d->k); h++) {
        if (d->count[h] <= 0)
            continue;
        if ((err = stats_row(t)) != TW_OK)
            goto oom;
        for (i = 0; i < d->k; i++)
            if ((err = stats_put_int(t, (h >> i) & 1u)) != TW_OK)
                goto oom;
        if ((err = stats_put_real(t, d->count[h])) != TW_OK)
            goto oom;
    }
    if ((err = stats_row(t)) != TW_OK)
        goto oom;
    *out = t;
    return TW_OK;
oom:
    stats_table_free(t);
    return tw_errinfo_set(ei, err, "out of memory");
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
