/*
 * bench_freshness.c — how soon a record produced to Kafka is visible to a
 * query, under a steady stream: the whole path of DESIGN.md §2 up to the
 * appendable index, plus the broker's fan-out to the task.
 *
 * In this process: the embedded Kafka mock cluster (one broker, a topic of
 * 4 partitions), `varve server` (every role; its streaming task is a
 * separate `varve task` process, found next to this executable), a
 * producer sending records at a steady rate (default 10,000/s) and a querier
 * polling the broker. Record i goes to partition i % 4 and carries its
 * sequence number; the producer notes the wall-clock time it handed each
 * record to the Kafka client (linger.ms 5: see the producer's settings). Every 10 ms the querier asks
 * the broker a groupBy of max(seq) per partition: since a partition's
 * records are read in order, an answer with max M on partition p shows every
 * record of p up to M. A record's freshness is the time from its produce to
 * the end of the first answer that shows it (so a query's own latency
 * counts). Records of the first seconds (the supervisor starting its task)
 * are not measured.
 *
 * Prints `BENCH <name> <value> <unit>` lines: freshness p50/p90/p99/max,
 * the query latency p50/p99, the rate achieved. BENCH_QUICK=1 measures 10 s
 * instead of 30 s; BENCH_RATE overrides the rate; BENCH_POLL_MS the query
 * period; BENCH_LOG the server's and task's log level (default warn; the
 * data directory /tmp/varve-freshness-* is left for reading); BENCH_MAX_ROWS
 * the task's maxRowsInMemory (default 25,000); BENCH_RAW_SPILLS=1 writes the
 * task's intermediate persists uncompressed (indexSpecForIntermediatePersists
 * {"dimensionCompression":"uncompressed","metricCompression":"none"}).
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/mem.h"
#include "base/vec.h"
#include "server/http_client.h"
#include "server/node.h"
#include "stream/kafka_produce.h"
#include "stream/kmock.h"

#define PARTS 4
#define WARMUP_S 5 /* seconds of records not measured */

static vrv_ms wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_freshness: %s: %s\n", what, msg);
    exit(1);
}

typedef struct producer {
    vrv_kafka_producer *p;
    double rate;
    long total;               /* records to send */
    _Atomic double *sent_us;  /* [total]: wall time each was handed to the client */
    atomic_long sent;
    _Atomic double done_us;   /* wall time the last record was handed over */
    atomic_bool stop;
} producer;

static void *produce_main(void *arg)
{
    producer *pr = arg;
    char buf[128];
    double start = wall_us();
    long n = 0;
    while (n < pr->total && !atomic_load(&pr->stop)) {
        long due = (long)((wall_us() - start) / 1e6 * pr->rate);
        if (due > pr->total) due = pr->total;
        for (; n < due; n++) {
            double t = wall_us();
            int len = snprintf(buf, sizeof buf, "{\"t\":%lld,\"p\":\"%ld\",\"seq\":%ld}",
                               (long long)(t / 1000), n % PARTS, n);
            atomic_store_explicit(&pr->sent_us[n], t, memory_order_release);
            vrv_kafka_msg m = {.partition = (int32_t)(n % PARTS), .value = buf,
                               .value_len = (size_t)len};
            vrv_error err;
            if (vrv_kafka_producer_send(pr->p, &m, &err) < 0) die("produce", err.msg);
        }
        atomic_store(&pr->sent, n);
        if (n == pr->total) atomic_store(&pr->done_us, wall_us());
        usleep(1000);
    }
    return NULL;
}

