/*
 * test_alerts.c - a screening run end to end through the store: alerts are
 * raised with their evidence, a rescreen with nothing new changes nothing,
 * new evidence updates an alert and its history says so, evidence that goes
 * away lowers the alert without losing it; export and show say what a user
 * reads.
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
#include <time.h>

#include "ingest/value.h"

#include "engine/alerts.h"
#include "ingest/import.h"
#include "twtest.h"

static char dir[256], dbpath[300];
static store_t *st;
static config_t *cfg;

static const char conf[] = "version = alerts-test-1\n"
                           "[levels]\nlow = 5\nmedium = 50\nhigh = 90\n"
                           "[minimum_wage]\n2020-01-01 = 68000\n2023-01-01 = 75000\n";

static int setup(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-alerts-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(config_parse(conf, strlen(conf), "t.conf", ind_ids(), &cfg, &ei), TW_OK);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    store_close(st);
    config_free(cfg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void import_text(const char *name, const char *content)
{
    twt_import_text(st, dir, name, content);
}

static void screen(alerts_summary_t *sum)
{
    engine_t *e;
    ind_hits_t hits;
    score_result_t sr;
    score_suppressions_t sup;
    tw_errinfo_t ei;
    ind_hits_init(&hits);
    assert_int_equal(engine_load(st, &e, &ei), TW_OK);
    assert_int_equal(ind_compute_all(engine_index(e), cfg, &hits), TW_OK);
    assert_int_equal(alerts_load_suppressions(st, engine_index(e), &sup, &ei), TW_OK);
    assert_int_equal(score_compute_suppressed(engine_index(e), &hits, cfg, &sup, &sr), TW_OK);
    free(sup.items);
    assert_int_equal(alerts_apply(st, engine_index(e), &hits, &sr, cfg, NULL, "test", sum, &ei), TW_OK);
    score_free(&sr);
    ind_hits_free(&hits);
    engine_free(e);
}

static const char *q(const char *sql);

static long long atoll_checked(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    assert_true(*s && !*end);
    return v;
}

static const char *q(const char *sql)
{
    static char out[4096];
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("bad SQL %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(s, 0));
    else
        snprintf(out, sizeof(out), "<none>");
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

#define HDR                                                                                    \
    "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"                   \
    "worker_family_name,worker_given_name,worker_sex,worker_birth_date,worker_citizenship,"    \
    "employer_tin,employer_name,monthly_salary_amd,weekly_hours\n"

static const char low_pay[] = HDR
    "A1,2023-03-01T10:00:00,approved,N1,IND,Kumar,Raj,M,1990-01-01,IND,01234567,E,50000,40\n"
    "A2,2023-03-01T10:00:00,approved,N2,IND,Singh,Amit,M,1991-01-01,IND,01234567,E,50000,40\n"
    "A3,2023-03-01T10:00:00,approved,N3,IND,Das,Ravi,M,1992-01-01,IND,01234567,E,50000,40\n";

static void test_raise_rescreen_update_lower(void **state)
{
    alerts_summary_t sum;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem;
    alerts_filter_t f;
    (void)state;

    import_text("p1.csv", low_pay);
    screen(&sum);
    assert_true(sum.raised >= 4); /* three applications and their employer */
    assert_int_equal(sum.updated, 0);
    assert_string_equal(q("SELECT level FROM alert WHERE entity_type='application' AND "
                          "entity_key='A1'"),
                        "low");
    assert_string_equal(q("SELECT indicators FROM alert WHERE entity_key='A1'"),
                        "wage_below_minimum");
    assert_string_equal(q("SELECT count(*) FROM alert WHERE entity_type='employer' AND "
                          "entity_key='01234567'"),
                        "1");
    assert_string_equal(q("SELECT config_version FROM alert WHERE entity_key='A1'"),
                        "alerts-test-1");
    assert_non_null(strstr(q("SELECT evidence FROM alert WHERE entity_key='A1'"),
                           "\"records\":[{\"register\":\"permits\",\"key\":\"A1\"}]"));
    assert_string_equal(q("SELECT count(*) FROM alert_event WHERE kind='raised'"), q("SELECT "
                                                                                      "count(*) "
                                                                                      "FROM "
                                                                                      "alert"));

    /* nothing new: nothing changes, no history written */
    screen(&sum);
    assert_int_equal(sum.raised, 0);
    assert_int_equal(sum.updated, 0);
    assert_true(sum.unchanged >= 4);
    assert_string_equal(q("SELECT count(*) FROM alert_event"), q("SELECT count(*) FROM alert"));

    /* A1 also works 70 hours now: its alert is updated, with history */
    import_text("p2.csv", HDR "A1,2023-03-01T10:00:00,approved,N1,IND,Kumar,Raj,M,1990-01-01,"
                              "IND,01234567,E,50000,70\n");
    screen(&sum);
    assert_true(sum.updated >= 1);
    assert_string_equal(q("SELECT indicators FROM alert WHERE entity_key='A1'"),
                        "wage_below_minimum;hours_excessive");
    assert_string_equal(q("SELECT count(*) FROM alert_event e JOIN alert a ON a.id=e.alert_id "
                          "WHERE a.entity_key='A1' AND e.kind='updated'"),
                        "1");

    /* the employer pays properly now: alerts drop to level none but stay */
    import_text("p3.csv", HDR
                "A1,2023-03-01T10:00:00,approved,N1,IND,Kumar,Raj,M,1990-01-01,IND,01234567,E,"
                "150000,40\n"
                "A2,2023-03-01T10:00:00,approved,N2,IND,Singh,Amit,M,1991-01-01,IND,01234567,E,"
                "150000,40\n"
                "A3,2023-03-01T10:00:00,approved,N3,IND,Das,Ravi,M,1992-01-01,IND,01234567,E,"
                "150000,40\n");
    screen(&sum);
    assert_true(sum.lowered >= 4);
    assert_string_equal(q("SELECT level FROM alert WHERE entity_key='A1'"), "none");
    assert_string_equal(q("SELECT status FROM alert WHERE entity_key='A1'"), "new");
    assert_string_equal(q("SELECT reason FROM alert_event e JOIN alert a ON a.id=e.alert_id "
                          "WHERE a.entity_key='A1' ORDER BY e.id DESC LIMIT 1"),
                        "below the low threshold on rescreen");

    /* export: the interface of DESIGN.md */
    mem = open_memstream(&buf, &len);
    memset(&f, 0, sizeof(f));
    assert_int_equal(alerts_export(st, &f, "csv", mem), TW_OK);
    fclose(mem);
    assert_memory_equal(buf, "alert_id,entity_type,entity_key,score,level,indicators,created_at",
                        63);
    assert_non_null(strstr(buf, ",application,A1,"));
    free(buf);
    buf = NULL;
    /* a cell a spreadsheet would run as a formula is written as text */
    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "UPDATE alert SET entity_key = '@SUM(1+1)' WHERE entity_key = 'A2'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    mem = open_memstream(&buf, &len);
    assert_int_equal(alerts_export(st, &f, "csv", mem), TW_OK);
    fclose(mem);
    assert_non_null(strstr(buf, ",application,\"'@SUM(1+1)\","));
    assert_null(strstr(buf, ",@"));
    free(buf);
    buf = NULL;
    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "UPDATE alert SET entity_key = 'A2' WHERE entity_key = '@SUM(1+1)'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);

    /* show: the explanation and the history */
    mem = open_memstream(&buf, &len);
    assert_int_equal(alerts_show(st, 1, mem), TW_OK);
    fclose(mem);
    assert_non_null(strstr(buf, "History:"));
    assert_non_null(strstr(buf, "raised"));
    free(buf);
    mem = open_memstream(&buf, &len);
    assert_int_equal(alerts_show(st, 999, mem), TW_ENOTFOUND);
    fclose(mem);
    free(buf);
}

