/*
 * test_import.c - importing register files: what happens to good rows, to
 * each kind of bad input, to a second import of the same file, to a changed
 * row, to a non-canonical export read through a mapping.
 *
 * Every test writes its CSV into a fresh temporary directory, imports it
 * into a fresh database, and checks what a user would see: the counts, the
 * store's rows and normalised forms, the reject table and FILE.rejects.csv.
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

#include "ingest/import.h"
#include "ingest/norm.h"
#include "store/store.h"

static char dir[256];
static char dbpath[300];
static store_t *st;

static int setup(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-import-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    store_close(st);
    st = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *content)
{
    static char path[2][400];
    static int which;
    FILE *f;
    which ^= 1;
    snprintf(path[which], sizeof(path[which]), "%s/%s", dir, name);
    f = fopen(path[which], "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    fclose(f);
    return path[which];
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* First column of the first row of `sql` as text ("" for NULL, "<none>" for no row). */
static const char *q(const char *sql)
{
    static char out[512];
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("bad test SQL: %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(out, sizeof(out), "%s", t ? (const char *)t : "");
    } else {
        snprintf(out, sizeof(out), "<none>");
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

static tw_err_t run(const char *path, const char *reg, const char *mapping, import_result_t *res,
                    tw_errinfo_t *ei)
{
    import_opts_t o;
    memset(&o, 0, sizeof(o));
    o.register_name = reg;
    o.mapping_path = mapping;
    o.progress = IMPORT_PROGRESS_NONE;
    o.quiet = 1;
    o.batch_rows = 2; /* several transactions even in small files */
    return import_file(st, path, &o, res, ei);
}

#define PERMIT_HEADER                                                                          \
    "application_id,submitted_at,decision,decided_at,permit_no,valid_from,valid_to,"           \
    "previous_application_id,worker_doc_no,worker_doc_country,worker_family_name,"             \
    "worker_given_name,worker_sex,worker_birth_date,worker_citizenship,worker_phone,"          \
    "worker_email,worker_address,worker_region,employer_tin,employer_name,employer_sector,"    \
    "employer_registered_on,employer_declared_employees,workplace_address,workplace_region,"   \
    "occupation_isco,position_title,monthly_salary_amd,weekly_hours,contract_start,"           \
    "contract_end,intermediary_id,intermediary_name,submitted_by\n"

/* A good permit row with id `id`; the fields are separated so a test can
 * replace one. */
#define P_ROW(id, tail)                                                                        \
    id ",2023-03-01T10:00:00+04:00,approved,2023-03-10T09:00:00Z,WP-1,2023-04-01,2024-03-31,," \
       "N 1234567,IND,Kumar,Rajesh,M,1990-05-17,IND,091 23 45 67,rk@example.com,"             \
       "\"Yerevan, Komitas ave. 12, apt 5\",AM-ER,01234567,Ararat Build LLC,41,2019-02-01,"   \
       "40,\"Yerevan, Arshakunyats 3\",AM-ER,9313,labourer,150000,40,2023-04-01,2024-03-31,"  \
       "AG-77,Global Staff,u17" tail "\n"

static void test_good_permits_load_with_normal_forms(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *p = write_file("permits.csv", PERMIT_HEADER P_ROW("A1", "") P_ROW("A2", ""));
    (void)state;
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.reg, REG_PERMITS);
    assert_int_equal(res.counts.rows_read, 2);
    assert_int_equal(res.counts.rows_new, 2);
    assert_int_equal(res.counts.rows_rejected, 0);
    assert_string_equal(q("SELECT count(*) FROM permit"), "2");
    assert_string_equal(q("SELECT worker_phone_e164 FROM permit WHERE row_key='A1'"),
                        "+37491234567");
    assert_string_equal(q("SELECT worker_doc_no FROM permit WHERE row_key='A1'"), "N 1234567");
    assert_string_equal(q("SELECT worker_doc_no_norm FROM permit WHERE row_key='A1'"), "N1234567");
    assert_string_equal(q("SELECT worker_family_name_norm FROM permit WHERE row_key='A1'"),
                        "kumar");
    assert_string_equal(q("SELECT submitted_at_utc FROM permit WHERE row_key='A1'"),
                        "2023-03-01T06:00:00Z");
    assert_string_equal(q("SELECT monthly_salary_amd FROM permit WHERE row_key='A2'"), "150000");
    /* both rows name one worker, one employer, one intermediary, one phone, two addresses */
    assert_string_equal(q("SELECT key FROM worker"), "IND:N1234567");
    assert_string_equal(q("SELECT count(*) FROM worker"), "1");
    assert_string_equal(q("SELECT key FROM employer"), "01234567");
    assert_string_equal(q("SELECT count(*) FROM intermediary"), "1");
    assert_string_equal(q("SELECT count(*) FROM phone"), "1");
    assert_string_equal(q("SELECT count(*) FROM address"), "2");
    assert_string_equal(q("SELECT count(*) FROM permit WHERE worker_ref IS NOT NULL AND "
                          "employer_ref IS NOT NULL AND worker_address_ref IS NOT NULL"),
                        "2");
    assert_string_equal(q("SELECT status FROM import_batch"), "done");
}

/* Each bad row is rejected alone, with its line and field; the good rows load. */
static void test_each_bad_field_rejected_alone(void **state)
{
    static const struct {
        const char *row;
        const char *field;
    } bad[] = {
        {"B1,2023-02-30T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,,,,,,,",
         "submitted_at"},
        {"B2,2023-02-01T10:00:00,approved,,,,,,N1,XXZ,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,,,,,,,",
         "worker_doc_country"},
        {"B3,2023-02-01T10:00:00,maybe,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,,,,,,,",
         "decision"},
        {"B4,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,male,1990-01-01,IND,,,,,01234567,E,,,,,,,,,,,,,,",
         "worker_sex"},
        {"B5,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,12/03/1990,IND,,,,,01234567,E,,,,,,,,,,,,,,",
         "worker_birth_date"},
        {"B6,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,AM-XX,01234567,E,,,,,,,,,,,,,,",
         "worker_region"},
        {"B7,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,1234,E,,,,,,,,,,,,,,",
         "employer_tin"},
        {"B8,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,04,,,,,,,,,,,,,",
         "employer_sector"},
        {"B9,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,931,,,,,,,,",
         "occupation_isco"},
        {"B10,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,-5000,,,,,,",
         "monthly_salary_amd"},
        {"B11,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,,169,,,,,",
         "weekly_hours"},
        {"B12,2023-02-01T10:00:00,approved,,,,,,,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,,,,,,,",
         "worker_doc_no"},
        {"B 13,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,,,,,,,",
         "application_id"},
        {"B14,2023-02-01 10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,,,,,,,",
         "submitted_at"},
        {"B15,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,forty,,,,,,,,,,,",
         "employer_declared_employees"},
        {"B16,2023-02-01T10:00:00,approved,,,,,,N1,IND,K,R,M,1990-01-01,IND,,,,,01234567,E,,,,,,,,,,,,,,,",
         ""}, /* one field too many */
    };
    char content[16384];
    size_t used, i;
    import_result_t res;
    tw_errinfo_t ei;
    char *rejects;
    const char *p;
    (void)state;

    used = (size_t)snprintf(content, sizeof(content), "%s", PERMIT_HEADER P_ROW("G1", ""));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        used += (size_t)snprintf(content + used, sizeof(content) - used, "%s\n", bad[i].row);
    used += (size_t)snprintf(content + used, sizeof(content) - used, "%s", P_ROW("G2", ""));
    assert_true(used < sizeof(content));
    p = write_file("permits.csv", content);
    assert_int_equal(run(p, "permits", NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_read, 2 + sizeof(bad) / sizeof(bad[0]));
    assert_int_equal(res.counts.rows_new, 2);
    assert_int_equal(res.counts.rows_rejected, sizeof(bad) / sizeof(bad[0]));
    assert_string_equal(q("SELECT group_concat(row_key) FROM permit"), "G1,G2");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char sql[256];
        /* line = header (1) + G1 (2) + i + 1 */
        snprintf(sql, sizeof(sql),
                 "SELECT field FROM reject WHERE severity='error' AND line=%zu", i + 3);
        if (strcmp(q(sql), bad[i].field) != 0)
            fail_msg("line %zu: rejected for '%s', expected '%s'", i + 3, q(sql), bad[i].field);
    }
    rejects = read_all(res.rejects_path);
    assert_non_null(strstr(rejects, "line,column,field,severity,reason,record\n"));
    assert_non_null(strstr(rejects, "\n3,2,submitted_at,error,"));
    assert_non_null(strstr(rejects, "\n4,10,worker_doc_country,error,"));
    assert_non_null(strstr(rejects, "required field is empty"));
    free(rejects);
}

static void test_warnings_keep_the_row(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *p = write_file(
        "permits.csv",
        PERMIT_HEADER
        "W1,2023-02-01T10:00:00,approved,,,2024-01-01,2023-01-01,,N1,IND,K,R,M,1990-01-01,IND,"
        "call me maybe,not-an-email,,,01234567,E,,,,,,,,,,,,,,\n");
    (void)state;
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new, 1);
    assert_int_equal(res.counts.rows_rejected, 0);
    assert_int_equal(res.counts.warnings, 3);
    assert_string_equal(q("SELECT worker_phone FROM permit"), "call me maybe");
    assert_string_equal(q("SELECT worker_phone_e164 IS NULL FROM permit"), "1");
    assert_string_equal(q("SELECT group_concat(field, ';') FROM (SELECT field FROM reject "
                          "WHERE severity='warning' ORDER BY field)"),
                        "valid_to;worker_email;worker_phone");
}

