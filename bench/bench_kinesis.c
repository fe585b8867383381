/*
 * bench_kinesis.c — the Kinesis supplier reading from kinesalite (started on
 * a loopback port through tests/tools/kserve.js): wikipedia-edit events
 * (~430 bytes, `varve gen`'s generator, fixed seed) put over 4 shards with
 * PutRecords, then read from TRIM_HORIZON through the supplier (poll, touch
 * every record, release) until all are in.
 *
 * kinesalite is a single-threaded Node.js process and is the bottleneck of
 * the wall-clock rates (test-servers.md §2 measured 29k records/s for its
 * GetRecords), so the supplier's own cost is also given per CPU second of
 * this process alone (HTTP, JSON, base64 decoding; kinesalite excluded).
 * Prints `BENCH <name> <value> <unit>` lines. BENCH_QUICK=1 shortens the
 * run. Needs node and tests/tools/node_modules (scripts/install-deps).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../tests/unit/kinesalite_util.h"
#include "base/buf.h"
#include "base/mem.h"
#include "gen/gen.h"
#include "stream/kinesis.h"

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

static kl_server server;

static void die(const char *what, const vrv_error *err)
{
    fprintf(stderr, "bench_kinesis: %s: %s\n", what, err ? err->msg : "failed");
    kl_stop(&server);
    exit(1);
}

int main(void)
{
    vrv_mem_tune_for_ingest(); /* as `varve task` does */
    const bool quick = getenv("BENCH_QUICK") != NULL;
    const long n = quick ? 20000 : 100000;
    const char *src = getenv("VARVE_SRC") ? getenv("VARVE_SRC") : ".";
    if (!kl_start(&server, src, NULL)) die("kinesalite", NULL);

    vrv_kinesis_config cfg = {.stream = "bench"};
    cfg.client.endpoint = server.url;
    cfg.client.access_key_id = "bench";
    cfg.client.secret_access_key = "bench";
    vrv_kinesis_client *c;
    vrv_error err;
    if (vrv_kinesis_client_new(&cfg.client, &c, &err)) die("client", &err);
    if (vrv_kinesis_create_stream(c, "bench", 4, 30000, &err)) die("create", &err);

    /* the events, generated up front so only Kinesis is timed */
    vrv_gen *g = vrv_gen_new(VRV_GEN_WIKIPEDIA, 42);
    vrv_buf data = VRV_BUF_INIT;
    size_t *off = malloc((size_t)(n + 1) * sizeof *off);
    char(*keys)[24] = malloc((size_t)n * sizeof *keys);
    for (long i = 0; i < n; i++) {
        off[i] = data.len;
        vrv_gen_event(g, 1767225600000 + i, &data);
        snprintf(keys[i], sizeof keys[i], "%ld", i);
    }
    off[n] = data.len;
    vrv_kinesis_put *puts = malloc((size_t)n * sizeof *puts);
    for (long i = 0; i < n; i++)
        puts[i] = (vrv_kinesis_put){data.data + off[i], off[i + 1] - off[i], keys[i], NULL};

    double t0 = now();
    if (vrv_kinesis_put_records(c, "bench", puts, (size_t)n, NULL, 0, &err)) die("put", &err);
    double put_s = now() - t0;

    vrv_supplier *s;
    if (vrv_kinesis_open(&cfg, &s, &err)) die("open", &err);
    vrv_part *parts;
    size_t np;
    if (vrv_supplier_partitions(s, &parts, &np, &err)) die("partitions", &err);
    if (vrv_supplier_assign(s, parts, np, &err)) die("assign", &err);
    for (size_t i = 0; i < np; i++)
        if (vrv_supplier_seek_earliest(s, &parts[i], &err)) die("seek", &err);
    vrv_batch b = {0};
    long got = 0;
    size_t bytes = 0, sum = 0;
    double c0 = cpu();
    t0 = now();
    while (got < n && now() - t0 < 600) {
        int rc = vrv_supplier_poll(s, &b, 100, &err);
        if (rc && rc != VRV_EAGAIN) die("poll", &err);
        for (size_t i = 0; i < b.n; i++) {
            bytes += b.recs[i].value_len;
            sum += (unsigned char)b.recs[i].value[b.recs[i].value_len / 2];
        }
        got += (long)b.n;
        vrv_supplier_release(s, &b);
    }
    double read_s = now() - t0, read_cpu = cpu() - c0;
    if (got != n) {
        fprintf(stderr, "bench_kinesis: read %ld of %ld records\n", got, n);
        die("read", NULL);
    }
    fprintf(stderr,
            "bench_kinesis: %ld records (%.1f MB) put in %.2f s, read in %.2f s "
            "(%.2f CPU s in varve; checksum %zu)\n",
            n, bytes / 1e6, put_s, read_s, read_cpu, sum);
    printf("BENCH kinesis_put %.0f records/s\n", n / put_s);
    printf("BENCH kinesis_read %.0f records/s\n", n / read_s);
    printf("BENCH kinesis_read_mb %.1f MB/s\n", bytes / 1e6 / read_s);
    printf("BENCH kinesis_read_per_cpu %.0f records/cpu-s\n", n / (read_cpu > 0 ? read_cpu : 1e-9));

    vrv_batch_free(&b);
    free(parts);
    vrv_supplier_close(s);
    vrv_kinesis_client_free(c);
    vrv_gen_free(g);
    vrv_buf_free(&data);
    free(off);
    free(keys);
    free(puts);
    kl_stop(&server);
    return 0;
}
