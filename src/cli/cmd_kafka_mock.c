/*
 * cmd_kafka_mock.c — `varve kafka-mock`: runs an in-process Kafka cluster
 * (stream/kmock.h) until SIGTERM or SIGINT, so that scripts and people can
 * produce and consume with any Kafka client.
 *
 *   varve kafka-mock [--brokers N] [--topic NAME:PARTITIONS[:REPLICATION]]...
 *                    [--bootstrap-file F]
 *
 * The bootstrap address ("127.0.0.1:port,...") is printed on standard output
 * and, with --bootstrap-file, written to F (atomically, so a script can wait
 * for the file to be non-empty; it is removed on exit). The cluster keeps
 * only the newest 5 MiB of each partition.
 *
 * With --control, faults are injected while it runs through commands read
 * from standard input, one per line, each answered on standard output with
 * "ok" or "error: ..." (the fault-injection suite drives it this way):
 *
 *   broker-down ID | broker-up ID          ID -1: every broker
 *   rtt ID MS                              delay every response (0 stops)
 *   leader TOPIC PARTITION ID              move a partition's leadership
 *   request-errors API N ERR               the next N requests of ApiKey API fail
 *                                          with librdkafka error code ERR
 *   clear-request-errors API
 *   create-topic NAME PARTITIONS REPLICATION
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/vec.h"
#include "cli/cli.h"
#include "stream/kmock.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: varve kafka-mock [options]\n"
            "  --brokers N                 brokers in the cluster (default 3)\n"
            "  --topic NAME:PARTITIONS[:R] create a topic (repeatable); R = replication\n"
            "  --bootstrap-file F          also write the bootstrap address to F\n"
            "  --control                   read fault-injection commands from standard input\n"
            "Runs until SIGTERM or SIGINT. Each partition keeps only its newest 5 MiB.\n");
}

typedef struct topic_arg {
    char name[256];
    int partitions, replication;
} topic_arg;

static bool parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max) return false;
    *out = (int)v;
    return true;
}

/* NAME:PARTITIONS[:REPLICATION]; the name may itself contain ':' only if a
 * replication is given, so split from the right. */
static bool parse_topic(const char *s, topic_arg *t)
{
    char buf[300];
    if (strlen(s) >= sizeof buf) return false;
    strcpy(buf, s);
    char *c1 = strrchr(buf, ':');
    if (!c1) return false;
    *c1 = '\0';
    t->replication = 0;
    char *c0 = strrchr(buf, ':');
    if (c0 && parse_int(c0 + 1, 1, 1000000, &t->partitions) &&
        parse_int(c1 + 1, 1, VRV_KMOCK_MAX_BROKERS, &t->replication)) {
        *c0 = '\0';
    } else if (!parse_int(c1 + 1, 1, 1000000, &t->partitions)) {
        return false;
    }
    if (!buf[0] || strlen(buf) >= sizeof t->name) return false;
    strcpy(t->name, buf);
    return true;
}

static int write_file_atomic(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    bool ok = fprintf(f, "%s\n", text) > 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* One control command; answers on stdout. Integers are checked as the
 * mock's API wants them (a wrong line is an error, never a fault). */
static void control_line(vrv_kmock *m, char *line)
{
    char *argv[6];
    int n = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && n < 6; tok = strtok(NULL, " \t\r\n"))
        argv[n++] = tok;
    if (n == 0) return;
    vrv_error err;
    vrv_error_clear(&err);
    int rc = 0, a = 0, b = 0, c = 0;
    const char *cmd = argv[0];
    if ((strcmp(cmd, "broker-down") == 0 || strcmp(cmd, "broker-up") == 0) && n == 2 &&
        parse_int(argv[1], -1, VRV_KMOCK_MAX_BROKERS, &a)) {
        rc = cmd[7] == 'd' ? vrv_kmock_broker_down(m, a, &err) : vrv_kmock_broker_up(m, a, &err);
    } else if (strcmp(cmd, "rtt") == 0 && n == 3 && parse_int(argv[1], -1, VRV_KMOCK_MAX_BROKERS, &a) &&
               parse_int(argv[2], 0, 600000, &b)) {
        rc = vrv_kmock_broker_rtt(m, a, b, &err);
    } else if (strcmp(cmd, "leader") == 0 && n == 4 && parse_int(argv[2], 0, 1000000, &a) &&
               parse_int(argv[3], -1, VRV_KMOCK_MAX_BROKERS, &b)) {
        rc = vrv_kmock_partition_leader(m, argv[1], a, b, &err);
    } else if (strcmp(cmd, "request-errors") == 0 && n == 4 && parse_int(argv[1], 0, 100, &a) &&
               parse_int(argv[2], 1, 10000, &b) && parse_int(argv[3], -1000, 1000, &c)) {
        int *errs = malloc((size_t)b * sizeof *errs);
        if (!errs) {
            rc = vrv_error_set(&err, VRV_ENOMEM, "out of memory");
        } else {
            for (int i = 0; i < b; i++) errs[i] = c;
            vrv_kmock_push_request_errors(m, (int16_t)a, (size_t)b, errs);
            free(errs);
        }
    } else if (strcmp(cmd, "clear-request-errors") == 0 && n == 2 && parse_int(argv[1], 0, 100, &a)) {
        vrv_kmock_clear_request_errors(m, (int16_t)a);
    } else if (strcmp(cmd, "create-topic") == 0 && n == 4 && parse_int(argv[2], 1, 1000000, &a) &&
               parse_int(argv[3], 0, VRV_KMOCK_MAX_BROKERS, &b)) {
        rc = vrv_kmock_create_topic(m, argv[1], a, b, &err);
    } else {
        rc = vrv_error_set(&err, VRV_EINVAL, "bad command [%s] with %d arguments", cmd, n - 1);
    }
    if (rc < 0)
        printf("error: %s\n", err.msg);
    else
        printf("ok\n");
    fflush(stdout);
}

