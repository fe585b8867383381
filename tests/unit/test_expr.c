/*
 * test_expr.c — the expression language: parsing (precedence, literals, error
 * positions), typing and null rules of operators, every function family, auto-
 * mapping of multi-value inputs, lambdas, binding and type inference. Each case
 * is an expression over one fixed row and the exact value and type Druid gives.
 */
#include <stdlib.h>
#include <string.h>

#include "base/numfmt.h"
#include "expr/expr.h"
#include "test.h"

/* ---- the fixed row ---------------------------------------------------------- */

static const vrv_value tags_el[] = {{.type = VRV_V_STRING, .len = 1, .u.s = "a"},
                                    {.type = VRV_V_STRING, .len = 1, .u.s = "b"}};
static const vrv_value nums_el[] = {{.type = VRV_V_LONG, .u.l = 1}, {.type = VRV_V_LONG, .u.l = 2}, {.type = VRV_V_LONG, .u.l = 3}};
static const vrv_value other_el[] = {{.type = VRV_V_STRING, .len = 1, .u.s = "x"},
                                     {.type = VRV_V_STRING, .len = 1, .u.s = "y"},
                                     {.type = VRV_V_STRING, .len = 1, .u.s = "z"}};

typedef struct column {
    const char *name;
    vrv_value v;
    vrv_ctype type;
    bool typed;
} column;

static column row[] = {
    {"x", {.type = VRV_V_LONG, .u.l = 5}, VRV_C_LONG, true},
    {"y", {.type = VRV_V_DOUBLE, .u.d = 2.5}, VRV_C_DOUBLE, true},
    {"s", {.type = VRV_V_STRING, .len = 5, .u.s = "hello"}, VRV_C_STRING, true},
    {"e", {.type = VRV_V_STRING, .len = 0, .u.s = ""}, VRV_C_STRING, true},
    {"n", {.type = VRV_V_NULL}, VRV_C_STRING, true},
    {"t", {.type = VRV_V_STRING, .len = 1, .u.s = "3"}, VRV_C_STRING, true},
    {"page", {.type = VRV_V_STRING, .len = 9, .u.s = "Main_Page"}, VRV_C_STRING, true},
    {"country", {.type = VRV_V_STRING, .len = 2, .u.s = "US"}, VRV_C_STRING, true},
    {"added", {.type = VRV_V_LONG, .u.l = 10}, VRV_C_LONG, true},
    {"deleted", {.type = VRV_V_LONG, .u.l = 3}, VRV_C_LONG, true},
    {"tags", {.type = VRV_V_ARRAY, .len = 2, .u.a = tags_el}, VRV_C_STRING, false},
    {"other", {.type = VRV_V_ARRAY, .len = 3, .u.a = other_el}, VRV_C_STRING, false},
    {"f", {.type = VRV_V_FLOAT, .u.f = 0.5f}, VRV_C_FLOAT, true},
    {"nums", {.type = VRV_V_ARRAY, .len = 3, .u.a = nums_el}, VRV_C_ARRAY_LONG, true},
    {"big", {.type = VRV_V_LONG, .u.l = INT64_MAX}, VRV_C_LONG, true},
    {"neg", {.type = VRV_V_LONG, .u.l = -7}, VRV_C_LONG, true},
    {"ts", {.type = VRV_V_LONG, .u.l = 1614830767123LL}, VRV_C_LONG, true}, /* 2021-03-04T04:06:07.123Z */
    {"my-col", {.type = VRV_V_STRING, .len = 6, .u.s = "dashed"}, VRV_C_STRING, true},
    {"ip", {.type = VRV_V_STRING, .len = 11, .u.s = "192.168.0.1"}, VRV_C_STRING, true},
};

static int resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)ctx;
    (void)err;
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++) {
        if (vrv_str_eq_c(name, row[i].name)) {
            /* Spread slots out so slot numbers differ from input order. */
            out->slot = (int32_t)(i * 2 + 1);
            out->type = row[i].type;
            out->typed = row[i].typed;
            return 0;
        }
    }
    out->slot = -1; /* a missing column reads as null */
    return 0;
}

static vrv_value slots[2 * sizeof row / sizeof row[0] + 2];

static void init_slots(void)
{
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++) slots[i * 2 + 1] = row[i].v;
}

/* ---- rendering ------------------------------------------------------------- */

static void render_value(const vrv_value *v, vrv_buf *b);

static void render_scalar(const vrv_value *v, vrv_buf *b)
{
    char tmp[VRV_NUMFMT_MAX];
    switch (v->type) {
    case VRV_V_NULL: vrv_buf_puts(b, "null"); break;
    case VRV_V_LONG: vrv_buf_append(b, tmp, vrv_fmt_long(v->u.l, tmp)); break;
    case VRV_V_DOUBLE: vrv_buf_append(b, tmp, vrv_fmt_double(v->u.d, tmp)); break;
    case VRV_V_FLOAT: vrv_buf_append(b, tmp, vrv_fmt_float(v->u.f, tmp)); break;
    case VRV_V_STRING:
    case VRV_V_JSON: vrv_buf_append(b, v->u.s, v->len); break;
    case VRV_V_ARRAY:
        vrv_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) vrv_buf_puts(b, ", ");
            render_scalar(&v->u.a[i], b);
        }
        vrv_buf_putc(b, ']');
        break;
    default: vrv_buf_puts(b, "?"); break;
    }
}

