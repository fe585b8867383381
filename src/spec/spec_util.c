/*
 * spec_util.c — the spec parser's field access: thin wrappers over the
 * json/jutil.h getters (defaults, Jackson-style coercion, path-naming errors)
 * shaped for the parse context, paths kept in the spec's arena, sub-object
 * shape checks, and Druid's id validation. No spec grammar lives here.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jutil.h"
#include "spec/spec_internal.h"

const char *sp_path(spec_ctx *c, const char *parent, const char *key)
{
    char p[VRV_JSON_PATH_MAX];
    return vrv_arena_strdup(c->arena, vrv_json_path_key(p, parent, key));
}

const char *sp_path_idx(spec_ctx *c, const char *parent, size_t i)
{
    char p[VRV_JSON_PATH_MAX];
    return vrv_arena_strdup(c->arena, vrv_json_path_index(p, parent, i));
}

static int fail_va(spec_ctx *c, int code, const char *path, const char *key, const char *fmt,
                   va_list ap)
{
    char msg[VRV_ERROR_MSG_MAX], p[VRV_JSON_PATH_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (key) path = vrv_json_path_key(p, path, key);
    vrv_error_set(c->err, code, "%s: %s", path, msg);
    return code;
}

int sp_fail(spec_ctx *c, const char *path, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fail_va(c, VRV_EINVAL, path, key, fmt, ap);
    va_end(ap);
    return rc;
}

int sp_fail_code(spec_ctx *c, int code, const char *path, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fail_va(c, code, path, key, fmt, ap);
    va_end(ap);
    return rc;
}

json_t *sp_get(const json_t *obj, const char *key)
{
    if (!obj || !json_is_object(obj)) return NULL;
    json_t *v = json_object_get(obj, key);
    return (v && !json_is_null(v)) ? v : NULL;
}

bool sp_has(const json_t *obj, const char *key)
{
    return sp_get(obj, key) != NULL;
}

int sp_i64(spec_ctx *c, const json_t *obj, const char *path, const char *key, int64_t def,
           int64_t *out)
{
    return vrv_json_get_int64(obj, key, path, def, out, c->err);
}

int sp_int(spec_ctx *c, const json_t *obj, const char *path, const char *key, int def, int *out)
{
    return vrv_json_get_int(obj, key, path, def, out, c->err);
}

int sp_int_min(spec_ctx *c, const json_t *obj, const char *path, const char *key, int def, int min,
               int *out)
{
    return vrv_json_get_int_range(obj, key, path, def, min, INT32_MAX, out, c->err);
}

int sp_i64_min(spec_ctx *c, const json_t *obj, const char *path, const char *key, int64_t def,
               int64_t min, int64_t *out)
{
    return vrv_json_get_int64_range(obj, key, path, def, min, INT64_MAX, out, c->err);
}

int sp_int_opt(spec_ctx *c, const json_t *obj, const char *path, const char *key, int min,
               int absent, int *out)
{
    if (!sp_has(obj, key)) {
        *out = absent;
        return 0;
    }
    return sp_int_min(c, obj, path, key, 0, min, out);
}

int sp_i64_opt(spec_ctx *c, const json_t *obj, const char *path, const char *key, int64_t min,
               int64_t absent, int64_t *out)
{
    if (!sp_has(obj, key)) {
        *out = absent;
        return 0;
    }
    return sp_i64_min(c, obj, path, key, 0, min, out);
}

int sp_bool(spec_ctx *c, const json_t *obj, const char *path, const char *key, bool def, bool *out)
{
    return vrv_json_get_bool(obj, key, path, def, out, c->err);
}

int sp_double(spec_ctx *c, const json_t *obj, const char *path, const char *key, double def,
              double *out)
{
    int rc = vrv_json_get_double(obj, key, path, def, out, c->err);
    if (rc) return rc;
    if (!isfinite(*out)) return sp_fail(c, path, key, "must be a finite number");
    return 0;
}

int sp_str(spec_ctx *c, const json_t *obj, const char *path, const char *key, const char *def,
           const char **out)
{
    int rc = vrv_json_get_string(obj, key, path, def, out, c->err);
    if (rc) return rc;
    json_t *v = sp_get(obj, key);
    /* A \u0000 would silently cut the C string short. */
    if (v && strlen(json_string_value(v)) != json_string_length(v))
        return sp_fail(c, path, key, "must not contain NUL characters");
    return 0;
}

