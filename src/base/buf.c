/*
 * buf.c — growable byte buffer (see buf.h).
 */
#include "base/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"
#include "base/mem.h"

void vrv_buf_init(vrv_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void vrv_buf_free(vrv_buf *b)
{
    free(b->data);
    vrv_buf_init(b);
}

char *vrv_buf_reserve(vrv_buf *b, size_t n)
{
    size_t need = b->len + n + 1;
    if (need > b->cap) {
        size_t c = b->cap ? b->cap : 64;
        while (c < need) c *= 2;
        b->data = vrv_realloc(b->data, c);
        b->cap = c;
        b->data[b->len] = '\0';
    }
    return b->data + b->len;
}

void vrv_buf_append(vrv_buf *b, const void *data, size_t n)
{
    char *p = vrv_buf_reserve(b, n);
    if (n) memcpy(p, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vrv_buf_puts(vrv_buf *b, const char *s)
{
    vrv_buf_append(b, s, strlen(s));
}

void vrv_buf_printf(vrv_buf *b, const char *fmt, ...)
{
    va_list ap;
    char *p = vrv_buf_reserve(b, 64);
    va_start(ap, fmt);
    int n = vsnprintf(p, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= b->cap - b->len) {
        p = vrv_buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(p, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void vrv_buf_reset(vrv_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

char *vrv_buf_detach(vrv_buf *b)
{
    char *p = b->data ? b->data : vrv_strdup("");
    vrv_buf_init(b);
    return p;
}

void vrv_buf_truncate(vrv_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

int vrv_buf_read_file(vrv_buf *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return VRV_EIO;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) vrv_buf_append(b, tmp, n);
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        errno = saved;
        return VRV_EIO;
    }
    if (!b->data) vrv_buf_reserve(b, 0);
    return VRV_OK;
}
