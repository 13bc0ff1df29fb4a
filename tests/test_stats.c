/*
 * test_stats.c - the pattern tables' totals against direct SQL counts over
 * the store, on synthetic registers of several seeds and sizes and over
 * several periods; a period with no data gives headers only; bad periods
 * are refused naming the option; the quality report's counts; SDG 16.2.2
 * refuses without its population file and suppresses small cells with
 * their complements; the CTDC extract is k-anonymous and the checker fails
 * on a file with a rarer combination.
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
#include <unistd.h>

#include "stats/nrm_stats.h"
#include "stats/stats.h"
#include "twtest.h"

static long long sql_ll(store_t *st, const char *sql, const char *from, const char *to)
{
    sqlite3_stmt *s;
    long long v;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_bind_parameter_count(s) >= 2) {
        sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
    }
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static long long col_sum(const stats_table_t *t, const char *col)
{
    int c = stats_table_find(t, col);
    long long sum = 0;
    size_t r;
    assert_true(c >= 0);
    for (r = 0; r < stats_table_nrows(t); r++) {
        const stats_cell_t *x = stats_table_cell(t, r, (size_t)c);
        if (x->kind == STATS_INT)
            sum += x->i;
    }
    return sum;
}

static stats_table_t *pattern(const stats_data_t *d, stats_pattern_t p, const char *from,
                              const char *to)
{
    stats_period_t per;
    stats_table_t *t = NULL;
    tw_errinfo_t ei;
    assert_int_equal(stats_period_parse(from, to, &per, &ei), TW_OK);
    assert_int_equal(stats_pattern(d, p, &per, &t, &ei), TW_OK);
    return t;
}

#define IN_PERIOD " substr(submitted_at,1,10) BETWEEN ?1 AND ?2"

static void check_totals(store_t *st, const stats_data_t *d, const char *from, const char *to)
{
    stats_table_t *t;
    long long apps = sql_ll(st, "SELECT count(*) FROM permit_current WHERE" IN_PERIOD, from, to);

    t = pattern(d, STATS_CORRIDORS, from, to);
    assert_int_equal(col_sum(t, "applications"), apps);
    assert_int_equal(col_sum(t, "approved"),
                     sql_ll(st, "SELECT count(*) FROM permit_current WHERE decision='approved'"
                                " AND" IN_PERIOD, from, to));
    assert_int_equal(col_sum(t, "rejected"),
                     sql_ll(st, "SELECT count(*) FROM permit_current WHERE decision='rejected'"
                                " AND" IN_PERIOD, from, to));
    assert_int_equal(
        col_sum(t, "workers"),
        sql_ll(st, "SELECT coalesce(sum(n),0) FROM (SELECT count(DISTINCT worker_ref) n FROM"
                   " permit_current WHERE" IN_PERIOD " GROUP BY substr(submitted_at,1,4),"
                   " worker_citizenship, employer_sector, workplace_region)", from, to));
    assert_int_equal(
        col_sum(t, "women"),
        sql_ll(st, "SELECT coalesce(sum(n),0) FROM (SELECT count(DISTINCT worker_ref) n FROM"
                   " permit_current WHERE worker_sex='F' AND" IN_PERIOD " GROUP BY"
                   " substr(submitted_at,1,4), worker_citizenship, employer_sector,"
                   " workplace_region)", from, to));
    stats_table_free(t);

    t = pattern(d, STATS_RECRUITMENT, from, to);
    assert_int_equal(col_sum(t, "applications"),
                     sql_ll(st, "SELECT count(*) FROM permit_current WHERE intermediary_id IS NOT"
                                " NULL AND" IN_PERIOD, from, to));
    assert_int_equal(col_sum(t, "employers"),
                     sql_ll(st, "SELECT coalesce(sum(n),0) FROM (SELECT count(DISTINCT"
                                " employer_ref) n FROM permit_current WHERE intermediary_id IS NOT"
                                " NULL AND" IN_PERIOD " GROUP BY substr(submitted_at,1,4),"
                                " intermediary_id)", from, to));
    stats_table_free(t);

    t = pattern(d, STATS_CONCENTRATION, from, to);
    assert_int_equal(col_sum(t, "applications"), apps);
    assert_int_equal(col_sum(t, "intermediated_applications"),
                     sql_ll(st, "SELECT count(*) FROM permit_current WHERE intermediary_id IS NOT"
                                " NULL AND" IN_PERIOD, from, to));
    stats_table_free(t);

    t = pattern(d, STATS_WAGES, from, to);
    assert_int_equal(col_sum(t, "applications"),
                     sql_ll(st, "SELECT count(*) FROM permit_current WHERE monthly_salary_amd IS"
                                " NOT NULL AND" IN_PERIOD, from, to));
    /* the built-in minimum wage: 68,000 to 2022, 75,000 from 2023 */
    assert_int_equal(col_sum(t, "below_minimum"),
                     sql_ll(st, "SELECT count(*) FROM permit_current WHERE monthly_salary_amd <"
                                " CASE WHEN substr(submitted_at,1,10) < '2023-01-01' THEN 68000"
                                " ELSE 75000 END AND" IN_PERIOD, from, to));
    stats_table_free(t);

    t = pattern(d, STATS_FLOWS, from, to);
    assert_int_equal(col_sum(t, "applications"), apps);
    assert_int_equal(col_sum(t, "approvals"),
                     sql_ll(st, "SELECT count(*) FROM permit_current WHERE decision='approved'"
                                " AND substr(decided_at,1,10) BETWEEN ?1 AND ?2", from, to));
    assert_int_equal(
        col_sum(t, "entries") + col_sum(t, "exits"),
        sql_ll(st, "SELECT count(*) FROM border_crossing_current WHERE substr(crossed_at,1,10)"
                   " BETWEEN ?1 AND ?2 AND worker_ref IN (SELECT worker_ref FROM permit_current"
                   " WHERE decision='approved')", from, to));
    assert_int_equal(
        col_sum(t, "renewals") + col_sum(t, "transfers"),
        sql_ll(st, "SELECT count(*) FROM permit_current p WHERE" IN_PERIOD " AND EXISTS"
                   " (SELECT 1 FROM permit_current q WHERE q.application_id ="
                   " p.previous_application_id AND q.application_id <> p.application_id)",
               from, to));
    stats_table_free(t);

    t = pattern(d, STATS_TRENDS, from, to);
    assert_true(stats_table_nrows(t) <= 100);
    if (stats_table_nrows(t) > 1) { /* ranked by the size of the change's score */
        const stats_cell_t *a = stats_table_cell(t, 0, (size_t)stats_table_find(t, "score"));
        const stats_cell_t *b = stats_table_cell(t, 1, (size_t)stats_table_find(t, "score"));
        assert_true(a->r * a->r >= b->r * b->r);
    }
    stats_table_free(t);
}

