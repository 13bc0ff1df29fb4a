/*
 * test_live.c - live scoring of one application (live.c): a stored
 * application scored as if it had just arrived gets the score a full
 * screening gives it, and so do its worker and employer, hit for hit
 * (every indicator, native and carried); so on a register linked into
 * persons and on one with very large employers; a new application brings
 * its own evidence; bad input is refused without scoring.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "engine/adopt.h"
#include "engine/config.h"
#include "ingest/import.h"
#include "engine/indicators.h"
#include "engine/live.h"
#include "engine/score.h"
#include "link/persons.h"
#include "store/store.h"
#include "synth/synth.h"
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

/* One hit of an entity as scoring saw it, comparable across indexes. */
typedef struct {
    uint16_t indicator;
    int rolled;
    double strength, value, threshold, contribution;
    uint32_t nrecords_total;
} seen_hit_t;

static int cmp_seen(const void *a, const void *b)
{
    const seen_hit_t *x = a, *y = b;
    if (x->indicator != y->indicator)
        return x->indicator < y->indicator ? -1 : 1;
    if (x->rolled != y->rolled)
        return x->rolled < y->rolled ? -1 : 1;
    if (x->strength != y->strength)
        return x->strength < y->strength ? -1 : 1;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->threshold < y->threshold ? -1 : x->threshold > y->threshold;
}

#define MAX_SEEN 128

/* The hits of (kind, entity) in a score result, sorted; their number. */
static size_t entity_hits(const score_result_t *sr, const ind_hits_t *hits, ind_kind_t kind,
                          uint32_t entity, seen_hit_t *out)
{
    size_t i, n = 0;
    uint32_t k;
    for (i = 0; i < sr->n; i++) {
        const score_entity_t *se = &sr->ents[i];
        if (se->kind != kind || se->entity != entity)
            continue;
        assert_true(se->nhits <= MAX_SEEN);
        for (k = 0; k < se->nhits; k++) {
            uint32_t ref = sr->order[se->first + k];
            const ind_hit_t *h = score_hit(sr, hits, ref);
            out[n].indicator = h->indicator;
            out[n].rolled = ref >= hits->n;
            out[n].strength = h->strength;
            out[n].value = h->value;
            out[n].threshold = h->threshold;
            out[n].contribution = sr->contribution[se->first + k];
            out[n].nrecords_total = h->nrecords_total;
            n++;
        }
        break;
    }
    qsort(out, n, sizeof(*out), cmp_seen);
    return n;
}

/* The same hits, indicator for indicator; counts each indicator seen. */
static void same_hits(const seen_hit_t *a, size_t na, const seen_hit_t *b, size_t nb,
                      unsigned *per_indicator)
{
    size_t i;
    assert_int_equal(na, nb);
    for (i = 0; i < na; i++) {
        assert_int_equal(a[i].indicator, b[i].indicator);
        assert_int_equal(a[i].rolled, b[i].rolled);
        assert_true(a[i].strength == b[i].strength);
        assert_true(fabs(a[i].contribution - b[i].contribution) < 1e-12);
        /* a carried hit copies the strongest of its sources; between
         * sources of equal strength the first met wins, and the
         * application is met first in its neighbourhood, where it is
         * record 0: the copied value may then be the other source's */
        if (!a[i].rolled) {
            assert_true(a[i].value == b[i].value);
            assert_true(a[i].threshold == b[i].threshold);
            assert_int_equal(a[i].nrecords_total, b[i].nrecords_total);
        }
        per_indicator[a[i].indicator]++;
    }
}

/* Every stored application of lv's index, scored live in place of itself,
 * agrees with a full screening of the same index: the application's, its
 * worker's (its person's, with persons) and its employer's scores, levels
 * and hits, exactly. `stride` > 1 checks every stride-th application
 * only. Returns how many employers of the checked applications had at
 * least `big` applications. */
