/*
 * test_agg_sketch.c — the sketch aggregators: hyperUnique / cardinality,
 * thetaSketch, HLLSketchBuild / HLLSketchMerge and quantilesDoublesSketch.
 * Exact answers for 1..1000 distinct values, documented error bounds at
 * 1,000,000, merge of sketches equals the sketch of the union, serialized
 * round trips, corrupt blobs rejected, empty values per druid-query.md §9.
 */
#include <math.h>

#include "agg/hll.h"
#include "agg/hllsk.h"
#include "agg/quantiles.h"
#include "agg/theta.h"
#include "agg_test_util.h"

static vrv_value num_str(char *buf, int i)
{
    int n = snprintf(buf, 32, "user-%d", i);
    return vrv_string(buf, (size_t)n);
}

/* Adds "user-lo".."user-hi" (inclusive) to the state. */
static void add_range(const vrv_agg_spec *s, void *st, int lo, int hi)
{
    char buf[32];
    for (int i = lo; i <= hi; i++) {
        vrv_value v = num_str(buf, i);
        CHECK_INT(vrv_agg_add(s, st, &v, 0), 0);
    }
}

static double estimate_of(const vrv_agg_spec *s, const void *st)
{
    vrv_value v = vrv_agg_finalize(s, st, NULL);
    double d = 0;
    CHECK(vrv_value_to_double(&v, &d));
    return d;
}

static const char *distinct_specs[] = {
    "{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"user\"}",
    "{\"type\":\"cardinality\",\"name\":\"u\",\"fields\":[\"user\"]}",
    "{\"type\":\"thetaSketch\",\"name\":\"u\",\"fieldName\":\"user\"}",
    "{\"type\":\"HLLSketchBuild\",\"name\":\"u\",\"fieldName\":\"user\"}",
};

TEST(distinct_sketches_exact_up_to_1000)
{
    for (size_t k = 0; k < VRV_ARRAY_LEN(distinct_specs); k++) {
        vrv_agg_spec *s = tspec(distinct_specs[k]);
        tstate st;
        vrv_agg_init(s, st.b);
        char buf[32];
        for (int i = 1; i <= 1000; i++) {
            vrv_value v = num_str(buf, i);
            vrv_agg_add(s, st.b, &v, 0);
            vrv_agg_add(s, st.b, &v, 0); /* duplicates do not count */
            if (i % 97 == 0 || i == 1 || i == 1000) {
                vrv_value f = vrv_agg_finalize(s, st.b, NULL);
                CHECK_INT(f.type, VRV_V_DOUBLE);
                if (f.u.d != (double)i) {
                    vrv_test_fail(__FILE__, __LINE__, "%s at %d: %.17g", s->name, i, f.u.d);
                    break;
                }
            }
        }
        vrv_value nul = vrv_null();
        CHECK_INT(vrv_agg_add(s, st.b, &nul, 0), 0);
        CHECK_DBL(estimate_of(s, st.b), 1000.0);
        vrv_agg_destroy(s, st.b);
        vrv_agg_spec_free(s);
    }
}

TEST(distinct_sketches_empty_values)
{
    for (size_t k = 0; k < VRV_ARRAY_LEN(distinct_specs); k++) {
        vrv_agg_spec *s = tspec(distinct_specs[k]);
        tstate st;
        vrv_agg_init(s, st.b);
        CHECK_VAL(vrv_agg_finalize(s, st.b, NULL), VRV_V_DOUBLE, "0.0");
        CHECK(vrv_agg_state_bytes(s, st.b) == vrv_agg_state_size(s));
        vrv_agg_destroy(s, st.b);
        vrv_agg_spec_free(s);
    }
    vrv_agg_spec *s = tspec("{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"x\",\"round\":true}");
    tstate st;
    vrv_agg_init(s, st.b);
    CHECK_VAL(vrv_agg_finalize(s, st.b, NULL), VRV_V_LONG, "0");
    add_range(s, st.b, 1, 3);
    CHECK_VAL(vrv_agg_finalize(s, st.b, NULL), VRV_V_LONG, "3");
    vrv_agg_destroy(s, st.b);
    vrv_agg_spec_free(s);
    s = tspec("{\"type\":\"HLLSketchMerge\",\"name\":\"u\",\"fieldName\":\"x\",\"round\":true}");
    vrv_agg_init(s, st.b);
    CHECK_VAL(vrv_agg_finalize(s, st.b, NULL), VRV_V_LONG, "0");
    vrv_agg_spec_free(s);
    s = tspec("{\"type\":\"quantilesDoublesSketch\",\"name\":\"q\",\"fieldName\":\"x\"}");
    vrv_agg_init(s, st.b);
    CHECK_VAL(vrv_agg_finalize(s, st.b, NULL), VRV_V_LONG, "0");
    vrv_agg_spec_free(s);
}

