/*
 * test_time.c — calendar arithmetic, ISO-8601 instants, periods and
 * intervals. Expected millis were computed independently (Python's datetime
 * and 400-year-cycle arithmetic for years outside 1..9999).
 */
#include <stdlib.h>

#include "base/time.h"
#include "test.h"

static vrv_ms parse_ok(const char *s, unsigned flags)
{
    vrv_ms t = 0x5a5a;
    vrv_error err;
    vrv_error_clear(&err);
    int rc = vrv_time_parse(s, strlen(s), flags, &t, &err);
    if (rc) vrv_test_fail(__FILE__, __LINE__, "parse \"%s\": %s", s, err.msg);
    return t;
}

static const char *fmt(vrv_ms t)
{
    static char buf[4][VRV_TIME_STR_MAX];
    static int k;
    char *b = buf[k++ & 3];
    vrv_time_format(t, b);
    return b;
}

/* Parses s expecting failure; returns the error message. */
static const char *parse_err(const char *s, unsigned flags)
{
    static vrv_error err;
    vrv_error_clear(&err);
    vrv_ms t;
    int rc = vrv_time_parse(s, strlen(s), flags, &t, &err);
    if (rc != VRV_EINVAL) vrv_test_fail(__FILE__, __LINE__, "\"%s\" parsed, expected an error", s);
    return err.msg;
}

TEST(calendar_days)
{
    CHECK_INT(vrv_time_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(vrv_time_days_from_civil(1969, 12, 31), -1);
    CHECK_INT(vrv_time_days_from_civil(2000, 3, 1), 11017);
    int64_t y;
    int m, d;
    for (int64_t z = -800000; z < 800000; z += 7) {
        vrv_time_civil_from_days(z, &y, &m, &d);
        if (vrv_time_days_from_civil(y, m, d) != z) {
            CHECK_INT(vrv_time_days_from_civil(y, m, d), z);
            break;
        }
    }
    vrv_time_civil_from_days(-719528, &y, &m, &d); /* 0000-01-01 */
    CHECK_INT(y, 0);
    CHECK_INT(m, 1);
    CHECK_INT(d, 1);
    CHECK_INT(vrv_time_month_days(2000, 2), 29);
    CHECK_INT(vrv_time_month_days(1900, 2), 28);
    CHECK_INT(vrv_time_month_days(2024, 2), 29);
    CHECK_INT(vrv_time_month_days(2023, 4), 30);
    CHECK_INT(vrv_time_dow(0), 4); /* Thursday */
    CHECK_INT(vrv_time_dow(-1), 3);
    CHECK_INT(vrv_time_dow(vrv_time_days_from_civil(2021, 3, 1)), 1);
}

TEST(calendar_iso_weeks)
{
    int64_t wy;
    int w;
    vrv_time_iso_week(vrv_time_days_from_civil(2021, 3, 4), &wy, &w);
    CHECK_INT(wy, 2021);
    CHECK_INT(w, 9);
    vrv_time_iso_week(vrv_time_days_from_civil(2021, 1, 3), &wy, &w);
    CHECK_INT(wy, 2020);
    CHECK_INT(w, 53);
    vrv_time_iso_week(vrv_time_days_from_civil(2020, 12, 31), &wy, &w);
    CHECK_INT(wy, 2020);
    CHECK_INT(w, 53);
    vrv_time_iso_week(vrv_time_days_from_civil(2024, 12, 30), &wy, &w);
    CHECK_INT(wy, 2025);
    CHECK_INT(w, 1);
    CHECK_INT(vrv_time_weeks_in_year(2020), 53);
    CHECK_INT(vrv_time_weeks_in_year(2021), 52);
    CHECK_INT(vrv_time_weeks_in_year(2026), 53);
}

TEST(instant_full_forms)
{
    CHECK_INT(parse_ok("2021-03-04T01:02:03.456Z", 0), 1614819723456LL);
    CHECK_INT(parse_ok("2026-11-28T04:33:07.123Z", 0), 1795840387123LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03.456", 0), 1614819723456LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03+05:30", 0), 1614799923000LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03+0530", 0), 1614799923000LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03-08:00", 0), 1614848523000LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03-0800", 0), 1614848523000LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03-08", 0), 1614848523000LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03.456z", 0), 1614819723456LL);
    CHECK_INT(parse_ok("2021-03-04t01:02:03.456Z", 0), 1614819723456LL);
    CHECK_INT(parse_ok("1969-12-31T23:59:59.999Z", 0), -1);
    CHECK_INT(parse_ok("1970-01-01T00:00:00.000Z", 0), 0);
    CHECK_INT(parse_ok("9999-12-31T23:59:59.999Z", 0), 253402300799999LL);
    CHECK_INT(parse_ok("0001-01-01T00:00:00Z", 0), -62135596800000LL);
    CHECK_INT(parse_ok("1600-02-29T12:00Z", 0), -11670955200000LL);
    /* offsets with seconds and millis, as Joda reads them */
    CHECK_INT(parse_ok("1970-01-01T00:00:00-07:52:58", 0), 28378000);
    CHECK_INT(parse_ok("1970-01-01T00:00:00+00:00:00.5", 0), -500);
    CHECK_INT(parse_ok("1970-01-01T00:00:00+000000123", 0), -123);
}

