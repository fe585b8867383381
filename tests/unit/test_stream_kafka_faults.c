/*
 * test_stream_kafka_faults.c — the Kafka supplier when the stream misbehaves:
 * records lost to retention are reported as out of range (never skipped),
 * brokers going down and up, leaders moving and injected request errors lose
 * and duplicate nothing, and position queries give up on time.
 */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <unistd.h>

#include "stream_kafka_util.h"

/* Consumes until `want` records arrived or timeout_s passed, counting
 * duplicates and offset gaps (offsets of a partition must follow each other
 * from where it started). After `fault_after` records fault(arg, true) runs,
 * and fault(arg, false) `fault_s` seconds later; reading goes on meanwhile. */
typedef struct read_stats {
    long got, dups, gaps, again, again_in_fault, other_errors;
} read_stats;

static read_stats read_all(vrv_supplier *s, long want, int parts, unsigned char *seen,
                           long fault_after, void (*fault)(void *, bool), void *arg, double fault_s,
                           double timeout_s)
{
    read_stats st = {0};
    vrv_batch b = {0};
    vrv_error err;
    int64_t next[16];
    for (int i = 0; i < 16; i++) next[i] = -1;
    size_t na;
    const vrv_part *asg = vrv_supplier_assignment(s, &na);
    double t0 = now_s(), fault_at = 0;
    int phase = fault ? 0 : 2; /* 0 before, 1 during, 2 after the fault */
    while (st.got < want && now_s() - t0 < timeout_s) {
        int rc = vrv_supplier_poll(s, &b, 100, &err);
        if (rc == VRV_EAGAIN) {
            st.again++;
            if (phase == 1) st.again_in_fault++;
        } else if (rc != VRV_OK) {
            st.other_errors++;
            fprintf(stderr, "  poll: %s\n", err.msg);
        }
        for (size_t i = 0; i < b.n; i++) {
            const vrv_record *r = &b.recs[i];
            int p = asg[r->part].partition;
            if (next[r->part] >= 0 && r->offset != next[r->part]) st.gaps++;
            next[r->part] = r->offset + 1;
            long idx = (long)r->offset * parts + p;
            if (seen[idx]++) st.dups++;
            st.got++;
        }
        vrv_supplier_release(s, &b);
        if (phase == 0 && st.got >= fault_after) {
            fault(arg, true);
            fault_at = now_s();
            phase = 1;
        } else if (phase == 1 && now_s() - fault_at >= fault_s) {
            fault(arg, false);
            phase = 2;
        }
    }
    if (phase == 1) fault(arg, false);
    vrv_batch_free(&b);
    return st;
}

