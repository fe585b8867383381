/*
 * test_agg_postagg.c — post-aggregators over an output row: arithmetic
 * (double math, "/" by zero, quotient, nulls), field access and finalizing
 * access, constants, greatest/least, hyperUniqueCardinality's round
 * inheritance, theta / HLLSketch / quantiles post-aggregators, expression
 * through the caller's evaluator, and parse errors.
 */
#include <math.h>

#include "agg/postagg.h"
#include "agg/quantiles.h"
#include "agg/theta.h"
#include "agg_test_util.h"

/* A row: names, values, and the aggregator specs behind some names. */
typedef struct trow {
    const char *names[16];
    vrv_value vals[16];
    const vrv_agg_spec *specs[16];
    size_t n;
} trow;

static bool row_lookup(void *ud, const char *name, vrv_value *out)
{
    trow *r = ud;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->names[i], name) == 0) {
            *out = r->vals[i];
            return true;
        }
    }
    return false;
}

static const vrv_agg_spec *row_spec(void *ud, const char *name)
{
    trow *r = ud;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->names[i], name) == 0) return r->specs[i];
    return NULL;
}

static void row_put(trow *r, const char *name, vrv_value v, const vrv_agg_spec *s)
{
    r->names[r->n] = name;
    r->vals[r->n] = v;
    r->specs[r->n] = s;
    r->n++;
}

static int fake_expr(void *ud, const vrv_postagg *pa, vrv_arena *a, vrv_value *out, vrv_error *err)
{
    /* stands in for src/expr: understands "x * 2" over the row */
    vrv_value x;
    if (strcmp(pa->expression, "x * 2") != 0 || !row_lookup(ud, "x", &x))
        return vrv_error_set(err, VRV_EINVAL, "cannot evaluate '%s'", pa->expression);
    *out = vrv_long(x.u.l * 2);
    return 0;
}

typedef struct tenv {
    trow row;
    vrv_arena arena;
    vrv_postagg_ctx ctx;
} tenv;

static void env_init(tenv *e)
{
    memset(e, 0, sizeof *e);
    vrv_arena_init(&e->arena, 0);
    e->ctx.lookup = row_lookup;
    e->ctx.agg_spec = row_spec;
    e->ctx.eval_expr = fake_expr;
    e->ctx.ud = &e->row;
    e->ctx.arena = &e->arena;
}

/* Parses and evaluates a post-aggregator; the result's text in a static buffer. */
static vrv_value eval_js(tenv *e, const char *js, int want_rc, vrv_error *err)
{
    json_t *j = json_loads(js, 0, NULL);
    CHECK(j != NULL);
    vrv_postagg *pa = NULL;
    vrv_error e2;
    if (!err) err = &e2;
    vrv_value out = vrv_null();
    int rc = vrv_postagg_parse(j, "postAggregations[0]", true, &pa, err);
    if (!rc) rc = vrv_postagg_eval(pa, &e->ctx, &out, err);
    if (rc != want_rc) vrv_test_fail(__FILE__, __LINE__, "%s: rc %d: %s", js, rc, err->msg);
    vrv_postagg_free(pa);
    json_decref(j);
    return out;
}

#define EVAL_OK(e, js) eval_js((e), (js), 0, NULL)

TEST(arithmetic_rules)
{
    tenv e;
    env_init(&e);
    row_put(&e.row, "a", vrv_long(500), NULL);
    row_put(&e.row, "b", vrv_long(2), NULL);
    row_put(&e.row, "z", vrv_long(0), NULL);
    row_put(&e.row, "n", vrv_null(), NULL);
    row_put(&e.row, "f", vrv_float(0.5f), NULL);
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"/\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"b\"}]}"),
              VRV_V_DOUBLE, "250.0");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"/\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"z\"}]}"),
              VRV_V_DOUBLE, "0.0");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"quotient\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"z\"}]}"),
              VRV_V_DOUBLE, "Infinity");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"-\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"b\"},"
                          "{\"type\":\"constant\",\"value\":5},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"f\"}],\"ordering\":\"numericFirst\"}"),
              VRV_V_DOUBLE, "-3.5");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"pow\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"b\"},"
                          "{\"type\":\"constant\",\"value\":10}]}"),
              VRV_V_DOUBLE, "1024.0");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"*\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"n\"}]}"),
              VRV_V_NULL, "null");
    /* a missing name reads as null */
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"+\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"nope\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"}]}"),
              VRV_V_NULL, "null");
    /* nested arithmetic, fields without names */
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"*\",\"fields\":["
                          "{\"type\":\"constant\",\"value\":100},"
                          "{\"type\":\"arithmetic\",\"fn\":\"/\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"b\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"}]}]}"),
              VRV_V_DOUBLE, "0.4");
    vrv_arena_destroy(&e.arena);
}

