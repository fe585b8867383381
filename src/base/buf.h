/*
 * buf.h — a growable byte buffer, always NUL-terminated after len bytes so its
 * contents can be used as a C string. The buffer owns data; vrv_buf_free
 * releases it, vrv_buf_detach hands it to the caller (free() it).
 */
#ifndef VRV_BUF_H
#define VRV_BUF_H

#include <string.h>

#include "base/vrv.h"

typedef struct vrv_buf {
    char *data;  /* NULL until the first write; then NUL-terminated at len */
    size_t len;  /* bytes written */
    size_t cap;  /* bytes allocated (> len once data != NULL) */
} vrv_buf;

#define VRV_BUF_INIT {NULL, 0, 0}

void vrv_buf_init(vrv_buf *b);
void vrv_buf_free(vrv_buf *b);
/* Makes room for n more bytes; returns a pointer to the first free byte. */
char *vrv_buf_reserve(vrv_buf *b, size_t n);
void vrv_buf_append(vrv_buf *b, const void *data, size_t n);
void vrv_buf_puts(vrv_buf *b, const char *s);
void vrv_buf_printf(vrv_buf *b, const char *fmt, ...) VRV_PRINTF(2, 3);
/* Empties the buffer, keeping its memory. */
void vrv_buf_reset(vrv_buf *b);
/* Returns the contents as a malloc'd NUL-terminated string (never NULL) and
 * leaves b empty. */
char *vrv_buf_detach(vrv_buf *b);
/* Drops the last n bytes (n <= len). */
void vrv_buf_truncate(vrv_buf *b, size_t len);

static inline void vrv_buf_putc(vrv_buf *b, char c)
{
    if (VRV_UNLIKELY(b->len + 2 > b->cap)) vrv_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

/* Reads a whole file into b (appending). Returns 0 or VRV_EIO with errno set. */
int vrv_buf_read_file(vrv_buf *b, const char *path);

#endif
