/*
 * fuzz_time.c — ISO-8601 instant, period and interval parsing must never
 * crash, and what parses must print and parse back to the same value. The
 * first byte picks the parser; the rest is the text.
 */
#include <stdlib.h>
#include <string.h>

#include "base/time.h"

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
    switch (mode % 4) {
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
    }
    free(copy);
    return 0;
}