/* TYPE:value, e.g. "LONG:2", "STRING:ab", "NULL", "ARRAY<STRING>:[a, b]". */
static void render_value(const vrv_value *v, vrv_buf *b)
{
    switch (v->type) {
    case VRV_V_NULL: vrv_buf_puts(b, "NULL"); return;
    case VRV_V_LONG: vrv_buf_puts(b, "LONG:"); break;
    case VRV_V_DOUBLE: vrv_buf_puts(b, "DOUBLE:"); break;
    case VRV_V_FLOAT: vrv_buf_puts(b, "FLOAT:"); break;
    case VRV_V_STRING: vrv_buf_puts(b, "STRING:"); break;
    case VRV_V_JSON: vrv_buf_puts(b, "JSON:"); break;
    case VRV_V_ARRAY:
        vrv_buf_puts(b, v->flags == VRV_V_LONG     ? "ARRAY<LONG>:"
                        : v->flags == VRV_V_DOUBLE ? "ARRAY<DOUBLE>:"
                        : v->flags == VRV_V_STRING ? "ARRAY<STRING>:"
                                                   : "ARRAY:");
        vrv_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) vrv_buf_puts(b, ", ");
            render_scalar(&v->u.a[i], b);
        }
        vrv_buf_putc(b, ']');
        return;
    default: break;
    }
    render_scalar(v, b);
}

/* Evaluates text over the row; "ERROR:<message>" when parse, bind or eval fails. */
static char *run(const char *text)
{
    vrv_error err = {0};
    vrv_expr *e = NULL;
    vrv_expr_prog *p = NULL;
    vrv_buf b = VRV_BUF_INIT;
    vrv_arena a;
    vrv_arena_init(&a, 0);
    init_slots();
    if (vrv_expr_parse(text, strlen(text), &e, &err) == 0 && vrv_expr_bind(e, resolve, NULL, &p, &err) == 0) {
        vrv_value v;
        if (vrv_expr_eval(p, slots, &a, &v, &err) == 0) render_value(&v, &b);
    }
    if (err.code) vrv_buf_printf(&b, "ERROR:%s", err.msg);
    vrv_expr_prog_free(p);
    vrv_expr_free(e);
    vrv_arena_destroy(&a);
    return vrv_buf_detach(&b);
}

typedef struct ecase {
    const char *expr;
    const char *want; /* exact, or a prefix ending in '*' */
} ecase;

/* Matches with '*' as "any text" (nothing else is special). */
static bool glob(const char *pat, const char *s)
{
    if (!*pat) return !*s;
    if (*pat == '*') {
        for (const char *t = s;; t++) {
            if (glob(pat + 1, t)) return true;
            if (!*t) return false;
        }
    }
    return *s == *pat && glob(pat + 1, s + 1);
}

static void check_cases(const ecase *cases, size_t n, const char *file, int line)
{
    for (size_t i = 0; i < n; i++) {
        char *got = run(cases[i].expr);
        const char *want = cases[i].want;
        bool ok = glob(want, got);
        if (!ok) vrv_test_fail(file, line, "%s => \"%s\", expected \"%s\"", cases[i].expr, got, want);
        free(got);
    }
}

#define CHECK_CASES(arr) check_cases(arr, sizeof arr / sizeof arr[0], __FILE__, __LINE__)

/* ---- literals and operators ---------------------------------------------------- */

TEST(literals)
{
    static const ecase cases[] = {
        {"10", "LONG:10"},
        {"10.", "DOUBLE:10.0"},
        {"1.5", "DOUBLE:1.5"},
        {"1e3", "DOUBLE:1000.0"},
        {"1.5e-3", "DOUBLE:0.0015"},
        {"'abc'", "STRING:abc"},
        {"''", "STRING:"},
        {"null", "NULL"},
        {"'it\\'s'", "STRING:it's"},
        {"'a\\nb'", "STRING:a\nb"},
        {"'\\u00e9'", "STRING:\xc3\xa9"},
        {"'\\ud83d\\ude00'", "STRING:\xf0\x9f\x98\x80"},
        {"NaN", "DOUBLE:NaN"},
        {"-Infinity", "DOUBLE:-Infinity"},
        {"-9223372036854775808", "LONG:-9223372036854775808"},
        {"9223372036854775807", "LONG:9223372036854775807"},
        {"[1,2,3]", "ARRAY<LONG>:[1, 2, 3]"},
        {"[1.5, 2]", "ARRAY<DOUBLE>:[1.5, 2.0]"},
        {"['a', null, 'b']", "ARRAY<STRING>:[a, null, b]"},
        {"[]", "ARRAY<STRING>:[]"},
        {"<LONG>[]", "ARRAY<LONG>:[]"},
        {"<DOUBLE>[1, 2]", "ARRAY<DOUBLE>:[1.0, 2.0]"},
        {"<STRING>[1, 'a']", "ARRAY<STRING>:[1, a]"},
        {"ARRAY<LONG>['1', 2.7]", "ARRAY<LONG>:[1, 2]"},
        {"\"my-col\"", "STRING:dashed"},
        {"missing", "NULL"},
    };
    CHECK_CASES(cases);
}

TEST(arithmetic)
{
    static const ecase cases[] = {
        {"5/2", "LONG:2"},
        {"5/2.0", "DOUBLE:2.5"},
        {"-5/2", "LONG:-2"},
        {"7 % 3", "LONG:1"},
        {"-7 % 3", "LONG:-1"},
        {"7.5 % 2", "DOUBLE:1.5"},
        {"1 + 2 * 3", "LONG:7"},
        {"(1 + 2) * 3", "LONG:9"},
        {"2 ^ 3 ^ 2", "LONG:512"},
        {"-2 ^ 2", "LONG:4"},
        {"2 ^ -1.0", "DOUBLE:0.5"},
        {"2.0 ^ 0.5", "DOUBLE:1.4142135623730951"},
        {"x + y", "DOUBLE:7.5"},
        {"x * 2 + 1", "LONG:11"},
        {"x / 0", "ERROR:expression 'x / 0': division by zero"},
        {"x % 0", "ERROR:expression 'x % 0': division by zero"},
        {"1 / 0", "ERROR:expression '1 / 0': division by zero at 0"},
        {"x / 0.0", "DOUBLE:Infinity"},
        {"-x / 0.0", "DOUBLE:-Infinity"},
        {"0.0 / 0", "DOUBLE:NaN"},
        {"null + 1", "NULL"},
        {"n + 1", "NULL"},
        {"n * y", "NULL"},
        {"'a' + 'b'", "STRING:ab"},
        {"s + '!'", "STRING:hello!"},
        {"'a' + 1", "NULL"},
        {"t + 1", "DOUBLE:4.0"},
        {"t * x", "DOUBLE:15.0"},
        {"'a' - 'b'", "ERROR:expression ''a' - 'b'': operator '-' is not supported on type STRING at 0"},
        {"big + 1", "LONG:-9223372036854775808"},
        {"-neg", "LONG:7"},
        {"-y", "DOUBLE:-2.5"},
        {"-s", "ERROR:expression '-s': unary '-' is not supported on type STRING"},
        {"-n", "NULL"},
        {"f * 2", "DOUBLE:1.0"},
        {"2 ^ -1", "ERROR:*"},
        {"x ^ 2", "LONG:25"},
        {"3 ^ 40", "LONG:-6289078614652622815"},
    };
    CHECK_CASES(cases);
}

