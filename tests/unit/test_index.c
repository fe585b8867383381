/*
 * test_index.c — the appendable index: rollup, multi-value handling, typed
 * dimensions, storage order, schemaless dimension discovery, byte accounting.
 */
#include <stdlib.h>

#include "base/buf.h"
#include "index_test_metrics.h"
#include "test.h"

static vrv_value S(const char *s)
{
    return vrv_string(s, strlen(s));
}

static vrv_index *make_index(bool rollup)
{
    static const vrv_index_dim dims[] = {
        {"page", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
        {"tags", VRV_C_STRING, VRV_MVH_SORTED_SET, true},
        {"n", VRV_C_LONG, VRV_MVH_SORTED_ARRAY, false},
    };
    static vrv_index_metric metrics[] = {{"count", &tm_count_ops, NULL}, {"added", &tm_sum_ops, NULL}};
    vrv_index_schema s = {rollup, 3, dims, 2, metrics};
    return vrv_index_new(&s);
}

/* Renders row r as "t|dims...|count,sum" for compact assertions. */
static void render(vrv_index *idx, size_t r, vrv_buf *b)
{
    vrv_arena a;
    vrv_arena_init(&a, 0);
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    vrv_buf_printf(b, "%lld", (long long)vrv_index_row_time(idx, r));
    for (size_t d = 0; d < snap.ndims; d++) {
        vrv_value v;
        vrv_index_row_dim(idx, r, d, &a, &v);
        vrv_buf_putc(b, '|');
        if (v.type == VRV_V_NULL) {
            vrv_buf_puts(b, "null");
        } else if (v.type == VRV_V_ARRAY) {
            vrv_buf_putc(b, '[');
            for (size_t i = 0; i < v.len; i++) {
                if (i) vrv_buf_putc(b, ',');
                if (!vrv_value_append_string(&v.u.a[i], b)) vrv_buf_puts(b, "null");
            }
            vrv_buf_putc(b, ']');
        } else {
            vrv_value_append_string(&v, b);
        }
    }
    vrv_index_lock_chunk(idx, r);
    const tm_sum *c = vrv_index_row_metric(idx, r, 0);
    const tm_sum *s = vrv_index_row_metric(idx, r, 1);
    vrv_buf_printf(b, "|%lld,%lld", (long long)c->sum, (long long)s->sum);
    vrv_index_unlock_chunk(idx, r);
    vrv_arena_destroy(&a);
}

static char *dump_sorted(vrv_index *idx)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    uint32_t *order = vrv_index_sorted(idx, &snap);
    for (size_t i = 0; i < snap.nrows; i++) {
        render(idx, order[i], &b);
        vrv_buf_putc(&b, '\n');
    }
    free(order);
    return vrv_buf_detach(&b);
}

TEST(rollup_folds_equal_keys)
{
    vrv_index *idx = make_index(true);
    vrv_value tags_ab[] = {S("b"), S("a"), S("b")};
    vrv_value tags_ba[] = {S("a"), S("b")};
    vrv_value r1[] = {S("Foo"), vrv_array(tags_ab, 3), vrv_long(5)};
    vrv_value r2[] = {S("Foo"), vrv_array(tags_ba, 2), vrv_long(5)};
    vrv_value r3[] = {S("Bar"), vrv_null(), vrv_null()};
    vrv_value r4[] = {S("Foo"), vrv_array(tags_ba, 2), vrv_long(5)};
    vrv_value m1[] = {vrv_null(), vrv_long(10)};
    vrv_value m2[] = {vrv_null(), vrv_long(7)};
    vrv_value m3[] = {vrv_null(), vrv_null()};
    vrv_index_add(idx, 60000, r1, 3, m1, NULL);
    vrv_index_add(idx, 60000, r2, 3, m2, NULL);  /* sorted_set makes [b,a,b] == [a,b] */
    vrv_index_add(idx, 0, r3, 3, m3, NULL);
    vrv_index_add(idx, 120000, r4, 3, m2, NULL);
    CHECK_INT(vrv_index_rows(idx), 3);
    CHECK_INT(vrv_index_input_rows(idx), 4);
    char *out = dump_sorted(idx);
    CHECK_STR(out, "0|Bar|null|null|1,0\n"
                   "60000|Foo|[a,b]|5|2,17\n"
                   "120000|Foo|[a,b]|5|1,7\n");
    free(out);
    CHECK_INT(vrv_index_min_time(idx), 0);
    CHECK_INT(vrv_index_max_time(idx), 120000);
    vrv_index_free(idx);
}

