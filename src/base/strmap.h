/*
 * strmap.h - open-addressing hash map from byte strings to 64-bit values.
 *
 * Used for interning: entity keys to store ids, names to their normalised
 * form, ids to their latest version. Keys are copied into the map's own arena
 * once; lookups allocate nothing.
 *
 * Invariants:
 *   1. The slot count is a power of two and at most 3/4 full (linear
 *      probing degrades fast beyond that).
 *   2. A key pointer returned by strmap_put() stays valid until strmap_free().
 * Not thread-safe. The map owns its keys; values are plain integers (a caller
 * may store a pointer it owns, cast through uintptr_t).
 */
#ifndef TW_STRMAP_H
#define TW_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

typedef struct {
    const char *key;
    uint32_t len;
    uint32_t hash;
    uint64_t val;
} strmap_slot_t;

typedef struct {
    strmap_slot_t *slots;
    size_t nslots; /* power of two, or 0 */
    size_t count;
    arena_t keys;
} strmap_t;

uint64_t strmap_hash(const void *data, size_t len);
/* The 64-bit finaliser strmap_hash uses; good for combining hashes. */
uint64_t strmap_mix64(uint64_t h);

void strmap_init(strmap_t *m);
void strmap_free(strmap_t *m);
/* strmap_free() after wiping the keys (arena_wipe_free()). */
void strmap_wipe_free(strmap_t *m);
/* Pointer to the value for key, or NULL when absent. Valid until the next put. */
uint64_t *strmap_get(const strmap_t *m, const char *key, size_t len);
/* Inserts key with value `val` unless present. *slot points at the value of
 * the (new or existing) entry, valid until the next put; *added says which.
 * `slot`, `added` and `key_out` may be NULL. */
tw_err_t strmap_put(strmap_t *m, const char *key, size_t len, uint64_t val,
                    uint64_t **slot, int *added, const char **key_out);

#endif