TEST(comparison_and_logic)
{
    static const ecase cases[] = {
        {"1 < 2", "LONG:1"},
        {"2 <= 1", "LONG:0"},
        {"1 == 1.0", "LONG:1"},
        {"'a' < 'b'", "LONG:1"},
        {"'b' > 'a'", "LONG:1"},
        {"s == 'hello'", "LONG:1"},
        {"s != 'hello'", "LONG:0"},
        {"t == 3", "LONG:1"},
        {"t < 10", "LONG:1"},
        {"'10' < '9'", "LONG:1"},
        {"'abc' < 5", "NULL"},
        {"n == 1", "NULL"},
        {"n == null", "NULL"},
        {"e == ''", "LONG:1"},
        {"1 < 2 == 1", "LONG:1"},
        {"1 && 1", "LONG:1"},
        {"100 && 11", "LONG:1"},
        {"0.7 || 0.3", "LONG:1"},
        {"100 && 0", "LONG:0"},
        {"'troo' && 'true'", "LONG:0"},
        {"'troo' || 'true'", "LONG:1"},
        {"-1 || 0", "LONG:0"},
        {"1 || null", "LONG:1"},
        {"null || 1", "LONG:1"},
        {"0 || null", "NULL"},
        {"null || 0", "NULL"},
        {"null || null", "NULL"},
        {"1 && null", "NULL"},
        {"null && 1", "NULL"},
        {"0 && null", "LONG:0"},
        {"null && 0", "LONG:0"},
        {"1 || 0 && 0", "LONG:0"},
        {"!1", "LONG:0"},
        {"!0", "LONG:1"},
        {"!'true'", "LONG:0"},
        {"!n", "NULL"},
        {"!x == 0", "LONG:1"},
        {"[1,2] == [1,2]", "LONG:1"},
        {"[1,2] < [1,3]", "LONG:1"},
        {"0.0 / 0 == 0.0 / 0", "LONG:0"},
    };
    CHECK_CASES(cases);
}

TEST(parse_errors)
{
    static const ecase cases[] = {
        {"a +", "ERROR:expression 'a +': unexpected end at 3"},
        {"", "ERROR:expression '': empty expression"},
        {"(1 + 2", "ERROR:expression '(1 + 2': unexpected end at 6"},
        {"1 + )", "ERROR:expression '1 + )': unexpected ')' at 4"},
        {"foo(1)", "ERROR:expression 'foo(1)': unknown function 'foo' at 0"},
        {"substring('a', 1)", "ERROR:expression 'substring('a', 1)': function 'substring' needs 3 arguments, got 2 at 0"},
        {"concat(1,)", "ERROR:expression 'concat(1,)': unexpected ')' at 9"},
        {"'abc", "ERROR:expression ''abc': unterminated quoted text at 0"},
        {"'a\\qb'", "ERROR:expression ''a\\qb'': invalid escape sequence at 2"},
        {"1 = 2", "ERROR:expression '1 = 2': unexpected character '=' at 2"},
        {"1 2", "ERROR:expression '1 2': unexpected number 2 at 2"},
        {"9223372036854775808", "ERROR:expression '9223372036854775808': number 9223372036854775808 out of the LONG range at 0"},
        {"99999999999999999999", "ERROR:expression '99999999999999999999': number out of the LONG range at 0"},
        {"['a', 1]", "ERROR:*mixes strings and numbers*"},
        {"<LONG>['a']", "ERROR:*takes numbers only*"},
        {"map(x, [1])", "ERROR:expression 'map(x, [1])': function 'map' needs a lambda expression as its first argument at 0"},
        {"concat((x) -> x, 1)", "ERROR:*does not take a lambda*"},
        {"regexp_extract(s, '(')", "ERROR:*missing closing parenthesis*"},
        {"regexp_extract(s, s)", "ERROR:*pattern must be a string literal*"},
        {"cast(x, 'FOO')", "ERROR:*invalid type [FOO]*"},
        {"mv_to_array('a')", "ERROR:*should be an identifier*"},
    };
    CHECK_CASES(cases);
}

/* ---- functions ---------------------------------------------------------------- */

