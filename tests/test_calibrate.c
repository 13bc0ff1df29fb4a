/*
 * test_calibrate.c - learning from outcome labels (calibrate.h, learn.h,
 * rank.h): the fitter keeps evidence weights non-negative and separates
 * what the labels separate; the measures give known values; calibrate
 * writes a config the parser accepts and that ranks the confirmed
 * employers first; contradictory labels, labels of unknown entities and a
 * single class are counted and reported, never used; too few labels write
 * nothing and say how many are needed.
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

#include "engine/calibrate.h"
#include "engine/indicators.h"
#include "engine/learn.h"
#include "engine/rank.h"
#include "ingest/import.h"
#include "twtest.h"

/* ---- learn.c --------------------------------------------------------- */

static void test_auc_known_values(void **state)
{
    const double s[] = {0.9, 0.8, 0.7, 0.6};
    const uint8_t y_good[] = {1, 1, 0, 0}, y_bad[] = {0, 0, 1, 1}, y_mid[] = {1, 0, 1, 0};
    const double tied[] = {0.5, 0.5, 0.5, 0.5};
    const double w[] = {2, 1, 1, 0}; /* the last row left out */
    learn_auc_t a;
    (void)state;
    assert_int_equal(learn_auc(s, y_good, NULL, 4, &a), TW_OK);
    assert_true(fabs(a.pr_auc - 1) < 1e-12 && fabs(a.roc_auc - 1) < 1e-12);
    assert_int_equal(learn_auc(s, y_bad, NULL, 4, &a), TW_OK);
    assert_true(fabs(a.roc_auc) < 1e-12);
    assert_true(fabs(a.pr_auc - (0.5 * 1.0 / 3 + 0.5 * 2.0 / 4)) < 1e-12);
    /* 1,0,1,0: AP = (1/2)(1/1) + (1/2)(2/3) */
    assert_int_equal(learn_auc(s, y_mid, NULL, 4, &a), TW_OK);
    assert_true(fabs(a.pr_auc - (0.5 + 1.0 / 3)) < 1e-12);
    assert_true(fabs(a.roc_auc - 0.75) < 1e-12);
    /* all tied: one step; ROC-AUC a half */
    assert_int_equal(learn_auc(tied, y_mid, NULL, 4, &a), TW_OK);
    assert_true(fabs(a.roc_auc - 0.5) < 1e-12 && fabs(a.pr_auc - 0.5) < 1e-12);
    /* weights: rows count as many times as their weight */
    assert_int_equal(learn_auc(s, y_mid, w, 4, &a), TW_OK);
    assert_true(a.pos == 3 && a.neg == 1);
    assert_true(fabs(a.roc_auc - (2.0 * 1 + 1.0 * 0) / 3) < 1e-12);
    /* a single class: no AUC */
    assert_int_equal(learn_auc(s, y_good, (const double[]){1, 1, 0, 0}, 4, &a), TW_OK);
    assert_true(a.roc_auc < 0);
}

static void test_thresholds(void **state)
{
    const double s[] = {5, 4, 4, 3, 2, 1};
    const uint8_t y[] = {1, 0, 1, 1, 0, 1};
    learn_confusion_t c;
    (void)state;
    /* 3 of 4 positives needs s >= 3 */
    assert_true(learn_threshold_for_recall(s, y, NULL, 6, 0.75) == 3);
    assert_true(learn_threshold_for_recall(s, y, NULL, 6, 1.0) == 1);
    /* at most 3 rows: the tie at 4 fits, 3 would make 4 */
    assert_true(learn_threshold_for_volume(s, NULL, 6, 3) == 4);
    assert_true(learn_threshold_for_volume(s, NULL, 6, 0.5) == 5);
    learn_confusion(s, y, NULL, 6, 4, &c);
    assert_true(c.tp == 2 && c.fp == 1 && c.fn == 2 && c.alerted == 3);
}

