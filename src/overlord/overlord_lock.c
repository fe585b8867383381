/*
 * overlord_lock.c — time-chunk locks and the task actions (see overlord.h).
 *
 * Locks are kept in memory (the lockbox) and mirrored in druid_tasklocks so a
 * restarted overlord knows what its queued tasks hold. Actions are Druid's
 * task actions by name and shape (TimeChunkLockTryAcquireAction,
 * SegmentAllocateAction, SegmentTransactionalInsertAction, ...) plus
 * `varveTaskLocation`, through which a task process announces the port of its
 * own HTTP server, and `varveRetrieveDataSourceMetadata`, through which a
 * streaming task whose segments another task published reads the stored
 * positions, to check that they cover its own end positions. The publish check is Druid's: every segment must lie
 * inside a lock of the task's group whose version is at least the segment's.
 */
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "base/mem.h"
#include "json/jutil.h"
#include "json/jwriter.h"
#include "overlord/overlord_int.h"
#include "segment/segid.h"
#include "stream/position.h"

json_t *ovl_lock_json(const olock *l)
{
    vrv_buf iv = VRV_BUF_INIT;
    vrv_interval_append(&iv, l->iv);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "granularity", "timeChunk",
                          "type", "EXCLUSIVE", "groupId", l->group_id, "dataSource", l->ds,
                          "interval", iv.data, "version", l->version, "priority", l->priority,
                          "revoked", (int)l->revoked);
    vrv_buf_free(&iv);
    return j;
}

static void lock_clear(olock *l)
{
    free(l->task_id);
    free(l->group_id);
    free(l->ds);
    free(l->version);
}

/* A new lock version: the clock, strictly after every version handed out
 * before (two locks granted in one millisecond still differ). */
static void next_version(vrv_overlord *o, char out[VRV_TIME_STR_MAX])
{
    vrv_ms now = ovl_now();
    if (now <= o->last_version_ms) now = o->last_version_ms + 1;
    o->last_version_ms = now;
    vrv_time_format(now, out);
}

int ovl_lock_try(vrv_overlord *o, const char *task_id, const char *group_id, const char *ds,
                 vrv_interval iv, int priority, olock **lock_out, vrv_error *err)
{
    *lock_out = NULL;
    const olock *shared = NULL;
    for (size_t i = 0; i < o->locks.n; i++) {
        olock *l = &o->locks.v[i];
        if (l->revoked || strcmp(l->ds, ds) != 0 || !vrv_interval_overlaps(l->iv, iv)) continue;
        if (strcmp(l->group_id, group_id) == 0 && vrv_interval_encloses(l->iv, iv)) {
            if (strcmp(l->task_id, task_id) == 0) {
                *lock_out = l;
                return 0;
            }
            if (!shared) shared = l;
            continue;
        }
        char a[VRV_INTERVAL_STR_MAX], b[VRV_INTERVAL_STR_MAX];
        vrv_interval_format(iv, a);
        vrv_interval_format(l->iv, b);
        return vrv_error_set(err, VRV_ECONFLICT,
                             "Cannot lock interval[%s] of dataSource[%s] for task[%s]: task[%s] "
                             "holds a lock on interval[%s]",
                             a, ds, task_id, l->task_id, b);
    }
    /* Tasks of one group share a lock (Druid's lock posse): this task joins
     * it with an entry of its own, same interval and version, so that the
     * lock lives until the last task of the group holding it ends. */
    olock nl = {0};
    char ver[VRV_TIME_STR_MAX];
    if (shared) {
        snprintf(ver, sizeof ver, "%s", shared->version);
        iv = shared->iv;
    } else {
        next_version(o, ver);
    }
    nl.task_id = vrv_strdup(task_id);
    nl.group_id = vrv_strdup(group_id);
    nl.ds = vrv_strdup(ds);
    nl.iv = iv;
    nl.version = vrv_strdup(ver);
    nl.priority = priority;
    json_t *j = ovl_lock_json(&nl);
    char *payload = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = vrv_meta_lock_add(o->meta, task_id, payload, &nl.id, err);
    free(payload);
    if (rc < 0) {
        lock_clear(&nl);
        return rc;
    }
    vrv_vec_push(&o->locks, nl);
    *lock_out = &o->locks.v[o->locks.n - 1];
    return 0;
}

