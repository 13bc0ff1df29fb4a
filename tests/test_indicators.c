/*
 * test_indicators.c - the indicator catalogue: every indicator's rule at
 * and around each of its thresholds (one below, at, one above), the hit's
 * entity, value, threshold, strength and evidence records; rejected and
 * withdrawn applications ignored; a big employer's dormitory weak; the hit
 * buffer's record truncation; the catalogue's helpers.
 *
 * The engine index is built by hand here (records and CSR postings), not
 * through the store, so each case states exactly the records it needs. The
 * config comes from config_parse() over literal text.
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

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/indicators.h"

/* ---- a hand-built engine index ------------------------------------------ */

#define MAXA 4096 /* applications */
#define MAXR 256  /* crossings, inspections, reports */
#define NENT 4096 /* ids of every entity kind are below this */

static eng_app_t apps[MAXA];
static eng_crossing_t crossings[MAXR];
static eng_inspection_t inspections[MAXR];
static eng_report_t reports[MAXR];
static eng_index_t ix;
static int32_t fixed_horizon;
static ind_hits_t hits;
static config_t *cfg;

static const char base_conf[] = "version = t\n"
                                "[minimum_wage]\n"
                                "2020-01-01 = 68000\n"
                                "2023-01-01 = 75000\n"
                                "[levels]\n"
                                "low = 30\nmedium = 60\nhigh = 85\n"
                                "[mismatch]\n"
                                "01 = 2653\n"
                                "41 = 2653, 5169\n"
                                "97 = 93\n";