static void test_explanation_names_records_and_thresholds(void **state)
{
    alerts_summary_t sum;
    const char *text;
    (void)state;
    import_text("p1.csv", low_pay);
    screen(&sum);
    text = q("SELECT explanation FROM alert WHERE entity_key='A2'");
    assert_non_null(strstr(text, "What drove this score"));
    assert_non_null(strstr(text, "wage_below_minimum"));
    assert_non_null(strstr(text, "observed 50000, threshold 75000"));
    assert_non_null(strstr(text, "records: permits A2"));
    text = q("SELECT explanation FROM alert WHERE entity_type='employer'");
    assert_non_null(strstr(text, "in 3 of its 3 applications"));
    /* the related entities: the application's worker and employer */
    text = q("SELECT evidence FROM alert WHERE entity_key='A2'");
    assert_non_null(strstr(text, "\"related\":[{\"entity_type\":\"worker\",\"entity_key\":"
                                 "\"IND:N2\"},{\"entity_type\":\"employer\",\"entity_key\":"
                                 "\"01234567\"}"));
    text = q("SELECT explanation FROM alert WHERE entity_key='A2'");
    assert_non_null(strstr(text, "Related: worker IND:N2; employer 01234567"));
}

/* Evidence carried to an employer and to a worker shows its own facts:
 * the employer's count and its applications with their own wages, the
 * worker's source application with its wage (never a count shown as a
 * wage). A4 pays well: its worker's wage evidence comes from the employer. */
