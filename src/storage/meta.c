/*
 * meta.c — the implementation-independent half of the metadata store: the
 * public vrv_meta_* entry points (argument checks, then the implementation's
 * ops), DataSegment payload parsing, the Druid-compatible SHA-1 keys, the
 * canonical instant form and the release functions for results. Nothing here
 * touches a database.
 */
#include "storage/meta.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/time.h"
#include "base/vec.h"

/* ---- canonical instants ------------------------------------------------ */

bool vrv_meta_parse_instant(const char *s, vrv_ms *out)
{
    if (!s) return false;
    size_t n = strlen(s);
    vrv_ms ms;
    if (n == 0 || vrv_time_parse(s, n, 0, &ms, NULL) < 0) return false;
    /* Canonical means exactly what vrv_time_format writes back, so that every
     * stored string compares and hashes the same way. */
    char back[VRV_TIME_STR_MAX];
    if (vrv_time_format(ms, back) != n || memcmp(back, s, n) != 0) return false;
    *out = ms;
    return true;
}

/* ---- SHA-1 keys ---------------------------------------------------------- */

void vrv_meta_payload_sha1(const char *payload, char out[VRV_SHA1_HEX_LEN + 1])
{
    uint8_t dig[VRV_SHA1_LEN];
    vrv_sha1(payload, strlen(payload), dig);
    vrv_sha1_hex(dig, out);
}

/* Guava's Hasher.putLong writes little-endian; the key must match Druid's so a
 * database written by either names pending segments the same way. */
static void sha1_put_long_le(vrv_sha1_ctx *c, int64_t v)
{
    uint8_t b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(u >> (8 * i));
    vrv_sha1_update(c, b, 8);
}

void vrv_meta_pending_key_sha1(const char *sequence_name, const char *prev_id,
                               bool skip_lineage_check, vrv_ms start_ms, vrv_ms end_ms,
                               const char *version, char out[VRV_SHA1_HEX_LEN + 1])
{
    static const uint8_t sep = 0xff;
    vrv_sha1_ctx c;
    vrv_sha1_init(&c);
    vrv_sha1_update(&c, sequence_name, strlen(sequence_name));
    vrv_sha1_update(&c, &sep, 1);
    if (skip_lineage_check) {
        sha1_put_long_le(&c, start_ms);
        sha1_put_long_le(&c, end_ms);
    } else if (prev_id) {
        vrv_sha1_update(&c, prev_id, strlen(prev_id));
    }
    vrv_sha1_update(&c, &sep, 1);
    vrv_sha1_update(&c, version, strlen(version));
    uint8_t dig[VRV_SHA1_LEN];
    vrv_sha1_final(&c, dig);
    vrv_sha1_hex(dig, out);
}

/* ---- DataSegment payloads ------------------------------------------------- */

static int json_int32_field(json_t *obj, const char *key, int32_t dflt, int32_t *out,
                            vrv_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = dflt;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
        json_integer_value(v) > INT32_MAX)
        return vrv_error_set(err, VRV_EINVAL, "shardSpec.%s: must be a 32-bit integer", key);
    *out = (int32_t)json_integer_value(v);
    return 0;
}

