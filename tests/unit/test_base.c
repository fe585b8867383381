/*
 * test_base.c — arena, buffer, hash map, string parsing, number formatting and
 * value conversions.
 */
#include <stdlib.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/numfmt.h"
#include "base/str.h"
#include "base/value.h"
#include "base/vec.h"
#include "test.h"

TEST(arena_alloc_reset)
{
    vrv_arena a;
    vrv_arena_init(&a, 256);
    char *p = vrv_arena_strdup(&a, "hello");
    CHECK_STR(p, "hello");
    CHECK(((uintptr_t)vrv_arena_alloc(&a, 3) & 15) == 0);
    void *big = vrv_arena_alloc(&a, 10000); /* bigger than a chunk */
    memset(big, 1, 10000);
    char *q = vrv_arena_printf(&a, "%d-%s", 42, "x");
    CHECK_STR(q, "42-x");
    for (int i = 0; i < 1000; i++) vrv_arena_alloc(&a, 17);
    vrv_arena_reset(&a);
    CHECK(a.total <= 256 + 64);
    CHECK_STR(vrv_arena_strdup(&a, "again"), "again");
    vrv_arena_destroy(&a);
}

TEST(buf_printf_grow)
{
    vrv_buf b = VRV_BUF_INIT;
    for (int i = 0; i < 1000; i++) vrv_buf_printf(&b, "%d,", i);
    CHECK(b.len > 3000);
    CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
    CHECK(b.data[b.len] == '\0');
    vrv_buf_reset(&b);
    vrv_buf_putc(&b, 'x');
    vrv_buf_puts(&b, "yz");
    CHECK_STR(b.data, "xyz");
    char *s = vrv_buf_detach(&b);
    CHECK_STR(s, "xyz");
    free(s);
    CHECK(b.data == NULL);
}

TEST(map_put_get_del)
{
    vrv_map m;
    vrv_map_init(&m, true);
    char key[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        bool ins;
        *vrv_map_put(&m, key, strlen(key), &ins) = (uint64_t)i;
        CHECK(ins);
    }
    CHECK_INT(m.n, 10000);
    for (int i = 0; i < 10000; i += 2) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(vrv_map_del(&m, key, strlen(key)));
    }
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        uint64_t *v = vrv_map_get(&m, key, strlen(key));
        if (i % 2) {
            CHECK(v && *v == (uint64_t)i);
        } else {
            CHECK(v == NULL);
        }
    }
    bool ins;
    *vrv_map_put(&m, "", 0, &ins) = 7;
    CHECK(ins);
    CHECK(*vrv_map_get(&m, "", 0) == 7);
    size_t it = 0, count = 0;
    while (vrv_map_next(&m, &it)) count++;
    CHECK_INT(count, 5001);
    vrv_map_destroy(&m);
}

TEST(str_numbers)
{
    int64_t l;
    CHECK(vrv_str_to_i64(vrv_str_c("-9223372036854775808"), &l) && l == INT64_MIN);
    CHECK(vrv_str_to_i64(vrv_str_c("9223372036854775807"), &l) && l == INT64_MAX);
    CHECK(!vrv_str_to_i64(vrv_str_c("9223372036854775808"), &l));
    CHECK(!vrv_str_to_i64(vrv_str_c("12a"), &l));
    CHECK(!vrv_str_to_i64(vrv_str_c(""), &l));
    CHECK(!vrv_str_to_i64(vrv_str_c("-"), &l));
    double d;
    CHECK(vrv_str_to_double(vrv_str_c("1.5e3"), &d) && d == 1500.0);
    CHECK(vrv_str_to_double(vrv_str_c("-Infinity"), &d) && isinf(d) && d < 0);
    CHECK(vrv_str_to_double(vrv_str_c("NaN"), &d) && isnan(d));
    CHECK(!vrv_str_to_double(vrv_str_c("nan"), &d));
    CHECK(!vrv_str_to_double(vrv_str_c("0x10"), &d));
    CHECK(!vrv_str_to_double(vrv_str_c("1.5 "), &d));
    CHECK(vrv_str_to_double(vrv_str_c("2.5d"), &d) && d == 2.5);
}

static const char *fd(double d)
{
    static char out[VRV_NUMFMT_MAX];
    vrv_fmt_double(d, out);
    return out;
}

static const char *ff(float f)
{
    static char out[VRV_NUMFMT_MAX];
    vrv_fmt_float(f, out);
    return out;
}

