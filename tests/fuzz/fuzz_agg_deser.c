/*
 * fuzz_agg_deser.c — deserializing every aggregator's stored form from
 * arbitrary bytes (a corrupt segment) must fail cleanly or give a state that
 * every later operation handles: finalize, merge, re-serialize, render, and
 * the sketch queries behind post-aggregators.
 *
 * Input: byte 0 picks the aggregator, the rest is the blob.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/hllsk.h"
#include "agg/quantiles.h"
#include "agg/theta.h"

static const char *specs[] = {
    "{\"type\":\"hyperUnique\",\"name\":\"a\",\"fieldName\":\"x\"}",
    "{\"type\":\"thetaSketch\",\"name\":\"a\",\"fieldName\":\"x\",\"size\":64}",
    "{\"type\":\"HLLSketchMerge\",\"name\":\"a\",\"fieldName\":\"x\",\"lgK\":8}",
    "{\"type\":\"quantilesDoublesSketch\",\"name\":\"a\",\"fieldName\":\"x\",\"k\":16}",
    "{\"type\":\"longFirst\",\"name\":\"a\",\"fieldName\":\"x\"}",
    "{\"type\":\"doubleLast\",\"name\":\"a\",\"fieldName\":\"x\"}",
    "{\"type\":\"floatFirst\",\"name\":\"a\",\"fieldName\":\"x\"}",
    "{\"type\":\"stringLast\",\"name\":\"a\",\"fieldName\":\"x\",\"maxStringBytes\":16}",
    "{\"type\":\"doubleMean\",\"name\":\"a\",\"fieldName\":\"x\"}",
    "{\"type\":\"floatSum\",\"name\":\"a\",\"fieldName\":\"x\"}",
    "{\"type\":\"stringAny\",\"name\":\"a\",\"fieldName\":\"x\"}",
    "{\"type\":\"longSum\",\"name\":\"a\",\"fieldName\":\"x\"}",
    "{\"type\":\"expression\",\"name\":\"a\",\"fields\":[\"x\"],\"initialValue\":\"ARRAY<STRING>[]\","
    "\"fold\":\"array_append(\\\"__acc\\\", \\\"x\\\")\",\"finalize\":\"array_to_string(o, ',')\"}",
};

static vrv_agg_spec *parsed[sizeof specs / sizeof specs[0]];

static void exercise_sketch(vrv_agg_kind k, const void *p)
{
    if (!p) return;
    if (k == VRV_AGG_K_QUANTILES) {
        const vrv_quantiles *q = p;
        double splits[2] = {-1.0, 1.0}, out[3];
        vrv_quantiles_quantile(q, 0.5);
        vrv_quantiles_rank(q, 0.0);
        vrv_quantiles_pmf(q, splits, 2, out);
    } else if (k == VRV_AGG_K_THETA) {
        vrv_theta_lower_bound(p, 2);
        vrv_theta *i = vrv_theta_intersect(p, p);
        vrv_theta *n = vrv_theta_anotb(p, i);
        vrv_theta_free(i);
        vrv_theta_free(n);
    } else if (k == VRV_AGG_K_HLL || k == VRV_AGG_K_HLLSK) {
        vrv_buf b = VRV_BUF_INIT;
        vrv_hllsk_to_string(p, &b);
        vrv_buf_free(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nspecs = sizeof specs / sizeof specs[0];
    if (!parsed[0]) {
        for (size_t i = 0; i < nspecs; i++) {
            json_t *j = json_loads(specs[i], 0, NULL);
            vrv_agg_parse(j, "fuzz", VRV_AGG_CTX_QUERY, &parsed[i], NULL);
            json_decref(j);
        }
    }
    if (size < 1) return 0;
    const vrv_agg_spec *s = parsed[data[0] % nspecs];
    const uint8_t *blob = data + 1;
    size_t n = size - 1;

    _Alignas(16) unsigned char st[64], other[64];
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    if (vrv_agg_deserialize(s, st, blob, n, NULL) == 0) {
        vrv_agg_finalize(s, st, &arena);
        vrv_value g = vrv_agg_get(s, st);
        vrv_agg_complex_render(&g, &arena);
        exercise_sketch(vrv_agg_complex_kind(s), g.type == VRV_V_COMPLEX ? g.u.ptr : NULL);
        /* merge into a fresh state twice and serialize the result back */
        vrv_agg_init(s, other);
        vrv_agg_merge(s, other, st);
        vrv_agg_merge(s, other, st);
        vrv_buf b = VRV_BUF_INIT;
        vrv_agg_serialize(s, other, &b);
        vrv_agg_destroy(s, other);
        if (vrv_agg_deserialize(s, other, b.data, b.len, NULL) == 0) vrv_agg_destroy(s, other);
        vrv_buf_free(&b);
        vrv_agg_destroy(s, st);
    }
    /* the same bytes as a stored complex cell fed to the aggregator */
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    if (k != VRV_AGG_K_NONE) {
        vrv_agg_init(s, st);
        vrv_value v = vrv_agg_complex_bytes(k, blob, n);
        vrv_agg_add(s, st, &v, 0);
        vrv_agg_finalize(s, st, &arena);
        vrv_agg_destroy(s, st);
    }
    vrv_arena_destroy(&arena);
    return 0;
}
