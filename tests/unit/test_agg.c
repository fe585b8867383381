/*
 * test_agg.c — aggregator specs (parsing, errors, JSON, types, combining
 * factories) and the states of the non-sketch aggregators: count, sums,
 * min/max, first/last, any, doubleMean, grouping, filtered; float combine
 * printing; serialized round trips.
 */
#include "agg_test_util.h"

static char *to_json_text(const vrv_agg_spec *s)
{
    json_t *j = vrv_agg_to_json(s);
    char *t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return t;
}

static void expect_error(const char *js, vrv_agg_ctx ctx, const char *msg)
{
    vrv_error err;
    vrv_agg_spec *s = tspec_ctx(js, ctx, &err);
    CHECK(s == NULL);
    CHECK_INT(err.code, VRV_EINVAL);
    CHECK_STR(err.msg, msg);
    vrv_agg_spec_free(s);
}

TEST(spec_errors_name_the_path)
{
    expect_error("{\"type\":\"longSum\",\"name\":\"x\"}", VRV_AGG_CTX_QUERY,
                 "aggs[0].fieldName: required (or expression)");
    expect_error("{\"type\":\"longSum\",\"name\":\"x\",\"fieldName\":\"a\",\"expression\":\"a+1\"}",
                 VRV_AGG_CTX_QUERY, "aggs[0]: only one of fieldName and expression may be given");
    expect_error("{\"type\":\"longSum\",\"fieldName\":\"a\"}", VRV_AGG_CTX_QUERY,
                 "aggs[0].name: required");
    expect_error("{\"name\":\"x\"}", VRV_AGG_CTX_QUERY, "aggs[0].type: required");
    expect_error("{\"type\":\"median\",\"name\":\"x\"}", VRV_AGG_CTX_QUERY,
                 "aggs[0].type: unknown aggregator type 'median'");
    expect_error("{\"type\":\"doubleMean\",\"name\":\"m\",\"fieldName\":\"a\"}", VRV_AGG_CTX_INGEST,
                 "aggs[0].type: aggregator 'doubleMean' is not allowed in metricsSpec (query-time "
                 "only)");
    expect_error("{\"type\":\"stringAny\",\"name\":\"m\",\"fieldName\":\"a\"}", VRV_AGG_CTX_INGEST,
                 "aggs[0].type: aggregator 'stringAny' is not allowed in metricsSpec (query-time "
                 "only)");
    expect_error("{\"type\":\"cardinality\",\"name\":\"c\",\"fields\":[\"a\"]}", VRV_AGG_CTX_INGEST,
                 "aggs[0].type: aggregator 'cardinality' is not allowed in metricsSpec (query-time "
                 "only)");
    expect_error("{\"type\":\"filtered\",\"filter\":{\"type\":\"true\"},\"aggregator\":"
                 "{\"type\":\"longAny\",\"name\":\"a\",\"fieldName\":\"x\"}}",
                 VRV_AGG_CTX_INGEST,
                 "aggs[0].aggregator.type: aggregator 'longAny' is not allowed in metricsSpec "
                 "(query-time only)");
    expect_error("{\"type\":\"filtered\",\"aggregator\":{\"type\":\"count\",\"name\":\"c\"}}",
                 VRV_AGG_CTX_QUERY, "aggs[0].filter: required");
    expect_error("{\"type\":\"thetaSketch\",\"name\":\"t\",\"fieldName\":\"u\",\"size\":1000}",
                 VRV_AGG_CTX_QUERY,
                 "aggs[0].size: must be a power of 2 between 16 and 67108864, got 1000");
    expect_error("{\"type\":\"HLLSketchBuild\",\"name\":\"h\",\"fieldName\":\"u\",\"lgK\":30}",
                 VRV_AGG_CTX_QUERY, "aggs[0].lgK: must be between 4 and 21, got 30");
    expect_error("{\"type\":\"HLLSketchBuild\",\"name\":\"h\",\"fieldName\":\"u\",\"tgtHllType\":"
                 "\"HLL_5\"}",
                 VRV_AGG_CTX_QUERY, "aggs[0].tgtHllType: must be HLL_4, HLL_6 or HLL_8, got 'HLL_5'");
    expect_error("{\"type\":\"quantilesDoublesSketch\",\"name\":\"q\",\"fieldName\":\"v\",\"k\":100}",
                 VRV_AGG_CTX_QUERY, "aggs[0].k: must be a power of 2 between 2 and 32768, got 100");
    expect_error("{\"type\":\"stringFirst\",\"name\":\"s\",\"fieldName\":\"v\",\"maxStringBytes\":-1}",
                 VRV_AGG_CTX_QUERY, "aggs[0].maxStringBytes: must be between 0 and 2147483647, got -1");
    expect_error("{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"v\",\"round\":3}",
                 VRV_AGG_CTX_QUERY, "aggs[0].round: must be a boolean");
    expect_error("{\"type\":\"cardinality\",\"name\":\"c\",\"fields\":[]}", VRV_AGG_CTX_QUERY,
                 "aggs[0].fields: must be a non-empty array");
    vrv_error err;
    CHECK(tspec_ctx("{\"type\":\"javascript\",\"name\":\"j\",\"fieldNames\":[\"a\"]}",
                    VRV_AGG_CTX_INGEST, &err) == NULL);
    CHECK_INT(err.code, VRV_EUNSUPPORTED);
    CHECK_STR(err.msg, "aggs[0].type: JavaScript aggregators are not supported (JavaScript is disabled)");
}

