/*
 * test_json_writer.c — the JSON writer, byte for byte against what Druid's
 * Jackson ObjectMapper writes.
 */
#include <math.h>
#include <stdlib.h>

#include "json/jutil.h"
#include "json/jwriter.h"
#include "test.h"

TEST(compact_layout)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_jw_begin_array(&w);
    vrv_jw_begin_object(&w);
    vrv_jw_kv_string(&w, "timestamp", "2026-01-01T00:00:00.000Z");
    vrv_jw_key(&w, "result");
    vrv_jw_begin_object(&w);
    vrv_jw_kv_long(&w, "count", 42);
    vrv_jw_kv_double(&w, "sum", 9050.0);
    vrv_jw_key(&w, "f");
    vrv_jw_float(&w, 0.1f);
    vrv_jw_kv_null(&w, "min");
    vrv_jw_kv_bool(&w, "b", true);
    vrv_jw_key(&w, "empty");
    vrv_jw_begin_array(&w);
    vrv_jw_end_array(&w);
    vrv_jw_key(&w, "eo");
    vrv_jw_begin_object(&w);
    vrv_jw_end_object(&w);
    vrv_jw_end_object(&w);
    vrv_jw_end_object(&w);
    vrv_jw_long(&w, -9223372036854775807LL - 1);
    vrv_jw_double(&w, 1e-4);
    vrv_jw_double(&w, 8.0419541E7);
    vrv_jw_double(&w, -3.0);
    vrv_jw_double(&w, 0.30000001192092896);
    vrv_jw_end_array(&w);
    CHECK(vrv_jw_complete(&w));
    CHECK_STR(b.data, "[{\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"result\":{\"count\":42,"
                      "\"sum\":9050.0,\"f\":0.1,\"min\":null,\"b\":true,\"empty\":[],\"eo\":{}}},"
                      "-9223372036854775808,1.0E-4,8.0419541E7,-3.0,0.30000001192092896]");
    vrv_buf_free(&b);
}

TEST(nonfinite_numbers_are_strings)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_jw_begin_array(&w);
    vrv_jw_double(&w, NAN);
    vrv_jw_double(&w, INFINITY);
    vrv_jw_double(&w, -INFINITY);
    vrv_jw_float(&w, -INFINITY);
    vrv_jw_float(&w, NAN);
    vrv_jw_end_array(&w);
    CHECK_STR(b.data, "[\"NaN\",\"Infinity\",\"-Infinity\",\"-Infinity\",\"NaN\"]");
    vrv_buf_free(&b);
}

TEST(string_escaping)
{
    vrv_buf b = VRV_BUF_INIT;
    const char in[] = "q\"b\\s/\n\t\r\b\f\x01\x1f\x7f"
                      "é€😀";
    vrv_jw_append_quoted(&b, in, sizeof in - 1);
    CHECK_STR(b.data, "\"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001F\x7f"
                      "é€😀\"");
    vrv_buf_reset(&b);
    /* an embedded NUL is data, not a terminator */
    vrv_jw_append_quoted(&b, "a\0b", 3);
    CHECK_STR(b.data, "\"a\\u0000b\"");
    vrv_buf_reset(&b);
    vrv_jw_append_quoted(&b, "", 0);
    CHECK_STR(b.data, "\"\"");
    vrv_buf_free(&b);
}

static const char *fffd(const char *in, size_t n, vrv_buf *b)
{
    vrv_buf_reset(b);
    vrv_jw_append_quoted(b, in, n);
    return b->data;
}

TEST(invalid_utf8_becomes_replacement_chars)
{
    vrv_buf b = VRV_BUF_INIT;
#define R "\xEF\xBF\xBD"
    /* lone continuation byte, invalid lead bytes */
    CHECK_STR(fffd("a\x80z", 3, &b), "\"a" R "z\"");
    CHECK_STR(fffd("\xC0\x80", 2, &b), "\"" R R "\"");
    CHECK_STR(fffd("\xFF", 1, &b), "\"" R "\"");
    /* truncated 3-byte sequence: the maximal subpart E2 82 is one U+FFFD */
    CHECK_STR(fffd("\xE2\x82z", 3, &b), "\"" R "z\"");
    CHECK_STR(fffd("\xE2\x82", 2, &b), "\"" R "\"");
    /* overlong E0 80 80 and surrogate ED A0 80: each byte replaced */
    CHECK_STR(fffd("\xE0\x80\x80", 3, &b), "\"" R R R "\"");
    CHECK_STR(fffd("\xED\xA0\x80", 3, &b), "\"" R R R "\"");
    /* truncated 4-byte sequence, above U+10FFFF */
    CHECK_STR(fffd("\xF0\x9F\x98", 3, &b), "\"" R "\"");
    CHECK_STR(fffd("\xF4\x90\x80\x80", 4, &b), "\"" R R R R "\"");
    /* valid neighbours survive */
    CHECK_STR(fffd("\xC3\xA9\xC3", 3, &b), "\"\xC3\xA9" R "\"");
#undef R
    vrv_buf_free(&b);
}

