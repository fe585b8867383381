/*
 * test_json_scan.c — the event scanner: exact slot values and types, Druid's
 * conversions, nested paths, duplicates, discovery, the lenient features,
 * malformed input with exact error positions, and the arena tree.
 *
 * Every input is copied into a heap block of exactly its length, so
 * AddressSanitizer catches any read past the end.
 */
#include <stdlib.h>

#include "json/jwriter.h"
#include "json/scan.h"
#include "test.h"

typedef struct fx {
    vrv_scan_plan *plan;
    vrv_value slots[32];
    vrv_scan_out out;
    vrv_arena arena;
    char *buf;
    size_t len;
    vrv_error err;
    vrv_buf show;
} fx;

static void fx_init(fx *f, unsigned features)
{
    memset(f, 0, sizeof *f);
    f->plan = vrv_scan_plan_new(features);
    f->out.slots = f->slots;
    vrv_arena_init(&f->arena, 0);
}

static void fx_free(fx *f)
{
    vrv_scan_plan_free(f->plan);
    vrv_scan_out_free(&f->out);
    vrv_arena_destroy(&f->arena);
    vrv_buf_free(&f->show);
    free(f->buf);
}

static void root(fx *f, const char *key, uint32_t slot)
{
    CHECK_INT(vrv_scan_plan_add_root(f->plan, key, strlen(key), slot, VRV_SCAN_VALUE), 0);
}

static void set_input(fx *f, const char *json, size_t n)
{
    free(f->buf);
    f->buf = malloc(n ? n : 1);
    memcpy(f->buf, json, n);
    f->len = n;
}

static int scan(fx *f, const char *json)
{
    set_input(f, json, strlen(json));
    vrv_error_clear(&f->err);
    return vrv_scan_event(f->plan, f->buf, f->len, &f->out, &f->arena, &f->err);
}

/* "L:42", "B:true", "D:1.5", "S:\"x\"", "A:[...]", "J:raw", "null" */
static const char *show(fx *f, const vrv_value *v)
{
    vrv_buf_reset(&f->show);
    switch (v->type) {
    case VRV_V_NULL: vrv_buf_puts(&f->show, "null"); return f->show.data;
    case VRV_V_LONG: vrv_buf_puts(&f->show, (v->flags & VRV_VF_BOOL) ? "B:" : "L:"); break;
    case VRV_V_DOUBLE: vrv_buf_puts(&f->show, "D:"); break;
    case VRV_V_STRING: vrv_buf_puts(&f->show, "S:"); break;
    case VRV_V_ARRAY: vrv_buf_puts(&f->show, "A:"); break;
    case VRV_V_JSON: vrv_buf_puts(&f->show, "J:"); break;
    default: vrv_buf_puts(&f->show, "?:"); break;
    }
    vrv_jw w;
    vrv_jw_init(&w, &f->show, 0);
    vrv_jw_value(&w, v);
    return f->show.data;
}

#define CHECK_SLOT(f, i, expect) CHECK_STR(show((f), &(f)->slots[i]), expect)

static const char *WIKI =
    "{\"timestamp\":\"2016-06-27T00:00:11.080Z\",\"page\":\"Salo Toraut\",\"user\":\"Lsjbot\","
    "\"channel\":\"#sv.wikipedia\",\"namespace\":\"Main\",\"comment\":\"Botskapande Indonesien "
    "omdirigering\",\"isRobot\":true,\"isNew\":false,\"added\":31,\"deleted\":0,\"delta\":31,"
    "\"tags\":[\"a\",\"b\"],\"geo\":{\"country\":\"SE\",\"city\":null},\"score\":-1.25e-3}";

