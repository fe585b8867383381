/*
 * test_filter.c — Druid filters: every filter type matched over the same six
 * rows (strings, longs, doubles, floats, multi-value, typed arrays, nulls,
 * empty strings, untyped ingestion values), with the exact three-valued result
 * per row; parse errors with their JSON paths; JSON serialisation; the column
 * list; and the string orderings of bound filters.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr/filter.h"
#include "expr/strcmp.h"
#include "test.h"

/* ---- the rows ---------------------------------------------------------------- */

#define S(x) {.type = VRV_V_STRING, .len = sizeof(x) - 1, .u.s = x}
#define L(x) {.type = VRV_V_LONG, .u.l = x}
#define D(x) {.type = VRV_V_DOUBLE, .u.d = x}
#define F(x) {.type = VRV_V_FLOAT, .u.f = x}
#define N {.type = VRV_V_NULL}
#define A(arr) {.type = VRV_V_ARRAY, .len = sizeof(arr) / sizeof(arr[0]), .u.a = arr}
#define A0 {.type = VRV_V_ARRAY, .len = 0, .u.a = NULL}

static const vrv_value mv0[] = {S("a"), S("b")};
static const vrv_value mv3[] = {S("c")};
static const vrv_value mv4[] = {S("a"), N};
static const vrv_value mv5[] = {S("b")};
static const vrv_value arr0[] = {L(1), L(2), L(3)};
static const vrv_value arr3[] = {L(2)};
static const vrv_value arr4[] = {N, L(5)};
static const vrv_value arr5[] = {L(1), L(2)};
static const vrv_value u4[] = {S("10"), S("20")};

enum { C_S, C_L, C_D, C_F, C_MV, C_ARR, C_T, C_U, NCOL };
static const char *colnames[NCOL] = {"s", "l", "d", "f", "mv", "arr", "t", "u"};
static const vrv_ctype coltypes[NCOL] = {VRV_C_STRING, VRV_C_LONG, VRV_C_DOUBLE, VRV_C_FLOAT,
                                         VRV_C_STRING, VRV_C_ARRAY_LONG, VRV_C_LONG, VRV_C_STRING};
static const bool coltyped[NCOL] = {true, true, true, true, true, true, false, false};

#define NROWS 6
static vrv_value rows[NROWS][NCOL] = {
    /*   s          l           d          f          mv      arr      t                              u  */
    {S("abc"), L(10), D(1.5), F(0.5f), A(mv0), A(arr0), L(1412121600000LL), S("10")},
    {S(""), L(-5), D(0.0), F(1.0f), A0, A0, L(1412640000000LL), L(10)},
    {N, N, N, N, N, N, N, D(10.0)},
    {S("10"), L(0), D(10.0), F(10.0f), A(mv3), A(arr3), S("1416009600000"), S("x")},
    {S("Abc"), L(1000000), D(NAN), F(-1.5f), A(mv4), A(arr4), L(1416096000000LL), A(u4)},
    {S("b"), L(10), D(10.5), F(10.5f), A(mv5), A(arr5), L(1416050000000LL), N},
};

static int resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)ctx;
    (void)err;
    out->slot = -1;
    for (int i = 0; i < NCOL; i++) {
        if (vrv_str_eq_c(name, colnames[i])) {
            out->slot = i;
            out->type = coltypes[i];
            out->typed = coltyped[i];
        }
    }
    return 0;
}

/* "TFU..." over the rows, or "ERROR:<message>". */
static char *run(const char *json)
{
    json_error_t je;
    json_t *j = json_loads(json, 0, &je);
    static char out[1100];
    if (!j) {
        snprintf(out, sizeof out, "BADJSON:%s", je.text);
        return out;
    }
    vrv_error err = {0};
    vrv_filter *f = NULL;
    vrv_filter_matcher *m = NULL;
    if (vrv_filter_parse(j, "filter", &f, &err) == 0 && vrv_filter_bind(f, resolve, NULL, &m, &err) == 0) {
        vrv_arena a;
        vrv_arena_init(&a, 0);
        for (int r = 0; r < NROWS; r++) {
            int t = vrv_filter_match(m, rows[r], &a, &err);
            out[r] = t == VRV_TRI_TRUE ? 'T' : t == VRV_TRI_FALSE ? 'F' : t == VRV_TRI_UNKNOWN ? 'U' : '!';
        }
        out[NROWS] = '\0';
        vrv_arena_destroy(&a);
    }
    if (err.code) snprintf(out, sizeof out, "ERROR:%s", err.msg);
    vrv_filter_matcher_free(m);
    vrv_filter_free(f);
    json_decref(j);
    return out;
}

typedef struct fcase {
    const char *json;
    const char *want;
} fcase;

static void check_cases(const fcase *cases, size_t n, const char *file, int line)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = run(cases[i].json);
        if (strcmp(got, cases[i].want) != 0)
            vrv_test_fail(file, line, "%s => \"%s\", expected \"%s\"", cases[i].json, got, cases[i].want);
    }
}

#define CHECK_CASES(arr) check_cases(arr, sizeof arr / sizeof arr[0], __FILE__, __LINE__)

