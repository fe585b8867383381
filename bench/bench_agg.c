/*
 * bench_agg.c — nanoseconds per vrv_agg_add for the aggregators on the
 * ingestion rollup path: longSum, doubleSum, hyperUnique, thetaSketch,
 * HLLSketchBuild, quantilesDoublesSketch. Values cycle through a fixed pool
 * (strings: 100,000 distinct user ids) so the sketches see realistic
 * cardinalities. Prints `BENCH <name> <value> <unit>` lines.
 *
 * Each run checks its answer before it prints a figure: the sums exactly,
 * the sketches' estimates of the pool's distinct values within their error
 * bounds, the quantiles sketch's count exactly. A wrong answer exits 1.
 *
 * BENCH_QUICK=1 runs a tenth of the iterations.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg/agg.h"

#define POOL (1 << 17) /* power of two: the loop indexes with a mask */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static vrv_agg_spec *spec(const char *js)
{
    json_t *j = json_loads(js, 0, NULL);
    vrv_agg_spec *s = NULL;
    vrv_error err;
    if (vrv_agg_parse(j, "bench", VRV_AGG_CTX_INGEST, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    json_decref(j);
    return s;
}

/* want: the finalized value the aggregator must give; tol: the relative
 * error allowed (0: exact). */
static void run(const char *name, const char *js, const vrv_value *pool, long iters, double want,
                double tol)
{
    vrv_agg_spec *s = spec(js);
    _Alignas(16) unsigned char st[64];
    vrv_agg_init(s, st);
    /* warm up: the sketch reaches its steady-state mode first */
    for (long i = 0; i < POOL; i++) vrv_agg_add(s, st, &pool[i & (POOL - 1)], i);
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) vrv_agg_add(s, st, &pool[i & (POOL - 1)], i);
    double ns = (now_ns() - t0) / (double)iters;
    vrv_value f = vrv_agg_finalize(s, st, NULL);
    double d = 0;
    vrv_value_to_double(&f, &d);
    fprintf(stderr, "  %s: final value %.1f (expected %.1f), state %zu bytes\n", name, d, want,
            vrv_agg_state_bytes(s, st));
    if (tol == 0 ? d != want : d < want * (1 - tol) || d > want * (1 + tol)) {
        fprintf(stderr, "bench_agg: %s gave %.3f, expected %.3f (tolerance %.0f%%)\n", name, d,
                want, tol * 100);
        exit(1);
    }
    printf("BENCH agg_add_%s %.1f ns\n", name, ns);
    vrv_agg_destroy(s, st);
    vrv_agg_spec_free(s);
}

int main(void)
{
    long iters = getenv("BENCH_QUICK") ? 2000000 : 20000000;
    vrv_value *longs = malloc(POOL * sizeof *longs);
    vrv_value *doubles = malloc(POOL * sizeof *doubles);
    vrv_value *strs = malloc(POOL * sizeof *strs);
    char *text = malloc(POOL * 16);
    for (int i = 0; i < POOL; i++) {
        longs[i] = vrv_long(i * 7 % 1000);
        doubles[i] = vrv_double(i * 0.25);
        int n = snprintf(text + i * 16, 16, "user%07d", i);
        strs[i] = vrv_string(text + i * 16, (size_t)n);
    }
    /* the sums over the warm-up and the timed loop, computed here */
    double lsum = 0, dsum = 0;
    for (long i = 0; i < POOL + iters; i++) {
        lsum += (double)longs[i & (POOL - 1)].u.l;
        dsum += doubles[i & (POOL - 1)].u.d;
    }
    run("longSum", "{\"type\":\"longSum\",\"name\":\"x\",\"fieldName\":\"v\"}", longs, iters,
        lsum, 0);
    run("doubleSum", "{\"type\":\"doubleSum\",\"name\":\"x\",\"fieldName\":\"v\"}", doubles,
        iters, dsum, 0);
    /* POOL distinct strings; bounds well outside each sketch's standard error
     * (hyperUnique ~1.6%, theta k=16384 ~0.8%, HLL lgK=12 ~1.6%) */
    run("hyperUnique", "{\"type\":\"hyperUnique\",\"name\":\"x\",\"fieldName\":\"v\"}", strs,
        iters / 4, POOL, 0.06);
    run("thetaSketch", "{\"type\":\"thetaSketch\",\"name\":\"x\",\"fieldName\":\"v\"}", strs,
        iters / 4, POOL, 0.03);
    run("HLLSketchBuild", "{\"type\":\"HLLSketchBuild\",\"name\":\"x\",\"fieldName\":\"v\"}", strs,
        iters / 4, POOL, 0.06);
    /* finalized: the number of values it has seen */
    run("quantilesDoublesSketch",
        "{\"type\":\"quantilesDoublesSketch\",\"name\":\"x\",\"fieldName\":\"v\"}", doubles,
        iters / 4, (double)(POOL + iters / 4), 0);
    free(longs);
    free(doubles);
    free(strs);
    free(text);
    return 0;
}