int vrv_meta_segment_parse(const char *payload, vrv_meta_segment *out, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    if (!payload) return vrv_error_set(err, VRV_EINVAL, "segment payload: missing");
    json_error_t je;
    json_t *root = json_loads(payload, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return vrv_error_set(err, VRV_EINVAL,
                             "segment payload: invalid JSON at line %d column %d: %s", je.line,
                             je.column, je.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = vrv_error_set(err, VRV_EINVAL, "segment payload: must be a JSON object");
        goto done;
    }
    json_t *ds = json_object_get(root, "dataSource");
    if (!json_is_string(ds) || json_string_length(ds) == 0) {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "segment payload.dataSource: must be a non-empty string");
        goto done;
    }
    json_t *iv = json_object_get(root, "interval");
    const char *ivs = json_string_value(iv);
    const char *slash = ivs ? strchr(ivs, '/') : NULL;
    if (!slash) {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "segment payload.interval: must be a string \"start/end\"");
        goto done;
    }
    out->start = vrv_strndup(ivs, (size_t)(slash - ivs));
    out->end = vrv_strdup(slash + 1);
    if (!vrv_meta_parse_instant(out->start, &out->start_ms) ||
        !vrv_meta_parse_instant(out->end, &out->end_ms)) {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "segment payload.interval: [%s] is not in the form "
                           "2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z",
                           ivs);
        goto done;
    }
    if (out->end_ms < out->start_ms) {
        rc = vrv_error_set(err, VRV_EINVAL, "segment payload.interval: [%s] ends before it starts",
                           ivs);
        goto done;
    }
    json_t *ver = json_object_get(root, "version");
    if (!json_is_string(ver) || json_string_length(ver) == 0) {
        rc = vrv_error_set(err, VRV_EINVAL, "segment payload.version: must be a non-empty string");
        goto done;
    }
    json_t *shard = json_object_get(root, "shardSpec");
    if (shard && !json_is_null(shard)) {
        json_t *type = json_object_get(shard, "type");
        if (!json_is_object(shard) || !json_is_string(type)) {
            rc = vrv_error_set(err, VRV_EINVAL,
                               "segment payload.shardSpec: must be an object with a \"type\"");
            goto done;
        }
        out->shard_type = vrv_strdup(json_string_value(type));
        if ((rc = json_int32_field(shard, "partitionNum", 0, &out->partition_num, err)) < 0 ||
            (rc = json_int32_field(shard, "partitions", 0, &out->core_partitions, err)) < 0) {
            vrv_error_prefix(err, "segment payload");
            goto done;
        }
        if (out->partition_num < 0) {
            rc = vrv_error_set(err, VRV_EINVAL,
                               "segment payload.shardSpec.partitionNum: must be >= 0");
            goto done;
        }
    } else {
        out->shard_type = vrv_strdup("none");
    }
    out->partitioned = strcmp(out->shard_type, "none") != 0;
    out->data_source = vrv_strdup(json_string_value(ds));
    out->version = vrv_strdup(json_string_value(ver));

    vrv_buf id = VRV_BUF_INIT;
    vrv_buf_printf(&id, "%s_%s_%s_%s", out->data_source, out->start, out->end, out->version);
    if (out->partition_num != 0) vrv_buf_printf(&id, "_%d", out->partition_num);
    out->id = vrv_buf_detach(&id);

    json_t *ident = json_object_get(root, "identifier");
    if (ident && !json_is_null(ident) &&
        (!json_is_string(ident) || strcmp(json_string_value(ident), out->id) != 0)) {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "segment payload.identifier: [%s] does not match the segment's id [%s]",
                           json_is_string(ident) ? json_string_value(ident) : "?", out->id);
        goto done;
    }
    out->payload = vrv_strdup(payload);
done:
    json_decref(root);
    if (rc < 0) vrv_meta_segment_clear(out);
    return rc;
}

/* ---- argument checks shared by all implementations ------------------------ */

static int need_str(const char *s, const char *name, vrv_error *err)
{
    if (!s || !*s) return vrv_error_set(err, VRV_EINVAL, "%s: must be a non-empty string", name);
    return 0;
}

static int need_json(const char *s, const char *name, vrv_error *err)
{
    if (!s) return vrv_error_set(err, VRV_EINVAL, "%s: missing", name);
    json_error_t je;
    json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!v)
        return vrv_error_set(err, VRV_EINVAL, "%s: invalid JSON at line %d column %d: %s", name,
                             je.line, je.column, je.text);
    json_decref(v);
    return 0;
}

static int need_instant(const char *s, const char *name, vrv_error *err)
{
    vrv_ms ms;
    if (s && !vrv_meta_parse_instant(s, &ms))
        return vrv_error_set(err, VRV_EINVAL,
                             "%s: [%s] is not an instant like 2021-03-04T00:00:00.000Z", name, s);
    return 0;
}

static int need_ids(const char *const *ids, size_t n, vrv_error *err)
{
    if (n && !ids) return vrv_error_set(err, VRV_EINVAL, "ids: missing");
    for (size_t i = 0; i < n; i++)
        if (!ids[i] || !*ids[i])
            return vrv_error_set(err, VRV_EINVAL, "ids[%zu]: must be a non-empty string", i);
    return 0;
}

/* ---- entry points ---------------------------------------------------------- */

void vrv_meta_close(vrv_meta *m)
{
    if (m) m->ops->close(m);
}