TEST(storage_order_by_dimension_values)
{
    vrv_index *idx = make_index(true);
    const char *pages[] = {"zeta", "alpha", "", "Mid", "alpha"};
    vrv_value m[] = {vrv_null(), vrv_long(1)};
    for (int i = 0; i < 5; i++) {
        vrv_value r[] = {S(pages[i]), vrv_null(), vrv_long(i == 4 ? -3 : 2)};
        vrv_index_add(idx, 1000, r, 3, m, NULL);
    }
    vrv_value rnull[] = {vrv_null(), vrv_null(), vrv_null()};
    vrv_index_add(idx, 1000, rnull, 3, m, NULL);
    char *out = dump_sorted(idx);
    /* null first, then byte order ("" < "Mid" < "alpha" < "zeta"), then n */
    CHECK_STR(out, "1000|null|null|null|1,1\n"
                   "1000||null|2|1,1\n"
                   "1000|Mid|null|2|1,1\n"
                   "1000|alpha|null|-3|1,1\n"
                   "1000|alpha|null|2|1,1\n"
                   "1000|zeta|null|2|1,1\n");
    free(out);
    vrv_index_free(idx);
}

TEST(no_rollup_keeps_arrival_order)
{
    vrv_index *idx = make_index(false);
    vrv_value m[] = {vrv_null(), vrv_long(1)};
    vrv_value a[] = {S("b")}, b[] = {S("a")}, c[] = {S("b")};
    vrv_index_add(idx, 5, a, 1, m, NULL);
    vrv_index_add(idx, 5, b, 1, m, NULL);
    vrv_index_add(idx, 5, c, 1, m, NULL);
    vrv_index_add(idx, 1, a, 1, m, NULL);
    char *out = dump_sorted(idx);
    CHECK_STR(out, "1|b|null|null|1,1\n5|b|null|null|1,1\n5|a|null|null|1,1\n5|b|null|null|1,1\n");
    free(out);
    vrv_index_free(idx);
}

TEST(multi_value_handling_modes)
{
    static const vrv_index_dim dims[] = {
        {"sa", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
        {"ss", VRV_C_STRING, VRV_MVH_SORTED_SET, true},
        {"ar", VRV_C_STRING, VRV_MVH_ARRAY, true},
    };
    static vrv_index_metric metrics[] = {{"count", &tm_count_ops, NULL}, {"added", &tm_sum_ops, NULL}};
    vrv_index_schema s = {true, 3, dims, 2, metrics};
    vrv_index *idx = vrv_index_new(&s);
    vrv_value v[] = {S("c"), S("a"), S("c"), vrv_null()};
    vrv_value one[] = {S("x")};
    vrv_value row[] = {vrv_array(v, 4), vrv_array(v, 4), vrv_array(v, 4)};
    vrv_value m[] = {vrv_null(), vrv_null()};
    vrv_index_add(idx, 0, row, 3, m, NULL);
    vrv_value row2[] = {vrv_array(one, 1), vrv_array(NULL, 0), S("x")};
    vrv_index_add(idx, 0, row2, 3, m, NULL);
    char *out = dump_sorted(idx);
    CHECK_STR(out, "0|[null,a,c,c]|[null,a,c]|[c,a,c,null]|1,0\n"
                   "0|x|null|x|1,0\n");
    free(out);
    vrv_index_free(idx);
}

TEST(discovered_dimensions_fold_with_trailing_nulls)
{
    static vrv_index_metric metrics[] = {{"count", &tm_count_ops, NULL}, {"added", &tm_sum_ops, NULL}};
    vrv_index_schema s = {true, 0, NULL, 2, metrics};
    vrv_index *idx = vrv_index_new(&s);
    CHECK_INT(vrv_index_add_dim(idx, "a", VRV_C_STRING, VRV_MVH_SORTED_ARRAY), 0);
    vrv_value m[] = {vrv_null(), vrv_long(1)};
    vrv_value r1[] = {S("x")};
    vrv_index_add(idx, 0, r1, 1, m, NULL);
    CHECK_INT(vrv_index_add_dim(idx, "b", VRV_C_STRING, VRV_MVH_SORTED_ARRAY), 1);
    CHECK_INT(vrv_index_find_dim(idx, "b"), 1);
    CHECK_INT(vrv_index_find_dim(idx, "zz"), -1);
    vrv_value r2[] = {S("x"), vrv_null()};
    vrv_value r3[] = {S("x"), S("y")};
    vrv_index_add(idx, 0, r2, 2, m, NULL);
    vrv_index_add(idx, 0, r3, 2, m, NULL);
    char *out = dump_sorted(idx);
    CHECK_STR(out, "0|x|null|2,2\n0|x|y|1,1\n");
    free(out);
    vrv_index_free(idx);
}

TEST(numeric_dimensions_and_dictionary)
{
    static const vrv_index_dim dims[] = {
        {"f", VRV_C_FLOAT, VRV_MVH_SORTED_ARRAY, false},
        {"d", VRV_C_DOUBLE, VRV_MVH_SORTED_ARRAY, false},
        {"s", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
    };
    static vrv_index_metric metrics[] = {{"count", &tm_count_ops, NULL}, {"added", &tm_sum_ops, NULL}};
    vrv_index_schema s = {true, 3, dims, 2, metrics};
    vrv_index *idx = vrv_index_new(&s);
    vrv_value m[] = {vrv_null(), vrv_null()};
    vrv_value r1[] = {vrv_float(1.5f), vrv_double(-2.25), S("q")};
    vrv_value r2[] = {vrv_null(), vrv_double(1e7), S("p")};
    vrv_index_add(idx, 0, r1, 3, m, NULL);
    vrv_index_add(idx, 0, r2, 3, m, NULL);
    char *out = dump_sorted(idx);
    CHECK_STR(out, "0|null|1.0E7|p|1,0\n0|1.5|-2.25|q|1,0\n");
    free(out);
    CHECK_INT(vrv_index_dict_size(idx, 2), 3);
    vrv_str e = vrv_index_dict_get(idx, 2, 1);
    CHECK_STRN(e.p, e.n, "q");
    uint32_t ids[4];
    CHECK_INT(vrv_index_row_dim_ids(idx, 1, 2, ids, 4), 1);
    CHECK_INT(ids[0], 2);
    vrv_index_free(idx);
}

TEST(bytes_grow_with_content)
{
    vrv_index *idx = make_index(true);
    size_t empty = vrv_index_bytes(idx);
    char name[32];
    vrv_value m[] = {vrv_null(), vrv_long(1)};
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "page-%d", i);
        vrv_value r[] = {S(name), vrv_null(), vrv_long(i)};
        vrv_index_add(idx, i, r, 3, m, NULL);
    }
    CHECK_INT(vrv_index_rows(idx), 20000);
    size_t full = vrv_index_bytes(idx);
    /* at least the key and dictionary bytes, at most a few hundred per row */
    CHECK(full > empty + 20000 * 24);
    CHECK(full < empty + 20000 * 400);
    vrv_index_free(idx);
}

