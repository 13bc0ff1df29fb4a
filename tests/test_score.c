/*
 * test_score.c - combining hits into scores: the formula, the vulnerability
 * rule (a trait alone never raises anything), the employer roll-up and its
 * bounds, ranking by contribution, and levels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static const char conf[] = "version = test-1\n"
                           "[levels]\nlow = 30\nmedium = 60\nhigh = 85\n"
                           "[score]\nprior = -4.0\nvulnerability_max_factor = 1.5\n"
                           "rollup_weight = 0.5\nrollup_min_applications = 2\n"
                           "[indicator wage_below_minimum]\nweight = 2.0\n"
                           "[indicator hours_excessive]\nweight = 1.0\n"
                           "[indicator crowded_residence]\nweight = 3.0\n"
                           "[indicator young_one_sex_entertainment]\nweight = 0\nfactor = 2.0\n";

static config_t *cfg;

/* Three applications of employer 1, one of employer 2. */
static eng_app_t apps[4];
static uint32_t off[4] = {0, 0, 3, 4};
static uint32_t items[4] = {0, 1, 2, 3};
static eng_index_t ix;

static int setup(void **state)
{
    tw_errinfo_t ei;
    size_t i;
    (void)state;
    if (config_parse(conf, strlen(conf), "test.conf", NULL, &cfg, &ei) != TW_OK)
        return -1;
    memset(&ix, 0, sizeof(ix));
    memset(apps, 0, sizeof(apps));
    for (i = 0; i < 4; i++) {
        apps[i].employer = i < 3 ? 1 : 2;
        apps[i].decision = ENG_APPROVED;
    }
    ix.apps = apps;
    ix.napps = 4;
    ix.apps_by_employer.off = off;
    ix.apps_by_employer.items = items;
    ix.apps_by_employer.n = 3;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    config_free(cfg);
    return 0;
}

static uint16_t ind(const char *id)
{
    int i = ind_find(id);
    assert_true(i >= 0);
    return (uint16_t)i;
}

static const score_entity_t *find(const score_result_t *r, ind_kind_t kind, uint32_t entity)
{
    size_t i;
    for (i = 0; i < r->n; i++) {
        if (r->ents[i].kind == kind && r->ents[i].entity == entity)
            return &r->ents[i];
    }
    return NULL;
}

static double sigmoid100(double x)
{
    return 100.0 / (1.0 + exp(-x));
}

static void test_one_hit_adds_weight_times_strength(void **state)
{
    ind_hits_t h;
    score_result_t r;
    const score_entity_t *e;
    (void)state;
    ind_hits_init(&h);
    assert_int_equal(ind_hits_add(&h, ind("crowded_residence"), IK_ADDRESS, 7, 0.5, 12, 8, NULL, 0),
                     TW_OK);
    assert_int_equal(score_compute(&ix, &h, cfg, &r), TW_OK);
    e = find(&r, IK_ADDRESS, 7);
    assert_non_null(e);
    assert_near(e->logit, -4.0 + 3.0 * 0.5, 1e-9);
    assert_near(e->score, sigmoid100(-2.5), 1e-9);
    assert_int_equal(e->level, LEVEL_NONE); /* 7.6 < 30 */
    score_free(&r);
    ind_hits_free(&h);
}

static void test_vulnerability_alone_raises_nothing(void **state)
{
    ind_hits_t h;
    score_result_t r;
    const score_entity_t *e;
    (void)state;
    ind_hits_init(&h);
    assert_int_equal(ind_hits_add(&h, ind("young_one_sex_entertainment"), IK_EMPLOYER, 2, 1.0, 1,
                                  0.8, NULL, 0),
                     TW_OK);
    assert_int_equal(score_compute(&ix, &h, cfg, &r), TW_OK);
    e = find(&r, IK_EMPLOYER, 2);
    assert_non_null(e);
    assert_near(e->logit, -4.0, 1e-12);
    assert_near(e->vulnerability, 1.0, 1e-12);
    assert_int_equal(e->level, LEVEL_NONE);
    score_free(&r);
    ind_hits_free(&h);
}

