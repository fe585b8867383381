/*
 * mem.c — checked allocation wrappers (see mem.h for the policy).
 */
#include "base/mem.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static VRV_NORETURN void oom(size_t n)
{
    fprintf(stderr, "varve: out of memory allocating %zu bytes\n", n);
    abort();
}

void *vrv_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (VRV_UNLIKELY(!p)) oom(n);
    return p;
}

void *vrv_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (VRV_UNLIKELY(!p)) oom(count * size);
    return p;
}

void *vrv_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (VRV_UNLIKELY(!q)) oom(n);
    return q;
}

char *vrv_strdup(const char *s)
{
    return vrv_strndup(s, strlen(s));
}

char *vrv_strndup(const char *s, size_t n)
{
    char *p = vrv_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *vrv_memdup(const void *p, size_t n)
{
    void *q = vrv_malloc(n);
    if (n) memcpy(q, p, n);
    return q;
}

void vrv_grow(void **p, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap) return;
    size_t c = *cap ? *cap : 8;
    while (c < need) c *= 2;
    *p = vrv_realloc(*p, c * elem_size);
    *cap = c;
}

void vrv_mem_tune_for_ingest(void)
{
    /* glibc serves blocks above the mmap threshold from fresh mappings and
     * unmaps them on free: every new index would fault all its pages in
     * again. Keep them in the heap instead. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
}
