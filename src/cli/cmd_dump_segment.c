/*
 * cmd_dump_segment.c — `varve dump-segment`: the rows or the metadata of
 * segment files, read with the product's own reader, as Druid's DumpSegment
 * tool prints them.
 *
 *   varve dump-segment [--dump rows|scan|metadata] [--column NAME]... [--time-iso8601] FILE...
 *
 * rows (the default): one JSON object per row, in storage order, as a scan
 * query with resultFormat "list" returns them (__time in milliseconds, or
 * ISO-8601 with --time-iso8601; complex metrics in their serialized form);
 * --column keeps only the named columns (__time is always kept). scan: the
 * same rows as the scan query's result for the file, one line a file
 * ({"segmentId", "columns", "events"}), so that a reader of several files
 * knows which segment each row is from. metadata:
 * the file's footer (interval, version, dimensions, metrics, aggregators,
 * row count, column directory) as one JSON object. Several files are dumped
 * one after the other. A corrupt or unreadable file is an error on standard
 * error naming the file, and the exit status is 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "base/vec.h"
#include "cli/cli.h"
#include "query/adapter.h"
#include "query/query.h"
#include "segment/seg_reader.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: varve dump-segment [--dump rows|scan|metadata] [--column NAME]... "
                 "[--time-iso8601] FILE...\n"
                 "  prints a segment file's rows as JSON lines (a scan of every column, or of\n"
                 "  the --column ones), the scan's result for each file (one line a file),\n"
                 "  or its footer metadata as one JSON object\n");
}

/* Prints each row of one rendered scan result, one compact object a line. */
static int print_rows(const char *text, size_t len, bool iso, bool whole, const char *id,
                      vrv_error *err)
{
    json_error_t je;
    json_t *res = json_loadb(text, len, 0, &je);
    if (!json_is_array(res)) {
        json_decref(res);
        return vrv_error_set(err, VRV_EINTERNAL, "the scan's result is not an array: %s", je.text);
    }
    size_t i, k;
    json_t *r, *ev;
    json_array_foreach(res, i, r)
    {
        json_array_foreach(json_object_get(r, "events"), k, ev)
        {
            json_t *t = json_object_get(ev, "__time");
            if (iso && json_is_integer(t)) {
                char buf[VRV_TIME_STR_MAX];
                vrv_time_format((vrv_ms)json_integer_value(t), buf);
                json_object_set_new(ev, "__time", json_string(buf));
            }
            if (whole) continue;
            char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (s) puts(s);
            free(s);
        }
        if (!whole) continue;
        char *s = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
    }
    /* A file without rows still gets its line. */
    if (whole && json_array_size(res) == 0) {
        json_t *r0 = json_pack("{s:s, s:[], s:[]}", "segmentId", id, "columns", "events");
        char *s = json_dumps(r0, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(r0);
    }
    json_decref(res);
    return 0;
}

static int dump_rows(vrv_segment *seg, const char *path, const char *const *cols, size_t ncols,
                     bool iso, bool whole, vrv_error *err)
{
    const json_t *meta = vrv_segment_meta(seg);
    const char *ds = json_string_value(json_object_get(meta, "dataSource"));
    if (!ds) ds = "segment";
    json_t *q =
        json_pack("{s:s, s:s, s:s}", "queryType", "scan", "dataSource", ds, "resultFormat", "list");
    /* Every row: the interval from the first to just past the last row. */
    char a[VRV_TIME_STR_MAX], b[VRV_TIME_STR_MAX];
    vrv_time_format(vrv_segment_min_time(seg), a);
    vrv_time_format(vrv_segment_max_time(seg) + 1, b);
    vrv_buf iv = VRV_BUF_INIT;
    vrv_buf_printf(&iv, "%s/%s", a, b);
    json_object_set_new(q, "intervals", json_pack("[s]", iv.data));
    vrv_buf_free(&iv);
    if (ncols) {
        json_t *c = json_array();
        json_array_append_new(c, json_string("__time"));
        for (size_t i = 0; i < ncols; i++)
            if (strcmp(cols[i], "__time") != 0) json_array_append_new(c, json_string(cols[i]));
        json_object_set_new(q, "columns", c);
    }
    vrv_query *plan = NULL;
    vrv_query_error qerr;
    int rc = vrv_query_parse_json(q, &plan, &qerr);
    json_decref(q);
    if (rc < 0) {
        *err = qerr.err;
        vrv_error_prefix(err, "%s: the scan", path);
        return rc;
    }
    vrv_adapter *ad = vrv_adapter_segment(seg, NULL);
    vrv_buf out = VRV_BUF_INIT;
    rc = vrv_query_execute(plan, &ad, vrv_segment_rows(seg) ? 1 : 0, 0, &out, err);
    if (rc == 0) rc = print_rows(out.data, out.len, iso, whole, vrv_adapter_segment_id(ad), err);
    if (rc < 0) vrv_error_prefix(err, "%s", path);
    vrv_buf_free(&out);
    vrv_adapter_free(ad);
    vrv_query_free(plan);
    return rc;
}

int vrv_cmd_dump_segment(int argc, char **argv)
{
    bool metadata = false, iso = false, whole = false;
    VRV_VEC(const char *) cols = {0};
    VRV_VEC(const char *) files = {0};
    int status = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            goto done;
        } else if (strcmp(a, "--time-iso8601") == 0) {
            iso = true;
        } else if ((strcmp(a, "--dump") == 0 || strcmp(a, "--column") == 0) && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(a, "--column") == 0) {
                vrv_vec_push(&cols, v);
            } else if (!strcmp(v, "rows") || !strcmp(v, "scan") || !strcmp(v, "metadata")) {
                metadata = strcmp(v, "metadata") == 0;
                whole = strcmp(v, "scan") == 0;
            } else {
                fprintf(stderr,
                        "varve dump-segment: --dump must be rows, scan or metadata, not '%s'\n", v);
                status = 2;
                goto done;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "varve dump-segment: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            status = 2;
            goto done;
        } else {
            vrv_vec_push(&files, a);
        }
    }
    if (files.n == 0) {
        usage(stderr);
        status = 2;
        goto done;
    }
    for (size_t f = 0; f < files.n && status == 0; f++) {
        vrv_segment *seg = NULL;
        vrv_error err;
        int rc = vrv_segment_open(files.v[f], &seg, &err);
        if (rc == 0 && metadata) {
            char *s = json_dumps(vrv_segment_meta(seg), JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (s) puts(s);
            free(s);
        } else if (rc == 0) {
            rc = dump_rows(seg, files.v[f], cols.v, cols.n, iso, whole, &err);
        }
        vrv_segment_close(seg);
        if (rc < 0) {
            fprintf(stderr, "varve dump-segment: %s\n", err.msg);
            status = 1;
        }
    }
done:
    vrv_vec_free(&cols);
    vrv_vec_free(&files);
    return status;
}