static void synth_world(uint64_t apps, uint64_t seed)
{
    char dir[256], db[300];
    store_t *st;
    stats_data_t *d;
    tw_errinfo_t ei;
    static const char *const periods[][2] = {{"1900-01-01", "9999-12-31"},
                                             {"2023-01-01", "2023-12-31"},
                                             {"2024-03-15", "2025-02-10"}};
    size_t i;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-stats-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    twt_synth_import(st, dir, apps, seed, NULL);
    assert_int_equal(stats_data_load(st, NULL, STATS_LOAD_CROSSINGS, &d, &ei), TW_OK);
    assert_int_equal((long long)stats_data_applications(d),
                     sql_ll(st, "SELECT count(*) FROM permit_current", NULL, NULL));
    for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
        check_totals(st, d, periods[i][0], periods[i][1]);
    stats_data_free(d);
    store_close(st);
}

/* A world of its own (synth_world_t): imported, checked against SQL; gives
 * back the wages' medians weighted by their applications, the share of
 * intermediated applications and the largest citizenship of the corridors. */
static double world_wages(const char *const *kv, uint64_t apps, uint64_t seed,
                          double *intermediated, char top_cit[8])
{
    static const char *const files[] = {"permits.csv", "border_crossings.csv"};
    char dir[256], db[300], path[400];
    synth_world_t w;
    synth_opts_t so;
    synth_summary_t sum;
    store_t *st;
    stats_data_t *d;
    stats_table_t *t;
    tw_errinfo_t ei;
    double wage;
    size_t f;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-stats-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    synth_world_default(&w);
    for (; kv[0]; kv += 2)
        assert_int_equal(synth_world_set(&w, kv[0], kv[1], &ei), TW_OK);
    memset(&so, 0, sizeof(so));
    so.out_dir = dir;
    so.applications = apps;
    so.seed = seed;
    so.world = &w;
    assert_int_equal(synth_run(&so, &sum, &ei), TW_OK);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    for (f = 0; f < 2; f++) {
        import_opts_t o;
        import_result_t res;
        memset(&o, 0, sizeof(o));
        o.progress = IMPORT_PROGRESS_NONE;
        o.quiet = 1;
        o.rejects_path = "";
        snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
        assert_int_equal(import_file(st, path, &o, &res, &ei), TW_OK);
    }
    assert_int_equal(stats_data_load(st, NULL, STATS_LOAD_CROSSINGS, &d, &ei), TW_OK);
    check_totals(st, d, "1900-01-01", "9999-12-31");
    check_totals(st, d, "2024-01-01", "2024-12-31");
    t = pattern(d, STATS_WAGES, NULL, NULL);
    {
        int cn = stats_table_find(t, "applications"), cm = stats_table_find(t, "median_amd");
        double total = 0, n = 0;
        size_t r;
        for (r = 0; r < stats_table_nrows(t); r++) {
            total += (double)stats_table_cell(t, r, (size_t)cn)->i *
                     stats_table_cell(t, r, (size_t)cm)->r;
            n += (double)stats_table_cell(t, r, (size_t)cn)->i;
        }
        wage = total / n;
    }
    stats_table_free(t);
    t = pattern(d, STATS_CORRIDORS, NULL, NULL);
    {
        long long best = -1;
        size_t r, q;
        for (r = 0; r < stats_table_nrows(t); r++) {
            const stats_cell_t *c = stats_table_cell(t, r, 1);
            long long n = 0;
            for (q = 0; q < stats_table_nrows(t); q++) {
                const stats_cell_t *o = stats_table_cell(t, q, 1);
                if (c->kind == STATS_TEXT && o->kind == STATS_TEXT && !strcmp(c->s, o->s))
                    n += stats_table_cell(t, q, 4)->i;
            }
            if (c->kind == STATS_TEXT && n > best) {
                best = n;
                snprintf(top_cit, 8, "%s", c->s);
            }
        }
    }
    stats_table_free(t);
    t = pattern(d, STATS_CONCENTRATION, NULL, NULL);
    *intermediated = (double)col_sum(t, "intermediated_applications") /
                     (double)col_sum(t, "applications");
    stats_table_free(t);
    stats_data_free(d);
    store_close(st);
    return wage;
}

