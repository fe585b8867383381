/*
 * jwriter.c — the streaming JSON writer (jwriter.h): separators from the
 * nesting state, Jackson's string escaping and pretty layout, Java number
 * text. Everything is written straight into the output buffer.
 */
#include "json/jwriter.h"

#include <math.h>
#include <string.h>

#include "base/numfmt.h"
#include "json/utf8.h"

#define LV_OBJECT  0x1
#define LV_ENTRIES 0x2

void vrv_jw_init(vrv_jw *w, vrv_buf *out, unsigned flags)
{
    w->out = out;
    w->flags = flags;
    w->depth = 0;
    w->after_key = false;
    w->overflow = false;
}

bool vrv_jw_complete(const vrv_jw *w)
{
    return w->depth == 0 && !w->overflow && !w->after_key;
}

static inline void put(vrv_jw *w, const char *s, size_t n)
{
    vrv_buf *b = w->out;
    if (VRV_UNLIKELY(b->len + n + 1 > b->cap)) vrv_buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void indent(vrv_jw *w)
{
    /* Jackson's DefaultIndenter: a line feed, then two spaces per object level. */
    uint32_t lv = 0;
    for (uint32_t i = 0; i < w->depth; i++) lv += (w->level[i] & LV_OBJECT) ? 1 : 0;
    char *p = vrv_buf_reserve(w->out, 1 + 2 * (size_t)lv);
    p[0] = '\n';
    memset(p + 1, ' ', 2 * (size_t)lv);
    w->out->len += 1 + 2 * (size_t)lv;
    w->out->data[w->out->len] = '\0';
}

/* Everything that precedes a value or a key: a comma and, pretty, the layout. */
static inline void before(vrv_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0 || w->depth > VRV_JW_MAX_DEPTH) return;
    uint8_t *lv = &w->level[w->depth - 1];
    if (!(w->flags & VRV_JW_PRETTY)) {
        if (*lv & LV_ENTRIES) vrv_buf_putc(w->out, ',');
        *lv |= LV_ENTRIES;
        return;
    }
    if (*lv & LV_ENTRIES) vrv_buf_putc(w->out, ',');
    if (*lv & LV_OBJECT)
        indent(w);
    else
        vrv_buf_putc(w->out, ' ');
    *lv |= LV_ENTRIES;
}

static void begin(vrv_jw *w, char c, uint8_t kind)
{
    before(w);
    vrv_buf_putc(w->out, c);
    if (w->depth >= VRV_JW_MAX_DEPTH) {
        vrv_dassert(0, "JSON writer nesting too deep");
        w->overflow = true;
        w->depth++;
        return;
    }
    w->level[w->depth++] = kind;
}

static void end(vrv_jw *w, char c)
{
    vrv_dassert(w->depth > 0, "JSON writer: end without begin");
    if (w->depth == 0) return;
    w->depth--;
    if (w->depth < VRV_JW_MAX_DEPTH && (w->flags & VRV_JW_PRETTY)) {
        uint8_t lv = w->level[w->depth];
        if ((lv & LV_OBJECT) && (lv & LV_ENTRIES))
            indent(w);
        else
            vrv_buf_putc(w->out, ' ');
    }
    vrv_buf_putc(w->out, c);
}

void vrv_jw_begin_object(vrv_jw *w)
{
    begin(w, '{', LV_OBJECT);
}

void vrv_jw_end_object(vrv_jw *w)
{
    end(w, '}');
}

void vrv_jw_begin_array(vrv_jw *w)
{
    begin(w, '[', 0);
}

void vrv_jw_end_array(vrv_jw *w)
{
    end(w, ']');
}

/* Per ASCII byte: 0 = copy, else the character after the backslash ('u' for
 * \u00XX). Jackson escapes exactly the control characters, '"' and '\'. */
static const char esc[128] = {
    ['\0'] = 'u', [1] = 'u',    [2] = 'u',    [3] = 'u',    [4] = 'u',    [5] = 'u',
    [6] = 'u',    [7] = 'u',    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', [11] = 'u',
    ['\f'] = 'f', ['\r'] = 'r', [14] = 'u',   [15] = 'u',   [16] = 'u',   [17] = 'u',
    [18] = 'u',   [19] = 'u',   [20] = 'u',   [21] = 'u',   [22] = 'u',   [23] = 'u',
    [24] = 'u',   [25] = 'u',   [26] = 'u',   [27] = 'u',   [28] = 'u',   [29] = 'u',
    [30] = 'u',   [31] = 'u',   ['"'] = '"',  ['\\'] = '\\',
};

void vrv_jw_append_quoted(vrv_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    /* Worst case: every byte becomes \u00XX (6 bytes) or U+FFFD (3 bytes). */
    char *o = vrv_buf_reserve(b, 6 * n + 2);
    char *start = o;
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    *o++ = '"';
    while (p < e) {
        const unsigned char *run = p;
        while (p < e && *p < 0x80 && !esc[*p]) p++;
        if (p > run) {
            memcpy(o, run, (size_t)(p - run));
            o += p - run;
        }
        if (p >= e) break;
        unsigned c = *p;
        if (c < 0x80) {
            *o++ = '\\';
            *o++ = esc[c];
            if (esc[c] == 'u') {
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
            }
            p++;
            continue;
        }
        int k = vrv_utf8_seq(p, (size_t)(e - p));
        if (k > 0) {
            memcpy(o, p, (size_t)k);
            o += k;
            p += k;
        } else {
            *o++ = (char)0xEF; /* U+FFFD */
            *o++ = (char)0xBF;
            *o++ = (char)0xBD;
            p += -k;
        }
    }
    *o++ = '"';
    b->len += (size_t)(o - start);
    b->data[b->len] = '\0';
}

