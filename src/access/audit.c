/*
 * audit.c - the append-only, hash-chained audit log (contract in audit.h,
 * design in docs/internals/audit.md).
 *
 * Data structure: table audit_log, one row per entry with ids 1, 2, 3, ...
 * and hash = SHA-256(hash of the entry before || canonical bytes of this
 * one); table audit_head, one row holding the id and hash of the newest
 * entry. The canonical bytes are: the tag "tipwatch-audit-v1" and its NUL,
 * the id as 8 bytes big-endian, then each of at, actor, actor_id (decimal),
 * org, role, via, action, object, remote, detail as a 4-byte big-endian
 * length and the bytes, or FF FF FF FF for NULL. Lengths make the encoding
 * unambiguous; the id in it ties each entry to its place.
 *
 * Invariants:
 *   1. Entry ids are dense from 1 (a trigger refuses any other id) and
 *      audit_head.last_id is the largest; both move in one transaction.
 *   2. An entry, once written, is never changed or deleted (triggers refuse
 *      UPDATE and DELETE; they are a guard against mistakes, not against
 *      someone who can drop them: that is what verify is for).
 *   3. The hash of entry n depends on every entry 1..n; the first chains to
 *      32 zero bytes.
 *   4. Appends are serialised by the store's write lock (BEGIN IMMEDIATE, or
 *      the caller's write transaction), so two appends never read the same
 *      previous hash.
 *
 * Thread model: the caller's store_t; no state of its own.
 * Ownership: audit_entry_t strings live until the callback returns.
 */
#include "access/audit.h"

#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ingest/norm.h"

enum { F_AT, F_ACTOR, F_ACTOR_ID, F_ORG, F_ROLE, F_VIA, F_ACTION, F_OBJECT, F_REMOTE, F_DETAIL,
       NFIELDS };

typedef struct {
    const char *p; /* NULL: SQL NULL */
    size_t n;
} field_t;

/* Columns in the order of the fields, after id and before hash. */
#define ENTRY_COLUMNS                                                                          \
    "id, at, actor, actor_id, org, role, via, action, object, remote, detail, hash"

static void be(unsigned char *out, uint64_t v, int bytes)
{
    int i;
    for (i = bytes - 1; i >= 0; i--) {
        out[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

/* hash = SHA-256(prev || canonical bytes of entry `id` with fields f). */
static void entry_hash(const unsigned char prev[AUDIT_HASH_LEN], long long id, const field_t *f,
                       unsigned char out[AUDIT_HASH_LEN])
{
    static const unsigned char tag[] = "tipwatch-audit-v1"; /* with its NUL */
    crypto_hash_sha256_state s;
    unsigned char b[8];
    int i;

    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, prev, AUDIT_HASH_LEN);
    crypto_hash_sha256_update(&s, tag, sizeof(tag));
    be(b, (uint64_t)id, 8);
    crypto_hash_sha256_update(&s, b, 8);
    for (i = 0; i < NFIELDS; i++) {
        if (!f[i].p) {
            memset(b, 0xff, 4);
            crypto_hash_sha256_update(&s, b, 4);
            continue;
        }
        be(b, (uint64_t)f[i].n, 4);
        crypto_hash_sha256_update(&s, b, 4);
        crypto_hash_sha256_update(&s, (const unsigned char *)f[i].p, f[i].n);
    }
    crypto_hash_sha256_final(&s, out);
}

void audit_hash_hex(const unsigned char h[AUDIT_HASH_LEN], char out[2 * AUDIT_HASH_LEN + 1])
{
    sodium_bin2hex(out, 2 * AUDIT_HASH_LEN + 1, h, AUDIT_HASH_LEN);
}

tw_err_t audit_hash_parse(const char *hex, unsigned char h[AUDIT_HASH_LEN])
{
    size_t n = 0;
    const char *end = NULL;
    if (!hex || strlen(hex) != 2 * AUDIT_HASH_LEN)
        return TW_EINPUT;
    if (sodium_hex2bin(h, AUDIT_HASH_LEN, hex, 2 * AUDIT_HASH_LEN, NULL, &n, &end) != 0 ||
        n != AUDIT_HASH_LEN || *end != '\0')
        return TW_EINPUT;
    return TW_OK;
}

/* UTC, ISO 8601, microseconds: 2024-05-01T12:00:00.123456Z */
static void now_iso_us(char out[40])
{
    struct timespec ts;
    struct tm tm;
    char sec[24];
    time_t t;

    clock_gettime(CLOCK_REALTIME, &ts);
    t = ts.tv_sec;
    gmtime_r(&t, &tm);
    strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%06dZ", sec, (int)(ts.tv_nsec / 1000) % 1000000);
}

/* The operating-system user running this process, or "cli". */
static void os_user(char *out, size_t cap)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_name &&
        res->pw_name[0] && strlen(res->pw_name) < cap &&
        norm_utf8_valid(res->pw_name, strlen(res->pw_name)))
        snprintf(out, cap, "%s", res->pw_name);
    else
        snprintf(out, cap, "cli");
}

