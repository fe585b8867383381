/*
 * fuzz_filter.c — libFuzzer target for Druid filters: the input is filter JSON;
 * it is parsed, serialised back and re-parsed, bound to a fixed set of columns
 * and matched against rows with strings, numbers, nulls, multi-value and array
 * values. Nothing may crash, leak or trip a sanitizer; errors are fine.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "expr/filter.h"

static const vrv_value mv[] = {{.type = VRV_V_STRING, .len = 1, .u.s = "a"}, {.type = VRV_V_NULL},
                               {.type = VRV_V_STRING, .len = 2, .u.s = "10"}};
static const vrv_value arr[] = {{.type = VRV_V_LONG, .u.l = 1}, {.type = VRV_V_NULL}};

static const char *names[] = {"s", "l", "d", "f", "mv", "arr", "__time"};
static const vrv_ctype types[] = {VRV_C_STRING, VRV_C_LONG, VRV_C_DOUBLE, VRV_C_FLOAT,
                                  VRV_C_STRING, VRV_C_ARRAY_LONG, VRV_C_LONG};

static const vrv_value rows[3][7] = {
    {{.type = VRV_V_STRING, .len = 3, .u.s = "abc"}, {.type = VRV_V_LONG, .u.l = 10}, {.type = VRV_V_DOUBLE, .u.d = 1.5},
     {.type = VRV_V_FLOAT, .u.f = 0.5f}, {.type = VRV_V_ARRAY, .len = 3, .u.a = mv},
     {.type = VRV_V_ARRAY, .len = 2, .u.a = arr}, {.type = VRV_V_LONG, .u.l = 1412121600000LL}},
    {{.type = VRV_V_NULL}, {.type = VRV_V_NULL}, {.type = VRV_V_NULL}, {.type = VRV_V_NULL}, {.type = VRV_V_NULL},
     {.type = VRV_V_NULL}, {.type = VRV_V_NULL}},
    {{.type = VRV_V_STRING, .len = 4, .u.s = "\xff\xfe\xf0\x9f"}, {.type = VRV_V_LONG, .u.l = INT64_MIN},
     {.type = VRV_V_DOUBLE, .u.d = NAN}, {.type = VRV_V_FLOAT, .u.f = -0.0f}, {.type = VRV_V_ARRAY, .len = 0},
     {.type = VRV_V_ARRAY, .len = 0}, {.type = VRV_V_STRING, .len = 3, .u.s = "1e3"}},
};

static int resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)ctx;
    (void)err;
    out->slot = -1;
    for (int i = 0; i < 7; i++) {
        if (vrv_str_eq_c(name, names[i])) {
            out->slot = i;
            out->type = types[i];
            out->typed = i != 6;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!j) return 0;
    vrv_error err = {0};
    vrv_filter *f = NULL;
    if (vrv_filter_parse(j, "filter", &f, &err) == 0) {
        for (size_t i = 0; i < vrv_filter_ncolumns(f); i++) (void)vrv_filter_column(f, i);
        json_t *o = vrv_filter_to_json(f);
        vrv_filter *f2 = NULL;
        if (vrv_filter_parse(o, "filter", &f2, &err) == 0) vrv_filter_free(f2);
        json_decref(o);
        vrv_filter_matcher *m = NULL;
        if (vrv_filter_bind(f, resolve, NULL, &m, &err) == 0) {
            vrv_arena a;
            vrv_arena_init(&a, 0);
            for (int r = 0; r < 3; r++) {
                (void)vrv_filter_match(m, rows[r], &a, &err);
                vrv_arena_reset(&a);
            }
            vrv_arena_destroy(&a);
            vrv_filter_matcher_free(m);
        }
        vrv_filter_free(f);
    }
    json_decref(j);
    return 0;
}