TEST(constants_access_greatest_least)
{
    tenv e;
    env_init(&e);
    row_put(&e.row, "a", vrv_long(5), NULL);
    row_put(&e.row, "d", vrv_double(7.25), NULL);
    row_put(&e.row, "n", vrv_null(), NULL);
    row_put(&e.row, "x", vrv_long(21), NULL);
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"constant\",\"name\":\"c\",\"value\":10}"), VRV_V_LONG, "10");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"constant\",\"name\":\"c\",\"value\":10.0}"), VRV_V_DOUBLE,
              "10.0");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"fieldAccess\",\"name\":\"c\",\"fieldName\":\"d\"}"),
              VRV_V_DOUBLE, "7.25");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"doubleGreatest\",\"name\":\"g\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"n\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"d\"}]}"),
              VRV_V_DOUBLE, "7.25");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"doubleLeast\",\"name\":\"g\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"d\"}]}"),
              VRV_V_DOUBLE, "5.0");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"longGreatest\",\"name\":\"g\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"d\"}]}"),
              VRV_V_LONG, "7");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"longLeast\",\"name\":\"g\",\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"n\"}]}"),
              VRV_V_NULL, "null");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"x * 2\"}"),
              VRV_V_LONG, "42");
    vrv_error err;
    eval_js(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"y\"}", VRV_EINVAL, &err);
    CHECK_STR(err.msg, "cannot evaluate 'y'");
    vrv_arena_destroy(&e.arena);
}

TEST(parse_errors)
{
    tenv e;
    env_init(&e);
    vrv_error err;
    eval_js(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"+\",\"fields\":["
                "{\"type\":\"constant\",\"value\":1}]}",
            VRV_EINVAL, &err);
    CHECK_STR(err.msg, "postAggregations[0].fields: illegal number of fields [1], must be >= 2");
    eval_js(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"%\",\"fields\":[]}", VRV_EINVAL,
            &err);
    CHECK_STR(err.msg, "postAggregations[0].fn: unknown function '%'");
    eval_js(&e, "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"}", VRV_EINVAL, &err);
    CHECK_STR(err.msg, "postAggregations[0].name: required");
    eval_js(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"+\",\"fields\":["
                "{\"type\":\"constant\",\"value\":1},{\"type\":\"fieldAccess\"}]}",
            VRV_EINVAL, &err);
    CHECK_STR(err.msg, "postAggregations[0].fields[1].fieldName: required");
    eval_js(&e, "{\"type\":\"quantilesDoublesSketchToHistogram\",\"name\":\"h\",\"splitPoints\":[1,1],"
                "\"field\":{\"type\":\"fieldAccess\",\"fieldName\":\"q\"}}",
            VRV_EINVAL, &err);
    CHECK_STR(err.msg, "postAggregations[0].splitPoints: values must be unique, monotonically "
                       "increasing and not NaN");
    eval_js(&e, "{\"type\":\"quantilesDoublesSketchToHistogram\",\"name\":\"h\",\"splitPoints\":[1],"
                "\"numBins\":3,\"field\":{\"type\":\"fieldAccess\",\"fieldName\":\"q\"}}",
            VRV_EINVAL, &err);
    CHECK_STR(err.msg, "postAggregations[0]: cannot accept both 'splitPoints' and 'numBins'");
    eval_js(&e, "{\"type\":\"thetaSketchSetOp\",\"name\":\"s\",\"func\":\"XOR\",\"fields\":[]}",
            VRV_EINVAL, &err);
    CHECK_STR(err.msg, "postAggregations[0].func: must be UNION, INTERSECT or NOT, got 'XOR'");
    eval_js(&e, "{\"type\":\"bogus\",\"name\":\"s\"}", VRV_EINVAL, &err);
    CHECK_STR(err.msg, "postAggregations[0].type: unknown post-aggregator type 'bogus'");
    row_put(&e.row, "s", tstr("text"), NULL);
    eval_js(&e, "{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"+\",\"fields\":["
                "{\"type\":\"constant\",\"value\":1},{\"type\":\"fieldAccess\",\"fieldName\":\"s\"}]}",
            VRV_EINVAL, &err);
    CHECK_STR(err.msg, "post-aggregator 'r' (arithmetic): fields[1] is not a number");
    eval_js(&e, "{\"type\":\"thetaSketchEstimate\",\"name\":\"t\",\"field\":{\"type\":\"fieldAccess\","
                "\"fieldName\":\"s\"}}",
            VRV_EINVAL, &err);
    CHECK_STR(err.msg, "post-aggregator 't' (thetaSketchEstimate): input is not a theta sketch");
    vrv_arena_destroy(&e.arena);

    json_t *j = json_loads("{\"type\":\"arithmetic\",\"name\":\"r\",\"fn\":\"+\",\"fields\":["
                           "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},{\"type\":\"arithmetic\","
                           "\"fn\":\"*\",\"fields\":[{\"type\":\"fieldAccess\",\"fieldName\":\"b\"},"
                           "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"}]}]}",
                           0, NULL);
    vrv_postagg *pa;
    CHECK_INT(vrv_postagg_parse(j, "p", true, &pa, &err), 0);
    const char **names = NULL;
    size_t n = 0;
    vrv_postagg_deps(pa, &names, &n);
    CHECK_INT(n, 2);
    CHECK_STR(names[0], "a");
    CHECK_STR(names[1], "b");
    free(names);
    vrv_postagg_free(pa);
    json_decref(j);
}