TEST(spec_list_metrics_spec)
{
    json_t *j = json_loads("[{\"type\":\"count\",\"name\":\"count\"},"
                           "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"},"
                           "{\"type\":\"doubleSum\",\"name\":\"added\",\"fieldName\":\"x\"}]",
                           0, NULL);
    vrv_agg_list l;
    vrv_error err;
    CHECK_INT(vrv_agg_parse_list(j, "spec.dataSchema.metricsSpec", VRV_AGG_CTX_INGEST, &l, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "spec.dataSchema.metricsSpec[2].name: duplicate aggregator name 'added'");
    CHECK(l.n == 0 && l.v == NULL);
    json_decref(j);

    j = json_loads("[{\"type\":\"count\",\"name\":\"count\"},"
                   "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"},"
                   "{\"type\":\"longSum\",\"name\":\"deleted\"}]",
                   0, NULL);
    CHECK_INT(vrv_agg_parse_list(j, "spec.dataSchema.metricsSpec", VRV_AGG_CTX_INGEST, &l, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "spec.dataSchema.metricsSpec[2].fieldName: required (or expression)");
    json_decref(j);

    j = json_loads("[{\"type\":\"count\",\"name\":\"count\"},"
                   "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]",
                   0, NULL);
    CHECK_INT(vrv_agg_parse_list(j, "spec.dataSchema.metricsSpec", VRV_AGG_CTX_INGEST, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.v[1]->field_name, "added");
    vrv_agg_list_free(&l);
    json_decref(j);
}

static void expect_json(const char *in, const char *out)
{
    vrv_agg_spec *s = tspec(in);
    CHECK(s != NULL);
    if (!s) return;
    char *t = to_json_text(s);
    CHECK_STR(t, out);
    free(t);
    vrv_agg_spec_free(s);
}

TEST(spec_json_round_trip)
{
    expect_json("{\"type\":\"count\",\"name\":\"c\"}", "{\"type\":\"count\",\"name\":\"c\"}");
    expect_json("{\"type\":\"longSum\",\"name\":\"x\",\"fieldName\":\"y\"}",
                "{\"type\":\"longSum\",\"name\":\"x\",\"fieldName\":\"y\",\"expression\":null}");
    expect_json("{\"type\":\"doubleMax\",\"name\":\"x\",\"expression\":\"a * 2\"}",
                "{\"type\":\"doubleMax\",\"name\":\"x\",\"fieldName\":null,\"expression\":\"a * 2\"}");
    expect_json("{\"type\":\"longFirst\",\"name\":\"f\",\"fieldName\":\"v\"}",
                "{\"type\":\"longFirst\",\"name\":\"f\",\"fieldName\":\"v\",\"timeColumn\":\"__time\"}");
    expect_json("{\"type\":\"stringLast\",\"name\":\"s\",\"fieldName\":\"v\",\"timeColumn\":\"t\"}",
                "{\"type\":\"stringLast\",\"name\":\"s\",\"fieldName\":\"v\",\"timeColumn\":\"t\","
                "\"maxStringBytes\":1024}");
    expect_json("{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"user\"}",
                "{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"user\","
                "\"isInputHyperUnique\":false,\"round\":false}");
    expect_json("{\"type\":\"thetaSketch\",\"name\":\"t\",\"fieldName\":\"user\"}",
                "{\"type\":\"thetaSketch\",\"name\":\"t\",\"fieldName\":\"user\",\"size\":16384,"
                "\"shouldFinalize\":true,\"isInputThetaSketch\":false,\"errorBoundsStdDev\":null}");
    expect_json("{\"type\":\"HLLSketchBuild\",\"name\":\"h\",\"fieldName\":\"user\"}",
                "{\"type\":\"HLLSketchBuild\",\"name\":\"h\",\"fieldName\":\"user\",\"lgK\":12,"
                "\"tgtHllType\":\"HLL_4\"}");
    expect_json("{\"type\":\"HLLSketchMerge\",\"name\":\"h\",\"fieldName\":\"h\",\"lgK\":10,"
                "\"tgtHllType\":\"HLL_8\",\"round\":true,\"shouldFinalize\":false}",
                "{\"type\":\"HLLSketchMerge\",\"name\":\"h\",\"fieldName\":\"h\",\"lgK\":10,"
                "\"tgtHllType\":\"HLL_8\",\"shouldFinalize\":false,\"round\":true}");
    expect_json("{\"type\":\"quantilesDoublesSketch\",\"name\":\"q\",\"fieldName\":\"v\"}",
                "{\"type\":\"quantilesDoublesSketch\",\"name\":\"q\",\"fieldName\":\"v\",\"k\":128,"
                "\"maxStreamLength\":1000000000}");
    expect_json("{\"type\":\"cardinality\",\"name\":\"c\",\"fields\":[\"a\",{\"type\":\"default\","
                "\"dimension\":\"b\",\"outputName\":\"b\"}],\"byRow\":true}",
                "{\"type\":\"cardinality\",\"name\":\"c\",\"fields\":[\"a\",{\"type\":\"default\","
                "\"dimension\":\"b\",\"outputName\":\"b\"}],\"byRow\":true,\"round\":false}");
    expect_json("{\"type\":\"filtered\",\"filter\":{\"type\":\"selector\",\"dimension\":\"d\","
                "\"value\":\"x\"},\"aggregator\":{\"type\":\"count\",\"name\":\"c\"}}",
                "{\"type\":\"filtered\",\"aggregator\":{\"type\":\"count\",\"name\":\"c\"},"
                "\"filter\":{\"type\":\"selector\",\"dimension\":\"d\",\"value\":\"x\"},"
                "\"name\":\"c\"}");
    expect_json("{\"type\":\"grouping\",\"name\":\"g\",\"groupings\":[\"a\",\"b\"]}",
                "{\"type\":\"grouping\",\"name\":\"g\",\"groupings\":[\"a\",\"b\"]}");
    /* the datasketches aliases and string booleans */
    expect_json("{\"type\":\"thetaSketchMerge\",\"name\":\"t\",\"fieldName\":\"t\",\"isInputThetaSketch\":"
                "\"true\"}",
                "{\"type\":\"thetaSketch\",\"name\":\"t\",\"fieldName\":\"t\",\"size\":16384,"
                "\"shouldFinalize\":true,\"isInputThetaSketch\":true,\"errorBoundsStdDev\":null}");
}

static void expect_combining(const char *in, const char *out)
{
    vrv_agg_spec *s = tspec(in);
    CHECK(s != NULL);
    if (!s) return;
    vrv_agg_spec *c = vrv_agg_combining(s);
    char *t = to_json_text(c);
    CHECK_STR(t, out);
    free(t);
    vrv_agg_spec_free(c);
    vrv_agg_spec_free(s);
}

TEST(spec_combining_factories)
{
    expect_combining("{\"type\":\"count\",\"name\":\"rows\"}",
                     "{\"type\":\"longSum\",\"name\":\"rows\",\"fieldName\":\"rows\",\"expression\":null}");
    expect_combining("{\"type\":\"doubleSum\",\"name\":\"x\",\"expression\":\"a+b\"}",
                     "{\"type\":\"doubleSum\",\"name\":\"x\",\"fieldName\":\"x\",\"expression\":null}");
    expect_combining("{\"type\":\"HLLSketchBuild\",\"name\":\"h\",\"fieldName\":\"user\",\"lgK\":11}",
                     "{\"type\":\"HLLSketchMerge\",\"name\":\"h\",\"fieldName\":\"h\",\"lgK\":11,"
                     "\"tgtHllType\":\"HLL_4\"}");
    expect_combining("{\"type\":\"cardinality\",\"name\":\"c\",\"fields\":[\"a\"],\"round\":true}",
                     "{\"type\":\"hyperUnique\",\"name\":\"c\",\"fieldName\":\"c\","
                     "\"isInputHyperUnique\":false,\"round\":true}");
    expect_combining("{\"type\":\"thetaSketch\",\"name\":\"t\",\"fieldName\":\"u\",\"isInputThetaSketch\":true,"
                     "\"size\":32}",
                     "{\"type\":\"thetaSketch\",\"name\":\"t\",\"fieldName\":\"t\",\"size\":32,"
                     "\"shouldFinalize\":true,\"isInputThetaSketch\":false,\"errorBoundsStdDev\":null}");
    expect_combining("{\"type\":\"longLast\",\"name\":\"l\",\"fieldName\":\"v\",\"timeColumn\":\"ts\"}",
                     "{\"type\":\"longLast\",\"name\":\"l\",\"fieldName\":\"l\",\"timeColumn\":\"ts\"}");
    expect_combining("{\"type\":\"filtered\",\"name\":\"n\",\"filter\":{\"type\":\"true\"},"
                     "\"aggregator\":{\"type\":\"count\",\"name\":\"c\"}}",
                     "{\"type\":\"longSum\",\"name\":\"n\",\"fieldName\":\"n\",\"expression\":null}");
}

static void expect_types(const char *in, vrv_ctype stored, const char *cname, vrv_ctype fin)
{
    vrv_agg_spec *s = tspec(in);
    CHECK(s != NULL);
    if (!s) return;
    vrv_agg_coltype st = vrv_agg_stored_type(s), f = vrv_agg_finalized_type(s);
    CHECK_INT(st.type, stored);
    if (cname) {
        CHECK_STR(st.complex, cname);
    } else {
        CHECK(st.complex == NULL);
    }
    CHECK_INT(f.type, fin);
    vrv_agg_spec_free(s);
}

TEST(spec_types)
{
    expect_types("{\"type\":\"count\",\"name\":\"c\"}", VRV_C_LONG, NULL, VRV_C_LONG);
    expect_types("{\"type\":\"floatSum\",\"name\":\"c\",\"fieldName\":\"x\"}", VRV_C_FLOAT, NULL,
                 VRV_C_FLOAT);
    expect_types("{\"type\":\"doubleFirst\",\"name\":\"c\",\"fieldName\":\"x\"}", VRV_C_COMPLEX,
                 "serializablePairLongDouble", VRV_C_DOUBLE);
    expect_types("{\"type\":\"stringFirst\",\"name\":\"c\",\"fieldName\":\"x\"}", VRV_C_COMPLEX,
                 "serializablePairLongString", VRV_C_STRING);
    expect_types("{\"type\":\"hyperUnique\",\"name\":\"c\",\"fieldName\":\"x\"}", VRV_C_COMPLEX,
                 "hyperUnique", VRV_C_DOUBLE);
    expect_types("{\"type\":\"cardinality\",\"name\":\"c\",\"fields\":[\"x\"],\"round\":true}",
                 VRV_C_COMPLEX, "hyperUnique", VRV_C_LONG);
    expect_types("{\"type\":\"thetaSketch\",\"name\":\"c\",\"fieldName\":\"x\"}", VRV_C_COMPLEX,
                 "thetaSketch", VRV_C_DOUBLE);
    expect_types("{\"type\":\"thetaSketch\",\"name\":\"c\",\"fieldName\":\"x\",\"errorBoundsStdDev\":2}",
                 VRV_C_COMPLEX, "thetaSketch", VRV_C_JSON);
    expect_types("{\"type\":\"HLLSketchBuild\",\"name\":\"c\",\"fieldName\":\"x\",\"round\":true}",
                 VRV_C_COMPLEX, "HLLSketch", VRV_C_LONG);
    expect_types("{\"type\":\"HLLSketchMerge\",\"name\":\"c\",\"fieldName\":\"x\",\"shouldFinalize\":false}",
                 VRV_C_COMPLEX, "HLLSketch", VRV_C_COMPLEX);
    expect_types("{\"type\":\"quantilesDoublesSketch\",\"name\":\"c\",\"fieldName\":\"x\"}",
                 VRV_C_COMPLEX, "quantilesDoublesSketch", VRV_C_LONG);
    expect_types("{\"type\":\"doubleMean\",\"name\":\"c\",\"fieldName\":\"x\"}", VRV_C_COMPLEX,
                 "doubleMean", VRV_C_DOUBLE);
    expect_types("{\"type\":\"stringAny\",\"name\":\"c\",\"fieldName\":\"x\"}", VRV_C_STRING, NULL,
                 VRV_C_STRING);

    vrv_agg_spec *s = tspec("{\"type\":\"longSum\",\"name\":\"x\",\"fieldName\":\"y\"}");
    CHECK(vrv_agg_allowed_at_ingest(s));
    vrv_agg_spec_free(s);
    s = tspec("{\"type\":\"doubleMean\",\"name\":\"x\",\"fieldName\":\"y\"}");
    CHECK(!vrv_agg_allowed_at_ingest(s));
    vrv_agg_spec_free(s);
}

/* Runs values through a fresh state: add each, finalize. */
static vrv_value run(const vrv_agg_spec *s, tstate *st, const vrv_value *vals, size_t n)
{
    vrv_agg_init(s, st->b);
    for (size_t i = 0; i < n; i++) CHECK_INT(vrv_agg_add(s, st->b, &vals[i], (vrv_ms)i), 0);
    return vrv_agg_finalize(s, st->b, NULL);
}

TEST(count_and_long_sum)
{
    vrv_agg_spec *c = tspec("{\"type\":\"count\",\"name\":\"c\"}");
    tstate a, b;
    vrv_value none[3] = {vrv_null(), vrv_null(), vrv_null()};
    CHECK_VAL(run(c, &a, none, 0), VRV_V_LONG, "0");
    run(c, &a, none, 3);
    run(c, &b, none, 2);
    vrv_agg_merge(c, a.b, b.b);
    CHECK_VAL(vrv_agg_finalize(c, a.b, NULL), VRV_V_LONG, "5");
    vrv_agg_spec_free(c);

    vrv_agg_spec *s = tspec("{\"type\":\"longSum\",\"name\":\"s\",\"fieldName\":\"v\"}");
    CHECK_VAL(run(s, &a, NULL, 0), VRV_V_NULL, "null");
    vrv_value in[] = {vrv_long(5), vrv_null(), tstr("12"), vrv_double(2.9), tstr("3.7")};
    CHECK_VAL(run(s, &a, in, 5), VRV_V_LONG, "22");
    CHECK_VAL(run(s, &b, none, 3), VRV_V_NULL, "null"); /* only nulls: still empty */
    vrv_agg_merge(s, a.b, b.b);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_LONG, "22");
    vrv_value bad = tstr("abc");
    CHECK_INT(vrv_agg_add(s, a.b, &bad, 0), VRV_EINVAL);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_LONG, "22");
    vrv_value arr1[] = {vrv_long(8)};
    vrv_value one = vrv_array(arr1, 1);
    CHECK_INT(vrv_agg_add(s, a.b, &one, 0), 0);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_LONG, "30");
    vrv_agg_spec_free(s);
}

