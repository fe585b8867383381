/*
 * tz.c — TZif loading, POSIX TZ rules, offset lookup and Joda's local->UTC
 * conversions, plus the process-wide zone cache.
 *
 * A loaded zone is a table of transitions (UTC millis, the offset from then
 * on; only real offset changes are kept) and, for instants past the table,
 * the footer's POSIX TZ rule, evaluated year by year. Zones are immutable once
 * built; the cache (name -> zone) is guarded by one mutex and never shrinks.
 */
#include "base/tz.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/mem.h"

/* One end of a POSIX TZ daylight-saving rule. */
typedef struct tz_date {
    char kind;      /* 'J': Julian day 1..365 without Feb 29; 'N': day 0..365; 'M': month rule */
    int16_t day;    /* J/N: the day; M: day of week 0 (Sunday) .. 6 */
    int8_t month;   /* M: 1..12 */
    int8_t week;    /* M: 1..5, 5 = the last such weekday of the month */
    int32_t time_s; /* local time of day of the change, seconds; -167h..167h */
} tz_date;

typedef struct tz_rule {
    int32_t std_ms; /* offset in standard time (local = utc + offset) */
    int32_t dst_ms; /* offset in daylight-saving time */
    bool has_dst;   /* false: std_ms all year */
    tz_date start;  /* change to DST, in local standard time */
    tz_date end;    /* change back, in local daylight time */
} tz_rule;

struct vrv_tz {
    char id[VRV_TZ_ID_MAX];
    bool fixed;      /* no transitions ever: offset is initial */
    bool has_rule;   /* rule applies at and after the last transition (always when n == 0) */
    int32_t initial; /* offset before the first transition */
    size_t n;        /* transitions */
    vrv_ms *trans;   /* ascending UTC millis */
    int32_t *offs;   /* offs[i] applies from trans[i] on */
    tz_rule rule;
};

static vrv_tz utc_zone = {.id = "UTC", .fixed = true};

const vrv_tz *vrv_tz_utc(void)
{
    return &utc_zone;
}

const char *vrv_tz_id(const vrv_tz *tz)
{
    return tz->id;
}

bool vrv_tz_is_fixed(const vrv_tz *tz, int32_t *offset_ms)
{
    if (!tz->fixed) return false;
    if (offset_ms) *offset_ms = tz->initial;
    return true;
}

/* ---- POSIX TZ rules ---------------------------------------------------- */

/* Day number of a rule date in year y. */
static int64_t rule_day(const tz_date *d, int64_t y)
{
    int64_t jan1 = vrv_time_days_from_civil(y, 1, 1);
    switch (d->kind) {
    case 'J': /* Feb 29 is never counted: day 60 is always March 1 */
        return jan1 + d->day - 1 + (vrv_time_is_leap(y) && d->day >= 60);
    case 'N':
        return jan1 + d->day;
    default: {
        int64_t first = vrv_time_days_from_civil(y, d->month, 1);
        int dow0 = vrv_time_dow(first) % 7; /* 0 = Sunday */
        int day = 1 + (d->day - dow0 + 7) % 7 + (d->week - 1) * 7;
        int md = vrv_time_month_days(y, d->month);
        while (day > md) day -= 7;
        return first + day - 1;
    }
    }
}

/* UTC instant of a rule change in year y, read in local time of offset
 * before_ms. False when it does not fit in int64. */
static bool rule_instant(const tz_date *d, int64_t y, int32_t before_ms, vrv_ms *out)
{
    if (y > 300000000 || y < -300000000) return false;
    int64_t t;
    if (__builtin_mul_overflow(rule_day(d, y), VRV_MS_PER_DAY, &t)) return false;
    if (__builtin_add_overflow(t, (int64_t)d->time_s * 1000 - before_ms, &t)) return false;
    *out = t;
    return true;
}

