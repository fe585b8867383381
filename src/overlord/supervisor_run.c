/*
 * supervisor_run.c — one supervisor's loop (druid-streaming.md §3.3, §4):
 * its timers, its notices, and Druid's run over task groups
 * (SeekableStreamSupervisor.runInternal): discover partitions, adopt or
 * stop running tasks, refresh their status, roll groups over at
 * taskDuration, watch publishing groups, drop failed tasks, detect an idle
 * stream, and create the groups and replicas that are missing; plus the
 * checkpoint, reset, resetOffsets, handoff and shutdown notices.
 *
 * Kinesis (§4.13): shards are listed with their parents; closed shards read
 * to their end (EOS) and expired ones leave the shard list and the groups
 * are recomputed; child shards wait for their parents; lag is time.
 *
 * Everything here runs on the supervisor's own thread (or the caller of the
 * manual tick), which is the only writer of the loop state; the rest of the
 * system sees the published snapshot (supervisor_report.c). Calls to tasks
 * are made one after the other: a group is small and every call is bounded
 * by httpTimeout and chatRetries.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "json/jutil.h"
#include "overlord/supervisor_int.h"
#include "stream/kinesis.h"

#define MIN_OFFSET_FETCH_MS 5000 /* Druid's MINIMUM_GET_OFFSET_PERIOD_MILLIS */
#define MAX_WAIT_MS         1000 /* the loop looks at its timers at least this often */

/* Java class names for recentErrors: what Druid would have thrown. */
#define CLS_ISE     "org.apache.druid.java.util.common.ISE"
#define CLS_IAE     "org.apache.druid.java.util.common.IAE"
#define CLS_IO      "java.io.IOException"
#define CLS_TIMEOUT "java.util.concurrent.TimeoutException"
#define CLS_KAFKA   "org.apache.kafka.common.KafkaException"
#define CLS_KTIME   "org.apache.kafka.common.errors.TimeoutException"

vrv_ms sup_now(const vrv_sup *s)
{
    return s->mgr->env.ops->now(s->mgr->env.ctx);
}

/* ---- errors and state ----------------------------------------------------------- */

static const char *error_class(int code, bool stream)
{
    if (stream) return code == VRV_ETIMEOUT ? CLS_KTIME : code == VRV_EIO ? CLS_KAFKA : CLS_ISE;
    switch (code) {
    case VRV_EIO: return CLS_IO;
    case VRV_ETIMEOUT: return CLS_TIMEOUT;
    case VRV_EINVAL: return CLS_IAE;
    default: return CLS_ISE;
    }
}

/* Records an error of this run in recentErrors (and the log). */
static void record(vrv_sup *s, int code, bool stream, const char *msg)
{
    VRV_WARN("supervisor", "[%s] %s", s->id, msg);
    vrv_sup_state_error(&s->st, sup_now(s), error_class(code, stream), msg, stream);
}