TEST(retention_truncation_is_out_of_range)
{
    /* 3200 records of 2000 bytes (6.4 MB) into one partition: the mock keeps
     * the newest 5 MiB, so the first records are gone. */
    make_topic("truncated", 1);
    produce_numbered("truncated", 0, 3200, 2000);
    vrv_supplier *s = open_supplier("truncated", false, NULL);
    vrv_part p0;
    vrv_part_kafka(NULL, 0, &p0, NULL);
    vrv_error err;
    vrv_pos lo, hi;
    CHECK_INT(vrv_supplier_earliest(s, &p0, 1, &lo, &err), VRV_OK);
    CHECK_INT(vrv_supplier_latest(s, &p0, 1, &hi, &err), VRV_OK);
    CHECK(lo.offset > 0);
    CHECK_INT(hi.offset, 3200);
    bool avail;
    vrv_pos zero = vrv_pos_kafka(0);
    CHECK_INT(vrv_supplier_available(s, &p0, &zero, &avail, &err), VRV_OK);
    CHECK(!avail);
    CHECK_INT(vrv_supplier_available(s, &p0, &lo, &avail, &err), VRV_OK);
    CHECK(avail);

    /* reading from 0 reports the lost offset, twice (it is retried), and
     * delivers nothing */
    CHECK_INT(vrv_supplier_assign(s, &p0, 1, &err), VRV_OK);
    CHECK_INT(vrv_supplier_seek(s, &p0, &zero, &err), VRV_OK);
    vrv_batch b = {0};
    for (int round = 0; round < 2; round++) {
        int rc = VRV_OK;
        double t0 = now_s();
        while (rc == VRV_OK && now_s() - t0 < 5) {
            rc = vrv_supplier_poll(s, &b, 100, &err);
            CHECK_INT(b.n, 0);
            vrv_supplier_release(s, &b);
        }
        CHECK_INT(rc, VRV_ERANGE);
        CHECK_INT(b.range_part, 0);
        CHECK_INT(b.range_pos.offset, 0);
        CHECK(strncmp(err.msg, "Kafka topic truncated partition 0: offset 0 is out of range (", 61) ==
              0);
    }
    /* resetOffsetAutomatically: seek to earliest and read exactly what is left */
    CHECK_INT(vrv_supplier_seek_earliest(s, &p0, &err), VRV_OK);
    long want = hi.offset - lo.offset, got = 0;
    int64_t next = lo.offset;
    double t0 = now_s();
    while (got < want && now_s() - t0 < 10) {
        int rc = vrv_supplier_poll(s, &b, 100, &err);
        CHECK_INT(rc, VRV_OK);
        for (size_t i = 0; i < b.n; i++) {
            if (b.recs[i].offset != next) {
                vrv_test_fail(__FILE__, __LINE__, "offset %lld, want %lld",
                              (long long)b.recs[i].offset, (long long)next);
                next = b.recs[i].offset;
            }
            next++;
            got++;
        }
        vrv_supplier_release(s, &b);
    }
    CHECK_INT(got, want);
    /* past the end is out of range too */
    vrv_pos beyond = vrv_pos_kafka(999999);
    CHECK_INT(vrv_supplier_seek(s, &p0, &beyond, &err), VRV_OK);
    int rc = VRV_OK;
    t0 = now_s();
    while (rc == VRV_OK && now_s() - t0 < 5) {
        rc = vrv_supplier_poll(s, &b, 100, &err);
        vrv_supplier_release(s, &b);
    }
    CHECK_INT(rc, VRV_ERANGE);
    CHECK_INT(b.range_pos.offset, 999999);
    vrv_batch_free(&b);
    vrv_supplier_close(s);
}

/* arg: the broker id as intptr_t (-1: all) */
static void broker_outage(void *arg, bool start)
{
    vrv_error err;
    int32_t id = (int32_t)(intptr_t)arg;
    if (start) CHECK_INT(vrv_kmock_broker_down(mock(), id, &err), VRV_OK);
    else CHECK_INT(vrv_kmock_broker_up(mock(), id, &err), VRV_OK);
}

