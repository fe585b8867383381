/*
 * test_tz.c — time zones: TZif loading, offsets (checked against Python's
 * zoneinfo by hand and against glibc's localtime_r for every zone of the
 * system database), Joda's gap/overlap rules, zone-aware period arithmetic,
 * names and the cache.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "base/tz.h"
#include "test.h"

static const vrv_tz *zone(const char *name)
{
    const vrv_tz *tz = NULL;
    vrv_error err;
    vrv_error_clear(&err);
    if (vrv_tz_get(name, strlen(name), &tz, &err)) {
        vrv_test_fail(__FILE__, __LINE__, "zone %s: %s", name, err.msg);
        return vrv_tz_utc();
    }
    return tz;
}

static vrv_ms utc(const char *s)
{
    vrv_ms t = 0;
    if (vrv_time_parse(s, strlen(s), 0, &t, NULL)) vrv_test_fail(__FILE__, __LINE__, "%s", s);
    return t;
}

static const char *in(const vrv_tz *tz, vrv_ms t)
{
    static char b[4][VRV_TIME_STR_MAX];
    static int k;
    char *o = b[k++ & 3];
    vrv_tz_format(tz, t, o);
    return o;
}

TEST(tz_offsets_la)
{
    const vrv_tz *la = zone("America/Los_Angeles");
    CHECK_STR(vrv_tz_id(la), "America/Los_Angeles");
    CHECK(!vrv_tz_is_fixed(la, NULL));
    CHECK_INT(vrv_tz_offset(la, 1615715999999LL), -28800000);
    CHECK_INT(vrv_tz_offset(la, 1615716000000LL), -25200000);
    CHECK_INT(vrv_tz_offset(la, 1636275599999LL), -25200000);
    CHECK_INT(vrv_tz_offset(la, 1636275600000LL), -28800000);
    /* before 1970, and local mean time before 1883 */
    CHECK_INT(vrv_tz_offset(la, -299894400000LL), -25200000);
    CHECK_INT(vrv_tz_offset(la, -315619200000LL), -28800000);
    CHECK_INT(vrv_tz_offset(la, -5364662400000LL), -28378000);
    /* past the file's table: the POSIX rule of the footer */
    CHECK_INT(vrv_tz_offset(la, 4118083200000LL), -25200000);
    CHECK_INT(vrv_tz_offset(la, 4131302400000LL), -28800000);
    CHECK_INT(vrv_tz_offset(la, utc("3000-07-01")), -25200000);
    CHECK_INT(vrv_tz_offset(la, utc("3000-01-01")), -28800000);
    CHECK_INT(vrv_tz_offset(la, VRV_TIME_MAX), -25200000); /* an April */
    CHECK_INT(vrv_tz_offset(la, INT64_MAX), -28800000);
    CHECK_INT(vrv_tz_offset(la, INT64_MIN), -28378000);
    CHECK_STR(in(la, 1615716000000LL), "2021-03-14T03:00:00.000-07:00");
    CHECK_STR(in(la, 1615715999999LL), "2021-03-14T01:59:59.999-08:00");
    CHECK_STR(in(la, -5364662400000LL), "1799-12-31T16:07:02.000-07:52:58");
}

TEST(tz_offsets_kolkata_lord_howe)
{
    const vrv_tz *k = zone("Asia/Kolkata");
    CHECK_INT(vrv_tz_offset(k, 1622505600000LL), 19800000);
    CHECK_INT(vrv_tz_offset(k, -839030400000LL), 23400000);
    CHECK_INT(vrv_tz_offset(k, -2208988800000LL), 19270000);
    CHECK_INT(vrv_tz_offset(k, utc("2400-01-01")), 19800000);
    CHECK_STR(in(k, 1622505600000LL), "2021-06-01T05:30:00.000+05:30");
    const vrv_tz *lh = zone("Australia/Lord_Howe");
    CHECK_INT(vrv_tz_offset(lh, 1633188599999LL), 37800000);
    CHECK_INT(vrv_tz_offset(lh, 1633188600000LL), 39600000);
    CHECK_INT(vrv_tz_offset(lh, 1617461999999LL), 39600000);
    CHECK_INT(vrv_tz_offset(lh, 1617462000000LL), 37800000);
    CHECK_INT(vrv_tz_offset(lh, 4102444800000LL), 39600000);
    CHECK_STR(in(lh, 1633188600000LL), "2021-10-03T02:30:00.000+11:00");
    CHECK_STR(in(lh, 1633188599999LL), "2021-10-03T01:59:59.999+10:30");
    /* Europe/London prints Z in winter, like Joda's "ZZ" with zero offset */
    const vrv_tz *lon = zone("Europe/London");
    CHECK_STR(in(lon, utc("2021-01-15T12:00Z")), "2021-01-15T12:00:00.000Z");
    CHECK_STR(in(lon, utc("2021-07-15T12:00Z")), "2021-07-15T13:00:00.000+01:00");
}