/* Valid UTF-8 of at most max bytes without control characters (but for
 * `detail`, which is JSON text and may hold line breaks). */
static tw_err_t check_text(const char *what, const char *s, size_t max, int allow_newlines,
                           tw_errinfo_t *ei)
{
    size_t i, n = strlen(s);
    if (n > max) {
        tw_errinfo_field(ei, what);
        return tw_errinfo_set(ei, TW_EINPUT, "audit %s too long: %zu bytes, at most %zu", what,
                              n, max);
    }
    if (!norm_utf8_valid(s, n)) {
        tw_errinfo_field(ei, what);
        return tw_errinfo_set(ei, TW_EINPUT, "audit %s is not valid UTF-8", what);
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t'))) ||
            c == 0x7f) {
            tw_errinfo_field(ei, what);
            return tw_errinfo_set(ei, TW_EINPUT, "audit %s holds a control character at byte %zu",
                                  what, i + 1);
        }
    }
    return TW_OK;
}

static void set_field(field_t *f, const char *s)
{
    f->p = s;
    f->n = s ? strlen(s) : 0;
}

tw_err_t audit_append(store_t *st, const auth_principal_t *who, const char *action,
                      const char *object, const char *remote, const char *detail,
                      tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    field_t f[NFIELDS];
    unsigned char prev[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN];
    char at[40], actor[64], org[64], actor_id[24];
    long long id = 0;
    tw_err_t err;
    int own = 0, i;

    if (!action || !action[0]) {
        tw_errinfo_field(ei, "action");
        return tw_errinfo_set(ei, TW_EINPUT, "audit entry without an action");
    }
    if (!object)
        object = "";
    if (!remote || !remote[0])
        remote = "cli";
    if ((err = check_text("action", action, AUDIT_ACTION_MAX, 0, ei)) != TW_OK ||
        (err = check_text("object", object, AUDIT_OBJECT_MAX, 0, ei)) != TW_OK ||
        (err = check_text("remote", remote, AUDIT_REMOTE_MAX, 0, ei)) != TW_OK ||
        (detail && (err = check_text("detail", detail, AUDIT_DETAIL_MAX, 1, ei)) != TW_OK))
        return err;
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium cannot be initialised");

    memset(f, 0, sizeof(f));
    now_iso_us(at);
    set_field(&f[F_AT], at);
    if (!who) {
        os_user(actor, sizeof(actor));
        set_field(&f[F_VIA], "cli");
    } else if (who->user_id == 0) {
        snprintf(actor, sizeof(actor), "anonymous");
        set_field(&f[F_VIA], "anonymous");
    } else {
        snprintf(actor, sizeof(actor), "%.*s", (int)strnlen(who->user, sizeof(who->user)),
                 who->user);
        snprintf(org, sizeof(org), "%.*s", (int)strnlen(who->org, sizeof(who->org)), who->org);
        snprintf(actor_id, sizeof(actor_id), "%lld", (long long)who->user_id);
        set_field(&f[F_ACTOR_ID], actor_id);
        set_field(&f[F_ORG], org);
        set_field(&f[F_ROLE], auth_role_name(who->role));
        set_field(&f[F_VIA], who->via_session ? "session" : "token");
    }
    set_field(&f[F_ACTOR], actor);
    set_field(&f[F_ACTION], action);
    set_field(&f[F_OBJECT], object);
    set_field(&f[F_REMOTE], remote);
    set_field(&f[F_DETAIL], detail);

    /* own 1: our transaction; 2: a savepoint in the caller's, so a failure
     * here leaves neither half an entry nor a head out of step */
    if (sqlite3_get_autocommit(db)) {
        if (store_begin(st) != TW_OK)
            return tw_errinfo_set(ei, TW_EDB, "audit: cannot start a transaction: %s",
                                  store_errmsg(st));
        own = 1;
    } else {
        if (sqlite3_exec(db, "SAVEPOINT tw_audit", NULL, NULL, NULL) != SQLITE_OK)
            return tw_errinfo_set(ei, TW_EDB, "audit: cannot start a savepoint: %s",
                                  store_errmsg(st));
        own = 2;
    }
    if (store_prepare_cached(st, "SELECT last_id, hash FROM audit_head WHERE id = 1", &s) !=
        TW_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "audit: reading the head: %s", store_errmsg(st));
        goto out;
    }
    if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 1) != AUDIT_HASH_LEN) {
        err = tw_errinfo_set(ei, TW_EINTERNAL,
                             "audit: the head of the log is missing or damaged; "
                             "run 'tipwatch audit verify'");
        goto out;
    }
    id = sqlite3_column_int64(s, 0) + 1;
    memcpy(prev, sqlite3_column_blob(s, 1), AUDIT_HASH_LEN);
    store_release_cached(st, s);
    s = NULL;
    entry_hash(prev, id, f, h);

    if (store_prepare_cached(st,
                             "INSERT INTO audit_log(" ENTRY_COLUMNS ")"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             &s) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "audit: preparing the insert: %s", store_errmsg(st));
        goto out;
    }
    sqlite3_bind_int64(s, 1, id);
    for (i = 0; i < NFIELDS; i++) {
        if (!f[i].p)
            sqlite3_bind_null(s, i + 2);
        else if (i == F_ACTOR_ID)
            sqlite3_bind_int64(s, i + 2, (sqlite3_int64)who->user_id);
        else
            sqlite3_bind_text(s, i + 2, f[i].p, (int)f[i].n, SQLITE_STATIC);
    }
    sqlite3_bind_blob(s, NFIELDS + 2, h, AUDIT_HASH_LEN, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        err = tw_errinfo_set(ei, TW_EDB, "audit: writing entry %lld: %s", id, store_errmsg(st));
        goto out;
    }
    store_release_cached(st, s);
    s = NULL;
    if (store_prepare_cached(st, "UPDATE audit_head SET last_id = ?, hash = ? WHERE id = 1", &s) !=
        TW_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "audit: preparing the head: %s", store_errmsg(st));
        goto out;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_blob(s, 2, h, AUDIT_HASH_LEN, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE || sqlite3_changes(db) != 1)
        err = tw_errinfo_set(ei, TW_EDB, "audit: moving the head: %s", store_errmsg(st));