/* ---- matching ------------------------------------------------------------------- */

TEST(logical)
{
    static const fcase cases[] = {
        {"{\"type\":\"true\"}", "TTTTTT"},
        {"{\"type\":\"false\"}", "FFFFFF"},
        {"{\"type\":\"and\",\"fields\":[{\"type\":\"selector\",\"dimension\":\"l\",\"value\":\"10\"},"
         "{\"type\":\"selector\",\"dimension\":\"s\",\"value\":null}]}",
         "FFUFFF"},
        {"{\"type\":\"or\",\"fields\":[{\"type\":\"selector\",\"dimension\":\"l\",\"value\":\"10\"},"
         "{\"type\":\"selector\",\"dimension\":\"s\"}]}",
         "TFTFFT"},
        {"{\"type\":\"not\",\"field\":{\"type\":\"selector\",\"dimension\":\"s\",\"value\":\"abc\"}}", "FTUTTT"},
        {"{\"type\":\"istrue\",\"field\":{\"type\":\"selector\",\"dimension\":\"s\",\"value\":\"abc\"}}", "TFFFFF"},
        {"{\"type\":\"isfalse\",\"field\":{\"type\":\"selector\",\"dimension\":\"s\",\"value\":\"abc\"}}", "FTFTTT"},
        {"{\"type\":\"not\",\"field\":{\"type\":\"not\",\"field\":{\"type\":\"selector\",\"dimension\":\"s\",\"value\":\"abc\"}}}",
         "TFUFFF"},
    };
    CHECK_CASES(cases);
}

TEST(selector)
{
    static const fcase cases[] = {
        {"{\"type\":\"selector\",\"dimension\":\"s\",\"value\":\"abc\"}", "TFUFFF"},
        {"{\"type\":\"selector\",\"dimension\":\"s\"}", "FFTFFF"},
        {"{\"type\":\"selector\",\"dimension\":\"s\",\"value\":\"\"}", "FTUFFF"},
        {"{\"type\":\"selector\",\"dimension\":\"l\",\"value\":\"10\"}", "TFUFFT"},
        {"{\"type\":\"selector\",\"dimension\":\"l\",\"value\":10}", "TFUFFT"},
        {"{\"type\":\"selector\",\"dimension\":\"l\",\"value\":\"10.7\"}", "TFUFFT"},
        {"{\"type\":\"selector\",\"dimension\":\"l\",\"value\":\"x\"}", "FFUFFF"},
        {"{\"type\":\"selector\",\"dimension\":\"d\",\"value\":\"1.5\"}", "TFUFFF"},
        {"{\"type\":\"selector\",\"dimension\":\"d\",\"value\":\"10\"}", "FFUTFF"},
        {"{\"type\":\"selector\",\"dimension\":\"f\",\"value\":\"10.5\"}", "FFUFFT"},
        {"{\"type\":\"selector\",\"dimension\":\"mv\",\"value\":\"a\"}", "TUUFTF"},
        {"{\"type\":\"not\",\"field\":{\"type\":\"selector\",\"dimension\":\"mv\",\"value\":\"a\"}}", "FUUTFT"},
        {"{\"type\":\"selector\",\"dimension\":\"mv\",\"value\":\"b\"}", "TUUFUT"},
        {"{\"type\":\"not\",\"field\":{\"type\":\"selector\",\"dimension\":\"mv\",\"value\":\"b\"}}", "FUUTUF"},
        {"{\"type\":\"selector\",\"dimension\":\"mv\"}", "FTTFTF"}, /* [a, null] holds a null */
        {"{\"type\":\"selector\",\"dimension\":\"u\",\"value\":\"10\"}", "TTTFTU"},
        {"{\"type\":\"selector\",\"dimension\":\"missing\",\"value\":\"x\"}", "UUUUUU"},
        {"{\"type\":\"selector\",\"dimension\":\"missing\",\"value\":null}", "TTTTTT"},
    };
    CHECK_CASES(cases);
}

TEST(in_filters)
{
    static const fcase cases[] = {
        {"{\"type\":\"in\",\"dimension\":\"s\",\"values\":[\"abc\",\"b\",null]}", "TFTFFT"},
        {"{\"type\":\"in\",\"dimension\":\"s\",\"values\":[]}", "FFUFFF"},
        {"{\"type\":\"in\",\"dimension\":\"l\",\"values\":[\"10\",\"0\"]}", "TFUTFT"},
        {"{\"type\":\"in\",\"dimension\":\"d\",\"values\":[\"1.5\",\"10\"]}", "TFUTFF"},
        {"{\"type\":\"not\",\"field\":{\"type\":\"in\",\"dimension\":\"s\",\"values\":[\"abc\"]}}", "FTUTTT"},
        {"{\"type\":\"in\",\"dimension\":\"mv\",\"values\":[\"c\",\"b\"]}", "TUUTUT"},
        {"{\"type\":\"inType\",\"column\":\"l\",\"matchValueType\":\"LONG\",\"values\":[10,0]}", "TFUTFT"},
        {"{\"type\":\"inType\",\"column\":\"l\",\"matchValueType\":\"LONG\",\"values\":[10,null]}", "TFTFFT"},
        {"{\"type\":\"inType\",\"column\":\"s\",\"matchValueType\":\"LONG\",\"values\":[10]}", "FFUTFF"},
        {"{\"type\":\"inType\",\"column\":\"d\",\"matchValueType\":\"DOUBLE\",\"values\":[10,1.5]}", "TFUTFF"},
        {"{\"type\":\"inType\",\"column\":\"s\",\"matchValueType\":\"STRING\",\"sortedValues\":[\"abc\",\"b\"]}", "TFUFFT"},
    };
    CHECK_CASES(cases);
}