void ovl_lock_release_task(vrv_overlord *o, const char *task_id)
{
    for (size_t i = 0; i < o->locks.n;) {
        olock *l = &o->locks.v[i];
        if (strcmp(l->task_id, task_id) != 0) {
            i++;
            continue;
        }
        vrv_error err;
        if (vrv_meta_lock_remove(o->meta, l->id, &err) < 0 && err.code != VRV_ENOTFOUND)
            VRV_WARN("overlord", "releasing lock %lld of task [%s]: %s", (long long)l->id, task_id,
                     err.msg);
        lock_clear(l);
        memmove(l, l + 1, (o->locks.n - i - 1) * sizeof *l);
        o->locks.n--;
    }
    pthread_cond_broadcast(&o->cv); /* waiting acquirers may go now */
}

int ovl_lock_reload(vrv_overlord *o, vrv_error *err)
{
    vrv_meta_task_lock_list l = {0};
    int rc = vrv_meta_locks_active(o->meta, &l, err);
    if (rc < 0) return rc;
    for (size_t i = 0; i < l.n; i++) {
        json_t *j = json_loads(l.v[i].payload ? l.v[i].payload : "", 0, NULL);
        const char *g = json_string_value(json_object_get(j, "groupId"));
        const char *ds = json_string_value(json_object_get(j, "dataSource"));
        const char *ivs = json_string_value(json_object_get(j, "interval"));
        const char *ver = json_string_value(json_object_get(j, "version"));
        vrv_interval iv;
        if (!ovl_find(o, l.v[i].task_id) || !g || !ds || !ivs || !ver ||
            vrv_interval_parse(ivs, strlen(ivs), &iv, NULL) < 0) {
            vrv_meta_lock_remove(o->meta, l.v[i].id, NULL);
            json_decref(j);
            continue;
        }
        olock nl = {l.v[i].id, vrv_strdup(l.v[i].task_id), vrv_strdup(g), vrv_strdup(ds), iv,
                    vrv_strdup(ver), (int)json_integer_value(json_object_get(j, "priority")),
                    json_is_true(json_object_get(j, "revoked"))};
        vrv_ms vms;
        if (vrv_time_parse(ver, strlen(ver), 0, &vms, NULL) == 0 && vms > o->last_version_ms)
            o->last_version_ms = vms;
        vrv_vec_push(&o->locks, nl);
        json_decref(j);
    }
    vrv_meta_task_lock_list_free(&l);
    return 0;
}

/* ---- actions ------------------------------------------------------------------ */

static int get_interval(const json_t *obj, const char *key, vrv_interval *out, vrv_error *err)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s) return vrv_error_set(err, VRV_EINVAL, "action.%s: required", key);
    if (vrv_interval_parse(s, strlen(s), out, err) < 0) return vrv_error_prefix(err, "action.%s", key);
    if (out->end <= out->start)
        return vrv_error_set(err, VRV_EINVAL, "action.%s: [%s] is empty", key, s);
    return 0;
}

/* The locks the task holds (Druid's findLocksForTask): its own entries,
 * including those it shares with its group. */
static json_t *locks_of(vrv_overlord *o, const otask *t)
{
    json_t *a = json_array();
    for (size_t i = 0; i < o->locks.n; i++)
        if (strcmp(o->locks.v[i].task_id, t->id) == 0)
            json_array_append_new(a, ovl_lock_json(&o->locks.v[i]));
    return a;
}

