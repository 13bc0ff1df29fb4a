/*
 * test_mse.c - multiple systems estimation: exact recovery of the unseen
 * population from ideal tables (independent lists, two lists as
 * Lincoln-Petersen, a dependence between two lists that only the model
 * with that interaction fits), a seeded random population whose interval
 * covers the truth, refusals when overlaps are thin, and bad input files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats/mse.h"

static void names(mse_data_t *d, int k)
{
    static const char *const n[] = {"NRM", "ALERTS", "REPORTS", "NGO", "POLICE", "LAB"};
    memset(d, 0, sizeof(*d));
    d->k = k;
    for (int i = 0; i < k; i++)
        snprintf(d->names[i], sizeof(d->names[i]), "%s", n[i]);
}

static double cell(const stats_table_t *t, size_t row, const char *col)
{
    const stats_cell_t *c = stats_table_cell(t, row, (size_t)stats_table_find(t, col));
    return c->kind == STATS_INT ? (double)c->i : c->r;
}

static void test_independent_lists(void **state)
{
    static const double p[3] = {0.3, 0.2, 0.25};
    mse_data_t d;
    stats_table_t *t;
    tw_errinfo_t ei;
    (void)state;
    names(&d, 3);
    for (unsigned h = 1; h < 8; h++) {
        double v = 1000;
        for (int i = 0; i < 3; i++)
            v *= (h >> i) & 1u ? p[i] : 1 - p[i];
        d.count[h] = v;
    }
    assert_int_equal(mse_estimate(&d, NULL, &t, &ei), TW_OK);
    assert_int_equal((long long)cell(t, 0, "selected"), 1);
    assert_string_equal(stats_table_cell(t, 0, 1)->s, "main effects");
    assert_true(fabs(cell(t, 0, "unobserved") - 420) < 0.1);
    assert_true(fabs(cell(t, 0, "total") - 1000) < 0.1);
    assert_true(cell(t, 0, "total_low") < 1000 && cell(t, 0, "total_high") > 1000);
    assert_true(stats_table_nrows(t) > 1); /* the other models, ranked */
    assert_true(cell(t, 1, "aic") >= cell(t, 0, "aic"));
    stats_table_free(t);
}

static void test_two_lists_lincoln_petersen(void **state)
{
    mse_data_t d;
    stats_table_t *t;
    tw_errinfo_t ei;
    (void)state;
    names(&d, 2);
    d.count[1] = 80; /* on the first list only */
    d.count[2] = 60;
    d.count[3] = 20; /* on both */
    assert_int_equal(mse_estimate(&d, NULL, &t, &ei), TW_OK);
    /* N = n1 n2 / m = 100 * 80 / 20 = 400; 160 seen, 240 not */
    assert_true(fabs(cell(t, 0, "unobserved") - 240) < 0.1);
    assert_true(fabs(cell(t, 0, "total") - 400) < 0.1);
    stats_table_free(t);
}

static void test_dependent_lists(void **state)
{
    /* log mu = log 500 + a log .5 + b log .3 + c log .4 + 1.0 ab */
    mse_data_t d;
    stats_table_t *t;
    tw_errinfo_t ei;
    (void)state;
    names(&d, 3);
    for (unsigned h = 1; h < 8; h++) {
        int a = h & 1u, b = (h >> 1) & 1u, c = (h >> 2) & 1u;
        d.count[h] = exp(log(500) + a * log(0.5) + b * log(0.3) + c * log(0.4) + 1.0 * a * b);
    }
    assert_int_equal(mse_estimate(&d, NULL, &t, &ei), TW_OK);
    assert_non_null(strstr(stats_table_cell(t, 0, 1)->s, "NRM*ALERTS"));
    assert_true(fabs(cell(t, 0, "unobserved") - 500) < 0.5);
    /* the independence model, wrong here, is ranked below */
    for (size_t r = 1; r < stats_table_nrows(t); r++)
        if (strcmp(stats_table_cell(t, r, 1)->s, "main effects") == 0)
            assert_true(fabs(cell(t, r, "unobserved") - 500) > 20);
    stats_table_free(t);
}

