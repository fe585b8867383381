/*
 * test_granularity.c — Druid granularities: simple names in UTC, periods in
 * DST zones (23/25-hour days in Los Angeles, 23.5/24.5-hour days on Lord Howe
 * Island, half-hour offsets in Kolkata), durations, compound periods, instants
 * before 1970, JSON in and out, comparison and iteration. Expected instants
 * were worked out with Python's zoneinfo and by hand.
 */
#include <stdlib.h>

#include "base/granularity.h"
#include "test.h"

static vrv_ms utc(const char *s)
{
    vrv_ms t = 0;
    if (vrv_time_parse(s, strlen(s), 0, &t, NULL)) vrv_test_fail(__FILE__, __LINE__, "%s", s);
    return t;
}

static vrv_gran gj(const char *json)
{
    vrv_gran g;
    memset(&g, 0, sizeof g);
    json_error_t je;
    json_t *j = json_loads(json, JSON_DECODE_ANY, &je);
    vrv_error err;
    vrv_error_clear(&err);
    if (!j || vrv_gran_from_json(j, "g", &g, &err))
        vrv_test_fail(__FILE__, __LINE__, "%s: %s", json, j ? err.msg : je.text);
    json_decref(j);
    return g;
}

static const char *gj_err(const char *json)
{
    static vrv_error err;
    vrv_gran g;
    json_t *j = json_loads(json, JSON_DECODE_ANY, NULL);
    vrv_error_clear(&err);
    if (vrv_gran_from_json(j, "spec.granularity", &g, &err) == 0)
        vrv_test_fail(__FILE__, __LINE__, "%s parsed, expected an error", json);
    json_decref(j);
    return err.msg;
}

/* Bucket start of t, rendered in the granularity's zone. */
static const char *start(const vrv_gran *g, const char *t)
{
    static char b[8][VRV_TIME_STR_MAX];
    static int k;
    char *o = b[k++ & 7];
    vrv_gran_format_time(g, vrv_gran_bucket_start(g, utc(t)), o);
    return o;
}

static const char *next(const vrv_gran *g, const char *t)
{
    static char b[8][VRV_TIME_STR_MAX];
    static int k;
    char *o = b[k++ & 7];
    vrv_gran_format_time(g, vrv_gran_next(g, vrv_gran_bucket_start(g, utc(t))), o);
    return o;
}

static const char *json_of(const vrv_gran *g)
{
    static char out[4][256];
    static int k;
    char *o = out[k++ & 3];
    vrv_buf b = VRV_BUF_INIT;
    vrv_gran_append_json(&b, g);
    snprintf(o, 256, "%s", b.data);
    /* the jansson form says the same */
    json_t *j = vrv_gran_to_json(g);
    json_t *back = json_loads(b.data, JSON_DECODE_ANY, NULL);
    if (!json_equal(j, back)) vrv_test_fail(__FILE__, __LINE__, "jansson form differs: %s", o);
    json_decref(j);
    json_decref(back);
    vrv_buf_free(&b);
    return o;
}

static vrv_gran std(vrv_gran_std w)
{
    return vrv_gran_standard(w);
}

