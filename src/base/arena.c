/*
 * arena.c — chunked bump allocator behind arena.h.
 */
#include "base/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

struct vrv_arena_chunk {
    vrv_arena_chunk *next;
    size_t size; /* usable bytes after the header */
    _Alignas(16) char data[];
};

#define ALIGN 16

void vrv_arena_init(vrv_arena *a, size_t chunk_size)
{
    memset(a, 0, sizeof *a);
    a->chunk_size = chunk_size ? chunk_size : VRV_ARENA_DEFAULT_CHUNK;
}

static void *arena_slow(vrv_arena *a, size_t n)
{
    size_t size = n > a->chunk_size / 4 ? n : a->chunk_size;
    vrv_arena_chunk *c = vrv_malloc(sizeof *c + size);
    c->size = size;
    a->total += sizeof *c + size;
    if (size != a->chunk_size && a->head) {
        /* A big request gets a private chunk placed behind the current one, so
         * the current chunk's free space stays usable. */
        c->next = a->head->next;
        a->head->next = c;
        return c->data;
    }
    c->next = a->head;
    a->head = c;
    a->cur = c->data + n;
    a->end = c->data + size;
    return c->data;
}

void *vrv_arena_alloc(vrv_arena *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0) n = ALIGN;
    if (VRV_LIKELY((size_t)(a->end - a->cur) >= n)) {
        void *p = a->cur;
        a->cur += n;
        return p;
    }
    return arena_slow(a, n);
}

void *vrv_arena_calloc(vrv_arena *a, size_t n)
{
    void *p = vrv_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *vrv_arena_strndup(vrv_arena *a, const char *s, size_t n)
{
    char *p = vrv_arena_alloc(a, n + 1);
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vrv_arena_strdup(vrv_arena *a, const char *s)
{
    return vrv_arena_strndup(a, s, strlen(s));
}

void *vrv_arena_memdup(vrv_arena *a, const void *p, size_t n)
{
    void *q = vrv_arena_alloc(a, n);
    if (n) memcpy(q, p, n);
    return q;
}

char *vrv_arena_printf(vrv_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = vrv_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(p, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void vrv_arena_reset(vrv_arena *a)
{
    vrv_arena_chunk *keep = NULL;
    for (vrv_arena_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        if (!keep && c->size == a->chunk_size) {
            keep = c;
            continue;
        }
        free(c);
    }
    a->head = keep;
    a->total = 0;
    if (keep) {
        keep->next = NULL;
        a->cur = keep->data;
        a->end = keep->data + keep->size;
        a->total = sizeof *keep + keep->size;
    } else {
        a->cur = a->end = NULL;
    }
}

void vrv_arena_destroy(vrv_arena *a)
{
    for (vrv_arena_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    vrv_arena_init(a, a->chunk_size);
}

vrv_arena *vrv_arena_new(size_t chunk_size)
{
    vrv_arena *a = vrv_malloc(sizeof *a);
    vrv_arena_init(a, chunk_size);
    return a;
}

void vrv_arena_free(vrv_arena *a)
{
    if (!a) return;
    vrv_arena_destroy(a);
    free(a);
}