/* Days since 1970-01-01 of a civil date. */
static int32_t D(int y, unsigned m, unsigned d)
{
    int era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

static config_t *parse_conf(const char *extra)
{
    char text[2048];
    config_t *c = NULL;
    tw_errinfo_t ei;
    int n = snprintf(text, sizeof(text), "%s%s", base_conf, extra ? extra : "");
    assert_true(n > 0 && (size_t)n < sizeof(text));
    assert_int_equal(config_parse(text, (size_t)n, "test.conf", ind_ids(), &c, &ei), TW_OK);
    return c;
}

/* An approved application with nothing else known. */
static eng_app_t base_app(uint32_t worker, uint32_t employer, int32_t submitted)
{
    eng_app_t a;
    memset(&a, 0, sizeof(a));
    a.worker = worker;
    a.employer = employer;
    a.submitted = submitted;
    a.decision = ENG_APPROVED;
    a.decided = a.valid_from = a.valid_to = a.contract_start = a.contract_end = ENG_NODAY;
    a.birth = a.employer_registered = ENG_NODAY;
    a.salary = a.hours = a.declared_employees = -1;
    a.sex = 'M';
    return a;
}

static uint32_t add_app(eng_app_t a)
{
    assert_true(ix.napps < MAXA);
    assert_true(a.worker < NENT && a.employer < NENT && a.intermediary < NENT &&
                a.res_addr < NENT && a.work_addr < NENT && a.phone < NENT);
    apps[ix.napps] = a;
    return ix.napps++;
}

static uint32_t add_crossing(uint32_t worker, int32_t day, char direction)
{
    eng_crossing_t *x = &crossings[ix.ncrossings];
    assert_true(ix.ncrossings < MAXR);
    memset(x, 0, sizeof(*x));
    x->worker = worker;
    x->day = day;
    x->direction = direction;
    return ix.ncrossings++;
}

static uint32_t add_inspection(uint32_t employer, int32_t day, uint32_t violations)
{
    eng_inspection_t *x = &inspections[ix.ninspections];
    assert_true(ix.ninspections < MAXR);
    memset(x, 0, sizeof(*x));
    x->employer = employer;
    x->day = day;
    x->workers_found = x->undeclared = -1;
    x->violations = violations;
    return ix.ninspections++;
}

static uint32_t add_report(uint32_t employer, uint32_t address, uint32_t phone,
                           uint8_t category)
{
    eng_report_t *x = &reports[ix.nreports];
    assert_true(ix.nreports < MAXR);
    memset(x, 0, sizeof(*x));
    x->employer = employer;
    x->address = address;
    x->phone = phone;
    x->day = D(2023, 5, 1);
    x->category = category;
    return ix.nreports++;
}

/* CSR postings from (key, record) pairs given in ascending record order;
 * key 0 means none. */
typedef struct {
    uint32_t key, rec;
} pair_t;

static void csr_build(eng_postings_t *p, uint32_t nkeys, const pair_t *pairs, uint32_t n)
{
    uint32_t *fill, i, k;

    p->n = nkeys;
    p->off = calloc((size_t)nkeys + 1, sizeof(*p->off));
    p->items = calloc(n ? n : 1, sizeof(*p->items));
    fill = calloc(nkeys, sizeof(*fill));
    assert_non_null(p->off);
    assert_non_null(p->items);
    assert_non_null(fill);
    for (i = 0; i < n; i++) {
        assert_true(i == 0 || pairs[i].rec > pairs[i - 1].rec);
        if (pairs[i].key)
            p->off[pairs[i].key + 1]++;
    }
    for (k = 0; k < nkeys; k++)
        p->off[k + 1] += p->off[k];
    memcpy(fill, p->off, nkeys * sizeof(*fill));
    for (i = 0; i < n; i++) {
        if (pairs[i].key)
            p->items[fill[pairs[i].key]++] = pairs[i].rec;
    }
    free(fill);
}

enum { F_EMPLOYER, F_WORKER, F_RES, F_WORK, F_PHONE, F_INTERM };

static void postings_apps(eng_postings_t *p, int field)
{
    static pair_t pairs[MAXA];
    uint32_t i;
    for (i = 0; i < ix.napps; i++) {
        const eng_app_t *a = &apps[i];
        pairs[i].rec = i;
        pairs[i].key = field == F_EMPLOYER ? a->employer
                       : field == F_WORKER ? a->worker
                       : field == F_RES    ? a->res_addr
                       : field == F_WORK   ? a->work_addr
                       : field == F_PHONE  ? a->phone
                                           : a->intermediary;
    }
    csr_build(p, NENT, pairs, ix.napps);
}

static void free_postings(eng_postings_t *p)
{
    free(p->off);
    free(p->items);
    memset(p, 0, sizeof(*p));
}

static void free_all_postings(void)
{
    free_postings(&ix.apps_by_employer);
    free_postings(&ix.apps_by_worker);
    free_postings(&ix.apps_by_res_addr);
    free_postings(&ix.apps_by_work_addr);
    free_postings(&ix.apps_by_phone);
    free_postings(&ix.apps_by_intermediary);
    free_postings(&ix.crossings_by_worker);
    free_postings(&ix.inspections_by_employer);
    free_postings(&ix.reports_by_employer);
    free_postings(&ix.reports_by_address);
    free_postings(&ix.reports_by_phone);
}

static void horizon_day(int32_t day)
{
    if (day != ENG_NODAY && day > ix.horizon)
        ix.horizon = day;
}

/* Builds every postings table from the records added so far. */
static void finish(void)
{
    static pair_t pairs[MAXR];
    uint32_t i;
    int k;

    free_all_postings();
    for (k = 0; k < ENT_COUNT; k++)
        ix.nentities[k] = NENT;
    postings_apps(&ix.apps_by_employer, F_EMPLOYER);
    postings_apps(&ix.apps_by_worker, F_WORKER);
    postings_apps(&ix.apps_by_res_addr, F_RES);
    postings_apps(&ix.apps_by_work_addr, F_WORK);
    postings_apps(&ix.apps_by_phone, F_PHONE);
    postings_apps(&ix.apps_by_intermediary, F_INTERM);
    for (i = 0; i < ix.ncrossings; i++)
        pairs[i] = (pair_t){crossings[i].worker, i};
    csr_build(&ix.crossings_by_worker, NENT, pairs, ix.ncrossings);
    for (i = 0; i < ix.ninspections; i++)
        pairs[i] = (pair_t){inspections[i].employer, i};
    csr_build(&ix.inspections_by_employer, NENT, pairs, ix.ninspections);
    for (i = 0; i < ix.nreports; i++)
        pairs[i] = (pair_t){reports[i].employer, i};
    csr_build(&ix.reports_by_employer, NENT, pairs, ix.nreports);
    for (i = 0; i < ix.nreports; i++)
        pairs[i] = (pair_t){reports[i].address, i};
    csr_build(&ix.reports_by_address, NENT, pairs, ix.nreports);
    for (i = 0; i < ix.nreports; i++)
        pairs[i] = (pair_t){reports[i].phone, i};
    csr_build(&ix.reports_by_phone, NENT, pairs, ix.nreports);

    ix.horizon = ENG_NODAY;
    for (i = 0; i < ix.napps; i++) {
        horizon_day(apps[i].submitted);
        horizon_day(apps[i].decided);
    }
    for (i = 0; i < ix.ncrossings; i++)
        horizon_day(crossings[i].day);
    for (i = 0; i < ix.ninspections; i++)
        horizon_day(inspections[i].day);
    for (i = 0; i < ix.nreports; i++)
        horizon_day(reports[i].day);
    if (fixed_horizon != ENG_NODAY)
        ix.horizon = fixed_horizon;
}

static int setup(void **state)
{
    (void)state;
    memset(&ix, 0, sizeof(ix));
    ix.apps = apps;
    ix.crossings = crossings;
    ix.inspections = inspections;
    ix.reports = reports;
    ix.horizon = ENG_NODAY;
    fixed_horizon = ENG_NODAY;
    ind_hits_init(&hits);
    cfg = parse_conf(NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_all_postings();
    ind_hits_free(&hits);
    config_free(cfg);
    cfg = NULL;
    return 0;
}

/* ---- running one indicator and reading its hits ------------------------- */

static int cur; /* catalogue index of the indicator last run */

/* Runs one indicator into `hits` (emptied first) and checks what every hit
 * must satisfy. */
static void run_with(const char *id, const config_t *c)
{
    size_t n, i;
    const ind_def_t *cat = ind_catalogue(&n);

    cur = ind_find(id);
    assert_true(cur >= 0);
    ind_hits_free(&hits);
    assert_int_equal(cat[cur].compute(&cat[cur], (uint16_t)cur, &ix, c, &hits), TW_OK);
    for (i = 0; i < hits.n; i++) {
        const ind_hit_t *h = &hits.hits[i];
        assert_int_equal(h->indicator, cur);
        assert_int_equal(h->kind, cat[cur].kind);
        assert_true(h->strength > 0 && h->strength <= 1);
        assert_true(h->nrecords <= IND_MAX_RECORDS && h->nrecords <= h->nrecords_total);
        assert_true((size_t)h->rec_off + h->nrecords <= hits.nrecords);
    }
}

static void run(const char *id)
{
    run_with(id, cfg);
}

/* The hit on `entity`, or NULL; never two. */
static const ind_hit_t *hit_on(uint32_t entity)
{
    const ind_hit_t *found = NULL;
    size_t i;
    for (i = 0; i < hits.n; i++) {
        if (hits.hits[i].entity != entity)
            continue;
        assert_null(found);
        found = &hits.hits[i];
    }
    return found;
}

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* The hit on `entity` with its value and threshold. */
static const ind_hit_t *expect_hit(uint32_t entity, double value, double threshold)
{
    const ind_hit_t *h = hit_on(entity);
    if (!h)
        fail_msg("no hit on entity %u", entity);
    assert_near(h->value, value, 1e-9);
    assert_near(h->threshold, threshold, 1e-9);
    return h;
}

static void expect_no_hit(uint32_t entity)
{
    if (hit_on(entity))
        fail_msg("unexpected hit on entity %u", entity);
}

/* The hit's records are exactly recs[0..n) of one kind (the first
 * IND_MAX_RECORDS kept, n counted). */
static void expect_records(const ind_hit_t *h, uint8_t kind, const uint32_t *recs, uint32_t n)
{
    uint32_t i, keep = n < IND_MAX_RECORDS ? n : IND_MAX_RECORDS;
    assert_int_equal(h->nrecords_total, n);
    assert_int_equal(h->nrecords, keep);
    for (i = 0; i < keep; i++) {
        assert_int_equal(hits.records[h->rec_off + i].kind, kind);
        assert_int_equal(hits.records[h->rec_off + i].index, recs[i]);
    }
}

static void expect_one_app(const ind_hit_t *h, uint32_t app)
{
    expect_records(h, IR_APPLICATION, &app, 1);
}

/* Entity ids handed out to tests that need many distinct ones. */
static uint32_t next_id = 1000;

static uint32_t fresh(void)
{
    assert_true(next_id < NENT);
    return next_id++;
}

/* ---- the catalogue --------------------------------------------------------- */

static void test_catalogue(void **state)
{
    static const struct {
        const char *id;
        ind_kind_t kind;
        int vulnerability;
    } want[] = {
        {"wage_below_minimum", IK_APPLICATION, 0},
        {"wage_far_below_peers", IK_APPLICATION, 0},
        {"hours_over_legal", IK_APPLICATION, 0},
        {"hours_excessive", IK_APPLICATION, 0},
        {"crowded_residence", IK_ADDRESS, 0},
        {"residence_is_workplace", IK_APPLICATION, 0},
        {"shared_employer_address", IK_ADDRESS, 0},
        {"shared_phone", IK_PHONE, 0},
        {"phone_across_employers", IK_PHONE, 0},
        {"intermediary_share", IK_EMPLOYER, 0},
        {"intermediary_spike", IK_INTERMEDIARY, 0},
        {"permits_over_headcount", IK_EMPLOYER, 0},
        {"new_employer_many_permits", IK_EMPLOYER, 0},
        {"occupation_sector_mismatch", IK_APPLICATION, 0},
        {"minor_worker", IK_APPLICATION, 0},
        {"young_one_sex_entertainment", IK_EMPLOYER, 1},
        {"rapid_transfers", IK_WORKER, 0},
        {"never_entered", IK_APPLICATION, 0},
        {"exit_reentry", IK_WORKER, 0},
        {"prior_violations", IK_EMPLOYER, 0},
        {"reports_touching_employer", IK_EMPLOYER, 0},
        {"reports_touching_address", IK_ADDRESS, 0},
        {"reports_touching_phone", IK_PHONE, 0},
        {"reports_touching_worker", IK_WORKER, 0},
        {"employer_peer_anomaly", IK_EMPLOYER, 0},
    };
    size_t n, i;
    const ind_def_t *cat = ind_catalogue(&n);
    const char *const *ids = ind_ids();

    (void)state;
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    for (i = 0; i < n; i++) {
        assert_string_equal(cat[i].id, want[i].id);
        assert_string_equal(ids[i], want[i].id);
        assert_int_equal(cat[i].kind, want[i].kind);
        assert_int_equal(cat[i].vulnerability, want[i].vulnerability);
        assert_int_equal(ind_find(want[i].id), (int)i);
        assert_non_null(cat[i].compute);
        assert_true(strlen(cat[i].text) > 20);
        assert_true(cat[i].ilo != 0);
    }
    assert_null(ids[n]);
    assert_int_equal(ind_find("reports_touching"), -1);
    assert_int_equal(ind_find(""), -1);
    assert_int_equal(ind_find(NULL), -1);
    assert_true(cat[ind_find("minor_worker")].ilo == ILO_VULNERABILITY);
    assert_true(cat[ind_find("wage_below_minimum")].ilo == (ILO_WAGES | ILO_CONDITIONS));

    assert_string_equal(ind_kind_name(IK_APPLICATION), "application");
    assert_string_equal(ind_kind_name(IK_WORKER), "worker");
    assert_string_equal(ind_kind_name(IK_EMPLOYER), "employer");
    assert_string_equal(ind_kind_name(IK_INTERMEDIARY), "intermediary");
    assert_string_equal(ind_kind_name(IK_ADDRESS), "address");
    assert_string_equal(ind_kind_name(IK_PHONE), "phone");
    assert_string_equal(ind_kind_name(IK_COUNT), "unknown");
}

static void test_ilo_names(void **state)
{
    char out[128];

    (void)state;
    ind_ilo_names(ILO_WAGES | ILO_CONDITIONS, out, sizeof(out));
    assert_string_equal(out, "withholding_of_wages,abusive_working_and_living_conditions");
    ind_ilo_names(0, out, sizeof(out));
    assert_string_equal(out, "");
    ind_ilo_names(ILO_OVERTIME | ILO_VULNERABILITY, out, sizeof(out));
    assert_string_equal(out, "abuse_of_vulnerability,excessive_overtime");
    /* only whole names, always terminated */
    ind_ilo_names(ILO_DECEPTION, out, 10);
    assert_string_equal(out, "deception");
    ind_ilo_names(ILO_DECEPTION, out, 9);
    assert_string_equal(out, "");
    ind_ilo_names(ILO_VULNERABILITY | ILO_DECEPTION, out, 32);
    assert_string_equal(out, "abuse_of_vulnerability");
    ind_ilo_names(ILO_VULNERABILITY | ILO_DECEPTION, out, 33);
    assert_string_equal(out, "abuse_of_vulnerability,deception");
    ind_ilo_names(ILO_DECEPTION, out, 0); /* writes nothing */
}

/* ---- the hit buffer -------------------------------------------------------- */

static void test_hits_add_truncates_records(void **state)
{
    ind_record_t recs[25];
    uint32_t i;
    ind_hits_t h;

    (void)state;
    for (i = 0; i < 25; i++) {
        recs[i].kind = IR_CROSSING;
        recs[i].index = 100 + i;
    }
    ind_hits_init(&h);
    assert_int_equal(ind_hits_add(&h, 3, IK_ADDRESS, 7, 0.5, 30, 8, recs, 25), TW_OK);
    assert_int_equal(ind_hits_add(&h, 4, IK_PHONE, 8, 1.0, 3, 3, NULL, 0), TW_OK);
    assert_int_equal(ind_hits_add(&h, 5, IK_WORKER, 9, 2.0, 1, 1, recs + 5, 3), TW_OK);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.nrecords, IND_MAX_RECORDS + 3);

    assert_int_equal(h.hits[0].indicator, 3);
    assert_int_equal(h.hits[0].kind, IK_ADDRESS);
    assert_int_equal(h.hits[0].entity, 7);
    assert_near(h.hits[0].strength, 0.5, 1e-7);
    assert_near(h.hits[0].value, 30, 0);
    assert_near(h.hits[0].threshold, 8, 0);
    assert_int_equal(h.hits[0].rec_off, 0);
    assert_int_equal(h.hits[0].nrecords, IND_MAX_RECORDS);
    assert_int_equal(h.hits[0].nrecords_total, 25);
    for (i = 0; i < IND_MAX_RECORDS; i++) {
        assert_int_equal(h.records[i].kind, IR_CROSSING);
        assert_int_equal(h.records[i].index, 100 + i);
    }
    assert_int_equal(h.hits[1].rec_off, IND_MAX_RECORDS);
    assert_int_equal(h.hits[1].nrecords, 0);
    assert_int_equal(h.hits[1].nrecords_total, 0);
    assert_int_equal(h.hits[2].rec_off, IND_MAX_RECORDS);
    assert_int_equal(h.hits[2].nrecords, 3);
    assert_int_equal(h.records[IND_MAX_RECORDS].index, 105);
    assert_near(h.hits[2].strength, 1.0, 0); /* clamped */

    /* bugs in the caller are refused and leave the buffer as it was */
    assert_int_equal(ind_hits_add(&h, 3, IK_ADDRESS, 7, 0.0, 1, 1, NULL, 0), TW_EINTERNAL);
    assert_int_equal(ind_hits_add(&h, 3, IK_ADDRESS, 7, -1.0, 1, 1, NULL, 0), TW_EINTERNAL);
    assert_int_equal(ind_hits_add(&h, 3, IK_ADDRESS, 7, NAN, 1, 1, NULL, 0), TW_EINTERNAL);
    assert_int_equal(ind_hits_add(&h, 3, IK_ADDRESS, 7, 0.5, 1, 1, NULL, 2), TW_EINTERNAL);
    assert_int_equal(ind_hits_add(&h, 999, IK_ADDRESS, 7, 0.5, 1, 1, NULL, 0), TW_EINTERNAL);
    assert_int_equal(ind_hits_add(&h, 3, IK_COUNT, 7, 0.5, 1, 1, NULL, 0), TW_EINTERNAL);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.nrecords, IND_MAX_RECORDS + 3);

    /* many hits: the arrays grow */
    for (i = 0; i < 1000; i++)
        assert_int_equal(ind_hits_add(&h, 1, IK_APPLICATION, i, 0.7, i, 1, recs, 2), TW_OK);
    assert_int_equal(h.n, 1003);
    assert_int_equal(h.hits[1002].entity, 999);
    assert_int_equal(h.hits[1002].rec_off, IND_MAX_RECORDS + 3 + 999 * 2);
    ind_hits_free(&h);
    assert_int_equal(h.n, 0);
    assert_null(h.hits);
}

/* ---- 1. wage_below_minimum --------------------------------------------- */

