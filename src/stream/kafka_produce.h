/*
 * kafka_produce.h — a small Kafka producer for tests, `varve produce` and the
 * quickstart: writes records to one topic, spreading them over its
 * partitions, and reports delivery failures.
 *
 * Spreading is explicit (round robin or random over the partitions found at
 * start) rather than librdkafka's sticky default, which puts runs of keyless
 * records on one partition and, against the mock cluster's 5 MiB per
 * partition, loses data (reference/test-servers.md §1e). Keyed records can
 * instead go where a Java producer would put them (murmur2 of the key).
 *
 * Batching defaults (each replaceable through `props`): linger.ms=20,
 * batch.num.messages=10000, queue.buffering.max.messages=1000000,
 * queue.buffering.max.kbytes=262144. Sends copy the record, so the caller's
 * buffers may be reused at once. Not thread safe.
 */
#ifndef VRV_STREAM_KAFKA_PRODUCE_H
#define VRV_STREAM_KAFKA_PRODUCE_H

#include "base/error.h"
#include "base/vrv.h"
#include "input/row.h"

typedef struct vrv_kafka_producer vrv_kafka_producer;

typedef enum vrv_kafka_partitioner {
    VRV_KAFKA_ROUND_ROBIN = 0, /* record i to partition i % partitions */
    VRV_KAFKA_RANDOM,          /* a uniformly random partition per record */
    VRV_KAFKA_BY_KEY,          /* murmur2(key) like the Java producer; keyless: random */
} vrv_kafka_partitioner;

typedef struct vrv_kafka_producer_config {
    const char *bootstrap;             /* bootstrap.servers */
    const char *topic;
    vrv_kafka_partitioner partitioner;
    const char *const *props;          /* extra librdkafka settings as "name=value",
                                          NULL-terminated; may be NULL */
    uint64_t seed;                     /* VRV_KAFKA_RANDOM; 0: from the clock */
    int timeout_ms;                    /* finding the topic's partitions; 0: 10000 */
} vrv_kafka_producer_config;

/* One record to send. */
typedef struct vrv_kafka_msg {
    int32_t partition;                 /* -1: the partitioner's choice */
    const void *value;                 /* NULL: a tombstone (null value) */
    size_t value_len;
    const void *key;                   /* NULL: no key */
    size_t key_len;
    const vrv_record_header *headers;  /* n_headers headers (value NULL: a null header) */
    size_t n_headers;
    vrv_ms timestamp;                  /* 0: the time of sending */
} vrv_kafka_msg;

typedef struct vrv_kafka_producer_stats {
    uint64_t sent;      /* handed to the client */
    uint64_t delivered; /* acknowledged by the brokers */
    uint64_t failed;    /* delivery failed for good */
} vrv_kafka_producer_stats;

/* Connects and finds the topic's partitions (an unknown topic is
 * VRV_ENOTFOUND, unless the brokers create it on first use). Free with
 * vrv_kafka_producer_destroy. */
int vrv_kafka_producer_new(const vrv_kafka_producer_config *cfg, vrv_kafka_producer **out,
                           vrv_error *err);

/* Partitions of the topic found at start. */
int vrv_kafka_producer_partitions(const vrv_kafka_producer *p);

/* Queues one record (copied), waiting while the local queue is full. */
int vrv_kafka_producer_send(vrv_kafka_producer *p, const vrv_kafka_msg *m, vrv_error *err);

/* Queues each line of buf[0, len) as one record's value (the line without its
 * "\n" or "\r\n"; empty lines are skipped). *count (may be NULL) gets the
 * number queued. */
int vrv_kafka_producer_send_lines(vrv_kafka_producer *p, const char *buf, size_t len,
                                  uint64_t *count, vrv_error *err);

/* Waits up to timeout_ms for every queued record to be acknowledged. Returns
 * VRV_ETIMEOUT if some are still pending, VRV_EIO naming the first failure if
 * any record failed since the previous flush. */
int vrv_kafka_producer_flush(vrv_kafka_producer *p, int timeout_ms, vrv_error *err);

void vrv_kafka_producer_stats_get(const vrv_kafka_producer *p, vrv_kafka_producer_stats *out);

/* Drops what is still queued (flush first to keep it) and frees p. */
void vrv_kafka_producer_destroy(vrv_kafka_producer *p);

#endif
