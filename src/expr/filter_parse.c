/*
 * filter_parse.c — Druid filter JSON (DimFilter and its subtypes) to the plain
 * tree of filter.h, with errors that name the JSON path and the rule
 * ("filter.fields[1].dimension: required"), plus the typed-value conversions
 * the typed filters need and the list of columns a filter reads.
 *
 * Field names and defaults follow the Jackson constructors of the Druid
 * classes: legacy filters (selector, in, bound, like, regex, search, interval)
 * take "dimension", typed ones (equals, null, inType, range,
 * arrayContainsElement) take "column". Scalars given where Druid expects a
 * String (a number as a selector value) are read as their text.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/numfmt.h"
#include "base/vec.h"
#include "expr/filter_int.h"

typedef struct fparser {
    filter_root *root;
    vrv_arena *a;
    vrv_error *err;
    VRV_VEC(vrv_expr *) exprs;
    VRV_VEC(const char *) columns;
    int depth;
} fparser;

#define MAX_FILTER_DEPTH 200 /* nested and/or/not: bounds recursion in parse, bind and match */

static int fail(fparser *p, int code, const char *path, const char *fmt, ...) VRV_PRINTF(4, 5);
static int fail(fparser *p, int code, const char *path, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return vrv_error_set(p->err, code, "%s: %s", path, what);
}

/* path + "." + key into buf. */
static const char *sub(char *buf, size_t cap, const char *path, const char *key)
{
    snprintf(buf, cap, "%s.%s", path, key);
    return buf;
}

static const char *sub_i(char *buf, size_t cap, const char *path, const char *key, size_t i)
{
    snprintf(buf, cap, "%s.%s[%zu]", path, key, i);
    return buf;
}

#define PATH_MAX_LEN 512

static void add_column(fparser *p, const char *c)
{
    for (size_t i = 0; i < p->columns.n; i++)
        if (strcmp(p->columns.v[i], c) == 0) return;
    vrv_vec_push(&p->columns, c);
}

/* Reads a scalar as Druid's String properties do; false for objects/arrays.
 * JSON null (or an absent key) gives *s == NULL. */
static bool scalar_text(fparser *p, const json_t *j, const char **s, size_t *len)
{
    char tmp[VRV_NUMFMT_MAX];
    size_t n;
    *s = NULL;
    *len = 0;
    if (!j || json_is_null(j)) return true;
    if (json_is_string(j)) {
        n = json_string_length(j);
        *s = vrv_arena_strndup(p->a, json_string_value(j), n);
        *len = n;
        return true;
    }
    if (json_is_integer(j)) n = vrv_fmt_long(json_integer_value(j), tmp);
    else if (json_is_real(j)) n = vrv_fmt_double(json_real_value(j), tmp);
    else if (json_is_true(j)) n = (size_t)snprintf(tmp, sizeof tmp, "true");
    else if (json_is_false(j)) n = (size_t)snprintf(tmp, sizeof tmp, "false");
    else return false;
    *s = vrv_arena_strndup(p->a, tmp, n);
    *len = n;
    return true;
}

static int get_text(fparser *p, const json_t *o, const char *key, const char *path, bool required, const char **s,
                    size_t *len)
{
    char kp[PATH_MAX_LEN];
    const json_t *j = json_object_get(o, key);
    if (!scalar_text(p, j, s, len)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, key), "must be a string");
    if (required && !*s) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, key), "required");
    return 0;
}

static int get_bool(fparser *p, const json_t *o, const char *key, const char *path, bool dflt, bool *out)
{
    char kp[PATH_MAX_LEN];
    const json_t *j = json_object_get(o, key);
    *out = dflt;
    if (!j || json_is_null(j)) return 0;
    if (json_is_boolean(j)) {
        *out = json_is_true(j);
        return 0;
    }
    if (json_is_string(j)) {
        if (strcmp(json_string_value(j), "true") == 0) *out = true;
        else if (strcmp(json_string_value(j), "false") == 0) *out = false;
        else return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, key), "must be true or false");
        return 0;
    }
    return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, key), "must be a boolean");
}

