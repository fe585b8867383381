/*
 * time.c — calendar arithmetic, ISO-8601 instants, periods and intervals.
 *
 * The parsers follow Joda-Time's ISO grammar closely (Druid reads every
 * instant, period and interval of a spec or query through Joda), including its
 * leniencies: 1-digit months and days, 1-9 digit signed years, ordinal and week
 * dates, fractions of hours and minutes, offsets with or without colons. The
 * instant parser has a fast path for the one shape that dominates ingestion,
 * "2026-11-28T04:33:07.123Z"; everything else takes the general path.
 */
#include "base/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- calendar ---------------------------------------------------------- */

int vrv_time_month_days(int64_t y, int m)
{
    static const int8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2) return vrv_time_is_leap(y) ? 29 : 28;
    return days[(m - 1) % 12];
}

/* Howard Hinnant's days_from_civil: exact for every int64 year whose day
 * number fits, without loops or tables. */
int64_t vrv_time_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void vrv_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void vrv_time_to_civil(vrv_ms t, vrv_civil *out)
{
    int64_t days = vrv_time_floor_div(t, VRV_MS_PER_DAY);
    int64_t rem = vrv_time_floor_mod(t, VRV_MS_PER_DAY);
    int64_t y;
    int m, d;
    vrv_time_civil_from_days(days, &y, &m, &d);
    out->year = (int32_t)y;
    out->month = (int8_t)m;
    out->day = (int8_t)d;
    out->hour = (int8_t)(rem / VRV_MS_PER_HOUR);
    out->minute = (int8_t)(rem / VRV_MS_PER_MINUTE % 60);
    out->second = (int8_t)(rem / 1000 % 60);
    out->millis = (int16_t)(rem % 1000);
}

/* days * 86400000 + ms_of_day, or false on int64 overflow. */
static bool days_ms(int64_t days, int64_t ms_of_day, vrv_ms *out)
{
    int64_t t;
    /* For the last day before INT64_MIN's day starts, days * 86400000 alone
     * underflows although the sum fits: borrow one day. */
    if (days < 0 && ms_of_day > 0) {
        days++;
        ms_of_day -= VRV_MS_PER_DAY;
    }
    if (__builtin_mul_overflow(days, VRV_MS_PER_DAY, &t)) return false;
    if (__builtin_add_overflow(t, ms_of_day, &t)) return false;
    *out = t;
    return true;
}

bool vrv_time_from_civil(const vrv_civil *c, vrv_ms *out)
{
    int64_t days = vrv_time_days_from_civil(c->year, c->month, c->day);
    int64_t ms = c->hour * VRV_MS_PER_HOUR + c->minute * VRV_MS_PER_MINUTE +
                 c->second * VRV_MS_PER_SECOND + c->millis;
    return days_ms(days, ms, out);
}

/* Day number of the Monday of ISO week 1 of a week-based year: the week that
 * holds January 4th. */
static int64_t week1_monday(int64_t weekyear)
{
    int64_t jan4 = vrv_time_days_from_civil(weekyear, 1, 4);
    return jan4 - (vrv_time_dow(jan4) - 1);
}

int vrv_time_weeks_in_year(int64_t weekyear)
{
    return (int)((week1_monday(weekyear + 1) - week1_monday(weekyear)) / 7);
}

void vrv_time_iso_week(int64_t days, int64_t *weekyear, int *week)
{
    /* The Thursday of this week decides its week-based year. */
    int64_t thursday = days - (vrv_time_dow(days) - 1) + 3;
    int64_t ty;
    int tm, td;
    vrv_time_civil_from_days(thursday, &ty, &tm, &td);
    *weekyear = ty;
    *week = (int)((thursday - vrv_time_days_from_civil(ty, 1, 1)) / 7 + 1);
}

/* ---- error text -------------------------------------------------------- */