static void test_wage_below_minimum(void **state)
{
    eng_app_t a;
    uint32_t below, at, above, y23, dec31, zero, full, unknown, rej, wd, pend, rev, early;
    const ind_hit_t *h;

    (void)state;
#define SAL(var, day, s, dec)                                                                  \
    do {                                                                                       \
        a = base_app(fresh(), 1, day);                                                         \
        a.salary = s;                                                                          \
        a.decision = dec;                                                                      \
        var = add_app(a);                                                                      \
    } while (0)
    SAL(below, D(2022, 6, 1), 67999, ENG_APPROVED);
    SAL(at, D(2022, 6, 1), 68000, ENG_APPROVED);
    SAL(above, D(2022, 6, 1), 68001, ENG_APPROVED);
    SAL(y23, D(2023, 1, 1), 70000, ENG_APPROVED);   /* 75000 in force that day */
    SAL(dec31, D(2022, 12, 31), 70000, ENG_APPROVED); /* 68000 still */
    SAL(zero, D(2022, 6, 1), 0, ENG_APPROVED);
    SAL(full, D(2022, 6, 1), 47600, ENG_APPROVED); /* 0.7 x 68000: full strength */
    SAL(unknown, D(2022, 6, 1), -1, ENG_APPROVED);
    SAL(rej, D(2022, 6, 1), 1000, ENG_REJECTED);
    SAL(wd, D(2022, 6, 1), 1000, ENG_WITHDRAWN);
    SAL(pend, D(2022, 6, 1), 1000, ENG_PENDING);
    SAL(rev, D(2022, 6, 1), 1000, ENG_REVOKED);
    SAL(early, D(2019, 6, 1), 1000, ENG_APPROVED); /* no minimum in the table yet */
#undef SAL
    finish();
    run("wage_below_minimum");

    h = expect_hit(below, 67999, 68000);
    assert_near(h->strength, 0.5 + 0.5 / (0.3 * 68000), 1e-6);
    assert_true(h->strength > 0.5);
    expect_one_app(h, below);
    expect_no_hit(at);
    expect_no_hit(above);
    h = expect_hit(y23, 70000, 75000);
    assert_near(h->strength, 0.5 + 0.5 * 5000 / 22500.0, 1e-6);
    expect_no_hit(dec31);
    assert_near(expect_hit(zero, 0, 68000)->strength, 1.0, 0);
    assert_near(expect_hit(full, 47600, 68000)->strength, 1.0, 1e-6);
    expect_no_hit(unknown);
    expect_no_hit(rej);
    expect_no_hit(wd);
    expect_hit(pend, 1000, 68000);
    expect_hit(rev, 1000, 68000);
    expect_no_hit(early);
    assert_int_equal(hits.n, 6);
}

/* ---- 2. wage_far_below_peers ------------------------------------------- */

/* `n` applications at `salary` in the group (isco, sector, year). */
static void peers(uint16_t isco, uint8_t sector, int year, int n, int32_t salary, uint8_t dec)
{
    int i;
    for (i = 0; i < n; i++) {
        eng_app_t a = base_app(fresh(), 2, D(year, 3, 1 + (unsigned)(i % 28)));
        a.isco = isco;
        a.sector = sector;
        a.salary = salary;
        a.decision = dec;
        add_app(a);
    }
}

static uint32_t peer_target(uint16_t isco, uint8_t sector, int year, int32_t salary)
{
    eng_app_t a = base_app(fresh(), 2, D(year, 7, 1));
    a.isco = isco;
    a.sector = sector;
    a.salary = salary;
    return add_app(a);
}

static void test_wage_far_below_peers(void **state)
{
    uint32_t ta, tb, tc, td, first_low, i;
    config_t *c19;
    const ind_hit_t *h;

    (void)state;
    /* A: 19 peers at 100000, target one below 0.6 x the median */
    peers(7112, 41, 2023, 19, 100000, ENG_APPROVED);
    ta = peer_target(7112, 41, 2023, 59999);
    /* B: the same in 2022, target exactly at the threshold */
    peers(7112, 41, 2022, 19, 100000, ENG_APPROVED);
    tb = peer_target(7112, 41, 2022, 60000);
    /* C: 18 live peers + 1 rejected + 1 withdrawn: a group of 19, too small */
    peers(7112, 42, 2023, 18, 100000, ENG_APPROVED);
    peers(7112, 42, 2023, 1, 100000, ENG_REJECTED);
    peers(7112, 42, 2023, 1, 100000, ENG_WITHDRAWN);
    tc = peer_target(7112, 42, 2023, 1000);
    /* D: an even group, exact median (50000 + 150000) / 2 = 100000 */
    first_low = ix.napps;
    peers(5131, 56, 2023, 10, 50000, ENG_APPROVED);
    peers(5131, 56, 2023, 10, 150000, ENG_APPROVED);
    /* no ISCO: in no group */
    peers(0, 56, 2023, 25, 100000, ENG_APPROVED);
    td = peer_target(0, 56, 2023, 1000);
    finish();
    run("wage_far_below_peers");

    h = expect_hit(ta, 59999, 60000);
    assert_near(h->strength, 0.5 + 0.5 / (0.3 * 60000), 1e-6);
    expect_one_app(h, ta);
    expect_no_hit(tb);
    expect_no_hit(tc);
    expect_no_hit(td);
    for (i = first_low; i < first_low + 10; i++) {
        h = expect_hit(i, 50000, 60000);
        assert_near(h->strength, 0.5 + 0.5 * 10000 / 18000.0, 1e-6);
    }
    assert_int_equal(hits.n, 11);

    /* min_peers = 19 makes group C big enough */
    c19 = parse_conf("[indicator wage_far_below_peers]\nmin_peers = 19\n");
    run_with("wage_far_below_peers", c19);
    expect_hit(tc, 1000, 60000);
    assert_int_equal(hits.n, 12);
    config_free(c19);
}

/* ---- 3, 4. hours ----------------------------------------------------------- */

static void test_hours(void **state)
{
    static const int32_t hours[] = {40, 41, 44, 48, 49, 60, 72, -1};
    uint32_t idx[8], rej, wd, i;
    eng_app_t a;
    config_t *off;
    const ind_hit_t *h;

    (void)state;
    for (i = 0; i < 8; i++) {
        a = base_app(fresh(), 1, D(2023, 2, 1));
        a.hours = hours[i];
        idx[i] = add_app(a);
    }
    a.hours = 70;
    a.decision = ENG_REJECTED;
    rej = add_app(a);
    a.hours = 45;
    a.decision = ENG_WITHDRAWN;
    wd = add_app(a);
    finish();

    run("hours_over_legal");
    expect_no_hit(idx[0]);
    h = expect_hit(idx[1], 41, 40);
    assert_near(h->strength, 0.5625, 1e-6);
    expect_one_app(h, idx[1]);
    assert_near(expect_hit(idx[2], 44, 40)->strength, 0.75, 1e-6);
    assert_near(expect_hit(idx[3], 48, 40)->strength, 1.0, 1e-6);
    expect_no_hit(idx[4]); /* hours_excessive's */
    expect_no_hit(rej);
    expect_no_hit(wd);
    assert_int_equal(hits.n, 3);

    run("hours_excessive");
    expect_no_hit(idx[3]);
    h = expect_hit(idx[4], 49, 48);
    assert_near(h->strength, 0.5 + 0.5 / 12, 1e-6);
    expect_one_app(h, idx[4]);
    assert_near(expect_hit(idx[5], 60, 48)->strength, 1.0, 1e-6);
    assert_near(expect_hit(idx[6], 72, 48)->strength, 1.0, 1e-6);
    expect_no_hit(idx[7]);
    expect_no_hit(rej);
    assert_int_equal(hits.n, 3);

    /* hours_excessive switched off: hours_over_legal covers everything above 40 */
    off = parse_conf("[indicator hours_excessive]\nenabled = false\n");
    run_with("hours_over_legal", off);
    assert_int_equal(hits.n, 6);
    assert_near(expect_hit(idx[4], 49, 40)->strength, 1.0, 1e-6);
    expect_hit(idx[6], 72, 40);
    config_free(off);

    /* a different legal week */
    off = parse_conf("[indicator hours_over_legal]\nhours = 44\n");
    run_with("hours_over_legal", off);
    assert_int_equal(hits.n, 1);
    assert_near(expect_hit(idx[3], 48, 44)->strength, 1.0, 1e-6);
    config_free(off);
}

/* ---- 5. crowded_residence ---------------------------------------------- */

/* `n` distinct workers at residence `addr`, employer `emp` declaring
 * `declared`; returns the first application. */
static uint32_t residents(uint32_t addr, uint32_t emp, int32_t declared, int n, uint8_t dec)
{
    uint32_t first = ix.napps;
    int i;
    for (i = 0; i < n; i++) {
        eng_app_t a = base_app(fresh(), emp, D(2023, 4, 1));
        a.res_addr = addr;
        a.declared_employees = declared;
        a.decision = dec;
        add_app(a);
    }
    return first;
}

static void test_crowded_residence(void **state)
{
    uint32_t a1, a3, dorm, i, recs[30];
    eng_app_t a;
    const ind_hit_t *h;

    (void)state;
    /* address 1: 7 approved workers of a firm declaring 2, 1 pending one of a
     * firm declaring none */
    a1 = residents(1, 10, 2, 7, ENG_APPROVED);
    residents(1, 11, 0, 1, ENG_PENDING);
    /* address 2: 7 workers, one of them twice; rejected, withdrawn and
     * revoked applications of three more do not count */
    residents(2, 12, 2, 7, ENG_APPROVED);
    a = apps[ix.napps - 1];
    add_app(a);
    residents(2, 12, 2, 1, ENG_REJECTED);
    residents(2, 12, 2, 1, ENG_WITHDRAWN);
    residents(2, 12, 2, 1, ENG_REVOKED);
    /* address 3: 9 workers, headcount unknown (small) */
    a3 = residents(3, 13, -1, 9, ENG_APPROVED);
    /* address 4: 16 workers of two small employers */
    residents(4, 14, 1, 8, ENG_APPROVED);
    residents(4, 15, 0, 8, ENG_APPROVED);
    /* address 5: a dormitory: 30 workers of one employer declaring 500 */
    dorm = residents(5, 16, 500, 30, ENG_APPROVED);
    /* address 6: the same dormitory with 2 workers of a tiny firm mixed in */
    residents(6, 16, 500, 30, ENG_APPROVED);
    residents(6, 17, 1, 2, ENG_APPROVED);
    /* address 7: 10 workers of a firm declaring 30 (3 times): half small */
    residents(7, 18, 30, 10, ENG_APPROVED);
    /* address 8: 10 workers of a firm declaring exactly 5 times that */
    residents(8, 19, 50, 10, ENG_APPROVED);
    /* address 9: ... and one declaring 49 */
    residents(9, 20, 49, 10, ENG_APPROVED);
    finish();
    run("crowded_residence");

    h = expect_hit(1, 8, 8);
    assert_near(h->strength, 0.5, 1e-6);
    for (i = 0; i < 8; i++)
        recs[i] = a1 + i;
    expect_records(h, IR_APPLICATION, recs, 8);
    expect_no_hit(2);
    h = expect_hit(3, 9, 8);
    assert_near(h->strength, 9 / 16.0, 1e-6);
    for (i = 0; i < 9; i++)
        recs[i] = a3 + i;
    expect_records(h, IR_APPLICATION, recs, 9);
    assert_near(expect_hit(4, 16, 8)->strength, 1.0, 1e-6);
    h = expect_hit(5, 30, 8);
    assert_true(h->strength <= 0.3);
    assert_near(h->strength, 0.2, 1e-6);
    for (i = 0; i < 30; i++)
        recs[i] = dorm + i;
    expect_records(h, IR_APPLICATION, recs, 30); /* 20 kept, 30 counted */
    h = expect_hit(6, 32, 8);
    assert_true(h->strength <= 0.3);
    assert_near(h->strength, 0.2 + 0.8 * 2 / 32.0, 1e-6);
    assert_near(expect_hit(7, 10, 8)->strength, 10 / 16.0 * (0.2 + 0.8 * 0.5), 1e-6);
    assert_near(expect_hit(8, 10, 8)->strength, 10 / 16.0 * 0.2, 1e-6);
    assert_near(expect_hit(9, 10, 8)->strength, 10 / 16.0 * (0.2 + 0.8 * 0.1 / 4), 1e-6);
    assert_int_equal(hits.n, 8);
}

