/*
 * keyring.c - the store's record of the vault's keys (contract in
 * keyring.h): reads and appends the tables key_rotation and vault_key.
 *
 * Invariants: a vault_key row is written once and never changed (a key id
 * names one key for the life of the store); only check values and ids are
 * read or written here. Thread model: the caller's store_t, one thread.
 */
#include "cases/keyring.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

tw_err_t keyring_current(store_t *st, uint32_t *key_id, char at[32], tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    int rc;

    *key_id = 0;
    if (at)
        at[0] = '\0';
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT key_id, at FROM key_rotation ORDER BY id DESC LIMIT 1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, ei, "reading the current key");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *key_id = (uint32_t)sqlite3_column_int64(s, 0);
        if (at)
            snprintf(at, 32, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, ei, "reading the current key");
    return TW_OK;
}

tw_err_t keyring_reader_check(store_t *st, const vault_t *v, tw_errinfo_t *ei)
{
    uint32_t cur = 0;
    char at[32];
    tw_err_t err;

    if ((err = keyring_current(st, &cur, at, ei)) != TW_OK)
        return err;
    if (cur > vault_current_key(v))
        return tw_errinfo_set(ei, TW_ECONFLICT,
                              "restart: the keys were rotated (this process holds key %lu; "
                              "the store's current key is %lu since %s): nothing was written",
                              (unsigned long)vault_current_key(v), (unsigned long)cur, at);
    return TW_OK;
}

/* The recorded check value of key_id into out (empty when none). */
static tw_err_t recorded_check(store_t *st, uint32_t key_id, char out[VAULT_BLIND_HEX + 1],
                               tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    int rc;

    out[0] = '\0';
    if (sqlite3_prepare_v2(store_sqlite(st), "SELECT check_value FROM vault_key WHERE key_id = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, ei, "reading the recorded keys");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)key_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == VAULT_BLIND_HEX)
        memcpy(out, sqlite3_column_text(s, 0), VAULT_BLIND_HEX + 1);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, ei, "reading the recorded keys");
    return TW_OK;
}

static tw_err_t mismatch(tw_errinfo_t *ei, uint32_t key_id)
{
    return tw_errinfo_set(ei, TW_EINPUT,
                          "the key file does not match this database: its key %lu is not the "
                          "key %lu the database was sealed with (another database's key file, "
                          "or a damaged one); nothing was written: use this database's key file "
                          "or its backup",
                          (unsigned long)key_id, (unsigned long)key_id);
}

static tw_err_t insert_check(store_t *st, uint32_t key_id, const char *check, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    tw_err_t err = TW_OK;

    at[0] = '\0';
    if (gmtime_r(&now, &tm))
        strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "INSERT INTO vault_key(key_id, check_value, recorded_at) VALUES (?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, ei, "recording a key's check value");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)key_id);
    sqlite3_bind_text(s, 2, check, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, at, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = store_db_error(st, ei, "recording a key's check value");
    sqlite3_finalize(s);
    return err;
}

/* One key of v against its record; recorded (after probe) when it is not. */
static tw_err_t check_key(store_t *st, const vault_t *v, uint32_t key_id, keyring_probe_fn probe,
                          void *ctx, tw_errinfo_t *ei)
{
    char have[VAULT_BLIND_HEX + 1], rec[VAULT_BLIND_HEX + 1];
    tw_err_t err;

    if (vault_key_check(v, key_id, have) != TW_OK)
        return tw_errinfo_set(ei, TW_EINTERNAL, "key %lu is not loaded", (unsigned long)key_id);
    if ((err = recorded_check(st, key_id, rec, ei)) != TW_OK)
        return err;
    if (rec[0])
        return strcmp(rec, have) == 0 ? TW_OK : mismatch(ei, key_id);
    if (probe && (err = probe(ctx, st, v, key_id, ei)) != TW_OK) {
        if (err == TW_EINPUT)
            return mismatch(ei, key_id);
        return err;
    }
    return insert_check(st, key_id, have, ei);
}

tw_err_t keyring_enroll(store_t *st, const vault_t *v, uint32_t key_id, tw_errinfo_t *ei)
{
    return check_key(st, v, key_id, NULL, NULL, ei);
}

tw_err_t keyring_writer_check(store_t *st, const vault_t *v, keyring_probe_fn probe, void *ctx,
                              tw_errinfo_t *ei)
{
    tw_err_t err;
    if ((err = keyring_reader_check(st, v, ei)) != TW_OK)
        return err;
    return check_key(st, v, vault_current_key(v), probe, ctx, ei);
}

tw_err_t keyring_verify(store_t *st, const vault_t *v, keyring_probe_fn probe, void *ctx,
                        tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    uint32_t newest = 0, cur = 0;
    size_t i, n = vault_key_count(v);
    tw_err_t err;
    int rc, has = 0;

    if (store_begin(st) != TW_OK)
        return store_db_error(st, ei, "starting a transaction");
    /* the store's current key: the newest rotation's, or the highest
     * recorded (a store that was never rotated) */
    err = keyring_current(st, &cur, NULL, ei);
    if (err == TW_OK) {
        if (sqlite3_prepare_v2(store_sqlite(st), "SELECT max(key_id) FROM vault_key", -1, &s,
                               NULL) != SQLITE_OK) {
            err = store_db_error(st, ei, "reading the recorded keys");
        } else {
            rc = sqlite3_step(s);
            if (rc == SQLITE_ROW)
                newest = (uint32_t)sqlite3_column_int64(s, 0);
            else
                err = store_db_error(st, ei, "reading the recorded keys");
            sqlite3_finalize(s);
        }
    }
    if (cur > newest)
        newest = cur;
    for (i = 0; err == TW_OK && i < n; i++) {
        uint32_t kid = vault_key_id(v, i);
        if (kid == newest)
            has = 1;
        err = check_key(st, v, kid, probe, ctx, ei);
    }
    if (err == TW_OK && newest > 0 && !has)
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "the key file does not match this database: it lacks key %lu, the "
                             "database's current key (an older key file, or another database's); "
                             "nothing was written: use this database's key file or its backup",
                             (unsigned long)newest);
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    if (store_commit(st) != TW_OK)
        return store_db_error(st, ei, "recording the key file's check values");
    return TW_OK;
}

tw_err_t keyring_record(store_t *st, uint32_t key_id, const char *at, const char *by,
                        long long resealed, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    tw_err_t err = TW_OK;

    if (sqlite3_prepare_v2(store_sqlite(st),
                           "INSERT INTO key_rotation(key_id, at, by, resealed) VALUES (?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, ei, "recording the rotation");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)key_id);
    sqlite3_bind_text(s, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, by, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, resealed);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = store_db_error(st, ei, "recording the rotation");
    sqlite3_finalize(s);
    return err;
}

tw_err_t keyring_recorded_count(store_t *st, long long *n, tw_errinfo_t *ei)
{
    sqlite3_stmt *s;
    int rc;

    *n = 0;
    if (sqlite3_prepare_v2(store_sqlite(st), "SELECT count(*) FROM vault_key", -1, &s, NULL) !=
        SQLITE_OK)
        return store_db_error(st, ei, "reading the recorded keys");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? TW_OK : store_db_error(st, ei, "reading the recorded keys");
}
