/*
 * test_engine.c - the engine's in-memory indexes: what engine_load() builds
 * from a store holding hand-made registers (every field parsed, versions
 * collapsed, renewals linked, postings right) and from a synthetic register
 * (counts agree with the store).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "ingest/import.h"
#include "twtest.h"
#include "store/store.h"
#include "synth/synth.h"
#include "ingest/value.h"

static char dir[256];
static store_t *st;

static int setup(void **state)
{
    char db[300];
    tw_errinfo_t ei;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-engine-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    store_close(st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void import_text(const char *name, const char *content)
{
    twt_import_text(st, dir, name, content);
}

static int32_t day(const char *iso)
{
    int32_t d;
    assert_int_equal(value_date(iso, strlen(iso), &d, NULL), TW_OK);
    return d;
}

static uint32_t app_by_key(const eng_index_t *ix, const char *key)
{
    uint32_t i;
    for (i = 0; i < ix->napps; i++) {
        if (strcmp(eng_str(ix, ix->apps[i].key), key) == 0)
            return i;
    }
    fail_msg("no application %s", key);
    return 0;
}

#define HDR                                                                                    \
    "application_id,submitted_at,decision,valid_from,valid_to,previous_application_id,"        \
    "worker_doc_no,worker_doc_country,worker_family_name,worker_given_name,worker_sex,"        \
    "worker_birth_date,worker_citizenship,worker_phone,worker_address,worker_region,"          \
    "employer_tin,employer_name,employer_sector,employer_registered_on,"                       \
    "employer_declared_employees,workplace_address,occupation_isco,monthly_salary_amd,"        \
    "weekly_hours,intermediary_id\n"

static void test_hand_made_registers(void **state)
{
    engine_t *e;
    const eng_index_t *ix;
    const eng_app_t *a1, *a2, *a3;
    tw_errinfo_t ei;
    uint32_t i, emp, n;
    (void)state;

    import_text("p1.csv", HDR
                "A1,2023-03-01T23:30:00Z,approved,2023-04-01,2024-03-31,,N1,IND,Kumar,Raj,M,"
                "1990-05-17,IND,+37491000001,\"Flat 3, Abovyan st 5\",AM-ER,01234567,Ararat LLC,"
                "41,2022-12-01,2,\"Arshakunyats 3\",9313,60000,60,AG1\n"
                "A2,2024-03-15T10:00:00+04:00,pending,,,A1,N1,IND,Kumar,Raj,M,1990-05-17,IND,"
                "+37491000001,\"Flat 3, Abovyan st 5\",AM-ER,01234567,Ararat LLC,41,2022-12-01,"
                "2,\"Arshakunyats 3\",9313,,,AG1\n"
                "A3,2023-05-01T10:00:00,approved,,,,P9,NPL,Magar,Santosh,M,2008-01-01,NPL,"
                "+37491000001,\"Flat 3, Abovyan st 5\",AM-SH,87654321,Other LLC,01,,,,6111,"
                "80000,40,\n");
    /* A1 changes: only its latest version may be indexed */
    import_text("p2.csv", HDR
                "A1,2023-03-01T23:30:00Z,approved,2023-04-01,2024-03-31,,N1,IND,Kumar,Raj,M,"
                "1990-05-17,IND,+37491000001,\"Flat 3, Abovyan st 5\",AM-ER,01234567,Ararat LLC,"
                "41,2022-12-01,2,\"Arshakunyats 3\",9313,55000,72,AG1\n");
    import_text("b.csv", "crossing_id,crossed_at,direction,crossing_point,doc_no,doc_country,"
                         "family_name,given_name,birth_date,citizenship\n"
                         "C1,2023-03-20T08:00:00Z,in,EVN,N1,IND,KUMAR,RAJ,1990-05-17,IND\n"
                         "C2,2023-09-20T08:00:00Z,out,EVN,N 1,IND,KUMAR,RAJ,1990-05-17,IND\n");
    import_text("i.csv", "inspection_id,employer_tin,inspected_on,workers_found,violations\n"
                         "I1,01234567,2023-08-01,12,wage_arrears;documents_withheld\n");
    import_text("r.csv", "report_id,received_at,channel,employer_tin,phone,category\n"
                         "R1,2023-09-01T12:00:00,hotline,01234567,091 000001,forced_labour\n");

    assert_int_equal(engine_load(st, &e, &ei), TW_OK);
    ix = engine_index(e);
    assert_int_equal(ix->napps, 3);
    a1 = &ix->apps[app_by_key(ix, "A1")];
    a2 = &ix->apps[app_by_key(ix, "A2")];
    a3 = &ix->apps[app_by_key(ix, "A3")];
    /* the newer version of A1 */
    assert_int_equal(a1->salary, 55000);
    assert_int_equal(a1->hours, 72);
    /* 23:30 UTC is the next day in Yerevan */
    assert_int_equal(a1->submitted, day("2023-03-02"));
    assert_int_equal(a1->valid_from, day("2023-04-01"));
    assert_int_equal(a1->employer_registered, day("2022-12-01"));
    assert_int_equal(a1->declared_employees, 2);
    assert_int_equal(a1->sector, 41);
    assert_int_equal(a1->isco, 9313);
    assert_int_equal(a1->decision, ENG_APPROVED);
    assert_int_equal(a1->sex, 'M');
    assert_int_equal(a1->res_region, 1);
    assert_int_equal(a3->res_region, 8); /* AM-SH */
    assert_int_equal(a3->sector, 1);
    assert_int_equal(a3->birth, day("2008-01-01"));
    assert_int_equal(a2->salary, -1);
    assert_int_equal(a2->valid_from, ENG_NODAY);
    assert_int_equal(a2->decision, ENG_PENDING);
    /* the renewal points at A1; the others at nothing */
    assert_int_equal(a2->prev, app_by_key(ix, "A1") + 1);
    assert_int_equal(a1->prev, 0);
    /* entities shared across rows and registers */
    assert_true(a1->worker && a1->worker == a2->worker && a3->worker != a1->worker);
    assert_true(a1->phone && a1->phone == a3->phone);
    /* "Flat 3, Abovyan st 5" in Yerevan (A1, A2) and in Shirak (A3, read as
     * in Gyumri, its seat) are two addresses: the region tells them apart */
    assert_true(a1->res_addr && a1->res_addr == a2->res_addr);
    assert_true(a3->res_addr && a3->res_addr != a1->res_addr);
    assert_true(a1->intermediary && a3->intermediary == 0);
    assert_int_equal(a1->citizenship, (('I' - 'A') * 676 + ('N' - 'A') * 26 + ('D' - 'A') + 1));

    emp = a1->employer;
    n = ix->apps_by_employer.off[emp + 1] - ix->apps_by_employer.off[emp];
    assert_int_equal(n, 2);
    for (i = ix->apps_by_employer.off[emp]; i < ix->apps_by_employer.off[emp + 1]; i++)
        assert_int_equal(ix->apps[ix->apps_by_employer.items[i]].employer, emp);
    n = ix->apps_by_res_addr.off[a1->res_addr + 1] - ix->apps_by_res_addr.off[a1->res_addr];
    assert_int_equal(n, 2);

    /* both crossings belong to the same worker (document number normalised) */
    assert_int_equal(ix->ncrossings, 2);
    n = ix->crossings_by_worker.off[a1->worker + 1] - ix->crossings_by_worker.off[a1->worker];
    assert_int_equal(n, 2);
    assert_int_equal(ix->crossings[ix->crossings_by_worker.items[ix->crossings_by_worker.off[a1->worker] + 1]].direction, 'o');

    assert_int_equal(ix->ninspections, 1);
    assert_int_equal(ix->inspections[0].employer, emp);
    assert_int_equal(ix->inspections[0].violations, (1u << 0) | (1u << 3));
    assert_int_equal(ix->inspections[0].workers_found, 12);
    assert_int_equal(ix->inspections[0].undeclared, -1);

    assert_int_equal(ix->nreports, 1);
    assert_int_equal(ix->reports[0].employer, emp);
    assert_int_equal(ix->reports[0].phone, a1->phone);
    assert_int_equal(ix->reports[0].category, 1);
    n = ix->reports_by_phone.off[a1->phone + 1] - ix->reports_by_phone.off[a1->phone];
    assert_int_equal(n, 1);

    assert_int_equal(ix->horizon, day("2024-03-15"));
    engine_free(e);
}

