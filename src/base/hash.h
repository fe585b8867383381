/*
 * hash.h — hashing (XXH3) and a byte-string → uint64 hash map.
 *
 * vrv_map is open addressing with linear probing and backward-shift deletion.
 * Keys are borrowed (the caller keeps them alive) unless the map was created
 * with copy_keys, in which case each inserted key is copied into the map's own
 * arena. Values are uint64 slots: an index, a count or a pointer cast through
 * uintptr_t. Not thread safe.
 */
#ifndef VRV_HASH_H
#define VRV_HASH_H

#include "base/arena.h"
#include "base/vrv.h"

uint64_t vrv_hash(const void *data, size_t len);
uint64_t vrv_hash_seed(const void *data, size_t len, uint64_t seed);
static inline uint64_t vrv_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

typedef struct vrv_map_entry {
    const char *key;  /* NULL marks an empty slot */
    uint32_t klen;
    uint32_t hash32;  /* 32 bits of the key's hash: its home slot, and a filter
                         that skips most key compares */
    uint64_t val;
} vrv_map_entry;

typedef struct vrv_map {
    vrv_map_entry *slots;
    size_t cap;       /* power of two, 0 before the first insert */
    size_t n;         /* live entries */
    bool copy_keys;
    vrv_arena keys;   /* key copies when copy_keys */
} vrv_map;

void vrv_map_init(vrv_map *m, bool copy_keys);
void vrv_map_destroy(vrv_map *m);
/* Removes every entry, keeps the table. */
void vrv_map_clear(vrv_map *m);

/* Returns the value slot of key, or NULL. */
uint64_t *vrv_map_get(const vrv_map *m, const void *key, size_t len);
/* Returns the value slot of key, inserting it with value 0 when absent;
 * *inserted (may be NULL) tells which. The pointer is valid until the next put. */
uint64_t *vrv_map_put(vrv_map *m, const void *key, size_t len, bool *inserted);
/* The same as vrv_map_put, returning the entry: on insertion the caller may
 * point entry->key at a longer-lived copy of the same bytes (one probe for
 * "find or insert" with a temporary key). */
vrv_map_entry *vrv_map_put_entry(vrv_map *m, const void *key, size_t len, bool *inserted);
/* Removes key; returns whether it was present. */
bool vrv_map_del(vrv_map *m, const void *key, size_t len);

/* Iteration: size_t it = 0; vrv_map_entry *e; while ((e = vrv_map_next(m, &it))) ... */
vrv_map_entry *vrv_map_next(const vrv_map *m, size_t *it);

#endif
