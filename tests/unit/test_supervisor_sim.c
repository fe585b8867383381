/*
 * test_supervisor_sim.c — a Kafka supervisor over a simulated cluster
 * (sup_sim.h) with a simulated clock: task groups and replicas, starting
 * offsets, the status payload and lag, rollover at taskDuration and the next
 * group starting before the previous one committed, publish success and
 * failure, completion timeout, checkpoints from a task, replacement of a
 * failed replica from the group's checkpoints, suspend/resume, spec updates,
 * adoption of running tasks by a re-created supervisor, unavailable offsets
 * with and without resetOffsetAutomatically, resets, partition discovery,
 * idle, handoff and stopTaskCount, health thresholds, terminate and the list
 * endpoints.
 */
#include "sup_sim.h"

static const char *BASE_SPEC =
    "{\"type\":\"kafka\",\"spec\":{"
    "\"dataSchema\":{\"dataSource\":\"metrics\","
    "\"timestampSpec\":{\"column\":\"ts\",\"format\":\"millis\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"host\"]},"
    "\"granularitySpec\":{\"segmentGranularity\":\"hour\"}},"
    "\"ioConfig\":{\"topic\":\"events\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"127.0.0.1:9\"},"
    "\"taskCount\":2,\"replicas\":2,\"taskDuration\":\"PT60S\",\"startDelay\":\"PT1S\","
    "\"period\":\"PT5S\",\"completionTimeout\":\"PT120S\",\"useEarliestOffset\":true},"
    "\"tuningConfig\":{\"type\":\"kafka\",\"chatRetries\":1,"
    "\"repartitionTransitionDuration\":\"PT10S\",\"offsetFetchPeriod\":\"PT5S\"}}}";

/* The base spec with extra ioConfig and tuningConfig fields (JSON texts or NULL). */
static json_t *spec_with(const char *io, const char *tuning)
{
    json_t *j = json_loads(BASE_SPEC, 0, NULL);
    json_t *spec = json_object_get(j, "spec");
    if (io) {
        json_t *x = json_loads(io, 0, NULL);
        CHECK(x != NULL);
        json_object_update(json_object_get(spec, "ioConfig"), x);
        json_decref(x);
    }
    if (tuning) {
        json_t *x = json_loads(tuning, 0, NULL);
        CHECK(x != NULL);
        json_object_update(json_object_get(spec, "tuningConfig"), x);
        json_decref(x);
    }
    return j;
}

static void create(sim *s, const char *io, const char *tuning)
{
    json_t *j = spec_with(io, tuning);
    char *id = NULL;
    vrv_error err;
    int rc = vrv_sup_create(s->mgr, j, &id, &err);
    if (rc) fprintf(stderr, "create: %s\n", err.msg);
    CHECK_INT(rc, 0);
    CHECK_STR(id, "metrics");
    free(id);
    json_decref(j);
}

static const char *state_of(sim *s)
{
    static char buf[64];
    json_t *p = sim_status(s, "metrics");
    snprintf(buf, sizeof buf, "%s/%s", jstr(p, "state"), jstr(p, "detailedState"));
    json_decref(p);
    return buf;
}

/* Runs until the first run has created the tasks. */
static void start_running(sim *s, const char *io, const char *tuning)
{
    create(s, io, tuning);
    sim_step(s, 1000);
}

TEST(groups_replicas_and_start_offsets)
{
    sim s;
    sim_init(&s, 4);
    create(&s, NULL, NULL);
    CHECK_STR(state_of(&s), "PENDING/PENDING");
    json_t *p = sim_status(&s, "metrics");
    CHECK_INT(jint(p, "partitions"), 0);
    CHECK_INT(json_array_size(json_object_get(p, "activeTasks")), 0);
    json_decref(p);
    sim_step(&s, 500); /* before startDelay: nothing */
    CHECK_INT(s.submits, 0);
    sim_step(&s, 500);
    CHECK_INT(s.submits, 4);
    CHECK_STR(state_of(&s), "RUNNING/RUNNING");

    /* partition % taskCount: group 0 reads 0 and 2, group 1 reads 1 and 3, from the earliest. */
    ftask *g0[4], *g1[4];
    CHECK_INT(sim_group_tasks(&s, 0, g0, 4), 2);
    CHECK_INT(sim_group_tasks(&s, 1, g1, 4), 2);
    CHECK_MAP((&g0[0]->p.start), "{\"0\":0,\"2\":0}");
    CHECK_MAP((&g1[1]->p.start), "{\"1\":0,\"3\":0}");
    /* Replicas share the base sequence name (so their segment ids are the same). */
    CHECK_STR(g0[0]->p.base_sequence_name, g0[1]->p.base_sequence_name);
    CHECK(strcmp(g0[0]->p.base_sequence_name, g1[0]->p.base_sequence_name) != 0);
    CHECK(strncmp(g0[0]->id, g0[0]->p.base_sequence_name, strlen(g0[0]->p.base_sequence_name)) == 0);
    CHECK_INT(strlen(g0[0]->p.base_sequence_name), strlen("index_kafka_metrics_") + 15);
    CHECK_STR(g0[0]->p.supervisor_id, "metrics");
    CHECK_STR(jstr(json_object_get(g0[0]->payload, "context"), "checkpoints"),
              "{\"0\":{\"0\":0,\"2\":0}}");

    p = sim_status(&s, "metrics");
    CHECK_INT(jint(p, "partitions"), 4);
    CHECK_INT(jint(p, "replicas"), 2);
    CHECK_INT(jint(p, "durationSeconds"), 60);
    CHECK_STR(jstr(p, "stream"), "events");
    CHECK_STR(jstr(p, "dataSource"), "metrics");
    json_t *act = json_object_get(p, "activeTasks");
    CHECK_INT(json_array_size(act), 4);
    json_t *e = json_array_get(act, 0);
    CHECK_STR(jstr(e, "type"), "ACTIVE");
    CHECK_JSON(json_object_get(e, "startingOffsets"), "{\"0\":0,\"2\":0}");
    CHECK(json_is_null(json_object_get(e, "startTime"))); /* not asked yet */
    CHECK(json_is_null(json_object_get(e, "remainingSeconds")));
    CHECK_INT(json_array_size(json_object_get(p, "publishingTasks")), 0);
    CHECK(json_is_true(json_object_get(p, "healthy")));
    CHECK(json_is_false(json_object_get(p, "suspended")));
    CHECK_INT(json_array_size(json_object_get(p, "recentErrors")), 0);
    json_decref(p);

    /* The next run learns the start times; the lag refresh reads the stream. */
    sim_read(&s);
    g0[0]->current.v[0].pos.offset = 40; /* one replica behind on partition 0 */
    sim_step(&s, 5000);
    p = sim_status(&s, "metrics");
    e = json_array_get(json_object_get(p, "activeTasks"), 0);
    CHECK_STR(jstr(e, "startTime"), "2023-11-14T22:13:21.000Z");
    CHECK_INT(jint(e, "remainingSeconds"), 55);
    CHECK_JSON(json_object_get(p, "latestOffsets"), "{\"0\":100,\"1\":101,\"2\":102,\"3\":103}");
    /* Lag counts from the highest offset any replica read. */
    CHECK_JSON(json_object_get(p, "minimumLag"), "{\"0\":0,\"1\":0,\"2\":0,\"3\":0}");
    CHECK_INT(jint(p, "aggregateLag"), 0);
    CHECK_STR(jstr(p, "offsetsLastUpdated"), "2023-11-14T22:13:26.000Z");
    json_decref(p);
    s.latest[3] = 150;
    sim_step(&s, 5000);
    p = sim_status(&s, "metrics");
    CHECK_JSON(json_object_get(p, "minimumLag"), "{\"0\":0,\"1\":0,\"2\":0,\"3\":47}");
    CHECK_INT(jint(p, "aggregateLag"), 47);
    json_decref(p);
    CHECK_INT(s.submits, 4); /* nothing more to create */
    sim_free(&s);
}