static const char carried_pay[] = HDR
    "A1,2023-03-01T10:00:00,approved,N1,IND,Kumar,Raj,M,1990-01-01,IND,01234567,E,50000,60\n"
    "A2,2023-03-01T10:00:00,approved,N2,IND,Singh,Amit,M,1991-01-01,IND,01234567,E,45000,60\n"
    "A3,2023-03-01T10:00:00,approved,N3,IND,Das,Ravi,M,1992-01-01,IND,01234567,E,40000,60\n"
    "A4,2023-03-01T10:00:00,approved,N4,IND,Rao,Anil,M,1993-01-01,IND,01234567,E,90000,60\n";

static void test_carried_evidence_shows_its_own_facts(void **state)
{
    alerts_summary_t sum;
    const char *text;
    (void)state;
    import_text("p1.csv", carried_pay);
    screen(&sum);
    /* the employer: 3 of its 4 applications, each with its own wage */
    text = q("SELECT evidence FROM alert WHERE entity_type='employer'");
    assert_non_null(strstr(text, "\"id\":\"wage_below_minimum\""));
    assert_non_null(strstr(text, "\"value\":null,\"threshold\":null,\"carried\":{\"from\":"
                                 "\"applications\",\"count\":3,\"of\":4,\"applications\":["));
    assert_non_null(strstr(text, "{\"key\":\"A2\",\"value\":45000,\"threshold\":75000}"));
    assert_non_null(strstr(text, "{\"key\":\"A3\",\"value\":40000,\"threshold\":75000}"));
    assert_null(strstr(text, "{\"key\":\"A4\",\"value\":90000")); /* A4 pays enough */
    /* hours: 60 a week in each of the 4 */
    assert_non_null(strstr(text, "\"carried\":{\"from\":\"applications\",\"count\":4,\"of\":4,"
                                 "\"applications\":[{\"key\":\"A1\",\"value\":60,\"threshold\":"));
    text = q("SELECT explanation FROM alert WHERE entity_type='employer'");
    assert_non_null(strstr(text, "wage_below_minimum, in 3 of its 4 applications (A1: 50000 "
                                 "against 75000; A2: 45000 against 75000; A3: 40000 against "
                                 "75000)"));
    /* a worker whose own application has it: that application's wage */
    text = q("SELECT evidence FROM alert WHERE entity_type='worker' AND entity_key='IND:N3'");
    assert_non_null(strstr(text, "\"value\":40000,\"threshold\":75000,\"carried\":{\"from\":"
                                 "\"application\",\"application\":\"A3\"}"));
    text = q("SELECT explanation FROM alert WHERE entity_type='worker' AND entity_key='IND:N3'");
    assert_non_null(strstr(text, "carried from application A3 (observed 40000, threshold 75000)"));
    /* a worker paid well, at that employer: the employer's count, never
     * the count as a wage */
    text = q("SELECT evidence FROM alert WHERE entity_type='worker' AND entity_key='IND:N4'");
    assert_non_null(strstr(text, "\"value\":null,\"threshold\":null,\"carried\":{\"from\":"
                                 "\"employer\",\"entity_key\":\"01234567\",\"application\":"
                                 "\"A4\",\"count\":3,\"of\":4,\"applications\":["));
    text = q("SELECT explanation FROM alert WHERE entity_type='worker' AND entity_key='IND:N4'");
    assert_non_null(strstr(text, "carried from employer 01234567 (application A4): in 3 of its 4 "
                                 "applications (A1: 50000 against 75000"));
}