/* ---- 6. residence_is_workplace ------------------------------------------ */

static void test_residence_is_workplace(void **state)
{
    eng_app_t a = base_app(1, 1, D(2023, 1, 5));
    uint32_t same, none, diff, rej;

    (void)state;
    a.res_addr = a.work_addr = 5;
    same = add_app(a);
    a.res_addr = a.work_addr = 0;
    none = add_app(a);
    a.res_addr = 5;
    a.work_addr = 6;
    diff = add_app(a);
    a.res_addr = a.work_addr = 7;
    a.decision = ENG_REJECTED;
    rej = add_app(a);
    finish();
    run("residence_is_workplace");
    expect_one_app(expect_hit(same, 1, 1), same);
    assert_near(hit_on(same)->strength, 1.0, 0);
    expect_no_hit(none);
    expect_no_hit(diff);
    expect_no_hit(rej);
    assert_int_equal(hits.n, 1);
}

/* ---- 7. shared_employer_address ------------------------------------------ */

static uint32_t at_work(uint32_t addr, uint32_t emp, uint8_t dec)
{
    eng_app_t a = base_app(fresh(), emp, D(2023, 1, 5));
    a.work_addr = addr;
    a.decision = dec;
    return add_app(a);
}

static void test_shared_employer_address(void **state)
{
    uint32_t r[6], e;
    const ind_hit_t *h;

    (void)state;
    /* address 1: employers 1 (twice), 2, 3 */
    r[0] = at_work(1, 1, ENG_APPROVED);
    at_work(1, 1, ENG_APPROVED);
    r[1] = at_work(1, 2, ENG_PENDING);
    r[2] = at_work(1, 3, ENG_REVOKED);
    /* address 2: employers 4, 5, and 6 only on rejected / withdrawn ones */
    at_work(2, 4, ENG_APPROVED);
    at_work(2, 5, ENG_APPROVED);
    at_work(2, 6, ENG_REJECTED);
    at_work(2, 6, ENG_WITHDRAWN);
    /* address 3: 4 employers; address 4: 6 */
    for (e = 7; e <= 10; e++)
        at_work(3, e, ENG_APPROVED);
    for (e = 11; e <= 16; e++)
        at_work(4, e, ENG_APPROVED);
    finish();
    run("shared_employer_address");

    h = expect_hit(1, 3, 3);
    assert_near(h->strength, 0.5, 1e-6);
    expect_records(h, IR_APPLICATION, r, 3); /* one per employer */
    expect_no_hit(2);
    assert_near(expect_hit(3, 4, 3)->strength, 0.5 + 0.5 / 3, 1e-6);
    assert_near(expect_hit(4, 6, 3)->strength, 1.0, 1e-6);
    assert_int_equal(hits.n, 3);
}

/* ---- 8. shared_phone ----------------------------------------------------- */

static uint32_t on_phone(uint32_t phone, uint32_t worker, uint32_t emp, uint8_t dec)
{
    eng_app_t a = base_app(worker, emp, D(2023, 1, 5));
    a.phone = phone;
    a.decision = dec;
    return add_app(a);
}

static void test_shared_phone(void **state)
{
    uint32_t r[3];
    const ind_hit_t *h;

    (void)state;
    /* phone 1: a couple */
    on_phone(1, 1, 1, ENG_APPROVED);
    on_phone(1, 2, 1, ENG_APPROVED);
    /* phone 2: three workers, the first with two applications */
    r[0] = on_phone(2, 3, 1, ENG_APPROVED);
    on_phone(2, 3, 2, ENG_APPROVED);
    r[1] = on_phone(2, 4, 1, ENG_PENDING);
    r[2] = on_phone(2, 5, 3, ENG_APPROVED);
    /* phone 3: two workers, one twice */
    on_phone(3, 6, 1, ENG_APPROVED);
    on_phone(3, 6, 1, ENG_APPROVED);
    on_phone(3, 7, 1, ENG_APPROVED);
    /* phone 4: two live workers and a rejected third */
    on_phone(4, 8, 1, ENG_APPROVED);
    on_phone(4, 9, 1, ENG_APPROVED);
    on_phone(4, 10, 1, ENG_REJECTED);
    /* phone 5: four workers */
    on_phone(5, 11, 1, ENG_APPROVED);
    on_phone(5, 12, 1, ENG_APPROVED);
    on_phone(5, 13, 1, ENG_APPROVED);
    on_phone(5, 14, 1, ENG_APPROVED);
    finish();
    run("shared_phone");

    expect_no_hit(1);
    h = expect_hit(2, 3, 3);
    assert_near(h->strength, 0.5, 1e-6);
    expect_records(h, IR_APPLICATION, r, 3); /* one per worker */
    expect_no_hit(3);
    expect_no_hit(4);
    assert_near(expect_hit(5, 4, 3)->strength, 0.5 + 0.5 / 3, 1e-6);
    assert_int_equal(hits.n, 2);
}

/* ---- 9. phone_across_employers ------------------------------------------- */

static void test_phone_across_employers(void **state)
{
    uint32_t r[3], w;
    const ind_hit_t *h;

    (void)state;
    /* phone 1: employers 1, 2; workers 1, 2, 3 */
    r[0] = on_phone(1, 1, 1, ENG_APPROVED);
    r[1] = on_phone(1, 2, 1, ENG_APPROVED);
    on_phone(1, 1, 1, ENG_APPROVED); /* nothing new: not evidence */
    r[2] = on_phone(1, 3, 2, ENG_APPROVED);
    /* phone 2: employers 1, 2 but two workers */
    on_phone(2, 4, 1, ENG_APPROVED);
    on_phone(2, 5, 2, ENG_APPROVED);
    /* phone 3: five workers of one employer */
    for (w = 6; w <= 10; w++)
        on_phone(3, w, 1, ENG_APPROVED);
    /* phone 4: four employers, four workers */
    for (w = 11; w <= 14; w++)
        on_phone(4, w, w, ENG_APPROVED);
    /* phone 5: the second employer only on a rejected application */
    on_phone(5, 15, 1, ENG_APPROVED);
    on_phone(5, 16, 1, ENG_APPROVED);
    on_phone(5, 17, 2, ENG_REJECTED);
    on_phone(5, 18, 1, ENG_APPROVED);
    finish();
    run("phone_across_employers");

    h = expect_hit(1, 2, 2);
    assert_near(h->strength, 0.5, 1e-6);
    expect_records(h, IR_APPLICATION, r, 3);
    expect_no_hit(2);
    expect_no_hit(3);
    assert_near(expect_hit(4, 4, 2)->strength, 1.0, 1e-6);
    expect_no_hit(5);
    assert_int_equal(hits.n, 2);
}

/* ---- 10. intermediary_share ---------------------------------------------- */

/* n applications of employer emp through intermediary in (0: none). */
static uint32_t through(uint32_t emp, uint32_t in, int n, uint8_t dec)
{
    uint32_t first = ix.napps;
    int i;
    for (i = 0; i < n; i++) {
        eng_app_t a = base_app(fresh(), emp, D(2023, 1, 5));
        a.intermediary = in;
        a.decision = dec;
        add_app(a);
    }
    return first;
}

static void test_intermediary_share(void **state)
{
    uint32_t first, recs[12], i;
    const ind_hit_t *h;

    (void)state;
    first = through(1, 1, 10, ENG_APPROVED); /* 10 of 10 */
    through(2, 3, 2, ENG_APPROVED);           /* 12 of 15 = 0.8 */
    through(2, 2, 12, ENG_APPROVED);
    through(2, 0, 1, ENG_APPROVED);
    through(3, 2, 11, ENG_APPROVED); /* 11 of 14 < 0.8 */
    through(3, 0, 3, ENG_APPROVED);
    through(4, 1, 9, ENG_APPROVED);  /* 9 of 9: too few */
    through(5, 1, 10, ENG_APPROVED); /* 10 of 10 live */
    through(5, 4, 3, ENG_REJECTED);
    through(5, 4, 1, ENG_WITHDRAWN);
    through(6, 1, 9, ENG_APPROVED); /* 9 live + 1 rejected */
    through(6, 1, 1, ENG_REJECTED);
    through(7, 5, 10, ENG_APPROVED); /* 10 of 12 */
    through(7, 0, 2, ENG_PENDING);
    finish();
    run("intermediary_share");

    h = expect_hit(1, 1.0, 0.8);
    assert_near(h->strength, 1.0, 1e-6);
    for (i = 0; i < 10; i++)
        recs[i] = first + i;
    expect_records(h, IR_APPLICATION, recs, 10);
    h = expect_hit(2, 0.8, 0.8);
    assert_near(h->strength, 0.5, 1e-6);
    for (i = 0; i < 12; i++)
        recs[i] = first + 12 + i;
    expect_records(h, IR_APPLICATION, recs, 12);
    expect_no_hit(3);
    expect_no_hit(4);
    expect_hit(5, 1.0, 0.8);
    expect_no_hit(6);
    assert_near(expect_hit(7, 10 / 12.0, 0.8)->strength, 0.5 + 0.5 * (10 / 12.0 - 0.8) / 0.2,
                1e-6);
    assert_int_equal(hits.n, 4);
}

/* ---- 11. intermediary_spike ---------------------------------------------- */

static uint32_t via(uint32_t in, int32_t day, uint8_t dec)
{
    eng_app_t a = base_app(fresh(), 1, day);
    a.intermediary = in;
    a.decision = dec;
    return add_app(a);
}

/* Two applications a month for ten months from day0 + 1, and `spike` more in
 * month 5 (days day0 + 160 ...); returns the first application of month 5. */
static uint32_t steady_with_spike(uint32_t in, int32_t day0, int spike, int withdrawn)
{
    uint32_t m5 = 0;
    int k, i;
    for (k = 0; k < 10; k++) {
        uint32_t r = via(in, day0 + 30 * k + 1, ENG_APPROVED);
        via(in, day0 + 30 * k + 2, ENG_APPROVED);
        if (k == 5)
            m5 = r;
        if (k == 5) {
            for (i = 0; i < spike; i++)
                via(in, day0 + 160 + i, i < withdrawn ? ENG_WITHDRAWN : ENG_APPROVED);
        }
    }
    return m5;
}

