/*
 * strmap.c - open-addressing (linear probing) string map; see strmap.h.
 *
 * The hash is a 64-bit multiply-xorshift over 8-byte words: fast on short
 * keys (names, TINs, phone numbers), which is all this map sees.
 */
#include "base/strmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t strmap_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t strmap_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
    uint64_t w;

    while (len >= 8) {
        memcpy(&w, p, 8);
        h = strmap_mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
        p += 8;
        len -= 8;
    }
    w = 0;
    if (len)
        memcpy(&w, p, len);
    return strmap_mix64(h ^ w ^ ((uint64_t)len << 56));
}

void strmap_init(strmap_t *m)
{
    m->slots = NULL;
    m->nslots = 0;
    m->count = 0;
    arena_init(&m->keys, 1 << 16);
}

void strmap_free(strmap_t *m)
{
    free(m->slots);
    m->slots = NULL;
    m->nslots = 0;
    m->count = 0;
    arena_free(&m->keys);
}

void strmap_wipe_free(strmap_t *m)
{
    arena_wipe_free(&m->keys);
    strmap_free(m);
}

static strmap_slot_t *find(const strmap_t *m, const char *key, size_t len, uint32_t h)
{
    size_t mask = m->nslots - 1, i = h & mask;
    for (;;) {
        strmap_slot_t *s = &m->slots[i];
        if (!s->key)
            return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
        i = (i + 1) & mask;
    }
}

uint64_t *strmap_get(const strmap_t *m, const char *key, size_t len)
{
    strmap_slot_t *s;
    if (m->count == 0)
        return NULL;
    s = find(m, key, len, (uint32_t)strmap_hash(key, len));
    return s->key ? &s->val : NULL;
}

static tw_err_t grow(strmap_t *m)
{
    size_t n = m->nslots ? m->nslots * 2 : 64, i;
    strmap_slot_t *ns = calloc(n, sizeof(*ns));
    strmap_slot_t *old = m->slots;
    size_t oldn = m->nslots;

    if (!ns)
        return TW_ENOMEM;
    m->slots = ns;
    m->nslots = n;
    for (i = 0; i < oldn; i++) {
        if (old[i].key)
            *find(m, old[i].key, old[i].len, old[i].hash) = old[i];
    }
    free(old);
    return TW_OK;
}

tw_err_t strmap_put(strmap_t *m, const char *key, size_t len, uint64_t val,
                    uint64_t **slot, int *added, const char **key_out)
{
    uint32_t h;
    strmap_slot_t *s;
    char *k;

    if (len > UINT32_MAX)
        return TW_ETOOBIG;
    if ((m->count + 1) * 4 > m->nslots * 3) {
        tw_err_t err = grow(m);
        if (err)
            return err;
    }
    h = (uint32_t)strmap_hash(key, len);
    s = find(m, key, len, h);
    if (s->key) {
        if (added)
            *added = 0;
    } else {
        k = arena_strndup(&m->keys, key, len);
        if (!k)
            return TW_ENOMEM;
        s->key = k;
        s->len = (uint32_t)len;
        s->hash = h;
        s->val = val;
        m->count++;
        if (added)
            *added = 1;
    }
    if (slot)
        *slot = &s->val;
    if (key_out)
        *key_out = s->key;
    return TW_OK;
}
