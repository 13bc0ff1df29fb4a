/*
 * auth.c - organisations, users, passwords, sessions, bearer tokens and the
 * sign-in rate limit (contract in auth.h, design in docs/internals/auth.md).
 *
 * Data structure: the tables org, app_user, session, api_token and
 * login_failure (store.c, migration 4). Nothing is kept in memory between
 * calls except libsodium's initialisation and a dummy password hash.
 *
 * Invariants:
 *   1. No secret is stored: app_user holds argon2id hashes of passwords;
 *      session and api_token hold BLAKE2b-256 hashes of tokens. A token is
 *      looked up by its hash, so the comparison that matters is done by the
 *      index on a value an attacker cannot choose.
 *   2. A session's CSRF token is derived from the session token (keyed
 *      BLAKE2b), so it is never stored and dies with the session.
 *   3. A sign-in with a wrong user name and one with a wrong password take
 *      the same time (an unknown name is checked against a dummy hash) and
 *      get the same error, so the answer does not tell which names exist.
 *   4. Failed sign-ins are rows in login_failure keyed by a hash of the
 *      (lower-cased) user name and of the remote address: shared by every
 *      thread and process that opens the store, and they survive restarts.
 *      The typed name is not stored (people type passwords into it).
 *   5. Every write runs in its own transaction, or, when the caller has one
 *      open, in a savepoint inside it: the caller's audit entry commits or
 *      rolls back with the change, and a failed call leaves nothing behind.
 *   6. A sign-in attempt is counted before its password is checked: the
 *      count and one provisional failure per key are one write transaction,
 *      so parallel attempts see each other and the limit is never passed;
 *      a success removes its provisional rows.
 *
 * Thread model: the caller's store_t; libsodium is initialised once through
 * pthread_once; the dummy hash likewise.
 * Ownership: tokens are written into the caller's buffers; the strings in
 * auth_user_info_t and auth_token_info_t live until the callback returns.
 */
#include "access/auth.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ingest/norm.h"

#define HASH_LEN 32
#define TOUCH_EVERY 60 /* seconds: the idle timer is written at most this often */

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_ADMIN] = "admin",
    [ROLE_ANALYST] = "analyst",
    [ROLE_INSPECTOR] = "inspector",
    [ROLE_CASE_WORKER] = "case_worker",
    [ROLE_STATISTICIAN] = "statistician",
    [ROLE_AUDITOR] = "auditor"};

/* The same message for an unknown name and a wrong password (invariant 3). */
static const char bad_login_msg[] = "wrong user name or password";

/* ---- libsodium -------------------------------------------------------- */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_rc = -1;

static void sodium_init_once(void)
{
    sodium_rc = sodium_init(); /* 0 or 1 (already done) on success */
}

tw_err_t auth_init(void)
{
    pthread_once(&sodium_once, sodium_init_once);
    return sodium_rc < 0 ? TW_EINTERNAL : TW_OK;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

/* A hash of a random password, checked when the user name is unknown so that
 * the answer takes as long as for a known name. */
static void dummy_init_once(void)
{
    unsigned char pw[16];
    randombytes_buf(pw, sizeof(pw));
    if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof(pw),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
    sodium_memzero(pw, sizeof(pw));
}

/* ---- roles ------------------------------------------------------------ */

const char *auth_role_name(auth_role_t r)
{
    return (unsigned)r < ROLE_COUNT ? role_names[r] : "unknown";
}

tw_err_t auth_role_parse(const char *s, auth_role_t *out)
{
    int i;
    for (i = 0; s && i < ROLE_COUNT; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (auth_role_t)i;
            return TW_OK;
        }
    }
    return TW_EINPUT;
}

const char *auth_role_list(void)
{
    return "admin, analyst, inspector, case_worker, statistician, auditor";
}

/* ---- small helpers ---------------------------------------------------- */

