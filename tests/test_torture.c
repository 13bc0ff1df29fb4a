/*
 * test_torture.c - allocation failure on the import path (SQLite's and
 * curl's torture tests): the n-th malloc/calloc/realloc made by tipwatch's
 * own code fails, for n = 1, 2, ... until an import completes without
 * meeting a failure. Every run must end in an error code (never a crash, a
 * leak under ASan, or a half-written row), and a clean re-import afterwards
 * must give exactly the rows of an import that never failed.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (see
 * tests/CMakeLists.txt), so only calls from tipwatch's objects are counted;
 * SQLite's, ICU's and libc's internal allocations are not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/import.h"
#include "store/store.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static atomic_long calls;
static atomic_long fail_at; /* 0: never */
static atomic_int failed;

static int should_fail(void)
{
    long c = atomic_fetch_add(&calls, 1) + 1;
    if (atomic_load(&fail_at) && c == atomic_load(&fail_at)) {
        atomic_store(&failed, 1);
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n)
{
    return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    return should_fail() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

static char dir[256];

static int access_ok(const char *path)
{
    return access(path, F_OK) == 0;
}

static void unlink_db(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[400];
    size_t i;
    for (i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
}

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static long long count_rows(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *s;
    long long v = -1;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

static const char csv[] =
    "report_id,received_at,channel,subject_name,employer_tin,address,phone,category,note\n"
    "R1,2023-06-01T12:00:00,hotline,Оганес Петросян,01234567,\"Yerevan, Komitas ave. 12\","
    "091 234567,forced_labour,x\n"
    "R2,2023-06-02T12:00:00,ngo,Grigor,01234568,ул. Абовяна 5,+37410123456,other,\n"
    "R3,2023-06-02T12:00:00,nonsense,Grigor,01234568,,,other,\n"
    "R4,2023-06-03T12:00:00,police,Mohammed Ali,,Komitas poghota 12,bad phone,,y\n";

/* bulk: the file through the bulk path (one transaction), where a failure
 * anywhere must leave none of it stored */
static void torture(int bulk)
{
    char db[300], file[300], rejects[320], cmd[400];
    long n, survived_errors = 0;

    snprintf(dir, sizeof(dir), "/tmp/tw-test-torture-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/reports.csv", dir);
    snprintf(rejects, sizeof(rejects), "%s/rejects.csv", dir);
    write_file(file, csv);

    for (n = 1; n < 100000; n++) {
        store_t *st = NULL;
        import_opts_t o;
        import_result_t res;
        tw_errinfo_t ei;
        tw_err_t err;
        int hit;

        snprintf(db, sizeof(db), "%s/t%ld.db", dir, n);
        memset(&o, 0, sizeof(o));
        o.progress = IMPORT_PROGRESS_NONE;
        o.quiet = 1;
        o.threads = 1; /* one thread: the n-th call is the same call every run */
        o.batch_rows = 1;
        o.rejects_path = rejects;
        o.bulk = bulk ? IMPORT_BULK_ON : IMPORT_BULK_OFF;

        atomic_store(&calls, 0);
        atomic_store(&failed, 0);
        atomic_store(&fail_at, n);
        err = store_open(db, &st, &ei);
        if (err == TW_OK) {
            err = import_file(st, file, &o, &res, &ei);
        }
        atomic_store(&fail_at, 0);
        hit = atomic_load(&failed);
        if (st)
            store_close(st);
        if (!hit) {
            /* no failure was injected: the run must have succeeded; done */
            assert_int_equal(err, TW_OK);
            assert_int_equal(res.counts.rows_new, 3);
            assert_int_equal(res.counts.rows_rejected, 1);
            break;
        }
        if (err == TW_OK)
            continue; /* the failed allocation had a fallback */
        survived_errors++;
        assert_true(err == TW_ENOMEM || err == TW_EDB || err == TW_EINTERNAL ||
                    err == TW_EIO);
        /* the store holds whole rows only, and a clean re-run completes it */
        if (access_ok(db)) {
            assert_int_equal(count_rows(db, "SELECT count(*) FROM pragma_integrity_check "
                                            "WHERE integrity_check<>'ok'"),
                             0);
            if (bulk) { /* all or nothing */
                long long stored = count_rows(db, "SELECT count(*) FROM report");
                assert_true(stored == 0 || stored == 3);
            }
            st = NULL;
            assert_int_equal(store_open(db, &st, &ei), TW_OK);
            assert_int_equal(import_file(st, file, &o, &res, &ei), TW_OK);
            store_close(st);
            assert_int_equal(count_rows(db, "SELECT count(*) FROM report"), 3);
            assert_int_equal(count_rows(db, "SELECT count(DISTINCT line) FROM reject "
                                            "WHERE severity='error'"),
                             1);
        }
        unlink_db(db);
    }
    printf("torture (%s): %ld allocation points walked, %ld failures reported as errors\n",
           bulk ? "bulk path" : "row by row", n, survived_errors);
    assert_true(n > 20);            /* the import path allocates; we walked it */
    assert_true(survived_errors > 5); /* and failures were reported, not hidden */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_every_allocation_failure_is_survived(void **state)
{
    (void)state;
    torture(0);
}

static void test_every_allocation_failure_is_survived_in_bulk(void **state)
{
    (void)state;
    torture(1);
}

/* SQLite is compiled into the test (vendor/sqlite), so --wrap would count
 * its allocations too: it gets the real allocator through its own memory
 * methods, set before its first use, and only tipwatch's calls are failed. */
static void *sq_malloc(int n)
{
    return __real_malloc((size_t)n);
}
static void sq_free(void *p)
{
    free(p);
}
static void *sq_realloc(void *p, int n)
{
    return __real_realloc(p, (size_t)n);
}
static int sq_size(void *p)
{
    return (int)malloc_usable_size(p);
}
static int sq_roundup(int n)
{
    return (n + 7) & ~7;
}
static int sq_init(void *ctx)
{
    (void)ctx;
    return SQLITE_OK;
}
static void sq_shutdown(void *ctx)
{
    (void)ctx;
}

int main(void)
{
    static const sqlite3_mem_methods real = {sq_malloc, sq_free,   sq_realloc, sq_size,
                                             sq_roundup, sq_init, sq_shutdown, NULL};
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &real) != SQLITE_OK) {
        fprintf(stderr, "test_torture: SQLite refused its allocator\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_failure_is_survived),
        cmocka_unit_test(test_every_allocation_failure_is_survived_in_bulk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