/* "" is a value for hyperUnique and cardinality (Druid hashes it), none
 * for thetaSketch and HLLSketchBuild (DataSketches ignores empty input). */
TEST(distinct_sketches_empty_string)
{
    static const struct {
        const char *spec;
        const char *want;
    } cases[] = {
        {"{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"x\"}", "2.0"},
        {"{\"type\":\"thetaSketch\",\"name\":\"u\",\"fieldName\":\"x\"}", "1.0"},
        {"{\"type\":\"HLLSketchBuild\",\"name\":\"u\",\"fieldName\":\"x\"}", "1.0"},
    };
    for (size_t k = 0; k < VRV_ARRAY_LEN(cases); k++) {
        vrv_agg_spec *s = tspec(cases[k].spec);
        tstate st;
        vrv_agg_init(s, st.b);
        vrv_value e = vrv_string("", 0), a = vrv_string("a", 1);
        vrv_agg_add(s, st.b, &e, 0);
        vrv_agg_add(s, st.b, &a, 0);
        vrv_agg_add(s, st.b, &e, 0);
        CHECK_VAL(vrv_agg_finalize(s, st.b, NULL), VRV_V_DOUBLE, cases[k].want);
        vrv_agg_destroy(s, st.b);
        vrv_agg_spec_free(s);
    }
}

/* 1,000,000 distinct values: within the documented bounds (about three
 * standard errors): hyperUnique 0.81% -> 3%, theta 0.78% -> 3%,
 * HLLSketch lgK 12 1.6% -> 5%. */
TEST(distinct_sketches_one_million)
{
    static const double bound[] = {0.03, 0.03, 0.03, 0.05};
    for (size_t k = 0; k < VRV_ARRAY_LEN(distinct_specs); k++) {
        vrv_agg_spec *s = tspec(distinct_specs[k]);
        tstate st;
        vrv_agg_init(s, st.b);
        add_range(s, st.b, 1, 1000000);
        double e = estimate_of(s, st.b);
        if (fabs(e - 1e6) > bound[k] * 1e6)
            vrv_test_fail(__FILE__, __LINE__, "%s: estimate %.1f off by more than %g", distinct_specs[k],
                          e, bound[k]);
        vrv_agg_destroy(s, st.b);
        vrv_agg_spec_free(s);
    }
}

/* Sketches built over disjoint and overlapping parts, merged, give exactly
 * the sketch of the union (same estimate, same serialized bytes). */
