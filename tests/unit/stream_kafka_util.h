/*
 * stream_kafka_util.h — shared pieces of the Kafka tests: a mock cluster per
 * test process, producing numbered records, opening a supplier, and reading
 * until a count is reached. Header-only (static functions) so each test
 * executable includes what it uses.
 */
#ifndef VRV_TEST_STREAM_KAFKA_UTIL_H
#define VRV_TEST_STREAM_KAFKA_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stream/kafka.h"
#include "stream/kafka_produce.h"
#include "stream/kmock.h"
#include "test.h"

static vrv_kmock *test_mock;

static void test_mock_stop(void)
{
    vrv_kmock_destroy(test_mock);
    test_mock = NULL;
}

/* The process's mock cluster (3 brokers), started on first use. */
static vrv_kmock *mock(void)
{
    if (!test_mock) {
        vrv_error err;
        if (vrv_kmock_new(3, &test_mock, &err) != VRV_OK) {
            fprintf(stderr, "mock cluster: %s\n", err.msg);
            exit(2);
        }
        atexit(test_mock_stop);
    }
    return test_mock;
}

static void make_topic(const char *topic, int partitions)
{
    vrv_error err;
    if (vrv_kmock_create_topic(mock(), topic, partitions, 0, &err) != VRV_OK)
        vrv_test_fail(__FILE__, __LINE__, "create %s: %s", topic, err.msg);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Produces records "rec-%07d" i for i in [first, first + n), record i to
 * partition i % partitions, each padded to pad bytes (0: no padding); props:
 * extra producer settings ("name=value", NULL-terminated; may be NULL). */
static void produce_numbered_with(const char *topic, int first, int n, size_t pad,
                                  const char *const *props)
{
    vrv_error err;
    vrv_kafka_producer *p;
    vrv_kafka_producer_config cfg = {
        .bootstrap = vrv_kmock_bootstrap(mock()), .topic = topic, .props = props};
    if (vrv_kafka_producer_new(&cfg, &p, &err) != VRV_OK) {
        vrv_test_fail(__FILE__, __LINE__, "producer: %s", err.msg);
        return;
    }
    int parts = vrv_kafka_producer_partitions(p);
    char *buf = malloc(pad + 32);
    for (int i = first; i < first + n; i++) {
        int len = snprintf(buf, 32, "rec-%07d", i);
        if (pad > (size_t)len) {
            memset(buf + len, 'x', pad - (size_t)len);
            len = (int)pad;
        }
        vrv_kafka_msg m = {.partition = i % parts, .value = buf, .value_len = (size_t)len};
        if (vrv_kafka_producer_send(p, &m, &err) != VRV_OK) {
            vrv_test_fail(__FILE__, __LINE__, "send: %s", err.msg);
            break;
        }
    }
    free(buf);
    if (vrv_kafka_producer_flush(p, 10000, &err) != VRV_OK)
        vrv_test_fail(__FILE__, __LINE__, "flush: %s", err.msg);
    vrv_kafka_producer_destroy(p);
}

static void produce_numbered(const char *topic, int first, int n, size_t pad)
{
    produce_numbered_with(topic, first, n, pad, NULL);
}

/* A supplier on topic (or pattern when multi) with extra consumer properties
 * given as a JSON object text (may be NULL). */
static vrv_supplier *open_supplier(const char *topic, bool multi, const char *extra_json)
{
    json_t *props = extra_json ? json_loads(extra_json, 0, NULL) : json_object();
    if (!props) {
        vrv_test_fail(__FILE__, __LINE__, "bad extra json");
        return NULL;
    }
    json_object_set_new(props, "bootstrap.servers", json_string(vrv_kmock_bootstrap(mock())));
    vrv_kafka_config cfg = {.consumer_properties = props};
    if (multi) cfg.topic_pattern = topic;
    else cfg.topic = topic;
    vrv_supplier *s = NULL;
    vrv_error err;
    if (vrv_kafka_open(&cfg, &s, &err) != VRV_OK) {
        /* every later step needs the supplier */
        fprintf(stderr, "FAIL open supplier on %s: %s\n", topic, err.msg);
        exit(1);
    }
    json_decref(props);
    return s;
}

/* Assigns every partition of the supplier's stream at earliest. */
static void assign_all_earliest(vrv_supplier *s)
{
    vrv_part *parts;
    size_t n;
    vrv_error err;
    if (vrv_supplier_partitions(s, &parts, &n, &err) != VRV_OK) {
        vrv_test_fail(__FILE__, __LINE__, "partitions: %s", err.msg);
        return;
    }
    CHECK_INT(vrv_supplier_assign(s, parts, n, &err), VRV_OK);
    for (size_t i = 0; i < n; i++) CHECK_INT(vrv_supplier_seek_earliest(s, &parts[i], &err), VRV_OK);
    free(parts);
}

#endif
