/*
 * test_supervisor.c — the pure parts of a supervisor: the state machine and
 * its health thresholds (druid-streaming.md §3.3), the deduplicating notice
 * queue, and base sequence names (§4.4).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "overlord/supervisor_core.h"
#include "test.h"

static const char *state(const vrv_sup_state *st)
{
    return vrv_sup_st_name(st->state);
}

/* One run going through the first-run states, failing or not. */
static void run(vrv_sup_state *st, bool fail, bool stream)
{
    vrv_sup_state_propose(st, VRV_SUP_CONNECTING_TO_STREAM);
    if (fail) vrv_sup_state_error(st, 1000, "org.apache.druid.java.util.common.ISE", "boom", stream);
    if (!fail) {
        vrv_sup_state_propose(st, VRV_SUP_DISCOVERING_INITIAL_TASKS);
        vrv_sup_state_propose(st, VRV_SUP_CREATING_TASKS);
    }
    vrv_sup_state_run_finished(st);
}

TEST(state_names_and_basics)
{
    CHECK_STR(vrv_sup_st_name(VRV_SUP_CONNECTING_TO_STREAM), "CONNECTING_TO_STREAM");
    CHECK_STR(vrv_sup_st_name(VRV_SUP_UNHEALTHY_TASKS), "UNHEALTHY_TASKS");
    CHECK_INT(vrv_sup_st_basic(VRV_SUP_CREATING_TASKS), VRV_SUP_RUNNING);
    CHECK_INT(vrv_sup_st_basic(VRV_SUP_DISCOVERING_INITIAL_TASKS), VRV_SUP_RUNNING);
    CHECK_INT(vrv_sup_st_basic(VRV_SUP_LOST_CONTACT_WITH_STREAM), VRV_SUP_UNHEALTHY_SUPERVISOR);
    CHECK_INT(vrv_sup_st_basic(VRV_SUP_UNABLE_TO_CONNECT_TO_STREAM), VRV_SUP_UNHEALTHY_SUPERVISOR);
    CHECK_INT(vrv_sup_st_basic(VRV_SUP_IDLE), VRV_SUP_IDLE);
    CHECK(!vrv_sup_st_healthy(VRV_SUP_UNHEALTHY_SUPERVISOR));
    CHECK(!vrv_sup_st_healthy(VRV_SUP_LOST_CONTACT_WITH_STREAM));
    CHECK(vrv_sup_st_healthy(VRV_SUP_STOPPING));
    CHECK(vrv_sup_st_first_run_only(VRV_SUP_PENDING));
    CHECK(vrv_sup_st_first_run_only(VRV_SUP_UNABLE_TO_CONNECT_TO_STREAM));
    CHECK(!vrv_sup_st_first_run_only(VRV_SUP_LOST_CONTACT_WITH_STREAM));
    CHECK(!vrv_sup_st_first_run_only(VRV_SUP_RUNNING));
}

TEST(state_first_run_then_steady)
{
    vrv_sup_state st;
    vrv_sup_state_init(&st, NULL, false);
    CHECK_STR(state(&st), "PENDING");
    /* RUNNING is refused before a successful run; the detailed states show. */
    vrv_sup_state_propose(&st, VRV_SUP_RUNNING);
    CHECK_STR(state(&st), "PENDING");
    vrv_sup_state_propose(&st, VRV_SUP_CONNECTING_TO_STREAM);
    CHECK_STR(state(&st), "CONNECTING_TO_STREAM");
    vrv_sup_state_propose(&st, VRV_SUP_CREATING_TASKS);
    CHECK_STR(state(&st), "CREATING_TASKS");
    vrv_sup_state_run_finished(&st);
    CHECK_STR(state(&st), "RUNNING");
    CHECK(st.at_least_one_success);
    /* First-run states are refused from now on. */
    vrv_sup_state_propose(&st, VRV_SUP_CONNECTING_TO_STREAM);
    CHECK_STR(state(&st), "RUNNING");
    vrv_sup_state_propose(&st, VRV_SUP_PENDING);
    CHECK_STR(state(&st), "RUNNING");
    vrv_sup_state_propose(&st, VRV_SUP_STOPPING);
    CHECK_STR(state(&st), "STOPPING");
    vrv_sup_state_free(&st);

    /* A suspended spec settles in SUSPENDED. */
    vrv_sup_state_init(&st, NULL, true);
    run(&st, false, false);
    CHECK_STR(state(&st), "SUSPENDED");
    vrv_sup_state_free(&st);
}

