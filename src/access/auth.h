/*
 * auth.h - who is asking: organisations, users, passwords, browser sessions,
 * API bearer tokens and the sign-in rate limit.
 *
 * A user belongs to one organisation and has one role. Passwords are stored
 * as argon2id hashes (libsodium crypto_pwhash_str, interactive limits);
 * session and bearer tokens are 32 random bytes shown to the client as 43
 * characters of base64url and stored only as their BLAKE2b-256 hash, so a
 * copy of the database does not let anyone sign in. What a role may do is
 * decided in authz.c, not here; who did what is written by audit.c. The
 * functions here do not write the audit log: their callers do (the CLI and
 * the HTTP server), in the same transaction where the write is theirs.
 *
 * Tables (created by store.c, migration 4; written only here): org,
 * app_user, session, api_token, login_failure. Design, lifetimes and limits:
 * docs/internals/auth.md.
 *
 * Thread model: every function takes the caller's store_t (one per thread);
 * the shared state (failed sign-ins, sessions) lives in the store, so it is
 * shared by every server thread and process and survives restarts.
 * auth_init() is called by every function that needs libsodium and may be
 * called from any thread.
 */
#ifndef TW_AUTH_H
#define TW_AUTH_H

#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

typedef enum {
    ROLE_ADMIN = 0,
    ROLE_ANALYST,
    ROLE_INSPECTOR,
    ROLE_CASE_WORKER,
    ROLE_STATISTICIAN,
    ROLE_AUDITOR,
    ROLE_COUNT
} auth_role_t;

/* "admin", "analyst", "inspector", "case_worker", "statistician", "auditor";
 * "unknown" for a value out of range. Static. */
const char *auth_role_name(auth_role_t r);
/* TW_EINPUT for an unknown name (the caller names it in its message). */
tw_err_t auth_role_parse(const char *s, auth_role_t *out);
/* "admin, analyst, inspector, case_worker, statistician, auditor": for
 * messages. Static. */
const char *auth_role_list(void);

typedef struct {
    int64_t user_id; /* 0 = nobody (unauthenticated) */
    int64_t org_id;
    auth_role_t role;
    char user[64];
    char org[64];
    int via_session; /* 1: browser session cookie (writes need the CSRF token);
                        0: bearer token or CLI */
} auth_principal_t;

/* base64url (no padding) of 32 random bytes; buffers are AUTH_TOKEN_LEN+1 */
#define AUTH_TOKEN_LEN 43

#define AUTH_NAME_MAX 63        /* bytes in a user or organisation name */
#define AUTH_PASSWORD_MIN 10    /* bytes */
#define AUTH_PASSWORD_MAX 1024  /* bytes */
#define AUTH_LABEL_MAX 200      /* bytes in a token label */
#define AUTH_SESSION_IDLE 1800  /* seconds without a request before a session ends */
#define AUTH_SESSION_LIFE 43200 /* seconds after sign-in when a session ends anyway */
#define AUTH_FAIL_WINDOW 900    /* seconds over which failed sign-ins are counted */
#define AUTH_FAIL_USER_MAX 5    /* failures of a name from one address before delays begin */
#define AUTH_FAIL_DELAY 15      /* seconds of the first delay; it doubles with each failure */
#define AUTH_FAIL_REMOTE_MAX 20 /* failures per remote address in the window */

/* Initialises libsodium once (thread-safe). TW_EINTERNAL when it cannot. */
tw_err_t auth_init(void);

/* Creates the organisation when it does not exist yet. Password: >= 10 bytes, hashed with argon2id
 * (libsodium crypto_pwhash_str, interactive limits). TW_ECONFLICT when the user exists.
 * Names: a user name is 1..63 of A-Z a-z 0-9 . _ - @ (compared without case); an
 * organisation name is 1..63 bytes of printable UTF-8 without leading or trailing spaces
 * (TW_EINPUT otherwise, naming the field). Runs inside the caller's transaction when one
 * is open (so the caller can audit the addition in it), else in its own. */
tw_err_t auth_user_add(store_t *st, const char *name, const char *org, auth_role_t role,
                       const char *password, tw_errinfo_t *ei);
/* A bearer token for API clients, printed once; only its hash (crypto_generichash) is stored.
 * label may be NULL. TW_ENOTFOUND for an unknown user, TW_EPERM for a disabled one. Uses the
 * caller's transaction like auth_user_add. *token_id (may be NULL) = the new token's id. */
tw_err_t auth_token_create(store_t *st, const char *user, const char *label,
                           char token[AUTH_TOKEN_LEN + 1], tw_errinfo_t *ei);
tw_err_t auth_token_create_id(store_t *st, const char *user, const char *label,
                              char token[AUTH_TOKEN_LEN + 1], int64_t *token_id,
                              tw_errinfo_t *ei);
