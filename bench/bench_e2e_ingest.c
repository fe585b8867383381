/*
 * bench_e2e_ingest.c — end-to-end streaming ingestion on one task, against
 * the Kafka read limit of the same machine in the same run.
 *
 * N records of ~150-byte JSON (a timestamp, 4 string dimensions, 2 numbers;
 * fixed seed) are produced round robin into a topic of the embedded mock
 * cluster, with enough partitions that none holds more than ~2.5 MB (the mock
 * keeps only the newest 5 MiB of a partition). Then, in the same process:
 *
 *   read limit  a plain librdkafka consumer (this executable re-run as a child
 *               process with --consume: assign every partition from the
 *               beginning, rd_kafka_consume_batch_queue, touch each record)
 *               reads all N; its CPU time comes from wait4's rusage.
 *   varve       `varve server` (every role, in this process) over a fresh data
 *               directory; a Kafka supervisor with taskCount 1 is submitted and
 *               a timeseries sum of the count metric is asked of the broker
 *               every 100 ms (BENCH_POLL_MS) until it answers N. The task is
 *               a child process (`varve task`); its CPU time (user + system,
 *               per thread) is read from /proc when the answer is N.
 *
 * Figures: records per CPU second of the consumer process and of the task
 * process ("per core": one task is one core's worth of work), their ratio,
 * the wall time from supervisor submit to the query counting N, and the
 * task's peak resident memory. The task's CPU is given twice: without its
 * HTTP threads (the ingestion: Kafka client, decode, rollup, persist, merge)
 * and whole (with the real-time queries it answered meanwhile, each of which
 * brings the task's copy of its in-memory index up to date). The mock
 * brokers run in this process, so neither CPU figure includes the broker's
 * work. The consumer reads the topic once untimed first; then each side runs
 * 3 times (varve on a fresh server each time) and the median counts. An answer other than N (too few records
 * read or counted, a count above N) fails the benchmark with no figure.
 *
 *   bench_e2e_ingest [N]     default 2,000,000 (300,000 with BENCH_QUICK=1)
 *   BENCH_REPEAT=k           runs per side (default 3)
 *   BENCH_CONSUMER_ONLY=1    only the plain consumer, k runs, a line each
 *   BENCH_CONSUMER_PROPS=name=value,...
 *                            further librdkafka settings for the plain
 *                            consumer (what other client settings give)
 * Prints `BENCH <name> <value> <unit>` lines.
 */
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/mem.h"
#include "base/time.h"
#include "server/http_client.h"
#include "server/node.h"
#include "stream/kafka_produce.h"
#include "stream/kmock.h"

