/*
 * test_timeline.c — segment ids, the DataSegment JSON and the versioned
 * interval timeline: visibility, overshadowing, partition completeness.
 */
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "segment/segid.h"
#include "segment/timeline.h"
#include "test.h"

#define H VRV_MS_PER_HOUR
#define D VRV_MS_PER_DAY
static const vrv_ms T0 = 1614816000000LL; /* 2021-03-04T00:00:00.000Z */

static vrv_interval iv(vrv_ms a, vrv_ms b)
{
    return vrv_interval_make(a, b);
}

/* ---- ids ------------------------------------------------------------------ */

TEST(segid_format)
{
    char *id = vrv_segid_format("wiki", iv(T0, T0 + D), "2024-01-01T00:00:00.000Z", 0);
    CHECK_STR(id, "wiki_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_2024-01-01T00:00:00.000Z");
    free(id);
    id = vrv_segid_format("my_ds", iv(T0, T0 + H), "v1", 3);
    CHECK_STR(id, "my_ds_2021-03-04T00:00:00.000Z_2021-03-04T01:00:00.000Z_v1_3");
    free(id);
}

TEST(segid_parse)
{
    vrv_segid s;
    vrv_error err;
    CHECK_INT(vrv_segid_parse("my_ds_2021-03-04T00:00:00.000Z_2021-03-04T01:00:00.000Z_"
                              "2021-03-04T00:10:00.000Z_3",
                              NULL, &s, &err),
              0);
    CHECK_STR(s.data_source, "my_ds");
    CHECK_INT(s.interval.start, T0);
    CHECK_INT(s.interval.end, T0 + H);
    CHECK_STR(s.version, "2021-03-04T00:10:00.000Z");
    CHECK_INT(s.partition_num, 3);
    vrv_segid_clear(&s);

    /* No suffix: partition 0. A version with '_' stays whole. */
    CHECK_INT(vrv_segid_parse("a_b_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v_x", "a_b",
                              &s, &err),
              0);
    CHECK_STR(s.version, "v_x");
    CHECK_INT(s.partition_num, 0);
    vrv_segid_clear(&s);

    /* "_0" is not a partition (Druid never writes it): it belongs to the version. */
    CHECK_INT(vrv_segid_parse("ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v_0", NULL,
                              &s, &err),
              0);
    CHECK_STR(s.version, "v_0");
    CHECK_INT(s.partition_num, 0);
    vrv_segid_clear(&s);

    /* A version made of digits alone is a version, not a partition. */
    CHECK_INT(vrv_segid_parse("ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_12", NULL, &s,
                              &err),
              0);
    CHECK_STR(s.version, "12");
    CHECK_INT(s.partition_num, 0);
    vrv_segid_clear(&s);

    const char *bad[] = {
        "",
        "ds",
        "ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z",  /* no version */
        "ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_", /* empty version */
        "ds_2021-03-05T00:00:00.000Z_2021-03-04T00:00:00.000Z_v", /* inverted */
        "ds_2021-03-04_2021-03-05_v",                             /* not canonical */
        "_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v",   /* no data source */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(vrv_segid_parse(bad[i], NULL, &s, &err) == VRV_EINVAL);
        CHECK(strstr(err.msg, "segment id") != NULL);
    }
    CHECK(vrv_segid_parse("ds_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v", "other", &s,
                          &err) == VRV_EINVAL);
}

TEST(dataseg_json)
{
    const char *dims[] = {"channel", "page", "user"};
    const char *mets[] = {"count", "added"};
    json_t *ls = json_pack("{s:s,s:s}", "type", "local", "path", "/d/index.vseg");
    vrv_dataseg_desc d = {"ds", iv(T0, T0 + D), "2024-01-01T00:00:00.000Z", ls, dims, 3, mets, 2,
                          2, 3, 123456};
    json_t *j = vrv_dataseg_to_json(&d);
    char *s = json_dumps(j, JSON_COMPACT);
    CHECK_STR(s, "{\"dataSource\":\"ds\",\"interval\":\"2021-03-04T00:00:00.000Z/"
                 "2021-03-05T00:00:00.000Z\",\"version\":\"2024-01-01T00:00:00.000Z\","
                 "\"loadSpec\":{\"type\":\"local\",\"path\":\"/d/index.vseg\"},"
                 "\"dimensions\":\"channel,page,user\",\"metrics\":\"count,added\","
                 "\"shardSpec\":{\"type\":\"numbered\",\"partitionNum\":2,\"partitions\":3},"
                 "\"binaryVersion\":9,\"size\":123456,\"identifier\":\"ds_2021-03-04T00:00:00.000Z_"
                 "2021-03-05T00:00:00.000Z_2024-01-01T00:00:00.000Z_2\"}");
    free(s);
    json_decref(j);
    json_decref(ls);
}

