/*
 * index_test_metrics.h — two minimal metric implementations (a long sum that
 * counts nulls as absent, and a row count) for exercising the appendable
 * index without the aggregator library.
 */
#ifndef VRV_INDEX_TEST_METRICS_H
#define VRV_INDEX_TEST_METRICS_H

#include "ingest/index.h"

typedef struct tm_sum {
    int64_t sum;
    int64_t seen;
} tm_sum;

static void tm_sum_init(const void *ctx, void *state)
{
    (void)ctx;
    tm_sum *s = state;
    s->sum = 0;
    s->seen = 0;
}

static void tm_sum_add(const void *ctx, void *state, const vrv_value *in, vrv_ms t)
{
    (void)ctx;
    (void)t;
    tm_sum *s = state;
    int64_t v;
    if (vrv_value_to_long(in, &v)) {
        s->sum += v;
        s->seen++;
    }
}

static void tm_sum_merge(const void *ctx, void *dst, const void *src)
{
    (void)ctx;
    tm_sum *d = dst;
    const tm_sum *s = src;
    d->sum += s->sum;
    d->seen += s->seen;
}

static const vrv_index_metric_ops tm_sum_ops = {sizeof(tm_sum), tm_sum_init, tm_sum_add,
                                                tm_sum_merge, NULL, NULL};

static void tm_count_add(const void *ctx, void *state, const vrv_value *in, vrv_ms t)
{
    (void)ctx;
    (void)in;
    (void)t;
    ((tm_sum *)state)->sum++;
}

static const vrv_index_metric_ops tm_count_ops = {sizeof(tm_sum), tm_sum_init, tm_count_add,
                                                  tm_sum_merge, NULL, NULL};

#endif