static void test_lifecycle(void **state)
{
    alerts_summary_t sum;
    tw_errinfo_t ei;
    (void)state;
    import_text("p1.csv", low_pay);
    screen(&sum);
    /* dismissing needs a reason */
    assert_int_equal(alerts_transition(st, 1, "dismissed", "ana", NULL, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "needs a reason"));
    assert_int_equal(alerts_transition(st, 1, "in_review", "ana", NULL, &ei), TW_OK);
    assert_int_equal(alerts_assign(st, 1, "ana", "lead", &ei), TW_OK);
    assert_string_equal(q("SELECT assignee FROM alert WHERE id=1"), "ana");
    assert_int_equal(alerts_transition(st, 1, "confirmed", "ana", "passports held", &ei), TW_OK);
    /* confirmed cannot jump to escalated; reopening needs a reason */
    assert_int_equal(alerts_transition(st, 1, "escalated", "ana", "x", &ei), TW_ECONFLICT);
    assert_int_equal(alerts_transition(st, 1, "in_review", "ana", "", &ei), TW_EINPUT);
    assert_int_equal(alerts_transition(st, 1, "in_review", "ana", "new facts", &ei), TW_OK);
    assert_int_equal(alerts_transition(st, 999, "in_review", "ana", "x", &ei), TW_ENOTFOUND);
    assert_string_equal(q("SELECT status FROM alert WHERE id=1"), "in_review");
    assert_string_equal(q("SELECT group_concat(actor || ':' || from_status || '>' || to_status "
                          "|| ':' || reason, '|') FROM (SELECT * FROM alert_event WHERE "
                          "alert_id=1 AND kind<>'raised' ORDER BY id)"),
                        "ana:new>in_review:|lead:in_review>in_review:assigned to ana (was "
                        "nobody)|ana:in_review>confirmed:passports held|ana:confirmed>in_review:"
                        "new facts");
    /* a rescreen keeps the analyst's status */
    screen(&sum);
    assert_string_equal(q("SELECT status FROM alert WHERE id=1"), "in_review");
}

static void test_closed_alerts_come_back_only_on_new_evidence(void **state)
{
    alerts_summary_t sum;
    tw_errinfo_t ei;
    long long a1;
    (void)state;
    import_text("p1.csv", low_pay);
    screen(&sum);
    a1 = strtoll(q("SELECT id FROM alert WHERE entity_key='A1'"), NULL, 10);
    assert_int_equal(alerts_transition(st, a1, "dismissed", "ana", "pay includes housing, seen",
                                       &ei),
                     TW_OK);
    assert_string_equal(q("SELECT closed FROM alert WHERE entity_key='A1'"), "1");
    /* the same evidence: nothing new is raised */
    screen(&sum);
    assert_int_equal(sum.raised, 0);
    assert_string_equal(q("SELECT count(*) FROM alert WHERE entity_key='A1'"), "1");
    /* new evidence (70 hours): a new alert, pointing at the old one */
    import_text("p2.csv", HDR "A1,2023-03-01T10:00:00,approved,N1,IND,Kumar,Raj,M,1990-01-01,"
                              "IND,01234567,E,50000,70\n");
    screen(&sum);
    assert_string_equal(q("SELECT count(*) FROM alert WHERE entity_key='A1'"), "2");
    assert_string_equal(q("SELECT status FROM alert WHERE entity_key='A1' AND closed=0"), "new");
    assert_non_null(strstr(q("SELECT reason FROM alert_event e JOIN alert a ON a.id=e.alert_id "
                             "WHERE a.entity_key='A1' AND a.closed=0"),
                           "was closed"));
    /* the dismissed one cannot be reopened beside it */
    assert_int_equal(alerts_transition(st, a1, "in_review", "ana", "look again", &ei),
                     TW_ECONFLICT);
}

/* today + days, as YYYY-MM-DD (Armenian date) */
static const char *day_from_now(int days)
{
    static char out[2][11];
    static int which;
    int64_t now = (int64_t)time(NULL) + 4 * 3600;
    which ^= 1;
    value_format_date((int32_t)(now / 86400 + days), out[which]);
    return out[which];
}

static void test_suppression(void **state)
{
    alerts_summary_t sum;
    tw_errinfo_t ei;
    long long a1;
    char sql[200];
    (void)state;
    import_text("p1.csv", low_pay);
    screen(&sum);
    a1 = atoll_checked(q("SELECT id FROM alert WHERE entity_key='A1'"));
    /* bad requests change nothing */
    assert_int_equal(alerts_suppress(st, a1, "wage_below_minimum", day_from_now(181), "ok",
                                     "ana", &ei),
                     TW_EINPUT);
    assert_int_equal(alerts_suppress(st, a1, "wage_below_minimum", day_from_now(0), "ok", "ana",
                                     &ei),
                     TW_EINPUT);
    assert_int_equal(alerts_suppress(st, a1, "no_such_indicator", day_from_now(30), "ok", "ana",
                                     &ei),
                     TW_EINPUT);
    assert_int_equal(alerts_suppress(st, a1, "wage_below_minimum", day_from_now(30), "", "ana",
                                     &ei),
                     TW_EINPUT);
    assert_string_equal(q("SELECT count(*) FROM suppression"), "0");
    /* after review: the contract pays in kind, the wage field is misleading */
    assert_int_equal(alerts_suppress(st, a1, "wage_below_minimum", day_from_now(30),
                                     "paid partly in housing, checked on site", "ana", &ei),
                     TW_OK);
    screen(&sum);
    assert_string_equal(q("SELECT level FROM alert WHERE entity_key='A1'"), "none");
    assert_string_equal(q("SELECT level FROM alert WHERE entity_key='A2'"), "low");
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM alert_event WHERE alert_id=%lld AND "
                               "kind='suppressed'", a1);
    assert_string_equal(q(sql), "1");
    /* reversible */
    assert_int_equal(alerts_unsuppress(st, a1, "wage_below_minimum", "", "ana", &ei), TW_EINPUT);
    assert_int_equal(alerts_unsuppress(st, a1, "wage_below_minimum", "new payslips", "ana", &ei),
                     TW_OK);
    assert_int_equal(alerts_unsuppress(st, a1, "wage_below_minimum", "again", "ana", &ei),
                     TW_ENOTFOUND);
    screen(&sum);
    assert_string_equal(q("SELECT level FROM alert WHERE entity_key='A1'"), "low");
}

