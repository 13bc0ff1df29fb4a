/*
 * test_audit.c - the audit log keeps what happened and says when it was
 * tampered with: entries record who (CLI, anonymous, session, token), what,
 * on what, from where and when; the triggers refuse changes; verify finds an
 * edited entry, a removed one (middle and end), a reordered pair, one put in
 * the middle, one appended behind tipwatch's back, and, with an anchor, a
 * log rewritten from the start; appends from several threads never fork the
 * chain; an entry goes with the caller's transaction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/audit.h"

static char dir[256], dbpath[300];
static store_t *st;

static auth_principal_t anna_session, boris_token, nobody;

static int setup(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-audit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);

    memset(&anna_session, 0, sizeof(anna_session));
    anna_session.user_id = 1;
    anna_session.org_id = 1;
    anna_session.role = ROLE_ANALYST;
    anna_session.via_session = 1;
    snprintf(anna_session.user, sizeof(anna_session.user), "anna");
    snprintf(anna_session.org, sizeof(anna_session.org), "MCS");
    memset(&boris_token, 0, sizeof(boris_token));
    boris_token.user_id = 2;
    boris_token.org_id = 2;
    boris_token.role = ROLE_INSPECTOR;
    snprintf(boris_token.user, sizeof(boris_token.user), "boris");
    snprintf(boris_token.org, sizeof(boris_token.org), "Labour Inspectorate");
    memset(&nobody, 0, sizeof(nobody));
    return 0;
}

/* Five entries, one of each kind of actor. */
static int setup_five(void **state)
{
    tw_errinfo_t ei;
    setup(state);
    assert_int_equal(audit_append(st, NULL, "user.add", "user:anna", "cli",
                                  "{\"org\":\"MCS\",\"role\":\"analyst\"}", &ei),
                     TW_OK);
    assert_int_equal(audit_append(st, &nobody, "login.fail", "", "198.51.100.4", NULL, &ei),
                     TW_OK);
    assert_int_equal(audit_append(st, &anna_session, "login", "user:anna", "198.51.100.5", NULL,
                                  &ei),
                     TW_OK);
    assert_int_equal(audit_append(st, &anna_session, "alert.read", "alert:123", "198.51.100.5",
                                  NULL, &ei),
                     TW_OK);
    assert_int_equal(audit_append(st, &boris_token, "alert.transition", "alert:123",
                                  "203.0.113.9", "{\"to\":\"in_review\"}", &ei),
                     TW_OK);
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

static long long q1(const char *sql)
{
    sqlite3_stmt *s;
    long long v = -1;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void exec(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(store_sqlite(st), sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* sqlite3_exec's error message, "" when it succeeded. */
static const char *exec_err(const char *sql)
{
    static char msg[256];
    char *m = NULL;
    msg[0] = '\0';
    if (sqlite3_exec(store_sqlite(st), sql, NULL, NULL, &m) != SQLITE_OK)
        snprintf(msg, sizeof(msg), "%s", m ? m : "error");
    sqlite3_free(m);
    return msg;
}

static void drop_triggers(void)
{
    exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
         "DROP TRIGGER audit_log_in_sequence; DROP TRIGGER audit_head_no_delete;"
         "DROP TRIGGER audit_head_forward;");
}

static audit_report_t verify(void)
{
    audit_report_t r;
    tw_errinfo_t ei;
    assert_int_equal(audit_verify_report(st, 0, NULL, &r, &ei), TW_OK);
    return r;
}

static void expect_broken(long long first_bad, long long intact, const char *reason_part)
{
    audit_report_t r = verify();
    long long n = -1, bad = -1;
    tw_errinfo_t ei;
    if (r.first_bad != first_bad)
        fail_msg("first bad entry %lld, expected %lld (%s)", r.first_bad, first_bad, r.reason);
    assert_int_equal(r.entries, intact);
    if (!strstr(r.reason, reason_part))
        fail_msg("reason '%s' does not say '%s'", r.reason, reason_part);
    /* the contract's entry point agrees */
    assert_int_equal(audit_verify(st, &n, &bad, &ei), TW_OK);
    assert_int_equal(bad, first_bad);
    assert_int_equal(n, intact);
}

typedef struct {
    char text[4096];
    int n;
} listing_t;

static tw_err_t collect(void *ctx, const audit_entry_t *e)
{
    listing_t *l = ctx;
    size_t len = strlen(l->text);
    assert_non_null(e->hash);
    /* UTC, ISO 8601, microseconds */
    assert_int_equal(strlen(e->at), 27);
    assert_int_equal(e->at[10], 'T');
    assert_int_equal(e->at[19], '.');
    assert_int_equal(e->at[26], 'Z');
    snprintf(l->text + len, sizeof(l->text) - len, "%lld|%s|%lld|%s|%s|%s|%s|%s|%s|%s\n",
             e->id, e->id == 1 ? "(os user)" : e->actor, e->actor_id, e->org ? e->org : "-",
             e->role ? e->role : "-", e->via, e->action, e->object, e->remote,
             e->detail ? e->detail : "-");
    if (e->id == 1)
        assert_true(e->actor[0] != '\0');
    l->n++;
    return TW_OK;
}

static void test_entries_record_who_what_where(void **state)
{
    listing_t l;
    tw_errinfo_t ei;
    audit_report_t r;
    (void)state;

    memset(&l, 0, sizeof(l));
    assert_int_equal(audit_list(st, 0, collect, &l, &ei), TW_OK);
    assert_int_equal(l.n, 5);
    assert_string_equal(
        l.text,
        "1|(os user)|0|-|-|cli|user.add|user:anna|cli|{\"org\":\"MCS\",\"role\":\"analyst\"}\n"
        "2|anonymous|0|-|-|anonymous|login.fail||198.51.100.4|-\n"
        "3|anna|1|MCS|analyst|session|login|user:anna|198.51.100.5|-\n"
        "4|anna|1|MCS|analyst|session|alert.read|alert:123|198.51.100.5|-\n"
        "5|boris|2|Labour Inspectorate|inspector|token|alert.transition|alert:123|203.0.113.9|"
        "{\"to\":\"in_review\"}\n");

    /* the newest two, oldest first */
    memset(&l, 0, sizeof(l));
    assert_int_equal(audit_list(st, 2, collect, &l, &ei), TW_OK);
    assert_int_equal(l.n, 2);
    assert_true(strncmp(l.text, "4|", 2) == 0);

    r = verify();
    assert_int_equal(r.first_bad, 0);
    assert_int_equal(r.entries, 5);
    assert_int_equal(r.head_id, 5);
    assert_string_equal(r.reason, "");
    assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE length(hash) = 32"), 5);
    /* each hash is different and the head holds the last */
    assert_int_equal(q1("SELECT count(DISTINCT hash) FROM audit_log"), 5);
    assert_int_equal(q1("SELECT count(*) FROM audit_head h JOIN audit_log l"
                        " ON l.id = h.last_id AND l.hash = h.hash"),
                     1);
}

static void test_empty_log_is_intact(void **state)
{
    audit_report_t r;
    (void)state;
    r = verify();
    assert_int_equal(r.first_bad, 0);
    assert_int_equal(r.entries, 0);
    assert_int_equal(r.head_id, 0);
}

static void test_bad_input(void **state)
{
    char big[AUDIT_OBJECT_MAX + 2];
    tw_errinfo_t ei;
    (void)state;

    tw_errinfo_clear(&ei);
    assert_int_equal(audit_append(st, NULL, "", "x", NULL, NULL, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "action");
    assert_int_equal(audit_append(st, NULL, NULL, "x", NULL, NULL, &ei), TW_EINPUT);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    tw_errinfo_clear(&ei);
    assert_int_equal(audit_append(st, NULL, "alert.read", big, NULL, NULL, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "object");
    assert_non_null(strstr(ei.msg, "too long"));
    tw_errinfo_clear(&ei);
    assert_int_equal(audit_append(st, NULL, "alert.read", "alert:\xff", NULL, NULL, &ei),
                     TW_EINPUT);
    assert_non_null(strstr(ei.msg, "UTF-8"));
    assert_int_equal(audit_append(st, NULL, "alert\nread", "x", NULL, NULL, &ei), TW_EINPUT);
    assert_int_equal(q1("SELECT count(*) FROM audit_log"), 0);
    /* JSON detail may hold line breaks; remote defaults to cli */
    assert_int_equal(audit_append(st, NULL, "import", "file:a.csv", NULL, "{\n\"rows\": 3\n}",
                                  &ei),
                     TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE remote = 'cli' AND via = 'cli'"),
                     1);
}

/* A detail has room for what a read disclosed (the ids of a page of 500
 * alerts, the keys of an entity page: the server bounds those at 8 KiB),
 * and no more. */
static void test_detail_limit(void **state)
{
    static char detail[AUDIT_DETAIL_MAX + 2];
    tw_errinfo_t ei;
    size_t i;
    (void)state;
    assert_true(AUDIT_DETAIL_MAX >= 16384);
    detail[0] = '[';
    for (i = 1; i + 1 < AUDIT_DETAIL_MAX; i += 2) {
        detail[i] = '1';
        detail[i + 1] = ',';
    }
    detail[i - 1] = '1';
    detail[i] = ']';
    detail[i + 1] = '\0';
    assert_int_equal(strlen(detail), AUDIT_DETAIL_MAX);
    tw_errinfo_clear(&ei);
    assert_int_equal(audit_append(st, NULL, "alert.list", "alerts", NULL, detail, &ei), TW_OK);
    detail[AUDIT_DETAIL_MAX] = ' ';
    detail[AUDIT_DETAIL_MAX + 1] = '\0';
    assert_int_equal(audit_append(st, NULL, "alert.list", "alerts", NULL, detail, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "detail");
    assert_int_equal(q1("SELECT count(*) FROM audit_log"), 1);
    assert_int_equal(q1("SELECT length(detail) FROM audit_log"), AUDIT_DETAIL_MAX);
}

static void test_triggers_refuse_changes(void **state)
{
    (void)state;
    assert_non_null(strstr(exec_err("UPDATE audit_log SET action = 'x' WHERE id = 2"),
                           "append-only"));
    assert_non_null(strstr(exec_err("DELETE FROM audit_log WHERE id = 5"), "append-only"));
    assert_non_null(strstr(exec_err("INSERT INTO audit_log(id, at, actor, via, action, object,"
                                    " remote, hash) VALUES (9, 'a', 'b', 'cli', 'x', '', 'cli',"
                                    " zeroblob(32))"),
                           "in sequence"));
    assert_non_null(strstr(exec_err("UPDATE audit_head SET last_id = 4"), "forward"));
    assert_non_null(strstr(exec_err("UPDATE audit_head SET last_id = 6"), "forward"));
    assert_non_null(strstr(exec_err("DELETE FROM audit_head"), "cannot be removed"));
    assert_int_equal(verify().first_bad, 0);
}

static void test_detects_edited_entry(void **state)
{
    (void)state;
    drop_triggers();
    exec("UPDATE audit_log SET object = 'alert:999' WHERE id = 3");
    expect_broken(3, 2, "does not match");
}

static void test_detects_edited_time(void **state)
{
    (void)state;
    drop_triggers();
    exec("UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE id = 4");
    expect_broken(4, 3, "does not match");
}

static void test_detects_removed_entry(void **state)
{
    (void)state;
    drop_triggers();
    exec("DELETE FROM audit_log WHERE id = 3");
    expect_broken(4, 2, "entry 3 before it is missing");
}

static void test_detects_removed_first_entries(void **state)
{
    (void)state;
    drop_triggers();
    exec("DELETE FROM audit_log WHERE id <= 2");
    expect_broken(3, 0, "entries 1 to 2 before it are missing");
}

/* Removed and the rest renumbered to close the gap: the ids are hashed. */
static void test_detects_removed_and_renumbered(void **state)
{
    (void)state;
    drop_triggers();
    exec("DELETE FROM audit_log WHERE id = 2;"
         "UPDATE audit_log SET id = id - 1 WHERE id >= 3;"
         "UPDATE audit_head SET last_id = 4");
    expect_broken(2, 1, "does not match");
}

static void test_detects_cut_tail(void **state)
{
    (void)state;
    drop_triggers();
    exec("DELETE FROM audit_log WHERE id >= 4");
    expect_broken(4, 3, "were removed");
}

static void test_detects_reordered_pair(void **state)
{
    (void)state;
    drop_triggers();
    exec("UPDATE audit_log SET id = -2 WHERE id = 2;"
         "UPDATE audit_log SET id = 2 WHERE id = 3;"
         "UPDATE audit_log SET id = 3 WHERE id = -2");
    expect_broken(2, 1, "does not match");
}

static void test_detects_inserted_entry(void **state)
{
    (void)state;
    drop_triggers();
    /* make room after entry 2 and slip in a copy of it that reads differently */
    exec("UPDATE audit_log SET id = id + 100 WHERE id >= 3;"
         "UPDATE audit_log SET id = id - 99 WHERE id >= 103;"
         "INSERT INTO audit_log(id, at, actor, actor_id, org, role, via, action, object,"
         " remote, detail, hash) SELECT 3, at, 'anna', 1, 'MCS', 'analyst', 'session',"
         " 'alert.read', 'alert:77', remote, detail, hash FROM audit_log WHERE id = 2;"
         "UPDATE audit_head SET last_id = 6");
    expect_broken(3, 2, "does not match");
}

/* An entry with a correct hash, appended behind tipwatch's back (the head
 * was not moved): made by appending in a transaction that is rolled back,
 * keeping the row in memory, and putting it back in with plain SQL. */
static void test_detects_entry_added_outside(void **state)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_value *vals[12];
    sqlite3_stmt *s;
    tw_errinfo_t ei;
    int i;
    (void)state;
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(audit_append(st, &anna_session, "alert.read", "alert:5", "198.51.100.5",
                                  NULL, &ei),
                     TW_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM audit_log WHERE id = 6", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_count(s), 12);
    for (i = 0; i < 12; i++)
        assert_non_null(vals[i] = sqlite3_value_dup(sqlite3_column_value(s, i)));
    sqlite3_finalize(s);
    store_rollback(st);
    assert_int_equal(verify().first_bad, 0);
    assert_int_equal(verify().entries, 5);

    drop_triggers();
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    for (i = 0; i < 12; i++) {
        sqlite3_bind_value(s, i + 1, vals[i]);
        sqlite3_value_free(vals[i]);
    }
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    expect_broken(6, 5, "without moving the head");
}

static void test_detects_missing_head(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    drop_triggers();
    exec("DELETE FROM audit_head");
    expect_broken(6, 5, "head");
    tw_errinfo_clear(&ei);
    assert_int_equal(audit_append(st, NULL, "user.add", "user:x", NULL, NULL, &ei),
                     TW_EINTERNAL);
    assert_non_null(strstr(ei.msg, "audit verify"));
}

/* A log rewritten from the start, head included, by someone who can write
 * the file, looks intact by itself; an anchor kept elsewhere shows it. */
static void test_anchor_detects_rewrite(void **state)
{
    audit_report_t before, r;
    tw_errinfo_t ei;
    int i;
    (void)state;

    before = verify();
    assert_int_equal(before.head_id, 5);
    /* the anchor holds for the log as it is */
    assert_int_equal(audit_verify_report(st, 5, before.head_hash, &r, &ei), TW_OK);
    assert_int_equal(r.first_bad, 0);
    assert_int_equal(audit_verify_report(st, 5, r.head_hash, &r, &ei), TW_OK);
    assert_int_equal(r.first_bad, 0);

    drop_triggers();
    exec("DELETE FROM audit_log; UPDATE audit_head SET last_id = 0, hash = zeroblob(32)");
    for (i = 0; i < 5; i++)
        assert_int_equal(audit_append(st, NULL, "user.add", "user:someone-else", NULL, NULL,
                                      &ei),
                         TW_OK);
    assert_int_equal(verify().first_bad, 0); /* what the chain alone cannot see */
    assert_int_equal(audit_verify_report(st, 5, before.head_hash, &r, &ei), TW_OK);
    assert_int_equal(r.first_bad, 5);
    assert_non_null(strstr(r.reason, "anchor"));

    /* an anchor past the end shows a cut tail even with the head moved back */
    exec("DELETE FROM audit_log WHERE id = 5;"
         "UPDATE audit_head SET last_id = 4, hash = (SELECT hash FROM audit_log WHERE id = 4)");
    assert_int_equal(verify().first_bad, 0);
    assert_int_equal(audit_verify_report(st, 5, before.head_hash, &r, &ei), TW_OK);
    assert_int_equal(r.first_bad, 5);
    assert_non_null(strstr(r.reason, "log ends at 4"));
}

static void test_hash_hex_round_trip(void **state)
{
    unsigned char h[AUDIT_HASH_LEN], h2[AUDIT_HASH_LEN];
    char hex[2 * AUDIT_HASH_LEN + 1];
    int i;
    (void)state;
    for (i = 0; i < AUDIT_HASH_LEN; i++)
        h[i] = (unsigned char)(i * 37 + 1);
    audit_hash_hex(h, hex);
    assert_int_equal(strlen(hex), 64);
    assert_int_equal(audit_hash_parse(hex, h2), TW_OK);
    assert_memory_equal(h, h2, AUDIT_HASH_LEN);
    hex[10] = 'g';
    assert_int_equal(audit_hash_parse(hex, h2), TW_EINPUT);
    assert_int_equal(audit_hash_parse("abcd", h2), TW_EINPUT);
    assert_int_equal(audit_hash_parse(NULL, h2), TW_EINPUT);
}

/* An entry goes with the caller's transaction: rolled back, it never was;
 * a refused entry inside leaves the rest of the transaction alone. */
static void test_caller_transaction(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(audit_append(st, &anna_session, "alert.transition", "alert:9", "x", NULL,
                                  &ei),
                     TW_OK);
    store_rollback(st);
    assert_int_equal(q1("SELECT count(*) FROM audit_log"), 5);
    assert_int_equal(verify().first_bad, 0);

    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(audit_append(st, &anna_session, "alert.assign", "alert:9", "x", NULL, &ei),
                     TW_OK);
    assert_int_equal(audit_append(st, &anna_session, "", "alert:9", "x", NULL, &ei), TW_EINPUT);
    assert_int_equal(audit_append(st, &anna_session, "alert.transition", "alert:9", "x", NULL,
                                  &ei),
                     TW_OK);
    assert_int_equal(store_commit(st), TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM audit_log"), 7);
    assert_int_equal(verify().first_bad, 0);
    assert_int_equal(verify().head_id, 7);
}

#define THREADS 4
#define PER_THREAD 25

static void *appender(void *arg)
{
    store_t *mine = NULL;
    tw_errinfo_t ei;
    char object[32];
    long t = (long)(intptr_t)arg;
    int i;
    intptr_t failures = 0;

    if (store_open(dbpath, &mine, &ei) != TW_OK)
        return (void *)(intptr_t)PER_THREAD;
    for (i = 0; i < PER_THREAD; i++) {
        snprintf(object, sizeof(object), "alert:%ld", t * 1000 + i);
        if (audit_append(mine, &anna_session, "alert.read", object, "10.0.0.1", NULL, &ei) !=
            TW_OK)
            failures++;
    }
    store_close(mine);
    return (void *)failures;
}

/* Writers on their own connections, at the same time: the chain stays one
 * chain with dense ids. */
static void test_concurrent_appends(void **state)
{
    pthread_t th[THREADS];
    void *res;
    long i;
    (void)state;
    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, appender, (void *)(intptr_t)i), 0);
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], &res), 0);
        assert_int_equal((intptr_t)res, 0);
    }
    assert_int_equal(q1("SELECT count(*) FROM audit_log"), 5 + THREADS * PER_THREAD);
    assert_int_equal(q1("SELECT max(id) FROM audit_log"), 5 + THREADS * PER_THREAD);
    assert_int_equal(verify().first_bad, 0);
    assert_int_equal(verify().entries, 5 + THREADS * PER_THREAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_hex_round_trip),
        cmocka_unit_test_setup_teardown(test_empty_log_is_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detail_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_record_who_what_where, setup_five,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_triggers_refuse_changes, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_detects_edited_entry, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_detects_edited_time, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_detects_removed_entry, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_detects_removed_first_entries, setup_five,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_detects_removed_and_renumbered, setup_five,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_detects_cut_tail, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_detects_reordered_pair, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_detects_inserted_entry, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_detects_entry_added_outside, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_detects_missing_head, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_anchor_detects_rewrite, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_caller_transaction, setup_five, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_appends, setup_five, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
