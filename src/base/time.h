/*
 * time.h — instants, ISO-8601 periods and intervals, as Druid (Joda-Time's
 * ISOChronology) reads and writes them.
 *
 * An instant is a vrv_ms: milliseconds since 1970-01-01T00:00:00Z in the
 * proleptic Gregorian calendar. This file owns the calendar arithmetic (civil
 * date <-> day number, ISO weeks), ISO-8601 instant parsing in the grammar of
 * Joda's ISODateTimeFormat.dateTimeParser() (partial dates, ordinal and week
 * dates, fractions, offsets, years beyond 9999 and before 0), the canonical
 * rendering `2021-03-04T05:06:07.000Z`, ISO periods (Joda's
 * ISOPeriodFormat.standard()) and their calendar addition in UTC, and
 * start/end intervals with Druid's condensing. Time zones live in tz.h,
 * granularities in granularity.h, Joda patterns in joda.h.
 *
 * Nothing here allocates; every string result is written into a caller-owned
 * buffer of the stated size.
 */
#ifndef VRV_TIME_H
#define VRV_TIME_H

#include "base/buf.h"
#include "base/error.h"
#include "base/vrv.h"

#define VRV_MS_PER_SECOND 1000LL
#define VRV_MS_PER_MINUTE 60000LL
#define VRV_MS_PER_HOUR   3600000LL
#define VRV_MS_PER_DAY    86400000LL
#define VRV_MS_PER_WEEK   604800000LL

/* Druid's JodaUtils.MIN_INSTANT / MAX_INSTANT (Long.MIN_VALUE / 2 and
 * Long.MAX_VALUE / 2): the two ends of the "eternity" interval
 * -146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z. Every
 * timestamp a row can carry lies between them, so treat them as -inf/+inf. */
#define VRV_TIME_MIN ((vrv_ms)(INT64_MIN / 2))
#define VRV_TIME_MAX ((vrv_ms)(INT64_MAX / 2))

/* Buffer sizes (with the NUL) for the formatting functions below: enough for
 * any int64 instant with a sub-minute offset ("-292275055-05-16T16:47:04.192-07:52:58.123"). */
#define VRV_TIME_STR_MAX     48
#define VRV_INTERVAL_STR_MAX (2 * VRV_TIME_STR_MAX)
#define VRV_PERIOD_STR_MAX   128

/* ---- calendar ---------------------------------------------------------- */

/* A broken-down date and time of day. Years are astronomical: 0 is 1 BC,
 * -1 is 2 BC (what Joda prints as "0000" and "-0001"). */
typedef struct vrv_civil {
    int32_t year;
    int8_t month;   /* 1..12 */
    int8_t day;     /* 1..31 */
    int8_t hour;    /* 0..23 */
    int8_t minute;  /* 0..59 */
    int8_t second;  /* 0..59 */
    int16_t millis; /* 0..999 */
} vrv_civil;

static inline bool vrv_time_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1..12) of year y. */
int vrv_time_month_days(int64_t y, int m);

/* Day number (days since 1970-01-01) of a proleptic Gregorian date; m 1..12,
 * d 1..31 (not checked against the month: d past its end runs into the next). */
int64_t vrv_time_days_from_civil(int64_t y, int m, int d);

/* The date of a day number. */
void vrv_time_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* floor(a / b) and the matching non-negative remainder, for b > 0. */
static inline int64_t vrv_time_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}
static inline int64_t vrv_time_floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* Splits an instant (read as a local wall time when the caller has already
 * added a zone offset) into its fields. Valid for every int64. */
void vrv_time_to_civil(vrv_ms t, vrv_civil *out);

/* The instant of c read as UTC. Fields are not range-checked; returns false
 * when the result does not fit in an int64. */
bool vrv_time_from_civil(const vrv_civil *c, vrv_ms *out);

/* ISO day of week of a day number: 1 = Monday .. 7 = Sunday. */
static inline int vrv_time_dow(int64_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    return (int)vrv_time_floor_mod(days + 3, 7) + 1;
}

/* ISO-8601 week date of a day number: week-based year and week 1..53 (week 1
 * holds the year's first Thursday). */
void vrv_time_iso_week(int64_t days, int64_t *weekyear, int *week);

/* Number of ISO weeks (52 or 53) of a week-based year. */
int vrv_time_weeks_in_year(int64_t weekyear);

/* ---- error text -------------------------------------------------------- */

#define VRV_TIME_QUOTE_MAX 96 /* buffer for vrv_time_quote, with the NUL */

