/*
 * test_store.c - the store: migrations, schema against the register
 * definitions, entity ids, versions, rejects, stats.
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

#include "store/store.h"

static char dir[256];
static char dbpath[300];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-store-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static long long q1(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    long long v = -1;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void test_open_migrates_and_reopens(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    store_close(st);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    store_close(st);
    assert_int_equal(q1("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode='wal'"), 1);
    /* migration 8: where key rotations are recorded (keys.c) */
    assert_int_equal(q1("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name ="
                        " 'key_rotation'"),
                     1);
}

static void test_newer_schema_refused(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    sqlite3 *db;
    (void)state;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    tw_errinfo_clear(&ei);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "newer"));
    assert_string_equal(ei.file, dbpath);
}

static void test_schema_has_every_register_column(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    sqlite3 *db;
    char sql[256];
    int r;
    size_t c;
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    store_close(st);
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    for (r = 0; r < REG_COUNT; r++) {
        const reg_def_t *def = reg_get((reg_id_t)r);
        for (c = 0; c < def->ncols; c++) {
            sqlite3_stmt *s;
            snprintf(sql, sizeof(sql),
                     "SELECT count(*) FROM pragma_table_info('%s') WHERE name='%s'", def->table,
                     def->cols[c].name);
            assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
            assert_int_equal(sqlite3_step(s), SQLITE_ROW);
            if (sqlite3_column_int(s, 0) != 1)
                fail_msg("table %s lacks column %s", def->table, def->cols[c].name);
            sqlite3_finalize(s);
            if (reg_column_has_norm(&def->cols[c])) {
                snprintf(sql, sizeof(sql),
                         "SELECT count(*) FROM pragma_table_info('%s') WHERE name='%s%s'",
                         def->table, def->cols[c].name, reg_column_norm_suffix(&def->cols[c]));
                assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
                assert_int_equal(sqlite3_step(s), SQLITE_ROW);
                assert_int_equal(sqlite3_column_int(s, 0), 1);
                sqlite3_finalize(s);
            }
        }
    }
    sqlite3_close(db);
}

static void test_entity_ids_stable(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    int64_t a, b, c2, a2;
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_WORKER, "IND:P123", 8, &a), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_WORKER, "IND:P124", 8, &b), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_WORKER, "IND:P123", 8, &a2), TW_OK);
    assert_true(a > 0 && b > 0 && a != b);
    assert_int_equal(a, a2);
    assert_int_equal(store_commit(st), TW_OK);
    store_close(st);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_WORKER, "IND:P123", 8, &c2), TW_OK);
    assert_int_equal(c2, a);
    store_rollback(st);
    store_close(st);
    assert_int_equal(q1("SELECT count(*) FROM worker"), 2);
}

static void insert_outcome(store_t *st, int64_t batch, int64_t version, tw_err_t expect)
{
    const reg_def_t *def = reg_get(REG_OUTCOMES);
    store_value_t vals[4];
    store_row_t row;
    memset(vals, 0, sizeof(vals));
    vals[0] = (store_value_t){"employer", 8, NULL, 0, 0, 1, 0};
    vals[1] = (store_value_t){"12345678", 8, NULL, 0, 0, 1, 0};
    vals[2] = (store_value_t){"confirmed", 9, NULL, 0, 0, 1, 0};
    assert_int_equal(def->ncols, 4);
    memset(&row, 0, sizeof(row));
    row.reg = REG_OUTCOMES;
    row.row_key = "employer:12345678";
    row.row_key_len = strlen(row.row_key);
    row.version = version;
    row.content_hash = 42;
    row.batch_id = batch;
    row.line = 2;
    row.vals = vals;
    assert_int_equal(store_row_insert(st, &row), expect);
}