TEST(general_functions)
{
    static const ecase cases[] = {
        {"cast(x, 'DOUBLE')", "DOUBLE:5.0"},
        {"cast(y, 'LONG')", "LONG:2"},
        {"cast('12', 'LONG')", "LONG:12"},
        {"cast('1.9', 'LONG')", "LONG:1"},
        {"cast('abc', 'LONG')", "NULL"},
        {"cast('true', 'LONG')", "LONG:1"},
        {"cast(y, 'STRING')", "STRING:2.5"},
        {"cast(x, 'ARRAY<STRING>')", "ARRAY<STRING>:[5]"},
        {"cast(nums, 'ARRAY<STRING>')", "ARRAY<STRING>:[1, 2, 3]"},
        {"cast(nums, 'LONG')", "ERROR:*cannot cast ARRAY<LONG> to LONG*"},
        {"cast(n, 'LONG')", "NULL"},
        {"cast(s, 'COMPLEX<json>')", "JSON:\"hello\""},
        {"cast(nums, 'COMPLEX<json>')", "JSON:[1,2,3]"},
        {"cast(array('a\\u0001', 2.5), 'json')", "JSON:[\"a\\u0001\",\"2.5\"]"},
        {"if(x > 1, 'big', 'small')", "STRING:big"},
        {"if(n, 1, 2)", "LONG:2"},
        {"if(1, 1, x/0)", "LONG:1"},
        {"if(1, 1, 1/0)", "ERROR:*division by zero at 9"},
        {"nvl(n, 'dflt')", "STRING:dflt"},
        {"nvl(s, 'dflt')", "STRING:hello"},
        {"coalesce(n, null, 3, 4)", "LONG:3"},
        {"coalesce(n)", "NULL"},
        {"isnull(n)", "LONG:1"},
        {"isnull(e)", "LONG:0"},
        {"notnull(e)", "LONG:1"},
        {"case_searched(x == 1, 'one', x == 5, 'five', 'other')", "STRING:five"},
        {"case_searched(x == 1, 'one')", "NULL"},
        {"case_simple(x, 1, 'one', 5, 'five', 'other')", "STRING:five"},
        {"case_simple(x, 1, 'one', 'other')", "STRING:other"},
        {"case_simple(n, null, 'isnull', 'other')", "STRING:other"},
        {"greatest(1, 5, 3)", "LONG:5"},
        {"greatest(1, 2.5)", "DOUBLE:2.5"},
        {"least(1, 'a')", "STRING:1"},
        {"greatest('b', 'a')", "STRING:b"},
        {"greatest(n, 2)", "LONG:2"},
        {"greatest()", "NULL"},
        {"least(n)", "NULL"},
    };
    CHECK_CASES(cases);
}

TEST(math_functions)
{
    static const ecase cases[] = {
        {"abs(-3)", "LONG:3"},
        {"abs(-2.5)", "DOUBLE:2.5"},
        {"abs('-2')", "NULL"},
        {"abs(n)", "NULL"},
        {"ceil(1.2)", "DOUBLE:2.0"},
        {"floor(-1.2)", "DOUBLE:-2.0"},
        {"floor(5)", "DOUBLE:5.0"},
        {"sqrt(16)", "DOUBLE:4.0"},
        {"pow(2, 10)", "DOUBLE:1024.0"},
        {"exp(0)", "DOUBLE:1.0"},
        {"log(1)", "DOUBLE:0.0"},
        {"log10(1000)", "DOUBLE:3.0"},
        {"round(2.675, 2)", "DOUBLE:2.68"},
        {"round(2.5)", "DOUBLE:3.0"},
        {"round(-2.5)", "DOUBLE:-3.0"},
        {"round(1234, -2)", "LONG:1200"},
        {"round(1250, -2)", "LONG:1300"},
        {"round(7)", "LONG:7"},
        {"round(0.0 / 0)", "DOUBLE:0.0"},
        {"round(1.23456789, 4)", "DOUBLE:1.2346"},
        {"round('1.5')", "ERROR:*should be a LONG or DOUBLE but got STRING*"},
        {"div(7, 2)", "LONG:3"},
        {"div(7.5, 2)", "LONG:3"},
        {"div(7, 0)", "ERROR:*division by zero*"},
        {"safe_divide(7, 0)", "NULL"},
        {"safe_divide(0, 0)", "LONG:0"},
        {"safe_divide(7, 2)", "LONG:3"},
        {"safe_divide(7.0, 2)", "DOUBLE:3.5"},
        {"max(1, 2)", "LONG:2"},
        {"min(1, 2.5)", "DOUBLE:1.0"},
        {"max(n, 2)", "NULL"},
        {"max('abc', 5)", "DOUBLE:5.0"},
        {"hypot(3, 4)", "DOUBLE:5.0"},
        {"atan2(0, 1)", "DOUBLE:0.0"},
        {"signum(-3.5)", "DOUBLE:-1.0"},
        {"bitwiseAnd(12, 10)", "LONG:8"},
        {"bitwiseOr(12, 10)", "LONG:14"},
        {"bitwiseXor(12, 10)", "LONG:6"},
        {"bitwiseComplement(0)", "LONG:-1"},
        {"bitwiseShiftLeft(1, 65)", "LONG:2"},
        {"bitwiseShiftRight(-8, 1)", "LONG:-4"},
        {"bitwiseConvertDoubleToLongBits(1.0)", "LONG:4607182418800017408"},
        {"bitwiseConvertLongBitsToDouble(4607182418800017408)", "DOUBLE:1.0"},
        {"getExponent(8.0)", "LONG:3"},
        {"pi()", "DOUBLE:3.141592653589793"},
        {"toDegrees(pi())", "DOUBLE:180.0"},
        {"cot(1)", "DOUBLE:0.6420926159343308"},
        {"remainder(5, 3)", "DOUBLE:-1.0"},
        {"scalb(1.5, 3)", "DOUBLE:12.0"},
    };
    CHECK_CASES(cases);
}