#define TOPIC "e2e"
#define PART_BYTES 2500000.0 /* target bytes per partition: half the mock's 5 MiB */
#define T0 1795852800000LL   /* 2026-11-28T00:00:00Z; events 1 ms apart */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_e2e_ingest: %s: %s\n", what, msg);
    exit(1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the plain consumer (child process) ---------------------------------- */

/* Reads n records of topic from the beginning of every partition and prints
 * "<records> <bytes>". Exit status 0 only when exactly n were read. */
static int consume_main(const char *bootstrap, const char *topic, long n)
{
    char es[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The same fetch settings varve's Kafka supplier uses, so the limit is
     * what this client can do with them, not a differently tuned one. */
    const char *kv[][2] = {{"bootstrap.servers", bootstrap}, {"group.id", "bench-plain"},
                           {"enable.auto.commit", "false"},  {"fetch.wait.max.ms", "10"},
                           {"queued.min.messages", "1000000"}, {"enable.partition.eof", "false"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], es, sizeof es) != RD_KAFKA_CONF_OK)
            die("consumer config", es);
    /* BENCH_CONSUMER_PROPS="name=value,...": further settings for the plain
     * consumer alone (to see what the client can do with other settings) */
    const char *extra = getenv("BENCH_CONSUMER_PROPS");
    if (extra && *extra) {
        char *copy = strdup(extra), *save = NULL;
        for (char *kvp = strtok_r(copy, ",", &save); kvp; kvp = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kvp, '=');
            if (!eq) die("BENCH_CONSUMER_PROPS", kvp);
            *eq = '\0';
            if (rd_kafka_conf_set(conf, kvp, eq + 1, es, sizeof es) != RD_KAFKA_CONF_OK)
                die("BENCH_CONSUMER_PROPS", es);
        }
        free(copy);
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, es, sizeof es);
    if (!rk) die("consumer", es);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1)
        die("metadata", topic);
    int parts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(rk, l)) die("assign", topic);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *msgs[10000];
    long got = 0;
    uint64_t bytes = 0, touch = 0;
    double deadline = now_s() + 120;
    while (got < n && now_s() < deadline) {
        ssize_t k = rd_kafka_consume_batch_queue(q, 100, msgs, 10000);
        for (ssize_t i = 0; i < k; i++) {
            if (msgs[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                got++;
                bytes += msgs[i]->len;
                touch += ((const uint8_t *)msgs[i]->payload)[msgs[i]->len - 1];
            }
            rd_kafka_message_destroy(msgs[i]);
        }
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    printf("%ld %" PRIu64 " %" PRIu64 "\n", got, bytes, touch);
    return got == n ? 0 : 1;
}

/* Runs the plain consumer as a child process; returns its CPU seconds and
 * sets *wall. Dies unless it read exactly n records of `bytes` bytes. */
static double run_consumer(const char *self, const char *bootstrap, long n, uint64_t bytes,
                           double *wall)
{
    int fds[2];
    if (pipe(fds)) die("pipe", "consumer");
    char ns[32];
    snprintf(ns, sizeof ns, "%ld", n);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(self, self, "--consume", bootstrap, TOPIC, ns, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char out[128] = "";
    ssize_t r = read(fds[0], out, sizeof out - 1);
    close(fds[0]);
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid) die("wait4", "consumer");
    *wall = now_s() - t0;
    long got = 0;
    uint64_t b = 0;
    if (r <= 0 || sscanf(out, "%ld %" SCNu64, &got, &b) != 2 || !WIFEXITED(st) ||
        WEXITSTATUS(st) != 0 || got != n || b != bytes) {
        fprintf(stderr, "bench_e2e_ingest: the plain consumer read %ld records, %" PRIu64
                        " bytes; %ld records, %" PRIu64 " bytes were produced\n",
                got, b, n, bytes);
        exit(1);
    }
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* ---- the records ------------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *countries[] = {"US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "ES", "IT",
                                  "NL", "SE", "PL", "MX", "KR", "AU"};
static const char *devices[] = {"desktop", "mobile", "tablet", "tv"};
static const char *browsers[] = {"chrome", "firefox", "safari", "edge", "opera"};

/* Record i: ~150 bytes of JSON, one of 5,000 pages (a quarter of the records
 * on the first 50), 16 countries, 4 devices, 5 browsers. */
static void make_record(long i, vrv_buf *out)
{
    uint64_t x = next_rand();
    int page = (x & 3) == 0 ? (int)((x >> 2) % 50) : (int)((x >> 2) % 5000);
    char ts[32];
    vrv_time_format(T0 + i, ts);
    vrv_buf_printf(out,
                   "{\"timestamp\":\"%s\",\"page\":\"/products/item-%05d\",\"country\":\"%s\","
                   "\"device\":\"%s\",\"browser\":\"%s\",\"latency_ms\":%d,\"bytes\":%d}",
                   ts, page, countries[(x >> 20) % 16], devices[(x >> 28) % 4],
                   browsers[(x >> 32) % 5], (int)((x >> 36) % 2000), (int)((x >> 44) % 100000));
}

/* ---- varve ------------------------------------------------------------------- */

static const char *SPEC =
    "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"e2e\","
    "\"timestampSpec\":{\"column\":\"timestamp\",\"format\":\"auto\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"page\",\"country\",\"device\",\"browser\"]},"
    "\"metricsSpec\":[{\"type\":\"count\",\"name\":\"count\"},"
    "{\"type\":\"longSum\",\"name\":\"latency_ms\",\"fieldName\":\"latency_ms\"},"
    "{\"type\":\"longSum\",\"name\":\"bytes\",\"fieldName\":\"bytes\"}],"
    "\"granularitySpec\":{\"segmentGranularity\":\"hour\",\"queryGranularity\":\"minute\","
    "\"rollup\":true}},"
    "\"ioConfig\":{\"topic\":\"" TOPIC "\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"%s\"},\"taskCount\":1,\"replicas\":1,"
    "\"taskDuration\":\"PT1H\",\"useEarliestOffset\":true,\"startDelay\":\"PT0.1S\"},"
    "\"tuningConfig\":{\"type\":\"kafka\"}}}";

static const char *COUNT_QUERY =
    "{\"queryType\":\"timeseries\",\"dataSource\":\"e2e\",\"granularity\":\"all\","
    "\"intervals\":[\"2000/3000\"],\"aggregations\":[{\"type\":\"longSum\",\"name\":\"n\","
    "\"fieldName\":\"count\"},{\"type\":\"longSum\",\"name\":\"b\",\"fieldName\":\"bytes\"}]}";

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

/* The child processes of this one that run `varve task`. */
static size_t task_pids(pid_t *out, size_t max)
{
    size_t n = 0;
    DIR *d = opendir("/proc");
    if (!d) return 0;
    struct dirent *e;
    char path[64], buf[512];
    while ((e = readdir(d)) && n < max) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *rp = strrchr(buf, ')');
        char state;
        int ppid;
        if (rp && sscanf(rp + 2, "%c %d", &state, &ppid) == 2 && ppid == getpid() && state != 'Z')
            out[n++] = (pid_t)atoi(e->d_name);
    }
    closedir(d);
    return n;
}

/* User + system CPU seconds of a process (every thread). */
static double proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strrchr(buf, ')');
    if (!p) return -1;
    unsigned long ut = 0, st = 0;
    /* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Prints the CPU seconds of each thread of a process, summed by thread name:
 * where the task's time goes (the Kafka client's threads, the HTTP workers
 * answering queries, the main loop). Returns the seconds of the HTTP workers
 * (libmicrohttpd's "MHD-worker" threads), -1 if unknown. */
static double proc_threads(pid_t pid)
{
    char path[96], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    struct { char name[32]; double cpu; } by[32];
    size_t nb = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
        unsigned long ut = 0, st = 0;
        if (!lp || !rp ||
            sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
            continue;
        *rp = '\0';
        size_t i = 0;
        while (i < nb && strcmp(by[i].name, lp + 1) != 0) i++;
        if (i == nb) {
            if (nb == 32) continue;
            snprintf(by[nb].name, sizeof by[nb].name, "%s", lp + 1);
            by[nb++].cpu = 0;
        }
        by[i].cpu += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    }
    closedir(d);
    double http = 0;
    fprintf(stderr, "bench_e2e_ingest: task CPU by thread:");
    for (size_t i = 0; i < nb; i++) {
        fprintf(stderr, " %s %.2f s;", by[i].name, by[i].cpu);
        if (strncmp(by[i].name, "MHD-", 4) == 0) http += by[i].cpu;
    }
    fprintf(stderr, "\n");
    return http;
}

/* Peak resident memory of a process in bytes (VmHWM), 0 if unknown. */
static uint64_t proc_hwm(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %" SCNu64, &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

typedef struct e2e_result {
    double task_cpu;  /* s: the task process, submit to count N */
    double http_cpu;  /* s: of which its HTTP threads (answering queries) */
    double wall;      /* s: submit to the first answer counting N */
    double first;     /* s: submit to the first answer counting > 0 */
    uint64_t hwm;     /* bytes: the task's peak resident memory */
} e2e_result;

static e2e_result run_varve(const char *exe, const char *bootstrap, long n, int64_t bytes_sum)
{
    const long poll_ms = getenv("BENCH_POLL_MS") ? atol(getenv("BENCH_POLL_MS")) : 100;
    char dir[] = "/tmp/varve-bench-e2e-XXXXXX";
    if (!mkdtemp(dir)) die("mkdtemp", dir);
    vrv_error err;
    vrv_config cfg;
    vrv_config_defaults(&cfg);
    cfg.data_dir = vrv_strdup(dir);
    cfg.port = 0;
    free(cfg.log_level);
    cfg.log_level = vrv_strdup("warn");
    vrv_node *node;
    if (vrv_node_start(&cfg, exe, "bench", &node, &err) < 0) die("server", err.msg);
    vrv_config_free(&cfg);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)vrv_node_port(node));
    vrv_http_client *http = vrv_http_client_new(NULL);
    vrv_buf spec = VRV_BUF_INIT, url = VRV_BUF_INIT, qurl = VRV_BUF_INIT;
    vrv_buf_printf(&spec, SPEC, bootstrap);
    vrv_buf_printf(&url, "%s/druid/indexer/v1/supervisor", base);
    vrv_buf_printf(&qurl, "%s/druid/v2", base);

    e2e_result r = {0};
    double t0 = now_s();
    if (api(http, "POST", url.data, spec.data, NULL) != 200) die("supervisor", "refused");
    pid_t task = 0;
    double deadline = t0 + 300;
    for (;;) {
        if (now_s() > deadline) die("varve", "the datasource did not count every record in 300 s");
        vrv_buf body = VRV_BUF_INIT;
        long st = api(http, "POST", qurl.data, COUNT_QUERY, &body);
        double t = now_s();
        json_int_t got = 0, b = 0;
        if (st == 200) {
            json_t *j = json_loads(body.data, 0, NULL);
            json_t *res = json_object_get(json_array_get(j, 0), "result");
            got = json_integer_value(json_object_get(res, "n"));
            b = json_integer_value(json_object_get(res, "b"));
            json_decref(j);
        }
        vrv_buf_free(&body);
        if (!task) {
            pid_t pids[4];
            if (task_pids(pids, 4) == 1) task = pids[0];
        }
        if (got > 0 && r.first == 0) r.first = t - t0;
        if (got > n) die("varve", "counted more records than were produced");
        if (got == n) {
            if (!task) die("varve", "no task process found");
            r.task_cpu = proc_cpu(task);
            r.hwm = proc_hwm(task);
            r.http_cpu = proc_threads(task);
            if (r.http_cpu < 0) die("varve", "the task's threads could not be read");
            r.wall = t - t0;
            if (b != bytes_sum) die("varve", "sum(bytes) differs from the records'");
            break;
        }
        usleep((useconds_t)(poll_ms * 1000));
    }
    vrv_buf_reset(&url);
    vrv_buf_printf(&url, "%s/druid/indexer/v1/supervisor/e2e/terminate", base);
    api(http, "POST", url.data, NULL, NULL);
    vrv_buf_free(&spec);
    vrv_buf_free(&url);
    vrv_buf_free(&qurl);
    vrv_http_client_free(http);
    vrv_node_stop(node);
    vrv_fs_remove_tree(dir, NULL);
    if (r.task_cpu <= 0) die("varve", "the task's CPU time could not be read");
    return r;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--consume") == 0) return consume_main(argv[2], argv[3], atol(argv[4]));
    const bool quick = getenv("BENCH_QUICK") != NULL;
    long n = argc > 1 ? atol(argv[1]) : quick ? 300000 : 2000000;
    int repeat = getenv("BENCH_REPEAT") ? atoi(getenv("BENCH_REPEAT")) : 3;
    if (n < 1000 || repeat < 1 || repeat > 20) die("usage", "bench_e2e_ingest [N >= 1000]; BENCH_REPEAT 1..20");

    char self[PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) die("readlink", "/proc/self/exe");
    self[sl] = '\0';
    char exe[PATH_MAX + 8];
    snprintf(exe, sizeof exe, "%.*s/varve", (int)(strrchr(self, '/') - self), self);
    if (access(exe, X_OK) != 0) die("the varve binary is needed next to the benchmark", exe);

    /* the records, generated up front */
    vrv_buf data = VRV_BUF_INIT;
    size_t *ends = vrv_malloc((size_t)n * sizeof *ends);
    int64_t bytes_sum = 0;
    for (long i = 0; i < n; i++) {
        size_t at = data.len;
        make_record(i, &data);
        ends[i] = data.len;
        const char *bp = strstr(data.data + at, "\"bytes\":");
        bytes_sum += atol(bp + 8);
    }
    int parts = (int)((double)data.len / PART_BYTES) + 1;
    if (parts < 8) parts = 8;
    fprintf(stderr, "bench_e2e_ingest: %ld records, %.1f MB, %.0f bytes/record, %d partitions\n", n,
            (double)data.len / 1e6, (double)data.len / (double)n, parts);

    vrv_error err;
    vrv_kmock *kafka;
    if (vrv_kmock_new(1, &kafka, &err) < 0) die("mock", err.msg);
    if (vrv_kmock_create_topic(kafka, TOPIC, parts, 1, &err) < 0) die("topic", err.msg);
    const char *bootstrap = vrv_kmock_bootstrap(kafka);
    const char *props[] = {"linger.ms=20", "batch.num.messages=10000", NULL};
    vrv_kafka_producer_config pc = {.bootstrap = bootstrap, .topic = TOPIC, .props = props};
    vrv_kafka_producer *prod;
    if (vrv_kafka_producer_new(&pc, &prod, &err) < 0) die("producer", err.msg);
    double t = now_s();
    for (long i = 0; i < n; i++) {
        size_t start = i ? ends[i - 1] : 0;
        vrv_kafka_msg m = {.partition = (int32_t)(i % parts), .value = data.data + start,
                           .value_len = ends[i] - start};
        if (vrv_kafka_producer_send(prod, &m, &err) < 0) die("produce", err.msg);
    }
    if (vrv_kafka_producer_flush(prod, 120000, &err) < 0) die("flush", err.msg);
    vrv_kafka_producer_stats ps;
    vrv_kafka_producer_stats_get(prod, &ps);
    vrv_kafka_producer_destroy(prod);
    if (ps.delivered != (uint64_t)n) die("produce", "not every record was acknowledged");
    fprintf(stderr, "bench_e2e_ingest: produced in %.1f s\n", now_s() - t);

    double c_cpu[20], c_wall[20], v_cpu[20], v_ing[20], v_wall[20], v_first[20], v_hwm[20], w;
    run_consumer(self, bootstrap, n, data.len, &w); /* warm-up */
    if (getenv("BENCH_CONSUMER_ONLY")) {
        /* the read limit alone, run by run (with BENCH_CONSUMER_PROPS: what
         * other client settings give); no varve, no BENCH lines */
        for (int k = 0; k < repeat; k++) {
            double cpu = run_consumer(self, bootstrap, n, data.len, &w);
            fprintf(stderr, "bench_e2e_ingest: consumer run %d: %.2f cpu-s %.2f s, %.0f records/cpu-s\n",
                    k + 1, cpu, w, (double)n / cpu);
        }
        return 0;
    }
    for (int k = 0; k < repeat; k++) {
        c_cpu[k] = run_consumer(self, bootstrap, n, data.len, &c_wall[k]);
        e2e_result r = run_varve(exe, bootstrap, n, bytes_sum);
        v_cpu[k] = r.task_cpu;
        v_ing[k] = r.task_cpu - r.http_cpu;
        v_wall[k] = r.wall;
        v_first[k] = r.first;
        v_hwm[k] = (double)r.hwm;
        fprintf(stderr,
                "bench_e2e_ingest: run %d: consumer %.2f cpu-s %.2f s; task %.2f cpu-s, first "
                "answer %.2f s, all %.2f s, peak RSS %.0f MB\n",
                k + 1, c_cpu[k], c_wall[k], v_cpu[k], v_first[k], v_wall[k], v_hwm[k] / 1e6);
    }
    double cc = median(c_cpu, repeat), cw = median(c_wall, repeat), vc = median(v_cpu, repeat), vi = median(v_ing, repeat),
           vw = median(v_wall, repeat), vh = median(v_hwm, repeat);
    double mb = (double)data.len / 1e6;
    printf("BENCH e2e_records %ld records\n", n);
    printf("BENCH e2e_record_bytes %.0f bytes\n", (double)data.len / (double)n);
    printf("BENCH e2e_partitions %d partitions\n", parts);
    printf("BENCH kafka_read_limit_per_core %.0f records/cpu-s\n", (double)n / cc);
    printf("BENCH kafka_read_limit_mb_per_core %.1f MB/cpu-s\n", mb / cc);
    printf("BENCH kafka_read_limit_wall %.0f records/s\n", (double)n / cw);
    printf("BENCH e2e_ingest_per_core %.0f records/cpu-s\n", (double)n / vi);
    printf("BENCH e2e_ingest_mb_per_core %.1f MB/cpu-s\n", mb / vi);
    printf("BENCH e2e_ingest_vs_read_limit %.2f ratio\n", cc / vi);
    printf("BENCH e2e_task_per_core_with_queries %.0f records/cpu-s\n", (double)n / vc);
    printf("BENCH e2e_task_vs_read_limit_with_queries %.2f ratio\n", cc / vc);
    printf("BENCH e2e_submit_to_all_counted %.2f s\n", vw);
    printf("BENCH e2e_ingest_wall %.0f records/s\n", (double)n / vw);
    printf("BENCH e2e_task_peak_rss %.0f MB\n", vh / 1e6);
    vrv_kmock_destroy(kafka);
    vrv_buf_free(&data);
    free(ends);
    return 0;
}
