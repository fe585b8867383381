/*
 * cmd_quickstart.c — `varve quickstart`: varve's main job on one machine, in
 * one command. It starts, in this process:
 *
 *   - an embedded Kafka-protocol cluster (the librdkafka mock cluster) with a
 *     topic `wikipedia` of 4 partitions, reachable by any Kafka client at the
 *     printed bootstrap address;
 *   - a producer streaming `varve gen` wikipedia edits into it at --rate
 *     events per second, stamped with the current time;
 *   - `varve server` with every role, over --data-dir;
 *
 * and submits the Kafka supervisor spec of examples/wikipedia-kafka.json
 * (pointed at the embedded cluster) through the server's own HTTP API, as a
 * user would. It prints where everything is and queries to paste, and runs
 * until SIGINT or SIGTERM. Then it stops the producer, suspends the
 * supervisor — its tasks stop reading and publish what they hold, as in
 * Druid — and waits (up to a minute) for them to finish, so everything that
 * was read is in segments; then it stops the server and the cluster.
 *
 * Running it again over the same data dir keeps what was ingested: the
 * segments are served again and the supervisor comes back. The embedded
 * cluster, however, lives in memory and starts empty, so the offsets stored
 * for the previous cluster mean nothing to the new one: quickstart resets the
 * supervisor's stored offsets before producing, and reading starts from the
 * new topic's beginning.
 *
 * The mock cluster keeps at most ~5 MiB per partition and drops older data.
 * At the default rate (100 events/s of ~450 bytes over 4 partitions) a
 * partition takes ~8 minutes to fill, while the streaming task reads each
 * record within a second of its arrival, so nothing is lost; a rate far above
 * what the task reads would be.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "cli/cli.h"
#include "gen/gen.h"
#include "server/http_client.h"
#include "server/node.h"
#include "stream/kafka_produce.h"
#include "stream/kmock.h"

#define QS_TOPIC "wikipedia"
#define QS_PARTITIONS 4

static void usage(FILE *out)
{
    fprintf(out,
            "usage: varve quickstart [options]\n"
            "  --data-dir DIR     where varve keeps everything (default ./varve-quickstart)\n"
            "  --port PORT        HTTP port of the server (default 8888; 0 = any free port)\n"
            "  --rate R           wikipedia edits produced per second (default 100; 0 = none)\n"
            "  --port-file F      write the server's port to F once everything runs\n"
            "  --bootstrap-file F write the Kafka bootstrap address to F\n"
            "  --log-level L      server log level (default info; the log is DIR/log/server.log)\n"
            "Runs until interrupted (Ctrl-C).\n");
}

/* The supervisor spec of examples/wikipedia-kafka.json; %s is the bootstrap
 * address of the embedded cluster. */
static const char *SPEC_FMT =
    "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"wikipedia\","
    "\"timestampSpec\":{\"column\":\"time\",\"format\":\"iso\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"channel\",\"cityName\",\"comment\",\"countryIsoCode\","
    "\"countryName\",{\"type\":\"long\",\"name\":\"isAnonymous\"},{\"type\":\"long\",\"name\":\"isMinor\"},"
    "{\"type\":\"long\",\"name\":\"isNew\"},{\"type\":\"long\",\"name\":\"isRobot\"},"
    "{\"type\":\"long\",\"name\":\"isUnpatrolled\"},{\"type\":\"long\",\"name\":\"metroCode\"},"
    "\"namespace\",\"page\",\"regionIsoCode\",\"regionName\",\"user\",\"tags\","
    "{\"type\":\"long\",\"name\":\"delta\"},{\"type\":\"long\",\"name\":\"added\"},"
    "{\"type\":\"long\",\"name\":\"deleted\"}]},"
    "\"granularitySpec\":{\"segmentGranularity\":\"hour\",\"queryGranularity\":\"none\","
    "\"rollup\":false}},"
    "\"ioConfig\":{\"topic\":\"" QS_TOPIC "\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"%s\"},\"taskCount\":1,\"replicas\":1,"
    "\"taskDuration\":\"PT1H\",\"useEarliestOffset\":true},"
    "\"tuningConfig\":{\"type\":\"kafka\",\"maxRowsPerSegment\":5000000,"
    "\"maxSavedParseExceptions\":10}}}";