/* Storage order over many rows of string dimensions (the packed-key radix
 * path) and over a time span too wide for it (the comparison sort): the same
 * order either way — time, then each dimension's value, null first, in byte
 * order; without rollup time then arrival. */
static int cmp_dim(const vrv_value *a, const vrv_value *b)
{
    bool an = a->type == VRV_V_NULL, bn = b->type == VRV_V_NULL;
    if (an || bn) return an == bn ? 0 : an ? -1 : 1;
    return vrv_str_cmp(vrv_str_make(a->u.s, a->len), vrv_str_make(b->u.s, b->len));
}

static void check_order(bool rollup, vrv_ms span)
{
    static const vrv_index_dim dims[] = {
        {"a", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
        {"b", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
        {"c", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
    };
    static vrv_index_metric metrics[] = {{"count", &tm_count_ops, NULL}, {"added", &tm_sum_ops, NULL}};
    vrv_index_schema s = {rollup, 3, dims, 2, metrics};
    vrv_index *idx = vrv_index_new(&s);
    uint64_t x = 88172645463325252ULL;
    char sa[16], sb[16], sc[16];
    vrv_value m[] = {vrv_null(), vrv_long(1)};
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        snprintf(sa, sizeof sa, "p%u", (unsigned)(x % 300));
        snprintf(sb, sizeof sb, "%c", 'A' + (int)((x >> 20) % 7));
        snprintf(sc, sizeof sc, "z%u", (unsigned)((x >> 30) % 11));
        vrv_value r[] = {S(sa), (x >> 40) % 5 ? S(sb) : vrv_null(), S(sc)};
        vrv_index_add(idx, (vrv_ms)((x >> 44) % 40) * span, r, 3, m, NULL);
    }
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    uint32_t *order = vrv_index_sorted(idx, &snap);
    uint8_t *seen = calloc(snap.nrows, 1);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    int bad = 0;
    for (size_t i = 0; i < snap.nrows; i++) {
        CHECK(order[i] < snap.nrows && !seen[order[i]]);
        seen[order[i]] = 1;
        if (i == 0) continue;
        size_t p = order[i - 1], q = order[i];
        vrv_ms tp = vrv_index_row_time(idx, p), tq = vrv_index_row_time(idx, q);
        int c = (tp > tq) - (tp < tq);
        for (size_t d = 0; d < 3 && c == 0 && rollup; d++) {
            vrv_value vp, vq;
            vrv_index_row_dim(idx, p, d, &ar, &vp);
            vrv_index_row_dim(idx, q, d, &ar, &vq);
            c = cmp_dim(&vp, &vq);
        }
        if (c == 0) c = p < q ? -1 : 1; /* equal keys: arrival order */
        if (c >= 0 || (rollup && tp == tq && p > q && c == 0)) bad++;
    }
    CHECK_INT(bad, 0);
    CHECK(snap.nrows > 1000);
    vrv_arena_destroy(&ar);
    free(seen);
    free(order);
    vrv_index_free(idx);
}

TEST(storage_order_many_rows)
{
    check_order(true, 60000);
    check_order(false, 60000);
    check_order(true, (vrv_ms)1 << 56); /* keys wider than 64 bits */
    check_order(false, (vrv_ms)1 << 56);
}