static void test_reimport_adds_nothing_and_changes_are_versions(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *p1 = write_file("v1.csv", PERMIT_HEADER P_ROW("A1", "") P_ROW("A2", "")
                                              "BAD,nonsense\n");
    const char *p2;
    (void)state;
    assert_int_equal(run(p1, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new, 2);
    assert_int_equal(res.counts.rows_rejected, 1);
    assert_int_equal(run(p1, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new, 0);
    assert_int_equal(res.counts.rows_unchanged, 2);
    assert_int_equal(res.counts.rows_versioned, 0);
    assert_string_equal(q("SELECT count(*) FROM permit"), "2");
    assert_string_equal(q("SELECT count(*) FROM reject"), "1");

    /* A2 changes its salary: a new version, the old one kept */
    p2 = write_file("v2.csv", PERMIT_HEADER P_ROW("A1", "") P_ROW("A2", "x"));
    assert_int_equal(run(p2, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_versioned, 1);
    assert_int_equal(res.counts.rows_unchanged, 1);
    assert_string_equal(q("SELECT count(*) FROM permit WHERE row_key='A2'"), "2");
    assert_string_equal(q("SELECT submitted_by FROM permit_current WHERE row_key='A2'"), "u17x");
    /* A2 changes back: the register's current state is the old value again,
     * so it is a third version, not "already seen" */
    assert_int_equal(run(p1, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_versioned, 1);
    assert_int_equal(res.counts.rows_unchanged, 1);
    assert_string_equal(q("SELECT count(*) FROM permit"), "4");
    assert_string_equal(q("SELECT max(version) FROM permit WHERE row_key='A2'"), "3");
    assert_string_equal(q("SELECT submitted_by FROM permit_current WHERE row_key='A2'"), "u17");
    /* and the same file once more adds nothing */
    assert_int_equal(run(p1, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new + res.counts.rows_versioned, 0);
}

/* Within one file the last row of a key wins: each earlier row of the key is
 * rejected, naming the line of the last one, so a file that holds one id
 * several times (more than the four digests a head keeps of its batch)
 * stores one version and adds nothing when imported again, on both paths. */
static void reimport_repeated(import_bulk_t bulk)
{
    import_result_t res;
    tw_errinfo_t ei;
    import_opts_t o;
    char *rejects;
    const char *p = write_file("b.csv", "crossing_id,crossed_at,direction,crossing_point,doc_no,"
                                        "doc_country,family_name,given_name,birth_date,"
                                        "citizenship\n"
                                        "C1,2023-03-25T08:00:00Z,in,EVN,N1,IND,K,R,1990-05-17,IND\n"
                                        "C1,2023-03-25T08:00:00Z,out,EVN,N1,IND,K,R,1990-05-17,IND\n"
                                        "C2,2023-03-26T08:00:00Z,in,EVN,N2,IND,K,S,1991-05-17,IND\n"
                                        "C1,2023-03-25T09:00:00Z,in,EVN,N1,IND,K,R,1990-05-17,IND\n"
                                        "C1,2023-03-25T10:00:00Z,in,EVN,N1,IND,K,R,1990-05-17,IND\n"
                                        "C1,2023-03-25T11:00:00Z,in,EVN,N1,IND,K,R,1990-05-17,IND\n"
                                        "C1,2023-03-25T08:00:00Z,out,ZVA,N1,IND,K,R,1990-05-17,IND\n");
    memset(&o, 0, sizeof(o));
    o.progress = IMPORT_PROGRESS_NONE;
    o.quiet = 1;
    o.batch_rows = 2;
    o.bulk = bulk;
    assert_int_equal(import_file(st, p, &o, &res, &ei), TW_OK);
    assert_int_equal(res.bulk, bulk == IMPORT_BULK_ON);
    assert_int_equal(res.counts.rows_read, 7);
    assert_int_equal(res.counts.rows_new, 2);
    assert_int_equal(res.counts.rows_versioned, 0);
    assert_int_equal(res.counts.rows_rejected, 5);
    assert_int_equal(res.rows_repeated, 5);
    assert_string_equal(q("SELECT count(*) FROM border_crossing WHERE row_key='C1'"), "1");
    assert_string_equal(q("SELECT direction || crossing_point FROM border_crossing_current "
                          "WHERE row_key='C1'"),
                        "outZVA");
    assert_string_equal(q("SELECT group_concat(line, ';') FROM (SELECT line FROM reject "
                          "WHERE field='crossing_id' AND reason='the key is repeated at line 8 "
                          "of this file; the later row is kept' ORDER BY line)"),
                        "2;3;5;6;7");
    rejects = read_all(res.rejects_path);
    assert_non_null(strstr(rejects, "\n5,1,crossing_id,error,the key is repeated at line 8 of "
                                    "this file; the later row is kept,"));
    free(rejects);
    assert_int_equal(import_reason_repeated("the key is repeated at line 8 of this file; the "
                                            "later row is kept"),
                     8);
    assert_int_equal(import_reason_repeated("the key is repeated at line 8"), 0);

    /* the same file again adds nothing; its rejects are not stored twice */
    assert_int_equal(import_file(st, p, &o, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new + res.counts.rows_versioned, 0);
    assert_int_equal(res.counts.rows_unchanged, 2);
    assert_int_equal(res.counts.rows_rejected, 5);
    assert_int_equal(res.rows_repeated, 5);
    assert_string_equal(q("SELECT count(*) FROM border_crossing"), "2");
    assert_string_equal(q("SELECT count(*) FROM reject"), "5");
}

static void test_reimport_of_a_file_with_a_repeated_id(void **state)
{
    (void)state;
    reimport_repeated(IMPORT_BULK_OFF);
}

static void test_reimport_of_a_file_with_a_repeated_id_bulk(void **state)
{
    (void)state;
    reimport_repeated(IMPORT_BULK_ON);
}

/* The last row of a key wins also when it is itself rejected: the file's
 * last word on the key is that row, so nothing of the key is stored until
 * it is corrected. */
static void test_repeated_id_whose_last_row_is_rejected(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *p = write_file("b.csv", "crossing_id,crossed_at,direction,crossing_point,doc_no,"
                                        "doc_country,family_name,given_name,birth_date,"
                                        "citizenship\n"
                                        "C1,2023-03-25T08:00:00Z,in,EVN,N1,IND,K,R,1990-05-17,IND\n"
                                        "C1,2023-03-25T08:00:00Z,sideways,EVN,N1,IND,K,R,1990-05-17,IND\n");
    (void)state;
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new, 0);
    assert_int_equal(res.counts.rows_rejected, 2);
    assert_int_equal(res.rows_repeated, 1);
    assert_string_equal(q("SELECT reason FROM reject WHERE line=2"),
                        "the key is repeated at line 3 of this file; the later row is kept");
    assert_string_equal(q("SELECT field FROM reject WHERE line=3"), "direction");
}

static void test_register_inferred_from_header(void **state)
{
    static const struct {
        const char *content;
        reg_id_t reg;
    } files[] = {
        {"crossing_id,crossed_at,direction,crossing_point,doc_no,doc_country,family_name,"
         "given_name,sex,birth_date,citizenship,purpose\n"
         "C1,2023-03-25T08:00:00Z,in,ZVARTNOTS,N1234567,IND,KUMAR,RAJESH,M,1990-05-17,IND,work\n",
         REG_BORDER},
        {"inspection_id,employer_tin,inspected_on,workers_found,undeclared_workers,violations\n"
         "I1,01234567,2023-06-01,12,3,wage_arrears; documents_withheld\n",
         REG_INSPECTIONS},
        {"report_id,received_at,channel,subject_name,category,phone,address\n"
         "R1,2023-06-01T12:00:00,hotline,Оганес Петросян,forced_labour,+374 91 234567,\n",
         REG_REPORTS},
        {"entity_type,entity_key,outcome,decided_on\nemployer,01234567,confirmed,2023-09-01\n",
         REG_OUTCOMES},
    };
    size_t i;
    import_result_t res;
    tw_errinfo_t ei;
    (void)state;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        const char *p = write_file("f.csv", files[i].content);
        assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_OK);
        assert_int_equal(res.reg, files[i].reg);
        assert_int_equal(res.counts.rows_new, 1);
    }
    assert_string_equal(q("SELECT violations FROM inspection"), "wage_arrears;documents_withheld");
    assert_string_equal(q("SELECT subject_name_norm FROM report"), "hovhannes petrosyan");
    assert_string_equal(q("SELECT row_key FROM outcome"), "employer:01234567");
    /* the border crossing and the report name the same entities the permit register would */
    assert_string_equal(q("SELECT key FROM worker"), "IND:N1234567");
    assert_string_equal(q("SELECT count(*) FROM employer"), "1");
}

static void test_whole_file_errors(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *p;
    (void)state;

    p = write_file("empty.csv", "");
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_EINPUT);
    assert_int_equal(ei.line, 1);
    assert_non_null(strstr(ei.msg, "empty"));

    p = write_file("odd.csv", "name,colour\nx,y\n");
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "cannot tell which register"));
    assert_non_null(strstr(ei.file, "odd.csv"));

    p = write_file("noid.csv", "crossed_at,direction\n2023-01-01T00:00:00,in\n");
    assert_int_equal(run(p, "border", NULL, &res, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "crossing_id");
    assert_non_null(strstr(ei.msg, "required column missing"));

    p = write_file("twice.csv", "inspection_id,employer_tin,inspected_on,Inspection_ID\n");
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "given twice"));

    assert_int_equal(run("/nonexistent/permits.csv", NULL, NULL, &res, &ei), TW_ENOTFOUND);
    assert_string_equal(ei.file, "/nonexistent/permits.csv");
    assert_string_equal(q("SELECT count(*) FROM import_batch"), "0");
}