static void test_empty_store(void **state)
{
    engine_t *e;
    tw_errinfo_t ei;
    (void)state;
    assert_int_equal(engine_load(st, &e, &ei), TW_OK);
    assert_int_equal(engine_index(e)->napps, 0);
    assert_int_equal(engine_index(e)->horizon, ENG_NODAY);
    assert_string_equal(eng_str(engine_index(e), 0), "");
    engine_free(e);
}

static void test_synthetic_register_counts(void **state)
{
    synth_summary_t sum;
    tw_errinfo_t ei;
    engine_t *e;
    const eng_index_t *ix;
    uint32_t k, total = 0, with_employer = 0, i;
    (void)state;

    twt_synth_import(st, dir, 3000, 11, &sum);
    assert_int_equal(engine_load(st, &e, &ei), TW_OK);
    ix = engine_index(e);
    assert_int_equal(ix->napps, sum.rows[0] - sum.bad_rows[0]);
    assert_int_equal(ix->ncrossings, sum.rows[1] - sum.bad_rows[1]);
    assert_int_equal(ix->ninspections, sum.rows[2] - sum.bad_rows[2]);
    assert_int_equal(ix->nreports, sum.rows[3] - sum.bad_rows[3]);
    for (k = 0; k < ix->apps_by_employer.n; k++)
        total += ix->apps_by_employer.off[k + 1] - ix->apps_by_employer.off[k];
    for (i = 0; i < ix->napps; i++)
        with_employer += ix->apps[i].employer != 0;
    assert_int_equal(total, with_employer);
    assert_int_equal(with_employer, ix->napps); /* employer_tin is required */
    printf("engine: %u applications, %zu bytes of index (%zu per application)\n", ix->napps,
           ix->bytes, ix->bytes / (ix->napps ? ix->napps : 1));
    engine_free(e);
}