TEST(equals_and_null)
{
    static const fcase cases[] = {
        {"{\"type\":\"equals\",\"column\":\"s\",\"matchValueType\":\"STRING\",\"matchValue\":\"abc\"}", "TFUFFF"},
        {"{\"type\":\"equals\",\"column\":\"l\",\"matchValueType\":\"LONG\",\"matchValue\":10}", "TFUFFT"},
        {"{\"type\":\"equals\",\"column\":\"l\",\"matchValueType\":\"DOUBLE\",\"matchValue\":10.0}", "TFUFFT"},
        {"{\"type\":\"equals\",\"column\":\"l\",\"matchValueType\":\"DOUBLE\",\"matchValue\":10.5}", "FFUFFF"},
        {"{\"type\":\"equals\",\"column\":\"l\",\"matchValueType\":\"STRING\",\"matchValue\":\"10\"}", "TFUFFT"},
        {"{\"type\":\"equals\",\"column\":\"l\",\"matchValueType\":\"STRING\",\"matchValue\":\"abc\"}", "FFUFFF"},
        {"{\"type\":\"equals\",\"column\":\"s\",\"matchValueType\":\"LONG\",\"matchValue\":10}", "FFUTFF"},
        {"{\"type\":\"equals\",\"column\":\"s\",\"matchValueType\":\"DOUBLE\",\"matchValue\":10}", "FFUFFF"},
        {"{\"type\":\"equals\",\"column\":\"d\",\"matchValueType\":\"DOUBLE\",\"matchValue\":1.5}", "TFUFFF"},
        {"{\"type\":\"equals\",\"column\":\"d\",\"matchValueType\":\"LONG\",\"matchValue\":10}", "FFUTFF"},
        {"{\"type\":\"equals\",\"column\":\"f\",\"matchValueType\":\"FLOAT\",\"matchValue\":0.5}", "TFUFFF"},
        {"{\"type\":\"equals\",\"column\":\"mv\",\"matchValueType\":\"STRING\",\"matchValue\":\"a\"}", "TUUFTF"},
        {"{\"type\":\"not\",\"field\":{\"type\":\"equals\",\"column\":\"s\",\"matchValueType\":\"STRING\",\"matchValue\":\"abc\"}}",
         "FTUTTT"},
        {"{\"type\":\"equals\",\"column\":\"arr\",\"matchValueType\":\"ARRAY<LONG>\",\"matchValue\":[1,2,3]}", "TFUFFF"},
        {"{\"type\":\"equals\",\"column\":\"arr\",\"matchValueType\":\"ARRAY<DOUBLE>\",\"matchValue\":[1.0,2.0]}", "FFUFFT"},
        {"{\"type\":\"equals\",\"column\":\"arr\",\"matchValueType\":\"ARRAY<DOUBLE>\",\"matchValue\":[1.5]}", "FFUFFF"},
        {"{\"type\":\"null\",\"column\":\"s\"}", "FFTFFF"},
        {"{\"type\":\"null\",\"column\":\"mv\"}", "FTTFFF"},
        {"{\"type\":\"null\",\"column\":\"arr\"}", "FFTFFF"},
        {"{\"type\":\"null\",\"column\":\"l\"}", "FFTFFF"},
        {"{\"type\":\"not\",\"field\":{\"type\":\"null\",\"column\":\"s\"}}", "TTFTTT"},
        {"{\"type\":\"arrayContainsElement\",\"column\":\"arr\",\"elementMatchValueType\":\"LONG\",\"elementMatchValue\":2}",
         "TFUTUT"},
        {"{\"type\":\"arrayContainsElement\",\"column\":\"mv\",\"elementMatchValueType\":\"STRING\",\"elementMatchValue\":\"a\"}",
         "TUUFTF"},
    };
    CHECK_CASES(cases);
}

