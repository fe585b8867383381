/*
 * bytes.h — little-endian encoding helpers for the serialized forms of the
 * aggregator module (sketches, pairs). Internal to src/agg/.
 *
 * The reader is a bounds-checked cursor: every get fails (returns false) once
 * the input is exhausted, so a corrupt blob from a segment is rejected instead
 * of read past its end.
 */
#ifndef VRV_AGG_BYTES_H
#define VRV_AGG_BYTES_H

#include <string.h>

#include "base/buf.h"
#include "base/vrv.h"

static inline void vrv_put_u8(vrv_buf *b, uint8_t v)
{
    vrv_buf_append(b, &v, 1);
}

static inline void vrv_put_u32(vrv_buf *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    vrv_buf_append(b, t, 4);
}

static inline void vrv_put_u64(vrv_buf *b, uint64_t v)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++) t[i] = (uint8_t)(v >> (8 * i));
    vrv_buf_append(b, t, 8);
}

static inline void vrv_put_f64(vrv_buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    vrv_put_u64(b, v);
}

typedef struct vrv_rd {
    const uint8_t *p, *end;
} vrv_rd;

static inline vrv_rd vrv_rd_make(const void *p, size_t n)
{
    vrv_rd r = {(const uint8_t *)p, (const uint8_t *)p + n};
    return r;
}

static inline size_t vrv_rd_left(const vrv_rd *r)
{
    return (size_t)(r->end - r->p);
}

static inline bool vrv_get_u8(vrv_rd *r, uint8_t *v)
{
    if (r->p >= r->end) return false;
    *v = *r->p++;
    return true;
}

static inline bool vrv_get_u32(vrv_rd *r, uint32_t *v)
{
    if (vrv_rd_left(r) < 4) return false;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
         (uint32_t)r->p[3] << 24;
    r->p += 4;
    return true;
}

static inline bool vrv_get_u64(vrv_rd *r, uint64_t *v)
{
    if (vrv_rd_left(r) < 8) return false;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = x << 8 | r->p[i];
    *v = x;
    r->p += 8;
    return true;
}

static inline bool vrv_get_f64(vrv_rd *r, double *d)
{
    uint64_t v;
    if (!vrv_get_u64(r, &v)) return false;
    memcpy(d, &v, 8);
    return true;
}

static inline bool vrv_get_bytes(vrv_rd *r, size_t n, const uint8_t **out)
{
    if (vrv_rd_left(r) < n) return false;
    *out = r->p;
    r->p += n;
    return true;
}

#endif
