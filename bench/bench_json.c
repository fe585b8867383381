/*
 * bench_json.c — JSON decode and encode speed on wikipedia-edits-like events
 * (~200 bytes, 13 fields: strings, booleans, numbers, a tags array, a nested
 * object), generated with a fixed seed.
 *
 *   scan_9       the event scanner extracting 9 fields per event
 *   scan_disc    the scanner in discovery mode (every root field converted)
 *   jansson_9    json_loadb + json_object_get of the same 9 fields
 *   jw_rows      the JSON writer writing the 9 extracted values per row
 *
 * Prints `BENCH <name> <value> <unit>` lines; rates are per second of this
 * thread's CPU time. BENCH_QUICK=1 shortens the runs.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "json/jwriter.h"
#include "json/scan.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *pick(const char *const *v, size_t n)
{
    return v[next() % n];
}

static double now(void)
{
    /* CPU time of this thread: the machine is shared, wall time is not ours */
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define NEVENTS 100000

static const char *const WANT[9] = {"timestamp", "page",    "user",  "channel", "namespace",
                                    "country",   "isRobot", "added", "delta"};

int main(void)
{
    static const char *const pages[] = {
        "Salo Toraut", "Main Page", "Wikipedia:Vandalism/Noticeboard", "Ecosystem",
        "List of Star Wars characters", "Düsseldorf", "東京都", "Coronavirus disease 2019",
        "Talk:Albert Einstein", "User:Lsjbot/Log"};
    static const char *const users[] = {"Lsjbot", "GELongstreet", "Kolega2357", "5.12.64.3",
                                        "Materialscientist", "Jmabel", "BD2412", "Ser Amantio"};
    static const char *const channels[] = {"#en.wikipedia", "#sv.wikipedia", "#de.wikipedia",
                                           "#ja.wikipedia", "#fr.wikipedia"};
    static const char *const namespaces[] = {"Main", "Talk", "User", "Wikipedia", "File"};
    static const char *const countries[] = {"United States", "Sweden", "Germany", "Japan", "",
                                            "France"};
    static const char *const tags[] = {"mobile edit", "visualeditor", "mw-reverted", "bot"};

    vrv_buf corpus = VRV_BUF_INIT;
    size_t *off = malloc((NEVENTS + 1) * sizeof *off);
    for (int i = 0; i < NEVENTS; i++) {
        off[i] = corpus.len;
        int added = (int)(next() % 5000), deleted = (int)(next() % 300);
        vrv_buf_printf(&corpus,
                       "{\"timestamp\":\"2016-06-27T%02d:%02d:%02d.%03dZ\",\"page\":\"%s\","
                       "\"user\":\"%s\",\"channel\":\"%s\",\"namespace\":\"%s\","
                       "\"country\":\"%s\",\"isRobot\":%s,\"isNew\":%s,\"added\":%d,"
                       "\"deleted\":%d,\"delta\":%d,\"tags\":[\"%s\"],"
                       "\"geo\":{\"lat\":%.4f,\"lon\":%.4f}}\n",
                       (int)(next() % 24), (int)(next() % 60), (int)(next() % 60),
                       (int)(next() % 1000), pick(pages, 10), pick(users, 8), pick(channels, 5),
                       pick(namespaces, 5), pick(countries, 6), next() % 2 ? "true" : "false",
                       next() % 5 ? "false" : "true", added, deleted, added - deleted,
                       pick(tags, 4), (double)(next() % 18000) / 100.0 - 90.0,
                       (double)(next() % 36000) / 100.0 - 180.0);
    }
    off[NEVENTS] = corpus.len;
    double mb = (double)corpus.len / 1e6;
    int passes = getenv("BENCH_QUICK") ? 2 : 10;

    vrv_scan_plan *plan = vrv_scan_plan_new(0);
    for (uint32_t i = 0; i < 9; i++)
        vrv_scan_plan_add_root(plan, WANT[i], strlen(WANT[i]), i, VRV_SCAN_VALUE);
    vrv_value slots[9];
    vrv_scan_out out = {.slots = slots};
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    vrv_error err;
    uint64_t check = 0, check2 = 0;

    /* scanner, 9 fields */
    double t0 = now();
    for (int pass = 0; pass < passes; pass++) {
        for (int i = 0; i < NEVENTS; i++) {
            size_t len = off[i + 1] - off[i];
            if (vrv_scan_event(plan, corpus.data + off[i], len, &out, &arena, &err) != 0) {
                fprintf(stderr, "scan failed: %s\n", err.msg);
                return 1;
            }
            check += (uint64_t)slots[7].u.l + slots[1].len;
            if ((i & 1023) == 0) vrv_arena_reset(&arena);
        }
    }
    double ts = now() - t0;
    printf("BENCH json_scan_9_fields %.0f MB/s\n", mb * passes / ts);
    printf("BENCH json_scan_9_fields_events %.2f M events/s\n", NEVENTS * passes / ts / 1e6);

    /* scanner, discovery of every root field */
    out.discover = true;
    t0 = now();
    for (int pass = 0; pass < passes; pass++) {
        for (int i = 0; i < NEVENTS; i++) {
            size_t len = off[i + 1] - off[i];
            if (vrv_scan_event(plan, corpus.data + off[i], len, &out, &arena, &err) != 0) return 1;
            check2 += out.nfields;
            if ((i & 1023) == 0) vrv_arena_reset(&arena);
        }
    }
    double td = now() - t0;
    out.discover = false;
    printf("BENCH json_scan_discovery %.0f MB/s\n", mb * passes / td);

    /* jansson, the same 9 fields */
    check2 = 0;
    int jpasses = passes > 2 ? passes / 5 : 1;
    t0 = now();
    for (int pass = 0; pass < jpasses; pass++) {
        for (int i = 0; i < NEVENTS; i++) {
            json_error_t je;
            json_t *o = json_loadb(corpus.data + off[i], off[i + 1] - off[i], 0, &je);
            if (!o) return 1;
            for (int k = 0; k < 9; k++) {
                json_t *v = json_object_get(o, WANT[k]);
                if (k == 7) check2 += (uint64_t)json_integer_value(v);
                if (k == 1) check2 += json_string_length(v);
            }
            json_decref(o);
        }
    }
    double tj = now() - t0;
    printf("BENCH jansson_9_fields %.0f MB/s\n", mb * jpasses / tj);
    printf("BENCH jansson_9_fields_events %.2f M events/s\n", NEVENTS * jpasses / tj / 1e6);
    printf("BENCH json_scan_speedup_vs_jansson %.1f x\n", (mb * passes / ts) / (mb * jpasses / tj));
    if (check / (uint64_t)passes != check2 / (uint64_t)jpasses) {
        fprintf(stderr, "checksum mismatch: scanner %llu, jansson %llu\n",
                (unsigned long long)(check / (uint64_t)passes),
                (unsigned long long)(check2 / (uint64_t)jpasses));
        return 1;
    }

    /* writer: one JSON object per event with the 9 values, values extracted beforehand */
    vrv_value *rows = malloc((size_t)NEVENTS * 9 * sizeof *rows);
    vrv_arena_reset(&arena);
    for (int i = 0; i < NEVENTS; i++) {
        vrv_scan_event(plan, corpus.data + off[i], off[i + 1] - off[i], &out, &arena, &err);
        memcpy(&rows[(size_t)i * 9], slots, sizeof slots);
    }
    vrv_buf wout = VRV_BUF_INIT;
    size_t bytes = 0;
    t0 = now();
    for (int pass = 0; pass < passes; pass++) {
        for (int i = 0; i < NEVENTS; i++) {
            vrv_jw w;
            vrv_jw_init(&w, &wout, 0);
            vrv_jw_begin_object(&w);
            for (int k = 0; k < 9; k++) {
                vrv_jw_key(&w, WANT[k]);
                vrv_jw_value(&w, &rows[(size_t)i * 9 + (size_t)k]);
            }
            vrv_jw_end_object(&w);
            if (wout.len > (1 << 20)) {
                bytes += wout.len;
                vrv_buf_reset(&wout);
            }
        }
    }
    bytes += wout.len;
    double tw = now() - t0;
    printf("BENCH json_write_rows %.2f M rows/s\n", NEVENTS * passes / tw / 1e6);
    printf("BENCH json_write_output %.0f MB/s\n", (double)bytes / 1e6 / tw);
    free(rows);

    fprintf(stderr, "checksums %llu %llu\n", (unsigned long long)check,
            (unsigned long long)check2);
    vrv_buf_free(&wout);
    vrv_scan_out_free(&out);
    vrv_arena_destroy(&arena);
    vrv_scan_plan_free(plan);
    vrv_buf_free(&corpus);
    free(off);
    return 0;
}
