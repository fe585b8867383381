/*
 * fmt_util.c — spec getters, line splitting, UTF-8 repair and text field
 * values for the input formats (see fmt_util.h).
 */
#include "input/fmt_util.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* ---- spec fields ------------------------------------------------------- */

bool vrv_fmt_given(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v);
}

void vrv_fmt_strings_free(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

int vrv_fmt_check_unique(char *const *names, size_t n, const char *path, vrv_error *err)
{
    vrv_map seen;
    vrv_map_init(&seen, false);
    int rc = VRV_OK;
    for (size_t i = 0; i < n && rc == VRV_OK; i++) {
        bool inserted;
        vrv_map_put(&seen, names[i], strlen(names[i]), &inserted);
        if (!inserted)
            rc = vrv_error_set(err, VRV_EINVAL, "%s: duplicate column name '%s'", path, names[i]);
    }
    vrv_map_destroy(&seen);
    return rc;
}

/* ---- lines ------------------------------------------------------------- */

bool vrv_fmt_lines_next(vrv_fmt_lines *l, vrv_str *line)
{
    if (l->pos >= l->len) return false;
    const char *start = l->data + l->pos;
    size_t left = l->len - l->pos;
    const char *nl = memchr(start, '\n', left);
    const char *end;
    if (nl) {
        end = nl;
        l->pos += (size_t)(nl - start) + 1;
        if (end > start && end[-1] == '\r') end--;
    } else {
        end = start + left;
        l->pos = l->len;
    }
    l->lineno++;
    *line = vrv_str_make(start, (size_t)(end - start));
    return true;
}

/* ---- UTF-8 ------------------------------------------------------------- */

/* Length of the well-formed sequence at s[0..n), or 0 when ill-formed; on 0,
 * *bad is the length of the maximal ill-formed subpart to replace (>= 1). */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    size_t i = 1;
    for (; i < need; i++) {
        if (i >= n) break;
        unsigned b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
    }
    if (i == need) return need;
    *bad = i;
    return 0;
}

static bool all_ascii(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL) return false;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] & 0x80) return false;
    return true;
}

bool vrv_fmt_utf8_valid(const char *s, size_t n)
{
    if (all_ascii(s, n)) return true;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, bad;
    while (i < n) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(u + i, n - i, &bad);
        if (!k) return false;
        i += k;
    }
    return true;
}

vrv_str vrv_fmt_utf8_repair(const char *s, size_t n, vrv_arena *a)
{
    if (vrv_fmt_utf8_valid(s, n)) return vrv_str_make(s, n);
    /* each bad byte becomes at most 3 bytes (U+FFFD) */
    char *out = vrv_arena_alloc(a, n * 3 + 1);
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0, bad;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i, &bad);
        if (k) {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        } else {
            out[o++] = (char)0xEF;
            out[o++] = (char)0xBF;
            out[o++] = (char)0xBD;
            i += bad;
        }
    }
    return vrv_str_make(out, o);
}

/* ---- field values ------------------------------------------------------ */

/* Druid parses with commons-lang NumberUtils.isCreatable, then Guava's
 * Longs.tryParse and Doubles.tryParse. isCreatable refuses NaN, Infinity and
 * a leading-zero integer that is not valid octal ("08" stays a string). */
static bool numeric_value(vrv_str s, vrv_value *out)
{
    size_t i = s.n && (s.p[0] == '-' || s.p[0] == '+') ? 1 : 0;
    if (i >= s.n) return false;
    char c = s.p[i];
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
    if (c == '0' && s.n > i + 1) {
        bool digits = true, octal = true;
        for (size_t j = i + 1; j < s.n; j++) {
            if (s.p[j] < '0' || s.p[j] > '9') digits = false;
            else if (s.p[j] > '7') octal = false;
        }
        if (digits && !octal) return false;
    }
    int64_t l;
    if (s.p[0] != '+' && vrv_str_to_i64(s, &l)) {
        *out = vrv_long(l);
        return true;
    }
    double d;
    if (vrv_str_to_double(s, &d)) {
        *out = vrv_double(d);
        return true;
    }
    return false;
}

static vrv_value scalar_value(vrv_str s, const vrv_fmt_text_opts *o)
{
    vrv_value v;
    if (o->parse_numbers && numeric_value(s, &v)) return v;
    return vrv_string(s.p, s.n);
}

static const char *find_delim(const char *p, size_t n, vrv_str d)
{
    if (d.n == 1) return memchr(p, d.p[0], n);
    return memmem(p, n, d.p, d.n);
}

vrv_value vrv_fmt_text_value(const char *p, size_t n, const vrv_fmt_text_opts *o, vrv_arena *a)
{
    vrv_str s = o->repair_utf8 ? vrv_fmt_utf8_repair(p, n, a) : vrv_str_make(p, n);
    vrv_str d = o->list_delim;
    const char *hit = d.n ? find_delim(s.p, s.n, d) : NULL;
    if (!hit) return scalar_value(s, o);
    size_t parts = 1;
    for (const char *q = hit; q; q = find_delim(q + d.n, (size_t)(s.p + s.n - q - d.n), d)) parts++;
    vrv_value *elems = vrv_arena_alloc(a, parts * sizeof *elems);
    const char *start = s.p, *end = s.p + s.n;
    size_t k = 0;
    for (const char *q = hit; q; q = find_delim(start, (size_t)(end - start), d)) {
        elems[k++] = scalar_value(vrv_str_make(start, (size_t)(q - start)), o);
        start = q + d.n;
    }
    elems[k++] = scalar_value(vrv_str_make(start, (size_t)(end - start)), o);
    return vrv_array(elems, k);
}

void vrv_fmt_map_slots(const vrv_fieldset *fs, char *const *names, size_t n, long *slots)
{
    for (size_t i = 0; i < n; i++) slots[i] = vrv_fieldset_find(fs, names[i], strlen(names[i]));
}
