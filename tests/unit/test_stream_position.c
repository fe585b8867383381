/*
 * test_stream_position.c — positions, partition ids, task groups and position
 * maps against Druid's rules (druid-streaming.md §4.1, §4.2, §4.8).
 */
#include <stdlib.h>

#include "base/buf.h"
#include "json/jutil.h"
#include "json/jwriter.h"
#include "stream/position.h"
#include "test.h"

static vrv_pos kin(const char *s)
{
    vrv_pos p;
    vrv_error err;
    if (vrv_pos_parse(VRV_STREAM_KINESIS, s, strlen(s), NULL, &p, &err) != VRV_OK) {
        vrv_test_fail(__FILE__, __LINE__, "parse %s: %s", s, err.msg);
        return vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_NOT_SET);
    }
    return p;
}

static vrv_part kpart(const char *topic, int p)
{
    vrv_part out;
    CHECK_INT(vrv_part_kafka(topic, p, &out, NULL), VRV_OK);
    return out;
}

static vrv_part shard(const char *id)
{
    vrv_part out;
    CHECK_INT(vrv_part_kinesis(id, &out, NULL), VRV_OK);
    return out;
}

static char *json_of_map(const vrv_posmap *m, vrv_posmap_form form)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_posmap_write_json(&w, m, form);
    return vrv_buf_detach(&b);
}

static int load_map(const char *text, vrv_stream_type t, vrv_posmap *m, vrv_posmap_form *form,
                    vrv_error *err)
{
    json_t *j;
    if (vrv_json_load_buf(text, strlen(text), "map", &j, err)) return err->code;
    int rc = vrv_posmap_from_json(j, t, "payload", m, form, err);
    json_decref(j);
    return rc;
}

/* 56-digit sequence numbers as Kinesis hands them out. */
#define SEQ_A "49590338271490256608559692538361571095921575989136588898"
#define SEQ_B "49590338271490256608559692540925702759324208523137515618"
#define SEQ_C "49590338271490256608559692540925702759324208523137515619"

TEST(kinesis_sequence_compare_big)
{
    vrv_pos a = kin(SEQ_A), b = kin(SEQ_B), c = kin(SEQ_C);
    CHECK(vrv_pos_cmp(&a, &b) < 0);
    CHECK(vrv_pos_cmp(&b, &a) > 0);
    CHECK(vrv_pos_cmp(&b, &c) < 0);
    CHECK(vrv_pos_cmp(&c, &c) == 0);
    /* length decides before bytes: 9 < 10, 99..9 (55 digits) < SEQ_A */
    vrv_pos nine = kin("9"), ten = kin("10");
    CHECK(vrv_pos_cmp(&nine, &ten) < 0);
    vrv_pos short55 = kin("9999999999999999999999999999999999999999999999999999999");
    CHECK(vrv_pos_cmp(&short55, &a) < 0);
    /* leading zeros: equal as numbers, different as stored values */
    vrv_pos z = kin("00010");
    CHECK(vrv_pos_cmp(&z, &ten) == 0);
    CHECK(!vrv_pos_same(&z, &ten));
    CHECK(vrv_pos_same(&b, &b));
    vrv_pos zero = kin("0"), zeros = kin("000");
    CHECK(vrv_pos_cmp(&zero, &zeros) == 0);
    /* 128 digits accepted, 129 rejected, junk rejected */
    char d[131];
    memset(d, '7', sizeof d);
    vrv_pos p;
    vrv_error err;
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KINESIS, d, 128, NULL, &p, &err), VRV_OK);
    CHECK_INT(p.seq_len, 128);
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KINESIS, d, 129, "seq", &p, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "seq: Kinesis sequence number has 129 digits, at most 128 allowed");
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KINESIS, "12a", 3, "x", &p, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "x: Kinesis sequence number must be decimal digits or a marker, got \"12a\"");
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KINESIS, "-5", 2, "x", &p, &err), VRV_EINVAL);
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KINESIS, "", 0, "x", &p, &err), VRV_EINVAL);
}