/* "dimension" or "column": a required non-empty name. */
static int get_column(fparser *p, const json_t *o, const char *key, const char *path, const char **out)
{
    size_t n;
    int rc = get_text(p, o, key, path, true, out, &n);
    if (rc) return rc;
    add_column(p, *out);
    return 0;
}

static int get_type(fparser *p, const json_t *o, const char *key, const char *path, vrv_ctype *out)
{
    char kp[PATH_MAX_LEN];
    const json_t *j = json_object_get(o, key);
    if (!j || json_is_null(j)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, key), "required");
    if (!json_is_string(j)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, key), "must be a type name");
    const char *t = json_string_value(j);
    if (!vrv_ctype_parse(t, out) || *out == VRV_C_COMPLEX || *out == VRV_C_JSON)
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, key), "unknown or unsupported type '%s'", t);
    return 0;
}

/* ---- typed values --------------------------------------------------------------- */

const char *filter_type_name(vrv_ctype t)
{
    return vrv_ctype_name(t);
}

static vrv_value jnum_value(const json_t *j)
{
    return json_is_integer(j) ? vrv_long(json_integer_value(j)) : vrv_double(json_real_value(j));
}

static bool typed_scalar(const json_t *j, vrv_ctype type, vrv_arena *a, vrv_value *out)
{
    char tmp[VRV_NUMFMT_MAX];
    vrv_value num;
    if (!j || json_is_null(j)) {
        *out = vrv_null();
        return true;
    }
    if (json_is_object(j) || json_is_array(j)) return false;
    switch (type) {
    case VRV_C_STRING:
        if (json_is_string(j)) {
            *out = expr_str_dup(a, json_string_value(j), json_string_length(j));
        } else if (json_is_boolean(j)) {
            *out = json_is_true(j) ? vrv_string("true", 4) : vrv_string("false", 5);
        } else {
            size_t n = json_is_integer(j) ? vrv_fmt_long(json_integer_value(j), tmp) : vrv_fmt_double(json_real_value(j), tmp);
            *out = expr_str_dup(a, tmp, n);
        }
        return true;
    case VRV_C_LONG:
        if (json_is_number(j)) num = jnum_value(j);
        else if (json_is_boolean(j)) num = vrv_long(json_is_true(j));
        else if (!expr_parse_number(vrv_str_make(json_string_value(j), json_string_length(j)), &num)) {
            *out = vrv_null();
            return true;
        }
        *out = num.type == VRV_V_LONG ? num : vrv_long(expr_d2l(num.u.d));
        return true;
    case VRV_C_FLOAT:
    case VRV_C_DOUBLE:
        if (json_is_number(j)) num = jnum_value(j);
        else if (json_is_boolean(j)) num = vrv_long(json_is_true(j));
        else if (!expr_parse_number(vrv_str_make(json_string_value(j), json_string_length(j)), &num)) {
            *out = vrv_null();
            return true;
        }
        *out = vrv_double(expr_num_d(&num));
        return true;
    default: return false;
    }
}

static vrv_ctype elem_ctype(vrv_ctype t)
{
    return t == VRV_C_ARRAY_LONG ? VRV_C_LONG : t == VRV_C_ARRAY_DOUBLE ? VRV_C_DOUBLE : VRV_C_STRING;
}

static bool is_array_type(vrv_ctype t)
{
    return t == VRV_C_ARRAY_LONG || t == VRV_C_ARRAY_DOUBLE || t == VRV_C_ARRAY_STRING;
}

bool filter_json_to_typed(const json_t *j, vrv_ctype type, vrv_arena *a, vrv_value *out)
{
    if (!is_array_type(type)) return typed_scalar(j, type, a, out);
    vrv_ctype et = elem_ctype(type);
    uint8_t flags = et == VRV_C_LONG ? VRV_V_LONG : et == VRV_C_DOUBLE ? VRV_V_DOUBLE : VRV_V_STRING;
    if (!j || json_is_null(j)) {
        *out = vrv_null();
        return true;
    }
    if (!json_is_array(j)) {
        /* A scalar where an array is expected: a one-element array. */
        vrv_value *el = vrv_arena_alloc(a, sizeof *el);
        if (!typed_scalar(j, et, a, el)) return false;
        *out = vrv_array(el, 1);
        out->flags = flags;
        return true;
    }
    size_t n = json_array_size(j);
    vrv_value *el = vrv_arena_alloc(a, (n ? n : 1) * sizeof *el);
    for (size_t i = 0; i < n; i++)
        if (!typed_scalar(json_array_get(j, i), et, a, &el[i])) return false;
    *out = vrv_array(el, n);
    out->flags = flags;
    return true;
}

