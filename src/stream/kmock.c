/*
 * kmock.c — the in-process Kafka mock cluster of kmock.h over librdkafka's
 * rdkafka_mock.h. The mock needs an rd_kafka_t to live in; a producer handle
 * with no brokers of its own serves, and its log is routed to varve's log.
 */
#include "stream/kmock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "base/log.h"
#include "base/mem.h"

struct vrv_kmock {
    rd_kafka_t *rk;              /* owns the cluster's threads */
    rd_kafka_mock_cluster_t *mc;
    char *bootstrap;
    int brokers;
};

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    VRV_LOG(level <= LOG_WARNING ? VRV_LOG_WARN : VRV_LOG_DEBUG, "kmock", "%s: %s", fac, buf);
}

int vrv_kmock_new(int brokers, vrv_kmock **out, vrv_error *err)
{
    if (brokers < 1 || brokers > VRV_KMOCK_MAX_BROKERS)
        return vrv_error_set(err, VRV_EINVAL, "brokers: must be between 1 and %d, got %d",
                             VRV_KMOCK_MAX_BROKERS, brokers);
    char es[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, log_cb);
    /* The handle has no bootstrap.servers of its own; its notice about that
     * (level 5) is noise. */
    rd_kafka_conf_set(conf, "log_level", "4", es, sizeof es);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, es, sizeof es);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return vrv_error_set(err, VRV_EIO, "Kafka mock cluster: %s", es);
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        rd_kafka_destroy(rk);
        return vrv_error_set(err, VRV_EIO, "Kafka mock cluster: could not start %d brokers",
                             brokers);
    }
    /* Out of the box the 2.0.2 mock offers Metadata only below v4, which has
     * no AllowAutoTopicCreation flag, so it creates any topic a consumer
     * merely asks about. From v4 on it honours the flag like a real broker:
     * producers create topics on first use, consumers do not. */
    rd_kafka_mock_set_apiversion(mc, VRV_KMOCK_API_METADATA, 0, 4);
    vrv_kmock *m = vrv_calloc(1, sizeof *m);
    m->rk = rk;
    m->mc = mc;
    m->bootstrap = vrv_strdup(rd_kafka_mock_cluster_bootstraps(mc));
    m->brokers = brokers;
    *out = m;
    return VRV_OK;
}

const char *vrv_kmock_bootstrap(const vrv_kmock *m)
{
    return m->bootstrap;
}

int vrv_kmock_brokers(const vrv_kmock *m)
{
    return m->brokers;
}

static int check_broker(const vrv_kmock *m, int32_t id, vrv_error *err)
{
    if (id == -1 || (id >= 1 && id <= m->brokers)) return VRV_OK;
    return vrv_error_set(err, VRV_EINVAL, "broker id %d: the mock cluster has brokers 1..%d (or -1 "
                                          "for all)",
                         id, m->brokers);
}

static int result(rd_kafka_resp_err_t e, const char *what, vrv_error *err)
{
    if (!e) return VRV_OK;
    return vrv_error_set(err, e == RD_KAFKA_RESP_ERR__UNKNOWN_BROKER ? VRV_ENOTFOUND : VRV_EIO,
                         "Kafka mock cluster: %s: %s", what, rd_kafka_err2str(e));
}

int vrv_kmock_create_topic(vrv_kmock *m, const char *topic, int partitions, int replication,
                           vrv_error *err)
{
    if (!topic || !*topic) return vrv_error_set(err, VRV_EINVAL, "topic: must not be empty");
    if (partitions < 1)
        return vrv_error_set(err, VRV_EINVAL, "topic %s: partitions must be >= 1, got %d", topic,
                             partitions);
    if (replication == 0) replication = VRV_MIN(m->brokers, 3);
    if (replication < 1 || replication > m->brokers)
        return vrv_error_set(err, VRV_EINVAL,
                             "topic %s: replication must be between 1 and %d (the brokers), got %d",
                             topic, m->brokers, replication);
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(m->mc, topic, partitions, replication);
    if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        return vrv_error_set(err, VRV_ECONFLICT, "topic %s already exists", topic);
    return result(e, topic, err);
}

int vrv_kmock_broker_down(vrv_kmock *m, int32_t broker_id, vrv_error *err)
{
    int rc = check_broker(m, broker_id, err);
    if (rc) return rc;
    return result(rd_kafka_mock_broker_set_down(m->mc, broker_id), "broker down", err);
}

int vrv_kmock_broker_up(vrv_kmock *m, int32_t broker_id, vrv_error *err)
{
    int rc = check_broker(m, broker_id, err);
    if (rc) return rc;
    return result(rd_kafka_mock_broker_set_up(m->mc, broker_id), "broker up", err);
}

int vrv_kmock_broker_rtt(vrv_kmock *m, int32_t broker_id, int rtt_ms, vrv_error *err)
{
    int rc = check_broker(m, broker_id, err);
    if (rc) return rc;
    if (rtt_ms < 0) return vrv_error_set(err, VRV_EINVAL, "rtt: must be >= 0, got %d", rtt_ms);
    return result(rd_kafka_mock_broker_set_rtt(m->mc, broker_id, rtt_ms), "broker rtt", err);
}

int vrv_kmock_partition_leader(vrv_kmock *m, const char *topic, int32_t partition,
                               int32_t broker_id, vrv_error *err)
{
    int rc = check_broker(m, broker_id, err);
    if (rc) return rc;
    return result(rd_kafka_mock_partition_set_leader(m->mc, topic, partition, broker_id),
                  "partition leader", err);
}

void vrv_kmock_push_request_errors(vrv_kmock *m, int16_t api_key, size_t n, const int *errors)
{
    if (n == 0) return;
    rd_kafka_resp_err_t *e = vrv_malloc(n * sizeof *e);
    for (size_t i = 0; i < n; i++) e[i] = (rd_kafka_resp_err_t)errors[i];
    rd_kafka_mock_push_request_errors_array(m->mc, api_key, n, e);
    free(e);
}

int vrv_kmock_broker_push_request_errors(vrv_kmock *m, int32_t broker_id, int16_t api_key,
                                         size_t n, const int *errors, const int *rtt_ms,
                                         vrv_error *err)
{
    if (broker_id < 1 || broker_id > m->brokers)
        return vrv_error_set(err, VRV_EINVAL, "broker id %d: the mock cluster has brokers 1..%d",
                             broker_id, m->brokers);
    /* One call per error keeps them in order without a variadic list. */
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_mock_broker_push_request_error_rtts(
            m->mc, broker_id, api_key, 1, (rd_kafka_resp_err_t)errors[i], rtt_ms ? rtt_ms[i] : 0);
        if (e) return result(e, "push request errors", err);
    }
    return VRV_OK;
}

void vrv_kmock_clear_request_errors(vrv_kmock *m, int16_t api_key)
{
    rd_kafka_mock_clear_request_errors(m->mc, api_key);
}

void vrv_kmock_topic_set_error(vrv_kmock *m, const char *topic, int error)
{
    rd_kafka_mock_topic_set_error(m->mc, topic, (rd_kafka_resp_err_t)error);
}

void vrv_kmock_destroy(vrv_kmock *m)
{
    if (!m) return;
    rd_kafka_mock_cluster_destroy(m->mc);
    rd_kafka_destroy(m->rk);
    free(m->bootstrap);
    free(m);
}