TEST(kinesis_markers_order)
{
    vrv_pos th = kin("UNREAD_TRIM_HORIZON"), lat = kin("UNREAD_LATEST"), notset = kin("-1");
    vrv_pos eos = kin("EOS"), exp = kin("EXPIRED"), noend = kin("NO_END_SEQUENCE_NUMBER");
    vrv_pos zero = kin("0"), a = kin(SEQ_A);
    CHECK_INT(th.kind, VRV_POS_UNREAD_TRIM_HORIZON);
    CHECK_INT(notset.kind, VRV_POS_NOT_SET);
    CHECK_INT(eos.kind, VRV_POS_EOS);
    CHECK_INT(exp.kind, VRV_POS_EXPIRED);
    CHECK_INT(noend.kind, VRV_POS_NO_END);
    /* both unread: equal; unread below everything */
    CHECK(vrv_pos_cmp(&th, &lat) == 0);
    CHECK(vrv_pos_cmp(&th, &notset) < 0);
    CHECK(vrv_pos_cmp(&lat, &zero) < 0);
    CHECK(vrv_pos_cmp(&lat, &eos) < 0);
    /* "-1" is the number -1 */
    CHECK(vrv_pos_cmp(&notset, &zero) < 0);
    /* max markers equal each other and beat every number */
    CHECK(vrv_pos_cmp(&eos, &exp) == 0);
    CHECK(vrv_pos_cmp(&exp, &noend) == 0);
    CHECK(vrv_pos_cmp(&eos, &a) > 0);
    CHECK(vrv_pos_cmp(&a, &noend) < 0);
    CHECK(!vrv_pos_same(&eos, &exp));
    /* text round trip */
    const char *names[] = {"EOS", "EXPIRED", "NO_END_SEQUENCE_NUMBER", "UNREAD_TRIM_HORIZON",
                           "UNREAD_LATEST", "-1", SEQ_A, "007"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(names); i++) {
        vrv_pos p = kin(names[i]);
        char buf[VRV_POS_TEXT_MAX + 1];
        CHECK_INT(vrv_pos_format(&p, buf, sizeof buf), strlen(names[i]));
        CHECK_STR(buf, names[i]);
    }
}

TEST(kafka_positions)
{
    vrv_pos a = vrv_pos_kafka(5), b = vrv_pos_kafka(6), ns = vrv_pos_kafka(-1);
    vrv_pos end = vrv_pos_kafka(INT64_MAX);
    CHECK_INT(ns.kind, VRV_POS_NOT_SET);
    CHECK_INT(end.kind, VRV_POS_NO_END);
    CHECK_INT(a.kind, VRV_POS_OFFSET);
    CHECK(vrv_pos_cmp(&a, &b) < 0);
    CHECK(vrv_pos_cmp(&ns, &a) < 0);
    CHECK(vrv_pos_cmp(&end, &b) > 0);
    char buf[64];
    vrv_pos_format(&end, buf, sizeof buf);
    CHECK_STR(buf, "9223372036854775807");
    vrv_pos p;
    vrv_error err;
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KAFKA, "9223372036854775807", 19, NULL, &p, &err), VRV_OK);
    CHECK_INT(p.kind, VRV_POS_NO_END);
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KAFKA, "-2", 2, "off", &p, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "off: Kafka offset must be >= -1, got -2");
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KAFKA, "1e3", 3, "off", &p, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "off: Kafka offset must be an integer, got \"1e3\"");
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KAFKA, "99999999999999999999", 20, "off", &p, &err),
              VRV_EINVAL);
    /* next start after reading a record */
    vrv_pos n = vrv_pos_after(&a);
    CHECK_INT(n.offset, 6);
    CHECK(!n.exclusive);
}