int vrv_meta_schema_version(vrv_meta *m, int *version, vrv_error *err)
{
    return m->ops->schema_version(m, version, err);
}

int vrv_meta_publish(vrv_meta *m, const vrv_meta_publish_req *p, vrv_meta_publish_result *res,
                     vrv_error *err)
{
    int rc;
    if (res) {
        memset(res, 0, sizeof *res);
    }
    if (!p->n_segments && !p->supervisor_id && !p->n_drop)
        return vrv_error_set(err, VRV_EINVAL,
                             "publish: nothing to commit (no segments, no supervisor)");
    if (p->n_drop && !p->drop_ids) return vrv_error_set(err, VRV_EINVAL, "publish.dropIds: missing");
    if (p->n_segments && !p->segments)
        return vrv_error_set(err, VRV_EINVAL, "publish.segments: missing");
    if (p->supervisor_id) {
        if ((rc = need_str(p->supervisor_id, "publish.supervisorId", err)) < 0) return rc;
        if ((rc = need_json(p->new_metadata, "publish.newMetadata", err)) < 0) return rc;
    }
    vrv_meta_publish_result local;
    if (!res) memset(&local, 0, sizeof local);
    rc = m->ops->publish(m, p, res ? res : &local, err);
    if (!res) vrv_meta_publish_result_free(&local);
    return rc;
}

int vrv_meta_segments_insert(vrv_meta *m, const char *const *payloads, size_t n,
                             vrv_meta_publish_result *res, vrv_error *err)
{
    vrv_meta_publish_req p = {.segments = payloads, .n_segments = n};
    if (n == 0) {
        if (res) memset(res, 0, sizeof *res);
        return 0;
    }
    return vrv_meta_publish(m, &p, res, err);
}

int vrv_meta_segments_set_used(vrv_meta *m, const char *const *ids, size_t n, bool used,
                               size_t *changed, vrv_error *err)
{
    int rc = need_ids(ids, n, err);
    if (rc < 0) return rc;
    if (changed) *changed = 0;
    if (n == 0) return 0;
    return m->ops->segments_set_used(m, ids, n, used, changed, err);
}

int vrv_meta_segments_set_used_in_interval(vrv_meta *m, const char *data_source, vrv_ms start,
                                           vrv_ms end, bool used, size_t *changed, vrv_error *err)
{
    int rc = need_str(data_source, "dataSource", err);
    if (rc < 0) return rc;
    if (end < start) return vrv_error_set(err, VRV_EINVAL, "interval: ends before it starts");
    return m->ops->segments_set_used_in_interval(m, data_source, start, end, used, changed, err);
}

int vrv_meta_segments_query(vrv_meta *m, const char *data_source, vrv_ms start, vrv_ms end,
                            bool used, vrv_meta_segment_list *out, vrv_error *err)
{
    int rc = need_str(data_source, "dataSource", err);
    if (rc < 0) return rc;
    if (end < start) return vrv_error_set(err, VRV_EINVAL, "interval: ends before it starts");
    return m->ops->segments_query(m, data_source, start, end, used, out, err);
}

int vrv_meta_segment_get(vrv_meta *m, const char *id, vrv_meta_segment *out, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = need_str(id, "segmentId", err);
    if (rc < 0) return rc;
    return m->ops->segment_get(m, id, out, err);
}

int vrv_meta_segments_delete(vrv_meta *m, const char *const *ids, size_t n, size_t *deleted,
                             vrv_error *err)
{
    int rc = need_ids(ids, n, err);
    if (rc < 0) return rc;
    if (deleted) *deleted = 0;
    if (n == 0) return 0;
    return m->ops->segments_delete(m, ids, n, deleted, err);
}

int vrv_meta_datasources(vrv_meta *m, bool include_unused, vrv_meta_str_list *out, vrv_error *err)
{
    return m->ops->datasources(m, include_unused, out, err);
}

int vrv_meta_commit_metadata_get(vrv_meta *m, const char *supervisor_id, char **payload,
                                 char sha1[VRV_SHA1_HEX_LEN + 1], vrv_error *err)
{
    if (payload) *payload = NULL;
    if (sha1) sha1[0] = '\0';
    int rc = need_str(supervisor_id, "supervisorId", err);
    if (rc < 0) return rc;
    return m->ops->commit_metadata_get(m, supervisor_id, payload, sha1, err);
}

