/*
 * test_conc_index.c — one writer folding rows into the appendable index while
 * readers iterate it; run under ThreadSanitizer by `make tsan`. Readers check
 * invariants that hold at every instant: every published row decodes, counts
 * never decrease, and the sum of counts never exceeds the input rows.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "index_test_metrics.h"
#include "test.h"

#define WRITES 200000

static vrv_index *idx;
static atomic_bool done;
static atomic_long reader_errors;

static void *reader(void *arg)
{
    (void)arg;
    vrv_arena a;
    vrv_arena_init(&a, 0);
    int64_t last_total = 0;
    while (!atomic_load(&done)) {
        vrv_index_snapshot snap;
        vrv_index_snapshot_take(idx, &snap);
        int64_t total = 0;
        for (size_t r = 0; r < snap.nrows; r++) {
            vrv_value v;
            for (size_t d = 0; d < snap.ndims; d++) vrv_index_row_dim(idx, r, d, &a, &v);
            vrv_index_lock_chunk(idx, r);
            total += ((const tm_sum *)vrv_index_row_metric(idx, r, 0))->sum;
            vrv_index_unlock_chunk(idx, r);
        }
        if (total < last_total) atomic_fetch_add(&reader_errors, 1);
        last_total = total;
        uint32_t *order = vrv_index_sorted(idx, &snap);
        free(order);
        vrv_arena_reset(&a);
    }
    vrv_arena_destroy(&a);
    return NULL;
}

TEST(one_writer_many_readers)
{
    vrv_index_metric metrics[] = {{"count", &tm_count_ops, NULL}, {"v", &tm_sum_ops, NULL}};
    vrv_index_schema s = {true, 0, NULL, 2, metrics};
    idx = vrv_index_new(&s);
    vrv_index_add_dim(idx, "k", VRV_C_STRING, VRV_MVH_SORTED_ARRAY);
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, reader, NULL);
    char key[32];
    for (int i = 0; i < WRITES; i++) {
        if (i == WRITES / 2) vrv_index_add_dim(idx, "late", VRV_C_LONG, VRV_MVH_SORTED_ARRAY);
        snprintf(key, sizeof key, "k%d", (i * 7919) % 5000);
        vrv_value dims[] = {vrv_string(key, strlen(key)), vrv_long(i % 3)};
        vrv_value m[] = {vrv_null(), vrv_long(1)};
        vrv_index_add(idx, (i % 100) * 1000, dims, i >= WRITES / 2 ? 2 : 1, m, NULL);
    }
    atomic_store(&done, true);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CHECK_INT(atomic_load(&reader_errors), 0);
    int64_t total = 0;
    for (size_t r = 0; r < vrv_index_rows(idx); r++)
        total += ((const tm_sum *)vrv_index_row_metric(idx, r, 0))->sum;
    CHECK_INT(total, WRITES);
    vrv_index_free(idx);
}