static int act_lock_acquire(vrv_overlord *o, otask *t, const json_t *a, bool wait, json_t **res,
                            vrv_error *err)
{
    vrv_interval iv;
    int rc = get_interval(a, "interval", &iv, err);
    if (rc < 0) return rc;
    int64_t timeout = o->cfg.lock_timeout_ms;
    json_t *tm = json_object_get(a, "timeoutMs");
    if (json_is_integer(tm) && json_integer_value(tm) > 0 && json_integer_value(tm) < timeout)
        timeout = json_integer_value(tm);
    vrv_ms deadline = ovl_now() + timeout;
    for (;;) {
        olock *l;
        rc = ovl_lock_try(o, t->id, t->group_id, t->datasource, iv, t->priority, &l, err);
        if (rc == 0) {
            *res = ovl_lock_json(l);
            return 0;
        }
        if (rc != VRV_ECONFLICT) return rc;
        if (!wait) {
            *res = json_null(); /* TryAcquire answers null when the lock is taken */
            return 0;
        }
        vrv_ms now = ovl_now();
        if (now >= deadline) return rc;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (deadline - now < 200 ? deadline - now : 200) * 1000000L;
        ts.tv_sec += ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&o->cv, &o->mu, &ts);
        if (!ovl_find(o, t->id)) return vrv_error_set(err, VRV_ECANCELED, "task [%s] ended", t->id);
    }
}

/* SegmentAllocateAction, for tasks appending to existing data: the id goes
 * into the chunk that already holds data overlapping the row's bucket (its
 * interval and version), else into the bucket with the lock's version. */
static int act_allocate(vrv_overlord *o, otask *t, const json_t *a, json_t **res, vrv_error *err)
{
    vrv_interval bucket;
    int rc = get_interval(a, "interval", &bucket, err);
    if (rc < 0) return rc;
    const char *ds = json_string_value(json_object_get(a, "dataSource"));
    if (ds && strcmp(ds, t->datasource) != 0)
        return vrv_error_set(err, VRV_EINVAL, "action.dataSource: [%s] is not the task's [%s]", ds,
                             t->datasource);
    const char *seq = json_string_value(json_object_get(a, "sequenceName"));
    if (!seq || !*seq) return vrv_error_set(err, VRV_EINVAL, "action.sequenceName: required");
    const char *prev = json_string_value(json_object_get(a, "previousSegmentId"));
    bool skip = json_is_true(json_object_get(a, "skipSegmentLineageCheck"));

    vrv_interval cand = bucket;
    vrv_meta_segment_list used = {0};
    rc = vrv_meta_segments_query(o->meta, t->datasource, bucket.start, bucket.end, true, &used, err);
    if (rc < 0) return rc;
    for (size_t i = 0; i < used.n; i++) {
        vrv_interval siv = {used.v[i].start_ms, used.v[i].end_ms};
        if (vrv_interval_encloses(siv, bucket)) {
            cand = siv;
            break;
        }
    }
    vrv_meta_segment_list_free(&used);
    olock *l;
    rc = ovl_lock_try(o, t->id, t->group_id, t->datasource, cand, t->priority, &l, err);
    if (rc < 0) return rc;
    char s[VRV_TIME_STR_MAX], e[VRV_TIME_STR_MAX];
    vrv_time_format(cand.start, s);
    vrv_time_format(cand.end, e);
    vrv_meta_alloc al = {.data_source = t->datasource,
                         .start = s,
                         .end = e,
                         .sequence_name = seq,
                         .previous_segment_id = prev,
                         .skip_lineage_check = skip,
                         .version = l->version,
                         .task_allocator_id = t->group_id};
    vrv_meta_pending p = {0};
    rc = vrv_meta_pending_allocate(o->meta, &al, &p, err);
    if (rc == 0) *res = json_loads(p.payload, 0, NULL);
    vrv_meta_pending_clear(&p);
    if (rc == 0 && !*res) rc = vrv_error_set(err, VRV_EINTERNAL, "pending segment payload unreadable");
    return rc;
}