int vrv_meta_commit_metadata_set(vrv_meta *m, const char *supervisor_id, const char *payload,
                                 vrv_error *err)
{
    int rc;
    if ((rc = need_str(supervisor_id, "supervisorId", err)) < 0) return rc;
    if ((rc = need_json(payload, "metadata", err)) < 0) return rc;
    return m->ops->commit_metadata_set(m, supervisor_id, payload, err);
}

int vrv_meta_commit_metadata_delete(vrv_meta *m, const char *supervisor_id, bool *deleted,
                                    vrv_error *err)
{
    if (deleted) *deleted = false;
    int rc = need_str(supervisor_id, "supervisorId", err);
    if (rc < 0) return rc;
    return m->ops->commit_metadata_delete(m, supervisor_id, deleted, err);
}

int vrv_meta_pending_allocate(vrv_meta *m, const vrv_meta_alloc *a, vrv_meta_pending *out,
                              vrv_error *err)
{
    memset(out, 0, sizeof *out);
    int rc;
    vrv_ms s, e;
    if ((rc = need_str(a->data_source, "allocate.dataSource", err)) < 0) return rc;
    if ((rc = need_str(a->sequence_name, "allocate.sequenceName", err)) < 0) return rc;
    if ((rc = need_str(a->version, "allocate.version", err)) < 0) return rc;
    if (!a->start || !vrv_meta_parse_instant(a->start, &s))
        return vrv_error_set(err, VRV_EINVAL,
                             "allocate.interval: start [%s] is not an instant "
                             "like 2021-03-04T00:00:00.000Z",
                             a->start ? a->start : "");
    if (!a->end || !vrv_meta_parse_instant(a->end, &e))
        return vrv_error_set(err, VRV_EINVAL,
                             "allocate.interval: end [%s] is not an instant "
                             "like 2021-03-04T00:00:00.000Z",
                             a->end ? a->end : "");
    if (e <= s)
        return vrv_error_set(err, VRV_EINVAL, "allocate.interval: [%s/%s] is empty", a->start,
                             a->end);
    return m->ops->pending_allocate(m, a, out, err);
}

int vrv_meta_pending_query(vrv_meta *m, const char *data_source, vrv_ms start, vrv_ms end,
                           vrv_meta_pending_list *out, vrv_error *err)
{
    int rc = need_str(data_source, "dataSource", err);
    if (rc < 0) return rc;
    if (end < start) return vrv_error_set(err, VRV_EINVAL, "interval: ends before it starts");
    return m->ops->pending_query(m, data_source, start, end, out, err);
}

int vrv_meta_pending_delete(vrv_meta *m, const char *data_source, vrv_ms created_from,
                            vrv_ms created_to, size_t *deleted, vrv_error *err)
{
    if (deleted) *deleted = 0;
    int rc = need_str(data_source, "dataSource", err);
    if (rc < 0) return rc;
    return m->ops->pending_delete(m, data_source, created_from, created_to, deleted, err);
}

int vrv_meta_pending_delete_allocator(vrv_meta *m, const char *task_allocator_id, size_t *deleted,
                                      vrv_error *err)
{
    if (deleted) *deleted = 0;
    int rc = need_str(task_allocator_id, "taskAllocatorId", err);
    if (rc < 0) return rc;
    return m->ops->pending_delete_allocator(m, task_allocator_id, deleted, err);
}

int vrv_meta_supervisor_insert(vrv_meta *m, const char *id, const char *spec, vrv_error *err)
{
    int rc;
    if ((rc = need_str(id, "supervisor id", err)) < 0) return rc;
    if ((rc = need_json(spec, "supervisor spec", err)) < 0) return rc;
    return m->ops->supervisor_insert(m, id, spec, err);
}