TEST(bound_and_range)
{
    static const fcase cases[] = {
        {"{\"type\":\"bound\",\"dimension\":\"s\",\"lower\":\"a\",\"upper\":\"b\"}", "TFUFFT"},
        {"{\"type\":\"bound\",\"dimension\":\"s\",\"lower\":\"a\",\"upper\":\"b\",\"upperStrict\":true}", "TFUFFF"},
        {"{\"type\":\"bound\",\"dimension\":\"s\",\"upper\":\"b\"}", "TTTTTT"},
        {"{\"type\":\"bound\",\"dimension\":\"s\",\"upper\":\"b\",\"upperStrict\":true}", "TTTTTF"},
        {"{\"type\":\"bound\",\"dimension\":\"l\",\"lower\":\"0\",\"upper\":\"10\",\"ordering\":\"numeric\"}", "TFUTFT"},
        {"{\"type\":\"bound\",\"dimension\":\"l\",\"lower\":\"0\",\"lowerStrict\":true,\"upper\":\"10\",\"ordering\":{\"type\":\"numeric\"}}",
         "TFUFFT"},
        {"{\"type\":\"bound\",\"dimension\":\"l\",\"lower\":\"9.5\",\"ordering\":\"numeric\"}", "TFUFTT"},
        {"{\"type\":\"bound\",\"dimension\":\"l\",\"lower\":\"2\"}", "FFUFFF"},
        {"{\"type\":\"bound\",\"dimension\":\"s\",\"lower\":\"2\",\"upper\":\"20\",\"ordering\":\"numeric\"}", "FFUTFF"},
        {"{\"type\":\"bound\",\"dimension\":\"d\",\"lower\":\"1\",\"upper\":\"10\",\"ordering\":\"numeric\"}", "TFUTFF"},
        {"{\"type\":\"bound\",\"dimension\":\"l\",\"upper\":\"x\",\"ordering\":\"numeric\"}", "FFTFFF"},
        {"{\"type\":\"range\",\"column\":\"l\",\"matchValueType\":\"LONG\",\"lower\":0,\"upper\":10,\"upperOpen\":true}", "FFUTFF"},
        {"{\"type\":\"range\",\"column\":\"l\",\"matchValueType\":\"DOUBLE\",\"lower\":0.5}", "TFUFTT"},
        {"{\"type\":\"range\",\"column\":\"l\",\"matchValueType\":\"DOUBLE\",\"lower\":9.5,\"lowerOpen\":true}", "TFUFTT"},
        {"{\"type\":\"range\",\"column\":\"s\",\"matchValueType\":\"LONG\",\"lower\":5}", "FFUTFF"},
        {"{\"type\":\"range\",\"column\":\"s\",\"matchValueType\":\"STRING\",\"lower\":\"b\"}", "FFUFFT"},
        {"{\"type\":\"range\",\"column\":\"d\",\"matchValueType\":\"DOUBLE\",\"upper\":1.5,\"upperOpen\":true}", "FTUFFF"},
        {"{\"type\":\"range\",\"column\":\"arr\",\"matchValueType\":\"ARRAY<LONG>\",\"lower\":[2]}", "FFUTFF"},
        {"{\"type\":\"not\",\"field\":{\"type\":\"range\",\"column\":\"l\",\"matchValueType\":\"LONG\",\"lower\":5}}", "FTUTFF"},
    };
    CHECK_CASES(cases);
}

TEST(pattern_filters)
{
    static const fcase cases[] = {
        {"{\"type\":\"like\",\"dimension\":\"s\",\"pattern\":\"a%\"}", "TFUFFF"},
        {"{\"type\":\"like\",\"dimension\":\"s\",\"pattern\":\"a_c\"}", "TFUFFF"},
        {"{\"type\":\"like\",\"dimension\":\"s\",\"pattern\":\"%\"}", "TTUTTT"},
        {"{\"type\":\"like\",\"dimension\":\"l\",\"pattern\":\"1%\"}", "TFUFTT"},
        {"{\"type\":\"like\",\"dimension\":\"d\",\"pattern\":\"%.5\"}", "TFUFFT"},
        {"{\"type\":\"like\",\"dimension\":\"s\",\"pattern\":\"1!%\",\"escape\":\"!\"}", "FFUFFF"},
        {"{\"type\":\"regex\",\"dimension\":\"s\",\"pattern\":\"^[A-Z]\"}", "FFUFTF"},
        {"{\"type\":\"regex\",\"dimension\":\"l\",\"pattern\":\"^1\"}", "TFUFTT"},
        {"{\"type\":\"regex\",\"dimension\":\"mv\",\"pattern\":\"[bc]\"}", "TUUTUT"},
        {"{\"type\":\"search\",\"dimension\":\"s\",\"query\":{\"type\":\"contains\",\"value\":\"B\"}}", "TFUFTT"},
        {"{\"type\":\"search\",\"dimension\":\"s\",\"query\":{\"type\":\"contains\",\"value\":\"B\",\"caseSensitive\":true}}",
         "FFUFFF"},
        {"{\"type\":\"search\",\"dimension\":\"s\",\"query\":{\"type\":\"insensitive_contains\",\"value\":\"AB\"}}", "TFUFTF"},
        {"{\"type\":\"search\",\"dimension\":\"s\",\"query\":{\"type\":\"fragment\",\"values\":[\"a\",\"c\"]}}", "TFUFTF"},
        {"{\"type\":\"search\",\"dimension\":\"l\",\"query\":{\"type\":\"contains\",\"value\":\"00\"}}", "FFUFTF"},
    };
    CHECK_CASES(cases);
}