bool filter_json_coerce(const json_t *j, vrv_ctype type, vrv_arena *a, vrv_value *out)
{
    if (!j || json_is_null(j)) {
        *out = vrv_null();
        return true;
    }
    if (json_is_object(j) || json_is_array(j) || json_is_boolean(j)) return false;
    if (type == VRV_C_STRING) return typed_scalar(j, VRV_C_STRING, a, out);
    vrv_value num;
    if (json_is_number(j)) {
        num = jnum_value(j);
    } else {
        vrv_value s = vrv_string(json_string_value(j), json_string_length(j));
        double d;
        int64_t l;
        if (type == VRV_C_LONG) {
            if (!vrv_value_to_long(&s, &l)) {
                *out = vrv_null();
                return true;
            }
            num = vrv_long(l);
        } else {
            if (!vrv_value_to_double(&s, &d)) {
                *out = vrv_null();
                return true;
            }
            num = vrv_double(d);
        }
    }
    switch (type) {
    case VRV_C_LONG: *out = num.type == VRV_V_LONG ? num : vrv_long(expr_d2l(num.u.d)); return true;
    case VRV_C_FLOAT: *out = vrv_float((float)expr_num_d(&num)); return true;
    case VRV_C_DOUBLE: *out = vrv_double(expr_num_d(&num)); return true;
    default: return false;
    }
}

int filter_typed_cmp(const vrv_value *a, const vrv_value *b, vrv_ctype type)
{
    bool an = a->type == VRV_V_NULL, bn = b->type == VRV_V_NULL;
    if (an || bn) return an == bn ? 0 : an ? -1 : 1;
    switch (type) {
    case VRV_C_LONG: return a->u.l < b->u.l ? -1 : a->u.l > b->u.l;
    case VRV_C_FLOAT:
    case VRV_C_DOUBLE: {
        double x = expr_num_d(a), y = expr_num_d(b);
        if (x < y) return -1;
        if (x > y) return 1;
        bool xn = isnan(x), yn = isnan(y);
        return xn == yn ? 0 : xn ? 1 : -1;
    }
    default: return expr_java_strcmp(vrv_value_str(a), vrv_value_str(b));
    }
}

/* ---- the filter types ------------------------------------------------------------- */

static int parse_node(fparser *p, const json_t *j, const char *path, vrv_filter *f);

static vrv_filter *new_filter(fparser *p)
{
    return vrv_arena_calloc(p->a, sizeof(vrv_filter));
}

static int parse_fields(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    const json_t *fields = json_object_get(o, "fields");
    if (!fields || json_is_null(fields)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "fields"), "required");
    if (!json_is_array(fields)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "fields"), "must be an array of filters");
    size_t n = json_array_size(fields);
    if (n == 0)
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "fields"), "%s needs at least one filter",
                    f->type == VRV_F_AND ? "and" : "or");
    f->u.logic.n = n;
    f->u.logic.fields = vrv_arena_alloc(p->a, n * sizeof *f->u.logic.fields);
    for (size_t i = 0; i < n; i++) {
        f->u.logic.fields[i] = new_filter(p);
        int rc = parse_node(p, json_array_get(fields, i), sub_i(kp, sizeof kp, path, "fields", i), f->u.logic.fields[i]);
        if (rc) return rc;
    }
    return 0;
}

static int parse_field(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    const json_t *field = json_object_get(o, "field");
    if (!field || json_is_null(field)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "field"), "required");
    f->u.field = new_filter(p);
    return parse_node(p, field, sub(kp, sizeof kp, path, "field"), f->u.field);
}

