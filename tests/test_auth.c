/*
 * test_auth.c - accounts as a user and an attacker see them: users are added
 * once, with argon2id hashes; a sign-in gives a session and a CSRF token and
 * a wrong name or password says the same thing; sessions end when idle, when
 * too old and at logout; bearer tokens work until revoked; the failed
 * sign-in limit holds per name and per address, across connections and
 * parallel attempts, and forgets after its window; only the first refusal
 * past it is to be audited; no token is ever stored in the clear.
 *
 * Every password hash costs about 0.1 s (argon2id, interactive limits), so
 * the tests hash only where the hashing is what is tested.
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
#include <time.h>

#include "access/auth.h"

static char dir[256], dbpath[300];
static store_t *st;

static const char pw_anna[] = "correct horse battery";
static const char pw_boris[] = "another long secret";

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    store_close(st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Two users in one organisation, hashed once for the whole group into a
 * template database that each test starts from a copy of. */
static char tmpl_dir[256], tmpl_db[300];

static int group_setup(void **state)
{
    store_t *t = NULL;
    tw_errinfo_t ei;
    (void)state;
    snprintf(tmpl_dir, sizeof(tmpl_dir), "/tmp/tw-test-auth-tmpl-XXXXXX");
    if (!mkdtemp(tmpl_dir))
        return -1;
    snprintf(tmpl_db, sizeof(tmpl_db), "%s/template.db", tmpl_dir);
    if (store_open(tmpl_db, &t, &ei) != TW_OK ||
        auth_user_add(t, "anna", "MCS", ROLE_ANALYST, pw_anna, &ei) != TW_OK ||
        auth_user_add(t, "boris", "Labour Inspectorate", ROLE_INSPECTOR, pw_boris, &ei) !=
            TW_OK) {
        store_close(t);
        return -1;
    }
    store_close(t); /* checkpoints the WAL: one file to copy */
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[400];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int setup_users(void **state)
{
    char cmd[800];
    tw_errinfo_t ei;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-auth-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", tmpl_db, dbpath);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    return 0;
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

static int b64url_token(const char *t)
{
    size_t i;
    for (i = 0; t[i]; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return i == AUTH_TOKEN_LEN;
}

static void test_roles(void **state)
{
    static const char *const names[] = {"admin",        "analyst", "inspector", "case_worker",
                                        "statistician", "auditor"};
    auth_role_t r;
    int i;
    (void)state;
    assert_int_equal(ROLE_COUNT, 6);
    for (i = 0; i < ROLE_COUNT; i++) {
        assert_string_equal(auth_role_name((auth_role_t)i), names[i]);
        assert_int_equal(auth_role_parse(names[i], &r), TW_OK);
        assert_int_equal(r, i);
        assert_non_null(strstr(auth_role_list(), names[i]));
    }
    assert_int_equal(auth_role_parse("root", &r), TW_EINPUT);
    assert_int_equal(auth_role_parse("Admin", &r), TW_EINPUT);
    assert_int_equal(auth_role_parse("", &r), TW_EINPUT);
    assert_int_equal(auth_role_parse(NULL, &r), TW_EINPUT);
    assert_string_equal(auth_role_name(ROLE_COUNT), "unknown");
}

static void test_user_add(void **state)
{
    static const char long_org[] =
        "an-organisation-name-longer-than-sixty-three-bytes-is-refused-!!";
    tw_errinfo_t ei;
    sqlite3_stmt *s;
    const char *hash;
    (void)state;

    /* setup_users added anna (MCS) and boris */
    assert_int_equal(q1("SELECT count(*) FROM app_user"), 2);
    assert_int_equal(q1("SELECT count(*) FROM org"), 2);

    /* the stored hash is argon2id, with the interactive limits, not the password */
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                        "SELECT password_hash FROM app_user WHERE name='anna'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    hash = (const char *)sqlite3_column_text(s, 0);
    assert_non_null(strstr(hash, "$argon2id$"));
    assert_null(strstr(hash, pw_anna));
    sqlite3_finalize(s);

    /* duplicate, also in another case: a clear conflict, before any hashing */
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_user_add(st, "anna", "MCS", ROLE_ADMIN, "whatever-long", &ei),
                     TW_ECONFLICT);
    assert_string_equal(ei.msg, "user 'anna' already exists");
    assert_int_equal(auth_user_add(st, "ANNA", "MCS", ROLE_ADMIN, "whatever-long", &ei),
                     TW_ECONFLICT);

    /* bad input names the field */
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_user_add(st, "carl", "MCS", ROLE_ANALYST, "short", &ei), TW_EINPUT);
    assert_string_equal(ei.field, "password");
    assert_non_null(strstr(ei.msg, "too short"));
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_user_add(st, "carl smith", "MCS", ROLE_ANALYST, pw_anna, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "name");
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_user_add(st, "", "MCS", ROLE_ANALYST, pw_anna, &ei), TW_EINPUT);
    assert_int_equal(
        auth_user_add(st, "carl", "a-very-long-organisation-name-that-goes-on-and-on-past-63-b",
                      ROLE_ANALYST, pw_anna, &ei),
        TW_OK); /* 59 bytes: fine */
    assert_int_equal(auth_user_add(st, "dora", long_org, ROLE_ANALYST, pw_anna, &ei), TW_EINPUT);
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_user_add(st, "dora", " MCS", ROLE_ANALYST, pw_anna, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "org");
    assert_int_equal(auth_user_add(st, "dora", "M\tCS", ROLE_ANALYST, pw_anna, &ei), TW_EINPUT);
    assert_int_equal(auth_user_add(st, "dora", "MCS", ROLE_COUNT, pw_anna, &ei), TW_EINPUT);
    assert_int_equal(q1("SELECT count(*) FROM app_user"), 3);

    /* the organisation is found without regard to case: one row */
    assert_int_equal(auth_user_add(st, "dora", "mcs", ROLE_CASE_WORKER, pw_anna, &ei), TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM org WHERE name='MCS'"), 1);
    assert_int_equal(q1("SELECT count(DISTINCT org_id) FROM app_user"
                        " WHERE name IN ('anna','dora')"),
                     1);
}

static tw_err_t collect_user(void *ctx, const auth_user_info_t *u)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s/%s/%s/%s/%lld;", u->name, u->org, u->role,
             u->disabled_at ? "off" : "on", u->tokens);
    return TW_OK;
}

