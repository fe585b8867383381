/*
 * fuzz_segment_query.c — a segment file as the query engine reads it. The
 * input is the file's contents. Opening must either fail with an error
 * (VRV_ECORRUPT for damage) or succeed; a file that opens is then read
 * whole through the query adapter (times, every numeric block and its null
 * flags, dictionary ids and values, multi-value rows, bitmaps, complex
 * cells) and queried (a timeseries over every numeric column, a groupBy on
 * each string column, a scan of every column, segmentMetadata with every
 * analysis). Two properties are checked on every file that opens: the file
 * cut short by one byte, and the file with one byte past the header
 * flipped, must both be rejected.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "query/adapter.h"
#include "query/query.h"
#include "segment/seg_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
}

/* Opening the damaged copy must fail, with an error code and message. */
static void must_reject(const char *path, const uint8_t *data, size_t size)
{
    write_file(path, data, size);
    vrv_segment *seg = NULL;
    vrv_error err;
    err.code = 0;
    if (vrv_segment_open(path, &seg, &err) == 0) abort();
    if (err.code >= 0 || !err.msg[0]) abort();
}

static void read_everything(const vrv_adapter *a)
{
    static int64_t l[VRV_ADAPTER_BLOCK];
    static double d[VRV_ADAPTER_BLOCK];
    static float f[VRV_ADAPTER_BLOCK];
    static uint8_t nl[VRV_ADAPTER_BLOCK];
    static uint32_t ids[VRV_ADAPTER_BLOCK];
    size_t rows = vrv_adapter_rows(a);
    for (size_t b = 0; b < vrv_adapter_nblocks(a); b++) vrv_adapter_times(a, b, l);
    for (size_t c = 1; c < vrv_adapter_ncols(a); c++) {
        const vrv_adapter_col *col = vrv_adapter_column(a, c);
        if (col->dict) {
            for (uint32_t id = 0; id <= col->ndict && id < 64; id++) {
                vrv_str s = vrv_adapter_dict_get(a, c, id);
                if (id && vrv_adapter_dict_find(a, c, s) != (long)id) abort();
                roaring_bitmap_t *bm = vrv_adapter_bitmap(a, c, id);
                if (bm) roaring_bitmap_free(bm);
            }
            vrv_mv_reader mv;
            vrv_mv_reader_init(&mv, a, c);
            for (size_t r = 0; r < rows; r++) {
                size_t n;
                const uint32_t *v = vrv_mv_row(&mv, r, &n);
                for (size_t k = 0; k < n; k++)
                    if (v[k] > col->ndict) abort();
            }
            vrv_mv_reader_free(&mv);
            if (!col->multi)
                for (size_t b = 0; b < vrv_adapter_nblocks(a); b++) vrv_adapter_ids(a, c, b, ids);
        } else if (col->type == VRV_C_COMPLEX) {
            for (size_t r = 0; r < rows && r < 4096; r++) vrv_adapter_complex(a, c, r);
        } else {
            for (size_t b = 0; b < vrv_adapter_nblocks(a); b++) {
                vrv_adapter_longs(a, c, b, l);
                vrv_adapter_doubles(a, c, b, d);
                vrv_adapter_floats(a, c, b, f);
                vrv_adapter_nulls(a, c, b, nl);
            }
        }
    }
}

static void run(vrv_adapter *a, json_t *query)
{
    char *text = json_dumps(query, JSON_COMPACT);
    json_decref(query);
    vrv_query *q = NULL;
    vrv_query_error qe;
    if (vrv_query_parse(text, strlen(text), &q, &qe) == 0) {
        vrv_buf out = VRV_BUF_INIT;
        vrv_error err;
        vrv_query_execute(q, &a, 1, 0, &out, &err);
        vrv_buf_free(&out);
        vrv_query_free(q);
    }
    free(text);
}

static void query_everything(vrv_adapter *a)
{
    const char *ds = vrv_adapter_datasource(a);
    json_t *aggs = json_array();
    json_array_append_new(aggs, json_pack("{s:s,s:s}", "type", "count", "name", "__n"));
    for (size_t c = 1; c < vrv_adapter_ncols(a); c++) {
        const vrv_adapter_col *col = vrv_adapter_column(a, c);
        const char *type = col->type == VRV_C_LONG     ? "longSum"
                           : col->type == VRV_C_DOUBLE ? "doubleMax"
                           : col->type == VRV_C_FLOAT  ? "floatMin"
                           : col->dict                 ? "stringLast"
                           : col->complex_type && !strcmp(col->complex_type, "hyperUnique")
                               ? "hyperUnique"
                               : NULL;
        if (!type) continue;
        char name[32];
        snprintf(name, sizeof name, "a%zu", c);
        json_array_append_new(aggs, json_pack("{s:s,s:s,s:s}", "type", type, "name", name,
                                              "fieldName", col->name));
    }
    run(a, json_pack("{s:s,s:s,s:s,s:s,s:O}", "queryType", "timeseries", "dataSource", ds,
                     "intervals", "1000/3000", "granularity", "day", "aggregations", aggs));
    for (size_t c = 1, k = 0; c < vrv_adapter_ncols(a) && k < 4; c++) {
        const vrv_adapter_col *col = vrv_adapter_column(a, c);
        if (!col->dict) continue;
        k++;
        run(a, json_pack("{s:s,s:s,s:s,s:s,s:[s],s:O,s:{s:s,s:s}}", "queryType", "groupBy",
                         "dataSource", ds, "intervals", "1000/3000", "granularity", "all",
                         "dimensions", col->name, "aggregations", aggs, "filter", "type", "null",
                         "column", col->name));
        run(a, json_pack("{s:s,s:s,s:s,s:s,s:[s],s:i,s:s,s:O}", "queryType", "topN", "dataSource",
                         ds, "intervals", "1000/3000", "granularity", "all", "dimension", col->name,
                         "threshold", 3, "metric", "__n", "aggregations", aggs));
    }
    json_decref(aggs);
    run(a, json_pack("{s:s,s:s,s:s,s:i,s:s}", "queryType", "scan", "dataSource", ds, "intervals",
                     "1000/3000", "limit", 100, "order", "descending"));
    run(a, json_pack("{s:s,s:s,s:[s,s,s,s,s,s,s,s]}", "queryType", "segmentMetadata", "dataSource",
                     ds, "analysisTypes", "cardinality", "size", "interval", "minmax",
                     "timestampSpec", "queryGranularity", "aggregators", "rollup"));
    run(a, json_pack("{s:s,s:s}", "queryType", "timeBoundary", "dataSource", ds));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz-segq-%d.vseg", (int)getpid());
    write_file(path, data, size);
    vrv_segment *seg = NULL;
    vrv_error err;
    err.code = 0;
    if (vrv_segment_open(path, &seg, &err) != 0) {
        if (err.code >= 0 || !err.msg[0]) abort();
        unlink(path);
        return 0;
    }
    vrv_adapter *a = vrv_adapter_segment(seg, NULL);
    read_everything(a);
    query_everything(a);
    vrv_adapter_free(a);
    vrv_segment_close(seg);
    /* damage must not go unnoticed */
    must_reject(path, data, size - 1);
    uint8_t *copy = malloc(size);
    memcpy(copy, data, size);
    size_t pos = 16 + (size_t)(vrv_hash(data, size) % (size - 16));
    copy[pos] ^= 0x20;
    must_reject(path, copy, size);
    free(copy);
    unlink(path);
    return 0;
}