static int parse_equals(fparser *p, const json_t *o, const char *path, vrv_filter *f, const char *tkey, const char *vkey,
                        bool null_ok)
{
    char kp[PATH_MAX_LEN];
    int rc = get_column(p, o, "column", path, &f->column);
    if (rc == 0) rc = get_type(p, o, tkey, path, &f->u.equals.type);
    if (rc) return rc;
    const json_t *mv = json_object_get(o, vkey);
    if (!filter_json_to_typed(mv, f->u.equals.type, p->a, &f->u.equals.value))
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, vkey), "is not a %s value", filter_type_name(f->u.equals.type));
    if (!null_ok && f->u.equals.value.type == VRV_V_NULL)
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, vkey), "%s", mv && !json_is_null(mv)
                    ? "cannot be null after casting to the match value type"
                    : "required");
    return 0;
}

static int cmp_str_java(const void *a, const void *b)
{
    return expr_java_strcmp(*(const vrv_str *)a, *(const vrv_str *)b);
}

static int parse_in(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    int rc = get_column(p, o, "dimension", path, &f->column);
    if (rc) return rc;
    const json_t *vals = json_object_get(o, "values");
    if (!vals || json_is_null(vals)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "values"), "required");
    if (!json_is_array(vals)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "values"), "must be an array");
    size_t n = json_array_size(vals), k = 0;
    vrv_str *out = vrv_arena_alloc(p->a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const char *s;
        size_t len;
        if (!scalar_text(p, json_array_get(vals, i), &s, &len))
            return fail(p, VRV_EINVAL, sub_i(kp, sizeof kp, path, "values", i), "must be a string or null");
        if (!s) f->u.in.has_null = true;
        else out[k++] = vrv_str_make(s, len);
    }
    qsort(out, k, sizeof *out, cmp_str_java);
    size_t d = 0;
    for (size_t i = 0; i < k; i++)
        if (d == 0 || !vrv_str_eq(out[d - 1], out[i])) out[d++] = out[i];
    f->u.in.values = out;
    f->u.in.n = d;
    return 0;
}

static int cmp_typed(const void *a, const void *b, void *type)
{
    return filter_typed_cmp(a, b, *(const vrv_ctype *)type);
}

static int parse_in_type(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    int rc = get_column(p, o, "column", path, &f->column);
    if (rc == 0) rc = get_type(p, o, "matchValueType", path, &f->u.in_type.type);
    if (rc) return rc;
    vrv_ctype t = f->u.in_type.type;
    if (is_array_type(t))
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "matchValueType"), "must be STRING, LONG, FLOAT or DOUBLE");
    const json_t *vals = json_object_get(o, "values");
    const json_t *sorted = json_object_get(o, "sortedValues");
    bool has_v = vals && !json_is_null(vals), has_s = sorted && !json_is_null(sorted);
    if (has_v == has_s)
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "values"), "exactly one of values and sortedValues is required");
    const char *key = has_v ? "values" : "sortedValues";
    const json_t *arr = has_v ? vals : sorted;
    if (!json_is_array(arr)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, key), "must be an array");
    size_t n = json_array_size(arr);
    vrv_value *out = vrv_arena_alloc(p->a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        if (!filter_json_coerce(json_array_get(arr, i), t, p->a, &out[i]))
            return fail(p, VRV_EINVAL, sub_i(kp, sizeof kp, path, key, i), "is not a %s value", filter_type_name(t));
    /* TypedInFilter sorts and de-duplicates the coerced values. */
    qsort_r(out, n, sizeof *out, cmp_typed, &t);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (d == 0 || filter_typed_cmp(&out[d - 1], &out[i], t) != 0) out[d++] = out[i];
    f->u.in_type.values = out;
    f->u.in_type.n = d;
    return 0;
}

static int parse_ordering(fparser *p, const json_t *o, const char *path, vrv_order *out)
{
    char kp[PATH_MAX_LEN];
    const json_t *j = json_object_get(o, "ordering");
    bool alpha = false;
    int rc = get_bool(p, o, "alphaNumeric", path, false, &alpha);
    if (rc) return rc;
    if (!j || json_is_null(j)) {
        *out = alpha ? VRV_ORDER_ALPHANUMERIC : VRV_ORDER_LEXICOGRAPHIC;
        return 0;
    }
    const json_t *name = j;
    if (json_is_object(j)) name = json_object_get(j, "type");
    if (!name || !json_is_string(name) ||
        !vrv_order_parse(vrv_str_make(json_string_value(name), json_string_length(name)), out) ||
        *out == VRV_ORDER_NATURAL)
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "ordering"),
                    "must be one of lexicographic, alphanumeric, numeric, strlen, version");
    if (json_object_get(o, "alphaNumeric") && !json_is_null(json_object_get(o, "alphaNumeric")) &&
        alpha != (*out == VRV_ORDER_ALPHANUMERIC))
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "alphaNumeric"), "mismatch between alphaNumeric and ordering");
    return 0;
}