TEST(double_sum_prints_decimal_point)
{
    vrv_agg_spec *s = tspec("{\"type\":\"doubleSum\",\"name\":\"s\",\"fieldName\":\"v\"}");
    tstate a;
    vrv_value in[] = {vrv_long(9000), vrv_long(50)};
    CHECK_VAL(run(s, &a, in, 2), VRV_V_DOUBLE, "9050.0");
    vrv_value big[] = {vrv_double(8.0419541E7)};
    CHECK_VAL(run(s, &a, big, 1), VRV_V_DOUBLE, "8.0419541E7");
    CHECK_VAL(run(s, &a, NULL, 0), VRV_V_NULL, "null");
    vrv_agg_spec_free(s);
}

TEST(float_sum_combine_widens_to_double)
{
    vrv_agg_spec *s = tspec("{\"type\":\"floatSum\",\"name\":\"s\",\"fieldName\":\"v\"}");
    tstate a, b, c;
    vrv_value p1[] = {vrv_float(0.1f)}, p2[] = {vrv_float(0.2f)};
    /* one aggregation: a Float, printed at float precision */
    vrv_value both[] = {vrv_float(0.1f), vrv_float(0.2f)};
    CHECK_VAL(run(s, &c, both, 2), VRV_V_FLOAT, "0.3");
    CHECK_VAL(run(s, &a, p1, 1), VRV_V_FLOAT, "0.1");
    run(s, &b, p2, 1);
    /* two partials combined: float addition, widened to a double */
    vrv_agg_merge(s, a.b, b.b);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_DOUBLE, "0.30000001192092896");
    /* a combine with an empty side passes the other through unchanged */
    tstate e;
    run(s, &e, NULL, 0);
    run(s, &b, p2, 1);
    vrv_agg_merge(s, e.b, b.b);
    CHECK_VAL(vrv_agg_finalize(s, e.b, NULL), VRV_V_FLOAT, "0.2");
    /* the combined flag survives serialization */
    vrv_buf buf = VRV_BUF_INIT;
    vrv_agg_serialize(s, a.b, &buf);
    tstate d;
    CHECK_INT(vrv_agg_deserialize(s, d.b, buf.data, buf.len, NULL), 0);
    CHECK_VAL(vrv_agg_finalize(s, d.b, NULL), VRV_V_DOUBLE, "0.30000001192092896");
    vrv_buf_free(&buf);
    vrv_agg_spec_free(s);

    s = tspec("{\"type\":\"floatMax\",\"name\":\"s\",\"fieldName\":\"v\"}");
    run(s, &a, p1, 1);
    run(s, &b, p2, 1);
    vrv_agg_merge(s, a.b, b.b);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_DOUBLE, "0.20000000298023224");
    vrv_agg_spec_free(s);
}

