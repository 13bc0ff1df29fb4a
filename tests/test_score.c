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

#include "engine/score.h"

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

/* workers: app 0 -> worker 1, apps 1 and 2 -> worker 2, app 3 -> worker 3 */
static uint32_t woff[5] = {0, 0, 1, 3, 4};
static uint32_t witems[4] = {0, 1, 2, 3};

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
    apps[0].worker = 1;
    apps[1].worker = 2;
    apps[2].worker = 2;
    apps[3].worker = 3;
    ix.apps_by_worker.off = woff;
    ix.apps_by_worker.items = witems;
    ix.apps_by_worker.n = 4;
    ix.nentities[ENT_EMPLOYER] = 3;
    ix.nentities[ENT_WORKER] = 4;
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
    /* one roll-up to an employer (first), then roll-downs to workers */
    assert_true(r.rolled.n >= 1);
    for (size_t i = 1; i < r.rolled.n; i++)
        assert_int_equal(r.rolled.hits[i].kind, IK_WORKER);
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

static void test_roll_down_to_workers(void **state)
{
    ind_hits_t h;
    score_result_t r;
    const score_entity_t *e;
    size_t i, worker_hits = 0;
    (void)state;
    ind_hits_init(&h);
    /* employer 1 has an inspection finding; worker 2's own application also
     * pays below the minimum, at a lower strength than its twin */
    assert_int_equal(ind_hits_add(&h, ind("prior_violations"), IK_EMPLOYER, 1, 0.8, 1, 1, NULL, 0),
                     TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_APPLICATION, 1, 0.6, 60000,
                                  75000, NULL, 0),
                     TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_APPLICATION, 2, 0.9, 50000,
                                  75000, NULL, 0),
                     TW_OK);
    assert_int_equal(score_compute(&ix, &h, cfg, &r), TW_OK);
    for (i = 0; i < r.rolled.n; i++) {
        const ind_hit_t *x = &r.rolled.hits[i];
        if (x->kind != IK_WORKER)
            continue;
        worker_hits++;
        assert_true(x->entity == 1 || x->entity == 2); /* worker 3's employer is clean */
        if (x->entity == 2 && x->indicator == ind("wage_below_minimum"))
            assert_near(x->strength, 0.9, 1e-6); /* the strongest, not the sum */
    }
    /* worker 1: prior_violations via employer 1, and employer 1's rolled-up
     * wage_below_minimum (2 of 3 applications); worker 2: the same two */
    assert_int_equal(worker_hits, 4);
    e = find(&r, IK_WORKER, 2);
    assert_non_null(e);
    assert_null(find(&r, IK_WORKER, 3));
    score_free(&r);
    ind_hits_free(&h);
}

/* Propagation beyond employers: an intermediary's share, a worker's
 * residence and phone, an employer's trait as a multiplier; a workplace
 * address and a residence reach no employer (invariant 5). */
