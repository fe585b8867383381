/*
 * stream_payload.c — building and parsing the `index_kafka` and
 * `index_kinesis` task JSON (see stream_payload.h). The builder writes
 * properties in the order Jackson writes Druid's KafkaIndexTask /
 * KinesisIndexTask (type id first, then creator properties);
 * the parser checks what KafkaIndexTask's constructors check, with Druid's
 * messages where Druid has one ("end offset must be >= start offset for
 * partition[0]", "All startSequenceNumbers must be inclusive").
 */
#include "task/stream_payload.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/time.h"
#include "json/jutil.h"
#include "json/jwriter.h"

/* Fields of a supervisor tuningConfig that a task's tuningConfig does not
 * have (SeekableStreamSupervisorTuningConfig only). */
static const char *const SUPERVISOR_ONLY_TUNING[] = {
    "workerThreads",     "chatRetries",       "httpTimeout",
    "shutdownTimeout",   "offsetFetchPeriod", "repartitionTransitionDuration",
};

/* ---- small JSON helpers ------------------------------------------------------- */

json_t *vrv_stask_posmap_json(const vrv_posmap *m, vrv_posmap_form form)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_posmap_write_json(&w, m, form);
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    vrv_buf_free(&b);
    return j ? j : json_null();
}

json_t *vrv_stask_metadata_json(const vrv_posmap *m, vrv_posmap_form form)
{
    return json_pack("{s:s, s:o}", "type", vrv_stream_type_name((vrv_stream_type)m->stream_type),
                     "partitions", vrv_stask_posmap_json(m, form));
}

static json_t *instant_json(vrv_ms t)
{
    char s[VRV_TIME_STR_MAX];
    vrv_time_format(t, s);
    return json_string(s);
}

/* ---- checkpoints context --------------------------------------------------------- */

char *vrv_stask_checkpoints_text(const vrv_stask_checkpoint *cps, size_t n)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_jw_begin_object(&w);
    for (size_t i = 0; i < n; i++) {
        char key[24];
        snprintf(key, sizeof key, "%d", cps[i].id);
        vrv_jw_key(&w, key);
        vrv_jw_begin_object(&w);
        for (size_t k = 0; k < cps[i].start.n; k++) {
            vrv_jw_key(&w, cps[i].start.v[k].part.id);
            vrv_pos_write_json(&w, &cps[i].start.v[k].pos);
        }
        vrv_jw_end_object(&w);
    }
    vrv_jw_end_object(&w);
    return vrv_buf_detach(&b);
}

void vrv_stask_checkpoints_free(vrv_stask_checkpoint *cps, size_t n)
{
    if (!cps) return;
    for (size_t i = 0; i < n; i++) vrv_posmap_free(&cps[i].start);
    free(cps);
}

static int cp_cmp(const void *a, const void *b)
{
    int x = ((const vrv_stask_checkpoint *)a)->id, y = ((const vrv_stask_checkpoint *)b)->id;
    return (x > y) - (x < y);
}

int vrv_stask_checkpoints_parse(const char *text, vrv_stream_type t, const char *stream,
                                const char *path, vrv_stask_checkpoint **out, size_t *n,
                                vrv_error *err)
{
    *out = NULL;
    *n = 0;
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j)) {
        json_decref(j);
        return vrv_error_set(err, VRV_EINVAL,
                             "%s: must be a JSON object of sequence id -> {partition: offset}%s%s",
                             path, j ? "" : ": ", j ? "" : je.text);
    }
    size_t cap = json_object_size(j);
    vrv_stask_checkpoint *cps = vrv_calloc(cap ? cap : 1, sizeof *cps);
    size_t k = 0;
    int rc = 0;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        int64_t id;
        if (!vrv_str_to_i64(vrv_str_c(key), &id) || id < 0 || id > INT32_MAX) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s: sequence id must be an integer >= 0, got \"%s\"",
                               path, key);
            break;
        }
        if (!json_is_object(v)) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s[\"%s\"]: must be an object of partition -> offset",
                               path, key);
            break;
        }
        vrv_stask_checkpoint *cp = &cps[k];
        cp->id = (int)id;
        vrv_posmap_init(&cp->start, t, stream);
        k++;
        const char *pk;
        json_t *pv;
        json_object_foreach(v, pk, pv)
        {
            char where[VRV_JSON_PATH_MAX];
            snprintf(where, sizeof where, "%s[\"%s\"][\"%s\"]", path, key, pk);
            vrv_part part;
            vrv_pos pos;
            if ((rc = vrv_part_parse(t, pk, strlen(pk), &part, err)) < 0) {
                vrv_error_prefix(err, "%s", where);
                break;
            }
            if ((rc = vrv_pos_from_json(pv, t, where, &pos, err)) < 0) break;
            vrv_posmap_set(&cp->start, &part, &pos);
        }
        if (rc < 0) break;
    }
    json_decref(j);
    if (rc < 0) {
        vrv_stask_checkpoints_free(cps, k);
        return rc;
    }
    qsort(cps, k, sizeof *cps, cp_cmp);
    *out = cps;
    *n = k;
    return 0;
}

