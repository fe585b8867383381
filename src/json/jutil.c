/*
 * jutil.c — loading JSON with jansson and the typed, path-naming field getters
 * of jutil.h. Control plane only: specs, queries, API bodies.
 */
#include "json/jutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/str.h"

int vrv_json_load_buf(const char *data, size_t len, const char *what, json_t **out,
                      vrv_error *err)
{
    json_error_t je;
    json_t *v = json_loadb(data, len, JSON_DECODE_ANY, &je);
    if (!v) {
        if (je.line < 0)
            return vrv_error_set(err, VRV_EINVAL, "%s: invalid JSON: %s", what ? what : "JSON",
                                 je.text);
        return vrv_error_set(err, VRV_EINVAL, "%s: line %d, column %d: %s", what ? what : "JSON",
                             je.line, je.column, je.text);
    }
    *out = v;
    return VRV_OK;
}

int vrv_json_load_file(const char *path, json_t **out, vrv_error *err)
{
    vrv_buf b = VRV_BUF_INIT;
    if (vrv_buf_read_file(&b, path) != 0) {
        int e = errno;
        vrv_buf_free(&b);
        return vrv_error_set(err, VRV_EIO, "%s: %s", path, strerror(e));
    }
    int rc = vrv_json_load_buf(b.data ? b.data : "", b.len, path, out, err);
    vrv_buf_free(&b);
    return rc;
}

static bool is_ident(const char *k)
{
    if (!*k || !(isalpha((unsigned char)*k) || *k == '_' || *k == '$')) return false;
    for (; *k; k++)
        if (!(isalnum((unsigned char)*k) || *k == '_' || *k == '$' || *k == '-')) return false;
    return true;
}

char *vrv_json_path_key(char out[VRV_JSON_PATH_MAX], const char *parent, const char *key)
{
    bool root = !parent || !*parent;
    if (is_ident(key))
        snprintf(out, VRV_JSON_PATH_MAX, "%s%s%s", root ? "" : parent, root ? "" : ".", key);
    else
        snprintf(out, VRV_JSON_PATH_MAX, "%s['%s']", root ? "" : parent, key);
    return out;
}

char *vrv_json_path_index(char out[VRV_JSON_PATH_MAX], const char *parent, size_t i)
{
    snprintf(out, VRV_JSON_PATH_MAX, "%s[%zu]", parent ? parent : "", i);
    return out;
}

const char *vrv_json_kind(const json_t *v)
{
    if (!v) return "nothing";
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* The value of key, or NULL when absent or JSON null (both mean "default"). */
static const json_t *field(const json_t *obj, const char *key)
{
    if (!obj || !json_is_object(obj)) return NULL;
    const json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static int bad(vrv_error *err, const char *path, const char *key, const char *what)
{
    char p[VRV_JSON_PATH_MAX];
    return vrv_error_set(err, VRV_EINVAL, "%s: %s", vrv_json_path_key(p, path, key), what);
}

int vrv_json_get_string(const json_t *obj, const char *key, const char *path, const char *def,
                        const char **out, vrv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v) {
        *out = def;
        return VRV_OK;
    }
    if (!json_is_string(v)) return bad(err, path, key, "must be a string");
    *out = json_string_value(v);
    return VRV_OK;
}

int vrv_json_req_string(const json_t *obj, const char *key, const char *path, bool nonempty,
                        const char **out, vrv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v) return bad(err, path, key, "required");
    if (!json_is_string(v)) return bad(err, path, key, "must be a string");
    if (nonempty && json_string_length(v) == 0) return bad(err, path, key, "must not be empty");
    *out = json_string_value(v);
    return VRV_OK;
}

int vrv_json_get_bool(const json_t *obj, const char *key, const char *path, bool def, bool *out,
                      vrv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v) {
        *out = def;
        return VRV_OK;
    }
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return VRV_OK;
    }
    if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
        *out = json_integer_value(v) == 1;
        return VRV_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        /* Jackson's StdDeserializer accepts exactly these spellings. */
        if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
            *out = true;
            return VRV_OK;
        }
        if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
            *out = false;
            return VRV_OK;
        }
    }
    return bad(err, path, key, "must be a boolean");
}