TEST(tz_transitions)
{
    const vrv_tz *la = zone("America/Los_Angeles");
    CHECK_INT(vrv_tz_next_transition(la, utc("2021-01-01")), 1615716000000LL);
    CHECK_INT(vrv_tz_next_transition(la, 1615716000000LL), 1636275600000LL);
    CHECK_INT(vrv_tz_prev_transition(la, utc("2021-06-01")), 1615716000000LL - 1);
    CHECK_INT(vrv_tz_prev_transition(la, 1615716000000LL), 1615716000000LL - 1);
    /* from the footer rule */
    CHECK_STR(in(vrv_tz_utc(), vrv_tz_next_transition(la, utc("2100-01-01"))),
              "2100-03-14T10:00:00.000Z");
    CHECK_STR(in(vrv_tz_utc(), vrv_tz_prev_transition(la, utc("2100-01-01")) + 1),
              "2099-11-01T09:00:00.000Z");
    const vrv_tz *lh = zone("Australia/Lord_Howe");
    CHECK_INT(vrv_tz_next_transition(lh, utc("2021-06-01")), 1633188600000LL);
    const vrv_tz *k = zone("Asia/Kolkata");
    vrv_ms t = utc("2021-01-01");
    CHECK_INT(vrv_tz_next_transition(k, t), t);
    CHECK(vrv_tz_prev_transition(k, t) < t);
    const vrv_tz *f = zone("+05:30");
    CHECK_INT(vrv_tz_next_transition(f, t), t);
    CHECK_INT(vrv_tz_prev_transition(f, t), t);
}

TEST(tz_local_to_utc_gaps_overlaps)
{
    const vrv_tz *la = zone("America/Los_Angeles");
    /* gap 02:00-03:00 on 2021-03-14: moved forward to 03:30 PDT */
    CHECK_INT(vrv_tz_local_to_utc(la, utc("2021-03-14T02:30")), 1615717800000LL);
    /* overlap 01:00-02:00 on 2021-11-07: the earlier instant (PDT) */
    CHECK_INT(vrv_tz_local_to_utc(la, utc("2021-11-07T01:30")), 1636273800000LL);
    CHECK_INT(vrv_tz_local_to_utc(la, utc("2021-03-13T00:00")), 1615622400000LL);
    const vrv_tz *be = zone("Europe/Berlin");
    CHECK_INT(vrv_tz_local_to_utc(be, utc("2021-03-28T02:30")), 1616895000000LL);
    CHECK_INT(vrv_tz_local_to_utc(be, utc("2021-10-31T02:30")), 1635640200000LL);
    const vrv_tz *lh = zone("Australia/Lord_Howe");
    /* 30-minute gap 02:00-02:30 and overlap 01:30-02:00 */
    CHECK_INT(vrv_tz_local_to_utc(lh, utc("2021-10-03T02:15")), 1633189500000LL);
    CHECK_INT(vrv_tz_local_to_utc(lh, utc("2021-04-04T01:45")), 1617461100000LL);
    /* the near variant keeps the side of the overlap the hint is on */
    CHECK_INT(vrv_tz_local_to_utc_near(be, utc("2021-10-31T02:30"), 1635643800000LL),
              1635643800000LL);
    CHECK_INT(vrv_tz_local_to_utc_near(be, utc("2021-10-31T02:30"), utc("2021-10-30T12:00Z")),
              1635640200000LL);
    CHECK_INT(vrv_tz_local_to_utc_near(la, utc("2021-03-14T02:30"), 1615712400000LL),
              1615717800000LL);
    /* round trip away from transitions, before and after 1970 */
    for (vrv_ms t = utc("1950-01-01"); t < utc("2050-01-01"); t += 86400000LL * 37 + 3600000) {
        vrv_ms local = t + vrv_tz_offset(la, t);
        if (vrv_tz_local_to_utc(la, local) != t &&
            vrv_tz_offset(la, t - 3 * 3600000) == vrv_tz_offset(la, t + 3 * 3600000)) {
            CHECK_INT(vrv_tz_local_to_utc(la, local), t);
            break;
        }
    }
}