/* The tables follow what the world is: lower wages lower the medians, more
 * intermediaries more intermediated applications, another nationality mix
 * other corridors; the totals hold in each. */
static void test_worlds(void **state)
{
    static const char *const poor[] = {"wage_level", "0.4", "intermediary_share", "0.6",
                                       "nationality_mix", "NPL=50,LKA=30,IND=20", NULL};
    static const char *const rich[] = {"wage_level", "3", "intermediary_share", "0.02",
                                       "employer_tail", "2.5", NULL};
    double inter_poor, inter_rich;
    char cit_poor[8] = "", cit_rich[8] = "";
    double wage_poor = world_wages(poor, 2500, 29, &inter_poor, cit_poor);
    double wage_rich = world_wages(rich, 2500, 31, &inter_rich, cit_rich);
    (void)state;
    assert_true(wage_poor * 3 < wage_rich);
    assert_string_equal(cit_poor, "NPL");
    assert_true(inter_poor > 0.4);
    assert_true(inter_rich < 0.15);
}

static void test_totals_seed_3(void **state)
{
    (void)state;
    synth_world(1500, 3);
}

static void test_totals_seed_11(void **state)
{
    (void)state;
    synth_world(4000, 11);
}

/* A later version of an application replaces the earlier one (current
 * versions only), and a renewal from the same employer is a renewal. */
