/*
 * api_sampler.c — POST /druid/indexer/v1/sampler: Druid's sampler, what the
 * console's Load data view previews a spec with (ingest/sampler.h does the
 * sampling; this file reads the input and speaks HTTP). The body is Druid's
 * SamplerSpec:
 *
 *   {"type": "index_parallel" | "index",
 *    "spec": {"dataSchema": {...}, "ioConfig": {"inputSource": {...},
 *             "inputFormat": {...}}, "tuningConfig": {...}},
 *    "samplerConfig": {"numRows": 200, "timeoutMs": 10000}}
 *
 * reads the input source (inline, local, http) split by split; with
 * "type": "kafka" the spec is a supervisor spec and the first records of its
 * topic are read, from the earliest offsets of every partition, until
 * numRows rows, the end of every partition as it was when sampling began,
 * or timeoutMs (without one, until no record came for 10 s). A spec
 * without a dataSchema samples with Druid's defaults
 * (timestamp column "timestamp", every field a dimension). Errors are 400
 * {"error": ...}: a bad spec names the field ("spec.ioConfig.inputFormat:
 * required"), a failed read says "Failed to sample data: ...", as Druid's
 * SamplerExceptionMapper does.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "ingest/sampler.h"
#include "input/source.h"
#include "server/node_int.h"
#include "stream/kafka.h"
#include "stream/supplier.h"

#define KAFKA_POLL_MS 100    /* one poll; the deadline is checked between polls */
#define KAFKA_IDLE_MS 10000  /* without timeoutMs: give up after this long without a
                                record (a partition may end in transaction markers,
                                offsets that are never delivered) */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* samplerConfig: numRows in [1, 5000] (default 200), timeoutMs >= 0 (default
 * 10000; 0 = no limit). */
static int parse_config(const json_t *cfg, size_t *num_rows, int64_t *timeout_ms, vrv_error *err)
{
    *num_rows = VRV_SAMPLER_DEFAULT_ROWS;
    *timeout_ms = VRV_SAMPLER_DEFAULT_TIMEOUT_MS;
    if (!cfg || json_is_null(cfg)) return 0;
    if (!json_is_object(cfg))
        return vrv_error_set(err, VRV_EINVAL, "samplerConfig: expected an object");
    const json_t *n = json_object_get(cfg, "numRows");
    if (n && !json_is_null(n)) {
        if (!json_is_integer(n))
            return vrv_error_set(err, VRV_EINVAL, "samplerConfig.numRows: expected an integer");
        json_int_t v = json_integer_value(n);
        if (v > VRV_SAMPLER_MAX_ROWS)
            return vrv_error_set(err, VRV_EINVAL, "samplerConfig.numRows: must be <= %d",
                                 VRV_SAMPLER_MAX_ROWS);
        if (v < 1) return vrv_error_set(err, VRV_EINVAL, "samplerConfig.numRows: must be >= 1");
        *num_rows = (size_t)v;
    }
    const json_t *t = json_object_get(cfg, "timeoutMs");
    if (t && !json_is_null(t)) {
        if (!json_is_integer(t))
            return vrv_error_set(err, VRV_EINVAL, "samplerConfig.timeoutMs: expected an integer");
        if (json_integer_value(t) < 0)
            return vrv_error_set(err, VRV_EINVAL, "samplerConfig.timeoutMs: must be >= 0");
        *timeout_ms = json_integer_value(t);
    }
    return 0;
}

/* {"type": type, "spec": spec} with a dataSchema (and a dataSource in it)
 * whatever the request left out: a new reference. */
static json_t *task_shaped(const char *type, json_t *spec)
{
    json_t *inner = json_deep_copy(spec);
    json_t *ds = json_object_get(inner, "dataSchema");
    if (!ds || json_is_null(ds)) {
        /* Druid's InputSourceSampler.DEFAULT_DATA_SCHEMA */
        ds = json_pack("{s:{s:s, s:s}, s:{}}", "timestampSpec", "column", "timestamp", "format",
                       "auto", "dimensionsSpec");
        json_object_set_new(inner, "dataSchema", ds);
    }
    if (json_is_object(ds) && !json_object_get(ds, "dataSource"))
        json_object_set_new(ds, "dataSource", json_string("sampler"));
    return json_pack("{s:s, s:o}", "type", type, "spec", inner);
}