static void recordf(vrv_sup *s, int code, bool stream, const char *fmt, ...) VRV_PRINTF(4, 5);
static void recordf(vrv_sup *s, int code, bool stream, const char *fmt, ...)
{
    char msg[VRV_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    record(s, code, stream, msg);
}

static void set_state(vrv_sup *s, vrv_sup_st st)
{
    vrv_sup_state_propose(&s->st, st);
    sup_publish_state(s);
}

static bool is_stopping(const vrv_sup *s)
{
    return atomic_load(&s->stop_requested) || vrv_sup_st_basic(s->st.state) == VRV_SUP_STOPPING;
}

/* ---- tasks and groups -------------------------------------------------------------- */

/* Druid's killTask: a stopping supervisor leaves its tasks alone (the next
 * one adopts them), except while it finishes its groups at a graceful stop:
 * a replica dropped from its group there (it did not pause, or did not take
 * its end offsets) must not outlive it, or the next supervisor would adopt it
 * as a reading group with the same sequence names as the group that
 * published without it, and its longer sequence would pass for published. */
static void kill_task(vrv_sup *s, const char *id, const char *fmt, ...) VRV_PRINTF(3, 4);
static void kill_task(vrv_sup *s, const char *id, const char *fmt, ...)
{
    char reason[VRV_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (is_stopping(s) && !s->finishing) {
        VRV_DEBUG("supervisor", "[%s] not shutting down task[%s] while stopping: %s", s->id, id,
                  reason);
        return;
    }
    VRV_INFO("supervisor", "[%s] killing task[%s]: %s", s->id, id, reason);
    s->mgr->env.ops->kill(s->mgr->env.ctx, id, reason);
}

/* Asks a task to stop; one that does not is killed. */
static void stop_task(vrv_sup *s, const char *id)
{
    bool ok = false;
    vrv_error err;
    if (sup_client_stop(s, id, &ok, &err) < 0 || !ok)
        kill_task(s, id, "Failed to stop in a timely manner");
}

static void task_clear(sup_task *t)
{
    free(t->id);
    free(t->seq);
    vrv_posmap_free(&t->current);
}

static void checkpoints_clear(sup_group *g)
{
    for (size_t i = 0; i < g->checkpoints.n; i++) vrv_posmap_free(&g->checkpoints.v[i].start);
    g->checkpoints.n = 0;
}

static void group_free(sup_group *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->tasks.n; i++) task_clear(&g->tasks.v[i]);
    vrv_vec_free(&g->tasks);
    checkpoints_clear(g);
    vrv_vec_free(&g->checkpoints);
    vrv_posmap_free(&g->start);
    free(g->base_seq);
    free(g->expected_seq);
    free(g);
}

static char *seq_name(const vrv_sup *s, const vrv_posmap *start, bool has_min, vrv_ms min,
                      bool has_max, vrv_ms max)
{
    return vrv_sup_sequence_name(s->task_type, s->id, s->hash_schema, s->hash_tuning, start,
                                 has_min, min, has_max, max);
}

/* A new group over start (copied); base_seq NULL: the name the spec gives it. */
static sup_group *group_new(vrv_sup *s, int id, const vrv_posmap *start, bool has_min, vrv_ms min,
                            bool has_max, vrv_ms max, const char *base_seq)
{
    sup_group *g = vrv_calloc(1, sizeof *g);
    g->id = id;
    vrv_posmap_copy(&g->start, start);
    g->has_min = has_min;
    g->min_time = min;
    g->has_max = has_max;
    g->max_time = max;
    g->expected_seq = seq_name(s, start, has_min, min, has_max, max);
    g->base_seq = vrv_strdup(base_seq ? base_seq : g->expected_seq);
    vrv_stask_checkpoint cp = {0, {0}};
    vrv_posmap_copy(&cp.start, start);
    vrv_vec_push(&g->checkpoints, cp);
    return g;
}

static sup_task *group_task(sup_group *g, const char *id)
{
    for (size_t i = 0; i < g->tasks.n; i++)
        if (strcmp(g->tasks.v[i].id, id) == 0) return &g->tasks.v[i];
    return NULL;
}

static sup_task *task_add(vrv_sup *s, sup_group *g, const char *id, const char *seq)
{
    sup_task t = {0};
    t.id = vrv_strdup(id);
    t.seq = vrv_strdup(seq);
    vrv_posmap_init(&t.current, s->stype, s->stream);
    vrv_vec_push(&g->tasks, t);
    return &g->tasks.v[g->tasks.n - 1];
}

static void task_remove_at(sup_group *g, size_t i)
{
    task_clear(&g->tasks.v[i]);
    memmove(&g->tasks.v[i], &g->tasks.v[i + 1], (g->tasks.n - i - 1) * sizeof *g->tasks.v);
    g->tasks.n--;
}

static void task_remove(sup_group *g, const char *id)
{
    for (size_t i = 0; i < g->tasks.n; i++)
        if (strcmp(g->tasks.v[i].id, id) == 0) {
            task_remove_at(g, i);
            return;
        }
}

static sup_group *active_get(vrv_sup *s, int id)
{
    for (size_t i = 0; i < s->active.n; i++)
        if (s->active.v[i]->id == id) return s->active.v[i];
    return NULL;
}

/* Takes group id out of activelyReadingTaskGroups (not freed); NULL if absent. */
static sup_group *active_take(vrv_sup *s, int id)
{
    for (size_t i = 0; i < s->active.n; i++)
        if (s->active.v[i]->id == id) {
            sup_group *g = s->active.v[i];
            memmove(&s->active.v[i], &s->active.v[i + 1], (s->active.n - i - 1) * sizeof(void *));
            s->active.n--;
            return g;
        }
    return NULL;
}

static void pending_remove(vrv_sup *s, sup_group *g)
{
    for (size_t i = 0; i < s->pending.n; i++)
        if (s->pending.v[i] == g) {
            memmove(&s->pending.v[i], &s->pending.v[i + 1],
                    (s->pending.n - i - 1) * sizeof(void *));
            s->pending.n--;
            return;
        }
}

static bool pending_has_group(const vrv_sup *s, int id)
{
    for (size_t i = 0; i < s->pending.n; i++)
        if (s->pending.v[i]->id == id) return true;
    return false;
}

static bool in_pending(const vrv_sup *s, const char *task_id)
{
    for (size_t i = 0; i < s->pending.n; i++)
        if (group_task(s->pending.v[i], task_id)) return true;
    return false;
}

static sup_pgroup *pgroup_get(vrv_sup *s, int id, bool create)
{
    for (size_t i = 0; i < s->pgroups.n; i++)
        if (s->pgroups.v[i].id == id) return &s->pgroups.v[i];
    if (!create) return NULL;
    sup_pgroup pg = {id, {0}};
    vrv_vec_push(&s->pgroups, pg);
    return &s->pgroups.v[s->pgroups.n - 1];
}

static void pgroup_remove(vrv_sup *s, int id)
{
    for (size_t i = 0; i < s->pgroups.n; i++)
        if (s->pgroups.v[i].id == id) {
            vrv_vec_free(&s->pgroups.v[i].parts);
            memmove(&s->pgroups.v[i], &s->pgroups.v[i + 1],
                    (s->pgroups.n - i - 1) * sizeof *s->pgroups.v);
            s->pgroups.n--;
            return;
        }
}

static bool parts_has(const vrv_part *v, size_t n, const vrv_part *p)
{
    for (size_t i = 0; i < n; i++)
        if (vrv_part_equal(&v[i], p)) return true;
    return false;
}

/* Druid's getTaskGroupIdForPartition. */
static int group_of(const vrv_sup *s, const vrv_part *p)
{
    if (s->stype == VRV_STREAM_KAFKA) return vrv_part_task_group_kafka(p, s->spec.io.task_count);
    return vrv_part_task_group_kinesis(p, s->pids.v, s->pids.n, s->spec.io.task_count);
}

static void set_not_set(vrv_sup *s, const vrv_part *p)
{
    vrv_pos ns = vrv_pos_marker(s->stype, VRV_POS_NOT_SET);
    vrv_posmap_set(&s->poffsets, p, &ns);
}

/* Druid's getEndOfPartitionMarker: the open end of a task's reading. */
static bool is_end_marker(const vrv_pos *p)
{
    return p->kind == VRV_POS_NO_END;
}

/* ---- stored offsets --------------------------------------------------------------- */

/* The stored DataSourceMetadata of this supervisor as a map (uninitialised
 * out); false when there is none, it is not ours or it does not parse. */
static bool stored_raw(vrv_sup *s, vrv_posmap *out)
{
    char *payload = NULL;
    vrv_error err;
    int rc = vrv_meta_commit_metadata_get(s->mgr->meta, s->id, &payload, NULL, &err);
    if (rc < 0) {
        if (rc != VRV_ENOTFOUND)
            VRV_WARN("supervisor", "[%s] reading stored offsets: %s", s->id, err.msg);
        return false;
    }
    json_t *j = json_loads(payload, 0, NULL);
    free(payload);
    const char *type = json_string_value(json_object_get(j, "type"));
    bool ok = false;
    if (type && strcmp(type, vrv_stream_type_name(s->stype)) == 0)
        ok = vrv_posmap_from_metadata_json(j, "commit_metadata_payload", out, &err) == 0;
    else
        VRV_WARN("supervisor", "[%s] stored metadata of type [%s] is not %s metadata; ignored",
                 s->id, type ? type : "?", vrv_stream_type_name(s->stype));
    json_decref(j);
    return ok;
}

/* Druid's getOffsetsFromMetadataStorage: the stored offsets of this
 * supervisor's stream, keyed the way this spec keys partitions (a Kafka
 * supervisor moving between topic and topicPattern keeps its offsets). out is
 * initialised, empty when nothing applies. */
static void stored_offsets(vrv_sup *s, vrv_posmap *out)
{
    vrv_posmap_init(out, s->stype, s->stream);
    vrv_posmap raw;
    if (!stored_raw(s, &raw)) return;
    if (s->stype != VRV_STREAM_KAFKA) {
        if (strcmp(raw.stream, s->stream) == 0)
            for (size_t i = 0; i < raw.n; i++) vrv_posmap_set(out, &raw.v[i].part, &raw.v[i].pos);
        else
            VRV_WARN("supervisor",
                     "[%s] stream in metadata storage [%s] doesn't match spec stream [%s], "
                     "ignoring stored sequences",
                     s->id, raw.stream, s->stream);
        vrv_posmap_free(&raw);
        return;
    }
    bool multi = s->spec.io.topic_pattern != NULL;
    vrv_topic_pattern *re = NULL;
    if (multi) vrv_topic_pattern_new(s->stream, NULL, &re, NULL);
    bool warned = false;
    for (size_t i = 0; i < raw.n; i++) {
        vrv_str topic = vrv_part_topic(&raw.v[i].part, raw.stream);
        bool want = multi ? (re && vrv_topic_pattern_match(re, topic.p, topic.n))
                          : vrv_str_eq(topic, vrv_str_c(s->stream));
        if (!want) {
            if (!warned)
                VRV_WARN("supervisor",
                         "[%s] stored offsets of topic [%.*s] do not match the spec's %s [%s]; "
                         "ignored",
                         s->id, (int)topic.n, topic.p, multi ? "topicPattern" : "topic", s->stream);
            warned = true;
            continue;
        }
        char t[VRV_KAFKA_TOPIC_MAX + 1];
        snprintf(t, sizeof t, "%.*s", (int)topic.n, topic.p);
        vrv_part k;
        if (vrv_part_kafka(multi ? t : NULL, raw.v[i].part.partition, &k, NULL) == 0)
            vrv_posmap_set(out, &k, &raw.v[i].pos);
    }
    vrv_topic_pattern_free(re);
    vrv_posmap_free(&raw);
}

static int store_metadata(vrv_sup *s, const vrv_posmap *m, vrv_error *err);

/* ---- the stream -------------------------------------------------------------------- */

static int ensure_supplier(vrv_sup *s, vrv_error *err)
{
    if (s->supplier) return 0;
    return s->mgr->env.ops->open_supplier(s->mgr->env.ctx, &s->spec, &s->supplier, err);
}

/* Partitions being read changed (not at the first discovery): reading groups
 * stop early so the new layout is read soon (repartitionTransitionDuration). */
static void partitions_changed(vrv_sup *s, size_t before)
{
    for (size_t i = 0; i < s->active.n; i++) {
        if (s->active.v[i]->tasks.n == 0) continue;
        s->has_early_stop = true;
        s->early_stop = sup_now(s) + s->spec.tuning.repartition_transition_duration;
        VRV_INFO("supervisor", "[%s] the partition set changed (%zu -> %zu partitions); tasks "
                 "stop after %lld ms", s->id, before, s->pids.n,
                 (long long)s->spec.tuning.repartition_transition_duration);
        break;
    }
}

static const vrv_kinesis_shard *kshard_find(const vrv_sup *s, const char *id)
{
    for (size_t i = 0; i < s->n_kshards; i++)
        if (strcmp(s->kshards[i].id, id) == 0) return &s->kshards[i];
    return NULL;
}

/* Is parent (a shard id, may be "") read to its end: not listed any more
 * (trimmed away), or stored as EOS / EXPIRED? */
static bool parent_done(const vrv_sup *s, const char *parent, const vrv_posmap *stored)
{
    if (!*parent || !kshard_find(s, parent)) return true;
    vrv_part p;
    if (vrv_part_kinesis(parent, &p, NULL) < 0) return true;
    const vrv_pos *sp = vrv_posmap_get(stored, &p);
    return sp && (sp->kind == VRV_POS_EOS || sp->kind == VRV_POS_EXPIRED);
}

/* Does shard p descend from a shard this supervisor has stored a position
 * for? Then it is read from its first record whatever useEarliest says:
 * the records of its parents' hash range moved on to it. */
static bool has_tracked_parent(const vrv_sup *s, const vrv_part *p, const vrv_posmap *stored)
{
    const vrv_kinesis_shard *k = kshard_find(s, p->id);
    const char *parents[2] = {k ? k->parent : "", k ? k->adjacent_parent : ""};
    for (int i = 0; i < 2; i++) {
        vrv_part pp;
        if (*parents[i] && vrv_part_kinesis(parents[i], &pp, NULL) == 0 &&
            vrv_posmap_get(stored, &pp))
            return true;
    }
    return false;
}

/* Kinesis: Druid's updatePartitionDataFromStream with
 * cleanupClosedAndExpiredPartitions, plus one rule of varve's: a child shard
 * (after a split or a merge) is read only once its parents are read to
 * their end and that end is committed, so a key's records are read in
 * order and the parents' last segments are published first. Shards stored
 * as EOS (closed and read) or EXPIRED are not read; a stored shard that is
 * no longer listed becomes EXPIRED in the stored metadata. When shards
 * leave the active set, the shard list is the active shards in listing
 * order and the task groups are recomputed over it (§4.13). */
static bool update_shards(vrv_sup *s)
{
    vrv_error err;
    vrv_kinesis_shard *ks = NULL;
    size_t n = 0;
    int rc = ensure_supplier(s, &err);
    if (rc == 0)
        rc = vrv_kinesis_list_shards(vrv_kinesis_supplier_client(s->supplier), s->stream,
                                     s->spec.tuning.use_list_shards, &ks, &n, &err);
    if (rc < 0) {
        recordf(s, rc, true, "Could not fetch partitions for topic/stream [%s]: %s", s->stream,
                err.msg);
        return false;
    }
    free(s->kshards);
    s->kshards = ks;
    s->n_kshards = n;

    /* Stored shards no longer listed have expired from the stream. */
    vrv_posmap raw;
    if (n > 0 && stored_raw(s, &raw)) {
        bool changed = false;
        for (size_t i = 0; i < raw.n; i++) {
            if (raw.v[i].pos.kind == VRV_POS_EXPIRED || kshard_find(s, raw.v[i].part.id)) continue;
            VRV_INFO("supervisor", "[%s] shard [%s] has expired from stream [%s]", s->id,
                     raw.v[i].part.id, s->stream);
            raw.v[i].pos = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EXPIRED);
            changed = true;
        }
        vrv_error e2;
        if (changed && strcmp(raw.stream, s->stream) == 0 && store_metadata(s, &raw, &e2) < 0)
            recordf(s, e2.code, false, "Failed to mark expired shards in the metadata store: %s",
                    e2.msg);
        vrv_posmap_free(&raw);
    }

    vrv_posmap stored;
    stored_offsets(s, &stored);
    VRV_VEC(vrv_part) active = {0};
    VRV_VEC(vrv_part) waiting = {0};
    for (size_t i = 0; i < n; i++) {
        vrv_part p;
        if (vrv_part_kinesis(ks[i].id, &p, NULL) < 0) continue;
        const vrv_pos *sp = vrv_posmap_get(&stored, &p);
        if (sp && (sp->kind == VRV_POS_EOS || sp->kind == VRV_POS_EXPIRED)) continue;
        if (!parent_done(s, ks[i].parent, &stored) ||
            !parent_done(s, ks[i].adjacent_parent, &stored)) {
            vrv_vec_push(&waiting, p);
            continue;
        }
        vrv_vec_push(&active, p);
    }
    bool same_wait = waiting.n == s->waiting.n;
    for (size_t i = 0; same_wait && i < waiting.n; i++)
        same_wait = vrv_part_equal(&waiting.v[i], &s->waiting.v[i]);
    if (!same_wait)
        for (size_t i = 0; i < waiting.n; i++)
            VRV_INFO("supervisor", "[%s] shard [%s] waits until its parent shards are read to "
                     "their end", s->id, waiting.v[i].id);
    vrv_vec_free(&s->waiting);
    s->waiting.v = waiting.v;
    s->waiting.n = waiting.n;
    s->waiting.cap = waiting.cap;
    if (active.n == 0) {
        vrv_vec_free(&active);
        vrv_posmap_free(&stored);
        recordf(s, VRV_ENOTFOUND, true, "No partitions found for stream [%s]", s->stream);
        return false;
    }
    size_t before = s->pids.n;
    bool initial = s->pids.n == 0;
    bool removed = false;
    for (size_t i = 0; i < s->pids.n && !removed; i++)
        removed = !parts_has(active.v, active.n, &s->pids.v[i]);
    bool changed = removed;
    if (removed) {
        /* Closed or expired shards leave: the list is the active shards and
         * every group is recomputed over it. */
        VRV_INFO("supervisor", "[%s] closed or expired shards leave the shard list; task groups "
                 "are recomputed over %zu active shards", s->id, active.n);
        s->pids.n = 0;
        for (size_t i = 0; i < active.n; i++) vrv_vec_push(&s->pids, active.v[i]);
        for (size_t i = 0; i < s->pgroups.n; i++) vrv_vec_free(&s->pgroups.v[i].parts);
        s->pgroups.n = 0;
    }
    for (size_t i = 0; i < active.n; i++) {
        if (parts_has(s->pids.v, s->pids.n, &active.v[i])) continue;
        vrv_vec_push(&s->pids, active.v[i]);
        if (!initial) vrv_vec_push(&s->later_parts, active.v[i]);
        changed = true;
    }
    for (size_t i = 0; i < active.n; i++) {
        int gid = group_of(s, &active.v[i]);
        sup_pgroup *pg = pgroup_get(s, gid, true);
        if (!parts_has(pg->parts.v, pg->parts.n, &active.v[i])) vrv_vec_push(&pg->parts, active.v[i]);
        if (!vrv_posmap_get(&s->poffsets, &active.v[i])) {
            set_not_set(s, &active.v[i]);
            VRV_INFO("supervisor", "[%s] discovered new shard[%s] of stream[%s], added to "
                     "taskGroup[%d]", s->id, active.v[i].id, s->stream, gid);
        }
    }
    if (changed && !initial) partitions_changed(s, before);
    vrv_vec_free(&active);
    vrv_posmap_free(&stored);
    return true;
}

/* Druid's updatePartitionDataFromStream. False when the stream could not be
 * read (the error is recorded). */