const char *vrv_time_quote(const char *s, size_t n, char out[VRV_TIME_QUOTE_MAX])
{
    size_t k = n > 80 ? 80 : n, j = 0;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        out[j++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
    }
    if (k < n) {
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = '\0';
    return out;
}

static int malformed(vrv_error *err, const char *what, const char *s, size_t n, size_t pos)
{
    char q[VRV_TIME_QUOTE_MAX], r[VRV_TIME_QUOTE_MAX];
    if (pos >= n)
        return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": ends too early", what,
                             vrv_time_quote(s, n, q));
    return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": malformed at \"%s\" (position %zu)",
                         what, vrv_time_quote(s, n, q), vrv_time_quote(s + pos, n - pos, r), pos);
}

static int out_of_range(vrv_error *err, const char *s, size_t n, const char *field, int64_t v,
                        int64_t lo, int64_t hi)
{
    char q[VRV_TIME_QUOTE_MAX];
    return vrv_error_set(err, VRV_EINVAL,
                         "invalid ISO-8601 time \"%s\": value %lld for %s must be in the range "
                         "[%lld,%lld]",
                         vrv_time_quote(s, n, q), (long long)v, field, (long long)lo,
                         (long long)hi);
}

/* ---- instant parsing --------------------------------------------------- */

static inline bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

static inline int d2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Reads 1..max digits at *pos; returns the count (0 when none). */
static int read_num(const char *s, size_t n, size_t *pos, int max, int64_t *out)
{
    int k = 0;
    int64_t v = 0;
    while (*pos < n && k < max && is_digit(s[*pos])) {
        v = v * 10 + (s[*pos] - '0');
        (*pos)++;
        k++;
    }
    *out = v;
    return k;
}

/* Joda's fraction parser: up to 9 digits, each weighted by unit_ms / 10^i,
 * truncated to whole milliseconds. */
static int read_fraction(const char *s, size_t n, size_t *pos, int64_t unit_ms, int64_t *out)
{
    int64_t value = 0, w = unit_ms * 10;
    int k = 0;
    while (*pos < n && k < 9 && is_digit(s[*pos])) {
        w /= 10;
        value += (s[*pos] - '0') * w;
        (*pos)++;
        k++;
    }
    *out = value / 10;
    return k;
}

static inline bool is_frac_sep(const char *s, size_t n, size_t pos)
{
    return pos + 1 < n && (s[pos] == '.' || s[pos] == ',') && is_digit(s[pos + 1]);
}

/* Joda's TimeZoneOffset parser: sign, two-digit hours, then optionally
 * minutes, seconds and millis, all with separators or none. Returns false
 * (pos untouched) when the text is not an offset. */
bool vrv_time_parse_offset(const char *s, size_t n, size_t *pos, int32_t *out)
{
    size_t p = *pos;
    if (p < n && (s[p] == 'Z' || s[p] == 'z')) {
        *out = 0;
        *pos = p + 1;
        return true;
    }
    if (p + 1 >= n || (s[p] != '+' && s[p] != '-')) return false;
    bool neg = s[p] == '-';
    p++;
    if (p + 2 > n || !is_digit(s[p]) || !is_digit(s[p + 1])) return false;
    int h = d2(s + p);
    if (h > 23) return false;
    int32_t off = h * 3600000;
    p += 2;
    do {
        if (p >= n) break;
        bool seps;
        if (s[p] == ':') {
            seps = true;
            p++;
        } else if (is_digit(s[p])) {
            seps = false;
        } else {
            break;
        }
        if (p + 2 > n || !is_digit(s[p]) || !is_digit(s[p + 1])) {
            if (!seps && (p >= n || !is_digit(s[p]))) break;
            return false;
        }
        int mi = d2(s + p);
        if (mi > 59) return false;
        off += mi * 60000;
        p += 2;
        if (p >= n) break;
        if (seps) {
            if (s[p] != ':') break;
            p++;
        }
        if (p + 2 > n || !is_digit(s[p]) || !is_digit(s[p + 1])) {
            if (!seps && (p >= n || !is_digit(s[p]))) break;
            return false;
        }
        int se = d2(s + p);
        if (se > 59) return false;
        off += se * 1000;
        p += 2;
        if (p >= n) break;
        if (seps) {
            if (s[p] != '.' && s[p] != ',') break;
            p++;
        }
        if (p >= n || !is_digit(s[p])) {
            if (!seps) break;
            return false;
        }
        off += (s[p++] - '0') * 100;
        if (p < n && is_digit(s[p])) {
            off += (s[p++] - '0') * 10;
            if (p < n && is_digit(s[p])) off += s[p++] - '0';
        }
    } while (0);
    *out = neg ? -off : off;
    *pos = p;
    return true;
}