/* Builds an aggregator state over "user-lo".."user-hi". */
static void fill(const vrv_agg_spec *s, tstate *st, int lo, int hi)
{
    vrv_agg_init(s, st->b);
    char buf[32];
    for (int i = lo; i <= hi; i++) {
        int n = snprintf(buf, sizeof buf, "user-%d", i);
        vrv_value v = vrv_string(buf, (size_t)n);
        vrv_agg_add(s, st->b, &v, 0);
    }
}

TEST(hyper_unique_cardinality_round)
{
    tenv e;
    env_init(&e);
    vrv_agg_spec *r = tspec("{\"type\":\"hyperUnique\",\"name\":\"ur\",\"fieldName\":\"u\",\"round\":true}");
    vrv_agg_spec *p = tspec("{\"type\":\"cardinality\",\"name\":\"up\",\"fields\":[\"u\"]}");
    tstate a, b;
    fill(r, &a, 1, 42);
    fill(p, &b, 1, 7);
    row_put(&e.row, "ur", vrv_agg_get(r, a.b), r);
    row_put(&e.row, "up", vrv_agg_get(p, b.b), p);
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"hyperUniqueCardinality\",\"name\":\"c\",\"fieldName\":\"ur\"}"),
              VRV_V_LONG, "42");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"hyperUniqueCardinality\",\"name\":\"c\",\"fieldName\":\"up\"}"),
              VRV_V_DOUBLE, "7.0");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"finalizingFieldAccess\",\"name\":\"c\",\"fieldName\":\"ur\"}"),
              VRV_V_LONG, "42");
    /* through arithmetic the estimate is a double */
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"arithmetic\",\"name\":\"c\",\"fn\":\"+\",\"fields\":["
                          "{\"type\":\"hyperUniqueCardinality\",\"fieldName\":\"ur\"},"
                          "{\"type\":\"hyperUniqueCardinality\",\"fieldName\":\"up\"}]}"),
              VRV_V_DOUBLE, "49.0");
    /* a serialized collector (e.g. from another server) reads the same */
    vrv_value bytes = vrv_agg_complex_to_bytes(&e.row.vals[0], &e.arena);
    e.row.vals[0] = bytes;
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"hyperUniqueCardinality\",\"name\":\"c\",\"fieldName\":\"ur\"}"),
              VRV_V_LONG, "42");
    vrv_agg_destroy(r, a.b);
    vrv_agg_destroy(p, b.b);
    vrv_agg_spec_free(r);
    vrv_agg_spec_free(p);
    vrv_arena_destroy(&e.arena);
}