static void test_vulnerability_scales_evidence_with_a_cap(void **state)
{
    ind_hits_t h;
    score_result_t r;
    const score_entity_t *e;
    (void)state;
    ind_hits_init(&h);
    assert_int_equal(ind_hits_add(&h, ind("young_one_sex_entertainment"), IK_EMPLOYER, 2, 1.0, 1,
                                  0.8, NULL, 0),
                     TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("prior_violations"), IK_EMPLOYER, 2, 1.0, 1, 1, NULL, 0),
                     TW_OK);
    assert_int_equal(score_compute(&ix, &h, cfg, &r), TW_OK);
    e = find(&r, IK_EMPLOYER, 2);
    /* factor 2.0 in the config, capped at vulnerability_max_factor 1.5;
     * prior_violations has no section here: its built-in weight applies */
    config_t *defaults;
    assert_int_equal(config_default(&defaults), TW_OK);
    assert_near(e->vulnerability, 1.5, 1e-12);
    assert_near(e->logit,
                -4.0 + config_indicator_param(defaults, "prior_violations", "weight", -1) * 1.5,
                1e-9);
    config_free(defaults);
    score_free(&r);
    ind_hits_free(&h);
}

static void test_roll_up_to_the_employer(void **state)
{
    ind_hits_t h;
    score_result_t r;
    const score_entity_t *e;
    const ind_hit_t *rolled;
    (void)state;
    ind_hits_init(&h);
    /* two of employer 1's three applications pay below the minimum */
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_APPLICATION, 0, 1.0, 50000,
                                  75000, NULL, 0),
                     TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_APPLICATION, 1, 1.0, 50000,
                                  75000, NULL, 0),
                     TW_OK);
    /* one of employer 2's one application: below rollup_min_applications */
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_APPLICATION, 3, 1.0, 50000,
                                  75000, NULL, 0),
                     TW_OK);
    assert_int_equal(score_compute(&ix, &h, cfg, &r), TW_OK);
    assert_int_equal(r.rolled.n, 1);
    rolled = &r.rolled.hits[0];
    assert_int_equal(rolled->kind, IK_EMPLOYER);
    assert_int_equal(rolled->entity, 1);
    assert_near(rolled->strength, 2.0f / 3.0f, 1e-6);
    assert_int_equal(rolled->nrecords, 2);
    e = find(&r, IK_EMPLOYER, 1);
    assert_non_null(e);
    assert_near(e->logit, -4.0 + 2.0 * (2.0 / 3.0) * 0.5, 1e-6);
    assert_null(find(&r, IK_EMPLOYER, 2));
    /* each application scores on its own too */
    assert_non_null(find(&r, IK_APPLICATION, 0));
    score_free(&r);
    ind_hits_free(&h);
}

static void test_rank_and_levels(void **state)
{
    ind_hits_t h;
    score_result_t r;
    const score_entity_t *e;
    (void)state;
    ind_hits_init(&h);
    assert_int_equal(ind_hits_add(&h, ind("hours_excessive"), IK_APPLICATION, 2, 1.0, 70, 48,
                                  NULL, 0),
                     TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_APPLICATION, 2, 1.0, 40000,
                                  75000, NULL, 0),
                     TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("crowded_residence"), IK_ADDRESS, 9, 1.0, 30, 8, NULL, 0),
                     TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_ADDRESS, 9, 1.0, 1, 1, NULL, 0),
                     TW_OK);
    assert_int_equal(score_compute(&ix, &h, cfg, &r), TW_OK);
    /* highest score first */
    assert_int_equal(r.ents[0].kind, IK_ADDRESS);
    e = find(&r, IK_APPLICATION, 2);
    assert_near(e->logit, -1.0, 1e-9); /* -4 + 2 + 1 */
    assert_int_equal(e->level, LEVEL_NONE);   /* 26.9 */
    /* ranked: wage (2.0) before hours (1.0) */
    assert_int_equal(score_hit(&r, &h, r.order[e->first])->indicator, ind("wage_below_minimum"));
    assert_near(r.contribution[e->first], 2.0, 1e-9);
    assert_near(r.contribution[e->first + 1], 1.0, 1e-9);
    e = find(&r, IK_ADDRESS, 9);
    assert_near(e->logit, 1.0, 1e-9); /* -4 + 3 + 2: 73.1 */
    assert_int_equal(e->level, LEVEL_MEDIUM);
    assert_string_equal(score_level_name(LEVEL_MEDIUM), "medium");
    score_free(&r);
    ind_hits_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_hit_adds_weight_times_strength),
        cmocka_unit_test(test_vulnerability_alone_raises_nothing),
        cmocka_unit_test(test_vulnerability_scales_evidence_with_a_cap),
        cmocka_unit_test(test_roll_up_to_the_employer),
        cmocka_unit_test(test_rank_and_levels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