static int parse_bound(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    int rc = get_column(p, o, "dimension", path, &f->column);
    if (rc == 0) rc = get_text(p, o, "lower", path, false, &f->u.bound.lower, &f->u.bound.lower_len);
    if (rc == 0) rc = get_text(p, o, "upper", path, false, &f->u.bound.upper, &f->u.bound.upper_len);
    if (rc == 0) rc = get_bool(p, o, "lowerStrict", path, false, &f->u.bound.lower_strict);
    if (rc == 0) rc = get_bool(p, o, "upperStrict", path, false, &f->u.bound.upper_strict);
    if (rc == 0) rc = parse_ordering(p, o, path, &f->u.bound.ordering);
    if (rc) return rc;
    if (!f->u.bound.lower && !f->u.bound.upper)
        return fail(p, VRV_EINVAL, path, "lower and upper can not be null at the same time");
    return 0;
}

static int parse_range(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    int rc = get_column(p, o, "column", path, &f->column);
    if (rc == 0) rc = get_type(p, o, "matchValueType", path, &f->u.range.type);
    if (rc == 0) rc = get_bool(p, o, "lowerOpen", path, false, &f->u.range.lower_open);
    if (rc == 0) rc = get_bool(p, o, "upperOpen", path, false, &f->u.range.upper_open);
    if (rc) return rc;
    vrv_ctype t = f->u.range.type;
    static const char *keys[2] = {"lower", "upper"};
    vrv_value *vals[2] = {&f->u.range.lower, &f->u.range.upper};
    for (int k = 0; k < 2; k++) {
        const json_t *j = json_object_get(o, keys[k]);
        if (!filter_json_to_typed(j, t, p->a, vals[k]))
            return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, keys[k]), "is not a %s value", filter_type_name(t));
        if (j && !json_is_null(j) && vals[k]->type == VRV_V_NULL && vrv_ctype_is_numeric(t))
            return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, keys[k]), "cannot be parsed as %s", filter_type_name(t));
    }
    if (f->u.range.lower.type == VRV_V_NULL && f->u.range.upper.type == VRV_V_NULL)
        return fail(p, VRV_EINVAL, path, "lower and upper cannot be null at the same time");
    return 0;
}

static int parse_search(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN], qp[PATH_MAX_LEN];
    int rc = get_column(p, o, "dimension", path, &f->column);
    if (rc) return rc;
    const json_t *q = json_object_get(o, "query");
    sub(qp, sizeof qp, path, "query");
    if (!q || json_is_null(q)) return fail(p, VRV_EINVAL, qp, "required");
    if (!json_is_object(q)) return fail(p, VRV_EINVAL, qp, "must be a search query spec object");
    const json_t *t = json_object_get(q, "type");
    const char *type = t && json_is_string(t) ? json_string_value(t) : NULL;
    if (!type) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, qp, "type"), "required");
    if (strcmp(type, "contains") == 0 || strcmp(type, "insensitive_contains") == 0) {
        bool ins = strcmp(type, "insensitive_contains") == 0;
        f->u.search.kind = ins ? VRV_SEARCH_INSENSITIVE_CONTAINS : VRV_SEARCH_CONTAINS;
        const char *s;
        size_t n;
        if ((rc = get_text(p, q, "value", qp, false, &s, &n)) != 0) return rc;
        if (!ins && (rc = get_bool(p, q, "caseSensitive", qp, false, &f->u.search.case_sensitive)) != 0) return rc;
        vrv_str *v = vrv_arena_alloc(p->a, sizeof *v);
        *v = vrv_str_make(s, n);
        f->u.search.values = s ? v : NULL;
        f->u.search.n = 1;
        return 0;
    }
    if (strcmp(type, "fragment") == 0) {
        f->u.search.kind = VRV_SEARCH_FRAGMENT;
        if ((rc = get_bool(p, q, "caseSensitive", qp, false, &f->u.search.case_sensitive)) != 0) return rc;
        const json_t *vals = json_object_get(q, "values");
        if (!vals || json_is_null(vals)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, qp, "values"), "required");
        if (!json_is_array(vals)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, qp, "values"), "must be an array");
        size_t n = json_array_size(vals);
        vrv_str *v = vrv_arena_alloc(p->a, (n ? n : 1) * sizeof *v);
        for (size_t i = 0; i < n; i++) {
            const char *s;
            size_t len;
            if (!scalar_text(p, json_array_get(vals, i), &s, &len) || !s)
                return fail(p, VRV_EINVAL, sub_i(kp, sizeof kp, qp, "values", i), "must be a string");
            v[i] = vrv_str_make(s, len);
        }
        f->u.search.values = v;
        f->u.search.n = n;
        return 0;
    }
    return fail(p, VRV_EINVAL, sub(kp, sizeof kp, qp, "type"),
                "unknown search query type '%s' (contains, insensitive_contains, fragment)", type);
}

