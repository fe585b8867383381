/*
 * test_json_path.c — JsonPath and jq expressions of a flattenSpec, evaluated
 * on a document shaped like Druid's flattenSpec documentation example.
 */
#include <stdlib.h>

#include "json/jpath.h"
#include "json/jwriter.h"
#include "json/scan.h"
#include "test.h"

static const char *DOC =
    "{\"timestamp\":\"2015-09-12T12:10:53.155Z\",\"dim1\":\"qwerty\",\"metrica\":9999,"
    "\"foo\":{\"bar\":\"abc\"},\"foo.bar\":\"def\",\"hello\":[1.0,2.0,3.0,4.0,5.0],"
    "\"mixarray\":[1.0,2.0,{\"last\":5}],\"world\":[{\"hey\":\"there\"},{\"tree\":\"apple\"}],"
    "\"thing\":{\"food\":[\"sandwich\",\"pizza\"]},\"nums\":[3,1,2],\"neg\":[-5,-2],"
    "\"strs\":[\"a\",\"b\",1,\"c\"],\"empty\":[],\"deep\":{\"hey\":\"again\",\"x\":[{\"hey\":1}]},"
    "\"t\":true,\"dup\":1,\"dup\":2}";

static vrv_arena arena;
static vrv_buf out;
static vrv_error err;

static const char *show(const vrv_value *v)
{
    vrv_buf_reset(&out);
    switch (v->type) {
    case VRV_V_NULL: vrv_buf_puts(&out, "null"); return out.data;
    case VRV_V_LONG: vrv_buf_puts(&out, (v->flags & VRV_VF_BOOL) ? "B:" : "L:"); break;
    case VRV_V_DOUBLE: vrv_buf_puts(&out, "D:"); break;
    case VRV_V_STRING: vrv_buf_puts(&out, "S:"); break;
    case VRV_V_ARRAY: vrv_buf_puts(&out, "A:"); break;
    case VRV_V_JSON: vrv_buf_puts(&out, "J:"); break;
    default: break;
    }
    vrv_jw w;
    vrv_jw_init(&w, &out, 0);
    vrv_jw_value(&w, v);
    return out.data;
}

static const char *eval(bool jq, const char *expr)
{
    vrv_jnode *root = NULL;
    if (vrv_scan_dom(0, DOC, strlen(DOC), &arena, &root, &err) != 0) return "(bad doc)";
    vrv_jpath *p = NULL;
    vrv_error_clear(&err);
    if ((jq ? vrv_jq_compile : vrv_jpath_compile)(expr, &p, &err) != 0) return err.msg;
    vrv_value v;
    int rc = vrv_jpath_eval(p, root, &arena, &v, &err);
    vrv_jpath_free(p);
    if (rc) return err.msg;
    return show(&v);
}

#define CHECK_PATH(expr, expect) CHECK_STR(eval(false, expr), expect)
#define CHECK_JQ(expr, expect)   CHECK_STR(eval(true, expr), expect)

TEST(jsonpath_definite)
{
    vrv_arena_init(&arena, 0);
    CHECK_PATH("$.foo.bar", "S:\"abc\"");
    CHECK_PATH("$['foo.bar']", "S:\"def\"");
    CHECK_PATH("$[\"foo\"]['bar']", "S:\"abc\"");
    CHECK_PATH("foo.bar", "S:\"abc\"");
    CHECK_PATH("$.hello[0]", "D:1.0");
    CHECK_PATH("$.hello[-1]", "D:5.0");
    CHECK_PATH("$.hello[9]", "null");
    CHECK_PATH("$.hello", "A:[1.0,2.0,3.0,4.0,5.0]");
    CHECK_PATH("$.world[0].hey", "S:\"there\"");
    CHECK_PATH("$.world[1].hey", "null");
    CHECK_PATH("$.missing", "null");
    CHECK_PATH("$.foo.bar.baz", "null");
    CHECK_PATH("$.foo[0]", "null");
    CHECK_PATH("$.mixarray", "J:[1.0,2.0,{\"last\":5}]");
    CHECK_PATH("$.foo", "J:{\"bar\":\"abc\"}");
    CHECK_PATH("$.t", "B:true");
    CHECK_PATH("$.metrica", "L:9999");
    CHECK_PATH("$.dup", "L:2");
    CHECK_PATH("$", "J:" "{\"timestamp\":\"2015-09-12T12:10:53.155Z\",\"dim1\":\"qwerty\",\"metrica\":9999,"
                "\"foo\":{\"bar\":\"abc\"},\"foo.bar\":\"def\",\"hello\":[1.0,2.0,3.0,4.0,5.0],"
                "\"mixarray\":[1.0,2.0,{\"last\":5}],\"world\":[{\"hey\":\"there\"},{\"tree\":\"apple\"}],"
                "\"thing\":{\"food\":[\"sandwich\",\"pizza\"]},\"nums\":[3,1,2],\"neg\":[-5,-2],"
                "\"strs\":[\"a\",\"b\",1,\"c\"],\"empty\":[],\"deep\":{\"hey\":\"again\",\"x\":[{\"hey\":1}]},"
                "\"t\":true,\"dup\":1,\"dup\":2}");
    vrv_arena_destroy(&arena);
    vrv_buf_free(&out);
}

