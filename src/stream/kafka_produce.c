/*
 * kafka_produce.c — the producer of kafka_produce.h on librdkafka. Delivery
 * reports are served every 1024 sends, whenever the local queue is full, and
 * by flush; they are counted and the first failure is kept for the caller.
 */
#include "stream/kafka_produce.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"

struct vrv_kafka_producer {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    char *topic;
    int partitions;
    vrv_kafka_partitioner partitioner;
    uint64_t rr;     /* next round-robin slot */
    uint64_t rng;    /* xorshift64 state */
    vrv_kafka_producer_stats stats;
    uint64_t failed_at_flush; /* stats.failed when the last flush returned */
    char first_error[512];    /* first delivery failure since the last flush */
};

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    vrv_kafka_producer *p = opaque;
    if (!m->err) {
        p->stats.delivered++;
        return;
    }
    if (p->stats.failed == p->failed_at_flush)
        snprintf(p->first_error, sizeof p->first_error, "topic %s partition %d: %s", p->topic,
                 m->partition, rd_kafka_err2str(m->err));
    p->stats.failed++;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    VRV_LOG(level <= LOG_WARNING ? VRV_LOG_WARN : VRV_LOG_DEBUG, "kafka", "%s: %s", fac, buf);
}

static uint64_t next_random(vrv_kafka_producer *p)
{
    uint64_t x = p->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return p->rng = x;
}

static int set_conf(rd_kafka_conf_t *c, const char *k, const char *v, vrv_error *err)
{
    char es[512];
    if (rd_kafka_conf_set(c, k, v, es, sizeof es) == RD_KAFKA_CONF_OK) return VRV_OK;
    size_t n = strlen(es);
    while (n && es[n - 1] == '\n') es[--n] = '\0';
    return vrv_error_set(err, VRV_EINVAL, "producer property %s: %s", k, es);
}

/* Partition count of the topic, waiting a little for brokers that create
 * topics on first use. */
static int find_partitions(vrv_kafka_producer *p, int timeout_ms, const char *bootstrap,
                           vrv_error *err)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t e = rd_kafka_metadata(p->rk, 0, p->rkt, &md, timeout_ms);
        if (e)
            return vrv_error_set(err, e == RD_KAFKA_RESP_ERR__TIMED_OUT ? VRV_ETIMEOUT : VRV_EIO,
                                 "Kafka brokers %s: metadata of topic %s: %s", bootstrap, p->topic,
                                 rd_kafka_err2str(e));
        int n = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
        rd_kafka_resp_err_t te = md->topic_cnt == 1 ? md->topics[0].err : 0;
        rd_kafka_metadata_destroy(md);
        if (n > 0) {
            p->partitions = n;
            return VRV_OK;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (ms >= timeout_ms)
            return vrv_error_set(err, VRV_ENOTFOUND, "Kafka topic %s does not exist at %s (%s)",
                                 p->topic, bootstrap,
                                 te ? rd_kafka_err2str(te) : "no partitions");
        usleep(50 * 1000);
    }
}

int vrv_kafka_producer_new(const vrv_kafka_producer_config *cfg, vrv_kafka_producer **out,
                           vrv_error *err)
{
    if (!cfg->bootstrap || !*cfg->bootstrap)
        return vrv_error_set(err, VRV_EINVAL, "bootstrap servers: required");
    if (!cfg->topic || !*cfg->topic) return vrv_error_set(err, VRV_EINVAL, "topic: required");
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    static const char *const defaults[][2] = {
        {"linger.ms", "20"},
        {"batch.num.messages", "10000"},
        {"queue.buffering.max.messages", "1000000"},
        {"queue.buffering.max.kbytes", "262144"},
        {"log.connection.close", "false"},
    };
    int rc = VRV_OK;
    for (size_t i = 0; i < VRV_ARRAY_LEN(defaults) && !rc; i++)
        rc = set_conf(c, defaults[i][0], defaults[i][1], err);
    if (!rc) rc = set_conf(c, "bootstrap.servers", cfg->bootstrap, err);
    for (const char *const *kv = cfg->props; kv && *kv && !rc; kv++) {
        const char *eq = strchr(*kv, '=');
        if (!eq || eq == *kv) {
            rc = vrv_error_set(err, VRV_EINVAL, "producer property \"%s\": expected name=value", *kv);
            break;
        }
        char name[256];
        size_t nl = VRV_MIN((size_t)(eq - *kv), sizeof name - 1);
        memcpy(name, *kv, nl);
        name[nl] = '\0';
        rc = set_conf(c, name, eq + 1, err);
    }
    /* Keyed records land where a Java producer would put them. */
    if (!rc && cfg->partitioner == VRV_KAFKA_BY_KEY) rc = set_conf(c, "partitioner", "murmur2_random", err);
    if (rc) {
        rd_kafka_conf_destroy(c);
        return rc;
    }
    vrv_kafka_producer *p = vrv_calloc(1, sizeof *p);
    p->topic = vrv_strdup(cfg->topic);
    p->partitioner = cfg->partitioner;
    p->rng = cfg->seed ? cfg->seed : (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL;
    if (!p->rng) p->rng = 1;
    rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
    rd_kafka_conf_set_log_cb(c, log_cb);
    rd_kafka_conf_set_opaque(c, p);
    char es[512];
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, es, sizeof es);
    if (!p->rk) {
        rd_kafka_conf_destroy(c);
        rc = vrv_error_set(err, VRV_EINVAL, "Kafka producer: %s", es);
        free(p->topic);
        free(p);
        return rc;
    }
    p->rkt = rd_kafka_topic_new(p->rk, p->topic, NULL);
    rc = find_partitions(p, cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000, cfg->bootstrap, err);
    if (rc) {
        vrv_kafka_producer_destroy(p);
        return rc;
    }
    *out = p;
    return VRV_OK;
}

