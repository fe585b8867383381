/*
 * test_agg_expr.c — the `expression` aggregator on its own: its JSON (with
 * Druid's defaults and the combine rewritten from the fold), fold, combine
 * and finalize over rows, null handling, the serialized state and damaged
 * states, and the errors of a bad spec naming the field.
 */
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "base/mem.h"
#include "test.h"

static vrv_agg_spec *parse(const char *js, vrv_error *err)
{
    json_t *j = json_loads(js, 0, NULL);
    vrv_agg_spec *s = NULL;
    if (vrv_agg_parse(j, "aggregations[0]", VRV_AGG_CTX_QUERY, &s, err) != 0) s = NULL;
    json_decref(j);
    return s;
}

static char *value_text(const vrv_value *v)
{
    json_t *j;
    switch (v->type) {
    case VRV_V_NULL:
        return vrv_strdup("null");
    case VRV_V_LONG:
        j = json_integer(v->u.l);
        break;
    case VRV_V_DOUBLE:
        j = json_real(v->u.d);
        break;
    case VRV_V_STRING:
        j = json_stringn(v->u.s, v->len);
        break;
    case VRV_V_ARRAY:
        j = json_array();
        for (uint32_t i = 0; i < v->len; i++) {
            const vrv_value *e = &v->u.a[i];
            json_array_append_new(j, e->type == VRV_V_STRING ? json_stringn(e->u.s, e->len)
                                     : e->type == VRV_V_LONG ? json_integer(e->u.l)
                                                             : json_null());
        }
        break;
    default:
        return vrv_strdup("?");
    }
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(j);
    return s;
}

#define CHECK_VALUE(v, text)                                                                       \
    do {                                                                                           \
        vrv_value v_ = (v);                                                                        \
        char *t_ = value_text(&v_);                                                                \
        CHECK_STR(t_, text);                                                                       \
        free(t_);                                                                                  \
    } while (0)

TEST(spec_json_and_defaults)
{
    vrv_error err;
    vrv_agg_spec *s =
        parse("{\"type\":\"expression\",\"name\":\"a0\",\"fields\":[\"x\"],\"initialValue\":\"0\","
              "\"fold\":\"bitwiseOr(\\\"__acc\\\", \\\"x\\\")\"}",
              &err);
    CHECK(s != NULL);
    if (!s) return;
    CHECK(!vrv_agg_allowed_at_ingest(s));
    json_t *j = vrv_agg_to_json(s);
    char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(
        t,
        "{\"accumulatorIdentifier\":\"__acc\",\"combine\":\"bitwiseOr(\\\"__acc\\\", \\\"a0\\\")\","
        "\"compare\":null,\"fields\":[\"x\"],\"finalize\":null,\"fold\":\"bitwiseOr(\\\"__acc\\\", "
        "\\\"x\\\")\","
        "\"initialCombineValue\":\"0\",\"initialValue\":\"0\",\"isNullUnlessAggregated\":true,"
        "\"maxSizeBytes\":1024,\"name\":\"a0\",\"shouldAggregateNullInputs\":true,"
        "\"shouldCombineAggregateNullInputs\":false,\"type\":\"expression\"}");
    free(t);
    json_decref(j);
    CHECK_INT(vrv_agg_intermediate_type(s).type, VRV_C_LONG);
    CHECK_INT(vrv_agg_finalized_type(s).type, VRV_C_LONG);
    /* a clone is a working copy */
    vrv_agg_spec *c = vrv_agg_spec_clone(s);
    void *st = vrv_malloc(vrv_agg_state_size(c));
    vrv_agg_init(c, st);
    CHECK_VALUE(vrv_agg_finalize(c, st, NULL), "null");
    vrv_value vals[] = {vrv_long(5), vrv_long(8), vrv_null()};
    for (int i = 0; i < 2; i++) CHECK_INT(vrv_agg_fold_row(c, st, &vals[i], 1, 0, &err), 0);
    CHECK_VALUE(vrv_agg_get(c, st), "13");
    /* shouldAggregateNullInputs: the fold sees the null, and bitwiseOr of a null is null */
    CHECK_INT(vrv_agg_fold_row(c, st, &vals[2], 1, 0, &err), 0);
    CHECK_VALUE(vrv_agg_get(c, st), "null");
    vrv_agg_destroy(c, st);
    free(st);
    vrv_agg_spec_free(c);
    vrv_agg_spec_free(s);
}