static void test_intermediary_spike(void **state)
{
    int32_t day0 = D(2023, 1, 1);
    uint32_t m5, recs[10], i;
    int k;
    const ind_hit_t *h;

    (void)state;
    m5 = steady_with_spike(1, day0, 8, 0); /* peak 10 = max(5 x 2, 10) */
    steady_with_spike(2, day0, 7, 0);      /* peak 9 */
    steady_with_spike(3, day0, 9, 0);      /* peak 11 */
    steady_with_spike(5, day0, 8, 1);      /* one withdrawn: peak 9 */
    /* 4: a big steady agency, 20 a month for a year: never a spike */
    for (k = 0; k < 12; k++) {
        for (i = 0; i < 20; i++)
            via(4, day0 + 30 * k + (int32_t)i, ENG_APPROVED);
    }
    /* 6: one application, nine empty months, then 12 at once: median 0 */
    via(6, day0, ENG_APPROVED);
    for (i = 0; i < 12; i++)
        via(6, day0 + 300 + (int32_t)i, ENG_APPROVED);
    /* 7: brand new, 30 on one day: no past to compare with */
    for (i = 0; i < 30; i++)
        via(7, day0, ENG_APPROVED);
    finish();
    run("intermediary_spike");

    h = expect_hit(1, 10, 10);
    assert_near(h->strength, 0.5, 1e-6);
    recs[0] = m5;
    recs[1] = m5 + 1;
    for (i = 0; i < 8; i++)
        recs[2 + i] = m5 + 2 + i;
    expect_records(h, IR_APPLICATION, recs, 10);
    expect_no_hit(2);
    assert_near(expect_hit(3, 11, 10)->strength, 0.55, 1e-6);
    expect_no_hit(4);
    expect_no_hit(5);
    assert_near(expect_hit(6, 12, 10)->strength, 0.6, 1e-6);
    expect_no_hit(7);
    assert_int_equal(hits.n, 3);
}

/* ---- 12. permits_over_headcount ------------------------------------------ */

static uint32_t yearly(uint32_t emp, int year, int n, int32_t declared, uint8_t dec)
{
    uint32_t first = ix.napps;
    int i;
    for (i = 0; i < n; i++) {
        eng_app_t a = base_app(fresh(), emp, D(year, 1 + (unsigned)(i % 12), 10));
        a.declared_employees = declared;
        a.decision = dec;
        add_app(a);
    }
    return first;
}

static void test_permits_over_headcount(void **state)
{
    uint32_t e2, y23, recs[12], i;
    eng_app_t a;
    const ind_hit_t *h;

    (void)state;
    yearly(1, 2023, 6, 2, ENG_APPROVED);       /* 6 = 3 x 2: not over */
    e2 = yearly(2, 2023, 7, 2, ENG_APPROVED);  /* 7 > 6 */
    yearly(3, 2023, 4, 0, ENG_APPROVED);       /* declared 0, 4: too few */
    yearly(4, 2023, 5, 0, ENG_APPROVED);       /* declared 0, 5 */
    yearly(5, 2023, 20, -1, ENG_APPROVED);     /* headcount unknown */
    yearly(6, 2022, 4, 2, ENG_APPROVED);       /* 8 over two years, 4 a year */
    yearly(6, 2023, 4, 2, ENG_APPROVED);
    yearly(7, 2023, 4, 1, ENG_APPROVED);       /* 4 > 3 but fewer than 5 */
    yearly(8, 2023, 5, 1, ENG_APPROVED);       /* 5 > 3 */
    yearly(9, 2023, 6, 2, ENG_APPROVED);       /* 6 live + 2 rejected */
    yearly(9, 2023, 1, 2, ENG_REJECTED);
    yearly(9, 2023, 1, 2, ENG_WITHDRAWN);
    yearly(10, 2022, 8, 2, ENG_APPROVED);      /* 2022: 8 > 6; 2023: 12, stronger */
    y23 = yearly(10, 2023, 12, 2, ENG_APPROVED);
    yearly(11, 2023, 6, 2, ENG_APPROVED);      /* 7, but one declares 3: 7 <= 9 */
    a = base_app(fresh(), 11, D(2023, 6, 6));
    a.declared_employees = 3;
    add_app(a);
    finish();
    run("permits_over_headcount");

    expect_no_hit(1);
    h = expect_hit(2, 7, 6);
    assert_near(h->strength, 0.5 + 0.5 / 6, 1e-6);
    for (i = 0; i < 7; i++)
        recs[i] = e2 + i;
    expect_records(h, IR_APPLICATION, recs, 7);
    expect_no_hit(3);
    assert_near(expect_hit(4, 5, 0)->strength, 1.0, 1e-6);
    expect_no_hit(5);
    expect_no_hit(6);
    expect_no_hit(7);
    assert_near(expect_hit(8, 5, 3)->strength, 0.5 + 0.5 * 2 / 3.0, 1e-6);
    expect_no_hit(9);
    h = expect_hit(10, 12, 6);
    assert_near(h->strength, 1.0, 1e-6);
    for (i = 0; i < 12; i++)
        recs[i] = y23 + i;
    expect_records(h, IR_APPLICATION, recs, 12);
    expect_no_hit(11);
    assert_int_equal(hits.n, 4);
}

/* ---- 13. new_employer_many_permits --------------------------------------- */

static uint32_t from_new(uint32_t emp, int32_t reg, int32_t day, int n, uint8_t dec)
{
    uint32_t first = ix.napps;
    int i;
    for (i = 0; i < n; i++) {
        eng_app_t a = base_app(fresh(), emp, day);
        a.employer_registered = reg;
        a.decision = dec;
        add_app(a);
    }
    return first;
}

static void test_new_employer_many_permits(void **state)
{
    int32_t R = D(2023, 1, 1);
    uint32_t e1, e4, recs[11], i;
    const ind_hit_t *h;

    (void)state;
    e1 = from_new(1, R, R + 179, 10, ENG_APPROVED); /* first within 180 days, 10 */
    from_new(2, R, R + 180, 10, ENG_APPROVED);      /* first 180 days later: no */
    from_new(3, R, R + 20, 9, ENG_APPROVED);        /* 9 in the window, 5 after */
    from_new(3, R, R + 200, 5, ENG_APPROVED);
    e4 = from_new(4, R, R + 10, 11, ENG_APPROVED); /* 11 in, 3 after */
    from_new(4, R, R + 400, 3, ENG_APPROVED);
    from_new(5, ENG_NODAY, R + 10, 20, ENG_APPROVED); /* registration unknown */
    from_new(6, R, R + 10, 9, ENG_APPROVED);          /* 9 live + 1 rejected */
    from_new(6, R, R + 10, 1, ENG_REJECTED);
    from_new(7, R, R, 20, ENG_PENDING); /* 20 on the day of registration */
    finish();
    run("new_employer_many_permits");

    h = expect_hit(1, 10, 10);
    assert_near(h->strength, 0.5, 1e-6);
    for (i = 0; i < 10; i++)
        recs[i] = e1 + i;
    expect_records(h, IR_APPLICATION, recs, 10);
    expect_no_hit(2);
    expect_no_hit(3);
    h = expect_hit(4, 11, 10);
    assert_near(h->strength, 0.55, 1e-6);
    for (i = 0; i < 11; i++)
        recs[i] = e4 + i;
    expect_records(h, IR_APPLICATION, recs, 11);
    expect_no_hit(5);
    expect_no_hit(6);
    assert_near(expect_hit(7, 20, 10)->strength, 1.0, 1e-6);
    assert_int_equal(hits.n, 3);
}

/* ---- 14. occupation_sector_mismatch -------------------------------------- */

static uint32_t job(uint8_t sector, uint16_t isco, uint8_t dec)
{
    eng_app_t a = base_app(fresh(), 1, D(2023, 1, 5));
    a.sector = sector;
    a.isco = isco;
    a.decision = dec;
    return add_app(a);
}

static void test_occupation_sector_mismatch(void **state)
{
    uint32_t hit1, near1, near2, nosec, noisco, prefix, otherpfx, padded, rej, escort;

    (void)state;
    hit1 = job(41, 2653, ENG_APPROVED);
    near1 = job(41, 2654, ENG_APPROVED);
    near2 = job(42, 2653, ENG_APPROVED);
    nosec = job(0, 2653, ENG_APPROVED);
    noisco = job(41, 0, ENG_APPROVED);
    prefix = job(97, 9313, ENG_APPROVED); /* "93" covers 93xx */
    otherpfx = job(97, 9412, ENG_APPROVED);
    padded = job(1, 2653, ENG_APPROVED); /* division "01" */
    rej = job(41, 2653, ENG_REJECTED);
    escort = job(41, 5169, ENG_PENDING);
    finish();
    run("occupation_sector_mismatch");

    expect_one_app(expect_hit(hit1, 2653, 41), hit1);
    assert_near(hit_on(hit1)->strength, 1.0, 0);
    expect_no_hit(near1);
    expect_no_hit(near2);
    expect_no_hit(nosec);
    expect_no_hit(noisco);
    expect_hit(prefix, 9313, 97);
    expect_no_hit(otherpfx);
    expect_hit(padded, 2653, 1);
    expect_no_hit(rej);
    expect_hit(escort, 5169, 41);
    assert_int_equal(hits.n, 4);
}

/* ---- 15. minor_worker ------------------------------------------------------ */

static uint32_t born(int32_t birth, int32_t submitted, uint8_t dec)
{
    eng_app_t a = base_app(fresh(), 1, submitted);
    a.birth = birth;
    a.decision = dec;
    return add_app(a);
}

static void test_minor_worker(void **state)
{
    int32_t S = D(2023, 6, 15);
    uint32_t b18, b17, b18b, b15, b16, b15b, unknown, rej, leap17, leap18;
    const ind_hit_t *h;

    (void)state;
    b18 = born(D(2005, 6, 15), S, ENG_APPROVED);  /* 18th birthday that day */
    b17 = born(D(2005, 6, 16), S, ENG_APPROVED);  /* 18 tomorrow */
    b18b = born(D(2005, 6, 14), S, ENG_APPROVED); /* 18 since yesterday */
    b15 = born(D(2008, 1, 1), S, ENG_APPROVED);
    b16 = born(D(2007, 6, 15), S, ENG_PENDING);
    b15b = born(D(2007, 6, 16), S, ENG_APPROVED); /* 16 tomorrow */
    unknown = born(ENG_NODAY, S, ENG_APPROVED);
    rej = born(D(2010, 1, 1), S, ENG_REJECTED);
    leap17 = born(D(2004, 2, 29), D(2022, 2, 28), ENG_APPROVED);
    leap18 = born(D(2004, 2, 29), D(2022, 3, 1), ENG_APPROVED);
    finish();
    run("minor_worker");

    expect_no_hit(b18);
    h = expect_hit(b17, 17, 18);
    assert_near(h->strength, 0.75, 1e-6);
    expect_one_app(h, b17);
    expect_no_hit(b18b);
    assert_near(expect_hit(b15, 15, 18)->strength, 1.0, 0);
    assert_near(expect_hit(b16, 16, 18)->strength, 0.75, 1e-6);
    assert_near(expect_hit(b15b, 15, 18)->strength, 1.0, 0);
    expect_no_hit(unknown);
    expect_no_hit(rej);
    expect_hit(leap17, 17, 18);
    expect_no_hit(leap18);
    assert_int_equal(hits.n, 5);
}

/* ---- 16. young_one_sex_entertainment -------------------------------------- */

/* One worker of employer emp; returns the application. */
static uint32_t staff(uint32_t emp, uint32_t worker, uint16_t isco, char sex, int32_t birth,
                      uint8_t dec)
{
    eng_app_t a = base_app(worker, emp, D(2023, 3, 1));
    a.isco = isco;
    a.sex = sex;
    a.birth = birth;
    a.decision = dec;
    return add_app(a);
}