TEST(min_max_empty_and_nulls)
{
    static const char *specs[] = {
        "{\"type\":\"longMin\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"longMax\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"doubleMin\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"doubleMax\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"floatMin\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"floatMax\",\"name\":\"m\",\"fieldName\":\"v\"}",
    };
    static const char *want[] = {"-3", "7", "-3.0", "7.0", "-3.0", "7.0"};
    static const int types[] = {VRV_V_LONG,   VRV_V_LONG,  VRV_V_DOUBLE,
                                VRV_V_DOUBLE, VRV_V_FLOAT, VRV_V_FLOAT};
    vrv_value in[] = {vrv_long(4), vrv_null(), vrv_long(-3), vrv_long(7), vrv_null()};
    for (int i = 0; i < 6; i++) {
        vrv_agg_spec *s = tspec(specs[i]);
        tstate a;
        CHECK_VAL(run(s, &a, NULL, 0), VRV_V_NULL, "null");
        CHECK_VAL(run(s, &a, in, 2), types[i], i < 2 ? "4" : "4.0");
        CHECK_VAL(run(s, &a, in, 5), types[i], want[i]);
        vrv_agg_spec_free(s);
    }
}

TEST(first_last_ties_and_nulls)
{
    vrv_agg_spec *f = tspec("{\"type\":\"longFirst\",\"name\":\"f\",\"fieldName\":\"v\"}");
    vrv_agg_spec *l = tspec("{\"type\":\"longLast\",\"name\":\"l\",\"fieldName\":\"v\"}");
    tstate a, b;
    vrv_agg_init(f, a.b);
    vrv_agg_init(l, b.b);
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_NULL, "null");
    CHECK_VAL(vrv_agg_finalize(l, b.b, NULL), VRV_V_NULL, "null");
    struct {
        int64_t v;
        vrv_ms t;
    } rows[] = {{10, 100}, {20, 50}, {30, 50}, {40, 200}, {50, 200}};
    for (size_t i = 0; i < 5; i++) {
        vrv_value v = vrv_long(rows[i].v);
        vrv_agg_add(f, a.b, &v, rows[i].t);
        vrv_agg_add(l, b.b, &v, rows[i].t);
    }
    /* first keeps the earliest row seen among equal times, last the latest */
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_LONG, "20");
    CHECK_VAL(vrv_agg_finalize(l, b.b, NULL), VRV_V_LONG, "50");
    /* a null at an earlier time makes longFirst null, as in Druid */
    vrv_value nul = vrv_null();
    vrv_agg_add(f, a.b, &nul, 10);
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_NULL, "null");
    /* merge: the earlier pair wins */
    tstate c;
    vrv_agg_init(f, c.b);
    vrv_value v = vrv_long(99);
    vrv_agg_add(f, c.b, &v, 5);
    vrv_agg_merge(f, a.b, c.b);
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_LONG, "99");
    /* the intermediate renders as Druid's pair JSON */
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_value g = vrv_agg_get(f, a.b);
    CHECK_INT(g.type, VRV_V_COMPLEX);
    CHECK_VAL(vrv_agg_complex_render(&g, &ar), VRV_V_JSON, "{\"lhs\":5,\"rhs\":99}");
    tstate e;
    vrv_agg_init(l, e.b);
    g = vrv_agg_get(l, e.b);
    CHECK_VAL(vrv_agg_complex_render(&g, &ar), VRV_V_JSON,
              "{\"lhs\":-9223372036854775808,\"rhs\":null}");
    /* a stored pair column folds through the combining aggregator */
    vrv_buf buf = VRV_BUF_INIT;
    vrv_agg_serialize(f, a.b, &buf);
    vrv_agg_spec *cf = vrv_agg_combining(f);
    tstate d;
    vrv_agg_init(cf, d.b);
    vrv_value cv = vrv_agg_complex_bytes(VRV_AGG_K_PAIR_LONG, buf.data, buf.len);
    CHECK_INT(vrv_agg_add(cf, d.b, &cv, 1000000), 0);
    CHECK_VAL(vrv_agg_finalize(cf, d.b, NULL), VRV_V_LONG, "99");
    vrv_buf_free(&buf);
    vrv_arena_destroy(&ar);
    vrv_agg_spec_free(cf);
    vrv_agg_spec_free(f);
    vrv_agg_spec_free(l);
}