TEST(wikipedia_event)
{
    fx f;
    fx_init(&f, 0);
    const char *names[] = {"timestamp", "page", "user",    "isRobot", "added",  "deleted",
                           "delta",     "tags", "geo",     "score",   "missing"};
    for (uint32_t i = 0; i < VRV_ARRAY_LEN(names); i++) root(&f, names[i], i);
    CHECK_INT(vrv_scan_plan_nslots(f.plan), 11);
    CHECK_INT(scan(&f, WIKI), 0);
    CHECK_SLOT(&f, 0, "S:\"2016-06-27T00:00:11.080Z\"");
    CHECK_SLOT(&f, 1, "S:\"Salo Toraut\"");
    CHECK_SLOT(&f, 2, "S:\"Lsjbot\"");
    CHECK_SLOT(&f, 3, "B:true");
    CHECK_INT(f.slots[3].type, VRV_V_LONG);
    CHECK_INT(f.slots[3].u.l, 1);
    CHECK_SLOT(&f, 4, "L:31");
    CHECK_SLOT(&f, 5, "L:0");
    CHECK_SLOT(&f, 6, "L:31");
    CHECK_SLOT(&f, 7, "A:[\"a\",\"b\"]");
    CHECK_SLOT(&f, 8, "J:{\"country\":\"SE\",\"city\":null}");
    CHECK_SLOT(&f, 9, "D:-0.00125");
    CHECK_SLOT(&f, 10, "null");
    /* zero copy: strings without escapes point into the input */
    CHECK(f.slots[1].u.s > f.buf && f.slots[1].u.s < f.buf + f.len);
    CHECK(f.slots[8].u.s > f.buf && f.slots[8].u.s < f.buf + f.len);
    fx_free(&f);
}

TEST(strings_and_escapes)
{
    fx f;
    fx_init(&f, 0);
    root(&f, "s", 0);
    CHECK_INT(scan(&f, "{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}"), 0);
    CHECK_STRN(f.slots[0].u.s, f.slots[0].len, "a\"b\\c/d\b\f\n\r\t");
    CHECK(f.slots[0].u.s < f.buf || f.slots[0].u.s >= f.buf + f.len); /* unescaped copy */
    CHECK_INT(scan(&f, "{\"s\":\"caf\\u00e9 \\u20AC \\ud83d\\ude00\"}"), 0);
    CHECK_STRN(f.slots[0].u.s, f.slots[0].len, "café € 😀");
    /* lone surrogates become '?', as Druid's UTF-8 round trip makes them */
    CHECK_INT(scan(&f, "{\"s\":\"x\\ud83dy\\ude00z\\ud83d\\u0041\"}"), 0);
    CHECK_STRN(f.slots[0].u.s, f.slots[0].len, "x?y?z?A");
    CHECK_INT(scan(&f, "{\"s\":\"\\u0000\"}"), 0);
    CHECK_INT(f.slots[0].len, 1);
    CHECK(f.slots[0].u.s[0] == '\0');
    CHECK_INT(scan(&f, "{\"s\":\"\"}"), 0);
    CHECK_SLOT(&f, 0, "S:\"\"");
    CHECK_INT(scan(&f, "{\"s\":\"日本語 ünïcödé\"}"), 0);
    CHECK_SLOT(&f, 0, "S:\"日本語 ünïcödé\"");
    /* long strings cross the vector blocks */
    char big[400];
    strcpy(big, "{\"s\":\"");
    for (int i = 0; i < 300; i++) strcat(big, (i % 50 == 49) ? "é" : "x");
    strcat(big, "\"}");
    CHECK_INT(scan(&f, big), 0);
    CHECK_INT(f.slots[0].len, 306);
    /* an escaped key matches a plain plan key */
    CHECK_INT(scan(&f, "{\"\\u0073\":\"yes\"}"), 0);
    CHECK_SLOT(&f, 0, "S:\"yes\"");
    fx_free(&f);
}

