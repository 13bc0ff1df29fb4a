/*
 * test_backtest.c - the backtest counts against outcome labels: a confirmed
 * employer whose applications pay below the minimum is a true positive of
 * wage_below_minimum (through the roll-up) and of the score; a cleared
 * employer paying properly is a true negative; a label naming an entity the
 * registers do not know is counted apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backtest.h"
#include "ingest/import.h"
#include "twtest.h"
#include "engine/indicators.h"

static char dir[256];
static store_t *st;

static void import_text(const char *name, const char *content)
{
    twt_import_text(st, dir, name, content);
}

static void test_counts_against_labels(void **state)
{
    static const char conf[] = "version = bt-1\n[levels]\nlow = 5\nmedium = 50\nhigh = 90\n"
                               "[minimum_wage]\n2023-01-01 = 75000\n";
    char db[300], cmd[400], *buf = NULL;
    size_t len = 0;
    tw_errinfo_t ei;
    config_t *cfg;
    FILE *mem;
    (void)state;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-backtest-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    assert_int_equal(config_parse(conf, strlen(conf), "t", ind_ids(), &cfg, &ei), TW_OK);
    import_text("p.csv",
                "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
                "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
                "worker_citizenship,employer_tin,employer_name,monthly_salary_amd,weekly_hours\n"
                "A1,2023-03-01T10:00:00,approved,N1,IND,K,R,M,1990-01-01,IND,01234567,E,50000,40\n"
                "A2,2023-03-01T10:00:00,approved,N2,IND,S,A,M,1991-01-01,IND,01234567,E,50000,40\n"
                "B1,2023-03-01T10:00:00,approved,N3,IND,D,R,M,1992-01-01,IND,07654321,F,150000,40\n");
    import_text("o.csv", "entity_type,entity_key,outcome\n"
                         "employer,01234567,confirmed\n"
                         "employer,07654321,cleared\n"
                         "employer,99999999,confirmed\n");
    mem = open_memstream(&buf, &len);
    assert_int_equal(backtest_run(st, cfg, 0, BACKTEST_CSV, mem, &ei), TW_OK);
    fclose(mem);
    assert_non_null(strstr(buf, "what,entity_types,threshold,true_positives,false_positives,"
                                "false_negatives,precision,recall,volume\n"));
    /* the confirmed employer is hit through the roll-up; the cleared one not.
     * volume 5: two applications, their employer, and their two workers */
    assert_non_null(strstr(buf, "\nwage_below_minimum,application+employer,0,1,0,0,1.0000,"
                                "1.0000,5\n"));
    assert_non_null(strstr(buf, "\nscore >= 5,employer,5,1,0,0,1.0000,1.0000,1\n"));
    assert_non_null(strstr(buf, "\nhours_excessive,application+employer,0,0,0,1,0.0000,"
                                "0.0000,0\n"));
    free(buf);
    buf = NULL;
    mem = open_memstream(&buf, &len);
    assert_int_equal(backtest_run(st, cfg, 1, BACKTEST_TABLE, mem, &ei), TW_OK);
    fclose(mem);
    assert_non_null(strstr(buf, "3 labelled entities (2 confirmed), 1 not found"));
    assert_non_null(strstr(buf, "score >= 95"));
    free(buf);
    config_free(cfg);
    store_close(st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_against_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