static const char ISO_WHAT[] = "ISO-8601 time";

/* The general parser: see vrv_time_parse_local for the grammar. */
static int parse_general(const char *s, size_t n, unsigned flags, vrv_time_parsed *out,
                         vrv_error *err)
{
    size_t pos = 0;
    int64_t days = 0, ms = 0;
    bool has_offset = false;
    int32_t offset = 0;

    if (n == 0) return vrv_error_set(err, VRV_EINVAL, "invalid %s \"\": empty", ISO_WHAT);

    bool time_only = s[0] == 'T' || s[0] == 't';
    if (time_only && (flags & VRV_TIME_PARSE_DATE_FIRST)) return malformed(err, ISO_WHAT, s, n, 0);
    if (!time_only) {
        /* date-element: the year, signed, 1-9 digits */
        bool neg = false;
        if (s[pos] == '-' || s[pos] == '+') {
            neg = s[pos] == '-';
            pos++;
        }
        int64_t year;
        if (read_num(s, n, &pos, 9, &year) == 0) return malformed(err, ISO_WHAT, s, n, pos);
        if (neg) year = -year;

        if (pos + 1 < n && s[pos] == '-' && (s[pos + 1] == 'W' || s[pos + 1] == 'w')) {
            /* week date: weekyear '-W' ww ['-' e] */
            pos += 2;
            int64_t week, dow = 1;
            if (read_num(s, n, &pos, 2, &week) == 0) return malformed(err, ISO_WHAT, s, n, pos);
            if (pos + 1 < n && s[pos] == '-' && is_digit(s[pos + 1])) {
                pos++;
                read_num(s, n, &pos, 1, &dow);
            }
            int wmax = vrv_time_weeks_in_year(year);
            if (week < 1 || week > wmax)
                return out_of_range(err, s, n, "weekOfWeekyear", week, 1, wmax);
            if (dow < 1 || dow > 7) return out_of_range(err, s, n, "dayOfWeek", dow, 1, 7);
            days = week1_monday(year) + (week - 1) * 7 + (dow - 1);
        } else {
            int64_t month = 1, day = 1;
            size_t nd = 0;
            if (pos < n && s[pos] == '-')
                while (pos + 1 + nd < n && is_digit(s[pos + 1 + nd])) nd++;
            if (nd >= 3) {
                /* ordinal date: yyyy '-' DDD; Joda takes the longer of the
                 * alternatives, so three digits make a day of year */
                pos++;
                int64_t doy;
                read_num(s, n, &pos, 3, &doy);
                int dmax = vrv_time_is_leap(year) ? 366 : 365;
                if (doy < 1 || doy > dmax)
                    return out_of_range(err, s, n, "dayOfYear", doy, 1, dmax);
                days = vrv_time_days_from_civil(year, 1, 1) + doy - 1;
            } else {
                if (nd > 0) {
                    pos++;
                    read_num(s, n, &pos, 2, &month);
                    if (pos + 1 < n && s[pos] == '-' && is_digit(s[pos + 1])) {
                        pos++;
                        read_num(s, n, &pos, 2, &day);
                    }
                }
                if (month < 1 || month > 12)
                    return out_of_range(err, s, n, "monthOfYear", month, 1, 12);
                int dmax = vrv_time_month_days(year, (int)month);
                if (day < 1 || day > dmax)
                    return out_of_range(err, s, n, "dayOfMonth", day, 1, dmax);
                days = vrv_time_days_from_civil(year, (int)month, (int)day);
            }
        }
        if (pos == n) goto done;
        if (s[pos] == 'T' || s[pos] == 't' || (s[pos] == ' ' && (flags & VRV_TIME_PARSE_SPACE)))
            pos++;
        else
            return malformed(err, ISO_WHAT, s, n, pos);
    } else {
        pos = 1;
    }

    /* time-element, optional after the 'T' */
    if (pos < n && is_digit(s[pos])) {
        int64_t h, mi = 0, se = 0, frac = 0;
        read_num(s, n, &pos, 2, &h);
        if (h > 23) return out_of_range(err, s, n, "hourOfDay", h, 0, 23);
        if (pos + 1 < n && s[pos] == ':' && is_digit(s[pos + 1])) {
            pos++;
            read_num(s, n, &pos, 2, &mi);
            if (mi > 59) return out_of_range(err, s, n, "minuteOfHour", mi, 0, 59);
            if (pos + 1 < n && s[pos] == ':' && is_digit(s[pos + 1])) {
                pos++;
                read_num(s, n, &pos, 2, &se);
                if (se > 59) return out_of_range(err, s, n, "secondOfMinute", se, 0, 59);
                if (is_frac_sep(s, n, pos)) {
                    pos++;
                    read_fraction(s, n, &pos, VRV_MS_PER_SECOND, &frac);
                }
            } else if (is_frac_sep(s, n, pos)) {
                pos++;
                read_fraction(s, n, &pos, VRV_MS_PER_MINUTE, &frac);
            }
        } else if (is_frac_sep(s, n, pos)) {
            pos++;
            read_fraction(s, n, &pos, VRV_MS_PER_HOUR, &frac);
        }
        ms = h * VRV_MS_PER_HOUR + mi * VRV_MS_PER_MINUTE + se * VRV_MS_PER_SECOND + frac;
    } else if (time_only) {
        return malformed(err, ISO_WHAT, s, n, pos);
    }
    if (pos < n) {
        if (!vrv_time_parse_offset(s, n, &pos, &offset)) return malformed(err, ISO_WHAT, s, n, pos);
        has_offset = true;
    }
    if (pos != n) return malformed(err, ISO_WHAT, s, n, pos);

done:
    if (!days_ms(days, ms, &out->local)) {
        char q[VRV_TIME_QUOTE_MAX];
        return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": out of the representable range",
                             ISO_WHAT, vrv_time_quote(s, n, q));
    }
    out->has_offset = has_offset;
    out->offset_ms = offset;
    return 0;
}