/* ---- timeline ------------------------------------------------------------- */

static int O[64]; /* distinct addresses as chunk objects */

TEST(timeline_single)
{
    vrv_timeline *tl = vrv_timeline_new();
    CHECK_INT(vrv_timeline_add(tl, iv(T0, T0 + D), "v1", 0, 1, &O[0]), 0);
    CHECK_INT(vrv_timeline_add(tl, iv(T0, T0 + D), "v1", 0, 1, &O[1]), VRV_ECONFLICT);
    CHECK_INT(vrv_timeline_add(tl, iv(T0, T0), "v1", 0, 1, &O[1]), VRV_EINVAL);
    CHECK_INT(vrv_timeline_size(tl), 1);
    vrv_tl_holder *h;
    size_t n = vrv_timeline_lookup(tl, iv(T0 - D, T0 + 2 * D), &h);
    CHECK_INT(n, 1);
    CHECK_INT(h[0].interval.start, T0);
    CHECK_INT(h[0].interval.end, T0 + D);
    CHECK_STR(h[0].version, "v1");
    CHECK_INT(h[0].nchunks, 1);
    CHECK(h[0].chunks[0].obj == &O[0]);
    free(h);
    /* Clipped to the lookup. */
    n = vrv_timeline_lookup(tl, iv(T0 + H, T0 + 2 * H), &h);
    CHECK_INT(n, 1);
    CHECK_INT(h[0].interval.start, T0 + H);
    CHECK_INT(h[0].interval.end, T0 + 2 * H);
    CHECK_INT(h[0].true_interval.start, T0);
    CHECK_INT(h[0].true_interval.end, T0 + D);
    free(h);
    /* Outside. */
    CHECK_INT(vrv_timeline_lookup(tl, iv(T0 + D, T0 + 2 * D), &h), 0);
    CHECK(h == NULL);
    CHECK(vrv_timeline_find(tl, iv(T0, T0 + D), "v1", 0) == &O[0]);
    CHECK(vrv_timeline_remove(tl, iv(T0, T0 + D), "v1", 0) == &O[0]);
    CHECK(vrv_timeline_remove(tl, iv(T0, T0 + D), "v1", 0) == NULL);
    CHECK_INT(vrv_timeline_size(tl), 0);
    vrv_timeline_free(tl);
}

TEST(timeline_reindex_overshadows)
{
    vrv_timeline *tl = vrv_timeline_new();
    vrv_timeline_add(tl, iv(T0, T0 + D), "v1", 0, 2, &O[0]);
    vrv_timeline_add(tl, iv(T0, T0 + D), "v1", 1, 2, &O[1]);
    vrv_timeline_add(tl, iv(T0, T0 + D), "v2", 0, 1, &O[2]);
    vrv_tl_holder *h;
    size_t n = vrv_timeline_lookup(tl, iv(T0, T0 + D), &h);
    CHECK_INT(n, 1);
    CHECK_STR(h[0].version, "v2");
    CHECK(h[0].chunks[0].obj == &O[2]);
    free(h);
    CHECK(vrv_timeline_is_overshadowed(tl, iv(T0, T0 + D), "v1"));
    CHECK(!vrv_timeline_is_overshadowed(tl, iv(T0, T0 + D), "v2"));
    /* Removing the new version brings the old one back. */
    vrv_timeline_remove(tl, iv(T0, T0 + D), "v2", 0);
    n = vrv_timeline_lookup(tl, iv(T0, T0 + D), &h);
    CHECK_INT(n, 1);
    CHECK_STR(h[0].version, "v1");
    CHECK_INT(h[0].nchunks, 2);
    CHECK_INT(h[0].chunks[0].partition_num, 0);
    CHECK_INT(h[0].chunks[1].partition_num, 1);
    free(h);
    vrv_timeline_free(tl);
}

