/*
 * kmock.h — an in-process Kafka cluster for tests and `varve quickstart`:
 * librdkafka's mock cluster (rdkafka_mock.h) behind a small stable API, with
 * its fault injection (brokers down and up, leader moves, request errors,
 * round-trip delay).
 *
 * The brokers listen on 127.0.0.1 at ephemeral ports; any Kafka client
 * (varve's supplier and producer, kcat) reaches them through
 * vrv_kmock_bootstrap(). Broker ids are 1..brokers. What the mock cannot do
 * (librdkafka 2.0.2, see reference/test-servers.md §1):
 *  - it keeps only the newest 5 MiB (or 100,000 message sets) of each
 *    partition and silently moves the log start forward past older data;
 *  - it writes no transaction markers, so read_committed reads aborted data;
 *  - it cannot add partitions to an existing topic (no CreatePartitions).
 * Producers auto-create unknown topics with 4 partitions; consumers do not.
 *
 * Every function may be called from any thread while clients are running.
 * Error codes for injection are librdkafka's rd_kafka_resp_err_t values
 * (RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR__TRANSPORT
 * to make the broker drop the connection, ...).
 */
#ifndef VRV_STREAM_KMOCK_H
#define VRV_STREAM_KMOCK_H

#include "base/error.h"
#include "base/vrv.h"

typedef struct vrv_kmock vrv_kmock;

/* Kafka protocol request types (ApiKey) for request-error injection. */
enum {
    VRV_KMOCK_API_PRODUCE = 0,
    VRV_KMOCK_API_FETCH = 1,
    VRV_KMOCK_API_LIST_OFFSETS = 2,
    VRV_KMOCK_API_METADATA = 3,
    VRV_KMOCK_API_FIND_COORDINATOR = 10,
};

/* The largest number of brokers a mock cluster is started with. */
#define VRV_KMOCK_MAX_BROKERS 32

/* Starts a cluster of 1..VRV_KMOCK_MAX_BROKERS brokers. Free with
 * vrv_kmock_destroy. */
int vrv_kmock_new(int brokers, vrv_kmock **out, vrv_error *err);

/* "127.0.0.1:port,127.0.0.1:port,..." — borrowed, valid until destroy. */
const char *vrv_kmock_bootstrap(const vrv_kmock *m);
int vrv_kmock_brokers(const vrv_kmock *m);

/* Creates topic with partitions >= 1 and replication 1..brokers (0: all
 * brokers, at most 3). An existing topic is VRV_ECONFLICT. */
int vrv_kmock_create_topic(vrv_kmock *m, const char *topic, int partitions, int replication,
                           vrv_error *err);

/* Disconnects broker_id (-1: every broker) and refuses new connections, or
 * lets it accept them again. Leaders do not move. */
int vrv_kmock_broker_down(vrv_kmock *m, int32_t broker_id, vrv_error *err);
int vrv_kmock_broker_up(vrv_kmock *m, int32_t broker_id, vrv_error *err);

/* Delays every response of broker_id (-1: all) by rtt_ms (0 to stop). */
int vrv_kmock_broker_rtt(vrv_kmock *m, int32_t broker_id, int rtt_ms, vrv_error *err);

/* Moves the leadership of topic's partition to broker_id (-1: no leader);
 * the data moves with it. */
int vrv_kmock_partition_leader(vrv_kmock *m, const char *topic, int32_t partition,
                               int32_t broker_id, vrv_error *err);

/* The next n requests of type api_key, on any broker, fail with errors[0],
 * errors[1], ... in turn. */
void vrv_kmock_push_request_errors(vrv_kmock *m, int16_t api_key, size_t n, const int *errors);

/* As above for one broker, each error answered after rtt_ms[i] (rtt_ms may be
 * NULL for no delay). These are served before the cluster-wide ones. */
int vrv_kmock_broker_push_request_errors(vrv_kmock *m, int32_t broker_id, int16_t api_key,
                                         size_t n, const int *errors, const int *rtt_ms,
                                         vrv_error *err);

/* Drops the cluster-wide errors still queued for api_key. */
void vrv_kmock_clear_request_errors(vrv_kmock *m, int16_t api_key);

/* Metadata requests for topic answer with error (0 to stop). */
void vrv_kmock_topic_set_error(vrv_kmock *m, const char *topic, int error);

/* Stops the brokers and frees m. Clients still connected see their brokers
 * go away. NULL is a no-op. */
void vrv_kmock_destroy(vrv_kmock *m);

#endif