static void test_header_only_file_loads_nothing(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *p = write_file("h.csv", PERMIT_HEADER);
    (void)state;
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_read, 0);
    assert_string_equal(q("SELECT status FROM import_batch"), "done");
}

static void test_bom_crlf_quotes_and_extra_columns(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *p = write_file(
        "i.csv",
        "\xEF\xBB\xBFinspection_id,employer_tin,inspected_on,inspector_note,violations\r\n"
        "I1,01234567,2023-06-01,\"said \"\"no\"\",\r\nleft\",\r\n"
        "I2,01234568,2023-06-02,,other\r\n");
    (void)state;
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new, 2);
    assert_string_equal(q("SELECT extra FROM inspection WHERE row_key='I1'"),
                        "{\"inspector_note\":\"said \\\"no\\\",\\r\\nleft\"}");
    assert_string_equal(q("SELECT extra IS NULL FROM inspection WHERE row_key='I2'"), "1");
    assert_string_equal(q("SELECT source_line FROM inspection WHERE row_key='I2'"), "4");
}

static void test_malformed_csv_and_bad_utf8_rejected_alone(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *p = write_file("m.csv", "inspection_id,employer_tin,inspected_on\n"
                                        "I1,01234567,2023-06-01\n"
                                        "I2,0123\"4567,2023-06-01\n"
                                        "I3,01234567,2023-06-0\xff\n"
                                        "I4,01234567,2023-06-04\n");
    (void)state;
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new, 2);
    assert_int_equal(res.counts.rows_rejected, 2);
    assert_non_null(strstr(q("SELECT reason FROM reject WHERE line=3"), "malformed CSV"));
    assert_string_equal(q("SELECT reason FROM reject WHERE line=4"), "not valid UTF-8");
    assert_string_equal(q("SELECT field FROM reject WHERE line=4"), "inspected_on");
    assert_string_equal(q("SELECT group_concat(row_key) FROM inspection"), "I1,I4");
}