static unsigned check_agrees(live_t *l, const config_t *c, uint32_t stride, uint32_t big)
{
    const eng_index_t *ix = live_index(l);
    ind_hits_t hits;
    score_result_t full;
    size_t ncat, k;
    const ind_def_t *cat = ind_catalogue(&ncat);
    double prior = 100.0 / (1.0 + exp(-config_score(c, "prior", -4.0)));
    uint32_t i, flagged = 0, workers_flagged = 0, checked = 0;
    unsigned *per = calloc(ncat, sizeof(*per)), bigs = 0, fired = 0;
    seen_hit_t *fh = malloc(MAX_SEEN * sizeof(*fh)), *lh = malloc(MAX_SEEN * sizeof(*lh));
    tw_errinfo_t ei;

    assert_non_null(per);
    assert_non_null(fh);
    assert_non_null(lh);
    ind_hits_init(&hits);
    assert_int_equal(ind_compute_all(ix, c, &hits), TW_OK);
    assert_int_equal(score_compute(ix, &hits, c, &full), TW_OK);
    for (i = 0; i < ix->napps; i += stride) {
        const eng_app_t *a = &ix->apps[i];
        uint32_t w = ix->worker_rep ? ix->worker_rep[a->worker] : a->worker;
        live_input_t in;
        live_result_t r;
        double fs, ls;
        int fl;
        score_level_t ll;
        size_t nf, nl;

        memset(&in, 0, sizeof(in));
        in.app = *a;
        in.application_id = eng_str(ix, a->key);
        in.replaces = i + 1;
        assert_int_equal(live_score(l, &in, &r, &ei), TW_OK);
        assert_true(r.neighbourhood >= 1);
        full_score(&full, IK_APPLICATION, i, prior, &fs, &fl);
        assert_true(fabs(r.score - fs) < 1e-9);
        assert_int_equal(r.level, fl);
        flagged += fl != LEVEL_NONE;
        nf = entity_hits(&full, &hits, IK_APPLICATION, i, fh);
        nl = entity_hits(&r.sr, &r.hits, IK_APPLICATION, 0, lh);
        same_hits(fh, nf, lh, nl, per);

        full_score(&full, IK_EMPLOYER, a->employer, prior, &fs, &fl);
        live_entity_score(l, &r, IK_EMPLOYER, &ls, &ll);
        assert_true(fabs(ls - fs) < 1e-9);
        assert_int_equal(ll, fl);
        if (a->employer) {
            nf = entity_hits(&full, &hits, IK_EMPLOYER, a->employer, fh);
            nl = entity_hits(&r.sr, &r.hits, IK_EMPLOYER, r.ix.apps[0].employer, lh);
            same_hits(fh, nf, lh, nl, per);
            bigs += ix->apps_by_employer.off[a->employer + 1] -
                        ix->apps_by_employer.off[a->employer] >=
                    big;
        }

        full_score(&full, IK_WORKER, w, prior, &fs, &fl);
        live_entity_score(l, &r, IK_WORKER, &ls, &ll);
        assert_true(fabs(ls - fs) < 1e-9);
        assert_int_equal(ll, fl);
        workers_flagged += fl != LEVEL_NONE;
        if (a->worker) {
            uint32_t lw = r.ix.apps[0].worker;
            if (r.ix.worker_rep)
                lw = r.ix.worker_rep[lw];
            assert_int_equal(r.ix.global_id[ENT_WORKER][lw], w);
            nf = entity_hits(&full, &hits, IK_WORKER, w, fh);
            nl = entity_hits(&r.sr, &r.hits, IK_WORKER, lw, lh);
            same_hits(fh, nf, lh, nl, per);
        }
        live_result_free(&r);
        checked++;
    }
    printf("live: %u applications agree hit for hit; %u of them flagged, %u of their workers; "
           "%u with an employer of %u applications or more\n",
           checked, flagged, workers_flagged, bigs, big);
    printf("live: indicators compared:");
    for (k = 0; k < ncat; k++) {
        if (per[k]) {
            printf(" %s %u", cat[k].id, per[k]);
            fired++;
        }
    }
    printf(" (%u of %zu)\n", fired, ncat);
    assert_true(flagged > 0);
    assert_true(workers_flagged > 0);
    score_free(&full);
    ind_hits_free(&hits);
    free(per);
    free(fh);
    free(lh);
    return bigs;
}

static void test_agrees_with_full_screening(void **state)
{
    (void)state;
    check_agrees(lv, cfg, 1, 1000000);
}

/* A store of its own in `sub` (under the test's directory): a synthetic
 * register of `apps` applications in world `w`, linked into persons when
 * `link` is set, and its live index. */