/* "yyyy-MM-ddTHH:mm:ss.SSSZ", exactly: the shape Druid, Kafka producers and
 * most JSON emitters write. Returns false to send anything else (including
 * out-of-range fields, for the error message) to the general parser. */
static inline bool parse_fast24(const char *s, size_t n, vrv_ms *out)
{
    if (n != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != '.' || s[23] != 'Z')
        return false;
    static const uint8_t digit_pos[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22};
    unsigned bad = 0;
    for (size_t i = 0; i < sizeof digit_pos; i++) bad |= (unsigned char)(s[digit_pos[i]] - '0') > 9;
    if (bad) return false;
    int year = d2(s) * 100 + d2(s + 2);
    int month = d2(s + 5), day = d2(s + 8);
    int h = d2(s + 11), mi = d2(s + 14), se = d2(s + 17);
    int ms = d2(s + 20) * 10 + (s[22] - '0');
    if (month < 1 || month > 12 || day < 1 || h > 23 || mi > 59 || se > 59) return false;
    if (day > 28 && day > vrv_time_month_days(year, month)) return false;
    *out = vrv_time_days_from_civil(year, month, day) * VRV_MS_PER_DAY + h * VRV_MS_PER_HOUR +
           mi * VRV_MS_PER_MINUTE + se * VRV_MS_PER_SECOND + ms;
    return true;
}

int vrv_time_parse_local(const char *s, size_t n, unsigned flags, vrv_time_parsed *out,
                         vrv_error *err)
{
    vrv_ms t;
    if (parse_fast24(s, n, &t)) {
        out->local = t;
        out->has_offset = true;
        out->offset_ms = 0;
        return 0;
    }
    return parse_general(s, n, flags, out, err);
}

