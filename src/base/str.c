/*
 * str.c — slice comparison and number parsing.
 */
#include "base/str.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int vrv_str_cmp(vrv_str a, vrv_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c) return c;
    return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

bool vrv_str_starts_with(vrv_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

bool vrv_str_to_i64(vrv_str s, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (s.n == 0) return false;
    if (s.p[0] == '-' || s.p[0] == '+') {
        neg = s.p[0] == '-';
        i = 1;
        if (s.n == 1) return false;
    }
    uint64_t v = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9) return false;
        if (v > (limit - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool vrv_str_to_double(vrv_str s, double *out)
{
    char tmp[128];
    if (s.n == 0 || s.n >= sizeof tmp) {
        if (s.n == 0) return false;
        char *heap = malloc(s.n + 1);
        if (!heap) return false;
        memcpy(heap, s.p, s.n);
        heap[s.n] = '\0';
        char *end;
        errno = 0;
        double d = strtod(heap, &end);
        bool ok = end == heap + s.n;
        free(heap);
        if (ok) *out = d;
        return ok;
    }
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    /* Java accepts "NaN", "Infinity", "-Infinity" and a trailing d/D/f/F; strtod
     * accepts "nan", "inf", hex. Keep to Java's spelling. */
    const char *q = tmp;
    if (*q == '+' || *q == '-') q++;
    if (*q == 'N') {
        if (strcmp(q, "NaN") != 0) return false;
        *out = NAN;
        return true;
    }
    if (*q == 'I') {
        if (strcmp(q, "Infinity") != 0) return false;
        *out = tmp[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    for (const char *c = q; *c; c++) {
        if (!((*c >= '0' && *c <= '9') || *c == '.' || *c == 'e' || *c == 'E' || *c == '+' ||
              *c == '-' || ((*c == 'd' || *c == 'D' || *c == 'f' || *c == 'F') && c[1] == '\0')))
            return false;
    }
    size_t len = s.n;
    char last = tmp[len - 1];
    if (last == 'd' || last == 'D' || last == 'f' || last == 'F') tmp[--len] = '\0';
    if (len == 0) return false;
    char *end;
    double d = strtod(tmp, &end);
    if (end != tmp + len) return false;
    *out = d;
    return true;
}