static void test_versions_and_renewals(void **state)
{
    char dir[256], db[300];
    store_t *st;
    stats_data_t *d;
    stats_table_t *t;
    tw_errinfo_t ei;
    static const char hdr[] =
        "application_id,submitted_at,decision,decided_at,valid_from,valid_to,"
        "previous_application_id,worker_doc_no,worker_doc_country,worker_family_name,"
        "worker_given_name,worker_sex,worker_birth_date,worker_citizenship,employer_tin,"
        "employer_name,employer_sector,workplace_region,monthly_salary_amd\n";
    char csv[2048];
    (void)state;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-stats-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    snprintf(csv, sizeof(csv),
             "%sA1,2023-02-01T10:00:00,pending,,,,,N1,IND,K,R,F,1990-01-01,IND,01234567,E,41,"
             "AM-ER,70000\n",
             hdr);
    twt_import_text(st, dir, "p1.csv", csv);
    snprintf(csv, sizeof(csv),
             "%sA1,2023-02-01T10:00:00,approved,2023-02-10T10:00:00,2023-02-15,2024-02-14,,N1,"
             "IND,K,R,F,1990-01-01,IND,01234567,E,41,AM-ER,80000\n"
             "A2,2024-02-01T10:00:00,approved,2024-02-05T10:00:00,2024-02-15,2025-02-14,A1,N1,"
             "IND,K,R,F,1990-01-01,IND,01234567,E,41,AM-ER,90000\n"
             "A3,2024-03-01T10:00:00,rejected,2024-03-05T10:00:00,,,A1,N1,IND,K,R,F,1990-01-01,"
             "IND,07654321,F,56,AM-SH,50000\n",
             hdr);
    twt_import_text(st, dir, "p2.csv", csv);
    assert_int_equal(stats_data_load(st, NULL, STATS_LOAD_CROSSINGS, &d, &ei), TW_OK);
    assert_int_equal(stats_data_applications(d), 3);
    t = pattern(d, STATS_CORRIDORS, "2023-01-01", "2023-12-31");
    assert_int_equal(stats_table_nrows(t), 1);
    assert_int_equal(stats_table_cell(t, 0, 5)->i, 1); /* approved: the current version */
    assert_true(stats_table_cell(t, 0, 9)->r == 80000);
    stats_table_free(t);
    t = pattern(d, STATS_FLOWS, NULL, NULL);
    assert_int_equal(col_sum(t, "renewals"), 1);
    assert_int_equal(col_sum(t, "transfers"), 1);
    assert_int_equal(col_sum(t, "permits_never_used"), 2); /* no crossing at all */
    stats_table_free(t);
    t = pattern(d, STATS_WAGES, NULL, NULL);
    assert_int_equal(col_sum(t, "below_minimum"), 1); /* 50,000 in 2024 */
    stats_table_free(t);
    stats_data_free(d);
    store_close(st);
}