/* Feature 0 raises the odds, feature 1 lowers them: the box keeps the
 * second at 0 (monotone), and the first comes out positive. */
static void test_fit_monotone(void **state)
{
    enum { N = 400 };
    uint32_t off[N + 1];
    uint16_t fi[2 * N];
    float fv[2 * N];
    uint8_t y[N];
    double w[N], beta[3];
    learn_data_t d;
    learn_fit_opts_t o;
    uint32_t nnz = 0, i;
    (void)state;
    for (i = 0; i < N; i++) {
        int a = (i % 4) < 2, b = (i % 8) < 4;
        off[i] = nnz;
        if (a) {
            fi[nnz] = 0;
            fv[nnz++] = 1;
        }
        if (b) {
            fi[nnz] = 1;
            fv[nnz++] = 1;
        }
        /* positives: mostly with feature 0, rarely with feature 1 */
        y[i] = (uint8_t)(a ? (i % 16) != 0 && !(b && i % 3 == 0) : (i % 10) == 0);
        w[i] = 1;
    }
    off[N] = nnz;
    d.nrows = N;
    d.nfeat = 2;
    d.off = off;
    d.fi = fi;
    d.fv = fv;
    d.y = y;
    memset(&o, 0, sizeof(o));
    o.lambda = 0.1;
    o.hi[0] = o.hi[1] = 10;
    assert_int_equal(learn_fit(&d, NULL, N, w, &o, beta, NULL), TW_OK);
    assert_true(beta[1] > 1.0);
    assert_true(beta[2] == 0.0);
    /* the penalty pulls toward the prior: a strong one keeps the weight there */
    o.lambda = 1e6;
    o.prior[0] = 3;
    assert_int_equal(learn_fit(&d, NULL, N, w, &o, beta, NULL), TW_OK);
    assert_true(fabs(beta[1] - 3) < 0.01);
    /* one class only: refused */
    memset(y, 0, sizeof(y));
    assert_int_equal(learn_fit(&d, NULL, N, w, &o, beta, NULL), TW_EINPUT);
}

/* ---- calibrate.c on a register --------------------------------------- */

static char dir[256];
static store_t *st;

static const char header[] =
    "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
    "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
    "worker_citizenship,employer_tin,employer_name,monthly_salary_amd,weekly_hours\n";

/* 48 employers of 3 applications each: the first 24 pay below the minimum
 * and make their workers work 70 hours, the others pay and work properly. */