/* ---- builder ----------------------------------------------------------------------- */

static void random_suffix(char out[VRV_STASK_ID_RANDOM_LEN + 1])
{
    unsigned char r[VRV_STASK_ID_RANDOM_LEN];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ts.tv_sec;
        for (size_t i = 0; i < sizeof r; i++, x >>= 4) r[i] = (unsigned char)x;
    }
    for (size_t i = 0; i < sizeof r; i++) out[i] = (char)('a' + (r[i] & 15));
    out[VRV_STASK_ID_RANDOM_LEN] = '\0';
}

json_t *vrv_stask_task_tuning_json(const vrv_spec_supervisor *spec)
{
    json_t *full = vrv_spec_supervisor_to_json(spec, -1);
    json_t *tc = json_deep_copy(json_object_get(full, "tuningConfig"));
    json_decref(full);
    if (!tc) return json_object();
    for (size_t i = 0; i < VRV_ARRAY_LEN(SUPERVISOR_ONLY_TUNING); i++)
        json_object_del(tc, SUPERVISOR_ONLY_TUNING[i]);
    return tc;
}

json_t *vrv_stask_data_schema_json(const vrv_spec_supervisor *spec)
{
    json_t *full = vrv_spec_supervisor_to_json(spec, -1);
    json_t *ds = json_deep_copy(json_object_get(full, "dataSchema"));
    json_decref(full);
    return ds ? ds : json_object();
}

/* start and end cover the same partitions of the same stream, end >= start. */
static int check_range(const vrv_posmap *start, const vrv_posmap *end, const char *what,
                       vrv_error *err)
{
    if (start->stream_type != end->stream_type || strcmp(start->stream, end->stream) != 0)
        return vrv_error_set(err, VRV_EINVAL,
                             "%s: start topic/stream and end topic/stream must match", what);
    bool same = start->n == end->n;
    for (size_t i = 0; same && i < start->n; i++)
        same = vrv_part_equal(&start->v[i].part, &end->v[i].part);
    if (!same)
        return vrv_error_set(err, VRV_EINVAL, "%s: start partition set and end partition set must match",
                             what);
    for (size_t i = 0; i < start->n; i++)
        if (vrv_pos_cmp(&end->v[i].pos, &start->v[i].pos) < 0)
            return vrv_error_set(err, VRV_EINVAL,
                                 "%s: end offset must be >= start offset for partition[%s]", what,
                                 start->v[i].part.id);
    return 0;
}