static int parse_interval(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    int rc = get_column(p, o, "dimension", path, &f->column);
    if (rc) return rc;
    const json_t *ivs = json_object_get(o, "intervals");
    if (!ivs || json_is_null(ivs)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "intervals"), "required");
    if (!json_is_array(ivs) || json_array_size(ivs) == 0)
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "intervals"), "must be a non-empty array of intervals");
    size_t n = json_array_size(ivs);
    vrv_interval *out = vrv_arena_alloc(p->a, n * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(ivs, i);
        if (!json_is_string(s))
            return fail(p, VRV_EINVAL, sub_i(kp, sizeof kp, path, "intervals", i), "must be an ISO-8601 interval");
        if ((rc = vrv_interval_parse(json_string_value(s), json_string_length(s), &out[i], p->err)) != 0)
            return vrv_error_prefix(p->err, "%s", sub_i(kp, sizeof kp, path, "intervals", i));
    }
    f->u.interval.n = vrv_interval_condense(out, n);
    f->u.interval.intervals = out;
    return 0;
}

static int parse_dimspec(fparser *p, const json_t *j, const char *path, vrv_filter_dimspec *d)
{
    char kp[PATH_MAX_LEN];
    d->output_type = VRV_C_STRING;
    if (json_is_string(j)) {
        d->column = vrv_arena_strndup(p->a, json_string_value(j), json_string_length(j));
        add_column(p, d->column);
        return 0;
    }
    if (!json_is_object(j)) return fail(p, VRV_EINVAL, path, "must be a dimension name or a dimension spec");
    const json_t *t = json_object_get(j, "type");
    if (t && json_is_string(t) && strcmp(json_string_value(t), "default") != 0)
        return fail(p, VRV_EUNSUPPORTED, sub(kp, sizeof kp, path, "type"), "dimension specs of type '%s' are not supported",
                    json_string_value(t));
    if (json_object_get(j, "extractionFn") && !json_is_null(json_object_get(j, "extractionFn")))
        return fail(p, VRV_EUNSUPPORTED, sub(kp, sizeof kp, path, "extractionFn"), "extraction functions are not supported");
    int rc = get_column(p, j, "dimension", path, &d->column);
    size_t n;
    if (rc == 0) rc = get_text(p, j, "outputName", path, false, &d->output_name, &n);
    if (rc) return rc;
    const json_t *ot = json_object_get(j, "outputType");
    if (ot && !json_is_null(ot)) {
        if (!json_is_string(ot) || !vrv_ctype_parse(json_string_value(ot), &d->output_type) ||
            !(d->output_type == VRV_C_STRING || vrv_ctype_is_numeric(d->output_type)))
            return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "outputType"), "must be STRING, LONG, FLOAT or DOUBLE");
        d->has_output_type = true;
    }
    return 0;
}

