/*
 * value.h — varve's one value model, shared by input decoding, expressions,
 * filters, aggregators and query results.
 *
 * A vrv_value is 16 bytes: a type tag and a payload. Strings, arrays and raw
 * JSON are borrowed: the value points into memory owned by someone else (the
 * input record, a row arena, a segment dictionary) and is only valid as long as
 * that memory. Null is its own type and is distinct from the empty string, as in
 * Druid's SQL-compatible null handling.
 *
 * Column types (vrv_ctype) describe stored or declared columns; value types
 * describe one value at run time.
 */
#ifndef VRV_VALUE_H
#define VRV_VALUE_H

#include "base/buf.h"
#include "base/str.h"
#include "base/vrv.h"

typedef enum vrv_vtype {
    VRV_V_NULL = 0,
    VRV_V_LONG,    /* u.l */
    VRV_V_FLOAT,   /* u.f */
    VRV_V_DOUBLE,  /* u.d */
    VRV_V_STRING,  /* u.s, len bytes of UTF-8, not NUL-terminated */
    VRV_V_ARRAY,   /* u.a, len elements: multi-value strings and JSON arrays */
    VRV_V_JSON,    /* u.s, len bytes: a nested JSON object or array, raw text */
    VRV_V_COMPLEX, /* u.ptr: an aggregator's intermediate form (sketch, pair) */
} vrv_vtype;

typedef struct vrv_value {
    uint8_t type;  /* vrv_vtype */
    uint8_t flags; /* VRV_VF_* bits; otherwise free for the producer's use; 0 by default */
    uint16_t pad;
    uint32_t len;  /* bytes (STRING, JSON) or elements (ARRAY) */
    union {
        int64_t l;
        double d;
        float f;
        const char *s;
        const struct vrv_value *a;
        const void *ptr;
    } u;
} vrv_value;

/* flags bit: a VRV_V_LONG 1/0 that came from a boolean (a JSON true/false, a SQL
 * BOOLEAN). Druid keeps such a value as a Java Boolean: numeric columns read it
 * as 1/0, but its string form is "true"/"false" and JSON writes true/false. */
#define VRV_VF_BOOL 0x01

static inline vrv_value vrv_null(void)
{
    vrv_value v = {0};
    return v;
}
static inline vrv_value vrv_long(int64_t l)
{
    vrv_value v = {0};
    v.type = VRV_V_LONG;
    v.u.l = l;
    return v;
}
static inline vrv_value vrv_double(double d)
{
    vrv_value v = {0};
    v.type = VRV_V_DOUBLE;
    v.u.d = d;
    return v;
}
static inline vrv_value vrv_float(float f)
{
    vrv_value v = {0};
    v.type = VRV_V_FLOAT;
    v.u.f = f;
    return v;
}
static inline vrv_value vrv_string(const char *s, size_t n)
{
    vrv_value v = {0};
    v.type = VRV_V_STRING;
    v.u.s = s;
    v.len = (uint32_t)n;
    return v;
}
static inline vrv_value vrv_array(const vrv_value *a, size_t n)
{
    vrv_value v = {0};
    v.type = VRV_V_ARRAY;
    v.u.a = a;
    v.len = (uint32_t)n;
    return v;
}
static inline bool vrv_is_null(const vrv_value *v)
{
    return v->type == VRV_V_NULL;
}
static inline bool vrv_is_number(const vrv_value *v)
{
    return v->type == VRV_V_LONG || v->type == VRV_V_DOUBLE || v->type == VRV_V_FLOAT;
}
static inline vrv_str vrv_value_str(const vrv_value *v)
{
    return vrv_str_make(v->u.s, v->len);
}

/* Conversions follow Druid's DimensionHandlerUtils: a string converts to a long
 * by parsing it as a long, else as a double truncated toward zero; booleans are
 * already longs (1/0). Each returns false (and leaves *out alone) for null, an
 * unparsable string, an array or a complex value. */
bool vrv_value_to_long(const vrv_value *v, int64_t *out);
bool vrv_value_to_double(const vrv_value *v, double *out);

/* Appends v's string form to b: longs in decimal (VRV_VF_BOOL ones as
 * true/false), doubles and floats as Java's Double.toString / Float.toString
 * print them, strings as is, JSON raw. Returns false for null, arrays and
 * complex values (nothing appended). */
bool vrv_value_append_string(const vrv_value *v, vrv_buf *b);

/* Stored / declared column types, with Druid's names. */
typedef enum vrv_ctype {
    VRV_C_STRING = 0,
    VRV_C_LONG,
    VRV_C_FLOAT,
    VRV_C_DOUBLE,
    VRV_C_COMPLEX,      /* name carried separately ("hyperUnique", "thetaSketch", ...) */
    VRV_C_JSON,         /* COMPLEX<json>: nested data */
    VRV_C_ARRAY_STRING,
    VRV_C_ARRAY_LONG,
    VRV_C_ARRAY_DOUBLE,
} vrv_ctype;

/* "STRING", "LONG", "FLOAT", "DOUBLE", "COMPLEX", "COMPLEX<json>", "ARRAY<STRING>", ... */
const char *vrv_ctype_name(vrv_ctype t);
/* Parses Druid's type names, case-insensitive ("string", "LONG", "ARRAY<LONG>",
 * "COMPLEX<json>", "json"). Returns false when unknown. */
bool vrv_ctype_parse(const char *name, vrv_ctype *out);
static inline bool vrv_ctype_is_numeric(vrv_ctype t)
{
    return t == VRV_C_LONG || t == VRV_C_FLOAT || t == VRV_C_DOUBLE;
}

#endif
