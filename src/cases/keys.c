/*
 * keys.c - the lifecycle of the personal data at rest: creating the key
 * file, rotating its keys over the whole store, reporting which key seals
 * what, and the retention purge of NRM cases (contract in keys.h, design in
 * docs/internals/keys.md).
 *
 * Data: the key file (vault.c reads and rewrites it; this file never sees
 * key material), the sealed columns of the case tables (read through
 * cases_key_usage(), re-sealed through cases_reseal()), and its own table
 * key_rotation (store.c, migration 8) through keyring.h: one row per
 * committed rotation, the newest naming the store's current key. keys.c
 * calls down into the cases module; the cases module never calls keys.c.
 *
 * Invariants:
 *   1. Only key ids, counts, row ids and file names reach messages, the
 *      audit log and key_rotation.
 *   2. The rotation's database work is one transaction (the re-seal, the
 *      key_rotation row, the audit entry); keys leave the key file only
 *      after it committed, archived first unless destroy_old.
 *   3. key_rotation.key_id never goes down: a rotation that finds a newer
 *      key recorded (a concurrent one that won) rolls back.
 *
 * Thread model: the caller's store_t, one thread. Two rotations in two
 * processes serialise on the key file's directory lock (key add, retire)
 * and on the store's write lock (the transaction).
 */
#include "cases/keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "access/audit.h"
#include "base/buf.h"
#include "cases/keyring.h"

/* ---- small helpers ---------------------------------------------------- */

static int64_t actor_now(const cases_actor_t *act)
{
    return act && act->now ? act->now : (int64_t)time(NULL);
}