static int parse_column_comparison(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    const json_t *dims = json_object_get(o, "dimensions");
    if (!dims || json_is_null(dims)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "dimensions"), "required");
    if (!json_is_array(dims) || json_array_size(dims) < 2)
        return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "dimensions"), "must list at least 2 dimensions");
    size_t n = json_array_size(dims);
    vrv_filter_dimspec *d = vrv_arena_calloc(p->a, n * sizeof *d);
    for (size_t i = 0; i < n; i++) {
        int rc = parse_dimspec(p, json_array_get(dims, i), sub_i(kp, sizeof kp, path, "dimensions", i), &d[i]);
        if (rc) return rc;
    }
    f->u.column_comparison.dims = d;
    f->u.column_comparison.n = n;
    return 0;
}

static int parse_expression(fparser *p, const json_t *o, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    const char *text;
    size_t n;
    int rc = get_text(p, o, "expression", path, true, &text, &n);
    if (rc) return rc;
    vrv_expr *e;
    if ((rc = vrv_expr_parse(text, n, &e, p->err)) != 0) return vrv_error_prefix(p->err, "%s", sub(kp, sizeof kp, path, "expression"));
    vrv_vec_push(&p->exprs, e);
    f->u.expression.text = text;
    f->u.expression.expr = e;
    for (size_t i = 0; i < vrv_expr_ninputs(e); i++) {
        vrv_str in = vrv_expr_input(e, i);
        add_column(p, vrv_arena_strndup(p->a, in.p, in.n));
    }
    return 0;
}

static const struct {
    const char *name;
    vrv_filter_type type;
} types[] = {
    {"true", VRV_F_TRUE},
    {"false", VRV_F_FALSE},
    {"and", VRV_F_AND},
    {"or", VRV_F_OR},
    {"not", VRV_F_NOT},
    {"istrue", VRV_F_IS_TRUE},
    {"isfalse", VRV_F_IS_FALSE},
    {"selector", VRV_F_SELECTOR},
    {"equals", VRV_F_EQUALS},
    {"null", VRV_F_NULL},
    {"in", VRV_F_IN},
    {"inType", VRV_F_IN_TYPE},
    {"bound", VRV_F_BOUND},
    {"range", VRV_F_RANGE},
    {"like", VRV_F_LIKE},
    {"regex", VRV_F_REGEX},
    {"search", VRV_F_SEARCH},
    {"interval", VRV_F_INTERVAL},
    {"expression", VRV_F_EXPRESSION},
    {"columnComparison", VRV_F_COLUMN_COMPARISON},
    {"arrayContainsElement", VRV_F_ARRAY_CONTAINS_ELEMENT},
};

const char *filter_type_json_name(vrv_filter_type t);
const char *filter_type_json_name(vrv_filter_type t)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(types); i++)
        if (types[i].type == t) return types[i].name;
    return "?";
}