TEST(numbers)
{
    fx f;
    fx_init(&f, 0);
    root(&f, "n", 0);
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"0", "L:0"},
        {"-0", "L:0"},
        {"7", "L:7"},
        {"-42", "L:-42"},
        {"9223372036854775807", "L:9223372036854775807"},
        {"-9223372036854775808", "L:-9223372036854775808"},
        {"9223372036854775808", "D:9.223372036854776E18"},
        {"-9223372036854775809", "D:-9.223372036854776E18"},
        {"123456789012345678901234567890", "D:1.2345678901234568E29"},
        {"1.0", "D:1.0"},
        {"-0.0", "D:-0.0"},
        {"0.1", "D:0.1"},
        {"1e2", "D:100.0"},
        {"1E+2", "D:100.0"},
        {"25e-1", "D:2.5"},
        {"1.7976931348623157e308", "D:1.7976931348623157E308"},
        {"1e400", "D:\"Infinity\""},
        {"-1e400", "D:\"-Infinity\""},
        {"4.9e-324", "D:4.9E-324"},
        {"1e-400", "D:0.0"},
        {"3.141592653589793238462643383279", "D:3.141592653589793"},
        {"0.000001", "D:1.0E-6"},
        {"123456.789e3", "D:1.23456789E8"},
        {"2.2250738585072011e-308", "D:2.225073858507201E-308"},
        {"9007199254740993", "L:9007199254740993"},
        {"9007199254740993.0", "D:9.007199254740992E15"},
        {"0.30000000000000004", "D:0.30000000000000004"},
    };
    char in[128];
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        snprintf(in, sizeof in, "{\"n\":%s}", cases[i].in);
        CHECK_INT(scan(&f, in), 0);
        if (strcmp(show(&f, &f.slots[0]), cases[i].out) != 0)
            fprintf(stderr, "  for %s\n", cases[i].in);
        CHECK_SLOT(&f, 0, cases[i].out);
    }
    fx_free(&f);
}

TEST(literals_arrays_objects)
{
    fx f;
    fx_init(&f, 0);
    for (uint32_t i = 0; i < 8; i++) {
        char k[2] = {(char)('a' + i), 0};
        root(&f, k, i);
    }
    CHECK_INT(scan(&f, "{ \"a\" : true , \"b\":false,\"c\":null,\"d\":[],\"e\":[1, \"x\", null, "
                       "2.5, false],\"f\":[1,[2]],\"g\":[{\"k\":1}],\"h\":{ }}"),
              0);
    CHECK_SLOT(&f, 0, "B:true");
    CHECK_SLOT(&f, 1, "B:false");
    CHECK_SLOT(&f, 2, "null");
    CHECK_SLOT(&f, 3, "A:[]");
    CHECK_SLOT(&f, 4, "A:[1,\"x\",null,2.5,false]");
    CHECK_INT(f.slots[4].u.a[4].flags, VRV_VF_BOOL);
    CHECK_SLOT(&f, 5, "J:[1,[2]]");
    CHECK_SLOT(&f, 6, "J:[{\"k\":1}]");
    CHECK_SLOT(&f, 7, "J:{ }");
    /* a long flat array grows in the arena */
    char big[4000] = "{\"e\":[";
    for (int i = 0; i < 500; i++) snprintf(big + strlen(big), 20, "%s%d", i ? "," : "", i);
    strcat(big, "]}");
    CHECK_INT(scan(&f, big), 0);
    CHECK_INT(f.slots[4].type, VRV_V_ARRAY);
    CHECK_INT(f.slots[4].len, 500);
    CHECK_INT(f.slots[4].u.a[499].u.l, 499);
    fx_free(&f);
}