static void other_register(const char *sub, uint64_t apps, uint64_t seed,
                           const synth_world_t *w, int link, store_t **st_out, live_t **lv_out)
{
    char d[400], db[420];
    tw_errinfo_t ei;

    snprintf(d, sizeof(d), "%s/%s", dir, sub);
    snprintf(db, sizeof(db), "%s/t.db", d);
    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(store_open(db, st_out, &ei), TW_OK);
    twt_synth_import_world(*st_out, d, apps, seed, w, NULL);
    if (link) {
        persons_opts_t po;
        persons_opts_default(&po);
        assert_int_equal(persons_link_store(*st_out, &po, &ei), TW_OK);
    }
    assert_int_equal(live_open(*st_out, cfg, lv_out, &ei), TW_OK);
}

/* Linked into persons, the full screening reads a worker's person
 * (rapid transfers, exit and re-entry, never entered across a passport
 * change, reports naming the person): so does the live score. */
static void test_agrees_with_persons(void **state)
{
    store_t *s2;
    live_t *l2;
    const eng_index_t *ix;
    ind_hits_t hits;
    uint32_t w, several = 0;
    size_t i, ncat, by_report = 0;
    int rtw = ind_find("reports_touching_worker");
    (void)state;

    (void)ind_catalogue(&ncat);
    other_register("persons", 6000, 19, NULL, 1, &s2, &l2);
    ix = live_index(l2);
    assert_non_null(ix->worker_rep);
    for (w = 1; w < ix->nentities[ENT_WORKER]; w++)
        several += ix->worker_rep[w] != w;
    ind_hits_init(&hits);
    assert_int_equal(ind_compute_all(ix, cfg, &hits), TW_OK);
    assert_true(rtw >= 0);
    for (i = 0; i < hits.n; i++)
        by_report += hits.hits[i].indicator == (uint16_t)rtw;
    ind_hits_free(&hits);
    printf("live: persons: %u documents stand for another's person; %zu reports_touching_worker "
           "hits\n",
           several, by_report);
    assert_true(several > 0);   /* persons with several documents */
    assert_true(by_report > 0); /* reports that reach a worker through the person */
    check_agrees(l2, cfg, 1, 1000000);
    live_close(l2);
    store_close(s2);
}

/* An application of the register's largest employer: the employer's other
 * applications are all in its neighbourhood (its counts and roll-ups need
 * them) but carried, not judged, and do not bring their workers'
 * crossings: only the application and its worker's other applications are
 * judged, with that worker's crossings. */
static void check_largest_carried(live_t *l)
{
    const eng_index_t *ix = live_index(l);
    const eng_postings_t *E = &ix->apps_by_employer, *W = &ix->apps_by_worker;
    uint32_t e, big = 0, a, wk;
    live_input_t in;
    live_result_t r;
    tw_errinfo_t ei;

    for (e = 1; e < E->n; e++)
        if (!big || E->off[e + 1] - E->off[e] > E->off[big + 1] - E->off[big])
            big = e;
    assert_true(E->off[big + 1] - E->off[big] >= 300);
    a = E->items[E->off[big]];
    wk = ix->apps[a].worker;
    memset(&in, 0, sizeof(in));
    in.app = ix->apps[a];
    in.application_id = eng_str(ix, ix->apps[a].key);
    in.replaces = a + 1;
    assert_int_equal(live_score(l, &in, &r, &ei), TW_OK);
    /* every application of the employer is there (the replaced one is
     * the application itself) */
    assert_int_equal(r.ix.apps_by_employer.off[r.ix.apps[0].employer + 1] -
                         r.ix.apps_by_employer.off[r.ix.apps[0].employer],
                     E->off[big + 1] - E->off[big]);
    /* judged: the application and its worker's others */
    assert_int_equal(eng_judged(&r.ix), W->off[wk + 1] - W->off[wk]);
    assert_true(r.ix.napps_carried > 0);
    /* crossings: the worker's alone */
    assert_int_equal(r.ix.ncrossings, ix->crossings_by_worker.off[wk + 1] -
                                          ix->crossings_by_worker.off[wk]);
    printf("live: the largest employer (%u applications): %u judged, %u carried, %u workers, "
           "%u crossings in the neighbourhood\n",
           E->off[big + 1] - E->off[big], eng_judged(&r.ix), r.ix.napps_carried,
           r.ix.nentities[ENT_WORKER] - 1, r.ix.ncrossings);
    live_result_free(&r);
}

/* A register of a few very large employers: their neighbourhoods are the
 * largest, and their aggregates (roll-ups over thousands of applications,
 * headcounts, intermediary shares) the easiest to get wrong. */
