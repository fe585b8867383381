/*
 * filter_json.c — a filter tree back to Druid's JSON, field by field as
 * Jackson writes the DimFilter classes (null bounds and default booleans left
 * out where Druid's @JsonInclude leaves them out, `in` values sorted with null
 * first, bound orderings as {"type": name}), for EXPLAIN and for specs echoed
 * back through the API.
 */
#include <math.h>
#include <string.h>

#include "base/numfmt.h"
#include "expr/filter_int.h"

const char *filter_type_json_name(vrv_filter_type t);

static json_t *str_json(const char *s, size_t n)
{
    return s ? json_stringn(s, n) : json_null();
}

json_t *filter_value_to_json(const vrv_value *v, vrv_ctype type)
{
    switch (v->type) {
    case VRV_V_NULL: return json_null();
    case VRV_V_LONG: return json_integer(v->u.l);
    case VRV_V_DOUBLE:
    case VRV_V_FLOAT: {
        double d = expr_num_d(v);
        if (isfinite(d)) return json_real(d);
        char tmp[VRV_NUMFMT_MAX];
        return json_string(vrv_fmt_double(d, tmp) ? tmp : "NaN");
    }
    case VRV_V_STRING: return json_stringn(v->u.s, v->len);
    case VRV_V_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; i < v->len; i++) json_array_append_new(a, filter_value_to_json(&v->u.a[i], type));
        return a;
    }
    default: return json_null();
    }
}

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, v);
}

