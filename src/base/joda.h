/*
 * joda.h — Joda-Time date patterns (DateTimeFormat.forPattern) for printing
 * and parsing, Druid's timestampSpec timestamp parser, and the calendar
 * fields of timestamp_extract.
 *
 * A pattern is compiled once (vrv_joda_compile) and then used from any number
 * of threads; the compiled object is immutable. Printing and parsing take the
 * zone to work in: a parsed wall time is read in that zone unless the text
 * carries an offset (Z, ZZ) or a zone id (ZZZ).
 *
 * Pattern letters (English texts, as Druid's JVM default locale):
 *   G era (AD)              y year           Y year of era     x week year
 *   w week of week year     e day of week 1-7 (Monday 1)       E day name (EEE Mon, EEEE Monday)
 *   D day of year           M month (M, MM, MMM Jan, MMMM January)
 *   d day of month          a AM/PM          h hour 1-12       K hour 0-11
 *   H hour 0-23             k hour 1-24      m minute          s second
 *   S fraction of second    Z offset (Z -0800, ZZ -08:00, ZZZ zone id)
 *   'text' literal text ('' is a quote); any other non-letter is literal.
 * yy (and xx, YY) is a two-digit year: printed as the last two digits, parsed
 * into the hundred years around (this year - 30), or as a full year when more
 * digits are given (Joda's lenient rule). Letters Joda has but Druid users do
 * not write (C century, z zone names) are refused when compiling.
 */
#ifndef VRV_JODA_H
#define VRV_JODA_H

#include "base/buf.h"
#include "base/error.h"
#include "base/time.h"
#include "base/tz.h"
#include "base/value.h"
#include "base/vrv.h"

typedef struct vrv_joda vrv_joda;

/* Compiles a pattern. On success *out is owned by the caller (vrv_joda_free).
 * VRV_EINVAL with err naming the pattern and the problem ("illegal pattern
 * component: Q", "unterminated quote"). */
int vrv_joda_compile(const char *pattern, size_t n, vrv_joda **out, vrv_error *err);
void vrv_joda_free(vrv_joda *j);

/* The pattern text as compiled (NUL-terminated, owned by j). */
const char *vrv_joda_pattern(const vrv_joda *j);

/* Appends t printed with the pattern in tz (NULL = UTC) to b. */
void vrv_joda_format(const vrv_joda *j, vrv_ms t, const vrv_tz *tz, vrv_buf *b);

/* Parses the whole of s with the pattern. Wall times are read in tz (NULL =
 * UTC) unless the text has an offset or zone id; fields the pattern lacks
 * default to 1970-01-01T00:00:00.000. Returns 0 or VRV_EINVAL ("invalid time
 * \"...\" for pattern \"...\": malformed at \"...\"", out-of-range fields, a
 * wall time in a DST gap). */
int vrv_joda_parse(const vrv_joda *j, const char *s, size_t n, const vrv_tz *tz, vrv_ms *out,
                   vrv_error *err);

/* ---- timestampSpec ----------------------------------------------------- */

typedef enum vrv_ts_format {
    VRV_TS_AUTO = 0, /* longs and all-digit strings: millis; else ISO with 'T' or ' ' */
    VRV_TS_ISO,      /* ISO-8601 (Joda's dateTimeParser) */
    VRV_TS_POSIX,    /* seconds */
    VRV_TS_MILLIS,   /* milliseconds */
    VRV_TS_MICRO,    /* microseconds */
    VRV_TS_NANO,     /* nanoseconds */
    VRV_TS_RUBY,     /* seconds with a fraction */
    VRV_TS_JODA,     /* a Joda pattern */
} vrv_ts_format;

/* A compiled timestampSpec format (Druid's TimestampParser). Owns its
 * pattern; vrv_ts_parser_destroy releases it. */
typedef struct vrv_ts_parser {
    vrv_ts_format kind;
    vrv_joda *joda; /* VRV_TS_JODA only */
} vrv_ts_parser;

/* Reads a timestampSpec format: auto, iso, posix, millis, micro, nano, ruby
 * (case-insensitive) or a Joda pattern; NULL means auto. VRV_EINVAL when the
 * pattern does not compile ("unable to parse timestamps with format ..."). */
int vrv_ts_parser_init(vrv_ts_parser *p, const char *format, vrv_error *err);
void vrv_ts_parser_destroy(vrv_ts_parser *p);

/* Converts a timestamp column value to millis as Druid does:
 *  - longs, doubles and floats with auto/millis/posix/micro/nano/ruby are
 *    numbers: millis = value, value*1000, /1000, /1000000 (truncated toward
 *    zero, fractions of a second dropped), ruby value*1000;
 *  - everything else is text (numbers printed as Java prints them): trimmed,
 *    surrounding double quotes removed; auto: all digits -> millis, else ISO
 *    with 'T' or ' ' and an optional trailing " <zone>" that is dropped;
 *    iso: ISO with 'T'; posix/millis/micro/nano: a decimal integer; ruby: a
 *    decimal number of seconds; a Joda pattern in UTC.
 * Null, empty text, arrays and unparsable text give VRV_EINVAL with err saying
 * what could not be parsed. */
int vrv_ts_parse(const vrv_ts_parser *p, const vrv_value *v, vrv_ms *out, vrv_error *err);

/* The same for text. */
int vrv_ts_parse_str(const vrv_ts_parser *p, const char *s, size_t n, vrv_ms *out, vrv_error *err);

/* ---- timestamp_extract ------------------------------------------------- */

typedef enum vrv_time_unit {
    VRV_UNIT_EPOCH = 0,   /* seconds since the epoch (millis / 1000, toward zero) */
    VRV_UNIT_MICROSECOND, /* Druid's value: EPOCH / 1000 */
    VRV_UNIT_MILLISECOND, /* of the second */
    VRV_UNIT_SECOND,
    VRV_UNIT_MINUTE,
    VRV_UNIT_HOUR,
    VRV_UNIT_DAY, /* of the month */
    VRV_UNIT_DOW, /* ISO: Monday 1 .. Sunday 7 */
    VRV_UNIT_ISODOW,
    VRV_UNIT_DOY,
    VRV_UNIT_WEEK, /* ISO week of the week year */
    VRV_UNIT_MONTH,
    VRV_UNIT_QUARTER,
    VRV_UNIT_YEAR,
    VRV_UNIT_ISOYEAR,    /* ISO week year */
    VRV_UNIT_DECADE,     /* year / 10 */
    VRV_UNIT_CENTURY,    /* ceil(year / 100): a DOUBLE in Druid */
    VRV_UNIT_MILLENNIUM, /* ceil(year / 1000): a DOUBLE in Druid */
} vrv_time_unit;

/* Parses a unit name, case-insensitive ("hour", "DOW"). */
bool vrv_time_unit_parse(const char *s, size_t n, vrv_time_unit *out);

/* True for the units Druid returns as doubles (CENTURY, MILLENNIUM). */
static inline bool vrv_time_unit_is_double(vrv_time_unit u)
{
    return u == VRV_UNIT_CENTURY || u == VRV_UNIT_MILLENNIUM;
}

/* The unit's value for instant t in tz (NULL = UTC). */
int64_t vrv_time_extract(vrv_ms t, vrv_time_unit u, const vrv_tz *tz);

#endif