TEST(fold_combine_finalize)
{
    vrv_error err;
    vrv_agg_spec *s = parse(
        "{\"type\":\"expression\",\"name\":\"a0\",\"fields\":[\"x\"],\"initialValue\":\"[]\","
        "\"shouldAggregateNullInputs\":false,\"fold\":\"array_append(\\\"__acc\\\", \\\"x\\\")\","
        "\"combine\":\"array_concat(\\\"__acc\\\", \\\"a0\\\")\","
        "\"finalize\":\"if(array_length(o) == 0, null, array_to_string(o, '-'))\"}",
        &err);
    CHECK(s != NULL);
    if (!s) return;
    CHECK_INT(vrv_agg_finalized_type(s).type, VRV_C_STRING);
    size_t sz = vrv_agg_state_size(s);
    void *a = vrv_malloc(sz), *b = vrv_malloc(sz), *c = vrv_malloc(sz);
    vrv_agg_init(s, a);
    vrv_agg_init(s, b);
    vrv_value row1 = vrv_string("p", 1), row2 = vrv_null();
    vrv_value mv_el[] = {vrv_string("q", 1), vrv_string("r", 1)};
    vrv_value row3 = vrv_array(mv_el, 2);
    CHECK_INT(vrv_agg_fold_row(s, a, &row1, 1, 0, &err), 0);
    CHECK_INT(vrv_agg_fold_row(s, a, &row2, 1, 0, &err),
              0); /* skipped: shouldAggregateNullInputs false */
    CHECK_INT(vrv_agg_fold_row(s, b, &row3, 1, 0, &err), 0); /* each value of a multi-value row */
    CHECK_VALUE(vrv_agg_get(s, a), "[\"p\"]");
    CHECK_VALUE(vrv_agg_get(s, b), "[\"q\",\"r\"]");
    vrv_agg_merge(s, a, b);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    CHECK_VALUE(vrv_agg_finalize(s, a, &ar), "\"p-q-r\"");
    /* the serialized state reads back the same */
    vrv_buf buf = VRV_BUF_INIT;
    vrv_agg_serialize(s, a, &buf);
    CHECK_INT(vrv_agg_deserialize(s, c, buf.data, buf.len, &err), 0);
    CHECK_VALUE(vrv_agg_get(s, c), "[\"p\",\"q\",\"r\"]");
    /* damage: truncated, and a wrong leading byte */
    vrv_agg_destroy(s, c);
    CHECK_INT(vrv_agg_deserialize(s, c, buf.data, buf.len - 1, &err), VRV_ECORRUPT);
    CHECK_STR(err.msg, "aggregator 'a0': corrupt expression aggregator state");
    vrv_agg_destroy(s, c);
    CHECK_INT(vrv_agg_deserialize(s, c, "\x01\x03", 2, &err), VRV_ECORRUPT);
    vrv_agg_destroy(s, c);
    vrv_buf_free(&buf);
    /* nothing folded: null, and finalize of null is null */
    vrv_agg_destroy(s, b);
    vrv_agg_init(s, b);
    CHECK_VALUE(vrv_agg_finalize(s, b, &ar), "null");
    vrv_arena_destroy(&ar);
    vrv_agg_destroy(s, a);
    vrv_agg_destroy(s, b);
    free(a);
    free(b);
    free(c);
    vrv_agg_spec_free(s);
}

TEST(max_size)
{
    vrv_error err;
    vrv_agg_spec *s =
        parse("{\"type\":\"expression\",\"name\":\"a0\",\"fields\":[\"x\"],\"initialValue\":"
              "\"ARRAY<STRING>[]\","
              "\"fold\":\"array_append(\\\"__acc\\\", \\\"x\\\")\",\"maxSizeBytes\":\"16\"}",
              &err);
    CHECK(s != NULL);
    if (!s) return;
    void *st = vrv_malloc(vrv_agg_state_size(s));
    vrv_agg_init(s, st);
    vrv_value v = vrv_string("abcde", 5);
    CHECK_INT(vrv_agg_fold_row(s, st, &v, 1, 0, &err), 0); /* 2 + 4 + 1 + 4 + 5 = 16 bytes */
    CHECK_INT(vrv_agg_fold_row(s, st, &v, 1, 0, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "Unable to serialize [ARRAY<STRING>], size [26] is larger than max [16]");
    CHECK_VALUE(vrv_agg_get(s, st), "[\"abcde\"]");
    vrv_agg_destroy(s, st);
    free(st);
    vrv_agg_spec_free(s);
}

TEST(spec_errors)
{
    vrv_error err;
    struct {
        const char *spec, *msg;
    } cases[] = {
        {"{\"type\":\"expression\",\"name\":\"a\",\"fields\":[\"x\"],\"fold\":\"x\"}",
         "aggregations[0].initialValue: required"},
        {"{\"type\":\"expression\",\"name\":\"a\",\"fields\":[\"x\"],\"initialValue\":\"0\"}",
         "aggregations[0].fold: required"},
        {"{\"type\":\"expression\",\"name\":\"a\",\"fields\":[\"x\",\"y\"],\"initialValue\":\"0\","
         "\"fold\":\"x + y\"}",
         "aggregations[0].combine: required unless there is a single input field (Must have a "
         "single input field "
         "if no combine expression is supplied)"},
        {"{\"type\":\"expression\",\"name\":\"a\",\"fields\":[\"x\"],\"initialValue\":\"x + "
         "1\",\"fold\":\"x\"}",
         "aggregations[0].initialValue: must be a constant"},
        {"{\"type\":\"expression\",\"name\":\"a\",\"fields\":[1],\"initialValue\":\"0\",\"fold\":"
         "\"x\"}",
         "aggregations[0].fields[0]: must be a string"},
        {"{\"type\":\"expression\",\"name\":\"a\",\"fields\":[\"x\"],\"initialValue\":\"0\","
         "\"fold\":\"x\",\"maxSizeBytes\":4}",
         "aggregations[0].maxSizeBytes: must be a size between 10 and 2147483647 bytes"},
        {"{\"type\":\"expression\",\"name\":\"a\",\"fields\":[\"x\"],\"initialValue\":\"0\","
         "\"fold\":\"x\","
         "\"isNullUnlessAggregated\":\"yes\"}",
         "aggregations[0].isNullUnlessAggregated: must be a boolean"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vrv_agg_spec *s = parse(cases[i].spec, &err);
        CHECK(s == NULL);
        if (!s) CHECK_STR(err.msg, cases[i].msg);
        vrv_agg_spec_free(s);
    }
    /* an expression aggregator is query-time only */
    json_t *j = json_loads("{\"type\":\"expression\",\"name\":\"a\",\"fields\":[\"x\"],"
                           "\"initialValue\":\"0\",\"fold\":\"x\"}",
                           0, NULL);
    vrv_agg_spec *s = NULL;
    CHECK(vrv_agg_parse(j, "m", VRV_AGG_CTX_INGEST, &s, &err) != 0);
    json_decref(j);
}