TEST(interval_expression_comparison)
{
    static const fcase cases[] = {
        {"{\"type\":\"interval\",\"dimension\":\"t\",\"intervals\":[\"2014-10-01/2014-10-07\",\"2014-11-15/2014-11-16\"]}",
         "TFUTFT"},
        {"{\"type\":\"interval\",\"dimension\":\"t\",\"intervals\":[\"2014-11-15T00:00:00.000Z/P1D\"]}", "FFUTFT"},
        {"{\"type\":\"expression\",\"expression\":\"l > 5\"}", "TFUFTT"},
        {"{\"type\":\"expression\",\"expression\":\"mv == 'a'\"}", "TFUFTF"},
        {"{\"type\":\"expression\",\"expression\":\"concat(s, 'x') == 'abcx' || d > 10\"}", "TFUFTT"},
        {"{\"type\":\"expression\",\"expression\":\"l / 0\"}", "ERROR:expression 'l / 0': division by zero"},
        {"{\"type\":\"columnComparison\",\"dimensions\":[\"l\",\"u\"]}", "TFFFFF"},
        {"{\"type\":\"columnComparison\",\"dimensions\":[\"s\",\"missing\"]}", "FFTFFF"},
        {"{\"type\":\"columnComparison\",\"dimensions\":[\"l\",{\"type\":\"default\",\"dimension\":\"d\",\"outputType\":\"LONG\"}]}",
         "FFTFFT"},
    };
    CHECK_CASES(cases);
}

/* ---- errors ------------------------------------------------------------------------ */

static void check_error(const char *json, const char *path, int code, const char *msg, int line)
{
    json_error_t je;
    json_t *j = json_loads(json, JSON_DECODE_ANY, &je);
    if (!j) {
        vrv_test_fail(__FILE__, line, "bad test JSON %s", json);
        return;
    }
    vrv_error err = {0};
    vrv_filter *f = NULL;
    int rc = vrv_filter_parse(j, path, &f, &err);
    if (rc != code) vrv_test_fail(__FILE__, line, "%s: code %d, expected %d (%s)", json, rc, code, err.msg);
    else if (strcmp(err.msg, msg) != 0) vrv_test_fail(__FILE__, line, "%s: \"%s\", expected \"%s\"", json, err.msg, msg);
    vrv_filter_free(f);
    json_decref(j);
}

TEST(parse_errors)
{
    check_error("{\"type\":\"selector\"}", "filter", VRV_EINVAL, "filter.dimension: required", __LINE__);
    check_error("{\"type\":\"and\",\"fields\":[{\"type\":\"selector\",\"dimension\":\"a\",\"value\":\"1\"},"
                "{\"type\":\"selector\",\"value\":\"x\"}]}",
                "spec.dataSchema.transformSpec.filter", VRV_EINVAL,
                "spec.dataSchema.transformSpec.filter.fields[1].dimension: required", __LINE__);
    check_error("{\"type\":\"javascript\",\"dimension\":\"a\",\"function\":\"f\"}", "filter", VRV_EUNSUPPORTED,
                "filter.type: 'javascript' filters are not supported", __LINE__);
    check_error("{\"type\":\"spatial\",\"dimension\":\"a\"}", "filter", VRV_EUNSUPPORTED,
                "filter.type: 'spatial' filters are not supported", __LINE__);
    check_error("{\"type\":\"selector\",\"dimension\":\"a\",\"value\":\"b\",\"extractionFn\":{\"type\":\"upper\"}}", "filter",
                VRV_EUNSUPPORTED, "filter.extractionFn: extraction functions are not supported", __LINE__);
    check_error("{\"type\":\"foo\"}", "filter", VRV_EINVAL, "filter.type: unknown filter type 'foo'", __LINE__);
    check_error("{\"dimension\":\"a\"}", "filter", VRV_EINVAL, "filter.type: required", __LINE__);
    check_error("[]", "filter", VRV_EINVAL, "filter: a filter must be a JSON object", __LINE__);
    check_error("{\"type\":\"bound\",\"dimension\":\"a\"}", "filter", VRV_EINVAL,
                "filter: lower and upper can not be null at the same time", __LINE__);
    check_error("{\"type\":\"bound\",\"dimension\":\"a\",\"lower\":\"1\",\"ordering\":\"bogus\"}", "filter", VRV_EINVAL,
                "filter.ordering: must be one of lexicographic, alphanumeric, numeric, strlen, version", __LINE__);
    check_error("{\"type\":\"equals\",\"column\":\"a\",\"matchValueType\":\"LONG\",\"matchValue\":\"abc\"}", "filter",
                VRV_EINVAL, "filter.matchValue: cannot be null after casting to the match value type", __LINE__);
    check_error("{\"type\":\"equals\",\"column\":\"a\",\"matchValueType\":\"LONG\"}", "filter", VRV_EINVAL,
                "filter.matchValue: required", __LINE__);
    check_error("{\"type\":\"equals\",\"column\":\"a\",\"matchValue\":1}", "filter", VRV_EINVAL,
                "filter.matchValueType: required", __LINE__);
    check_error("{\"type\":\"equals\",\"column\":\"a\",\"matchValueType\":\"BLOB\",\"matchValue\":1}", "filter", VRV_EINVAL,
                "filter.matchValueType: unknown or unsupported type 'BLOB'", __LINE__);
    check_error("{\"type\":\"range\",\"column\":\"a\",\"matchValueType\":\"LONG\",\"lower\":\"x\"}", "filter", VRV_EINVAL,
                "filter.lower: cannot be parsed as LONG", __LINE__);
    check_error("{\"type\":\"range\",\"column\":\"a\",\"matchValueType\":\"LONG\"}", "filter", VRV_EINVAL,
                "filter: lower and upper cannot be null at the same time", __LINE__);
    check_error("{\"type\":\"expression\",\"expression\":\"a +\"}", "filter", VRV_EINVAL,
                "filter.expression: expression 'a +': unexpected end at 3", __LINE__);
    check_error("{\"type\":\"in\",\"dimension\":\"a\"}", "filter", VRV_EINVAL, "filter.values: required", __LINE__);
    check_error("{\"type\":\"in\",\"dimension\":\"a\",\"values\":[\"x\",{}]}", "filter", VRV_EINVAL,
                "filter.values[1]: must be a string or null", __LINE__);
    check_error("{\"type\":\"not\"}", "filter", VRV_EINVAL, "filter.field: required", __LINE__);
    check_error("{\"type\":\"or\",\"fields\":[]}", "filter", VRV_EINVAL, "filter.fields: or needs at least one filter", __LINE__);
    check_error("{\"type\":\"columnComparison\",\"dimensions\":[\"a\"]}", "filter", VRV_EINVAL,
                "filter.dimensions: must list at least 2 dimensions", __LINE__);
    check_error("{\"type\":\"columnComparison\",\"dimensions\":[\"a\",{\"type\":\"extraction\",\"dimension\":\"b\"}]}", "filter",
                VRV_EUNSUPPORTED, "filter.dimensions[1].type: dimension specs of type 'extraction' are not supported", __LINE__);
    check_error("{\"type\":\"search\",\"dimension\":\"a\",\"query\":{\"type\":\"bogus\"}}", "filter", VRV_EINVAL,
                "filter.query.type: unknown search query type 'bogus' (contains, insensitive_contains, fragment)", __LINE__);
    check_error("{\"type\":\"like\",\"dimension\":\"a\",\"pattern\":\"x\",\"escape\":\"ab\"}", "filter", VRV_EINVAL,
                "filter.escape: must be a single character", __LINE__);
    check_error("{\"type\":\"inType\",\"column\":\"a\",\"matchValueType\":\"LONG\"}", "filter", VRV_EINVAL,
                "filter.values: exactly one of values and sortedValues is required", __LINE__);
    check_error("{\"type\":\"selector\",\"dimension\":{\"x\":1}}", "filter", VRV_EINVAL, "filter.dimension: must be a string",
                __LINE__);
}