TEST(state_unhealthy_after_threshold_and_recovery)
{
    vrv_sup_state st;
    vrv_sup_thresholds th = {.healthiness = 2, .unhealthiness = 3};
    vrv_sup_state_init(&st, &th, false);
    run(&st, false, false);
    CHECK_STR(state(&st), "RUNNING");
    run(&st, true, false);
    run(&st, true, false);
    CHECK_STR(state(&st), "RUNNING"); /* 2 failures: below the threshold of 3 */
    run(&st, true, false);
    CHECK_STR(state(&st), "UNHEALTHY_SUPERVISOR");
    CHECK(!vrv_sup_state_healthy(&st));
    /* One success is not enough to recover with healthiness 2. */
    run(&st, false, false);
    CHECK_STR(state(&st), "UNHEALTHY_SUPERVISOR");
    run(&st, false, false);
    CHECK_STR(state(&st), "RUNNING");
    /* A failure in between resets the count of successes. */
    run(&st, true, false);
    run(&st, true, false);
    run(&st, true, false);
    CHECK_STR(state(&st), "UNHEALTHY_SUPERVISOR");
    run(&st, false, false);
    run(&st, true, false);
    run(&st, false, false);
    CHECK_STR(state(&st), "UNHEALTHY_SUPERVISOR");
    run(&st, false, false);
    CHECK_STR(state(&st), "RUNNING");
    vrv_sup_state_free(&st);
}

TEST(state_stream_errors)
{
    vrv_sup_state st;
    vrv_sup_state_init(&st, NULL, false);
    /* Never connected: UNABLE_TO_CONNECT_TO_STREAM. */
    for (int i = 0; i < 3; i++) run(&st, true, true);
    CHECK_STR(state(&st), "UNABLE_TO_CONNECT_TO_STREAM");
    CHECK_INT(vrv_sup_st_basic(st.state), VRV_SUP_UNHEALTHY_SUPERVISOR);
    for (int i = 0; i < 3; i++) run(&st, false, false);
    CHECK_STR(state(&st), "RUNNING");
    /* Connected once, then lost. */
    for (int i = 0; i < 3; i++) run(&st, true, true);
    CHECK_STR(state(&st), "LOST_CONTACT_WITH_STREAM");
    /* The last error decides: a non-stream error makes it UNHEALTHY_SUPERVISOR. */
    run(&st, true, false);
    CHECK_STR(state(&st), "UNHEALTHY_SUPERVISOR");
    vrv_sup_state_free(&st);
}

TEST(state_task_thresholds)
{
    vrv_sup_state st;
    vrv_sup_state_init(&st, NULL, false);
    run(&st, false, false);
    vrv_sup_state_task_done(&st, false);
    vrv_sup_state_task_done(&st, false);
    run(&st, false, false);
    CHECK_STR(state(&st), "RUNNING");
    vrv_sup_state_task_done(&st, false);
    run(&st, false, false);
    CHECK_STR(state(&st), "UNHEALTHY_TASKS");
    CHECK(!vrv_sup_state_healthy(&st));
    vrv_sup_state_task_done(&st, true);
    vrv_sup_state_task_done(&st, true);
    run(&st, false, false);
    CHECK_STR(state(&st), "UNHEALTHY_TASKS");
    vrv_sup_state_task_done(&st, true);
    run(&st, false, false);
    CHECK_STR(state(&st), "RUNNING");
    vrv_sup_state_free(&st);
}

TEST(state_idle_is_left_only_by_the_idle_check)
{
    vrv_sup_state st;
    vrv_sup_state_init(&st, NULL, false);
    run(&st, false, false);
    vrv_sup_state_propose(&st, VRV_SUP_IDLE);
    CHECK_STR(state(&st), "IDLE");
    vrv_sup_state_run_finished(&st);
    CHECK_STR(state(&st), "IDLE");
    vrv_sup_state_propose(&st, VRV_SUP_RUNNING);
    CHECK_STR(state(&st), "RUNNING");
    vrv_sup_state_free(&st);
}

