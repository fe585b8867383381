/*
 * bench_kafka.c — Kafka produce and consume speed against the in-process mock
 * cluster: wikipedia-edit events (~430 bytes, `varve gen`'s generator, fixed
 * seed) over 64 partitions, so each partition stays under the mock's 5 MiB.
 *
 *   produce      vrv_kafka_producer, round robin, until every record is acked
 *   consume      the Kafka supplier from earliest: poll, touch every record,
 *                release (zero-copy), until all are read
 *
 * The producer, the consumer and the brokers share the machine's cores, as
 * they would in the quickstart. Besides wall-clock rates, each phase is also
 * given per CPU second of the whole process (client and mock brokers
 * together), which a busy machine disturbs less. Prints
 * `BENCH <name> <value> <unit>` lines. BENCH_QUICK=1 shortens the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/buf.h"
#include "gen/gen.h"
#include "stream/kafka.h"
#include "stream/kafka_produce.h"
#include "stream/kmock.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, const vrv_error *err)
{
    fprintf(stderr, "bench_kafka: %s: %s\n", what, err->msg);
    exit(1);
}

int main(void)
{
    const bool quick = getenv("BENCH_QUICK") != NULL;
    const long n = quick ? 100000 : 500000;
    const int parts = 64;
    vrv_error err;
    vrv_kmock *m;
    if (vrv_kmock_new(1, &m, &err)) die("mock", &err);
    if (vrv_kmock_create_topic(m, "bench", parts, 1, &err)) die("topic", &err);

    /* the events, generated up front so only Kafka is timed */
    vrv_gen *g = vrv_gen_new(VRV_GEN_WIKIPEDIA, 42);
    vrv_buf events = VRV_BUF_INIT;
    size_t *ends = malloc((size_t)n * sizeof *ends);
    for (long i = 0; i < n; i++) {
        vrv_gen_event(g, 1767225600000 + i, &events);
        ends[i] = events.len;
    }
    vrv_gen_free(g);

    vrv_kafka_producer *p;
    vrv_kafka_producer_config pc = {.bootstrap = vrv_kmock_bootstrap(m), .topic = "bench"};
    if (vrv_kafka_producer_new(&pc, &p, &err)) die("producer", &err);
    double t0 = now(), c0 = cpu();
    for (long i = 0; i < n; i++) {
        size_t start = i ? ends[i - 1] : 0;
        vrv_kafka_msg msg = {.partition = -1, .value = events.data + start,
                             .value_len = ends[i] - start};
        if (vrv_kafka_producer_send(p, &msg, &err)) die("send", &err);
    }
    if (vrv_kafka_producer_flush(p, 60000, &err)) die("flush", &err);
    double tp = now() - t0, cp = cpu() - c0;
    vrv_kafka_producer_destroy(p);
    printf("BENCH produce %.0f records/s\n", n / tp);
    printf("BENCH produce_cpu %.0f records/cpu-s\n", n / cp);
    printf("BENCH produce_mb %.1f MB/s\n", events.len / tp / 1e6);

    json_t *props = json_pack("{s:s}", "bootstrap.servers", vrv_kmock_bootstrap(m));
    vrv_kafka_config kc = {.topic = "bench", .consumer_properties = props};
    vrv_supplier *s;
    if (vrv_kafka_open(&kc, &s, &err)) die("open", &err);
    json_decref(props);
    vrv_part *pl;
    size_t np;
    if (vrv_supplier_partitions(s, &pl, &np, &err)) die("partitions", &err);
    if (vrv_supplier_assign(s, pl, np, &err)) die("assign", &err);
    for (size_t i = 0; i < np; i++)
        if (vrv_supplier_seek_earliest(s, &pl[i], &err)) die("seek", &err);
    free(pl);
    vrv_batch b = {0};
    long got = 0;
    uint64_t bytes = 0;
    t0 = now();
    c0 = cpu();
    while (got < n && now() - t0 < 120) {
        int rc = vrv_supplier_poll(s, &b, 100, &err);
        if (rc && rc != VRV_EAGAIN) die("poll", &err);
        for (size_t i = 0; i < b.n; i++) bytes += b.recs[i].value_len + (uint8_t)b.recs[i].value[0];
        got += (long)b.n;
        vrv_supplier_release(s, &b);
    }
    double tc = now() - t0, cc = cpu() - c0;
    if (got != n) fprintf(stderr, "bench_kafka: read %ld of %ld records\n", got, n);
    printf("BENCH consume %.0f records/s\n", got / tc);
    printf("BENCH consume_cpu %.0f records/cpu-s\n", got / cc);
    printf("BENCH consume_mb %.1f MB/s\n", (double)bytes / tc / 1e6);
    vrv_batch_free(&b);
    vrv_supplier_close(s);
    vrv_kmock_destroy(m);
    vrv_buf_free(&events);
    free(ends);
    return got == n ? 0 : 1;
}