TEST(theta_post_aggregators)
{
    tenv e;
    env_init(&e);
    vrv_agg_spec *s = tspec("{\"type\":\"thetaSketch\",\"name\":\"t\",\"fieldName\":\"u\"}");
    tstate a, b, c;
    fill(s, &a, 1, 100);
    fill(s, &b, 51, 150);
    vrv_agg_init(s, c.b);
    row_put(&e.row, "a", vrv_agg_get(s, a.b), s);
    row_put(&e.row, "b", vrv_agg_get(s, b.b), s);
    row_put(&e.row, "empty", vrv_agg_get(s, c.b), s);
    const char *fa = "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"}";
    const char *fb = "{\"type\":\"fieldAccess\",\"fieldName\":\"b\"}";
    char js[1024];
    static const char *funcs[] = {"UNION", "INTERSECT", "NOT"};
    static const char *want[] = {"150.0", "50.0", "50.0"};
    for (int i = 0; i < 3; i++) {
        snprintf(js, sizeof js,
                 "{\"type\":\"thetaSketchEstimate\",\"name\":\"e\",\"field\":"
                 "{\"type\":\"thetaSketchSetOp\",\"name\":\"s\",\"func\":\"%s\",\"fields\":[%s,%s]}}",
                 funcs[i], fa, fb);
        CHECK_VAL(EVAL_OK(&e, js), VRV_V_DOUBLE, want[i]);
    }
    snprintf(js, sizeof js,
             "{\"type\":\"thetaSketchEstimate\",\"name\":\"e\",\"errorBoundsStdDev\":2,\"field\":%s}", fa);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_JSON,
              "{\"estimate\":100.0,\"highBound\":100.0,\"lowBound\":100.0,\"numStdDev\":2}");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"thetaSketchEstimate\",\"name\":\"e\",\"field\":"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"empty\"}}"),
              VRV_V_DOUBLE, "0.0");
    /* the set op itself is a serialized sketch */
    snprintf(js, sizeof js,
             "{\"type\":\"thetaSketchSetOp\",\"name\":\"s\",\"func\":\"UNION\",\"size\":32,\"fields\":[%s,%s]}",
             fa, fb);
    vrv_value u = EVAL_OK(&e, js);
    CHECK_INT(u.type, VRV_V_COMPLEX);
    CHECK_INT(u.flags, VRV_AGG_K_THETA | VRV_AGG_CX_BYTES);
    vrv_theta *t = NULL;
    CHECK_INT(vrv_theta_deserialize(u.u.ptr, u.len, &t), 0);
    CHECK_INT(t->k, 32);
    CHECK(fabs(vrv_theta_estimate(t) - 150) < 150 * 0.6);
    vrv_theta_free(t);
    vrv_agg_destroy(s, a.b);
    vrv_agg_destroy(s, b.b);
    vrv_agg_spec_free(s);
    vrv_arena_destroy(&e.arena);
}

TEST(hllsketch_post_aggregators)
{
    tenv e;
    env_init(&e);
    vrv_agg_spec *s = tspec("{\"type\":\"HLLSketchBuild\",\"name\":\"h\",\"fieldName\":\"u\"}");
    tstate a, b;
    fill(s, &a, 1, 10);
    fill(s, &b, 6, 20);
    row_put(&e.row, "a", vrv_agg_get(s, a.b), s);
    row_put(&e.row, "b", vrv_agg_get(s, b.b), s);
    const char *fa = "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"}";
    char js[1024];
    snprintf(js, sizeof js, "{\"type\":\"HLLSketchEstimate\",\"name\":\"e\",\"field\":%s}", fa);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_DOUBLE, "10.0");
    snprintf(js, sizeof js, "{\"type\":\"HLLSketchEstimate\",\"name\":\"e\",\"round\":true,\"field\":%s}", fa);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_LONG, "10");
    snprintf(js, sizeof js, "{\"type\":\"HLLSketchEstimateWithBounds\",\"name\":\"e\",\"field\":%s}", fa);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_ARRAY, "[10.0,10.0,10.0]");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"HLLSketchEstimate\",\"name\":\"e\",\"field\":{\"type\":"
                          "\"HLLSketchUnion\",\"name\":\"u\",\"lgK\":10,\"fields\":["
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"a\"},"
                          "{\"type\":\"fieldAccess\",\"fieldName\":\"b\"}]}}"),
              VRV_V_DOUBLE, "20.0");
    snprintf(js, sizeof js, "{\"type\":\"HLLSketchToString\",\"name\":\"e\",\"field\":%s}", fa);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_STRING,
              "### HLL SKETCH SUMMARY: \n"
              "  Log Config K   : 12\n"
              "  Hll Target     : HLL_4\n"
              "  Current Mode   : SET\n"
              "  LB             : 10.0\n"
              "  Estimate       : 10.0\n"
              "  UB             : 10.0\n"
              "  Coupon Count   : 10\n");
    vrv_agg_destroy(s, a.b);
    vrv_agg_destroy(s, b.b);
    vrv_agg_spec_free(s);
    vrv_arena_destroy(&e.arena);
}