static int act_retrieve_used(vrv_overlord *o, otask *t, const json_t *a, json_t **res,
                             vrv_error *err)
{
    const json_t *ivs = json_object_get(a, "intervals");
    if (!json_is_array(ivs)) return vrv_error_set(err, VRV_EINVAL, "action.intervals: required");
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ivs, i, v)
    {
        const char *s = json_string_value(v);
        vrv_interval iv;
        if (!s || vrv_interval_parse(s, strlen(s), &iv, err) < 0) {
            json_decref(out);
            return vrv_error_set(err, VRV_EINVAL, "action.intervals[%zu]: not an interval", i);
        }
        vrv_meta_segment_list l = {0};
        int rc = vrv_meta_segments_query(o->meta, t->datasource, iv.start, iv.end, true, &l, err);
        if (rc < 0) {
            json_decref(out);
            return rc;
        }
        for (size_t k = 0; k < l.n; k++) {
            bool dup = false;
            size_t m;
            json_t *x;
            json_array_foreach(out, m, x) dup = dup || strcmp(json_string_value(json_object_get(x, "identifier")), l.v[k].id) == 0;
            if (dup) continue;
            json_t *seg = json_loads(l.v[k].payload, 0, NULL);
            if (!seg) continue;
            if (!json_object_get(seg, "identifier"))
                json_object_set_new(seg, "identifier", json_string(l.v[k].id));
            json_array_append_new(out, seg);
        }
        vrv_meta_segment_list_free(&l);
    }
    *res = out;
    return 0;
}

/* Whether the task's group holds a lock over (ds, iv) at version >= version. */
static bool covered(vrv_overlord *o, const otask *t, const char *ds, vrv_interval iv,
                    const char *version)
{
    for (size_t i = 0; i < o->locks.n; i++) {
        const olock *l = &o->locks.v[i];
        if (!l->revoked && strcmp(l->group_id, t->group_id) == 0 && strcmp(l->ds, ds) == 0 &&
            vrv_interval_encloses(l->iv, iv) && (!version || strcmp(l->version, version) >= 0))
            return true;
    }
    return false;
}

/* ---- the transactional publish ------------------------------------------------ */

/* Java's toString of a DataSourceMetadata, as Druid's publish failure
 * messages print it: KafkaDataSourceMetadata{SeekableStreamStartSequenceNumbers=
 * SeekableStreamEndSequenceNumbers{stream='t', partitionSequenceNumberMap={0=5}}}
 * (the start form adds ", exclusivePartitions=[..]"). */
static void meta_string(vrv_buf *b, const vrv_posmap *m, vrv_posmap_form form)
{
    vrv_buf_printf(b, "%sDataSourceMetadata{SeekableStreamStartSequenceNumbers=",
                   m->stream_type == VRV_STREAM_KINESIS ? "Kinesis" : "Kafka");
    vrv_buf_printf(b, "SeekableStream%sSequenceNumbers{stream='%s', partitionSequenceNumberMap={",
                   form == VRV_POSMAP_START ? "Start" : "End", m->stream);
    for (size_t i = 0; i < m->n; i++) {
        char pos[VRV_POS_TEXT_MAX + 1];
        vrv_pos_format(&m->v[i].pos, pos, sizeof pos);
        vrv_buf_printf(b, "%s%s=%s", i ? ", " : "", m->v[i].part.id, pos);
    }
    vrv_buf_puts(b, "}");
    if (form == VRV_POSMAP_START) {
        vrv_buf_puts(b, ", exclusivePartitions=[");
        bool first = true;
        for (size_t i = 0; i < m->n; i++)
            if (m->v[i].pos.exclusive) {
                vrv_buf_printf(b, "%s%s", first ? "" : ", ", m->v[i].part.id);
                first = false;
            }
        vrv_buf_puts(b, "]");
    }
    vrv_buf_puts(b, "}}");
}

static char *metadata_text(const vrv_posmap *m)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_posmap_write_metadata_json(&w, m);
    return vrv_buf_detach(&b);
}