TEST(string_functions)
{
    static const ecase cases[] = {
        {"concat(upper(page), '-', country)", "STRING:MAIN_PAGE-US"},
        {"concat('a', n)", "NULL"},
        {"concat('a', 1, 2.5)", "STRING:a12.5"},
        {"concat()", "NULL"},
        {"strlen('\xf0\x9f\x98\x80')", "LONG:2"},
        {"strlen('h\xc3\xa9')", "LONG:2"},
        {"strlen(n)", "NULL"},
        {"strlen(x)", "LONG:1"},
        {"substring('hello', 1, 3)", "STRING:ell"},
        {"substring('hello', 1, -1)", "STRING:ello"},
        {"substring('hello', 3, 10)", "STRING:lo"},
        {"substring('abc', 4, 5)", "NULL"},
        {"substring('a\xf0\x9f\x98\x80', 1, 2)", "STRING:\xf0\x9f\x98\x80"},
        {"substring('a\xf0\x9f\x98\x80', 1, 1)", "STRING:?"},
        {"left('hello', 2)", "STRING:he"},
        {"right('hello', 2)", "STRING:lo"},
        {"left('hi', 5)", "STRING:hi"},
        {"left('hi', -1)", "ERROR:*positive integer*"},
        {"left(5, 1)", "ERROR:*needs a STRING as first argument and a LONG*"},
        {"lower('ABC\xc3\x89')", "STRING:abc\xc3\xa9"},
        {"upper('abc\xc3\xa9')", "STRING:ABC\xc3\x89"},
        {"upper(n)", "NULL"},
        {"trim('  hi  ')", "STRING:hi"},
        {"ltrim('  hi  ')", "STRING:hi  "},
        {"rtrim('  hi  ')", "STRING:  hi"},
        {"trim('xxhixx', 'x')", "STRING:hi"},
        {"trim('abchicba', 'abc')", "STRING:hi"},
        {"trim(x)", "LONG:5"},
        {"replace('banana', 'an', 'AN')", "STRING:bANANa"},
        {"replace('abc', '', '-')", "STRING:-a-b-c-"},
        {"replace(n, 'a', 'b')", "NULL"},
        {"strpos('hello', 'l')", "LONG:2"},
        {"strpos('hello', 'l', 3)", "LONG:3"},
        {"strpos('hello', 'z')", "LONG:-1"},
        {"strpos('\xf0\x9f\x98\x80x', 'x')", "LONG:2"},
        {"lpad('abc', 5, 'xy')", "STRING:xyabc"},
        {"lpad('abc', 2, 'xy')", "STRING:ab"},
        {"rpad('abc', 6, 'xy')", "STRING:abcxyx"},
        {"lpad('abc', 0, 'x')", "NULL"},
        {"lpad('abc', 5, '')", "STRING:abc"},
        {"lpad(n, 5, 'x')", "NULL"},
        {"reverse('abc\xf0\x9f\x98\x80')", "STRING:\xf0\x9f\x98\x80" "cba"},
        {"reverse(5)", "ERROR:*needs a STRING argument but got LONG*"},
        {"repeat('ab', 3)", "STRING:ababab"},
        {"repeat('ab', 0)", "NULL"},
        {"format('%s-%d', 'a', 5)", "STRING:a-5"},
        {"format('%.2f', 2.675)", "STRING:2.68"},
        {"format('%.2f', 0.125)", "STRING:0.13"},
        {"format('%5.1f|%-6s|', 3.14159, 'ab')", "STRING:  3.1|ab    |"},
        {"format('%x %X %o', 255, 255, 8)", "STRING:ff FF 10"},
        {"format('%08.3f', -3.5)", "STRING:-003.500"},
        {"format('%,d', 1234567)", "STRING:1,234,567"},
        {"format('%e', 12345.678)", "STRING:1.234568e+04"},
        {"format('%s', n)", "STRING:null"},
        {"format('%d', 2.5)", "STRING:%d; 2.5"},
        {"format('%s %s', 'a')", "STRING:%s %s; a"},
        {"format('100%%')", "STRING:100%"},
        {"format('%2$s %1$s', 'a', 'b')", "STRING:b a"},
        {"format('%g', 0.0001)", "STRING:0.000100000"},
        {"format('%b %b', n, 1)", "STRING:false true"},
        {"parse_long('123')", "LONG:123"},
        {"parse_long('ff', 16)", "LONG:255"},
        {"parse_long('0xff', 16)", "LONG:255"},
        {"parse_long('12a')", "NULL"},
        {"contains_string(s, 'ell')", "LONG:1"},
        {"contains_string(s, 'ELL')", "LONG:0"},
        {"icontains_string(s, 'ELL')", "LONG:1"},
        {"contains_string(n, 'a')", "LONG:0"},
        {"like(s, 'he%')", "LONG:1"},
        {"like(s, 'h_llo')", "LONG:1"},
        {"like(s, 'H%')", "LONG:0"},
        {"like('50%', '50!%', '!')", "LONG:1"},
        {"like('500', '50!%', '!')", "LONG:0"},
        {"like(n, '%')", "NULL"},
        {"regexp_extract('foo123bar', '[0-9]+')", "STRING:123"},
        {"regexp_extract('foo123bar', '([a-z]+)([0-9]+)', 2)", "STRING:123"},
        {"regexp_extract('foo', '[0-9]+')", "NULL"},
        {"regexp_extract(n, 'a')", "NULL"},
        {"regexp_like('foo123', '^foo')", "LONG:1"},
        {"regexp_like('foo123', '^bar')", "LONG:0"},
        {"regexp_replace('a1b22c', '[0-9]+', '#')", "STRING:a#b#c"},
        {"regexp_replace('john smith', '(\\\\w+) (\\\\w+)', '$2, $1')", "STRING:smith, john"},
        {"regexp_replace('abc', 'x*', '-')", "STRING:-a-b-c-"},
        {"regexp_replace('abc', 'b', '$2')", "ERROR:*No group 2*"},
    };
    CHECK_CASES(cases);
}