TEST(timeline_partial_overshadow_splits)
{
    /* A day at v1, its third hour reindexed at v2: three visible pieces. */
    vrv_timeline *tl = vrv_timeline_new();
    vrv_timeline_add(tl, iv(T0, T0 + D), "v1", 0, 0, &O[0]);
    vrv_timeline_add(tl, iv(T0 + 2 * H, T0 + 3 * H), "v2", 0, 0, &O[1]);
    vrv_tl_holder *h;
    size_t n = vrv_timeline_lookup(tl, iv(T0, T0 + D), &h);
    CHECK_INT(n, 3);
    CHECK_STR(h[0].version, "v1");
    CHECK_INT(h[0].interval.start, T0);
    CHECK_INT(h[0].interval.end, T0 + 2 * H);
    CHECK_STR(h[1].version, "v2");
    CHECK_INT(h[1].interval.start, T0 + 2 * H);
    CHECK_INT(h[1].interval.end, T0 + 3 * H);
    CHECK_STR(h[2].version, "v1");
    CHECK_INT(h[2].interval.start, T0 + 3 * H);
    CHECK_INT(h[2].interval.end, T0 + D);
    free(h);
    /* Only partly covered: not overshadowed. */
    CHECK(!vrv_timeline_is_overshadowed(tl, iv(T0, T0 + D), "v1"));
    /* A lower version under a higher day is hidden everywhere. */
    vrv_timeline_add(tl, iv(T0 + 5 * H, T0 + 6 * H), "v0", 0, 0, &O[2]);
    CHECK(vrv_timeline_is_overshadowed(tl, iv(T0 + 5 * H, T0 + 6 * H), "v0"));
    n = vrv_timeline_lookup(tl, iv(T0 + 5 * H, T0 + 6 * H), &h);
    CHECK_INT(n, 1);
    CHECK_STR(h[0].version, "v1");
    free(h);
    vrv_timeline_free(tl);
}

TEST(timeline_overshadow_needs_full_cover)
{
    vrv_timeline *tl = vrv_timeline_new();
    vrv_timeline_add(tl, iv(T0, T0 + D), "v1", 0, 1, &O[0]);
    /* Two higher halves, each another version, cover the day together. */
    vrv_timeline_add(tl, iv(T0, T0 + 12 * H), "v2", 0, 1, &O[1]);
    CHECK(!vrv_timeline_is_overshadowed(tl, iv(T0, T0 + D), "v1"));
    vrv_timeline_add(tl, iv(T0 + 12 * H, T0 + D), "v3", 0, 1, &O[2]);
    CHECK(vrv_timeline_is_overshadowed(tl, iv(T0, T0 + D), "v1"));
    /* v2 is not hidden by v3 (disjoint) */
    CHECK(!vrv_timeline_is_overshadowed(tl, iv(T0, T0 + 12 * H), "v2"));
    vrv_tl_holder *h;
    size_t n = vrv_timeline_lookup(tl, iv(T0, T0 + D), &h);
    CHECK_INT(n, 2);
    CHECK_STR(h[0].version, "v2");
    CHECK_STR(h[1].version, "v3");
    free(h);
    vrv_timeline_free(tl);
}

TEST(timeline_incomplete_version_hides_nothing)
{
    vrv_timeline *tl = vrv_timeline_new();
    vrv_timeline_add(tl, iv(T0, T0 + D), "v1", 0, 1, &O[0]);
    /* v2 has core 3; partitions 0 and 2 only: incomplete */
    vrv_timeline_add(tl, iv(T0, T0 + D), "v2", 0, 3, &O[1]);
    vrv_timeline_add(tl, iv(T0, T0 + D), "v2", 2, 3, &O[2]);
    CHECK(!vrv_timeline_is_complete(tl, iv(T0, T0 + D), "v2"));
    CHECK(!vrv_timeline_is_overshadowed(tl, iv(T0, T0 + D), "v1"));
    vrv_tl_holder *h;
    size_t n = vrv_timeline_lookup(tl, iv(T0, T0 + D), &h);
    CHECK_INT(n, 1);
    CHECK_STR(h[0].version, "v1");
    free(h);
    /* The last core partition arrives: v2 takes over with all three. */
    vrv_timeline_add(tl, iv(T0, T0 + D), "v2", 1, 3, &O[3]);
    CHECK(vrv_timeline_is_complete(tl, iv(T0, T0 + D), "v2"));
    CHECK(vrv_timeline_is_overshadowed(tl, iv(T0, T0 + D), "v1"));
    n = vrv_timeline_lookup(tl, iv(T0, T0 + D), &h);
    CHECK_INT(n, 1);
    CHECK_STR(h[0].version, "v2");
    CHECK_INT(h[0].nchunks, 3);
    CHECK(h[0].chunks[0].obj == &O[1]);
    CHECK(h[0].chunks[1].obj == &O[3]);
    CHECK(h[0].chunks[2].obj == &O[2]);
    free(h);
    vrv_timeline_free(tl);
}