static void test_young_one_sex_entertainment(void **state)
{
    int32_t young = D(2003, 1, 1), old = D(1990, 1, 1), just25 = D(1998, 3, 1);
    uint32_t r1[5], i, w;
    size_t n;
    const ind_hit_t *h;

    (void)state;
    for (i = 0; i < 5; i++) /* 1: five young women dancers */
        r1[i] = staff(1, fresh(), 2653, 'F', young, ENG_APPROVED);
    for (i = 0; i < 4; i++) /* 2: four */
        staff(2, fresh(), 2653, 'F', young, ENG_APPROVED);
    for (i = 0; i < 5; i++) /* 3: 4 F + 1 M: 0.8 */
        staff(3, fresh(), 2653, i < 4 ? 'F' : 'M', young, ENG_APPROVED);
    for (i = 0; i < 5; i++) /* 4: 3 F + 2 M: 0.6 */
        staff(4, fresh(), 2653, i < 3 ? 'F' : 'M', young, ENG_APPROVED);
    for (i = 0; i < 5; i++) /* 5: 4 young + 1 older: 0.8 */
        staff(5, fresh(), 5131, 'F', i < 4 ? young : old, ENG_APPROVED);
    for (i = 0; i < 5; i++) /* 6: 3 young + 2 exactly 25: 0.6 */
        staff(6, fresh(), 5132, 'F', i < 3 ? young : just25, ENG_APPROVED);
    for (i = 0; i < 5; i++) /* 7: not entertainment occupations */
        staff(7, fresh(), 7112, 'F', young, ENG_APPROVED);
    for (i = 0; i < 5; i++) /* 8: one of five rejected */
        staff(8, fresh(), 2653, 'F', young, i ? ENG_APPROVED : ENG_REJECTED);
    for (i = 0; i < 5; i++) /* 9: waiters and bartenders; 3 older men builders ignored */
        staff(9, fresh(), i % 2 ? 5131 : 5132, 'M', young, ENG_APPROVED);
    for (i = 0; i < 3; i++)
        staff(9, fresh(), 7112, 'F', old, ENG_APPROVED);
    w = fresh(); /* 10: four workers, one with two applications */
    staff(10, w, 2653, 'F', young, ENG_APPROVED);
    staff(10, w, 2653, 'F', young, ENG_APPROVED);
    for (i = 0; i < 3; i++)
        staff(10, fresh(), 2653, 'F', young, ENG_APPROVED);
    finish();
    run("young_one_sex_entertainment");

    h = expect_hit(1, 1.0, 0.8);
    assert_near(h->strength, 1.0, 0);
    expect_records(h, IR_APPLICATION, r1, 5);
    expect_no_hit(2);
    expect_hit(3, 0.8, 0.8);
    expect_no_hit(4);
    expect_hit(5, 0.8, 0.8);
    expect_no_hit(6);
    expect_no_hit(7);
    expect_no_hit(8);
    expect_hit(9, 1.0, 0.8);
    expect_no_hit(10);
    assert_int_equal(hits.n, 4);
    assert_int_equal(ind_catalogue(&n)[cur].vulnerability, 1);
}

/* ---- 17. rapid_transfers --------------------------------------------------- */

static uint32_t move(uint32_t worker, uint32_t emp, int32_t day, uint8_t dec)
{
    eng_app_t a = base_app(worker, emp, day);
    a.decision = dec;
    return add_app(a);
}

static void test_rapid_transfers(void **state)
{
    int32_t d0 = D(2022, 1, 1);
    uint32_t r1[3], r6[3], e;
    const ind_hit_t *h;

    (void)state;
    /* the days here are not in record order: the window sorts them */
    r1[2] = move(1, 3, d0 + 364, ENG_APPROVED); /* 3 employers within 365 days */
    r1[0] = move(1, 1, d0, ENG_APPROVED);
    r1[1] = move(1, 2, d0 + 100, ENG_PENDING);
    move(2, 1, d0, ENG_APPROVED); /* the third one day too late */
    move(2, 2, d0 + 100, ENG_APPROVED);
    move(2, 3, d0 + 365, ENG_APPROVED);
    move(3, 1, d0, ENG_APPROVED); /* two employers, four applications */
    move(3, 2, d0 + 10, ENG_APPROVED);
    move(3, 1, d0 + 20, ENG_APPROVED);
    move(3, 2, d0 + 30, ENG_APPROVED);
    for (e = 1; e <= 6; e++) /* six employers in 300 days */
        move(4, e, d0 + 60 * ((int32_t)e - 1), ENG_APPROVED);
    move(5, 1, d0, ENG_APPROVED); /* the third only on a rejected one */
    move(5, 2, d0 + 10, ENG_APPROVED);
    move(5, 3, d0 + 20, ENG_REJECTED);
    move(5, 3, d0 + 30, ENG_WITHDRAWN);
    move(6, 1, d0, ENG_APPROVED); /* 1, then 2, 1, 3 within a year of day 300 */
    r6[0] = move(6, 2, d0 + 300, ENG_APPROVED);
    r6[2] = move(6, 3, d0 + 500, ENG_APPROVED);
    r6[1] = move(6, 1, d0 + 400, ENG_APPROVED);
    finish();
    run("rapid_transfers");

    h = expect_hit(1, 3, 3);
    assert_near(h->strength, 0.5, 1e-6);
    expect_records(h, IR_APPLICATION, r1, 3);
    expect_no_hit(2);
    expect_no_hit(3);
    assert_near(expect_hit(4, 6, 3)->strength, 1.0, 1e-6);
    expect_no_hit(5);
    h = expect_hit(6, 3, 3);
    expect_records(h, IR_APPLICATION, r6, 3);
    assert_int_equal(hits.n, 3);
}

/* ---- 18. never_entered ------------------------------------------------------- */

static uint32_t permit(uint32_t worker, int32_t submitted, int32_t from, int32_t to,
                       uint8_t dec)
{
    eng_app_t a = base_app(worker, 1, submitted);
    a.valid_from = from;
    a.valid_to = to;
    a.decision = dec;
    return add_app(a);
}

static void test_never_entered(void **state)
{
    int32_t H = D(2024, 1, 1), S = H - 400, V = H - 200;
    uint32_t p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, x4, x6, x6b;
    const ind_hit_t *h;

    (void)state;
    fixed_horizon = H;
    p1 = permit(1, H - 200, H - 90, ENG_NODAY, ENG_APPROVED); /* 90 days, no crossing */
    p2 = permit(2, H - 200, H - 89, ENG_NODAY, ENG_APPROVED); /* 89: too early to say */
    p3 = permit(3, S, V, ENG_NODAY, ENG_APPROVED);
    add_crossing(3, V + 90, 'i'); /* entered on the last day of grace */
    p4 = permit(4, S, V, ENG_NODAY, ENG_APPROVED);
    x4 = add_crossing(4, V + 91, 'i'); /* one day late */
    p5 = permit(5, S, V, ENG_NODAY, ENG_APPROVED);
    add_crossing(5, S - 1000, 'i'); /* lives here: entered years ago, never left */
    p6 = permit(6, S, V, ENG_NODAY, ENG_APPROVED);
    add_crossing(6, S - 1000, 'i'); /* entered years ago, left before the permit */
    x6 = add_crossing(6, V - 30, 'o');
    x6b = add_crossing(6, V + 150, 'o'); /* first crossing after valid_from */
    p7 = permit(7, S, V, ENG_NODAY, ENG_APPROVED);
    add_crossing(7, V + 150, 'o'); /* only an exit: the entry predates the register */
    p8 = permit(8, S, V, ENG_NODAY, ENG_PENDING);
    p9 = permit(9, S, V, ENG_NODAY, ENG_REJECTED);
    p10 = permit(10, S, ENG_NODAY, ENG_NODAY, ENG_APPROVED);
    p11 = permit(11, S, V, ENG_NODAY, ENG_APPROVED);
    add_crossing(11, V, 'i'); /* entered on valid_from */
    p12 = permit(12, S, V, ENG_NODAY, ENG_APPROVED);
    add_crossing(12, V - 10, 'i'); /* came, and left within the grace period */
    add_crossing(12, V + 5, 'o');
    p13 = permit(13, S, V, ENG_NODAY, ENG_APPROVED);
    add_crossing(13, V - 10, 'o'); /* away on valid_from, back in time */
    add_crossing(13, V + 1, 'i');
    p14 = permit(14, S, V, ENG_NODAY, ENG_APPROVED);
    add_crossing(14, S - 1000, 'i'); /* lived here, left on valid_from itself */
    add_crossing(14, V, 'o');
    finish();
    run("never_entered");

    h = expect_hit(p1, 90, 90);
    assert_near(h->strength, 0.5, 1e-6);
    expect_one_app(h, p1);
    expect_no_hit(p2);
    expect_no_hit(p3);
    h = expect_hit(p4, 200, 90);
    assert_near(h->strength, 1.0, 1e-6);
    assert_int_equal(h->nrecords, 2);
    assert_int_equal(h->nrecords_total, 2);
    assert_int_equal(hits.records[h->rec_off].kind, IR_APPLICATION);
    assert_int_equal(hits.records[h->rec_off].index, p4);
    assert_int_equal(hits.records[h->rec_off + 1].kind, IR_CROSSING);
    assert_int_equal(hits.records[h->rec_off + 1].index, x4);
    expect_no_hit(p5);
    h = expect_hit(p6, 200, 90);
    assert_int_equal(h->nrecords, 3);
    assert_int_equal(h->nrecords_total, 3);
    assert_int_equal(hits.records[h->rec_off].index, p6);
    assert_int_equal(hits.records[h->rec_off + 1].kind, IR_CROSSING);
    assert_int_equal(hits.records[h->rec_off + 1].index, x6);
    assert_int_equal(hits.records[h->rec_off + 2].index, x6b);
    expect_no_hit(p7);
    expect_no_hit(p8);
    expect_no_hit(p9);
    expect_no_hit(p10);
    expect_no_hit(p11);
    expect_no_hit(p12);
    expect_no_hit(p13);
    expect_hit(p14, 200, 90);
    assert_int_equal(hits.n, 4);

    /* without any border data there is nothing to conclude */
    ix.ncrossings = 0;
    finish();
    run("never_entered");
    assert_int_equal(hits.n, 0);
}

/* ---- 19. exit_reentry ---------------------------------------------------------- */

