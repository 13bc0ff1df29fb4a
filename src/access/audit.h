/*
 * audit.h - the audit log: append-only, every entry hash-chained to the one
 * before it, so that an entry changed, removed, reordered or slipped in
 * afterwards is found by audit_verify().
 *
 * Each entry records who (user, organisation, role, and how they came in:
 * session, token, cli or anonymous), what (an action such as "alert.read",
 * "user.add", "login.fail"), on what (an object such as "alert:123"), from
 * where (remote address or "cli"), when (UTC, microseconds) and an optional
 * short JSON detail. Its hash is SHA-256(previous hash || canonical bytes of
 * the entry); the canonical encoding, what verify proves and what it cannot
 * are in docs/internals/audit.md.
 *
 * Tables (store.c, migration 4; written only here): audit_log, and
 * audit_head, the id and hash of the newest entry, moved forward in the
 * same transaction as each append, so a log that was cut short is noticed.
 *
 * Thread model: the caller's store_t. Appends from several threads or
 * processes are serialised by SQLite's write lock, so the chain never forks.
 */
#ifndef TW_AUDIT_H
#define TW_AUDIT_H

#include "access/auth.h"
#include "base/err.h"
#include "store/store.h"

#define AUDIT_HASH_LEN 32
#define AUDIT_ACTION_MAX 64   /* bytes */
#define AUDIT_OBJECT_MAX 512  /* bytes */
#define AUDIT_REMOTE_MAX 128  /* bytes */
#define AUDIT_DETAIL_MAX 16384 /* bytes: room for the ids and keys a read disclosed */

/* Appends one entry: who (NULL = system/CLI; then actor_cli names the OS user or "cli"), what
 * (action, e.g. "alert.read", "alert.transition", "user.add", "login.fail"), the object
 * ("alert:123", "entity:worker:ARM:AB123"), from where (remote address or "cli"), when
 * (UTC, ISO 8601, microseconds), an optional detail (short JSON text or NULL), and
 * hash = SHA-256(prev_hash || canonical bytes of this entry) (crypto_hash_sha256).
 * The first entry chains to 32 zero bytes. Must be called inside the caller's write transaction
 * when the write it records is transactional, so a write and its audit entry land together;
 * with no transaction open it makes its own.
 * object NULL is stored as ""; remote NULL as "cli". A principal with user_id 0 is recorded
 * as "anonymous". TW_EINPUT (naming the field) when a text is empty (action), too long (see
 * the limits above) or not valid UTF-8. */
tw_err_t audit_append(store_t *st, const auth_principal_t *who, const char *action,
                      const char *object, const char *remote, const char *detail,
                      tw_errinfo_t *ei);

/* Walks the whole chain. *entries = how many checked; *first_bad = id of the first entry whose
 * hash does not match or whose predecessor is missing (0 when the chain is intact).
 * Detects edited, removed (gap in ids or broken link), reordered or inserted entries.
 * *entries counts the entries found intact (all of them when *first_bad is 0). When the log
 * ends before the head records (the tail was cut), *first_bad is the first missing id.
 * A broken chain is TW_OK with *first_bad set; an error is only a failure to read. */
tw_err_t audit_verify(store_t *st, long long *entries, long long *first_bad, tw_errinfo_t *ei);

/* What audit_verify_report found. */
typedef struct {
    long long entries;   /* entries found intact, in order, from the first */
    long long first_bad; /* 0: intact */
    char reason[256];    /* why first_bad is bad; "" when intact */
    long long head_id;   /* the newest entry as recorded in audit_head (0: empty log) */
    unsigned char head_hash[AUDIT_HASH_LEN];
} audit_report_t;

/* audit_verify with the reason and the recorded head. With anchor_id > 0 it also checks
 * that entry anchor_id exists and has hash anchor_hash (an anchor written down earlier
 * from `tipwatch audit head`): this is what shows a log rewritten from the start, hashes
 * and head included, by someone who could write to the database file. */
tw_err_t audit_verify_report(store_t *st, long long anchor_id,
                             const unsigned char anchor_hash[AUDIT_HASH_LEN],
                             audit_report_t *out, tw_errinfo_t *ei);

/* One entry for audit_list; strings valid only during the callback. org, role and
 * detail may be NULL; actor_id is 0 for the CLI and anonymous callers. */
typedef struct {
    long long id;
    const char *at, *actor, *org, *role, *via, *action, *object, *remote, *detail;
    long long actor_id;
    const unsigned char *hash; /* AUDIT_HASH_LEN bytes, or NULL when damaged */
} audit_entry_t;
typedef tw_err_t (*audit_entry_fn)(void *ctx, const audit_entry_t *e);

/* The newest `limit` entries (0: all), oldest first. fn's error stops the walk and is
 * returned. */
tw_err_t audit_list(store_t *st, long long limit, audit_entry_fn fn, void *ctx,
                    tw_errinfo_t *ei);

/* Lower-case hex of a hash into out (2 * AUDIT_HASH_LEN + 1 bytes). */
void audit_hash_hex(const unsigned char h[AUDIT_HASH_LEN], char out[2 * AUDIT_HASH_LEN + 1]);
/* Parses 64 hex digits; TW_EINPUT otherwise. */
tw_err_t audit_hash_parse(const char *hex, unsigned char h[AUDIT_HASH_LEN]);

#endif