static long api(vrv_http_client *c, const char *method, const char *url, const char *body,
                vrv_buf *out)
{
    vrv_http_result res;
    vrv_error err;
    if (vrv_http_client_request(c, method, url, body ? "application/json" : NULL, body,
                                body ? strlen(body) : 0, 0, &res, &err) < 0)
        die(url, err.msg);
    long st = res.status;
    if (out) vrv_buf_append(out, res.body.data ? res.body.data : "", res.body.len);
    vrv_http_result_free(&res);
    return st;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    if (!n) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static const char *SPEC =
    "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"fresh\","
    "\"timestampSpec\":{\"column\":\"t\",\"format\":\"millis\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"p\"]},"
    "\"metricsSpec\":[{\"type\":\"count\",\"name\":\"count\"},"
    "{\"type\":\"longMax\",\"name\":\"seq\",\"fieldName\":\"seq\"}],"
    "\"granularitySpec\":{\"segmentGranularity\":\"hour\",\"queryGranularity\":\"none\","
    "\"rollup\":false}},"
    "\"ioConfig\":{\"topic\":\"fresh\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"%s\"},\"taskCount\":1,\"replicas\":1,"
    "\"taskDuration\":\"PT1H\",\"useEarliestOffset\":true,\"startDelay\":\"PT0.1S\"},"
    "\"tuningConfig\":{\"type\":\"kafka\",\"maxRowsInMemory\":%ld%s}}}";

int main(void)
{
    const bool quick = getenv("BENCH_QUICK") != NULL;
    const double rate = getenv("BENCH_RATE") ? atof(getenv("BENCH_RATE")) : 10000;
    const long poll_ms = getenv("BENCH_POLL_MS") ? atol(getenv("BENCH_POLL_MS")) : 10;
    const long max_rows = getenv("BENCH_MAX_ROWS") ? atol(getenv("BENCH_MAX_ROWS")) : 25000;
    const int measure_s = quick ? 10 : 30;
    const long total = (long)(rate * (WARMUP_S + measure_s));

    char self[PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) die("readlink", "/proc/self/exe");
    self[sl] = '\0';
    *strrchr(self, '/') = '\0';
    char exe[PATH_MAX + 8];
    snprintf(exe, sizeof exe, "%s/varve", self);
    if (access(exe, X_OK) != 0) die("the varve binary is needed next to the benchmark", exe);
    char dir[] = "/tmp/varve-freshness-XXXXXX";
    if (!mkdtemp(dir)) die("mkdtemp", dir);

    vrv_error err;
    vrv_kmock *kafka;
    if (vrv_kmock_new(1, &kafka, &err) < 0) die("mock", err.msg);
    if (vrv_kmock_create_topic(kafka, "fresh", PARTS, 1, &err) < 0) die("topic", err.msg);
    const char *bootstrap = vrv_kmock_bootstrap(kafka);

    vrv_config cfg;
    vrv_config_defaults(&cfg);
    cfg.data_dir = vrv_strdup(dir);
    cfg.port = 0;
    free(cfg.log_level);
    cfg.log_level = vrv_strdup(getenv("BENCH_LOG") ? getenv("BENCH_LOG") : "warn");
    vrv_node *node;
    if (vrv_node_start(&cfg, exe, "bench", &node, &err) < 0) die("server", err.msg);
    vrv_config_free(&cfg);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)vrv_node_port(node));
    vrv_http_client *http = vrv_http_client_new(NULL);
    vrv_buf spec = VRV_BUF_INIT, url = VRV_BUF_INIT;
    /* BENCH_RAW_SPILLS=1: the task's intermediate persists uncompressed
     * (tuningConfig indexSpecForIntermediatePersists), which every query
     * reads */
    const char *extra = getenv("BENCH_RAW_SPILLS")
                            ? ",\"indexSpecForIntermediatePersists\":{\"dimensionCompression\":"
                              "\"uncompressed\",\"metricCompression\":\"none\"}"
                            : "";
    vrv_buf_printf(&spec, SPEC, bootstrap, max_rows, extra);
    vrv_buf_printf(&url, "%s/druid/indexer/v1/supervisor", base);
    if (api(http, "POST", url.data, spec.data, NULL) != 200) die("supervisor", "refused");
    vrv_buf_free(&spec);

    /* The mock cluster answers a fetch with one message set per partition
     * and finds it by walking the partition's list of sets from the oldest:
     * with 1 ms batches at 10,000/s (2-3 records a set) its fetches fall
     * behind the producer after ~20 s. 5 ms batches keep it ahead; the
     * linger counts in the freshness figures. */
    const char *props[] = {"linger.ms=5", NULL};
    vrv_kafka_producer_config pc = {.bootstrap = bootstrap, .topic = "fresh", .props = props};
    producer pr = {.rate = rate, .total = total};
    pr.sent_us = vrv_calloc((size_t)total, sizeof *pr.sent_us);
    if (vrv_kafka_producer_new(&pc, &pr.p, &err) < 0) die("producer", err.msg);
    pthread_t pth;
    pthread_create(&pth, NULL, produce_main, &pr);

    /* The querier, on this thread. */
    const long warm = (long)(rate * WARMUP_S);
    double *fresh = vrv_calloc((size_t)(total - warm + 1), sizeof *fresh);
    size_t nfresh = 0;
    VRV_VEC(double) qlat = {0};
    long next[PARTS];
    for (int p = 0; p < PARTS; p++) next[p] = p;
    vrv_buf_reset(&url);
    vrv_buf_printf(&url, "%s/druid/v2", base);
    char q[512];
    vrv_ms t0 = wall_ms();
    snprintf(q, sizeof q,
             "{\"queryType\":\"groupBy\",\"dataSource\":\"fresh\",\"granularity\":\"all\","
             "\"intervals\":[\"2000/3000\"],\"dimensions\":[\"p\"],"
             "\"aggregations\":[{\"type\":\"longMax\",\"name\":\"m\",\"fieldName\":\"seq\"}]}");
    vrv_http_client *qc = vrv_http_client_new(NULL);
    double deadline = wall_us() + (WARMUP_S + measure_s + 30) * 1e6;
    long done = 0;
    while (done < PARTS && wall_us() < deadline) {
        double s = wall_us();
        vrv_buf body = VRV_BUF_INIT;
        long st = api(qc, "POST", url.data, q, &body);
        double e = wall_us();
        if (st == 200) {
            json_t *j = json_loads(body.data, 0, NULL);
            size_t i;
            json_t *row;
            json_array_foreach(j, i, row)
            {
                const json_t *ev = json_object_get(row, "event");
                const char *ps = json_string_value(json_object_get(ev, "p"));
                json_int_t m = json_integer_value(json_object_get(ev, "m"));
                if (!ps) continue;
                int p = atoi(ps);
                if (p < 0 || p >= PARTS) continue;
                for (; next[p] <= m && next[p] < total; next[p] += PARTS) {
                    if (next[p] < warm) continue;
                    double sent =
                        atomic_load_explicit(&pr.sent_us[next[p]], memory_order_acquire);
                    fresh[nfresh++] = (e - sent) / 1000;
                }
            }
            json_decref(j);
            if (s > t0 * 1000.0 + WARMUP_S * 1e6) vrv_vec_push(&qlat, (e - s) / 1000);
        } else {
            fprintf(stderr, "bench_freshness: query answered %ld: %s\n", st, body.data);
        }
        vrv_buf_free(&body);
        done = 0;
        for (int p = 0; p < PARTS; p++) done += next[p] >= total;
        double spent = (wall_us() - s) / 1000;
        if (spent < poll_ms) usleep((useconds_t)((poll_ms - spent) * 1000));
    }
    atomic_store(&pr.stop, true);
    pthread_join(pth, NULL);
    long sent = atomic_load(&pr.sent);
    double elapsed_s = (wall_ms() - t0) / 1000.0;

    qsort(fresh, nfresh, sizeof *fresh, cmp_d);
    qsort(qlat.v, qlat.n, sizeof *qlat.v, cmp_d);
    fprintf(stderr,
            "bench_freshness: %ld records at %.0f/s, %zu measured (%ld expected), %zu queries "
            "after warm-up, %.1f s\n",
            sent, rate, nfresh, total - warm, qlat.n, elapsed_s);
    if (nfresh < (size_t)(total - warm)) die("measure", "not every record became visible");
    printf("BENCH freshness_p50 %.1f ms\n", pct(fresh, nfresh, 0.50));
    printf("BENCH freshness_p90 %.1f ms\n", pct(fresh, nfresh, 0.90));
    printf("BENCH freshness_p99 %.1f ms\n", pct(fresh, nfresh, 0.99));
    printf("BENCH freshness_max %.1f ms\n", pct(fresh, nfresh, 1.0));
    printf("BENCH query_latency_p50 %.1f ms\n", pct(qlat.v, qlat.n, 0.50));
    printf("BENCH query_latency_p99 %.1f ms\n", pct(qlat.v, qlat.n, 0.99));
    /* the rate the producer kept up, which falls short of the one asked for
     * when the machine is too busy to produce it */
    double start_us = atomic_load(&pr.sent_us[0]), end_us = atomic_load(&pr.done_us);
    printf("BENCH produce_rate_target %.0f records/s\n", rate);
    if (end_us > start_us && sent > 1)
        printf("BENCH produce_rate %.0f records/s\n", (double)(sent - 1) / ((end_us - start_us) / 1e6));

    vrv_buf_reset(&url);
    vrv_buf_printf(&url, "%s/druid/indexer/v1/supervisor/fresh/terminate", base);
    api(http, "POST", url.data, NULL, NULL);
    vrv_buf_free(&url);
    vrv_http_client_free(http);
    vrv_http_client_free(qc);
    vrv_kafka_producer_destroy(pr.p);
    vrv_node_stop(node);
    vrv_kmock_destroy(kafka);
    vrv_fs_remove_tree(dir, NULL);
    free(fresh);
    free(pr.sent_us);
    vrv_vec_free(&qlat);
    return 0;
}
