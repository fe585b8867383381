/*
 * hash.c — XXH3 wrappers and the vrv_map hash table (see hash.h).
 */
#include "base/hash.h"

#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/mem.h"

uint64_t vrv_hash(const void *data, size_t len)
{
    return XXH3_64bits(data, len);
}

uint64_t vrv_hash_seed(const void *data, size_t len, uint64_t seed)
{
    return XXH3_64bits_withSeed(data, len, seed);
}

static const char empty_key[1] = "";

void vrv_map_init(vrv_map *m, bool copy_keys)
{
    memset(m, 0, sizeof *m);
    m->copy_keys = copy_keys;
    vrv_arena_init(&m->keys, 16 * 1024);
}

void vrv_map_destroy(vrv_map *m)
{
    free(m->slots);
    vrv_arena_destroy(&m->keys);
    m->slots = NULL;
    m->cap = m->n = 0;
}

void vrv_map_clear(vrv_map *m)
{
    if (m->slots) memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->n = 0;
    vrv_arena_reset(&m->keys);
}

/* An entry keeps the low 32 bits of its key's hash: its home slot is those
 * bits masked by the capacity, so growing the table and deleting never read
 * a key again (the keys are scattered through memory; the slots are not),
 * and the bits above the mask skip most key compares. */
static inline uint32_t hash_bits(uint64_t h)
{
    return (uint32_t)(h ^ (h >> 32));
}

static size_t find(const vrv_map *m, const void *key, size_t len, uint64_t h, bool *found)
{
    size_t mask = m->cap - 1;
    uint32_t h32 = hash_bits(h);
    size_t i = h32 & mask;
    for (;;) {
        const vrv_map_entry *e = &m->slots[i];
        if (!e->key) {
            *found = false;
            return i;
        }
        if (e->hash32 == h32 && e->klen == len && (len == 0 || memcmp(e->key, key, len) == 0)) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
}

uint64_t *vrv_map_get(const vrv_map *m, const void *key, size_t len)
{
    if (m->n == 0) return NULL;
    bool found;
    size_t i = find(m, key, len, vrv_hash(key, len), &found);
    return found ? &m->slots[i].val : NULL;
}

static void rehash(vrv_map *m, size_t cap)
{
    vrv_map_entry *old = m->slots;
    size_t oldcap = m->cap;
    m->slots = vrv_calloc(cap, sizeof *m->slots);
    m->cap = cap;
    for (size_t j = 0; j < oldcap; j++) {
        if (!old[j].key) continue;
        size_t i = old[j].hash32 & (cap - 1);
        while (m->slots[i].key) i = (i + 1) & (cap - 1);
        m->slots[i] = old[j];
    }
    free(old);
}

uint64_t *vrv_map_put(vrv_map *m, const void *key, size_t len, bool *inserted)
{
    return &vrv_map_put_entry(m, key, len, inserted)->val;
}

vrv_map_entry *vrv_map_put_entry(vrv_map *m, const void *key, size_t len, bool *inserted)
{
    if ((m->n + 1) * 4 > m->cap * 3) rehash(m, m->cap ? m->cap * 2 : 16);
    uint64_t h = vrv_hash(key, len);
    bool found;
    size_t i = find(m, key, len, h, &found);
    if (inserted) *inserted = !found;
    if (found) return &m->slots[i];
    vrv_map_entry *e = &m->slots[i];
    if (len == 0)
        e->key = empty_key;
    else
        e->key = m->copy_keys ? vrv_arena_memdup(&m->keys, key, len) : key;
    e->klen = (uint32_t)len;
    e->hash32 = hash_bits(h);
    e->val = 0;
    m->n++;
    return e;
}

bool vrv_map_del(vrv_map *m, const void *key, size_t len)
{
    if (m->n == 0) return false;
    bool found;
    size_t i = find(m, key, len, vrv_hash(key, len), &found);
    if (!found) return false;
    size_t mask = m->cap - 1;
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].key) break;
        size_t home = m->slots[j].hash32 & mask;
        bool between = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (between) continue;
        m->slots[i] = m->slots[j];
        i = j;
    }
    m->slots[i].key = NULL;
    m->n--;
    return true;
}

vrv_map_entry *vrv_map_next(const vrv_map *m, size_t *it)
{
    while (*it < m->cap) {
        vrv_map_entry *e = &m->slots[(*it)++];
        if (e->key) return e;
    }
    return NULL;
}