TEST(bad_regex_and_interval)
{
    json_t *j = json_loads("{\"type\":\"regex\",\"dimension\":\"s\",\"pattern\":\"(\"}", 0, NULL);
    vrv_error err = {0};
    vrv_filter *f;
    CHECK_INT(vrv_filter_parse(j, "filter", &f, &err), 0);
    vrv_filter_matcher *m = NULL;
    CHECK_INT(vrv_filter_bind(f, resolve, NULL, &m, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "regex filter on 's': invalid regular expression '(': missing closing parenthesis") != NULL);
    vrv_filter_free(f);
    json_decref(j);

    j = json_loads("{\"type\":\"interval\",\"dimension\":\"__time\",\"intervals\":[\"2014-10-01/2014-10-07\",\"junk\"]}", 0, NULL);
    CHECK_INT(vrv_filter_parse(j, "filter", &f, &err), VRV_EINVAL);
    CHECK(strncmp(err.msg, "filter.intervals[1]: ", 21) == 0);
    json_decref(j);
}

/* ---- JSON and columns --------------------------------------------------------------- */

static void check_json(const char *in, const char *want, int line)
{
    json_t *j = json_loads(in, 0, NULL);
    vrv_error err = {0};
    vrv_filter *f;
    if (!j || vrv_filter_parse(j, "filter", &f, &err) != 0) {
        vrv_test_fail(__FILE__, line, "%s: %s", in, err.msg);
        json_decref(j);
        return;
    }
    json_t *o = vrv_filter_to_json(f);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    if (strcmp(s, want) != 0) vrv_test_fail(__FILE__, line, "%s => %s, expected %s", in, s, want);
    /* The serialised form parses back to the same serialised form. */
    vrv_filter *f2;
    if (vrv_filter_parse(o, "filter", &f2, &err) != 0) {
        vrv_test_fail(__FILE__, line, "re-parse of %s: %s", s, err.msg);
    } else {
        json_t *o2 = vrv_filter_to_json(f2);
        char *s2 = json_dumps(o2, JSON_COMPACT | JSON_SORT_KEYS);
        if (strcmp(s, s2) != 0) vrv_test_fail(__FILE__, line, "round trip %s != %s", s, s2);
        free(s2);
        json_decref(o2);
        vrv_filter_free(f2);
    }
    free(s);
    json_decref(o);
    vrv_filter_free(f);
    json_decref(j);
}