/* Held while a command runs; the cluster is destroyed only under it, so a
 * command never reaches a destroyed cluster. */
static pthread_mutex_t ctl_mu = PTHREAD_MUTEX_INITIALIZER;
static bool ctl_closed;

/* Reads commands until standard input closes; the cluster keeps running. */
static void *control_main(void *arg)
{
    vrv_kmock *m = arg;
    char line[1024];
    while (fgets(line, sizeof line, stdin)) {
        pthread_mutex_lock(&ctl_mu);
        if (!ctl_closed) control_line(m, line);
        pthread_mutex_unlock(&ctl_mu);
    }
    return NULL;
}

int vrv_cmd_kafka_mock(int argc, char **argv)
{
    int brokers = 3;
    const char *bs_file = NULL;
    VRV_VEC(topic_arg) topics = {0};
    int rc = 0;
    bool control = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            vrv_vec_free(&topics);
            return 0;
        }
        if (strcmp(a, "--control") == 0) {
            control = true;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "varve kafka-mock: %s needs a value\n", a);
            vrv_vec_free(&topics);
            return 2;
        }
        i++;
        if (strcmp(a, "--brokers") == 0) {
            if (!parse_int(v, 1, VRV_KMOCK_MAX_BROKERS, &brokers)) {
                fprintf(stderr, "varve kafka-mock: --brokers must be 1..%d, got %s\n",
                        VRV_KMOCK_MAX_BROKERS, v);
                rc = 2;
            }
        } else if (strcmp(a, "--topic") == 0) {
            topic_arg t;
            if (!parse_topic(v, &t)) {
                fprintf(stderr, "varve kafka-mock: --topic wants NAME:PARTITIONS[:REPLICATION], "
                                "got %s\n",
                        v);
                rc = 2;
            } else {
                vrv_vec_push(&topics, t);
            }
        } else if (strcmp(a, "--bootstrap-file") == 0) {
            bs_file = v;
        } else {
            fprintf(stderr, "varve kafka-mock: unknown option %s\n\n", a);
            usage(stderr);
            rc = 2;
        }
        if (rc) {
            vrv_vec_free(&topics);
            return rc;
        }
    }

    /* Block the stop signals before any thread exists, so every librdkafka
     * thread inherits the mask and sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    vrv_error err;
    vrv_kmock *m;
    if (vrv_kmock_new(brokers, &m, &err) != VRV_OK) {
        fprintf(stderr, "varve kafka-mock: %s\n", err.msg);
        vrv_vec_free(&topics);
        return 1;
    }
    for (size_t i = 0; i < topics.n; i++) {
        if (vrv_kmock_create_topic(m, topics.v[i].name, topics.v[i].partitions,
                                   topics.v[i].replication, &err) != VRV_OK) {
            fprintf(stderr, "varve kafka-mock: %s\n", err.msg);
            rc = 1;
            goto out;
        }
    }
    const char *bs = vrv_kmock_bootstrap(m);
    if (bs_file && write_file_atomic(bs_file, bs) != 0) {
        fprintf(stderr, "varve kafka-mock: %s: %s\n", bs_file, strerror(errno));
        rc = 1;
        goto out;
    }
    printf("%s\n", bs);
    fflush(stdout);
    fprintf(stderr, "varve kafka-mock: %d broker%s at %s\n", brokers, brokers == 1 ? "" : "s", bs);
    for (size_t i = 0; i < topics.n; i++)
        fprintf(stderr, "  topic %s: %d partition%s\n", topics.v[i].name, topics.v[i].partitions,
                topics.v[i].partitions == 1 ? "" : "s");
    if (topics.n) {
        const char *t = topics.v[0].name;
        fprintf(stderr,
                "produce with:  varve produce --bootstrap %s --topic %s < events.json\n"
                "or with kcat:  kcat -P -b %s -t %s -X sticky.partitioning.linger.ms=0 "
                "-X topic.partitioner=random < events.json\n"
                "(kcat's default sticky partitioner fills one partition at a time, and a partition "
                "keeps only 5 MiB)\n",
                bs, t, bs, t);
    }
    /* Detached: at a stop signal the process exits with the thread still
     * blocked in fgets, which is harmless. */
    pthread_t ctl;
    if (control && pthread_create(&ctl, NULL, control_main, m) == 0) pthread_detach(ctl);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    fprintf(stderr, "varve kafka-mock: stopping (%s)\n", strsignal(sig));
out:
    if (bs_file) unlink(bs_file);
    pthread_mutex_lock(&ctl_mu);
    ctl_closed = true;
    vrv_kmock_destroy(m);
    pthread_mutex_unlock(&ctl_mu);
    vrv_vec_free(&topics);
    return rc;
}