int vrv_time_parse(const char *s, size_t n, unsigned flags, vrv_ms *out, vrv_error *err)
{
    if (parse_fast24(s, n, out)) return 0;
    vrv_time_parsed p;
    int rc = parse_general(s, n, flags, &p, err);
    if (rc) return rc;
    if (!p.has_offset) {
        *out = p.local;
        return 0;
    }
    if (__builtin_sub_overflow(p.local, (vrv_ms)p.offset_ms, out)) {
        char q[VRV_TIME_QUOTE_MAX];
        return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": out of the representable range",
                             ISO_WHAT, vrv_time_quote(s, n, q));
    }
    return 0;
}

/* ---- instant formatting ------------------------------------------------ */

static inline char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Joda's appendPaddedInteger(year, 4): sign, then at least four digits. */
static char *put_year(char *p, int64_t y)
{
    uint64_t u = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;
    if (y < 0) *p++ = '-';
    if (u < 10000) {
        p = put2(p, (int)(u / 100));
        return put2(p, (int)(u % 100));
    }
    char tmp[24];
    int k = 0;
    while (u) {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    }
    while (k) *p++ = tmp[--k];
    return p;
}

/* Writes the wall time of t (already shifted by any offset), without a zone. */
static char *put_local(char *p, vrv_ms t)
{
    vrv_civil c;
    vrv_time_to_civil(t, &c);
    p = put_year(p, c.year);
    *p++ = '-';
    p = put2(p, c.month);
    *p++ = '-';
    p = put2(p, c.day);
    *p++ = 'T';
    p = put2(p, c.hour);
    *p++ = ':';
    p = put2(p, c.minute);
    *p++ = ':';
    p = put2(p, c.second);
    *p++ = '.';
    *p++ = (char)('0' + c.millis / 100);
    return put2(p, c.millis % 100);
}

static char *put_offset(char *p, int32_t off)
{
    if (off == 0) {
        *p++ = 'Z';
        return p;
    }
    *p++ = off < 0 ? '-' : '+';
    uint32_t a = off < 0 ? (uint32_t)0 - (uint32_t)off : (uint32_t)off;
    p = put2(p, (int)(a / 3600000 % 100));
    *p++ = ':';
    p = put2(p, (int)(a / 60000 % 60));
    if (a % 60000) {
        *p++ = ':';
        p = put2(p, (int)(a / 1000 % 60));
        if (a % 1000) {
            *p++ = '.';
            *p++ = (char)('0' + a % 1000 / 100);
            p = put2(p, (int)(a % 100));
        }
    }
    return p;
}

size_t vrv_time_format(vrv_ms t, char *buf)
{
    char *p = put_local(buf, t);
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - buf);
}

size_t vrv_time_format_offset(vrv_ms t, int32_t offset_ms, char *buf)
{
    /* Wrapping addition: an instant within an offset of the int64 edge prints
     * as the wall time Joda's long arithmetic would give. */
    vrv_ms local = (vrv_ms)((uint64_t)t + (uint64_t)(int64_t)offset_ms);
    char *p = put_offset(put_local(buf, local), offset_ms);
    *p = '\0';
    return (size_t)(p - buf);
}

size_t vrv_time_format_offset_only(int32_t offset_ms, char *buf)
{
    char *p = put_offset(buf, offset_ms);
    *p = '\0';
    return (size_t)(p - buf);
}

void vrv_time_append(vrv_buf *b, vrv_ms t)
{
    char *p = vrv_buf_reserve(b, VRV_TIME_STR_MAX);
    size_t k = vrv_time_format(t, p);
    b->len += k;
}

/* ---- periods ----------------------------------------------------------- */

static const char PERIOD_WHAT[] = "ISO-8601 period";

