/*
 * fuzz_time.c — ISO-8601 instant, period and interval parsing, time zone
 * names, granularity JSON, Joda patterns and timestampSpec parsing must never
 * crash, and what parses must print and
 * parse back to the same value. The first byte picks the parser; the rest is
 * the text.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/granularity.h"
#include "base/joda.h"
#include "base/time.h"
#include "base/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned mode = data[0];
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    /* a private copy, so reads past n are caught by ASan */
    char *copy = malloc(n ? n : 1);
    memcpy(copy, s, n);
    vrv_error err;
    switch (mode % 8) {
    case 0:
    case 1: {
        vrv_ms t, back;
        unsigned flags = mode % 4 == 1 ? VRV_TIME_PARSE_SPACE : 0;
        if (vrv_time_parse(copy, n, flags, &t, &err) == 0) {
            char b[VRV_TIME_STR_MAX];
            size_t k = vrv_time_format(t, b);
            if (vrv_time_parse(b, k, 0, &back, NULL) != 0 || back != t) abort();
            k = vrv_time_format_offset(t, -(int32_t)(mode * 3600000 / 97), b);
            if (k >= VRV_TIME_STR_MAX) abort();
        } else if (err.code != VRV_EINVAL) {
            abort();
        }
        break;
    }
    case 2: {
        vrv_period p, back;
        if (vrv_period_parse(copy, n, &p, &err) == 0) {
            char b[VRV_PERIOD_STR_MAX];
            size_t k = vrv_period_format(&p, b);
            if (vrv_period_parse(b, k, &back, NULL) != 0 || memcmp(&p, &back, sizeof p) != 0)
                abort();
            int64_t ms;
            vrv_ms out;
            (void)vrv_period_to_ms(&p, &ms, NULL);
            (void)vrv_period_add(&p, 1614816000000LL, (int64_t)mode - 128, &out);
        }
        break;
    }
    case 3: {
        vrv_interval iv, back;
        if (vrv_interval_parse(copy, n, &iv, &err) == 0) {
            char b[VRV_INTERVAL_STR_MAX];
            size_t k = vrv_interval_format(iv, b);
            if (vrv_interval_parse(b, k, &back, NULL) != 0 || back.start != iv.start ||
                back.end != iv.end)
                abort();
        }
        break;
    }
    case 4: {
        /* a zone name, then a few conversions in that zone */
        const vrv_tz *tz;
        if (n < 64 && vrv_tz_get(copy, n, &tz, &err) == 0) {
            vrv_ms ts[] = {INT64_MIN, -1, 0, 1615716000000LL, VRV_TIME_MAX, INT64_MAX};
            for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
                char b[VRV_TIME_STR_MAX];
                vrv_tz_format(tz, ts[i], b);
                (void)vrv_tz_local_to_utc(tz, ts[i]);
                (void)vrv_tz_local_to_utc_near(tz, ts[i], 0);
                (void)vrv_tz_next_transition(tz, ts[i]);
                (void)vrv_tz_prev_transition(tz, ts[i]);
            }
        }
        break;
    }
    case 5: {
        /* granularity JSON, then bucketing around a few instants */
        json_t *j = json_loadb(copy, n, JSON_DECODE_ANY, NULL);
        vrv_gran g;
        if (j && vrv_gran_from_json(j, "g", &g, &err) == 0) {
            vrv_ms ts[] = {INT64_MIN,       VRV_TIME_MIN, -86400001, 0,
                           1615716000000LL, VRV_TIME_MAX, INT64_MAX};
            for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
                vrv_ms s0 = vrv_gran_bucket_start(&g, ts[i]);
                if (ts[i] >= VRV_TIME_MIN && ts[i] <= VRV_TIME_MAX && s0 > ts[i]) abort();
                (void)vrv_gran_next(&g, s0);
            }
            vrv_buf b = VRV_BUF_INIT;
            vrv_gran_append_json(&b, &g);
            json_t *back = json_loads(b.data, JSON_DECODE_ANY, NULL);
            vrv_gran g2;
            if (!back || vrv_gran_from_json(back, "g", &g2, NULL) != 0 || !vrv_gran_equal(&g, &g2))
                abort();
            json_decref(back);
            vrv_buf_free(&b);
        }
        json_decref(j);
        break;
    }
    case 6: {
        /* a Joda pattern, a newline, a text to parse with it */
        const char *nl = memchr(copy, '\n', n);
        size_t pn = nl ? (size_t)(nl - copy) : n;
        vrv_joda *j;
        if (vrv_joda_compile(copy, pn, &j, &err) == 0) {
            const char *text = nl ? nl + 1 : "";
            size_t tn = nl ? n - pn - 1 : 0;
            const vrv_tz *zones[2] = {vrv_tz_utc(), NULL};
            if (vrv_tz_get("America/Los_Angeles", 19, &zones[1], NULL)) zones[1] = zones[0];
            vrv_ms ts[] = {INT64_MIN, VRV_TIME_MIN, -1, 0, 1615716000000LL, INT64_MAX};
            for (int z = 0; z < 2; z++) {
                vrv_ms t;
                (void)vrv_joda_parse(j, text, tn, zones[z], &t, NULL);
                for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
                    vrv_buf b = VRV_BUF_INIT;
                    vrv_joda_format(j, ts[i], zones[z], &b);
                    vrv_buf_free(&b);
                }
            }
            vrv_joda_free(j);
        }
        break;
    }
    case 7: {
        /* a timestampSpec format chosen by the mode's high bits, then the text */
        static const char *const formats[] = {"auto",  "iso",  "posix", "millis",
                                              "micro", "nano", "ruby",  "yyyy-MM-dd HH:mm:ss Z"};
        vrv_ts_parser p;
        if (vrv_ts_parser_init(&p, formats[(mode >> 3) & 7], NULL) == 0) {
            vrv_ms t;
            (void)vrv_ts_parse_str(&p, copy, n, &t, NULL);
            vrv_ts_parser_destroy(&p);
        }
        break;
    }
    }
    free(copy);
    return 0;
}