TEST(pretty_matches_jackson_default_printer)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, VRV_JW_PRETTY);
    vrv_jw_begin_array(&w);
    vrv_jw_begin_object(&w);
    vrv_jw_kv_string(&w, "timestamp", "2026-01-01T00:00:00.000Z");
    vrv_jw_key(&w, "result");
    vrv_jw_begin_object(&w);
    vrv_jw_kv_long(&w, "count", 3);
    vrv_jw_key(&w, "tags");
    vrv_jw_begin_array(&w);
    vrv_jw_string(&w, "a");
    vrv_jw_string(&w, "b");
    vrv_jw_end_array(&w);
    vrv_jw_key(&w, "none");
    vrv_jw_begin_array(&w);
    vrv_jw_end_array(&w);
    vrv_jw_key(&w, "eo");
    vrv_jw_begin_object(&w);
    vrv_jw_end_object(&w);
    vrv_jw_end_object(&w);
    vrv_jw_end_object(&w);
    vrv_jw_begin_object(&w);
    vrv_jw_key(&w, "x");
    vrv_jw_begin_array(&w);
    vrv_jw_begin_object(&w);
    vrv_jw_kv_long(&w, "y", 1);
    vrv_jw_end_object(&w);
    vrv_jw_end_array(&w);
    vrv_jw_end_object(&w);
    vrv_jw_end_array(&w);
    CHECK(vrv_jw_complete(&w));
    CHECK_STR(b.data, "[ {\n"
                      "  \"timestamp\" : \"2026-01-01T00:00:00.000Z\",\n"
                      "  \"result\" : {\n"
                      "    \"count\" : 3,\n"
                      "    \"tags\" : [ \"a\", \"b\" ],\n"
                      "    \"none\" : [ ],\n"
                      "    \"eo\" : { }\n"
                      "  }\n"
                      "}, {\n"
                      "  \"x\" : [ {\n"
                      "    \"y\" : 1\n"
                      "  } ]\n"
                      "} ]");
    vrv_buf_free(&b);
}

TEST(values)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_value elems[3] = {vrv_string("a", 1), vrv_null(), vrv_long(7)};
    vrv_value bt = vrv_long(1);
    bt.flags = VRV_VF_BOOL;
    vrv_value bf = vrv_long(0);
    bf.flags = VRV_VF_BOOL;
    vrv_value js = {0};
    js.type = VRV_V_JSON;
    js.u.s = "{\"k\":[1,2]}";
    js.len = (uint32_t)strlen(js.u.s);
    vrv_value cx = {0};
    cx.type = VRV_V_COMPLEX;
    vrv_value vals[] = {vrv_null(),     vrv_long(-12), vrv_double(5.0),
                        vrv_float(0.1f), vrv_string("x\"y", 3), vrv_array(elems, 3),
                        bt,             bf,            js,
                        vrv_array(NULL, 0)};
    vrv_jw_begin_array(&w);
    for (size_t i = 0; i < VRV_ARRAY_LEN(vals); i++) CHECK(vrv_jw_value(&w, &vals[i]));
    CHECK(!vrv_jw_value(&w, &cx));
    vrv_jw_end_array(&w);
    CHECK_STR(b.data,
              "[null,-12,5.0,0.1,\"x\\\"y\",[\"a\",null,7],true,false,{\"k\":[1,2]},[],null]");
    vrv_buf_free(&b);

    /* the string form of a boolean-flagged long */
    vrv_buf s = VRV_BUF_INIT;
    CHECK(vrv_value_append_string(&bt, &s));
    CHECK_STR(s.data, "true");
    vrv_buf_free(&s);
}

TEST(jansson_values_keep_order_and_types)
{
    json_t *v = NULL;
    vrv_error err;
    const char *text = "{\"z\":1,\"a\":[1.5,2.0,true,null,\"s\"],\"m\":{\"q\":1e20}}";
    CHECK_INT(vrv_json_load_buf(text, strlen(text), "t", &v, &err), 0);
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_jw_json(&w, v);
    CHECK_STR(b.data, "{\"z\":1,\"a\":[1.5,2.0,true,null,\"s\"],\"m\":{\"q\":1.0E20}}");
    vrv_buf_reset(&b);
    vrv_jw_init(&w, &b, VRV_JW_PRETTY);
    vrv_jw_json(&w, v);
    CHECK_STR(b.data, "{\n  \"z\" : 1,\n  \"a\" : [ 1.5, 2.0, true, null, \"s\" ],\n"
                      "  \"m\" : {\n    \"q\" : 1.0E20\n  }\n}");
    vrv_buf_free(&b);
    json_decref(v);
}

TEST(raw_and_appending)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_puts(&b, "prefix:");
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_jw_begin_object(&w);
    vrv_jw_key(&w, "r");
    vrv_jw_raw(&w, "[1, 2]", 6);
    vrv_jw_keyn(&w, "k\nz", 3);
    vrv_jw_stringn(&w, "abc", 2);
    vrv_jw_end_object(&w);
    CHECK_STR(b.data, "prefix:{\"r\":[1, 2],\"k\\nz\":\"ab\"}");
    CHECK(vrv_jw_complete(&w));
    vrv_buf_free(&b);
}

TEST(deep_nesting_and_big_output)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    for (int i = 0; i < 500; i++) vrv_jw_begin_array(&w);
    for (int i = 0; i < 500; i++) vrv_jw_end_array(&w);
    CHECK(vrv_jw_complete(&w));
    CHECK_INT(b.len, 1000);
    vrv_buf_reset(&b);
    vrv_jw_init(&w, &b, 0);
    vrv_jw_begin_array(&w);
    for (int i = 0; i < 100000; i++) vrv_jw_long(&w, i);
    vrv_jw_end_array(&w);
    CHECK(strncmp(b.data, "[0,1,2,", 7) == 0);
    CHECK(strcmp(b.data + b.len - 7, ",99999]") == 0);
    vrv_buf_free(&b);
}