static void test_propagation_through_the_graph(void **state)
{
    static uint32_t ioff[3] = {0, 0, 2}, iitems[2] = {0, 1};
    ind_hits_t h;
    score_result_t r;
    const score_entity_t *e;
    size_t i;
    int inter = 0, crowded3 = 0, phone1 = 0;
    (void)state;
    ix.apps_by_intermediary.off = ioff;
    ix.apps_by_intermediary.items = iitems;
    ix.apps_by_intermediary.n = 2;
    ix.nentities[ENT_INTERMEDIARY] = 2;
    ix.nentities[ENT_ADDRESS] = 8;
    ix.nentities[ENT_PHONE] = 3;
    apps[0].intermediary = apps[1].intermediary = 1;
    apps[3].res_addr = 5;
    apps[0].phone = 2;
    apps[0].work_addr = 7;
    ind_hits_init(&h);
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_APPLICATION, 0, 1.0, 50000,
                                  75000, NULL, 0), TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("wage_below_minimum"), IK_APPLICATION, 1, 1.0, 50000,
                                  75000, NULL, 0), TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("crowded_residence"), IK_ADDRESS, 5, 1.0, 30, 8, NULL,
                                  0), TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("shared_phone"), IK_PHONE, 2, 0.5, 4, 3, NULL, 0),
                     TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("reports_touching_address"), IK_ADDRESS, 7, 1.0, 1, 1,
                                  NULL, 0), TW_OK);
    assert_int_equal(ind_hits_add(&h, ind("young_one_sex_entertainment"), IK_EMPLOYER, 1, 1.0,
                                  1, 0.8, NULL, 0), TW_OK);
    assert_int_equal(score_compute(&ix, &h, cfg, &r), TW_OK);
    for (i = 0; i < r.rolled.n; i++) {
        const ind_hit_t *x = &r.rolled.hits[i];
        if (x->kind == IK_INTERMEDIARY) {
            inter++;
            assert_int_equal(x->entity, 1);
            assert_int_equal(x->indicator, ind("wage_below_minimum"));
            assert_near(x->strength, 1.0, 1e-6); /* both of its two applications */
        }
        if (x->indicator == ind("crowded_residence")) {
            /* the residence reaches the worker who lives there, no employer */
            assert_int_equal(x->kind, IK_WORKER);
            assert_int_equal(x->entity, 3);
            crowded3++;
        }
        if (x->indicator == ind("shared_phone")) {
            assert_int_equal(x->kind, IK_WORKER);
            assert_int_equal(x->entity, 1);
            assert_near(x->strength, 0.5, 1e-6);
            phone1++;
        }
        /* a workplace address carries nothing to anybody */
        assert_int_not_equal(x->indicator, ind("reports_touching_address"));
    }
    assert_int_equal(inter, 1);
    assert_int_equal(crowded3, 1);
    assert_int_equal(phone1, 1);
    assert_null(find(&r, IK_EMPLOYER, 2));
    /* worker 1: its employer's trait multiplies its evidence, capped at 1.5 */
    e = find(&r, IK_WORKER, 1);
    assert_non_null(e);
    assert_near(e->vulnerability, 1.5, 1e-9);
    /* worker 3: no trait at employer 2 */
    e = find(&r, IK_WORKER, 3);
    assert_non_null(e);
    assert_near(e->vulnerability, 1.0, 1e-9);
    assert_near(e->logit, -4.0 + 3.0 * 0.5, 1e-6); /* crowded_residence x rollup_weight */
    score_free(&r);
    ind_hits_free(&h);

    /* the trait alone comes down to the workers and raises nothing */
    ind_hits_init(&h);
    assert_int_equal(ind_hits_add(&h, ind("young_one_sex_entertainment"), IK_EMPLOYER, 2, 1.0,
                                  1, 0.8, NULL, 0), TW_OK);
    assert_int_equal(score_compute(&ix, &h, cfg, &r), TW_OK);
    e = find(&r, IK_WORKER, 3);
    assert_non_null(e);
    assert_near(e->logit, -4.0, 1e-12);
    assert_int_equal(e->level, LEVEL_NONE);
    score_free(&r);
    ind_hits_free(&h);

    memset(&ix.apps_by_intermediary, 0, sizeof(ix.apps_by_intermediary));
    ix.nentities[ENT_INTERMEDIARY] = ix.nentities[ENT_ADDRESS] = ix.nentities[ENT_PHONE] = 0;
    apps[0].intermediary = apps[1].intermediary = 0;
    apps[3].res_addr = apps[0].phone = apps[0].work_addr = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_hit_adds_weight_times_strength),
        cmocka_unit_test(test_vulnerability_alone_raises_nothing),
        cmocka_unit_test(test_vulnerability_scales_evidence_with_a_cap),
        cmocka_unit_test(test_roll_up_to_the_employer),
        cmocka_unit_test(test_rank_and_levels),
        cmocka_unit_test(test_roll_down_to_workers),
        cmocka_unit_test(test_propagation_through_the_graph),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