int vrv_meta_supervisor_tombstone(vrv_meta *m, const char *id, const char *data_sources,
                                  vrv_error *err)
{
    int rc;
    if ((rc = need_str(id, "supervisor id", err)) < 0) return rc;
    json_t *ds = json_array();
    if (data_sources) {
        json_error_t je;
        json_decref(ds);
        ds = json_loads(data_sources, JSON_DECODE_ANY, &je);
        if (!json_is_array(ds)) {
            json_decref(ds);
            return vrv_error_set(err, VRV_EINVAL, "dataSources: must be a JSON array of names");
        }
    }
    /* Druid's tombstone is `new NoopSupervisorSpec(null, dataSources)`. */
    json_t *spec = json_object();
    json_object_set_new(spec, "type", json_string("NoopSupervisorSpec"));
    json_object_set_new(spec, "id", json_null());
    json_object_set_new(spec, "dataSources", ds);
    json_object_set_new(spec, "suspended", json_false());
    json_object_set_new(spec, "source", json_string("noop"));
    char *text = json_dumps(spec, JSON_COMPACT);
    json_decref(spec);
    rc = m->ops->supervisor_insert(m, id, text, err);
    free(text);
    return rc;
}

int vrv_meta_supervisor_latest(vrv_meta *m, vrv_meta_supervisor_list *out, vrv_error *err)
{
    return m->ops->supervisor_latest(m, out, err);
}

int vrv_meta_supervisor_history(vrv_meta *m, const char *id, size_t limit,
                                vrv_meta_supervisor_list *out, vrv_error *err)
{
    return m->ops->supervisor_history(m, id, limit, out, err);
}

int vrv_meta_task_insert(vrv_meta *m, const vrv_meta_task *t, vrv_error *err)
{
    int rc;
    if ((rc = need_str(t->id, "task.id", err)) < 0) return rc;
    if ((rc = need_json(t->payload, "task.payload", err)) < 0) return rc;
    if ((rc = need_json(t->status_payload, "task.statusPayload", err)) < 0) return rc;
    if ((rc = need_instant(t->created_date, "task.createdDate", err)) < 0) return rc;
    return m->ops->task_insert(m, t, err);
}

int vrv_meta_task_set_status(vrv_meta *m, const char *id, const char *status_payload, bool active,
                             vrv_error *err)
{
    int rc;
    if ((rc = need_str(id, "task id", err)) < 0) return rc;
    if ((rc = need_json(status_payload, "task status", err)) < 0) return rc;
    return m->ops->task_set_status(m, id, status_payload, active, err);
}

int vrv_meta_task_get(vrv_meta *m, const char *id, vrv_meta_task *out, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = need_str(id, "task id", err);
    if (rc < 0) return rc;
    return m->ops->task_get(m, id, out, err);
}

int vrv_meta_tasks(vrv_meta *m, const vrv_meta_task_filter *f, vrv_meta_task_list *out,
                   vrv_error *err)
{
    static const vrv_meta_task_filter all = {0};
    if (!f) f = &all;
    int rc = need_instant(f->created_after, "createdAfter", err);
    if (rc < 0) return rc;
    return m->ops->task_list(m, f, out, err);
}

int vrv_meta_task_delete_complete_before(vrv_meta *m, const char *created_before, size_t *deleted,
                                         vrv_error *err)
{
    if (deleted) *deleted = 0;
    int rc;
    if ((rc = need_str(created_before, "createdBefore", err)) < 0) return rc;
    if ((rc = need_instant(created_before, "createdBefore", err)) < 0) return rc;
    return m->ops->task_delete_complete_before(m, created_before, deleted, err);
}

int vrv_meta_lock_add(vrv_meta *m, const char *task_id, const char *payload, int64_t *lock_id,
                      vrv_error *err)
{
    int rc;
    if ((rc = need_str(task_id, "lock.taskId", err)) < 0) return rc;
    if ((rc = need_json(payload, "lock.payload", err)) < 0) return rc;
    return m->ops->lock_add(m, task_id, payload, lock_id, err);
}

int vrv_meta_lock_replace(vrv_meta *m, int64_t lock_id, const char *payload, vrv_error *err)
{
    int rc = need_json(payload, "lock.payload", err);
    if (rc < 0) return rc;
    return m->ops->lock_replace(m, lock_id, payload, err);
}

int vrv_meta_lock_remove(vrv_meta *m, int64_t lock_id, vrv_error *err)
{
    return m->ops->lock_remove(m, lock_id, err);
}

int vrv_meta_locks_of_task(vrv_meta *m, const char *task_id, vrv_meta_task_lock_list *out,
                           vrv_error *err)
{
    int rc = need_str(task_id, "taskId", err);
    if (rc < 0) return rc;
    return m->ops->locks_of_task(m, task_id, out, err);
}