static void test_login_and_session(void **state)
{
    char sess[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1], csrf2[AUTH_TOKEN_LEN + 1];
    char sess2[AUTH_TOKEN_LEN + 1], msg_unknown[256], sql[200];
    auth_principal_t who;
    tw_errinfo_t ei;
    long long now = (long long)time(NULL);
    (void)state;

    assert_int_equal(auth_login(st, "anna", pw_anna, "10.0.0.1", sess, csrf, &who, &ei), TW_OK);
    assert_true(b64url_token(sess));
    assert_true(b64url_token(csrf));
    assert_string_not_equal(sess, csrf);
    assert_true(who.user_id > 0);
    assert_true(who.org_id > 0);
    assert_string_equal(who.user, "anna");
    assert_string_equal(who.org, "MCS");
    assert_int_equal(who.role, ROLE_ANALYST);
    assert_int_equal(who.via_session, 1);

    /* only the hash is stored: 32 bytes, never the token's text */
    assert_int_equal(q1("SELECT count(*) FROM session"), 1);
    assert_int_equal(q1("SELECT length(token_hash) FROM session"), 32);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM session WHERE instr(token_hash, '%s') > 0",
             sess);
    assert_int_equal(q1(sql), 0);

    /* the cookie resolves to the same principal and the same CSRF token */
    memset(&who, 0, sizeof(who));
    assert_int_equal(auth_session(st, sess, &who, csrf2, &ei), TW_OK);
    assert_string_equal(who.user, "anna");
    assert_int_equal(who.via_session, 1);
    assert_true(auth_token_equal(csrf, csrf2));
    assert_false(auth_token_equal(csrf, sess));

    /* a second sign-in is a second session with its own CSRF token */
    assert_int_equal(auth_login(st, "ANNA", pw_anna, "10.0.0.1", sess2, csrf2, &who, &ei),
                     TW_OK);
    assert_string_equal(who.user, "anna"); /* the stored spelling */
    assert_string_not_equal(sess, sess2);
    assert_false(auth_token_equal(csrf, csrf2));

    /* a wrong password and an unknown name: the same error, the same words */
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_login(st, "nobody", pw_anna, "10.0.0.2", sess2, csrf2, &who, &ei),
                     TW_EPERM);
    snprintf(msg_unknown, sizeof(msg_unknown), "%s", ei.msg);
    assert_int_equal(who.user_id, 0);
    assert_string_equal(sess2, "");
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_login(st, "anna", "not the password", "10.0.0.2", sess2, csrf2, &who,
                                &ei),
                     TW_EPERM);
    assert_string_equal(ei.msg, msg_unknown);
    assert_string_equal(ei.msg, "wrong user name or password");
    assert_int_equal(who.user_id, 0);
    assert_int_equal(auth_login(st, "anna", "", NULL, sess2, csrf2, &who, &ei), TW_EPERM);
    assert_int_equal(auth_login(st, "anna", NULL, NULL, sess2, csrf2, &who, &ei), TW_EPERM);

    /* idle: a session unused for 30 minutes has ended */
    snprintf(sql, sizeof(sql), "UPDATE session SET seen_unix = %lld",
             now - AUTH_SESSION_IDLE - 1);
    exec(sql);
    assert_int_equal(auth_session(st, sess, &who, csrf2, &ei), TW_EPERM);
    assert_int_equal(who.user_id, 0);
    assert_string_equal(csrf2, "");

    /* a request touches the idle timer (at most once a minute) */
    snprintf(sql, sizeof(sql), "UPDATE session SET seen_unix = %lld", now - 600);
    exec(sql);
    assert_int_equal(auth_session(st, sess, &who, NULL, &ei), TW_OK);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM session WHERE seen_unix >= %lld", now);
    assert_int_equal(q1(sql), 1);

    /* absolute lifetime: ends even when in use */
    snprintf(sql, sizeof(sql), "UPDATE session SET expires_unix = %lld", now - 1);
    exec(sql);
    assert_int_equal(auth_session(st, sess, &who, NULL, &ei), TW_EPERM);

    /* logout ends it; ending twice is fine */
    assert_int_equal(auth_login(st, "boris", pw_boris, "10.0.0.3", sess, csrf, &who, &ei),
                     TW_OK);
    assert_int_equal(who.role, ROLE_INSPECTOR);
    assert_string_equal(who.org, "Labour Inspectorate");
    assert_int_equal(auth_session(st, sess, &who, NULL, &ei), TW_OK);
    assert_int_equal(auth_logout(st, sess), TW_OK);
    assert_int_equal(auth_session(st, sess, &who, NULL, &ei), TW_EPERM);
    assert_int_equal(auth_logout(st, sess), TW_OK);
    assert_int_equal(auth_logout(st, "garbage"), TW_OK);

    /* ended sessions are pruned at the next sign-in */
    assert_int_equal(auth_login(st, "boris", pw_boris, "10.0.0.3", sess, csrf, &who, &ei),
                     TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM session"), 1);

    /* malformed cookies never reach the store */
    assert_int_equal(auth_session(st, NULL, &who, NULL, &ei), TW_EPERM);
    assert_int_equal(auth_session(st, "", &who, NULL, &ei), TW_EPERM);
    assert_int_equal(auth_session(st, "abc", &who, NULL, &ei), TW_EPERM);
    snprintf(sql, sizeof(sql), "%s", sess);
    sql[5] = '%';
    assert_int_equal(auth_session(st, sql, &who, NULL, &ei), TW_EPERM);
    snprintf(sql, sizeof(sql), "%sA", sess);
    assert_int_equal(auth_session(st, sql, &who, NULL, &ei), TW_EPERM);
    /* a bearer token is not a session, nor the other way round */
    assert_int_equal(auth_bearer(st, sess, &who, &ei), TW_EPERM);
}

