/*
 * expr_fn_other.c — Druid's IP address functions (IPv4Address*ExprMacro,
 * IPv6AddressMatchExprMacro) and the human-readable size formatters
 * (HumanReadableBytes): ipv4_match, ipv4_parse, ipv4_stringify, ipv6_match,
 * human_readable_binary_byte_format, human_readable_decimal_byte_format,
 * human_readable_decimal_format.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_int.h"

/* ---- IPv4 ------------------------------------------------------------------ */

/* Strict dotted-decimal: four decimal octets 0..255. */
static bool parse_ipv4(vrv_str s, uint32_t *out)
{
    uint32_t v = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= s.n || s.p[i] != '.') return false;
            i++;
        }
        size_t st = i;
        unsigned oct = 0;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9' && i - st < 3) oct = oct * 10 + (unsigned)(s.p[i++] - '0');
        if (i == st || oct > 255) return false;
        v = v << 8 | oct;
    }
    if (i != s.n) return false;
    *out = v;
    return true;
}

/* The address as a 32-bit value from a dotted string or a long in range. */
static bool ipv4_of(const vrv_value *v, uint32_t *out)
{
    if (v->type == VRV_V_LONG) {
        if (v->u.l < 0 || v->u.l > 0xFFFFFFFFLL) return false;
        *out = (uint32_t)v->u.l;
        return true;
    }
    if (v->type == VRV_V_STRING) return parse_ipv4(vrv_value_str(v), out);
    return false;
}

static vrv_value fn_ipv4_parse(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    uint32_t a;
    return ipv4_of(&x, &a) ? vrv_long((int64_t)a) : vrv_null();
}

static vrv_value fn_ipv4_stringify(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    uint32_t a;
    if (!ipv4_of(&x, &a)) return vrv_null();
    if (x.type == VRV_V_STRING) return x;
    char tmp[16];
    int k = snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return expr_str_dup(c->arena, tmp, (size_t)k);
}

typedef struct subnet {
    unsigned char addr[16];
    int bits;
    bool v6;
} subnet;

static int subnet_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    bool v6 = strcmp(n->fn->name, "ipv6_match") == 0;
    vrv_value v;
    if (!expr_arg_literal(n, 1, &v) || v.type != VRV_V_STRING)
        return expr_bind_fail(b, n, err, "function '%s' subnet argument must be a string literal", n->fn->name);
    char tmp[64];
    vrv_str s = vrv_value_str(&v);
    const char *slash = memchr(s.p, '/', s.n);
    size_t alen = slash ? (size_t)(slash - s.p) : s.n;
    subnet *sn = vrv_arena_calloc(&b->prog->arena, sizeof *sn);
    sn->v6 = v6;
    int maxbits = v6 ? 128 : 32;
    sn->bits = maxbits;
    bool ok = alen < sizeof tmp;
    if (ok) {
        memcpy(tmp, s.p, alen);
        tmp[alen] = '\0';
        ok = inet_pton(v6 ? AF_INET6 : AF_INET, tmp, sn->addr) == 1;
    }
    if (ok && slash) {
        char *end;
        size_t blen = s.n - alen - 1;
        char bits[8];
        ok = blen > 0 && blen < sizeof bits;
        if (ok) {
            memcpy(bits, slash + 1, blen);
            bits[blen] = '\0';
            long l = strtol(bits, &end, 10);
            ok = *end == '\0' && l >= 0 && l <= maxbits;
            sn->bits = (int)l;
        }
    }
    if (!ok)
        return expr_bind_fail(b, n, err, "function '%s' subnet arg has an invalid format: %.*s", n->fn->name,
                              (int)VRV_MIN(s.n, 64), s.p);
    n->state = sn;
    return 0;
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0) return false;
    if (rest == 0) return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

static vrv_value fn_ipv4_match(const expr_pnode *n, expr_eval *c)
{
    const subnet *sn = n->state;
    vrv_value x = EV(0);
    uint32_t a;
    if (!ipv4_of(&x, &a)) return expr_bool(false);
    unsigned char bytes[4] = {(unsigned char)(a >> 24), (unsigned char)(a >> 16), (unsigned char)(a >> 8),
                              (unsigned char)a};
    return expr_bool(prefix_match(bytes, sn->addr, sn->bits));
}

static vrv_value fn_ipv6_match(const expr_pnode *n, expr_eval *c)
{
    const subnet *sn = n->state;
    vrv_value x = EV(0);
    if (x.type != VRV_V_STRING || x.len >= 64) return expr_bool(false);
    char tmp[64];
    memcpy(tmp, x.u.s, x.len);
    tmp[x.len] = '\0';
    unsigned char addr[16];
    if (inet_pton(AF_INET6, tmp, addr) != 1) return expr_bool(false);
    return expr_bool(prefix_match(addr, sn->addr, sn->bits));
}

