/*
 * test_live.c - live scoring of one application (live.c): a stored
 * application scored as if it had just arrived gets the score a full
 * screening gives it, and so do its worker and employer; a new application
 * brings its own evidence; bad input is refused without scoring.
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

#include "config.h"
#include "import.h"
#include "indicators.h"
#include "live.h"
#include "score.h"
#include "store.h"
#include "synth.h"
#include "twtest.h"

static char dir[256];
static store_t *st;
static config_t *cfg;
static live_t *lv;

static int setup(void **state)
{
    char db[300];
    tw_errinfo_t ei;
    (void)state;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-live-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    twt_synth_import(st, dir, 3000, 7, NULL);
    assert_int_equal(config_default(&cfg), TW_OK);
    assert_int_equal(live_open(st, cfg, &lv, &ei), TW_OK);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    live_close(lv);
    config_free(cfg);
    store_close(st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The full screening's score and level of (kind, entity). */
static void full_score(const score_result_t *sr, ind_kind_t kind, uint32_t entity, double prior,
                       double *score, int *level)
{
    size_t i;
    *score = prior;
    *level = LEVEL_NONE;
    for (i = 0; i < sr->n; i++) {
        if (sr->ents[i].kind == kind && sr->ents[i].entity == entity) {
            *score = sr->ents[i].score;
            *level = sr->ents[i].level;
            return;
        }
    }
}

/* Every stored application, scored live in place of itself, agrees with a
 * full screening of the same index: the application's, its worker's and its
 * employer's scores and levels, exactly. */
static void test_agrees_with_full_screening(void **state)
{
    const eng_index_t *ix = live_index(lv);
    ind_hits_t hits;
    score_result_t full;
    double prior = 100.0 / (1.0 + exp(-config_score(cfg, "prior", -4.0)));
    uint32_t i, flagged = 0, workers_flagged = 0;
    tw_errinfo_t ei;
    (void)state;

    ind_hits_init(&hits);
    assert_int_equal(ind_compute_all(ix, cfg, &hits), TW_OK);
    assert_int_equal(score_compute(ix, &hits, cfg, &full), TW_OK);
    for (i = 0; i < ix->napps; i++) {
        live_input_t in;
        live_result_t r;
        double fs, ls;
        int fl;
        score_level_t ll;

        memset(&in, 0, sizeof(in));
        in.app = ix->apps[i];
        in.application_id = eng_str(ix, ix->apps[i].key);
        in.replaces = i + 1;
        assert_int_equal(live_score(lv, &in, &r, &ei), TW_OK);
        assert_true(r.neighbourhood >= 1);
        full_score(&full, IK_APPLICATION, i, prior, &fs, &fl);
        assert_true(fabs(r.score - fs) < 1e-9);
        assert_int_equal(r.level, fl);
        flagged += fl != LEVEL_NONE;
        full_score(&full, IK_EMPLOYER, ix->apps[i].employer, prior, &fs, &fl);
        live_entity_score(lv, &r, IK_EMPLOYER, &ls, &ll);
        assert_true(fabs(ls - fs) < 1e-9);
        assert_int_equal(ll, fl);
        full_score(&full, IK_WORKER, ix->apps[i].worker, prior, &fs, &fl);
        live_entity_score(lv, &r, IK_WORKER, &ls, &ll);
        assert_true(fabs(ls - fs) < 1e-9);
        assert_int_equal(ll, fl);
        workers_flagged += fl != LEVEL_NONE;
        live_result_free(&r);
    }
    printf("live: %u applications agree; %u of them flagged, %u of their workers\n",
           ix->napps, flagged, workers_flagged);
    assert_true(flagged > 0);
    assert_true(workers_flagged > 0);
    score_free(&full);
    ind_hits_free(&hits);
}

static const ind_hit_t *find_hit(const live_result_t *r, const char *indicator)
{
    size_t ncat;
    const ind_def_t *cat = ind_catalogue(&ncat);
    uint32_t j;
    for (j = 0; r->app && j < r->app->nhits; j++) {
        const ind_hit_t *h = score_hit(&r->sr, &r->hits, r->sr.order[r->app->first + j]);
        if (strcmp(cat[h->indicator].id, indicator) == 0)
            return h;
    }
    return NULL;
}

/* A new application (no replaced record, a worker the store does not know)
 * of an existing employer: its own evidence counts, the employer's other
 * applications are its neighbourhood, and a wage under the minimum raises
 * the score of the same application with a normal wage. */
static void test_new_application(void **state)
{
    const eng_index_t *ix = live_index(lv);
    live_input_t in;
    live_result_t fair, low;
    uint32_t i, emp_apps;
    tw_errinfo_t ei;
    (void)state;

    for (i = 0; i < ix->napps && !(ix->apps[i].decision == ENG_APPROVED &&
                                   ix->apps[i].salary > 200000 && ix->apps[i].hours <= 40);
         i++)
        ;
    assert_true(i < ix->napps);
    memset(&in, 0, sizeof(in));
    in.app = ix->apps[i];
    in.app.decision = ENG_PENDING;
    in.app.worker = 0;
    in.app.res_addr = 0;
    in.app.phone = 0;
    in.application_id = "WP-NEW-1";
    emp_apps = ix->apps_by_employer.off[in.app.employer + 1] -
               ix->apps_by_employer.off[in.app.employer];
    assert_int_equal(live_score(lv, &in, &fair, &ei), TW_OK);
    assert_true(fair.neighbourhood >= emp_apps + 1);
    assert_null(find_hit(&fair, "wage_below_minimum"));
    assert_string_equal(eng_str(&fair.ix, fair.ix.apps[0].key), "WP-NEW-1");

    in.app.salary = 20000; /* far under the monthly minimum */
    assert_int_equal(live_score(lv, &in, &low, &ei), TW_OK);
    assert_non_null(find_hit(&low, "wage_below_minimum"));
    assert_true(low.score > fair.score);
    live_result_free(&fair);
    live_result_free(&low);
}

/* Ids outside the index and a replaced record that does not exist are bad
 * input: TW_EINPUT naming the field, nothing scored, nothing to free. */
static void test_bad_input(void **state)
{
    const eng_index_t *ix = live_index(lv);
    live_input_t in;
    live_result_t r;
    tw_errinfo_t ei;
    (void)state;

    memset(&in, 0, sizeof(in));
    in.app = ix->apps[0];
    in.app.worker = ix->nentities[ENT_WORKER];
    tw_errinfo_clear(&ei);
    assert_int_equal(live_score(lv, &in, &r, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "worker");
    assert_int_equal(r.ix.napps, 0);

    in.app = ix->apps[0];
    in.app.phone = UINT32_MAX;
    tw_errinfo_clear(&ei);
    assert_int_equal(live_score(lv, &in, &r, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "worker_phone");

    in.app = ix->apps[0];
    in.replaces = ix->napps + 1;
    tw_errinfo_clear(&ei);
    assert_int_equal(live_score(lv, &in, &r, &ei), TW_EINPUT);
    live_result_free(&r); /* harmless on a refused call */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_full_screening),
        cmocka_unit_test(test_new_application),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