static void test_versions_and_stats(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    int64_t batch;
    store_stats_t s;
    store_batch_counts_t counts = {1, 1, 0, 0, 0, 0, 10};
    store_reject_t rj = {0, REG_OUTCOMES, 3, 2, "entity_key", 0, "bad", "x,y", 3, 77};
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_batch_start(st, REG_OUTCOMES, "o.csv", NULL, &batch), TW_OK);
    assert_int_equal(store_begin(st), TW_OK);
    insert_outcome(st, batch, 1, TW_OK);
    insert_outcome(st, batch, 2, TW_OK);
    insert_outcome(st, batch, 2, TW_ECONFLICT); /* a version is never overwritten */
    rj.batch_id = batch;
    assert_int_equal(store_reject_add(st, &rj), TW_OK);
    assert_int_equal(store_reject_add(st, &rj), TW_OK); /* idempotent */
    assert_int_equal(store_batch_update(st, batch, &counts, "done"), TW_OK);
    assert_int_equal(store_commit(st), TW_OK);
    assert_int_equal(store_stats(st, &s), TW_OK);
    assert_int_equal(s.rows[REG_OUTCOMES], 1);
    assert_int_equal(s.versions[REG_OUTCOMES], 2);
    assert_int_equal(s.rejected[REG_OUTCOMES], 1);
    assert_int_equal(s.batches, 1);
    store_close(st);
    assert_int_equal(q1("SELECT count(*) FROM outcome_current"), 1);
    assert_int_equal(q1("SELECT version FROM outcome_current"), 2);
    assert_int_equal(q1("SELECT count(*) FROM import_batch WHERE status='done' AND bytes=10"), 1);
}

/* An id handed out in a rolled-back transaction is never given to another key. */
static void test_entity_ids_after_rollback(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    int64_t a1, b, a2;
    char key[64];
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_EMPLOYER, "AAA", 3, &a1), TW_OK);
    store_rollback(st);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_EMPLOYER, "BBB", 3, &b), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_EMPLOYER, "AAA", 3, &a2), TW_OK);
    assert_int_equal(store_commit(st), TW_OK);
    assert_int_not_equal(a2, b);
    assert_int_equal(store_entity_key(st, ENT_EMPLOYER, a2, key, sizeof(key)), TW_OK);
    assert_string_equal(key, "AAA");
    assert_int_equal(store_entity_key(st, ENT_EMPLOYER, b, key, sizeof(key)), TW_OK);
    assert_string_equal(key, "BBB");
    (void)a1;
    store_close(st);
}

static tw_err_t collect(void *ctx, int64_t row_id, const store_cell_t *cells, size_t n)
{
    char *out = ctx;
    size_t used = strlen(out);
    assert_int_equal(n, 3);
    snprintf(out + used, 256 - used, "%lld:%s:%lld:%s;", (long long)row_id, cells[0].text,
             (long long)cells[1].num, cells[2].null ? "NULL" : cells[2].text);
    return TW_OK;
}

static void test_scan_in_insertion_order(void **state)
{
    static const char *const cols[] = {"row_key", "version", "decided_on", NULL};
    static const char *const bad[] = {"row_key", "no_such_column", NULL};
    static const char *const evil[] = {"row_key; DROP TABLE outcome", NULL};
    store_t *st;
    tw_errinfo_t ei;
    int64_t batch;
    char out[256] = "";
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_batch_start(st, REG_OUTCOMES, "o.csv", NULL, &batch), TW_OK);
    assert_int_equal(store_begin(st), TW_OK);
    insert_outcome(st, batch, 1, TW_OK);
    insert_outcome(st, batch, 2, TW_OK);
    assert_int_equal(store_commit(st), TW_OK);
    assert_int_equal(store_scan(st, REG_OUTCOMES, cols, collect, out), TW_OK);
    assert_string_equal(out, "1:employer:12345678:1:NULL;2:employer:12345678:2:NULL;");
    assert_int_equal(store_scan(st, REG_OUTCOMES, bad, collect, out), TW_EINPUT);
    assert_int_equal(store_scan(st, REG_OUTCOMES, evil, collect, out), TW_EINPUT);
    store_close(st);
}

static void test_dead_running_batch_is_interrupted(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    int64_t b1, b2;
    sqlite3 *db;
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_batch_start(st, REG_PERMITS, "p.csv", NULL, &b1), TW_OK);
    store_close(st);
    /* pretend the process that started it is gone */
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE import_batch SET pid=2147483646", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_batch_start(st, REG_PERMITS, "p.csv", NULL, &b2), TW_OK);
    store_close(st);
    assert_int_equal(q1("SELECT count(*) FROM import_batch WHERE status='interrupted'"), 1);
    assert_int_equal(q1("SELECT count(*) FROM import_batch WHERE status='running'"), 1);
}