/* ---- human-readable sizes ---------------------------------------------------- */

enum { HR_BINARY_BYTE, HR_DECIMAL_BYTE, HR_DECIMAL };

static vrv_value human_readable(const expr_pnode *n, expr_eval *c, int unit)
{
    vrv_value x = EV(0);
    vrv_value num;
    if (!expr_numeric(&x, &num)) return vrv_null();
    int vt = expr_vt(&x);
    if (vt != VT_LONG && vt != VT_DOUBLE)
        return expr_fail(c, "function '%s' needs a number as its first argument but got %s instead", n->fn->name,
                         expr_type_name(expr_value_type(&x)));
    int64_t precision = 2;
    if (n->nargs > 1) {
        vrv_value p = EV(1);
        if (p.type != VRV_V_LONG)
            return expr_fail(c, "function '%s' needs a LONG as its second argument", n->fn->name);
        precision = p.u.l;
        if (precision < 0 || precision > 3)
            return expr_fail(c, "function '%s' given precision[%lld] must be in the range of [0,3]", n->fn->name,
                             (long long)precision);
    }
    int64_t bytes = vt == VT_LONG ? x.u.l : expr_d2l(x.u.d);
    char tmp[64];
    vrv_buf *b = expr_scratch(c);
    const char *suffix = unit == HR_DECIMAL ? "" : "B";
    double scaled;
    const char *u;
    if (unit == HR_BINARY_BYTE) {
        static const char *units[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        if (bytes > -1024 && bytes < 1024) goto small;
        if (bytes == INT64_MIN) {
            scaled = -8.0;
            u = units[6];
        } else {
            uint64_t abs = bytes < 0 ? 0 - (uint64_t)bytes : (uint64_t)bytes;
            int idx = (63 - __builtin_clzll(abs)) / 10;
            scaled = (double)bytes / (double)(1ULL << (idx * 10));
            u = units[idx];
        }
    } else {
        static const char *units[] = {"K", "M", "G", "T", "P", "E"};
        if (bytes > -1000 && bytes < 1000) goto small;
        int idx = 0;
        while (bytes <= -1000000 || bytes >= 1000000) {
            bytes /= 1000;
            idx++;
        }
        scaled = (double)bytes / 1000.0;
        u = units[idx];
    }
    {
        expr_dec d;
        expr_dec_from_double(scaled < 0 ? -scaled : scaled, &d);
        if (scaled < 0) vrv_buf_putc(b, '-');
        expr_dec_put_fixed(d, (int)precision, b);
        vrv_buf_printf(b, " %s%s", u, suffix);
    }
    goto done;
small:
    snprintf(tmp, sizeof tmp, "%lld %s", (long long)bytes, suffix);
    vrv_buf_puts(b, tmp);
done:;
    size_t len = b->len;
    while (unit == HR_DECIMAL && len > 0 && b->data[len - 1] == ' ') len--; /* trim() */
    vrv_value r = expr_str_dup(c->arena, b->data, len);
    expr_scratch_release(c, b);
    return r;
}

static vrv_value fn_hr_binary_byte(const expr_pnode *n, expr_eval *c)
{
    return human_readable(n, c, HR_BINARY_BYTE);
}
static vrv_value fn_hr_decimal_byte(const expr_pnode *n, expr_eval *c)
{
    return human_readable(n, c, HR_DECIMAL_BYTE);
}
static vrv_value fn_hr_decimal(const expr_pnode *n, expr_eval *c)
{
    return human_readable(n, c, HR_DECIMAL);
}

const expr_fn expr_fns_other[] = {
    {"ipv4_parse", 1, 1, 0, 0, fn_ipv4_parse, NULL, expr_ty_long, NULL},
    {"ipv4_stringify", 1, 1, 0, 0, fn_ipv4_stringify, NULL, expr_ty_string, NULL},
    {"ipv4_match", 2, 2, 0, 0, fn_ipv4_match, subnet_prepare, expr_ty_long, NULL},
    {"ipv6_match", 2, 2, 0, 0, fn_ipv6_match, subnet_prepare, expr_ty_long, NULL},
    {"human_readable_binary_byte_format", 1, 2, 0, 0, fn_hr_binary_byte, NULL, expr_ty_string, NULL},
    {"human_readable_decimal_byte_format", 1, 2, 0, 0, fn_hr_decimal_byte, NULL, expr_ty_string, NULL},
    {"human_readable_decimal_format", 1, 2, 0, 0, fn_hr_decimal, NULL, expr_ty_string, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