static void test_token_equal(void **state)
{
    (void)state;
    assert_true(auth_token_equal("abcdef", "abcdef"));
    assert_false(auth_token_equal("abcdef", "abcdeg"));
    assert_false(auth_token_equal("abcdef", "abcde"));
    assert_false(auth_token_equal("", ""));
    assert_false(auth_token_equal(NULL, "a"));
    assert_false(auth_token_equal("a", NULL));
    assert_false(auth_token_equal(NULL, NULL));
}

static tw_err_t collect_token(void *ctx, const auth_token_info_t *t)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%lld/%s/%s/%s;", (long long)t->id, t->user, t->label,
             t->revoked_at ? "revoked" : "valid");
    return TW_OK;
}

static void test_bearer(void **state)
{
    char tok[AUTH_TOKEN_LEN + 1], tok2[AUTH_TOKEN_LEN + 1], sql[200], owner[64];
    char list[512] = "";
    auth_principal_t who;
    tw_errinfo_t ei;
    int64_t id = 0;
    (void)state;

    assert_int_equal(auth_token_create(st, "anna", "nightly export", tok, &ei), TW_OK);
    assert_true(b64url_token(tok));
    assert_int_equal(auth_token_create_id(st, "anna", NULL, tok2, &id, &ei), TW_OK);
    assert_true(id > 0);
    assert_string_not_equal(tok, tok2);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM api_token WHERE instr(token_hash, '%s') > 0"
                               " OR instr(label, '%s') > 0",
             tok, tok);
    assert_int_equal(q1(sql), 0);
    assert_int_equal(q1("SELECT min(length(token_hash)) FROM api_token"), 32);

    assert_int_equal(auth_bearer(st, tok, &who, &ei), TW_OK);
    assert_string_equal(who.user, "anna");
    assert_string_equal(who.org, "MCS");
    assert_int_equal(who.role, ROLE_ANALYST);
    assert_int_equal(who.via_session, 0);
    /* a token is not a session cookie */
    assert_int_equal(auth_session(st, tok, &who, NULL, &ei), TW_EPERM);

    assert_int_equal(auth_token_list(st, "anna", collect_token, list, &ei), TW_OK);
    snprintf(sql, sizeof(sql), "1/anna/nightly export/valid;%lld/anna//valid;", (long long)id);
    assert_string_equal(list, sql);
    assert_int_equal(auth_token_list(st, "zed", collect_token, list, &ei), TW_ENOTFOUND);

    /* revoked: refused at once, and only that one */
    assert_int_equal(auth_token_revoke(st, id, owner, &ei), TW_OK);
    assert_string_equal(owner, "anna");
    assert_int_equal(auth_bearer(st, tok2, &who, &ei), TW_EPERM);
    assert_int_equal(who.user_id, 0);
    assert_int_equal(auth_bearer(st, tok, &who, &ei), TW_OK);
    assert_int_equal(auth_token_revoke(st, id, owner, &ei), TW_ECONFLICT);
    assert_int_equal(auth_token_revoke(st, 999, owner, &ei), TW_ENOTFOUND);

    /* unknown user; bad label */
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_token_create(st, "zed", NULL, tok2, &ei), TW_ENOTFOUND);
    assert_string_equal(ei.msg, "no user 'zed'");
    assert_string_equal(tok2, "");
    assert_int_equal(auth_token_create(st, "anna", "line\nbreak", tok2, &ei), TW_EINPUT);
    assert_int_equal(auth_bearer(st, NULL, &who, &ei), TW_EPERM);
    assert_int_equal(auth_bearer(st, "", &who, &ei), TW_EPERM);
}