/* "YYYY-MM-DDTHH:MM:SSZ", or with `compact` "YYYYMMDDTHHMMSS", of t (UTC). */
static void fmt_time(int64_t t, int compact, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    out[0] = '\0';
    if (gmtime_r(&tt, &tm))
        strftime(out, cap, compact ? "%Y%m%dT%H%M%S" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int vault_has(const vault_t *v, uint32_t id)
{
    size_t i, n = vault_key_count(v);
    for (i = 0; i < n; i++)
        if (vault_key_id(v, i) == id)
            return 1;
    return 0;
}

/* ---- init -------------------------------------------------------------- */

typedef struct {
    long long blobs;
    char ids[96]; /* "1, 2" */
} usage_sum_t;

static tw_err_t on_usage_sum(void *ctx, uint32_t key_id, long long blobs, const char *example)
{
    usage_sum_t *u = ctx;
    size_t len = strlen(u->ids);
    (void)example;
    u->blobs += blobs;
    if (len + 16 < sizeof(u->ids))
        snprintf(u->ids + len, sizeof(u->ids) - len, "%s%lu", len ? ", " : "",
                 (unsigned long)key_id);
    return TW_OK;
}

tw_err_t keys_init(store_t *st, const char *key_path, tw_errinfo_t *ei)
{
    usage_sum_t u;
    struct stat sb;
    tw_err_t err;

    tw_errinfo_clear(ei);
    if (st && lstat(key_path, &sb) != 0) {
        memset(&u, 0, sizeof(u));
        if ((err = cases_key_usage(st, on_usage_sum, &u, ei)) != TW_OK)
            return err;
        if (u.blobs == 0 && (err = keyring_recorded_count(st, &u.blobs, ei)) != TW_OK)
            return err;
        if (u.blobs > 0 && !u.ids[0]) {
            tw_errinfo_file(ei, key_path);
            return tw_errinfo_set(ei, TW_ECONFLICT,
                                  "the database was sealed with %lld keys of another key file "
                                  "(their check values are recorded): restore that key file "
                                  "from its backup instead",
                                  u.blobs);
        }
        if (u.blobs > 0) {
            tw_errinfo_file(ei, key_path);
            return tw_errinfo_set(ei, TW_ECONFLICT,
                                  "the database holds %lld sealed values (key %s) that a new key "
                                  "file could not open: restore the key file from its backup "
                                  "instead",
                                  u.blobs, u.ids);
        }
    }
    return vault_key_file_create(key_path, ei);
}

/* ---- status ------------------------------------------------------------ */

static tw_err_t status_add(keys_status_t *s, uint32_t id, keys_key_t **out)
{
    size_t i;
    keys_key_t *nv;

    for (i = 0; i < s->n && s->keys[i].key_id < id; i++)
        ;
    if (i < s->n && s->keys[i].key_id == id) {
        *out = &s->keys[i];
        return TW_OK;
    }
    nv = realloc(s->keys, (s->n + 1) * sizeof(*nv));
    if (!nv)
        return TW_ENOMEM;
    s->keys = nv;
    memmove(&s->keys[i + 1], &s->keys[i], (s->n - i) * sizeof(*nv));
    memset(&s->keys[i], 0, sizeof(*nv));
    s->keys[i].key_id = id;
    s->n++;
    *out = &s->keys[i];
    return TW_OK;
}

static tw_err_t on_usage_status(void *ctx, uint32_t key_id, long long blobs, const char *example)
{
    keys_status_t *s = ctx;
    keys_key_t *k;
    tw_err_t err;

    if ((err = status_add(s, key_id, &k)) != TW_OK)
        return err;
    k->blobs += blobs;
    if (!k->example[0])
        snprintf(k->example, sizeof(k->example), "%s", example);
    s->blobs += blobs;
    if (!k->in_file)
        s->unreadable += blobs;
    if (key_id != s->file_current)
        s->not_current += blobs;
    return TW_OK;
}

void keys_status_free(keys_status_t *s)
{
    if (!s)
        return;
    free(s->keys);
    memset(s, 0, sizeof(*s));
}

tw_err_t keys_status(store_t *st, const char *key_path, keys_status_t *out, tw_errinfo_t *ei)
{
    vault_t *v = NULL;
    keys_key_t *k;
    tw_err_t err;
    size_t i;

    memset(out, 0, sizeof(*out));
    if ((err = vault_open(key_path, &v, ei)) != TW_OK)
        return err;
    if ((err = cases_keys_verify(st, v, ei)) == TW_EINPUT) {
        snprintf(out->mismatch, sizeof(out->mismatch), "%s", ei->msg);
    } else if (err != TW_OK) {
        vault_close(v);
        return err;
    }
    out->file_current = vault_current_key(v);
    for (i = 0; i < vault_key_count(v); i++) {
        if ((err = status_add(out, vault_key_id(v, i), &k)) != TW_OK)
            break;
        k->in_file = 1;
    }
    vault_close(v);
    tw_errinfo_clear(ei);
    if (err == TW_OK)
        err = cases_key_usage(st, on_usage_status, out, ei);
    if (err == TW_OK)
        err = keyring_current(st, &out->store_current, out->rotated_at, ei);
    if (err == TW_ENOMEM)
        tw_errinfo_set(ei, err, "out of memory");
    if (err != TW_OK)
        keys_status_free(out);
    return err;
}

/* ---- rotate ------------------------------------------------------------ */

/* For the pre-check: the first key in use that the vault does not hold,
 * and values that are not blobs at all (key 0). */
typedef struct {
    const vault_t *v;
    uint32_t missing;
    long long blobs, not_blobs;
    char example[96], bad_example[96];
} precheck_t;

static tw_err_t on_usage_check(void *ctx, uint32_t key_id, long long blobs, const char *example)
{
    precheck_t *p = ctx;
    if (key_id == 0) {
        p->not_blobs = blobs;
        snprintf(p->bad_example, sizeof(p->bad_example), "%s", example);
    } else if (p->missing == 0 && !vault_has(p->v, key_id)) {
        p->missing = key_id;
        p->blobs = blobs;
        snprintf(p->example, sizeof(p->example), "%s", example);
    }
    return TW_OK;
}

/* KEYFILE.retired-YYYYMMDDTHHMMSS, or with -2, -3, ... when taken. */
static tw_err_t archive_name(const char *key_path, int64_t now, char *out, size_t cap,
                             tw_errinfo_t *ei)
{
    char stamp[32];
    struct stat sb;
    int i, n;

    fmt_time(now, 1, stamp, sizeof(stamp));
    for (i = 1; i < 1000; i++) {
        if (i == 1)
            n = snprintf(out, cap, "%s.retired-%s", key_path, stamp);
        else
            n = snprintf(out, cap, "%s.retired-%s-%d", key_path, stamp, i);
        if (n < 0 || (size_t)n >= cap)
            return tw_errinfo_set(ei, TW_EINPUT, "the key file's path is too long");
        if (lstat(out, &sb) != 0 && errno == ENOENT)
            return TW_OK;
    }
    return tw_errinfo_set(ei, TW_ECONFLICT, "%s.retired-%s-*: no free archive name", key_path,
                          stamp);
}

/* The database part of a rotation, in one transaction (invariant 2). */
static tw_err_t rotate_store(store_t *st, const vault_t *nv, uint32_t previous,
                             const keys_rotate_opts_t *o, const cases_actor_t *act,
                             int64_t now, keys_rotation_t *out, tw_errinfo_t *ei)
{
    uint32_t recorded = 0, new_id = vault_current_key(nv);
    long long n = 0;
    char at[32], detail[256];
    tw_err_t err;

    fmt_time(now, 0, at, sizeof(at));
    if (store_begin(st) != TW_OK)
        return store_db_error(st, ei, "starting a transaction");
    err = keyring_current(st, &recorded, NULL, ei);
    if (err == TW_OK && recorded > new_id)
        err = tw_errinfo_set(ei, TW_ECONFLICT,
                             "another rotation recorded key %lu meanwhile (this one added key "
                             "%lu): nothing was re-sealed; run `tipwatch keys status`",
                             (unsigned long)recorded, (unsigned long)new_id);
    if (err == TW_OK)
        err = keyring_enroll(st, nv, new_id, ei);
    if (err == TW_OK)
        err = cases_reseal(st, nv, act, &n, ei);
    if (err == TW_OK)
        err = keyring_record(st, new_id, at, act && act->who ? act->who->user : "cli", n, ei);
    if (err == TW_OK) {
        snprintf(detail, sizeof(detail),
                 "{\"key\":%lu,\"previous\":%lu,\"retire_below\":%lu,\"retiring\":%zu,"
                 "\"resealed\":%lld,\"archive\":%s}",
                 (unsigned long)new_id, (unsigned long)previous, (unsigned long)new_id,
                 vault_key_count(nv) - 1, n, o->destroy_old ? "false" : "true");
        err = audit_append(st, act ? act->who : NULL, "keys.rotate", "keys",
                           act ? act->remote : NULL, detail, ei);
    }
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    if (store_commit(st) != TW_OK)
        return store_db_error(st, ei, "committing the rotation");
    out->resealed = n;
    return TW_OK;
}

/* A rotation that failed before its transaction committed removes the key
 * it added, so the key file is as it was (nothing was sealed with it). When
 * even that fails the message says so: the unused key then stays, which is
 * harmless (docs/internals/keys.md). */
static tw_err_t take_back(const char *key_path, uint32_t new_id, tw_err_t err, tw_errinfo_t *ei)
{
    tw_errinfo_t e2;
    char why[600];

    tw_errinfo_clear(&e2);
    if (vault_key_drop(key_path, new_id, &e2) == TW_OK)
        return err;
    snprintf(why, sizeof(why), "%s", ei && ei->msg[0] ? ei->msg : tw_strerror(err));
    return tw_errinfo_set(ei, err,
                          "%s; the unused key %lu could not be taken back out of the key file "
                          "(%s): it does no harm",
                          why, (unsigned long)new_id, e2.msg);
}

tw_err_t keys_rotate(store_t *st, const char *key_path, const keys_rotate_opts_t *o,
                     const cases_actor_t *act, keys_rotation_t *out, tw_errinfo_t *ei)
{
    static const keys_rotate_opts_t defaults = {0};
    vault_t *old = NULL, *nv = NULL;
    precheck_t pc;
    uint32_t new_id = 0;
    int64_t now = actor_now(act);
    tw_err_t err;

    if (!o)
        o = &defaults;
    memset(out, 0, sizeof(*out));
    /* 1. the key file opens, and holds every key the data is under */
    if ((err = vault_open(key_path, &old, ei)) != TW_OK)
        return err;
    out->previous = vault_current_key(old);
    memset(&pc, 0, sizeof(pc));
    pc.v = old;
    tw_errinfo_clear(ei);
    err = cases_key_usage(st, on_usage_check, &pc, ei);
    if (err != TW_OK) {
        vault_close(old);
        return err;
    }
    if (pc.not_blobs > 0) {
        vault_close(old);
        return tw_errinfo_set(ei, TW_EINPUT,
                              "%lld stored values (e.g. %s) are not sealed values: the database "
                              "is damaged; nothing was changed",
                              pc.not_blobs, pc.bad_example);
    }
    if (pc.missing) {
        vault_close(old);
        tw_errinfo_file(ei, key_path);
        return tw_errinfo_set(ei, TW_ENOTFOUND,
                              "%lld sealed values (e.g. %s) are under key %lu, which is not in "
                              "the key file: restore it (from its backup or a .retired- archive) "
                              "before rotating; nothing was changed",
                              pc.blobs, pc.example, (unsigned long)pc.missing);
    }
    /* ... and is this store's own: the keys it holds are the recorded ones */
    err = cases_keys_verify(st, old, ei);
    vault_close(old);
    if (err != TW_OK) {
        tw_errinfo_file(ei, key_path);
        return err;
    }
    /* 2. a new key; the file now holds the old ones and the new one */
    if ((err = vault_key_add(key_path, &new_id, ei)) != TW_OK)
        return err;
    if ((err = vault_open(key_path, &nv, ei)) != TW_OK)
        return take_back(key_path, new_id, err, ei);
    if (vault_current_key(nv) != new_id) { /* a concurrent rotation added a newer key */
        vault_close(nv);
        return tw_errinfo_set(ei, TW_ECONFLICT,
                              "another rotation is adding keys at the same time; nothing was "
                              "re-sealed");
    }
    out->key_id = new_id;
    out->retired = vault_key_count(nv) - 1;
    /* 3. the data, one transaction */
    tw_errinfo_clear(ei);
    err = rotate_store(st, nv, out->previous, o, act, now, out, ei);
    vault_close(nv);
    if (err != TW_OK) {
        out->key_id = 0;
        out->retired = 0;
        return take_back(key_path, new_id, err, ei);
    }
    /* 4. only now may the old keys leave the file */
    if (out->retired == 0)
        return TW_OK;
    if (!o->destroy_old && (err = archive_name(key_path, now, out->archive,
                                               sizeof(out->archive), ei)) != TW_OK)
        return err;
    err = vault_key_retire_to(key_path, new_id, o->destroy_old ? NULL : out->archive, ei);
    if (err != TW_OK) {
        char why[256];
        snprintf(why, sizeof(why), "%s", ei ? ei->msg : tw_strerror(err));
        out->archive[0] = '\0';
        out->retired = 0;
        return tw_errinfo_set(ei, err == TW_ENOMEM ? err : TW_EIO,
                              "the data is re-sealed under key %lu, but the old keys could not "
                              "be retired (%s); every key is still in the key file, so all "
                              "opens: run the rotation again",
                              (unsigned long)new_id, why);
    }
    return TW_OK;
}

/* ---- purge ------------------------------------------------------------- */

tw_err_t keys_purge(store_t *st, const cases_policy_t *pol, int dry_run,
                    const cases_actor_t *act, keys_purge_t *out, tw_errinfo_t *ei)
{
    cases_actor_t a = {NULL, NULL, 0};
    long long due = 0;
    tw_err_t err;

    memset(out, 0, sizeof(*out));
    if (act)
        a = *act;
    a.now = actor_now(act); /* one clock for the count and the purge */
    if ((err = cases_purge_due(st, pol, &a, &due, out->closed_before, ei)) != TW_OK)
        return err;
    if (dry_run) {
        out->cases = due;
        return TW_OK;
    }
    return cases_purge(st, pol, &a, &out->cases, ei);
}