int vrv_stask_payload_build(const vrv_stask_build *b, json_t **out, vrv_error *err)
{
    *out = NULL;
    const vrv_spec_supervisor *spec = b->spec;
    const bool kinesis = spec->type == VRV_SPEC_KINESIS;
    const vrv_stream_type t = kinesis ? VRV_STREAM_KINESIS : VRV_STREAM_KAFKA;
    const char *task_type = kinesis ? VRV_STASK_TYPE_KINESIS : VRV_STASK_TYPE_KAFKA;
    if (!b->base_sequence_name || !*b->base_sequence_name)
        return vrv_error_set(err, VRV_EINVAL, "baseSequenceName: required");
    if (b->task_group_id < 0)
        return vrv_error_set(err, VRV_EINVAL, "taskGroupId: must be >= 0");
    const vrv_posmap *start = b->start;
    if (!start || start->stream_type != t)
        return vrv_error_set(err, VRV_EINVAL, "startSequenceNumbers: a %s position map is required",
                             kinesis ? "Kinesis" : "Kafka");
    const char *stream =
        kinesis ? spec->io.stream : spec->io.topic ? spec->io.topic : spec->io.topic_pattern;
    if (strcmp(start->stream, stream) != 0)
        return vrv_error_set(err, VRV_EINVAL,
                             "startSequenceNumbers.stream: [%s] is not the supervisor's stream [%s]",
                             start->stream, stream);
    for (size_t i = 0; i < start->n; i++) {
        const vrv_pos *p = &start->v[i].pos;
        bool ok = kinesis ? p->kind == VRV_POS_SEQ || vrv_pos_is_unread(p)
                          : !p->exclusive && p->kind == VRV_POS_OFFSET;
        if (!ok)
            return vrv_error_set(err, VRV_EINVAL,
                                 "startSequenceNumbers: partition[%s] needs %s",
                                 start->v[i].part.id,
                                 kinesis ? "a sequence number or an unread marker"
                                         : "an inclusive offset");
    }
    vrv_posmap open_end;
    const vrv_posmap *end = b->end;
    if (!end) {
        vrv_posmap_init(&open_end, t, start->stream);
        vrv_pos no_end = vrv_pos_marker(t, VRV_POS_NO_END);
        for (size_t i = 0; i < start->n; i++) vrv_posmap_set(&open_end, &start->v[i].part, &no_end);
        end = &open_end;
    }
    int rc = check_range(start, end, "ioConfig", err);
    if (rc < 0) {
        if (!b->end) vrv_posmap_free(&open_end);
        return rc;
    }

    char id_buf[512];
    const char *id = b->id;
    if (!id) {
        char rnd[VRV_STASK_ID_RANDOM_LEN + 1];
        random_suffix(rnd);
        snprintf(id_buf, sizeof id_buf, "%s_%s", b->base_sequence_name, rnd);
        id = id_buf;
    }

    json_t *full = vrv_spec_supervisor_to_json(spec, -1);
    json_t *sio = json_object_get(full, "ioConfig");

    json_t *io = json_object();
    json_object_set_new(io, "type", json_string(kinesis ? "kinesis" : "kafka"));
    json_object_set_new(io, "taskGroupId", json_integer(b->task_group_id));
    json_object_set_new(io, "baseSequenceName", json_string(b->base_sequence_name));
    /* Deprecated copies older readers use: the start as an end-form map. */
    json_object_set_new(io, "startPartitions", vrv_stask_posmap_json(start, VRV_POSMAP_END));
    json_object_set_new(io, "endPartitions", vrv_stask_posmap_json(end, VRV_POSMAP_END));
    json_object_set_new(io, "startSequenceNumbers", vrv_stask_posmap_json(start, VRV_POSMAP_START));
    json_object_set_new(io, "endSequenceNumbers", vrv_stask_posmap_json(end, VRV_POSMAP_END));
    if (!kinesis) {
        json_object_set(io, "consumerProperties", json_object_get(sio, "consumerProperties"));
        json_object_set_new(io, "pollTimeout", json_integer(spec->io.poll_timeout_ms));
    }
    json_object_set_new(io, "useTransaction", json_true());
    if (b->has_min_time) json_object_set_new(io, "minimumMessageTime", instant_json(b->min_time));
    if (b->has_max_time) json_object_set_new(io, "maximumMessageTime", instant_json(b->max_time));
    json_t *inf = json_object_get(sio, "inputFormat");
    if (inf && !json_is_null(inf)) json_object_set(io, "inputFormat", inf);
    if (kinesis) {
        /* KinesisIndexTaskIOConfig: where and how the task reads. */
        json_object_set_new(io, "endpoint", json_string(spec->io.endpoint));
        if (spec->io.region) json_object_set_new(io, "region", json_string(spec->io.region));
        if (spec->io.records_per_fetch)
            json_object_set_new(io, "recordsPerFetch", json_integer(spec->io.records_per_fetch));
        json_object_set_new(io, "fetchDelayMillis", json_integer(spec->io.fetch_delay_ms));
        if (spec->io.aws_assumed_role_arn)
            json_object_set_new(io, "awsAssumedRoleArn", json_string(spec->io.aws_assumed_role_arn));
        if (spec->io.aws_external_id)
            json_object_set_new(io, "awsExternalId", json_string(spec->io.aws_external_id));
        if (spec->io.deaggregate) json_object_set_new(io, "deaggregate", json_true());
    } else {
        json_object_set(io, "configOverrides", json_object_get(sio, "configOverrides"));
        json_object_set_new(io, "multiTopic", json_boolean(spec->io.topic_pattern != NULL));
    }

    json_t *ctx = json_object();
    if (json_is_object(spec->context)) json_object_update(ctx, spec->context);
    char *cps;
    if (b->n_checkpoints) {
        cps = vrv_stask_checkpoints_text(b->checkpoints, b->n_checkpoints);
    } else {
        vrv_stask_checkpoint seed = {.id = 0, .start = *start};
        cps = vrv_stask_checkpoints_text(&seed, 1);
    }
    json_object_set_new(ctx, VRV_STASK_CTX_CHECKPOINTS, json_string(cps));
    free(cps);
    json_object_set_new(ctx, "IS_INCREMENTAL_HANDOFF_SUPPORTED", json_true());

    char group[512];
    snprintf(group, sizeof group, "%s_%s", task_type, spec->id);

    json_t *tj = json_object();
    json_object_set_new(tj, "type", json_string(task_type));
    json_object_set_new(tj, "id", json_string(id));
    json_object_set_new(tj, "supervisorId", json_string(spec->id));
    json_object_set_new(tj, "resource", json_pack("{s:s, s:i}", "availabilityGroup",
                                                  b->base_sequence_name, "requiredCapacity", 1));
    json_object_set_new(tj, "dataSchema", vrv_stask_data_schema_json(spec));
    json_object_set_new(tj, "tuningConfig", vrv_stask_task_tuning_json(spec));
    json_object_set_new(tj, "ioConfig", io);
    json_object_set_new(tj, "context", ctx);
    json_object_set_new(tj, "groupId", json_string(group));
    json_object_set_new(tj, "dataSource", json_string(spec->schema.data_source));
    json_decref(full);
    if (!b->end) vrv_posmap_free(&open_end);
    *out = tj;
    return 0;
}

