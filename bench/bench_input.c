/*
 * bench_input.c — decode speed of the text input formats on wikipedia-edits-
 * like rows (~110 bytes, 10 fields, one multi-value field, some quoted csv
 * fields with commas), generated with a fixed seed into one block.
 *
 *   csv_10       csv reader, all 10 columns wanted
 *   csv_3        csv reader, 3 of the columns wanted
 *   tsv_10       tsv reader, all 10 columns
 *   regex_10     regex reader, a 10-group pattern over the tsv lines
 *   gunzip       streaming gzip decompression of the csv block
 *
 * Prints `BENCH <name> <value> <unit>` lines. BENCH_QUICK=1 shortens the runs.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "base/buf.h"
#include "input/input.h"
#include "input/source.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define NROWS 200000

static const char *const COLS = "ts,page,user,channel,namespace,country,isRobot,added,deleted,tags";

/* Rows/s and MB/s of one format over the block, best of `reps`. */
static void run(const char *name, const char *spec_json, const char *fields, const vrv_buf *block,
                int reps)
{
    json_t *spec = json_loads(spec_json, 0, NULL);
    vrv_input_format *f;
    vrv_error err;
    if (vrv_input_format_parse(spec, "bench", &f, &err)) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        exit(1);
    }
    json_decref(spec);
    vrv_fieldset fs;
    vrv_fieldset_init(&fs);
    for (const char *p = fields; *p;) {
        size_t n = strcspn(p, ",");
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*s", (int)n, p);
        vrv_fieldset_add(&fs, tmp);
        p += n + (p[n] == ',');
    }
    vrv_input_reader *r = vrv_input_reader_new(f, &fs, &err);
    vrv_value vals[16];
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    double best = 1e9;
    long rows = 0;
    for (int rep = 0; rep < reps; rep++) {
        double t0 = now();
        rows = 0;
        vrv_input_reader_start(r, block->data, block->len, NULL);
        for (;;) {
            vrv_row row = {vals, fs.n, 0, NULL, NULL};
            int rc = vrv_input_reader_next(r, &row, &arena, &err);
            if (rc == 0) break;
            if (rc < 0) {
                fprintf(stderr, "%s: %s\n", name, err.msg);
                exit(1);
            }
            rows++;
            if ((rows & 4095) == 0) vrv_arena_reset(&arena);
        }
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("BENCH %s_rows %.0f rows/s\n", name, rows / best);
    printf("BENCH %s_mb %.1f MB/s\n", name, block->len / best / 1e6);
    vrv_arena_destroy(&arena);
    vrv_input_reader_free(r);
    vrv_fieldset_destroy(&fs);
    vrv_input_format_free(f);
}

int main(void)
{
    int reps = getenv("BENCH_QUICK") ? 2 : 5;
    static const char *const pages[] = {"Salo Toraut", "Main Page", "Wikipedia:Vandalism, notes",
                                        "Ecosystem", "Düsseldorf", "東京都", "Talk:Albert Einstein"};
    static const char *const users[] = {"Lsjbot", "GELongstreet", "5.12.64.3", "Jmabel", "BD2412"};
    static const char *const channels[] = {"#en.wikipedia", "#sv.wikipedia", "#de.wikipedia"};
    static const char *const namespaces[] = {"Main", "Talk", "User", "Wikipedia"};
    static const char *const countries[] = {"United States", "Sweden", "Germany", "Japan", ""};
    vrv_buf csv = VRV_BUF_INIT, tsv = VRV_BUF_INIT;
    for (int i = 0; i < NROWS; i++) {
        const char *page = pages[next() % 7], *user = users[next() % 5];
        const char *ch = channels[next() % 3], *ns = namespaces[next() % 4];
        const char *co = countries[next() % 5];
        int robot = (int)(next() % 2), added = (int)(next() % 5000), deleted = (int)(next() % 300);
        char ts[32];
        snprintf(ts, sizeof ts, "2024-01-01T%02d:%02d:%02d.%03dZ", i / 3600000 % 24, i / 60000 % 60,
                 i / 1000 % 60, i % 1000);
        bool quote = strchr(page, ',') != NULL;
        vrv_buf_printf(&csv, "%s,%s%s%s,%s,%s,%s,%s,%s,%d,%d,a\x01%s\n", ts, quote ? "\"" : "",
                       page, quote ? "\"" : "", user, ch, ns, co, robot ? "true" : "false", added,
                       deleted, ns);
        vrv_buf_printf(&tsv, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\ta\x01%s\n", ts, page, user, ch, ns,
                       co, robot ? "true" : "false", added, deleted, ns);
    }
    char spec[512];
    snprintf(spec, sizeof spec, "{\"type\":\"csv\",\"columns\":[\"%s\"]}", COLS);
    /* the column list as a JSON array */
    char cols_json[256] = "";
    for (const char *p = COLS; *p;) {
        size_t n = strcspn(p, ",");
        snprintf(cols_json + strlen(cols_json), sizeof cols_json - strlen(cols_json), "%s\"%.*s\"",
                 p == COLS ? "" : ",", (int)n, p);
        p += n + (p[n] == ',');
    }
    snprintf(spec, sizeof spec, "{\"type\":\"csv\",\"columns\":[%s]}", cols_json);
    run("csv_10", spec, COLS, &csv, reps);
    run("csv_3", spec, "ts,page,added", &csv, reps);
    snprintf(spec, sizeof spec, "{\"type\":\"tsv\",\"columns\":[%s]}", cols_json);
    run("tsv_10", spec, COLS, &tsv, reps);
    snprintf(spec, sizeof spec,
             "{\"type\":\"regex\",\"pattern\":\"([^\\\\t]*)\\\\t([^\\\\t]*)\\\\t([^\\\\t]*)\\\\t"
             "([^\\\\t]*)\\\\t([^\\\\t]*)\\\\t([^\\\\t]*)\\\\t([^\\\\t]*)\\\\t(\\\\d+)\\\\t(\\\\d+)"
             "\\\\t(.*)\",\"columns\":[%s]}",
             cols_json);
    run("regex_10", spec, COLS, &tsv, reps);

    /* gzip the csv block, then time the streaming decoder over it */
    uLongf glen = compressBound(csv.len) + 64;
    unsigned char *gz = malloc(glen);
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)csv.data;
    z.avail_in = (uInt)csv.len;
    z.next_out = gz;
    z.avail_out = (uInt)glen;
    deflate(&z, Z_FINISH);
    glen = z.total_out;
    deflateEnd(&z);
    double best = 1e9;
    for (int rep = 0; rep < reps; rep++) {
        vrv_buf out = VRV_BUF_INIT;
        vrv_error err;
        double t0 = now();
        vrv_source_decoder *d = vrv_source_decoder_new("bench.gz", 0, &out);
        for (size_t off = 0; off < glen; off += 65536)
            vrv_source_decoder_feed(d, gz + off, VRV_MIN((size_t)65536, glen - off), &err);
        if (vrv_source_decoder_finish(d, &err) || out.len != csv.len) {
            fprintf(stderr, "gunzip: %s\n", err.msg);
            exit(1);
        }
        double t = now() - t0;
        if (t < best) best = t;
        vrv_source_decoder_free(d);
        vrv_buf_free(&out);
    }
    printf("BENCH gunzip_mb %.1f MB/s\n", csv.len / best / 1e6);
    free(gz);
    vrv_buf_free(&csv);
    vrv_buf_free(&tsv);
    return 0;
}
