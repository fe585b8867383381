/*
 * str.h — byte-string slices. A vrv_str points into memory someone else owns
 * (an input buffer, an arena, a dictionary) and is not NUL-terminated.
 */
#ifndef VRV_STR_H
#define VRV_STR_H

#include <string.h>

#include "base/vrv.h"

typedef struct vrv_str {
    const char *p;
    size_t n;
} vrv_str;

#define VRV_STR_LIT(s) ((vrv_str){(s), sizeof(s) - 1})

static inline vrv_str vrv_str_make(const char *p, size_t n)
{
    return (vrv_str){p, n};
}

static inline vrv_str vrv_str_c(const char *s)
{
    return (vrv_str){s, s ? strlen(s) : 0};
}

static inline bool vrv_str_eq(vrv_str a, vrv_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline bool vrv_str_eq_c(vrv_str a, const char *s)
{
    return vrv_str_eq(a, vrv_str_c(s));
}

/* Bytewise comparison of UTF-8, which is code-point order: <0, 0, >0. */
int vrv_str_cmp(vrv_str a, vrv_str b);

bool vrv_str_starts_with(vrv_str s, const char *prefix);

/* Parses the whole slice as a decimal int64 (optional sign). Returns false on
 * anything else, including overflow and an empty slice. */
bool vrv_str_to_i64(vrv_str s, int64_t *out);

/* Parses the whole slice as a floating-point number the way Java's
 * Double.parseDouble does for ordinary inputs (no hex floats). */
bool vrv_str_to_double(vrv_str s, double *out);

#endif