TEST(state_recent_errors_bounded)
{
    vrv_sup_state st;
    vrv_sup_state_init(&st, NULL, false);
    CHECK_INT(st.cfg.max_stored_events, 3);
    for (int i = 0; i < 5; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "e%d", i);
        vrv_sup_state_error(&st, 1000 + i, "java.io.IOException", msg, i == 4);
    }
    CHECK_INT(st.n_events, 3);
    CHECK_STR(st.events[0].message, "e2");
    CHECK_INT(st.events[0].timestamp, 1002);
    CHECK_STR(st.events[2].message, "e4");
    CHECK(st.events[2].stream_exception);
    CHECK_STR(st.events[2].exception_class, "java.io.IOException");
    vrv_sup_state_free(&st);

    vrv_sup_thresholds th = {.healthiness = 5, .max_stored_events = 2};
    vrv_sup_state_init(&st, &th, false);
    CHECK_INT(st.cfg.max_stored_events, 5); /* never below max(healthiness, unhealthiness) */
    vrv_sup_state_free(&st);
}

TEST(notices_deduplicate_and_keep_order)
{
    vrv_sup_notices q;
    vrv_sup_notices_init(&q);
    CHECK(vrv_sup_notices_add(&q, VRV_SUP_N_RUN, 0, NULL));
    CHECK(!vrv_sup_notices_add(&q, VRV_SUP_N_RUN, 0, NULL));
    CHECK(vrv_sup_notices_add(&q, VRV_SUP_N_CHECKPOINT, 1, json_pack("{s:i}", "0", 5)));
    CHECK(!vrv_sup_notices_add(&q, VRV_SUP_N_CHECKPOINT, 1, json_pack("{s:i}", "0", 5)));
    CHECK(vrv_sup_notices_add(&q, VRV_SUP_N_CHECKPOINT, 2, json_pack("{s:i}", "0", 5)));
    CHECK(vrv_sup_notices_add(&q, VRV_SUP_N_CHECKPOINT, 1, json_pack("{s:i}", "0", 6)));
    CHECK(vrv_sup_notices_add(&q, VRV_SUP_N_RESET, 0, NULL));
    CHECK(!vrv_sup_notices_add(&q, VRV_SUP_N_RESET, 0, NULL));
    CHECK_INT(vrv_sup_notices_size(&q), 5);
    CHECK_INT(q.deduplicated, 3);
    vrv_sup_notice n;
    CHECK(vrv_sup_notices_poll(&q, &n));
    CHECK_INT(n.kind, VRV_SUP_N_RUN);
    /* Once taken, an equal notice is queued again. */
    CHECK(vrv_sup_notices_add(&q, VRV_SUP_N_RUN, 0, NULL));
    int kinds[] = {VRV_SUP_N_CHECKPOINT, VRV_SUP_N_CHECKPOINT, VRV_SUP_N_CHECKPOINT,
                   VRV_SUP_N_RESET, VRV_SUP_N_RUN};
    int groups[] = {1, 2, 1, 0, 0};
    for (int i = 0; i < 5; i++) {
        CHECK(vrv_sup_notices_poll(&q, &n));
        CHECK_INT(n.kind, kinds[i]);
        CHECK_INT(n.group, groups[i]);
        json_decref(n.data);
    }
    CHECK(!vrv_sup_notices_poll(&q, &n));
    /* Growing past the first ring keeps order. */
    for (int i = 0; i < 40; i++) vrv_sup_notices_add(&q, VRV_SUP_N_HANDOFF, 0, json_integer(i));
    vrv_sup_notices_add(&q, VRV_SUP_N_SHUTDOWN, 0, NULL);
    for (int i = 0; i < 40; i++) {
        CHECK(vrv_sup_notices_poll(&q, &n));
        CHECK_INT(json_integer_value(n.data), i);
        json_decref(n.data);
    }
    CHECK(vrv_sup_notices_poll(&q, &n));
    CHECK_INT(n.kind, VRV_SUP_N_SHUTDOWN);
    vrv_sup_notices_add(&q, VRV_SUP_N_CHECKPOINT, 0, json_integer(1)); /* freed by free */
    vrv_sup_notices_free(&q);
    CHECK_STR(vrv_sup_notice_name(VRV_SUP_N_GRACEFUL_SHUTDOWN), "graceful_shutdown_notice");
}

