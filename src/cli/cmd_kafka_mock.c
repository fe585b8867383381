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
 */
#include <errno.h>
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

int vrv_cmd_kafka_mock(int argc, char **argv)
{
    int brokers = 3;
    const char *bs_file = NULL;
    VRV_VEC(topic_arg) topics = {0};
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            vrv_vec_free(&topics);
            return 0;
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
    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    fprintf(stderr, "varve kafka-mock: stopping (%s)\n", strsignal(sig));
out:
    if (bs_file) unlink(bs_file);
    vrv_kmock_destroy(m);
    vrv_vec_free(&topics);
    return rc;
}
