/*
 * expr_dec.c — decimal rounding the way Java does it for doubles: starting from
 * the digits of Double.toString (what BigDecimal.valueOf(double) sees, and what
 * java.util.Formatter starts from), rounding HALF_UP. So round(2.675, 2) is 2.68
 * and format('%.2f', 0.125) is "0.13", where C's binary-exact rounding would
 * give 2.67 and "0.12".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/numfmt.h"
#include "expr/expr_int.h"

void expr_dec_from_double(double x, expr_dec *out)
{
    char tmp[VRV_NUMFMT_MAX];
    vrv_fmt_double(x, tmp);
    memset(out, 0, sizeof *out);
    const char *p = tmp;
    if (*p == '-') {
        out->neg = true;
        p++;
    }
    int point = -1, nd = 0;
    char digits[24];
    for (; *p && *p != 'E'; p++) {
        if (*p == '.') {
            point = nd;
            continue;
        }
        if (nd < (int)sizeof digits) digits[nd++] = *p;
    }
    int e = *p == 'E' ? atoi(p + 1) : 0;
    if (point < 0) point = nd;
    /* value = digits * 10^(e - (nd - point)) */
    int exp = e - (nd - point);
    int start = 0;
    while (start < nd && digits[start] == '0') start++;
    int end = nd;
    while (end > start && digits[end - 1] == '0') {
        end--;
        exp++;
    }
    out->nd = end - start;
    memcpy(out->d, digits + start, (size_t)out->nd);
    out->exp = out->nd ? exp : 0;
}

void expr_dec_round(expr_dec *d, int scale)
{
    if (d->nd == 0 || d->exp >= -scale) return;
    int drop = -scale - d->exp; /* digits to remove from the right */
    int keep = d->nd - drop;
    bool up;
    if (keep < 0) {
        up = false;
    } else {
        up = d->d[keep] >= '5';
    }
    int nd = keep > 0 ? keep : 0;
    d->exp = -scale;
    if (up) {
        int i = nd - 1;
        while (i >= 0 && d->d[i] == '9') d->d[i--] = '0';
        if (i >= 0) {
            d->d[i]++;
        } else {
            memmove(d->d + 1, d->d, (size_t)nd);
            d->d[0] = '1';
            nd++;
        }
    }
    d->nd = nd;
    /* Normalise: strip trailing zeros into the exponent. */
    while (d->nd > 0 && d->d[d->nd - 1] == '0') {
        d->nd--;
        d->exp++;
    }
    if (d->nd == 0) d->exp = 0;
}

double expr_dec_to_double(const expr_dec *d)
{
    if (d->nd == 0) return d->neg ? -0.0 : 0.0;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s%.*se%d", d->neg ? "-" : "", d->nd, d->d, d->exp);
    return strtod(tmp, NULL);
}

void expr_dec_put_fixed(expr_dec d, int frac, vrv_buf *b)
{
    expr_dec_round(&d, frac);
    if (d.neg) vrv_buf_putc(b, '-'); /* Java keeps the sign of -0.04 -> "-0.0" */
    /* Integer part: digits left of the point. */
    int int_digits = d.nd + d.exp; /* may be <= 0 */
    if (int_digits <= 0) {
        vrv_buf_putc(b, '0');
    } else {
        for (int i = 0; i < int_digits; i++) vrv_buf_putc(b, i < d.nd ? d.d[i] : '0');
    }
    if (frac <= 0) return;
    vrv_buf_putc(b, '.');
    for (int k = 0; k < frac; k++) {
        int idx = int_digits + k; /* index into d.d of fraction digit k */
        vrv_buf_putc(b, idx >= 0 && idx < d.nd ? d.d[idx] : '0');
    }
}