static void test_empty_period_headers(void **state)
{
    char dir[256], db[300];
    store_t *st;
    stats_data_t *d;
    tw_errinfo_t ei;
    stats_table_t *t;
    tw_buf_t b;
    size_t p;
    (void)state;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-stats-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    twt_synth_import(st, dir, 300, 5, NULL);
    assert_int_equal(stats_data_load(st, NULL, STATS_LOAD_CROSSINGS, &d, &ei), TW_OK);
    for (p = 0; p < STATS_PATTERN_COUNT; p++) {
        t = pattern(d, (stats_pattern_t)p, "1990-01-01", "1990-12-31");
        assert_int_equal(stats_table_nrows(t), 0);
        buf_init(&b, 1 << 20);
        assert_int_equal(stats_table_write(t, STATS_CSV, &b), TW_OK);
        assert_non_null(strchr(buf_str(&b), '\n'));
        assert_null(strchr(buf_str(&b), '\n') + 1 == buf_str(&b) + b.len ? NULL : "extra");
        buf_reset(&b);
        assert_int_equal(stats_table_write(t, STATS_JSON, &b), TW_OK);
        assert_non_null(strstr(buf_str(&b), "\"rows\":[]"));
        buf_free(&b);
        stats_table_free(t);
    }
    t = pattern(d, STATS_CORRIDORS, "1990-01-01", "1990-12-31");
    buf_init(&b, 1 << 20);
    assert_int_equal(stats_table_write(t, STATS_CSV, &b), TW_OK);
    assert_string_equal(buf_str(&b), "year,citizenship,sector,region,applications,approved,"
                                     "rejected,workers,women,median_salary_amd\n");
    buf_free(&b);
    stats_table_free(t);
    {
        stats_table_t *q = NULL;
        stats_period_t per;
        assert_int_equal(stats_period_parse("1990-01-01", "1990-12-31", &per, &ei), TW_OK);
        assert_int_equal(stats_quality(st, &per, NULL, &q, &ei), TW_OK);
        assert_int_equal(stats_table_nrows(q), 0);
        stats_table_free(q);
    }
    stats_data_free(d);
    store_close(st);
}

static void test_bad_period(void **state)
{
    stats_period_t p;
    tw_errinfo_t ei;
    stats_pattern_t t;
    stats_format_t f;
    (void)state;
    tw_errinfo_clear(&ei);
    assert_int_equal(stats_period_parse("2023-13-01", NULL, &p, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "--from");
    tw_errinfo_clear(&ei);
    assert_int_equal(stats_period_parse(NULL, "2023-02-30", &p, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "--to");
    tw_errinfo_clear(&ei);
    assert_int_equal(stats_period_parse("2024-01-01", "2023-01-01", &p, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "after"));
    assert_int_equal(stats_pattern_parse("corridor", &t, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "--table");
    assert_int_equal(stats_format_parse("xml", &f, &ei), TW_EINPUT);
    assert_int_equal(stats_period_parse("2024-02-29", "2024-02-29", &p, &ei), TW_OK);
    assert_int_equal(p.from, p.to);
}

static void test_quality_counts(void **state)
{
    char dir[256], db[300];
    store_t *st;
    stats_data_t *d;
    stats_table_t *s = NULL, *tr = NULL;
    stats_period_t per;
    tw_errinfo_t ei;
    (void)state;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-stats-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    twt_synth_import(st, dir, 1200, 21, NULL);
    assert_int_equal(stats_data_load(st, NULL, STATS_LOAD_CROSSINGS, &d, &ei), TW_OK);
    assert_int_equal(stats_period_parse(NULL, NULL, &per, &ei), TW_OK);
    assert_int_equal(stats_quality(st, &per, &s, &tr, &ei), TW_OK);
    assert_int_equal(stats_table_nrows(s), 5);
    assert_string_equal(stats_table_cell(s, 0, 0)->s, "permits");
    assert_int_equal(stats_table_cell(s, 0, 1)->i,
                     sql_ll(st, "SELECT count(*) FROM permit_current", NULL, NULL));
    assert_int_equal(stats_table_cell(s, 0, 3)->i,
                     sql_ll(st, "SELECT count(*) FROM reject WHERE register='permits' AND"
                                " severity='error'", NULL, NULL));
    assert_true(stats_table_cell(s, 0, 3)->i > 0); /* synth writes bad rows */
    assert_int_equal(stats_table_cell(s, 1, 1)->i,
                     sql_ll(st, "SELECT count(*) FROM border_crossing_current", NULL, NULL));
    /* the trend adds up to the summary */
    {
        long long rows = 0;
        size_t r;
        for (r = 0; r < stats_table_nrows(tr); r++)
            if (strcmp(stats_table_cell(tr, r, 0)->s, "permits") == 0)
                rows += stats_table_cell(tr, r, 2)->i;
        assert_int_equal(rows, stats_table_cell(s, 0, 1)->i);
    }
    stats_table_free(s);
    stats_table_free(tr);
    stats_data_free(d);
    store_close(st);
}

/* ---- NRM statistics --------------------------------------------------------------- */

static void add_case(store_t *st, const char *opened, const char *decision, const char *ddate,
                     const char *sex, const char *age, const char *cit, const char *expl,
                     const char *control)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "INSERT INTO nrm_case(owner_org, stage, opened_at, opened_unix, opened_by,"
             " updated_at, preid_due, presumed_on, reflection_until, decision, decision_date,"
             " sex, age_group, citizenship, country_of_exploitation, exploitation,"
             " means_of_control, recruiter, labour_sector) VALUES (1, '%s', '%sT10:00:00Z', 0,"
             " 'x', '%sT10:00:00Z', '%s', '%s', '%s', %s%s%s, %s%s%s, '%s', '%s', '%s', 'ARM',"
             " '%s', '%s', 'Unknown', 'Construction')",
             decision ? decision : "presumed_victim", opened, opened, opened, opened, opened,
             decision ? "'" : "", decision ? decision : "NULL", decision ? "'" : "",
             ddate ? "'" : "", ddate ? ddate : "NULL", ddate ? "'" : "", sex, age, cit, expl,
             control);
    assert_int_equal(sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL), SQLITE_OK);
}