TEST(float_double_first_last)
{
    vrv_agg_spec *f = tspec("{\"type\":\"floatLast\",\"name\":\"f\",\"fieldName\":\"v\"}");
    tstate a, b;
    vrv_agg_init(f, a.b);
    vrv_agg_init(f, b.b);
    vrv_value v1 = vrv_double(0.1), v2 = vrv_float(2.5f);
    vrv_agg_add(f, a.b, &v1, 10);
    vrv_agg_add(f, b.b, &v2, 10);
    vrv_agg_merge(f, a.b, b.b); /* combine() on a tie keeps the left side */
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_FLOAT, "0.1");
    vrv_value pair = vrv_agg_get(f, b.b);
    vrv_agg_add(f, a.b, &pair, 0); /* folding a stored pair: a tie takes it */
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_FLOAT, "2.5");
    vrv_agg_spec_free(f);
    f = tspec("{\"type\":\"doubleFirst\",\"name\":\"f\",\"fieldName\":\"v\"}");
    vrv_agg_init(f, a.b);
    vrv_value s = tstr("1.5");
    vrv_agg_add(f, a.b, &s, 3);
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_DOUBLE, "1.5");
    vrv_value bad = tstr("x");
    CHECK_INT(vrv_agg_add(f, a.b, &bad, 1), VRV_EINVAL);
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_DOUBLE, "1.5");
    vrv_agg_spec_free(f);
}