TEST(java_double_format)
{
    CHECK_STR(fd(5.0), "5.0");
    CHECK_STR(fd(-3.0), "-3.0");
    CHECK_STR(fd(0.0), "0.0");
    CHECK_STR(fd(-0.0), "-0.0");
    CHECK_STR(fd(9050.0), "9050.0");
    CHECK_STR(fd(0.001), "0.001");
    CHECK_STR(fd(1.0e-4), "1.0E-4");
    CHECK_STR(fd(1.0e7), "1.0E7");
    CHECK_STR(fd(9999999.0), "9999999.0");
    CHECK_STR(fd(8.0419541e7), "8.0419541E7");
    CHECK_STR(fd(0.1 + 0.2), "0.30000000000000004");
    CHECK_STR(fd(123.456), "123.456");
    CHECK_STR(fd(1.0 / 3.0), "0.3333333333333333");
    CHECK_STR(fd(-1.25e-10), "-1.25E-10");
    CHECK_STR(fd(1.7976931348623157e308), "1.7976931348623157E308");
    CHECK_STR(fd(4.9e-324), "4.9E-324");
    CHECK_STR(fd(NAN), "NaN");
    CHECK_STR(fd(INFINITY), "Infinity");
    CHECK_STR(fd(-INFINITY), "-Infinity");
    CHECK_STR(fd(100.0), "100.0");
    CHECK_STR(fd(1234567.0), "1234567.0");
    CHECK_STR(fd(0.30000001192092896), "0.30000001192092896");
    CHECK_STR(ff(0.1f), "0.1");
    CHECK_STR(ff(0.1f + 0.2f), "0.3");
    CHECK_STR(ff(1.0e10f), "1.0E10");
    CHECK_STR(ff(3.4028235e38f), "3.4028235E38");
    CHECK_STR(ff(1.4e-45f), "1.4E-45");
    CHECK_STR(fd(2e22), "2.0E22");
    char out[VRV_NUMFMT_MAX];
    vrv_fmt_long(INT64_MIN, out);
    CHECK_STR(out, "-9223372036854775808");
    vrv_fmt_long(0, out);
    CHECK_STR(out, "0");
    vrv_fmt_long(INT64_MAX, out);
    CHECK_STR(out, "9223372036854775807");
    /* every digit count, at its boundaries and between, against printf */
    int64_t p10 = 1;
    for (int d = 0; d < 19; d++) {
        if (d) p10 *= 10;
        int64_t vs[] = {p10, p10 - 1, p10 + 1, p10 * 3 + 7, -p10, -(p10 - 1), -(p10 * 5 + 3)};
        for (size_t k = 0; k < sizeof vs / sizeof *vs; k++) {
            char want[32];
            size_t n = vrv_fmt_long(vs[k], out);
            snprintf(want, sizeof want, "%lld", (long long)vs[k]);
            CHECK_STR(out, want);
            CHECK_INT((long)n, (long)strlen(want));
        }
    }
}

TEST(value_conversions)
{
    int64_t l;
    double d;
    vrv_value s = vrv_string("12.9", 4);
    CHECK(vrv_value_to_long(&s, &l) && l == 12);
    CHECK(vrv_value_to_double(&s, &d) && d == 12.9);
    vrv_value neg = vrv_string("-12.9", 5);
    CHECK(vrv_value_to_long(&neg, &l) && l == -12);
    vrv_value bad = vrv_string("abc", 3);
    CHECK(!vrv_value_to_long(&bad, &l));
    vrv_value n = vrv_null();
    CHECK(!vrv_value_to_double(&n, &d));
    vrv_buf b = VRV_BUF_INIT;
    vrv_value dv = vrv_double(1e7);
    CHECK(vrv_value_append_string(&dv, &b));
    CHECK_STR(b.data, "1.0E7");
    CHECK(!vrv_value_append_string(&n, &b));
    vrv_buf_free(&b);
    vrv_ctype t;
    CHECK(vrv_ctype_parse("long", &t) && t == VRV_C_LONG);
    CHECK(vrv_ctype_parse("ARRAY<STRING>", &t) && t == VRV_C_ARRAY_STRING);
    CHECK(!vrv_ctype_parse("nope", &t));
    CHECK_STR(vrv_ctype_name(VRV_C_DOUBLE), "DOUBLE");
}

TEST(error_prefix)
{
    vrv_error e;
    vrv_error_clear(&e);
    CHECK_INT(vrv_error_set(&e, VRV_EINVAL, "must be >= %d", 1), VRV_EINVAL);
    vrv_error_prefix(&e, "spec.ioConfig.%s", "taskCount");
    CHECK_STR(e.msg, "spec.ioConfig.taskCount: must be >= 1");
    CHECK_INT(e.code, VRV_EINVAL);
}

TEST(vec_push)
{
    VRV_VEC(int) v = {0};
    for (int i = 0; i < 100; i++) vrv_vec_push(&v, i * 2);
    CHECK_INT(v.n, 100);
    CHECK_INT(v.v[99], 198);
    vrv_vec_free(&v);
}
