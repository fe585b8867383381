/*
 * kafka.h — the Kafka record supplier (librdkafka), and the translation of a
 * Druid spec's `consumerProperties` (Java KafkaConsumer settings) into
 * librdkafka configuration.
 *
 * The supplier reads with manual assignment, never joins a consumer group and
 * never commits offsets: positions live in varve's metadata store, as in
 * Druid. It is a vrv_supplier (supplier.h); open one with vrv_kafka_open.
 *
 * consumerProperties → librdkafka, in this order (later wins):
 *  1. varve's defaults, which a property given by the user replaces:
 *       group.id=kafka-supervisor-<8 random letters>  (Druid's; librdkafka
 *                                                       needs one to assign)
 *       isolation.level=read_committed                 (Druid's)
 *       fetch.wait.max.ms=10        a partition at its end does not hold up a
 *                                   fetch for 500 ms (real-time latency)
 *       queued.min.messages=1000000 keep prefetching with many partitions
 *                                   (the prefetch stays bounded by
 *                                   queued.max.messages.kbytes, 64 MiB)
 *       reconnect.backoff.max.ms=1000  the Java client's default
 *       log.connection.close=false     idle disconnects are not errors
 *  2. the user's properties, translated:
 *       same name in both clients: bootstrap.servers, client.id,
 *         security.protocol, sasl.mechanism, sasl.kerberos.*, group.id,
 *         group.instance.id, isolation.level, fetch.min.bytes,
 *         fetch.max.bytes, max.partition.fetch.bytes, session.timeout.ms,
 *         heartbeat.interval.ms, max.poll.interval.ms, reconnect.backoff.*,
 *         retry.backoff.ms, connections.max.idle.ms,
 *         socket.connection.setup.timeout.ms, client.rack, check.crcs,
 *         allow.auto.create.topics, ssl.key.password, ssl.cipher.suites,
 *         and any librdkafka property by its own name;
 *       renamed: fetch.max.wait.ms → fetch.wait.max.ms,
 *         metadata.max.age.ms → topic.metadata.refresh.interval.ms,
 *         request.timeout.ms → socket.timeout.ms,
 *         receive.buffer.bytes → socket.receive.buffer.bytes,
 *         send.buffer.bytes → socket.send.buffer.bytes,
 *         ssl.truststore.location (type PEM) → ssl.ca.location,
 *         ssl.truststore.certificates → ssl.ca.pem,
 *         ssl.keystore.location (type PKCS12, or a .p12/.pfx file) →
 *           ssl.keystore.location; (type PEM) → ssl.certificate.location +
 *           ssl.key.location,
 *         ssl.keystore.certificate.chain → ssl.certificate.pem,
 *         ssl.keystore.key → ssl.key.pem,
 *         ssl.endpoint.identification.algorithm "" → none;
 *       sasl.jaas.config is parsed: PlainLoginModule / ScramLoginModule
 *         username, password → sasl.username, sasl.password;
 *         Krb5LoginModule keyTab, principal → sasl.kerberos.keytab,
 *         sasl.kerberos.principal; OAuthBearerLoginModule clientId,
 *         clientSecret, scope → sasl.oauthbearer.client.id, .client.secret,
 *         .scope with sasl.oauthbearer.method=oidc, and
 *         unsecuredLoginStringClaim_sub → an unsecured JWT for that principal;
 *       read by varve itself: max.poll.records (records per poll, default
 *         10000), default.api.timeout.ms (metadata and offset queries,
 *         default 10000);
 *       Druid's: druid.dynamic.config.provider {"type":"environment",
 *         "variables":{property: ENV_VAR}} supplies properties from the
 *         environment; the password properties (ssl.keystore.password,
 *         ssl.key.password, ssl.truststore.password) may be a
 *         PasswordProvider {"type":"default","password":..} or
 *         {"type":"environment","variable":..};
 *       Java-only settings librdkafka has no use for (key.deserializer,
 *         value.deserializer, partition.assignment.strategy,
 *         interceptor.classes, metric.reporters, ssl.protocol,
 *         ssl.enabled.protocols, ssl.truststore.type, ...) and unknown names
 *         are dropped with a warning, never an error;
 *       a JKS truststore or keystore is an error (librdkafka cannot read
 *         one): give PEM or PKCS#12 files.
 *  3. what Druid forces, whatever the user says (a user value is ignored with
 *     a warning): enable.auto.commit=false, enable.auto.offset.store=false,
 *     auto.offset.reset=error (Druid's "none": an offset that is gone is
 *     reported, never silently skipped), enable.partition.eof=false,
 *     topic.metadata.refresh.interval.ms=10000 (Druid's
 *     metadata.max.age.ms=10000).
 *
 * A value librdkafka rejects is VRV_EINVAL naming the property:
 * "spec.ioConfig.consumerProperties['fetch.max.wait.ms']: Invalid value for
 * configuration property \"fetch.wait.max.ms\"".
 */
#ifndef VRV_STREAM_KAFKA_H
#define VRV_STREAM_KAFKA_H

#include <jansson.h>

#include "base/error.h"
#include "stream/supplier.h"

typedef struct vrv_kafka_config {
    const char *topic;                 /* single-topic mode, or NULL */
    const char *topic_pattern;         /* multi-topic mode, or NULL (exactly one is set) */
    const json_t *consumer_properties; /* Druid's consumerProperties object (borrowed) */
    const char *path;                  /* JSON path of consumer_properties for messages;
                                          NULL: "consumerProperties" */
    int poll_timeout_ms;               /* Druid's pollTimeout; 0: 100 */
} vrv_kafka_config;

/* Opens a Kafka supplier. On success *out is the supplier (close it with
 * vrv_supplier_close); nothing is borrowed from cfg afterwards. No broker is
 * contacted until the first call that needs one. */
int vrv_kafka_open(const vrv_kafka_config *cfg, vrv_supplier **out, vrv_error *err);

/* The librdkafka configuration that consumerProperties translate to. */
typedef struct vrv_kafka_props {
    char **kv;               /* n pairs: kv[2i] the librdkafka name, kv[2i+1] the value */
    size_t n;
    char **warnings;         /* n_warnings messages about dropped or ignored properties */
    size_t n_warnings;
    int request_timeout_ms;  /* default.api.timeout.ms, or 10000 */
    int max_poll_records;    /* max.poll.records, or 10000 */
} vrv_kafka_props;

/* Translates consumerProperties (an object) as described above and checks
 * every value with librdkafka. bootstrap.servers is required. On success *out
 * owns its strings (free with vrv_kafka_props_free); warnings are also
 * logged. */
int vrv_kafka_props_from_json(const json_t *consumer_properties, const char *path,
                              vrv_kafka_props *out, vrv_error *err);
/* The value of a librdkafka property in props, or NULL. */
const char *vrv_kafka_props_get(const vrv_kafka_props *props, const char *name);
void vrv_kafka_props_free(vrv_kafka_props *props);

#endif