TEST(to_json)
{
    check_json("{\"type\":\"selector\",\"dimension\":\"d\",\"value\":10}",
               "{\"dimension\":\"d\",\"type\":\"selector\",\"value\":\"10\"}", __LINE__);
    check_json("{\"type\":\"selector\",\"dimension\":\"d\"}", "{\"dimension\":\"d\",\"type\":\"selector\",\"value\":null}", __LINE__);
    check_json("{\"type\":\"in\",\"dimension\":\"d\",\"values\":[\"b\",null,\"a\",\"b\"]}",
               "{\"dimension\":\"d\",\"type\":\"in\",\"values\":[null,\"a\",\"b\"]}", __LINE__);
    check_json("{\"type\":\"bound\",\"dimension\":\"x\",\"lower\":1,\"lowerStrict\":true,\"ordering\":\"numeric\"}",
               "{\"dimension\":\"x\",\"lower\":\"1\",\"lowerStrict\":true,\"ordering\":{\"type\":\"numeric\"},\"type\":\"bound\"}",
               __LINE__);
    check_json("{\"type\":\"equals\",\"column\":\"c\",\"matchValueType\":\"LONG\",\"matchValue\":\"5\"}",
               "{\"column\":\"c\",\"matchValue\":5,\"matchValueType\":\"LONG\",\"type\":\"equals\"}", __LINE__);
    check_json("{\"type\":\"inType\",\"column\":\"c\",\"matchValueType\":\"DOUBLE\",\"values\":[2,\"1\"]}",
               "{\"column\":\"c\",\"matchValueType\":\"DOUBLE\",\"sortedValues\":[1.0,2.0],\"type\":\"inType\"}", __LINE__);
    check_json("{\"type\":\"range\",\"column\":\"c\",\"matchValueType\":\"LONG\",\"lower\":1,\"upper\":5,\"upperOpen\":true}",
               "{\"column\":\"c\",\"lower\":1,\"matchValueType\":\"LONG\",\"type\":\"range\",\"upper\":5,\"upperOpen\":true}", __LINE__);
    check_json("{\"type\":\"interval\",\"dimension\":\"__time\",\"intervals\":[\"2014-10-01/2014-10-07\"]}",
               "{\"dimension\":\"__time\",\"intervals\":[\"2014-10-01T00:00:00.000Z/2014-10-07T00:00:00.000Z\"],\"type\":\"interval\"}",
               __LINE__);
    check_json("{\"type\":\"not\",\"field\":{\"type\":\"null\",\"column\":\"x\"}}",
               "{\"field\":{\"column\":\"x\",\"type\":\"null\"},\"type\":\"not\"}", __LINE__);
    check_json("{\"type\":\"columnComparison\",\"dimensions\":[\"a\",\"b\"]}",
               "{\"dimensions\":[{\"dimension\":\"a\",\"outputName\":\"a\",\"outputType\":\"STRING\",\"type\":\"default\"},"
               "{\"dimension\":\"b\",\"outputName\":\"b\",\"outputType\":\"STRING\",\"type\":\"default\"}],"
               "\"type\":\"columnComparison\"}",
               __LINE__);
    check_json("{\"type\":\"search\",\"dimension\":\"d\",\"query\":{\"type\":\"insensitive_contains\",\"value\":\"x\"}}",
               "{\"dimension\":\"d\",\"query\":{\"type\":\"insensitive_contains\",\"value\":\"x\"},\"type\":\"search\"}", __LINE__);
    check_json("{\"type\":\"like\",\"dimension\":\"d\",\"pattern\":\"a%\"}",
               "{\"dimension\":\"d\",\"pattern\":\"a%\",\"type\":\"like\"}", __LINE__);
    check_json("{\"type\":\"expression\",\"expression\":\"a + 1 > 2\"}",
               "{\"expression\":\"a + 1 > 2\",\"type\":\"expression\"}", __LINE__);
    check_json("{\"type\":\"arrayContainsElement\",\"column\":\"c\",\"elementMatchValueType\":\"STRING\",\"elementMatchValue\":1}",
               "{\"column\":\"c\",\"elementMatchValue\":\"1\",\"elementMatchValueType\":\"STRING\",\"type\":\"arrayContainsElement\"}",
               __LINE__);
}

TEST(columns)
{
    json_t *j = json_loads("{\"type\":\"and\",\"fields\":[{\"type\":\"selector\",\"dimension\":\"a\",\"value\":\"1\"},"
                           "{\"type\":\"expression\",\"expression\":\"b + c + a\"},"
                           "{\"type\":\"columnComparison\",\"dimensions\":[\"a\",\"d\"]},{\"type\":\"true\"}]}",
                           0, NULL);
    vrv_error err = {0};
    vrv_filter *f;
    CHECK_INT(vrv_filter_parse(j, "filter", &f, &err), 0);
    CHECK_INT(vrv_filter_ncolumns(f), 4);
    CHECK_STR(vrv_filter_column(f, 0), "a");
    CHECK_STR(vrv_filter_column(f, 1), "b");
    CHECK_STR(vrv_filter_column(f, 2), "c");
    CHECK_STR(vrv_filter_column(f, 3), "d");
    size_t nc;
    const char *const *cols = vrv_filter_columns(f, &nc);
    CHECK_INT(nc, 4);
    CHECK_STR(cols[2], "c");
    CHECK_INT(f->type, VRV_F_AND);
    CHECK_INT(f->u.logic.n, 4);
    CHECK_STR(f->u.logic.fields[0]->column, "a");
    vrv_filter_free(f);
    json_decref(j);
}

