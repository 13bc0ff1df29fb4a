/*
 * keys.h - the lifecycle of the personal data at rest: the vault's key file
 * (create, rotate, report) and the retention purge of NRM cases. The
 * library behind `tipwatch keys init|rotate|status` and `tipwatch cases
 * purge`. Design: docs/internals/keys.md; the key file and the blob format:
 * docs/internals/vault.md.
 *
 * Rules:
 *   1. No function here prints, logs or audits key material: key ids, counts
 *      and file names only.
 *   2. keys_rotate() re-seals every blob and recomputes every blind index in
 *      one store transaction that also records the new key as the store's
 *      current key (table key_rotation, migration 8) and audits keys.rotate;
 *      the old keys leave the key file only after that commit. A failure
 *      before the commit leaves the database as it was and the key file with
 *      every key it had (plus, possibly, the new unused key).
 *   3. A process that still seals with an older key than the store's current
 *      one is refused (keyring_writer_check(), called by the cases module on
 *      every seal inside the writer's transaction): TW_ECONFLICT "restart:
 *      the keys were rotated".
 *
 * Thread model: the caller's store_t; the vault is read-only. The key file
 * is changed only through vault.c (whole-file replacement under a lock).
 */
#ifndef TW_KEYS_H
#define TW_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "cases/cases.h"
#include "base/err.h"
#include "store/store.h"
#include "cases/vault.h"

/* Creates the key file at `key_path` with key 1, mode 0600. TW_ECONFLICT
 * when the file exists (never overwritten). With a store (st not NULL) that
 * already holds sealed values, refuses too (TW_ECONFLICT naming the key
 * ids): a fresh key cannot open them, the key file must be restored from
 * its backup. */
tw_err_t keys_init(store_t *st, const char *key_path, tw_errinfo_t *ei);

typedef struct {
    int destroy_old; /* 1: the retired keys are not archived (gone for good) */
} keys_rotate_opts_t;

typedef struct {
    uint32_t key_id;       /* the new current key */
    uint32_t previous;     /* the key current in the file before (0: none) */
    size_t retired;        /* how many keys left the key file */
    long long resealed;    /* blobs re-sealed */
    char archive[4096];    /* the retired keys' file, "" when none was written */
} keys_rotation_t;

/* Rotates the keys of the store `st` and the key file `key_path`:
 *   1. opens the key file (its errors: missing, mode, malformed) and checks
 *      that every blob's key is in it (TW_ENOTFOUND naming the key id, how
 *      many blobs and one of them);
 *   2. appends a new key (vault_key_add) and opens the vault with it;
 *   3. one transaction: cases_reseal(), a key_rotation row, the audit entry
 *      keys.rotate (ids and counts); TW_ECONFLICT when another rotation
 *      recorded a newer key meanwhile;
 *   4. retires every older key from the key file, archived first to
 *      KEYFILE.retired-YYYYMMDDTHHMMSS (UTC; "-2", "-3" ... appended when
 *      taken; mode 0600) unless o->destroy_old.
 * act: who (the system, act->who NULL, for the CLI; or a user.admin). A
 * failure in step 4 is reported (TW_EIO) with *out filled: the data is then
 * under the new key and the key file still holds the old keys too, so
 * everything opens; running the rotation again retires them. o may be NULL. */
tw_err_t keys_rotate(store_t *st, const char *key_path, const keys_rotate_opts_t *o,
                     const cases_actor_t *act, keys_rotation_t *out, tw_errinfo_t *ei);

typedef struct {
    uint32_t key_id;
    int in_file;     /* 1 when the key file holds it */
    long long blobs; /* sealed values under it (0 for a key nothing uses) */
    char example[96]; /* one of those values as "table.column:row id", or "" */
} keys_key_t;

typedef struct {
    keys_key_t *keys;       /* ascending ids: those of the file and those in use */
    size_t n;
    uint32_t file_current;  /* the key file's current (highest) key */
    uint32_t store_current; /* the store's current key (0: no rotation recorded) */
    char rotated_at[32];    /* when that was recorded ("" when none) */
    long long blobs;        /* all sealed values */
    long long unreadable;   /* sealed values whose key is not in the file */
    long long not_current;  /* sealed values under a key other than file_current */
    char mismatch[256];     /* why the key file is not this store's (cases_keys_verify()),
                               or "" when it matches */
} keys_status_t;

/* Fills *out (free with keys_status_free()) from the key file (which must
 * open: the vault's errors otherwise) and the store. Prints nothing. */
tw_err_t keys_status(store_t *st, const char *key_path, keys_status_t *out, tw_errinfo_t *ei);
void keys_status_free(keys_status_t *s);

typedef struct {
    long long cases;        /* purged, or with dry_run: would be */
    char closed_before[32]; /* the cutoff: cases closed before it go */
} keys_purge_t;

/* The retention purge (cases_purge) under `pol` (NULL: the defaults;
 * cases_policy_from_config() gives the config's), or with dry_run only
 * counting what would go (cases_purge_due: nothing written). */
tw_err_t keys_purge(store_t *st, const cases_policy_t *pol, int dry_run,
                    const cases_actor_t *act, keys_purge_t *out, tw_errinfo_t *ei);

#endif
