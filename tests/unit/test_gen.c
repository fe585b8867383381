/*
 * test_gen.c — the synthetic event generator: deterministic for a seed, valid
 * JSON with the documented fields, skewed value distributions.
 */
#include <jansson.h>
#include <stdlib.h>

#include "base/hash.h"
#include "gen/gen.h"
#include "test.h"

static char *events(vrv_gen_profile p, uint64_t seed, int n)
{
    vrv_gen *g = vrv_gen_new(p, seed);
    vrv_buf b = VRV_BUF_INIT;
    for (int i = 0; i < n; i++) {
        vrv_gen_event(g, 1764288000000 + i * 1000, &b);
        vrv_buf_putc(&b, '\n');
    }
    vrv_gen_free(g);
    return vrv_buf_detach(&b);
}

TEST(deterministic_per_seed)
{
    char *a = events(VRV_GEN_WIKIPEDIA, 42, 200), *b = events(VRV_GEN_WIKIPEDIA, 42, 200);
    char *c = events(VRV_GEN_WIKIPEDIA, 43, 200);
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    free(a);
    free(b);
    free(c);
}

static void check_profile(vrv_gen_profile p, const char *const *fields, size_t nfields,
                          const char *time_field)
{
    char *all = events(p, 7, 2000);
    vrv_map pages;
    vrv_map_init(&pages, true);
    int lines = 0;
    for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        CHECK(json_is_object(o));
        if (!o) continue;
        for (size_t i = 0; i < nfields; i++) CHECK(json_object_get(o, fields[i]) != NULL);
        const char *t = json_string_value(json_object_get(o, time_field));
        CHECK(t && strncmp(t, "2025-11-28T", 11) == 0);
        const char *page = json_string_value(json_object_get(o, "page"));
        if (page) (*vrv_map_put(&pages, page, strlen(page), NULL))++;
        json_decref(o);
        lines++;
    }
    CHECK_INT(lines, 2000);
    /* Zipf: the most frequent page is far above the uniform share */
    uint64_t top = 0;
    size_t it = 0;
    vrv_map_entry *e;
    while ((e = vrv_map_next(&pages, &it)))
        if (e->val > top) top = e->val;
    CHECK(top > 50);
    CHECK(pages.n > 300);
    vrv_map_destroy(&pages);
    free(all);
}

TEST(wikipedia_shape)
{
    static const char *const f[] = {"time", "channel", "cityName", "comment", "countryIsoCode",
                                    "countryName", "isAnonymous", "isMinor", "isNew", "isRobot",
                                    "isUnpatrolled", "metroCode", "namespace", "page",
                                    "regionIsoCode", "regionName", "user", "tags", "delta",
                                    "added", "deleted"};
    check_profile(VRV_GEN_WIKIPEDIA, f, VRV_ARRAY_LEN(f), "time");
}

TEST(clicks_shape)
{
    static const char *const f[] = {"timestamp", "user", "session", "page", "referrer", "country",
                                    "device", "browser", "status", "latency_ms", "bytes"};
    check_profile(VRV_GEN_CLICKS, f, VRV_ARRAY_LEN(f), "timestamp");
}