static void test_unopenable_path(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    (void)state;
    tw_errinfo_clear(&ei);
    assert_int_not_equal(store_open("/nonexistent-dir/x/t.db", &st, &ei), TW_OK);
    assert_null(st);
    assert_string_equal(ei.file, "/nonexistent-dir/x/t.db");
}

/* store_prepare_cached(): the same text gives back the kept statement,
 * reset and unbound; one in use is never handed out twice (a second is
 * prepared and finalized when released); the least recently used goes when
 * more texts than the cache holds are used; bad SQL is TW_EIO. */
static void test_statement_cache(void **state)
{
    store_t *st;
    sqlite3_stmt *a, *b, *c, *first;
    char sql[64];
    int i;
    tw_errinfo_t ei;
    (void)state;

    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_prepare_cached(st, "SELECT ?1 + 1", &a), TW_OK);
    sqlite3_bind_int(a, 1, 41);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(a, 0), 42);
    /* in use: the same text gets another statement */
    assert_int_equal(store_prepare_cached(st, "SELECT ?1 + 1", &b), TW_OK);
    assert_ptr_not_equal(a, b);
    store_release_cached(st, b); /* not kept: finalized */
    store_release_cached(st, a);
    assert_int_equal(store_prepare_cached(st, "SELECT ?1 + 1", &c), TW_OK);
    assert_ptr_equal(c, a);
    /* reset and unbound: NULL + 1 is NULL */
    assert_int_equal(sqlite3_step(c), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(c, 0), SQLITE_NULL);
    store_release_cached(st, c);
    first = c;
    /* more texts than the cache holds: the first one goes */
    for (i = 0; i < STORE_STMT_CACHE; i++) {
        snprintf(sql, sizeof(sql), "SELECT %d", i);
        assert_int_equal(store_prepare_cached(st, sql, &a), TW_OK);
        assert_int_equal(sqlite3_step(a), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(a, 0), i);
        store_release_cached(st, a);
    }
    assert_int_equal(store_prepare_cached(st, "SELECT 0", &a), TW_OK);
    store_release_cached(st, a);
    assert_int_equal(store_prepare_cached(st, "SELECT ?1 + 1", &c), TW_OK);
    (void)first; /* its memory may be reused: only the answer is checked */
    sqlite3_bind_int(c, 1, 1);
    assert_int_equal(sqlite3_step(c), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(c, 0), 2);
    store_release_cached(st, c);
    assert_int_equal(store_prepare_cached(st, "SELEC nothing", &a), TW_EIO);
    assert_null(a);
    store_release_cached(st, NULL);
    store_close(st);
}

