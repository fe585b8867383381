/*
 * test_segment.c — segment files: write/read round trip of every column kind,
 * dictionaries and bitmaps, multi-values, nulls, multi-block columns, and
 * rejection of truncated and corrupted files.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "segment/seg_reader.h"
#include "segment/seg_writer.h"
#include "test.h"

static vrv_value S(const char *s)
{
    return vrv_string(s, strlen(s));
}

static const vrv_seg_column_def cols[] = {
    {"page", VRV_C_STRING, NULL, false, true},
    {"tags", VRV_C_STRING, NULL, false, true},
    {"n", VRV_C_LONG, NULL, false, false},
    {"count", VRV_C_LONG, NULL, true, false},
    {"sum", VRV_C_DOUBLE, NULL, true, false},
    {"fsum", VRV_C_FLOAT, NULL, true, false},
    {"sketch", VRV_C_COMPLEX, "hyperUnique", true, false},
};

static char *path_in_tmp(const char *name)
{
    char *p = malloc(512);
    snprintf(p, 512, "%s/%s", vrv_test_tmpdir(), name);
    return p;
}

/* Writes 5 small rows; returns the file path. */
static char *write_small(vrv_seg_codec codec)
{
    vrv_seg_writer_opts o = {codec, codec};
    vrv_seg_writer *w = vrv_seg_writer_new(cols, 7, &o);
    vrv_value t1[] = {S("b"), S("a")}, t2[] = {S("z"), vrv_null()};
    const char blob[] = {1, 2, 3};
    vrv_value cx = {0};
    cx.type = VRV_V_COMPLEX;
    cx.u.ptr = blob;
    cx.len = 3;
    vrv_value rows[5][7] = {
        {S("Foo"), vrv_array(t1, 2), vrv_long(5), vrv_long(2), vrv_double(1.5), vrv_float(0.5f), cx},
        {S("Bar"), S("a"), vrv_null(), vrv_long(1), vrv_null(), vrv_float(1.0f), vrv_null()},
        {vrv_null(), vrv_null(), vrv_long(-7), vrv_long(3), vrv_double(-2), vrv_null(), cx},
        {S(""), vrv_array(t2, 2), vrv_long(0), vrv_long(1), vrv_double(1e7), vrv_float(2.5f), vrv_null()},
        {S("Foo"), vrv_array(NULL, 0), vrv_long(9), vrv_long(4), vrv_double(0.25), vrv_float(3), cx},
    };
    for (int r = 0; r < 5; r++) vrv_seg_writer_add(w, 1000 + r * 10, rows[r]);
    char *path = path_in_tmp(codec == VRV_SEG_CODEC_ZSTD ? "small-zstd.vseg" : "small.vseg");
    json_t *meta = json_pack("{s:s,s:s}", "dataSource", "wiki", "interval",
                             "1970-01-01T00:00:00.000Z/1970-01-02T00:00:00.000Z");
    vrv_error err;
    uint64_t size = 0;
    CHECK_INT(vrv_seg_writer_finish(w, meta, path, &size, &err), 0);
    CHECK(size > 100);
    json_decref(meta);
    vrv_seg_writer_free(w);
    return path;
}

