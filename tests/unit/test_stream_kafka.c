/*
 * test_stream_kafka.c — the Kafka record supplier against an in-process mock
 * cluster: reading from earliest, seeking, earliest/latest positions,
 * partition discovery, keys, headers, timestamps, tombstones; and the
 * consumerProperties translation.
 */
#include <stdlib.h>

#include "base/buf.h"
#include "json/jutil.h"
#include "stream_kafka_util.h"

/* Reads until `want` records arrived or timeout_s passed, checking that each
 * partition's offsets are contiguous from its first offset and that values
 * are "rec-%07d" with i == offset * parts + partition + base (round robin).
 * Returns the number read; seen[i - base] counts deliveries. */
static long read_numbered(vrv_supplier *s, long want, int parts, int base, int64_t *first_off,
                          unsigned char *seen, double timeout_s)
{
    vrv_batch b = {0};
    vrv_error err;
    size_t na;
    const vrv_part *asg = vrv_supplier_assignment(s, &na);
    int64_t next[64];
    for (size_t i = 0; i < na; i++) next[i] = first_off ? first_off[i] : 0;
    long got = 0;
    double t0 = now_s();
    while (got < want && now_s() - t0 < timeout_s) {
        int rc = vrv_supplier_poll(s, &b, 100, &err);
        if (rc != VRV_OK && rc != VRV_EAGAIN) {
            vrv_test_fail(__FILE__, __LINE__, "poll: %s", err.msg);
            vrv_supplier_release(s, &b);
            break;
        }
        for (size_t i = 0; i < b.n; i++) {
            const vrv_record *r = &b.recs[i];
            int p = asg[r->part].partition;
            if (r->offset != next[r->part])
                vrv_test_fail(__FILE__, __LINE__, "partition %d: offset %lld, expected %lld", p,
                              (long long)r->offset, (long long)next[r->part]);
            next[r->part] = r->offset + 1;
            char want_val[32];
            long idx = (long)r->offset * parts + p;
            snprintf(want_val, sizeof want_val, "rec-%07ld", idx + base);
            if (r->value_len < strlen(want_val) || memcmp(r->value, want_val, strlen(want_val)))
                vrv_test_fail(__FILE__, __LINE__, "partition %d offset %lld: value %.12s, want %s",
                              p, (long long)r->offset, (const char *)r->value, want_val);
            if (seen) seen[idx]++;
            got++;
        }
        vrv_supplier_release(s, &b);
    }
    vrv_batch_free(&b);
    return got;
}

TEST(consume_from_earliest_exactly_once)
{
    const int N = 20000;
    make_topic("numbered", 4);
    produce_numbered("numbered", 0, N, 0);
    vrv_supplier *s = open_supplier("numbered", false, NULL);
    assign_all_earliest(s);
    unsigned char *seen = calloc(N, 1);
    double t0 = now_s();
    long got = read_numbered(s, N, 4, 0, NULL, seen, 20);
    double took = now_s() - t0;
    CHECK_INT(got, N);
    int dups = 0, missing = 0;
    for (int i = 0; i < N; i++) {
        if (seen[i] == 0) missing++;
        if (seen[i] > 1) dups++;
    }
    CHECK_INT(dups, 0);
    CHECK_INT(missing, 0);
    /* nothing more arrives */
    vrv_batch b = {0};
    vrv_error err;
    CHECK_INT(vrv_supplier_poll(s, &b, 50, &err), VRV_OK);
    CHECK_INT(b.n, 0);
    vrv_batch_free(&b);
    fprintf(stderr, "  read %d records from 4 partitions in %.3f s\n", N, took);
    free(seen);
    vrv_supplier_close(s);
}

