/*
 * test_joda.c — Joda patterns (printing, parsing, errors), the timestampSpec
 * parser for every format and value type, and timestamp_extract's units.
 */
#include <stdlib.h>

#include "base/joda.h"
#include "test.h"

static const vrv_tz *zone(const char *name)
{
    const vrv_tz *tz = vrv_tz_utc();
    if (vrv_tz_get(name, strlen(name), &tz, NULL)) vrv_test_fail(__FILE__, __LINE__, "%s", name);
    return tz;
}

static vrv_joda *pat(const char *p)
{
    vrv_joda *j = NULL;
    vrv_error err;
    vrv_error_clear(&err);
    if (vrv_joda_compile(p, strlen(p), &j, &err)) {
        vrv_test_fail(__FILE__, __LINE__, "pattern %s: %s", p, err.msg);
        vrv_joda_compile("", 0, &j, NULL);
    }
    return j;
}

/* Prints t with pattern p in zone z. */
static const char *fmt(const char *p, vrv_ms t, const char *z)
{
    static char out[8][128];
    static int k;
    char *o = out[k++ & 7];
    vrv_joda *j = pat(p);
    vrv_buf b = VRV_BUF_INIT;
    vrv_joda_format(j, t, z ? zone(z) : NULL, &b);
    snprintf(o, 128, "%s", b.data ? b.data : "");
    vrv_buf_free(&b);
    vrv_joda_free(j);
    return o;
}

static vrv_ms parse(const char *p, const char *s, const char *z)
{
    vrv_joda *j = pat(p);
    vrv_ms t = 0x5a5a;
    vrv_error err;
    vrv_error_clear(&err);
    if (vrv_joda_parse(j, s, strlen(s), z ? zone(z) : NULL, &t, &err))
        vrv_test_fail(__FILE__, __LINE__, "parse \"%s\" with %s: %s", s, p, err.msg);
    vrv_joda_free(j);
    return t;
}

static const char *parse_err(const char *p, const char *s, const char *z)
{
    static vrv_error err;
    vrv_joda *j = pat(p);
    vrv_ms t;
    vrv_error_clear(&err);
    if (vrv_joda_parse(j, s, strlen(s), z ? zone(z) : NULL, &t, &err) != VRV_EINVAL)
        vrv_test_fail(__FILE__, __LINE__, "\"%s\" parsed with %s, expected an error", s, p);
    vrv_joda_free(j);
    return err.msg;
}

static const vrv_ms T = 1614834367089LL; /* 2021-03-04T05:06:07.089Z, a Thursday */

TEST(joda_format)
{
    CHECK_STR(fmt("yyyy-MM-dd HH:mm:ss.SSS", T, NULL), "2021-03-04 05:06:07.089");
    CHECK_STR(fmt("yyyy-MM-dd'T'HH:mm:ss.SSSZZ", T, "America/Los_Angeles"),
              "2021-03-03T21:06:07.089-08:00");
    CHECK_STR(fmt("yyyy-MM-dd'T'HH:mm:ss.SSSZZ", T, NULL), "2021-03-04T05:06:07.089+00:00");
    CHECK_STR(fmt("yy/M/d H:m:s", T, NULL), "21/3/4 5:6:7");
    CHECK_STR(fmt("MMM MMMM EEE EEEE", T, NULL), "Mar March Thu Thursday");
    CHECK_STR(fmt("hh:mm a", T, NULL), "05:06 AM");
    CHECK_STR(fmt("h:mm a", T + 12 * 3600000LL, NULL), "5:06 PM");
    CHECK_STR(fmt("h:mm a K k", 1614817800000LL, NULL), "12:30 AM 0 24"); /* 00:30 */
    CHECK_STR(fmt("h:mm a K k", 1614817800000LL + 12 * 3600000LL, NULL), "12:30 PM 0 12");
    CHECK_STR(fmt("Z", T, "America/Los_Angeles"), "-0800");
    CHECK_STR(fmt("Z", T, NULL), "+0000");
    CHECK_STR(fmt("ZZ", T, "Asia/Kolkata"), "+05:30");
    CHECK_STR(fmt("ZZZ", T, "America/Los_Angeles"), "America/Los_Angeles");
    CHECK_STR(fmt("ZZZ", T, NULL), "UTC");
    CHECK_STR(fmt("D DDD e w ww xxxx xx", T, NULL), "63 063 4 9 09 2021 21");
    CHECK_STR(fmt("'quoted ''text''' ''", T, NULL), "quoted 'text' '");
    CHECK_STR(fmt("S|SS|SSS|SSSSSS", T, NULL), "0|08|089|089000");
    CHECK_STR(fmt("d dd ddd", T, NULL), "4 04 004");
    CHECK_STR(fmt("G y yyyy", T, NULL), "AD 2021 2021");
    /* before 1970 and before year 1 */
    CHECK_STR(fmt("yyyy-MM-dd HH:mm:ss.SSS", -1, NULL), "1969-12-31 23:59:59.999");
    CHECK_STR(fmt("G yyyy yy YYYY", -62319888000000LL, NULL), "BC -0005 05 0006");
    /* ISO week year differs from the year around January 1st */
    CHECK_STR(fmt("xxxx-'W'ww-e", 1609632000000LL, NULL), "2020-W53-7"); /* 2021-01-03 */
    CHECK_STR(fmt("", T, NULL), "");
}