int vrv_kafka_producer_partitions(const vrv_kafka_producer *p)
{
    return p->partitions;
}

int vrv_kafka_producer_send(vrv_kafka_producer *p, const vrv_kafka_msg *m, vrv_error *err)
{
    int32_t part = m->partition;
    if (part < 0) {
        if (p->partitioner == VRV_KAFKA_ROUND_ROBIN)
            part = (int32_t)(p->rr++ % (uint64_t)p->partitions);
        else if (p->partitioner == VRV_KAFKA_RANDOM || !m->key)
            part = (int32_t)(next_random(p) % (uint64_t)p->partitions);
        else
            part = RD_KAFKA_PARTITION_UA;
    } else if (part >= p->partitions) {
        return vrv_error_set(err, VRV_EINVAL, "topic %s has %d partitions, not %d", p->topic,
                             p->partitions, part + 1);
    }
    for (;;) {
        rd_kafka_headers_t *hdrs = NULL;
        if (m->n_headers) {
            hdrs = rd_kafka_headers_new(m->n_headers);
            for (size_t i = 0; i < m->n_headers; i++)
                rd_kafka_header_add(hdrs, m->headers[i].name.p, (ssize_t)m->headers[i].name.n,
                                    m->headers[i].value,
                                    m->headers[i].value ? (ssize_t)m->headers[i].value_len : 0);
        }
        rd_kafka_resp_err_t e = rd_kafka_producev(
            p->rk, RD_KAFKA_V_RKT(p->rkt), RD_KAFKA_V_PARTITION(part),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE((void *)m->value, m->value ? m->value_len : 0),
            RD_KAFKA_V_KEY(m->key, m->key ? m->key_len : 0), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_TIMESTAMP(m->timestamp), RD_KAFKA_V_END);
        if (!e) {
            /* serve delivery reports now and then; they are small and batched */
            if (++p->stats.sent % 1024 == 0) rd_kafka_poll(p->rk, 0);
            return VRV_OK;
        }
        if (hdrs) rd_kafka_headers_destroy(hdrs); /* not taken on failure */
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return vrv_error_set(err, e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? VRV_EINVAL : VRV_EIO,
                                 "topic %s partition %d: %s", p->topic, part, rd_kafka_err2str(e));
        rd_kafka_poll(p->rk, 20); /* let deliveries make room */
    }
}

int vrv_kafka_producer_send_lines(vrv_kafka_producer *p, const char *buf, size_t len,
                                  uint64_t *count, vrv_error *err)
{
    uint64_t n = 0;
    const char *s = buf, *end = buf + len;
    int rc = VRV_OK;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        size_t l = (size_t)(e - s);
        if (l && s[l - 1] == '\r') l--;
        if (l) {
            vrv_kafka_msg m = {.partition = -1, .value = s, .value_len = l};
            if ((rc = vrv_kafka_producer_send(p, &m, err))) break;
            n++;
        }
        s = nl ? nl + 1 : end;
    }
    if (count) *count = n;
    return rc;
}

int vrv_kafka_producer_flush(vrv_kafka_producer *p, int timeout_ms, vrv_error *err)
{
    rd_kafka_resp_err_t e = rd_kafka_flush(p->rk, timeout_ms);
    int rc = VRV_OK;
    if (p->stats.failed > p->failed_at_flush)
        rc = vrv_error_set(err, VRV_EIO, "%llu records could not be delivered; first: %s",
                           (unsigned long long)(p->stats.failed - p->failed_at_flush),
                           p->first_error);
    else if (e)
        rc = vrv_error_set(err, VRV_ETIMEOUT, "%d records not yet delivered to topic %s after %d ms",
                           rd_kafka_outq_len(p->rk), p->topic, timeout_ms);
    p->failed_at_flush = p->stats.failed;
    return rc;
}

void vrv_kafka_producer_stats_get(const vrv_kafka_producer *p, vrv_kafka_producer_stats *out)
{
    *out = p->stats;
}

void vrv_kafka_producer_destroy(vrv_kafka_producer *p)
{
    if (!p) return;
    rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(p->rk, 0);
    rd_kafka_topic_destroy(p->rkt);
    rd_kafka_destroy(p->rk);
    free(p->topic);
    free(p);
}