TEST(brokers_down_and_up_lose_nothing)
{
    const int N = 20000;
    make_topic("outage", 4);
    /* Small message sets: a fetch returns at least one whole set whatever
     * max.partition.fetch.bytes says, so sets as large as the producer's
     * timing happens to make them would let the first fetches take the
     * whole topic before the outage. */
    static const char *const small_sets[] = {"batch.num.messages=25", "linger.ms=0", NULL};
    produce_numbered_with("outage", 0, N, 0, small_sets);
    /* small fetches so the outage hits mid-stream; fast reconnects */
    vrv_supplier *s = open_supplier("outage", false,
                                    "{\"reconnect.backoff.ms\":50,\"reconnect.backoff.max.ms\":200,"
                                    "\"max.partition.fetch.bytes\":2000,"
                                    "\"queued.max.messages.kbytes\":16,\"max.poll.records\":100}");
    assign_all_earliest(s);
    /* the prefetch must not hold the whole topic, or the outage proves nothing */
    unsigned char *seen = calloc(N, 1);
    double t0 = now_s();
    read_stats st = read_all(s, N, 4, seen, N / 4, broker_outage, (void *)(intptr_t)-1, 1.0, 20);
    fprintf(stderr, "  all brokers down 1 s: %ld records in %.2f s\n", st.got, now_s() - t0);
    CHECK_INT(st.got, N);
    CHECK_INT(st.dups, 0);
    CHECK_INT(st.gaps, 0);
    CHECK_INT(st.other_errors, 0);
    CHECK(st.again_in_fault > 0); /* the outage was seen, as VRV_EAGAIN */
    vrv_supplier_close(s);

    /* one broker (a partition leader) down and up */
    memset(seen, 0, N);
    s = open_supplier("outage", false,
                      "{\"reconnect.backoff.ms\":50,\"reconnect.backoff.max.ms\":200,"
                      "\"max.partition.fetch.bytes\":2000,"
                      "\"queued.max.messages.kbytes\":16,\"max.poll.records\":100}");
    assign_all_earliest(s);
    t0 = now_s();
    st = read_all(s, N, 4, seen, N / 2, broker_outage, (void *)(intptr_t)1, 0.5, 20);
    fprintf(stderr, "  broker 1 down 0.5 s: %ld records in %.2f s\n", st.got, now_s() - t0);
    CHECK_INT(st.got, N);
    CHECK_INT(st.dups, 0);
    CHECK_INT(st.gaps, 0);
    CHECK_INT(st.other_errors, 0);
    free(seen);
    vrv_supplier_close(s);
}

static void move_leaders(void *arg, bool start)
{
    vrv_error err;
    if (!start) return;
    const char *topic = arg;
    for (int p = 0; p < 4; p++)
        CHECK_INT(vrv_kmock_partition_leader(mock(), topic, p, 1 + (p + 1) % 3, &err), VRV_OK);
}

static void fetch_errors(void *arg, bool start)
{
    VRV_UNUSED(arg);
    if (!start) return;
    int errs[] = {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                  RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
                  RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT};
    vrv_kmock_push_request_errors(mock(), VRV_KMOCK_API_FETCH, VRV_ARRAY_LEN(errs), errs);
}

TEST(leader_moves_and_request_errors_lose_nothing)
{
    const int N = 8000;
    make_topic("moving", 4);
    produce_numbered("moving", 0, N, 0);
    const char *small = "{\"reconnect.backoff.ms\":50,\"reconnect.backoff.max.ms\":200,"
                        "\"max.partition.fetch.bytes\":2000,"
                        "\"queued.max.messages.kbytes\":16,\"max.poll.records\":100}";
    unsigned char *seen = calloc(N, 1);
    vrv_supplier *s = open_supplier("moving", false, small);
    assign_all_earliest(s);
    read_stats st = read_all(s, N, 4, seen, N / 4, move_leaders, (void *)"moving", 0, 20);
    CHECK_INT(st.got, N);
    CHECK_INT(st.dups, 0);
    CHECK_INT(st.gaps, 0);
    vrv_supplier_close(s);

    memset(seen, 0, N);
    s = open_supplier("moving", false, small);
    assign_all_earliest(s);
    st = read_all(s, N, 4, seen, N / 4, fetch_errors, NULL, 0, 20);
    CHECK_INT(st.got, N);
    CHECK_INT(st.dups, 0);
    CHECK_INT(st.gaps, 0);
    free(seen);
    vrv_supplier_close(s);
}