TEST(more_to_read_and_available)
{
    /* Kafka: the end is exclusive */
    vrv_pos r9 = vrv_pos_kafka(9), r10 = vrv_pos_kafka(10), e10 = vrv_pos_kafka(10);
    vrv_pos noend = vrv_pos_kafka(INT64_MAX);
    CHECK(vrv_pos_more_to_read(&r9, &e10));
    CHECK(!vrv_pos_more_to_read(&r10, &e10));
    CHECK(vrv_pos_more_to_read(&r10, &noend));
    /* Kinesis: the end is inclusive; an unread end has nothing to read */
    vrv_pos b = kin(SEQ_B), c = kin(SEQ_C);
    CHECK(vrv_pos_more_to_read(&b, &c));
    CHECK(vrv_pos_more_to_read(&c, &c));
    CHECK(!vrv_pos_more_to_read(&c, &b));
    vrv_pos th = kin("UNREAD_TRIM_HORIZON"), eos = kin("EOS");
    CHECK(!vrv_pos_more_to_read(&b, &th));
    CHECK(vrv_pos_more_to_read(&c, &eos));
    /* availability: pos >= earliest; unread Kinesis positions always */
    vrv_pos k3 = vrv_pos_kafka(3), k5 = vrv_pos_kafka(5);
    CHECK(!vrv_pos_available(&k3, &k5));
    CHECK(vrv_pos_available(&k5, &k5));
    CHECK(vrv_pos_available(&c, &b));
    CHECK(!vrv_pos_available(&b, &c));
    CHECK(vrv_pos_available(&th, &c));
    /* Kinesis next start: same number, exclusive */
    vrv_pos nx = vrv_pos_after(&b);
    CHECK(nx.exclusive);
    CHECK(vrv_pos_same(&nx, &b));
    /* After reading: standing at the next start, is anything left before the
     * end? Kafka as before; Kinesis, having read the end record, nothing. */
    CHECK(vrv_pos_more_after(&r9, &e10));
    CHECK(!vrv_pos_more_after(&r10, &e10));
    vrv_pos nc = vrv_pos_after(&c);
    CHECK(!vrv_pos_more_after(&nc, &c));
    CHECK(vrv_pos_more_after(&nx, &c));
    vrv_pos noend_k = kin("NO_END_SEQUENCE_NUMBER");
    CHECK(vrv_pos_more_after(&nc, &noend_k));
    CHECK(vrv_pos_more_after(&th, &noend_k));
    CHECK(!vrv_pos_more_after(&eos, &noend_k)); /* a closed shard read to its end */
}