TEST(rollover_publish_and_failure)
{
    sim s;
    sim_init(&s, 4);
    start_running(&s, NULL, NULL);
    sim_read(&s);
    ftask *g0[4], *g1[4];
    sim_group_tasks(&s, 0, g0, 4);
    sim_group_tasks(&s, 1, g1, 4);
    g0[1]->current.v[1].pos.offset = 90; /* a replica behind on partition 2 */
    sim_step(&s, 5000);
    CHECK_INT(s.submits, 4);

    /* Past taskDuration: both groups stop reading at the highest offsets and publish. */
    sim_step(&s, 60000);
    CHECK_INT(g0[0]->runner, FR_PUBLISHING);
    CHECK_INT(g0[1]->runner, FR_PUBLISHING);
    CHECK_MAP((&g0[1]->end), "{\"0\":100,\"2\":102}");
    CHECK_MAP((&g1[0]->end), "{\"1\":101,\"3\":103}");
    /* The next groups start where those stopped, before anything is committed. */
    CHECK_INT(s.submits, 8);
    ftask *n0[4];
    size_t k = 0;
    for (size_t i = 4; i < s.tasks.n; i++)
        if (s.tasks.v[i]->p.task_group_id == 0) n0[k++] = s.tasks.v[i];
    CHECK_INT(k, 2);
    CHECK_MAP((&n0[0]->p.start), "{\"0\":100,\"2\":102}");
    char *st = sim_stored(&s);
    CHECK_STR(st, "");
    free(st);
    json_t *p = sim_status(&s, "metrics");
    json_t *pub = json_object_get(p, "publishingTasks");
    CHECK_INT(json_array_size(pub), 4);
    CHECK_STR(jstr(json_array_get(pub, 0), "type"), "PUBLISHING");
    CHECK_INT(jint(json_array_get(pub, 0), "remainingSeconds"), 120);
    CHECK_INT(json_array_size(json_object_get(p, "activeTasks")), 4);
    json_decref(p);

    /* Group 0 publishes: the other replica is stopped, the group is done. */
    sim_publish(&s, g0[0]);
    sim_step(&s, 1000);
    CHECK_INT(g0[1]->stops, 1);
    CHECK_INT(g0[1]->state, FT_SUCCESS);
    st = sim_stored(&s);
    CHECK_STR(st, "{\"0\":100,\"2\":102}");
    free(st);

    /* Both replicas of group 1 fail to publish: the group reading after them
     * is killed too and reading restarts from the stored offsets. */
    se_kill(&s, g1[0]->id, "boom");
    se_kill(&s, g1[1]->id, "boom");
    ftask *r1[4];
    CHECK_INT(sim_group_tasks(&s, 1, r1, 4), 2);
    sim_step(&s, 1000);
    CHECK_INT(r1[0]->state, FT_FAILED);
    CHECK_STR(r1[0]->kill_reason, "No task in the corresponding pending completion taskGroup[1] "
                                  "succeeded before completion timeout elapsed");
    /* Nothing stored for 1 and 3: the replacement starts from the earliest. */
    ftask *r2[4];
    CHECK_INT(sim_group_tasks(&s, 1, r2, 4), 2);
    CHECK_MAP((&r2[0]->p.start), "{\"1\":0,\"3\":0}");
    p = sim_status(&s, "metrics");
    CHECK_INT(json_array_size(json_object_get(p, "publishingTasks")), 0);
    json_decref(p);
    sim_free(&s);
}