/* A full load split by permit row id over both threads (a later version
 * of a row first stored before the split replaces its record, rows first
 * stored after it are appended in order) gives the index of one scan. */
static void test_split_load_is_one_scan(void **state)
{
    engine_t *one, *two;
    const eng_index_t *a, *b;
    tw_errinfo_t ei;
    char *csv, row[512];
    size_t cap = 1 << 20, len;
    uint32_t i, k;
    int pass, n, split_points = 0;
    int64_t was;
    (void)state;

    csv = malloc(cap);
    assert_non_null(csv);
    for (pass = 0; pass < 3; pass++) {
        /* 600 applications, then every third again with another wage and
         * every fifth again with another employer, renewals naming earlier
         * applications */
        len = (size_t)snprintf(csv, cap, "%s", HDR);
        for (i = 0; i < 600; i++) {
            char prev[16] = "";
            if (pass == 1 && i % 3)
                continue;
            if (pass == 2 && i % 5)
                continue;
            if (i % 4 == 1)
                snprintf(prev, sizeof(prev), "S%u", i - 1);
            n = snprintf(row, sizeof(row),
                         "S%u,2023-%02u-01T10:00:00Z,approved,2023-04-01,2024-03-31,%s,D%u,IND,"
                         "Kumar,Raj%u,M,1990-05-17,IND,+3749100%04u,\"Street %u\",AM-ER,%08u,"
                         "Firm %u,41,2022-12-01,%u,\"Work %u\",9313,%u,40,\n",
                         i, 1 + i % 12, prev, i, i, i % 97, i % 53, 10000000 + (pass == 2 ? i % 7 : i % 31),
                         pass == 2 ? i % 7 : i % 31, 5 + i % 9, i % 11, 60000 + 1000 * (i % 40) - (pass == 1 ? 20000 : 0));
            assert_true(n > 0 && len + (size_t)n < cap);
            memcpy(csv + len, row, (size_t)n + 1);
            len += (size_t)n;
        }
        {
            char name[16];
            snprintf(name, sizeof(name), "s%d.csv", pass);
            import_text(name, csv);
        }
    }
    free(csv);
    import_text("b.csv", "crossing_id,crossed_at,direction,crossing_point,doc_no,doc_country,"
                         "family_name,given_name,birth_date,citizenship\n"
                         "C1,2023-03-20T08:00:00Z,in,EVN,D1,IND,KUMAR,RAJ1,1990-05-17,IND\n"
                         "C2,2023-09-20T08:00:00Z,out,EVN,D2,IND,KUMAR,RAJ2,1990-05-17,IND\n");

    was = engine_set_split_min(INT64_MAX);
    assert_int_equal(engine_load(st, &one, &ei), TW_OK);
    engine_set_split_min(1);
    assert_int_equal(engine_load(st, &two, &ei), TW_OK);
    engine_set_split_min(was);
    a = engine_index(one);
    b = engine_index(two);
    assert_int_equal(a->napps, 600);
    assert_int_equal(b->napps, a->napps);
    assert_int_equal(b->ncrossings, a->ncrossings);
    assert_int_equal(b->horizon, a->horizon);
    assert_int_equal(b->bytes, a->bytes);
    for (k = 0; k < 4; k++)
        assert_int_equal(b->max_row[k], a->max_row[k]);
    for (i = 0; i < a->napps; i++) {
        eng_app_t x = a->apps[i], y = b->apps[i];
        assert_string_equal(eng_str(b, y.key), eng_str(a, x.key));
        x.key = y.key = 0;
        assert_memory_equal(&x, &y, sizeof(x));
        split_points += a->apps[i].prev != 0;
    }
    assert_true(split_points > 100); /* renewals resolved */
    for (i = 0; i < a->ncrossings; i++)
        assert_string_equal(eng_str(b, b->crossings[i].key), eng_str(a, a->crossings[i].key));
    assert_int_equal(b->apps_by_employer.n, a->apps_by_employer.n);
    assert_memory_equal(b->apps_by_employer.off, a->apps_by_employer.off,
                        ((size_t)a->apps_by_employer.n + 1) * sizeof(uint32_t));
    assert_memory_equal(b->apps_by_employer.items, a->apps_by_employer.items,
                        (size_t)a->napps * sizeof(uint32_t));
    engine_free(one);
    engine_free(two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hand_made_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synthetic_register_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_load_is_one_scan, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