void vrv_jw_keyn(vrv_jw *w, const char *k, size_t n)
{
    vrv_dassert(w->depth > 0 && (w->level[w->depth - 1] & LV_OBJECT), "key outside an object");
    before(w);
    vrv_jw_append_quoted(w->out, k, n);
    if (w->flags & VRV_JW_PRETTY)
        put(w, " : ", 3);
    else
        vrv_buf_putc(w->out, ':');
    w->after_key = true;
}

void vrv_jw_key(vrv_jw *w, const char *k)
{
    vrv_jw_keyn(w, k, strlen(k));
}

void vrv_jw_stringn(vrv_jw *w, const char *s, size_t n)
{
    before(w);
    vrv_jw_append_quoted(w->out, s, n);
}

void vrv_jw_string(vrv_jw *w, const char *s)
{
    vrv_jw_stringn(w, s, strlen(s));
}

void vrv_jw_long(vrv_jw *w, int64_t v)
{
    before(w);
    char *p = vrv_buf_reserve(w->out, VRV_NUMFMT_MAX);
    w->out->len += vrv_fmt_long(v, p);
}

/* NaN and infinities are not JSON numbers: Jackson quotes them. */
static bool nonfinite(vrv_jw *w, double v)
{
    if (isfinite(v)) return false;
    if (isnan(v))
        put(w, "\"NaN\"", 5);
    else if (v > 0)
        put(w, "\"Infinity\"", 10);
    else
        put(w, "\"-Infinity\"", 11);
    return true;
}

void vrv_jw_double(vrv_jw *w, double v)
{
    before(w);
    if (nonfinite(w, v)) return;
    char *p = vrv_buf_reserve(w->out, VRV_NUMFMT_MAX);
    w->out->len += vrv_fmt_double(v, p);
}

void vrv_jw_float(vrv_jw *w, float v)
{
    before(w);
    if (nonfinite(w, v)) return;
    char *p = vrv_buf_reserve(w->out, VRV_NUMFMT_MAX);
    w->out->len += vrv_fmt_float(v, p);
}

void vrv_jw_bool(vrv_jw *w, bool v)
{
    before(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void vrv_jw_null(vrv_jw *w)
{
    before(w);
    put(w, "null", 4);
}

void vrv_jw_raw(vrv_jw *w, const char *json, size_t n)
{
    before(w);
    put(w, json, n);
}

bool vrv_jw_value(vrv_jw *w, const vrv_value *v)
{
    switch ((vrv_vtype)v->type) {
    case VRV_V_NULL: vrv_jw_null(w); return true;
    case VRV_V_LONG:
        if (v->flags & VRV_VF_BOOL)
            vrv_jw_bool(w, v->u.l != 0);
        else
            vrv_jw_long(w, v->u.l);
        return true;
    case VRV_V_FLOAT: vrv_jw_float(w, v->u.f); return true;
    case VRV_V_DOUBLE: vrv_jw_double(w, v->u.d); return true;
    case VRV_V_STRING: vrv_jw_stringn(w, v->u.s, v->len); return true;
    case VRV_V_JSON: vrv_jw_raw(w, v->u.s, v->len); return true;
    case VRV_V_ARRAY: {
        bool ok = true;
        vrv_jw_begin_array(w);
        for (uint32_t i = 0; i < v->len; i++) ok &= vrv_jw_value(w, &v->u.a[i]);
        vrv_jw_end_array(w);
        return ok;
    }
    case VRV_V_COMPLEX: break;
    }
    vrv_jw_null(w);
    return false;
}

void vrv_jw_json(vrv_jw *w, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        vrv_jw_begin_object(w);
        json_object_foreach((json_t *)v, k, x)
        {
            vrv_jw_key(w, k);
            vrv_jw_json(w, x);
        }
        vrv_jw_end_object(w);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        vrv_jw_begin_array(w);
        json_array_foreach(v, i, x) vrv_jw_json(w, x);
        vrv_jw_end_array(w);
        break;
    }
    case JSON_STRING: vrv_jw_stringn(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: vrv_jw_long(w, json_integer_value(v)); break;
    case JSON_REAL: vrv_jw_double(w, json_real_value(v)); break;
    case JSON_TRUE: vrv_jw_bool(w, true); break;
    case JSON_FALSE: vrv_jw_bool(w, false); break;
    case JSON_NULL: vrv_jw_null(w); break;
    }
}

void vrv_jw_kv_string(vrv_jw *w, const char *k, const char *s)
{
    vrv_jw_key(w, k);
    if (s)
        vrv_jw_string(w, s);
    else
        vrv_jw_null(w);
}

void vrv_jw_kv_long(vrv_jw *w, const char *k, int64_t v)
{
    vrv_jw_key(w, k);
    vrv_jw_long(w, v);
}

void vrv_jw_kv_double(vrv_jw *w, const char *k, double v)
{
    vrv_jw_key(w, k);
    vrv_jw_double(w, v);
}

void vrv_jw_kv_bool(vrv_jw *w, const char *k, bool v)
{
    vrv_jw_key(w, k);
    vrv_jw_bool(w, v);
}

void vrv_jw_kv_null(vrv_jw *w, const char *k)
{
    vrv_jw_key(w, k);
    vrv_jw_null(w);
}