int sp_str_req(spec_ctx *c, const json_t *obj, const char *path, const char *key, const char **out)
{
    if (!sp_has(obj, key)) return sp_fail(c, path, key, "required");
    int rc = sp_str(c, obj, path, key, NULL, out);
    if (rc) return rc;
    if (!**out) return sp_fail(c, path, key, "must not be empty");
    return 0;
}

int sp_obj(spec_ctx *c, const json_t *obj, const char *path, const char *key, json_t **out)
{
    const json_t *v;
    int rc = vrv_json_get_object(obj, key, path, false, &v, c->err);
    if (!rc) *out = (json_t *)v;
    return rc;
}

int sp_arr(spec_ctx *c, const json_t *obj, const char *path, const char *key, json_t **out)
{
    const json_t *v;
    int rc = vrv_json_get_array(obj, key, path, false, &v, c->err);
    if (!rc) *out = (json_t *)v;
    return rc;
}

int sp_str_list(spec_ctx *c, const json_t *obj, const char *path, const char *key,
                const char ***out, size_t *n)
{
    json_t *a;
    int rc = sp_arr(c, obj, path, key, &a);
    if (rc) return rc;
    *out = NULL;
    *n = 0;
    if (!a) return 0;
    size_t len = json_array_size(a);
    const char **v = vrv_arena_alloc(c->arena, (len ? len : 1) * sizeof *v);
    for (size_t i = 0; i < len; i++) {
        json_t *e = json_array_get(a, i);
        if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e)) {
            const char *p = sp_path(c, path, key);
            return sp_fail(c, sp_path_idx(c, p, i), NULL, "must be a string");
        }
        v[i] = json_string_value(e);
    }
    *out = v;
    *n = len;
    return 0;
}

int sp_sub(spec_ctx *c, const json_t *obj, const char *path, const char *key, bool required,
           vrv_spec_sub *out)
{
    out->json = NULL;
    out->path = NULL;
    json_t *v = sp_get(obj, key);
    if (!v) return required ? sp_fail(c, path, key, "required") : 0;
    if (!json_is_object(v)) return sp_fail(c, path, key, "must be an object");
    const char *p = sp_path(c, path, key);
    json_t *t = json_object_get(v, "type");
    if (!t || json_is_null(t)) return sp_fail(c, p, "type", "required");
    if (!json_is_string(t) || json_string_length(t) == 0)
        return sp_fail(c, p, "type", "must be a non-empty string");
    out->json = v;
    out->path = p;
    return 0;
}

json_t *sp_keep(spec_ctx *c, json_t *j)
{
    json_array_append_new(c->built, j);
    return j;
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length, or 0 for
 * malformed input (jansson only hands us valid UTF-8, so that means a bug). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (len > n) return 0;
    uint32_t v = s[0] & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < len; i++) v = (v << 6) | (s[i] & 0x3F);
    *cp = v;
    return len;
}

int sp_validate_id(spec_ctx *c, const char *path, const char *key, const char *id)
{
    if (!*id) return sp_fail(c, path, key, "must not be empty");
    if (id[0] == '.') return sp_fail(c, path, key, "must not start with the '.' character");
    if (strchr(id, '/')) return sp_fail(c, path, key, "must not contain the '/' character");
    /* Positions are counted in UTF-16 code units, as Druid (Java) reports them;
     * the forbidden ranges are Druid's (they are invalid ZooKeeper paths). */
    const unsigned char *s = (const unsigned char *)id;
    size_t n = strlen(id), pos = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_next(s + i, n - i, &cp);
        if (!len) return sp_fail(c, path, key, "must be valid UTF-8");
        /* Java's \\s without UNICODE_CHARACTER_CLASS: ASCII whitespace only. */
        if (cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r')
            return sp_fail(c, path, key, "must not contain whitespace other than space");
        if (cp > 0xFFFF) {
            /* Java sees a surrogate pair; the high one is forbidden unless it is
             * exactly U+D800, and then the low one is. */
            uint32_t hi = 0xD800 + ((cp - 0x10000) >> 10), lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            if (hi > 0xD800)
                return sp_fail(c, path, key, "must not contain character #%u (at position %zu)", hi,
                               pos);
            return sp_fail(c, path, key, "must not contain character #%u (at position %zu)", lo,
                           pos + 1);
        }
        if ((cp > 0 && cp < 31) || (cp > 127 && cp < 159) || (cp > 0xD800 && cp < 0xF8FF) ||
            (cp > 0xFFF0 && cp < 0xFFFF))
            return sp_fail(c, path, key, "must not contain character #%u (at position %zu)", cp,
                           pos);
        pos += cp > 0xFFFF ? 2 : 1;
        i += len;
    }
    return 0;
}