TEST(instant_partial_forms)
{
    CHECK_INT(parse_ok("2021-03-04", 0), 1614816000000LL);
    CHECK_INT(parse_ok("2021-03-04T01", 0), 1614819600000LL);
    CHECK_INT(parse_ok("2021-03-04T01:00", 0), 1614819600000LL);
    CHECK_INT(parse_ok("2021-03-04T", 0), 1614816000000LL);
    CHECK_INT(parse_ok("2021-03-04TZ", 0), 1614816000000LL);
    CHECK_INT(parse_ok("2021-03-04T+01:00", 0), 1614812400000LL);
    CHECK_INT(parse_ok("2021-03", 0), parse_ok("2021-03-01", 0));
    CHECK_INT(parse_ok("2021", 0), parse_ok("2021-01-01", 0));
    CHECK_INT(parse_ok("2021-3-4", 0), 1614816000000LL);
    CHECK_INT(parse_ok("2021-03-04T1:2:3", 0), 1614819723000LL);
    /* ordinal and week dates */
    CHECK_INT(parse_ok("2021-063", 0), 1614816000000LL);
    CHECK_INT(parse_ok("2021-W09-4", 0), 1614816000000LL);
    CHECK_INT(parse_ok("2021-W09", 0), parse_ok("2021-03-01", 0));
    CHECK_INT(parse_ok("2021-w09-4T01", 0), 1614819600000LL);
    CHECK_INT(parse_ok("2020-W53-7", 0), parse_ok("2021-01-03", 0));
    /* fractions of hours, minutes, seconds; comma as decimal mark; >3 digits truncate */
    CHECK_INT(parse_ok("2021-03-04T01.5", 0), 1614819600000LL + 1800000);
    CHECK_INT(parse_ok("2021-03-04T01:02.5", 0), 1614819600000LL + 120000 + 30000);
    CHECK_INT(parse_ok("2021-03-04T01:02:03,4567Z", 0), 1614819723456LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03.1", 0), 1614819723100LL);
    CHECK_INT(parse_ok("2021-03-04T01:02:03.123456789", 0), 1614819723123LL);
    /* time only: the epoch day */
    CHECK_INT(parse_ok("T10:30", 0), 37800000);
    CHECK_INT(parse_ok("T10:30-01:00", 0), 41400000);
    /* an all-digit string is a year, as in Joda */
    CHECK_INT(parse_ok("20210304", 0), parse_ok("20210304-01-01", 0));
}

TEST(instant_space_separator)
{
    CHECK_INT(parse_ok("2021-03-04 01:02:03", VRV_TIME_PARSE_SPACE), 1614819723000LL);
    CHECK_INT(parse_ok("2021-03-04 01:02:03.456Z", VRV_TIME_PARSE_SPACE), 1614819723456LL);
    CHECK_INT(parse_ok("2021-03-04 01:02:03-0800", VRV_TIME_PARSE_SPACE), 1614848523000LL);
    CHECK(strstr(parse_err("2021-03-04 01:02:03", 0), "malformed at \" 01:02:03\"") != NULL);
}

TEST(instant_extreme_years)
{
    CHECK_INT(parse_ok("-146136543-09-08T08:23:32.096Z", 0), VRV_TIME_MIN);
    CHECK_INT(parse_ok("146140482-04-24T15:36:27.903Z", 0), VRV_TIME_MAX);
    CHECK_INT(VRV_TIME_MIN, -4611686018427387904LL);
    CHECK_INT(VRV_TIME_MAX, 4611686018427387903LL);
    CHECK_STR(fmt(VRV_TIME_MIN), "-146136543-09-08T08:23:32.096Z");
    CHECK_STR(fmt(VRV_TIME_MAX), "146140482-04-24T15:36:27.903Z");
    CHECK_STR(fmt(INT64_MIN), "-292275055-05-16T16:47:04.192Z");
    CHECK_STR(fmt(INT64_MAX), "292278994-08-17T07:12:55.807Z");
    CHECK_INT(parse_ok("-292275055-05-16T16:47:04.192Z", 0), INT64_MIN);
    CHECK_INT(parse_ok("292278994-08-17T07:12:55.807Z", 0), INT64_MAX);
    CHECK_INT(parse_ok("+2021-03-04", 0), 1614816000000LL);
    CHECK_INT(parse_ok("10000-01-01", 0), 253402300800000LL);
    CHECK_INT(parse_ok("0000-01-01", 0), -62167219200000LL);
    CHECK_INT(parse_ok("-0001-12-31", 0), -62167305600000LL);
    CHECK_INT(parse_ok("-5-03-01", 0), -62319888000000LL);
    CHECK_STR(fmt(-62167219200000LL), "0000-01-01T00:00:00.000Z");
    CHECK_STR(fmt(-62167305600000LL), "-0001-12-31T00:00:00.000Z");
    CHECK_STR(fmt(-62319888000000LL), "-0005-03-01T00:00:00.000Z");
    CHECK_STR(fmt(253402300800000LL), "10000-01-01T00:00:00.000Z");
    CHECK(strstr(parse_err("292278994-08-17T07:12:55.808Z", 0), "representable") != NULL);
    CHECK(strstr(parse_err("999999999-01-01", 0), "representable") != NULL);
    CHECK(strstr(parse_err("-999999999-01-01", 0), "representable") != NULL);
}

TEST(instant_format)
{
    CHECK_STR(fmt(0), "1970-01-01T00:00:00.000Z");
    CHECK_STR(fmt(1614819723456LL), "2021-03-04T01:02:03.456Z");
    CHECK_STR(fmt(-1), "1969-12-31T23:59:59.999Z");
    CHECK_STR(fmt(-86400000LL * 365), "1969-01-01T00:00:00.000Z");
    char b[VRV_TIME_STR_MAX];
    CHECK_INT(vrv_time_format_offset(1614816000000LL + 8 * 3600000, -8 * 3600000, b), 29);
    CHECK_STR(b, "2021-03-04T00:00:00.000-08:00");
    vrv_time_format_offset(1614816000000LL, 19800000, b);
    CHECK_STR(b, "2021-03-04T05:30:00.000+05:30");
    vrv_time_format_offset(0, 0, b);
    CHECK_STR(b, "1970-01-01T00:00:00.000Z");
    vrv_time_format_offset(0, -28378000, b);
    CHECK_STR(b, "1969-12-31T16:07:02.000-07:52:58");
    vrv_time_format_offset(0, 1234, b);
    CHECK_STR(b, "1970-01-01T00:00:01.234+00:00:01.234");
    vrv_time_format_offset_only(37800000, b);
    CHECK_STR(b, "+10:30");
    vrv_buf buf = VRV_BUF_INIT;
    vrv_buf_puts(&buf, "t=");
    vrv_time_append(&buf, 1614819723456LL);
    CHECK_STR(buf.data, "t=2021-03-04T01:02:03.456Z");
    CHECK_INT(buf.len, 26);
    vrv_buf_free(&buf);
    /* round trip across a wide range, before and after 1970 */
    for (vrv_ms t = -70000000000000LL; t < 70000000000000LL; t += 123456789013LL) {
        vrv_ms back;
        vrv_time_format(t, b);
        if (vrv_time_parse(b, strlen(b), 0, &back, NULL) || back != t) {
            CHECK_INT(back, t);
            break;
        }
    }
}

TEST(instant_errors)
{
    CHECK_STR(parse_err("", 0), "invalid ISO-8601 time \"\": empty");
    CHECK_STR(parse_err("2021-13-01", 0),
              "invalid ISO-8601 time \"2021-13-01\": value 13 for monthOfYear must be in the "
              "range [1,12]");
    CHECK_STR(parse_err("2021-02-29", 0),
              "invalid ISO-8601 time \"2021-02-29\": value 29 for dayOfMonth must be in the "
              "range [1,28]");
    CHECK_STR(parse_err("2021-03-04T24:00", 0),
              "invalid ISO-8601 time \"2021-03-04T24:00\": value 24 for hourOfDay must be in the "
              "range [0,23]");
    CHECK_STR(parse_err("2021-03-04T10:60", 0),
              "invalid ISO-8601 time \"2021-03-04T10:60\": value 60 for minuteOfHour must be in "
              "the range [0,59]");
    CHECK_STR(parse_err("2021-03-04T10:00:61", 0),
              "invalid ISO-8601 time \"2021-03-04T10:00:61\": value 61 for secondOfMinute must "
              "be in the range [0,59]");
    CHECK_STR(parse_err("2021-03-04x", 0),
              "invalid ISO-8601 time \"2021-03-04x\": malformed at \"x\" (position 10)");
    CHECK_STR(parse_err("2021-03-", 0),
              "invalid ISO-8601 time \"2021-03-\": malformed at \"-\" (position 7)");
    CHECK_STR(parse_err("-", 0), "invalid ISO-8601 time \"-\": ends too early");
    CHECK_STR(parse_err("abc", 0),
              "invalid ISO-8601 time \"abc\": malformed at \"abc\" (position 0)");
    CHECK_STR(parse_err("2021-W53", 0),
              "invalid ISO-8601 time \"2021-W53\": value 53 for weekOfWeekyear must be in the "
              "range [1,52]");
    CHECK_STR(parse_err("2021-366", 0),
              "invalid ISO-8601 time \"2021-366\": value 366 for dayOfYear must be in the range "
              "[1,365]");
    CHECK(strstr(parse_err("2021-03-04T10:00+24:00", 0), "malformed at \"+24:00\"") != NULL);
    CHECK(strstr(parse_err("2021-03-04T10:00+05:3", 0), "malformed at \"+05:3\"") != NULL);
    CHECK(strstr(parse_err("2021-03-04Z", 0), "malformed at \"Z\"") != NULL);
    CHECK(strstr(parse_err("2021-03-04T10:00:00.", 0), "malformed at \".\"") != NULL);
    CHECK(strstr(parse_err("T", 0), "ends too early") != NULL);
    CHECK(strstr(parse_err("2021-03-04T01:02:03.4567890123Z", 0), "malformed at \"3Z\"") != NULL);
    /* the fast path hands invalid fields to the general parser for the message */
    CHECK(strstr(parse_err("2021-02-30T00:00:00.000Z", 0), "dayOfMonth") != NULL);
    CHECK(strstr(parse_err("2021-02-28T00:00:0a.000Z", 0), "malformed at \"a.000Z\"") != NULL);
    /* control bytes and quotes are not copied into the message */
    CHECK_STR(parse_err("2021\x01\"", 0),
              "invalid ISO-8601 time \"2021??\": malformed at \"??\" (position 4)");
}

TEST(instant_parse_local)
{
    vrv_time_parsed p;
    CHECK_INT(vrv_time_parse_local("2021-03-04T01:02", 16, 0, &p, NULL), 0);
    CHECK(!p.has_offset);
    CHECK_INT(p.local, 1614819720000LL);
    CHECK_INT(vrv_time_parse_local("2021-03-04T01:02-08:00", 22, 0, &p, NULL), 0);
    CHECK(p.has_offset);
    CHECK_INT(p.offset_ms, -28800000);
    CHECK_INT(p.local, 1614819720000LL);
    CHECK_INT(vrv_time_parse_local("2026-11-28T04:33:07.123Z", 24, 0, &p, NULL), 0);
    CHECK(p.has_offset);
    CHECK_INT(p.offset_ms, 0);
    CHECK_INT(p.local, 1795840387123LL);
    /* not NUL-terminated input: only n bytes are read */
    CHECK_INT(vrv_time_parse_local("2021-03-04T01:02:03.456Zjunk", 24, 0, &p, NULL), 0);
    CHECK_INT(p.local, 1614819723456LL);
}

static vrv_period per(const char *s)
{
    vrv_period p;
    memset(&p, 0x7f, sizeof p);
    vrv_error err;
    vrv_error_clear(&err);
    if (vrv_period_parse(s, strlen(s), &p, &err))
        vrv_test_fail(__FILE__, __LINE__, "period \"%s\": %s", s, err.msg);
    return p;
}

static const char *per_str(const char *s)
{
    static char b[4][VRV_PERIOD_STR_MAX];
    static int k;
    vrv_period p = per(s);
    char *o = b[k++ & 3];
    vrv_period_format(&p, o);
    return o;
}

static const char *per_err(const char *s)
{
    static vrv_error err;
    vrv_period p;
    vrv_error_clear(&err);
    if (vrv_period_parse(s, strlen(s), &p, &err) != VRV_EINVAL)
        vrv_test_fail(__FILE__, __LINE__, "period \"%s\" parsed, expected an error", s);
    return err.msg;
}

TEST(period_parse_format)
{
    vrv_period p = per("P1Y2M3DT4H5M6.789S");
    CHECK_INT(p.years, 1);
    CHECK_INT(p.months, 2);
    CHECK_INT(p.weeks, 0);
    CHECK_INT(p.days, 3);
    CHECK_INT(p.hours, 4);
    CHECK_INT(p.minutes, 5);
    CHECK_INT(p.seconds, 6);
    CHECK_INT(p.millis, 789);
    CHECK_STR(per_str("P1Y2M3DT4H5M6.789S"), "P1Y2M3DT4H5M6.789S");
    CHECK_STR(per_str("P1D"), "P1D");
    CHECK_STR(per_str("PT1H"), "PT1H");
    CHECK_STR(per_str("P1W"), "P1W");
    CHECK_STR(per_str("P7D"), "P7D");
    CHECK_STR(per_str("P3M"), "P3M");
    CHECK_STR(per_str("PT1M"), "PT1M");
    CHECK_STR(per_str("PT90M"), "PT90M");
    CHECK_STR(per_str("PT0.750S"), "PT0.750S");
    CHECK_STR(per_str("PT0.75S"), "PT0.750S");
    CHECK_STR(per_str("PT1,5S"), "PT1.500S");
    CHECK_STR(per_str("PT1.23456S"), "PT1.234S");
    CHECK_STR(per_str("PT-0.5S"), "PT-0.500S");
    CHECK_STR(per_str("PT-1.5S"), "PT-1.500S");
    CHECK_STR(per_str("P-1D"), "P-1D");
    CHECK_STR(per_str("P1Y-2M"), "P1Y-2M");
    CHECK_STR(per_str("P+3D"), "P3D");
    CHECK_STR(per_str("p1dt2h"), "P1DT2H");
    CHECK_STR(per_str("P0D"), "PT0S");
    CHECK_STR(per_str("PT0S"), "PT0S");
    CHECK_STR(per_str("P"), "PT0S");
    CHECK_STR(per_str("P1Y2W"), "P1Y2W");
    CHECK_STR(per_str("PT2147483647S"), "PT2147483647S");
    CHECK_STR(per_str("P-2147483648D"), "P-2147483648D");
    vrv_period q = per("PT0.750S");
    CHECK_INT(q.seconds, 0);
    CHECK_INT(q.millis, 750);
    q = per("PT-1.5S");
    CHECK_INT(q.seconds, -1);
    CHECK_INT(q.millis, -500);
}

TEST(period_errors)
{
    CHECK_STR(per_err(""), "invalid ISO-8601 period \"\": empty");
    CHECK_STR(per_err("1D"), "invalid ISO-8601 period \"1D\": malformed at \"1D\" (position 0)");
    CHECK_STR(per_err("P1"), "invalid ISO-8601 period \"P1\": ends too early");
    CHECK_STR(per_err("PT"), "invalid ISO-8601 period \"PT\": malformed at \"T\" (position 1)");
    CHECK_STR(per_err("P1DT"), "invalid ISO-8601 period \"P1DT\": malformed at \"T\" (position 3)");
    CHECK_STR(per_err("P1D1Y"),
              "invalid ISO-8601 period \"P1D1Y\": malformed at \"Y\" (position 4)");
    CHECK_STR(per_err("P1H"), "invalid ISO-8601 period \"P1H\": malformed at \"H\" (position 2)");
    CHECK_STR(per_err("PT1D"), "invalid ISO-8601 period \"PT1D\": malformed at \"D\" (position 3)");
    CHECK_STR(per_err("P1.5D"),
              "invalid ISO-8601 period \"P1.5D\": malformed at \".5D\" (position 2)");
    CHECK_STR(per_err("PT1.5M"),
              "invalid ISO-8601 period \"PT1.5M\": malformed at \"M\" (position 5)");
    CHECK_STR(per_err("P1DD"), "invalid ISO-8601 period \"P1DD\": malformed at \"D\" (position 3)");
    CHECK_STR(per_err("P-D"), "invalid ISO-8601 period \"P-D\": malformed at \"-D\" (position 1)");
    CHECK_STR(per_err("PT2147483648S"),
              "invalid ISO-8601 period \"PT2147483648S\": number too large");
    CHECK_STR(per_err("P99999999999999999999D"),
              "invalid ISO-8601 period \"P99999999999999999999D\": number too large");
}

TEST(period_duration)
{
    int64_t ms;
    CHECK_INT(vrv_period_parse_ms("PT10M", 5, &ms, NULL), 0);
    CHECK_INT(ms, 600000);
    CHECK_INT(vrv_period_parse_ms("PT1H", 4, &ms, NULL), 0);
    CHECK_INT(ms, 3600000);
    CHECK_INT(vrv_period_parse_ms("P1W", 3, &ms, NULL), 0);
    CHECK_INT(ms, 604800000);
    CHECK_INT(vrv_period_parse_ms("P1DT-1H0.5S", 11, &ms, NULL), 0);
    CHECK_INT(ms, 82800500);
    CHECK_INT(vrv_period_parse_ms("PT0.750S", 8, &ms, NULL), 0);
    CHECK_INT(ms, 750);
    vrv_error err;
    CHECK_INT(vrv_period_parse_ms("P1M", 3, &ms, &err), VRV_EINVAL);
    CHECK_STR(err.msg,
              "period P1M has months, whose length varies; it cannot be used as a fixed duration");
    CHECK_INT(vrv_period_parse_ms("P2Y", 3, &ms, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "has years") != NULL);
    CHECK_INT(vrv_period_parse_ms("PT1X", 4, &ms, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "malformed at \"X\"") != NULL);
}

static const char *add(const char *t, const char *p, int64_t n)
{
    vrv_ms out = 0;
    vrv_period pd = per(p);
    if (vrv_period_add(&pd, parse_ok(t, 0), n, &out))
        vrv_test_fail(__FILE__, __LINE__, "%s + %lld * %s overflowed", t, (long long)n, p);
    return fmt(out);
}

TEST(period_add_utc)
{
    CHECK_STR(add("2021-03-04T05:06:07.008Z", "P1D", 1), "2021-03-05T05:06:07.008Z");
    CHECK_STR(add("2021-03-04T05:06:07.008Z", "P1D", -10), "2021-02-22T05:06:07.008Z");
    CHECK_STR(add("2021-01-31", "P1M", 1), "2021-02-28T00:00:00.000Z");
    CHECK_STR(add("2020-01-31", "P1M", 1), "2020-02-29T00:00:00.000Z");
    CHECK_STR(add("2021-01-31", "P1M", 3), "2021-04-30T00:00:00.000Z");
    CHECK_STR(add("2021-03-31", "P1M", -1), "2021-02-28T00:00:00.000Z");
    CHECK_STR(add("2020-02-29", "P1Y", 1), "2021-02-28T00:00:00.000Z");
    CHECK_STR(add("2020-02-29", "P1Y", 4), "2024-02-29T00:00:00.000Z");
    /* years then months, each clamped: not the same as adding 13 months */
    CHECK_STR(add("2020-02-29", "P1Y1M", 1), "2021-03-28T00:00:00.000Z");
    CHECK_STR(add("2020-02-29", "P13M", 1), "2021-03-29T00:00:00.000Z");
    CHECK_STR(add("2021-03-04", "P3M", 4), "2022-03-04T00:00:00.000Z");
    CHECK_STR(add("2021-03-04", "P1W", 2), "2021-03-18T00:00:00.000Z");
    CHECK_STR(add("2021-03-04", "PT0.750S", 3), "2021-03-04T00:00:02.250Z");
    CHECK_STR(add("2021-03-04", "P1Y2M3DT4H5M6.789S", 1), "2022-05-07T04:05:06.789Z");
    CHECK_STR(add("2021-03-04", "P1Y2M3DT4H5M6.789S", -1), "2019-12-31T19:54:53.211Z");
    CHECK_STR(add("1969-12-31T23:00Z", "PT1H", 2), "1970-01-01T01:00:00.000Z");
    CHECK_STR(add("1900-03-31", "P1M", -1), "1900-02-28T00:00:00.000Z");
    CHECK_STR(add("0000-03-01", "P1D", -1), "0000-02-29T00:00:00.000Z");
    CHECK_STR(add("2021-03-04", "P1D", 0), "2021-03-04T00:00:00.000Z");
    vrv_period pd = per("P1D");
    vrv_ms out;
    CHECK_INT(vrv_period_add(&pd, INT64_MAX - 1000, 1, &out), VRV_EINVAL);
    CHECK_INT(vrv_period_add(&pd, 0, INT64_MAX / 2, &out), VRV_EINVAL);
    pd = per("P1000000000Y");
    CHECK_INT(vrv_period_add(&pd, 0, 1, &out), VRV_EINVAL);
}

static vrv_interval iv(const char *s)
{
    vrv_interval v = {0, 0};
    vrv_error err;
    vrv_error_clear(&err);
    if (vrv_interval_parse(s, strlen(s), &v, &err))
        vrv_test_fail(__FILE__, __LINE__, "interval \"%s\": %s", s, err.msg);
    return v;
}

static const char *iv_str(vrv_interval v)
{
    static char b[4][VRV_INTERVAL_STR_MAX];
    static int k;
    char *o = b[k++ & 3];
    vrv_interval_format(v, o);
    return o;
}

static const char *iv_err(const char *s)
{
    static vrv_error err;
    vrv_interval v;
    vrv_error_clear(&err);
    if (vrv_interval_parse(s, strlen(s), &v, &err) != VRV_EINVAL)
        vrv_test_fail(__FILE__, __LINE__, "interval \"%s\" parsed, expected an error", s);
    return err.msg;
}

TEST(interval_parse_format)
{
    CHECK_STR(iv_str(iv("2021-03-04/2021-03-05")),
              "2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z");
    CHECK_STR(iv_str(iv("2021-03-04/P1D")), "2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z");
    CHECK_STR(iv_str(iv("P1D/2021-03-05")), "2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z");
    CHECK_STR(iv_str(iv("p1m/2021-03-31")), "2021-02-28T00:00:00.000Z/2021-03-31T00:00:00.000Z");
    CHECK_STR(iv_str(iv("2021-03-04T01/PT1H")),
              "2021-03-04T01:00:00.000Z/2021-03-04T02:00:00.000Z");
    CHECK_STR(iv_str(iv("2021-03-04T00:00:00-08:00/2021-03-05T00:00:00-08:00")),
              "2021-03-04T08:00:00.000Z/2021-03-05T08:00:00.000Z");
    CHECK_STR(iv_str(iv("2021-03-04/2021-03-04")),
              "2021-03-04T00:00:00.000Z/2021-03-04T00:00:00.000Z");
    vrv_interval e = iv("-146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z");
    CHECK_INT(e.start, vrv_interval_eternity().start);
    CHECK_INT(e.end, vrv_interval_eternity().end);
    CHECK_STR(iv_str(e), "-146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z");
    CHECK(vrv_interval_contains(e, 0));
    CHECK(vrv_interval_contains(e, VRV_TIME_MIN));
    CHECK(!vrv_interval_contains(e, VRV_TIME_MAX));
    vrv_buf b = VRV_BUF_INIT;
    vrv_interval_append(&b, iv("1969-12-31/1970-01-01"));
    CHECK_STR(b.data, "1969-12-31T00:00:00.000Z/1970-01-01T00:00:00.000Z");
    vrv_buf_free(&b);
}

TEST(interval_errors)
{
    CHECK_STR(iv_err("2021-03-04"),
              "invalid ISO-8601 interval \"2021-03-04\": requires a '/' separator");
    CHECK_STR(iv_err("/2021-03-04"),
              "invalid ISO-8601 interval \"/2021-03-04\": the start is empty");
    CHECK_STR(iv_err("2021-03-04/"), "invalid ISO-8601 interval \"2021-03-04/\": the end is empty");
    CHECK_STR(iv_err("P1D/P2D"), "invalid ISO-8601 interval \"P1D/P2D\": composed of two periods");
    CHECK_STR(iv_err("2021-03-05/2021-03-04"),
              "invalid ISO-8601 interval \"2021-03-05/2021-03-04\": the end must not be before "
              "the start");
    CHECK_STR(iv_err("2021-03-04/2021-13-01"),
              "interval \"2021-03-04/2021-13-01\": invalid ISO-8601 time \"2021-13-01\": value 13 "
              "for monthOfYear must be in the range [1,12]");
    CHECK_STR(iv_err("2021-03-04/P1X"),
              "interval \"2021-03-04/P1X\": invalid ISO-8601 period \"P1X\": malformed at \"X\" "
              "(position 2)");
    CHECK_STR(iv_err("2021-03-04/2021-03-05/2021-03-06"),
              "interval \"2021-03-04/2021-03-05/2021-03-06\": invalid ISO-8601 time "
              "\"2021-03-05/2021-03-06\": malformed at \"/2021-03-06\" (position 10)");
    CHECK(strstr(iv_err("146140482-04-24/P1000000000Y"), "representable") != NULL);
}

TEST(interval_condense)
{
    vrv_interval v[] = {
        iv("2021-03-05/2021-03-06"), iv("2021-03-01/2021-03-02"),    iv("2021-03-02/2021-03-03"),
        iv("2021-03-10/2021-03-12"), iv("2021-03-11/2021-03-11T12"), iv("2021-03-05/2021-03-07"),
        iv("2021-03-08/2021-03-08"),
    };
    size_t n = vrv_interval_condense(v, VRV_ARRAY_LEN(v));
    CHECK_INT(n, 4);
    CHECK_STR(iv_str(v[0]), "2021-03-01T00:00:00.000Z/2021-03-03T00:00:00.000Z");
    CHECK_STR(iv_str(v[1]), "2021-03-05T00:00:00.000Z/2021-03-07T00:00:00.000Z");
    CHECK_STR(iv_str(v[2]), "2021-03-08T00:00:00.000Z/2021-03-08T00:00:00.000Z");
    CHECK_STR(iv_str(v[3]), "2021-03-10T00:00:00.000Z/2021-03-12T00:00:00.000Z");
    CHECK_INT(vrv_interval_condense(v, 0), 0);
    CHECK_INT(vrv_interval_condense(v, 1), 1);
    CHECK(vrv_interval_overlaps(iv("2021/2022"), iv("2021-06/2023")));
    CHECK(!vrv_interval_overlaps(iv("2021/2022"), iv("2022/2023")));
    CHECK(vrv_interval_encloses(iv("2021/2022"), iv("2021-06/2021-07")));
    CHECK(!vrv_interval_encloses(iv("2021/2022"), iv("2021-06/2022-07")));
}