TEST(completion_timeout)
{
    sim s;
    sim_init(&s, 2);
    sim_store(&s, "metrics", 0, (int64_t)5, 1, (int64_t)6, -1);
    start_running(&s, "{\"taskCount\":1,\"replicas\":1}", NULL);
    ftask *t[2];
    CHECK_INT(sim_group_tasks(&s, 0, t, 2), 1);
    CHECK_MAP((&t[0]->p.start), "{\"0\":5,\"1\":6}"); /* stored offsets win */
    sim_read(&s);
    sim_step(&s, 61000);
    CHECK_INT(t[0]->runner, FR_PUBLISHING);
    ftask *n[2];
    CHECK_INT(sim_group_tasks(&s, 0, n, 2), 2); /* publishing + the next reader */
    ftask *reader = n[0] == t[0] ? n[1] : n[0];
    CHECK_MAP((&reader->p.start), "{\"0\":100,\"1\":101}");
    /* No success within completionTimeout (120 s). */
    sim_step(&s, 115000);
    CHECK_INT(t[0]->state, FT_RUNNING);
    sim_step(&s, 5000);
    CHECK_INT(t[0]->state, FT_RUNNING);
    sim_step(&s, 5000);
    CHECK_INT(t[0]->state, FT_FAILED);
    CHECK_INT(reader->state, FT_FAILED);
    /* The new reader starts from the stored offsets again. */
    CHECK_INT(sim_group_tasks(&s, 0, n, 2), 1);
    CHECK_MAP((&n[0]->p.start), "{\"0\":5,\"1\":6}");
    sim_free(&s);
}

static json_t *checkpoint_action(const char *stream, const char *start)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"type\":\"checkPointDataSourceMetadata\",\"supervisorId\":\"metrics\","
             "\"taskGroupId\":0,\"checkpointMetadata\":{\"type\":\"kafka\",\"partitions\":{"
             "\"type\":\"start\",\"stream\":\"%s\",\"topic\":\"%s\","
             "\"partitionSequenceNumberMap\":%s,\"partitionOffsetMap\":%s,"
             "\"exclusivePartitions\":[]}}}",
             stream, stream, start, start);
    json_t *j = json_loads(buf, 0, NULL);
    CHECK(j != NULL);
    return j;
}

TEST(checkpoint_and_replacement_from_checkpoints)
{
    sim s;
    sim_init(&s, 2);
    start_running(&s, "{\"taskCount\":1}", NULL);
    ftask *t[4];
    CHECK_INT(sim_group_tasks(&s, 0, t, 4), 2);
    sim_read(&s);
    t[1]->current.v[0].pos.offset = 60;

    /* A replica reached maxRowsPerSegment and asks for a checkpoint. */
    json_t *a = checkpoint_action("events", "{\"0\":0,\"1\":0}");
    bool ok = false;
    vrv_sup_checkpoint_action(s.mgr, a, &ok);
    CHECK(ok);
    /* The other replica asks too before the notice is handled: one notice. */
    vrv_sup_checkpoint_action(s.mgr, a, &ok);
    CHECK(ok);
    sim_step(&s, 0);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(t[i]->pauses, 1);
        CHECK_INT(t[i]->set_ends, 1);
        CHECK_INT(t[i]->runner, FR_READING);
        CHECK_INT(t[i]->seqs.n, 2);
        CHECK_MAP((&t[i]->seqs.v[1].start), "{\"0\":100,\"1\":101}");
    }
    /* The same request again (a slow replica): already checkpointed, ignored. */
    vrv_sup_checkpoint_action(s.mgr, a, &ok);
    CHECK(ok);
    sim_step(&s, 0);
    CHECK_INT(t[0]->pauses, 1);
    json_decref(a);

    /* A start that is no checkpoint of the group is an error. */
    a = checkpoint_action("events", "{\"0\":7,\"1\":0}");
    vrv_sup_checkpoint_action(s.mgr, a, &ok);
    CHECK(ok);
    sim_step(&s, 0);
    json_t *p = sim_status(&s, "metrics");
    json_t *errs = json_object_get(p, "recentErrors");
    CHECK_INT(json_array_size(errs), 1);
    CHECK(strstr(jstr(json_array_get(errs, 0), "message"), "No such previous checkpoint") != NULL);
    json_decref(p);
    json_decref(a);
    /* Another stream, or a non-start map: refused at once. */
    a = checkpoint_action("other", "{\"0\":0,\"1\":0}");
    vrv_sup_checkpoint_action(s.mgr, a, &ok);
    CHECK(!ok);
    json_decref(a);
    a = json_loads("{\"supervisorId\":\"nope\",\"taskGroupId\":0,\"checkpointMetadata\":{}}", 0,
                   NULL);
    vrv_sup_checkpoint_action(s.mgr, a, &ok);
    CHECK(!ok);
    json_decref(a);

    /* Sequence 0 gets published; then a replica dies. Its replacement starts
     * at the first unpublished sequence with the same boundaries. */
    sim_store(&s, "metrics", 0, (int64_t)100, 1, (int64_t)101, -1);
    se_kill(&s, t[1]->id, "crash");
    sim_step(&s, 5000);
    ftask *n[4];
    CHECK_INT(sim_group_tasks(&s, 0, n, 4), 2);
    ftask *fresh = n[0] == t[0] ? n[1] : n[0];
    CHECK(fresh != t[1]);
    CHECK_MAP((&fresh->p.start), "{\"0\":0,\"1\":0}");
    CHECK_STR(jstr(json_object_get(fresh->payload, "context"), "checkpoints"),
              "{\"1\":{\"0\":100,\"1\":101}}");
    CHECK_STR(fresh->p.base_sequence_name, t[0]->p.base_sequence_name);
    sim_free(&s);
}