enum { CAS_OK = 0, CAS_RETRY = 1, CAS_FAIL = 2 };

/* One attempt at Druid's commitSegmentsAndMetadata: compare the stored
 * positions of supervisor sup with start, then insert the segments and store
 * stored.plus(end), in one metadata transaction. Returns CAS_OK, CAS_RETRY
 * (start is ahead of the stored positions, or another commit changed them
 * meanwhile: nothing was written) with msg set, CAS_FAIL (a mismatch Druid
 * does not retry) with msg set, or a negative code with err set. */
static int commit_once(vrv_overlord *o, const char *sup, const vrv_posmap *start,
                       const vrv_posmap *end, const vrv_meta_publish_req *base,
                       vrv_meta_publish_result *r, vrv_buf *msg, vrv_error *err)
{
    char *stored_text = NULL;
    char sha1[VRV_SHA1_HEX_LEN + 1] = "";
    int rc = vrv_meta_commit_metadata_get(o->meta, sup, &stored_text, sha1, err);
    bool have = rc == 0;
    if (rc < 0 && rc != VRV_ENOTFOUND) return rc;
    vrv_posmap stored = {0}, newmap = {0};
    if (have) {
        json_t *j = json_loads(stored_text, 0, NULL);
        rc = j ? vrv_posmap_from_metadata_json(j, "stored commit metadata", &stored, err)
               : vrv_error_set(err, VRV_ECORRUPT,
                               "stored commit metadata of [%s] is not JSON", sup);
        json_decref(j);
        free(stored_text);
        if (rc < 0) return rc;
        /* A stream start is valid against any stored row only when they agree
         * on every partition they share. */
        vrv_posmap as_start;
        vrv_posmap_copy(&as_start, &stored);
        vrv_posmap_as_start(&as_start);
        bool matches = stored.stream_type == start->stream_type &&
                       vrv_posmap_matches(start, &as_start, true);
        if (!matches) {
            bool ahead = stored.stream_type == start->stream_type &&
                         vrv_posmap_compare(start, &as_start) == 1;
            vrv_buf_reset(msg);
            if (ahead) {
                vrv_buf_puts(msg, "The new start metadata state[");
                meta_string(msg, start, VRV_POSMAP_START);
                vrv_buf_puts(msg, "] is ahead of the last committed end state[");
                meta_string(msg, &stored, VRV_POSMAP_END);
                vrv_buf_puts(msg, "]. Try resetting the supervisor.");
            } else {
                vrv_buf_puts(msg, "Inconsistency between stored metadata state[");
                meta_string(msg, &stored, VRV_POSMAP_END);
                vrv_buf_puts(msg, "] and target state[");
                meta_string(msg, start, VRV_POSMAP_START);
                vrv_buf_puts(msg, "]. Try resetting the supervisor.");
            }
            vrv_posmap_free(&as_start);
            vrv_posmap_free(&stored);
            return ahead ? CAS_RETRY : CAS_FAIL;
        }
        vrv_posmap_free(&as_start);
        vrv_posmap_plus(&stored, end, &newmap);
        vrv_posmap_free(&stored);
    } else {
        vrv_posmap_copy(&newmap, end);
    }
    char *text = metadata_text(&newmap);
    vrv_posmap_free(&newmap);
    vrv_meta_publish_req p = *base;
    p.supervisor_id = sup;
    p.expected_sha1 = have ? sha1 : NULL;
    p.new_metadata = text;
    rc = vrv_meta_publish(o->meta, &p, r, err);
    free(text);
    if (rc == VRV_ECONFLICT) {
        vrv_buf_reset(msg);
        vrv_buf_printf(msg, "Failed to update the metadata Store. The new start metadata is ahead "
                            "of last committed end state. (%s)", err->msg);
        return CAS_RETRY;
    }
    return rc < 0 ? rc : CAS_OK;
}