static int sample_batch(json_t *wrapped, size_t num_rows, int64_t deadline, json_t **out,
                        bool *spec_error, vrv_error *err)
{
    vrv_spec_batch b;
    int rc = vrv_spec_batch_parse(wrapped, NULL, &b, err);
    if (rc) {
        *spec_error = true;
        return rc;
    }
    vrv_sampler *s = NULL;
    vrv_source *src = NULL;
    vrv_source_splits splits = {0};
    vrv_buf data = VRV_BUF_INIT;
    if ((rc = vrv_sampler_new(&b.schema, &b.input_format, num_rows, &s, err))) {
        *spec_error = true;
        goto done;
    }
    if ((rc = vrv_source_parse(b.input_source.json, b.input_source.path, &src, err))) {
        *spec_error = true;
        goto done;
    }
    if ((rc = vrv_source_list(src, &splits, err))) goto done;
    for (size_t i = 0; i < splits.n && !vrv_sampler_full(s); i++) {
        if (deadline && mono_ms() >= deadline) break;
        vrv_buf_reset(&data);
        if ((rc = vrv_source_read(src, &splits.v[i], NULL, &data, err))) goto done;
        if ((rc = vrv_sampler_feed(s, data.data, data.len, NULL, false, err))) goto done;
    }
    *out = vrv_sampler_response(s);
done:
    vrv_buf_free(&data);
    vrv_source_splits_free(&splits);
    vrv_source_free(src);
    vrv_sampler_free(s);
    vrv_spec_batch_free(&b);
    return rc;
}

/* The topic from its earliest offsets up to where each partition ended when
 * sampling began. */
static int read_kafka(vrv_sampler *s, const vrv_spec_supervisor *sup, int64_t deadline,
                      vrv_error *err)
{
    vrv_kafka_config kc = {.topic = sup->io.topic_pattern ? NULL : sup->io.topic,
                           .topic_pattern = sup->io.topic_pattern,
                           .consumer_properties = sup->io.consumer_properties,
                           .path = "spec.ioConfig.consumerProperties",
                           .poll_timeout_ms = (int)sup->io.poll_timeout_ms};
    vrv_supplier *k = NULL;
    vrv_part *parts = NULL;
    size_t n = 0;
    vrv_pos *first = NULL, *end = NULL;
    int64_t *next = NULL;
    vrv_batch batch = {0};
    int rc = vrv_kafka_open(&kc, &k, err);
    if (rc) return rc;
    if ((rc = vrv_supplier_partitions(k, &parts, &n, err))) goto done;
    first = vrv_calloc(n ? n : 1, sizeof *first);
    end = vrv_calloc(n ? n : 1, sizeof *end);
    next = vrv_calloc(n ? n : 1, sizeof *next);
    if ((rc = vrv_supplier_earliest(k, parts, n, first, err)) ||
        (rc = vrv_supplier_latest(k, parts, n, end, err)) ||
        (rc = vrv_supplier_assign(k, parts, n, err)))
        goto done;
    size_t pending = 0; /* partitions with records left before their end */
    for (size_t i = 0; i < n; i++) {
        next[i] = first[i].offset;
        if (next[i] < end[i].offset) pending++;
        if ((rc = vrv_supplier_seek_earliest(k, &parts[i], err))) goto done;
    }
    int64_t last_record = mono_ms();
    while (pending && !vrv_sampler_full(s)) {
        int64_t left = deadline ? deadline - mono_ms() : KAFKA_POLL_MS;
        if (left <= 0) break;
        if (!deadline && mono_ms() - last_record > KAFKA_IDLE_MS) break;
        rc = vrv_supplier_poll(k, &batch, (int)VRV_MIN(left, (int64_t)KAFKA_POLL_MS), err);
        size_t nassigned;
        const vrv_part *assigned = vrv_supplier_assignment(k, &nassigned);
        if (batch.n) last_record = mono_ms();
        for (size_t i = 0; i < batch.n && rc == 0 && !vrv_sampler_full(s); i++) {
            const vrv_record *r = &batch.recs[i];
            const vrv_part *p = &assigned[r->part];
            size_t pi = 0;
            while (pi < n && !vrv_part_equal(&parts[pi], p)) pi++;
            if (pi == n || r->offset < next[pi] || next[pi] >= end[pi].offset) continue;
            next[pi] = r->offset + 1;
            if (next[pi] >= end[pi].offset) pending--;
            vrv_record_meta meta = {
                .key = r->key,
                .key_len = r->key_len,
                .timestamp = r->timestamp,
                .topic =
                    vrv_str_make(p->multi_topic ? p->id : vrv_supplier_stream(k),
                                 p->multi_topic ? p->topic_len : strlen(vrv_supplier_stream(k))),
                .partition = p->partition,
                .offset = r->offset};
            vrv_supplier_headers(k, r, &batch, &meta.headers, &meta.nheaders);
            rc = vrv_sampler_feed(s, r->value, r->value ? r->value_len : 0, &meta, true, err);
        }
        vrv_supplier_release(k, &batch);
        if (rc == VRV_EAGAIN) {
            rc = 0; /* brokers briefly away: the client reconnects, the deadline bounds the wait */
            vrv_error_clear(err);
        }
        if (rc) goto done;
    }
done:
    vrv_supplier_release(k, &batch);
    vrv_batch_free(&batch);
    free(parts);
    free(first);
    free(end);
    free(next);
    vrv_supplier_close(k);
    return rc;
}