TEST(quantiles_post_aggregators)
{
    tenv e;
    env_init(&e);
    vrv_agg_spec *s = tspec("{\"type\":\"quantilesDoublesSketch\",\"name\":\"q\",\"fieldName\":\"v\"}");
    tstate a, z;
    vrv_agg_init(s, a.b);
    vrv_agg_init(s, z.b);
    for (int i = 1; i <= 10; i++) {
        vrv_value v = vrv_long(i);
        vrv_agg_add(s, a.b, &v, 0);
    }
    row_put(&e.row, "q", vrv_agg_get(s, a.b), s);
    row_put(&e.row, "z", vrv_agg_get(s, z.b), s);
    const char *f = "{\"type\":\"fieldAccess\",\"fieldName\":\"q\"}";
    const char *fz = "{\"type\":\"fieldAccess\",\"fieldName\":\"z\"}";
    char js[1024];
    snprintf(js, sizeof js,
             "{\"type\":\"quantilesDoublesSketchToQuantile\",\"name\":\"x\",\"fraction\":0.5,\"field\":%s}", f);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_DOUBLE, "5.0");
    snprintf(js, sizeof js,
             "{\"type\":\"quantilesDoublesSketchToQuantiles\",\"name\":\"x\",\"fractions\":[0,0.25,0.9,1],"
             "\"field\":%s}",
             f);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_ARRAY, "[1.0,3.0,9.0,10.0]");
    snprintf(js, sizeof js,
             "{\"type\":\"quantilesDoublesSketchToHistogram\",\"name\":\"x\",\"splitPoints\":[3.5,7],"
             "\"field\":%s}",
             f);
    /* DataSketches' PMF is the difference of CDF ranks, scaled by N: the
     * same double rounding shows in Druid's output */
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_ARRAY, "[3.0,3.9999999999999996,3.0000000000000004]");
    snprintf(js, sizeof js,
             "{\"type\":\"quantilesDoublesSketchToHistogram\",\"name\":\"x\",\"numBins\":3,\"field\":%s}", f);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_ARRAY, "[4.0,2.999999999999999,3.0000000000000004]");
    snprintf(js, sizeof js,
             "{\"type\":\"quantilesDoublesSketchToCDF\",\"name\":\"x\",\"splitPoints\":[2,5],\"field\":%s}", f);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_ARRAY, "[0.2,0.5,1.0]");
    snprintf(js, sizeof js,
             "{\"type\":\"quantilesDoublesSketchToRank\",\"name\":\"x\",\"value\":7,\"field\":%s}", f);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_DOUBLE, "0.7");
    /* empty sketches answer NaN */
    snprintf(js, sizeof js,
             "{\"type\":\"quantilesDoublesSketchToQuantile\",\"name\":\"x\",\"fraction\":0.5,\"field\":%s}", fz);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_DOUBLE, "NaN");
    snprintf(js, sizeof js,
             "{\"type\":\"quantilesDoublesSketchToHistogram\",\"name\":\"x\",\"splitPoints\":[1],\"field\":%s}",
             fz);
    CHECK_VAL(EVAL_OK(&e, js), VRV_V_ARRAY, "[NaN,NaN]");
    snprintf(js, sizeof js, "{\"type\":\"quantilesDoublesSketchToString\",\"name\":\"x\",\"field\":%s}", f);
    vrv_value str = EVAL_OK(&e, js);
    CHECK_INT(str.type, VRV_V_STRING);
    CHECK(strstr(str.u.s, "   N                            : 10\n") != NULL);
    CHECK(strstr(str.u.s, "   Max Item                     : 10.0\n") != NULL);
    /* finalizingFieldAccess: N */
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"finalizingFieldAccess\",\"name\":\"n\",\"fieldName\":\"q\"}"),
              VRV_V_LONG, "10");
    vrv_agg_destroy(s, a.b);
    vrv_agg_spec_free(s);
    vrv_arena_destroy(&e.arena);
}

