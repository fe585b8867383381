/*
 * agg_test_util.h — helpers shared by the aggregator tests: parse a spec from
 * JSON text, hold a state, print a value the way Druid's JSON does.
 */
#ifndef VRV_AGG_TEST_UTIL_H
#define VRV_AGG_TEST_UTIL_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "base/buf.h"
#include "base/numfmt.h"
#include "test.h"

/* Parses an aggregator spec; NULL (and the message on stderr) on error. */
static inline vrv_agg_spec *tspec_ctx(const char *js, vrv_agg_ctx ctx, vrv_error *err)
{
    json_error_t je;
    json_t *j = json_loads(js, 0, &je);
    if (!j) {
        fprintf(stderr, "bad test JSON: %s\n", je.text);
        return NULL;
    }
    vrv_agg_spec *s = NULL;
    vrv_error e2;
    vrv_error *e = err ? err : &e2;
    vrv_error_clear(e);
    if (vrv_agg_parse(j, "aggs[0]", ctx, &s, e) && !err) fprintf(stderr, "parse: %s\n", e->msg);
    json_decref(j);
    return s;
}

static inline vrv_agg_spec *tspec(const char *js)
{
    return tspec_ctx(js, VRV_AGG_CTX_QUERY, NULL);
}

/* A state area big enough for any aggregator. */
typedef struct tstate {
    _Alignas(16) unsigned char b[64];
} tstate;

/* Druid-style text of a value: numbers as Java prints them, strings raw,
 * "null", JSON raw, arrays as [a,b]. Returns a static buffer. */
static inline const char *tfmt(const vrv_value *v)
{
    static char out[4096];
    vrv_buf b = VRV_BUF_INIT;
    if (v->type == VRV_V_NULL) {
        vrv_buf_puts(&b, "null");
    } else if (v->type == VRV_V_ARRAY) {
        vrv_buf_putc(&b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) vrv_buf_putc(&b, ',');
            vrv_value_append_string(&v->u.a[i], &b);
        }
        vrv_buf_putc(&b, ']');
    } else if (v->type == VRV_V_COMPLEX) {
        vrv_buf_puts(&b, "<complex>");
    } else {
        vrv_value_append_string(v, &b);
    }
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    vrv_buf_free(&b);
    return out;
}

/* Checks value type and printed text. */
#define CHECK_VAL(v, vtype, text)                                                                  \
    do {                                                                                           \
        vrv_value cv_ = (v);                                                                       \
        CHECK_INT(cv_.type, vtype);                                                                \
        CHECK_STR(tfmt(&cv_), text);                                                               \
    } while (0)

static inline vrv_value tstr(const char *s)
{
    return vrv_string(s, strlen(s));
}

#endif