TEST(nested_paths_and_raw)
{
    fx f;
    fx_init(&f, 0);
    vrv_scan_step ab[] = {{"a", 1, 0}, {"b", 1, 0}};
    vrv_scan_step a1[] = {{"a", 1, 0}, {"arr", 3, 0}, {NULL, 0, 1}};
    vrv_scan_step a1c[] = {{"a", 1, 0}, {"arr", 3, 0}, {NULL, 0, 2}, {"c", 1, 0}};
    vrv_scan_step deep[] = {{"x", 1, 0}, {"y", 1, 0}, {"z", 1, 0}};
    CHECK_INT(vrv_scan_plan_add(f.plan, ab, 2, 0, VRV_SCAN_VALUE), 0);
    CHECK_INT(vrv_scan_plan_add(f.plan, a1, 3, 1, VRV_SCAN_VALUE), 0);
    CHECK_INT(vrv_scan_plan_add(f.plan, a1c, 4, 2, VRV_SCAN_VALUE), 0);
    CHECK_INT(vrv_scan_plan_add(f.plan, deep, 3, 3, VRV_SCAN_VALUE), 0);
    root(&f, "a", 4);                                                      /* also whole */
    CHECK_INT(vrv_scan_plan_add_root(f.plan, "a", 1, 5, VRV_SCAN_RAW), 0); /* and raw */
    CHECK_INT(vrv_scan_plan_add_root(f.plan, "n", 1, 6, VRV_SCAN_RAW), 0);
    CHECK_INT(vrv_scan_plan_add_root(f.plan, "gone", 4, 7, VRV_SCAN_RAW), 0);
    CHECK_INT(vrv_scan_plan_add(f.plan, ab, 0, 8, VRV_SCAN_VALUE), VRV_EINVAL);
    vrv_scan_step bad[] = {{NULL, 0, 1}};
    CHECK_INT(vrv_scan_plan_add(f.plan, bad, 1, 8, VRV_SCAN_VALUE), VRV_EINVAL);

    CHECK_INT(scan(&f, "{\"n\":12.50,\"a\":{\"b\":\"B\",\"arr\":[0,\"one\",{\"c\":[3,4]}],\"z\":1},"
                       "\"x\":{\"y\":[1]}}"),
              0);
    CHECK_SLOT(&f, 0, "S:\"B\"");
    CHECK_SLOT(&f, 1, "S:\"one\"");
    CHECK_SLOT(&f, 2, "A:[3,4]");
    CHECK_SLOT(&f, 3, "null"); /* y is an array, not an object */
    CHECK_SLOT(&f, 4, "J:{\"b\":\"B\",\"arr\":[0,\"one\",{\"c\":[3,4]}],\"z\":1}");
    CHECK_SLOT(&f, 5, "J:{\"b\":\"B\",\"arr\":[0,\"one\",{\"c\":[3,4]}],\"z\":1}");
    CHECK_SLOT(&f, 6, "J:12.50");
    CHECK_SLOT(&f, 7, "null");
    /* a path through a scalar or a short array gives null */
    CHECK_INT(scan(&f, "{\"a\":\"str\",\"x\":{\"y\":{\"z\":false}}}"), 0);
    CHECK_SLOT(&f, 0, "null");
    CHECK_SLOT(&f, 1, "null");
    CHECK_SLOT(&f, 3, "B:false");
    CHECK_SLOT(&f, 4, "S:\"str\"");
    CHECK_SLOT(&f, 5, "J:\"str\"");
    CHECK_INT(scan(&f, "{\"a\":{\"arr\":[9]}}"), 0);
    CHECK_SLOT(&f, 1, "null");
    CHECK_SLOT(&f, 2, "null");
    fx_free(&f);
}