static void check_small(const char *path)
{
    vrv_segment *seg;
    vrv_error err;
    CHECK_INT(vrv_segment_open(path, &seg, &err), 0);
    if (!seg) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT(vrv_segment_rows(seg), 5);
    CHECK_INT(vrv_segment_ncols(seg), 8);
    CHECK_STR(json_string_value(json_object_get(vrv_segment_meta(seg), "dataSource")), "wiki");
    CHECK_INT(vrv_segment_min_time(seg), 1000);
    CHECK_INT(vrv_segment_max_time(seg), 1040);
    int64_t times[VRV_SEG_BLOCK_ROWS];
    CHECK_INT(vrv_seg_read_times(seg, 0, times), 5);
    CHECK_INT(times[4], 1040);

    long page = vrv_segment_find(seg, "page");
    CHECK_INT(page, 1);
    const vrv_seg_col *pc = vrv_segment_col(seg, (size_t)page);
    CHECK_INT(pc->ndict, 3); /* "", "Bar", "Foo" */
    CHECK_INT(pc->cardinality, 4);
    CHECK(pc->has_nulls);
    CHECK(!pc->multi);
    vrv_str s = vrv_seg_dict_get(seg, (size_t)page, 1);
    CHECK_STRN(s.p, s.n, "");
    s = vrv_seg_dict_get(seg, (size_t)page, 3);
    CHECK_STRN(s.p, s.n, "Foo");
    CHECK_INT(vrv_seg_dict_find(seg, (size_t)page, vrv_str_c("Bar")), 2);
    CHECK_INT(vrv_seg_dict_find(seg, (size_t)page, vrv_str_c("Baz")), -1);
    uint32_t ids[VRV_SEG_BLOCK_ROWS];
    CHECK_INT(vrv_seg_read_ids(seg, (size_t)page, 0, ids), 5);
    CHECK_INT(ids[0], 3);
    CHECK_INT(ids[1], 2);
    CHECK_INT(ids[2], 0);
    CHECK_INT(ids[3], 1);
    roaring_bitmap_t *foo = vrv_seg_bitmap(seg, (size_t)page, 3);
    CHECK_INT(roaring_bitmap_get_cardinality(foo), 2);
    CHECK(roaring_bitmap_contains(foo, 0) && roaring_bitmap_contains(foo, 4));
    roaring_bitmap_free(foo);
    roaring_bitmap_t *nul = vrv_seg_bitmap(seg, (size_t)page, 0);
    CHECK_INT(roaring_bitmap_get_cardinality(nul), 1);
    roaring_bitmap_free(nul);

    long tags = vrv_segment_find(seg, "tags");
    const vrv_seg_col *tc = vrv_segment_col(seg, (size_t)tags);
    CHECK(tc->multi);
    CHECK_INT(tc->ndict, 3); /* a b z */
    uint64_t a, b;
    vrv_seg_mv_range(seg, (size_t)tags, 0, &a, &b);
    CHECK_INT(b - a, 2);
    CHECK_INT(vrv_seg_read_ids(seg, (size_t)tags, 0, ids), 7);
    /* row 0 [b, a] as written (order is the writer's input order), row 3 [z, null] */
    CHECK_INT(ids[a], 2);
    CHECK_INT(ids[a + 1], 1);
    roaring_bitmap_t *ta = vrv_seg_bitmap(seg, (size_t)tags, 1);
    CHECK_INT(roaring_bitmap_get_cardinality(ta), 2); /* rows 0 and 1 */
    roaring_bitmap_free(ta);
    roaring_bitmap_t *tn = vrv_seg_bitmap(seg, (size_t)tags, 0);
    CHECK_INT(roaring_bitmap_get_cardinality(tn), 3); /* rows 2, 3 (element), 4 (empty) */
    roaring_bitmap_free(tn);

    long n = vrv_segment_find(seg, "n");
    int64_t longs[VRV_SEG_BLOCK_ROWS];
    CHECK_INT(vrv_seg_read_longs(seg, (size_t)n, 0, longs), 5);
    CHECK_INT(longs[2], -7);
    CHECK(vrv_segment_col(seg, (size_t)n)->has_nulls);
    roaring_bitmap_t *nn = vrv_seg_nulls(seg, (size_t)n);
    CHECK(nn && roaring_bitmap_contains(nn, 1) && roaring_bitmap_get_cardinality(nn) == 1);
    roaring_bitmap_free(nn);
    long cnt = vrv_segment_find(seg, "count");
    CHECK(!vrv_segment_col(seg, (size_t)cnt)->has_nulls);
    CHECK(vrv_seg_nulls(seg, (size_t)cnt) == NULL);
    double dbl[VRV_SEG_BLOCK_ROWS];
    CHECK_INT(vrv_seg_read_doubles(seg, (size_t)vrv_segment_find(seg, "sum"), 0, dbl), 5);
    CHECK_DBL(dbl[3], 1e7);
    float fl[VRV_SEG_BLOCK_ROWS];
    CHECK_INT(vrv_seg_read_floats(seg, (size_t)vrv_segment_find(seg, "fsum"), 0, fl), 5);
    CHECK_DBL(fl[3], 2.5);
    CHECK_INT(vrv_seg_read_longs(seg, (size_t)page, 0, longs), VRV_EINVAL);
    long sk = vrv_segment_find(seg, "sketch");
    CHECK_STR(vrv_segment_col(seg, (size_t)sk)->complex_type, "hyperUnique");
    const uint8_t *p;
    size_t len;
    vrv_seg_blob(seg, (size_t)sk, 2, &p, &len);
    CHECK(len == 3 && p[2] == 3);
    vrv_seg_blob(seg, (size_t)sk, 1, &p, &len);
    CHECK_INT(len, 0);
    vrv_segment_close(seg);
}