static int64_t year_of(vrv_ms t, int32_t off)
{
    vrv_ms local;
    if (__builtin_add_overflow(t, (vrv_ms)off, &local)) local = t;
    int64_t y;
    int m, d;
    vrv_time_civil_from_days(vrv_time_floor_div(local, VRV_MS_PER_DAY), &y, &m, &d);
    return y;
}

static int32_t rule_offset(const tz_rule *r, vrv_ms t)
{
    if (!r->has_dst) return r->std_ms;
    int64_t y = year_of(t, r->std_ms);
    vrv_ms s, e;
    if (!rule_instant(&r->start, y, r->std_ms, &s) || !rule_instant(&r->end, y, r->dst_ms, &e))
        return r->std_ms;
    bool dst = s < e ? (t >= s && t < e) : !(t >= e && t < s);
    return dst ? r->dst_ms : r->std_ms;
}

/* The rule's changes in the three years around t, for next/previous. */
static int rule_changes(const tz_rule *r, vrv_ms t, vrv_ms out[6])
{
    int k = 0;
    int64_t y = year_of(t, r->std_ms);
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        if (rule_instant(&r->start, yy, r->std_ms, &out[k])) k++;
        if (rule_instant(&r->end, yy, r->dst_ms, &out[k])) k++;
    }
    return k;
}