/* Copies user text for an error message into out: at most 80 bytes, anything
 * but printable ASCII (and '"') as '?' so the message stays valid UTF-8 in a
 * JSON error body, "..." when cut. Returns out. */
const char *vrv_time_quote(const char *s, size_t n, char out[VRV_TIME_QUOTE_MAX]);

/* ---- instants ---------------------------------------------------------- */

enum {
    /* Also accept a space where ISO wants 'T' between date and time, as
     * Druid's timestampSpec "auto" format does ("2021-03-04 05:06:07"). */
    VRV_TIME_PARSE_SPACE = 1u << 0,
    /* Require a date first: reject the time-only form "T10:30". This with
     * VRV_TIME_PARSE_SPACE is the grammar of Druid's timestampSpec "auto"
     * and of timestamp_parse without a pattern. */
    VRV_TIME_PARSE_DATE_FIRST = 1u << 1,
};

/* The result of parsing an instant before a zone is applied: the wall time
 * read as if it were UTC, and the offset if the text carried one. */
typedef struct vrv_time_parsed {
    vrv_ms local;      /* wall time as UTC millis */
    int32_t offset_ms; /* valid when has_offset; UTC = local - offset_ms */
    bool has_offset;   /* the text ended in Z or +hh[:mm[:ss[.SSS]]] */
} vrv_time_parsed;

/* Parses an ISO-8601 date-time in the grammar of Joda's dateTimeParser():
 *   datetime      = time | date-opt-time
 *   time          = 'T' time-element [offset]
 *   date-opt-time = date-element ['T' [time-element] [offset]]
 *   date-element  = yyyy ['-' MM ['-' dd]] | yyyy '-' DDD | xxxx '-W' ww ['-' e]
 *   time-element  = HH [':' mm [':' ss [frac] | frac] | frac]
 *   offset        = 'Z' | ('+' | '-') HH [[':'] mm [[':'] ss [[.,] SSS]]]
 * Years are signed, 1 to 9 digits; other fields take 1 or 2 digits; a
 * fraction ('.' or ',', 1-9 digits) is truncated to milliseconds. Missing
 * fields are the start of their unit ("2021" is 2021-01-01T00:00, "2021-W09"
 * the Monday). Letters 'T', 'W' and 'Z' are case-insensitive. On failure
 * fills err (may be NULL) with a message naming the text and what is wrong,
 * and returns VRV_EINVAL. */
int vrv_time_parse_local(const char *s, size_t n, unsigned flags, vrv_time_parsed *out,
                         vrv_error *err);

/* Reads an offset at s[*pos] as Joda's ISO parsers do: "Z" (any case), or a
 * sign and two-digit hours, then optionally minutes, seconds and millis, with
 * ':' (and '.' or ',') separators or none ("+05:30", "-0800", "+05"). On
 * success advances *pos and sets *out_ms; otherwise leaves *pos alone. */
bool vrv_time_parse_offset(const char *s, size_t n, size_t *pos, int32_t *out_ms);

/* vrv_time_parse_local, with a time that has no offset read as UTC (Druid's
 * rule for intervals and ISO timestamps). */
int vrv_time_parse(const char *s, size_t n, unsigned flags, vrv_ms *out, vrv_error *err);

/* Writes t as "2021-03-04T05:06:07.000Z" (Joda's ISODateTimeFormat.dateTime()
 * in UTC: always milliseconds, at least four year digits, '-' before negative
 * years, no '+' for years past 9999) into buf (VRV_TIME_STR_MAX bytes),
 * NUL-terminated; returns the length. */
size_t vrv_time_format(vrv_ms t, char *buf);

/* The same with the wall time of the given offset and the offset written
 * after it: "2021-03-04T00:00:00.000-08:00"; a zero offset is written "Z",
 * and seconds/millis of an offset only when not zero ("-07:52:58"). */
size_t vrv_time_format_offset(vrv_ms t, int32_t offset_ms, char *buf);

/* Writes an offset as Joda does after a time: "Z", "+05:30", "-07:52:58". */
size_t vrv_time_format_offset_only(int32_t offset_ms, char *buf);

/* Appends vrv_time_format(t) to b. */
void vrv_time_append(vrv_buf *b, vrv_ms t);

/* ---- periods ----------------------------------------------------------- */

/* An ISO-8601 period as Joda's Period with PeriodType.standard() holds it:
 * independent signed fields, not normalised (P7D stays P7D, PT90M stays
 * PT90M), so it prints back the way it was written. */
