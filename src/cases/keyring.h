/*
 * keyring.h - what the store knows of the vault's keys: the table
 * key_rotation (store.c, migration 8), one row per committed rotation, the
 * newest naming the key every sealed value is under. Below both the cases
 * module (which checks it before each seal) and keys.c (which records a
 * rotation after re-sealing through the cases module), so that neither
 * calls back into the other.
 *
 * Rules:
 *   1. Key ids and times only, never key material.
 *   2. keyring_writer_check() runs inside the writer's transaction: a writer
 *      whose vault's current key is older than the recorded one is refused
 *      with TW_ECONFLICT "restart: the keys were rotated".
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

/* For a writer about to seal with vault `v`, inside its write transaction:
 * TW_ECONFLICT ("restart: the keys were rotated ...") when the store records
 * a current key newer than v's, else TW_OK. */
tw_err_t keyring_writer_check(store_t *st, const vault_t *v, tw_errinfo_t *ei);

/* Records key `key_id` as the store's current key, at `at` (UTC text), by
 * `by`, with the number of values re-sealed. Inside the caller's
 * transaction (keys_rotate()'s). */
tw_err_t keyring_record(store_t *st, uint32_t key_id, const char *at, const char *by,
                        long long resealed, tw_errinfo_t *ei);

#endif
