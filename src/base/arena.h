/*
 * arena.h - bump allocator for per-batch and per-request memory.
 *
 * Memory comes from a chain of blocks; nothing is freed one at a time.
 * arena_reset() keeps the first block and drops the rest, so a batch loop
 * reaches a steady state with no malloc at all. Pointers returned stay valid
 * until the next arena_reset() or arena_free(). Alignment: 16 bytes.
 * Not thread-safe: one arena per thread.
 */
#ifndef TW_ARENA_H
#define TW_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block_t;

typedef struct {
    arena_block_t *head;
    size_t block_size;
    size_t total; /* bytes handed out since the last reset */
} arena_t;

void arena_init(arena_t *a, size_t block_size);
/* NULL on allocation failure. Owned by the arena. */
void *arena_alloc(arena_t *a, size_t n);
/* A NUL-terminated copy of s[0..len). NULL on allocation failure. */
char *arena_strndup(arena_t *a, const char *s, size_t len);
void arena_reset(arena_t *a);
void arena_free(arena_t *a);
/* arena_free() after overwriting every byte handed out with zeros in a way
 * the compiler cannot drop (explicit_bzero): for arenas that held personal
 * data in the clear (NRM case values). */
void arena_wipe_free(arena_t *a);

#endif