out:
    store_release_cached(st, s);
    if (own == 2) {
        if (err != TW_OK)
            sqlite3_exec(db, "ROLLBACK TO tw_audit", NULL, NULL, NULL);
        if (sqlite3_exec(db, "RELEASE tw_audit", NULL, NULL, NULL) != SQLITE_OK && err == TW_OK)
            err = tw_errinfo_set(ei, TW_EDB, "audit: releasing the savepoint: %s",
                                 store_errmsg(st));
    } else if (err != TW_OK) {
        store_rollback(st);
    } else if (store_commit(st) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "audit: the store refused to commit entry %lld", id);
    }
    return err;
}

/* Reads the columns of ENTRY_COLUMNS into fields (pointers valid until the
 * next step). actor_id is turned back into the decimal text it was hashed
 * as; a value that is not an integer stays as it is and will not match. */
static void read_fields(sqlite3_stmt *s, field_t *f, char actor_id[24])
{
    int i;
    for (i = 0; i < NFIELDS; i++) {
        int col = i + 1;
        int type = sqlite3_column_type(s, col);
        if (type == SQLITE_NULL) {
            f[i].p = NULL;
            f[i].n = 0;
        } else if (i == F_ACTOR_ID && type == SQLITE_INTEGER) {
            snprintf(actor_id, 24, "%lld", (long long)sqlite3_column_int64(s, col));
            set_field(&f[i], actor_id);
        } else {
            f[i].p = (const char *)sqlite3_column_text(s, col);
            f[i].n = (size_t)sqlite3_column_bytes(s, col);
            if (!f[i].p) { /* out of memory converting: will not match */
                f[i].p = "";
                f[i].n = 0;
            }
        }
    }
}