static void test_disable(void **state)
{
    char sess[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1], tok[AUTH_TOKEN_LEN + 1];
    char list[512] = "";
    auth_principal_t who;
    tw_errinfo_t ei;
    (void)state;

    assert_int_equal(auth_login(st, "boris", pw_boris, "10.0.0.3", sess, csrf, &who, &ei),
                     TW_OK);
    assert_int_equal(auth_token_create(st, "boris", "x", tok, &ei), TW_OK);
    assert_int_equal(auth_user_list(st, collect_user, list, &ei), TW_OK);
    assert_string_equal(list, "anna/MCS/analyst/on/0;boris/Labour Inspectorate/inspector/on/1;");

    assert_int_equal(auth_user_disable(st, "boris", &ei), TW_OK);
    assert_int_equal(auth_session(st, sess, &who, NULL, &ei), TW_EPERM);
    assert_int_equal(auth_bearer(st, tok, &who, &ei), TW_EPERM);
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_login(st, "boris", pw_boris, "10.0.0.3", sess, csrf, &who, &ei),
                     TW_EPERM);
    assert_string_equal(ei.msg, "wrong user name or password");
    assert_int_equal(auth_token_create(st, "boris", NULL, tok, &ei), TW_EPERM);
    assert_int_equal(auth_user_disable(st, "boris", &ei), TW_ECONFLICT);
    assert_int_equal(auth_user_disable(st, "zed", &ei), TW_ENOTFOUND);
    list[0] = '\0';
    assert_int_equal(auth_user_list(st, collect_user, list, &ei), TW_OK);
    assert_non_null(strstr(list, "boris/Labour Inspectorate/inspector/off/1;"));
}