TEST(jsonpath_indefinite)
{
    vrv_arena_init(&arena, 0);
    CHECK_PATH("$.world[*].hey", "A:[\"there\"]");
    CHECK_PATH("$.world[*]", "J:[{\"hey\":\"there\"},{\"tree\":\"apple\"}]");
    CHECK_PATH("$..hey", "A:[\"there\",\"again\",1]");
    CHECK_PATH("$..food[1]", "A:[\"pizza\"]");
    CHECK_PATH("$.hello[1:3]", "A:[2.0,3.0]");
    CHECK_PATH("$.hello[-2:]", "A:[4.0,5.0]");
    CHECK_PATH("$.hello[:2]", "A:[1.0,2.0]");
    CHECK_PATH("$.hello[0,2,7]", "A:[1.0,3.0]");
    CHECK_PATH("$.missing[*].x", "A:[]");
    CHECK_PATH("$.thing.*", "J:[[\"sandwich\",\"pizza\"]]");
    CHECK_PATH("$.foo.*", "A:[\"abc\"]");
    CHECK_PATH("$.nums[*]", "A:[3,1,2]");
    vrv_arena_destroy(&arena);
    vrv_buf_free(&out);
}

TEST(jsonpath_functions)
{
    vrv_arena_init(&arena, 0);
    CHECK_PATH("$.hello.length()", "L:5");
    CHECK_PATH("$.foo.length()", "L:1");
    CHECK_PATH("$.dim1.length()", "null");
    CHECK_PATH("$.hello.min()", "D:1.0");
    CHECK_PATH("$.hello.max()", "D:5.0");
    CHECK_PATH("$.hello.avg()", "D:3.0");
    CHECK_PATH("$.hello.sum()", "D:15.0");
    CHECK_PATH("$.hello.stddev()", "D:1.4142135623730951");
    CHECK_PATH("$.nums.sum()", "D:6.0");
    CHECK_PATH("$.neg.max()", "D:-2.0");
    CHECK_PATH("$.strs.sum()", "D:1.0");
    CHECK_PATH("$.empty.sum()", "null");
    CHECK_PATH("$.missing.avg()", "null");
    CHECK_PATH("$.nums.sum(10, 0.5)", "D:16.5");
    CHECK_PATH("$.strs.concat()", "S:\"abc\"");
    CHECK_PATH("$.strs.concat(\"-x\", 1)", "S:\"abc-x1\"");
    CHECK_PATH("$.nums.append(4, 'five', 6.5)", "A:[3,1,2,4,\"five\",6.5]");
    CHECK_PATH("$.world[*].hey.length()", "L:1");
    CHECK_PATH("$..hey.length()", "L:3");
    vrv_arena_destroy(&arena);
    vrv_buf_free(&out);
}