static void test_agrees_with_large_employers(void **state)
{
    store_t *s3;
    live_t *l3;
    synth_world_t w;
    tw_errinfo_t ei;
    (void)state;

    synth_world_default(&w);
    assert_int_equal(synth_world_set(&w, "employer_tail", "0.5", &ei), TW_OK);
    assert_int_equal(synth_world_set(&w, "apps_per_employer", "300", &ei), TW_OK);
    other_register("large", 5000, 29, &w, 0, &s3, &l3);
    assert_true(check_agrees(l3, cfg, 3, 300) > 100);
    check_largest_carried(l3);
    live_close(l3);
    store_close(s3);
}

/* The same under relative thresholds and a scoring employer_peer_anomaly:
 * they read whole groups of the register, which a neighbourhood takes from
 * the register's reference (ind_peer_ref_t), so the scores still agree. */
static void test_agrees_under_relative_thresholds(void **state)
{
    static const char text[] =
        "version = rel\n[minimum_wage]\n2020-01-01 = 68000\n"
        "[levels]\nlow = 25\nmedium = 60\nhigh = 85\n"
        "[indicator wage_far_below_peers]\nsalary = p10 within sector,year\nmin_peers = 5\n"
        "[indicator permits_over_headcount]\nratio = p90 within sector\nmin_group = 5\n"
        "[indicator new_employer_many_permits]\nmin_applications = p50\nmin_group = 3\n"
        "[indicator intermediary_spike]\nfactor = p75\nmin_group = 3\n"
        "[indicator employer_peer_anomaly]\nweight = 2\nmin_peers = 5\nz = 2\n"
        "min_features = 1\n";
    config_t *rc = NULL;
    live_t *rl = NULL;
    tw_errinfo_t ei;
    ind_hits_t hits;
    uint32_t i, nrel = 0, npeer = 0;
    size_t k;
    (void)state;

    assert_int_equal(config_parse(text, strlen(text), "rel.conf", ind_ids(), &rc, &ei), TW_OK);
    assert_int_equal(live_open(st, rc, &rl, &ei), TW_OK);
    check_agrees(rl, rc, 1, 1000000);
    /* and they did fire here */
    ind_hits_init(&hits);
    assert_int_equal(ind_compute_all(live_index(rl), rc, &hits), TW_OK);
    for (k = 0; k < hits.n; k++) {
        const char *id = ind_catalogue(NULL)[hits.hits[k].indicator].id;
        nrel += (hits.hits[k].aux & 0x80000000u) != 0;
        npeer += strcmp(id, "employer_peer_anomaly") == 0;
    }
    printf("live: %u hits under relative thresholds, %u employer_peer_anomaly\n", nrel, npeer);
    assert_true(nrel > 0);
    assert_true(npeer > 0);
    (void)i;
    ind_hits_free(&hits);
    live_close(rl);
    config_free(rc);
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

/* An id that cannot be an entity's and a replaced record that does not
 * exist are bad input: TW_EINPUT naming the field, nothing scored, nothing
 * to free. (An id past the index is an entity stored after the index was
 * loaded: see test_entities_stored_after_the_load.) */
static void test_bad_input(void **state)
{
    const eng_index_t *ix = live_index(lv);
    live_input_t in;
    live_result_t r;
    tw_errinfo_t ei;
    (void)state;

    memset(&in, 0, sizeof(in));
    in.app = ix->apps[0];
    in.app.worker = UINT32_MAX;
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

/* Entities stored after the index was loaded have ids past it: they are new
 * to the index (no history), scored like a worker the store does not know,
 * and the result maps them back to the store's ids. */
static void test_entities_stored_after_the_load(void **state)
{
    const eng_index_t *ix = live_index(lv);
    live_input_t in;
    live_result_t r;
    uint32_t wid = ix->nentities[ENT_WORKER] + 3, pid = ix->nentities[ENT_PHONE];
    double ws;
    score_level_t wl;
    tw_errinfo_t ei;
    (void)state;

    memset(&in, 0, sizeof(in));
    in.app = ix->apps[0];
    in.app.worker = wid;
    in.app.phone = pid;
    in.application_id = "WP-NEW-2";
    assert_int_equal(live_score(lv, &in, &r, &ei), TW_OK);
    assert_true(r.ix.apps[0].worker != 0);
    assert_int_equal(r.ix.global_id[ENT_WORKER][r.ix.apps[0].worker], wid);
    assert_int_equal(r.ix.global_id[ENT_PHONE][r.ix.apps[0].phone], pid);
    /* the new worker has only this application */
    assert_int_equal(r.ix.apps_by_worker.off[r.ix.apps[0].worker + 1] -
                         r.ix.apps_by_worker.off[r.ix.apps[0].worker],
                     1);
    live_entity_score(lv, &r, IK_WORKER, &ws, &wl);
    assert_true(ws > 0.0 && ws <= 100.0);
    live_result_free(&r);
}

/* live_find: the current record of an application id, 0 for an unknown
 * one. */
static void test_find(void **state)
{
    const eng_index_t *ix = live_index(lv);
    uint32_t i, found = 0;
    (void)state;

    for (i = 0; i < ix->napps; i += 97) {
        const char *key = eng_str(ix, ix->apps[i].key);
        uint32_t at = live_find(lv, key);
        assert_true(at > 0 && at <= ix->napps);
        assert_string_equal(eng_str(ix, ix->apps[at - 1].key), key);
        found++;
    }
    assert_true(found > 10);
    assert_int_equal(live_find(lv, "WP-NO-SUCH"), 0);
    assert_int_equal(live_find(lv, ""), 0);
}

/* The holder: loads on its own thread, hands the index out, reloads when
 * poked after the store moved, and an index acquired before the reload
 * stays usable until released. */
static void test_holder_reloads_when_the_store_moves(void **state)
{
    char db[300];
    live_holder_t *h;
    live_holder_info_t info;
    const live_t *before, *after;
    uint32_t napps;
    int i;
    (void)state;

    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(live_holder_start(db, cfg, 3600, &h), TW_OK);
    assert_int_equal(live_holder_wait(h, 600), 1);
    live_holder_info(h, &info);
    assert_true(info.ready);
    assert_int_equal(info.loads, 1);
    assert_int_equal(info.failures, 0);
    assert_string_equal(info.error, "");
    before = live_holder_acquire(h);
    assert_non_null(before);
    napps = live_index(before)->napps;
    assert_int_equal(info.applications, napps);

    /* a poke with nothing new: no reload */
    live_holder_poke(h);
    twt_import_text(st, dir, "late.csv",
                    "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
                    "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
                    "worker_citizenship,employer_tin,employer_name,monthly_salary_amd,"
                    "weekly_hours\n"
                    "WP-LATE-1,2024-05-01T10:00:00+04:00,pending,LATE0001,IND,Late,Arrival,F,"
                    "1995-02-03,IND,01234567,Late Employer LLC,150000,40\n");
    live_holder_poke(h);
    /* the reload happens on the holder's thread: wait for it (bounded by the
     * loop, not a timing assertion) */
    for (i = 0; i < 6000; i++) {
        live_holder_info(h, &info);
        if (info.loads >= 2)
            break;
        usleep(10000);
    }
    assert_true(info.loads >= 2);
    after = live_holder_acquire(h);
    assert_true(after != before);
    assert_int_equal(live_index(after)->napps, napps + 1);
    assert_true(live_find(after, "WP-LATE-1") > 0);
    /* the old index still answers until released */
    assert_int_equal(live_index(before)->napps, napps);
    assert_int_equal(live_find(before, "WP-LATE-1"), 0);
    live_holder_release(h, before);
    live_holder_release(h, after);
    live_holder_stop(h);
}

/* Waits (bounded) until the holder serves config id `want`. */
static void wait_config(live_holder_t *h, long long want, const char *what)
{
    live_holder_info_t info;
    int i;
    for (i = 0; i < 6000; i++) {
        live_holder_info(h, &info);
        if (info.ready && info.config_id == want)
            return;
        usleep(10000);
    }
    fail_msg("waited 60 s for the holder to serve %s (config %lld), it serves %lld", what,
             want, info.config_id);
}

static long long audits(const char *action, const char *object)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                        "SELECT count(*) FROM audit_log WHERE action = ?1 AND "
                                        "object = ?2",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, object, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* A holder that follows adoption serves an approved config without a
 * restart, and its own again after the rollback; a request keeps the
 * index (and config) it acquired; each switch is audited; a holder
 * started with a config of its own (serve --config) never switches. */
static void test_holder_follows_adoption(void **state)
{
    static const char text[] = "version = followed-1\n[levels]\nlow = 20\nmedium = 60\n"
                               "high = 85\n";
    char db[300], object[40];
    live_holder_t *h, *fixed;
    live_holder_info_t info;
    const live_t *before, *after;
    auth_principal_t a1, a2;
    tw_errinfo_t ei;
    long long id = 0, now = 0;
    (void)state;

    memset(&a1, 0, sizeof(a1));
    a1.user_id = 1;
    a1.role = ROLE_ADMIN;
    snprintf(a1.user, sizeof(a1.user), "admin-one");
    a2 = a1;
    a2.user_id = 2;
    snprintf(a2.user, sizeof(a2.user), "admin-two");
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(live_holder_start_following(db, cfg, 3600, &h), TW_OK);
    assert_int_equal(live_holder_start(db, cfg, 3600, &fixed), TW_OK);
    wait_config(h, 0, "its own config before any adoption");
    assert_int_equal(live_holder_wait(fixed, 600), 1);
    before = live_holder_acquire(h);
    assert_string_equal(config_version(live_config(before)), config_version(cfg));

    tw_errinfo_clear(&ei);
    assert_int_equal(adopt_propose(st, &a1, text, strlen(text), "config", NULL, cfg, NULL, &id,
                                   &ei),
                     TW_OK);
    /* a proposal is not served */
    live_holder_poke(h);
    usleep(200000);
    live_holder_info(h, &info);
    assert_int_equal(info.config_id, 0);
    assert_int_equal(adopt_approve(st, &a2, id, &ei), TW_OK);
    /* no poke: the tick (LIVE_FOLLOW_S) finds it, as for an approval made
     * from the CLI */
    wait_config(h, id, "the approved config");
    after = live_holder_acquire(h);
    assert_string_equal(config_version(live_config(after)), "followed-1");
    assert_int_equal(live_index(after)->napps, live_index(before)->napps);
    /* the request that acquired before the switch still has the old one */
    assert_string_equal(config_version(live_config(before)), config_version(cfg));
    snprintf(object, sizeof(object), "config:%lld", id);
    assert_int_equal(audits("config.in_force", object), 1);
    live_holder_release(h, before);
    live_holder_release(h, after);

    assert_int_equal(adopt_rollback(st, &a1, "test", &now, &ei), TW_OK);
    assert_int_equal(now, 0);
    live_holder_poke(h);
    wait_config(h, 0, "its own config after the rollback");
    after = live_holder_acquire(h);
    assert_string_equal(config_version(live_config(after)), config_version(cfg));
    live_holder_release(h, after);
    assert_int_equal(audits("config.in_force", "config:none"), 1);

    /* following wakes every LIVE_FOLLOW_S for the config, but looks at the
     * store only every check_s (3600 here) or when poked */
    {
        unsigned long loads;
        int i;
        live_holder_info(h, &info);
        loads = info.loads;
        twt_import_text(st, dir, "later.csv",
                        "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
                        "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
                        "worker_citizenship,employer_tin,employer_name,monthly_salary_amd,"
                        "weekly_hours\n"
                        "WP-LATE-2,2024-05-02T10:00:00+04:00,pending,LATE0002,IND,Later,One,F,"
                        "1995-02-03,IND,01234568,Later Employer LLC,150000,40\n");
        sleep(LIVE_FOLLOW_S + 1);
        live_holder_info(h, &info);
        assert_int_equal(info.loads, loads);
        live_holder_poke(h);
        for (i = 0; i < 6000 && info.loads == loads; i++) {
            usleep(10000);
            live_holder_info(h, &info);
        }
        if (info.loads == loads)
            fail_msg("waited 60 s for the poked holder to load the new row");
        after = live_holder_acquire(h);
        assert_true(live_find(after, "WP-LATE-2") > 0);
        live_holder_release(h, after);
    }
    /* the holder with a config of its own kept it all along */
    live_holder_info(fixed, &info);
    assert_int_equal(info.config_id, 0);
    assert_int_equal(info.loads, 1);
    live_holder_stop(fixed);
    live_holder_stop(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_full_screening),
        cmocka_unit_test(test_agrees_under_relative_thresholds),
        cmocka_unit_test(test_agrees_with_persons),
        cmocka_unit_test(test_agrees_with_large_employers),
        cmocka_unit_test(test_new_application),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_entities_stored_after_the_load),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_holder_follows_adoption),
        /* last: it stores a new application */
        cmocka_unit_test(test_holder_reloads_when_the_store_moves),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
