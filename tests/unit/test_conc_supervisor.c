/*
 * test_conc_supervisor.c — a supervisor's own thread against the API threads;
 * run under ThreadSanitizer by `make tsan`. The supervisor runs on the system
 * clock over the simulated cluster (sup_sim.h) while other threads read its
 * status, list, spec, health, stats and history, post checkpoints and task
 * status changes, and one thread suspends, resumes and updates it. Every
 * answer must be well formed at every instant.
 */
#include <stdatomic.h>
#include <unistd.h>

#include "sup_sim.h"

static sim S;
static atomic_bool done;
static atomic_long bad;

static const char *SPEC =
    "{\"type\":\"kafka\",\"spec\":{"
    "\"dataSchema\":{\"dataSource\":\"metrics\","
    "\"timestampSpec\":{\"column\":\"ts\",\"format\":\"millis\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"host\"]}},"
    "\"ioConfig\":{\"topic\":\"events\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"127.0.0.1:9\"},"
    "\"taskCount\":2,\"replicas\":2,\"taskDuration\":\"PT1S\",\"startDelay\":\"PT0.1S\","
    "\"period\":\"PT1S\"},"
    "\"tuningConfig\":{\"type\":\"kafka\",\"offsetFetchPeriod\":\"PT5S\"}}}";

static void *reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&done)) {
        vrv_error err;
        json_t *j = NULL;
        if (vrv_sup_status(S.mgr, "metrics", &j, &err) == 0) {
            json_t *p = json_object_get(j, "payload");
            if (!json_is_array(json_object_get(p, "activeTasks")) ||
                !json_is_string(json_object_get(p, "state")) ||
                json_object_get(p, "_groups") != NULL)
                atomic_fetch_add(&bad, 1);
        }
        json_decref(j);
        j = vrv_sup_list(S.mgr, VRV_SUP_LIST_FULL | VRV_SUP_LIST_STATE | VRV_SUP_LIST_SYSTEM);
        if (!json_is_array(j)) atomic_fetch_add(&bad, 1);
        json_decref(j);
        if (vrv_sup_stats(S.mgr, "metrics", &j, &err) == 0 && !json_is_object(j))
            atomic_fetch_add(&bad, 1);
        json_decref(j);
        j = NULL;
        if (vrv_sup_spec(S.mgr, "metrics", &j, &err) == 0 && !json_is_object(j))
            atomic_fetch_add(&bad, 1);
        json_decref(j);
        bool healthy;
        vrv_sup_health(S.mgr, "metrics", &healthy, &err);
        usleep(1000);
    }
    return NULL;
}

static void *poker(void *arg)
{
    (void)arg;
    json_t *a = json_loads("{\"supervisorId\":\"metrics\",\"taskGroupId\":0,"
                           "\"checkpointMetadata\":{\"type\":\"kafka\",\"partitions\":{"
                           "\"type\":\"start\",\"stream\":\"events\","
                           "\"partitionOffsetMap\":{\"0\":0,\"2\":0}}}}",
                           0, NULL);
    for (int i = 0; !atomic_load(&done); i++) {
        bool ok;
        if (i % 30 == 0) vrv_sup_checkpoint_action(S.mgr, a, &ok);
        vrv_sup_task_changed(S.mgr, "metrics");
        int g = 1;
        vrv_error err;
        vrv_sup_handoff(S.mgr, "metrics", &g, 1, &err);
        sim_lock(&S);
        sim_read(&S);
        for (int p = 0; p < 4; p++) S.latest[p] += 3;
        sim_unlock(&S);
        usleep(3000);
    }
    json_decref(a);
    return NULL;
}

TEST(supervisor_thread_against_api_threads)
{
    sim_init_mode(&S, 4, true);
    json_t *j = json_loads(SPEC, 0, NULL);
    char *id = NULL;
    vrv_error err;
    CHECK_INT(vrv_sup_create(S.mgr, j, &id, &err), 0);
    free(id);
    pthread_t r[2], p;
    for (int i = 0; i < 2; i++) pthread_create(&r[i], NULL, reader, NULL);
    pthread_create(&p, NULL, poker, NULL);
    usleep(1500000);
    json_t *spec = NULL;
    CHECK_INT(vrv_sup_suspend(S.mgr, "metrics", true, &spec, &err), 0);
    json_decref(spec);
    usleep(300000);
    CHECK_INT(vrv_sup_suspend(S.mgr, "metrics", false, &spec, &err), 0);
    json_decref(spec);
    CHECK_INT(vrv_sup_create(S.mgr, j, &id, &err), 0); /* an update */
    free(id);
    usleep(1200000);
    atomic_store(&done, true);
    for (int i = 0; i < 2; i++) pthread_join(r[i], NULL);
    pthread_join(p, NULL);
    CHECK_INT(atomic_load(&bad), 0);
    sim_lock(&S);
    CHECK(S.submits >= 4);
    sim_unlock(&S);
    CHECK_INT(vrv_sup_terminate(S.mgr, "metrics", &err), 0);
    json_decref(j);
    sim_free(&S);
}
