/*
 * cmd_gen.c — `varve gen`: writes a synthetic event stream as JSON lines.
 *
 *   varve gen [--profile wikipedia|clicks] [--count N] [--rate R] [--seed S]
 *             [--start ISO --step-ms MS] [--late-fraction F --max-late PERIOD]
 *             [--out FILE]
 *
 * Timestamps: with --start, event i is stamped start + i * step-ms; otherwise
 * with --rate each event is stamped with the wall clock when it is written,
 * and without a rate the events span the count * step-ms before now. A
 * --late-fraction of events is stamped up to --max-late earlier. --count 0
 * writes forever (with --rate, for the quickstart's producer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/time.h"
#include "cli/cli.h"
#include "gen/gen.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: varve gen [options]\n"
            "  --profile NAME      wikipedia (default) or clicks\n"
            "  --count N           events to write (default 1000; 0 = forever)\n"
            "  --rate R            events per second (default 0 = as fast as possible)\n"
            "  --seed S            random seed (default 1)\n"
            "  --start ISO         timestamp of the first event (default: around now)\n"
            "  --step-ms MS        spacing of timestamps without --rate (default 10)\n"
            "  --late-fraction F   fraction of events stamped late (default 0)\n"
            "  --max-late PERIOD   how late at most, ISO period (default PT10M)\n"
            "  --out FILE          write to FILE instead of standard output\n");
}

static vrv_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return s[0] && !*end && errno == 0 && *out >= 0;
}

int vrv_cmd_gen(int argc, char **argv)
{
    vrv_gen_profile profile = VRV_GEN_WIKIPEDIA;
    double count = 1000, rate = 0, seed = 1, step = 10, late = 0;
    vrv_ms start = 0, max_late = 600000;
    bool has_start = false;
    const char *out_path = NULL;
    vrv_error err;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "varve gen: %s needs a value\n", a);
            return 2;
        }
        i++;
        bool ok = true;
        if (strcmp(a, "--profile") == 0) ok = vrv_gen_profile_parse(v, &profile);
        else if (strcmp(a, "--count") == 0) ok = parse_num(v, &count);
        else if (strcmp(a, "--rate") == 0) ok = parse_num(v, &rate);
        else if (strcmp(a, "--seed") == 0) ok = parse_num(v, &seed);
        else if (strcmp(a, "--step-ms") == 0) ok = parse_num(v, &step);
        else if (strcmp(a, "--late-fraction") == 0) ok = parse_num(v, &late) && late <= 1;
        else if (strcmp(a, "--out") == 0) out_path = v;
        else if (strcmp(a, "--start") == 0) {
            if (vrv_time_parse(v, strlen(v), VRV_TIME_PARSE_SPACE, &start, &err) != 0) {
                fprintf(stderr, "varve gen: --start: %s\n", err.msg);
                return 2;
            }
            has_start = true;
        } else if (strcmp(a, "--max-late") == 0) {
            int64_t ms;
            if (vrv_period_parse_ms(v, strlen(v), &ms, &err) != 0) {
                fprintf(stderr, "varve gen: --max-late: %s\n", err.msg);
                return 2;
            }
            max_late = ms;
        } else {
            fprintf(stderr, "varve gen: unknown option %s\n\n", a);
            usage(stderr);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "varve gen: bad value for %s: %s\n", a, v);
            return 2;
        }
    }
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "wb"))) {
        fprintf(stderr, "varve gen: %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    vrv_gen *g = vrv_gen_new(profile, (uint64_t)seed);
    uint64_t n = (uint64_t)count;
    vrv_ms base = has_start ? start : now_ms() - (vrv_ms)(count * step);
    vrv_buf b = VRV_BUF_INIT;
    double t0 = mono_s();
    int rc = 0;
    for (uint64_t i = 0; n == 0 || i < n; i++) {
        vrv_ms t;
        if (has_start || rate <= 0)
            t = base + (vrv_ms)((double)i * step);
        else
            t = now_ms();
        if (late > 0 && vrv_gen_uniform(g) < late) t -= (vrv_ms)(vrv_gen_uniform(g) * (double)max_late);
        vrv_gen_event(g, t, &b);
        vrv_buf_putc(&b, '\n');
        bool flush = b.len >= (1 << 16);
        if (rate > 0) {
            /* pace: sleep until event i is due, flushing so consumers see it */
            double due = t0 + (double)(i + 1) / rate;
            double now = mono_s();
            if (due > now) {
                flush = true;
                if (fwrite(b.data, 1, b.len, out) != b.len || fflush(out) != 0) {
                    rc = 1;
                    break;
                }
                vrv_buf_reset(&b);
                usleep((useconds_t)((due - now) * 1e6));
                continue;
            }
        }
        if (flush) {
            if (fwrite(b.data, 1, b.len, out) != b.len) {
                rc = 1;
                break;
            }
            vrv_buf_reset(&b);
        }
    }
    if (rc == 0 && b.len && fwrite(b.data, 1, b.len, out) != b.len) rc = 1;
    if (fflush(out) != 0) rc = 1;
    if (rc) fprintf(stderr, "varve gen: write failed: %s\n", strerror(errno));
    if (out != stdout) fclose(out);
    vrv_buf_free(&b);
    vrv_gen_free(g);
    return rc;
}