static void test_exit_reentry(void **state)
{
    int32_t V0 = D(2023, 1, 1), V1 = D(2023, 12, 31);
    uint32_t p1, x[4], p9b, y[4], w;
    const ind_hit_t *h;

    (void)state;
    fixed_horizon = D(2024, 6, 1);
    /* 1: two out-in pairs, crossings added out of day order */
    p1 = permit(1, V0 - 30, V0, V1, ENG_APPROVED);
    x[2] = add_crossing(1, V0 + 100, 'o');
    x[3] = add_crossing(1, V0 + 110, 'i');
    x[0] = add_crossing(1, V0 + 10, 'o');
    x[1] = add_crossing(1, V0 + 20, 'i');
    /* 2: one pair */
    permit(2, V0 - 30, V0, V1, ENG_APPROVED);
    add_crossing(2, V0 + 10, 'o');
    add_crossing(2, V0 + 20, 'i');
    /* 3: three pairs; 4: four */
    for (w = 3; w <= 4; w++) {
        int32_t k;
        permit(w, V0 - 30, V0, V1, ENG_APPROVED);
        for (k = 0; k < (int32_t)w; k++) {
            add_crossing(w, V0 + 10 + 30 * k, 'o');
            add_crossing(w, V0 + 20 + 30 * k, 'i');
        }
    }
    /* 5: the first exit before the permit */
    permit(5, V0 - 30, V0, V1, ENG_APPROVED);
    add_crossing(5, V0 - 5, 'o');
    add_crossing(5, V0 + 5, 'i');
    add_crossing(5, V0 + 50, 'o');
    add_crossing(5, V0 + 60, 'i');
    /* 6: the last entry after the permit */
    permit(6, V0 - 30, V0, V1, ENG_APPROVED);
    add_crossing(6, V0 + 10, 'o');
    add_crossing(6, V0 + 20, 'i');
    add_crossing(6, V1 - 2, 'o');
    add_crossing(6, V1 + 3, 'i');
    /* 7: two pairs, but the permit is only pending */
    permit(7, V0 - 30, V0, V1, ENG_PENDING);
    add_crossing(7, V0 + 10, 'o');
    add_crossing(7, V0 + 20, 'i');
    add_crossing(7, V0 + 50, 'o');
    add_crossing(7, V0 + 60, 'i');
    /* 8: valid_to unknown: up to the horizon */
    permit(8, V0 - 30, V0, ENG_NODAY, ENG_APPROVED);
    add_crossing(8, D(2024, 2, 1), 'o');
    add_crossing(8, D(2024, 2, 5), 'i');
    add_crossing(8, D(2024, 3, 1), 'o');
    add_crossing(8, D(2024, 3, 5), 'i');
    /* 9: two permits, the second holds the two pairs */
    permit(9, V0 - 30, V0, V0 + 100, ENG_APPROVED);
    p9b = permit(9, V0 + 90, V0 + 200, V1, ENG_APPROVED);
    add_crossing(9, V0 + 10, 'o');
    add_crossing(9, V0 + 20, 'i');
    y[0] = add_crossing(9, V0 + 210, 'o');
    y[1] = add_crossing(9, V0 + 220, 'i');
    y[2] = add_crossing(9, V0 + 250, 'o');
    y[3] = add_crossing(9, V0 + 260, 'i');
    /* 10: out, out, in, in: one pair */
    permit(10, V0 - 30, V0, V1, ENG_APPROVED);
    add_crossing(10, V0 + 10, 'o');
    add_crossing(10, V0 + 20, 'o');
    add_crossing(10, V0 + 30, 'i');
    add_crossing(10, V0 + 40, 'i');
    /* 11: both ends of the validity included */
    permit(11, V0 - 30, V0, V1, ENG_APPROVED);
    add_crossing(11, V0, 'o');
    add_crossing(11, V0 + 20, 'i');
    add_crossing(11, V1 - 2, 'o');
    add_crossing(11, V1, 'i');
    finish();
    run("exit_reentry");

    h = expect_hit(1, 2, 2);
    assert_near(h->strength, 0.5, 1e-6);
    assert_int_equal(h->nrecords, 5);
    assert_int_equal(h->nrecords_total, 5);
    assert_int_equal(hits.records[h->rec_off].kind, IR_APPLICATION);
    assert_int_equal(hits.records[h->rec_off].index, p1);
    for (w = 0; w < 4; w++) {
        assert_int_equal(hits.records[h->rec_off + 1 + w].kind, IR_CROSSING);
        assert_int_equal(hits.records[h->rec_off + 1 + w].index, x[w]);
    }
    expect_no_hit(2);
    assert_near(expect_hit(3, 3, 2)->strength, 0.75, 1e-6);
    assert_near(expect_hit(4, 4, 2)->strength, 1.0, 1e-6);
    expect_no_hit(5);
    expect_no_hit(6);
    expect_no_hit(7);
    expect_hit(8, 2, 2);
    h = expect_hit(9, 2, 2);
    assert_int_equal(hits.records[h->rec_off].index, p9b);
    for (w = 0; w < 4; w++)
        assert_int_equal(hits.records[h->rec_off + 1 + w].index, y[w]);
    expect_no_hit(10);
    expect_hit(11, 2, 2);
    assert_int_equal(hits.n, 6);
}

/* max_days_out: only short absences (visa runs) count. */
static void test_exit_reentry_short_absences(void **state)
{
    int32_t V0 = D(2023, 1, 1), V1 = D(2023, 12, 31);
    config_t *c3 = parse_conf("[indicator exit_reentry]\nmax_days_out = 3\n");

    (void)state;
    permit(1, V0 - 30, V0, V1, ENG_APPROVED); /* two trips home of 10 days */
    add_crossing(1, V0 + 10, 'o');
    add_crossing(1, V0 + 20, 'i');
    add_crossing(1, V0 + 100, 'o');
    add_crossing(1, V0 + 110, 'i');
    permit(2, V0 - 30, V0, V1, ENG_APPROVED); /* 3 days out, then 4 days out */
    add_crossing(2, V0 + 10, 'o');
    add_crossing(2, V0 + 13, 'i');
    add_crossing(2, V0 + 50, 'o');
    add_crossing(2, V0 + 54, 'i');
    permit(3, V0 - 30, V0, V1, ENG_APPROVED); /* two 3-day runs around a long trip */
    add_crossing(3, V0 + 10, 'o');
    add_crossing(3, V0 + 13, 'i');
    add_crossing(3, V0 + 50, 'o');
    add_crossing(3, V0 + 80, 'i');
    add_crossing(3, V0 + 100, 'o');
    add_crossing(3, V0 + 100, 'i'); /* same day: 0 days out */
    finish();
    run_with("exit_reentry", c3);
    expect_no_hit(1);
    expect_no_hit(2);
    expect_hit(3, 2, 2);
    assert_int_equal(hits.n, 1);
    run("exit_reentry"); /* the default counts every absence */
    expect_hit(1, 2, 2);
    expect_hit(2, 2, 2);
    expect_hit(3, 3, 2);
    config_free(c3);
}

/* ---- 20. prior_violations ---------------------------------------------------- */

#define V(bit) (1u << (bit))

static void test_prior_violations(void **state)
{
    int32_t d = D(2023, 2, 1);
    uint32_t i3, i6[2], i7;
    const ind_hit_t *h;

    (void)state;
    add_inspection(1, d, V(2));               /* no_contract */
    add_inspection(2, d, V(6));               /* other */
    i3 = add_inspection(3, d, V(0));          /* wage_arrears */
    add_inspection(4, d, V(3));               /* documents_withheld */
    add_inspection(5, d, V(5) | V(2));        /* child_labour + no_contract */
    i6[0] = add_inspection(6, d, V(1));       /* excessive_hours, twice */
    i6[1] = add_inspection(6, d + 100, V(1));
    add_inspection(7, d, V(2));               /* one not serious, */
    i7 = add_inspection(7, d + 50, V(4));     /* one unsafe_housing */
    add_inspection(8, d, 0);
    finish();
    run("prior_violations");

    expect_no_hit(1);
    expect_no_hit(2);
    h = expect_hit(3, 1, 1);
    assert_near(h->strength, 0.7, 1e-6);
    expect_records(h, IR_INSPECTION, &i3, 1);
    assert_near(expect_hit(4, 1, 1)->strength, 1.0, 1e-6);
    assert_near(expect_hit(5, 1, 1)->strength, 1.0, 1e-6);
    h = expect_hit(6, 2, 1);
    assert_near(h->strength, 0.65, 1e-6);
    expect_records(h, IR_INSPECTION, i6, 2);
    h = expect_hit(7, 1, 1);
    assert_near(h->strength, 0.7, 1e-6);
    expect_records(h, IR_INSPECTION, &i7, 1);
    expect_no_hit(8);
    assert_int_equal(hits.n, 5);
}

/* ---- 21. reports_touching_* ---------------------------------------------------- */

static void test_reports_touching(void **state)
{
    uint32_t r1, r2[2], both;
    const ind_hit_t *h;

    (void)state;
    r1 = add_report(1, 0, 0, 6);    /* employer 1: one, "other" */
    r2[0] = add_report(2, 0, 0, 6); /* employer 2: two */
    r2[1] = add_report(2, 0, 0, 5);
    add_report(3, 0, 0, 1);         /* employer 3: forced_labour */
    add_report(4, 0, 0, 0);         /* employer 4: no category */
    add_report(0, 1, 0, 2);         /* address 1: sexual_exploitation */
    add_report(0, 2, 0, 4);         /* address 2: forced_begging */
    add_report(0, 0, 1, 3);         /* phone 1: domestic_servitude */
    add_report(0, 0, 2, 6);         /* phone 2: other */
    both = add_report(5, 3, 3, 6);  /* employer 5, address 3, phone 3 */
    finish();

    run("reports_touching_employer");
    h = expect_hit(1, 1, 1);
    assert_near(h->strength, 0.6, 1e-6);
    expect_records(h, IR_REPORT, &r1, 1);
    h = expect_hit(2, 2, 1);
    assert_near(h->strength, 1.0, 1e-6);
    expect_records(h, IR_REPORT, r2, 2);
    assert_near(expect_hit(3, 1, 1)->strength, 1.0, 1e-6);
    assert_near(expect_hit(4, 1, 1)->strength, 0.6, 1e-6);
    expect_records(expect_hit(5, 1, 1), IR_REPORT, &both, 1);
    assert_int_equal(hits.n, 5);

    run("reports_touching_address");
    assert_near(expect_hit(1, 1, 1)->strength, 1.0, 1e-6);
    assert_near(expect_hit(2, 1, 1)->strength, 0.6, 1e-6);
    expect_records(expect_hit(3, 1, 1), IR_REPORT, &both, 1);
    assert_int_equal(hits.n, 3);

    run("reports_touching_phone");
    assert_near(expect_hit(1, 1, 1)->strength, 1.0, 1e-6);
    assert_near(expect_hit(2, 1, 1)->strength, 0.6, 1e-6);
    expect_records(expect_hit(3, 1, 1), IR_REPORT, &both, 1);
    assert_int_equal(hits.n, 3);
}

/* ---- running the whole catalogue ------------------------------------------------ */

