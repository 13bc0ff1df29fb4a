/*
 * keyring.c - the store's record of the vault's keys (contract in
 * keyring.h): reads and appends the table key_rotation.
 */
#include "cases/keyring.h"

#include <stdio.h>

#include <sqlite3.h>

static tw_err_t db_err(store_t *st, tw_errinfo_t *ei, const char *what)
{
    return tw_errinfo_set(ei, TW_EDB, "%s: %s", what, store_errmsg(st));
}

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
        return db_err(st, ei, "reading the current key");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *key_id = (uint32_t)sqlite3_column_int64(s, 0);
        if (at)
            snprintf(at, 32, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(st, ei, "reading the current key");
    return TW_OK;
}

tw_err_t keyring_writer_check(store_t *st, const vault_t *v, tw_errinfo_t *ei)
{
    uint32_t cur = 0;
    char at[32];
    tw_err_t err;

    if ((err = keyring_current(st, &cur, at, ei)) != TW_OK)
        return err;
    if (cur > vault_current_key(v))
        return tw_errinfo_set(ei, TW_ECONFLICT,
                              "restart: the keys were rotated (this process seals with key %lu; "
                              "the store's current key is %lu since %s): nothing was written",
                              (unsigned long)vault_current_key(v), (unsigned long)cur, at);
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
        return db_err(st, ei, "recording the rotation");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)key_id);
    sqlite3_bind_text(s, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, by, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, resealed);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = db_err(st, ei, "recording the rotation");
    sqlite3_finalize(s);
    return err;
}