static void make_register(void)
{
    char *text = malloc(64 * 1024), *p;
    size_t cap = 64 * 1024, used;
    int e, a;
    tw_errinfo_t ei;
    char db[300];

    snprintf(dir, sizeof(dir), "/tmp/tw-test-calibrate-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    assert_non_null(text);
    used = (size_t)snprintf(text, cap, "%s", header);
    for (e = 0; e < 48; e++)
        for (a = 0; a < 3; a++) {
            int bad = e < 24;
            p = text + used;
            used += (size_t)snprintf(p, cap - used,
                                     "A%02d%d,2023-03-01T10:00:00,approved,N%02d%d,IND,K,R,M,"
                                     "1990-01-01,IND,%08d,E%d,%d,%d\n",
                                     e, a, e, a, 10000000 + e, e, bad ? 40000 : 150000,
                                     bad ? 70 : 40);
        }
    twt_import_text(st, dir, "p.csv", text);
    free(text);
}

static void drop_register(void)
{
    char cmd[400];
    store_close(st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static const char base_conf[] = "version = base-1\n[levels]\nlow = 25\nmedium = 60\nhigh = 85\n"
                                "[minimum_wage]\n2020-01-01 = 75000\n"
                                "[indicator wage_below_minimum]\nweight = 0.2\n";

static tw_err_t run(calibrate_opts_t *o, char **report, char **text, size_t *len,
                    tw_errinfo_t *ei)
{
    size_t rlen = 0;
    FILE *mem = open_memstream(report, &rlen);
    tw_err_t err;
    assert_non_null(mem);
    err = calibrate_run(st, o, mem, text, len, ei);
    fclose(mem);
    return err;
}

static void test_calibrate_learns_and_writes(void **state)
{
    calibrate_opts_t o;
    config_t *base, *learnt;
    char *report = NULL, *text = NULL, lab[2048];
    size_t len = 0, used, i;
    tw_errinfo_t ei;
    rank_list_t rl;
    int e;
    (void)state;
    make_register();
    /* 12 of the bad employers confirmed, 12 good ones cleared; one employer
     * confirmed and later cleared; one label for an employer nobody knows */
    used = (size_t)snprintf(lab, sizeof(lab), "entity_type,entity_key,outcome\n");
    for (e = 0; e < 12; e++)
        used += (size_t)snprintf(lab + used, sizeof(lab) - used, "employer,%08d,confirmed\n",
                                 10000000 + e);
    for (e = 30; e < 42; e++)
        used += (size_t)snprintf(lab + used, sizeof(lab) - used, "employer,%08d,cleared\n",
                                 10000000 + e);
    snprintf(lab + used, sizeof(lab) - used,
             "employer,%08d,confirmed\nemployer,99999999,confirmed\n", 10000000 + 20);
    twt_import_text(st, dir, "o1.csv", lab);
    twt_import_text(st, dir, "o2.csv",
                    "entity_type,entity_key,outcome\nemployer,10000020,cleared\n");

    assert_int_equal(config_parse(base_conf, strlen(base_conf), "base", ind_ids(), &base, &ei),
                     TW_OK);
    memset(&o, 0, sizeof(o));
    o.base = base;
    o.base_text = base_conf;
    o.base_len = strlen(base_conf);
    o.folds = 3;
    o.epv = 1;
    o.recall = 0.9; /* the base alerts no employer here: a volume would say nothing */
    assert_int_equal(run(&o, &report, &text, &len, &ei), TW_OK);
    assert_non_null(text);
    /* the bad input, counted and reported */
    assert_non_null(strstr(report, "1 contradictory (confirmed and cleared for one entity) and "
                                   "1 naming no entity of the registers"));
    assert_non_null(strstr(report, "employer: 48 entities; 12 confirmed, 12 cleared, 1 "
                                   "contradictory, 23 unlabelled; confirmed and cleared labels"));
    assert_non_null(strstr(report, "worker: "));
    assert_non_null(strstr(report, "no confirmed label: nothing to learn from (a single class)"));
    assert_non_null(strstr(report, "PR-AUC, confirmed vs the rest"));
    assert_non_null(strstr(report, "calibration by decile"));
    /* a complete config: parses, new version, learnt keys, base values kept */
    assert_int_equal(config_parse(text, len, "learnt", ind_ids(), &learnt, &ei), TW_OK);
    assert_non_null(strstr(config_version(learnt), "base-1+cal."));
    assert_true(config_score(learnt, "prior_employer", 99) < 0);
    assert_true(config_indicator_param(learnt, "wage_below_minimum", "weight_employer", -1) >
                0.2);
    assert_true(config_indicator_param(learnt, "wage_below_minimum", "weight", -1) == 0.2);
    assert_true(config_min_wage(learnt, 20000) == 75000);
    /* under it, the 24 bad employers are the 24 highest and at least low */
    assert_int_equal(rank_compute(st, learnt, IK_EMPLOYER, 0, &rl, &ei), TW_OK);
    assert_int_equal(rl.total, 48);
    for (i = 0; i < 24; i++) {
        long n = strtol(rl.items[i].key, NULL, 10);
        assert_true(n >= 10000000 && n < 10000024);
        assert_true(rl.items[i].level >= 1);
    }
    for (; i < 48; i++)
        assert_int_equal(rl.items[i].level, 0);
    rank_list_free(&rl);
    free(report);
    free(text);
    config_free(learnt);
    config_free(base);
    drop_register();
}

static void test_calibrate_refuses(void **state)
{
    calibrate_opts_t o;
    config_t *base;
    char *report = NULL, *text = NULL;
    size_t len = 0;
    tw_errinfo_t ei;
    (void)state;
    make_register();
    /* a single class: cleared labels only */
    twt_import_text(st, dir, "o.csv",
                    "entity_type,entity_key,outcome\nemployer,10000030,cleared\n"
                    "employer,10000031,cleared\n");
    assert_int_equal(config_parse(base_conf, strlen(base_conf), "base", ind_ids(), &base, &ei),
                     TW_OK);
    memset(&o, 0, sizeof(o));
    o.base = base;
    o.base_text = base_conf;
    o.base_len = strlen(base_conf);
    tw_errinfo_clear(&ei);
    assert_int_equal(run(&o, &report, &text, &len, &ei), TW_EINPUT);
    assert_null(text);
    assert_non_null(strstr(ei.msg, "too few labels"));
    assert_non_null(strstr(report, "employer: 48 entities; 0 confirmed, 2 cleared"));
    assert_non_null(strstr(report, "no confirmed label: nothing to learn from (a single class)"));
    free(report);
    report = NULL;
    /* three confirmed: the default rule needs 10 per feature in use */
    twt_import_text(st, dir, "o2.csv",
                    "entity_type,entity_key,outcome\nemployer,10000001,confirmed\n"
                    "employer,10000002,confirmed\nemployer,10000003,confirmed\n");
    assert_int_equal(run(&o, &report, &text, &len, &ei), TW_EINPUT);
    assert_null(text);
    assert_non_null(strstr(report, "not fitted: 3 confirmed labels;"));
    assert_non_null(strstr(ei.msg, "the nearest has 3, needs "));
    free(report);
    config_free(base);
    drop_register();
}

/* --fit-thresholds: 48 employers of one sector and occupation; the first
 * 24 pay 90,000 where the others pay 150,000 (median 120,000), nothing
 * else tells them apart. wage_far_below_peers at its ratio 0.6 (threshold
 * 72,000) sees nothing; at 0.8 (96,000) it sees exactly the 24. The labels
 * (12 of the 24 confirmed, 12 of the others cleared) support moving it, and
 * the learnt config carries the value chosen, with every value tried in
 * the report. */
static void test_calibrate_fits_a_threshold(void **state)
{
    static const char hdr[] =
        "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
        "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
        "worker_citizenship,employer_tin,employer_name,employer_sector,occupation_isco,"
        "monthly_salary_amd,weekly_hours\n";
    static const char conf[] = "version = base-2\n[levels]\nlow = 25\nmedium = 60\nhigh = 85\n"
                               "[indicator wage_far_below_peers]\nratio = 0.6\n";
    calibrate_opts_t o;
    config_t *base, *learnt;
    char *text = malloc(64 * 1024), *report = NULL, *out = NULL, lab[2048], db[300];
    size_t cap = 64 * 1024, used, len = 0;
    tw_errinfo_t ei;
    tw_err_t err;
    int e, a;
    (void)state;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-calibrate-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    assert_non_null(text);
    used = (size_t)snprintf(text, cap, "%s", hdr);
    for (e = 0; e < 48; e++)
        for (a = 0; a < 3; a++)
            used += (size_t)snprintf(text + used, cap - used,
                                     "T%02d%d,2023-03-01T10:00:00,approved,M%02d%d,IND,K,R,M,"
                                     "1990-01-01,IND,%08d,E%d,41,7112,%d,40\n",
                                     e, a, e, a, 20000000 + e, e, e < 24 ? 90000 : 150000);
    twt_import_text(st, dir, "p.csv", text);
    free(text);
    used = (size_t)snprintf(lab, sizeof(lab), "entity_type,entity_key,outcome\n");
    for (e = 0; e < 12; e++)
        used += (size_t)snprintf(lab + used, sizeof(lab) - used, "employer,%08d,confirmed\n",
                                 20000000 + e);
    for (e = 30; e < 42; e++)
        used += (size_t)snprintf(lab + used, sizeof(lab) - used, "employer,%08d,cleared\n",
                                 20000000 + e);
    twt_import_text(st, dir, "o.csv", lab);
    assert_int_equal(config_parse(conf, strlen(conf), "base", ind_ids(), &base, &ei), TW_OK);
    memset(&o, 0, sizeof(o));
    o.base = base;
    o.base_text = conf;
    o.base_len = strlen(conf);
    o.folds = 3;
    o.epv = 1;
    o.recall = 0.9;
    o.fit_thresholds = 1;
    err = run(&o, &report, &out, &len, &ei);
    if (err != TW_OK)
        fail_msg("%s: %s\n%s", tw_strerror(err), ei.msg, report ? report : "");
    assert_non_null(strstr(report, "thresholds (--fit-thresholds): judged by the mean "
                                   "cross-validated PR-AUC of employer"));
    assert_non_null(strstr(report, "wage_far_below_peers ratio: 0.5 -> "));
    assert_non_null(strstr(report, "0.6 -> "));
    assert_non_null(strstr(report, "(in force)"));
    assert_non_null(strstr(report, "; set to 0.8"));
    assert_int_equal(config_parse(out, len, "learnt", ind_ids(), &learnt, &ei), TW_OK);
    assert_true(config_indicator_param(learnt, "wage_far_below_peers", "ratio", -1) == 0.8);
    assert_true(config_indicator_param(learnt, "wage_far_below_peers", "weight_employer", -1) >
                0);
    config_free(learnt);
    free(report);
    free(out);
    report = out = NULL;
    /* without enough labels nothing is judged and every threshold stays */
    o.epv = 1000;
    assert_int_equal(run(&o, &report, &out, &len, &ei), TW_EINPUT);
    assert_non_null(strstr(report, "no kind: none has enough labels; every threshold stays"));
    free(report);
    config_free(base);
    drop_register();
}

/* A confirmed application confirms its worker when the worker has no
 * label of its own (counted apart); a worker's own label wins. */
static void test_labels_carried_to_workers(void **state)
{
    calibrate_opts_t o;
    config_t *base;
    char *report = NULL, *text = NULL;
    size_t len = 0;
    tw_errinfo_t ei;
    (void)state;
    make_register();
    twt_import_text(st, dir, "o.csv",
                    "entity_type,entity_key,outcome\n"
                    "application,A000,confirmed\napplication,A001,confirmed\n"
                    "application,A010,confirmed\nworker,IND:N010,cleared\n"
                    "worker,IND:N020,confirmed\n");
    assert_int_equal(config_parse(base_conf, strlen(base_conf), "base", ind_ids(), &base, &ei),
                     TW_OK);
    memset(&o, 0, sizeof(o));
    o.base = base;
    o.base_text = base_conf;
    o.base_len = strlen(base_conf);
    o.folds = 2;
    o.epv = 1;
    (void)run(&o, &report, &text, &len, &ei);
    assert_non_null(report);
    assert_non_null(strstr(report, "2 workers without a label of their own are confirmed "
                                   "because one of their applications is"));
    /* N000 and N001 carried, N020 its own; N010 stays cleared */
    assert_non_null(strstr(report, "worker: 144 entities; 3 confirmed, 1 cleared, 0 contradictory"));
    free(report);
    free(text);
    config_free(base);
    drop_register();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auc_known_values),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_fit_monotone),
        cmocka_unit_test(test_calibrate_learns_and_writes),
        cmocka_unit_test(test_calibrate_refuses),
        cmocka_unit_test(test_calibrate_fits_a_threshold),
        cmocka_unit_test(test_labels_carried_to_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