TEST(array_functions)
{
    static const ecase cases[] = {
        {"array(1, 2, 3)", "ARRAY<LONG>:[1, 2, 3]"},
        {"array('a', 1)", "ARRAY<STRING>:[a, 1]"},
        {"array(1, 2.5)", "ARRAY<LONG>:[1, 2]"},
        {"array_length(nums)", "LONG:3"},
        {"array_length(tags)", "LONG:2"},
        {"array_length(n)", "NULL"},
        {"array_offset(nums, 1)", "LONG:2"},
        {"array_offset(nums, 5)", "NULL"},
        {"array_ordinal(nums, 1)", "LONG:1"},
        {"array_contains(nums, 2)", "LONG:1"},
        {"array_contains(nums, [1, 3])", "LONG:1"},
        {"array_contains(nums, [1, 4])", "LONG:0"},
        {"array_contains(tags, 'a')", "LONG:1"},
        {"array_overlap(nums, [9, 3])", "LONG:1"},
        {"array_overlap(nums, [9])", "LONG:0"},
        {"scalar_in_array(2, nums)", "LONG:1"},
        {"scalar_in_array(n, nums)", "NULL"},
        {"array_offset_of(nums, 3)", "LONG:2"},
        {"array_ordinal_of(nums, 3)", "LONG:3"},
        {"array_offset_of(nums, 9)", "NULL"},
        {"array_append(nums, 4)", "ARRAY<LONG>:[1, 2, 3, 4]"},
        {"array_prepend(0, nums)", "ARRAY<LONG>:[0, 1, 2, 3]"},
        {"array_concat(nums, [4, 5])", "ARRAY<LONG>:[1, 2, 3, 4, 5]"},
        {"array_set_add(nums, 2)", "ARRAY<LONG>:[1, 2, 3]"},
        {"array_set_add_all(['b', 'a'], ['c', 'a'])", "ARRAY<STRING>:[a, b, c]"},
        {"array_slice(nums, 1)", "ARRAY<LONG>:[2, 3]"},
        {"array_slice(nums, 1, 2)", "ARRAY<LONG>:[2]"},
        {"array_slice(nums, 4)", "NULL"},
        {"array_to_string(tags, ',')", "STRING:a,b"},
        {"array_to_string(nums, '')", "STRING:123"},
        {"array_to_string(['a', null], '-')", "STRING:a-null"},
        {"string_to_array('a,b,c', ',')", "ARRAY<STRING>:[a, b, c]"},
        {"string_to_array('a,b,,', ',')", "ARRAY<STRING>:[a, b]"},
        {"string_to_array(',a', ',')", "ARRAY<STRING>:[, a]"},
        {"string_to_array('a1b22c', '[0-9]+')", "ARRAY<STRING>:[a, b, c]"},
        {"mv_to_array(tags)", "ARRAY<STRING>:[a, b]"},
        {"array_to_mv(nums)", "ARRAY<STRING>:[1, 2, 3]"},
        {"mv_harmonize_nulls(n)", "ARRAY<STRING>:[null]"},
    };
    CHECK_CASES(cases);
}

TEST(multi_value_auto_mapping)
{
    static const ecase cases[] = {
        {"upper(tags)", "ARRAY<STRING>:[A, B]"},
        {"concat(tags, '-', country)", "ARRAY<STRING>:[a-US, b-US]"},
        {"tags + tags", "ARRAY<STRING>:[aa, bb]"},
        {"concat(tags, other)", "ARRAY<STRING>:[ax, ay, az, bx, by, bz]"},
        {"tags == 'a'", "ARRAY<LONG>:[1, 0]"},
        {"tags", "ARRAY:[a, b]"},
        {"array_to_string(upper(tags), '|')", "STRING:A|B"},
        {"array_length(tags)", "LONG:2"},
        {"strlen(tags)", "ARRAY<LONG>:[1, 1]"},
        /* A declared ARRAY column is never mapped. */
        {"array_length(nums) + 1", "LONG:4"},
    };
    CHECK_CASES(cases);
}

TEST(lambdas)
{
    static const ecase cases[] = {
        {"map((v) -> v * 2, nums)", "ARRAY<LONG>:[2, 4, 6]"},
        {"map((v) -> concat(v, '!'), tags)", "ARRAY<STRING>:[a!, b!]"},
        {"map(v -> v + x, nums)", "ARRAY<LONG>:[6, 7, 8]"},
        {"filter((v) -> v > 1, nums)", "ARRAY<LONG>:[2, 3]"},
        {"fold((v, acc) -> v + acc, nums, 0)", "LONG:6"},
        {"any((v) -> v > 2, nums)", "LONG:1"},
        {"all((v) -> v > 2, nums)", "LONG:0"},
        {"cartesian_map((a, b) -> concat(a, b), ['x', 'y'], ['1', '2'])", "ARRAY<STRING>:[x1, x2, y1, y2]"},
        {"cartesian_fold((a, b, acc) -> a * b + acc, [1, 2], [10, 20], 0)", "LONG:90"},
        {"map((v) -> map((w) -> v * w, [1, 2]), [3, 4])", "ARRAY:[[3, 6], [4, 8]]"},
        {"map((v) -> v, n)", "NULL"},
        {"fold((v, acc) -> v, nums)", "ERROR:*needs 2 arguments*"},
        {"map((a, b) -> a, nums)", "ERROR:*lambda with 1 argument, got 2*"},
    };
    CHECK_CASES(cases);
}