TEST(duplicate_keys_last_wins)
{
    fx f;
    fx_init(&f, 0);
    vrv_scan_step ab[] = {{"a", 1, 0}, {"b", 1, 0}};
    CHECK_INT(vrv_scan_plan_add(f.plan, ab, 2, 0, VRV_SCAN_VALUE), 0);
    root(&f, "k", 1);
    CHECK_INT(scan(&f, "{\"k\":1,\"a\":{\"b\":1},\"k\":\"two\",\"a\":{\"c\":2}}"), 0);
    CHECK_SLOT(&f, 0, "null");
    CHECK_SLOT(&f, 1, "S:\"two\"");
    CHECK_INT(scan(&f, "{\"a\":{\"b\":1,\"b\":2}}"), 0);
    CHECK_SLOT(&f, 0, "L:2");

    /* discovery: first position, last value */
    f.out.discover = true;
    CHECK_INT(scan(&f, "{\"k\":1,\"z\":true,\"a\":{\"b\":1},\"k\":[\"x\"],\"e\":\"\\u0041\"}"), 0);
    CHECK_INT(f.out.nfields, 4);
    CHECK_STRN(f.out.names[0].p, f.out.names[0].n, "k");
    CHECK_STR(show(&f, &f.out.vals[0]), "A:[\"x\"]");
    CHECK_STRN(f.out.names[1].p, f.out.names[1].n, "z");
    CHECK_STR(show(&f, &f.out.vals[1]), "B:true");
    CHECK_STRN(f.out.names[2].p, f.out.names[2].n, "a");
    CHECK_STR(show(&f, &f.out.vals[2]), "J:{\"b\":1}");
    CHECK_STRN(f.out.names[3].p, f.out.names[3].n, "e");
    CHECK_STR(show(&f, &f.out.vals[3]), "S:\"A\"");
    CHECK_SLOT(&f, 0, "L:1");
    CHECK_SLOT(&f, 1, "A:[\"x\"]");

    /* many fields use the hashed de-duplication */
    char big[4096] = "{";
    for (int i = 0; i < 40; i++) snprintf(big + strlen(big), 40, "\"f%d\":%d,", i % 30, i);
    strcat(big, "\"last\":0}");
    CHECK_INT(scan(&f, big), 0);
    CHECK_INT(f.out.nfields, 31);
    CHECK_STRN(f.out.names[5].p, f.out.names[5].n, "f5");
    CHECK_STR(show(&f, &f.out.vals[5]), "L:35");
    CHECK_STR(show(&f, &f.out.vals[29]), "L:29");
    CHECK_STRN(f.out.names[30].p, f.out.names[30].n, "last");
    fx_free(&f);
}

static void expect_error(fx *f, const char *in, const char *msg)
{
    int rc = scan(f, in);
    CHECK_INT(rc, VRV_EINVAL);
    if (strcmp(f->err.msg, msg) != 0) fprintf(stderr, "  input: %s\n", in);
    CHECK_STR(f->err.msg, msg);
}

TEST(malformed_input_errors)
{
    fx f;
    fx_init(&f, 0);
    root(&f, "a", 0);
    expect_error(&f, "", "byte 0: expected a JSON object");
    expect_error(&f, "   ", "byte 3: expected a JSON object");
    expect_error(&f, "{", "byte 1: unexpected end of input, expected a field name in double quotes");
    expect_error(&f, "{\"a\"", "byte 4: unexpected end of input, expected ':' after a field name");
    expect_error(&f, "{\"a\":", "byte 5: unexpected end of input, expected a value");
    expect_error(&f, "{\"a\":1", "byte 6: unexpected end of input, expected ',' or '}'");
    expect_error(&f, "{\"a\":1,}", "byte 7: unexpected character '}', expected a field name");
    expect_error(&f, "{\"a\":[1,]}", "byte 8: unexpected character ']', expected a value");
    expect_error(&f, "{\"a\":[1 2]}", "byte 8: unexpected character '2', expected ',' or ']'");
    expect_error(&f, "{\"a\":\"abc", "byte 5: unterminated string");
    expect_error(&f, "{\"a\":\"a\\x\"}", "byte 7: invalid escape sequence in a string");
    expect_error(&f, "{\"a\":\"\\u12G4\"}", "byte 6: invalid \\u escape: expected four hex digits");
    expect_error(&f, "{\"a\":\"\\u12\"}", "byte 6: invalid \\u escape: expected four hex digits");
    expect_error(&f, "{\"a\":\"x\ty\"}", "byte 7: unescaped control character in a string");
    expect_error(&f, "{\"a\":\"\xC3\"}", "byte 6: invalid UTF-8 in a string");
    expect_error(&f, "{\"a\":\"\xED\xA0\x80\"}", "byte 6: invalid UTF-8 in a string");
    expect_error(&f, "{\"b\":\"\xF5\x80\x80\x80\"}", "byte 6: invalid UTF-8 in a string");
    expect_error(&f, "{\"\xC0\xAF\":1}", "byte 2: invalid UTF-8 in a string");
    expect_error(&f, "{\"a\":01}", "byte 5: leading zeros are not allowed in a number");
    expect_error(&f, "{\"a\":-}", "byte 6: unexpected character '}', expected a digit");
    expect_error(&f, "{\"a\":1.}", "byte 7: unexpected character '}', expected a digit after '.'");
    expect_error(&f, "{\"a\":.5}", "byte 5: unexpected character '.', expected a value");
    expect_error(&f, "{\"a\":1e}", "byte 7: unexpected character '}', expected a digit in the exponent");
    expect_error(&f, "{\"a\":+1}", "byte 5: unexpected character '+', expected a value");
    expect_error(&f, "{\"a\":NaN}", "byte 5: unexpected character 'N', expected a value");
    expect_error(&f, "{\"a\":tru}", "byte 5: invalid literal, expected 'true'");
    expect_error(&f, "{\"a\":nul", "byte 5: invalid literal, expected 'null'");
    expect_error(&f, "{\"a\":truex}", "byte 9: unexpected character 'x', expected ',' or '}'");
    expect_error(&f, "{\"a\" 1}", "byte 5: unexpected character '1', expected ':' after a field name");
    expect_error(&f, "{a:1}", "byte 1: unexpected character 'a', expected a field name in double quotes");
    expect_error(&f, "{'a':1}", "byte 1: unexpected character ''', expected a field name in double quotes");
    expect_error(&f, "{\"a\":1} x", "byte 8: unexpected data after the JSON object");
    expect_error(&f, "{\"a\":1}{}", "byte 7: unexpected data after the JSON object");
    expect_error(&f, "[1,2]", "byte 0: expected a JSON object, found an array");
    expect_error(&f, "\"s\"", "byte 0: expected a JSON object, found a string");
    expect_error(&f, "12", "byte 0: expected a JSON object, found a number");
    expect_error(&f, "{\"a\":1}\x01", "byte 7: unexpected data after the JSON object");
    expect_error(&f, "{\"a\":/*c*/1}", "byte 5: unexpected character '/', expected a value");
    expect_error(&f, "{\"a\":\v1}", "byte 5: unexpected byte 0x0B, expected a value");
    /* errors inside skipped and extracted values alike */
    expect_error(&f, "{\"zz\":{\"q\":[1,{\"r\":tru]}}", "byte 19: invalid literal, expected 'true'");
    fx_free(&f);
}