static int parse_node(fparser *p, const json_t *j, const char *path, vrv_filter *f)
{
    char kp[PATH_MAX_LEN];
    if (!json_is_object(j)) return fail(p, VRV_EINVAL, path, "a filter must be a JSON object");
    if (++p->depth > MAX_FILTER_DEPTH) return fail(p, VRV_EINVAL, path, "filters nested more than %d deep", MAX_FILTER_DEPTH);
    const json_t *t = json_object_get(j, "type");
    if (!t || json_is_null(t)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "type"), "required");
    if (!json_is_string(t)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "type"), "must be a string");
    const char *type = json_string_value(t);
    const json_t *xfn = json_object_get(j, "extractionFn");
    if (xfn && !json_is_null(xfn))
        return fail(p, VRV_EUNSUPPORTED, sub(kp, sizeof kp, path, "extractionFn"), "extraction functions are not supported");
    if (strcmp(type, "javascript") == 0 || strcmp(type, "spatial") == 0 || strcmp(type, "extraction") == 0)
        return fail(p, VRV_EUNSUPPORTED, sub(kp, sizeof kp, path, "type"), "'%s' filters are not supported", type);
    size_t k = 0;
    while (k < VRV_ARRAY_LEN(types) && strcmp(types[k].name, type) != 0) k++;
    if (k == VRV_ARRAY_LEN(types)) return fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "type"), "unknown filter type '%s'", type);
    f->type = types[k].type;
    int rc = 0;
    size_t n;
    switch (f->type) {
    case VRV_F_TRUE:
    case VRV_F_FALSE: break;
    case VRV_F_AND:
    case VRV_F_OR: rc = parse_fields(p, j, path, f); break;
    case VRV_F_NOT:
    case VRV_F_IS_TRUE:
    case VRV_F_IS_FALSE: rc = parse_field(p, j, path, f); break;
    case VRV_F_SELECTOR:
        rc = get_column(p, j, "dimension", path, &f->column);
        if (rc == 0) rc = get_text(p, j, "value", path, false, &f->u.selector.value, &f->u.selector.len);
        break;
    case VRV_F_EQUALS: rc = parse_equals(p, j, path, f, "matchValueType", "matchValue", false); break;
    case VRV_F_ARRAY_CONTAINS_ELEMENT:
        rc = parse_equals(p, j, path, f, "elementMatchValueType", "elementMatchValue", true);
        break;
    case VRV_F_NULL: rc = get_column(p, j, "column", path, &f->column); break;
    case VRV_F_IN: rc = parse_in(p, j, path, f); break;
    case VRV_F_IN_TYPE: rc = parse_in_type(p, j, path, f); break;
    case VRV_F_BOUND: rc = parse_bound(p, j, path, f); break;
    case VRV_F_RANGE: rc = parse_range(p, j, path, f); break;
    case VRV_F_LIKE:
        rc = get_column(p, j, "dimension", path, &f->column);
        if (rc == 0) rc = get_text(p, j, "pattern", path, true, &f->u.like.pattern, &f->u.like.len);
        if (rc == 0) rc = get_text(p, j, "escape", path, false, &f->u.like.escape, &f->u.like.escape_len);
        if (rc == 0 && f->u.like.escape && expr_utf16_len(f->u.like.escape, f->u.like.escape_len) != 1)
            rc = fail(p, VRV_EINVAL, sub(kp, sizeof kp, path, "escape"), "must be a single character");
        break;
    case VRV_F_REGEX:
        rc = get_column(p, j, "dimension", path, &f->column);
        if (rc == 0) rc = get_text(p, j, "pattern", path, true, &f->u.regex.pattern, &f->u.regex.len);
        break;
    case VRV_F_SEARCH: rc = parse_search(p, j, path, f); break;
    case VRV_F_INTERVAL: rc = parse_interval(p, j, path, f); break;
    case VRV_F_EXPRESSION: rc = parse_expression(p, j, path, f); break;
    case VRV_F_COLUMN_COMPARISON: rc = parse_column_comparison(p, j, path, f); break;
    }
    (void)n;
    p->depth--;
    return rc;
}

int vrv_filter_parse(const json_t *json, const char *path, vrv_filter **out, vrv_error *err)
{
    filter_root *root = vrv_calloc(1, sizeof *root);
    vrv_arena_init(&root->arena, 4096);
    fparser p = {.root = root, .a = &root->arena, .err = err};
    int rc = parse_node(&p, json, path ? path : "filter", &root->node);
    root->nexprs = p.exprs.n;
    root->exprs = vrv_arena_memdup(&root->arena, p.exprs.v, p.exprs.n * sizeof *p.exprs.v);
    root->ncolumns = p.columns.n;
    root->columns = vrv_arena_memdup(&root->arena, p.columns.v, p.columns.n * sizeof *p.columns.v);
    vrv_vec_free(&p.exprs);
    vrv_vec_free(&p.columns);
    if (rc) {
        vrv_filter_free(&root->node);
        return rc;
    }
    *out = &root->node;
    return 0;
}

void vrv_filter_free(vrv_filter *f)
{
    if (!f) return;
    filter_root *root = (filter_root *)f;
    for (size_t i = 0; i < root->nexprs; i++) vrv_expr_free(root->exprs[i]);
    vrv_arena_destroy(&root->arena);
    free(root);
}

const char *const *vrv_filter_columns(const vrv_filter *f, size_t *n)
{
    const filter_root *root = (const filter_root *)f;
    *n = root->ncolumns;
    return root->columns;
}

size_t vrv_filter_ncolumns(const vrv_filter *f)
{
    return ((const filter_root *)f)->ncolumns;
}

const char *vrv_filter_column(const vrv_filter *f, size_t i)
{
    const filter_root *root = (const filter_root *)f;
    assert(i < root->ncolumns);
    return root->columns[i];
}
