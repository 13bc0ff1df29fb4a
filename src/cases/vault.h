/*
 * vault.h - encryption at rest of personal data in NRM cases (names,
 * contacts, birth dates, narratives, attachments) and keyed hashes that
 * make some of it searchable without storing it in the clear.
 *
 * Keys live in a key file outside the database (never in it): a text file
 * of mode 0600 holding one or more master keys, each with a numeric id;
 * the highest id is the current key. From each master key two subkeys are
 * derived (libsodium crypto_kdf): one for XChaCha20-Poly1305 (IETF AEAD),
 * one for keyed BLAKE2b hashes ("blind indexes").
 *
 * A sealed value ("blob") is self-describing: format byte, the id of the
 * key that sealed it, a random 24-byte nonce, ciphertext and tag. The
 * caller passes associated data naming where the value lives (for example
 * "case.name:17"), so a blob copied into another row or column does not
 * open. vault_unseal() finds the key by the id in the blob, so blobs of an
 * older key keep opening until `tipwatch keys rotate` has re-sealed them.
 *
 * Rotation (tipwatch keys rotate): vault_key_add() appends a new key to the
 * file (it becomes current); the owner of the encrypted tables re-seals
 * every blob and recomputes every blind index with the new key in one
 * transaction; vault_key_retire() then removes the older keys from the file.
 * A crash between the steps leaves every blob readable: old keys are only
 * removed once nothing needs them.
 *
 * Thread model: a vault_t is read-only after vault_open(); seal, unseal and
 * blind may run on several threads at once. Keys are held in memory locked
 * with sodium_mlock() where the system allows, and wiped on vault_close().
 */
#ifndef TW_VAULT_H
#define TW_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct vault vault_t;

/* Bytes a sealed value adds to its plaintext. */
#define VAULT_OVERHEAD (1 + 4 + 24 + 16)
/* A blind index is 16 bytes of keyed BLAKE2b, written as 32 hex digits. */
#define VAULT_BLIND_HEX 32

/* Creates a key file with one fresh key (id 1), mode 0600. TW_ECONFLICT if
 * the file exists (never overwritten); TW_EIO with the reason otherwise. */
tw_err_t vault_key_file_create(const char *path, tw_errinfo_t *ei);

/* Opens a key file. TW_EPERM when the file is readable or writable by group
 * or others (it names the fix: chmod 600); TW_EINPUT when it is malformed
 * (naming the line); TW_ENOTFOUND when it does not exist. Free with
 * vault_close(). */
tw_err_t vault_open(const char *path, vault_t **out, tw_errinfo_t *ei);
/* Which key file a command uses: `given` (--key-file) when not NULL, else
 * the environment's TIPWATCH_KEY_FILE when set and not empty, else the
 * database path with ".key" appended. TW_EINPUT when the result does not
 * fit `cap` bytes. */
tw_err_t vault_key_path(const char *given, const char *db_path, char *out, size_t cap,
                        tw_errinfo_t *ei);
void vault_close(vault_t *v);

/* The id of the current key (the highest in the file). */
uint32_t vault_current_key(const vault_t *v);

/* Appends plaintext `len` bytes, sealed with the current key and bound to
 * `ad` (a NUL-terminated string), to `out`. */
tw_err_t vault_seal(const vault_t *v, const char *ad, const void *plain, size_t len,
                    tw_buf_t *out);

/* Appends the plaintext of a blob to `out`. TW_ENOTFOUND when the key that
 * sealed it is not in the key file; TW_EINPUT when the blob is malformed,
 * was altered, or belongs to another `ad`. Nothing is appended on error. */
tw_err_t vault_unseal(const vault_t *v, const char *ad, const void *blob, size_t len,
                      tw_buf_t *out);

/* The id of the key that sealed a blob; TW_EINPUT when it is not a blob. */
tw_err_t vault_blob_key(const void *blob, size_t len, uint32_t *key_id);

/* A keyed hash of `value` under the current key, in `domain` (e.g.
 * "case.name"), so equal values give equal hashes within one domain only.
 * The caller normalises the value first (norm_name for names). Writes
 * VAULT_BLIND_HEX hex digits and a NUL. */
tw_err_t vault_blind(const vault_t *v, const char *domain, const void *value, size_t len,
                     char out[VAULT_BLIND_HEX + 1]);

/* Rotation, on the key file (see above). vault_key_add() appends a new key
 * and returns its id; open the vault again to use it. vault_key_retire()
 * removes every key with an id below `keep_from`. Both rewrite the file
 * atomically (a temporary file in the same directory, fsync, rename). */
tw_err_t vault_key_add(const char *path, uint32_t *new_id, tw_errinfo_t *ei);
tw_err_t vault_key_retire(const char *path, uint32_t keep_from, tw_errinfo_t *ei);
/* vault_key_retire() that first copies the retired keys' lines, under a
 * comment header, to a new file `archive` (created with O_EXCL and mode
 * 0600, synced; TW_ECONFLICT when it exists) and only then rewrites the key
 * file, under the same directory lock. archive NULL: no copy. Nothing to
 * retire: neither file is written. On error the key file is unchanged (a
 * failure after the archive was written leaves the archive). */
tw_err_t vault_key_retire_to(const char *path, uint32_t keep_from, const char *archive,
                             tw_errinfo_t *ei);

/* Removes key `key_id` from the key file when it is the newest of two or
 * more keys (a rotation that failed before its database work committed
 * takes back the key it added, so the file is as it was); TW_ECONFLICT,
 * file unchanged, otherwise. Atomic, under the directory lock. */
tw_err_t vault_key_drop(const char *path, uint32_t key_id, tw_errinfo_t *ei);

/* Added by the vault module (see docs/internals/vault.md, "Rotation"):
 * the keys loaded, so a search can look for the blind index of a value under
 * every key while a rotation is unfinished, and a rotation can check which
 * keys are in use. vault_key_count() is at least 1; vault_key_id(v, i) is the
 * id of the i-th key in ascending order (0 when i is out of range). */
size_t vault_key_count(const vault_t *v);
uint32_t vault_key_id(const vault_t *v, size_t i);
/* vault_blind() under the key `key_id` instead of the current one;
 * TW_ENOTFOUND when that key is not loaded. */
tw_err_t vault_blind_with_key(const vault_t *v, uint32_t key_id, const char *domain,
                              const void *value, size_t len, char out[VAULT_BLIND_HEX + 1]);

/* The check value of key `key_id`: vault_blind_with_key() of a fixed text in
 * a domain of its own ("vault.key-check"), so it names the key without
 * revealing anything of it or of any other hash. The store keeps one per key
 * (keyring.c) to recognise a key file that is not its own. TW_ENOTFOUND when
 * that key is not loaded. */
tw_err_t vault_key_check(const vault_t *v, uint32_t key_id, char out[VAULT_BLIND_HEX + 1]);

#endif