TEST(string_first_last_truncation)
{
    vrv_agg_spec *f =
        tspec("{\"type\":\"stringFirst\",\"name\":\"f\",\"fieldName\":\"v\",\"maxStringBytes\":5}");
    vrv_agg_spec *l =
        tspec("{\"type\":\"stringLast\",\"name\":\"l\",\"fieldName\":\"v\",\"maxStringBytes\":5}");
    tstate a, b;
    vrv_agg_init(f, a.b);
    vrv_agg_init(l, b.b);
    vrv_value nul = vrv_null();
    vrv_value s1 = tstr("abcdefgh"), s2 = tstr("h\xc3\xa9llo!"), n3 = vrv_long(123456);
    vrv_agg_add(f, a.b, &nul, 1); /* string first/last skip nulls */
    vrv_agg_add(l, b.b, &nul, 99);
    vrv_agg_add(f, a.b, &s1, 5);
    vrv_agg_add(l, b.b, &s1, 5);
    vrv_agg_add(f, a.b, &s2, 7);
    vrv_agg_add(l, b.b, &s2, 7);
    CHECK_VAL(vrv_agg_finalize(f, a.b, NULL), VRV_V_STRING, "abcde");
    /* "héllo!" is 7 bytes; 5 bytes end inside no character: "héll" */
    CHECK_VAL(vrv_agg_finalize(l, b.b, NULL), VRV_V_STRING, "h\xc3\xa9ll");
    vrv_agg_add(l, b.b, &n3, 8);
    CHECK_VAL(vrv_agg_finalize(l, b.b, NULL), VRV_V_STRING, "12345");
    vrv_value arr[] = {tstr("x"), tstr("y")};
    vrv_value av = vrv_array(arr, 2);
    vrv_agg_add(l, b.b, &av, 9);
    CHECK_VAL(vrv_agg_finalize(l, b.b, NULL), VRV_V_STRING, "[x, y");
    CHECK(vrv_agg_state_bytes(l, b.b) > vrv_agg_state_size(l));
    /* round trip through the serialized pair */
    vrv_buf buf = VRV_BUF_INIT;
    vrv_agg_serialize(f, a.b, &buf);
    tstate c;
    CHECK_INT(vrv_agg_deserialize(f, c.b, buf.data, buf.len, NULL), 0);
    CHECK_VAL(vrv_agg_finalize(f, c.b, NULL), VRV_V_STRING, "abcde");
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_value g = vrv_agg_get(f, c.b);
    CHECK_VAL(vrv_agg_complex_render(&g, &ar), VRV_V_JSON, "{\"lhs\":5,\"rhs\":\"abcde\"}");
    vrv_arena_destroy(&ar);
    /* a truncated blob is rejected */
    vrv_error err;
    vrv_agg_destroy(f, c.b);
    CHECK_INT(vrv_agg_deserialize(f, c.b, buf.data, buf.len - 1, &err), VRV_ECORRUPT);
    CHECK_STR(err.msg, "aggregator 'f' (stringFirst): corrupt serialized value of 19 bytes");
    vrv_buf_free(&buf);
    vrv_agg_destroy(f, a.b);
    vrv_agg_destroy(l, b.b);
    vrv_agg_destroy(f, c.b);
    vrv_agg_spec_free(f);
    vrv_agg_spec_free(l);
}