/* ---- parser --------------------------------------------------------------------------- */

static int parse_instant(const json_t *io, const char *key, bool *has, vrv_ms *out,
                         vrv_error *err)
{
    json_t *v = json_object_get(io, key);
    *has = false;
    if (!v || json_is_null(v)) return 0;
    if (json_is_integer(v)) {
        *out = (vrv_ms)json_integer_value(v);
    } else if (json_is_string(v)) {
        if (vrv_time_parse(json_string_value(v), json_string_length(v), 0, out, err) < 0)
            return vrv_error_prefix(err, "ioConfig.%s", key);
    } else {
        return vrv_error_set(err, VRV_EINVAL,
                             "ioConfig.%s: must be an ISO-8601 date-time or epoch milliseconds", key);
    }
    *has = true;
    return 0;
}

/* Reads ioConfig.<key> (or its legacy end-form twin) as a position map. */
static int parse_map(const json_t *io, vrv_stream_type t, const char *key, const char *legacy,
                     vrv_posmap *out, bool *from_legacy, vrv_error *err)
{
    json_t *v = json_object_get(io, key);
    const char *used = key;
    *from_legacy = false;
    if (!v || json_is_null(v)) {
        v = json_object_get(io, legacy);
        used = legacy;
        *from_legacy = true;
    }
    if (!v || json_is_null(v))
        return vrv_error_set(err, VRV_EINVAL, "ioConfig.%s: required", key);
    char path[64];
    snprintf(path, sizeof path, "ioConfig.%s", used);
    return vrv_posmap_from_json(v, t, path, out, NULL, err);
}

void vrv_stask_payload_free(vrv_stask_payload *p)
{
    if (!p || !p->json) return;
    vrv_posmap_free(&p->start);
    vrv_posmap_free(&p->end);
    vrv_stask_checkpoints_free(p->checkpoints, p->n_checkpoints);
    vrv_spec_supervisor_free(&p->spec);
    free(p->group_id);
    json_decref(p->json);
    memset(p, 0, sizeof *p);
}

