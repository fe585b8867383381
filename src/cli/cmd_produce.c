/*
 * cmd_produce.c — `varve produce`: sends lines (JSON events, CSV rows, ...)
 * to a Kafka topic or a Kinesis stream, one record per line, spread over the
 * topic's partitions or the stream's shards.
 *
 *   varve produce --bootstrap B --topic T [--file F] [--rate R]
 *                 [--partitioner round-robin|random] [-X name=value]... [--quiet]
 *   varve produce --kinesis-endpoint URL --stream S [--region R] [--create N]
 *                 [--file F] [--rate R] [--partitioner round-robin|random] [--quiet]
 *
 * Reads standard input without --file, so `varve gen --rate 100 --count 0 |
 * varve produce ...` streams until interrupted; on EOF, SIGINT or SIGTERM
 * it waits for every record to be acknowledged, then reports. Exit status 1
 * when any record could not be delivered.
 *
 * Kinesis: lines go out with PutRecords, up to 500 per call, and a line
 * waits at most 100 ms for others to share its call. Round robin sends
 * record i to the i-th open shard in hash-key order (ExplicitHashKey, the
 * partition key being the record number); random gives each record a random
 * partition key. Credentials come from the environment or
 * ~/.aws/credentials (stream/kinesis_client.h); --create makes the stream
 * with N shards when it does not exist.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/mem.h"
#include "base/vec.h"
#include "cli/cli.h"
#include "stream/kafka_produce.h"
#include "stream/kinesis_client.h"

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
            "       varve produce --kinesis-endpoint URL --stream STREAM [options]\n"
            "  --file F                read lines from F (default: standard input)\n"
            "  --rate R                at most R records per second (default: as fast as possible)\n"
            "  --partitioner P         round-robin (default) or random\n"
            "  -X name=value           a librdkafka producer setting (repeatable; Kafka)\n"
            "  --region R              the signing region (Kinesis; default: from the endpoint,\n"
            "                          $AWS_REGION, us-east-1)\n"
            "  --create N              create the stream with N shards if it does not exist\n"
            "                          (Kinesis)\n"
            "  --quiet                 no summary on standard error\n");
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- Kinesis */

#define KIN_BATCH_RECORDS VRV_KINESIS_PUT_MAX_RECORDS
#define KIN_BATCH_BYTES (4u << 20) /* under PutRecords' 5 MiB, keys included */
#define KIN_LINGER_MS 100          /* longest a line waits for others to share its call */

/* Lines from a file descriptor, with a way to know whether the next line is
 * already here (so a pending batch is sent before blocking for more). */
typedef struct line_reader {
    int fd;
    vrv_buf buf;
    size_t start;  /* first byte not yet returned */
    bool eof;
} line_reader;

/* Next line into *line / *len (without "\n" or "\r\n"), valid until the next
 * call. wait_ms < 0 blocks; otherwise returns 0 when no complete line came
 * within wait_ms. Returns 1 for a line, 0 for none yet, -1 at the end,
 * -2 on a read error (errno set). */
static int line_next(line_reader *r, int wait_ms, const char **line, size_t *len)
{
    for (;;) {
        char *p = r->buf.data ? r->buf.data + r->start : NULL;
        size_t have = r->buf.len - r->start;
        char *nl = p ? memchr(p, '\n', have) : NULL;
        if (nl || (r->eof && have)) {
            size_t n = nl ? (size_t)(nl - p) : have;
            r->start += n + (nl != NULL);
            while (n && (p[n - 1] == '\r' || p[n - 1] == '\n')) n--;
            *line = p;
            *len = n;
            return 1;
        }
        if (r->eof) return -1;
        if (r->start > 0) { /* keep the partial line at the front */
            memmove(r->buf.data, p, have);
            r->buf.len = have;
            r->buf.data[have] = '\0';
            r->start = 0;
        }
        if (wait_ms >= 0) {
            struct pollfd pfd = {r->fd, POLLIN, 0};
            int pr = poll(&pfd, 1, wait_ms);
            if (pr == 0) return 0;
            if (pr < 0) return errno == EINTR ? 0 : -2;
        }
        char *dst = vrv_buf_reserve(&r->buf, 65536);
        ssize_t got = read(r->fd, dst, 65536);
        if (got < 0) {
            if (errno == EINTR) return 0;
            return -2;
        }
        if (got == 0) r->eof = true;
        r->buf.len += (size_t)got;
        r->buf.data[r->buf.len] = '\0';
    }
}