int vrv_period_parse(const char *s, size_t n, vrv_period *out, vrv_error *err)
{
    /* Designators in the order Joda's standard formatter reads them; the
     * index tells which field each fills. */
    static const char date_des[] = "YMWD", time_des[] = "HMS";
    vrv_period p = {0};
    int32_t *date_f[] = {&p.years, &p.months, &p.weeks, &p.days};
    int32_t *time_f[] = {&p.hours, &p.minutes, &p.seconds};
    size_t pos = 0;

    if (n == 0) return vrv_error_set(err, VRV_EINVAL, "invalid %s \"\": empty", PERIOD_WHAT);
    if (s[0] != 'P' && s[0] != 'p') return malformed(err, PERIOD_WHAT, s, n, 0);
    pos = 1;
    bool in_time = false;
    int next = 0; /* index of the next designator allowed */
    while (pos < n) {
        if (!in_time && (s[pos] == 'T' || s[pos] == 't')) {
            in_time = true;
            next = 0;
            pos++;
            if (pos == n) return malformed(err, PERIOD_WHAT, s, n, pos - 1);
            continue;
        }
        size_t start = pos;
        bool neg = false;
        if (s[pos] == '-' || s[pos] == '+') {
            neg = s[pos] == '-';
            pos++;
        }
        int64_t v = 0;
        int k = 0;
        while (pos < n && is_digit(s[pos])) {
            v = v * 10 + (s[pos] - '0');
            if (v > (int64_t)INT32_MAX + 1) {
                char q[VRV_TIME_QUOTE_MAX];
                return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": number too large",
                                     PERIOD_WHAT, vrv_time_quote(s, n, q));
            }
            pos++;
            k++;
        }
        if (k == 0) return malformed(err, PERIOD_WHAT, s, n, start);
        if (neg) v = -v;
        if (v > INT32_MAX) {
            char q[VRV_TIME_QUOTE_MAX];
            return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": number too large",
                                 PERIOD_WHAT, vrv_time_quote(s, n, q));
        }
        int64_t frac = 0;
        bool has_frac = false;
        if (in_time && pos < n && (s[pos] == '.' || s[pos] == ',')) {
            /* only seconds take a fraction; its first three digits are millis */
            has_frac = true;
            pos++;
            int fd = 0;
            while (pos < n && is_digit(s[pos])) {
                if (fd < 3) frac = frac * 10 + (s[pos] - '0');
                fd++;
                pos++;
            }
            for (; fd < 3; fd++) frac *= 10;
            if (neg) frac = -frac;
        }
        if (pos == n) return malformed(err, PERIOD_WHAT, s, n, pos);
        char c = s[pos];
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        const char *des = in_time ? time_des : date_des;
        int nd = in_time ? 3 : 4, idx = -1;
        for (int i = next; i < nd; i++)
            if (des[i] == c) {
                idx = i;
                break;
            }
        if (idx < 0 || (has_frac && idx != 2)) return malformed(err, PERIOD_WHAT, s, n, pos);
        *(in_time ? time_f[idx] : date_f[idx]) = (int32_t)v;
        if (has_frac) p.millis = (int32_t)frac;
        next = idx + 1;
        pos++;
    }
    *out = p;
    return 0;
}

static char *put_int(char *p, int64_t v)
{
    char tmp[24];
    int k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *p++ = '-';
    while (k) *p++ = tmp[--k];
    return p;
}

size_t vrv_period_format(const vrv_period *pd, char *buf)
{
    char *p = buf;
    *p++ = 'P';
    if (pd->years) p = put_int(p, pd->years), *p++ = 'Y';
    if (pd->months) p = put_int(p, pd->months), *p++ = 'M';
    if (pd->weeks) p = put_int(p, pd->weeks), *p++ = 'W';
    if (pd->days) p = put_int(p, pd->days), *p++ = 'D';
    int64_t sec_ms = (int64_t)pd->seconds * 1000 + pd->millis;
    if (pd->hours || pd->minutes || sec_ms || vrv_period_is_zero(pd)) {
        *p++ = 'T';
        if (pd->hours) p = put_int(p, pd->hours), *p++ = 'H';
        if (pd->minutes) p = put_int(p, pd->minutes), *p++ = 'M';
        if (sec_ms || vrv_period_is_zero(pd)) {
            /* Joda prints seconds and millis as one field: whole seconds,
             * then ".SSS" when millis remain, with the sign kept for -0.5 */
            int64_t whole = sec_ms / 1000, frac = sec_ms % 1000;
            if (frac < 0) frac = -frac;
            if (sec_ms < 0 && sec_ms > -1000) *p++ = '-';
            p = put_int(p, whole);
            if (frac) {
                *p++ = '.';
                *p++ = (char)('0' + frac / 100);
                p = put2(p, (int)(frac % 100));
            }
            *p++ = 'S';
        }
    }
    *p = '\0';
    return (size_t)(p - buf);
}

