/*
 * numfmt.c — Java-compatible number printing (see numfmt.h).
 *
 * The shortest round-tripping digit string is found by a binary search over the
 * precision of printf's correctly rounded %e (round-tripping is monotone in the
 * number of digits), then laid out as Java lays it out.
 */
#include "base/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fills digits (no dot, no sign) and the decimal exponent of the first digit:
 * value = 0.d1d2d3... x 10^(exp+1), i.e. d1.d2d3... x 10^exp. */
static int shortest_digits(double d, bool is_float, char *digits, int *exp10)
{
    char tmp[48];
    /* Java renders at least two significant digits (d.d), which matters only
     * where one digit would already round-trip: 4.9E-324, not 5.0E-324. */
    int lo = 2, hi = is_float ? 9 : 17, best = hi;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        snprintf(tmp, sizeof tmp, "%.*e", mid - 1, d);
        bool ok;
        if (is_float)
            ok = strtof(tmp, NULL) == (float)d;
        else
            ok = strtod(tmp, NULL) == d;
        if (ok) {
            best = mid;
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
    snprintf(tmp, sizeof tmp, "%.*e", best - 1, d);
    /* tmp is "D.DDDDe+XX" or "De+XX" */
    int n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = '\0';
    *exp10 = atoi(p + 1);
    return n;
}

static size_t fmt_java(double d, bool is_float, char *out)
{
    if (isnan(d)) return (size_t)snprintf(out, VRV_NUMFMT_MAX, "NaN");
    if (isinf(d)) return (size_t)snprintf(out, VRV_NUMFMT_MAX, d > 0 ? "Infinity" : "-Infinity");
    char *o = out;
    if (signbit(d)) {
        *o++ = '-';
        d = -d;
    }
    if (d == 0) {
        memcpy(o, "0.0", 4);
        return (size_t)(o - out) + 3;
    }
    char digits[24];
    int e;
    int n = shortest_digits(d, is_float, digits, &e);
    if (d >= 1e-3 && d < 1e7) {
        if (e >= 0) {
            /* integer part: digits[0..e], padding with zeros */
            for (int i = 0; i <= e; i++) *o++ = i < n ? digits[i] : '0';
            *o++ = '.';
            if (n > e + 1) {
                for (int i = e + 1; i < n; i++) *o++ = digits[i];
            } else {
                *o++ = '0';
            }
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = -1; i > e; i--) *o++ = '0';
            for (int i = 0; i < n; i++) *o++ = digits[i];
        }
    } else {
        *o++ = digits[0];
        *o++ = '.';
        if (n > 1) {
            for (int i = 1; i < n; i++) *o++ = digits[i];
        } else {
            *o++ = '0';
        }
        o += sprintf(o, "E%d", e);
    }
    *o = '\0';
    return (size_t)(o - out);
}

size_t vrv_fmt_double(double d, char *out)
{
    return fmt_java(d, false, out);
}

size_t vrv_fmt_float(float f, char *out)
{
    return fmt_java((double)f, true, out);
}

size_t vrv_fmt_long(int64_t l, char *out)
{
    /* two digits per division: result rows are mostly 13-digit timestamps */
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                                "34353637383940414243444546474849505152535455565758596061626364656667"
                                "6869707172737475767778798081828384858687888990919293949596979899";
    char tmp[24];
    int i = 24;
    uint64_t u = l < 0 ? (uint64_t)0 - (uint64_t)l : (uint64_t)l;
    while (u >= 100) {
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        tmp[--i] = pairs[d + 1];
        tmp[--i] = pairs[d];
    }
    if (u >= 10) {
        tmp[--i] = pairs[u * 2 + 1];
        tmp[--i] = pairs[u * 2];
    } else {
        tmp[--i] = (char)('0' + u);
    }
    size_t n = 0;
    if (l < 0) out[n++] = '-';
    memcpy(out + n, tmp + i, (size_t)(24 - i));
    n += (size_t)(24 - i);
    out[n] = '\0';
    return n;
}