int vrv_meta_locks_active(vrv_meta *m, vrv_meta_task_lock_list *out, vrv_error *err)
{
    return m->ops->locks_active(m, out, err);
}

int vrv_meta_audit_insert(vrv_meta *m, const vrv_meta_audit *a, int64_t *id, vrv_error *err)
{
    int rc;
    if ((rc = need_str(a->audit_key, "audit.key", err)) < 0) return rc;
    if ((rc = need_str(a->type, "audit.type", err)) < 0) return rc;
    if ((rc = need_json(a->payload, "audit.payload", err)) < 0) return rc;
    if ((rc = need_instant(a->created_date, "audit.createdDate", err)) < 0) return rc;
    return m->ops->audit_insert(m, a, id, err);
}

int vrv_meta_audit_query(vrv_meta *m, const char *audit_key, const char *type,
                         const char *created_after, size_t limit, vrv_meta_audit_list *out,
                         vrv_error *err)
{
    int rc = need_instant(created_after, "createdAfter", err);
    if (rc < 0) return rc;
    return m->ops->audit_query(m, audit_key, type, created_after, limit, out, err);
}

/* ---- releasing ------------------------------------------------------------ */

void vrv_meta_publish_result_free(vrv_meta_publish_result *res)
{
    if (!res) return;
    vrv_meta_str_list_free(&res->existing);
    vrv_meta_str_list_free(&res->existing_used);
}

void vrv_meta_segment_clear(vrv_meta_segment *s)
{
    free(s->id);
    free(s->data_source);
    free(s->start);
    free(s->end);
    free(s->version);
    free(s->shard_type);
    free(s->payload);
    free(s->created_date);
    free(s->used_status_last_updated);
    memset(s, 0, sizeof *s);
}

void vrv_meta_segment_list_free(vrv_meta_segment_list *l)
{
    for (size_t i = 0; i < l->n; i++) vrv_meta_segment_clear(&l->v[i]);
    vrv_vec_free(l);
}

void vrv_meta_pending_clear(vrv_meta_pending *p)
{
    free(p->id);
    free(p->data_source);
    free(p->start);
    free(p->end);
    free(p->version);
    free(p->sequence_name);
    free(p->sequence_prev_id);
    free(p->task_allocator_id);
    free(p->payload);
    free(p->created_date);
    memset(p, 0, sizeof *p);
}

void vrv_meta_pending_list_free(vrv_meta_pending_list *l)
{
    for (size_t i = 0; i < l->n; i++) vrv_meta_pending_clear(&l->v[i]);
    vrv_vec_free(l);
}

void vrv_meta_supervisor_clear(vrv_meta_supervisor *s)
{
    free(s->spec_id);
    free(s->created_date);
    free(s->payload);
    memset(s, 0, sizeof *s);
}

void vrv_meta_supervisor_list_free(vrv_meta_supervisor_list *l)
{
    for (size_t i = 0; i < l->n; i++) vrv_meta_supervisor_clear(&l->v[i]);
    vrv_vec_free(l);
}

void vrv_meta_task_clear(vrv_meta_task *t)
{
    free(t->id);
    free(t->created_date);
    free(t->datasource);
    free(t->type);
    free(t->group_id);
    free(t->payload);
    free(t->status_payload);
    memset(t, 0, sizeof *t);
}

void vrv_meta_task_list_free(vrv_meta_task_list *l)
{
    for (size_t i = 0; i < l->n; i++) vrv_meta_task_clear(&l->v[i]);
    vrv_vec_free(l);
}

void vrv_meta_task_lock_list_free(vrv_meta_task_lock_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].task_id);
        free(l->v[i].payload);
    }
    vrv_vec_free(l);
}

void vrv_meta_audit_clear(vrv_meta_audit *a)
{
    free(a->audit_key);
    free(a->type);
    free(a->author);
    free(a->comment);
    free(a->created_date);
    free(a->payload);
    memset(a, 0, sizeof *a);
}

void vrv_meta_audit_list_free(vrv_meta_audit_list *l)
{
    for (size_t i = 0; i < l->n; i++) vrv_meta_audit_clear(&l->v[i]);
    vrv_vec_free(l);
}

void vrv_meta_str_list_free(vrv_meta_str_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    vrv_vec_free(l);
}
