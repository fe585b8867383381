/*
 * fuzz_expr.c — libFuzzer target for the expression language: the input is an
 * expression; it is parsed, stringified, typed, bound to a fixed row (scalars,
 * nulls, multi-value and typed-array columns) and evaluated. Nothing may crash,
 * leak or trip a sanitizer; errors are fine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr.h"

static const vrv_value mv[] = {{.type = VRV_V_STRING, .len = 1, .u.s = "a"}, {.type = VRV_V_NULL},
                               {.type = VRV_V_STRING, .len = 3, .u.s = "b,c"}};
static const vrv_value longs[] = {{.type = VRV_V_LONG, .u.l = -1}, {.type = VRV_V_LONG, .u.l = 7}};

static const struct {
    const char *name;
    vrv_value v;
    vrv_ctype type;
    bool typed;
} cols[] = {
    {"x", {.type = VRV_V_LONG, .u.l = 42}, VRV_C_LONG, true},
    {"y", {.type = VRV_V_DOUBLE, .u.d = -0.5}, VRV_C_DOUBLE, true},
    {"s", {.type = VRV_V_STRING, .len = 11, .u.s = "Hello, \xc3\xa9\xf0\x9f\x98\x80"}, VRV_C_STRING, false},
    {"e", {.type = VRV_V_STRING, .len = 0, .u.s = ""}, VRV_C_STRING, true},
    {"n", {.type = VRV_V_NULL}, VRV_C_STRING, false},
    {"m", {.type = VRV_V_ARRAY, .len = 3, .u.a = mv}, VRV_C_STRING, false},
    {"l", {.type = VRV_V_ARRAY, .len = 2, .u.a = longs}, VRV_C_ARRAY_LONG, true},
    {"f", {.type = VRV_V_FLOAT, .u.f = 1.25f}, VRV_C_FLOAT, true},
    {"bad", {.type = VRV_V_STRING, .len = 3, .u.s = "\xff\xfe\x80"}, VRV_C_STRING, false},
};

static int resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)ctx;
    (void)err;
    out->slot = -1;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (vrv_str_eq_c(name, cols[i].name)) {
            out->slot = (int32_t)i;
            out->type = cols[i].type;
            out->typed = cols[i].typed;
        }
    }
    return 0;
}

static bool type_of(void *ctx, vrv_str name, vrv_ctype *out)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (vrv_str_eq_c(name, cols[i].name) && cols[i].typed) {
            *out = cols[i].type;
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vrv_error err = {0};
    vrv_expr *e = NULL;
    if (vrv_expr_parse((const char *)data, size, &e, &err) != 0) return 0;
    vrv_buf b = VRV_BUF_INIT;
    vrv_expr_stringify(e, &b);
    vrv_expr *e2 = NULL;
    if (vrv_expr_parse(b.data ? b.data : "", b.len, &e2, &err) == 0) vrv_expr_free(e2);
    vrv_buf_free(&b);
    vrv_ctype t;
    (void)vrv_expr_output_type(e, type_of, NULL, &t);
    for (size_t i = 0; i < vrv_expr_ninputs(e); i++) (void)vrv_expr_input(e, i);
    vrv_expr_prog *p = NULL;
    if (vrv_expr_bind(e, resolve, NULL, &p, &err) == 0) {
        vrv_value slots[sizeof cols / sizeof cols[0]];
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) slots[i] = cols[i].v;
        vrv_arena a;
        vrv_arena_init(&a, 0);
        vrv_value v;
        for (int round = 0; round < 2; round++) {
            if (vrv_expr_eval(p, slots, &a, &v, &err) == 0) {
                vrv_str s;
                (void)vrv_expr_to_string(&v, &a, &s);
                (void)vrv_expr_truthy(&v);
            }
            vrv_arena_reset(&a);
        }
        vrv_arena_destroy(&a);
        vrv_expr_prog_free(p);
    }
    vrv_expr_free(e);
    return 0;
}