static store_t *case_store(char *dir, size_t cap)
{
    char db[300];
    store_t *st;
    tw_errinfo_t ei;
    snprintf(dir, cap, "/tmp/tw-test-stats-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "INSERT INTO org(name, created_at) VALUES ('MCS','2025-01-01')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return st;
}

static const stats_cell_t *find_row(const stats_table_t *t, const char *c1, const char *v1,
                                    const char *c2, const char *v2, int col)
{
    size_t r;
    int a = stats_table_find(t, c1), b = stats_table_find(t, c2);
    for (r = 0; r < stats_table_nrows(t); r++) {
        const stats_cell_t *x = stats_table_cell(t, r, (size_t)a);
        const stats_cell_t *y = stats_table_cell(t, r, (size_t)b);
        if (x->kind == STATS_TEXT && y->kind == STATS_TEXT && !strcmp(x->s, v1) &&
            !strcmp(y->s, v2))
            return stats_table_cell(t, r, (size_t)col);
    }
    fail_msg("no row %s=%s %s=%s", c1, v1, c2, v2);
    return NULL;
}

static void test_sdg_and_glotip(void **state)
{
    char dir[256], pop[300];
    store_t *st = case_store(dir, sizeof(dir));
    nrm_actor_t sys = {NULL, NULL, 0};
    stats_table_t *t = NULL;
    tw_errinfo_t ei;
    FILE *f;
    int i, victims, rate;
    (void)state;

    for (i = 0; i < 7; i++)
        add_case(st, "2024-03-01", "identified", "2024-04-01", "Female", "24--26", "IND",
                 "ForcedLabour", "DebtBondage");
    for (i = 0; i < 2; i++)
        add_case(st, "2024-03-01", "identified", "2024-05-01", "Male", "30--38", "IND",
                 "ForcedLabour", "");
    for (i = 0; i < 6; i++)
        add_case(st, "2024-06-01", NULL, NULL, "Female", "09--17", "ARM", "SexualExploitation",
                 "");
    /* refused without the population file, naming what it needs */
    tw_errinfo_clear(&ei);
    assert_int_equal(nrm_sdg_1622(st, &sys, NULL, 0, &t, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "population"));
    tw_errinfo_clear(&ei);
    snprintf(pop, sizeof(pop), "%s/missing.csv", dir);
    assert_int_equal(nrm_sdg_1622(st, &sys, pop, 0, &t, &ei), TW_EINPUT);
    assert_string_equal(ei.file, pop);
    /* a bad row names its line and field */
    snprintf(pop, sizeof(pop), "%s/pop.csv", dir);
    f = fopen(pop, "w");
    fputs("year,sex,age_group,population\n2024,all,all,2990000\n2024,both,all,1\n", f);
    fclose(f);
    tw_errinfo_clear(&ei);
    assert_int_equal(nrm_sdg_1622(st, &sys, pop, 0, &t, &ei), TW_EINPUT);
    assert_int_equal(ei.line, 3);
    assert_string_equal(ei.field, "sex");
    /* # comments (the source of the figures) may stand anywhere; a bad row
     * after them still names its own line */
    f = fopen(pop, "w");
    fputs("# source: a comment\nyear,sex,age_group,population\n# more\n2024,all,all,x\n", f);
    fclose(f);
    tw_errinfo_clear(&ei);
    assert_int_equal(nrm_sdg_1622(st, &sys, pop, 0, &t, &ei), TW_EINPUT);
    assert_int_equal(ei.line, 4);
    assert_string_equal(ei.field, "population");
    f = fopen(pop, "w");
    fputs("# only a comment\n", f);
    fclose(f);
    tw_errinfo_clear(&ei);
    assert_int_equal(nrm_sdg_1622(st, &sys, pop, 0, &t, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "empty file"));
    f = fopen(pop, "w");
    fputs("# Armenia, from the published tables\nyear,sex,age_group,population\n# 2024\n"
          "2024,all,all,2990000\n2024,Female,all,1600000\n", f);
    fclose(f);
    assert_int_equal(nrm_sdg_1622(st, &sys, pop, 0, &t, &ei), TW_OK);
    victims = stats_table_find(t, "victims");
    rate = stats_table_find(t, "per_100000");
    /* 9 identified in 2024: the total shown, its rate per 100,000 */
    {
        size_t r;
        int seen = 0;
        for (r = 0; r < stats_table_nrows(t); r++)
            if (!strcmp(stats_table_cell(t, r, 1)->s, "all") &&
                !strcmp(stats_table_cell(t, r, 2)->s, "all") &&
                !strcmp(stats_table_cell(t, r, 3)->s, "all")) {
                assert_int_equal(stats_table_cell(t, r, (size_t)victims)->i, 9);
                assert_true(stats_table_cell(t, r, (size_t)rate)->r == 0.301);
                seen = 1;
            }
        assert_true(seen);
    }
    /* Male 2 is suppressed, and Female 7 with it (9 - 7 would give it away) */
    assert_int_equal(find_row(t, "sex", "Male", "age_group", "all", victims)->kind, STATS_NULL);
    assert_int_equal(find_row(t, "sex", "Female", "age_group", "all", victims)->kind, STATS_NULL);
    stats_table_free(t);

    /* GLOTIP: every case registered; 6 girls shown, 7 women shown, 2 men suppressed and its
     * complement (the smallest shown: girls) too */
    assert_int_equal(nrm_glotip(st, &sys, 2024, &t, &ei), TW_OK);
    victims = stats_table_find(t, "victims");
    assert_int_equal(find_row(t, "dimension", "total", "value", "all", victims)->i, 15);
    assert_int_equal(find_row(t, "dimension", "sex_age", "value", "men", victims)->kind,
                     STATS_NULL);
    assert_int_equal(find_row(t, "dimension", "sex_age", "value", "girls", victims)->kind,
                     STATS_NULL);
    assert_int_equal(find_row(t, "dimension", "sex_age", "value", "women", victims)->i, 7);
    {
        size_t r;
        for (r = 0; r < stats_table_nrows(t); r++) {
            const stats_cell_t *x = stats_table_cell(t, r, (size_t)victims);
            assert_true(x->kind == STATS_NULL || x->i >= NRM_SUPPRESS_BELOW);
        }
    }
    stats_table_free(t);
    store_close(st);
}

static void test_ctdc_k_anonymous(void **state)
{
    static const char *const sexes[] = {"Female", "Male"};
    static const char *const ages[] = {"18--20", "21--23", "24--26", "27--29", "30--38",
                                       "39--47", "09--17"};
    static const char *const cits[] = {"IND", "IND", "IND", "NPL", "LKA", "ARM", "UZB"};
    static const char *const expl[] = {"ForcedLabour", "ForcedLabour", "SexualExploitation",
                                       "ForcedLabour;SexualExploitation"};
    char dir[256], out[300], bad[300], line[512];
    store_t *st = case_store(dir, sizeof(dir));
    nrm_actor_t sys = {NULL, NULL, 0};
    nrm_ctdc_loss_t loss;
    nrm_kcheck_t res;
    tw_errinfo_t ei;
    FILE *f, *g;
    long long good_min;
    int i;
    (void)state;

    for (i = 0; i < 140; i++) {
        char opened[16];
        snprintf(opened, sizeof(opened), "%d-0%d-01", 2022 + i % 3, 1 + i % 9);
        add_case(st, opened, i % 4 ? "identified" : NULL, i % 4 ? opened : NULL, sexes[i % 2],
                 ages[(i * 7) % 7 == 0 ? i % 7 : (i / 3) % 7], cits[(i / 2) % 7], expl[i % 4],
                 i % 5 ? "DebtBondage;WithholdsDocuments" : "Threats");
    }
    snprintf(out, sizeof(out), "%s/ctdc.csv", dir);
    assert_int_equal(nrm_ctdc_export(st, &sys, 11, out, &loss, &ei), TW_OK);
    assert_int_equal(loss.cases, 140);
    assert_int_equal(loss.rows + loss.rows_suppressed, 140);
    assert_true(loss.rows > 0);
    assert_true(loss.generalised + loss.values_suppressed > 0);
    assert_int_equal(nrm_ctdc_check(out, 11, &res, &ei), TW_OK);
    assert_true(res.min_count >= 11);
    assert_int_equal(res.rows, loss.rows);
    good_min = res.min_count;
    /* the same file with one rarer combination added fails, naming its line */
    snprintf(bad, sizeof(bad), "%s/bad.csv", dir);
    f = fopen(out, "r");
    g = fopen(bad, "w");
    while (fgets(line, sizeof(line), f))
        fputs(line, g);
    fputs("2023,Male,18+,XXX,ARM,OrganRemoval,,,\n", g);
    fclose(f);
    fclose(g);
    tw_errinfo_clear(&ei);
    assert_int_equal(nrm_ctdc_check(bad, 11, &res, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "OrganRemoval"));
    assert_int_equal(ei.line, loss.rows + 2);
    /* a stricter k than the file was built for fails too; a malformed file names its line */
    assert_int_equal(nrm_ctdc_check(out, (int)good_min + 1, &res, &ei), TW_EINPUT);
    g = fopen(bad, "w");
    fputs("a,b\n1,2\n1,2,3\n", g);
    fclose(g);
    tw_errinfo_clear(&ei);
    assert_int_equal(nrm_ctdc_check(bad, 2, &res, &ei), TW_EINPUT);
    assert_int_equal(ei.line, 3);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals_seed_3),
        cmocka_unit_test(test_totals_seed_11),
        cmocka_unit_test(test_worlds),
        cmocka_unit_test(test_versions_and_renewals),
        cmocka_unit_test(test_empty_period_headers),
        cmocka_unit_test(test_bad_period),
        cmocka_unit_test(test_quality_counts),
        cmocka_unit_test(test_sdg_and_glotip),
        cmocka_unit_test(test_ctdc_k_anonymous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