tw_err_t audit_verify_report(store_t *st, long long anchor_id,
                             const unsigned char anchor_hash[AUDIT_HASH_LEN],
                             audit_report_t *out, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    unsigned char prev[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN];
    field_t f[NFIELDS];
    char actor_id[24];
    long long expect = 1, last = 0;
    int own_read = 0, rc, have_head = 0;
    tw_err_t err = TW_OK;

    memset(out, 0, sizeof(*out));
    memset(prev, 0, sizeof(prev));
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium cannot be initialised");
    /* one snapshot: an append while we walk must not look like damage */
    if (sqlite3_get_autocommit(db)) {
        if (store_begin_read(st) != TW_OK)
            return tw_errinfo_set(ei, TW_EDB, "audit: cannot read the store: %s",
                                  store_errmsg(st));
        own_read = 1;
    }
    if (sqlite3_prepare_v2(db, "SELECT last_id, hash FROM audit_head WHERE id = 1", -1, &s,
                           NULL) != SQLITE_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "audit: reading the head: %s", store_errmsg(st));
        goto out;
    }
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 1) == AUDIT_HASH_LEN) {
        have_head = 1;
        out->head_id = sqlite3_column_int64(s, 0);
        memcpy(out->head_hash, sqlite3_column_blob(s, 1), AUDIT_HASH_LEN);
    }
    sqlite3_finalize(s);
    s = NULL;

    if (sqlite3_prepare_v2(db, "SELECT " ENTRY_COLUMNS " FROM audit_log ORDER BY id", -1, &s,
                           NULL) != SQLITE_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "audit: reading the log: %s", store_errmsg(st));
        goto out;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(s, 0);
        const void *stored = sqlite3_column_blob(s, NFIELDS + 1);
        int stored_len = sqlite3_column_bytes(s, NFIELDS + 1);

        if (id != expect) {
            out->first_bad = id;
            if (id < expect)
                snprintf(out->reason, sizeof(out->reason), "its id is out of sequence");
            else if (id == expect + 1)
                snprintf(out->reason, sizeof(out->reason),
                         "entry %lld before it is missing", expect);
            else
                snprintf(out->reason, sizeof(out->reason),
                         "entries %lld to %lld before it are missing", expect, id - 1);
            goto done;
        }
        read_fields(s, f, actor_id);
        entry_hash(prev, id, f, h);
        if (stored_len != AUDIT_HASH_LEN || memcmp(stored, h, AUDIT_HASH_LEN) != 0) {
            out->first_bad = id;
            snprintf(out->reason, sizeof(out->reason),
                     "its hash does not match its content and the entry before it: it was "
                     "changed, moved or put in");
            goto done;
        }
        if (anchor_id == id && memcmp(anchor_hash, h, AUDIT_HASH_LEN) != 0) {
            out->first_bad = id;
            snprintf(out->reason, sizeof(out->reason),
                     "its hash differs from the anchor: the log up to here was rewritten");
            goto done;
        }
        memcpy(prev, h, AUDIT_HASH_LEN);
        last = id;
        expect++;
        out->entries++;
    }
    if (rc != SQLITE_DONE) {
        err = tw_errinfo_set(ei, TW_EDB, "audit: reading the log: %s", store_errmsg(st));
        goto out;
    }
    /* the chain holds; now its end against the head and the anchor */
    if (!have_head) {
        out->first_bad = last + 1;
        snprintf(out->reason, sizeof(out->reason),
                 "the head of the log (audit_head) is missing or damaged");
    } else if (out->head_id > last) {
        out->first_bad = last + 1;
        snprintf(out->reason, sizeof(out->reason),
                 "the log ends at entry %lld but its head records %lld: the entries after "
                 "%lld were removed",
                 last, out->head_id, last);
    } else if (out->head_id < last) {
        out->first_bad = out->head_id + 1;
        snprintf(out->reason, sizeof(out->reason),
                 "entries after %lld were added without moving the head (written outside "
                 "tipwatch)",
                 out->head_id);
    } else if (memcmp(out->head_hash, prev, AUDIT_HASH_LEN) != 0) {
        out->first_bad = last > 0 ? last : 1;
        snprintf(out->reason, sizeof(out->reason),
                 "the head's hash does not match entry %lld: the log was rewritten", last);
    } else if (anchor_id > last) {
        out->first_bad = last + 1;
        snprintf(out->reason, sizeof(out->reason),
                 "the anchor names entry %lld but the log ends at %lld", anchor_id, last);
    }