/* Revokes API token `id`: it stops working at once. TW_ENOTFOUND when there is no such
 * token, TW_ECONFLICT when it was already revoked. *user (may be NULL, 64 bytes) = its
 * owner. Uses the caller's transaction like auth_user_add. */
tw_err_t auth_token_revoke(store_t *st, int64_t id, char user[64], tw_errinfo_t *ei);
/* Disables a user: no more sign-ins, sessions or bearer tokens; its sessions are ended.
 * TW_ENOTFOUND, TW_ECONFLICT when already disabled. Caller's transaction as above. */
tw_err_t auth_user_disable(store_t *st, const char *name, tw_errinfo_t *ei);

/* Checks the password; on success creates a session (idle timeout and absolute lifetime) and
 * returns its token and its CSRF token. Failed attempts are counted per user name from one
 * remote address, and per remote address, in the store (shared by every server thread and
 * surviving restarts): after AUTH_FAIL_USER_MAX failures of a name from one address in the
 * window, each further attempt from there waits AUTH_FAIL_DELAY seconds after the last
 * failure, doubling with each failure (at most the window); AUTH_FAIL_REMOTE_MAX failures
 * from one address close it for the window. Inside a wait it answers TW_ETOOBIG without
 * checking the password. The same name from another address is not held up (a limit on the
 * name alone would let anyone lock its owner out). An
 * attempt is counted before its password is checked, in the same write transaction as the
 * count, so parallel attempts never pass the limit; a success takes its count back.
 * A wrong name or wrong password is the same TW_EPERM with the same message.
 * remote may be NULL ("unknown"). */
tw_err_t auth_login(store_t *st, const char *user, const char *password, const char *remote,
                    char session[AUTH_TOKEN_LEN + 1], char csrf[AUTH_TOKEN_LEN + 1],
                    auth_principal_t *who, tw_errinfo_t *ei);
/* After auth_login() answered TW_ETOOBIG for (user, remote): *first = 1 when this is the
 * first such refusal in the window for the key that is over its limit (the address when it
 * is, else the user name), and records that it was; *first = 0 for the later ones. The
 * caller audits the first only, so that a client hammering the sign-in cannot flood the audit
 * log: every wrong password is still audited, and the limit bounds those. */
tw_err_t auth_login_refusal(store_t *st, const char *user, const char *remote, int *first,
                            tw_errinfo_t *ei);
/* Seconds before auth_login() would try (user, remote) again (0: now; -1: a
 * store error): for the Retry-After of a refusal. */
int64_t auth_login_wait(store_t *st, const char *user, const char *remote);
/* 1 when an account, active or disabled, has this name (compared without case), with the name
 * as the account spells it in canonical (64 bytes; may be NULL); 0 when none does (also for a
 * string that cannot be a user name); -1 on a store error. */
int auth_user_known(store_t *st, const char *name, char canonical[64]);
/* Resolves a session cookie value; also returns the session's CSRF token. TW_EPERM when
 * unknown, expired or logged out. Touches the idle timer. csrf may be NULL. */
tw_err_t auth_session(store_t *st, const char *session, auth_principal_t *who,
                      char csrf[AUTH_TOKEN_LEN + 1], tw_errinfo_t *ei);
/* Resolves an API bearer token. TW_EPERM when unknown, revoked, or its user is disabled. */
tw_err_t auth_bearer(store_t *st, const char *token, auth_principal_t *who, tw_errinfo_t *ei);
/* Ends a session; TW_OK also when it was unknown or had already ended. */
tw_err_t auth_logout(store_t *st, const char *session);
/* Constant-time comparison of two NUL-terminated tokens (sodium_memcmp on equal lengths).
 * 1 when equal, 0 otherwise (also when either is NULL). */
int auth_token_equal(const char *a, const char *b);

/* One user for auth_user_list (never the password hash). Valid only during the callback. */
typedef struct {
    int64_t id, org_id;
    const char *name, *org, *role, *created_at;
    const char *disabled_at; /* NULL while active */
    long long tokens;        /* API tokens not revoked */
} auth_user_info_t;
typedef tw_err_t (*auth_user_fn)(void *ctx, const auth_user_info_t *u);
/* Every user, by name; fn's error stops the walk and is returned. */
tw_err_t auth_user_list(store_t *st, auth_user_fn fn, void *ctx, tw_errinfo_t *ei);

/* One API token for auth_token_list (never the token or its hash). */
typedef struct {
    int64_t id;
    const char *user, *label, *created_at;
    const char *revoked_at; /* NULL while valid */
} auth_token_info_t;
typedef tw_err_t (*auth_token_fn)(void *ctx, const auth_token_info_t *t);
/* The API tokens of `user` (NULL: of everyone), by id. */
tw_err_t auth_token_list(store_t *st, const char *user, auth_token_fn fn, void *ctx,
                         tw_errinfo_t *ei);

#endif