static bool update_partitions(vrv_sup *s)
{
    if (s->stype == VRV_STREAM_KINESIS) return update_shards(s);
    vrv_error err;
    vrv_part *parts = NULL;
    size_t n = 0;
    int rc = ensure_supplier(s, &err);
    if (rc == 0) rc = vrv_supplier_partitions(s->supplier, &parts, &n, &err);
    if (rc < 0) {
        recordf(s, rc, true, "Could not fetch partitions for topic/stream [%s]: %s", s->stream,
                err.msg);
        return false;
    }
    if (n == 0) {
        free(parts);
        recordf(s, VRV_ENOTFOUND, true, "No partitions found for stream [%s]", s->stream);
        return false;
    }
    if (s->spec.io.task_count > (int)n)
        VRV_DEBUG("supervisor", "[%s] configured task count[%d] is greater than the number of "
                  "partitions[%zu]", s->id, s->spec.io.task_count, n);
    /* Closed (EOS) partitions stay out; only Kinesis has them. */
    vrv_posmap stored;
    stored_offsets(s, &stored);
    VRV_VEC(vrv_part) prev = {0};
    for (size_t i = 0; i < s->pids.n; i++) vrv_vec_push(&prev, s->pids.v[i]);
    bool initial = s->pids.n == 0;
    for (size_t i = 0; i < n; i++) {
        const vrv_pos *sp = vrv_posmap_get(&stored, &parts[i]);
        if (sp && (sp->kind == VRV_POS_EOS || sp->kind == VRV_POS_EXPIRED)) continue;
        if (!parts_has(s->pids.v, s->pids.n, &parts[i])) {
            vrv_vec_push(&s->pids, parts[i]);
            if (!initial) vrv_vec_push(&s->later_parts, parts[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        const vrv_pos *sp = vrv_posmap_get(&stored, &parts[i]);
        if (sp && (sp->kind == VRV_POS_EOS || sp->kind == VRV_POS_EXPIRED)) continue;
        int gid = group_of(s, &parts[i]);
        sup_pgroup *pg = pgroup_get(s, gid, true);
        if (!parts_has(pg->parts.v, pg->parts.n, &parts[i])) vrv_vec_push(&pg->parts, parts[i]);
        if (!vrv_posmap_get(&s->poffsets, &parts[i])) {
            set_not_set(s, &parts[i]);
            VRV_INFO("supervisor", "[%s] discovered new partition[%s] of stream[%s], added to "
                     "taskGroup[%d]", s->id, parts[i].id, s->stream, gid);
        }
    }
    bool changed = prev.n != s->pids.n;
    for (size_t i = 0; !changed && i < prev.n; i++)
        changed = !vrv_part_equal(&prev.v[i], &s->pids.v[i]);
    /* Let the running groups stop early so the new partitions get read soon. */
    if (changed && !initial) partitions_changed(s, prev.n);
    vrv_vec_free(&prev);
    vrv_posmap_free(&stored);
    free(parts);
    return true;
}

/* ---- checkpoints of a group ------------------------------------------------------- */

static void cps_free(vrv_stask_checkpoint *cps, size_t n)
{
    vrv_stask_checkpoints_free(cps, n);
}

/* Whether a group of another group id is publishing any of partitions
 * (ignoring groups that hold task_id): its offsets are not committed yet. */
static bool other_group_publishing(const vrv_sup *s, const char *task_id, const vrv_posmap *parts)
{
    for (size_t i = 0; i < s->pending.n; i++) {
        const sup_group *g = s->pending.v[i];
        if (group_task((sup_group *)g, task_id)) continue;
        for (size_t k = 0; k < parts->n; k++)
            if (vrv_posmap_get(&g->start, &parts->v[k].part)) return true;
    }
    return false;
}

typedef struct task_cps {
    char *id;
    vrv_stask_checkpoint *cps;
    size_t n;
} task_cps;

static int cmp_task_cps_desc(const void *a, const void *b)
{
    const task_cps *x = a, *y = b;
    int fx = x->n ? x->cps[0].id : 0, fy = y->n ? y->cps[0].id : 0;
    return (fy > fx) - (fy < fx);
}

/* Does every partition of m equal the stored offset (or itself when nothing
 * is stored for it)? */
static bool consistent_with_stored(const vrv_posmap *m, const vrv_posmap *stored)
{
    for (size_t i = 0; i < m->n; i++) {
        const vrv_pos *sp = stored ? vrv_posmap_get(stored, &m->v[i].part) : NULL;
        if (sp && vrv_pos_cmp(&m->v[i].pos, sp) != 0) return false;
    }
    return true;
}

/* Druid's verifyAndMergeCheckpoints for one group: the group's checkpoints
 * become those of the replica whose history reaches the stored offsets,
 * starting at the first sequence not yet published; replicas whose history
 * disagrees are killed; a group left with no valid task is forgotten. */
static void verify_group(vrv_sup *s, sup_group *g, bool *dropped)
{
    *dropped = false;
    VRV_VEC(task_cps) seqs = {0};
    VRV_VEC(char *) ids = {0};
    for (size_t i = 0; i < g->tasks.n; i++) vrv_vec_push(&ids, vrv_strdup(g->tasks.v[i].id));
    for (size_t i = 0; i < ids.n; i++) {
        vrv_error err;
        task_cps tc = {ids.v[i], NULL, 0};
        if (sup_client_checkpoints(s, tc.id, &tc.cps, &tc.n, &err) < 0) {
            recordf(s, err.code, false, "Problem while getting checkpoints for task [%s], "
                    "killing the task: %s", tc.id, err.msg);
            kill_task(s, tc.id, "Exception while getting checkpoints: %s", err.msg);
            task_remove(g, tc.id);
        } else if (tc.n == 0) {
            VRV_DEBUG("supervisor", "[%s] ignoring task [%s], as probably it is not started "
                      "running yet", s->id, tc.id);
        } else {
            vrv_vec_push(&seqs, tc);
        }
    }
    vrv_posmap raw;
    bool has_db = stored_raw(s, &raw);
    if (has_db && strcmp(raw.stream, s->stream) != 0) {
        vrv_posmap_free(&raw);
        has_db = false;
    }
    if (seqs.n > 1) qsort(seqs.v, seqs.n, sizeof *seqs.v, cmp_task_cps_desc);
    VRV_VEC(const char *) to_kill = {0};
    int earliest = -1;
    for (size_t t = 0; t < seqs.n; t++) {
        task_cps *tc = &seqs.v[t];
        if (earliest == -1) {
            size_t from = tc->n;
            for (size_t k = 0; k < tc->n; k++)
                if (consistent_with_stored(&tc->cps[k].start, has_db ? &raw : NULL)) {
                    from = k;
                    break;
                }
            /* An older group still publishing these partitions: the store is
             * behind this task, so its whole history counts. */
            if (from == tc->n &&
                (pending_has_group(s, g->id) || other_group_publishing(s, tc->id, &g->start)))
                from = 0;
            if (from < tc->n) {
                earliest = tc->cps[from].id;
                checkpoints_clear(g);
                for (size_t k = from; k < tc->n; k++) {
                    vrv_stask_checkpoint cp = {tc->cps[k].id, {0}};
                    vrv_posmap_copy(&cp.start, &tc->cps[k].start);
                    vrv_vec_push(&g->checkpoints, cp);
                }
                VRV_INFO("supervisor", "[%s] setting taskGroup[%d] sequences from sequence %d of "
                         "task[%s]", s->id, g->id, earliest, tc->id);
            } else {
                VRV_WARN("supervisor", "[%s] task[%s]'s checkpoints are not consistent with the "
                         "offsets in the metadata store", s->id, tc->id);
                vrv_vec_push(&to_kill, tc->id);
            }
        } else {
            /* The other replicas must have exactly the group's history from there. */
            const vrv_stask_checkpoint *first = &g->checkpoints.v[0];
            size_t at = tc->n;
            for (size_t k = 0; k < tc->n; k++)
                if (tc->cps[k].id == first->id) at = k;
            bool ok = at < tc->n && vrv_posmap_equal(&tc->cps[at].start, &first->start, false) &&
                      tc->n - at == g->checkpoints.n;
            if (!ok) {
                VRV_WARN("supervisor", "[%s] task[%s]'s checkpoints are not consistent with "
                         "taskGroup[%d]'s", s->id, tc->id, g->id);
                vrv_vec_push(&to_kill, tc->id);
            }
        }
    }
    if ((to_kill.n > 0 && to_kill.n == g->tasks.n) ||
        (g->tasks.n == 0 && !pending_has_group(s, g->id))) {
        VRV_WARN("supervisor", "[%s] clearing task group[%d] information as no valid tasks left in "
                 "the group", s->id, g->id);
        *dropped = true;
    }
    for (size_t i = 0; i < to_kill.n; i++) {
        kill_task(s, to_kill.v[i], "Killing task as its checkpoints are not consistent with group "
                  "checkpoints or latest persisted sequences in metadata store.");
        task_remove(g, to_kill.v[i]);
    }
    if (*dropped) {
        for (size_t i = 0; i < g->start.n; i++) set_not_set(s, &g->start.v[i].part);
        active_take(s, g->id);
        group_free(g);
    }
    vrv_vec_free(&to_kill);
    if (has_db) vrv_posmap_free(&raw);
    for (size_t i = 0; i < seqs.n; i++) cps_free(seqs.v[i].cps, seqs.v[i].n);
    vrv_vec_free(&seqs);
    for (size_t i = 0; i < ids.n; i++) free(ids.v[i]);
    vrv_vec_free(&ids);
}

/* verify_group over the groups whose ids are listed (they may go away). */
static void verify_groups(vrv_sup *s, const int *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sup_group *g = active_get(s, ids[i]);
        bool dropped;
        if (g) verify_group(s, g, &dropped);
    }
}

/* ---- discovery --------------------------------------------------------------------- */

/* Druid's isTaskCurrent, with the task's own sequence name already computed. */
static bool task_current(vrv_sup *s, int gid, const char *task_seq, const vrv_stask_payload *p)
{
    sup_group *g = active_get(s, gid);
    if (g) return strcmp(g->expected_seq, task_seq) == 0;
    char *mine = seq_name(s, &p->start, p->has_min_time, p->min_time, p->has_max_time,
                          p->max_time);
    bool eq = strcmp(mine, task_seq) == 0;
    free(mine);
    return eq;
}

/* The sequence name a task's own payload gives its work. */
static char *task_seq_of(vrv_sup *s, const vrv_stask_payload *p)
{
    json_t *ds = vrv_stask_data_schema_json(&p->spec);
    json_t *tu = vrv_stask_task_tuning_json(&p->spec);
    char *name = vrv_sup_sequence_name(s->task_type, s->id, ds, tu, &p->start, p->has_min_time,
                                       p->min_time, p->has_max_time, p->max_time);
    json_decref(ds);
    json_decref(tu);
    return name;
}

static void add_to_pending(vrv_sup *s, int gid, const char *task_id, const vrv_posmap *start,
                           const char *seq)
{
    for (size_t i = 0; i < s->pending.n; i++) {
        sup_group *g = s->pending.v[i];
        if (g->id == gid && vrv_posmap_equal(&g->start, start, false)) {
            if (!group_task(g, task_id)) {
                task_add(s, g, task_id, seq);
                VRV_INFO("supervisor", "[%s] added discovered task[%s] to publishing taskGroup[%d]",
                         s->id, task_id, gid);
            }
            return;
        }
    }
    VRV_INFO("supervisor", "[%s] creating new pending completion task group[%d] for discovered "
             "task[%s]", s->id, gid, task_id);
    sup_group *g = group_new(s, gid, start, false, 0, false, 0, NULL);
    g->has_deadline = true;
    g->deadline = sup_now(s) + s->spec.io.completion_timeout;
    task_add(s, g, task_id, seq);
    vrv_vec_push(&s->pending, g);
}

/* A publishing task's end offsets become the next start unless they are the
 * open end; a larger offset wins. */
static void advance_offsets(vrv_sup *s, const char *task_id, const vrv_posmap *end)
{
    bool invalid = false;
    for (size_t i = 0; i < end->n; i++)
        if (is_end_marker(&end->v[i].pos)) {
            VRV_INFO("supervisor", "[%s] got the end-of-partition marker for partition[%s] from "
                     "task[%s]; its offset is re-read from the metadata store", s->id,
                     end->v[i].part.id, task_id);
            set_not_set(s, &end->v[i].part);
            invalid = true;
        }
    if (invalid) return;
    for (size_t i = 0; i < end->n; i++) {
        const vrv_pos *prev = vrv_posmap_get(&s->poffsets, &end->v[i].part);
        if (!prev || vrv_pos_cmp(prev, &end->v[i].pos) < 0)
            vrv_posmap_set(&s->poffsets, &end->v[i].part, &end->v[i].pos);
    }
}

/* Druid's discoverTasks: adopt the running tasks of this supervisor that do
 * the current work, take publishing ones as pending completion, stop the
 * rest. */
static int discover_tasks(vrv_sup *s, vrv_error *err)
{
    vrv_sup_active_task *tasks = NULL;
    size_t nt = 0;
    int rc = s->mgr->env.ops->active_tasks(s->mgr->env.ctx, s->ds, &tasks, &nt, err);
    if (rc < 0) return rc;
    VRV_VEC(int) verify = {0};
    for (size_t i = 0; i < nt && rc == 0; i++) {
        if (!tasks[i].type || strcmp(tasks[i].type, s->task_type) != 0) continue;
        vrv_stask_payload p;
        vrv_error perr;
        if (vrv_stask_payload_parse(tasks[i].payload, &s->mgr->cfg.spec_opts, &p, &perr) < 0) {
            VRV_WARN("supervisor", "[%s] task[%s] has a payload varve cannot read: %s", s->id,
                     tasks[i].id, perr.msg);
            continue;
        }
        const char *tid = tasks[i].id;
        if (!p.supervisor_id || strcmp(p.supervisor_id, s->id) != 0 || p.start.n == 0) {
            vrv_stask_payload_free(&p);
            continue;
        }
        int gid = group_of(s, &p.start.v[0].part);
        sup_group *g = active_get(s, gid);
        /* Known already (in any group: after Kinesis shards closed the
         * groups are recomputed, and a running task may sit in the group
         * its shards had before). */
        bool known = in_pending(s, tid);
        for (size_t k = 0; k < s->active.n && !known; k++)
            known = group_task(s->active.v[k], tid) != NULL;
        if (known) {
            vrv_stask_payload_free(&p);
            continue;
        }
        sup_runner_status rs;
        vrv_error cerr;
        if (sup_client_status(s, tid, &rs, &cerr) < 0) {
            kill_task(s, tid, "Task[%s] failed to return status, killing task", tid);
            vrv_stask_payload_free(&p);
            continue;
        }
        char *seq = task_seq_of(s, &p);
        if (rs == SUP_RS_PUBLISHING) {
            vrv_posmap end;
            if (sup_client_end(s, tid, &end, &cerr) < 0) {
                kill_task(s, tid, "Task[%s] failed to return status, killing task", tid);
                vrv_posmap_free(&end);
            } else {
                for (size_t k = 0; k < p.start.n; k++)
                    add_to_pending(s, group_of(s, &p.start.v[k].part), tid, &p.start, seq);
                advance_offsets(s, tid, &end);
                vrv_posmap_free(&end);
            }
        } else {
            bool same_group = true;
            for (size_t k = 0; k < p.start.n; k++)
                if (group_of(s, &p.start.v[k].part) != gid) same_group = false;
            if (!same_group) {
                VRV_INFO("supervisor", "[%s] stopping task[%s] as it does not match the current "
                         "partition allocation", s->id, tid);
                stop_task(s, tid);
            } else if (!task_current(s, gid, seq, &p)) {
                VRV_INFO("supervisor", "[%s] stopping task[%s] as it does not match the current "
                         "supervisor spec", s->id, tid);
                stop_task(s, tid);
            } else {
                if (!g) {
                    VRV_INFO("supervisor", "[%s] creating a new task group for taskGroupId[%d] "
                             "from task[%s]", s->id, gid, tid);
                    g = group_new(s, gid, &p.start, p.has_min_time, p.min_time, p.has_max_time,
                                  p.max_time, p.base_sequence_name);
                    vrv_vec_push(&s->active, g);
                }
                bool listed = false;
                for (size_t k = 0; k < verify.n; k++) listed |= verify.v[k] == gid;
                if (!listed) vrv_vec_push(&verify, gid);
                task_add(s, g, tid, seq);
                if (strcmp(p.base_sequence_name, g->base_seq) != 0)
                    rc = vrv_error_set(err, VRV_EINTERNAL,
                                       "Base sequence names do not match for the tasks in the task "
                                       "group with ID [%d]",
                                       gid);
            }
        }
        free(seq);
        vrv_stask_payload_free(&p);
    }
    vrv_sup_active_tasks_free(tasks, nt);
    if (rc == 0) verify_groups(s, verify.v, verify.n);
    vrv_vec_free(&verify);
    if (rc < 0) return rc;
    /* Tasks a previous supervisor left paused read nothing until resumed. */
    if (vrv_sup_st_first_run_only(s->st.state)) {
        for (size_t i = 0; i < s->active.n; i++) {
            sup_group *ag = s->active.v[i];
            for (size_t k = 0; k < ag->tasks.n; k++) {
                const char *tid = ag->tasks.v[k].id;
                if (!s->mgr->env.ops->task_running(s->mgr->env.ctx, tid)) continue;
                bool ok = false;
                vrv_error cerr;
                if (sup_client_resume(s, tid, &ok, &cerr) < 0 || !ok)
                    kill_task(s, tid, "Killing forcefully as task could not be resumed in the first "
                              "supervisor run after Overlord change.");
            }
        }
    }
    return 0;
}

/* ---- task status ------------------------------------------------------------------- */

static void schedule_run(vrv_sup *s, vrv_ms at)
{
    vrv_vec_push(&s->scheduled, at);
}

static void refresh_status(vrv_sup *s, sup_task *t)
{
    vrv_sup_task_code code;
    vrv_error err;
    int rc = s->mgr->env.ops->task_status(s->mgr->env.ctx, t->id, &code, &err);
    t->has_status = true;
    /* A task the queue does not know can only have been lost. */
    t->status = rc == 0 ? code : VRV_SUP_TASK_FAILED;
}

/* Druid's updateTaskStatus. */
static void update_task_status(vrv_sup *s)
{
    vrv_ms now = sup_now(s);
    for (size_t i = 0; i < s->active.n; i++) {
        sup_group *g = s->active.v[i];
        for (size_t k = 0; k < g->tasks.n; k++) {
            sup_task *t = &g->tasks.v[k];
            if (!t->has_start) {
                vrv_error err;
                bool has = false;
                vrv_ms st = 0;
                if (sup_client_start_time(s, t->id, &has, &st, &err) < 0) {
                    kill_task(s, t->id, "Failed to return start time: %s", err.msg);
                } else if (has) {
                    t->has_start = true;
                    t->start_time = st;
                    vrv_ms left = s->spec.io.task_duration - (now - st);
                    if (left > 0) schedule_run(s, now + left + s->mgr->cfg.min_run_interval_ms);
                }
            }
            refresh_status(s, t);
        }
    }
    for (size_t i = 0; i < s->pending.n; i++)
        for (size_t k = 0; k < s->pending.v[i]->tasks.n; k++)
            refresh_status(s, &s->pending.v[i]->tasks.v[k]);
}

/* ---- rollover ---------------------------------------------------------------------- */

/* Druid's stopTasksInGroup. */
static void stop_tasks_in_group(vrv_sup *s, sup_group *g, const char *why)
{
    VRV_INFO("supervisor", "[%s] stopping all tasks in taskGroup[%d] because [%s]", s->id, g->id,
             why);
    for (size_t i = 0; i < g->tasks.n; i++) {
        sup_task *t = &g->tasks.v[i];
        if (!t->has_status)
            kill_task(s, t->id, "Killing task since task status is not known to supervisor");
        else if (t->status == VRV_SUP_TASK_RUNNING)
            stop_task(s, t->id);
    }
}

/* Druid's checkpointTaskGroup: pause every replica, end := the highest
 * offsets any of them reached, set that end (finish: for good) and resume.
 * True with *end set when at least one task took it. */
static bool checkpoint_group(vrv_sup *s, sup_group *g, bool finish, vrv_posmap *end)
{
    vrv_posmap_init(end, s->stype, s->stream);
    if (finish) {
        for (size_t i = 0; i < g->tasks.n;) {
            sup_task *t = &g->tasks.v[i];
            if (t->has_status && t->status == VRV_SUP_TASK_SUCCESS) {
                /* Done already: the next group starts from the stored offsets. */
                vrv_sup_state_task_done(&s->st, true);
                char why[300];
                snprintf(why, sizeof why, "task[%s] succeeded in the taskGroup", t->id);
                stop_tasks_in_group(s, g, why);
                return false;
            }
            if (t->has_status && t->status == VRV_SUP_TASK_RUNNING &&
                !s->mgr->env.ops->task_running(s->mgr->env.ctx, t->id)) {
                kill_task(s, t->id, "Killing task [%s] which hasn't been assigned to a worker",
                          t->id);
                task_remove_at(g, i);
                continue;
            }
            i++;
        }
    }
    VRV_VEC(char *) ids = {0};
    VRV_VEC(char *) publishing = {0};
    for (size_t i = 0; i < g->tasks.n; i++) vrv_vec_push(&ids, vrv_strdup(g->tasks.v[i].id));
    for (size_t i = 0; i < ids.n; i++) {
        vrv_posmap cur;
        vrv_error err;
        sup_runner_status rs = SUP_RS_NOT_STARTED;
        if (finish && s->stype == VRV_STREAM_KINESIS &&
            sup_client_status(s, ids.v[i], &rs, &err) == 0 && rs == SUP_RS_PUBLISHING) {
            /* Every shard of this task closed and was read to its end: it
             * publishes on its own and cannot be paused; where it stopped is
             * where the group ends. */
            bool got = sup_client_current(s, ids.v[i], &cur, &err) == 0 && cur.n > 0;
            for (size_t k = 0; got && k < cur.n; k++) {
                const vrv_pos *have = vrv_posmap_get(end, &cur.v[k].part);
                if (!have || vrv_pos_cmp(have, &cur.v[k].pos) < 0)
                    vrv_posmap_set(end, &cur.v[k].part, &cur.v[k].pos);
            }
            vrv_posmap_free(&cur);
            if (got) {
                VRV_INFO("supervisor", "[%s] task[%s] already finished reading", s->id, ids.v[i]);
                vrv_vec_push(&publishing, ids.v[i]);
                continue;
            }
        }
        if (sup_client_pause(s, ids.v[i], &cur, &err) < 0) {
            record(s, err.code, false, err.msg);
            kill_task(s, ids.v[i], "An exception occurred while waiting for task [%s] to pause: [%s]",
                      ids.v[i], err.msg);
            task_remove(g, ids.v[i]);
        } else if (cur.n == 0) {
            kill_task(s, ids.v[i], "Task [%s] returned empty offsets after pause", ids.v[i]);
            task_remove(g, ids.v[i]);
        } else {
            for (size_t k = 0; k < cur.n; k++) {
                const vrv_pos *have = vrv_posmap_get(end, &cur.v[k].part);
                if (!have || vrv_pos_cmp(have, &cur.v[k].pos) < 0)
                    vrv_posmap_set(end, &cur.v[k].part, &cur.v[k].pos);
            }
        }
        vrv_posmap_free(&cur);
        free(ids.v[i]);
    }
    ids.n = 0;
    if (g->tasks.n == 0) {
        VRV_INFO("supervisor", "[%s] all tasks in taskGroup [%d] have failed, tasks will be "
                 "re-created", s->id, g->id);
        vrv_vec_free(&ids);
        vrv_vec_free(&publishing);
        return false;
    }
    if (g->checkpoints.n &&
        vrv_posmap_equal(end, &g->checkpoints.v[g->checkpoints.n - 1].start, false))
        VRV_WARN("supervisor", "[%s] checkpoint of taskGroup[%d] is the same as the start of its "
                 "latest sequence", s->id, g->id);
    VRV_INFO("supervisor", "[%s] setting endOffsets for tasks in taskGroup[%d]%s", s->id, g->id,
             finish ? " (finish)" : "");
    for (size_t i = 0; i < g->tasks.n; i++) {
        bool pub = false;
        for (size_t k = 0; k < publishing.n && !pub; k++)
            pub = strcmp(publishing.v[k], g->tasks.v[i].id) == 0;
        if (!pub) vrv_vec_push(&ids, vrv_strdup(g->tasks.v[i].id));
    }
    for (size_t i = 0; i < publishing.n; i++) free(publishing.v[i]);
    vrv_vec_free(&publishing);
    for (size_t i = 0; i < ids.n; i++) {
        bool ok = false;
        vrv_error err;
        if (sup_client_set_end(s, ids.v[i], end, finish, &ok, &err) < 0 || !ok) {
            kill_task(s, ids.v[i], "Failed to set end offsets, killing task");
            task_remove(g, ids.v[i]);
        }
        free(ids.v[i]);
    }
    vrv_vec_free(&ids);
    if (g->tasks.n == 0) {
        VRV_INFO("supervisor", "[%s] all tasks in taskGroup[%d] have failed, tasks will be "
                 "re-created", s->id, g->id);
        return false;
    }
    return true;
}

static vrv_ms earliest_start(const vrv_sup *s, const sup_group *g)
{
    vrv_ms best = 0;
    bool any = false;
    for (size_t i = 0; i < g->tasks.n; i++)
        if (g->tasks.v[i].has_start && (!any || g->tasks.v[i].start_time < best)) {
            best = g->tasks.v[i].start_time;
            any = true;
        }
    return any ? best : sup_now(s);
}

typedef struct group_start {
    int id;
    vrv_ms start;
} group_start;

static int cmp_group_start(const void *a, const void *b)
{
    const group_start *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Druid's checkTaskDuration: groups past taskDuration (at most stopTaskCount
 * at once), or asked to stop early, finish reading and move to publishing;
 * their end offsets are where the next groups start. */
static void check_task_duration(vrv_sup *s)
{
    vrv_ms now = sup_now(s);
    bool early = false;
    if (s->has_early_stop && s->early_stop <= now) {
        VRV_INFO("supervisor", "[%s] early stop requested, signalling tasks to complete", s->id);
        s->has_early_stop = false;
        early = true;
    }
    VRV_VEC(group_start) order = {0};
    for (size_t i = 0; i < s->active.n; i++) {
        group_start gs = {s->active.v[i]->id, earliest_start(s, s->active.v[i])};
        vrv_vec_push(&order, gs);
    }
    if (order.n > 1) qsort(order.v, order.n, sizeof *order.v, cmp_group_start);
    VRV_VEC(int) finish = {0};
    int stopped = 0;
    for (size_t i = 0; i < order.n; i++) {
        sup_group *g = active_get(s, order.v[i].id);
        if (early || g->handoff_early) {
            VRV_INFO("supervisor", "[%s] stopping taskGroup[%d] early after running for %lld ms",
                     s->id, g->id, (long long)(now - order.v[i].start));
            vrv_vec_push(&finish, g->id);
            if (g->handoff_early) stopped++;
        } else if (order.v[i].start + s->spec.io.task_duration < now) {
            if ((int)s->pending.n + stopped < s->spec.io.max_allowed_stops) {
                VRV_INFO("supervisor", "[%s] stopping taskGroup[%d] as it has already run for %lld "
                         "ms, configured task duration %lld ms", s->id, g->id,
                         (long long)(now - order.v[i].start), (long long)s->spec.io.task_duration);
                vrv_vec_push(&finish, g->id);
                stopped++;
            }
        }
    }
    vrv_vec_free(&order);
    for (size_t i = 0; i < finish.n; i++) {
        sup_group *g = active_get(s, finish.v[i]);
        if (!g) continue;
        vrv_posmap end;
        bool ok = checkpoint_group(s, g, true, &end);
        active_take(s, g->id);
        if (ok) {
            g->has_deadline = true;
            g->deadline = sup_now(s) + s->spec.io.completion_timeout;
            vrv_vec_push(&s->pending, g);
            bool invalid = false;
            for (size_t k = 0; k < end.n; k++) invalid |= is_end_marker(&end.v[k].pos);
            for (size_t k = 0; k < end.n; k++) {
                if (invalid)
                    set_not_set(s, &end.v[k].part);
                else
                    vrv_posmap_set(&s->poffsets, &end.v[k].part, &end.v[k].pos);
            }
        } else {
            for (size_t k = 0; k < g->tasks.n; k++)
                kill_task(s, g->tasks.v[k].id,
                          "All tasks in group[%d] failed to transition to publishing state", g->id);
            for (size_t k = 0; k < g->start.n; k++) set_not_set(s, &g->start.v[k].part);
            group_free(g);
        }
        vrv_posmap_free(&end);
    }
    vrv_vec_free(&finish);
}

/* ---- publishing and reading groups ------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Druid's checkPendingCompletionTasks: a publishing group is done when one of
 * its tasks succeeds; when all of them failed or the completion timeout
 * passed, it is killed together with the group reading after it (which
 * started from offsets that will now never be committed), and reading
 * restarts from the stored offsets. */
static void check_pending(vrv_sup *s)
{
    VRV_VEC(int) ids = {0};
    for (size_t i = 0; i < s->pending.n; i++) {
        bool seen = false;
        for (size_t k = 0; k < ids.n; k++) seen |= ids.v[k] == s->pending.v[i]->id;
        if (!seen) vrv_vec_push(&ids, s->pending.v[i]->id);
    }
    if (ids.n > 1) qsort(ids.v, ids.n, sizeof *ids.v, cmp_int);
    vrv_ms now = sup_now(s);
    for (size_t gi = 0; gi < ids.n; gi++) {
        int gid = ids.v[gi];
        bool stop_rest = false;
        VRV_VEC(sup_group *) list = {0};
        for (size_t i = 0; i < s->pending.n; i++)
            if (s->pending.v[i]->id == gid) vrv_vec_push(&list, s->pending.v[i]);
        for (size_t li = 0; li < list.n; li++) {
            sup_group *g = list.v[li];
            if (stop_rest) {
                stop_tasks_in_group(s, g, "one of earlier groups that was handling the same "
                                          "partition set timed out before publishing segments");
                pending_remove(s, g);
                group_free(g);
                continue;
            }
            bool success = false, all_failed = false;
            for (size_t i = 0; i < g->tasks.n;) {
                sup_task *t = &g->tasks.v[i];
                if (t->has_status && t->status == VRV_SUP_TASK_FAILED) {
                    vrv_sup_state_task_done(&s->st, false);
                    task_remove_at(g, i);
                    if (g->tasks.n == 0) {
                        all_failed = true;
                        break;
                    }
                    continue;
                }
                if (t->has_status && t->status == VRV_SUP_TASK_SUCCESS) {
                    VRV_INFO("supervisor", "[%s] task[%s] completed successfully, stopping the "
                             "other tasks of taskGroup[%d]", s->id, t->id, g->id);
                    vrv_sup_state_task_done(&s->st, true);
                    char why[300];
                    snprintf(why, sizeof why, "Task [%s] completed successfully", t->id);
                    stop_tasks_in_group(s, g, why);
                    success = true;
                    break;
                }
                i++;
            }
            if (success) {
                pending_remove(s, g);
                group_free(g);
                continue;
            }
            if (all_failed || (g->has_deadline && g->deadline < now)) {
                if (all_failed)
                    VRV_WARN("supervisor", "[%s] all tasks in taskGroup[%d] failed to publish, "
                             "killing all tasks for these partitions", s->id, gid);
                else
                    VRV_ERR("supervisor", "[%s] no task of taskGroup[%d] succeeded before the "
                            "completion timeout elapsed (%lld ms)! Check whether the creation, "
                            "publish or handoff of segments takes longer than usual.", s->id, gid,
                            (long long)s->spec.io.completion_timeout);
                for (size_t k = 0; k < g->start.n; k++) set_not_set(s, &g->start.v[k].part);
                for (size_t k = 0; k < g->tasks.n; k++)
                    kill_task(s, g->tasks.v[k].id, "No task in pending completion taskGroup[%d] "
                              "succeeded before completion timeout elapsed", gid);
                stop_rest = true;
                sup_group *reading = active_take(s, gid);
                if (reading) {
                    for (size_t k = 0; k < reading->tasks.n; k++)
                        kill_task(s, reading->tasks.v[k].id,
                                  "No task in the corresponding pending completion taskGroup[%d] "
                                  "succeeded before completion timeout elapsed", gid);
                    group_free(reading);
                }
                pending_remove(s, g);
                group_free(g);
            }
        }
        vrv_vec_free(&list);
    }
    vrv_vec_free(&ids);
}

/* Druid's checkCurrentTaskState: stop tasks that do not do the group's
 * current work, drop failed ones, and retire a group once one task
 * succeeded. */
static void check_current(vrv_sup *s)
{
    for (size_t i = 0; i < s->active.n;) {
        sup_group *g = s->active.v[i];
        bool retired = false;
        for (size_t k = 0; k < g->tasks.n;) {
            sup_task *t = &g->tasks.v[k];
            if (strcmp(t->seq, g->expected_seq) != 0) {
                VRV_INFO("supervisor", "[%s] stopping task[%s] as it does not match the expected "
                         "sequence range and ingestion spec", s->id, t->id);
                stop_task(s, t->id);
                task_remove_at(g, k);
                continue;
            }
            if (t->has_status && t->status == VRV_SUP_TASK_FAILED) {
                vrv_sup_state_task_done(&s->st, false);
                task_remove_at(g, k);
                continue;
            }
            if (t->has_status && t->status == VRV_SUP_TASK_SUCCESS) {
                vrv_sup_state_task_done(&s->st, true);
                char why[300];
                snprintf(why, sizeof why, "task[%s] succeeded in the same taskGroup", t->id);
                stop_tasks_in_group(s, g, why);
                retired = true;
                break;
            }
            k++;
        }
        if (retired) {
            active_take(s, g->id);
            group_free(g);
            continue;
        }
        i++;
    }
}

/* ---- offsets and lag ---------------------------------------------------------------- */

/* Druid's getHighestCurrentOffsets. out initialised here. */
static void highest_current(vrv_sup *s, vrv_posmap *out)
{
    stored_offsets(s, out);
    if (s->suspended || (s->active.n == 0 && s->pending.n == 0)) return;
    vrv_posmap cur;
    vrv_posmap_init(&cur, s->stype, s->stream);
    for (int pass = 0; pass < 2; pass++) {
        size_t ng = pass == 0 ? s->active.n : s->pending.n;
        for (size_t i = 0; i < ng; i++) {
            sup_group *g = pass == 0 ? s->active.v[i] : s->pending.v[i];
            for (size_t k = 0; k < g->tasks.n; k++) {
                const vrv_posmap *m = &g->tasks.v[k].current;
                for (size_t e = 0; e < m->n; e++) {
                    const vrv_pos *have = vrv_posmap_get(&cur, &m->v[e].part);
                    if (!have || vrv_pos_cmp(have, &m->v[e].pos) < 0)
                        vrv_posmap_set(&cur, &m->v[e].part, &m->v[e].pos);
                }
            }
        }
    }
    for (size_t i = 0; i < s->pids.n; i++)
        if (!vrv_posmap_get(&cur, &s->pids.v[i])) {
            const vrv_pos *st = vrv_posmap_get(out, &s->pids.v[i]);
            if (st) vrv_posmap_set(&cur, &s->pids.v[i], st);
        }
    vrv_posmap_free(out);
    *out = cur;
}

/* The latest offsets of every partition of the stream, and the highest
 * ingested, as one snapshot (Druid's updatePartitionLagFromStream). */
static int update_lag(vrv_sup *s, vrv_error *err)
{
    if (s->stype == VRV_STREAM_KINESIS) {
        /* Kinesis names no newest sequence number: lag is time, the
         * MillisBehindLatest of a read at the highest position ingested
         * (Druid's getPartitionTimeLag). */
        int rc = ensure_supplier(s, err);
        if (rc < 0) return rc;
        vrv_posmap highest;
        highest_current(s, &highest);
        VRV_VEC(sup_time_lag) lags = {0};
        for (size_t i = 0; i < s->pids.n && rc == 0; i++) {
            const vrv_pos *h = vrv_posmap_get(&highest, &s->pids.v[i]);
            vrv_pos none = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_NOT_SET);
            sup_time_lag l = {s->pids.v[i], 0};
            rc = vrv_kinesis_time_lag(s->supplier, &s->pids.v[i], h ? h : &none,
                                      s->spec.io.use_earliest, &l.ms, err);
            if (rc == 0) vrv_vec_push(&lags, l);
        }
        if (rc < 0) {
            vrv_vec_free(&lags);
            vrv_posmap_free(&highest);
            return rc;
        }
        if (s->has_offsets) {
            vrv_posmap_free(&s->latest);
            vrv_posmap_free(&s->highest);
        }
        vrv_posmap_init(&s->latest, s->stype, s->stream);
        s->highest = highest;
        vrv_vec_free(&s->time_lag);
        s->time_lag.v = lags.v;
        s->time_lag.n = lags.n;
        s->time_lag.cap = lags.cap;
        s->has_offsets = true;
        return 0;
    }
    int rc = ensure_supplier(s, err);
    vrv_part *parts = NULL;
    size_t n = 0;
    if (rc == 0) rc = vrv_supplier_partitions(s->supplier, &parts, &n, err);
    if (rc < 0) return rc;
    vrv_pos *pos = vrv_calloc(n ? n : 1, sizeof *pos);
    rc = vrv_supplier_latest(s->supplier, parts, n, pos, err);
    if (rc == 0) {
        if (s->has_offsets) {
            vrv_posmap_free(&s->latest);
            vrv_posmap_free(&s->highest);
        }
        vrv_posmap_init(&s->latest, s->stype, s->stream);
        for (size_t i = 0; i < n; i++) vrv_posmap_set(&s->latest, &parts[i], &pos[i]);
        highest_current(s, &s->highest);
        s->has_offsets = true;
    }
    free(pos);
    free(parts);
    return rc;
}

/* Sum over partitions of max(lag, 0). */
static int64_t total_lag(const vrv_sup *s)
{
    if (!s->has_offsets) return 0;
    int64_t sum = 0;
    if (s->stype == VRV_STREAM_KINESIS) {
        for (size_t i = 0; i < s->time_lag.n; i++) sum += VRV_MAX(s->time_lag.v[i].ms, 0);
        return sum;
    }
    for (size_t i = 0; i < s->latest.n; i++) {
        const vrv_pos *h = vrv_posmap_get(&s->highest, &s->latest.v[i].part);
        int64_t lag = s->latest.v[i].pos.offset - (h && h->kind == VRV_POS_OFFSET ? h->offset : 0);
        if (lag > 0) sum += lag;
    }
    return sum;
}

/* Druid's updateCurrentAndLatestOffsets (on the offset-fetch timer). */
static void refresh_offsets(vrv_sup *s)
{
    if (!(vrv_sup_state_is_idle(&s->st) || vrv_sup_state_is_steady(&s->st) ||
          !vrv_sup_state_healthy(&s->st)))
        return;
    for (int pass = 0; pass < 2; pass++) {
        size_t ng = pass == 0 ? s->active.n : s->pending.n;
        for (size_t i = 0; i < ng; i++) {
            sup_group *g = pass == 0 ? s->active.v[i] : s->pending.v[i];
            for (size_t k = 0; k < g->tasks.n; k++) {
                vrv_posmap cur;
                vrv_error err;
                if (sup_client_current(s, g->tasks.v[k].id, &cur, &err) == 0 && cur.n > 0) {
                    vrv_posmap_free(&g->tasks.v[k].current);
                    g->tasks.v[k].current = cur;
                } else {
                    vrv_posmap_free(&cur);
                }
            }
        }
    }
    vrv_error err;
    if (update_lag(s, &err) < 0) {
        VRV_WARN("supervisor", "[%s] exception while getting current/latest sequences: %s", s->id,
                 err.msg);
        return;
    }
    s->offsets_updated = sup_now(s);
}

/* Druid's checkIfStreamInactiveAndTurnSupervisorIdle (§6.4). */
static void check_idle(vrv_sup *s)
{
    if (s->idle_after_ms <= 0 || s->suspended) return;
    vrv_ms now = sup_now(s);
    if (!s->st.at_least_one_success) {
        if (s->has_prev_latest) vrv_posmap_free(&s->prev_latest);
        stored_offsets(s, &s->prev_latest);
        s->has_prev_latest = true;
        vrv_error err;
        if (update_lag(s, &err) < 0)
            VRV_WARN("supervisor", "[%s] reading latest offsets: %s", s->id, err.msg);
    }
    vrv_posmap latest;
    if (s->has_offsets)
        vrv_posmap_copy(&latest, &s->latest);
    else
        vrv_posmap_init(&latest, s->stype, s->stream);
    bool idle = s->has_prev_latest && vrv_posmap_equal(&s->prev_latest, &latest, false) &&
                total_lag(s) == 0;
    vrv_ms idle_time = 0;
    if (idle) {
        idle_time = now - s->last_active;
    } else {
        s->last_active = now;
    }
    if (s->has_prev_latest) vrv_posmap_free(&s->prev_latest);
    s->prev_latest = latest;
    s->has_prev_latest = true;
    if (!idle) {
        set_state(s, VRV_SUP_RUNNING);
    } else if (!vrv_sup_state_is_idle(&s->st) && idle_time > s->idle_after_ms) {
        VRV_INFO("supervisor", "[%s] setting the supervisor to IDLE", s->id);
        set_state(s, VRV_SUP_IDLE);
    }
}

/* ---- creating groups and tasks --------------------------------------------------- */

/* Druid's generateStartingSequencesForPartitionGroup (§4.3). */
static int starting_offsets(vrv_sup *s, const sup_pgroup *pg, vrv_posmap *out, vrv_error *err)
{
    vrv_posmap_init(out, s->stype, s->stream);
    vrv_posmap stored;
    stored_offsets(s, &stored);
    int rc = 0;
    for (size_t i = 0; i < pg->parts.n && rc == 0; i++) {
        const vrv_part *p = &pg->parts.v[i];
        const vrv_pos *cur = vrv_posmap_get(&s->poffsets, p);
        if (cur && cur->kind != VRV_POS_NOT_SET) {
            /* The end of the group still publishing these partitions; a
             * closed shard read to its end has nothing left. */
            if (cur->kind != VRV_POS_EOS && cur->kind != VRV_POS_EXPIRED) {
                vrv_pos v = *cur;
                v.exclusive = s->stype == VRV_STREAM_KINESIS;
                vrv_posmap_set(out, p, &v);
            }
            continue;
        }
        const vrv_pos *sp = vrv_posmap_get(&stored, p);
        if (sp && (sp->kind == VRV_POS_EOS || sp->kind == VRV_POS_EXPIRED)) continue;
        if (sp) {
            if (!s->spec.tuning.skip_sequence_number_availability_check) {
                bool avail = true;
                rc = ensure_supplier(s, err);
                if (rc == 0) rc = vrv_supplier_available(s->supplier, p, sp, &avail, err);
                if (rc < 0) break;
                if (!avail) {
                    char t[VRV_POS_TEXT_MAX + 1];
                    vrv_pos_format(sp, t, sizeof t);
                    if (s->spec.tuning.reset_offset_automatically) {
                        /* Only what is really gone is reset, and the reset is recorded. */
                        vrv_posmap lost;
                        vrv_posmap_init(&lost, s->stype, s->stream);
                        vrv_posmap_set(&lost, p, sp);
                        json_t *md = vrv_stask_metadata_json(&lost, VRV_POSMAP_END);
                        vrv_posmap_free(&lost);
                        vrv_sup_notices_add(&s->q, VRV_SUP_N_RESET, 0, md);
                        rc = vrv_error_set(err, VRV_ERANGE,
                                           "Previous sequenceNumber [%s] is no longer available "
                                           "for partition [%s] - automatically resetting sequence",
                                           t, p->id);
                    } else {
                        rc = vrv_error_set(err, VRV_ERANGE,
                                           "Previous sequenceNumber [%s] is no longer available "
                                           "for partition [%s]. You can clear the previous "
                                           "sequenceNumber and start reading from a valid message "
                                           "by using the supervisor's reset API.",
                                           t, p->id);
                    }
                    break;
                }
            }
            vrv_pos v = *sp;
            v.exclusive = s->stype == VRV_STREAM_KINESIS;
            vrv_posmap_set(out, p, &v);
            continue;
        }
        bool earliest = s->spec.io.use_earliest;
        if (parts_has(s->later_parts.v, s->later_parts.n, p)) {
            VRV_INFO("supervisor", "[%s] starting from the beginning of newly discovered partition "
                     "[%s]", s->id, p->id);
            earliest = true;
        } else if (!earliest && s->stype == VRV_STREAM_KINESIS &&
                   has_tracked_parent(s, p, &stored)) {
            VRV_INFO("supervisor", "[%s] starting from the beginning of shard [%s]: its parent "
                     "shards were read", s->id, p->id);
            earliest = true;
        }
        vrv_pos v;
        rc = ensure_supplier(s, err);
        if (rc == 0)
            rc = earliest ? vrv_supplier_earliest(s->supplier, p, 1, &v, err)
                          : vrv_supplier_latest(s->supplier, p, 1, &v, err);
        if (rc < 0) {
            vrv_error_prefix(err, "unable to fetch sequence number for partition[%s] from stream",
                             p->id);
            break;
        }
        v.exclusive = false;
        vrv_posmap_set(out, p, &v);
    }
    vrv_posmap_free(&stored);
    if (rc < 0) vrv_posmap_free(out);
    return rc;
}

static int create_tasks(vrv_sup *s, sup_group *g, int n, vrv_error *err)
{
    for (int i = 0; i < n; i++) {
        vrv_stask_build b = {.spec = &s->spec,
                             .task_group_id = g->id,
                             .base_sequence_name = g->base_seq,
                             .start = &g->start,
                             .has_min_time = g->has_min,
                             .min_time = g->min_time,
                             .has_max_time = g->has_max,
                             .max_time = g->max_time,
                             .checkpoints = g->checkpoints.v,
                             .n_checkpoints = g->checkpoints.n};
        json_t *built = NULL;
        int rc = vrv_stask_payload_build(&b, &built, err);
        if (rc < 0) return rc;
        /* The task queue gets JSON of its own, not references into the spec. */
        json_t *task = json_deep_copy(built);
        json_decref(built);
        const char *id = json_string_value(json_object_get(task, "id"));
        vrv_error serr;
        if (s->mgr->env.ops->submit(s->mgr->env.ctx, task, &serr) < 0) {
            recordf(s, serr.code, false, "Tried to add task [%s] but encountered error: %s",
                    id ? id : "?", serr.msg);
        } else {
            VRV_INFO("supervisor", "[%s] created task[%s] in taskGroup[%d]", s->id, id, g->id);
            task_add(s, g, id, g->expected_seq);
        }
        json_decref(task);
    }
    return 0;
}

/* Druid's createNewTasks. */
static int create_new_tasks(vrv_sup *s, vrv_error *err)
{
    VRV_VEC(int) short_groups = {0};
    for (size_t i = 0; i < s->active.n; i++)
        if ((int)s->active.v[i]->tasks.n < s->spec.io.replicas)
            vrv_vec_push(&short_groups, s->active.v[i]->id);
    verify_groups(s, short_groups.v, short_groups.n);
    vrv_vec_free(&short_groups);

    vrv_ms now = sup_now(s);
    /* A group without tasks whose partitions are no longer its id's (the
     * groups were recomputed after shards closed) is made again. */
    for (size_t i = 0; i < s->active.n;) {
        sup_group *g = s->active.v[i];
        const sup_pgroup *pg = pgroup_get(s, g->id, false);
        bool same = pg != NULL;
        for (size_t k = 0; same && k < pg->parts.n; k++)
            same = vrv_posmap_get(&g->start, &pg->parts.v[k]) != NULL;
        for (size_t k = 0; same && k < g->start.n; k++)
            same = parts_has(pg->parts.v, pg->parts.n, &g->start.v[k].part);
        if (g->tasks.n == 0 && !same) {
            active_take(s, g->id);
            group_free(g);
            continue;
        }
        i++;
    }
    for (size_t i = 0; i < s->pgroups.n; i++) {
        const sup_pgroup *pg = &s->pgroups.v[i];
        if (active_get(s, pg->id)) continue;
        /* After the groups were recomputed (Kinesis shards closed), a
         * partition may still be read by the group that had it: the new
         * group waits until that one moved to publishing and its end is
         * known, so no two groups read one partition at once. */
        bool busy = false;
        for (size_t k = 0; k < s->active.n && !busy; k++)
            for (size_t q = 0; q < pg->parts.n && !busy; q++)
                busy = s->active.v[k]->tasks.n > 0 &&
                       vrv_posmap_get(&s->active.v[k]->start, &pg->parts.v[q]) != NULL;
        if (busy) {
            VRV_DEBUG("supervisor", "[%s] taskGroup[%d] waits: a partition of it is still read "
                      "by another group", s->id, pg->id);
            continue;
        }
        bool has_min = false, has_max = false;
        vrv_ms min = 0, max = 0;
        if (s->spec.io.has_late_rejection_start) {
            has_min = true;
            min = s->spec.io.late_rejection_start;
        } else if (s->spec.io.has_late_rejection_period) {
            has_min = true;
            min = now - s->spec.io.late_rejection_period;
        }
        if (s->spec.io.has_early_rejection_period) {
            has_max = true;
            max = now + s->spec.io.task_duration + s->spec.io.early_rejection_period;
        }
        vrv_posmap start;
        int rc = starting_offsets(s, pg, &start, err);
        if (rc < 0) return rc;
        VRV_INFO("supervisor", "[%s] creating new taskGroup[%d] over %zu partitions", s->id,
                 pg->id, start.n);
        sup_group *g = group_new(s, pg->id, &start, has_min, min, has_max, max, NULL);
        vrv_posmap_free(&start);
        vrv_vec_push(&s->active, g);
    }
    bool created = false;
    for (size_t i = 0; i < s->active.n; i++) {
        sup_group *g = s->active.v[i];
        bool readable = false;
        for (size_t k = 0; k < g->start.n; k++) readable |= g->start.v[k].pos.kind != VRV_POS_EOS;
        if (!readable) continue;
        if (s->spec.io.replicas > (int)g->tasks.n) {
            int rc = create_tasks(s, g, s->spec.io.replicas - (int)g->tasks.n, err);
            if (rc < 0) return rc;
            created = true;
        }
    }
    /* Look at the new tasks soon, for the sake of the status API. */
    if (created && s->first_run <= now) schedule_run(s, now + s->spec.io.start_delay);
    return 0;
}

/* Druid's gracefulShutdownInternal: every reading group finishes now. */
static void graceful_shutdown(vrv_sup *s)
{
    for (size_t i = 0; i < s->active.n; i++) {
        sup_group *g = s->active.v[i];
        for (size_t k = 0; k < g->tasks.n; k++) {
            sup_task *t = &g->tasks.v[k];
            if (!s->mgr->env.ops->task_running(s->mgr->env.ctx, t->id)) {
                kill_task(s, t->id, "Killing task for graceful shutdown");
            } else {
                t->has_start = true;
                t->start_time = 0;
            }
        }
    }
    s->has_early_stop = true;
    s->early_stop = 0;
    check_task_duration(s);
}

/* ---- the run ---------------------------------------------------------------------- */

static void run_internal(vrv_sup *s)
{
    vrv_error err;
    int rc = 0;
    set_state(s, VRV_SUP_CONNECTING_TO_STREAM);
    if (!update_partitions(s) && !s->st.at_least_one_success) goto done;
    set_state(s, VRV_SUP_DISCOVERING_INITIAL_TASKS);
    if ((rc = discover_tasks(s, &err)) < 0) goto fail;
    update_task_status(s);
    check_task_duration(s);
    check_pending(s);
    check_current(s);
    check_idle(s);
    if (is_stopping(s)) goto done;
    if (vrv_sup_state_is_idle(&s->st)) {
        VRV_DEBUG("supervisor", "[%s] is idle", s->id);
    } else if (!s->suspended) {
        set_state(s, VRV_SUP_CREATING_TASKS);
        if ((rc = create_new_tasks(s, &err)) < 0) goto fail;
    } else {
        graceful_shutdown(s);
    }
    goto done;
fail:
    record(s, err.code, err.code == VRV_ERANGE, err.msg);
done:
    vrv_sup_state_run_finished(&s->st);
    sup_publish_state(s);
}

/* ---- notices ------------------------------------------------------------------------ */

/* Druid's CheckpointNotice. */
static int handle_checkpoint(vrv_sup *s, int gid, const json_t *md, vrv_error *err)
{
    sup_group *g = active_get(s, gid);
    if (!g) {
        if (pending_has_group(s, gid)) {
            VRV_WARN("supervisor", "[%s] ignoring checkpoint request because taskGroup[%d] has "
                     "already stopped indexing and is waiting for publishing segments", s->id, gid);
            return 0;
        }
        if (pgroup_get(s, gid, false)) {
            VRV_WARN("supervisor", "[%s] ignoring checkpoint request because taskGroup[%d] is "
                     "inactive", s->id, gid);
            return 0;
        }
        return vrv_error_set(err, VRV_ENOTFOUND,
                             "Cannot find taskGroup [%d] among all activelyReadingTaskGroups", gid);
    }
    vrv_posmap cp;
    int rc = vrv_posmap_from_json(json_object_get(md, "partitions"), s->stype,
                                  "checkpointMetadata.partitions", &cp, NULL, err);
    if (rc < 0) return rc;
    size_t index = g->checkpoints.n;
    for (size_t i = g->checkpoints.n; i-- > 0;) {
        if (vrv_posmap_equal(&g->checkpoints.v[i].start, &cp, false)) break;
        index--;
    }
    if (index == 0) {
        char *t = json_dumps(md, JSON_COMPACT);
        rc = vrv_error_set(err, VRV_ENOTFOUND, "No such previous checkpoint [%s] found", t);
        free(t);
    } else if (index < g->checkpoints.n) {
        VRV_INFO("supervisor", "[%s] taskGroup[%d] already checkpointed (a replica asked first)",
                 s->id, gid);
    } else {
        vrv_posmap end;
        if (checkpoint_group(s, g, false, &end) && end.n > 0) {
            int next = g->checkpoints.v[g->checkpoints.n - 1].id + 1;
            vrv_stask_checkpoint c = {next, {0}};
            vrv_posmap_copy(&c.start, &end);
            vrv_vec_push(&g->checkpoints, c);
            VRV_INFO("supervisor", "[%s] handled checkpoint notice, new sequence %d for taskGroup "
                     "[%d]", s->id, next, gid);
        } else {
            VRV_WARN("supervisor", "[%s] new checkpoint is null for taskGroup [%d]", s->id, gid);
        }
        vrv_posmap_free(&end);
    }
    vrv_posmap_free(&cp);
    return rc;
}

/* Kills the reading group of each partition and makes it start again from
 * the store (after a reset of those partitions). */
static void restart_partitions(vrv_sup *s, const vrv_posmap *parts, const char *why)
{
    for (size_t i = 0; i < parts->n; i++) {
        const vrv_part *p = &parts->v[i].part;
        int gid = group_of(s, p);
        sup_group *g = active_take(s, gid);
        if (g) {
            for (size_t k = 0; k < g->tasks.n; k++) kill_task(s, g->tasks.v[k].id, "%s", why);
            group_free(g);
        }
        pgroup_remove(s, gid);
        /* Emptied: the next run fills it again from the stream. */
        pgroup_get(s, gid, true);
        set_not_set(s, p);
    }
}

/* A reset to the metadata's partitions in the supervisor's keying. */
static int read_reset_map(vrv_sup *s, const json_t *md, vrv_posmap *out, vrv_error *err)
{
    const char *type = json_string_value(json_object_get(md, "type"));
    if (!type || strcmp(type, vrv_stream_type_name(s->stype)) != 0)
        return vrv_error_set(err, VRV_EINVAL,
                             "Datasource metadata instance does not match required, found "
                             "instance of [%s]",
                             type ? type : "null");
    return vrv_posmap_from_json(json_object_get(md, "partitions"), s->stype, "resetMetadata.partitions",
                                out, NULL, err);
}

static int store_metadata(vrv_sup *s, const vrv_posmap *m, vrv_error *err)
{
    json_t *j = vrv_stask_metadata_json(m, VRV_POSMAP_END);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = vrv_meta_commit_metadata_set(s->mgr->meta, s->id, text, err);
    free(text);
    return rc;
}

/* Druid's resetInternal: md NULL is the hard reset. */
static int handle_reset(vrv_sup *s, const json_t *md, vrv_error *err)
{
    if (!md) {
        bool deleted = false;
        int rc = vrv_meta_commit_metadata_delete(s->mgr->meta, s->id, &deleted, err);
        if (rc < 0) return rc;
        VRV_INFO("supervisor", "[%s] reset - dataSource metadata entry deleted? [%s]", s->id,
                 deleted ? "true" : "false");
        for (size_t i = 0; i < s->active.n; i++) {
            sup_group *g = s->active.v[i];
            for (size_t k = 0; k < g->tasks.n; k++)
                kill_task(s, g->tasks.v[k].id, "DataSourceMetadata is not found while reset");
            group_free(g);
        }
        s->active.n = 0;
        for (size_t i = 0; i < s->pgroups.n; i++) vrv_vec_free(&s->pgroups.v[i].parts);
        s->pgroups.n = 0;
        s->poffsets.n = 0;
        return 0;
    }
    vrv_posmap reset;
    int rc = read_reset_map(s, md, &reset, err);
    if (rc < 0) return rc;
    if (strcmp(reset.stream, s->stream) != 0) {
        VRV_WARN("supervisor", "[%s] reset metadata stream [%s] and supervisor's stream name [%s] "
                 "do not match", s->id, reset.stream, s->stream);
        vrv_posmap_free(&reset);
        return 0;
    }
    vrv_posmap cur;
    bool has = stored_raw(s, &cur);
    /* Replicas ask for the same reset; act once. */
    bool act = false;
    for (size_t i = 0; i < reset.n && !act; i++) {
        const vrv_part *p = &reset.v[i].part;
        if (has && vrv_posmap_get(&cur, p)) act = true;
        sup_group *g = active_get(s, group_of(s, p));
        const vrv_pos *gs = g ? vrv_posmap_get(&g->start, p) : NULL;
        if (gs && vrv_pos_same(gs, &reset.v[i].pos)) act = true;
    }
    if (!act) {
        VRV_INFO("supervisor", "[%s] ignoring duplicate reset request", s->id);
    } else {
        if (has) {
            vrv_posmap rest;
            vrv_posmap_minus(&cur, &reset, &rest);
            rc = store_metadata(s, &rest, err);
            vrv_posmap_free(&rest);
        }
        if (rc == 0) {
            VRV_WARN("supervisor", "[%s] offsets of %zu partitions were reset: reading restarts "
                     "from %s offsets (data may be lost or read twice)", s->id, reset.n,
                     s->spec.io.use_earliest ? "the earliest" : "the latest");
            restart_partitions(s, &reset, "DataSourceMetadata is updated while reset");
        }
    }
    if (has) vrv_posmap_free(&cur);
    vrv_posmap_free(&reset);
    return rc;
}

/* Druid's resetOffsetsInternal: stored := stored.plus(request). */
static int handle_reset_offsets(vrv_sup *s, const json_t *md, vrv_error *err)
{
    vrv_posmap reset;
    int rc = read_reset_map(s, md, &reset, err);
    if (rc < 0) return rc;
    vrv_posmap cur;
    if (stored_raw(s, &cur)) {
        vrv_posmap next;
        vrv_posmap_plus(&cur, &reset, &next);
        rc = store_metadata(s, &next, err);
        vrv_posmap_free(&next);
        vrv_posmap_free(&cur);
    } else {
        rc = store_metadata(s, &reset, err);
    }
    if (rc == 0) {
        VRV_INFO("supervisor", "[%s] offsets of %zu partitions were set", s->id, reset.n);
        restart_partitions(s, &reset, "DataSourceMetadata is updated while reset offsets is called");
    }
    vrv_posmap_free(&reset);
    return rc;
}

static void handle(vrv_sup *s, vrv_sup_notice *n)
{
    vrv_error err;
    vrv_error_clear(&err);
    int rc = 0;
    switch (n->kind) {
    case VRV_SUP_N_RUN: {
        vrv_ms now = sup_now(s);
        if (s->last_run && now - s->last_run < s->mgr->cfg.min_run_interval_ms) break;
        s->last_run = now;
        run_internal(s);
        break;
    }
    case VRV_SUP_N_CHECKPOINT: rc = handle_checkpoint(s, n->group, n->data, &err); break;
    case VRV_SUP_N_RESET: rc = handle_reset(s, n->data, &err); break;
    case VRV_SUP_N_RESET_OFFSETS: rc = handle_reset_offsets(s, n->data, &err); break;
    case VRV_SUP_N_HANDOFF:
        for (size_t i = 0; i < json_array_size(n->data); i++) {
            int gid = (int)json_integer_value(json_array_get(n->data, i));
            sup_group *g = active_get(s, gid);
            if (!g) {
                VRV_INFO("supervisor", "[%s] tried to stop task group [%d] that wasn't actively "
                         "reading", s->id, gid);
                continue;
            }
            VRV_INFO("supervisor", "[%s] task group [%d] will handoff early", s->id, gid);
            g->handoff_early = true;
        }
        break;
    case VRV_SUP_N_GRACEFUL_SHUTDOWN:
    case VRV_SUP_N_SHUTDOWN:
        if (n->kind == VRV_SUP_N_GRACEFUL_SHUTDOWN) {
            s->finishing = true;
            graceful_shutdown(s);
            s->finishing = false;
        }
        vrv_supplier_close(s->supplier);
        s->supplier = NULL;
        s->stopped = true;
        break;
    }
    if (rc < 0) {
        VRV_ERR("supervisor", "[%s] failed to handle %s", s->id, vrv_sup_notice_name(n->kind));
        record(s, err.code, err.code == VRV_ERANGE, err.msg);
    }
    json_decref(n->data);
    n->data = NULL;
}

/* ---- timers and the thread -------------------------------------------------------- */

static int64_t period_ms(const vrv_sup *s)
{
    int64_t p = s->spec.io.period;
    return p < s->mgr->cfg.min_run_interval_ms ? s->mgr->cfg.min_run_interval_ms : p;
}

static int64_t offset_fetch_ms(const vrv_sup *s)
{
    int64_t p = s->spec.tuning.offset_fetch_period;
    return p < MIN_OFFSET_FETCH_MS ? MIN_OFFSET_FETCH_MS : p;
}

void sup_tick(vrv_sup *s)
{
    if (atomic_load(&s->stop_requested) && vrv_sup_st_basic(s->st.state) != VRV_SUP_STOPPING) {
        set_state(s, VRV_SUP_STOPPING);
    }
    vrv_ms now = sup_now(s);
    if (!s->stopped && !atomic_load(&s->stop_requested)) {
        if (now >= s->next_periodic) {
            vrv_sup_notices_add(&s->q, VRV_SUP_N_RUN, 0, NULL);
            s->next_periodic += period_ms(s);
            if (s->next_periodic <= now) s->next_periodic = now + period_ms(s);
        }
        for (size_t i = 0; i < s->scheduled.n;) {
            if (s->scheduled.v[i] <= now) {
                vrv_sup_notices_add(&s->q, VRV_SUP_N_RUN, 0, NULL);
                s->scheduled.v[i] = s->scheduled.v[--s->scheduled.n];
                continue;
            }
            i++;
        }
        if (now >= s->next_offset_fetch) {
            refresh_offsets(s);
            s->next_offset_fetch = sup_now(s) + offset_fetch_ms(s);
            sup_publish(s);
        }
    }
    vrv_sup_notice n;
    while (!s->stopped && vrv_sup_notices_poll(&s->q, &n)) {
        handle(s, &n);
        sup_publish(s);
    }
}

/* Milliseconds until the next timer, within [1, MAX_WAIT_MS]. */
static int64_t next_wait(const vrv_sup *s)
{
    vrv_ms now = sup_now(s);
    vrv_ms next = s->next_periodic;
    if (s->next_offset_fetch < next) next = s->next_offset_fetch;
    for (size_t i = 0; i < s->scheduled.n; i++)
        if (s->scheduled.v[i] < next) next = s->scheduled.v[i];
    int64_t w = next - now;
    if (w < 1) w = 1;
    if (w > MAX_WAIT_MS) w = MAX_WAIT_MS;
    return w;
}

static void *thread_main(void *arg)
{
    vrv_sup *s = arg;
    while (!s->stopped) {
        sup_tick(s);
        if (s->stopped) break;
        vrv_sup_notices_wait(&s->q, next_wait(s));
    }
    return NULL;
}

/* ---- life cycle --------------------------------------------------------------------- */

int sup_new(vrv_sup_mgr *m, vrv_spec_supervisor *spec, vrv_sup **out, vrv_error *err)
{
    *out = NULL;
    vrv_sup *s = vrv_calloc(1, sizeof *s);
    s->mgr = m;
    s->spec = *spec;
    memset(spec, 0, sizeof *spec);
    s->id = vrv_strdup(s->spec.id);
    s->suspended = s->spec.suspended;
    s->spec_json = vrv_spec_supervisor_to_json(&s->spec, -1);
    s->ds = s->spec.schema.data_source;
    s->stype = s->spec.type == VRV_SPEC_KINESIS ? VRV_STREAM_KINESIS : VRV_STREAM_KAFKA;
    s->stream = s->stype == VRV_STREAM_KINESIS
                    ? s->spec.io.stream
                    : (s->spec.io.topic_pattern ? s->spec.io.topic_pattern : s->spec.io.topic);
    s->task_type = s->stype == VRV_STREAM_KINESIS ? VRV_STASK_TYPE_KINESIS : VRV_STASK_TYPE_KAFKA;
    s->hash_schema = vrv_stask_data_schema_json(&s->spec);
    s->hash_tuning = vrv_stask_task_tuning_json(&s->spec);
    /* The spec's idleConfig, else the cluster's. */
    const vrv_spec_idle *idle = &s->spec.io.idle;
    bool idle_on = idle->present ? idle->enabled : m->cfg.idle_enabled;
    int64_t after = idle->present && idle->inactive_after_ms > 0 ? idle->inactive_after_ms
                                                                 : m->cfg.idle_inactive_after_ms;
    s->idle_after_ms = idle_on ? after : 0;
    atomic_init(&s->stop_requested, false);
    vrv_sup_state_init(&s->st, &m->cfg.thresholds, s->suspended);
    vrv_sup_notices_init(&s->q);
    vrv_posmap_init(&s->poffsets, s->stype, s->stream);
    pthread_mutex_init(&s->snap_mu, NULL);
    s->snap_state = VRV_SUP_PENDING;
    /* Readers may see it as soon as it is registered, before it starts. */
    sup_publish(s);
    (void)err;
    *out = s;
    return 0;
}

void sup_start(vrv_sup *s)
{
    vrv_ms now = sup_now(s);
    s->created = now;
    s->first_run = now + s->spec.io.start_delay;
    s->next_periodic = s->first_run;
    s->next_offset_fetch = s->first_run + s->mgr->cfg.offset_fetch_delay_ms;
    s->last_active = now;
    VRV_INFO("supervisor", "[%s] started for dataSource[%s], stream[%s], first run in %lld ms",
             s->id, s->ds, s->stream, (long long)s->spec.io.start_delay);
    if (!s->mgr->cfg.manual) {
        if (pthread_create(&s->thread, NULL, thread_main, s) == 0)
            s->threaded = true;
        else
            VRV_ERR("supervisor", "[%s] cannot start its thread", s->id);
    }
}

void sup_stop(vrv_sup *s, bool graceful)
{
    VRV_INFO("supervisor", "[%s] stopping%s", s->id, graceful ? " gracefully" : "");
    atomic_store(&s->stop_requested, true);
    vrv_sup_notices_add(&s->q, graceful ? VRV_SUP_N_GRACEFUL_SHUTDOWN : VRV_SUP_N_SHUTDOWN, 0,
                        NULL);
    if (s->threaded) {
        pthread_join(s->thread, NULL);
        s->threaded = false;
    } else {
        while (!s->stopped) sup_tick(s);
    }
    VRV_INFO("supervisor", "[%s] has stopped", s->id);
}

void sup_free(vrv_sup *s)
{
    if (!s) return;
    if (s->threaded) sup_stop(s, false);
    vrv_supplier_close(s->supplier);
    for (size_t i = 0; i < s->active.n; i++) group_free(s->active.v[i]);
    vrv_vec_free(&s->active);
    for (size_t i = 0; i < s->pending.n; i++) group_free(s->pending.v[i]);
    vrv_vec_free(&s->pending);
    for (size_t i = 0; i < s->pgroups.n; i++) vrv_vec_free(&s->pgroups.v[i].parts);
    vrv_vec_free(&s->pgroups);
    vrv_posmap_free(&s->poffsets);
    vrv_vec_free(&s->pids);
    vrv_vec_free(&s->later_parts);
    vrv_vec_free(&s->scheduled);
    if (s->has_offsets) {
        vrv_posmap_free(&s->latest);
        vrv_posmap_free(&s->highest);
    }
    if (s->has_prev_latest) vrv_posmap_free(&s->prev_latest);
    vrv_vec_free(&s->time_lag);
    free(s->kshards);
    vrv_vec_free(&s->waiting);
    vrv_sup_state_free(&s->st);
    vrv_sup_notices_free(&s->q);
    json_decref(s->snap);
    json_decref(s->spec_json);
    json_decref(s->hash_schema);
    json_decref(s->hash_tuning);
    pthread_mutex_destroy(&s->snap_mu);
    vrv_spec_supervisor_free(&s->spec);
    free(s->id);
    free(s);
}
