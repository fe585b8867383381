/*
 * arena.h — bump allocation for a unit of work (a parsed batch, a query, a
 * segment build). Everything allocated from an arena is freed at once by
 * vrv_arena_reset or vrv_arena_destroy; there is no per-object free.
 *
 * Not thread safe: one arena belongs to one thread at a time.
 */
#ifndef VRV_ARENA_H
#define VRV_ARENA_H

#include "base/vrv.h"

typedef struct vrv_arena_chunk vrv_arena_chunk;

typedef struct vrv_arena {
    vrv_arena_chunk *head;  /* current chunk; older chunks chained behind it */
    char *cur, *end;        /* free space in the current chunk */
    size_t chunk_size;      /* bytes per regular chunk; big requests get their own */
    size_t total;           /* bytes obtained from malloc, for memory accounting */
} vrv_arena;

#define VRV_ARENA_DEFAULT_CHUNK (64 * 1024)

/* chunk_size 0 means VRV_ARENA_DEFAULT_CHUNK. No memory is taken until the first alloc. */
void vrv_arena_init(vrv_arena *a, size_t chunk_size);

/* Returns n bytes aligned to 16, never NULL. */
void *vrv_arena_alloc(vrv_arena *a, size_t n);
void *vrv_arena_calloc(vrv_arena *a, size_t n);
/* Copies n bytes of s and a NUL into the arena. */
char *vrv_arena_strndup(vrv_arena *a, const char *s, size_t n);
char *vrv_arena_strdup(vrv_arena *a, const char *s);
void *vrv_arena_memdup(vrv_arena *a, const void *p, size_t n);
char *vrv_arena_printf(vrv_arena *a, const char *fmt, ...) VRV_PRINTF(2, 3);

/* Frees every allocation but keeps the first chunk for reuse. */
void vrv_arena_reset(vrv_arena *a);
/* Frees everything; the arena may be re-initialised. */
void vrv_arena_destroy(vrv_arena *a);

/* Heap-allocated arena, for owners that keep a pointer. */
vrv_arena *vrv_arena_new(size_t chunk_size);
void vrv_arena_free(vrv_arena *a);

#endif