static void test_oversized_field_rejected(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    static char content[80000];
    size_t n;
    const char *p;
    (void)state;
    n = (size_t)snprintf(content, sizeof(content),
                         "report_id,received_at,channel,summary\nR1,2023-01-01T00:00:00,ngo,");
    memset(content + n, 'x', 20001);
    n += 20001;
    n += (size_t)snprintf(content + n, sizeof(content) - n,
                          "\nR2,2023-01-01T00:00:00,ngo,short\n");
    p = write_file("r.csv", content);
    assert_int_equal(run(p, NULL, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_new, 1);
    assert_string_equal(q("SELECT field FROM reject WHERE line=2"), "summary");
    assert_non_null(strstr(q("SELECT reason FROM reject WHERE line=2"), "longer than"));
}

static void test_mapping_reads_a_real_export(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *m = write_file("bcp.map", "register = border_crossings\n"
                                          "date_format = DD.MM.YYYY\n"
                                          "[columns]\n"
                                          "ID = crossing_id\n"
                                          "Date and time = crossed_at\n"
                                          "Dir = direction\n"
                                          "Post = crossing_point\n"
                                          "Passport = doc_no\n"
                                          "Issued by = doc_country\n"
                                          "Surname = family_name\n"
                                          "Name = given_name\n"
                                          "Gender = sex\n"
                                          "DOB = birth_date\n"
                                          "Nationality = citizenship\n"
                                          "Officer = -\n"
                                          "[values direction]\n"
                                          "Entry = in\n"
                                          "Exit = out\n"
                                          "[values sex]\n"
                                          "Male = M\n"
                                          "Female = F\n");
    const char *p = write_file("bcp.csv", "ID,Date and time,Dir,Post,Passport,Issued by,Surname,"
                                          "Name,Gender,DOB,Nationality,Officer\n"
                                          "X1,25.03.2023 08:00:00,Entry,BAGRATASHEN,ab-123 456,"
                                          "rus,PETROSIAN,OGANES,male,17.05.1990,RUS,Lt. Sargsyan\n"
                                          "X2,25.03.2023 09:00:00,Sideways,BAGRATASHEN,C1,RUS,A,B,"
                                          "Female,31.02.1990,RUS,x\n");
    (void)state;
    assert_int_equal(run(p, NULL, m, &res, &ei), TW_OK);
    assert_int_equal(res.reg, REG_BORDER);
    assert_int_equal(res.counts.rows_new, 1);
    assert_int_equal(res.counts.rows_rejected, 1);
    assert_string_equal(q("SELECT direction FROM border_crossing"), "in");
    assert_string_equal(q("SELECT sex FROM border_crossing"), "M");
    assert_string_equal(q("SELECT birth_date FROM border_crossing"), "1990-05-17");
    assert_string_equal(q("SELECT crossed_at_utc FROM border_crossing"), "2023-03-25T04:00:00Z");
    assert_string_equal(q("SELECT doc_country FROM border_crossing"), "RUS");
    assert_string_equal(q("SELECT key FROM worker"), "RUS:AB123456");
    assert_string_equal(q("SELECT extra IS NULL FROM border_crossing"), "1");
    /* both errors of X2 are reported */
    assert_string_equal(q("SELECT group_concat(field, ';') FROM (SELECT field FROM reject "
                          "WHERE line=3 ORDER BY field)"),
                        "birth_date;direction");
}

static void test_bad_mapping_is_a_user_error(void **state)
{
    import_result_t res;
    tw_errinfo_t ei;
    const char *m = write_file("bad.map", "[columns]\nno equals sign here\n");
    const char *p = write_file("x.csv", PERMIT_HEADER);
    (void)state;
    assert_int_equal(run(p, NULL, m, &res, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.file, "bad.map"));
    assert_int_equal(ei.line, 2);
}

/* One record checked and stored the way POST /api/v1/score does
 * (import_record_*): the same checks and normal forms as the CSV import; a
 * second store of the same values is unchanged, a changed value is a new
 * version, and a later CSV import of the same row adds nothing. Bad input:
 * a bad value rejects the record with an issue naming the field (nothing is
 * stored); an unknown or repeated column and a missing id are TW_EINPUT
 * naming the column. */
static void test_one_record_checked_and_stored(void **state)
{
    static const char *const names[] = {
        "application_id", "submitted_at", "decision", "worker_doc_no", "worker_doc_country",
        "worker_family_name", "worker_given_name", "worker_sex", "worker_birth_date",
        "worker_citizenship", "worker_phone", "worker_address", "worker_region",
        "employer_tin", "employer_name", "workplace_address", "workplace_region",
        "monthly_salary_amd", "weekly_hours"};
    const char *values[] = {
        "R1", "2023-03-01T10:00:00+04:00", "pending", "N 1234567", "IND", "Kumar", "Rajesh",
        "M", "1990-05-17", "IND", "091 23 45 67", "Yerevan, Komitas ave. 12, apt 5", "AM-ER",
        "01234567", "Ararat Build LLC", "Yerevan, Arshakunyats 3", "AM-ER", "150000", "40"};
    const size_t n = sizeof(names) / sizeof(names[0]);
    const char *twice[2] = {"application_id", "application_id"};
    const char *twice_v[2] = {"R2", "R3"};
    const char *unknown[2] = {"application_id", "salary"};
    norm_t *norm;
    import_record_t *r;
    import_stored_t res;
    import_result_t ir;
    store_links_t links;
    tw_errinfo_t ei;
    const char *field, *reason;
    int warning;
    (void)state;

    assert_int_equal(norm_open(&norm), TW_OK);
    assert_int_equal(import_record_check(REG_PERMITS, norm, names, values, n, &r, &ei), TW_OK);
    assert_false(import_record_rejected(r));
    assert_string_equal(import_record_key(r), "R1");
    /* nothing stored yet: the links name no entity */
    assert_int_equal(import_record_links(st, r, &links), TW_OK);
    assert_true(links.worker == 0 && links.employer == 0);
    assert_int_equal(import_record_store(st, r, "api:score by test", &res, &ei), TW_OK);
    assert_int_equal(res.status, IMPORT_STORED_NEW);
    assert_int_equal(res.version, 1);
    assert_true(res.batch_id > 0);
    import_record_free(r);
    assert_string_equal(q("SELECT worker_phone_e164 FROM permit WHERE row_key='R1'"),
                        "+37491234567");
    assert_string_equal(q("SELECT worker_doc_no_norm FROM permit WHERE row_key='R1'"), "N1234567");
    assert_string_equal(q("SELECT submitted_at_utc FROM permit WHERE row_key='R1'"),
                        "2023-03-01T06:00:00Z");
    assert_string_equal(q("SELECT file FROM import_batch WHERE id = (SELECT max(id) FROM "
                          "import_batch)"),
                        "api:score by test");
    assert_string_equal(q("SELECT key FROM worker"), "IND:N1234567");

    /* the same values again: unchanged, and the links now name the entities */
    assert_int_equal(import_record_check(REG_PERMITS, norm, names, values, n, &r, &ei), TW_OK);
    assert_int_equal(import_record_links(st, r, &links), TW_OK);
    assert_true(links.worker > 0 && links.employer > 0 && links.phone > 0);
    assert_int_equal(import_record_store(st, r, "api:score by test", &res, &ei), TW_OK);
    assert_int_equal(res.status, IMPORT_STORED_UNCHANGED);
    assert_int_equal(res.version, 1);
    import_record_free(r);

    /* a changed salary: a new version */
    values[17] = "90000";
    assert_int_equal(import_record_check(REG_PERMITS, norm, names, values, n, &r, &ei), TW_OK);
    assert_int_equal(import_record_store(st, r, "api:score by test", &res, &ei), TW_OK);
    assert_int_equal(res.status, IMPORT_STORED_VERSION);
    assert_int_equal(res.version, 2);
    import_record_free(r);
    assert_string_equal(q("SELECT count(*) FROM permit WHERE row_key='R1'"), "2");

    /* a CSV import of the same row adds nothing: one digest for both paths */
    assert_int_equal(
        run(write_file("r1.csv",
                       "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
                       "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
                       "worker_citizenship,worker_phone,worker_address,worker_region,"
                       "employer_tin,employer_name,workplace_address,workplace_region,"
                       "monthly_salary_amd,weekly_hours\n"
                       "R1,2023-03-01T10:00:00+04:00,pending,N 1234567,IND,Kumar,Rajesh,M,"
                       "1990-05-17,IND,091 23 45 67,\"Yerevan, Komitas ave. 12, apt 5\",AM-ER,"
                       "01234567,Ararat Build LLC,\"Yerevan, Arshakunyats 3\",AM-ER,90000,40\n"),
            "permits", NULL, &ir, &ei),
        TW_OK);
    assert_int_equal(ir.counts.rows_unchanged, 1);
    assert_int_equal(ir.counts.rows_new + ir.counts.rows_versioned, 0);

    /* a bad date and a bad amount: rejected, each named, nothing stored */
    values[0] = "R9";
    values[8] = "1990-13-45";
    values[17] = "a lot";
    assert_int_equal(import_record_check(REG_PERMITS, norm, names, values, n, &r, &ei), TW_OK);
    assert_true(import_record_rejected(r));
    assert_true(import_record_issues(r) >= 2);
    {
        size_t i;
        int date = 0, amount = 0;
        for (i = 0; i < import_record_issues(r); i++) {
            import_record_issue(r, i, &field, &warning, &reason);
            date |= strcmp(field, "worker_birth_date") == 0 && !warning;
            amount |= strcmp(field, "monthly_salary_amd") == 0 && !warning;
            assert_true(reason[0] != '\0');
        }
        assert_true(date && amount);
    }
    assert_int_equal(import_record_store(st, r, "api:score by test", &res, &ei), TW_EINPUT);
    import_record_free(r);
    assert_string_equal(q("SELECT count(*) FROM permit WHERE row_key='R9'"), "0");

    /* the shape of the record itself */
    tw_errinfo_clear(&ei);
    assert_int_equal(import_record_check(REG_PERMITS, norm, unknown, twice_v, 2, &r, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "salary");
    tw_errinfo_clear(&ei);
    assert_int_equal(import_record_check(REG_PERMITS, norm, twice, twice_v, 2, &r, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "application_id");
    tw_errinfo_clear(&ei);
    assert_int_equal(import_record_check(REG_PERMITS, norm, names + 1, values + 1, n - 1, &r, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "application_id");
    norm_close(norm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_permits_load_with_normal_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_bad_field_rejected_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warnings_keep_the_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reimport_adds_nothing_and_changes_are_versions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reimport_of_a_file_with_a_repeated_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reimport_of_a_file_with_a_repeated_id_bulk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_repeated_id_whose_last_row_is_rejected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_register_inferred_from_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_only_file_loads_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bom_crlf_quotes_and_extra_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_csv_and_bad_utf8_rejected_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oversized_field_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_reads_a_real_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_mapping_is_a_user_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_record_checked_and_stored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