typedef struct kin_batch {
    VRV_VEC(vrv_kinesis_put) recs;
    vrv_buf data;                   /* the lines, back to back */
    VRV_VEC(size_t) off;            /* where each line starts in data */
    char (*keys)[24];               /* partition keys, KIN_BATCH_RECORDS */
    vrv_kinesis_put_result *results; /* KIN_BATCH_RECORDS */
    double first_at;                /* when the oldest pending line came */
} kin_batch;

/* Sends the pending lines; *sent counts the records Kinesis took. */
static int kin_flush(vrv_kinesis_client *c, const char *stream, kin_batch *b, uint64_t *sent,
                     vrv_error *err)
{
    if (!b->recs.n) return VRV_OK;
    for (size_t i = 0; i < b->recs.n; i++) b->recs.v[i].data = b->data.data + b->off.v[i];
    int rc = vrv_kinesis_put_records(c, stream, b->recs.v, b->recs.n, b->results, 0, err);
    for (size_t i = 0; i < b->recs.n; i++) *sent += b->results[i].seq[0] != '\0';
    b->recs.n = 0;
    b->off.n = 0;
    vrv_buf_reset(&b->data);
    return rc;
}

static int produce_kinesis(const char *endpoint, const char *region, const char *stream,
                           int create, const char *file, double rate, bool random_keys,
                           bool quiet)
{
    vrv_kinesis_client_config cc = {.endpoint = endpoint, .region = region};
    vrv_kinesis_client *c;
    vrv_error err;
    if (vrv_kinesis_client_new(&cc, &c, &err) != VRV_OK) {
        fprintf(stderr, "varve produce: %s\n", err.msg);
        return 1;
    }
    vrv_kinesis_shard *sh = NULL;
    size_t nsh = 0;
    int rc = vrv_kinesis_list_shards(c, stream, true, &sh, &nsh, &err);
    if (rc == VRV_ENOTFOUND && create > 0) {
        rc = vrv_kinesis_create_stream(c, stream, create, 60000, &err);
        if (rc == VRV_OK) rc = vrv_kinesis_list_shards(c, stream, true, &sh, &nsh, &err);
    }
    /* the open shards, in hash-key order, for round robin */
    size_t nopen = 0;
    for (size_t i = 0; rc == VRV_OK && i < nsh; i++) {
        if (vrv_kinesis_shard_closed(&sh[i])) continue;
        size_t j = nopen++;
        vrv_kinesis_shard x = sh[i];
        for (; j > 0; j--) {
            const char *a = sh[j - 1].hash_start, *b = x.hash_start;
            size_t la = strlen(a), lb = strlen(b);
            if (la < lb || (la == lb && strcmp(a, b) <= 0)) break;
            sh[j] = sh[j - 1];
        }
        sh[j] = x;
    }
    if (rc == VRV_OK && nopen == 0)
        rc = vrv_error_set(&err, VRV_EINVAL, "Kinesis stream %s has no open shard", stream);
    int fd = 0;
    if (rc == VRV_OK && file && (fd = open(file, O_RDONLY)) < 0)
        rc = vrv_error_set(&err, VRV_EIO, "%s: %s", file, strerror(errno));
    if (rc) {
        fprintf(stderr, "varve produce: %s\n", err.msg);
        free(sh);
        vrv_kinesis_client_free(c);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    line_reader lr = {.fd = fd};
    kin_batch b = {0};
    b.keys = vrv_calloc(KIN_BATCH_RECORDS, sizeof *b.keys);
    b.results = vrv_calloc(KIN_BATCH_RECORDS, sizeof *b.results);
    uint64_t n = 0, sent = 0, too_long = 0;
    int status = 0;
    double t0 = mono_s();
    while (!stop_requested) {
        const char *line = NULL;
        size_t len = 0;
        int wait = -1;
        if (b.recs.n) wait = (int)VRV_MAX(0, (b.first_at + KIN_LINGER_MS / 1000.0 - mono_s()) * 1000);
        int lr_rc = line_next(&lr, wait, &line, &len);
        if (lr_rc == 0) { /* the oldest pending line waited long enough */
            if (b.recs.n && mono_s() >= b.first_at + KIN_LINGER_MS / 1000.0 &&
                kin_flush(c, stream, &b, &sent, &err) != VRV_OK) {
                fprintf(stderr, "varve produce: %s\n", err.msg);
                status = 1;
                break;
            }
            continue;
        }
        if (lr_rc == -2) {
            fprintf(stderr, "varve produce: read: %s\n", strerror(errno));
            status = 1;
            break;
        }
        if (lr_rc < 0) break;
        if (!len) continue;
        if (len > (1u << 20)) {
            fprintf(stderr, "varve produce: line %llu has %zu bytes, more than the 1 MiB a "
                            "Kinesis record may hold\n",
                    (unsigned long long)(n + too_long + 1), len);
            too_long++;
            status = 1;
            continue;
        }
        if (b.recs.n && b.data.len + len > KIN_BATCH_BYTES &&
            kin_flush(c, stream, &b, &sent, &err) != VRV_OK) {
            fprintf(stderr, "varve produce: %s\n", err.msg);
            status = 1;
            break;
        }
        if (!b.recs.n) b.first_at = mono_s();
        char *key = b.keys[b.recs.n];
        vrv_kinesis_put put = {.len = len, .partition_key = key};
        if (random_keys) {
            uint64_t rnd = 0;
            if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = n * 0x9E3779B97F4A7C15ULL;
            snprintf(key, sizeof b.keys[0], "%016llx", (unsigned long long)rnd);
        } else {
            snprintf(key, sizeof b.keys[0], "%llu", (unsigned long long)n);
            put.explicit_hash_key = sh[n % nopen].hash_start;
        }
        vrv_vec_push(&b.off, b.data.len);
        vrv_buf_append(&b.data, line, len);
        vrv_vec_push(&b.recs, put);
        n++;
        if (b.recs.n == KIN_BATCH_RECORDS &&
            kin_flush(c, stream, &b, &sent, &err) != VRV_OK) {
            fprintf(stderr, "varve produce: %s\n", err.msg);
            status = 1;
            break;
        }
        if (rate > 0) {
            double due = t0 + (double)n / rate, now = mono_s();
            if (due > now) {
                /* send what waits rather than sleep on it */
                if (b.recs.n && due - now >= KIN_LINGER_MS / 1000.0 &&
                    kin_flush(c, stream, &b, &sent, &err) != VRV_OK) {
                    fprintf(stderr, "varve produce: %s\n", err.msg);
                    status = 1;
                    break;
                }
                now = mono_s();
                if (due > now) usleep((useconds_t)((due - now) * 1e6));
            }
        }
    }
    if (status == 0 && kin_flush(c, stream, &b, &sent, &err) != VRV_OK) {
        fprintf(stderr, "varve produce: %s\n", err.msg);
        status = 1;
    }
    if (!quiet)
        fprintf(stderr,
                "varve produce: %llu records to Kinesis stream %s (%zu open shards) in %.2f s, "
                "%llu failed\n",
                (unsigned long long)sent, stream, nopen, mono_s() - t0,
                (unsigned long long)(n - sent + too_long));
    if (fd > 0) close(fd);
    vrv_buf_free(&lr.buf);
    vrv_buf_free(&b.data);
    vrv_vec_free(&b.recs);
    vrv_vec_free(&b.off);
    free(b.keys);
    free(b.results);
    free(sh);
    vrv_kinesis_client_free(c);
    return status;
}

int vrv_cmd_produce(int argc, char **argv)
{
    const char *bootstrap = NULL, *topic = NULL, *file = NULL;
    const char *kinesis = NULL, *stream = NULL, *region = NULL;
    int create = 0;
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
        else if (strcmp(a, "--kinesis-endpoint") == 0) kinesis = v;
        else if (strcmp(a, "--stream") == 0) stream = v;
        else if (strcmp(a, "--region") == 0) region = v;
        else if (strcmp(a, "--create") == 0) {
            char *end;
            long nshards = strtol(v, &end, 10);
            if (!*v || *end || nshards < 1 || nshards > 10000) {
                fprintf(stderr, "varve produce: --create must be a shard count >= 1, got %s\n", v);
                rc = 2;
            }
            create = (int)nshards;
        }
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
    if (!rc && (kinesis || stream)) {
        if (!kinesis || !stream || bootstrap || topic || props.n) {
            fprintf(stderr, "varve produce: Kinesis needs --kinesis-endpoint and --stream, and "
                            "no Kafka option (--bootstrap, --topic, -X)\n\n");
            usage(stderr);
            rc = 2;
        }
        vrv_vec_free(&props);
        if (rc) return rc;
        return produce_kinesis(kinesis, region, stream, create, file, rate,
                               part == VRV_KAFKA_RANDOM, quiet);
    }
    if (!rc && (region || create)) {
        fprintf(stderr, "varve produce: --region and --create are Kinesis options\n\n");
        usage(stderr);
        rc = 2;
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