TEST(round_trip_small)
{
    char *p = write_small(VRV_SEG_CODEC_LZ4);
    check_small(p);
    free(p);
    p = write_small(VRV_SEG_CODEC_ZSTD);
    check_small(p);
    free(p);
}

TEST(many_blocks_and_large_dictionary)
{
    const vrv_seg_column_def c2[] = {{"k", VRV_C_STRING, NULL, false, true},
                                     {"v", VRV_C_LONG, NULL, true, false}};
    vrv_seg_writer *w = vrv_seg_writer_new(c2, 2, NULL);
    enum { N = 50000 };
    char buf[32];
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof buf, "key-%05d", (i * 7) % 70000);
        vrv_value vals[] = {S(buf), vrv_long(i)};
        vrv_seg_writer_add(w, (vrv_ms)i * 3, vals);
    }
    char *path = path_in_tmp("big.vseg");
    vrv_error err;
    CHECK_INT(vrv_seg_writer_finish(w, NULL, path, NULL, &err), 0);
    vrv_seg_writer_free(w);
    vrv_segment *seg;
    CHECK_INT(vrv_segment_open(path, &seg, &err), 0);
    CHECK_INT(vrv_segment_nblocks(seg), (N + VRV_SEG_BLOCK_ROWS - 1) / VRV_SEG_BLOCK_ROWS);
    CHECK_INT(vrv_segment_col(seg, 1)->id_width, 4 > 2 ? (N < 65535 ? 2 : 4) : 0);
    int64_t total = 0, times[VRV_SEG_BLOCK_ROWS], vals[VRV_SEG_BLOCK_ROWS];
    uint32_t ids[VRV_SEG_BLOCK_ROWS];
    bool ok = true;
    for (size_t b = 0; b < vrv_segment_nblocks(seg); b++) {
        long n = vrv_seg_read_times(seg, b, times);
        CHECK(vrv_seg_read_longs(seg, 2, b, vals) == n);
        CHECK(vrv_seg_read_ids(seg, 1, b, ids) == n);
        for (long i = 0; i < n; i++) {
            size_t row = b * VRV_SEG_BLOCK_ROWS + (size_t)i;
            total += vals[i];
            snprintf(buf, sizeof buf, "key-%05d", (int)((row * 7) % 70000));
            vrv_str s = vrv_seg_dict_get(seg, 1, ids[i]);
            if (times[i] != (int64_t)row * 3 || s.n != strlen(buf) || memcmp(s.p, buf, s.n)) ok = false;
        }
    }
    CHECK(ok);
    CHECK_INT(total, (int64_t)N * (N - 1) / 2);
    vrv_segment_close(seg);
    free(path);
}

static int reopen(const char *path, vrv_error *err)
{
    vrv_segment *seg = NULL;
    int rc = vrv_segment_open(path, &seg, err);
    vrv_segment_close(seg);
    return rc;
}

TEST(rejects_truncated_and_corrupted_files)
{
    char *path = write_small(VRV_SEG_CODEC_LZ4);
    vrv_buf orig = VRV_BUF_INIT;
    CHECK_INT(vrv_buf_read_file(&orig, path), 0);
    char *bad = path_in_tmp("bad.vseg");
    vrv_error err;
    /* every truncation is rejected */
    for (size_t cut = 0; cut < orig.len; cut += 7) {
        FILE *f = fopen(bad, "wb");
        fwrite(orig.data, 1, cut, f);
        fclose(f);
        int rc = reopen(bad, &err);
        CHECK_INT(rc, VRV_ECORRUPT);
    }
    /* every single flipped byte is rejected */
    int accepted = 0;
    for (size_t pos = 0; pos < orig.len; pos++) {
        orig.data[pos] ^= 0x5a;
        FILE *f = fopen(bad, "wb");
        fwrite(orig.data, 1, orig.len, f);
        fclose(f);
        if (reopen(bad, &err) == 0) accepted++;
        orig.data[pos] ^= 0x5a;
    }
    /* bytes outside every section (header reserved field) may be ignored */
    CHECK(accepted <= 4);
    CHECK_INT(reopen("/nonexistent/x.vseg", &err), VRV_EIO);
    FILE *f = fopen(bad, "wb");
    fwrite(orig.data, 1, orig.len - 1, f);
    fclose(f);
    CHECK_INT(reopen(bad, &err), VRV_ECORRUPT);
    CHECK(strstr(err.msg, "bad.vseg") != NULL);
    vrv_buf_free(&orig);
    free(bad);
    free(path);
}