int vrv_period_to_ms(const vrv_period *p, int64_t *out, vrv_error *err)
{
    if (vrv_period_has_months(p)) {
        char b[VRV_PERIOD_STR_MAX];
        vrv_period_format(p, b);
        return vrv_error_set(err, VRV_EINVAL,
                             "period %s has %s, whose length varies; it cannot be used as a "
                             "fixed duration",
                             b, p->years ? "years" : "months");
    }
    /* Each term fits in 2^31 * 604800000 < 2^61 and there are six. */
    *out = (int64_t)p->weeks * VRV_MS_PER_WEEK + (int64_t)p->days * VRV_MS_PER_DAY +
           (int64_t)p->hours * VRV_MS_PER_HOUR + (int64_t)p->minutes * VRV_MS_PER_MINUTE +
           (int64_t)p->seconds * VRV_MS_PER_SECOND + p->millis;
    return 0;
}

int vrv_period_parse_ms(const char *s, size_t n, int64_t *out, vrv_error *err)
{
    vrv_period p;
    int rc = vrv_period_parse(s, n, &p, err);
    if (rc) return rc;
    return vrv_period_to_ms(&p, out, err);
}

/* Adds months to t keeping the day of month (clamped) and the time of day:
 * Joda's BasicMonthOfYearDateTimeField.add. */
static bool add_months(vrv_ms t, int64_t months, vrv_ms *out)
{
    int64_t days = vrv_time_floor_div(t, VRV_MS_PER_DAY);
    int64_t ms = vrv_time_floor_mod(t, VRV_MS_PER_DAY);
    int64_t y;
    int m, d;
    vrv_time_civil_from_days(days, &y, &m, &d);
    int64_t total;
    if (__builtin_add_overflow(y * 12 + (m - 1), months, &total)) return false;
    /* Joda's year range is about +-292 million; anything past it overflows
     * int64 millis anyway. */
    if (total > (int64_t)300000000 * 12 || total < -(int64_t)300000000 * 12) return false;
    int64_t ny = vrv_time_floor_div(total, 12);
    int nm = (int)vrv_time_floor_mod(total, 12) + 1;
    int md = vrv_time_month_days(ny, nm);
    if (d > md) d = md;
    return days_ms(vrv_time_days_from_civil(ny, nm, d), ms, out);
}

static bool add_precise(vrv_ms t, int64_t v, int64_t unit, vrv_ms *out)
{
    int64_t x;
    if (__builtin_mul_overflow(v, unit, &x)) return false;
    return !__builtin_add_overflow(t, x, out);
}