TEST(suspend_resume_and_spec_update)
{
    sim s;
    sim_init(&s, 4);
    start_running(&s, NULL, NULL);
    sim_read(&s);
    ftask *old[4];
    CHECK_INT(sim_group_tasks(&s, 0, old, 4), 2);

    json_t *spec = NULL;
    vrv_error err;
    CHECK_INT(vrv_sup_suspend(s.mgr, "metrics", true, &spec, &err), 0);
    CHECK(json_is_true(json_object_get(spec, "suspended")));
    json_decref(spec);
    /* Suspending stopped the reading groups gracefully: they publish. */
    CHECK_INT(old[0]->runner, FR_PUBLISHING);
    CHECK_INT(vrv_sup_suspend(s.mgr, "metrics", true, &spec, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "[metrics] is already suspended");

    sim_step(&s, 1000);
    CHECK_INT(s.submits, 4); /* nothing new while suspended */
    CHECK_STR(state_of(&s), "SUSPENDED/SUSPENDED");
    json_t *p = sim_status(&s, "metrics");
    CHECK(json_is_true(json_object_get(p, "suspended")));
    /* The new supervisor adopted the publishing tasks. */
    CHECK_INT(json_array_size(json_object_get(p, "publishingTasks")), 4);
    json_decref(p);

    json_t *h = NULL;
    CHECK_INT(vrv_sup_history(s.mgr, "metrics", 0, &h, &err), 0);
    CHECK_INT(json_array_size(h), 2);
    CHECK(json_is_true(json_object_get(json_object_get(json_array_get(h, 0), "spec"),
                                       "suspended")));
    json_decref(h);

    /* Resume: new groups start where the publishing ones end. */
    CHECK_INT(vrv_sup_suspend(s.mgr, "metrics", false, &spec, &err), 0);
    json_decref(spec);
    CHECK_INT(vrv_sup_suspend(s.mgr, "metrics", false, &spec, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "[metrics] is already running");
    sim_step(&s, 1000);
    CHECK_INT(s.submits, 8);
    ftask *n[4];
    size_t k = 0;
    for (size_t i = 4; i < s.tasks.n; i++)
        if (s.tasks.v[i]->p.task_group_id == 0) n[k++] = s.tasks.v[i];
    CHECK_INT(k, 2);
    CHECK_MAP((&n[0]->p.start), "{\"0\":100,\"2\":102}");

    /* A changed spec: the running groups publish, the new spec's tasks have
     * another sequence name. */
    sim_read(&s);
    json_t *j = spec_with(NULL, "{\"maxRowsPerSegment\":1000}");
    char *id = NULL;
    CHECK_INT(vrv_sup_create(s.mgr, j, &id, &err), 0);
    free(id);
    json_decref(j);
    CHECK_INT(n[0]->runner, FR_PUBLISHING);
    sim_step(&s, 1000);
    CHECK_INT(s.submits, 12);
    ftask *last = s.tasks.v[s.tasks.n - 1];
    CHECK_INT(last->p.spec.tuning.max_rows_per_segment, 1000);
    CHECK(strcmp(last->p.base_sequence_name, n[0]->p.base_sequence_name) != 0);
    sim_free(&s);
}

TEST(adoption_by_a_recreated_supervisor)
{
    sim s;
    sim_init(&s, 4);
    start_running(&s, NULL, NULL);
    sim_read(&s);
    ftask *before[4];
    CHECK_INT(sim_group_tasks(&s, 1, before, 4), 2);
    /* The server goes away (tasks keep running) and comes back. */
    vrv_sup_mgr_free(s.mgr);
    before[0]->runner = FR_PAUSED; /* left paused by the previous supervisor */
    sim_mgr(&s);
    json_t *ids = vrv_sup_list(s.mgr, 0);
    CHECK_JSON(ids, "[\"metrics\"]");
    json_decref(ids);
    sim_step(&s, 1000);
    CHECK_INT(s.submits, 4); /* the running tasks were adopted, none created */
    CHECK_INT(before[0]->runner, FR_READING);
    CHECK_INT(before[0]->resumes, 1);
    json_t *p = sim_status(&s, "metrics");
    CHECK_INT(json_array_size(json_object_get(p, "activeTasks")), 4);
    json_decref(p);
    CHECK_STR(state_of(&s), "RUNNING/RUNNING");

    /* A task of this supervisor doing other work (a start nobody planned) is stopped. */
    vrv_posmap other;
    vrv_posmap_copy(&other, &before[1]->p.start);
    other.v[0].pos.offset = 77;
    vrv_spec_supervisor spec;
    json_t *j = spec_with(NULL, NULL);
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(j, NULL, &spec, &err), 0);
    vrv_stask_build b = {.spec = &spec,
                         .task_group_id = 1,
                         .base_sequence_name = "index_kafka_metrics_000000000000000",
                         .start = &other};
    json_t *task = NULL;
    CHECK_INT(vrv_stask_payload_build(&b, &task, &err), 0);
    CHECK_INT(se_submit(&s, task, &err), 0);
    ftask *stray = s.tasks.v[s.tasks.n - 1];
    json_decref(task);
    vrv_spec_supervisor_free(&spec);
    json_decref(j);
    vrv_posmap_free(&other);
    sim_step(&s, 5000);
    CHECK_INT(stray->stops, 1);
    CHECK_INT(stray->state, FT_SUCCESS);
    CHECK_INT(before[1]->state, FT_RUNNING);
    sim_free(&s);
}

TEST(unavailable_offsets_and_resets)
{
    sim s;
    sim_init(&s, 2);
    sim_store(&s, "metrics", 0, (int64_t)5, 1, (int64_t)50, -1);
    s.earliest[0] = 10; /* offset 5 is gone */
    start_running(&s, "{\"taskCount\":1}", NULL);
    CHECK_INT(s.submits, 0); /* never skip data silently */
    json_t *p = sim_status(&s, "metrics");
    json_t *e = json_array_get(json_object_get(p, "recentErrors"), 0);
    CHECK_STR(jstr(e, "message"),
              "Previous sequenceNumber [5] is no longer available for partition [0]. You can "
              "clear the previous sequenceNumber and start reading from a valid message by using "
              "the supervisor's reset API.");
    CHECK_STR(jstr(e, "exceptionClass"), "org.apache.druid.java.util.common.ISE");
    CHECK(json_is_true(json_object_get(e, "streamException")));
    json_decref(p);
    sim_step(&s, 5000);
    sim_step(&s, 5000);
    CHECK_STR(state_of(&s), "UNHEALTHY_SUPERVISOR/UNABLE_TO_CONNECT_TO_STREAM");
    bool healthy = true;
    vrv_error err;
    CHECK_INT(vrv_sup_health(s.mgr, "metrics", &healthy, &err), 0);
    CHECK(!healthy);

    /* The hard reset forgets the stored offsets. */
    CHECK_INT(vrv_sup_reset(s.mgr, "metrics", &err), 0);
    sim_step(&s, 5000);
    char *st = sim_stored(&s);
    CHECK_STR(st, "");
    free(st);
    CHECK_INT(s.submits, 2);
    ftask *t[2];
    sim_group_tasks(&s, 0, t, 2);
    CHECK_MAP((&t[0]->p.start), "{\"0\":10,\"1\":0}");
    CHECK_INT(vrv_sup_reset(s.mgr, "nope", &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "[nope] does not exist");

    /* resetOffsets: stored := stored.plus(request); the group restarts there. */
    sim_store(&s, "metrics", 0, (int64_t)40, 1, (int64_t)60, -1);
    json_t *body = json_loads("{\"type\":\"kafka\",\"partitions\":{\"type\":\"end\",\"stream\":"
                              "\"events\",\"partitionOffsetMap\":{\"0\":30}}}",
                              0, NULL);
    CHECK_INT(vrv_sup_reset_offsets(s.mgr, "metrics", body, &err), 0);
    json_decref(body);
    sim_step(&s, 5000);
    st = sim_stored(&s);
    CHECK_STR(st, "{\"0\":30,\"1\":60}");
    free(st);
    CHECK_INT(t[0]->state, FT_FAILED);
    ftask *n[2];
    CHECK_INT(sim_group_tasks(&s, 0, n, 2), 2);
    CHECK_MAP((&n[0]->p.start), "{\"0\":30,\"1\":60}");
    const char *bad[][2] = {
        {"{\"type\":\"kinesis\",\"partitions\":{\"type\":\"end\",\"stream\":\"events\","
         "\"partitionOffsetMap\":{\"0\":1}}}",
         "Datasource metadata instance does not match required, found instance of [kinesis]."},
        {"{\"type\":\"kafka\",\"partitions\":{\"type\":\"start\",\"stream\":\"events\","
         "\"partitionOffsetMap\":{\"0\":1}}}",
         "Provided datasourceMetadata is invalid. Sequence numbers can only be of "
         "type[SeekableStreamEndSequenceNumbers], but found[SeekableStreamStartSequenceNumbers]."},
        {"{\"type\":\"kafka\",\"partitions\":{\"type\":\"end\",\"stream\":\"other\","
         "\"partitionOffsetMap\":{\"0\":1}}}",
         "Stream[other] doesn't exist in the supervisor[metrics]. Supervisor is consuming "
         "stream[events]."},
    };
    for (size_t i = 0; i < 3; i++) {
        body = json_loads(bad[i][0], 0, NULL);
        CHECK_INT(vrv_sup_reset_offsets(s.mgr, "metrics", body, &err), VRV_EINVAL);
        CHECK_STR(err.msg, bad[i][1]);
        json_decref(body);
    }
    sim_free(&s);
}

TEST(reset_offset_automatically)
{
    sim s;
    sim_init(&s, 2);
    sim_store(&s, "metrics", 0, (int64_t)5, 1, (int64_t)50, -1);
    s.earliest[0] = 10;
    start_running(&s, "{\"taskCount\":1,\"useEarliestOffset\":false}",
                  "{\"resetOffsetAutomatically\":true}");
    json_t *p = sim_status(&s, "metrics");
    CHECK_STR(jstr(json_array_get(json_object_get(p, "recentErrors"), 0), "message"),
              "Previous sequenceNumber [5] is no longer available for partition [0] - "
              "automatically resetting sequence");
    json_decref(p);
    /* Only the lost partition was reset (and the reset is in the store). */
    char *st = sim_stored(&s);
    CHECK_STR(st, "{\"1\":50}");
    free(st);
    sim_step(&s, 5000);
    ftask *t[2];
    CHECK_INT(sim_group_tasks(&s, 0, t, 2), 2);
    /* Partition 0 from the latest (useEarliestOffset false), 1 from the store. */
    CHECK_MAP((&t[0]->p.start), "{\"0\":100,\"1\":50}");
    sim_free(&s);
}

TEST(partition_discovery)
{
    sim s;
    sim_init(&s, 4);
    start_running(&s, "{\"useEarliestOffset\":false}", NULL);
    ftask *t[4];
    CHECK_INT(sim_group_tasks(&s, 0, t, 4), 2);
    CHECK_MAP((&t[0]->p.start), "{\"0\":100,\"2\":102}");
    sim_read(&s);
    s.nparts = 6;
    s.latest[4] = 500;
    s.latest[5] = 600;
    sim_step(&s, 5000);
    json_t *p = sim_status(&s, "metrics");
    CHECK_INT(jint(p, "partitions"), 6);
    json_decref(p);
    CHECK_INT(t[0]->runner, FR_READING);
    /* After repartitionTransitionDuration (10 s) the groups stop early. */
    sim_step(&s, 5000);
    CHECK_INT(t[0]->runner, FR_READING);
    sim_step(&s, 5000);
    CHECK_INT(t[0]->runner, FR_PUBLISHING);
    ftask *n[4];
    size_t k = 0;
    for (size_t i = 4; i < s.tasks.n; i++)
        if (s.tasks.v[i]->p.task_group_id == 0) n[k++] = s.tasks.v[i];
    CHECK_INT(k, 2);
    /* A partition discovered later is read from its beginning. */
    CHECK_MAP((&n[0]->p.start), "{\"0\":100,\"2\":102,\"4\":0}");
    sim_free(&s);
}

TEST(handoff_and_stop_task_count)
{
    sim s;
    sim_init(&s, 2);
    start_running(&s, "{\"stopTaskCount\":1,\"replicas\":1}", NULL);
    sim_read(&s);
    ftask *g0[2], *g1[2];
    sim_group_tasks(&s, 0, g0, 2);
    sim_group_tasks(&s, 1, g1, 2);
    vrv_error err;
    int groups[] = {1, 7};
    CHECK_INT(vrv_sup_handoff(s.mgr, "metrics", groups, 2, &err), 0);
    CHECK_INT(vrv_sup_handoff(s.mgr, "nope", groups, 2, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "Supervisor was not found [nope]");
    sim_step(&s, 1000);
    CHECK_INT(g1[0]->runner, FR_PUBLISHING);
    CHECK_INT(g0[0]->runner, FR_READING);
    /* Both past taskDuration, but one group is already publishing and
     * stopTaskCount is 1: group 0 waits. */
    sim_read(&s);
    sim_step(&s, 61000);
    CHECK_INT(g0[0]->runner, FR_READING);
    sim_publish(&s, g1[0]);
    /* The run that sees the success checks durations first (as Druid does). */
    sim_step(&s, 1000);
    CHECK_INT(g0[0]->runner, FR_READING);
    sim_step(&s, 5000);
    CHECK_INT(g0[0]->runner, FR_PUBLISHING);
    /* The newer group 1 is past its duration too, but waits for group 0. */
    ftask *n1[2];
    CHECK_INT(sim_group_tasks(&s, 1, n1, 2), 1);
    CHECK_INT(n1[0]->runner, FR_READING);
    sim_free(&s);
}

TEST(idle_stream)
{
    sim s;
    sim_init(&s, 2);
    start_running(&s, "{\"taskCount\":1,\"replicas\":1,"
                      "\"idleConfig\":{\"enabled\":true,\"inactiveAfterMillis\":10000}}",
                  NULL);
    sim_read(&s);
    for (int i = 0; i < 3; i++) sim_step(&s, 5000);
    CHECK_STR(state_of(&s), "IDLE/IDLE");
    s.latest[1] = 300;
    sim_step(&s, 5000);
    CHECK_STR(state_of(&s), "RUNNING/RUNNING");
    sim_free(&s);
}

TEST(stream_errors_make_it_unhealthy_then_recover)
{
    sim s;
    sim_init(&s, 2);
    s.supplier_error = VRV_EIO;
    create(&s, NULL, NULL);
    sim_step(&s, 1000);
    CHECK_STR(state_of(&s), "RUNNING/CONNECTING_TO_STREAM");
    sim_step(&s, 5000);
    sim_step(&s, 5000);
    CHECK_STR(state_of(&s), "UNHEALTHY_SUPERVISOR/UNABLE_TO_CONNECT_TO_STREAM");
    json_t *p = sim_status(&s, "metrics");
    json_t *errs = json_object_get(p, "recentErrors");
    CHECK_INT(json_array_size(errs), 3);
    json_t *e = json_array_get(errs, 2);
    CHECK_STR(jstr(e, "exceptionClass"), "org.apache.kafka.common.KafkaException");
    CHECK_STR(jstr(e, "message"),
              "Could not fetch partitions for topic/stream [events]: Failed to get partitions: "
              "broker down");
    CHECK_STR(jstr(e, "timestamp"), "2023-11-14T22:13:31.000Z");
    CHECK(json_is_false(json_object_get(p, "healthy")));
    json_decref(p);
    s.supplier_error = 0;
    sim_step(&s, 5000);
    sim_step(&s, 5000);
    CHECK_STR(state_of(&s), "UNHEALTHY_SUPERVISOR/UNABLE_TO_CONNECT_TO_STREAM");
    sim_step(&s, 5000);
    CHECK_STR(state_of(&s), "RUNNING/RUNNING");
    /* Lost after having connected. */
    s.supplier_error = VRV_ETIMEOUT;
    for (int i = 0; i < 3; i++) sim_step(&s, 5000);
    CHECK_STR(state_of(&s), "UNHEALTHY_SUPERVISOR/LOST_CONTACT_WITH_STREAM");
    sim_free(&s);
}

TEST(failing_tasks_make_it_unhealthy)
{
    sim s;
    sim_init(&s, 1);
    start_running(&s, "{\"taskCount\":1,\"replicas\":1}", NULL);
    for (int i = 0; i < 3; i++) {
        ftask *t[2];
        CHECK_INT(sim_group_tasks(&s, 0, t, 2), 1);
        se_kill(&s, t[0]->id, "crash");
        sim_step(&s, 5000);
    }
    CHECK_STR(state_of(&s), "UNHEALTHY_TASKS/UNHEALTHY_TASKS");
    CHECK_INT(s.submits, 4); /* each failed task was replaced */
    sim_free(&s);
}

TEST(terminate_list_and_history)
{
    sim s;
    sim_init(&s, 2);
    start_running(&s, NULL, NULL);
    json_t *l = vrv_sup_list(s.mgr, VRV_SUP_LIST_STATE);
    CHECK_JSON(l, "[{\"dataSource\":\"metrics\",\"detailedState\":\"RUNNING\",\"healthy\":true,"
                  "\"id\":\"metrics\",\"state\":\"RUNNING\",\"suspended\":false}]");
    json_decref(l);
    l = vrv_sup_list(s.mgr, VRV_SUP_LIST_SYSTEM);
    json_t *o = json_array_get(l, 0);
    CHECK_STR(jstr(o, "type"), "kafka");
    CHECK_STR(jstr(o, "source"), "events");
    json_t *parsed = json_loads(jstr(o, "specString"), 0, NULL);
    json_t *spec = NULL;
    vrv_error err;
    CHECK_INT(vrv_sup_spec(s.mgr, "metrics", &spec, &err), 0);
    CHECK(json_equal(parsed, spec));
    CHECK_STR(jstr(json_object_get(json_object_get(spec, "spec"), "ioConfig"), "topic"), "events");
    json_decref(parsed);
    json_decref(spec);
    json_decref(l);
    l = vrv_sup_list(s.mgr, VRV_SUP_LIST_FULL);
    CHECK(json_is_object(json_object_get(json_array_get(l, 0), "spec")));
    CHECK(json_is_false(json_object_get(json_array_get(l, 0), "suspended")));
    json_decref(l);

    sim_read(&s);
    CHECK_INT(vrv_sup_terminate(s.mgr, "metrics", &err), 0);
    CHECK_INT(vrv_sup_terminate(s.mgr, "metrics", &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "[metrics] does not exist");
    l = vrv_sup_list(s.mgr, 0);
    CHECK_JSON(l, "[]");
    json_decref(l);
    /* The tasks were told to publish what they read. */
    ftask *t[4];
    CHECK_INT(sim_group_tasks(&s, 0, t, 4), 2);
    CHECK_INT(t[0]->runner, FR_PUBLISHING);
    /* History keeps every version, the tombstone first. */
    json_t *h = NULL;
    CHECK_INT(vrv_sup_history(s.mgr, "metrics", 0, &h, &err), 0);
    CHECK_INT(json_array_size(h), 2);
    CHECK_STR(jstr(json_object_get(json_array_get(h, 0), "spec"), "type"), "NoopSupervisorSpec");
    CHECK_STR(jstr(json_object_get(json_array_get(h, 1), "spec"), "type"), "kafka");
    json_decref(h);
    CHECK_INT(vrv_sup_history(s.mgr, "metrics", 1, &h, &err), 0);
    CHECK_INT(json_array_size(h), 1);
    json_decref(h);
    CHECK_INT(vrv_sup_history(s.mgr, "nope", 0, &h, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "No history for [nope].");
    CHECK_INT(vrv_sup_history_all(s.mgr, &h, &err), 0);
    CHECK_INT(json_array_size(json_object_get(h, "metrics")), 2);
    json_decref(h);
    /* A terminated supervisor is not re-created. */
    vrv_sup_mgr_free(s.mgr);
    sim_mgr(&s);
    l = vrv_sup_list(s.mgr, 0);
    CHECK_JSON(l, "[]");
    json_decref(l);
    sim_free(&s);
}

TEST(stats_and_parse_errors)
{
    sim s;
    sim_init(&s, 2);
    start_running(&s, "{\"taskCount\":1}", "{\"maxSavedParseExceptions\":1}");
    json_t *st = NULL;
    vrv_error err;
    CHECK_INT(vrv_sup_stats(s.mgr, "metrics", &st, &err), 0);
    json_t *g = json_object_get(st, "0");
    CHECK_INT(json_object_size(g), 2);
    const char *k;
    json_t *v;
    json_object_foreach(g, k, v)
    {
        CHECK_JSON(v, "{\"totals\":{\"buildSegments\":{\"processed\":42}}}");
    }
    json_decref(st);
    json_t *pe = NULL;
    CHECK_INT(vrv_sup_parse_errors(s.mgr, "metrics", &pe, &err), 0);
    /* maxSavedParseExceptions (1) x taskCount (1) kept, newest first. */
    CHECK_INT(json_array_size(pe), 1);
    CHECK_STR(jstr(json_array_get(pe, 0), "errorType"), "unparseable");
    json_decref(pe);
    CHECK_INT(vrv_sup_stats(s.mgr, "nope", &st, &err), VRV_ENOTFOUND);
    sim_free(&s);
}

TEST(bad_specs)
{
    sim s;
    sim_init(&s, 1);
    vrv_error err;
    char *id = NULL;
    json_t *j = json_loads("{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"x\"},"
                           "\"ioConfig\":{\"topic\":\"t\",\"taskCount\":0}}}",
                           0, NULL);
    CHECK_INT(vrv_sup_create(s.mgr, j, &id, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "spec.") != NULL);
    json_decref(j);
    /* A Kinesis spec that needs STS is refused at once. */
    j = json_loads("{\"type\":\"kinesis\",\"spec\":{\"dataSchema\":{\"dataSource\":\"x\","
                   "\"timestampSpec\":{\"column\":\"ts\"},\"dimensionsSpec\":{}},"
                   "\"ioConfig\":{\"stream\":\"s\",\"inputFormat\":{\"type\":\"json\"},"
                   "\"awsAssumedRoleArn\":\"arn:aws:iam::1:role/r\"}}}",
                   0, NULL);
    CHECK_INT(vrv_sup_create(s.mgr, j, &id, &err), VRV_EUNSUPPORTED);
    CHECK(strncmp(err.msg, "spec.ioConfig.awsAssumedRoleArn: ", 33) == 0);
    json_decref(j);
    json_t *l = vrv_sup_list(s.mgr, 0);
    CHECK_JSON(l, "[]");
    json_decref(l);
    json_t *h = NULL;
    CHECK_INT(vrv_sup_history_all(s.mgr, &h, &err), 0);
    CHECK_JSON(h, "{}");
    json_decref(h);
    sim_free(&s);
}

TEST(topic_pattern_groups_and_stored_offsets)
{
    sim s;
    sim_init(&s, 0);
    s.multi = true;
    s.ntopics = 2;
    snprintf(s.topics[0], sizeof s.topics[0], "events-a");
    snprintf(s.topics[1], sizeof s.topics[1], "events-b");
    s.tparts[0] = s.tparts[1] = 2;
    snprintf(s.topic, sizeof s.topic, "events-.*");
    /* Offsets a single-topic supervisor stored for events-a: kept across the
     * move to topicPattern; offsets of a topic the pattern misses are not. */
    vrv_posmap m;
    vrv_posmap_init(&m, VRV_STREAM_KAFKA, "events-a");
    vrv_part part;
    vrv_part_kafka(NULL, 1, &part, NULL);
    vrv_pos pos = vrv_pos_kafka(42);
    vrv_posmap_set(&m, &part, &pos);
    json_t *md = vrv_stask_metadata_json(&m, VRV_POSMAP_END);
    char *text = json_dumps(md, JSON_COMPACT);
    CHECK_INT(vrv_meta_commit_metadata_set(s.meta, "metrics", text, NULL), 0);
    free(text);
    json_decref(md);
    vrv_posmap_free(&m);

    json_t *j = spec_with("{\"taskCount\":3,\"replicas\":1}", NULL);
    json_t *io = json_object_get(json_object_get(j, "spec"), "ioConfig");
    json_object_del(io, "topic");
    json_object_set_new(io, "topicPattern", json_string("events-.*"));
    char *id = NULL;
    vrv_error err;
    CHECK_INT(vrv_sup_create(s.mgr, j, &id, &err), 0);
    free(id);
    json_decref(j);
    sim_step(&s, 1000);
    CHECK_INT(s.submits, 3);
    /* abs(31 * topic.hashCode() + partition) % taskCount, in Java arithmetic. */
    const char *want[] = {"{\"events-a:0\":0}", "{\"events-a:1\":42,\"events-b:0\":0}",
                          "{\"events-b:1\":0}"};
    for (int g = 0; g < 3; g++) {
        ftask *t[2];
        CHECK_INT(sim_group_tasks(&s, g, t, 2), 1);
        CHECK_MAP(&t[0]->p.start, want[g]);
        CHECK(t[0]->p.multi_topic);
    }
    json_t *p = sim_status(&s, "metrics");
    CHECK_STR(jstr(p, "stream"), "events-.*");
    CHECK_INT(jint(p, "partitions"), 4);
    json_decref(p);
    /* A new matching topic is picked up. */
    s.ntopics = 3;
    snprintf(s.topics[2], sizeof s.topics[2], "events-c");
    s.tparts[2] = 1;
    sim_step(&s, 5000);
    p = sim_status(&s, "metrics");
    CHECK_INT(jint(p, "partitions"), 5);
    json_decref(p);
    sim_free(&s);
}

TEST(rejection_windows_fixed_per_group)
{
    sim s;
    sim_init(&s, 1);
    start_running(&s,
                  "{\"taskCount\":1,\"lateMessageRejectionPeriod\":\"PT1H\","
                  "\"earlyMessageRejectionPeriod\":\"PT2H\"}",
                  NULL);
    ftask *t[2];
    CHECK_INT(sim_group_tasks(&s, 0, t, 2), 2);
    /* Computed once, on the supervisor's clock at group creation. */
    CHECK(t[0]->p.has_min_time);
    CHECK_INT(t[0]->p.min_time, s.now - 3600000);
    CHECK(t[0]->p.has_max_time);
    CHECK_INT(t[0]->p.max_time, s.now + 60000 + 7200000);
    /* The window is part of the sequence name: a replica created later for
     * the same group keeps the group's window and name. */
    char *base = vrv_strdup(t[0]->p.base_sequence_name);
    vrv_ms min = t[0]->p.min_time;
    se_kill(&s, t[0]->id, "crash");
    sim_step(&s, 5000);
    CHECK_INT(sim_group_tasks(&s, 0, t, 2), 2);
    CHECK(t[1] != NULL && strcmp(t[1]->id, t[0]->id) != 0);
    CHECK_STR(t[1]->p.base_sequence_name, base);
    CHECK_INT(t[1]->p.min_time, min);
    free(base);
    /* With lateMessageRejectionStartDateTime the start is fixed. */
    sim_free(&s);
    sim_init(&s, 1);
    start_running(&s,
                  "{\"taskCount\":1,\"replicas\":1,"
                  "\"lateMessageRejectionStartDateTime\":\"2023-01-01T00:00:00Z\"}",
                  NULL);
    CHECK_INT(sim_group_tasks(&s, 0, t, 2), 1);
    CHECK_INT(t[0]->p.min_time, 1672531200000LL);
    CHECK(!t[0]->p.has_max_time);
    sim_free(&s);
}