TEST(nesting_limit)
{
    fx f;
    fx_init(&f, 0);
    root(&f, "a", 0);
    /* 1000 levels (the object itself is the first) are fine, 1001 are not */
    for (int extra = 0; extra < 2; extra++) {
        size_t depth = 999 + (size_t)extra; /* arrays inside the root object */
        char *in = malloc(2 * depth + 16);
        size_t n = 0;
        n += (size_t)sprintf(in, "{\"a\":");
        for (size_t i = 0; i < depth; i++) in[n++] = '[';
        for (size_t i = 0; i < depth; i++) in[n++] = ']';
        in[n++] = '}';
        in[n] = 0;
        int rc = scan(&f, in);
        if (extra == 0) {
            CHECK_INT(rc, 0);
            CHECK_INT(f.slots[0].type, VRV_V_JSON);
        } else {
            CHECK_INT(rc, VRV_EINVAL);
            CHECK_STR(f.err.msg, "byte 1004: nesting deeper than 1000 levels");
        }
        free(in);
    }
    /* also when skipped */
    char *in = malloc(5000);
    strcpy(in, "{\"b\":");
    for (int i = 0; i < 2000; i++) strcat(in, "[");
    CHECK_INT(scan(&f, in), VRV_EINVAL);
    CHECK_STR(f.err.msg, "byte 1004: nesting deeper than 1000 levels");
    free(in);
    fx_free(&f);
}

TEST(every_truncation_is_an_error)
{
    fx f;
    fx_init(&f, 0);
    root(&f, "s", 0);
    root(&f, "arr", 1);
    const char *full = "{\"s\":\"a\\u00e9\\ud83d\\ude00é\",\"n\":-12.5e+3,\"arr\":[true,false,null,"
                       "{\"k\":[]}],\"o\":{\"x\":\"y\"}}";
    CHECK_INT(scan(&f, full), 0);
    size_t n = strlen(full);
    for (size_t cut = 0; cut < n; cut++) {
        set_input(&f, full, cut);
        int rc = vrv_scan_event(f.plan, f.buf, f.len, &f.out, &f.arena, &f.err);
        CHECK_INT(rc, VRV_EINVAL);
    }
    fx_free(&f);
}