/* A screening of many alerts (written in batches, rendered ahead, with the
 * CHECK constraints off while it writes): every alert is there once, the
 * summary's open counts are the table's, a rescreen changes nothing, and
 * the connection checks constraints again afterwards. */
static void test_many_alerts_first_screening(void **state)
{
    alerts_summary_t sum;
    char *csv, row[300];
    size_t cap = 2500 * 200, len = 0;
    long long by_level = 0;
    int i, rc;
    (void)state;

    csv = malloc(cap);
    assert_non_null(csv);
    len = (size_t)snprintf(csv, cap, "%s", HDR);
    for (i = 0; i < 2500; i++) {
        /* 250 employers of 10 underpaid workers each */
        int n = snprintf(row, sizeof(row),
                         "M%d,2023-03-01T10:00:00,approved,D%d,IND,Kumar,Raj%d,M,1990-01-01,IND,"
                         "%08d,E%d,50000,40\n",
                         i, i, i, 10000000 + i / 10, i / 10);
        assert_true(n > 0 && len + (size_t)n < cap);
        memcpy(csv + len, row, (size_t)n + 1);
        len += (size_t)n;
    }
    import_text("many.csv", csv);
    free(csv);
    screen(&sum);
    assert_true(sum.raised > 2 * 1024); /* more than two render batches */
    assert_int_equal(atoll_checked(q("SELECT count(*) FROM alert")), sum.raised);
    assert_int_equal(atoll_checked(q("SELECT count(DISTINCT entity_type||entity_key) FROM alert")),
                     sum.raised);
    assert_int_equal(atoll_checked(q("SELECT count(*) FROM alert_event WHERE kind='raised'")),
                     sum.raised);
    assert_string_equal(q("SELECT count(*) FROM alert a JOIN alert_event e ON e.alert_id=a.id"
                          " WHERE e.score<>a.score OR e.indicators<>a.indicators"),
                        "0");
    for (i = 1; i < 4; i++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM alert WHERE closed=0 AND level='%s'",
                 i == 1 ? "low" : i == 2 ? "medium" : "high");
        assert_int_equal(atoll_checked(q(sql)), sum.open_by_level[i]);
        by_level += sum.open_by_level[i];
    }
    assert_int_equal(by_level, sum.raised);
    /* alerts are in score order: ids ascend as scores descend */
    assert_string_equal(q("SELECT count(*) FROM alert a JOIN alert b ON b.id=a.id+1"
                          " WHERE b.score>a.score"),
                        "0");
    rc = sqlite3_exec(store_sqlite(st),
                      "INSERT INTO alert(entity_type, entity_key, score, level, indicators,"
                      " evidence, explanation, config_version, created_at, updated_at)"
                      " VALUES ('nobody','x',1,'extreme','','','','v','t','t')",
                      NULL, NULL, NULL);
    assert_int_equal(rc, SQLITE_CONSTRAINT_CHECK);
    screen(&sum);
    assert_int_equal(sum.raised, 0);
    assert_int_equal(sum.updated, 0);
    assert_int_equal(sum.lowered, 0);
    assert_int_equal(sum.open_by_level[1] + sum.open_by_level[2] + sum.open_by_level[3], by_level);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_raise_rescreen_update_lower, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_alerts_first_screening, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explanation_names_records_and_thresholds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_carried_evidence_shows_its_own_facts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suppression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_alerts_come_back_only_on_new_evidence, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