TEST(time_functions)
{
    /* ts is 2021-03-04T04:06:07.123Z, a Thursday. */
    static const ecase cases[] = {
        {"timestamp_floor(ts, 'PT1H')", "LONG:1614830400000"},
        {"timestamp_floor(ts, 'P1D')", "LONG:1614816000000"},
        {"timestamp_floor(ts, 'P1D', null, 'America/Los_Angeles')", "LONG:1614758400000"},
        {"timestamp_floor(ts, 'P1M')", "LONG:1614556800000"},
        {"timestamp_floor(ts, 'P1W')", "LONG:1614556800000"},
        {"timestamp_floor(ts, 'PT15M', '2021-03-04T04:05:00Z')", "LONG:1614830700000"},
        {"timestamp_floor(ts, 'PT15M', 1614830700000)", "LONG:1614830700000"},
        {"timestamp_floor(ts, concat('PT', 1, 'H'))", "LONG:1614830400000"},
        {"timestamp_floor(n, 'PT1H')", "NULL"},
        {"timestamp_floor(ts, 'bogus')", "ERROR:*timestamp_floor*"},
        {"timestamp_ceil(ts, 'PT1H')", "LONG:1614834000000"},
        {"timestamp_ceil(1614830400000, 'PT1H')", "LONG:1614830400000"},
        {"timestamp_shift(ts, 'P1D', 1)", "LONG:1614917167123"},
        {"timestamp_shift(ts, 'P1M', -1)", "LONG:1612411567123"},
        {"timestamp_shift(1615636800000, 'P1D', 1, 'America/Los_Angeles')", "LONG:1615719600000"},
        {"timestamp_shift(n, 'P1D', 1)", "NULL"},
        {"timestamp_shift(ts, 'P1D', 1, 'Mars/Olympus')", "ERROR:*timestamp_shift*"},
        {"timestamp_extract(ts, 'HOUR')", "LONG:4"},
        {"timestamp_extract(ts, 'hour', 'Asia/Kolkata')", "LONG:9"},
        {"timestamp_extract(ts, 'DOW')", "LONG:4"},
        {"timestamp_extract(ts, 'DOY')", "LONG:63"},
        {"timestamp_extract(ts, 'WEEK')", "LONG:9"},
        {"timestamp_extract(ts, 'QUARTER')", "LONG:1"},
        {"timestamp_extract(ts, 'EPOCH')", "LONG:1614830767"},
        {"timestamp_extract(ts, 'MILLISECOND')", "LONG:123"},
        {"timestamp_extract(ts, 'SECOND')", "LONG:7"},
        {"timestamp_extract(ts, 'MINUTE')", "LONG:6"},
        {"timestamp_extract(ts, 'DAY')", "LONG:4"},
        {"timestamp_extract(ts, 'MONTH')", "LONG:3"},
        {"timestamp_extract(ts, 'YEAR')", "LONG:2021"},
        {"timestamp_extract(ts, 'ISOYEAR')", "LONG:2021"},
        {"timestamp_extract(ts, 'DECADE')", "LONG:202"},
        {"timestamp_extract(ts, 'CENTURY')", "DOUBLE:21.0"},
        {"timestamp_extract(ts, 'MILLENNIUM')", "DOUBLE:3.0"},
        {"timestamp_extract('2021-03-04T05:06:07Z', 'HOUR')", "LONG:5"},
        {"timestamp_extract(n, 'HOUR')", "NULL"},
        {"timestamp_extract(ts, 'FORTNIGHT')", "ERROR:*unknown unit 'FORTNIGHT'*"},
        {"timestamp_format(ts)", "STRING:2021-03-04T04:06:07.123Z"},
        {"timestamp_format(ts, 'yyyy-MM-dd')", "STRING:2021-03-04"},
        {"timestamp_format(ts, 'yyyy-MM-dd HH:mm', 'America/Los_Angeles')", "STRING:2021-03-03 20:06"},
        {"timestamp_format(ts, null, 'Asia/Kolkata')", "STRING:2021-03-04T09:36:07.123+05:30"},
        {"timestamp_format(n)", "NULL"},
        {"timestamp_format(ts, s)", "ERROR:*pattern must be a literal*"},
        {"timestamp_format(ts, 'yyyy-MM-dd Q')", "ERROR:*timestamp_format*"},
        {"timestamp_parse('2021-03-04 04:06:07')", "LONG:1614830767000"},
        {"timestamp_parse('2021-03-04T04:06:07.123Z')", "LONG:1614830767123"},
        {"timestamp_parse('2021-03-04', null, 'America/Los_Angeles')", "LONG:1614844800000"},
        {"timestamp_parse('04/03/2021', 'dd/MM/yyyy')", "LONG:1614816000000"},
        {"timestamp_parse('junk')", "NULL"},
        {"timestamp_parse(n)", "NULL"},
        {"timestamp('2021-03-04T04:06:07.123Z')", "LONG:1614830767123"},
        {"unix_timestamp('2021-03-04T04:06:07.123Z')", "LONG:1614830767"},
        {"timestamp('2021-03-04', 'yyyy-MM-dd')", "LONG:1614816000000"},
        {"timestamp(s, concat('yyyy', '-MM'))", "ERROR:*invalid value hello*"},
        {"timestamp('junk')", "ERROR:*invalid value junk*"},
        {"timestamp(5)", "ERROR:*should be a STRING but got LONG*"},
        {"timestamp(n)", "NULL"},
    };
    CHECK_CASES(cases);
}

TEST(other_functions)
{
    static const ecase cases[] = {
        {"ipv4_match(ip, '192.168.0.0/16')", "LONG:1"},
        {"ipv4_match(ip, '10.0.0.0/8')", "LONG:0"},
        {"ipv4_match(3232235521, '192.168.0.0/16')", "LONG:1"},
        {"ipv4_match('junk', '192.168.0.0/16')", "LONG:0"},
        {"ipv4_parse(ip)", "LONG:3232235521"},
        {"ipv4_parse('300.1.1.1')", "NULL"},
        {"ipv4_stringify(3232235521)", "STRING:192.168.0.1"},
        {"ipv6_match('75e9:efa4:29c6:85f6::232c', '75e9:efa4:29c6:85f6::/64')", "LONG:1"},
        {"human_readable_binary_byte_format(1048576)", "STRING:1.00 MiB"},
        {"human_readable_binary_byte_format(1048576, 3)", "STRING:1.000 MiB"},
        {"human_readable_decimal_byte_format(1000000)", "STRING:1.00 MB"},
        {"human_readable_decimal_format(1000000)", "STRING:1.00 M"},
        {"human_readable_decimal_format(999)", "STRING:999"},
        {"human_readable_binary_byte_format(100)", "STRING:100 B"},
        {"human_readable_binary_byte_format(1, 4)", "ERROR:*range of [0,3]*"},
    };
    CHECK_CASES(cases);
}

/* ---- API --------------------------------------------------------------------- */

TEST(inputs_and_constants)
{
    vrv_error err = {0};
    vrv_expr *e;
    const char *text = "concat(a, \"b c\") + a + map((a) -> a, z) + 1 * 2";
    CHECK_INT(vrv_expr_parse(text, strlen(text), &e, &err), 0);
    CHECK_INT(vrv_expr_ninputs(e), 3);
    CHECK(vrv_str_eq_c(vrv_expr_input(e, 0), "a"));
    CHECK(vrv_str_eq_c(vrv_expr_input(e, 1), "b c"));
    CHECK(vrv_str_eq_c(vrv_expr_input(e, 2), "z"));
    size_t nin;
    const vrv_str *ins = vrv_expr_inputs(e, &nin);
    CHECK_INT(nin, 3);
    CHECK(vrv_str_eq_c(ins[1], "b c"));
    CHECK(!vrv_expr_constant(e, NULL));
    vrv_buf b = VRV_BUF_INIT;
    vrv_expr_stringify(e, &b);
    CHECK_STR(b.data, "(((concat(a, \"b c\") + a) + map((a) -> a, z)) + 2)");
    vrv_buf_free(&b);
    vrv_expr_free(e);

    text = "concat('a', 'b') + upper('c')";
    CHECK_INT(vrv_expr_parse(text, strlen(text), &e, &err), 0);
    vrv_value v;
    CHECK(vrv_expr_constant(e, &v));
    CHECK_STRN(v.u.s, v.len, "abC");
    vrv_expr_free(e);
}