static uint64_t rng = 88172645463325252ull;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void test_random_population(void **state)
{
    static const double p[4] = {0.25, 0.15, 0.2, 0.3};
    mse_data_t d;
    stats_table_t *t;
    tw_errinfo_t ei;
    (void)state;
    for (int trial = 0; trial < 3; trial++) {
        names(&d, 4);
        for (int person = 0; person < 2000; person++) {
            unsigned h = 0;
            for (int i = 0; i < 4; i++)
                if (uniform() < p[i])
                    h |= 1u << i;
            if (h)
                d.count[h] += 1;
        }
        assert_int_equal(mse_estimate(&d, NULL, &t, &ei), TW_OK);
        print_message("trial %d: %.1f [%.1f, %.1f] by %s\n", trial, cell(t, 0, "total"),
                      cell(t, 0, "total_low"), cell(t, 0, "total_high"),
                      stats_table_cell(t, 0, 1)->s);
        assert_true(cell(t, 0, "total_low") <= 2000 && cell(t, 0, "total_high") >= 2000);
        stats_table_free(t);
    }
}

/* The row of the table whose model is `name`; -1 when absent. */
static long row_of(const stats_table_t *t, const char *name)
{
    for (size_t r = 0; r < stats_table_nrows(t); r++)
        if (strcmp(stats_table_cell(t, r, 1)->s, name) == 0)
            return (long)r;
    return -1;
}

/* Known answer in closed form (Fienberg 1972; Bishop, Fienberg and Holland
 * 1975, ch. 6): for three lists the model with every two-way interaction
 * fits the seven observed cells exactly, and the unseen cell is
 * n111 n100 n010 n001 / (n110 n101 n011). */
static void test_three_lists_all_pairs_closed_form(void **state)
{
    mse_data_t d;
    stats_table_t *t;
    tw_errinfo_t ei;
    long r;
    double want;
    (void)state;
    names(&d, 3);
    d.count[1] = 60;  /* NRM only */
    d.count[2] = 49;  /* ALERTS only */
    d.count[4] = 247; /* REPORTS only */
    d.count[3] = 4;
    d.count[5] = 112;
    d.count[6] = 15;
    d.count[7] = 12;
    want = 12.0 * 60 * 49 * 247 / (4.0 * 112 * 15);
    assert_int_equal(mse_estimate(&d, NULL, &t, &ei), TW_OK);
    r = row_of(t, "main effects + NRM*ALERTS + NRM*REPORTS + ALERTS*REPORTS");
    assert_true(r >= 0);
    assert_true(fabs(cell(t, (size_t)r, "unobserved") - want) < 0.05 * 1 + want * 1e-4);
    assert_int_equal((long long)cell(t, (size_t)r, "parameters"), 7);
    stats_table_free(t);
}

/* The profile-likelihood interval of two lists against the multinomial
 * profile likelihood written out by hand (Cormack 1992): under
 * independence L(N) = log N!/(N-n)! + sum over lists of
 * n_i log(n_i/N) + (N - n_i) log((N - n_i)/N), scanned here over N. */
static double lp_profile(double N, double n, double n1, double n2)
{
    double l = lgamma(N + 1) - lgamma(N - n + 1);
    l += n1 * log(n1 / N) + (N - n1 > 0 ? (N - n1) * log((N - n1) / N) : 0);
    l += n2 * log(n2 / N) + (N - n2 > 0 ? (N - n2) * log((N - n2) / N) : 0);
    return l;
}

static void test_profile_interval_two_lists(void **state)
{
    mse_data_t d;
    stats_table_t *t;
    tw_errinfo_t ei;
    double n = 160, n1 = 100, n2 = 80, best = -INFINITY, nhat = 0, lo = -1, hi = -1, N;
    (void)state;
    names(&d, 2);
    d.count[1] = 80;
    d.count[2] = 60;
    d.count[3] = 20;
    for (N = n; N < 3000; N += 0.01) {
        double l = lp_profile(N, n, n1, n2);
        if (l > best) {
            best = l;
            nhat = N;
        }
    }
    for (N = n; N < 3000; N += 0.01) {
        int in = best - lp_profile(N, n, n1, n2) <= 3.841459 / 2;
        if (in && lo < 0)
            lo = N;
        if (in)
            hi = N;
    }
    assert_true(nhat > 390 && nhat < 400); /* the unconditional MLE sits just below n1 n2 / m */
    assert_int_equal(mse_estimate(&d, NULL, &t, &ei), TW_OK);
    assert_true(fabs(cell(t, 0, "total_low") - lo) < 0.2);
    assert_true(fabs(cell(t, 0, "total_high") - hi) < 0.2);
    /* the Wald interval is beside it, and differs (skewed likelihood) */
    assert_true(cell(t, 0, "wald_low") < cell(t, 0, "total") &&
                cell(t, 0, "wald_high") > cell(t, 0, "total"));
    assert_string_equal(stats_table_cell(t, 0, (size_t)stats_table_find(t, "criterion"))->s,
                        "AIC");
    stats_table_free(t);
}