done:
    if (out->first_bad)
        out->entries = out->first_bad - 1 < out->entries ? out->first_bad - 1 : out->entries;
out:
    sqlite3_finalize(s);
    if (own_read)
        store_end_read(st);
    return err;
}

tw_err_t audit_verify(store_t *st, long long *entries, long long *first_bad, tw_errinfo_t *ei)
{
    audit_report_t r;
    tw_err_t err = audit_verify_report(st, 0, NULL, &r, ei);
    *entries = r.entries;
    *first_bad = r.first_bad;
    if (err == TW_OK && r.first_bad && ei)
        tw_errinfo_set(ei, TW_OK, "audit: chain broken at entry %lld: %s", r.first_bad,
                       r.reason);
    return err;
}

tw_err_t audit_list(store_t *st, long long limit, audit_entry_fn fn, void *ctx,
                    tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    field_t f[NFIELDS];
    char actor_id[24];
    tw_err_t err = TW_OK;
    int rc;

    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT " ENTRY_COLUMNS " FROM (SELECT " ENTRY_COLUMNS
                           " FROM audit_log ORDER BY id DESC LIMIT ?) ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return tw_errinfo_set(ei, TW_EDB, "audit: reading the log: %s", store_errmsg(st));
    sqlite3_bind_int64(s, 1, limit > 0 ? limit : -1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        audit_entry_t e;
        read_fields(s, f, actor_id);
        e.id = sqlite3_column_int64(s, 0);
        e.at = f[F_AT].p ? f[F_AT].p : "";
        e.actor = f[F_ACTOR].p ? f[F_ACTOR].p : "";
        e.actor_id = sqlite3_column_int64(s, 1 + F_ACTOR_ID);
        e.org = f[F_ORG].p;
        e.role = f[F_ROLE].p;
        e.via = f[F_VIA].p ? f[F_VIA].p : "";
        e.action = f[F_ACTION].p ? f[F_ACTION].p : "";
        e.object = f[F_OBJECT].p ? f[F_OBJECT].p : "";
        e.remote = f[F_REMOTE].p ? f[F_REMOTE].p : "";
        e.detail = f[F_DETAIL].p;
        e.hash = sqlite3_column_bytes(s, NFIELDS + 1) == AUDIT_HASH_LEN
                     ? sqlite3_column_blob(s, NFIELDS + 1)
                     : NULL;
        if ((err = fn(ctx, &e)) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = tw_errinfo_set(ei, TW_EDB, "audit: reading the log: %s", store_errmsg(st));
out:
    sqlite3_finalize(s);
    return err;
}