TEST(gran_simple_names_utc)
{
    const char *t = "2021-08-19T17:46:07.089Z";
    vrv_gran g;
    CHECK_STR(start((g = std(VRV_GRAN_STD_SECOND), &g), t), "2021-08-19T17:46:07.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_MINUTE), &g), t), "2021-08-19T17:46:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_FIVE_MINUTE), &g), t), "2021-08-19T17:45:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_TEN_MINUTE), &g), t), "2021-08-19T17:40:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_FIFTEEN_MINUTE), &g), t), "2021-08-19T17:45:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_THIRTY_MINUTE), &g), t), "2021-08-19T17:30:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_HOUR), &g), t), "2021-08-19T17:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_SIX_HOUR), &g), t), "2021-08-19T12:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_EIGHT_HOUR), &g), t), "2021-08-19T16:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_DAY), &g), t), "2021-08-19T00:00:00.000Z");
    CHECK_STR(next(&g, t), "2021-08-20T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_WEEK), &g), t), "2021-08-16T00:00:00.000Z");
    CHECK_STR(next(&g, t), "2021-08-23T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_MONTH), &g), t), "2021-08-01T00:00:00.000Z");
    CHECK_STR(next(&g, t), "2021-09-01T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_QUARTER), &g), t), "2021-07-01T00:00:00.000Z");
    CHECK_STR(next(&g, t), "2021-10-01T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_YEAR), &g), t), "2021-01-01T00:00:00.000Z");
    CHECK_STR(next(&g, t), "2022-01-01T00:00:00.000Z");
    g = std(VRV_GRAN_STD_NONE);
    CHECK_INT(vrv_gran_bucket_start(&g, utc(t)), utc(t));
    CHECK_INT(vrv_gran_next(&g, utc(t)), utc(t) + 1);
    g = std(VRV_GRAN_STD_ALL);
    CHECK_INT(vrv_gran_bucket_start(&g, utc(t)), VRV_TIME_MIN);
    CHECK_INT(vrv_gran_next(&g, utc(t)), VRV_TIME_MAX);
    /* on a bucket boundary the bucket starts there */
    g = std(VRV_GRAN_STD_HOUR);
    CHECK_STR(start(&g, "2021-08-19T17:00:00.000Z"), "2021-08-19T17:00:00.000Z");
}

TEST(gran_before_1970)
{
    const char *t = "1969-12-31T23:59:59.999Z";
    vrv_gran g;
    CHECK_STR(start((g = std(VRV_GRAN_STD_HOUR), &g), t), "1969-12-31T23:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_SIX_HOUR), &g), t), "1969-12-31T18:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_FIFTEEN_MINUTE), &g), t), "1969-12-31T23:45:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_DAY), &g), t), "1969-12-31T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_WEEK), &g), t), "1969-12-29T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_MONTH), &g), t), "1969-12-01T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_QUARTER), &g), t), "1969-10-01T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_YEAR), &g), t), "1969-01-01T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_WEEK), &g), "1960-02-29T12:34:56.789Z"),
              "1960-02-29T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_QUARTER), &g), "1960-02-29T12:34:56.789Z"),
              "1960-01-01T00:00:00.000Z");
    CHECK_STR(start((g = std(VRV_GRAN_STD_SECOND), &g), "1969-12-31T23:59:59.001Z"),
              "1969-12-31T23:59:59.000Z");
    g = gj("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_STR(start(&g, "1969-12-31T12:00Z"), "1969-12-31T00:00:00.000-08:00");
    CHECK_STR(start(&g, "1960-07-04T12:00Z"), "1960-07-04T00:00:00.000-07:00");
    g = gj("{\"type\":\"period\",\"period\":\"P3M\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_STR(start(&g, "1969-12-31T12:00Z"), "1969-10-01T00:00:00.000-07:00");
    g = gj("{\"type\":\"duration\",\"duration\":7200000,\"origin\":\"1970-01-01T01:00Z\"}");
    CHECK_STR(start(&g, "1969-12-31T23:59:59.999Z"), "1969-12-31T23:00:00.000Z");
    CHECK_STR(start(&g, "1969-12-31T22:59:59.999Z"), "1969-12-31T21:00:00.000Z");
    g = gj("{\"type\":\"period\",\"period\":\"P2D\",\"origin\":\"2021-03-01T12:00Z\"}");
    CHECK_STR(start(&g, "1969-12-31T00:00Z"), "1969-12-29T12:00:00.000Z");
}

TEST(gran_la_dst_days)
{
    vrv_gran g =
        gj("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_STR(start(&g, "2021-03-14T12:00Z"), "2021-03-14T00:00:00.000-08:00");
    CHECK_STR(next(&g, "2021-03-14T12:00Z"), "2021-03-15T00:00:00.000-07:00");
    vrv_interval b = vrv_gran_bucket(&g, utc("2021-03-14T12:00Z"));
    CHECK_INT(b.end - b.start, 23 * 3600000LL);
    b = vrv_gran_bucket(&g, utc("2021-11-07T12:00Z"));
    CHECK_INT(b.end - b.start, 25 * 3600000LL);
    CHECK_STR(start(&g, "2021-11-07T12:00Z"), "2021-11-07T00:00:00.000-07:00");
    CHECK_STR(next(&g, "2021-11-07T12:00Z"), "2021-11-08T00:00:00.000-08:00");
    /* 07:59Z on Mar 14 is still Mar 13 in Los Angeles */
    CHECK_STR(start(&g, "2021-03-14T07:59:59.999Z"), "2021-03-13T00:00:00.000-08:00");

    const char *want[] = {"2021-03-12T00:00:00.000-08:00", "2021-03-13T00:00:00.000-08:00",
                          "2021-03-14T00:00:00.000-08:00", "2021-03-15T00:00:00.000-07:00"};
    vrv_gran_iter it;
    vrv_interval iv = {utc("2021-03-12T08:00Z"), utc("2021-03-16T07:00Z")}, bucket;
    vrv_gran_iter_init(&it, &g, iv);
    int n = 0;
    char s[VRV_TIME_STR_MAX];
    while (vrv_gran_iter_next(&it, &bucket)) {
        vrv_gran_format_time(&g, bucket.start, s);
        if (n < 4) CHECK_STR(s, want[n]);
        n++;
    }
    CHECK_INT(n, 4);
    CHECK(!vrv_gran_iter_next(&it, &bucket));

    vrv_gran w =
        gj("{\"type\":\"period\",\"period\":\"P1W\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_STR(start(&w, "2021-03-17T12:00Z"), "2021-03-15T00:00:00.000-07:00");
    CHECK_STR(start(&w, "2021-03-15T06:59Z"), "2021-03-08T00:00:00.000-08:00");
    CHECK_STR(next(&w, "2021-03-10T12:00Z"), "2021-03-15T00:00:00.000-07:00");
    vrv_gran m =
        gj("{\"type\":\"period\",\"period\":\"P1M\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_STR(start(&m, "2021-11-15T12:00Z"), "2021-11-01T00:00:00.000-07:00");
    CHECK_STR(next(&m, "2021-11-15T12:00Z"), "2021-12-01T00:00:00.000-08:00");
    CHECK_STR(start(&m, "2021-11-01T06:59Z"), "2021-10-01T00:00:00.000-07:00");
    vrv_gran y =
        gj("{\"type\":\"period\",\"period\":\"P1Y\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_STR(start(&y, "2021-01-01T07:59Z"), "2020-01-01T00:00:00.000-08:00");
    CHECK_STR(start(&y, "2021-01-01T08:00Z"), "2021-01-01T00:00:00.000-08:00");
    /* hour buckets follow the wall clock through the gap and the overlap */
    vrv_gran h =
        gj("{\"type\":\"period\",\"period\":\"PT1H\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_STR(start(&h, "2021-03-14T10:30Z"), "2021-03-14T03:00:00.000-07:00");
    CHECK_STR(start(&h, "2021-11-07T09:30Z"), "2021-11-07T01:00:00.000-08:00");
    CHECK_STR(start(&h, "2021-11-07T08:30Z"), "2021-11-07T01:00:00.000-07:00");
    /* six-hour buckets are exact durations from the local epoch (08:00Z) */
    vrv_gran h6 =
        gj("{\"type\":\"period\",\"period\":\"PT6H\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_STR(start(&h6, "2021-01-15T13:00Z"), "2021-01-15T00:00:00.000-08:00");
    CHECK_STR(start(&h6, "2021-07-15T13:00Z"), "2021-07-15T01:00:00.000-07:00");
}

TEST(gran_kolkata_lord_howe)
{
    vrv_gran d = gj("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"Asia/Kolkata\"}");
    CHECK_STR(start(&d, "2021-06-01T18:29:59.999Z"), "2021-06-01T00:00:00.000+05:30");
    CHECK_STR(start(&d, "2021-06-01T18:30Z"), "2021-06-02T00:00:00.000+05:30");
    CHECK_INT(vrv_gran_bucket_start(&d, utc("2021-06-01T18:30Z")), utc("2021-06-01T18:30Z"));
    vrv_gran h = gj("{\"type\":\"period\",\"period\":\"PT1H\",\"timeZone\":\"Asia/Kolkata\"}");
    CHECK_STR(start(&h, "2021-06-01T10:15Z"), "2021-06-01T15:00:00.000+05:30");
    CHECK_INT(vrv_gran_bucket_start(&h, utc("2021-06-01T10:15Z")), utc("2021-06-01T09:30Z"));
    vrv_gran m15 = gj("{\"type\":\"period\",\"period\":\"PT15M\",\"timeZone\":\"Asia/Kolkata\"}");
    CHECK_STR(start(&m15, "2021-06-01T10:14Z"), "2021-06-01T15:30:00.000+05:30");

    vrv_gran lh =
        gj("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"Australia/Lord_Howe\"}");
    vrv_interval b = vrv_gran_bucket(&lh, utc("2021-10-03T06:00Z"));
    CHECK_INT(b.end - b.start, 23 * 3600000LL + 1800000);
    CHECK_STR(start(&lh, "2021-10-03T06:00Z"), "2021-10-03T00:00:00.000+10:30");
    CHECK_STR(next(&lh, "2021-10-03T06:00Z"), "2021-10-04T00:00:00.000+11:00");
    b = vrv_gran_bucket(&lh, utc("2021-04-04T06:00Z"));
    CHECK_INT(b.end - b.start, 24 * 3600000LL + 1800000);
    CHECK_STR(start(&lh, "2021-04-04T06:00Z"), "2021-04-04T00:00:00.000+11:00");
    CHECK_STR(next(&lh, "2021-04-04T06:00Z"), "2021-04-05T00:00:00.000+10:30");
    /* hours: the local hour at the instant's own offset */
    vrv_gran lhh =
        gj("{\"type\":\"period\",\"period\":\"PT1H\",\"timeZone\":\"Australia/Lord_Howe\"}");
    CHECK_STR(start(&lhh, "2021-05-31T15:15Z"), "2021-06-01T01:00:00.000+10:30");
    /* just after the change to +11:00: 02:40 rounds to 02:00 at +11:00, an
     * instant still at +10:30 (Joda rounds with the instant's own offset) */
    CHECK_STR(start(&lhh, "2021-10-02T15:40Z"), "2021-10-03T01:30:00.000+10:30");
    CHECK_STR(start(&lhh, "2021-10-02T15:20Z"), "2021-10-03T01:00:00.000+10:30");
}

TEST(gran_origins_and_compounds)
{
    vrv_gran g = gj("{\"type\":\"period\",\"period\":\"P2D\",\"origin\":\"2021-03-01T12:00Z\"}");
    CHECK_STR(start(&g, "2021-03-04T05:00Z"), "2021-03-03T12:00:00.000Z");
    CHECK_STR(next(&g, "2021-03-04T05:00Z"), "2021-03-05T12:00:00.000Z");
    CHECK_STR(start(&g, "2021-02-28T05:00Z"), "2021-02-27T12:00:00.000Z");
    g = gj("{\"type\":\"period\",\"period\":\"PT1H\",\"origin\":\"2021-01-01T00:30:00\"}");
    CHECK_STR(start(&g, "2021-03-04T05:06Z"), "2021-03-04T04:30:00.000Z");
    g = gj("{\"type\":\"period\",\"period\":\"P1M\",\"origin\":\"2021-01-15\"}");
    CHECK_STR(start(&g, "2021-03-04T05:06Z"), "2021-02-15T00:00:00.000Z");
    CHECK_STR(next(&g, "2021-03-04T05:06Z"), "2021-03-15T00:00:00.000Z");
    CHECK_STR(start(&g, "2020-12-14T00:00Z"), "2020-11-15T00:00:00.000Z");
    g = gj("{\"type\":\"period\",\"period\":\"P1Y\",\"origin\":\"2020-07-01\"}");
    CHECK_STR(start(&g, "2021-03-04T05:06Z"), "2020-07-01T00:00:00.000Z");
    CHECK_STR(start(&g, "2021-07-01T00:00Z"), "2021-07-01T00:00:00.000Z");
    /* an origin at month end: Joda's month difference counts Feb 28 as a full month */
    g = gj("{\"type\":\"period\",\"period\":\"P1M\",\"origin\":\"2021-01-31\"}");
    CHECK_STR(start(&g, "2021-03-01T00:00Z"), "2021-02-28T00:00:00.000Z");
    CHECK_STR(start(&g, "2021-03-31T00:00Z"), "2021-03-31T00:00:00.000Z");
    /* weeks counted from the local epoch, a Thursday */
    g = gj("{\"type\":\"period\",\"period\":\"P2W\"}");
    CHECK_STR(start(&g, "2021-03-04T05:06Z"), "2021-03-04T00:00:00.000Z");
    CHECK_STR(start(&g, "2021-03-03T05:06Z"), "2021-02-18T00:00:00.000Z");
    /* an origin whose wall time falls in a DST gap on some days: that day's
     * boundary moves past the gap and an instant just before it belongs to
     * the previous bucket */
    g = gj("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\","
           "\"origin\":\"4042-01-01T10:00:05Z\"}");
    CHECK_STR(start(&g, "2021-03-14T10:00:00Z"), "2021-03-13T02:00:05.000-08:00");
    CHECK_STR(next(&g, "2021-03-14T10:00:00Z"), "2021-03-14T03:00:05.000-07:00");
    CHECK_STR(start(&g, "2021-03-14T10:00:05Z"), "2021-03-14T03:00:05.000-07:00");
    /* compound periods */
    g = gj("{\"type\":\"period\",\"period\":\"PT1H30M\"}");
    CHECK_STR(start(&g, "2021-03-04T05:06:07Z"), "2021-03-04T04:30:00.000Z");
    g = gj("{\"type\":\"period\",\"period\":\"P1M15D\"}");
    CHECK_STR(start(&g, "2021-03-04T05:06:07Z"), "2021-03-03T00:00:00.000Z");
    CHECK_STR(next(&g, "2021-03-04T05:06:07Z"), "2021-04-18T00:00:00.000Z");
    CHECK_STR(start(&g, "1969-06-01T00:00Z"), "1969-05-18T00:00:00.000Z");
    g = gj("{\"type\":\"period\",\"period\":\"P1DT12H\",\"timeZone\":\"America/Los_Angeles\"}");
    vrv_ms s = vrv_gran_bucket_start(&g, utc("2021-03-20T00:00Z"));
    CHECK(s <= utc("2021-03-20T00:00Z"));
    CHECK(vrv_gran_next(&g, s) > utc("2021-03-20T00:00Z"));
    /* duration granularities: numbers or numeric strings, origin kept modulo */
    g = gj("{\"type\":\"duration\",\"duration\":\"3600000\",\"origin\":\"2021-01-01T00:30Z\"}");
    CHECK_STR(start(&g, "2021-03-04T05:06Z"), "2021-03-04T04:30:00.000Z");
    CHECK_STR(
        json_of(&g),
        "{\"type\":\"duration\",\"duration\":3600000,\"origin\":\"1970-01-01T00:30:00.000Z\"}");
    g = gj("{\"type\":\"duration\",\"duration\":60000,\"origin\":1000}");
    CHECK_STR(start(&g, "2021-03-04T05:06:00.500Z"), "2021-03-04T05:05:01.000Z");
}

TEST(gran_ceil_aligned)
{
    vrv_gran d = std(VRV_GRAN_STD_DAY);
    CHECK_INT(vrv_gran_ceil(&d, utc("2021-03-04")), utc("2021-03-04"));
    CHECK_INT(vrv_gran_ceil(&d, utc("2021-03-04T00:00:00.001Z")), utc("2021-03-05"));
    CHECK(vrv_gran_is_aligned(&d, vrv_interval_make(utc("2021-03-04"), utc("2021-03-05"))));
    CHECK(!vrv_gran_is_aligned(&d, vrv_interval_make(utc("2021-03-04"), utc("2021-03-06"))));
    CHECK(!vrv_gran_is_aligned(&d, vrv_interval_make(utc("2021-03-04T01"), utc("2021-03-05T01"))));
    vrv_gran a = std(VRV_GRAN_STD_ALL);
    CHECK(!vrv_gran_is_aligned(&a, vrv_interval_eternity()));
}

TEST(gran_iteration)
{
    vrv_gran h = std(VRV_GRAN_STD_HOUR);
    vrv_gran_iter it;
    vrv_interval b;
    /* buckets overlapping [10:30, 13:00): 10, 11, 12 */
    vrv_gran_iter_init(&it, &h, vrv_interval_make(utc("2021-03-04T10:30Z"), utc("2021-03-04T13Z")));
    int n = 0;
    while (vrv_gran_iter_next(&it, &b)) {
        CHECK_INT(b.start, utc("2021-03-04T10Z") + n * 3600000LL);
        CHECK_INT(b.end - b.start, 3600000);
        n++;
    }
    CHECK_INT(n, 3);
    /* all: the interval itself, once */
    vrv_gran a = std(VRV_GRAN_STD_ALL);
    vrv_interval iv = vrv_interval_make(utc("2021-03-04"), utc("2021-03-05"));
    vrv_gran_iter_init(&it, &a, iv);
    CHECK(vrv_gran_iter_next(&it, &b));
    CHECK_INT(b.start, iv.start);
    CHECK_INT(b.end, iv.end);
    CHECK(!vrv_gran_iter_next(&it, &b));
    /* an empty interval inside a bucket still yields that bucket (as Druid) */
    vrv_gran_iter_init(&it, &h,
                       vrv_interval_make(utc("2021-03-04T10:30Z"), utc("2021-03-04T10:30Z")));
    CHECK(vrv_gran_iter_next(&it, &b));
    CHECK_INT(b.start, utc("2021-03-04T10Z"));
    CHECK(!vrv_gran_iter_next(&it, &b));
    /* at the end of time the walk stops instead of wrapping */
    vrv_gran y = std(VRV_GRAN_STD_YEAR);
    vrv_gran_iter_init(&it, &y, vrv_interval_make(INT64_MAX - 86400000LL * 400, INT64_MAX));
    n = 0;
    while (vrv_gran_iter_next(&it, &b) && n < 10) n++;
    CHECK(n <= 3);
}

TEST(gran_json_shapes)
{
    vrv_gran g;
    CHECK_STR(json_of((g = gj("\"day\""), &g)), "\"DAY\"");
    CHECK_STR(json_of((g = gj("\"Fifteen_Minute\""), &g)), "\"FIFTEEN_MINUTE\"");
    CHECK_STR(json_of((g = gj("\"all\""), &g)), "{\"type\":\"all\"}");
    CHECK_STR(json_of((g = gj("\"NONE\""), &g)), "{\"type\":\"none\"}");
    CHECK_STR(json_of((g = gj("{\"type\":\"all\"}"), &g)), "{\"type\":\"all\"}");
    CHECK_STR(json_of((g = gj("{\"type\":\"none\"}"), &g)), "{\"type\":\"none\"}");
    CHECK_STR(json_of((g = gj("{\"type\":\"period\",\"period\":\"P1D\"}"), &g)), "\"DAY\"");
    CHECK_STR(
        json_of((g = gj("{\"type\":\"period\",\"period\":\"P3M\",\"timeZone\":\"UTC\"}"), &g)),
        "\"QUARTER\"");
    CHECK_STR(json_of((g = gj("{\"type\":\"period\",\"period\":\"P7D\"}"), &g)),
              "{\"type\":\"period\",\"period\":\"P7D\",\"timeZone\":\"UTC\",\"origin\":null}");
    CHECK_STR(json_of((g = gj("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":"
                              "\"America/Los_Angeles\",\"origin\":null}"),
                       &g)),
              "{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\","
              "\"origin\":null}");
    CHECK_STR(json_of((g = gj("{\"type\":\"period\",\"period\":\"PT1H\",\"origin\":"
                              "\"2021-01-01T00:30:00\"}"),
                       &g)),
              "{\"type\":\"period\",\"period\":\"PT1H\",\"timeZone\":\"UTC\",\"origin\":"
              "\"2021-01-01T00:30:00.000Z\"}");
    CHECK_STR(
        json_of(
            (g = gj("{\"type\":\"period\",\"period\":\"PT0.750S\",\"timeZone\":\"+05:30\"}"), &g)),
        "{\"type\":\"period\",\"period\":\"PT0.750S\",\"timeZone\":\"+05:30\",\"origin\":null}");
    CHECK_STR(json_of((g = gj("{\"type\":\"duration\",\"duration\":60000}"), &g)),
              "{\"type\":\"duration\",\"duration\":60000,\"origin\":\"1970-01-01T00:00:00.000Z\"}");
    CHECK_STR(vrv_gran_std_name((g = gj("\"week\""), &g)), "WEEK");
    CHECK(vrv_gran_std_name(
              (g = gj("{\"type\":\"period\",\"period\":\"P1W\",\"origin\":0}"), &g)) == NULL);
    /* parsing what is written gives an equal granularity */
    const char *texts[] = {"\"hour\"",
                           "{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":"
                           "\"Asia/Kolkata\",\"origin\":\"2021-01-01T00:00:00.000Z\"}",
                           "{\"type\":\"duration\",\"duration\":5,\"origin\":3}", "\"all\""};
    for (size_t i = 0; i < VRV_ARRAY_LEN(texts); i++) {
        vrv_gran a = gj(texts[i]);
        vrv_gran b = gj(json_of(&a));
        CHECK(vrv_gran_equal(&a, &b));
    }
    vrv_gran p1w = gj("\"week\""), p7d = gj("{\"type\":\"period\",\"period\":\"P7D\"}");
    CHECK(!vrv_gran_equal(&p1w, &p7d));
}

TEST(gran_json_errors)
{
    CHECK_STR(gj_err("\"fortnight\""),
              "spec.granularity: unknown granularity \"fortnight\"; expected one of all, none, "
              "second, minute, five_minute, ten_minute, fifteen_minute, thirty_minute, hour, "
              "six_hour, eight_hour, day, week, month, quarter, year");
    CHECK_STR(gj_err("42"), "spec.granularity: must be a granularity name or object");
    CHECK_STR(gj_err("{}"), "spec.granularity.type: required");
    CHECK_STR(gj_err("{\"type\":1}"), "spec.granularity.type: must be a string");
    CHECK_STR(gj_err("{\"type\":\"day\"}"),
              "spec.granularity.type: unknown granularity type \"day\"; expected all, none, "
              "duration or period");
    CHECK_STR(gj_err("{\"type\":\"period\"}"), "spec.granularity.period: required");
    CHECK_STR(gj_err("{\"type\":\"period\",\"period\":1}"),
              "spec.granularity.period: must be an ISO-8601 period string");
    CHECK_STR(gj_err("{\"type\":\"period\",\"period\":\"P1X\"}"),
              "spec.granularity.period: invalid ISO-8601 period \"P1X\": malformed at \"X\" "
              "(position 2)");
    CHECK_STR(gj_err("{\"type\":\"period\",\"period\":\"PT0S\"}"),
              "spec.granularity.period: zero period is not acceptable in a granularity");
    CHECK_STR(gj_err("{\"type\":\"period\",\"period\":\"P-1D\"}"),
              "spec.granularity.period: period P-1D has a negative field; a granularity needs a "
              "positive period");
    CHECK_STR(gj_err("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"Mars/Base\"}"),
              "spec.granularity.timeZone: unknown time zone \"Mars/Base\"");
    CHECK_STR(gj_err("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":5}"),
              "spec.granularity.timeZone: must be a time zone name");
    CHECK_STR(gj_err("{\"type\":\"period\",\"period\":\"P1D\",\"origin\":\"yesterday\"}"),
              "spec.granularity.origin: invalid ISO-8601 time \"yesterday\": malformed at "
              "\"yesterday\" (position 0)");
    CHECK_STR(gj_err("{\"type\":\"period\",\"period\":\"P1D\",\"origin\":true}"),
              "spec.granularity.origin: must be an ISO-8601 time or epoch milliseconds");
    CHECK_STR(gj_err("{\"type\":\"duration\"}"), "spec.granularity.duration: required");
    CHECK_STR(gj_err("{\"type\":\"duration\",\"duration\":0}"),
              "spec.granularity.duration: duration must be greater than 0, got 0");
    CHECK_STR(gj_err("{\"type\":\"duration\",\"duration\":\"1h\"}"),
              "spec.granularity.duration: must be a number of milliseconds");
    CHECK_STR(gj_err("{\"type\":\"duration\",\"duration\":1.5}"),
              "spec.granularity.duration: must be a number of milliseconds");
    vrv_gran g;
    vrv_error err;
    CHECK_INT(vrv_gran_parse("daily", 5, &g, &err), VRV_EINVAL);
    CHECK_INT(vrv_gran_from_json(NULL, NULL, &g, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "granularity: must be a granularity name or object");
}

TEST(gran_compare)
{
    vrv_gran all[VRV_GRAN_STD_COUNT];
    for (int i = 0; i < VRV_GRAN_STD_COUNT; i++) all[i] = std((vrv_gran_std)i);
    CHECK(vrv_gran_is_finer(&all[VRV_GRAN_STD_NONE], &all[VRV_GRAN_STD_SECOND]));
    for (int i = 0; i + 1 < VRV_GRAN_STD_ALL; i++)
        CHECK(vrv_gran_compare(&all[i], &all[i + 1]) < 0);
    CHECK(vrv_gran_is_finer(&all[VRV_GRAN_STD_YEAR], &all[VRV_GRAN_STD_ALL]));
    CHECK(!vrv_gran_is_finer(&all[VRV_GRAN_STD_DAY], &all[VRV_GRAN_STD_DAY]));
    CHECK_INT(vrv_gran_compare(&all[VRV_GRAN_STD_DAY], &all[VRV_GRAN_STD_DAY]), 0);
    CHECK_INT(vrv_gran_compare(&all[VRV_GRAN_STD_ALL], &all[VRV_GRAN_STD_HOUR]), 1);
    vrv_gran d = gj("{\"type\":\"duration\",\"duration\":3600000}");
    CHECK_INT(vrv_gran_compare(&d, &all[VRV_GRAN_STD_HOUR]), 0);
    vrv_gran la =
        gj("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\"}");
    CHECK_INT(vrv_gran_compare(&la, &all[VRV_GRAN_STD_DAY]), 0);
    /* January 1970 has 31 days: month is coarser than week */
    CHECK(vrv_gran_is_finer(&all[VRV_GRAN_STD_WEEK], &all[VRV_GRAN_STD_MONTH]));
}

TEST(gran_finer_standard)
{
    vrv_gran out[VRV_GRAN_STD_COUNT];
    vrv_gran g = std(VRV_GRAN_STD_DAY);
    size_t n = vrv_gran_finer_standard(&g, out, VRV_ARRAY_LEN(out));
    const char *want_day[] = {"DAY",           "EIGHT_HOUR",     "SIX_HOUR",   "HOUR",
                              "THIRTY_MINUTE", "FIFTEEN_MINUTE", "TEN_MINUTE", "FIVE_MINUTE",
                              "MINUTE",        "SECOND"};
    CHECK_INT(n, 10);
    for (size_t i = 0; i < n && i < 10; i++) CHECK_STR(vrv_gran_std_name(&out[i]), want_day[i]);
    g = std(VRV_GRAN_STD_WEEK);
    n = vrv_gran_finer_standard(&g, out, VRV_ARRAY_LEN(out));
    CHECK_INT(n, 11);
    CHECK_STR(vrv_gran_std_name(&out[0]), "WEEK");
    CHECK_STR(vrv_gran_std_name(&out[1]), "DAY");
    g = std(VRV_GRAN_STD_ALL);
    n = vrv_gran_finer_standard(&g, out, VRV_ARRAY_LEN(out));
    CHECK_INT(n, 14);
    CHECK_STR(vrv_gran_std_name(&out[0]), "ALL");
    CHECK_STR(vrv_gran_std_name(&out[1]), "YEAR");
    CHECK_STR(vrv_gran_std_name(&out[3]), "MONTH");
    CHECK_STR(vrv_gran_std_name(&out[4]), "DAY");
    g = std(VRV_GRAN_STD_NONE);
    CHECK_INT(vrv_gran_finer_standard(&g, out, VRV_ARRAY_LEN(out)), 0);
    /* in a zone: the same periods in that zone */
    g = gj("{\"type\":\"period\",\"period\":\"P1M\",\"timeZone\":\"America/Los_Angeles\"}");
    n = vrv_gran_finer_standard(&g, out, 2);
    CHECK_INT(n, 11);
    CHECK_STR(json_of(&out[0]), "{\"type\":\"period\",\"period\":\"P1M\",\"timeZone\":"
                                "\"America/Los_Angeles\",\"origin\":null}");
    CHECK_STR(json_of(&out[1]), "{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":"
                                "\"America/Los_Angeles\",\"origin\":null}");
}

TEST(gran_extremes)
{
    vrv_gran gs[] = {
        std(VRV_GRAN_STD_DAY),
        std(VRV_GRAN_STD_WEEK),
        std(VRV_GRAN_STD_YEAR),
        gj("{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\"}"),
        gj("{\"type\":\"period\",\"period\":\"P3M\",\"timeZone\":\"Asia/Kolkata\"}"),
        gj("{\"type\":\"period\",\"period\":\"P1M1D\",\"timeZone\":\"America/Los_Angeles\"}"),
        gj("{\"type\":\"period\",\"period\":\"P5Y\",\"origin\":\"2001-01-01\"}"),
        gj("{\"type\":\"duration\",\"duration\":7,\"origin\":-3}")};
    vrv_ms ts[] = {INT64_MIN, INT64_MIN + 1, VRV_TIME_MIN, -1, 0, VRV_TIME_MAX, INT64_MAX};
    for (size_t i = 0; i < VRV_ARRAY_LEN(gs); i++)
        for (size_t j = 0; j < VRV_ARRAY_LEN(ts); j++) {
            /* no crash, no sanitizer report; sane within the eternity interval */
            vrv_ms s = vrv_gran_bucket_start(&gs[i], ts[j]);
            (void)vrv_gran_next(&gs[i], s);
            if (ts[j] >= VRV_TIME_MIN && ts[j] <= VRV_TIME_MAX) CHECK(s <= ts[j]);
        }
}