TEST(any_takes_first_row)
{
    vrv_agg_spec *s = tspec("{\"type\":\"longAny\",\"name\":\"a\",\"fieldName\":\"v\"}");
    tstate a, b;
    vrv_value in[] = {vrv_long(7), vrv_long(8)};
    CHECK_VAL(run(s, &a, in, 2), VRV_V_LONG, "7");
    vrv_value nn[] = {vrv_null(), vrv_long(8)};
    CHECK_VAL(run(s, &b, nn, 2), VRV_V_NULL, "null");
    vrv_agg_merge(s, b.b, a.b); /* combine: a null side takes the other */
    CHECK_VAL(vrv_agg_finalize(s, b.b, NULL), VRV_V_LONG, "7");
    CHECK_VAL(run(s, &a, NULL, 0), VRV_V_NULL, "null");
    vrv_agg_spec_free(s);

    s = tspec("{\"type\":\"stringAny\",\"name\":\"a\",\"fieldName\":\"v\",\"maxStringBytes\":3}");
    vrv_value arr[] = {tstr("x"), tstr("y")};
    vrv_value sin[] = {vrv_array(arr, 2)};
    CHECK_VAL(run(s, &a, sin, 1), VRV_V_STRING, "[x,");
    vrv_agg_destroy(s, a.b);
    vrv_agg_spec_free(s);
    s = tspec("{\"type\":\"stringAny\",\"name\":\"a\",\"fieldName\":\"v\","
              "\"aggregateMultipleValues\":false}");
    CHECK_VAL(run(s, &a, sin, 1), VRV_V_STRING, "x");
    vrv_buf buf = VRV_BUF_INIT;
    vrv_agg_serialize(s, a.b, &buf);
    vrv_agg_destroy(s, a.b);
    CHECK_INT(vrv_agg_deserialize(s, a.b, buf.data, buf.len, NULL), 0);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_STRING, "x");
    vrv_agg_destroy(s, a.b);
    vrv_buf_free(&buf);
    vrv_agg_spec_free(s);
}

TEST(double_mean)
{
    vrv_agg_spec *s = tspec("{\"type\":\"doubleMean\",\"name\":\"m\",\"fieldName\":\"v\"}");
    tstate a, b;
    vrv_value in[] = {vrv_long(1), vrv_null(), vrv_long(2)};
    run(s, &a, in, 3);
    vrv_value in2[] = {vrv_double(3.0), vrv_long(4)};
    run(s, &b, in2, 2);
    vrv_agg_merge(s, a.b, b.b);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_DOUBLE, "2.5");
    CHECK_VAL(run(s, &b, NULL, 0), VRV_V_DOUBLE, "0.0");
    /* lists count each element, unparsable values count as 0 */
    vrv_value el[] = {vrv_long(4), tstr("x")};
    vrv_value lin[] = {vrv_array(el, 2), vrv_long(5)};
    CHECK_VAL(run(s, &b, lin, 2), VRV_V_DOUBLE, "3.0");
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_value g = vrv_agg_get(s, a.b);
    vrv_value r = vrv_agg_complex_render(&g, &ar);
    CHECK_INT(r.type, VRV_V_STRING); /* base64 of the (sum, count) holder */
    vrv_value fin = vrv_agg_finalize_value(s, &g, &ar);
    CHECK_VAL(fin, VRV_V_DOUBLE, "2.5");
    vrv_arena_destroy(&ar);
    vrv_agg_spec_free(s);
}