static void expect_type(const char *js, trow *row, bool known, vrv_ctype t)
{
    json_t *j = json_loads(js, 0, NULL);
    vrv_postagg *pa = NULL;
    CHECK_INT(vrv_postagg_parse(j, "p", true, &pa, NULL), 0);
    vrv_agg_coltype ct = {0};
    bool k = pa && vrv_postagg_output_type(pa, row_spec, row, &ct);
    CHECK_INT(k, known);
    if (k && known) CHECK_INT(ct.type, t);
    vrv_postagg_free(pa);
    json_decref(j);
}

TEST(output_types)
{
    trow row = {0};
    vrv_agg_spec *h = tspec("{\"type\":\"hyperUnique\",\"name\":\"h\",\"fieldName\":\"u\",\"round\":true}");
    vrv_agg_spec *c = tspec("{\"type\":\"count\",\"name\":\"c\"}");
    row_put(&row, "h", vrv_null(), h);
    row_put(&row, "c", vrv_null(), c);
    expect_type("{\"type\":\"constant\",\"name\":\"x\",\"value\":1}", &row, true, VRV_C_LONG);
    expect_type("{\"type\":\"constant\",\"name\":\"x\",\"value\":1.5}", &row, true, VRV_C_DOUBLE);
    expect_type("{\"type\":\"fieldAccess\",\"name\":\"x\",\"fieldName\":\"c\"}", &row, true,
                VRV_C_LONG);
    expect_type("{\"type\":\"fieldAccess\",\"name\":\"x\",\"fieldName\":\"h\"}", &row, true,
                VRV_C_COMPLEX);
    expect_type("{\"type\":\"finalizingFieldAccess\",\"name\":\"x\",\"fieldName\":\"h\"}", &row,
                true, VRV_C_LONG);
    expect_type("{\"type\":\"fieldAccess\",\"name\":\"x\",\"fieldName\":\"other\"}", &row, false,
                VRV_C_LONG);
    expect_type("{\"type\":\"hyperUniqueCardinality\",\"name\":\"x\",\"fieldName\":\"h\"}", &row,
                true, VRV_C_LONG);
    expect_type("{\"type\":\"expression\",\"name\":\"x\",\"expression\":\"c\",\"outputType\":"
                "\"DOUBLE\"}",
                &row, true, VRV_C_DOUBLE);
    expect_type("{\"type\":\"expression\",\"name\":\"x\",\"expression\":\"c\"}", &row, true,
                VRV_C_LONG);
    expect_type("{\"type\":\"expression\",\"name\":\"x\",\"expression\":\"other\"}", &row, false,
                VRV_C_LONG);
    expect_type("{\"type\":\"quantilesDoublesSketchToCDF\",\"name\":\"x\",\"splitPoints\":[1],"
                "\"field\":{\"type\":\"fieldAccess\",\"fieldName\":\"q\"}}",
                &row, true, VRV_C_ARRAY_DOUBLE);
    const char *req[4];
    CHECK_INT(vrv_agg_required_fields(h, req, 4), 1);
    CHECK_STR(req[0], "u");
    vrv_agg_spec *f = tspec("{\"type\":\"stringLast\",\"name\":\"s\",\"fieldName\":\"v\"}");
    CHECK_INT(vrv_agg_required_fields(f, req, 4), 2);
    CHECK_STR(req[1], "__time");
    vrv_agg_spec_free(f);
    vrv_agg_spec_free(h);
    vrv_agg_spec_free(c);
}

