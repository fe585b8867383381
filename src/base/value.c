/*
 * value.c — conversions between value types, and column type names.
 */
#include "base/value.h"

#include <math.h>
#include <strings.h>

#include "base/numfmt.h"

bool vrv_value_to_long(const vrv_value *v, int64_t *out)
{
    switch (v->type) {
    case VRV_V_LONG: *out = v->u.l; return true;
    case VRV_V_DOUBLE:
        if (isnan(v->u.d)) return false;
        *out = v->u.d >= 9.2233720368547758e18 ? INT64_MAX
               : v->u.d <= -9.2233720368547758e18 ? INT64_MIN
                                                   : (int64_t)v->u.d;
        return true;
    case VRV_V_FLOAT: {
        vrv_value d = vrv_double(v->u.f);
        return vrv_value_to_long(&d, out);
    }
    case VRV_V_STRING: {
        vrv_str s = vrv_value_str(v);
        if (vrv_str_to_i64(s, out)) return true;
        double d;
        if (!vrv_str_to_double(s, &d)) return false;
        vrv_value dv = vrv_double(d);
        return vrv_value_to_long(&dv, out);
    }
    default: return false;
    }
}

bool vrv_value_to_double(const vrv_value *v, double *out)
{
    switch (v->type) {
    case VRV_V_LONG: *out = (double)v->u.l; return true;
    case VRV_V_DOUBLE: *out = v->u.d; return true;
    case VRV_V_FLOAT: *out = v->u.f; return true;
    case VRV_V_STRING: return vrv_str_to_double(vrv_value_str(v), out);
    default: return false;
    }
}

bool vrv_value_append_string(const vrv_value *v, vrv_buf *b)
{
    char tmp[VRV_NUMFMT_MAX];
    switch (v->type) {
    case VRV_V_LONG:
        if (v->flags & VRV_VF_BOOL) {
            vrv_buf_puts(b, v->u.l ? "true" : "false");
            return true;
        }
        vrv_buf_append(b, tmp, vrv_fmt_long(v->u.l, tmp));
        return true;
    case VRV_V_DOUBLE: vrv_buf_append(b, tmp, vrv_fmt_double(v->u.d, tmp)); return true;
    case VRV_V_FLOAT: vrv_buf_append(b, tmp, vrv_fmt_float(v->u.f, tmp)); return true;
    case VRV_V_STRING:
    case VRV_V_JSON: vrv_buf_append(b, v->u.s, v->len); return true;
    default: return false;
    }
}

static const char *ctype_names[] = {
    [VRV_C_STRING] = "STRING",
    [VRV_C_LONG] = "LONG",
    [VRV_C_FLOAT] = "FLOAT",
    [VRV_C_DOUBLE] = "DOUBLE",
    [VRV_C_COMPLEX] = "COMPLEX",
    [VRV_C_JSON] = "COMPLEX<json>",
    [VRV_C_ARRAY_STRING] = "ARRAY<STRING>",
    [VRV_C_ARRAY_LONG] = "ARRAY<LONG>",
    [VRV_C_ARRAY_DOUBLE] = "ARRAY<DOUBLE>",
};

const char *vrv_ctype_name(vrv_ctype t)
{
    return (size_t)t < VRV_ARRAY_LEN(ctype_names) ? ctype_names[t] : "UNKNOWN";
}

bool vrv_ctype_parse(const char *name, vrv_ctype *out)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(ctype_names); i++) {
        if (strcasecmp(name, ctype_names[i]) == 0) {
            *out = (vrv_ctype)i;
            return true;
        }
    }
    if (strcasecmp(name, "json") == 0 || strcasecmp(name, "auto") == 0) {
        *out = VRV_C_JSON;
        return true;
    }
    return false;
}