/* The seconds of "try again in N seconds" in a refusal (0 when absent). */
static long wait_in(const char *msg)
{
    const char *p = strstr(msg, "try again in ");
    char *end;
    long n;
    if (!p)
        return 0;
    n = strtol(p + 13, &end, 10);
    return strncmp(end, " seconds", 8) == 0 ? n : 0;
}

/* The limit holds per user name, across connections (server threads), and
 * a success clears only the name's count. */
static void test_rate_limit_user(void **state)
{
    char sess[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
    auth_principal_t who;
    tw_errinfo_t ei;
    store_t *st2 = NULL;
    int i;
    (void)state;

    assert_int_equal(store_open(dbpath, &st2, &ei), TW_OK);
    /* three failures, then a success: the name's count starts again */
    for (i = 0; i < 3; i++)
        assert_int_equal(auth_login(st, "anna", "wrong password!", "10.1.0.1", sess, csrf, &who,
                                    &ei),
                         TW_EPERM);
    assert_int_equal(q1("SELECT count(*) FROM login_failure"), 6);
    assert_int_equal(auth_login(st, "anna", pw_anna, "10.1.0.1", sess, csrf, &who, &ei), TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM login_failure"), 3); /* the address's remain */

    /* five failures for one name, alternating connections, from one address */
    for (i = 0; i < AUTH_FAIL_USER_MAX; i++)
        assert_int_equal(auth_login(i % 2 ? st2 : st, "anna", "wrong password!", "10.1.0.2",
                                    sess, csrf, &who, &ei),
                         TW_EPERM);
    /* from there, even the right password waits, without hashing */
    tw_errinfo_clear(&ei);
    assert_int_equal(auth_login(st2, "anna", pw_anna, "10.1.0.2", sess, csrf, &who, &ei),
                     TW_ETOOBIG);
    assert_non_null(strstr(ei.msg, "too many failed sign-ins"));
    assert_true(wait_in(ei.msg) >= 1 && wait_in(ei.msg) <= AUTH_FAIL_DELAY);
    assert_string_equal(sess, "");
    assert_int_equal(who.user_id, 0);
    assert_int_equal(auth_login(st, "ANNA", pw_anna, "10.1.0.2", sess, csrf, &who, &ei),
                     TW_ETOOBIG);
    assert_true(auth_login_wait(st, "anna", "10.1.0.2") >= 1);
    assert_true(auth_login_wait(st, "anna", "10.1.0.2") <= AUTH_FAIL_DELAY);
    /* the owner, from her own address, is not locked out by them */
    assert_int_equal(auth_login(st, "anna", pw_anna, "10.1.0.9", sess, csrf, &who, &ei), TW_OK);
    /* other users are not locked out */
    assert_int_equal(auth_login(st, "boris", pw_boris, "10.1.0.2", sess, csrf, &who, &ei),
                     TW_OK);
    /* the delay grows: once it has passed one more attempt is checked, and
     * its failure doubles the wait (a delay, never a lock for the window) */
    exec("UPDATE login_failure SET at_unix = at_unix - 16");
    assert_int_equal(auth_login(st, "anna", "wrong password!", "10.1.0.2", sess, csrf, &who, &ei),
                     TW_EPERM);
    /* 20 s later (moved in the store, no clock in the test) the fifth
     * failure's 15 s would be over; the sixth's is 30 s: still waiting */
    exec("UPDATE login_failure SET at_unix = at_unix - 20");
    assert_int_equal(auth_login(st, "anna", pw_anna, "10.1.0.2", sess, csrf, &who, &ei),
                     TW_ETOOBIG);
    assert_true(wait_in(ei.msg) >= 1 && wait_in(ei.msg) <= 2 * AUTH_FAIL_DELAY - 20);
    exec("UPDATE login_failure SET at_unix = at_unix - 11");
    assert_int_equal(auth_login(st2, "anna", pw_anna, "10.1.0.2", sess, csrf, &who, &ei), TW_OK);

    /* failures older than the window are forgotten */
    for (i = 0; i < AUTH_FAIL_USER_MAX; i++)
        assert_int_equal(auth_login(st, "anna", "wrong password!", "10.1.0.3", sess, csrf, &who,
                                    &ei),
                         TW_EPERM);
    exec("UPDATE login_failure SET at_unix = at_unix - 901");
    assert_int_equal(auth_login(st2, "anna", pw_anna, "10.1.0.3", sess, csrf, &who, &ei), TW_OK);
    store_close(st2);
}

/* The limit per address: many names tried from one place. The address's
 * count is raised through SQL (found as the key two attempts from two
 * addresses do not share) rather than with twenty slow hashes. */
static void test_rate_limit_remote(void **state)
{
    char sess[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1], sql[300];
    auth_principal_t who;
    tw_errinfo_t ei;
    (void)state;

    assert_int_equal(auth_login(st, "ghost", "wrong password!", "192.0.2.7", sess, csrf, &who,
                                &ei),
                     TW_EPERM);
    assert_int_equal(auth_login(st, "ghost", "wrong password!", "192.0.2.8", sess, csrf, &who,
                                &ei),
                     TW_EPERM);
    /* rows 1, 2 are (ghost, 192.0.2.7); 3, 4 are (ghost, 192.0.2.8): the
     * name from each address and each address, four keys */
    assert_int_equal(q1("SELECT count(DISTINCT key_hash) FROM login_failure"), 4);
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO login_failure(key_hash, at_unix) SELECT f.key_hash, f.at_unix"
             " FROM n, login_failure f WHERE f.id IN (1, 2) AND f.key_hash NOT IN"
             " (SELECT key_hash FROM login_failure WHERE id IN (3, 4))",
             AUTH_FAIL_REMOTE_MAX - 2);
    exec(sql);
    assert_int_equal(q1("SELECT max(c) FROM (SELECT count(*) c FROM login_failure"
                        " GROUP BY key_hash)"),
                     AUTH_FAIL_REMOTE_MAX - 1);
    /* one more failure from there reaches the limit */
    assert_int_equal(auth_login(st, "boris", "wrong password!", "192.0.2.7", sess, csrf, &who,
                                &ei),
                     TW_EPERM);
    assert_int_equal(auth_login(st, "anna", pw_anna, "192.0.2.7", sess, csrf, &who, &ei),
                     TW_ETOOBIG);
    /* the same user from elsewhere is fine */
    assert_int_equal(auth_login(st, "anna", pw_anna, "192.0.2.9", sess, csrf, &who, &ei), TW_OK);
}

/* Attempts in parallel cannot pass the limit: each is counted before its
 * password is checked, in the transaction that reads the count. Four
 * failures are on record; three threads then try at once, each on its own
 * connection. Had they all read the count before any of them recorded its
 * failure (a tenth of a second of argon2id later), all three would have had
 * their password checked; only one may. */
#define RACERS 3

typedef struct {
    pthread_barrier_t *go;
    tw_err_t result;
} racer_t;

static void *racer(void *arg)
{
    racer_t *r = arg;
    char sess[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
    auth_principal_t who;
    tw_errinfo_t ei;
    store_t *own = NULL;
    r->result = TW_EINTERNAL;
    if (store_open(dbpath, &own, &ei) != TW_OK)
        return NULL;
    pthread_barrier_wait(r->go);
    r->result = auth_login(own, "anna", "wrong password!", "10.3.0.1", sess, csrf, &who, &ei);
    store_close(own);
    return NULL;
}

static void test_rate_limit_parallel(void **state)
{
    char sess[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
    pthread_barrier_t go;
    pthread_t t[RACERS];
    racer_t r[RACERS];
    auth_principal_t who;
    tw_errinfo_t ei;
    int i, checked = 0, refused = 0;
    (void)state;

    for (i = 0; i < AUTH_FAIL_USER_MAX - 1; i++)
        assert_int_equal(auth_login(st, "anna", "wrong password!", "10.3.0.1", sess, csrf, &who,
                                    &ei),
                         TW_EPERM);
    pthread_barrier_init(&go, NULL, RACERS);
    for (i = 0; i < RACERS; i++) {
        r[i].go = &go;
        assert_int_equal(pthread_create(&t[i], NULL, racer, &r[i]), 0);
    }
    for (i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        checked += r[i].result == TW_EPERM;
        refused += r[i].result == TW_ETOOBIG;
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(checked, 1);
    assert_int_equal(refused, RACERS - 1);
    /* failures on record: exactly the limit, for the name and the address */
    assert_int_equal(q1("SELECT max(c) FROM (SELECT count(*) c FROM login_failure"
                        " GROUP BY key_hash)"),
                     AUTH_FAIL_USER_MAX);
}

/* A success takes back the count it made before the password was checked:
 * the name's failures go, the address keeps only what failed. */
static void test_success_takes_its_count_back(void **state)
{
    char sess[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
    auth_principal_t who;
    tw_errinfo_t ei;
    (void)state;
    assert_int_equal(auth_login(st, "boris", "wrong password!", "10.4.0.1", sess, csrf, &who,
                                &ei),
                     TW_EPERM);
    assert_int_equal(q1("SELECT count(*) FROM login_failure"), 2);
    assert_int_equal(auth_login(st, "anna", pw_anna, "10.4.0.1", sess, csrf, &who, &ei), TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM login_failure"), 2); /* boris's two, no more */
    assert_int_equal(auth_login(st, "boris", pw_boris, "10.4.0.1", sess, csrf, &who, &ei), TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM login_failure"), 1); /* the address's first */
}

/* Refusals past the limit: the first for the name (or for the address, when
 * that is what is over) is to be audited, the ones after it are not, until
 * the window ends. */
static void test_refusal_first(void **state)
{
    char sess[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1], sql[300];
    auth_principal_t who;
    tw_errinfo_t ei;
    int first = -1, i;
    (void)state;

    for (i = 0; i < AUTH_FAIL_USER_MAX; i++)
        assert_int_equal(auth_login(st, "anna", "wrong password!", "10.5.0.1", sess, csrf, &who,
                                    &ei),
                         TW_EPERM);
    assert_int_equal(auth_login(st, "anna", pw_anna, "10.5.0.1", sess, csrf, &who, &ei),
                     TW_ETOOBIG);
    assert_int_equal(auth_login_refusal(st, "anna", "10.5.0.1", &first, &ei), TW_OK);
    assert_int_equal(first, 1);
    for (i = 0; i < 3; i++) {
        assert_int_equal(auth_login_refusal(st, i % 2 ? "ANNA" : "anna", "10.5.0.1", &first,
                                            &ei),
                         TW_OK);
        assert_int_equal(first, 0);
    }
    /* a name of its own, or the name from another address, is a first again */
    assert_int_equal(auth_login_refusal(st, "boris", "10.5.0.1", &first, &ei), TW_OK);
    assert_int_equal(first, 1);
    assert_int_equal(auth_login_refusal(st, "anna", "10.5.0.2", &first, &ei), TW_OK);
    assert_int_equal(first, 1);
    /* an address over its limit: one first for the address, whatever names follow */
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO login_failure(key_hash, at_unix) SELECT f.key_hash, f.at_unix"
             " FROM n, login_failure f WHERE f.id = 2",
             AUTH_FAIL_REMOTE_MAX);
    exec(sql); /* row 2: the first failure's address, 10.5.0.1 */
    assert_int_equal(auth_login_refusal(st, "carl", "10.5.0.1", &first, &ei), TW_OK);
    assert_int_equal(first, 1);
    assert_int_equal(auth_login_refusal(st, "dora", "10.5.0.1", &first, &ei), TW_OK);
    assert_int_equal(first, 0);
    /* marks are not failures: they do not lock anybody out */
    assert_int_equal(auth_login(st, "boris", pw_boris, "10.5.0.9", sess, csrf, &who, &ei),
                     TW_OK);
    /* and they are forgotten with the window */
    exec("UPDATE login_failure SET at_unix = at_unix - 901");
    assert_int_equal(auth_login_refusal(st, "dora", "10.5.0.1", &first, &ei), TW_OK);
    assert_int_equal(first, 1);
}

/* Who an attempted name is, for the audit log: the account as it spells
 * itself, or nobody (then the name is not recorded). */
static void test_user_known(void **state)
{
    char canon[64];
    tw_errinfo_t ei;
    (void)state;
    assert_int_equal(auth_user_known(st, "ANNA", canon), 1);
    assert_string_equal(canon, "anna");
    assert_int_equal(auth_user_known(st, "anna", NULL), 1);
    assert_int_equal(auth_user_known(st, "annabel", canon), 0);
    assert_string_equal(canon, "");
    assert_int_equal(auth_user_known(st, "Summer2024?secret", canon), 0);
    assert_int_equal(auth_user_known(st, "", canon), 0);
    assert_int_equal(auth_user_known(st, NULL, canon), 0);
    /* a disabled account is still an account an attempt was made on */
    assert_int_equal(auth_user_disable(st, "boris", &ei), TW_OK);
    assert_int_equal(auth_user_known(st, "Boris", canon), 1);
    assert_string_equal(canon, "boris");
}

/* A change made inside the caller's transaction goes with it: rolled back,
 * the token was never issued; a failure inside leaves nothing behind. */
static void test_caller_transaction(void **state)
{
    char tok[AUTH_TOKEN_LEN + 1], kept[AUTH_TOKEN_LEN + 1];
    auth_principal_t who;
    tw_errinfo_t ei;
    (void)state;

    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(auth_token_create(st, "anna", "rolled back", tok, &ei), TW_OK);
    store_rollback(st);
    assert_int_equal(auth_bearer(st, tok, &who, &ei), TW_EPERM);
    assert_int_equal(q1("SELECT count(*) FROM api_token"), 0);

    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(auth_token_create(st, "anna", "kept", kept, &ei), TW_OK);
    /* a failing call inside the same transaction does not spoil it */
    assert_int_equal(auth_user_add(st, "anna", "New Org", ROLE_ADMIN, pw_anna, &ei),
                     TW_ECONFLICT);
    assert_int_equal(auth_token_create(st, "zed", NULL, tok, &ei), TW_ENOTFOUND);
    assert_int_equal(store_commit(st), TW_OK);
    assert_int_equal(auth_bearer(st, kept, &who, &ei), TW_OK);
    assert_int_equal(q1("SELECT count(*) FROM org WHERE name = 'New Org'"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_token_equal),
        cmocka_unit_test_setup_teardown(test_user_add, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_login_and_session, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_bearer, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_disable, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_user, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_remote, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_parallel, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_success_takes_its_count_back, setup_users,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refusal_first, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_user_known, setup_users, teardown),
        cmocka_unit_test_setup_teardown(test_caller_transaction, setup_users, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