static int64_t now_unix(void)
{
    return (int64_t)time(NULL);
}

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void copy_name(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

static tw_err_t prepare(store_t *st, const char *sql, sqlite3_stmt **s, tw_errinfo_t *ei)
{
    if (store_prepare_cached(st, sql, s) != TW_OK) {
        *s = NULL;
        return store_db_error(st, ei, "preparing an accounts query");
    }
    return TW_OK;
}

/* Opens a transaction, or a savepoint inside the caller's (invariant 5), so
 * a failure never leaves half of a change behind. *own: 1 transaction,
 * 2 savepoint. */
static tw_err_t tx_begin(store_t *st, int *own, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    *own = 0;
    if (sqlite3_get_autocommit(db)) {
        if (store_begin(st) != TW_OK)
            return store_db_error(st, ei, "starting a transaction");
        *own = 1;
    } else {
        if (sqlite3_exec(db, "SAVEPOINT tw_auth", NULL, NULL, NULL) != SQLITE_OK)
            return store_db_error(st, ei, "starting a savepoint");
        *own = 2;
    }
    return TW_OK;
}

/* Commits or rolls back what tx_begin opened; returns the outcome. */
static tw_err_t tx_end(store_t *st, int own, tw_err_t err, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    if (own == 2) {
        if (err != TW_OK)
            sqlite3_exec(db, "ROLLBACK TO tw_auth", NULL, NULL, NULL);
        if (sqlite3_exec(db, "RELEASE tw_auth", NULL, NULL, NULL) != SQLITE_OK && err == TW_OK)
            err = store_db_error(st, ei, "releasing a savepoint");
        return err;
    }
    if (own != 1)
        return err;
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    if (store_commit(st) != TW_OK)
        return tw_errinfo_set(ei, TW_EDB, "committing: the store refused the change");
    return TW_OK;
}

/* A user name: 1..AUTH_NAME_MAX of A-Z a-z 0-9 . _ - @ */
static int user_name_ok(const char *s)
{
    size_t i;
    if (!s)
        return 0;
    for (i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= AUTH_NAME_MAX || !(isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@'))
            return 0;
    }
    return i > 0;
}

/* Printable UTF-8 of at most `max` bytes, no control characters; with
 * `trimmed`, also non-empty and without leading or trailing spaces. */
static int text_ok(const char *s, size_t max, int trimmed)
{
    size_t i, n;
    if (!s)
        return 0;
    n = strlen(s);
    if (n > max || !norm_utf8_valid(s, n))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    if (trimmed && (n == 0 || s[0] == ' ' || s[n - 1] == ' '))
        return 0;
    return 1;
}

/* ---- tokens ----------------------------------------------------------- */

static int token_wellformed(const char *t)
{
    size_t i;
    if (!t)
        return 0;
    for (i = 0; i < AUTH_TOKEN_LEN; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!(isalnum(c) || c == '-' || c == '_'))
            return 0; /* also stops at an early NUL */
    }
    return t[AUTH_TOKEN_LEN] == '\0';
}

static void token_hash(const char *token, unsigned char h[HASH_LEN])
{
    crypto_generichash(h, HASH_LEN, (const unsigned char *)token, AUTH_TOKEN_LEN, NULL, 0);
}

static void b64url(char out[AUTH_TOKEN_LEN + 1], const unsigned char raw[32])
{
    sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, raw, 32,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* 32 fresh random bytes as a token, and the hash that is stored. */
static void token_new(char out[AUTH_TOKEN_LEN + 1], unsigned char h[HASH_LEN])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    b64url(out, raw);
    sodium_memzero(raw, sizeof(raw));
    token_hash(out, h);
}

/* The CSRF token of a session (invariant 2). */
static void csrf_of(const char *session, char out[AUTH_TOKEN_LEN + 1])
{
    static const unsigned char key[] = "tipwatch-csrf-v1"; /* 16 bytes: KEYBYTES_MIN */
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)session, AUTH_TOKEN_LEN, key,
                       sizeof(key) - 1);
    b64url(out, h);
}

int auth_token_equal(const char *a, const char *b)
{
    size_t la, lb;
    if (!a || !b)
        return 0;
    la = strlen(a);
    lb = strlen(b);
    /* an empty token never matches: a missing header against a missing
     * session must not pass a CSRF check */
    if (la != lb || la == 0)
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}

/* ---- users ------------------------------------------------------------ */