static void *adder(void *arg)
{
    usleep(20000);
    vrv_sup_notices_add(arg, VRV_SUP_N_RUN, 0, NULL);
    return NULL;
}

TEST(notices_wait_wakes_on_add)
{
    vrv_sup_notices q;
    vrv_sup_notices_init(&q);
    pthread_t t;
    pthread_create(&t, NULL, adder, &q);
    vrv_sup_notices_wait(&q, 10000);
    CHECK_INT(vrv_sup_notices_size(&q), 1);
    pthread_join(t, NULL);
    vrv_sup_notices_wait(&q, 10000); /* returns at once: a notice is queued */
    vrv_sup_notice n;
    CHECK(vrv_sup_notices_poll(&q, &n));
    vrv_sup_notices_wait(&q, 5); /* times out */
    CHECK_INT(vrv_sup_notices_size(&q), 0);
    vrv_sup_notices_free(&q);
}

static void kafka(vrv_posmap *m, const char *topic, int32_t p, int64_t off)
{
    vrv_part part;
    CHECK_INT(vrv_part_kafka(topic, p, &part, NULL), 0);
    vrv_pos pos = vrv_pos_kafka(off);
    vrv_posmap_set(m, &part, &pos);
}

TEST(sequence_names)
{
    json_t *ds = json_loads("{\"b\":{\"c\":[1,2]},\"a\":1}", 0, NULL);
    json_t *tu = json_loads("{\"x\":\"y\",\"type\":\"kafka\"}", 0, NULL);
    vrv_posmap start;
    vrv_posmap_init(&start, VRV_STREAM_KAFKA, "events");
    kafka(&start, NULL, 2, 7);
    kafka(&start, NULL, 0, 10);
    /* SHA-1 of {"a":1,"b":{"c":[1,2]}} {"type":"kafka","x":"y"}
     * KafkaTopicPartition{partition=0, ...}(10)+KafkaTopicPartition{partition=2, ...}(7)
     * 1700000000000, computed independently. */
    char *n = vrv_sup_sequence_name("index_kafka", "metrics", ds, tu, &start, true,
                                    1700000000000LL, false, 0);
    CHECK_STR(n, "index_kafka_metrics_e10be3da2f799d0");
    free(n);
    /* Exclusive flags are not hashed; anything else changes the name. */
    start.v[0].pos.exclusive = true;
    n = vrv_sup_sequence_name("index_kafka", "metrics", ds, tu, &start, true, 1700000000000LL,
                              false, 0);
    CHECK_STR(n, "index_kafka_metrics_e10be3da2f799d0");
    free(n);
    n = vrv_sup_sequence_name("index_kafka", "metrics", ds, tu, &start, true, 1700000000001LL,
                              false, 0);
    CHECK(strcmp(n, "index_kafka_metrics_e10be3da2f799d0") != 0);
    free(n);
    n = vrv_sup_sequence_name("index_kafka", "metrics", ds, tu, &start, false, 0, true,
                              1700000000000LL);
    CHECK(strcmp(n, "index_kafka_metrics_e10be3da2f799d0") == 0); /* min and max share a slot */
    free(n);
    kafka(&start, NULL, 0, 11);
    n = vrv_sup_sequence_name("index_kafka", "metrics", ds, tu, &start, true, 1700000000000LL,
                              false, 0);
    CHECK(strcmp(n, "index_kafka_metrics_e10be3da2f799d0") != 0);
    free(n);
    vrv_posmap_free(&start);

    /* Multi-topic partitions name their topic. */
    vrv_posmap_init(&start, VRV_STREAM_KAFKA, "t-.*");
    kafka(&start, "t-1", 3, 5);
    n = vrv_sup_sequence_name("index_kafka", "sup", ds, tu, &start, false, 0, true, 42);
    CHECK_STR(n, "index_kafka_sup_678113196e35597");
    free(n);
    vrv_posmap_free(&start);
    json_decref(ds);
    json_decref(tu);
}