typedef struct vrv_period {
    int32_t years;
    int32_t months;
    int32_t weeks;
    int32_t days;
    int32_t hours;
    int32_t minutes;
    int32_t seconds;
    int32_t millis;
} vrv_period;

/* Parses "P[nY][nM][nW][nD][T[nH][nM][n[.fff]S]]" (Joda's
 * ISOPeriodFormat.standard(): letters case-insensitive, each number may carry
 * a sign, seconds may have a fraction with '.' or ',' of which the first
 * three digits count). At least one field is required. Returns 0 or
 * VRV_EINVAL with err (may be NULL) saying what is wrong with the text. */
int vrv_period_parse(const char *s, size_t n, vrv_period *out, vrv_error *err);

/* Writes p the way Joda's Period.toString() does ("P1Y2M3DT4H5M6.789S",
 * "PT0.750S", "PT-0.500S", "PT0S" for the zero period) into buf
 * (VRV_PERIOD_STR_MAX bytes), NUL-terminated; returns the length. */
size_t vrv_period_format(const vrv_period *p, char *buf);

static inline bool vrv_period_is_zero(const vrv_period *p)
{
    return !(p->years | p->months | p->weeks | p->days | p->hours | p->minutes | p->seconds |
             p->millis);
}

/* True when the period has years or months, whose length depends on the date. */
static inline bool vrv_period_has_months(const vrv_period *p)
{
    return p->years != 0 || p->months != 0;
}

/* The period's fixed length (Joda's toStandardDuration(): a week is 7 days, a
 * day 24 hours) in *out. VRV_EINVAL (err names the period) when it has years or
 * months, or the length overflows. */
int vrv_period_to_ms(const vrv_period *p, int64_t *out, vrv_error *err);

/* Parses text as a period and converts it to its fixed length, for settings
 * like ioConfig.taskDuration ("PT1H" -> 3600000). */
int vrv_period_parse_ms(const char *s, size_t n, int64_t *out, vrv_error *err);

/* Adds n times p to t in UTC calendar arithmetic, field by field in the order
 * years, months, weeks, days, hours, minutes, seconds, millis (Joda's
 * Chronology.add(period, instant, n)): adding months or years keeps the day of
 * month, clamped to the last day of a shorter month (2021-01-31 + P1M =
 * 2021-02-28). Returns 0, or VRV_EINVAL when the result leaves int64. */
int vrv_period_add(const vrv_period *p, vrv_ms t, int64_t n, vrv_ms *out);

/* ---- intervals --------------------------------------------------------- */

/* A half-open interval [start, end): start inclusive, end exclusive. */
typedef struct vrv_interval {
    vrv_ms start;
    vrv_ms end;
} vrv_interval;

static inline vrv_interval vrv_interval_make(vrv_ms start, vrv_ms end)
{
    vrv_interval iv = {start, end};
    return iv;
}

static inline vrv_interval vrv_interval_eternity(void)
{
    return vrv_interval_make(VRV_TIME_MIN, VRV_TIME_MAX);
}

static inline bool vrv_interval_contains(vrv_interval iv, vrv_ms t)
{
    return t >= iv.start && t < iv.end;
}

/* True when the two share some instant (empty intervals share none). */
static inline bool vrv_interval_overlaps(vrv_interval a, vrv_interval b)
{
    return a.start < b.end && b.start < a.end;
}

/* True when a contains every instant of b (an empty b inside or at a's edge counts). */
static inline bool vrv_interval_encloses(vrv_interval a, vrv_interval b)
{
    return a.start <= b.start && b.end <= a.end;
}

/* Parses "start/end", "start/period" or "period/end" (Joda's interval string
 * converter in UTC: instants without an offset are UTC; a period is added to
 * the start, or subtracted from the end, in UTC calendar arithmetic). The end
 * may equal but not precede the start. Returns 0 or VRV_EINVAL with err (may
 * be NULL) quoting the text and saying what is wrong. */
int vrv_interval_parse(const char *s, size_t n, vrv_interval *out, vrv_error *err);

/* Writes "start/end" in UTC ("2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z")
 * into buf (VRV_INTERVAL_STR_MAX bytes); returns the length. */
size_t vrv_interval_format(vrv_interval iv, char *buf);

/* Appends vrv_interval_format(iv) to b. */
void vrv_interval_append(vrv_buf *b, vrv_interval iv);

/* Druid's JodaUtils.condenseIntervals, in place: sorts by start then end and
 * merges intervals that overlap or abut. Returns the new count (<= n). */
size_t vrv_interval_condense(vrv_interval *ivs, size_t n);

#endif