static void test_compute_all(void **state)
{
    eng_app_t a = base_app(1, 1, D(2023, 2, 1));
    config_t *off;
    size_t i;
    uint32_t app;

    (void)state;
    a.salary = 50000;
    a.hours = 60;
    app = add_app(a);
    finish();

    assert_int_equal(ind_compute_all(&ix, cfg, &hits), TW_OK);
    assert_int_equal(hits.n, 2);
    assert_int_equal(hits.hits[0].indicator, ind_find("wage_below_minimum"));
    assert_int_equal(hits.hits[1].indicator, ind_find("hours_excessive"));
    assert_int_equal(hits.hits[0].entity, app);

    /* appends; a switched-off indicator runs no more */
    off = parse_conf("[indicator hours_excessive]\nenabled = false\n"
                     "[indicator wage_below_minimum]\nenabled = false\n");
    assert_int_equal(ind_compute_all(&ix, off, &hits), TW_OK);
    assert_int_equal(hits.n, 3);
    assert_int_equal(hits.hits[2].indicator, ind_find("hours_over_legal"));
    assert_near(hits.hits[2].value, 60, 0);
    config_free(off);
    for (i = 1; i < hits.n; i++)
        assert_true(hits.hits[i].indicator >= hits.hits[i - 1].indicator || i == 2);
}

/* An index with no records at all, with and without postings tables. */
static void test_empty_index(void **state)
{
    (void)state;
    assert_int_equal(ind_compute_all(&ix, cfg, &hits), TW_OK); /* no postings */
    assert_int_equal(hits.n, 0);
    finish();
    ix.horizon = D(2024, 1, 1);
    assert_int_equal(ind_compute_all(&ix, cfg, &hits), TW_OK);
    assert_int_equal(hits.n, 0);
}

/* ---- 25. employer_peer_anomaly ------------------------------------------- */

/* n applications of employer emp in (sector, region), one a month from
 * `from`, salary `salary` + 1000 i, citizenship from `cits` in turn,
 * every `agent_every`-th through intermediary 9 (0: none). */
static void firm(uint32_t emp, uint8_t sector, uint8_t region, int n, int32_t from,
                 int32_t salary, const uint16_t *cits, int ncits, int agent_every)
{
    int i;
    for (i = 0; i < n; i++) {
        eng_app_t a = base_app(fresh(), emp, from + 30 * i);
        a.sector = sector;
        a.work_region = region;
        a.salary = salary + 1000 * i;
        a.citizenship = cits[i % ncits];
        a.intermediary = agent_every && i % agent_every == 0 ? 9 : 0;
        add_app(a);
    }
}

static void test_employer_peer_anomaly(void **state)
{
    static const uint16_t mix[4] = {3, 5, 7, 11}, one[1] = {5};
    const ind_hit_t *h;
    config_t *strict;
    char detail[256];
    uint32_t e;
    int32_t t0 = D(2022, 1, 5);

    (void)state;
    /* 30 ordinary peers in division 41, region 1: 5 to 9 applications over
     * two years or so, wages around 150,000, three or four nationalities,
     * an agent now and then */
    for (e = 1; e <= 30; e++)
        firm(e, 41, 1, 5 + (int)(e % 5), t0 + (int32_t)(e * 7), 140000 + (int32_t)(e * 700),
             mix, 3 + (int)(e % 2), e % 3 ? 0 : 4);
    /* 100: many applications, all in its last year, low wages, one
     * nationality, all through an agent */
    firm(100, 41, 1, 10, t0 + 400, 90000, one, 1, 1);
    {
        int i; /* ten more in its last months */
        for (i = 0; i < 10; i++) {
            eng_app_t a = base_app(fresh(), 100, t0 + 400 + 10 * i);
            a.sector = 41;
            a.work_region = 1;
            a.salary = 90000;
            a.citizenship = 5;
            a.intermediary = 9;
            add_app(a);
        }
    }
    /* 101: large but otherwise ordinary: one feature is not enough */
    firm(101, 41, 1, 40, t0, 140000, mix, 4, 4);
    /* 102: like 100 but in a division with five employers: no peers */
    for (e = 200; e < 205; e++)
        firm(e, 56, 1, 6, t0, 150000, mix, 4, 0);
    firm(102, 56, 1, 20, t0 + 400, 90000, one, 1, 1);
    /* 103: like 100, rejected applications only: not judged */
    {
        uint32_t first = ix.napps, i;
        firm(103, 41, 1, 20, t0 + 400, 90000, one, 1, 1);
        for (i = first; i < ix.napps; i++)
            apps[i].decision = ENG_REJECTED;
    }
    finish();
    run("employer_peer_anomaly");

    h = hit_on(100);
    assert_non_null(h);
    assert_true(h->value >= 4 && h->threshold == 4);
    assert_int_equal(h->nrecords_total, 20);
    assert_true(ind_hit_detail(h, detail, sizeof(detail)) > 0);
    assert_non_null(strstr(detail, "wage level "));
    assert_non_null(strstr(detail, "robust z below its peers"));
    assert_non_null(strstr(detail, "nationality concentration "));
    assert_non_null(strstr(detail, "intermediary reliance "));
    assert_non_null(strstr(detail, "robust z above its peers"));
    expect_no_hit(101);
    expect_no_hit(102);
    expect_no_hit(103);
    for (e = 1; e <= 30; e++)
        expect_no_hit(e);
    /* other indicators keep no detail */
    {
        ind_hit_t other = *h;
        other.indicator = (uint16_t)ind_find("permits_over_headcount");
        assert_int_equal(ind_hit_detail(&other, detail, sizeof(detail)), 0);
        assert_string_equal(detail, "");
    }
    /* too few peers for the threshold asked: nothing */
    strict = parse_conf("[indicator employer_peer_anomaly]\nmin_peers = 40\n");
    run_with("employer_peer_anomaly", strict);
    assert_int_equal(hits.n, 0);
    config_free(strict);
    /* one strong feature asked for: 101 (volume) fires too */
    strict = parse_conf("[indicator employer_peer_anomaly]\nmin_features = 1\nz = 2\n");
    run_with("employer_peer_anomaly", strict);
    assert_non_null(hit_on(100));
    assert_non_null(hit_on(101));
    config_free(strict);
}

/* ---- relative thresholds ------------------------------------------------- */

static void test_relative_thresholds(void **state)
{
    config_t *c;
    const ind_hit_t *h;
    char detail[300];
    uint32_t low, low_small = 0, e, i, big;

    (void)state;
    /* salaries: 30 in (41, region 1, 2023) from 100,000 up, one of 50,000;
     * region 2 has only 10 (fewer than min_peers 20): not judged */
    for (i = 0; i < 30; i++) {
        eng_app_t a = base_app(fresh(), 1, D(2023, 3, 1));
        a.sector = 41;
        a.work_region = 1;
        a.salary = 100000 + 1000 * (int32_t)i;
        add_app(a);
    }
    {
        eng_app_t a = base_app(fresh(), 1, D(2023, 3, 2));
        a.sector = 41;
        a.work_region = 1;
        a.salary = 50000;
        low = add_app(a);
    }
    for (i = 0; i < 10; i++) {
        eng_app_t a = base_app(fresh(), 2, D(2023, 3, 1));
        a.sector = 41;
        a.work_region = 2;
        a.salary = i ? 100000 : 10000;
        if (!i)
            low_small = add_app(a);
        else
            add_app(a);
    }
    finish();
    c = parse_conf("[indicator wage_far_below_peers]\nsalary = p3 within sector,region,year\n");
    run_with("wage_far_below_peers", c);
    assert_int_equal(hits.n, 1);
    h = expect_hit(low, 50000, 95000); /* 50,000 + 0.9 x (100,000 - 50,000) */
    assert_near(h->strength, 1.0, 1e-6); /* 45,000 below: past 30 % of 95,000 */
    assert_true(ind_hit_detail(h, detail, sizeof(detail)) > 0);
    assert_non_null(strstr(detail, "p3 of the register's salaries within its sector, region, year: 95000"));
    expect_no_hit(low_small);
    config_free(c);
    /* the whole register as one group: both low ones, against p3 of all 41 */
    c = parse_conf("[indicator wage_far_below_peers]\nsalary = p3\n");
    run_with("wage_far_below_peers", c);
    assert_non_null(hit_on(low));
    assert_non_null(hit_on(low_small));
    config_free(c);

    /* applications per declared employee in 2023, division 41: 24 employers
     * at 1 to 2.5, one at 10 */
    teardown(NULL);
    setup(NULL);
    for (e = 1; e <= 25; e++) {
        int n = e == 25 ? 20 : 2 + (int)(e % 4);
        for (i = 0; i < (uint32_t)n; i++) {
            eng_app_t a = base_app(fresh(), e, D(2023, 1 + i % 12, 10));
            a.sector = 41;
            a.work_region = 1;
            a.declared_employees = 2;
            add_app(a);
        }
    }
    big = 25;
    finish();
    c = parse_conf("[indicator permits_over_headcount]\nratio = p95 within sector,year\n");
    run_with("permits_over_headcount", c);
    assert_int_equal(hits.n, 1);
    h = expect_hit(big, 20, 5); /* p95 = 2.5, x 2 declared */
    assert_true(ind_hit_detail(h, detail, sizeof(detail)) > 0);
    assert_non_null(strstr(detail, "declared headcount x p95"));
    config_free(c);
    /* a group smaller than min_group: nobody is judged */
    c = parse_conf("[indicator permits_over_headcount]\nratio = p95 within sector,year\n"
                   "min_group = 26\n");
    run_with("permits_over_headcount", c);
    assert_int_equal(hits.n, 0);
    config_free(c);

    /* spikes: 21 intermediaries, one application a month for two years
     * (baseline 1), and in one month e more (e = k mod 4; 15 for k = 21):
     * peak / baseline 1 to 4 five times each, and 16 */
    teardown(NULL);
    setup(NULL);
    for (e = 1; e <= 21; e++) {
        uint32_t extra = e == 21 ? 15 : e % 4, w;
        for (w = 0; w < 24 + extra; w++) {
            eng_app_t a = base_app(fresh(), 1, D(2022, 1, 1) + 30 * (int32_t)(w < 24 ? w : 5));
            a.intermediary = e;
            a.sector = 41;
            add_app(a);
        }
    }
    finish();
    c = parse_conf("[indicator intermediary_spike]\nmin_applications = 1\n");
    run_with("intermediary_spike", c);
    assert_int_equal(hits.n, 1); /* factor 5: only the peak of 16 */
    config_free(c);
    c = parse_conf("[indicator intermediary_spike]\nmin_applications = 1\nfactor = p50\n");
    run_with("intermediary_spike", c);
    assert_int_equal(hits.n, 11); /* the median ratio is 3: peaks of 3, 4 and 16 */
    h = expect_hit(21, 16, 3);
    assert_true(ind_hit_detail(h, detail, sizeof(detail)) > 0);
    assert_non_null(strstr(detail, "p50 of the register's intermediary peaks"));
    expect_no_hit(4); /* 4 mod 4 = 0: peak 1 */
    expect_no_hit(1); /* peak 2 */
    assert_non_null(hit_on(2));
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_ilo_names),
        cmocka_unit_test(test_hits_add_truncates_records),
        cmocka_unit_test_setup_teardown(test_wage_below_minimum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wage_far_below_peers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crowded_residence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_residence_is_workplace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_employer_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_phone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phone_across_employers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intermediary_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intermediary_spike, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permits_over_headcount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_employer_many_permits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_occupation_sector_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_minor_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_young_one_sex_entertainment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rapid_transfers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_entered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_reentry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_reentry_short_absences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prior_violations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reports_touching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_employer_peer_anomaly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_thresholds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compute_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_index, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