/* Parses [+-]hh[:mm[:ss]] with hours up to max_h; returns seconds. */
static bool parse_hms(const char **pp, int max_h, int32_t *out)
{
    const char *p = *pp;
    int sign = 1;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    if (*p < '0' || *p > '9') return false;
    int h = 0, m = 0, s = 0, k = 0;
    while (*p >= '0' && *p <= '9' && k < 3) h = h * 10 + (*p++ - '0'), k++;
    if (h > max_h) return false;
    if (*p == ':') {
        p++;
        if (p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9') return false;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':') {
            p++;
            if (p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9') return false;
            s = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    *pp = p;
    return true;
}

static bool parse_tz_name(const char **pp)
{
    const char *p = *pp;
    if (*p == '<') {
        p++;
        while (*p && *p != '>') p++;
        if (*p != '>') return false;
        p++;
    } else {
        const char *s = p;
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) p++;
        if (p - s < 3) return false;
    }
    *pp = p;
    return true;
}

static bool parse_tz_date(const char **pp, tz_date *d)
{
    const char *p = *pp;
    int v = 0, k = 0;
    if (*p == 'M') {
        int m = 0, w = 0, dd = 0;
        p++;
        while (*p >= '0' && *p <= '9' && k++ < 2) m = m * 10 + (*p++ - '0');
        if (*p++ != '.' || *p < '1' || *p > '5') return false;
        w = *p++ - '0';
        if (*p++ != '.' || *p < '0' || *p > '6') return false;
        dd = *p++ - '0';
        if (m < 1 || m > 12) return false;
        d->kind = 'M';
        d->month = (int8_t)m;
        d->week = (int8_t)w;
        d->day = (int16_t)dd;
    } else {
        d->kind = 'N';
        if (*p == 'J') {
            d->kind = 'J';
            p++;
        }
        if (*p < '0' || *p > '9') return false;
        while (*p >= '0' && *p <= '9' && k++ < 3) v = v * 10 + (*p++ - '0');
        if (d->kind == 'J' ? (v < 1 || v > 365) : v > 365) return false;
        d->day = (int16_t)v;
    }
    d->time_s = 7200; /* 02:00 by default */
    if (*p == '/' && (p++, !parse_hms(&p, 167, &d->time_s))) return false;
    *pp = p;
    return true;
}

/* Parses a POSIX TZ string as found in a TZif footer ("PST8PDT,M3.2.0,M11.1.0",
 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "IST-5:30"). */
static bool parse_posix_tz(const char *s, tz_rule *r)
{
    const char *p = s;
    int32_t off;
    memset(r, 0, sizeof *r);
    if (!parse_tz_name(&p) || !parse_hms(&p, 24, &off)) return false;
    r->std_ms = -off * 1000; /* POSIX counts west of Greenwich as positive */
    if (*p == '\0') return true;
    if (!parse_tz_name(&p)) return false;
    r->has_dst = true;
    r->dst_ms = r->std_ms + 3600000;
    if (*p && *p != ',') {
        if (!parse_hms(&p, 24, &off)) return false;
        r->dst_ms = -off * 1000;
    }
    if (*p == '\0') {
        /* no dates: the rule POSIX implementations assume (the US rules) */
        r->start = (tz_date){'M', 0, 3, 2, 7200};
        r->end = (tz_date){'M', 0, 11, 1, 7200};
        return true;
    }
    if (*p++ != ',' || !parse_tz_date(&p, &r->start)) return false;
    if (*p++ != ',' || !parse_tz_date(&p, &r->end)) return false;
    return *p == '\0';
}

/* ---- lookups ----------------------------------------------------------- */

/* Index of the last transition <= t, or -1. */
static ptrdiff_t find_le(const vrv_tz *tz, vrv_ms t)
{
    size_t lo = 0, hi = tz->n; /* answer in [lo-1, hi-1] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

int32_t vrv_tz_offset(const vrv_tz *tz, vrv_ms t)
{
    if (tz->fixed) return tz->initial;
    if (tz->n == 0) return rule_offset(&tz->rule, t);
    if (t >= tz->trans[tz->n - 1])
        return tz->has_rule ? rule_offset(&tz->rule, t) : tz->offs[tz->n - 1];
    ptrdiff_t i = find_le(tz, t);
    return i < 0 ? tz->initial : tz->offs[i];
}

vrv_ms vrv_tz_next_transition(const vrv_tz *tz, vrv_ms t)
{
    if (tz->fixed) return t;
    if (tz->n > 0 && t < tz->trans[tz->n - 1]) return tz->trans[find_le(tz, t) + 1];
    if (!tz->has_rule || !tz->rule.has_dst) return t;
    vrv_ms c[6], best = t;
    int k = rule_changes(&tz->rule, t, c);
    for (int i = 0; i < k; i++)
        if (c[i] > t && (best == t || c[i] < best)) best = c[i];
    return best;
}

vrv_ms vrv_tz_prev_transition(const vrv_tz *tz, vrv_ms t)
{
    if (tz->fixed) return t;
    vrv_ms found = t;
    bool have = false;
    if (tz->has_rule && tz->rule.has_dst && (tz->n == 0 || t >= tz->trans[tz->n - 1])) {
        vrv_ms c[6];
        int k = rule_changes(&tz->rule, t, c);
        for (int i = 0; i < k; i++)
            if (c[i] <= t && (!have || c[i] > found) &&
                (tz->n == 0 || c[i] >= tz->trans[tz->n - 1])) {
                found = c[i];
                have = true;
            }
    }
    if (!have && tz->n > 0) {
        ptrdiff_t i = find_le(tz, t);
        if (i >= 0) {
            found = tz->trans[i];
            have = true;
        }
    }
    if (!have || found == INT64_MIN) return t;
    return found - 1;
}

/* local - offset, saturating instead of overflowing at the int64 ends. */
static vrv_ms sub_off(vrv_ms local, int32_t off)
{
    vrv_ms r;
    if (__builtin_sub_overflow(local, (vrv_ms)off, &r)) return off > 0 ? INT64_MIN : INT64_MAX;
    return r;
}

/* Joda's DateTimeZone.getOffsetFromLocal. */
static int32_t offset_from_local(const vrv_tz *tz, vrv_ms local)
{
    int32_t off_local = vrv_tz_offset(tz, local);
    vrv_ms adjusted = sub_off(local, off_local);
    int32_t off_adjusted = vrv_tz_offset(tz, adjusted);
    if (off_local != off_adjusted) {
        /* West of the transition the naive answer lands before a gap; keep
         * the time on or after the transition. */
        if (off_local - off_adjusted < 0) {
            vrv_ms next_local = vrv_tz_next_transition(tz, adjusted);
            if (next_local == adjusted) next_local = INT64_MAX;
            vrv_ms a2 = sub_off(local, off_adjusted);
            vrv_ms next_adjusted = vrv_tz_next_transition(tz, a2);
            if (next_adjusted == a2) next_adjusted = INT64_MAX;
            if (next_local != next_adjusted) return off_local;
        }
    } else if (off_local >= 0) {
        /* In an overlap east of Greenwich prefer the earlier instant. */
        vrv_ms prev = vrv_tz_prev_transition(tz, adjusted);
        if (prev < adjusted) {
            int32_t off_prev = vrv_tz_offset(tz, prev);
            int64_t diff = (int64_t)off_prev - off_local;
            int64_t gap;
            if (!__builtin_sub_overflow(adjusted, prev, &gap) && gap <= diff) return off_prev;
        }
    }
    return off_adjusted;
}

vrv_ms vrv_tz_local_to_utc(const vrv_tz *tz, vrv_ms local)
{
    if (tz->fixed) return sub_off(local, tz->initial);
    return sub_off(local, offset_from_local(tz, local));
}

/* Joda's convertLocalToUTC(local, strict = false). */
static vrv_ms local_to_utc_lenient(const vrv_tz *tz, vrv_ms local)
{
    int32_t off_local = vrv_tz_offset(tz, local);
    int32_t off = vrv_tz_offset(tz, sub_off(local, off_local));
    if (off_local != off && off_local < 0) {
        vrv_ms a1 = sub_off(local, off_local), a2 = sub_off(local, off);
        vrv_ms next_local = vrv_tz_next_transition(tz, a1);
        if (next_local == a1) next_local = INT64_MAX;
        vrv_ms next_adjusted = vrv_tz_next_transition(tz, a2);
        if (next_adjusted == a2) next_adjusted = INT64_MAX;
        if (next_local != next_adjusted) off = off_local; /* in the gap: after it */
    }
    return sub_off(local, off);
}

vrv_ms vrv_tz_local_to_utc_near(const vrv_tz *tz, vrv_ms local, vrv_ms near)
{
    if (tz->fixed) return sub_off(local, tz->initial);
    int32_t off_near = vrv_tz_offset(tz, near);
    vrv_ms utc = sub_off(local, off_near);
    if (vrv_tz_offset(tz, utc) == off_near) return utc;
    return local_to_utc_lenient(tz, local);
}

size_t vrv_tz_format(const vrv_tz *tz, vrv_ms t, char *buf)
{
    return vrv_time_format_offset(t, vrv_tz_offset(tz, t), buf);
}

void vrv_tz_append(vrv_buf *b, const vrv_tz *tz, vrv_ms t)
{
    char *p = vrv_buf_reserve(b, VRV_TIME_STR_MAX);
    b->len += vrv_tz_format(tz, t, p);
}

int vrv_tz_parse_time(const vrv_tz *tz, const char *s, size_t n, unsigned flags, vrv_ms *out,
                      vrv_error *err)
{
    vrv_time_parsed p;
    int rc = vrv_time_parse_local(s, n, flags, &p, err);
    if (rc) return rc;
    int32_t off;
    if (p.has_offset) {
        off = p.offset_ms;
    } else if (tz->fixed) {
        off = tz->initial;
    } else {
        off = offset_from_local(tz, p.local);
        /* Joda rejects a wall time that does not exist (DST gap) */
        if (off != vrv_tz_offset(tz, sub_off(p.local, off))) {
            char q[VRV_TIME_QUOTE_MAX];
            vrv_time_quote(s, n, q);
            return vrv_error_set(err, VRV_EINVAL,
                                 "invalid ISO-8601 time \"%s\": illegal instant due to time zone "
                                 "offset transition (%s)",
                                 q, tz->id);
        }
    }
    if (__builtin_sub_overflow(p.local, (vrv_ms)off, out))
        return vrv_error_set(err, VRV_EINVAL,
                             "invalid ISO-8601 time: out of the representable range");
    return 0;
}

/* ---- period arithmetic in a zone --------------------------------------- */

/* Adds v units of a date field (years, months or days/weeks as days) in local
 * time: Joda's ZonedDurationField.add. */
static bool zoned_add(const vrv_tz *tz, vrv_ms t, int64_t v, int unit, vrv_ms *out)
{
    vrv_ms local, moved;
    if (__builtin_add_overflow(t, (vrv_ms)vrv_tz_offset(tz, t), &local)) return false;
    vrv_period one = {0};
    switch (unit) {
    case 'Y':
        one.years = 1;
        break;
    case 'M':
        one.months = 1;
        break;
    default:
        one.days = 1;
        break;
    }
    if (vrv_period_add(&one, local, v, &moved)) return false;
    int32_t off = offset_from_local(tz, moved);
    return !__builtin_sub_overflow(moved, (vrv_ms)off, out);
}

int vrv_period_add_tz(const vrv_period *p, vrv_ms t, int64_t n, const vrv_tz *tz, vrv_ms *out)
{
    if (!tz || tz == &utc_zone) return vrv_period_add(p, t, n, out);
    if (tz->fixed) {
        /* the calendar fields move in wall time: 01-30T20:00Z plus a month
         * at +05:00 is 02-28T01:00+05:00, not 02-28T20:00Z */
        vrv_ms local, moved;
        if (__builtin_add_overflow(t, (vrv_ms)tz->initial, &local) ||
            vrv_period_add(p, local, n, &moved) ||
            __builtin_sub_overflow(moved, (vrv_ms)tz->initial, out))
            return VRV_EINVAL;
        return 0;
    }
    int64_t v;
    bool ok = true;
    if (ok && p->years)
        ok = !__builtin_mul_overflow((int64_t)p->years, n, &v) && zoned_add(tz, t, v, 'Y', &t);
    if (ok && p->months)
        ok = !__builtin_mul_overflow((int64_t)p->months, n, &v) && zoned_add(tz, t, v, 'M', &t);
    if (ok && p->weeks)
        ok = !__builtin_mul_overflow((int64_t)p->weeks, n, &v) &&
             !__builtin_mul_overflow(v, (int64_t)7, &v) && zoned_add(tz, t, v, 'D', &t);
    if (ok && p->days)
        ok = !__builtin_mul_overflow((int64_t)p->days, n, &v) && zoned_add(tz, t, v, 'D', &t);
    if (ok) {
        /* hours and smaller are exact durations in every zone */
        vrv_period rest = {0};
        rest.hours = p->hours;
        rest.minutes = p->minutes;
        rest.seconds = p->seconds;
        rest.millis = p->millis;
        ok = vrv_period_add(&rest, t, n, &t) == 0;
    }
    if (!ok) return VRV_EINVAL;
    *out = t;
    return 0;
}

/* ---- TZif files -------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Seconds to millis, clamped: TZif files mark "the beginning of time" with
 * -2^59 s, which does not fit in int64 millis. */
static vrv_ms secs_to_ms(int64_t s)
{
    if (s > INT64_MAX / 1000) return INT64_MAX;
    if (s < INT64_MIN / 1000) return INT64_MIN;
    return s * 1000;
}

/* Builds tz from a TZif image. Returns 0 or VRV_ECORRUPT with err naming what. */
static int tzif_parse(const unsigned char *d, size_t len, vrv_tz *tz, const char *name,
                      vrv_error *err)
{
#define CORRUPT(what)                                                                              \
    vrv_error_set(err, VRV_ECORRUPT, "time zone \"%s\": corrupt tz file (%s)", name, what)
    if (len < 44 || memcmp(d, "TZif", 4) != 0) return CORRUPT("not a TZif file");
    int version = d[4] == 0 ? 1 : d[4] - '0';
    if (version < 1 || version > 9) return CORRUPT("unknown version");
    size_t pos = 0, tsize = 4;
    uint32_t cnt[6];
    for (int pass = 0; pass < (version >= 2 ? 2 : 1); pass++) {
        if (pos + 44 > len || memcmp(d + pos, "TZif", 4) != 0) return CORRUPT("bad header");
        for (int i = 0; i < 6; i++) cnt[i] = be32(d + pos + 20 + 4 * i);
        uint32_t isut = cnt[0], isstd = cnt[1], leap = cnt[2], timecnt = cnt[3], typecnt = cnt[4],
                 charcnt = cnt[5];
        if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || charcnt > 100000 ||
            leap > 100000 || isut > 256 || isstd > 256)
            return CORRUPT("bad counts");
        size_t block = (size_t)timecnt * tsize + timecnt + (size_t)typecnt * 6 + charcnt +
                       (size_t)leap * (tsize + 4) + isstd + isut;
        if (pos + 44 + block > len) return CORRUPT("truncated");
        if (pass == 0 && version >= 2) {
            pos += 44 + block; /* skip the 32-bit data, read the 64-bit block */
            tsize = 8;
            continue;
        }
        if (leap > 0) return CORRUPT("leap seconds are not supported");
        const unsigned char *times = d + pos + 44;
        const unsigned char *idx = times + (size_t)timecnt * tsize;
        const unsigned char *types = idx + timecnt;
        int32_t offs[256];
        for (uint32_t i = 0; i < typecnt; i++) {
            int32_t s = (int32_t)be32(types + 6 * i);
            if (s <= -26 * 3600 || s >= 26 * 3600) return CORRUPT("offset out of range");
            offs[i] = s * 1000;
        }
        tz->initial = offs[0];
        tz->trans = vrv_malloc((timecnt ? timecnt : 1) * sizeof *tz->trans);
        tz->offs = vrv_malloc((timecnt ? timecnt : 1) * sizeof *tz->offs);
        tz->n = 0;
        int32_t prev_off = tz->initial;
        vrv_ms prev_t = INT64_MIN;
        for (uint32_t i = 0; i < timecnt; i++) {
            int64_t ts = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
            vrv_ms t = secs_to_ms(ts);
            if (idx[i] >= typecnt) return CORRUPT("bad type index");
            if (i > 0 && t <= prev_t) return CORRUPT("transitions out of order");
            prev_t = t;
            int32_t o = offs[idx[i]];
            if (o == prev_off) continue; /* a change of name or DST flag only */
            tz->trans[tz->n] = t;
            tz->offs[tz->n] = o;
            tz->n++;
            prev_off = o;
        }
        pos += 44 + block;
    }
    /* footer: "\n<POSIX TZ>\n" */
    tz->has_rule = false;
    if (version >= 2 && pos < len) {
        if (d[pos] != '\n') return CORRUPT("bad footer");
        const unsigned char *nl = memchr(d + pos + 1, '\n', len - pos - 1);
        if (!nl) return CORRUPT("bad footer");
        size_t flen = (size_t)(nl - (d + pos + 1));
        if (flen > 0) {
            char rule[128];
            if (flen >= sizeof rule) return CORRUPT("footer too long");
            memcpy(rule, d + pos + 1, flen);
            rule[flen] = '\0';
            if (!parse_posix_tz(rule, &tz->rule)) return CORRUPT("unsupported TZ rule");
            tz->has_rule = true;
        }
    }
    if (tz->n == 0) {
        if (!tz->has_rule || !tz->rule.has_dst) {
            tz->fixed = true;
            if (tz->has_rule) tz->initial = tz->rule.std_ms;
        }
    }
    return 0;
#undef CORRUPT
}

static void tz_free(vrv_tz *tz)
{
    if (!tz) return;
    free(tz->trans);
    free(tz->offs);
    free(tz);
}

/* Reads zone `name` from the tz database directory. */
static int tz_load(const char *name, vrv_tz **out, vrv_error *err)
{
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return vrv_error_set(err, VRV_EINVAL, "time zone \"%s\": name too long", name);
    vrv_buf b = VRV_BUF_INIT;
    if (vrv_buf_read_file(&b, path) != 0) {
        vrv_buf_free(&b);
        return vrv_error_set(err, VRV_ENOTFOUND, "unknown time zone \"%s\"", name);
    }
    vrv_tz *tz = vrv_calloc(1, sizeof *tz);
    int rc = tzif_parse((const unsigned char *)b.data, b.len, tz, name, err);
    vrv_buf_free(&b);
    if (rc) {
        tz_free(tz);
        return rc;
    }
    /* The canonical id: links (symlinks in the tz database) resolve to the
     * zone they name, as Joda resolves aliases. */
    snprintf(tz->id, sizeof tz->id, "%s", name);
    char real[PATH_MAX], realdir[PATH_MAX];
    if (realpath(path, real) && realpath(dir, realdir)) {
        size_t dl = strlen(realdir);
        if (strncmp(real, realdir, dl) == 0 && real[dl] == '/' && strlen(real + dl + 1) > 0 &&
            strlen(real + dl + 1) < sizeof tz->id)
            snprintf(tz->id, sizeof tz->id, "%s", real + dl + 1);
    }
    *out = tz;
    return 0;
}

/* ---- names and the cache ----------------------------------------------- */

static const char *const utc_names[] = {
    "UTC",           "Z",        "GMT",       "UT",        "UCT",
    "Etc/UTC",       "Etc/GMT",  "Etc/UCT",   "Etc/Zulu",  "Etc/Universal",
    "Etc/Greenwich", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0",
    "GMT+0",         "GMT-0",    "Universal", "Zulu",      "Greenwich",
};

/* Parses an offset: sign, 1-2 hour digits, then [:]mm, [:]ss, .SSS, all
 * optional, each needing the previous. */
static bool parse_offset_name(const char *s, size_t n, int32_t *out)
{
    size_t i = 0;
    if (n < 2 || (s[0] != '+' && s[0] != '-')) return false;
    int sign = s[0] == '-' ? -1 : 1;
    i = 1;
    int h = 0, k = 0;
    while (i < n && k < 2 && s[i] >= '0' && s[i] <= '9') h = h * 10 + (s[i++] - '0'), k++;
    if (k == 0 || h > 23) return false;
    int64_t ms = h * VRV_MS_PER_HOUR;
    bool colon = false;
    for (int part = 0; part < 2 && i < n; part++) {
        if (s[i] == ':') {
            if (part == 0)
                colon = true;
            else if (!colon)
                return false;
            i++;
        } else if (colon) {
            return false;
        }
        if (i + 2 > n || s[i] < '0' || s[i] > '5' || s[i + 1] < '0' || s[i + 1] > '9') return false;
        int v = (s[i] - '0') * 10 + (s[i + 1] - '0');
        i += 2;
        ms += part == 0 ? v * VRV_MS_PER_MINUTE : v * VRV_MS_PER_SECOND;
        if (part == 1 && i < n && s[i] == '.') {
            i++;
            int f = 0, fd = 0;
            while (i < n && fd < 3 && s[i] >= '0' && s[i] <= '9') f = f * 10 + (s[i++] - '0'), fd++;
            if (fd == 0) return false;
            while (fd++ < 3) f *= 10;
            ms += f;
        }
    }
    if (i != n) return false;
    *out = (int32_t)(sign * ms);
    return true;
}

/* Zone names that are safe to open under the tz directory. */
static bool valid_region(const char *s, size_t n)
{
    if (n == 0 || n >= VRV_TZ_ID_MAX || s[0] == '/' || s[0] == '.') return false;
    if (n >= 6 && (memcmp(s, "posix/", 6) == 0 || memcmp(s, "right/", 6) == 0)) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+'))
            return false;
        if (c == '/' && (i + 1 == n || s[i + 1] == '/' || s[i + 1] == '.')) return false;
    }
    return true;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static vrv_map cache; /* name -> (uintptr_t)vrv_tz*, keys copied */
static bool cache_ready;

/* Looks key up in, or adds it to, the cache. Call with cache_lock held. */
static const vrv_tz *cache_get(const char *key, size_t n)
{
    if (!cache_ready) return NULL;
    uint64_t *v = vrv_map_get(&cache, key, n);
    return v ? (const vrv_tz *)(uintptr_t)*v : NULL;
}

static void cache_put(const char *key, size_t n, const vrv_tz *tz)
{
    if (!cache_ready) {
        vrv_map_init(&cache, true);
        cache_ready = true;
    }
    *vrv_map_put(&cache, key, n, NULL) = (uint64_t)(uintptr_t)tz;
}

const vrv_tz *vrv_tz_fixed(int32_t offset_ms)
{
    if (offset_ms == 0) return &utc_zone;
    char id[VRV_TIME_STR_MAX];
    size_t k = vrv_time_format_offset_only(offset_ms, id);
    pthread_mutex_lock(&cache_lock);
    const vrv_tz *tz = cache_get(id, k);
    if (!tz) {
        vrv_tz *z = vrv_calloc(1, sizeof *z);
        memcpy(z->id, id, k + 1);
        z->fixed = true;
        z->initial = offset_ms;
        cache_put(id, k, z);
        tz = z;
    }
    pthread_mutex_unlock(&cache_lock);
    return tz;
}

int vrv_tz_get(const char *name, size_t n, const vrv_tz **out, vrv_error *err)
{
    char q[VRV_TIME_QUOTE_MAX];
    for (size_t i = 0; i < VRV_ARRAY_LEN(utc_names); i++)
        if (strlen(utc_names[i]) == n && memcmp(utc_names[i], name, n) == 0) {
            *out = &utc_zone;
            return 0;
        }
    /* offsets, bare or after UTC / GMT / UT as java.time.ZoneId reads them */
    size_t skip = 0;
    if (n > 3 && (memcmp(name, "UTC", 3) == 0 || memcmp(name, "GMT", 3) == 0) &&
        (name[3] == '+' || name[3] == '-'))
        skip = 3;
    else if (n > 2 && memcmp(name, "UT", 2) == 0 && (name[2] == '+' || name[2] == '-'))
        skip = 2;
    int32_t off;
    if (n > skip && (name[skip] == '+' || name[skip] == '-')) {
        if (!parse_offset_name(name + skip, n - skip, &off)) {
            vrv_time_quote(name, n, q);
            return vrv_error_set(err, VRV_EINVAL,
                                 "invalid time zone offset \"%s\": expected +hh, +hh:mm or "
                                 "+hhmm below 24 hours",
                                 q);
        }
        *out = vrv_tz_fixed(off);
        return 0;
    }
    if (!valid_region(name, n)) {
        vrv_time_quote(name, n, q);
        return vrv_error_set(err, VRV_ENOTFOUND, "unknown time zone \"%s\"", q);
    }
    char key[VRV_TZ_ID_MAX];
    memcpy(key, name, n);
    key[n] = '\0';
    pthread_mutex_lock(&cache_lock);
    const vrv_tz *tz = cache_get(key, n);
    int rc = 0;
    if (!tz) {
        vrv_tz *z = NULL;
        rc = tz_load(key, &z, err);
        if (rc == 0) {
            /* one object per canonical zone: a link finds the zone already
             * loaded under its target's name */
            const vrv_tz *canon = cache_get(z->id, strlen(z->id));
            if (canon) {
                tz_free(z);
                tz = canon;
            } else {
                cache_put(z->id, strlen(z->id), z);
                tz = z;
            }
            cache_put(key, n, tz);
        }
    }
    pthread_mutex_unlock(&cache_lock);
    if (rc) return rc;
    *out = tz;
    return 0;
}