static long long conn_int(store_t *st, const char *sql)
{
    sqlite3_stmt *s;
    long long v = -1;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static const char *conn_text(store_t *st, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *s;
    out[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
}

/* The bulk load: ids as an INSERT would give them, entities written at
 * commit (in id order), the permit table's indexes gone inside the
 * transaction and back after it with the same SQL, all undone by a
 * rollback; no nesting inside an open transaction. */
static void test_bulk_load(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    int64_t a, b, c, again, batch, z;
    char key[64];
    long long idx;
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    idx = q1("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'permit'"
             " AND sql IS NOT NULL");
    assert_true(idx >= 6);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_WORKER, "ZZZ:1", 5, &a), TW_OK);
    assert_int_equal(store_bulk_begin(st, REG_PERMITS), TW_ECONFLICT); /* not nested */
    assert_int_equal(store_commit(st), TW_OK);

    /* rolled back: nothing stays, the indexes are back */
    assert_int_equal(store_bulk_begin(st, REG_PERMITS), TW_OK);
    assert_true(store_bulk_active(st));
    assert_int_equal(store_entity_id(st, ENT_WORKER, "AAA:1", 5, &b), TW_OK);
    assert_int_equal(b, a + 1);
    store_bulk_rollback(st);
    assert_false(store_bulk_active(st));
    assert_int_equal(q1("SELECT count(*) FROM worker"), 1);
    assert_int_equal(q1("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                        "tbl_name = 'permit' AND sql IS NOT NULL"),
                     idx);

    /* committed: new keys get a + 1, a + 2 in order of first use and are
     * written at commit; a known key keeps its id */
    assert_int_equal(store_batch_start(st, REG_OUTCOMES, "f.csv", NULL, &batch), TW_OK);
    assert_int_equal(store_bulk_begin(st, REG_PERMITS), TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                        "tbl_name = 'permit' AND sql IS NOT NULL"),
                     idx); /* another connection still sees them */
    assert_int_equal(store_entity_id(st, ENT_WORKER, "MMM:1", 5, &b), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_WORKER, "BBB:1", 5, &c), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_WORKER, "MMM:1", 5, &again), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_WORKER, "ZZZ:1", 5, &z), TW_OK);
    assert_int_equal(z, a);
    assert_int_equal(b, a + 1);
    assert_int_equal(c, a + 2);
    assert_int_equal(again, b);
    insert_outcome(st, batch, 1, TW_OK);
    assert_int_equal(store_bulk_commit(st), TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM worker"), 3);
    assert_int_equal(store_entity_key(st, ENT_WORKER, c, key, sizeof(key)), TW_OK);
    assert_string_equal(key, "BBB:1");
    assert_int_equal(q1("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                        "tbl_name = 'permit' AND sql IS NOT NULL"),
                     idx);
    assert_int_equal(q1("SELECT count(*) FROM outcome"), 1);
    assert_string_equal(conn_text(st, "PRAGMA integrity_check", key, sizeof(key)), "ok");
    assert_int_equal(conn_int(st, "PRAGMA foreign_keys"), 1); /* back on */
    assert_int_equal(q1("PRAGMA foreign_key_check"), -1);         /* no row: none broken */
    assert_string_equal(conn_text(st, "PRAGMA journal_mode", key, sizeof(key)), "wal");
    store_close(st);
}

/* A RESTART checkpoint waits (bounded) for a reader of the WAL and gives
 * up with TW_ECONFLICT; once the reader is gone it succeeds and the next
 * commit writes the WAL from its start. */
static void test_checkpoint_restart(void **state)
{
    store_t *st, *rd;
    tw_errinfo_t ei;
    int64_t id;
    int wal = 0, i;
    char k[32];
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(store_open(dbpath, &rd, &ei), TW_OK);
    store_autocheckpoint(st, 0);
    for (i = 0; i < 50; i++) {
        assert_int_equal(store_begin(st), TW_OK);
        snprintf(k, sizeof(k), "K%d", i);
        assert_int_equal(store_entity_id(st, ENT_PHONE, k, strlen(k), &id), TW_OK);
        assert_int_equal(store_commit(st), TW_OK);
    }
    assert_int_equal(store_begin_read(rd), TW_OK); /* holds a snapshot in the WAL */
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_PHONE, "after", 5, &id), TW_OK);
    assert_int_equal(store_commit(st), TW_OK);
    assert_int_equal(store_checkpoint_restart(st, 2), TW_ECONFLICT);
    store_end_read(rd);
    assert_int_equal(store_checkpoint_restart(st, 2), TW_OK);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_entity_id(st, ENT_PHONE, "restarted", 9, &id), TW_OK);
    assert_int_equal(store_commit(st), TW_OK);
    assert_int_equal(store_checkpoint(st, &wal, NULL), TW_OK);
    assert_true(wal > 0 && wal <= 4); /* one commit's frames, not 52 commits' */
    store_close(rd);
    store_close(st);
}

/* The SQLite linked in has the WAL-reset fix (3.51.3 or later), and is the
 * one whose header the code was compiled against: Debian 12's 3.40.1 lost
 * committed audit entries in the server's hour-long soak. */
static void test_sqlite_without_wal_reset_bug(void **state)
{
    (void)state;
    assert_true(sqlite3_libversion_number() >= STORE_SQLITE_MIN);
    assert_int_equal(sqlite3_libversion_number(), SQLITE_VERSION_NUMBER);
    assert_string_equal(store_sqlite_version(), SQLITE_VERSION);
    assert_string_equal(sqlite3_sourceid(), SQLITE_SOURCE_ID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_without_wal_reset_bug),
        cmocka_unit_test_setup_teardown(test_open_migrates_and_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_has_every_register_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entity_ids_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_and_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_running_batch_is_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_in_insertion_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entity_ids_after_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unopenable_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