/* BIC ranks by its own penalty: the criterion column says so, the rows
 * are in increasing BIC, and on a large table with a real dependence BIC
 * still keeps the interaction. */
static void test_bic_ranking(void **state)
{
    static const double p[3] = {0.3, 0.2, 0.25};
    mse_data_t d;
    mse_opts_t o;
    stats_table_t *t;
    tw_errinfo_t ei;
    (void)state;
    names(&d, 3);
    for (unsigned h = 1; h < 8; h++) {
        double v = 20000;
        for (int i = 0; i < 3; i++)
            v *= (h >> i) & 1u ? p[i] : 1 - p[i];
        if ((h & 3u) == 3u)
            v *= 3; /* NRM and ALERTS find the same persons three times as often */
        d.count[h] = round(v);
    }
    mse_opts_default(&o);
    o.criterion = MSE_BIC;
    assert_int_equal(mse_estimate(&d, &o, &t, &ei), TW_OK);
    assert_string_equal(stats_table_cell(t, 0, (size_t)stats_table_find(t, "criterion"))->s,
                        "BIC");
    assert_non_null(strstr(stats_table_cell(t, 0, 1)->s, "NRM*ALERTS"));
    for (size_t r = 1; r + 1 < stats_table_nrows(t); r++)
        assert_true(cell(t, r, "bic") >= cell(t, r - 1, "bic"));
    stats_table_free(t);
}

static void test_thin_overlaps_refused(void **state)
{
    mse_data_t d;
    stats_table_t *t = NULL;
    tw_errinfo_t ei;
    (void)state;
    names(&d, 3);
    d.count[1] = 40;
    d.count[2] = 30;
    d.count[4] = 25;
    d.count[3] = 2;
    d.count[5] = 1;
    tw_errinfo_clear(&ei);
    assert_int_equal(mse_estimate(&d, NULL, &t, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "too thin"));
    assert_null(t);
    /* enough overlap in all, but one list shares nobody */
    d.count[3] = 30;
    d.count[5] = 0;
    d.count[6] = 0;
    d.count[7] = 0;
    tw_errinfo_clear(&ei);
    assert_int_equal(mse_estimate(&d, NULL, &t, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "REPORTS"));
}

static void test_histories_file(void **state)
{
    char dir[] = "/tmp/tw-test-mse-XXXXXX", path[300];
    mse_data_t d;
    tw_errinfo_t ei;
    FILE *f;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/h.csv", dir);
    f = fopen(path, "w");
    fputs("nrm,alerts,count\n1,0,80\n0,1,60\n1,1,15\n1,1,5\n", f);
    fclose(f);
    assert_int_equal(mse_load(path, &d, &ei), TW_OK);
    assert_int_equal(d.k, 2);
    assert_string_equal(d.names[1], "alerts");
    assert_true(d.count[3] == 20);
    f = fopen(path, "w");
    fputs("nrm,alerts,count\n1,0,80\n0,2,60\n", f);
    fclose(f);
    tw_errinfo_clear(&ei);
    assert_int_equal(mse_load(path, &d, &ei), TW_EINPUT);
    assert_int_equal(ei.line, 3);
    assert_string_equal(ei.field, "alerts");
    f = fopen(path, "w");
    fputs("nrm,alerts,count\n0,0,80\n", f);
    fclose(f);
    assert_int_equal(mse_load(path, &d, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "no list"));
    f = fopen(path, "w");
    fputs("nrm,alerts\n1,0\n", f);
    fclose(f);
    assert_int_equal(mse_load(path, &d, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "count"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_independent_lists),
        cmocka_unit_test(test_three_lists_all_pairs_closed_form),
        cmocka_unit_test(test_profile_interval_two_lists),
        cmocka_unit_test(test_bic_ranking),
        cmocka_unit_test(test_two_lists_lincoln_petersen),
        cmocka_unit_test(test_dependent_lists),
        cmocka_unit_test(test_random_population),
        cmocka_unit_test(test_thin_overlaps_refused),
        cmocka_unit_test(test_histories_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