TEST(grouping_and_filtered)
{
    vrv_agg_spec *g = tspec("{\"type\":\"grouping\",\"name\":\"g\",\"groupings\":[\"a\",\"b\",\"c\"]}");
    const char *present[] = {"b"};
    CHECK_INT(vrv_agg_grouping_value(g, present, 1), 5); /* a, c absent: 101 */
    CHECK_INT(vrv_agg_grouping_value(g, NULL, 0), 7);
    tstate a;
    vrv_value v = vrv_long(5);
    CHECK_VAL(run(g, &a, &v, 1), VRV_V_LONG, "5");
    vrv_agg_spec_free(g);

    vrv_agg_spec *f = tspec("{\"type\":\"filtered\",\"filter\":{\"type\":\"selector\",\"dimension\":"
                            "\"d\",\"value\":\"x\"},\"aggregator\":{\"type\":\"longSum\",\"name\":"
                            "\"s\",\"fieldName\":\"v\"}}");
    CHECK_STR(f->name, "s");
    CHECK_STR(vrv_agg_unwrap(f)->field_name, "v");
    CHECK(f->filter != NULL);
    /* an unmatched filtered aggregator is empty: null */
    CHECK_VAL(run(f, &a, NULL, 0), VRV_V_NULL, "null");
    vrv_value in[] = {vrv_long(3), vrv_long(4)};
    CHECK_VAL(run(f, &a, in, 2), VRV_V_LONG, "7");
    vrv_agg_spec_free(f);
}

TEST(numeric_serialize_round_trip)
{
    static const char *specs[] = {
        "{\"type\":\"count\",\"name\":\"m\"}",
        "{\"type\":\"longSum\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"doubleMin\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"floatSum\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"doubleAny\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"longLast\",\"name\":\"m\",\"fieldName\":\"v\"}",
        "{\"type\":\"doubleMean\",\"name\":\"m\",\"fieldName\":\"v\"}",
    };
    static const char *want[] = {"2", "6", "2.5", "7.0", "2.5", "4", "3.5"};
    vrv_value in[] = {vrv_double(2.5), vrv_double(4.5)};
    for (size_t i = 0; i < VRV_ARRAY_LEN(specs); i++) {
        vrv_agg_spec *s = tspec(specs[i]);
        tstate a, b, e;
        vrv_value before = run(s, &a, in, 2);
        CHECK_STR(tfmt(&before), want[i]);
        vrv_buf buf = VRV_BUF_INIT;
        vrv_agg_serialize(s, a.b, &buf);
        CHECK_INT(vrv_agg_deserialize(s, b.b, buf.data, buf.len, NULL), 0);
        vrv_value after = vrv_agg_finalize(s, b.b, NULL);
        CHECK_INT(after.type, before.type);
        CHECK_STR(tfmt(&after), want[i]);
        /* an empty state round-trips to empty */
        vrv_buf_reset(&buf);
        vrv_agg_init(s, e.b);
        vrv_agg_serialize(s, e.b, &buf);
        CHECK_INT(vrv_agg_deserialize(s, b.b, buf.data, buf.len, NULL), 0);
        vrv_value ev = vrv_agg_finalize(s, b.b, NULL);
        vrv_value ee = vrv_agg_finalize(s, e.b, NULL);
        CHECK_STR(tfmt(&ev), tfmt(&ee));
        /* garbage is rejected */
        CHECK_INT(vrv_agg_deserialize(s, b.b, "\xff\xff", 2, NULL), VRV_ECORRUPT);
        vrv_buf_free(&buf);
        vrv_agg_spec_free(s);
    }
}

TEST(row_layout)
{
    vrv_agg_spec *a = tspec("{\"type\":\"count\",\"name\":\"c\"}");
    vrv_agg_spec *b = tspec("{\"type\":\"floatSum\",\"name\":\"f\",\"fieldName\":\"v\"}");
    vrv_agg_spec *c = tspec("{\"type\":\"stringLast\",\"name\":\"s\",\"fieldName\":\"v\"}");
    const vrv_agg_spec *specs[] = {a, b, c};
    size_t off[3];
    size_t total = vrv_agg_layout(specs, 3, off);
    CHECK_INT(off[0], 0);
    CHECK_INT(off[1], 8);
    CHECK_INT(off[2], 16);
    CHECK_INT(total, 16 + sizeof(vrv_agg_pair));
    _Alignas(16) unsigned char row[128];
    for (int i = 0; i < 3; i++) vrv_agg_init(specs[i], row + off[i]);
    vrv_value v = vrv_float(1.5f), s = tstr("x");
    vrv_agg_add(a, row + off[0], NULL, 0);
    vrv_agg_add(b, row + off[1], &v, 0);
    vrv_agg_add(c, row + off[2], &s, 0);
    CHECK_VAL(vrv_agg_finalize(a, row + off[0], NULL), VRV_V_LONG, "1");
    CHECK_VAL(vrv_agg_finalize(b, row + off[1], NULL), VRV_V_FLOAT, "1.5");
    CHECK_VAL(vrv_agg_finalize(c, row + off[2], NULL), VRV_V_STRING, "x");
    vrv_agg_destroy(c, row + off[2]);
    vrv_agg_spec_free(a);
    vrv_agg_spec_free(b);
    vrv_agg_spec_free(c);
}