int vrv_stask_payload_parse(const json_t *json, const vrv_spec_opts *opts, vrv_stask_payload *out,
                            vrv_error *err)
{
    memset(out, 0, sizeof *out);
    vrv_error_clear(err);
    if (!json_is_object(json)) return vrv_error_set(err, VRV_EINVAL, "task: must be a JSON object");
    const char *type = json_string_value(json_object_get(json, "type"));
    const bool kinesis = type && strcmp(type, VRV_STASK_TYPE_KINESIS) == 0;
    if (!kinesis && (!type || strcmp(type, VRV_STASK_TYPE_KAFKA) != 0))
        return vrv_error_set(err, VRV_EINVAL, "type: must be \"%s\" or \"%s\"",
                             VRV_STASK_TYPE_KAFKA, VRV_STASK_TYPE_KINESIS);
    const vrv_stream_type t = kinesis ? VRV_STREAM_KINESIS : VRV_STREAM_KAFKA;
    out->stream_type = t;

    json_t *ds = json_object_get(json, "dataSchema");
    json_t *io = json_object_get(json, "ioConfig");
    json_t *tc = json_object_get(json, "tuningConfig");
    if (!json_is_object(ds)) return vrv_error_set(err, VRV_EINVAL, "dataSchema: required (an object)");
    if (!json_is_object(io)) return vrv_error_set(err, VRV_EINVAL, "ioConfig: required (an object)");
    if (!json_is_object(tc))
        return vrv_error_set(err, VRV_EINVAL, "tuningConfig: required (an object)");

    int rc;
    const char *s;
    if ((rc = vrv_json_get_string(json, "id", "", NULL, &out->id, err)) < 0) return rc;
    if (vrv_json_req_string(io, "baseSequenceName", "ioConfig", true, &s, err) < 0) return VRV_EINVAL;
    out->base_sequence_name = s;
    json_t *tg = json_object_get(io, "taskGroupId");
    out->task_group_id = -1;
    if (tg && !json_is_null(tg)) {
        if (!json_is_integer(tg) || json_integer_value(tg) < 0 || json_integer_value(tg) > INT32_MAX)
            return vrv_error_set(err, VRV_EINVAL, "ioConfig.taskGroupId: must be an integer >= 0");
        out->task_group_id = (int)json_integer_value(tg);
    }
    if ((rc = vrv_json_get_bool(io, "useTransaction", "ioConfig", true, &out->use_transaction, err)) <
            0 ||
        (rc = vrv_json_get_bool(io, "multiTopic", "ioConfig", false, &out->multi_topic, err)) < 0)
        return rc;

    bool legacy_start, legacy_end;
    if ((rc = parse_map(io, t, "startSequenceNumbers", "startPartitions", &out->start,
                        &legacy_start, err)) < 0)
        return rc;
    if ((rc = parse_map(io, t, "endSequenceNumbers", "endPartitions", &out->end, &legacy_end,
                        err)) < 0) {
        vrv_posmap_free(&out->start);
        return rc;
    }
    (void)legacy_end;
    /* A legacy start map was an end-form map read as inclusive starts. */
    if (legacy_start)
        for (size_t i = 0; i < out->start.n; i++) out->start.v[i].pos.exclusive = false;
    for (size_t i = 0; i < out->start.n && rc == 0 && !kinesis; i++)
        if (out->start.v[i].pos.exclusive)
            rc = vrv_error_set(err, VRV_EINVAL,
                               "ioConfig.startSequenceNumbers: All startSequenceNumbers must be "
                               "inclusive");
    for (size_t i = 0; i < out->start.n && rc == 0; i++) {
        const vrv_pos *p = &out->start.v[i].pos;
        if (kinesis ? !(p->kind == VRV_POS_SEQ || vrv_pos_is_unread(p)) : p->kind != VRV_POS_OFFSET)
            rc = vrv_error_set(err, VRV_EINVAL,
                               "ioConfig.startSequenceNumbers: partition[%s] must start at %s",
                               out->start.v[i].part.id,
                               kinesis ? "a sequence number, UNREAD_TRIM_HORIZON or UNREAD_LATEST"
                                       : "an offset >= 0");
    }
    /* KinesisIndexTaskIOConfig: a closed shard's end is found by reading it. */
    for (size_t i = 0; i < out->end.n && rc == 0 && kinesis; i++)
        if (out->end.v[i].pos.kind == VRV_POS_EOS)
            rc = vrv_error_set(err, VRV_EINVAL,
                               "ioConfig.endSequenceNumbers: End sequenceNumbers must not have the "
                               "end of shard marker (EOS)");
    if (rc == 0 && out->start.n == 0)
        rc = vrv_error_set(err, VRV_EINVAL, "ioConfig.startSequenceNumbers: no partitions");
    if (rc == 0) rc = check_range(&out->start, &out->end, "ioConfig", err);
    if (rc == 0 && kinesis && out->multi_topic)
        rc = vrv_error_set(err, VRV_EINVAL, "ioConfig.multiTopic: Kinesis has no topic patterns");
    if (rc == 0 && !kinesis && out->multi_topic != vrv_posmap_multi_topic(&out->start))
        rc = vrv_error_set(err, VRV_EINVAL,
                           "ioConfig.multiTopic: %s, but the partition ids are %s",
                           out->multi_topic ? "true" : "false",
                           out->multi_topic ? "plain numbers" : "topic:partition");
    if (rc == 0) rc = parse_instant(io, "minimumMessageTime", &out->has_min_time, &out->min_time, err);
    if (rc == 0) rc = parse_instant(io, "maximumMessageTime", &out->has_max_time, &out->max_time, err);
    if (rc < 0) goto fail;

    /* dataSchema, tuningConfig and the rest of ioConfig through the supervisor
     * spec parser, as the legacy flattened form whose paths are the task's. */
    json_t *env = json_object();
    json_t *io2 = json_copy(io);
    if (kinesis) {
        json_object_set_new(io2, "stream", json_string(out->start.stream));
    } else {
        json_object_set_new(io2, out->multi_topic ? "topicPattern" : "topic",
                            json_string(out->start.stream));
        json_object_del(io2, out->multi_topic ? "topic" : "topicPattern");
    }
    json_object_set_new(env, "type", json_string(kinesis ? "kinesis" : "kafka"));
    json_object_set(env, "dataSchema", ds);
    json_object_set_new(env, "ioConfig", io2);
    json_object_set(env, "tuningConfig", tc);
    const char *sup = json_string_value(json_object_get(json, "supervisorId"));
    rc = vrv_spec_supervisor_parse(env, opts, &out->spec, err);
    json_decref(env);
    if (rc < 0) goto fail;
    out->data_source = out->spec.schema.data_source;
    out->supervisor_id = sup && *sup ? sup : out->data_source;
    out->poll_timeout_ms = (int)out->spec.io.poll_timeout_ms;

    vrv_buf g = VRV_BUF_INIT;
    vrv_buf_printf(&g, "%s_%s", kinesis ? VRV_STASK_TYPE_KINESIS : VRV_STASK_TYPE_KAFKA,
                   out->supervisor_id);
    out->group_id = vrv_buf_detach(&g);

    json_t *ctx = json_object_get(json, "context");
    if (ctx && !json_is_null(ctx) && !json_is_object(ctx)) {
        rc = vrv_error_set(err, VRV_EINVAL, "context: must be an object");
        goto fail;
    }
    out->context = json_is_object(ctx) ? ctx : NULL;
    out->priority = VRV_STASK_DEFAULT_PRIORITY;
    json_t *prio = json_object_get(ctx, "priority");
    if (json_is_integer(prio)) out->priority = (int)json_integer_value(prio);
    json_t *cpj = json_object_get(ctx, VRV_STASK_CTX_CHECKPOINTS);
    if (cpj && !json_is_null(cpj)) {
        if (!json_is_string(cpj)) {
            rc = vrv_error_set(err, VRV_EINVAL, "context.checkpoints: must be a JSON text");
            goto fail;
        }
        rc = vrv_stask_checkpoints_parse(json_string_value(cpj), out->stream_type, out->start.stream,
                                         "context.checkpoints", &out->checkpoints,
                                         &out->n_checkpoints, err);
        if (rc < 0) goto fail;
        if (out->n_checkpoints == 0) {
            rc = vrv_error_set(err, VRV_EINVAL, "context.checkpoints: no checkpoint");
            goto fail;
        }
        /* Each checkpoint covers the task's partitions and lies within its range. */
        for (size_t i = 0; i < out->n_checkpoints && rc == 0; i++) {
            const vrv_posmap *m = &out->checkpoints[i].start;
            for (size_t k = 0; k < m->n && rc == 0; k++) {
                const vrv_pos *lo = vrv_posmap_get(&out->start, &m->v[k].part);
                if (!lo)
                    rc = vrv_error_set(err, VRV_EINVAL,
                                       "context.checkpoints[\"%d\"]: partition[%s] is not one of "
                                       "the task's",
                                       out->checkpoints[i].id, m->v[k].part.id);
                else if (vrv_pos_cmp(&m->v[k].pos, lo) < 0)
                    rc = vrv_error_set(err, VRV_EINVAL,
                                       "context.checkpoints[\"%d\"]: Sequence sequences are not "
                                       "compatible with start sequences of task (partition[%s])",
                                       out->checkpoints[i].id, m->v[k].part.id);
            }
        }
        if (rc < 0) goto fail;
    }
    out->json = json_incref((json_t *)json);
    return 0;

fail:
    vrv_posmap_free(&out->start);
    vrv_posmap_free(&out->end);
    vrv_stask_checkpoints_free(out->checkpoints, out->n_checkpoints);
    vrv_spec_supervisor_free(&out->spec);
    free(out->group_id);
    memset(out, 0, sizeof *out);
    return rc;
}