/* Reads the action's startMetadata and endMetadata: both or neither. */
static int read_metadata(const json_t *a, vrv_posmap *start, vrv_posmap *end, bool *have,
                         vrv_error *err)
{
    const json_t *sj = json_object_get(a, "startMetadata");
    const json_t *ej = json_object_get(a, "endMetadata");
    bool hs = sj && !json_is_null(sj), he = ej && !json_is_null(ej);
    *have = false;
    if (!hs && !he) return 0;
    if (hs != he)
        return vrv_error_set(err, VRV_EINVAL,
                             "action: startMetadata and endMetadata must be given together");
    int rc = vrv_posmap_from_metadata_json(sj, "action.startMetadata", start, err);
    if (rc < 0) return rc;
    if ((rc = vrv_posmap_from_metadata_json(ej, "action.endMetadata", end, err)) < 0) {
        vrv_posmap_free(start);
        return rc;
    }
    if (start->stream_type != end->stream_type || strcmp(start->stream, end->stream) != 0) {
        vrv_posmap_free(start);
        vrv_posmap_free(end);
        return vrv_error_set(err, VRV_EINVAL,
                             "action: startMetadata and endMetadata name different streams");
    }
    *have = true;
    return 0;
}

static int act_publish(vrv_overlord *o, otask *t, const json_t *a, json_t **res, vrv_error *err)
{
    const json_t *segs = json_object_get(a, "segments");
    const json_t *drops = json_object_get(a, "segmentsToBeDropped");
    if (segs && !json_is_null(segs) && !json_is_array(segs))
        return vrv_error_set(err, VRV_EINVAL, "action.segments: must be an array");
    if (drops && !json_is_null(drops) && !json_is_array(drops))
        return vrv_error_set(err, VRV_EINVAL, "action.segmentsToBeDropped: must be an array");
    vrv_posmap start = {0}, end = {0};
    bool have_meta;
    int rc = read_metadata(a, &start, &end, &have_meta, err);
    if (rc < 0) return rc;
    size_t ns = json_is_array(segs) ? json_array_size(segs) : 0;
    size_t nd = json_is_array(drops) ? json_array_size(drops) : 0;
    char **texts = vrv_calloc(ns ? ns : 1, sizeof *texts);
    const char **drop_ids = vrv_calloc(nd ? nd : 1, sizeof *drop_ids);
    for (size_t i = 0; i < ns && rc == 0; i++) {
        json_t *s = json_array_get(segs, i);
        texts[i] = json_dumps(s, JSON_COMPACT);
        vrv_meta_segment ms;
        rc = vrv_meta_segment_parse(texts[i], &ms, err);
        if (rc < 0) {
            vrv_error_prefix(err, "action.segments[%zu]", i);
            break;
        }
        vrv_interval iv = {ms.start_ms, ms.end_ms};
        if (strcmp(ms.data_source, t->datasource) != 0 ||
            !covered(o, t, ms.data_source, iv, ms.version))
            rc = vrv_error_set(err, VRV_ECONFLICT,
                               "Segment[%s] is not covered by a lock of task[%s]; not all segments "
                               "are covered by locks",
                               ms.id, t->id);
        vrv_meta_segment_clear(&ms);
    }
    for (size_t i = 0; i < nd && rc == 0; i++) {
        json_t *d = json_array_get(drops, i);
        const char *id = json_is_string(d) ? json_string_value(d)
                                           : json_string_value(json_object_get(d, "identifier"));
        vrv_segid sid;
        if (!id || vrv_segid_parse(id, t->datasource, &sid, err) < 0) {
            rc = vrv_error_set(err, VRV_EINVAL,
                               "action.segmentsToBeDropped[%zu]: not a segment of [%s]", i,
                               t->datasource);
            break;
        }
        if (!covered(o, t, t->datasource, sid.interval, NULL))
            rc = vrv_error_set(err, VRV_ECONFLICT,
                               "Segment[%s] to drop is not covered by a lock of task[%s]", id,
                               t->id);
        vrv_segid_clear(&sid);
        drop_ids[i] = id;
    }
    vrv_meta_publish_req p = {.segments = (const char *const *)texts,
                              .n_segments = ns,
                              .drop_ids = drop_ids,
                              .n_drop = nd};
    const char *fail_msg = NULL;
    vrv_buf msg = VRV_BUF_INIT;
    if (rc == 0 && have_meta) {
        /* The stored row is the supervisor's (newer Druid keys it by supervisor
         * id, which defaults to the data source). */
        const char *sup = json_string_value(json_object_get(a, "supervisorId"));
        if (!sup) sup = json_string_value(json_object_get(t->payload, "supervisorId"));
        if (!sup) sup = t->datasource;
        vrv_ms deadline = ovl_now() + o->cfg.publish_retry_ms;
        for (;;) {
            vrv_meta_publish_result r;
            int c = commit_once(o, sup, &start, &end, &p, &r, &msg, err);
            if (c == CAS_OK) {
                VRV_INFO("overlord",
                         "task [%s] published %zu segments (%zu new) with commit metadata of [%s]",
                         t->id, ns, r.inserted, sup);
                vrv_meta_publish_result_free(&r);
                pthread_cond_broadcast(&o->cv); /* publishes waiting behind this one */
                break;
            }
            if (c < 0) {
                rc = c;
                break;
            }
            if (c == CAS_RETRY && ovl_now() < deadline) {
                /* An earlier group of the same partitions has not committed
                 * yet: wait for a commit (or a short while) and look again. */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                int64_t ns_ = ts.tv_nsec + 200 * 1000000L;
                ts.tv_sec += ns_ / 1000000000L;
                ts.tv_nsec = ns_ % 1000000000L;
                pthread_cond_timedwait(&o->cv, &o->mu, &ts);
                if (!ovl_find(o, t->id)) {
                    rc = vrv_error_set(err, VRV_ECANCELED, "task [%s] ended", t->id);
                    break;
                }
                continue;
            }
            fail_msg = msg.data;
            VRV_WARN("overlord", "task [%s]: publish refused: %s", t->id, fail_msg);
            break;
        }
    } else if (rc == 0 && ns + nd > 0) {
        vrv_meta_publish_result r;
        rc = vrv_meta_publish(o->meta, &p, &r, err);
        if (rc == 0)
            VRV_INFO("overlord", "task [%s] published %zu segments (%zu new), dropped %zu", t->id,
                     ns, r.inserted, r.dropped);
        vrv_meta_publish_result_free(&r);
    }
    if (rc == 0 && fail_msg) {
        /* Druid's SegmentPublishResult.fail: the action ran, the publish did not. */
        *res = json_pack("{s:[], s:b, s:s}", "segments", "success", 0, "errorMsg", fail_msg);
    } else if (rc == 0) {
        json_t *arr = json_is_array(segs) ? json_incref((json_t *)segs) : json_array();
        *res = json_pack("{s:o, s:b, s:n}", "segments", arr, "success", 1, "errorMsg");
    }
    vrv_buf_free(&msg);
    vrv_posmap_free(&start);
    vrv_posmap_free(&end);
    for (size_t i = 0; i < ns; i++) free(texts[i]);
    free(texts);
    free(drop_ids);
    return rc;
}