TEST(features)
{
    fx f;
    fx_init(&f, VRV_SCAN_ALLOW_COMMENTS | VRV_SCAN_ALLOW_YAML_COMMENTS |
                    VRV_SCAN_ALLOW_SINGLE_QUOTES | VRV_SCAN_ALLOW_UNQUOTED_FIELD_NAMES |
                    VRV_SCAN_ALLOW_UNQUOTED_CONTROL_CHARS | VRV_SCAN_ALLOW_BACKSLASH_ESCAPING_ANY |
                    VRV_SCAN_ALLOW_NUMERIC_LEADING_ZEROS | VRV_SCAN_ALLOW_NON_NUMERIC_NUMBERS |
                    VRV_SCAN_ALLOW_TRAILING_COMMA);
    for (uint32_t i = 0; i < 8; i++) {
        char k[2] = {(char)('a' + i), 0};
        root(&f, k, i);
    }
    CHECK_INT(scan(&f, "/* lead */ { // line\n"
                       " 'a' : 'it''s', # yaml\n"
                       " b: \"tab\there\\q\", \"c\": 007, \"d\": [NaN, -Infinity, +Infinity,],"
                       " 'e': 'say \"hi\" \\'x\\'', f_1: 1, \"g\": Infinity, }  // end"),
              VRV_EINVAL);
    /* 'it''s' is not a thing in JSON5 either: the message names the position */
    CHECK_STR(f.err.msg, "byte 32: unexpected character ''', expected ',' or '}'");
    CHECK_INT(scan(&f, "/* lead */ { // line\n"
                       " 'a' : 'its', # yaml\n"
                       " b: \"tab\there\\q\", \"c\": 007, \"d\": [NaN, -Infinity, +Infinity,],"
                       " 'e': 'say \"hi\" \\'x\\'', f_1: 1, \"g\": Infinity, }  // end"),
              0);
    CHECK_SLOT(&f, 0, "S:\"its\"");
    CHECK_SLOT(&f, 1, "S:\"tab\\thereq\"");
    CHECK_SLOT(&f, 2, "L:7");
    CHECK_SLOT(&f, 3, "A:[\"NaN\",\"-Infinity\",\"Infinity\"]");
    CHECK_SLOT(&f, 4, "S:\"say \\\"hi\\\" 'x'\"");
    CHECK_SLOT(&f, 5, "null");
    CHECK_SLOT(&f, 6, "D:\"Infinity\"");
    /* an unterminated block comment */
    CHECK_INT(scan(&f, "{\"a\":1 /* open"), VRV_EINVAL);
    CHECK_STR(f.err.msg, "byte 7: unterminated comment");
    fx_free(&f);
}

TEST(java_string_of_nested_values)
{
    vrv_arena a;
    vrv_arena_init(&a, 0);
    vrv_buf b = VRV_BUF_INIT;
    vrv_error err;
    const char *in = "{\"a\":{\"b\":[1,2.5,\"x y\",null,true]},\"e\":{},\"l\":[],\"d\":1,"
                     "\"d\":1e7,\"s\":\"\\u00e9\"}";
    CHECK_INT(vrv_json_java_string(0, in, strlen(in), &a, &b, &err), 0);
    CHECK_STR(b.data, "{a={b=[1, 2.5, x y, null, true]}, e={}, l=[], d=1.0E7, s=\xc3\xa9}");
    vrv_buf_reset(&b);
    CHECK_INT(vrv_json_java_string(0, "[{\"k\":-0.0}]", 12, &a, &b, &err), 0);
    CHECK_STR(b.data, "[{k=-0.0}]");
    vrv_buf_reset(&b);
    CHECK_INT(vrv_json_java_string(0, "{\"k\":", 5, &a, &b, &err), VRV_EINVAL);
    vrv_buf_free(&b);
    vrv_arena_destroy(&a);
}
