/*
 * cmd_sample.c — `varve sample`: the rows a Druid ingestion spec would store
 * from some input files, printed as JSON lines in storage order.
 *
 *   varve sample --spec SPEC.json [--input FILE]... [--stats-only]
 *
 * SPEC is any spec a Druid user has: a Kafka or Kinesis supervisor spec
 * (nested or legacy flattened form) or a batch `index_parallel` / `index` task
 * spec. Without --input, a batch spec's own inputSource is read. Files may be
 * gzip or zstd compressed. Each file is one block of rows (a bad row is its own
 * parse exception). Row statistics and the saved parse exceptions go to
 * standard error as one JSON object:
 *   {"rowStats":{...},"unparseableEvents":[...],"errorMsg":null}
 * The exit status is 0, or 1 when the spec is invalid or ingestion failed
 * (maxParseExceptions exceeded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/vec.h"
#include "cli/cli.h"
#include "ingest/pipeline.h"
#include "ingest/rows_json.h"
#include "input/source.h"
#include "json/jutil.h"
#include "spec/spec.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: varve sample --spec SPEC.json [--input FILE]... [--stats-only]\n"
                 "  prints the rows the spec would store from the input, as JSON lines;\n"
                 "  row statistics and parse exceptions go to standard error\n");
}

typedef struct sample_sink {
    vrv_pipeline *p;
    vrv_index *idx;
} sample_sink;

static vrv_index *one_index(void *ctx, vrv_ms t, vrv_error *err)
{
    (void)t;
    (void)err;
    sample_sink *s = ctx;
    if (!s->idx) s->idx = vrv_pipeline_new_index(s->p);
    return s->idx;
}

static void report(const vrv_pipeline *p, const char *error_msg)
{
    json_t *o = json_object();
    json_object_set_new(o, "rowStats", p ? vrv_row_stats_to_json(vrv_pipeline_stats(p)) : json_object());
    json_object_set_new(o, "unparseableEvents", p ? vrv_pipeline_exceptions_json(p) : json_array());
    json_object_set_new(o, "errorMsg", error_msg ? json_string(error_msg) : json_null());
    char *s = json_dumps(o, JSON_COMPACT);
    fprintf(stderr, "%s\n", s);
    free(s);
    json_decref(o);
}

int vrv_cmd_sample(int argc, char **argv)
{
    const char *spec_path = NULL;
    VRV_VEC(const char *) inputs = {0};
    bool stats_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            vrv_vec_free(&inputs);
            return 0;
        } else if (strcmp(argv[i], "--spec") == 0 && i + 1 < argc) {
            spec_path = argv[++i];
        } else if (strcmp(argv[i], "--input") == 0 && i + 1 < argc) {
            vrv_vec_push(&inputs, argv[++i]);
        } else if (strcmp(argv[i], "--stats-only") == 0) {
            stats_only = true;
        } else {
            fprintf(stderr, "varve sample: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            vrv_vec_free(&inputs);
            return 2;
        }
    }
    if (!spec_path) {
        usage(stderr);
        vrv_vec_free(&inputs);
        return 2;
    }
    vrv_error err;
    vrv_error_clear(&err);
    json_t *json = NULL;
    int status = 1;
    vrv_spec_supervisor sup;
    vrv_spec_batch batch;
    bool is_sup = false, is_batch = false;
    vrv_source *source = NULL;
    vrv_pipeline *p = NULL;
    sample_sink sink = {0};
    vrv_buf data = VRV_BUF_INIT, out = VRV_BUF_INIT;

    if (vrv_json_load_file(spec_path, &json, &err) != 0) goto done;
    const char *type = json_string_value(json_object_get(json, "type"));
    vrv_pipeline_config cfg = {0};
    if (type && (strcmp(type, "index_parallel") == 0 || strcmp(type, "index") == 0)) {
        if (vrv_spec_batch_parse(json, NULL, &batch, &err) != 0) goto done;
        is_batch = true;
        cfg.schema = &batch.schema;
        cfg.input_format = &batch.input_format;
        cfg.tuning = &batch.tuning.c;
    } else {
        if (vrv_spec_supervisor_parse(json, NULL, &sup, &err) != 0) goto done;
        is_sup = true;
        cfg.schema = &sup.schema;
        cfg.input_format = &sup.io.input_format;
        cfg.tuning = &sup.tuning.c;
    }
    if (vrv_pipeline_new(&cfg, &p, &err) != 0) goto done;
    sink.p = p;
    int rc = VRV_OK;
    if (inputs.n) {
        for (size_t i = 0; i < inputs.n && rc == VRV_OK; i++) {
            vrv_buf_reset(&data);
            if ((rc = vrv_source_read_file(inputs.v[i], 0, &data, &err))) break;
            rc = vrv_pipeline_process(p, data.data, data.len, NULL, false, one_index, &sink, &err);
        }
    } else if (is_batch) {
        vrv_source_splits splits = {0};
        if ((rc = vrv_source_parse(batch.input_source.json, batch.input_source.path, &source, &err)) == 0 &&
            (rc = vrv_source_list(source, &splits, &err)) == 0) {
            for (size_t i = 0; i < splits.n && rc == VRV_OK; i++) {
                vrv_buf_reset(&data);
                if ((rc = vrv_source_read(source, &splits.v[i], NULL, &data, &err))) break;
                rc = vrv_pipeline_process(p, data.data, data.len, NULL, false, one_index, &sink, &err);
            }
        }
        vrv_source_splits_free(&splits);
    } else {
        rc = vrv_error_set(&err, VRV_EINVAL, "a supervisor spec reads a stream: give --input FILE");
    }
    if (rc) goto done;
    if (sink.idx && !stats_only) {
        vrv_rows_json_write(sink.idx, vrv_pipeline_metrics(p), &out);
        fwrite(out.data, 1, out.len, stdout);
    }
    fflush(stdout);
    status = 0;
done:
    if (status != 0 && err.msg[0]) fprintf(stderr, "varve sample: %s\n", err.msg);
    report(p, status == 0 ? NULL : err.msg);
    vrv_index_free(sink.idx);
    vrv_pipeline_free(p);
    vrv_source_free(source);
    if (is_sup) vrv_spec_supervisor_free(&sup);
    if (is_batch) vrv_spec_batch_free(&batch);
    json_decref(json);
    vrv_buf_free(&data);
    vrv_buf_free(&out);
    vrv_vec_free(&inputs);
    return status;
}