/* The stored commit metadata of a supervisor (the action's supervisorId, else
 * the task's, else its data source), as stored; JSON null when there is none. */
static int act_retrieve_metadata(vrv_overlord *o, otask *t, const json_t *a, json_t **res,
                                 vrv_error *err)
{
    const json_t *sj = json_object_get(a, "supervisorId");
    if (sj && !json_is_null(sj) && !json_is_string(sj))
        return vrv_error_set(err, VRV_EINVAL, "action.supervisorId: must be a string");
    const char *sup = json_string_value(sj);
    if (!sup) sup = json_string_value(json_object_get(t->payload, "supervisorId"));
    if (!sup) sup = t->datasource;
    char *text = NULL;
    int rc = vrv_meta_commit_metadata_get(o->meta, sup, &text, NULL, err);
    if (rc == VRV_ENOTFOUND) {
        vrv_error_clear(err);
        *res = json_null();
        return 0;
    }
    if (rc < 0) return rc;
    json_error_t je;
    *res = json_loads(text, 0, &je);
    free(text);
    if (!*res)
        return vrv_error_set(err, VRV_ECORRUPT, "the stored metadata of [%s] is not JSON: %s", sup,
                             je.text);
    return 0;
}

int vrv_overlord_action(vrv_overlord *o, const json_t *holder, json_t **result, vrv_error *err)
{
    *result = NULL;
    const json_t *task = json_object_get(holder, "task");
    const json_t *action = json_object_get(holder, "action");
    const char *id = json_is_string(task) ? json_string_value(task)
                                          : json_string_value(json_object_get(task, "id"));
    if (!id) return vrv_error_set(err, VRV_EINVAL, "task: an id or a task object with \"id\"");
    const char *type = json_string_value(json_object_get(action, "type"));
    if (!type) return vrv_error_set(err, VRV_EINVAL, "action.type: required");
    /* Actions another component answers (the supervisors'), for active tasks. */
    pthread_mutex_lock(&o->mu);
    bool active = ovl_find(o, id) != NULL;
    vrv_overlord_action_hook hook = o->action_hook;
    void *hook_ctx = o->action_hook_ctx;
    pthread_mutex_unlock(&o->mu);
    if (active && hook && hook(hook_ctx, type, action, result) == 1) {
        if (!*result) *result = json_null();
        return 0;
    }
    char *ds_to_notify = NULL;
    pthread_mutex_lock(&o->mu);
    otask *t = ovl_find(o, id);
    int rc = 0;
    if (!t) {
        rc = vrv_error_set(err, VRV_ECONFLICT, "Task[%s] is not active; its action [%s] is refused",
                           id, type);
    } else if (strcmp(type, "lockList") == 0) {
        *result = locks_of(o, t);
    } else if (strcmp(type, "timeChunkLockTryAcquire") == 0) {
        rc = act_lock_acquire(o, t, action, false, result, err);
    } else if (strcmp(type, "timeChunkLockAcquire") == 0) {
        rc = act_lock_acquire(o, t, action, true, result, err);
    } else if (strcmp(type, "segmentAllocate") == 0) {
        rc = act_allocate(o, t, action, result, err);
    } else if (strcmp(type, "retrieveUsedSegments") == 0) {
        rc = act_retrieve_used(o, t, action, result, err);
    } else if (strcmp(type, "segmentTransactionalInsert") == 0) {
        rc = act_publish(o, t, action, result, err);
        if (rc == 0) ds_to_notify = vrv_strdup(t->datasource);
    } else if (strcmp(type, "varveRetrieveDataSourceMetadata") == 0) {
        rc = act_retrieve_metadata(o, t, action, result, err);
    } else if (strcmp(type, "varveTaskLocation") == 0) {
        const char *host = json_string_value(json_object_get(action, "host"));
        json_t *port = json_object_get(action, "port");
        if (!host || !json_is_integer(port)) {
            rc = vrv_error_set(err, VRV_EINVAL, "action: host and port are required");
        } else {
            free(t->host);
            t->host = vrv_strdup(host);
            t->port = (int)json_integer_value(port);
            *result = json_true();
        }
    } else {
        rc = vrv_error_set(err, VRV_EINVAL, "Could not resolve type id '%s' as a subtype of `TaskAction`",
                           type);
    }
    pthread_mutex_unlock(&o->mu);
    if (ds_to_notify && o->cfg.on_publish) o->cfg.on_publish(o->cfg.on_publish_ctx, ds_to_notify);
    free(ds_to_notify);
    if (rc == 0 && !*result) *result = json_null();
    return rc;
}