TEST(tz_parse_in_zone)
{
    const vrv_tz *la = zone("America/Los_Angeles");
    vrv_ms t;
    vrv_error err;
    CHECK_INT(vrv_tz_parse_time(la, "2021-03-13T00:00", 16, 0, &t, &err), 0);
    CHECK_INT(t, 1615622400000LL);
    CHECK_INT(vrv_tz_parse_time(la, "2021-11-07T01:30", 16, 0, &t, &err), 0);
    CHECK_INT(t, 1636273800000LL);
    CHECK_INT(vrv_tz_parse_time(la, "2021-03-14T02:30-08:00", 22, 0, &t, &err), 0);
    CHECK_INT(t, 1615717800000LL);
    CHECK_INT(vrv_tz_parse_time(la, "2021-03-14 02:30Z", 17, VRV_TIME_PARSE_SPACE, &t, &err), 0);
    CHECK_INT(t, utc("2021-03-14T02:30Z"));
    CHECK_INT(vrv_tz_parse_time(la, "2021-03-14T02:30", 16, 0, &t, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "invalid ISO-8601 time \"2021-03-14T02:30\": illegal instant due to time "
                       "zone offset transition (America/Los_Angeles)");
    CHECK_INT(vrv_tz_parse_time(la, "2021-13", 7, 0, &t, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "monthOfYear") != NULL);
    CHECK_INT(vrv_tz_parse_time(zone("+05:30"), "2021-06-01", 10, 0, &t, &err), 0);
    CHECK_INT(t, 1622505600000LL - 19800000);
}

static const char *shift(const vrv_tz *tz, const char *t, const char *per, int64_t n)
{
    vrv_period p;
    vrv_ms out = 0;
    if (vrv_period_parse(per, strlen(per), &p, NULL) || vrv_period_add_tz(&p, utc(t), n, tz, &out))
        vrv_test_fail(__FILE__, __LINE__, "%s + %s", t, per);
    return in(tz, out);
}

TEST(tz_period_add)
{
    const vrv_tz *la = zone("America/Los_Angeles");
    CHECK_STR(shift(la, "2021-03-13T00:00-08:00", "P1D", 1), "2021-03-14T00:00:00.000-08:00");
    CHECK_STR(shift(la, "2021-03-13T00:00-08:00", "P1D", 2), "2021-03-15T00:00:00.000-07:00");
    CHECK_STR(shift(la, "2021-03-13T00:00-08:00", "P2D", 1), "2021-03-15T00:00:00.000-07:00");
    CHECK_STR(shift(la, "2021-03-15T00:00-07:00", "P1D", -2), "2021-03-13T00:00:00.000-08:00");
    CHECK_STR(shift(la, "2021-03-13T02:30-08:00", "P1D", 1), "2021-03-14T03:30:00.000-07:00");
    CHECK_STR(shift(la, "2021-03-14T00:00-08:00", "PT24H", 1), "2021-03-15T01:00:00.000-07:00");
    CHECK_STR(shift(la, "2021-03-14T00:00-08:00", "P1DT1H", 1), "2021-03-15T01:00:00.000-07:00");
    CHECK_STR(shift(la, "2021-01-31T00:00-08:00", "P1M", 1), "2021-02-28T00:00:00.000-08:00");
    CHECK_STR(shift(la, "2021-01-31T00:00-08:00", "P2M", 1), "2021-03-31T00:00:00.000-07:00");
    CHECK_STR(shift(la, "2021-11-06T01:30-07:00", "P1D", 1), "2021-11-07T01:30:00.000-07:00");
    CHECK_STR(shift(la, "2021-11-07T01:30-07:00", "PT1H", 1), "2021-11-07T01:30:00.000-08:00");
    CHECK_STR(shift(la, "1969-12-31T12:00-08:00", "P1W", 1), "1970-01-07T12:00:00.000-08:00");
    CHECK_STR(shift(la, "2020-02-29T00:00-08:00", "P1Y", 1), "2021-02-28T00:00:00.000-08:00");
    const vrv_tz *lh = zone("Australia/Lord_Howe");
    CHECK_STR(shift(lh, "2021-10-02T00:00+10:30", "P1D", 1), "2021-10-03T00:00:00.000+10:30");
    CHECK_STR(shift(lh, "2021-10-02T02:15+10:30", "P1D", 1), "2021-10-03T02:45:00.000+11:00");
    CHECK_STR(shift(lh, "2021-10-03T00:00+10:30", "P1D", 1), "2021-10-04T00:00:00.000+11:00");
    /* fixed offsets move the calendar fields in wall time */
    const vrv_tz *p5 = zone("+05:00");
    CHECK_STR(shift(p5, "2021-01-30T20:00Z", "P1M", 1), "2021-02-28T01:00:00.000+05:00");
    CHECK_STR(shift(vrv_tz_utc(), "2021-01-30T20:00Z", "P1M", 1), "2021-02-28T20:00:00.000Z");
    vrv_period p = {.days = 1};
    vrv_ms out;
    CHECK_INT(vrv_period_add_tz(&p, INT64_MAX - 10, 1, la, &out), VRV_EINVAL);
    CHECK_INT(vrv_period_add_tz(&p, 0, 1, NULL, &out), 0);
    CHECK_INT(out, 86400000);
}

TEST(tz_names)
{
    const char *utcs[] = {"UTC",  "Z",      "GMT", "UT",        "Etc/UTC", "Etc/GMT",
                          "Zulu", "+00:00", "-00", "UTC+00:00", "GMT0"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(utcs); i++) CHECK(zone(utcs[i]) == vrv_tz_utc());
    CHECK_STR(vrv_tz_id(vrv_tz_utc()), "UTC");
    CHECK(vrv_tz_is_utc(vrv_tz_utc()));
    CHECK_STR(vrv_tz_id(zone("+05:30")), "+05:30");
    CHECK(zone("+0530") == zone("+05:30"));
    CHECK(zone("UTC+05:30") == zone("+05:30"));
    CHECK(zone("+5:30") == zone("+05:30"));
    CHECK_STR(vrv_tz_id(zone("-08")), "-08:00");
    CHECK_STR(vrv_tz_id(zone("GMT-8")), "-08:00");
    CHECK_STR(vrv_tz_id(zone("UT-0800")), "-08:00");
    CHECK_STR(vrv_tz_id(zone("+05:30:15")), "+05:30:15");
    CHECK_STR(vrv_tz_id(zone("+23:59:59.999")), "+23:59:59.999");
    int32_t off = 0;
    CHECK(vrv_tz_is_fixed(zone("-08:00"), &off));
    CHECK_INT(off, -28800000);
    CHECK(vrv_tz_fixed(-28800000) == zone("-08:00"));
    CHECK(vrv_tz_fixed(0) == vrv_tz_utc());
    /* links resolve to their zone, and share its object */
    CHECK_STR(vrv_tz_id(zone("US/Pacific")), "America/Los_Angeles");
    CHECK(zone("US/Pacific") == zone("America/Los_Angeles"));
    CHECK_STR(vrv_tz_id(zone("Asia/Calcutta")), "Asia/Kolkata");
    CHECK(zone("Asia/Kolkata") == zone("Asia/Kolkata"));
    /* zones without transitions are fixed */
    CHECK(vrv_tz_is_fixed(zone("Etc/GMT+5"), &off));
    CHECK_INT(off, -18000000);

    const vrv_tz *tz = NULL;
    vrv_error err;
    CHECK_INT(vrv_tz_get("Mars/Olympus_Mons", 17, &tz, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "unknown time zone \"Mars/Olympus_Mons\"");
    CHECK_INT(vrv_tz_get("america/los_angeles", 19, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("../../etc/passwd", 16, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("/etc/passwd", 11, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("posix/UTC", 9, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("", 0, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("zone.tab", 8, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("tzdata.zi", 9, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("iso3166.tab", 11, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("America", 7, &tz, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_tz_get("leapseconds", 11, &tz, &err), VRV_ECORRUPT);
    CHECK(strstr(err.msg, "time zone \"leapseconds\": corrupt tz file") != NULL);
    CHECK_INT(vrv_tz_get("+24:00", 6, &tz, &err), VRV_EINVAL);
    CHECK_STR(err.msg,
              "invalid time zone offset \"+24:00\": expected +hh, +hh:mm or +hhmm below 24 hours");
    CHECK_INT(vrv_tz_get("+05:3", 5, &tz, &err), VRV_EINVAL);
    CHECK_INT(vrv_tz_get("+05:30x", 7, &tz, &err), VRV_EINVAL);
    CHECK_INT(vrv_tz_get("+0530:00", 8, &tz, &err), VRV_EINVAL);
    CHECK_INT(vrv_tz_get("+", 1, &tz, &err), VRV_EINVAL);
}

/* Every zone of the system database against glibc's localtime_r, which reads
 * the same files with an independent implementation. */
static int zones_checked, zone_mismatches;

static void check_against_libc(const char *name)
{
    const vrv_tz *tz = NULL;
    vrv_error err;
    if (vrv_tz_get(name, strlen(name), &tz, &err)) {
        /* tables and lists that sit beside the zones */
        if (err.code == VRV_ECORRUPT && strstr(err.msg, "not a TZif")) return;
        if (err.code == VRV_ENOTFOUND && strchr(name, '.')) return;
        vrv_test_fail(__FILE__, __LINE__, "zone %s: %s", name, err.msg);
        return;
    }
    setenv("TZ", name, 1);
    tzset();
    zones_checked++;
    int bad = 0;
    /* 1850..2150 every ~47 days, and both sides of the next transition */
    for (vrv_ms t = -3786825600000LL; t < 5680281600000LL && bad < 3;
         t += 47 * 86400000LL + 3599000) {
        vrv_ms probes[3] = {t, vrv_tz_next_transition(tz, t), vrv_tz_next_transition(tz, t) - 1};
        for (int i = 0; i < 3; i++) {
            time_t s = (time_t)vrv_time_floor_div(probes[i], 1000);
            struct tm tm;
            localtime_r(&s, &tm);
            int32_t mine = vrv_tz_offset(tz, s * 1000LL);
            if (mine != tm.tm_gmtoff * 1000) {
                if (bad++ == 0)
                    vrv_test_fail(__FILE__, __LINE__, "%s at %lld s: offset %d ms, libc %ld s",
                                  name, (long long)s, mine, tm.tm_gmtoff);
                zone_mismatches++;
            }
        }
    }
}

static void walk(const char *root, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        if (!*rel && (!strcmp(e->d_name, "posix") || !strcmp(e->d_name, "right") ||
                      !strcmp(e->d_name, "localtime") || !strcmp(e->d_name, "posixrules") ||
                      !strcmp(e->d_name, "Factory")))
            continue;
        char full[1024];
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            walk(root, sub);
        else
            check_against_libc(sub);
    }
    closedir(d);
}

TEST(tz_all_zones_match_libc)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    walk("/usr/share/zoneinfo", "");
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    CHECK(zones_checked > 300);
    CHECK_INT(zone_mismatches, 0);
}

static void *lookup_many(void *arg)
{
    const char **names = arg;
    for (int r = 0; r < 50; r++)
        for (int i = 0; names[i]; i++) {
            const vrv_tz *tz;
            if (vrv_tz_get(names[i], strlen(names[i]), &tz, NULL) != 0) return (void *)1;
            if (vrv_tz_offset(tz, 1615716000000LL) == 12345) return (void *)1;
        }
    return NULL;
}

TEST(tz_cache_threads)
{
    static const char *names[] = {"Europe/Paris", "Asia/Tokyo", "America/New_York",
                                  "Africa/Cairo", "+03:00",     "Pacific/Chatham",
                                  "US/Eastern",   NULL};
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, lookup_many, names);
    for (int i = 0; i < 4; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        CHECK(rv == NULL);
    }
    CHECK(zone("US/Eastern") == zone("America/New_York"));
}