static int sample_kafka(json_t *wrapped, size_t num_rows, int64_t deadline, json_t **out,
                        bool *spec_error, vrv_error *err)
{
    vrv_spec_supervisor sup;
    int rc = vrv_spec_supervisor_parse(wrapped, NULL, &sup, err);
    if (rc) {
        *spec_error = true;
        return rc;
    }
    vrv_sampler *s = NULL;
    if ((rc = vrv_sampler_new(&sup.schema, &sup.io.input_format, num_rows, &s, err))) {
        *spec_error = true;
    } else if ((rc = read_kafka(s, &sup, deadline, err)) == 0) {
        *out = vrv_sampler_response(s);
    }
    vrv_sampler_free(s);
    vrv_spec_supervisor_free(&sup);
    return rc;
}

static void h_sample(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)ctx;
    vrv_error err;
    vrv_error_clear(&err);
    json_t *body = vrv_http_req_json(req, &err);
    if (!body) {
        vrv_http_error(resp, 400, "%s", err.msg);
        return;
    }
    json_t *out = NULL, *wrapped = NULL;
    size_t num_rows;
    int64_t timeout_ms;
    bool spec_error = false;
    const char *type = json_string_value(json_object_get(body, "type"));
    json_t *spec = json_object_get(body, "spec");
    if (!json_is_object(body)) {
        vrv_http_error(resp, 400, "request body: expected a JSON object");
    } else if (!type) {
        vrv_http_error(resp, 400, "type: required, one of [index, index_parallel, kafka]");
    } else if (strcmp(type, "index") != 0 && strcmp(type, "index_parallel") != 0 &&
               strcmp(type, "kafka") != 0) {
        vrv_http_error(
            resp, 400,
            "Could not resolve type id '%s' as a subtype of `SamplerSpec`: known type ids = "
            "[index, index_parallel, kafka]",
            type);
    } else if (!json_is_object(spec)) {
        vrv_http_error(resp, 400, "spec: required, an object");
    } else if (parse_config(json_object_get(body, "samplerConfig"), &num_rows, &timeout_ms, &err) <
               0) {
        vrv_http_error(resp, 400, "%s", err.msg);
    } else {
        int64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
        wrapped = task_shaped(type, spec);
        int rc = strcmp(type, "kafka") == 0
                     ? sample_kafka(wrapped, num_rows, deadline, &out, &spec_error, &err)
                     : sample_batch(wrapped, num_rows, deadline, &out, &spec_error, &err);
        if (rc == 0)
            vrv_http_resp_json(resp, 200, out);
        else if (spec_error)
            vrv_http_error(resp, 400, "%s", err.msg);
        else
            vrv_http_error(resp, 400, "Failed to sample data: %s", err.msg);
    }
    json_decref(wrapped);
    json_decref(body);
}

int vrv_api_sampler_routes(vrv_node *n, vrv_error *err)
{
    return vrv_http_route(n->http, "POST", "/druid/indexer/v1/sampler", h_sample, n, err);
}