static bool type_of(void *ctx, vrv_str name, vrv_ctype *out)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++) {
        if (vrv_str_eq_c(name, row[i].name) && row[i].typed) {
            *out = row[i].type;
            return true;
        }
    }
    return false;
}

TEST(type_inference)
{
    static const struct {
        const char *expr;
        const char *type; /* NULL: unknown */
    } cases[] = {
        {"x + 1", "LONG"},
        {"x + y", "DOUBLE"},
        {"x / 2", "LONG"},
        {"f + 1", "DOUBLE"},
        {"s + 'a'", "STRING"},
        {"concat(x, 1)", "STRING"},
        {"x > 1", "LONG"},
        {"unknowncol + 1", "LONG"},
        {"unknowncol", NULL},
        {"null", NULL},
        {"if(x, 1, 2.0)", "DOUBLE"},
        {"nvl(s, 1)", "STRING"},
        {"cast(s, 'DOUBLE')", "DOUBLE"},
        {"array(1, 2)", "ARRAY<LONG>"},
        {"array_offset(nums, 0)", "LONG"},
        {"map((v) -> v * 2.0, nums)", "ARRAY<DOUBLE>"},
        {"strlen(s)", "LONG"},
        {"abs(y)", "DOUBLE"},
        {"div(y, 2)", "LONG"},
        {"greatest(x, y)", "DOUBLE"},
        {"case_searched(x > 1, 'a', 'b')", "STRING"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vrv_error err = {0};
        vrv_expr *e;
        CHECK_INT(vrv_expr_parse(cases[i].expr, strlen(cases[i].expr), &e, &err), 0);
        vrv_ctype t;
        bool known = vrv_expr_output_type(e, type_of, NULL, &t);
        if (cases[i].type) {
            if (!known) vrv_test_fail(__FILE__, __LINE__, "%s: type unknown, expected %s", cases[i].expr, cases[i].type);
            else if (strcmp(vrv_ctype_name(t), cases[i].type) != 0)
                vrv_test_fail(__FILE__, __LINE__, "%s: type %s, expected %s", cases[i].expr, vrv_ctype_name(t), cases[i].type);
        } else if (known) {
            vrv_test_fail(__FILE__, __LINE__, "%s: type %s, expected unknown", cases[i].expr, vrv_ctype_name(t));
        }
        vrv_expr_free(e);
    }
    vrv_error err = {0};
    vrv_expr *e;
    CHECK_INT(vrv_expr_parse("q", 1, &e, &err), 0);
    CHECK_INT(vrv_expr_virtual_column_type(e, type_of, NULL), VRV_C_FLOAT);
    vrv_expr_free(e);
}

static int reject(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)ctx;
    (void)out;
    return vrv_error_set(err, VRV_ENOTFOUND, "column '%.*s' not found", (int)name.n, name.p);
}

TEST(bind_errors_and_reuse)
{
    vrv_error err = {0};
    vrv_expr *e;
    CHECK_INT(vrv_expr_parse("a + 1", 5, &e, &err), 0);
    vrv_expr_prog *p = NULL;
    CHECK_INT(vrv_expr_bind(e, reject, NULL, &p, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "column 'a' not found");
    vrv_expr_free(e);

    /* One program over many rows, the arena reset between them. */
    CHECK_INT(vrv_expr_parse("concat(upper(s), x)", 19, &e, &err), 0);
    CHECK_INT(vrv_expr_bind(e, resolve, NULL, &p, &err), 0);
    vrv_expr_free(e); /* the program does not need the expression */
    vrv_arena a;
    vrv_arena_init(&a, 0);
    init_slots();
    for (int i = 0; i < 100; i++) {
        vrv_value v;
        slots[1] = vrv_long(i);
        CHECK_INT(vrv_expr_eval(p, slots, &a, &v, &err), 0);
        char want[32];
        snprintf(want, sizeof want, "HELLO%d", i);
        CHECK_STRN(v.u.s, v.len, want);
        vrv_arena_reset(&a);
    }
    vrv_arena_destroy(&a);
    vrv_expr_prog_free(p);
}

TEST(value_helpers)
{
    vrv_value v = vrv_string("TRUE", 4);
    CHECK(vrv_expr_truthy(&v));
    v = vrv_string("yes", 3);
    CHECK(!vrv_expr_truthy(&v));
    v = vrv_double(0.1);
    CHECK(vrv_expr_truthy(&v));
    v = vrv_long(-1);
    CHECK(!vrv_expr_truthy(&v));
    vrv_arena a;
    vrv_arena_init(&a, 0);
    vrv_str s;
    v = vrv_double(1e7);
    CHECK(vrv_expr_to_string(&v, &a, &s));
    CHECK_STRN(s.p, s.n, "1.0E7");
    v = vrv_array(tags_el, 2);
    CHECK(vrv_expr_to_string(&v, &a, &s));
    CHECK_STRN(s.p, s.n, "[a, b]");
    v = vrv_null();
    CHECK(!vrv_expr_to_string(&v, &a, &s));
    int64_t l;
    v = vrv_string("12.7", 4);
    CHECK(vrv_expr_to_long(&v, &l));
    CHECK_INT(l, 12);
    double d;
    v = vrv_string("x", 1);
    CHECK(!vrv_expr_to_double(&v, &d));
    vrv_arena_destroy(&a);
}