TEST(merge_equals_sketch_of_union)
{
    const int ranges[][2] = {{1, 600}, {400, 1000}, {1, 30000}, {20000, 90000}};
    for (size_t k = 0; k < VRV_ARRAY_LEN(distinct_specs); k++) {
        vrv_agg_spec *s = tspec(distinct_specs[k]);
        for (int pass = 0; pass < 2; pass++) {
            const int *ra = ranges[2 * pass], *rb = ranges[2 * pass + 1];
            tstate a, b, u;
            vrv_agg_init(s, a.b);
            vrv_agg_init(s, b.b);
            vrv_agg_init(s, u.b);
            add_range(s, a.b, ra[0], ra[1]);
            add_range(s, b.b, rb[0], rb[1]);
            add_range(s, u.b, ra[0], ra[1]);
            add_range(s, u.b, rb[0], rb[1]);
            vrv_agg_merge(s, a.b, b.b);
            CHECK_DBL(estimate_of(s, a.b), estimate_of(s, u.b));
            if (pass == 0) CHECK_DBL(estimate_of(s, a.b), 1000.0);
            vrv_buf x = VRV_BUF_INIT, y = VRV_BUF_INIT;
            vrv_agg_serialize(s, a.b, &x);
            vrv_agg_serialize(s, u.b, &y);
            CHECK(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
            vrv_buf_free(&x);
            vrv_buf_free(&y);
            vrv_agg_destroy(s, a.b);
            vrv_agg_destroy(s, b.b);
            vrv_agg_destroy(s, u.b);
        }
        vrv_agg_spec_free(s);
    }
}

TEST(sketch_serialize_round_trip_and_combining)
{
    for (size_t k = 0; k < VRV_ARRAY_LEN(distinct_specs); k++) {
        vrv_agg_spec *s = tspec(distinct_specs[k]);
        vrv_agg_spec *c = vrv_agg_combining(s);
        for (int n = 0; n <= 5000; n = n ? n * 10 : 5) {
            tstate a, b, m;
            vrv_agg_init(s, a.b);
            add_range(s, a.b, 1, n);
            vrv_buf buf = VRV_BUF_INIT;
            vrv_agg_serialize(s, a.b, &buf);
            CHECK_INT(vrv_agg_deserialize(s, b.b, buf.data, buf.len, NULL), 0);
            CHECK_DBL(estimate_of(s, b.b), estimate_of(s, a.b));
            /* the stored blob read back through the combining aggregator */
            vrv_agg_init(c, m.b);
            vrv_value cv = vrv_agg_complex_bytes(vrv_agg_complex_kind(s), buf.data, buf.len);
            CHECK_INT(vrv_agg_add(c, m.b, &cv, 0), 0);
            vrv_value live = vrv_agg_get(s, b.b);
            CHECK_INT(vrv_agg_add(c, m.b, &live, 0), 0); /* same values again */
            CHECK_DBL(estimate_of(c, m.b), estimate_of(s, a.b));
            /* corrupt: truncated, or one byte flipped in the header */
            tstate z;
            vrv_error err;
            CHECK_INT(vrv_agg_deserialize(s, z.b, buf.data, buf.len - 1, &err), VRV_ECORRUPT);
            buf.data[0] ^= 0x21;
            CHECK_INT(vrv_agg_deserialize(s, z.b, buf.data, buf.len, &err), VRV_ECORRUPT);
            vrv_value bad = vrv_agg_complex_bytes(vrv_agg_complex_kind(s), buf.data, buf.len);
            CHECK_INT(vrv_agg_add(c, m.b, &bad, 0), VRV_EINVAL);
            vrv_buf_free(&buf);
            vrv_agg_destroy(s, a.b);
            vrv_agg_destroy(s, b.b);
            vrv_agg_destroy(c, m.b);
        }
        vrv_agg_spec_free(c);
        vrv_agg_spec_free(s);
    }
}

TEST(finalize_false_renders_base64)
{
    vrv_agg_spec *s = tspec("{\"type\":\"HLLSketchBuild\",\"name\":\"u\",\"fieldName\":\"user\"}");
    tstate st;
    vrv_agg_init(s, st.b);
    add_range(s, st.b, 1, 2);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_value g = vrv_agg_get(s, st.b);
    vrv_value r = vrv_agg_complex_render(&g, &ar);
    CHECK_INT(r.type, VRV_V_STRING);
    /* base64 decodes back to a sketch with the same estimate */
    vrv_buf dec = VRV_BUF_INIT;
    CHECK(vrv_agg_base64_decode(r.u.s, r.len, &dec));
    vrv_hllsk *h = NULL;
    CHECK_INT(vrv_hllsk_deserialize(dec.data, dec.len, VRV_HLLSK_FAMILY_SKETCH, &h), 0);
    CHECK_DBL(vrv_hllsk_estimate(h), 2.0);
    vrv_hllsk_free(h);
    /* ingesting that base64 string through HLLSketchMerge merges it */
    vrv_agg_spec *m = tspec("{\"type\":\"HLLSketchMerge\",\"name\":\"u\",\"fieldName\":\"u\"}");
    tstate ms;
    vrv_agg_init(m, ms.b);
    CHECK_INT(vrv_agg_add(m, ms.b, &r, 0), 0);
    CHECK_DBL(estimate_of(m, ms.b), 2.0);
    vrv_value junk = tstr("not base64!");
    CHECK_INT(vrv_agg_add(m, ms.b, &junk, 0), VRV_EINVAL);
    vrv_agg_destroy(m, ms.b);
    vrv_agg_spec_free(m);
    /* shouldFinalize:false finalizes to the sketch itself */
    vrv_agg_spec *nf = tspec("{\"type\":\"HLLSketchBuild\",\"name\":\"u\",\"fieldName\":\"user\","
                             "\"shouldFinalize\":false}");
    vrv_value f = vrv_agg_finalize(nf, st.b, &ar);
    CHECK_INT(f.type, VRV_V_COMPLEX);
    CHECK_INT(f.flags, VRV_AGG_K_HLLSK);
    vrv_agg_spec_free(nf);
    vrv_buf_free(&dec);
    vrv_arena_destroy(&ar);
    vrv_agg_destroy(s, st.b);
    vrv_agg_spec_free(s);

    /* base64 itself */
    vrv_arena_init(&ar, 0);
    size_t n;
    CHECK_STR(vrv_agg_base64(&ar, "any carnal pleas", 16, &n), "YW55IGNhcm5hbCBwbGVhcw==");
    CHECK_STR(vrv_agg_base64(&ar, "any carnal pleasu", 17, &n), "YW55IGNhcm5hbCBwbGVhc3U=");
    CHECK_STR(vrv_agg_base64(&ar, "", 0, &n), "");
    vrv_arena_destroy(&ar);
}

TEST(cardinality_by_value_and_by_row)
{
    vrv_agg_spec *v = tspec("{\"type\":\"cardinality\",\"name\":\"c\",\"fields\":[\"a\",\"b\"]}");
    vrv_agg_spec *r =
        tspec("{\"type\":\"cardinality\",\"name\":\"c\",\"fields\":[\"a\",\"b\"],\"byRow\":true}");
    tstate sv, sr;
    vrv_agg_init(v, sv.b);
    vrv_agg_init(r, sr.b);
    /* rows (a,b): (x,y) (x,z) (y,x) (x,y) (null,null) ([p,q], x) */
    vrv_value mv[] = {tstr("p"), tstr("q")};
    vrv_value rows[][2] = {{tstr("x"), tstr("y")}, {tstr("x"), tstr("z")},
                           {tstr("y"), tstr("x")}, {tstr("x"), tstr("y")},
                           {vrv_null(), vrv_null()}, {vrv_array(mv, 2), tstr("x")}};
    for (size_t i = 0; i < VRV_ARRAY_LEN(rows); i++) {
        CHECK_INT(vrv_agg_add_row(v, sv.b, rows[i], 2, 0), 0);
        CHECK_INT(vrv_agg_add_row(r, sr.b, rows[i], 2, 0), 0);
    }
    /* by value: x y z p q; by row: (x,y) (x,z) (y,x) ([p,q],x) */
    CHECK_DBL(estimate_of(v, sv.b), 5.0);
    CHECK_DBL(estimate_of(r, sr.b), 4.0);
    vrv_agg_destroy(v, sv.b);
    vrv_agg_destroy(r, sr.b);
    vrv_agg_spec_free(v);
    vrv_agg_spec_free(r);
}

TEST(hyperunique_numbers_and_strings_agree)
{
    vrv_agg_spec *s = tspec("{\"type\":\"hyperUnique\",\"name\":\"u\",\"fieldName\":\"x\"}");
    tstate st;
    vrv_agg_init(s, st.b);
    vrv_value a = vrv_long(5), b = tstr("5"), c = vrv_double(5.0);
    vrv_agg_add(s, st.b, &a, 0);
    vrv_agg_add(s, st.b, &b, 0);
    CHECK_DBL(estimate_of(s, st.b), 1.0);
    vrv_agg_add(s, st.b, &c, 0); /* "5.0" is another value, as Druid's toString */
    CHECK_DBL(estimate_of(s, st.b), 2.0);
    vrv_agg_destroy(s, st.b);
    vrv_agg_spec_free(s);
}

TEST(theta_error_bounds_finalize)
{
    vrv_agg_spec *s = tspec("{\"type\":\"thetaSketch\",\"name\":\"t\",\"fieldName\":\"u\","
                            "\"errorBoundsStdDev\":2,\"size\":16}");
    tstate st;
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_agg_init(s, st.b);
    CHECK_VAL(vrv_agg_finalize(s, st.b, &ar), VRV_V_JSON,
              "{\"estimate\":0.0,\"highBound\":0.0,\"lowBound\":0.0,\"numStdDev\":2}");
    add_range(s, st.b, 1, 16); /* exact up to k = 16 */
    CHECK_VAL(vrv_agg_finalize(s, st.b, &ar), VRV_V_JSON,
              "{\"estimate\":16.0,\"highBound\":16.0,\"lowBound\":16.0,\"numStdDev\":2}");
    add_range(s, st.b, 17, 5000); /* estimation mode */
    vrv_theta *t = ((void **)st.b)[0];
    CHECK(t->theta < VRV_THETA_MAX);
    CHECK(t->n <= 24);
    double e = vrv_theta_estimate(t);
    CHECK(vrv_theta_lower_bound(t, 2) <= e && e <= vrv_theta_upper_bound(t, 2));
    CHECK(fabs(e - 5000) < 5000 * 0.9);
    vrv_arena_destroy(&ar);
    vrv_agg_destroy(s, st.b);
    vrv_agg_spec_free(s);
}

TEST(theta_set_operations)
{
    vrv_theta *a = vrv_theta_new(1024), *b = vrv_theta_new(1024);
    char buf[32];
    for (int i = 1; i <= 100; i++) {
        vrv_value v = num_str(buf, i);
        uint64_t h;
        vrv_agg_hash_value(&v, &h);
        vrv_theta_add_hash(a, h);
        if (i > 50) vrv_theta_add_hash(b, h);
    }
    for (int i = 101; i <= 150; i++) {
        vrv_value v = num_str(buf, i);
        uint64_t h;
        vrv_agg_hash_value(&v, &h);
        vrv_theta_add_hash(b, h);
    }
    vrv_theta *i = vrv_theta_intersect(a, b), *n = vrv_theta_anotb(a, b), *u = vrv_theta_clone(a);
    vrv_theta_merge(u, b);
    CHECK_DBL(vrv_theta_estimate(i), 50.0);
    CHECK_DBL(vrv_theta_estimate(n), 50.0);
    CHECK_DBL(vrv_theta_estimate(u), 150.0);
    vrv_theta *e = vrv_theta_new(16);
    vrv_theta *ie = vrv_theta_intersect(a, e);
    CHECK(vrv_theta_is_empty(ie));
    CHECK_DBL(vrv_theta_estimate(ie), 0.0);
    vrv_theta_free(ie);
    vrv_theta_free(e);
    vrv_theta_free(i);
    vrv_theta_free(n);
    vrv_theta_free(u);
    vrv_theta_free(a);
    vrv_theta_free(b);
}

TEST(hllsketch_union_of_different_lgk)
{
    /* HLL-mode sketches at lgK 14 and 12: the union folds to 12 exactly as a
     * sketch built at 12 would look */
    vrv_hllsk *big = vrv_hllsk_new(VRV_HLLSK_FAMILY_SKETCH, 14, 8);
    vrv_hllsk *small = vrv_hllsk_new(VRV_HLLSK_FAMILY_SKETCH, 12, 4);
    vrv_hllsk *ref = vrv_hllsk_new(VRV_HLLSK_FAMILY_SKETCH, 12, 4);
    char buf[32];
    for (int i = 0; i < 50000; i++) {
        vrv_value v = num_str(buf, i);
        uint64_t h;
        vrv_agg_hash_value(&v, &h);
        if (i % 2) {
            vrv_hllsk_add_hash(big, h);
        } else {
            vrv_hllsk_add_hash(small, h);
        }
        vrv_hllsk_add_hash(ref, h);
    }
    vrv_hllsk_merge(small, big);
    CHECK(small->hll && small->lgk == 12);
    CHECK(memcmp(small->regs, ref->regs, 4096) == 0);
    vrv_hllsk *big2 = vrv_hllsk_clone(big);
    vrv_hllsk_merge(big2, ref); /* the larger one is folded down */
    CHECK_INT(big2->lgk, 12);
    CHECK(memcmp(big2->regs, ref->regs, 4096) == 0);
    CHECK(fabs(vrv_hllsk_estimate(ref) - 50000) < 50000 * 0.05);
    vrv_buf s = VRV_BUF_INIT;
    vrv_hllsk_to_string(ref, &s);
    CHECK(strstr(s.data, "Log Config K   : 12\n") != NULL);
    CHECK(strstr(s.data, "Current Mode   : HLL\n") != NULL);
    vrv_buf_free(&s);
    vrv_hllsk_free(big);
    vrv_hllsk_free(big2);
    vrv_hllsk_free(small);
    vrv_hllsk_free(ref);
}

/* ---- quantiles ------------------------------------------------------------ */

static vrv_quantiles *q_of(int lo, int hi, uint32_t k)
{
    vrv_quantiles *q = vrv_quantiles_new(k);
    for (int i = lo; i <= hi; i++) vrv_quantiles_update(q, (double)i);
    return q;
}

TEST(quantiles_exact_small)
{
    vrv_quantiles *q = q_of(1, 10, 128);
    vrv_quantiles_update(q, NAN); /* ignored */
    CHECK_INT(q->n, 10);
    /* INCLUSIVE: the smallest item whose cumulative weight >= ceil(f * n) */
    CHECK_DBL(vrv_quantiles_quantile(q, 0.0), 1.0);
    CHECK_DBL(vrv_quantiles_quantile(q, 0.1), 1.0);
    CHECK_DBL(vrv_quantiles_quantile(q, 0.11), 2.0);
    CHECK_DBL(vrv_quantiles_quantile(q, 0.25), 3.0);
    CHECK_DBL(vrv_quantiles_quantile(q, 0.5), 5.0);
    CHECK_DBL(vrv_quantiles_quantile(q, 0.75), 8.0);
    CHECK_DBL(vrv_quantiles_quantile(q, 0.99), 10.0);
    CHECK_DBL(vrv_quantiles_quantile(q, 1.0), 10.0);
    CHECK_DBL(vrv_quantiles_rank(q, 5.0), 0.5);
    CHECK_DBL(vrv_quantiles_rank(q, 0.5), 0.0);
    CHECK_DBL(vrv_quantiles_rank(q, 100), 1.0);
    double splits[] = {3.5, 7.0};
    double out[3];
    vrv_quantiles_cdf(q, splits, 2, out);
    CHECK_DBL(out[0], 0.3);
    CHECK_DBL(out[1], 0.7);
    CHECK_DBL(out[2], 1.0);
    vrv_quantiles_pmf(q, splits, 2, out);
    CHECK_NEAR(out[0], 0.3, 1e-15);
    CHECK_NEAR(out[1], 0.4, 1e-15);
    CHECK_NEAR(out[2], 0.3, 1e-15);
    vrv_quantiles *e = vrv_quantiles_new(128);
    CHECK(isnan(vrv_quantiles_quantile(e, 0.5)));
    CHECK(isnan(vrv_quantiles_rank(e, 0.5)));
    vrv_quantiles_free(e);
    vrv_quantiles_free(q);
}

TEST(quantiles_exact_below_2k_and_merge)
{
    /* 255 items with k = 128 stay exact; two halves merged are still exact */
    vrv_quantiles *a = q_of(1, 100, 128), *b = q_of(101, 255, 128), *u = q_of(1, 255, 128);
    vrv_quantiles_merge(a, b);
    CHECK_INT(a->n, 255);
    for (double f = 0; f <= 1.0; f += 0.05)
        CHECK_DBL(vrv_quantiles_quantile(a, f), vrv_quantiles_quantile(u, f));
    CHECK_DBL(vrv_quantiles_quantile(a, 0.5), 128.0);
    CHECK_DBL(a->min, 1.0);
    CHECK_DBL(a->max, 255.0);
    vrv_quantiles_free(a);
    vrv_quantiles_free(b);
    vrv_quantiles_free(u);
}

TEST(quantiles_million_within_rank_error)
{
    vrv_quantiles *q = q_of(1, 1000000, 128);
    vrv_quantiles *h1 = q_of(1, 500000, 128), *h2 = q_of(500001, 1000000, 64);
    vrv_quantiles_merge(h1, h2); /* k 128 with k 64: reduced to 64 */
    CHECK_INT(h1->k, 64);
    CHECK_INT(h1->n, 1000000);
    for (int i = 1; i <= 9; i++) {
        double f = i / 10.0;
        /* k 128: normalized rank error ~1.7%; k 64: ~3.3% (99% confidence) */
        CHECK_NEAR(vrv_quantiles_quantile(q, f), f * 1e6, 0.017 * 1e6);
        CHECK_NEAR(vrv_quantiles_quantile(h1, f), f * 1e6, 0.033 * 1e6);
        CHECK_NEAR(vrv_quantiles_rank(q, f * 1e6), f, 0.017);
    }
    CHECK_DBL(vrv_quantiles_quantile(q, 0.0) >= 1.0, 1.0);
    CHECK(vrv_quantiles_retained(q) < 2000);
    vrv_buf b = VRV_BUF_INIT;
    vrv_quantiles_serialize(q, &b);
    vrv_quantiles *r = NULL;
    CHECK_INT(vrv_quantiles_deserialize(b.data, b.len, &r), 0);
    CHECK_DBL(vrv_quantiles_quantile(r, 0.37), vrv_quantiles_quantile(q, 0.37));
    CHECK_INT(r->n, 1000000);
    vrv_quantiles_free(r);
    /* a level item out of order is corruption */
    b.data[b.len - 9] ^= 0x40;
    CHECK_INT(vrv_quantiles_deserialize(b.data, b.len, &r), VRV_ECORRUPT);
    vrv_buf_free(&b);
    vrv_quantiles_free(q);
    vrv_quantiles_free(h1);
    vrv_quantiles_free(h2);
}

TEST(quantiles_aggregator)
{
    vrv_agg_spec *s = tspec("{\"type\":\"quantilesDoublesSketch\",\"name\":\"q\",\"fieldName\":\"v\"}");
    tstate a, b;
    vrv_agg_init(s, a.b);
    vrv_agg_init(s, b.b);
    vrv_value in[] = {vrv_long(3), vrv_double(1.5), tstr("2"), vrv_null(), vrv_float(4.0f)};
    for (size_t i = 0; i < 5; i++) CHECK_INT(vrv_agg_add(s, a.b, &in[i], 0), 0);
    vrv_value bad = tstr("abc");
    CHECK_INT(vrv_agg_add(s, a.b, &bad, 0), VRV_EINVAL);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_LONG, "4");
    vrv_value v5 = vrv_long(5);
    vrv_agg_add(s, b.b, &v5, 0);
    vrv_agg_merge(s, a.b, b.b);
    CHECK_VAL(vrv_agg_finalize(s, a.b, NULL), VRV_V_LONG, "5");
    vrv_value g = vrv_agg_get(s, a.b);
    CHECK_DBL(vrv_quantiles_quantile(g.u.ptr, 0.5), 3.0);
    CHECK(vrv_agg_state_bytes(s, a.b) > 8 * 5);
    vrv_agg_destroy(s, a.b);
    vrv_agg_destroy(s, b.b);
    vrv_agg_spec_free(s);
}

TEST(hll_set_mode_boundary)
{
    vrv_hll *h = vrv_hll_new();
    char buf[32];
    for (int i = 1; i <= 1536; i++) {
        vrv_value v = num_str(buf, i);
        uint64_t x;
        vrv_agg_hash_value(&v, &x);
        vrv_hll_add_hash(h, x);
    }
    CHECK(!h->hll);
    CHECK_DBL(vrv_hll_estimate(h), 1536.0);
    vrv_value dup = num_str(buf, 7);
    uint64_t x;
    vrv_agg_hash_value(&dup, &x);
    vrv_hll_add_hash(h, x); /* a duplicate keeps the exact mode */
    CHECK(!h->hll);
    CHECK_INT(h->set_cap, 2048);
    vrv_value nv = num_str(buf, 1537);
    vrv_agg_hash_value(&nv, &x);
    vrv_hll_add_hash(h, x);
    CHECK(h->hll);
    CHECK_NEAR(vrv_hll_estimate(h), 1537.0, 1537 * 0.02);
    CHECK_INT(vrv_hllsk_mem_bytes(h), sizeof(vrv_hllsk) + 16384);
    vrv_hll_free(h);
}