TEST(timeline_appended_partitions)
{
    vrv_timeline *tl = vrv_timeline_new();
    /* Streaming-style appends: core 0, any partition is usable on its own. */
    vrv_timeline_add(tl, iv(T0, T0 + H), "v1", 4, 0, &O[0]);
    CHECK(vrv_timeline_is_complete(tl, iv(T0, T0 + H), "v1"));
    vrv_timeline_add(tl, iv(T0, T0 + H), "v1", 7, 0, &O[1]);
    vrv_tl_holder *h;
    size_t n = vrv_timeline_lookup(tl, iv(T0, T0 + H), &h);
    CHECK_INT(n, 1);
    CHECK_INT(h[0].nchunks, 2);
    free(h);
    /* A batch version with core 2 and an appended partition 2 (core 2). */
    vrv_timeline_add(tl, iv(T0, T0 + H), "v2", 2, 2, &O[2]);
    CHECK(!vrv_timeline_is_complete(tl, iv(T0, T0 + H), "v2"));
    vrv_timeline_add(tl, iv(T0, T0 + H), "v2", 0, 2, &O[3]);
    CHECK(!vrv_timeline_is_complete(tl, iv(T0, T0 + H), "v2"));
    vrv_timeline_add(tl, iv(T0, T0 + H), "v2", 1, 2, &O[4]);
    CHECK(vrv_timeline_is_complete(tl, iv(T0, T0 + H), "v2"));
    n = vrv_timeline_lookup(tl, iv(T0, T0 + H), &h);
    CHECK_INT(n, 1);
    CHECK_STR(h[0].version, "v2");
    CHECK_INT(h[0].nchunks, 3);
    free(h);
    vrv_timeline_free(tl);
}

TEST(timeline_equal_versions_later_wins)
{
    vrv_timeline *tl = vrv_timeline_new();
    vrv_timeline_add(tl, iv(T0, T0 + D), "v1", 0, 0, &O[0]);
    vrv_timeline_add(tl, iv(T0, T0 + H), "v1", 0, 0, &O[1]);
    vrv_tl_holder *h;
    size_t n = vrv_timeline_lookup(tl, iv(T0, T0 + D), &h);
    CHECK_INT(n, 2);
    CHECK(h[0].chunks[0].obj == &O[1]);
    CHECK_INT(h[0].interval.end, T0 + H);
    CHECK(h[1].chunks[0].obj == &O[0]);
    CHECK_INT(h[1].interval.start, T0 + H);
    free(h);
    CHECK(!vrv_timeline_is_overshadowed(tl, iv(T0, T0 + H), "v1"));
    vrv_timeline_free(tl);
}

static bool count_visit(void *ctx, vrv_interval i, const char *v, const vrv_tl_chunk *c, bool over)
{
    (void)i;
    (void)v;
    (void)c;
    int *n = ctx;
    n[over ? 1 : 0]++;
    return true;
}

TEST(timeline_many_days)
{
    /* 30 days at v1 with 3 partitions each, every other day reindexed at v2. */
    vrv_timeline *tl = vrv_timeline_new();
    int k = 0;
    for (int d = 0; d < 30; d++)
        for (int p = 0; p < 3; p++)
            CHECK_INT(vrv_timeline_add(tl, iv(T0 + d * D, T0 + (d + 1) * D), "v1", p, 3,
                                       &O[(k++) % 64]),
                      0);
    for (int d = 0; d < 30; d += 2)
        vrv_timeline_add(tl, iv(T0 + d * D, T0 + (d + 1) * D), "v2", 0, 1, &O[0]);
    vrv_tl_holder *h;
    size_t n = vrv_timeline_lookup(tl, iv(T0, T0 + 30 * D), &h);
    CHECK_INT(n, 30);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(h[i].interval.start, T0 + (vrv_ms)i * D);
        CHECK_STR(h[i].version, i % 2 == 0 ? "v2" : "v1");
        CHECK_INT(h[i].nchunks, i % 2 == 0 ? 1 : 3);
    }
    free(h);
    int counts[2] = {0, 0};
    vrv_timeline_foreach(tl, count_visit, counts);
    CHECK_INT(counts[0], 15 * 3 + 15); /* visible */
    CHECK_INT(counts[1], 15 * 3);      /* overshadowed v1 partitions */
    CHECK_INT(vrv_timeline_size(tl), 90 + 15);
    vrv_timeline_free(tl);
}