TEST(seek_positions_and_edges)
{
    make_topic("seeky", 4);
    produce_numbered("seeky", 0, 8000, 0); /* 2000 per partition */
    vrv_supplier *s = open_supplier("seeky", false, NULL);
    vrv_part parts[4];
    for (int i = 0; i < 4; i++) vrv_part_kafka(NULL, i, &parts[i], NULL);
    vrv_error err;

    /* earliest / latest of every partition, and of one that does not exist */
    vrv_pos lo[4], hi[4];
    CHECK_INT(vrv_supplier_earliest(s, parts, 4, lo, &err), VRV_OK);
    CHECK_INT(vrv_supplier_latest(s, parts, 4, hi, &err), VRV_OK);
    for (int i = 0; i < 4; i++) {
        CHECK_INT(lo[i].offset, 0);
        CHECK_INT(hi[i].offset, 2000);
    }
    vrv_part p9;
    vrv_part_kafka(NULL, 9, &p9, NULL);
    vrv_pos x;
    CHECK_INT(vrv_supplier_latest(s, &p9, 1, &x, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "Kafka topic seeky has no partition 9");
    bool avail;
    vrv_pos off0 = vrv_pos_kafka(0);
    CHECK_INT(vrv_supplier_available(s, &parts[1], &off0, &avail, &err), VRV_OK);
    CHECK(avail);

    /* partition 2 from the middle, partition 3 from the end */
    CHECK_INT(vrv_supplier_assign(s, &parts[2], 2, &err), VRV_OK);
    vrv_pos mid = vrv_pos_kafka(1500);
    CHECK_INT(vrv_supplier_seek(s, &parts[2], &mid, &err), VRV_OK);
    CHECK_INT(vrv_supplier_seek_latest(s, &parts[3], &err), VRV_OK);
    vrv_pos pos;
    CHECK_INT(vrv_supplier_position(s, &parts[2], &pos, &err), VRV_OK);
    CHECK_INT(pos.offset, 1500);
    CHECK_INT(vrv_supplier_position(s, &parts[3], &pos, &err), VRV_OK);
    CHECK_INT(pos.offset, 2000);
    int64_t first[2] = {1500, 2000};
    CHECK_INT(read_numbered(s, 500, 4, 0, first, NULL, 10), 500);
    CHECK_INT(vrv_supplier_position(s, &parts[2], &pos, &err), VRV_OK);
    CHECK_INT(pos.offset, 2000);

    /* new records on partition 3 (and 2) arrive after the "latest" seek */
    produce_numbered("seeky", 8000, 8, 0);
    int64_t first2[2] = {2000, 2000};
    CHECK_INT(read_numbered(s, 4, 4, 0, first2, NULL, 10), 4);

    /* seeking back re-reads, forward skips */
    vrv_pos back = vrv_pos_kafka(10);
    CHECK_INT(vrv_supplier_seek(s, &parts[3], &back, &err), VRV_OK);
    vrv_pos fwd = vrv_pos_kafka(2002);
    CHECK_INT(vrv_supplier_seek(s, &parts[2], &fwd, &err), VRV_OK);
    int64_t first3[2] = {2002, 10};
    CHECK_INT(read_numbered(s, 1992, 4, 0, first3, NULL, 10), 1992);

    /* misuse */
    CHECK_INT(vrv_supplier_seek(s, &parts[0], &mid, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "partition 0 of seeky is not assigned");
    vrv_pos kin = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EOS);
    CHECK_INT(vrv_supplier_seek(s, &parts[2], &kin, &err), VRV_EINVAL);
    vrv_pos noend = vrv_pos_kafka(INT64_MAX);
    CHECK_INT(vrv_supplier_seek(s, &parts[2], &noend, &err), VRV_EINVAL);
    vrv_part twice[2] = {parts[0], parts[0]};
    CHECK_INT(vrv_supplier_assign(s, twice, 2, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "partition 0 is assigned twice");
    vrv_part multi;
    vrv_part_kafka("seeky", 0, &multi, NULL);
    CHECK_INT(vrv_supplier_assign(s, &multi, 1, &err), VRV_EINVAL);
    /* a newly assigned partition must be seeked before polling */
    CHECK_INT(vrv_supplier_assign(s, parts, 3, &err), VRV_OK);
    vrv_batch b = {0};
    CHECK_INT(vrv_supplier_poll(s, &b, 10, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "partition 0 of seeky is assigned but has no position: seek it before "
                       "polling");
    CHECK_INT(vrv_supplier_position(s, &parts[0], &pos, &err), VRV_EINVAL);
    vrv_batch_free(&b);
    vrv_supplier_close(s);
}

TEST(partition_discovery)
{
    vrv_error err;
    vrv_part *parts;
    size_t n;
    /* single topic */
    make_topic("disc-single", 3);
    vrv_supplier *s = open_supplier("disc-single", false, NULL);
    CHECK_INT(vrv_supplier_partitions(s, &parts, &n, &err), VRV_OK);
    CHECK_INT(n, 3);
    for (size_t i = 0; i < n; i++) CHECK_INT(parts[i].partition, (int)i);
    CHECK(!parts[0].multi_topic);
    free(parts);
    vrv_supplier_close(s);
    s = open_supplier("no-such-topic", false, NULL);
    CHECK_INT(vrv_supplier_partitions(s, &parts, &n, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "Topic [no-such-topic] is not found. Check that the topic exists in Kafka "
                       "cluster");
    vrv_supplier_close(s);

    /* topicPattern: topics created later are found by the next listing (the
     * mock cannot add partitions to a topic, so discovery is shown with new
     * topics) */
    s = open_supplier("metrics-.*", true, NULL);
    CHECK_INT(vrv_supplier_partitions(s, &parts, &n, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "No partitions found for topics that match given pattern [metrics-.*]. "
                       "Check that the pattern regex is correct and matching topics exists");
    make_topic("metrics-b", 2);
    CHECK_INT(vrv_supplier_partitions(s, &parts, &n, &err), VRV_OK);
    CHECK_INT(n, 2);
    free(parts);
    make_topic("metrics-a", 3);
    make_topic("xmetrics-c", 1);
    CHECK_INT(vrv_supplier_partitions(s, &parts, &n, &err), VRV_OK);
    CHECK_INT(n, 5);
    const char *want[] = {"metrics-a:0", "metrics-a:1", "metrics-a:2", "metrics-b:0", "metrics-b:1"};
    for (size_t i = 0; i < n && i < 5; i++) {
        CHECK_STR(parts[i].id, want[i]);
        CHECK(parts[i].multi_topic);
    }
    /* read both topics through one supplier */
    produce_numbered("metrics-a", 0, 30, 0);
    produce_numbered("metrics-b", 100, 20, 0);
    CHECK_INT(vrv_supplier_assign(s, parts, n, &err), VRV_OK);
    for (size_t i = 0; i < n; i++) CHECK_INT(vrv_supplier_seek_earliest(s, &parts[i], &err), VRV_OK);
    vrv_batch b = {0};
    int per_topic[2] = {0, 0};
    double t0 = now_s();
    while (per_topic[0] + per_topic[1] < 50 && now_s() - t0 < 10) {
        vrv_supplier_poll(s, &b, 100, &err);
        for (size_t i = 0; i < b.n; i++) {
            const vrv_part *p = &vrv_supplier_assignment(s, &n)[b.recs[i].part];
            per_topic[p->id[8] == 'b']++;
            vrv_pos rp = vrv_record_pos(s, &b.recs[i]);
            CHECK_INT(rp.offset, b.recs[i].offset);
        }
        vrv_supplier_release(s, &b);
    }
    CHECK_INT(per_topic[0], 30);
    CHECK_INT(per_topic[1], 20);
    vrv_batch_free(&b);
    free(parts);
    vrv_supplier_close(s);
}

TEST(keys_headers_timestamps_tombstones)
{
    make_topic("meta", 1);
    vrv_error err;
    vrv_kafka_producer *p;
    vrv_kafka_producer_config cfg = {.bootstrap = vrv_kmock_bootstrap(mock()), .topic = "meta"};
    CHECK_INT(vrv_kafka_producer_new(&cfg, &p, &err), VRV_OK);
    vrv_record_header hs[3] = {
        {.name = VRV_STR_LIT("source"), .value = "web", .value_len = 3},
        {.name = VRV_STR_LIT("empty"), .value = "", .value_len = 0},
        {.name = VRV_STR_LIT("nothing"), .value = NULL},
    };
    vrv_kafka_msg m1 = {.partition = 0, .value = "{\"a\":1}", .value_len = 7, .key = "user-7",
                        .key_len = 6, .headers = hs, .n_headers = 3, .timestamp = 1700000000123};
    vrv_kafka_msg tomb = {.partition = 0, .value = NULL, .key = "user-7", .key_len = 6,
                          .timestamp = 1700000000456};
    vrv_kafka_msg empty = {.partition = 0, .value = "", .value_len = 0};
    CHECK_INT(vrv_kafka_producer_send(p, &m1, &err), VRV_OK);
    CHECK_INT(vrv_kafka_producer_send(p, &tomb, &err), VRV_OK);
    CHECK_INT(vrv_kafka_producer_send(p, &empty, &err), VRV_OK);
    CHECK_INT(vrv_kafka_producer_flush(p, 5000, &err), VRV_OK);
    vrv_kafka_producer_stats st;
    vrv_kafka_producer_stats_get(p, &st);
    CHECK_INT(st.sent, 3);
    CHECK_INT(st.delivered, 3);
    CHECK_INT(st.failed, 0);
    vrv_kafka_msg bad = {.partition = 5, .value = "x", .value_len = 1};
    CHECK_INT(vrv_kafka_producer_send(p, &bad, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "topic meta has 1 partitions, not 6");
    vrv_kafka_producer_destroy(p);

    vrv_supplier *s = open_supplier("meta", false, NULL);
    assign_all_earliest(s);
    vrv_batch b = {0};
    vrv_record got[3];
    vrv_batch keep[3];
    memset(keep, 0, sizeof keep);
    size_t n = 0;
    double t0 = now_s();
    /* keep each record's batch until checked (records are zero-copy) */
    while (n < 3 && now_s() - t0 < 10) {
        vrv_supplier_poll(s, &keep[n], 100, &err);
        size_t k = keep[n].n;
        for (size_t i = 0; i < k && n + i < 3; i++) got[n + i] = keep[n].recs[i];
        if (k) {
            size_t first = n;
            n += k;
            /* headers of the first record */
            if (first == 0) {
                const vrv_record_header *h;
                size_t nh;
                CHECK_INT(vrv_supplier_headers(s, &got[0], &keep[0], &h, &nh), VRV_OK);
                CHECK_INT(nh, 3);
                if (nh == 3) {
                    CHECK_STRN(h[0].name.p, h[0].name.n, "source");
                    CHECK_STRN(h[0].value, h[0].value_len, "web");
                    CHECK_STRN(h[1].name.p, h[1].name.n, "empty");
                    CHECK(h[1].value != NULL);
                    CHECK_INT(h[1].value_len, 0);
                    CHECK_STRN(h[2].name.p, h[2].name.n, "nothing");
                    CHECK(h[2].value == NULL);
                }
                if (k >= 2) {
                    CHECK_INT(vrv_supplier_headers(s, &got[1], &keep[0], &h, &nh), VRV_OK);
                    CHECK_INT(nh, 0);
                }
            }
        } else {
            vrv_supplier_release(s, &keep[n]);
        }
    }
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STRN(got[0].value, got[0].value_len, "{\"a\":1}");
        CHECK_STRN(got[0].key, got[0].key_len, "user-7");
        CHECK_INT(got[0].timestamp, 1700000000123);
        CHECK(got[1].value == NULL); /* tombstone */
        CHECK_INT(got[1].value_len, 0);
        CHECK_STRN(got[1].key, got[1].key_len, "user-7");
        CHECK_INT(got[1].timestamp, 1700000000456);
        CHECK(got[2].value != NULL); /* empty, not null */
        CHECK_INT(got[2].value_len, 0);
        CHECK(got[2].key == NULL);
        CHECK(got[2].timestamp > 1700000000456);
    }
    for (int i = 0; i < 3; i++) {
        vrv_supplier_release(s, &keep[i]);
        vrv_batch_free(&keep[i]);
    }
    /* a batch must be released before the next poll */
    vrv_supplier_seek_earliest(s, &vrv_supplier_assignment(s, &n)[0], &err);
    t0 = now_s();
    while (b.n == 0 && now_s() - t0 < 5) {
        vrv_supplier_poll(s, &b, 100, &err);
    }
    CHECK(b.n > 0);
    CHECK_INT(vrv_supplier_poll(s, &b, 10, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "poll: the previous batch was not released");
    vrv_supplier_release(s, &b);
    vrv_batch_free(&b);
    vrv_supplier_close(s);
}

/* ----------------------------------------------------- consumerProperties */

static int props_of(const char *json, vrv_kafka_props *out, vrv_error *err)
{
    json_t *j = json_loads(json, 0, NULL);
    if (!j) {
        vrv_test_fail(__FILE__, __LINE__, "bad json %s", json);
        return -99;
    }
    int rc = vrv_kafka_props_from_json(j, "spec.ioConfig.consumerProperties", out, err);
    json_decref(j);
    return rc;
}

TEST(consumer_properties_defaults_and_forced)
{
    vrv_kafka_props p;
    vrv_error err;
    CHECK_INT(props_of("{\"bootstrap.servers\":\" h1:9092 , h2:9093\"}", &p, &err), VRV_OK);
    CHECK_STR(vrv_kafka_props_get(&p, "bootstrap.servers"), "h1:9092,h2:9093");
    const char *gid = vrv_kafka_props_get(&p, "group.id");
    CHECK(gid && strncmp(gid, "kafka-supervisor-", 17) == 0 && strlen(gid) == 25);
    CHECK_STR(vrv_kafka_props_get(&p, "isolation.level"), "read_committed");
    CHECK_STR(vrv_kafka_props_get(&p, "enable.auto.commit"), "false");
    CHECK_STR(vrv_kafka_props_get(&p, "auto.offset.reset"), "error");
    CHECK_STR(vrv_kafka_props_get(&p, "topic.metadata.refresh.interval.ms"), "10000");
    CHECK_STR(vrv_kafka_props_get(&p, "fetch.wait.max.ms"), "10");
    CHECK_INT(p.request_timeout_ms, 10000);
    CHECK_INT(p.max_poll_records, 10000);
    CHECK_INT(p.n_warnings, 0);
    vrv_kafka_props_free(&p);

    /* user values: overridable defaults win, forced ones do not */
    CHECK_INT(props_of("{\"bootstrap.servers\":\"h:1\",\"group.id\":\"acl-group\","
                       "\"isolation.level\":\"read_uncommitted\",\"auto.offset.reset\":\"latest\","
                       "\"enable.auto.commit\":true,\"fetch.max.wait.ms\":250,"
                       "\"metadata.max.age.ms\":\"60000\",\"max.poll.records\":500,"
                       "\"default.api.timeout.ms\":\"3000\",\"request.timeout.ms\":20000,"
                       "\"key.deserializer\":"
                       "\"org.apache.kafka.common.serialization.ByteArrayDeserializer\","
                       "\"value.deserializer\":"
                       "\"org.apache.kafka.common.serialization.StringDeserializer\","
                       "\"partition.assignment.strategy\":\"x.RangeAssignor\","
                       "\"some.unknown.setting\":1,\"client.id\":null}",
                       &p, &err),
              VRV_OK);
    CHECK_STR(vrv_kafka_props_get(&p, "group.id"), "acl-group");
    CHECK_STR(vrv_kafka_props_get(&p, "isolation.level"), "read_uncommitted");
    CHECK_STR(vrv_kafka_props_get(&p, "auto.offset.reset"), "error");
    CHECK_STR(vrv_kafka_props_get(&p, "enable.auto.commit"), "false");
    CHECK_STR(vrv_kafka_props_get(&p, "fetch.wait.max.ms"), "250");
    CHECK_STR(vrv_kafka_props_get(&p, "topic.metadata.refresh.interval.ms"), "10000");
    CHECK_STR(vrv_kafka_props_get(&p, "socket.timeout.ms"), "20000");
    CHECK(vrv_kafka_props_get(&p, "key.deserializer") == NULL);
    CHECK(vrv_kafka_props_get(&p, "some.unknown.setting") == NULL);
    CHECK(vrv_kafka_props_get(&p, "client.id") == NULL);
    CHECK_INT(p.max_poll_records, 500);
    CHECK_INT(p.request_timeout_ms, 3000);
    const char *warnings[] = {
        "spec.ioConfig.consumerProperties['auto.offset.reset']: ignored; Druid always reads with "
        "auto.offset.reset=none",
        "spec.ioConfig.consumerProperties['enable.auto.commit']: ignored; Druid always reads with "
        "enable.auto.commit=false",
        "spec.ioConfig.consumerProperties['metadata.max.age.ms']: ignored; Druid always reads with "
        "metadata.max.age.ms=10000",
        "spec.ioConfig.consumerProperties['value.deserializer']: ignored; records are read as "
        "bytes and decoded by the inputFormat",
        "spec.ioConfig.consumerProperties['partition.assignment.strategy']: ignored; a Java client "
        "setting varve's Kafka client (librdkafka) does not use",
        "spec.ioConfig.consumerProperties['some.unknown.setting']: ignored; not a setting of "
        "varve's Kafka client (librdkafka)",
    };
    CHECK_INT(p.n_warnings, VRV_ARRAY_LEN(warnings));
    for (size_t i = 0; i < p.n_warnings && i < VRV_ARRAY_LEN(warnings); i++)
        CHECK_STR(p.warnings[i], warnings[i]);
    vrv_kafka_props_free(&p);
}

TEST(consumer_properties_security)
{
    vrv_kafka_props p;
    vrv_error err;
    CHECK_INT(props_of("{\"bootstrap.servers\":\"h:1\",\"security.protocol\":\"SASL_SSL\","
                       "\"sasl.mechanism\":\"SCRAM-SHA-512\",\"sasl.jaas.config\":"
                       "\"org.apache.kafka.common.security.scram.ScramLoginModule required "
                       "username=\\\"druid\\\" password=\\\"p\\\\\\\"w;d\\\";\","
                       "\"ssl.truststore.type\":\"PEM\",\"ssl.truststore.location\":\"/etc/ca.pem\","
                       "\"ssl.keystore.location\":\"/etc/client.p12\","
                       "\"ssl.keystore.password\":{\"type\":\"default\",\"password\":\"ks\"},"
                       "\"ssl.truststore.password\":\"unused\","
                       "\"ssl.endpoint.identification.algorithm\":\"\"}",
                       &p, &err),
              VRV_OK);
    CHECK_STR(vrv_kafka_props_get(&p, "security.protocol"), "SASL_SSL");
    CHECK_STR(vrv_kafka_props_get(&p, "sasl.mechanism"), "SCRAM-SHA-512");
    CHECK_STR(vrv_kafka_props_get(&p, "sasl.username"), "druid");
    CHECK_STR(vrv_kafka_props_get(&p, "sasl.password"), "p\"w;d");
    CHECK_STR(vrv_kafka_props_get(&p, "ssl.ca.location"), "/etc/ca.pem");
    CHECK_STR(vrv_kafka_props_get(&p, "ssl.keystore.location"), "/etc/client.p12");
    CHECK_STR(vrv_kafka_props_get(&p, "ssl.keystore.password"), "ks");
    CHECK_STR(vrv_kafka_props_get(&p, "ssl.endpoint.identification.algorithm"), "none");
    CHECK(vrv_kafka_props_get(&p, "ssl.truststore.password") == NULL);
    vrv_kafka_props_free(&p);

    /* Kerberos keytab, passwords and whole properties from the environment */
    setenv("VARVE_TEST_KEY_PW", "from-env", 1);
    setenv("VARVE_TEST_JAAS",
           "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true "
           "keyTab=\"/etc/druid.keytab\" principal=\"druid@EXAMPLE.COM\";",
           1);
    CHECK_INT(props_of("{\"bootstrap.servers\":\"h:1\",\"sasl.kerberos.service.name\":\"kafka\","
                       "\"ssl.key.password\":{\"type\":\"environment\",\"variable\":"
                       "\"VARVE_TEST_KEY_PW\"},"
                       "\"druid.dynamic.config.provider\":{\"type\":\"environment\",\"variables\":"
                       "{\"sasl.jaas.config\":\"VARVE_TEST_JAAS\"}}}",
                       &p, &err),
              VRV_OK);
    CHECK_STR(vrv_kafka_props_get(&p, "sasl.kerberos.keytab"), "/etc/druid.keytab");
    CHECK_STR(vrv_kafka_props_get(&p, "sasl.kerberos.principal"), "druid@EXAMPLE.COM");
    CHECK_STR(vrv_kafka_props_get(&p, "sasl.kerberos.service.name"), "kafka");
    CHECK_STR(vrv_kafka_props_get(&p, "ssl.key.password"), "from-env");
    vrv_kafka_props_free(&p);

    /* PEM keystore file: certificate and key from the same file */
    CHECK_INT(props_of("{\"bootstrap.servers\":\"h:1\",\"ssl.keystore.type\":\"PEM\","
                       "\"ssl.keystore.location\":\"/etc/client.pem\"}",
                       &p, &err),
              VRV_OK);
    CHECK_STR(vrv_kafka_props_get(&p, "ssl.certificate.location"), "/etc/client.pem");
    CHECK_STR(vrv_kafka_props_get(&p, "ssl.key.location"), "/etc/client.pem");
    vrv_kafka_props_free(&p);
}

TEST(consumer_properties_errors)
{
    vrv_kafka_props p;
    vrv_error err;
    struct {
        const char *json;
        int code;
        const char *msg;
    } cases[] = {
        {"{}", VRV_EINVAL, "spec.ioConfig.consumerProperties['bootstrap.servers']: required"},
        {"{\"bootstrap.servers\":\"\"}", VRV_EINVAL,
         "spec.ioConfig.consumerProperties['bootstrap.servers']: required"},
        {"{\"bootstrap.servers\":\"h:1\",\"fetch.max.wait.ms\":\"soon\"}", VRV_EINVAL,
         "spec.ioConfig.consumerProperties['fetch.max.wait.ms']: Invalid value for configuration "
         "property \"fetch.wait.max.ms\""},
        {"{\"bootstrap.servers\":\"h:1\",\"fetch.min.bytes\":-7}", VRV_EINVAL,
         "spec.ioConfig.consumerProperties['fetch.min.bytes']: Configuration property "
         "\"fetch.min.bytes\" value -7 is outside allowed range 1..100000000"},
        {"{\"bootstrap.servers\":\"h:1\",\"isolation.level\":\"sometimes\"}", VRV_EINVAL,
         "spec.ioConfig.consumerProperties['isolation.level']: Invalid value \"sometimes\" for "
         "configuration property \"isolation.level\""},
        {"{\"bootstrap.servers\":\"h:1\",\"security.protocol\":[\"SSL\"]}", VRV_EINVAL,
         "spec.ioConfig.consumerProperties['security.protocol']: must be a string, number or "
         "boolean, got an array"},
        {"{\"bootstrap.servers\":\"h:1\",\"max.poll.records\":\"lots\"}", VRV_EINVAL,
         "spec.ioConfig.consumerProperties['max.poll.records']: must be an integer between 1 and "
         "2147483647, got \"lots\""},
        {"{\"bootstrap.servers\":\"h:1\",\"ssl.truststore.location\":\"/etc/t.jks\"}",
         VRV_EUNSUPPORTED,
         "spec.ioConfig.consumerProperties['ssl.truststore.location']: a JKS truststore cannot be "
         "read by varve's Kafka client; give the CA certificates as a PEM file "
         "(ssl.truststore.type=PEM)"},
        {"{\"bootstrap.servers\":\"h:1\",\"ssl.keystore.location\":\"/etc/k.jks\"}",
         VRV_EUNSUPPORTED,
         "spec.ioConfig.consumerProperties['ssl.keystore.location']: a JKS keystore cannot be "
         "read by varve's Kafka client; give a PKCS12 or PEM keystore (ssl.keystore.type)"},
        {"{\"bootstrap.servers\":\"h:1\",\"sasl.jaas.config\":\"x.CustomLoginModule required;\"}",
         VRV_EUNSUPPORTED,
         "spec.ioConfig.consumerProperties['sasl.jaas.config']: login module "
         "x.CustomLoginModule is not supported (PlainLoginModule, ScramLoginModule, "
         "Krb5LoginModule, OAuthBearerLoginModule are)"},
        {"{\"bootstrap.servers\":\"h:1\",\"sasl.jaas.config\":\"a.PlainLoginModule required "
         "username=\\\"u;\"}",
         VRV_EINVAL,
         "spec.ioConfig.consumerProperties['sasl.jaas.config']: unterminated quoted value of "
         "username"},
        {"{\"bootstrap.servers\":\"h:1\",\"sasl.jaas.config\":\"\"}", VRV_EINVAL,
         "spec.ioConfig.consumerProperties['sasl.jaas.config']: expected \"<LoginModule class> "
         "required ...;\""},
        {"{\"bootstrap.servers\":\"h:1\",\"ssl.key.password\":{\"type\":\"vault\"}}",
         VRV_EUNSUPPORTED,
         "spec.ioConfig.consumerProperties['ssl.key.password'].type: password provider \"vault\" "
         "is not supported (default, environment are)"},
        {"{\"bootstrap.servers\":\"h:1\",\"ssl.key.password\":{\"type\":\"environment\","
         "\"variable\":\"VARVE_TEST_UNSET_VAR\"}}",
         VRV_EINVAL,
         "spec.ioConfig.consumerProperties['ssl.key.password']: environment variable "
         "VARVE_TEST_UNSET_VAR is not set"},
        {"{\"bootstrap.servers\":\"h:1\",\"druid.dynamic.config.provider\":{\"type\":\"aws\"}}",
         VRV_EUNSUPPORTED,
         "spec.ioConfig.consumerProperties['druid.dynamic.config.provider'].type: dynamic config "
         "provider \"aws\" is not supported (environment is)"},
        {"[1]", VRV_EINVAL, "spec.ioConfig.consumerProperties: must be an object, got an array"},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        vrv_error_clear(&err);
        int rc = props_of(cases[i].json, &p, &err);
        if (rc != cases[i].code || strcmp(err.msg, cases[i].msg) != 0)
            vrv_test_fail(__FILE__, __LINE__, "case %zu: rc %d msg \"%s\", want %d \"%s\"", i, rc,
                          err.msg, cases[i].code, cases[i].msg);
        if (rc == VRV_OK) vrv_kafka_props_free(&p);
    }

    /* garbage that only librdkafka's client creation can judge */
    json_t *props = json_pack("{s:s, s:s}", "bootstrap.servers", "h:1", "ssl.key.location",
                              "/nonexistent/key.pem");
    json_object_set_new(props, "security.protocol", json_string("SSL"));
    vrv_kafka_config cfg = {.topic = "t", .consumer_properties = props};
    vrv_supplier *s = NULL;
    CHECK_INT(vrv_kafka_open(&cfg, &s, &err), VRV_EINVAL);
    CHECK(strncmp(err.msg, "consumerProperties: ", 20) == 0);
    CHECK(s == NULL);
    cfg = (vrv_kafka_config){.topic = "t", .topic_pattern = "x", .consumer_properties = props};
    CHECK_INT(vrv_kafka_open(&cfg, &s, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "exactly one of topic and topicPattern must be given");
    cfg = (vrv_kafka_config){.topic_pattern = "(", .consumer_properties = props};
    CHECK_INT(vrv_kafka_open(&cfg, &s, &err), VRV_EINVAL);
    CHECK(strncmp(err.msg, "topicPattern: invalid regular expression \"(\"", 44) == 0);
    json_decref(props);
}