int vrv_period_add(const vrv_period *p, vrv_ms t, int64_t n, vrv_ms *out)
{
    int64_t v;
    bool ok = true;
    if (ok && p->years) {
        ok = !__builtin_mul_overflow((int64_t)p->years, n, &v) &&
             !__builtin_mul_overflow(v, (int64_t)12, &v) && add_months(t, v, &t);
    }
    if (ok && p->months)
        ok = !__builtin_mul_overflow((int64_t)p->months, n, &v) && add_months(t, v, &t);
    if (ok && p->weeks)
        ok = !__builtin_mul_overflow((int64_t)p->weeks, n, &v) &&
             add_precise(t, v, VRV_MS_PER_WEEK, &t);
    if (ok && p->days)
        ok = !__builtin_mul_overflow((int64_t)p->days, n, &v) &&
             add_precise(t, v, VRV_MS_PER_DAY, &t);
    if (ok && p->hours)
        ok = !__builtin_mul_overflow((int64_t)p->hours, n, &v) &&
             add_precise(t, v, VRV_MS_PER_HOUR, &t);
    if (ok && p->minutes)
        ok = !__builtin_mul_overflow((int64_t)p->minutes, n, &v) &&
             add_precise(t, v, VRV_MS_PER_MINUTE, &t);
    if (ok && p->seconds)
        ok = !__builtin_mul_overflow((int64_t)p->seconds, n, &v) &&
             add_precise(t, v, VRV_MS_PER_SECOND, &t);
    if (ok && p->millis)
        ok = !__builtin_mul_overflow((int64_t)p->millis, n, &v) && add_precise(t, v, 1, &t);
    if (!ok) return VRV_EINVAL;
    *out = t;
    return 0;
}

/* ---- intervals --------------------------------------------------------- */

static const char IV_WHAT[] = "ISO-8601 interval";

int vrv_interval_parse(const char *s, size_t n, vrv_interval *out, vrv_error *err)
{
    char q[VRV_TIME_QUOTE_MAX];
    const char *slash = memchr(s, '/', n);
    if (!slash)
        return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": requires a '/' separator",
                             IV_WHAT, vrv_time_quote(s, n, q));
    size_t ln = (size_t)(slash - s), rn = n - ln - 1;
    const char *r = slash + 1;
    if (ln == 0 || rn == 0)
        return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": %s is empty", IV_WHAT,
                             vrv_time_quote(s, n, q), ln == 0 ? "the start" : "the end");
    bool lp = s[0] == 'P' || s[0] == 'p', rp = r[0] == 'P' || r[0] == 'p';
    if (lp && rp)
        return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": composed of two periods", IV_WHAT,
                             vrv_time_quote(s, n, q));
    vrv_period per;
    vrv_ms start = 0, end = 0;
    int rc;
    if (lp)
        rc = vrv_period_parse(s, ln, &per, err);
    else
        rc = vrv_time_parse(s, ln, 0, &start, err);
    if (rc) return vrv_error_prefix(err, "interval \"%s\"", vrv_time_quote(s, n, q));
    if (rp)
        rc = vrv_period_parse(r, rn, &per, err);
    else
        rc = vrv_time_parse(r, rn, 0, &end, err);
    if (rc) return vrv_error_prefix(err, "interval \"%s\"", vrv_time_quote(s, n, q));
    if ((rp && vrv_period_add(&per, start, 1, &end)) ||
        (lp && vrv_period_add(&per, end, -1, &start)))
        return vrv_error_set(err, VRV_EINVAL, "invalid %s \"%s\": out of the representable range",
                             IV_WHAT, vrv_time_quote(s, n, q));
    if (end < start)
        return vrv_error_set(err, VRV_EINVAL,
                             "invalid %s \"%s\": the end must not be before the start", IV_WHAT,
                             vrv_time_quote(s, n, q));
    out->start = start;
    out->end = end;
    return 0;
}

size_t vrv_interval_format(vrv_interval iv, char *buf)
{
    size_t k = vrv_time_format(iv.start, buf);
    buf[k++] = '/';
    return k + vrv_time_format(iv.end, buf + k);
}

void vrv_interval_append(vrv_buf *b, vrv_interval iv)
{
    char *p = vrv_buf_reserve(b, VRV_INTERVAL_STR_MAX);
    b->len += vrv_interval_format(iv, p);
}

static int cmp_interval(const void *a, const void *b)
{
    const vrv_interval *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

size_t vrv_interval_condense(vrv_interval *ivs, size_t n)
{
    if (n < 2) return n;
    qsort(ivs, n, sizeof *ivs, cmp_interval);
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        if (ivs[i].start <= ivs[k].end) {
            if (ivs[i].end > ivs[k].end) ivs[k].end = ivs[i].end;
        } else {
            ivs[++k] = ivs[i];
        }
    }
    return k + 1;
}
