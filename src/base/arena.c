/*
 * arena.c - bump allocator; see arena.h.
 *
 * Invariant: head is the block being filled; older blocks follow through
 * `next`. A request larger than block_size gets a block of its own.
 */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    arena_block_t *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

void arena_init(arena_t *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 65536;
    a->total = 0;
}

void *arena_alloc(arena_t *a, size_t n)
{
    arena_block_t *b = a->head;
    size_t size;
    void *p;

    n = (n + 15u) & ~(size_t)15u;
    if (n == 0)
        n = 16;
    if (!b || b->size - b->used < n) {
        size = n > a->block_size ? n : a->block_size;
        if (size > SIZE_MAX - sizeof(*b))
            return NULL;
        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void arena_reset(arena_t *a)
{
    arena_block_t *b = a->head, *next;

    if (!b)
        return;
    /* keep the oldest block (the one allocated first, at the tail) */
    while (b->next) {
        next = b->next;
        free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
    a->total = 0;
}

void arena_wipe_free(arena_t *a)
{
    arena_block_t *b;
    for (b = a->head; b; b = b->next)
        explicit_bzero(b->data, b->used);
    arena_free(a);
}

void arena_free(arena_t *a)
{
    arena_block_t *b = a->head, *next;
    while (b) {
        next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}