TEST(joda_parse)
{
    CHECK_INT(parse("yyyy-MM-dd HH:mm:ss", "2021-03-04 05:06:07", NULL), 1614834367000LL);
    CHECK_INT(parse("yyyyMMdd", "20210304", NULL), 1614816000000LL);
    CHECK_INT(parse("yyyyMMddHHmmss", "20210304050607", NULL), 1614834367000LL);
    CHECK_INT(parse("dd/MMM/yyyy:HH:mm:ss Z", "04/Mar/2021:05:06:07 -0800", NULL), 1614863167000LL);
    CHECK_INT(parse("MM/dd/yyyy hh:mm:ss a", "03/04/2021 05:06:07 PM", NULL), 1614877567000LL);
    CHECK_INT(parse("MM/dd/yyyy hh:mm:ss a", "03/04/2021 12:00:00 AM", NULL), 1614816000000LL);
    CHECK_INT(parse("MM/dd/yyyy hh:mm:ss a", "03/04/2021 12:00:00 pm", NULL),
              1614816000000LL + 12 * 3600000LL);
    CHECK_INT(parse("yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "2021-03-04T05:06:07.089+05:30", NULL),
              T - 19800000);
    CHECK_INT(parse("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2021-03-04T05:06:07.089Z", NULL), T);
    CHECK_INT(parse("EEE, dd MMM yyyy HH:mm:ss Z", "Thu, 04 Mar 2021 05:06:07 +0000", NULL),
              1614834367000LL);
    CHECK_INT(parse("EEE, dd MMM yyyy HH:mm:ss Z", "THU, 04 MAR 2021 05:06:07 +0000", NULL),
              1614834367000LL);
    CHECK_INT(parse("EEEE, d MMMM yyyy", "thursday, 4 march 2021", NULL), 1614816000000LL);
    CHECK_INT(parse("yy-MM-dd", "21-03-04", NULL), 1614816000000LL);
    CHECK_INT(parse("yy-MM-dd", "99-03-04", NULL), 920505600000LL);
    CHECK_INT(parse("yy-MM-dd", "2021-03-04", NULL), 1614816000000LL); /* lenient */
    CHECK_INT(parse("HH:mm", "10:30", NULL), 37800000);
    CHECK_INT(parse("yyyy-MM-dd HH:mm ZZZ", "2021-03-04 05:06 America/Los_Angeles", NULL),
              1614863160000LL);
    CHECK_INT(parse("yyyy-MM-dd HH:mm", "2021-03-04 05:06", "America/Los_Angeles"),
              1614863160000LL);
    CHECK_INT(parse("yyyy-MM-dd HH:mm", "2021-11-07 01:30", "America/Los_Angeles"),
              1636273800000LL);
    CHECK_INT(parse("xxxx-'W'ww-e", "2021-W09-4", NULL), 1614816000000LL);
    CHECK_INT(parse("yyyy-DDD", "2021-063", NULL), 1614816000000LL);
    CHECK_INT(parse("yyyy-MM-dd HH:mm:ss.SSS", "2021-03-04 05:06:07.5", NULL), 1614834367500LL);
    CHECK_INT(parse("yyyy-MM-dd HH:mm:ss.SSS", "2021-03-04 05:06:07.08", NULL), 1614834367080LL);
    CHECK_INT(parse("yyyy-MM-dd'T'HH", "2021-3-4t5", NULL), 1614834000000LL);
    CHECK_INT(parse("yyyy", "-5", NULL), -62324985600000LL);
    /* Joda's week rules: "yyyy-ww" takes the week of the week year of Jan 1 */
    CHECK_INT(parse("yyyy-ww", "2021-05", NULL), 1580083200000LL);
    /* a day name moves the date within its ISO week */
    CHECK_INT(parse("EEE yyyy-MM-dd", "Mon 2021-03-04", NULL), 1614556800000LL);
    CHECK_INT(parse("k:mm", "24:30", NULL), 1800000);
}

TEST(joda_parse_errors)
{
    CHECK_STR(parse_err("yyyy-MM-dd", "2021-02-30", NULL),
              "invalid time \"2021-02-30\" for pattern \"yyyy-MM-dd\": value 30 for dayOfMonth "
              "must be in the range [1,28]");
    CHECK_STR(parse_err("yyyy-MM-dd", "2021-13-01", NULL),
              "invalid time \"2021-13-01\" for pattern \"yyyy-MM-dd\": value 13 for monthOfYear "
              "must be in the range [1,12]");
    CHECK_STR(parse_err("yyyy-MM-dd", "2021-03-04x", NULL),
              "invalid time \"2021-03-04x\" for pattern \"yyyy-MM-dd\": malformed at \"x\"");
    CHECK_STR(parse_err("yyyy-MM-dd", "2021-03", NULL),
              "invalid time \"2021-03\" for pattern \"yyyy-MM-dd\": too short");
    CHECK_STR(parse_err("yyyy-MM-dd HH:mm", "2021-03-14 02:30", "America/Los_Angeles"),
              "invalid time \"2021-03-14 02:30\" for pattern \"yyyy-MM-dd HH:mm\": illegal "
              "instant due to time zone offset transition (America/Los_Angeles)");
    CHECK(strstr(parse_err("HH:mm", "24:00", NULL), "hourOfDay must be in the range [0,23]"));
    CHECK(strstr(parse_err("hh a", "13 PM", NULL), "clockhourOfHalfday"));
    CHECK(strstr(parse_err("MMM", "Maz", NULL), "malformed at \"Maz\""));
    CHECK(strstr(parse_err("yyyy-ww", "2021-54", NULL),
                 "weekOfWeekyear must be in the range [1,53]"));
    CHECK_INT(parse("yyyy-ww", "2021-53", NULL), 1609113600000LL); /* 2020-W53 */
    CHECK(strstr(parse_err("yyyy Z", "2021 +24:00", NULL), "malformed at \"+24:00\""));
    CHECK(strstr(parse_err("yyyy ZZZ", "2021 Mars/Base", NULL), "malformed at \"Mars/Base\""));
    CHECK(strstr(parse_err("yyyy", "", NULL), "too short"));

    vrv_joda *j = NULL;
    vrv_error err;
    CHECK_INT(vrv_joda_compile("yyyy-MM-dd'T", 12, &j, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "invalid date pattern \"yyyy-MM-dd'T\": unterminated quote");
    CHECK_INT(vrv_joda_compile("yyyy-qq", 7, &j, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "invalid date pattern \"yyyy-qq\": illegal pattern component: q");
    CHECK_INT(vrv_joda_compile("HH z", 4, &j, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "invalid date pattern \"HH z\": unsupported pattern letter: z");
    CHECK(j == NULL);
    j = pat("yyyy-MM-dd");
    CHECK_STR(vrv_joda_pattern(j), "yyyy-MM-dd");
    vrv_joda_free(j);
    vrv_joda_free(NULL);
}

TEST(joda_round_trip)
{
    const char *pats[] = {"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "EEE, dd MMM yyyy HH:mm:ss.SSS Z",
                          "xxxx-'W'ww-e HH:mm:ss.SSS ZZ", "yyyy-DDD hh:mm:ss.SSS a ZZ",
                          "yyyyMMddHHmmssSSSZ"};
    const char *zones[] = {"UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe"};
    for (size_t p = 0; p < VRV_ARRAY_LEN(pats); p++) {
        vrv_joda *j = pat(pats[p]);
        for (size_t z = 0; z < VRV_ARRAY_LEN(zones); z++) {
            const vrv_tz *tz = zone(zones[z]);
            for (vrv_ms t = -2000000000000LL; t < 4000000000000LL; t += 7777777777LL) {
                vrv_buf b = VRV_BUF_INIT;
                vrv_joda_format(j, t, tz, &b);
                vrv_ms back = 0;
                vrv_error err;
                if (vrv_joda_parse(j, b.data, b.len, tz, &back, &err) || back != t) {
                    vrv_test_fail(__FILE__, __LINE__, "%s in %s: \"%s\" -> %lld (%s)", pats[p],
                                  zones[z], b.data, (long long)back, err.msg);
                    vrv_buf_free(&b);
                    break;
                }
                vrv_buf_free(&b);
            }
        }
        vrv_joda_free(j);
    }
}

static vrv_ms ts(const char *format, vrv_value v)
{
    vrv_ts_parser p;
    vrv_error err;
    vrv_error_clear(&err);
    vrv_ms t = 0x5a5a;
    if (vrv_ts_parser_init(&p, format, &err)) {
        vrv_test_fail(__FILE__, __LINE__, "format %s: %s", format, err.msg);
        return t;
    }
    if (vrv_ts_parse(&p, &v, &t, &err))
        vrv_test_fail(__FILE__, __LINE__, "%s: %s", format, err.msg);
    vrv_ts_parser_destroy(&p);
    return t;
}

static const char *ts_err(const char *format, vrv_value v)
{
    static vrv_error err;
    vrv_ts_parser p;
    vrv_ms t;
    vrv_error_clear(&err);
    vrv_ts_parser_init(&p, format, NULL);
    if (vrv_ts_parse(&p, &v, &t, &err) != VRV_EINVAL)
        vrv_test_fail(__FILE__, __LINE__, "%s parsed, expected an error", format);
    vrv_ts_parser_destroy(&p);
    return err.msg;
}

static vrv_value S(const char *s)
{
    return vrv_string(s, strlen(s));
}

TEST(ts_auto)
{
    CHECK_INT(ts(NULL, vrv_long(T)), T);
    CHECK_INT(ts("auto", vrv_long(T)), T);
    CHECK_INT(ts("AUTO", vrv_double(1.614834367089E12)), T);
    CHECK_INT(ts("auto", vrv_double(-1.5)), -1);
    CHECK_INT(ts("auto", S("1614834367089")), T);
    CHECK_INT(ts("auto", S("2026-11-28T04:33:07.123Z")), 1795840387123LL);
    CHECK_INT(ts("auto", S("2021-03-04T05:06:07.089Z")), T);
    CHECK_INT(ts("auto", S("2021-03-04 05:06:07")), 1614834367000LL);
    CHECK_INT(ts("auto", S("2021-03-04 05:06:07.089+00:00")), T);
    /* a trailing zone name is dropped; the time stays UTC (as Druid's withZone) */
    CHECK_INT(ts("auto", S("2021-03-04 05:06:07 America/Los_Angeles")), 1614834367000LL);
    CHECK_INT(ts("auto", S("2021-03-04T05:06:07 UTC")), 1614834367000LL);
    CHECK_INT(ts("auto", S("\"2021-03-04\"")), 1614816000000LL);
    CHECK_INT(ts("auto", S("  2021-03-04  ")), 1614816000000LL);
    CHECK_INT(ts("auto", S("-1")), -62198755200000LL); /* year -1, as Joda reads it */
    CHECK_STR(ts_err("auto", S("")), "null timestamp");
    CHECK_STR(ts_err("auto", vrv_null()), "null timestamp");
    CHECK_STR(ts_err("auto", S("T10:00")),
              "invalid ISO-8601 time \"T10:00\": malformed at \"T10:00\" (position 0)");
    CHECK(strstr(ts_err("auto", S("abc")), "malformed at \"abc\""));
    CHECK(strstr(ts_err("auto", S("99999999999999999999")), "out of range"));
    CHECK_STR(ts_err("auto", S("   ")), "unparseable timestamp \"   \"");
    CHECK_STR(ts_err("auto", S("\"")), "unparseable timestamp \"?\"");
    vrv_value arr[1] = {S("x")};
    CHECK_STR(ts_err("auto", vrv_array(arr, 1)), "unparseable timestamp: not a number or a string");
}

TEST(ts_formats)
{
    CHECK_INT(ts("iso", S("2021-03-04T05:06:07.089Z")), T);
    CHECK_INT(ts("iso", S("2021-03-04")), 1614816000000LL);
    CHECK(strstr(ts_err("iso", S("2021-03-04 05:06:07")), "malformed at \" 05:06:07\""));
    CHECK_INT(ts("iso", vrv_long(2021)), 1609459200000LL); /* the text "2021": a year */
    CHECK_INT(ts("posix", vrv_long(1614834367)), 1614834367000LL);
    CHECK_INT(ts("posix", vrv_double(1614834367.9)), 1614834367000LL);
    CHECK_INT(ts("posix", S("1614834367")), 1614834367000LL);
    CHECK_INT(ts("posix", vrv_long(INT64_MAX / 10)), INT64_MAX);
    CHECK_STR(ts_err("posix", S("1614834367.5")),
              "unparseable timestamp (expected an integer): \"1614834367.5\"");
    CHECK_INT(ts("millis", S("1614834367089")), T);
    CHECK_INT(ts("millis", vrv_float(1.0e3f)), 1000);
    CHECK_INT(ts("micro", vrv_long(1614834367089123LL)), T);
    CHECK_INT(ts("micro", S("-1500")), -1);
    CHECK_INT(ts("nano", vrv_long(1614834367089123456LL)), T);
    CHECK_INT(ts("ruby", vrv_double(1614834367.089)), T);
    CHECK_INT(ts("ruby", S("1614834367.5")), 1614834367500LL);
    CHECK_INT(ts("ruby", vrv_long(2)), 2000);
    CHECK(strstr(ts_err("ruby", S("soon")), "expected seconds"));
    CHECK_INT(ts("yyyy-MM-dd HH:mm:ss", S("2021-03-04 05:06:07")), 1614834367000LL);
    CHECK_INT(ts("yyyyMMdd", vrv_long(20210304)), 1614816000000LL);
    CHECK_INT(ts("dd/MMM/yyyy:HH:mm:ss Z", S("\"04/Mar/2021:05:06:07 -0800\"")), 1614863167000LL);
    CHECK(strstr(ts_err("yyyy-MM-dd", S("2021/03/04")), "malformed at \"/03/04\""));
    vrv_ts_parser p;
    vrv_error err;
    CHECK_INT(vrv_ts_parser_init(&p, "yyyy-qq", &err), VRV_EINVAL);
    CHECK_STR(err.msg, "unable to parse timestamps with format [yyyy-qq]: invalid date pattern "
                       "\"yyyy-qq\": illegal pattern component: q");
    CHECK_INT(vrv_ts_parser_init(&p, "Posix", &err), 0);
    CHECK_INT(p.kind, VRV_TS_POSIX);
    vrv_ts_parser_destroy(&p);
}

TEST(extract_units)
{
    struct {
        const char *unit;
        int64_t utc, la;
    } cases[] = {
        {"EPOCH", 1614834367, 1614834367},
        {"MICROSECOND", 1614834, 1614834},
        {"MILLISECOND", 89, 89},
        {"SECOND", 7, 7},
        {"MINUTE", 6, 6},
        {"HOUR", 5, 21},
        {"DAY", 4, 3},
        {"DOW", 4, 3},
        {"ISODOW", 4, 3},
        {"DOY", 63, 62},
        {"WEEK", 9, 9},
        {"MONTH", 3, 3},
        {"QUARTER", 1, 1},
        {"YEAR", 2021, 2021},
        {"ISOYEAR", 2021, 2021},
        {"DECADE", 202, 202},
        {"CENTURY", 21, 21},
        {"millennium", 3, 3},
    };
    const vrv_tz *la = zone("America/Los_Angeles");
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        vrv_time_unit u;
        CHECK(vrv_time_unit_parse(cases[i].unit, strlen(cases[i].unit), &u));
        if (vrv_time_extract(T, u, NULL) != cases[i].utc)
            vrv_test_fail(__FILE__, __LINE__, "%s: %lld", cases[i].unit,
                          (long long)vrv_time_extract(T, u, NULL));
        if (vrv_time_extract(T, u, la) != cases[i].la)
            vrv_test_fail(__FILE__, __LINE__, "%s in LA: %lld", cases[i].unit,
                          (long long)vrv_time_extract(T, u, la));
    }
    vrv_time_unit u;
    CHECK(!vrv_time_unit_parse("fortnight", 9, &u));
    CHECK(vrv_time_unit_is_double(VRV_UNIT_CENTURY));
    CHECK(!vrv_time_unit_is_double(VRV_UNIT_YEAR));
    /* before 1970: Java's division toward zero for EPOCH */
    CHECK_INT(vrv_time_extract(-1, VRV_UNIT_EPOCH, NULL), 0);
    CHECK_INT(vrv_time_extract(-1, VRV_UNIT_MILLISECOND, NULL), 999);
    CHECK_INT(vrv_time_extract(-1, VRV_UNIT_YEAR, NULL), 1969);
    CHECK_INT(vrv_time_extract(-1, VRV_UNIT_CENTURY, NULL), 20);
    CHECK_INT(vrv_time_extract(1609632000000LL, VRV_UNIT_WEEK, NULL), 53);
    CHECK_INT(vrv_time_extract(1609632000000LL, VRV_UNIT_ISOYEAR, NULL), 2020);
    CHECK_INT(vrv_time_extract(-62319888000000LL, VRV_UNIT_YEAR, NULL), -5);
    CHECK_INT(vrv_time_extract(-62319888000000LL, VRV_UNIT_CENTURY, NULL), 0);
    CHECK_INT(vrv_time_extract(-62319888000000LL, VRV_UNIT_DECADE, NULL), 0);
}