/* ---- string orderings ------------------------------------------------------------------ */

static int sgn(int x)
{
    return x < 0 ? -1 : x > 0;
}

TEST(string_orderings)
{
    static const struct {
        vrv_order o;
        const char *a, *b;
        int want;
    } cases[] = {
        {VRV_ORDER_LEXICOGRAPHIC, "a", "b", -1},
        {VRV_ORDER_LEXICOGRAPHIC, "", "a", -1},
        {VRV_ORDER_LEXICOGRAPHIC, "B", "a", -1},
        /* UTF-16 order: a supplementary character sorts below U+FFFF. */
        {VRV_ORDER_LEXICOGRAPHIC, "\xf0\x9f\x98\x80", "\xef\xbf\xbf", -1},
        {VRV_ORDER_ALPHANUMERIC, "a2", "a10", -1},
        {VRV_ORDER_ALPHANUMERIC, "a10", "a9", 1},
        {VRV_ORDER_ALPHANUMERIC, "1.10", "1.9", 1},
        {VRV_ORDER_ALPHANUMERIC, "abc", "ABD", -1},
        {VRV_ORDER_ALPHANUMERIC, "a01", "a1", 1},
        {VRV_ORDER_ALPHANUMERIC, "", "a", -1},
        {VRV_ORDER_ALPHANUMERIC, "x", "9", 1},
        {VRV_ORDER_NUMERIC, "10", "9", 1},
        {VRV_ORDER_NUMERIC, "1e2", "100", 0},
        {VRV_ORDER_NUMERIC, "1.50", "1.5", 0},
        {VRV_ORDER_NUMERIC, "-1", "0.5", -1},
        {VRV_ORDER_NUMERIC, "-10", "-9", -1},
        {VRV_ORDER_NUMERIC, "abc", "1", -1},
        {VRV_ORDER_NUMERIC, "abc", "abd", -1},
        {VRV_ORDER_NUMERIC, "9223372036854775808", "9223372036854775807", 1},
        {VRV_ORDER_NUMERIC, "0.001", "1e-3", 0},
        {VRV_ORDER_NUMERIC, "-0", "0", 0},
        {VRV_ORDER_STRLEN, "bb", "a", 1},
        {VRV_ORDER_STRLEN, "ab", "b", 1},
        {VRV_ORDER_STRLEN, "ab", "ac", -1},
        {VRV_ORDER_STRLEN, "\xf0\x9f\x98\x80", "ab", 1},
        {VRV_ORDER_VERSION, "1.10", "1.9", 1},
        {VRV_ORDER_VERSION, "1.0", "1", 0},
        {VRV_ORDER_VERSION, "1.0.0.0", "1", 0},
        {VRV_ORDER_VERSION, "1.0-alpha", "1.0", -1},
        {VRV_ORDER_VERSION, "1.0-SNAPSHOT", "1.0", -1},
        {VRV_ORDER_VERSION, "1.0-rc1", "1.0", -1},
        {VRV_ORDER_VERSION, "1.0-alpha1", "1.0-beta1", -1},
        {VRV_ORDER_VERSION, "1.0-sp", "1.0", 1},
        {VRV_ORDER_VERSION, "1.0-ga", "1.0", 0},
        {VRV_ORDER_VERSION, "2.0", "10.0", -1},
        {VRV_ORDER_VERSION, "1.0-foo", "1.0-sp", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = sgn(vrv_strcmp(cases[i].o, vrv_str_c(cases[i].a), vrv_str_c(cases[i].b)));
        int back = sgn(vrv_strcmp(cases[i].o, vrv_str_c(cases[i].b), vrv_str_c(cases[i].a)));
        if (got != cases[i].want || back != -cases[i].want)
            vrv_test_fail(__FILE__, __LINE__, "%s(%s, %s) = %d / %d, expected %d", vrv_order_name(cases[i].o), cases[i].a,
                          cases[i].b, got, back, cases[i].want);
    }
    vrv_order o;
    CHECK(vrv_order_parse(vrv_str_c("Numeric"), &o) && o == VRV_ORDER_NUMERIC);
    CHECK(!vrv_order_parse(vrv_str_c("bogus"), &o));
    vrv_str a = vrv_str_c("a");
    CHECK_INT(vrv_strcmp_nullable(VRV_ORDER_LEXICOGRAPHIC, NULL, &a), -1);
    CHECK_INT(vrv_strcmp_nullable(VRV_ORDER_LEXICOGRAPHIC, NULL, NULL), 0);
}