TEST(post_aggregation_list_validation)
{
    const char *known[] = {"dim", "count", "sum"};
    vrv_postagg_list l;
    vrv_error err;
    json_t *j = json_loads("[{\"type\":\"arithmetic\",\"name\":\"avg\",\"fn\":\"/\",\"fields\":["
                           "{\"type\":\"fieldAccess\",\"fieldName\":\"sum\"},"
                           "{\"type\":\"fieldAccess\",\"fieldName\":\"count\"}]},"
                           "{\"type\":\"arithmetic\",\"name\":\"pct\",\"fn\":\"*\",\"fields\":["
                           "{\"type\":\"fieldAccess\",\"fieldName\":\"avg\"},"
                           "{\"type\":\"constant\",\"value\":100}]}]",
                           0, NULL);
    CHECK_INT(vrv_postagg_parse_list(j, "postAggregations", known, 3, &l, &err), 0);
    CHECK_INT(l.n, 2);
    vrv_postagg_list_free(&l);
    json_decref(j);

    j = json_loads("[{\"type\":\"arithmetic\",\"name\":\"avg\",\"fn\":\"/\",\"fields\":["
                   "{\"type\":\"fieldAccess\",\"fieldName\":\"sum\"},"
                   "{\"type\":\"fieldAccess\",\"fieldName\":\"rows\"},"
                   "{\"type\":\"fieldAccess\",\"fieldName\":\"later\"}]},"
                   "{\"type\":\"constant\",\"name\":\"later\",\"value\":1}]",
                   0, NULL);
    CHECK_INT(vrv_postagg_parse_list(j, "postAggregations", known, 3, &l, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "Missing fields [[rows, later]] for postAggregator [avg]");
    CHECK(l.n == 0 && l.v == NULL);
    json_decref(j);

    j = json_loads("[{\"type\":\"constant\",\"name\":\"count\",\"value\":1}]", 0, NULL);
    CHECK_INT(vrv_postagg_parse_list(j, "postAggregations", known, 3, &l, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "[count] already defined");
    json_decref(j);
}

TEST(expression_post_aggregator)
{
    tenv e;
    env_init(&e);
    e.ctx.eval_expr = NULL; /* src/expr evaluates */
    vrv_agg_spec *u = tspec("{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"user\"}");
    vrv_agg_spec *q = tspec("{\"type\":\"longSum\",\"name\":\"a\",\"fieldName\":\"v\"}");
    tstate st;
    fill(u, &st, 1, 9);
    row_put(&e.row, "a", vrv_long(7), q);
    row_put(&e.row, "b", vrv_long(2), NULL);
    row_put(&e.row, "u", vrv_agg_get(u, st.b), u);
    row_put(&e.row, "s", tstr("x"), NULL);
    /* long / long is integer division here, unlike arithmetic */
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"a / b\"}"),
              VRV_V_LONG, "3");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"a / b\","
                          "\"outputType\":\"DOUBLE\"}"),
              VRV_V_DOUBLE, "3.0");
    /* aggregators are read finalized: the sketch's estimate */
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"u + 1\"}"),
              VRV_V_DOUBLE, "10.0");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":"
                          "\"concat(s, 'y', missing)\"}"),
              VRV_V_NULL, "null");
    CHECK_VAL(EVAL_OK(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"upper(s) + 'z'\"}"),
              VRV_V_STRING, "Xz");
    vrv_error err;
    eval_js(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"a / 0\"}", VRV_EINVAL, &err);
    CHECK(strncmp(err.msg, "post-aggregator 'e': ", 21) == 0);
    eval_js(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"a +\"}", VRV_EINVAL, &err);
    CHECK(strncmp(err.msg, "postAggregations[0].expression: expression 'a +'", 48) == 0);
    eval_js(&e, "{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"a\",\"outputType\":\"BLOB\"}",
            VRV_EINVAL, &err);
    CHECK_STR(err.msg, "postAggregations[0].outputType: unknown type 'BLOB'");
    /* its inputs count as dependencies */
    const char *known[] = {"a"};
    vrv_postagg_list l;
    json_t *j = json_loads("[{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"a * zz\"}]", 0, NULL);
    CHECK_INT(vrv_postagg_parse_list(j, "postAggregations", known, 1, &l, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "Missing fields [[zz]] for postAggregator [e]");
    json_decref(j);
    /* its type: from the finalized aggregator types */
    json_t *pj = json_loads("{\"type\":\"expression\",\"name\":\"e\",\"expression\":\"a * 2\"}", 0, NULL);
    vrv_postagg *pa;
    CHECK_INT(vrv_postagg_parse(pj, "p", true, &pa, NULL), 0);
    vrv_agg_coltype t;
    CHECK(vrv_postagg_output_type(pa, row_spec, &e.row, &t));
    CHECK_INT(t.type, VRV_C_LONG);
    vrv_postagg_free(pa);
    json_decref(pj);
    vrv_agg_destroy(u, st.b);
    vrv_agg_spec_free(u);
    vrv_agg_spec_free(q);
    vrv_arena_destroy(&e.arena);
}