TEST(partition_ids)
{
    vrv_part p;
    vrv_error err;
    CHECK_INT(vrv_part_parse(VRV_STREAM_KAFKA, "12", 2, &p, &err), VRV_OK);
    CHECK(!p.multi_topic);
    CHECK_INT(p.partition, 12);
    CHECK_STR(p.id, "12");
    vrv_str t = vrv_part_topic(&p, "events");
    CHECK_STRN(t.p, t.n, "events");
    /* multi-topic: split at the LAST colon */
    const char *k = "ns:metrics:7";
    CHECK_INT(vrv_part_parse(VRV_STREAM_KAFKA, k, strlen(k), &p, &err), VRV_OK);
    CHECK(p.multi_topic);
    CHECK_INT(p.partition, 7);
    t = vrv_part_topic(&p, "ignored");
    CHECK_STRN(t.p, t.n, "ns:metrics");
    CHECK_STR(p.id, "ns:metrics:7");
    CHECK_INT(vrv_part_parse(VRV_STREAM_KAFKA, "x", 1, &p, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "Kafka partition id must be a partition number or \"topic:partition\", got \"x\"");
    CHECK_INT(vrv_part_parse(VRV_STREAM_KAFKA, "t:-1", 4, &p, &err), VRV_EINVAL);
    CHECK_INT(vrv_part_parse(VRV_STREAM_KAFKA, ":1", 2, &p, &err), VRV_EINVAL);
    CHECK_INT(vrv_part_parse(VRV_STREAM_KAFKA, "2147483648", 10, &p, &err), VRV_EINVAL);
    CHECK_INT(vrv_part_parse(VRV_STREAM_KINESIS, "shardId-000000000001", 20, &p, &err), VRV_OK);
    CHECK_STR(p.id, "shardId-000000000001");
    /* Kafka map order is numeric, not textual */
    vrv_part p2 = kpart(NULL, 2), p10 = kpart(NULL, 10);
    CHECK(vrv_part_cmp(&p2, &p10) < 0);
    vrv_part a1 = kpart("a", 1), b0 = kpart("b", 0);
    CHECK(vrv_part_cmp(&a1, &b0) < 0);
    CHECK(!vrv_part_equal(&p2, &a1));
}

TEST(java_string_hash)
{
    CHECK_INT(vrv_part_java_hash("", 0), 0);
    CHECK_INT(vrv_part_java_hash("a", 1), 97);
    CHECK_INT(vrv_part_java_hash("wikipedia", 9), 1558992055);
    /* overflows int32 several times and ends negative */
    CHECK_INT(vrv_part_java_hash("metrics-clickstream-events", 26), -587678520);
    /* non-ASCII: U+00FC is one UTF-16 unit, U+1F600 a surrogate pair */
    const char *u = "events.\xc3\xbc\xf0\x9f\x98\x80";
    CHECK_INT(vrv_part_java_hash(u, strlen(u)), 1002657034);
}

TEST(task_groups)
{
    /* single topic: partition % taskCount */
    vrv_part p7 = kpart(NULL, 7);
    CHECK_INT(vrv_part_task_group_kafka(&p7, 3), 1);
    CHECK_INT(vrv_part_task_group_kafka(&p7, 1), 0);
    /* multi-topic: abs(31 * hash(topic) + partition) % taskCount, Java int
     * arithmetic. hash("metrics-clickstream-events") = -587678520, so
     * 31 * h wraps: groups for partitions 0..5 with taskCount 4 are
     * 0,3,2,1,0,3 (computed with Java's rules). */
    int want[] = {0, 3, 2, 1, 0, 3};
    for (int i = 0; i < 6; i++) {
        vrv_part p = kpart("metrics-clickstream-events", i);
        CHECK_INT(vrv_part_task_group_kafka(&p, 4), want[i]);
    }
    vrv_part p5 = kpart("metrics-clickstream-events", 5);
    CHECK_INT(vrv_part_task_group_kafka(&p5, 7), 6);
    /* 31 * hash("wikipedia") + 1063370199 == Integer.MIN_VALUE: Math.abs keeps
     * it negative and Java's % gives -2 for taskCount 3. */
    vrv_part pm = kpart("wikipedia", 1063370199);
    CHECK_INT(vrv_part_task_group_kafka(&pm, 3), -2);
    /* Kinesis: index in the discovered shard list % taskCount */
    vrv_part shards[4] = {shard("shardId-000000000000"), shard("shardId-000000000001"),
                          shard("shardId-000000000002"), shard("shardId-000000000003")};
    CHECK_INT(vrv_part_task_group_kinesis(&shards[3], shards, 4, 2), 1);
    CHECK_INT(vrv_part_task_group_kinesis(&shards[2], shards, 4, 2), 0);
    vrv_part other = shard("shardId-000000000009");
    CHECK_INT(vrv_part_task_group_kinesis(&other, shards, 4, 2), -1);
}

TEST(topic_pattern)
{
    vrv_topic_pattern *re;
    vrv_error err;
    CHECK_INT(vrv_topic_pattern_new("metrics-.*", NULL, &re, &err), VRV_OK);
    CHECK(vrv_topic_pattern_match(re, "metrics-a", 9));
    CHECK(!vrv_topic_pattern_match(re, "xmetrics-a", 10)); /* whole-topic match */
    CHECK(!vrv_topic_pattern_match(re, "metric", 6));
    vrv_topic_pattern_free(re);
    CHECK_INT(vrv_topic_pattern_new("a(b", "ioConfig.topicPattern", &re, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "ioConfig.topicPattern: invalid regular expression \"a(b\" at offset 3") ==
          err.msg);
}

TEST(posmap_json_kafka)
{
    vrv_posmap m;
    vrv_posmap_init(&m, VRV_STREAM_KAFKA, "events");
    vrv_part p10 = kpart(NULL, 10), p2 = kpart(NULL, 2), p0 = kpart(NULL, 0);
    vrv_pos a = vrv_pos_kafka(5678), b = vrv_pos_kafka(1234), c = vrv_pos_kafka(0);
    vrv_posmap_set(&m, &p10, &a);
    vrv_posmap_set(&m, &p2, &b);
    vrv_posmap_set(&m, &p0, &c);
    char *s = json_of_map(&m, VRV_POSMAP_END);
    CHECK_STR(s, "{\"type\":\"end\",\"stream\":\"events\",\"topic\":\"events\","
                 "\"partitionSequenceNumberMap\":{\"0\":0,\"2\":1234,\"10\":5678},"
                 "\"partitionOffsetMap\":{\"0\":0,\"2\":1234,\"10\":5678}}");
    free(s);
    s = json_of_map(&m, VRV_POSMAP_START);
    CHECK_STR(s, "{\"type\":\"start\",\"stream\":\"events\",\"topic\":\"events\","
                 "\"partitionSequenceNumberMap\":{\"0\":0,\"2\":1234,\"10\":5678},"
                 "\"partitionOffsetMap\":{\"0\":0,\"2\":1234,\"10\":5678},"
                 "\"exclusivePartitions\":[]}");
    free(s);
    /* metadata wrapper, then read back */
    vrv_buf b2 = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b2, 0);
    vrv_posmap_write_metadata_json(&w, &m);
    CHECK(strncmp(b2.data, "{\"type\":\"kafka\",\"partitions\":{\"type\":\"end\",", 43) == 0);
    json_t *j;
    vrv_error err;
    CHECK_INT(vrv_json_load_buf(b2.data, b2.len, "x", &j, &err), VRV_OK);
    vrv_posmap back;
    CHECK_INT(vrv_posmap_from_metadata_json(j, "metadata", &back, &err), VRV_OK);
    CHECK(vrv_posmap_equal(&back, &m, true));
    json_decref(j);
    vrv_posmap_free(&back);
    vrv_buf_free(&b2);
    vrv_posmap_free(&m);

    /* reader: older rows carry only "topic" + "partitionOffsetMap", string values
     * coerce; partitionOffsetMap wins over partitionSequenceNumberMap */
    vrv_posmap_form form;
    CHECK_INT(load_map("{\"topic\":\"t\",\"partitionOffsetMap\":{\"1\":\"7\"},"
                       "\"partitionSequenceNumberMap\":{\"1\":9}}",
                       VRV_STREAM_KAFKA, &m, &form, &err),
              VRV_OK);
    CHECK_INT(form, VRV_POSMAP_END);
    CHECK_STR(m.stream, "t");
    vrv_part p1 = kpart(NULL, 1);
    CHECK_INT(vrv_posmap_get(&m, &p1)->offset, 7);
    vrv_posmap_free(&m);

    /* errors name the field */
    CHECK_INT(load_map("{\"stream\":\"t\",\"partitionOffsetMap\":{\"0\":\"abc\"}}", VRV_STREAM_KAFKA,
                       &m, NULL, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "payload.partitionOffsetMap['0']: Kafka offset must be an integer, got \"abc\"");
    CHECK_INT(load_map("{\"stream\":\"t\",\"partitionOffsetMap\":{\"zz\":1}}", VRV_STREAM_KAFKA, &m,
                       NULL, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "payload.partitionOffsetMap.zz: Kafka partition id must be a partition number "
                       "or \"topic:partition\", got \"zz\"");
    CHECK_INT(load_map("{\"stream\":\"t\"}", VRV_STREAM_KAFKA, &m, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "payload.partitionSequenceNumberMap: required");
    CHECK_INT(load_map("{\"partitionOffsetMap\":{}}", VRV_STREAM_KAFKA, &m, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "payload.stream: required");
    CHECK_INT(load_map("{\"type\":\"middle\",\"stream\":\"t\",\"partitionOffsetMap\":{}}",
                       VRV_STREAM_KAFKA, &m, NULL, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "payload.type: must be \"start\" or \"end\", got \"middle\"");
    CHECK_INT(load_map("{\"stream\":\"t\",\"partitionOffsetMap\":{\"0\":[1]}}", VRV_STREAM_KAFKA, &m,
                       NULL, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "payload.partitionOffsetMap['0']: must be an integer offset, got an array");
}

TEST(posmap_json_kinesis)
{
    vrv_posmap m;
    vrv_error err;
    vrv_posmap_form form;
    const char *in = "{\"type\":\"start\",\"stream\":\"clicks\","
                     "\"partitionSequenceNumberMap\":{\"shardId-000000000001\":\"" SEQ_B "\","
                     "\"shardId-000000000000\":\"EOS\"},"
                     "\"exclusivePartitions\":[\"shardId-000000000001\"]}";
    CHECK_INT(load_map(in, VRV_STREAM_KINESIS, &m, &form, &err), VRV_OK);
    CHECK_INT(form, VRV_POSMAP_START);
    vrv_part s1 = shard("shardId-000000000001"), s0 = shard("shardId-000000000000");
    CHECK(vrv_posmap_get(&m, &s1)->exclusive);
    CHECK(!vrv_posmap_get(&m, &s0)->exclusive);
    CHECK_INT(vrv_posmap_get(&m, &s0)->kind, VRV_POS_EOS);
    char *s = json_of_map(&m, VRV_POSMAP_START);
    CHECK_STR(s, "{\"type\":\"start\",\"stream\":\"clicks\",\"topic\":\"clicks\","
                 "\"partitionSequenceNumberMap\":{\"shardId-000000000000\":\"EOS\","
                 "\"shardId-000000000001\":\"" SEQ_B "\"},"
                 "\"partitionOffsetMap\":{\"shardId-000000000000\":\"EOS\","
                 "\"shardId-000000000001\":\"" SEQ_B "\"},"
                 "\"exclusivePartitions\":[\"shardId-000000000001\"]}");
    free(s);
    /* a stored end becomes a start with every Kinesis partition exclusive */
    vrv_posmap_as_start(&m);
    CHECK(vrv_posmap_get(&m, &s0)->exclusive);
    vrv_posmap_free(&m);
    CHECK_INT(load_map("{\"stream\":\"c\",\"partitionSequenceNumberMap\":{\"s\":\"12x\"}}",
                       VRV_STREAM_KINESIS, &m, NULL, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "payload.partitionSequenceNumberMap.s: Kinesis sequence number must be decimal "
                       "digits or a marker, got \"12x\"");
}

static void kset(vrv_posmap *m, const char *topic, int part, int64_t off)
{
    vrv_part p = kpart(topic, part);
    vrv_pos pos = vrv_pos_kafka(off);
    vrv_posmap_set(m, &p, &pos);
}

static int64_t kget(const vrv_posmap *m, const char *topic, int part)
{
    vrv_part p = kpart(topic, part);
    const vrv_pos *pos = vrv_posmap_get(m, &p);
    return pos ? pos->offset : -999;
}

TEST(posmap_index_near)
{
    /* index_near answers as index whatever place it is told to try first */
    vrv_posmap k, mt, kn;
    vrv_posmap_init(&k, VRV_STREAM_KAFKA, "t");
    vrv_posmap_init(&mt, VRV_STREAM_KAFKA, "t.*");
    vrv_posmap_init(&kn, VRV_STREAM_KINESIS, "s");
    vrv_pos zero = vrv_pos_kafka(0);
    for (int p = 0; p < 5; p++) {
        vrv_part a = kpart(NULL, p), b = kpart("ta", p), c = kpart("tb", p);
        vrv_posmap_set(&k, &a, &zero);
        vrv_posmap_set(&mt, &b, &zero);
        vrv_posmap_set(&mt, &c, &zero);
    }
    vrv_pos seq = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EOS);
    vrv_part s0 = shard("shardId-0"), s1 = shard("shardId-1"), s2 = shard("shardId-2");
    vrv_posmap_set(&kn, &s0, &seq);
    vrv_posmap_set(&kn, &s1, &seq);
    for (size_t near = 0; near < 12; near++) {
        for (int p = 0; p < 6; p++) {
            vrv_part a = kpart(NULL, p), b = kpart("ta", p), c = kpart("tb", p);
            CHECK_INT(vrv_posmap_index_near(&k, &a, near), vrv_posmap_index(&k, &a));
            CHECK_INT(vrv_posmap_index_near(&mt, &b, near), vrv_posmap_index(&mt, &b));
            CHECK_INT(vrv_posmap_index_near(&mt, &c, near), vrv_posmap_index(&mt, &c));
        }
        CHECK_INT(vrv_posmap_index_near(&kn, &s1, near), 1);
        CHECK_INT(vrv_posmap_index_near(&kn, &s2, near), -1);
    }
    /* ta:0..4 are places 0..4, tb:0..4 places 5..9: place 1 holds the same
     * partition number of another topic, which is not tb:1 */
    vrv_part tb1 = kpart("tb", 1);
    CHECK_INT(vrv_posmap_index_near(&mt, &tb1, 1), 6);
    vrv_part five = kpart(NULL, 5);
    CHECK_INT(vrv_posmap_index_near(&k, &five, 4), -1);
    vrv_posmap_free(&k);
    vrv_posmap_free(&mt);
    vrv_posmap_free(&kn);
}

TEST(posmap_plus_minus_matches)
{
    vrv_posmap a, b, r;
    vrv_posmap_init(&a, VRV_STREAM_KAFKA, "t");
    vrv_posmap_init(&b, VRV_STREAM_KAFKA, "t");
    kset(&a, NULL, 0, 10);
    kset(&a, NULL, 1, 20);
    kset(&b, NULL, 1, 25);
    kset(&b, NULL, 2, 30);
    vrv_posmap_plus(&a, &b, &r);
    CHECK_INT(r.n, 3);
    CHECK_INT(kget(&r, NULL, 0), 10);
    CHECK_INT(kget(&r, NULL, 1), 25);
    CHECK_INT(kget(&r, NULL, 2), 30);
    vrv_posmap_free(&r);
    vrv_posmap_minus(&a, &b, &r);
    CHECK_INT(r.n, 1);
    CHECK_INT(kget(&r, NULL, 0), 10);
    vrv_posmap_free(&r);
    /* partition 1 disagrees */
    CHECK(!vrv_posmap_matches(&a, &b, true));
    CHECK_INT(vrv_posmap_compare(&b, &a), 1);
    CHECK_INT(vrv_posmap_compare(&a, &b), 0);
    /* agree on the shared partition: match, though each has its own extra */
    kset(&b, NULL, 1, 20);
    CHECK(vrv_posmap_matches(&a, &b, true));
    CHECK_INT(vrv_posmap_compare(&b, &a), 0);
    /* a different stream: plus gives b, minus gives a, no match */
    vrv_posmap c;
    vrv_posmap_init(&c, VRV_STREAM_KAFKA, "other");
    kset(&c, NULL, 0, 10);
    vrv_posmap_plus(&a, &c, &r);
    CHECK(vrv_posmap_equal(&r, &c, true));
    vrv_posmap_free(&r);
    vrv_posmap_minus(&a, &c, &r);
    CHECK(vrv_posmap_equal(&r, &a, true));
    vrv_posmap_free(&r);
    CHECK(!vrv_posmap_matches(&a, &c, true));
    CHECK_INT(vrv_posmap_compare(&c, &a), 0);
    vrv_posmap_free(&c);
    vrv_posmap_free(&a);
    vrv_posmap_free(&b);

    /* Kinesis start maps: exclusivity comes from b where b has the partition */
    vrv_posmap_init(&a, VRV_STREAM_KINESIS, "s");
    vrv_posmap_init(&b, VRV_STREAM_KINESIS, "s");
    vrv_part s0 = shard("shard0"), s1 = shard("shard1");
    vrv_pos x = kin(SEQ_A), y = kin(SEQ_B);
    x.exclusive = true;
    vrv_posmap_set(&a, &s0, &x);
    vrv_posmap_set(&a, &s1, &x);
    vrv_posmap_set(&b, &s1, &y);
    vrv_posmap_plus(&a, &b, &r);
    CHECK(vrv_posmap_get(&r, &s0)->exclusive);
    CHECK(!vrv_posmap_get(&r, &s1)->exclusive);
    CHECK(vrv_pos_same(vrv_posmap_get(&r, &s1), &y));
    vrv_posmap_free(&r);
    /* same value, different exclusivity: a start-form mismatch only */
    y = x;
    y.exclusive = false;
    vrv_posmap_set(&b, &s1, &y);
    CHECK(!vrv_posmap_matches(&a, &b, true));
    CHECK(vrv_posmap_matches(&a, &b, false));
    /* ahead by a big-integer comparison */
    vrv_pos big = kin(SEQ_C);
    vrv_posmap_set(&b, &s1, &big);
    CHECK_INT(vrv_posmap_compare(&b, &a), 1);
    vrv_posmap_free(&a);
    vrv_posmap_free(&b);
}

TEST(posmap_kafka_topic_to_pattern)
{
    /* stored: single topic "metrics-a"; new supervisor: topicPattern "metrics-.*" */
    vrv_posmap single, multi, r;
    vrv_posmap_init(&single, VRV_STREAM_KAFKA, "metrics-a");
    kset(&single, NULL, 0, 100);
    kset(&single, NULL, 1, 200);
    vrv_posmap_init(&multi, VRV_STREAM_KAFKA, "metrics-.*");
    kset(&multi, "metrics-a", 1, 250);
    kset(&multi, "metrics-b", 0, 7);
    kset(&multi, "logs", 0, 9);

    /* pattern side absorbs the single topic's offsets as topic:partition keys */
    vrv_posmap_plus(&multi, &single, &r);
    CHECK_STR(r.stream, "metrics-.*");
    CHECK_INT(r.n, 4);
    CHECK_INT(kget(&r, "metrics-a", 0), 100);
    CHECK_INT(kget(&r, "metrics-a", 1), 200);
    CHECK_INT(kget(&r, "metrics-b", 0), 7);
    CHECK_INT(kget(&r, "logs", 0), 9);
    vrv_posmap_free(&r);

    /* single side takes only its own topic's entries, as plain partition keys;
     * "logs" does not match and is not taken from the pattern side either */
    vrv_posmap_plus(&single, &multi, &r);
    CHECK_STR(r.stream, "metrics-a");
    CHECK_INT(r.n, 2);
    CHECK_INT(kget(&r, NULL, 0), 100);
    CHECK_INT(kget(&r, NULL, 1), 250);
    vrv_posmap_free(&r);

    /* minus matches (topic, partition) across the two modes */
    vrv_posmap_minus(&multi, &single, &r);
    CHECK_INT(r.n, 2);
    CHECK_INT(kget(&r, "metrics-a", 1), -999);
    CHECK_INT(kget(&r, "metrics-b", 0), 7);
    vrv_posmap_free(&r);

    /* JSON of multi-topic keys */
    char *s = json_of_map(&multi, VRV_POSMAP_END);
    CHECK_STR(s, "{\"type\":\"end\",\"stream\":\"metrics-.*\",\"topic\":\"metrics-.*\","
                 "\"partitionSequenceNumberMap\":{\"logs:0\":9,\"metrics-a:1\":250,\"metrics-b:0\":7},"
                 "\"partitionOffsetMap\":{\"logs:0\":9,\"metrics-a:1\":250,\"metrics-b:0\":7}}");
    free(s);
    vrv_posmap_free(&single);
    vrv_posmap_free(&multi);
}