TEST(queries_give_up_on_time_when_brokers_are_down)
{
    make_topic("unreachable", 2);
    vrv_supplier *s = open_supplier("unreachable", false,
                                    "{\"default.api.timeout.ms\":400,\"reconnect.backoff.ms\":50,"
                                    "\"reconnect.backoff.max.ms\":200}");
    vrv_part p0;
    vrv_part_kafka(NULL, 0, &p0, NULL);
    vrv_error err;
    vrv_pos x;
    CHECK_INT(vrv_supplier_latest(s, &p0, 1, &x, &err), VRV_OK); /* connected, metadata known */
    CHECK_INT(vrv_kmock_broker_down(mock(), -1, &err), VRV_OK);
    double t0 = now_s();
    int rc = vrv_supplier_latest(s, &p0, 1, &x, &err);
    double took = now_s() - t0;
    CHECK_INT(rc, VRV_ETIMEOUT);
    CHECK(strstr(err.msg, "did not answer a latest-offset request within 400 ms") != NULL);
    CHECK(took < 2.0);
    t0 = now_s();
    vrv_part *parts;
    size_t n;
    rc = vrv_supplier_partitions(s, &parts, &n, &err);
    CHECK(rc == VRV_ETIMEOUT || rc == VRV_EIO);
    CHECK(now_s() - t0 < 2.0);
    CHECK_INT(vrv_kmock_broker_up(mock(), -1, &err), VRV_OK);
    /* and it recovers */
    rc = VRV_ETIMEOUT;
    t0 = now_s();
    while (rc != VRV_OK && now_s() - t0 < 10) rc = vrv_supplier_latest(s, &p0, 1, &x, &err);
    CHECK_INT(rc, VRV_OK);
    CHECK_INT(x.offset, 0);
    /* closing with brokers down does not hang */
    CHECK_INT(vrv_kmock_broker_down(mock(), -1, &err), VRV_OK);
    t0 = now_s();
    vrv_supplier_close(s);
    CHECK(now_s() - t0 < 3.0);
    CHECK_INT(vrv_kmock_broker_up(mock(), -1, &err), VRV_OK);
}

TEST(mock_cluster_api)
{
    vrv_error err;
    vrv_kmock *m;
    CHECK_INT(vrv_kmock_new(0, &m, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "brokers: must be between 1 and 32, got 0");
    CHECK_INT(vrv_kmock_new(2, &m, &err), VRV_OK);
    CHECK_INT(vrv_kmock_brokers(m), 2);
    const char *bs = vrv_kmock_bootstrap(m);
    CHECK(strncmp(bs, "127.0.0.1:", 10) == 0 && strchr(bs, ',') != NULL);
    CHECK_INT(vrv_kmock_create_topic(m, "t", 3, 0, &err), VRV_OK);
    CHECK_INT(vrv_kmock_create_topic(m, "t", 3, 0, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "topic t already exists");
    CHECK_INT(vrv_kmock_create_topic(m, "u", 0, 0, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "topic u: partitions must be >= 1, got 0");
    CHECK_INT(vrv_kmock_create_topic(m, "u", 1, 3, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "topic u: replication must be between 1 and 2 (the brokers), got 3");
    CHECK_INT(vrv_kmock_broker_down(m, 7, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "broker id 7: the mock cluster has brokers 1..2 (or -1 for all)");
    CHECK_INT(vrv_kmock_partition_leader(m, "t", 0, 2, &err), VRV_OK);
    CHECK_INT(vrv_kmock_broker_rtt(m, -1, 5, &err), VRV_OK);
    CHECK_INT(vrv_kmock_broker_rtt(m, -1, 0, &err), VRV_OK);
    int e = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, rtt = 10;
    CHECK_INT(vrv_kmock_broker_push_request_errors(m, 1, VRV_KMOCK_API_FETCH, 1, &e, &rtt, &err),
              VRV_OK);
    CHECK_INT(vrv_kmock_broker_push_request_errors(m, 5, VRV_KMOCK_API_FETCH, 1, &e, NULL, &err),
              VRV_EINVAL);
    vrv_kmock_push_request_errors(m, VRV_KMOCK_API_PRODUCE, 1, &e);
    vrv_kmock_clear_request_errors(m, VRV_KMOCK_API_PRODUCE);
    vrv_kmock_destroy(m);
    vrv_kmock_destroy(NULL);
}