json_t *vrv_filter_to_json(const vrv_filter *f)
{
    json_t *o = json_object();
    set(o, "type", json_string(filter_type_json_name(f->type)));
    switch (f->type) {
    case VRV_F_TRUE:
    case VRV_F_FALSE: break;
    case VRV_F_AND:
    case VRV_F_OR: {
        json_t *a = json_array();
        for (size_t i = 0; i < f->u.logic.n; i++) json_array_append_new(a, vrv_filter_to_json(f->u.logic.fields[i]));
        set(o, "fields", a);
        break;
    }
    case VRV_F_NOT:
    case VRV_F_IS_TRUE:
    case VRV_F_IS_FALSE: set(o, "field", vrv_filter_to_json(f->u.field)); break;
    case VRV_F_SELECTOR:
        set(o, "dimension", json_string(f->column));
        set(o, "value", str_json(f->u.selector.value, f->u.selector.len));
        break;
    case VRV_F_EQUALS:
        set(o, "column", json_string(f->column));
        set(o, "matchValueType", json_string(filter_type_name(f->u.equals.type)));
        set(o, "matchValue", filter_value_to_json(&f->u.equals.value, f->u.equals.type));
        break;
    case VRV_F_ARRAY_CONTAINS_ELEMENT:
        set(o, "column", json_string(f->column));
        set(o, "elementMatchValueType", json_string(filter_type_name(f->u.equals.type)));
        set(o, "elementMatchValue", filter_value_to_json(&f->u.equals.value, f->u.equals.type));
        break;
    case VRV_F_NULL: set(o, "column", json_string(f->column)); break;
    case VRV_F_IN: {
        set(o, "dimension", json_string(f->column));
        json_t *a = json_array();
        if (f->u.in.has_null) json_array_append_new(a, json_null());
        for (size_t i = 0; i < f->u.in.n; i++) json_array_append_new(a, json_stringn(f->u.in.values[i].p, f->u.in.values[i].n));
        set(o, "values", a);
        break;
    }
    case VRV_F_IN_TYPE: {
        set(o, "column", json_string(f->column));
        set(o, "matchValueType", json_string(filter_type_name(f->u.in_type.type)));
        json_t *a = json_array();
        for (size_t i = 0; i < f->u.in_type.n; i++)
            json_array_append_new(a, filter_value_to_json(&f->u.in_type.values[i], f->u.in_type.type));
        set(o, "sortedValues", a);
        break;
    }
    case VRV_F_BOUND: {
        set(o, "dimension", json_string(f->column));
        if (f->u.bound.lower) set(o, "lower", json_stringn(f->u.bound.lower, f->u.bound.lower_len));
        if (f->u.bound.upper) set(o, "upper", json_stringn(f->u.bound.upper, f->u.bound.upper_len));
        if (f->u.bound.lower_strict) set(o, "lowerStrict", json_true());
        if (f->u.bound.upper_strict) set(o, "upperStrict", json_true());
        json_t *ord = json_object();
        set(ord, "type", json_string(vrv_order_name(f->u.bound.ordering)));
        set(o, "ordering", ord);
        break;
    }
    case VRV_F_RANGE:
        set(o, "column", json_string(f->column));
        set(o, "matchValueType", json_string(filter_type_name(f->u.range.type)));
        if (f->u.range.lower.type != VRV_V_NULL) set(o, "lower", filter_value_to_json(&f->u.range.lower, f->u.range.type));
        if (f->u.range.upper.type != VRV_V_NULL) set(o, "upper", filter_value_to_json(&f->u.range.upper, f->u.range.type));
        if (f->u.range.lower_open) set(o, "lowerOpen", json_true());
        if (f->u.range.upper_open) set(o, "upperOpen", json_true());
        break;
    case VRV_F_LIKE:
        set(o, "dimension", json_string(f->column));
        set(o, "pattern", json_stringn(f->u.like.pattern, f->u.like.len));
        if (f->u.like.escape) set(o, "escape", json_stringn(f->u.like.escape, f->u.like.escape_len));
        break;
    case VRV_F_REGEX:
        set(o, "dimension", json_string(f->column));
        set(o, "pattern", json_stringn(f->u.regex.pattern, f->u.regex.len));
        break;
    case VRV_F_SEARCH: {
        set(o, "dimension", json_string(f->column));
        json_t *q = json_object();
        const vrv_str *v = f->u.search.values;
        switch (f->u.search.kind) {
        case VRV_SEARCH_CONTAINS:
            set(q, "type", json_string("contains"));
            set(q, "value", v ? json_stringn(v->p, v->n) : json_null());
            set(q, "caseSensitive", json_boolean(f->u.search.case_sensitive));
            break;
        case VRV_SEARCH_INSENSITIVE_CONTAINS:
            set(q, "type", json_string("insensitive_contains"));
            set(q, "value", v ? json_stringn(v->p, v->n) : json_null());
            break;
        case VRV_SEARCH_FRAGMENT: {
            set(q, "type", json_string("fragment"));
            json_t *a = json_array();
            for (size_t i = 0; i < f->u.search.n; i++) json_array_append_new(a, json_stringn(v[i].p, v[i].n));
            set(q, "values", a);
            set(q, "caseSensitive", json_boolean(f->u.search.case_sensitive));
            break;
        }
        }
        set(o, "query", q);
        break;
    }
    case VRV_F_INTERVAL: {
        set(o, "dimension", json_string(f->column));
        json_t *a = json_array();
        for (size_t i = 0; i < f->u.interval.n; i++) {
            char buf[VRV_INTERVAL_STR_MAX];
            size_t n = vrv_interval_format(f->u.interval.intervals[i], buf);
            json_array_append_new(a, json_stringn(buf, n));
        }
        set(o, "intervals", a);
        break;
    }
    case VRV_F_EXPRESSION: set(o, "expression", json_string(f->u.expression.text)); break;
    case VRV_F_COLUMN_COMPARISON: {
        json_t *a = json_array();
        for (size_t i = 0; i < f->u.column_comparison.n; i++) {
            const vrv_filter_dimspec *d = &f->u.column_comparison.dims[i];
            json_t *ds = json_object();
            set(ds, "type", json_string("default"));
            set(ds, "dimension", json_string(d->column));
            set(ds, "outputName", json_string(d->output_name ? d->output_name : d->column));
            set(ds, "outputType", json_string(filter_type_name(d->output_type)));
            json_array_append_new(a, ds);
        }
        set(o, "dimensions", a);
        break;
    }
    }
    return o;
}