typedef struct producer_ctx {
    vrv_kafka_producer *p;
    double rate;
    atomic_bool stop;
    atomic_ullong sent;
} producer_ctx;

static vrv_ms wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends generated edits at ctx->rate per second, paced every 10 ms. */
static void *produce_loop(void *arg)
{
    producer_ctx *ctx = arg;
    vrv_gen *g = vrv_gen_new(VRV_GEN_WIKIPEDIA, (uint64_t)time(NULL));
    vrv_buf ev = VRV_BUF_INIT;
    double start = now_s();
    uint64_t n = 0;
    while (!atomic_load(&ctx->stop)) {
        uint64_t due = (uint64_t)((now_s() - start) * ctx->rate);
        for (; n < due && !atomic_load(&ctx->stop); n++) {
            vrv_buf_reset(&ev);
            vrv_gen_event(g, wall_ms(), &ev);
            vrv_kafka_msg m = {.partition = -1, .value = ev.data, .value_len = ev.len};
            vrv_error err;
            if (vrv_kafka_producer_send(ctx->p, &m, &err) < 0) {
                VRV_WARN("quickstart", "producer: %s", err.msg);
                break;
            }
            atomic_store(&ctx->sent, n + 1);
        }
        usleep(10000);
    }
    vrv_buf_free(&ev);
    vrv_gen_free(g);
    return NULL;
}

/* One request to the server; returns the status (or -1) and, when body_out is
 * given, the response body (malloc'd). */
static long api(vrv_http_client *c, const char *method, const char *url, const char *json,
                char **body_out)
{
    vrv_http_result res;
    vrv_error err;
    long status = -1;
    if (vrv_http_client_request(c, method, url, json ? "application/json" : NULL, json,
                                json ? strlen(json) : 0, 0, &res, &err) == 0) {
        status = res.status;
        if (body_out) *body_out = vrv_strdup(res.body.data ? res.body.data : "");
    } else {
        fprintf(stderr, "varve quickstart: %s %s: %s\n", method, url, err.msg);
    }
    vrv_http_result_free(&res);
    return status;
}

/* Suspends the supervisor and waits until no task of it runs any more (its
 * tasks publish on the way out), for at most timeout_s seconds. */
static void suspend_and_drain(vrv_http_client *c, const char *base, int timeout_s)
{
    char url[256];
    snprintf(url, sizeof url, "%s/druid/indexer/v1/supervisor/wikipedia/suspend", base);
    if (api(c, "POST", url, NULL, NULL) != 200) return;
    fprintf(stderr, "varve quickstart: supervisor suspended, waiting for its tasks to publish\n");
    snprintf(url, sizeof url, "%s/druid/indexer/v1/tasks?state=running&datasource=wikipedia", base);
    for (int i = 0; i < timeout_s * 4; i++) {
        char *body = NULL;
        long st = api(c, "GET", url, NULL, &body);
        bool idle = st == 200 && body && strcmp(body, "[]") == 0;
        free(body);
        if (idle) return;
        usleep(250000);
    }
    fprintf(stderr, "varve quickstart: tasks still running after %d s; stopping them\n", timeout_s);
}