tw_err_t auth_user_add(store_t *st, const char *name, const char *org, auth_role_t role,
                       const char *password, tw_errinfo_t *ei)
{
    char hash[crypto_pwhash_STRBYTES], now[32];
    sqlite3_stmt *s = NULL;
    int64_t org_id = 0;
    size_t plen;
    tw_err_t err = TW_OK;
    int own = 0, rc;

    if (!user_name_ok(name)) {
        tw_errinfo_field(ei, "name");
        return tw_errinfo_set(ei, TW_EINPUT,
                              "user name '%s' is not allowed: 1 to %d letters, digits or . _ - @",
                              name ? name : "", AUTH_NAME_MAX);
    }
    if (!text_ok(org, AUTH_NAME_MAX, 1)) {
        tw_errinfo_field(ei, "org");
        return tw_errinfo_set(ei, TW_EINPUT,
                              "organisation name '%s' is not allowed: 1 to %d bytes of "
                              "printable UTF-8, no leading or trailing spaces",
                              org ? org : "", AUTH_NAME_MAX);
    }
    if ((unsigned)role >= ROLE_COUNT) {
        tw_errinfo_field(ei, "role");
        return tw_errinfo_set(ei, TW_EINPUT, "unknown role %d (one of %s)", (int)role,
                              auth_role_list());
    }
    plen = password ? strlen(password) : 0;
    if (plen < AUTH_PASSWORD_MIN || plen > AUTH_PASSWORD_MAX) {
        tw_errinfo_field(ei, "password");
        return tw_errinfo_set(ei, TW_EINPUT, "password too %s: %zu byte%s, it must have %d to %d",
                              plen < AUTH_PASSWORD_MIN ? "short" : "long", plen,
                              plen == 1 ? "" : "s", AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
    }
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium cannot be initialised");

    /* a duplicate is refused before spending a tenth of a second hashing */
    if ((err = prepare(st, "SELECT 1 FROM app_user WHERE name = ?", &s, ei)) != TW_OK)
        return err;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    store_release_cached(st, s);
    s = NULL;
    if (rc == SQLITE_ROW)
        return tw_errinfo_set(ei, TW_ECONFLICT, "user '%s' already exists", name);
    if (rc != SQLITE_DONE)
        return store_db_error(st, ei, "looking up the user");

    if (crypto_pwhash_str(hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return tw_errinfo_set(ei, TW_ENOMEM, "not enough memory to hash the password");

    now_iso(now);
    if ((err = tx_begin(st, &own, ei)) != TW_OK)
        goto out;
    if ((err = prepare(st, "INSERT OR IGNORE INTO org(name, created_at) VALUES (?, ?)", &s,
                       ei)) != TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, org, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        err = store_db_error(st, ei, "adding the organisation");
        goto out;
    }
    store_release_cached(st, s);
    if ((err = prepare(st, "SELECT id FROM org WHERE name = ?", &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, org, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_ROW) {
        err = store_db_error(st, ei, "finding the organisation");
        goto out;
    }
    org_id = sqlite3_column_int64(s, 0);
    store_release_cached(st, s);
    if ((err = prepare(st,
                       "INSERT INTO app_user(name, org_id, role, password_hash, created_at)"
                       " VALUES (?, ?, ?, ?, ?)",
                       &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, org_id);
    sqlite3_bind_text(s, 3, role_names[role], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) /* added by someone else meanwhile */
        err = tw_errinfo_set(ei, TW_ECONFLICT, "user '%s' already exists", name);
    else if (rc != SQLITE_DONE)
        err = store_db_error(st, ei, "adding the user");
out:
    store_release_cached(st, s);
    sodium_memzero(hash, sizeof(hash));
    return tx_end(st, own, err, ei);
}

tw_err_t auth_user_disable(store_t *st, const char *name, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    char now[32];
    int64_t id = 0;
    tw_err_t err;
    int own = 0, rc;

    if ((err = tx_begin(st, &own, ei)) != TW_OK)
        return err;
    if ((err = prepare(st, "SELECT id, disabled_at FROM app_user WHERE name = ?", &s, ei)) !=
        TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, name ? name : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "no user '%s'", name ? name : "");
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = store_db_error(st, ei, "looking up the user");
        goto out;
    }
    if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
        err = tw_errinfo_set(ei, TW_ECONFLICT, "user '%s' was already disabled on %s", name,
                             (const char *)sqlite3_column_text(s, 1));
        goto out;
    }
    id = sqlite3_column_int64(s, 0);
    store_release_cached(st, s);
    now_iso(now);
    if ((err = prepare(st, "UPDATE app_user SET disabled_at = ? WHERE id = ?", &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    if (sqlite3_step(s) != SQLITE_DONE) {
        err = store_db_error(st, ei, "disabling the user");
        goto out;
    }
    store_release_cached(st, s);
    if ((err = prepare(st, "DELETE FROM session WHERE user_id = ?", &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = store_db_error(st, ei, "ending the user's sessions");
out:
    store_release_cached(st, s);
    return tx_end(st, own, err, ei);
}

tw_err_t auth_user_list(store_t *st, auth_user_fn fn, void *ctx, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;

    if ((err = prepare(st,
                       "SELECT u.id, u.name, o.name, u.role, u.created_at, u.disabled_at,"
                       " (SELECT count(*) FROM api_token t"
                       "  WHERE t.user_id = u.id AND t.revoked_at IS NULL), o.id"
                       " FROM app_user u JOIN org o ON o.id = u.org_id ORDER BY u.name",
                       &s, ei)) != TW_OK)
        return err;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        auth_user_info_t u;
        u.id = sqlite3_column_int64(s, 0);
        u.name = (const char *)sqlite3_column_text(s, 1);
        u.org = (const char *)sqlite3_column_text(s, 2);
        u.role = (const char *)sqlite3_column_text(s, 3);
        u.created_at = (const char *)sqlite3_column_text(s, 4);
        u.disabled_at = (const char *)sqlite3_column_text(s, 5);
        u.tokens = sqlite3_column_int64(s, 6);
        u.org_id = sqlite3_column_int64(s, 7);
        if (!u.name || !u.org || !u.role || !u.created_at) {
            err = tw_errinfo_set(ei, TW_EDB, "user %lld has an empty column", (long long)u.id);
            goto out;
        }
        if ((err = fn(ctx, &u)) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = store_db_error(st, ei, "listing users");
out:
    store_release_cached(st, s);
    return err;
}

int auth_user_known(store_t *st, const char *name, char canonical[64])
{
    sqlite3_stmt *s = NULL;
    int rc, known;

    if (canonical)
        canonical[0] = '\0';
    if (!user_name_ok(name))
        return 0; /* cannot be anybody's name: no need to ask */
    if (prepare(st, "SELECT name FROM app_user WHERE name = ?", &s, NULL) != TW_OK)
        return -1;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    known = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (known == 1 && canonical)
        copy_name(canonical, 64, sqlite3_column_text(s, 0));
    store_release_cached(st, s);
    return known;
}

/* ---- API tokens ------------------------------------------------------- */

tw_err_t auth_token_create_id(store_t *st, const char *user, const char *label,
                              char token[AUTH_TOKEN_LEN + 1], int64_t *token_id,
                              tw_errinfo_t *ei)
{
    unsigned char h[HASH_LEN];
    sqlite3_stmt *s = NULL;
    char now[32];
    int64_t uid;
    tw_err_t err;
    int own = 0, rc;

    token[0] = '\0';
    if (token_id)
        *token_id = 0;
    if (!label)
        label = "";
    if (!text_ok(label, AUTH_LABEL_MAX, 0)) {
        tw_errinfo_field(ei, "label");
        return tw_errinfo_set(ei, TW_EINPUT,
                              "token label not allowed: at most %d bytes of printable UTF-8",
                              AUTH_LABEL_MAX);
    }
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium cannot be initialised");
    if ((err = tx_begin(st, &own, ei)) != TW_OK)
        return err;
    if ((err = prepare(st, "SELECT id, disabled_at FROM app_user WHERE name = ?", &s, ei)) !=
        TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, user ? user : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "no user '%s'", user ? user : "");
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = store_db_error(st, ei, "looking up the user");
        goto out;
    }
    if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
        err = tw_errinfo_set(ei, TW_EPERM, "user '%s' is disabled", user);
        goto out;
    }
    uid = sqlite3_column_int64(s, 0);
    store_release_cached(st, s);
    now_iso(now);
    token_new(token, h);
    if ((err = prepare(st,
                       "INSERT INTO api_token(token_hash, user_id, label, created_at)"
                       " VALUES (?, ?, ?, ?)",
                       &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_blob(s, 1, h, HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, uid);
    sqlite3_bind_text(s, 3, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        err = store_db_error(st, ei, "storing the token");
        goto out;
    }
    if (token_id)
        *token_id = sqlite3_last_insert_rowid(store_sqlite(st));
out:
    store_release_cached(st, s);
    err = tx_end(st, own, err, ei);
    if (err != TW_OK)
        sodium_memzero(token, AUTH_TOKEN_LEN + 1); /* never hand out a token not stored */
    return err;
}

tw_err_t auth_token_create(store_t *st, const char *user, const char *label,
                           char token[AUTH_TOKEN_LEN + 1], tw_errinfo_t *ei)
{
    return auth_token_create_id(st, user, label, token, NULL, ei);
}

tw_err_t auth_token_revoke(store_t *st, int64_t id, char user[64], tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    char now[32];
    tw_err_t err;
    int own = 0, rc;

    if (user)
        user[0] = '\0';
    if ((err = tx_begin(st, &own, ei)) != TW_OK)
        return err;
    if ((err = prepare(st,
                       "SELECT t.revoked_at, u.name FROM api_token t"
                       " JOIN app_user u ON u.id = t.user_id WHERE t.id = ?",
                       &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "no API token %lld", (long long)id);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        err = store_db_error(st, ei, "looking up the token");
        goto out;
    }
    if (user)
        copy_name(user, 64, sqlite3_column_text(s, 1));
    if (sqlite3_column_type(s, 0) != SQLITE_NULL) {
        err = tw_errinfo_set(ei, TW_ECONFLICT, "API token %lld was already revoked on %s",
                             (long long)id, (const char *)sqlite3_column_text(s, 0));
        goto out;
    }
    store_release_cached(st, s);
    now_iso(now);
    if ((err = prepare(st, "UPDATE api_token SET revoked_at = ? WHERE id = ?", &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = store_db_error(st, ei, "revoking the token");
out:
    store_release_cached(st, s);
    return tx_end(st, own, err, ei);
}

tw_err_t auth_token_list(store_t *st, const char *user, auth_token_fn fn, void *ctx,
                         tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;

    if (user) {
        if ((err = prepare(st, "SELECT 1 FROM app_user WHERE name = ?", &s, ei)) != TW_OK)
            return err;
        sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        store_release_cached(st, s);
        s = NULL;
        if (rc == SQLITE_DONE)
            return tw_errinfo_set(ei, TW_ENOTFOUND, "no user '%s'", user);
        if (rc != SQLITE_ROW)
            return store_db_error(st, ei, "looking up the user");
    }
    if ((err = prepare(st,
                       "SELECT t.id, u.name, t.label, t.created_at, t.revoked_at"
                       " FROM api_token t JOIN app_user u ON u.id = t.user_id"
                       " WHERE ?1 IS NULL OR u.name = ?1 ORDER BY t.id",
                       &s, ei)) != TW_OK)
        return err;
    if (user)
        sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        auth_token_info_t t;
        t.id = sqlite3_column_int64(s, 0);
        t.user = (const char *)sqlite3_column_text(s, 1);
        t.label = (const char *)sqlite3_column_text(s, 2);
        t.created_at = (const char *)sqlite3_column_text(s, 3);
        t.revoked_at = (const char *)sqlite3_column_text(s, 4);
        if (!t.user || !t.label || !t.created_at) {
            err = tw_errinfo_set(ei, TW_EDB, "token %lld has an empty column", (long long)t.id);
            goto out;
        }
        if ((err = fn(ctx, &t)) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = store_db_error(st, ei, "listing tokens");
out:
    store_release_cached(st, s);
    return err;
}

/* ---- sign-in rate limit ----------------------------------------------- */

/* Hex of a keyed BLAKE2b of kind and value (user names lower-cased), so the
 * table holds neither the names people typed nor their addresses. Kinds:
 * 'p' a failure of a user name from an address (the pair, "name\naddress"),
 * 'r' a failure from an address; 'P' and 'R' mark that a refusal past the
 * limit was reported for that pair or address (auth_login_refusal). ('u'
 * and 'U', a name from anywhere, are no longer written: a limit on a name
 * alone let anyone lock its owner out.) A kind is part of the key, so marks are never
 * counted as failures. */
static void fail_key(char kind, const char *value, char out[2 * HASH_LEN + 1])
{
    static const unsigned char key[] = "tipwatch-signin-v1";
    crypto_generichash_state gs;
    unsigned char h[HASH_LEN], chunk[64];
    size_t i, n = 0;

    crypto_generichash_init(&gs, key, sizeof(key) - 1, HASH_LEN);
    crypto_generichash_update(&gs, (const unsigned char *)&kind, 1);
    for (i = 0; value[i]; i++) {
        unsigned char c = (unsigned char)value[i];
        chunk[n++] = kind == 'u' || kind == 'U' || kind == 'p' || kind == 'P'
                         ? (unsigned char)tolower(c)
                         : c;
        if (n == sizeof(chunk)) {
            crypto_generichash_update(&gs, chunk, n);
            n = 0;
        }
    }
    crypto_generichash_update(&gs, chunk, n);
    crypto_generichash_final(&gs, h, HASH_LEN);
    sodium_bin2hex(out, 2 * HASH_LEN + 1, h, HASH_LEN);
}

/* Failures for `key` in the window (*last: the newest one's time, may be
 * NULL); -1 on a store error. */
static long long failures_at(store_t *st, const char *key, int64_t now, int64_t *last)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;
    if (last)
        *last = 0;
    if (prepare(st,
                "SELECT count(*), coalesce(max(at_unix), 0) FROM login_failure"
                " WHERE key_hash = ? AND at_unix > ?",
                &s, NULL) != TW_OK)
        return -1;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now - AUTH_FAIL_WINDOW);
    if (sqlite3_step(s) == SQLITE_ROW) {
        n = sqlite3_column_int64(s, 0);
        if (last)
            *last = sqlite3_column_int64(s, 1);
    }
    store_release_cached(st, s);
    return n;
}

static long long failures(store_t *st, const char *key, int64_t now)
{
    return failures_at(st, key, now, NULL);
}

/* The growing delay of a name from one address (invariant 4): none below
 * AUTH_FAIL_USER_MAX failures in the window, then AUTH_FAIL_DELAY seconds
 * after the newest failure, doubling with each further failure, at most
 * the window. */
static int64_t pair_delay(long long n)
{
    int64_t d;
    if (n < AUTH_FAIL_USER_MAX)
        return 0;
    n -= AUTH_FAIL_USER_MAX;
    d = (int64_t)AUTH_FAIL_DELAY << (n > 10 ? 10 : n);
    return d > AUTH_FAIL_WINDOW ? AUTH_FAIL_WINDOW : d;
}

/* The keys of one attempt: the name from this address, and the address. */
static void attempt_keys(const char *user, const char *remote, char pkey[2 * HASH_LEN + 1],
                         char rkey[2 * HASH_LEN + 1])
{
    char pair[AUTH_PASSWORD_MAX + 128];
    snprintf(pair, sizeof(pair), "%.63s\n%.63s", user, remote);
    fail_key('p', pair, pkey);
    fail_key('r', remote, rkey);
}

/* Seconds to wait before the next attempt for (pkey, rkey) may be made; 0
 * when it may now; -1 on a store error. */
static int64_t attempt_wait(store_t *st, const char *pkey, const char *rkey, int64_t now)
{
    int64_t last = 0, wait = 0, d;
    long long np, nr;
    if ((np = failures_at(st, pkey, now, &last)) < 0 || (nr = failures(st, rkey, now)) < 0)
        return -1;
    d = pair_delay(np);
    if (d > 0 && last + d > now)
        wait = last + d - now;
    if (nr >= AUTH_FAIL_REMOTE_MAX && wait < AUTH_FAIL_WINDOW)
        wait = AUTH_FAIL_WINDOW; /* the oldest may go sooner: an upper bound */
    return wait;
}

static tw_err_t too_many(tw_errinfo_t *ei, int64_t wait)
{
    if (wait >= 120)
        return tw_errinfo_set(ei, TW_ETOOBIG,
                              "too many failed sign-ins for this user name from this address, "
                              "or from this address; try again in %lld minutes",
                              (long long)(wait + 59) / 60);
    return tw_errinfo_set(ei, TW_ETOOBIG,
                          "too many failed sign-ins for this user name from this address; try "
                          "again in %lld seconds",
                          (long long)wait);
}

int64_t auth_login_wait(store_t *st, const char *user, const char *remote)
{
    char pkey[2 * HASH_LEN + 1], rkey[2 * HASH_LEN + 1];
    if (auth_init() != TW_OK)
        return -1;
    attempt_keys(user ? user : "", remote && remote[0] ? remote : "unknown", pkey, rkey);
    return attempt_wait(st, pkey, rkey, now_unix());
}

/* Inserts one login_failure row for key at `now`; *id (may be NULL) = its id. */
static tw_err_t insert_failure(store_t *st, const char *key, int64_t now, int64_t *id,
                               tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    if ((err = prepare(st, "INSERT INTO login_failure(key_hash, at_unix) VALUES (?, ?)", &s,
                       ei)) != TW_OK)
        return err;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = store_db_error(st, ei, "recording a failed sign-in");
    else if (id)
        *id = sqlite3_last_insert_rowid(store_sqlite(st));
    store_release_cached(st, s);
    return err;
}

/* Invariant 6: in one write transaction, counts the failures of the name and
 * of the address in the window (TW_ETOOBIG, nothing written, when either is
 * at its limit), drops failures older than the window, and records one
 * provisional failure for each. The attempt then counts whatever happens;
 * a success removes the rows (*rrow: the address's row). */
static tw_err_t reserve_attempt(store_t *st, const char *ukey, const char *rkey, int64_t now,
                                int64_t *rrow, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    int64_t wait;
    tw_err_t err;
    int own = 0;

    *rrow = 0;
    if ((err = tx_begin(st, &own, ei)) != TW_OK)
        return err;
    if ((wait = attempt_wait(st, ukey, rkey, now)) < 0) {
        err = store_db_error(st, ei, "counting failed sign-ins");
        goto out;
    }
    if (wait > 0) {
        err = too_many(ei, wait);
        goto out;
    }
    if ((err = prepare(st, "DELETE FROM login_failure WHERE at_unix <= ?", &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_int64(s, 1, now - AUTH_FAIL_WINDOW);
    if (sqlite3_step(s) != SQLITE_DONE) {
        err = store_db_error(st, ei, "pruning failed sign-ins");
        goto out;
    }
    if ((err = insert_failure(st, ukey, now, NULL, ei)) != TW_OK ||
        (err = insert_failure(st, rkey, now, rrow, ei)) != TW_OK)
        goto out;
out:
    store_release_cached(st, s);
    return tx_end(st, own, err, ei);
}

tw_err_t auth_login_refusal(store_t *st, const char *user, const char *remote, int *first,
                            tw_errinfo_t *ei)
{
    char pkey[2 * HASH_LEN + 1], rkey[2 * HASH_LEN + 1], mark[2 * HASH_LEN + 1];
    char pair[AUTH_PASSWORD_MAX + 128];
    int64_t now = now_unix();
    long long nr, marks;
    tw_err_t err;
    int own = 0;

    *first = 0;
    if (!remote || !remote[0])
        remote = "unknown";
    if (!user)
        user = "";
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium cannot be initialised");
    attempt_keys(user, remote, pkey, rkey);
    if ((err = tx_begin(st, &own, ei)) != TW_OK)
        return err;
    if ((nr = failures(st, rkey, now)) < 0) {
        err = store_db_error(st, ei, "counting failed sign-ins");
        goto out;
    }
    /* the key that is over its limit: the address first, as auth_login
     * would also refuse every other name from it */
    if (nr >= AUTH_FAIL_REMOTE_MAX) {
        fail_key('R', remote, mark);
    } else {
        snprintf(pair, sizeof(pair), "%.63s\n%.63s", user, remote);
        fail_key('P', pair, mark);
    }
    (void)pkey;
    if ((marks = failures(st, mark, now)) < 0) {
        err = store_db_error(st, ei, "counting refused sign-ins");
        goto out;
    }
    if (marks == 0 && (err = insert_failure(st, mark, now, NULL, ei)) == TW_OK)
        *first = 1;
out:
    err = tx_end(st, own, err, ei);
    if (err != TW_OK)
        *first = 0;
    return err;
}

/* ---- sessions --------------------------------------------------------- */

/* Fills `who` from a row's columns: user id, name, role, org id, org name,
 * starting at column `c`. TW_EPERM when the stored role is not one we know. */
static tw_err_t fill_principal(sqlite3_stmt *s, int c, auth_principal_t *who, int via_session,
                               tw_errinfo_t *ei)
{
    auth_role_t role;
    if (auth_role_parse((const char *)sqlite3_column_text(s, c + 2), &role) != TW_OK)
        return tw_errinfo_set(ei, TW_EPERM, "the account has no valid role");
    who->user_id = sqlite3_column_int64(s, c);
    copy_name(who->user, sizeof(who->user), sqlite3_column_text(s, c + 1));
    who->role = role;
    who->org_id = sqlite3_column_int64(s, c + 3);
    copy_name(who->org, sizeof(who->org), sqlite3_column_text(s, c + 4));
    who->via_session = via_session;
    return TW_OK;
}

static tw_err_t session_create(store_t *st, int64_t uid, const char *remote, const char *ukey,
                               int64_t rrow, int64_t now, char session[AUTH_TOKEN_LEN + 1],
                               tw_errinfo_t *ei)
{
    unsigned char h[HASH_LEN];
    sqlite3_stmt *s = NULL;
    char iso[32];
    tw_err_t err;
    int own = 0;

    now_iso(iso);
    if ((err = tx_begin(st, &own, ei)) != TW_OK)
        return err;
    /* sessions that have ended on their own are dropped here, not on every request */
    if ((err = prepare(st, "DELETE FROM session WHERE expires_unix <= ?1 OR seen_unix <= ?1 - ?2",
                       &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, AUTH_SESSION_IDLE);
    if (sqlite3_step(s) != SQLITE_DONE) {
        err = store_db_error(st, ei, "pruning ended sessions");
        goto out;
    }
    store_release_cached(st, s);
    token_new(session, h);
    if ((err = prepare(st,
                       "INSERT INTO session(token_hash, user_id, remote, created_at,"
                       " created_unix, seen_unix, expires_unix) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       &s, ei)) != TW_OK)
        goto out;
    sqlite3_bind_blob(s, 1, h, HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, uid);
    sqlite3_bind_text(s, 3, remote, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, iso, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    sqlite3_bind_int64(s, 6, now);
    sqlite3_bind_int64(s, 7, now + AUTH_SESSION_LIFE);
    if (sqlite3_step(s) != SQLITE_DONE) {
        err = store_db_error(st, ei, "storing the session");
        goto out;
    }
    store_release_cached(st, s);
    /* a successful sign-in clears the name's failures and its own
     * provisional row of the address (invariant 6), not the address's other
     * failures: otherwise one valid account would reset an attacker's budget */
    if ((err = prepare(st, "DELETE FROM login_failure WHERE key_hash = ? OR id = ?", &s, ei)) !=
        TW_OK)
        goto out;
    sqlite3_bind_text(s, 1, ukey, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, rrow);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = store_db_error(st, ei, "clearing failed sign-ins");
out:
    store_release_cached(st, s);
    err = tx_end(st, own, err, ei);
    if (err != TW_OK)
        sodium_memzero(session, AUTH_TOKEN_LEN + 1);
    return err;
}

/* Stores a fresh hash when libsodium's interactive limits have grown since
 * the password was set. Best effort: the sign-in succeeds either way. */
static void rehash_if_needed(store_t *st, int64_t uid, const char *stored, const char *password,
                             size_t plen)
{
    char hash[crypto_pwhash_STRBYTES];
    sqlite3_stmt *s = NULL;

    if (crypto_pwhash_str_needs_rehash(stored, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE) != 1)
        return;
    if (crypto_pwhash_str(hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return;
    if (prepare(st, "UPDATE app_user SET password_hash = ? WHERE id = ?", &s, NULL) == TW_OK) {
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, uid);
        sqlite3_step(s);
    }
    store_release_cached(st, s);
}

tw_err_t auth_login(store_t *st, const char *user, const char *password, const char *remote,
                    char session[AUTH_TOKEN_LEN + 1], char csrf[AUTH_TOKEN_LEN + 1],
                    auth_principal_t *who, tw_errinfo_t *ei)
{
    char ukey[2 * HASH_LEN + 1], rkey[2 * HASH_LEN + 1], stored[crypto_pwhash_STRBYTES];
    sqlite3_stmt *s = NULL;
    int64_t now = now_unix(), rrow = 0;
    size_t plen;
    int found = 0, ok = 0, rc;
    tw_err_t err;

    memset(who, 0, sizeof(*who));
    session[0] = '\0';
    csrf[0] = '\0';
    stored[0] = '\0';
    if (!remote || !remote[0])
        remote = "unknown";
    if (!user)
        user = "";
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium cannot be initialised");

    /* made on the first attempt of any kind, so that making it does not
     * single out the first unknown name (invariant 3) */
    pthread_once(&dummy_once, dummy_init_once);
    attempt_keys(user, remote, ukey, rkey);
    /* counted as a failure from here on, whatever happens (invariant 6) */
    if ((err = reserve_attempt(st, ukey, rkey, now, &rrow, ei)) != TW_OK)
        return err;

    if (user_name_ok(user)) {
        if ((err = prepare(st,
                           "SELECT u.id, u.name, u.role, o.id, o.name, u.password_hash,"
                           " u.disabled_at FROM app_user u JOIN org o ON o.id = u.org_id"
                           " WHERE u.name = ?",
                           &s, ei)) != TW_OK)
            return err;
        sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && sqlite3_column_type(s, 6) == SQLITE_NULL &&
            (size_t)sqlite3_column_bytes(s, 5) < sizeof(stored)) {
            found = 1;
            copy_name(stored, sizeof(stored), sqlite3_column_text(s, 5));
            if ((err = fill_principal(s, 0, who, 1, ei)) != TW_OK) {
                store_release_cached(st, s);
                memset(who, 0, sizeof(*who));
                return err;
            }
        } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            err = store_db_error(st, ei, "looking up the user");
            store_release_cached(st, s);
            return err;
        }
        store_release_cached(st, s);
    }

    plen = password ? strlen(password) : 0;
    if (password && plen <= AUTH_PASSWORD_MAX) {
        if (found) {
            ok = crypto_pwhash_str_verify(stored, password, plen) == 0;
        } else {
            /* invariant 3: the same work for an unknown name */
            if (dummy_hash[0] && crypto_pwhash_str_verify(dummy_hash, password, plen) == 0)
                ok = 0; /* a random password: cannot match, and must not count */
        }
    }
    if (!ok) {
        memset(who, 0, sizeof(*who));
        sodium_memzero(stored, sizeof(stored));
        return tw_errinfo_set(ei, TW_EPERM, "%s", bad_login_msg); /* its rows stay */
    }
    rehash_if_needed(st, who->user_id, stored, password, plen);
    sodium_memzero(stored, sizeof(stored));
    if ((err = session_create(st, who->user_id, remote, ukey, rrow, now, session, ei)) !=
        TW_OK) {
        memset(who, 0, sizeof(*who));
        return err;
    }
    csrf_of(session, csrf);
    return TW_OK;
}

static const char session_gone_msg[] = "not signed in, or the session has ended: sign in again";

/* The row of `sql` (one parameter: a token hash) for a presented token, with
 * *s positioned on it: TW_EPERM with `gone` for a malformed or unknown token
 * (the same answer, so the two cannot be told apart), the store's error
 * naming `what` otherwise. *s is the caller's to finalize in every case. */
static tw_err_t find_by_token(store_t *st, const char *token, const char *sql, const char *gone,
                              const char *what, sqlite3_stmt **s, tw_errinfo_t *ei)
{
    unsigned char h[HASH_LEN];
    char ctx[64];
    tw_err_t err;
    int rc;

    *s = NULL;
    if (!token_wellformed(token))
        return tw_errinfo_set(ei, TW_EPERM, "%s", gone);
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium cannot be initialised");
    token_hash(token, h);
    if ((err = prepare(st, sql, s, ei)) != TW_OK)
        return err;
    sqlite3_bind_blob(*s, 1, h, HASH_LEN, SQLITE_STATIC);
    rc = sqlite3_step(*s);
    if (rc == SQLITE_ROW)
        return TW_OK;
    if (rc == SQLITE_DONE)
        return tw_errinfo_set(ei, TW_EPERM, "%s", gone);
    snprintf(ctx, sizeof(ctx), "looking up %s", what);
    return store_db_error(st, ei, ctx);
}

tw_err_t auth_session(store_t *st, const char *session, auth_principal_t *who,
                      char csrf[AUTH_TOKEN_LEN + 1], tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    int64_t now = now_unix(), sid, seen, expires;
    tw_err_t err;

    memset(who, 0, sizeof(*who));
    if (csrf)
        csrf[0] = '\0';
    if ((err = find_by_token(st, session,
                             "SELECT s.id, s.seen_unix, s.expires_unix, u.disabled_at,"
                             " u.id, u.name, u.role, o.id, o.name FROM session s"
                             " JOIN app_user u ON u.id = s.user_id JOIN org o ON o.id = u.org_id"
                             " WHERE s.token_hash = ?",
                             session_gone_msg, "the session", &s, ei)) != TW_OK)
        goto out;
    sid = sqlite3_column_int64(s, 0);
    seen = sqlite3_column_int64(s, 1);
    expires = sqlite3_column_int64(s, 2);
    if (now >= expires || now - seen >= AUTH_SESSION_IDLE ||
        sqlite3_column_type(s, 3) != SQLITE_NULL) {
        err = tw_errinfo_set(ei, TW_EPERM, "%s", session_gone_msg);
        goto out;
    }
    if ((err = fill_principal(s, 4, who, 1, ei)) != TW_OK)
        goto out;
    store_release_cached(st, s);
    s = NULL;
    if (now - seen >= TOUCH_EVERY &&
        prepare(st, "UPDATE session SET seen_unix = ? WHERE id = ?", &s, NULL) == TW_OK) {
        /* best effort: a missed touch costs at most a minute of idle time */
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int64(s, 2, sid);
        sqlite3_step(s);
    }
    if (csrf)
        csrf_of(session, csrf);
out:
    store_release_cached(st, s);
    if (err != TW_OK)
        memset(who, 0, sizeof(*who));
    return err;
}

tw_err_t auth_bearer(store_t *st, const char *token, auth_principal_t *who, tw_errinfo_t *ei)
{
    static const char msg[] = "unknown or revoked API token";
    sqlite3_stmt *s = NULL;
    tw_err_t err;

    memset(who, 0, sizeof(*who));
    if ((err = find_by_token(st, token,
                             "SELECT t.revoked_at, u.disabled_at, u.id, u.name, u.role, o.id,"
                             " o.name FROM api_token t JOIN app_user u ON u.id = t.user_id"
                             " JOIN org o ON o.id = u.org_id WHERE t.token_hash = ?",
                             msg, "the token", &s, ei)) != TW_OK)
        goto out;
    if (sqlite3_column_type(s, 0) != SQLITE_NULL || sqlite3_column_type(s, 1) != SQLITE_NULL) {
        err = tw_errinfo_set(ei, TW_EPERM, "%s", msg);
        goto out;
    }
    err = fill_principal(s, 2, who, 0, ei);
out:
    store_release_cached(st, s);
    if (err != TW_OK)
        memset(who, 0, sizeof(*who));
    return err;
}

tw_err_t auth_logout(store_t *st, const char *session)
{
    unsigned char h[HASH_LEN];
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;

    if (!token_wellformed(session))
        return TW_OK;
    if (auth_init() != TW_OK)
        return TW_EINTERNAL;
    token_hash(session, h);
    if (prepare(st, "DELETE FROM session WHERE token_hash = ?", &s, NULL) != TW_OK)
        return TW_EDB;
    sqlite3_bind_blob(s, 1, h, HASH_LEN, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = TW_EDB;
    store_release_cached(st, s);
    return err;
}
