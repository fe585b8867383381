/*
 * cmd_produce.c — `varve produce`: sends lines (JSON events, CSV rows, ...)
 * to a Kafka topic, one record per line, spread over the topic's partitions.
 *
 *   varve produce --bootstrap B --topic T [--file F] [--rate R]
 *                 [--partitioner round-robin|random] [-X name=value]... [--quiet]
 *
 * Reads standard input without --file, so `varve gen --rate 100 --count 0 |
 * varve produce ...` streams until interrupted; on EOF, SIGINT or SIGTERM
 * it waits for every record to be acknowledged, then reports. Exit status 1
 * when any record could not be delivered.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/vec.h"
#include "cli/cli.h"
#include "stream/kafka_produce.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    VRV_UNUSED(sig);
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: varve produce --bootstrap SERVERS --topic TOPIC [options]\n"
            "  --file F                read lines from F (default: standard input)\n"
            "  --rate R                at most R records per second (default: as fast as possible)\n"
            "  --partitioner P         round-robin (default) or random\n"
            "  -X name=value           a librdkafka producer setting (repeatable)\n"
            "  --quiet                 no summary on standard error\n");
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int vrv_cmd_produce(int argc, char **argv)
{
    const char *bootstrap = NULL, *topic = NULL, *file = NULL;
    double rate = 0;
    bool quiet = false;
    vrv_kafka_partitioner part = VRV_KAFKA_ROUND_ROBIN;
    VRV_VEC(const char *) props = {0};
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            vrv_vec_free(&props);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0) {
            quiet = true;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "varve produce: %s needs a value\n", a);
            rc = 2;
            break;
        }
        i++;
        if (strcmp(a, "--bootstrap") == 0) bootstrap = v;
        else if (strcmp(a, "--topic") == 0) topic = v;
        else if (strcmp(a, "--file") == 0) file = v;
        else if (strcmp(a, "-X") == 0) vrv_vec_push(&props, v);
        else if (strcmp(a, "--rate") == 0) {
            char *end;
            errno = 0;
            rate = strtod(v, &end);
            if (!*v || *end || errno || !(rate >= 0)) {
                fprintf(stderr, "varve produce: --rate must be a number >= 0, got %s\n", v);
                rc = 2;
            }
        } else if (strcmp(a, "--partitioner") == 0) {
            if (strcmp(v, "round-robin") == 0) part = VRV_KAFKA_ROUND_ROBIN;
            else if (strcmp(v, "random") == 0) part = VRV_KAFKA_RANDOM;
            else {
                fprintf(stderr, "varve produce: --partitioner must be round-robin or random\n");
                rc = 2;
            }
        } else {
            fprintf(stderr, "varve produce: unknown option %s\n\n", a);
            usage(stderr);
            rc = 2;
        }
    }
    if (!rc && (!bootstrap || !topic)) {
        fprintf(stderr, "varve produce: --bootstrap and --topic are required\n\n");
        usage(stderr);
        rc = 2;
    }
    if (rc) {
        vrv_vec_free(&props);
        return rc;
    }
    vrv_vec_push(&props, NULL);

    FILE *in = stdin;
    if (file && !(in = fopen(file, "rb"))) {
        fprintf(stderr, "varve produce: %s: %s\n", file, strerror(errno));
        vrv_vec_free(&props);
        return 1;
    }
    vrv_error err;
    vrv_kafka_producer *p;
    vrv_kafka_producer_config cfg = {
        .bootstrap = bootstrap, .topic = topic, .partitioner = part, .props = props.v};
    if (vrv_kafka_producer_new(&cfg, &p, &err) != VRV_OK) {
        fprintf(stderr, "varve produce: %s\n", err.msg);
        if (in != stdin) fclose(in);
        vrv_vec_free(&props);
        return 1;
    }
    /* No SA_RESTART: a blocked read returns so the loop can stop. */
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char *line = NULL;
    size_t cap = 0;
    uint64_t n = 0;
    double t0 = mono_s();
    while (!stop_requested) {
        errno = 0;
        ssize_t len = getline(&line, &cap, in);
        if (len < 0) {
            if (errno == EINTR) continue;
            if (ferror(in)) {
                fprintf(stderr, "varve produce: read: %s\n", strerror(errno));
                rc = 1;
            }
            break;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        if (!len) continue;
        vrv_kafka_msg m = {.partition = -1, .value = line, .value_len = (size_t)len};
        if (vrv_kafka_producer_send(p, &m, &err) != VRV_OK) {
            fprintf(stderr, "varve produce: %s\n", err.msg);
            rc = 1;
            break;
        }
        n++;
        if (rate > 0) {
            double due = t0 + (double)n / rate, now = mono_s();
            if (due > now) usleep((useconds_t)((due - now) * 1e6));
        }
    }
    free(line);
    if (in != stdin) fclose(in);
    if (vrv_kafka_producer_flush(p, 30000, &err) != VRV_OK) {
        fprintf(stderr, "varve produce: %s\n", err.msg);
        rc = 1;
    }
    vrv_kafka_producer_stats st;
    vrv_kafka_producer_stats_get(p, &st);
    if (!quiet)
        fprintf(stderr, "varve produce: %llu records to %s (%d partitions) in %.2f s, %llu failed\n",
                (unsigned long long)st.delivered, topic, vrv_kafka_producer_partitions(p),
                mono_s() - t0, (unsigned long long)st.failed);
    vrv_kafka_producer_destroy(p);
    vrv_vec_free(&props);
    return rc;
}