static int write_text(const char *path, const char *text)
{
    vrv_error err;
    if (vrv_fs_write_atomic(path, text, strlen(text), &err) < 0) {
        fprintf(stderr, "varve quickstart: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void print_banner(unsigned port, const char *bootstrap, const char *dir, double rate)
{
    printf("varve quickstart is running (Ctrl-C stops it).\n\n"
           "  console    http://127.0.0.1:%u/  (open it in a browser: supervisors, tasks, query)\n"
           "  API        http://127.0.0.1:%u  (Druid's HTTP API: /druid/v2, /druid/indexer/v1, ...)\n"
           "  Kafka      %s  topic " QS_TOPIC " (%d partitions)\n"
           "  producing  %.0f wikipedia edits per second into it\n"
           "  ingesting  supervisor 'wikipedia' (GET /druid/indexer/v1/supervisor/wikipedia/status)\n"
           "  data       %s  (server log: %s/log/server.log)\n\n",
           port, port, bootstrap, QS_PARTITIONS, rate, dir, dir);
    printf("Produce your own events with kcat:\n"
           "  echo '{\"time\":\"'$(date -u +%%FT%%TZ)'\",\"channel\":\"#mine\",\"page\":\"Hello\","
           "\"added\":1}' \\\n"
           "    | kcat -P -b %s -t " QS_TOPIC "\n\n",
           bootstrap);
    printf("Queries to paste:\n"
           "  # edits and characters added per minute\n"
           "  curl -s -H 'Content-Type: application/json' http://127.0.0.1:%u/druid/v2 -d "
           "'{\"queryType\":\"timeseries\",\"dataSource\":\"wikipedia\",\"granularity\":\"minute\","
           "\"intervals\":[\"2000/3000\"],\"aggregations\":[{\"type\":\"count\",\"name\":\"edits\"},"
           "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}'\n\n"
           "  # the five busiest channels\n"
           "  curl -s -H 'Content-Type: application/json' http://127.0.0.1:%u/druid/v2 -d "
           "'{\"queryType\":\"topN\",\"dataSource\":\"wikipedia\",\"dimension\":\"channel\","
           "\"metric\":\"edits\",\"threshold\":5,\"granularity\":\"all\",\"intervals\":[\"2000/3000\"],"
           "\"aggregations\":[{\"type\":\"count\",\"name\":\"edits\"}]}'\n\n"
           "  # the latest three edits by robots\n"
           "  curl -s -H 'Content-Type: application/json' http://127.0.0.1:%u/druid/v2 -d "
           "'{\"queryType\":\"scan\",\"dataSource\":\"wikipedia\",\"intervals\":[\"2000/3000\"],"
           "\"filter\":{\"type\":\"equals\",\"column\":\"isRobot\",\"matchValueType\":\"LONG\","
           "\"matchValue\":1},\"columns\":[\"__time\",\"channel\",\"page\",\"user\"],"
           "\"order\":\"descending\",\"limit\":3}'\n\n",
           port, port, port);
    fflush(stdout);
}

int vrv_cmd_quickstart(int argc, char **argv)
{
    const char *dir = "varve-quickstart", *port_file = NULL, *bootstrap_file = NULL;
    const char *log_level = "info";
    long port = 8888;
    double rate = 100;
    /* every option takes a value: options and values alternate */
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "varve quickstart: %s needs a value (or is unknown)\n\n", a);
            usage(stderr);
            return 2;
        }
        char *end;
        if (strcmp(a, "--data-dir") == 0) {
            dir = v;
        } else if (strcmp(a, "--port") == 0) {
            port = strtol(v, &end, 10);
            if (*end || port < 0 || port > 65535) {
                fprintf(stderr, "varve quickstart: --port: not a port number: %s\n", v);
                return 2;
            }
        } else if (strcmp(a, "--rate") == 0) {
            rate = strtod(v, &end);
            if (*end || !(rate >= 0) || rate > 1e6) {
                fprintf(stderr, "varve quickstart: --rate: events per second, 0..1000000: %s\n", v);
                return 2;
            }
        } else if (strcmp(a, "--port-file") == 0) {
            port_file = v;
        } else if (strcmp(a, "--bootstrap-file") == 0) {
            bootstrap_file = v;
        } else if (strcmp(a, "--log-level") == 0) {
            log_level = v;
        } else {
            fprintf(stderr, "varve quickstart: unknown option %s\n\n", a);
            usage(stderr);
            return 2;
        }
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    vrv_error err;
    vrv_kmock *kafka = NULL;
    vrv_node *node = NULL;
    vrv_http_client *http = NULL;
    producer_ctx prod = {.rate = rate};
    pthread_t prod_thread;
    bool producing = false;
    int rc = 1;
    char *exe = NULL, *abs_dir = NULL;

    if (vrv_kmock_new(1, &kafka, &err) < 0 ||
        vrv_kmock_create_topic(kafka, QS_TOPIC, QS_PARTITIONS, 1, &err) < 0) {
        fprintf(stderr, "varve quickstart: Kafka cluster: %s\n", err.msg);
        goto out;
    }
    const char *bootstrap = vrv_kmock_bootstrap(kafka);

    if (vrv_fs_mkdirs(dir, &err) < 0) {
        fprintf(stderr, "varve quickstart: %s\n", err.msg);
        goto out;
    }
    abs_dir = realpath(dir, NULL);
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    exe = n > 0 ? vrv_strndup(buf, (size_t)n) : vrv_strdup(argv[0]);

    vrv_config cfg;
    vrv_config_defaults(&cfg);
    free(cfg.data_dir);
    cfg.data_dir = vrv_strdup(abs_dir ? abs_dir : dir);
    cfg.port = (int)port;
    free(cfg.log_level);
    cfg.log_level = vrv_strdup(log_level);
    if (vrv_config_validate(&cfg, &err) < 0 ||
        vrv_node_start(&cfg, exe, VARVE_VERSION, &node, &err) < 0) {
        fprintf(stderr, "varve quickstart: server: %s\n", err.msg);
        vrv_config_free(&cfg);
        goto out;
    }
    vrv_config_free(&cfg);
    unsigned bound = vrv_node_port(node);

    /* Submit (or update) the supervisor through the API, as a user would. */
    http = vrv_http_client_new(NULL);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", bound);
    char url[256];
    snprintf(url, sizeof url, "%s/druid/indexer/v1/supervisor/wikipedia", base);
    bool existed = api(http, "GET", url, NULL, NULL) == 200;
    vrv_buf spec = VRV_BUF_INIT;
    vrv_buf_printf(&spec, SPEC_FMT, bootstrap);
    snprintf(url, sizeof url, "%s/druid/indexer/v1/supervisor", base);
    char *body = NULL;
    long st = api(http, "POST", url, spec.data, &body);
    vrv_buf_free(&spec);
    if (st != 200) {
        fprintf(stderr, "varve quickstart: the supervisor was refused (%ld): %s\n", st,
                body ? body : "");
        free(body);
        goto out;
    }
    free(body);
    if (existed) {
        /* the previous run's offsets belong to a cluster that is gone */
        snprintf(url, sizeof url, "%s/druid/indexer/v1/supervisor/wikipedia/reset", base);
        body = NULL;
        st = api(http, "POST", url, NULL, &body);
        if (st != 200)
            fprintf(stderr, "varve quickstart: resetting the supervisor's offsets (%ld): %s\n", st,
                    body ? body : "");
        free(body);
    }

    if (rate > 0) {
        vrv_kafka_producer_config pc = {.bootstrap = bootstrap, .topic = QS_TOPIC,
                                        .partitioner = VRV_KAFKA_ROUND_ROBIN};
        if (vrv_kafka_producer_new(&pc, &prod.p, &err) < 0) {
            fprintf(stderr, "varve quickstart: producer: %s\n", err.msg);
            goto out;
        }
        if (pthread_create(&prod_thread, NULL, produce_loop, &prod) != 0) {
            fprintf(stderr, "varve quickstart: cannot start the producer thread\n");
            goto out;
        }
        producing = true;
    }

    if (bootstrap_file) {
        char text[1024];
        snprintf(text, sizeof text, "%s\n", bootstrap);
        if (write_text(bootstrap_file, text) < 0) goto out;
    }
    if (port_file) {
        char text[16];
        snprintf(text, sizeof text, "%u\n", bound);
        if (write_text(port_file, text) < 0) goto out;
    }
    print_banner(bound, bootstrap, abs_dir ? abs_dir : dir, rate);

    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    fprintf(stderr, "varve quickstart: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
    if (producing) {
        atomic_store(&prod.stop, true);
        pthread_join(prod_thread, NULL);
        producing = false;
    }
    suspend_and_drain(http, base, 60);
    rc = 0;
out:
    if (producing) {
        atomic_store(&prod.stop, true);
        pthread_join(prod_thread, NULL);
    }
    if (prod.p) {
        vrv_error ferr;
        vrv_kafka_producer_flush(prod.p, 5000, &ferr);
        vrv_kafka_producer_destroy(prod.p);
        fprintf(stderr, "varve quickstart: produced %llu events\n",
                (unsigned long long)atomic_load(&prod.sent));
    }
    vrv_http_client_free(http);
    vrv_node_stop(node);
    vrv_kmock_destroy(kafka);
    free(exe);
    free(abs_dir);
    return rc;
}
