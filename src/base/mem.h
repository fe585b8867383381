/*
 * mem.h — allocation that never returns NULL.
 *
 * varve bounds its memory by configuration (maxBytesInMemory, query limits,
 * request size limits), not by malloc failure; if the C heap itself is
 * exhausted the process logs and aborts, like Redis' zmalloc. Everything else
 * may assume these succeed. Free with free().
 */
#ifndef VRV_MEM_H
#define VRV_MEM_H

#include "base/vrv.h"

void *vrv_malloc(size_t n);
void *vrv_calloc(size_t count, size_t size);
void *vrv_realloc(void *p, size_t n);
char *vrv_strdup(const char *s);
char *vrv_strndup(const char *s, size_t n); /* copies n bytes, adds a NUL */
void *vrv_memdup(const void *p, size_t n);

/* Tunes the C heap for a process that fills and frees large in-memory
 * indexes over and over (a task, a benchmark of one): freed blocks are kept
 * for reuse instead of being unmapped and faulted in again page by page.
 * Call once at process start; memory stays bounded by the process's own
 * limits (maxBytesInMemory), the heap just stops returning it to the kernel
 * between indexes. */
void vrv_mem_tune_for_ingest(void);

/* Grows *cap geometrically until it holds need elements; reallocs *p. */
void vrv_grow(void **p, size_t *cap, size_t need, size_t elem_size);

#endif
