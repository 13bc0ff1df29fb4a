/*
 * keyring.h - what the store knows of the vault's keys: the table
 * key_rotation (store.c, migration 8), one row per committed rotation, the
 * newest naming the key every sealed value is under. Below both the cases
 * module (which checks it before each seal) and keys.c (which records a
 * rotation after re-sealing through the cases module), so that neither
 * calls back into the other.
 *
 * And the table vault_key (migration 12): for every key the store was
 * sealed with, its id and check value (vault_key_check(): a keyed hash of a
 * fixed text, never the key), so a key file that is not the store's own is
 * recognised before anything is sealed with it.
 *
 * Rules:
 *   1. Key ids, check values and times only, never key material.
 *   2. keyring_writer_check() runs inside the writer's transaction: a writer
 *      whose vault's current key is older than the recorded one is refused
 *      with TW_ECONFLICT "restart: the keys were rotated"; a writer whose
 *      current key has another check value than the recorded one is refused
 *      with TW_EINPUT "does not match".
 *   3. A key is recorded (enrolled) the first time a verified process meets
 *      it: when the store already holds values sealed under that key id
 *      (a store from before migration 12), the caller's probe must first
 *      open one of them with it, so a wrong key is never enrolled.
 *
 * Thread model: the caller's store_t, one thread.
 */
#ifndef TW_KEYRING_H
#define TW_KEYRING_H

#include <stdint.h>

#include "base/err.h"
#include "cases/vault.h"
#include "store/store.h"

/* The store's current key (0 when no rotation was recorded) and when it was
 * recorded (at may be NULL; 32 bytes). */
tw_err_t keyring_current(store_t *st, uint32_t *key_id, char at[32], tw_errinfo_t *ei);

/* A probe for rule 3: TW_OK when no stored value is sealed under key_id or
 * one of them opens with v; TW_EINPUT (naming the value) when it does not. */
typedef tw_err_t (*keyring_probe_fn)(void *ctx, store_t *st, const vault_t *v, uint32_t key_id,
                                     tw_errinfo_t *ei);

/* The key file's keys against the store's record, before anything is
 * written with them (serve, keys, every case call): TW_EINPUT when a key of
 * the file has another check value than the recorded key of that id, when
 * a key the file holds and the store has not recorded fails `probe` (NULL:
 * no probe), or when the file lacks the store's current key (an older key
 * file, or another store's); the message names the key id and says that
 * nothing was written. Keys not yet recorded are recorded (rule 3). Runs its
 * own transaction, or inside the caller's. */
tw_err_t keyring_verify(store_t *st, const vault_t *v, keyring_probe_fn probe, void *ctx,
                        tw_errinfo_t *ei);

/* For a caller about to read sealed values with vault `v` (outside a
 * transaction or in one): TW_ECONFLICT ("restart: the keys were rotated")
 * when the store records a current key newer than v's, else TW_OK. */
tw_err_t keyring_reader_check(store_t *st, const vault_t *v, tw_errinfo_t *ei);

/* For a writer about to seal with vault `v`, inside its write transaction:
 * keyring_reader_check(), then v's current key against its record (rule 2;
 * recorded when it is not, after `probe`). */
tw_err_t keyring_writer_check(store_t *st, const vault_t *v, keyring_probe_fn probe, void *ctx,
                              tw_errinfo_t *ei);

/* Records the check value of vault v's key `key_id` (a new key of a
 * rotation, inside its transaction; keys init). TW_EINPUT when another check
 * value is recorded for that id. */
tw_err_t keyring_enroll(store_t *st, const vault_t *v, uint32_t key_id, tw_errinfo_t *ei);

/* How many keys the store has recorded check values for. */
tw_err_t keyring_recorded_count(store_t *st, long long *n, tw_errinfo_t *ei);

/* Records key `key_id` as the store's current key, at `at` (UTC text), by
 * `by`, with the number of values re-sealed. Inside the caller's
 * transaction (keys_rotate()'s). */
tw_err_t keyring_record(store_t *st, uint32_t key_id, const char *at, const char *by,
                        long long resealed, tw_errinfo_t *ei);

#endif