TEST(jsonpath_compile_errors_and_shapes)
{
    vrv_arena_init(&arena, 0);
    CHECK_PATH("$.a[?(@.b > 1)]",
               "invalid JsonPath '$.a[?(@.b > 1)]' at position 4: filter expressions are not supported");
    CHECK_PATH("$.a.", "invalid JsonPath '$.a.' at position 4: a path must not end with '.' or '..'");
    CHECK_PATH("$..", "invalid JsonPath '$..' at position 3: a path must not end with '.' or '..'");
    CHECK_PATH("$.a.bogus()", "invalid JsonPath '$.a.bogus()' at position 4: unknown function 'bogus'");
    CHECK_PATH("$.a.sum().b",
               "invalid JsonPath '$.a.sum().b' at position 9: a function must end the path");
    CHECK_PATH("$[", "invalid JsonPath '$[' at position 2: expected an array index, a quoted name, "
                     "'*' or a slice");
    CHECK_PATH("$['a','b']",
               "invalid JsonPath '$['a','b']' at position 5: several properties in one bracket are "
               "not supported");
    CHECK_PATH("", "invalid JsonPath '' at position 0: empty path");

    vrv_jpath *p;
    const vrv_scan_step *st;
    size_t n, kl;
    CHECK_INT(vrv_jpath_compile("$.foo['b c'][2].x", &p, &err), 0);
    CHECK(vrv_jpath_steps(p, &st, &n));
    CHECK_INT(n, 4);
    CHECK_STRN(st[1].key, st[1].len, "b c");
    CHECK(st[2].key == NULL);
    CHECK_INT(st[2].index, 2);
    CHECK_STRN(vrv_jpath_root_key(p, &kl), kl, "foo");
    vrv_jpath_free(p);
    const char *complex[] = {"$.a[-1]", "$.a.length()", "$..x", "$.a[*]", "$", "$.a[0:1]"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(complex); i++) {
        CHECK_INT(vrv_jpath_compile(complex[i], &p, &err), 0);
        CHECK(!vrv_jpath_steps(p, &st, &n));
        vrv_jpath_free(p);
    }
    CHECK_INT(vrv_jpath_compile("$..x", &p, &err), 0);
    CHECK(vrv_jpath_root_key(p, &kl) == NULL);
    vrv_jpath_free(p);
    CHECK_INT(vrv_jq_compile(".a.b", &p, &err), 0);
    CHECK(!vrv_jpath_steps(p, &st, &n)); /* jq's type errors need the tree */
    CHECK_STRN(vrv_jpath_root_key(p, &kl), kl, "a");
    vrv_jpath_free(p);
    vrv_arena_destroy(&arena);
    vrv_buf_free(&out);
}

TEST(jq)
{
    vrv_arena_init(&arena, 0);
    CHECK_JQ(".thing.food[1]", "S:\"pizza\"");
    CHECK_JQ(".foo.bar", "S:\"abc\"");
    CHECK_JQ(".\"foo.bar\"", "S:\"def\"");
    CHECK_JQ(".[\"foo.bar\"]", "S:\"def\"");
    CHECK_JQ(".hello | length", "L:5");
    CHECK_JQ(".dim1 | length", "L:6");
    CHECK_JQ(".foo | length", "L:1");
    CHECK_JQ(".missing | length", "L:0");
    CHECK_JQ(".neg[0] | length", "L:5");
    CHECK_JQ(".deep | keys", "A:[\"hey\",\"x\"]");
    CHECK_JQ(".nums | keys", "A:[0,1,2]");
    CHECK_JQ(".world[].hey", "S:\"there\""); /* the first output */
    CHECK_JQ(".world[].tree", "null");
    CHECK_JQ(".world[1].tree", "S:\"apple\"");
    CHECK_JQ(".hello[-1]", "D:5.0");
    CHECK_JQ(".hello | first", "D:1.0");
    CHECK_JQ(".hello | last", "D:5.0");
    CHECK_JQ(".missing", "null");
    CHECK_JQ(".missing.x[3]", "null");
    CHECK_JQ(".foo | .bar", "S:\"abc\"");
    CHECK_JQ(".thing", "J:{\"food\":[\"sandwich\",\"pizza\"]}");
    CHECK_JQ(".dim1.x", "jq '.dim1.x': Cannot index string with \"x\"");
    CHECK_JQ(".hello.x?", "jq '.hello.x?': the expression produced no value");
    CHECK_JQ(".metrica[0]", "jq '.metrica[0]': Cannot index number with number");
    CHECK_JQ(".empty[]", "jq '.empty[]': the expression produced no value");
    CHECK_JQ(".t | length", "jq '.t | length': boolean (true) has no length");
    CHECK_JQ(".metrica | keys", "jq '.metrica | keys': number has no keys");
    CHECK_JQ(".a | foo", "invalid jq expression '.a | foo' at position 5: unsupported jq function 'foo'");
    CHECK_JQ("a", "invalid jq expression 'a' at position 0: unsupported jq function 'a'");
    CHECK_JQ(".a +", "invalid jq expression '.a +' at position 3: expected '|' or the end");
    vrv_arena_destroy(&arena);
    vrv_buf_free(&out);
}