/* An integer from an integer, an integral real or a decimal string. */
static bool as_int64(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (json_is_string(v)) return vrv_str_to_i64(vrv_str_c(json_string_value(v)), out);
    return false;
}

int vrv_json_get_int64(const json_t *obj, const char *key, const char *path, int64_t def,
                       int64_t *out, vrv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v) {
        *out = def;
        return VRV_OK;
    }
    int64_t x;
    if (!as_int64(v, &x)) return bad(err, path, key, "must be an integer");
    *out = x;
    return VRV_OK;
}

int vrv_json_get_int64_range(const json_t *obj, const char *key, const char *path, int64_t def,
                             int64_t min, int64_t max, int64_t *out, vrv_error *err)
{
    int64_t x;
    int rc = vrv_json_get_int64(obj, key, path, def, &x, err);
    if (rc) return rc;
    char p[VRV_JSON_PATH_MAX];
    if (x < min)
        return vrv_error_set(err, VRV_EINVAL, "%s: must be >= %lld",
                             vrv_json_path_key(p, path, key), (long long)min);
    if (x > max)
        return vrv_error_set(err, VRV_EINVAL, "%s: must be <= %lld",
                             vrv_json_path_key(p, path, key), (long long)max);
    *out = x;
    return VRV_OK;
}

int vrv_json_get_int(const json_t *obj, const char *key, const char *path, int def, int *out,
                     vrv_error *err)
{
    int64_t x;
    int rc = vrv_json_get_int64(obj, key, path, def, &x, err);
    if (rc) return rc;
    if (x < INT32_MIN || x > INT32_MAX)
        return bad(err, path, key, "must be between -2147483648 and 2147483647");
    *out = (int)x;
    return VRV_OK;
}

int vrv_json_get_int_range(const json_t *obj, const char *key, const char *path, int def, int min,
                           int max, int *out, vrv_error *err)
{
    int64_t x;
    int rc = vrv_json_get_int64_range(obj, key, path, def, min, max, &x, err);
    if (rc) return rc;
    *out = (int)x;
    return VRV_OK;
}

int vrv_json_get_double(const json_t *obj, const char *key, const char *path, double def,
                        double *out, vrv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v) {
        *out = def;
        return VRV_OK;
    }
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return VRV_OK;
    }
    double d;
    if (json_is_string(v) && vrv_str_to_double(vrv_str_c(json_string_value(v)), &d)) {
        *out = d;
        return VRV_OK;
    }
    return bad(err, path, key, "must be a number");
}

int vrv_json_get_string_array(const json_t *obj, const char *key, const char *path, char ***out,
                              size_t *n, vrv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v) {
        *out = NULL;
        *n = 0;
        return VRV_OK;
    }
    if (!json_is_array(v)) return bad(err, path, key, "must be an array of strings");
    size_t cnt = json_array_size(v);
    char p[VRV_JSON_PATH_MAX], pi[VRV_JSON_PATH_MAX];
    for (size_t i = 0; i < cnt; i++) {
        if (!json_is_string(json_array_get(v, i))) {
            vrv_json_path_key(p, path, key);
            return vrv_error_set(err, VRV_EINVAL, "%s: must be a string",
                                 vrv_json_path_index(pi, p, i));
        }
    }
    char **res = vrv_malloc((cnt + 1) * sizeof *res);
    for (size_t i = 0; i < cnt; i++) res[i] = vrv_strdup(json_string_value(json_array_get(v, i)));
    res[cnt] = NULL;
    *out = res;
    *n = cnt;
    return VRV_OK;
}

void vrv_json_strv_free(char **v)
{
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}

int vrv_json_get_object(const json_t *obj, const char *key, const char *path, bool required,
                        const json_t **out, vrv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v) {
        if (required) return bad(err, path, key, "required");
        *out = NULL;
        return VRV_OK;
    }
    if (!json_is_object(v)) return bad(err, path, key, "must be an object");
    *out = v;
    return VRV_OK;
}

int vrv_json_get_array(const json_t *obj, const char *key, const char *path, bool required,
                       const json_t **out, vrv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v) {
        if (required) return bad(err, path, key, "required");
        *out = NULL;
        return VRV_OK;
    }
    if (!json_is_array(v)) return bad(err, path, key, "must be an array");
    *out = v;
    return VRV_OK;
}
