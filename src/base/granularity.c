/*
 * granularity.c — Druid granularities: construction, JSON, bucketing,
 * comparison, rendering.
 *
 * Period bucketing mirrors Druid's PeriodGranularity.truncate: a single-field
 * period without an origin rounds the field down in the zone (a day starts at
 * local midnight, a week on Monday); a multiple, or any period with an origin,
 * counts whole periods from the origin in the zone; a compound period
 * (P1DT12H) steps from the origin. When the zone never changes offset and the
 * period has no months, all of these are floor arithmetic, precomputed into
 * fast_len/fast_origin so the ingest path pays one division.
 */
#include "base/granularity.h"

#include <stdio.h>
#include <string.h>

#include "base/str.h"

/* ---- small arithmetic -------------------------------------------------- */

static vrv_ms add_sat(vrv_ms a, int64_t b)
{
    vrv_ms r;
    if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* Largest origin + k*len <= t (len > 0), saturating at INT64_MIN. */
static vrv_ms floor_from(vrv_ms t, vrv_ms origin, int64_t len)
{
    int64_t r = vrv_time_floor_mod(t, len) - vrv_time_floor_mod(origin, len);
    if (r < 0) r += len;
    return add_sat(t, -r);
}

static int64_t sub_sat(vrv_ms a, vrv_ms b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) return a < b ? INT64_MIN : INT64_MAX;
    return r;
}

static vrv_ms to_local(const vrv_tz *tz, vrv_ms t)
{
    return add_sat(t, vrv_tz_offset(tz, t));
}

/* ---- construction ------------------------------------------------------ */

static const struct {
    const char *name;
    vrv_period p;
} STD[VRV_GRAN_STD_COUNT] = {
    [VRV_GRAN_STD_SECOND] = {"SECOND", {.seconds = 1}},
    [VRV_GRAN_STD_MINUTE] = {"MINUTE", {.minutes = 1}},
    [VRV_GRAN_STD_FIVE_MINUTE] = {"FIVE_MINUTE", {.minutes = 5}},
    [VRV_GRAN_STD_TEN_MINUTE] = {"TEN_MINUTE", {.minutes = 10}},
    [VRV_GRAN_STD_FIFTEEN_MINUTE] = {"FIFTEEN_MINUTE", {.minutes = 15}},
    [VRV_GRAN_STD_THIRTY_MINUTE] = {"THIRTY_MINUTE", {.minutes = 30}},
    [VRV_GRAN_STD_HOUR] = {"HOUR", {.hours = 1}},
    [VRV_GRAN_STD_SIX_HOUR] = {"SIX_HOUR", {.hours = 6}},
    [VRV_GRAN_STD_EIGHT_HOUR] = {"EIGHT_HOUR", {.hours = 8}},
    [VRV_GRAN_STD_DAY] = {"DAY", {.days = 1}},
    [VRV_GRAN_STD_WEEK] = {"WEEK", {.weeks = 1}},
    [VRV_GRAN_STD_MONTH] = {"MONTH", {.months = 1}},
    [VRV_GRAN_STD_QUARTER] = {"QUARTER", {.months = 3}},
    [VRV_GRAN_STD_YEAR] = {"YEAR", {.years = 1}},
    [VRV_GRAN_STD_ALL] = {"ALL", {0}},
    [VRV_GRAN_STD_NONE] = {"NONE", {0}},
};

static bool period_eq(const vrv_period *a, const vrv_period *b)
{
    return a->years == b->years && a->months == b->months && a->weeks == b->weeks &&
           a->days == b->days && a->hours == b->hours && a->minutes == b->minutes &&
           a->seconds == b->seconds && a->millis == b->millis;
}

/* Fills the derived fields of a period granularity. */
static void period_prepare(vrv_gran *g)
{
    const vrv_period *p = &g->period;
    int positive = (p->years > 0) + (p->months > 0) + (p->weeks > 0) + (p->days > 0) +
                   (p->hours > 0) + (p->minutes > 0) + (p->seconds > 0) + (p->millis > 0);
    g->compound = positive > 1;
    if (!g->has_origin) {
        /* Druid: new DateTime(0, UTC).withZoneRetainFields(zone) */
        g->origin = vrv_tz_local_to_utc_near(g->tz, 0, 0);
    }
    g->fast_len = 0;
    g->fast_origin = g->origin;
    int64_t len;
    bool date_fields = p->years || p->months || p->weeks || p->days;
    bool single_unit =
        !g->compound && !g->has_origin &&
        (p->weeks == 1 || p->days == 1 || p->hours == 1 || p->minutes == 1 || p->seconds == 1);
    if (vrv_period_to_ms(p, &len, NULL) != 0 || len <= 0) return;
    if (vrv_tz_is_fixed(g->tz, NULL)) {
        g->fast_len = len;
        /* a single week rounds to Monday; the local epoch is a Thursday */
        if (!g->compound && !g->has_origin && p->weeks == 1)
            g->fast_origin = g->origin - 3 * VRV_MS_PER_DAY;
    } else if (!date_fields && !single_unit) {
        /* hours and smaller counted from the origin are exact durations in any zone */
        g->fast_len = len;
    }
}

vrv_gran vrv_gran_standard(vrv_gran_std which)
{
    vrv_gran g;
    memset(&g, 0, sizeof g);
    g.tz = vrv_tz_utc();
    if (which == VRV_GRAN_STD_ALL) {
        g.kind = VRV_GRAN_ALL;
        return g;
    }
    if (which == VRV_GRAN_STD_NONE || which >= VRV_GRAN_STD_COUNT) {
        g.kind = VRV_GRAN_NONE;
        return g;
    }
    g.kind = VRV_GRAN_PERIOD;
    g.period = STD[which].p;
    period_prepare(&g);
    return g;
}

const char *vrv_gran_std_name(const vrv_gran *g)
{
    if (g->kind == VRV_GRAN_ALL) return "ALL";
    if (g->kind == VRV_GRAN_NONE) return "NONE";
    if (g->kind != VRV_GRAN_PERIOD || g->has_origin || !vrv_tz_is_utc(g->tz)) return NULL;
    for (int i = 0; i < VRV_GRAN_STD_ALL; i++)
        if (period_eq(&g->period, &STD[i].p)) return STD[i].name;
    return NULL;
}

int vrv_gran_make_period(vrv_gran *out, const vrv_period *p, const vrv_tz *tz, const vrv_ms *origin,
                         vrv_error *err)
{
    char b[VRV_PERIOD_STR_MAX];
    if (vrv_period_is_zero(p))
        return vrv_error_set(err, VRV_EINVAL, "zero period is not acceptable in a granularity");
    if (p->years < 0 || p->months < 0 || p->weeks < 0 || p->days < 0 || p->hours < 0 ||
        p->minutes < 0 || p->seconds < 0 || p->millis < 0) {
        vrv_period_format(p, b);
        return vrv_error_set(err, VRV_EINVAL,
                             "period %s has a negative field; a granularity needs a positive "
                             "period",
                             b);
    }
    vrv_gran g;
    memset(&g, 0, sizeof g);
    g.kind = VRV_GRAN_PERIOD;
    g.period = *p;
    g.tz = tz ? tz : vrv_tz_utc();
    g.has_origin = origin != NULL;
    if (origin) g.origin = *origin;
    period_prepare(&g);
    *out = g;
    return 0;
}

int vrv_gran_make_duration(vrv_gran *out, int64_t duration_ms, const vrv_ms *origin, vrv_error *err)
{
    if (duration_ms <= 0)
        return vrv_error_set(err, VRV_EINVAL, "duration must be greater than 0, got %lld",
                             (long long)duration_ms);
    vrv_gran g;
    memset(&g, 0, sizeof g);
    g.kind = VRV_GRAN_DURATION;
    g.tz = vrv_tz_utc();
    g.duration = duration_ms;
    g.origin = origin ? *origin % duration_ms : 0; /* Java's remainder, as Druid keeps it */
    g.fast_len = duration_ms;
    g.fast_origin = g.origin;
    *out = g;
    return 0;
}

static const char NAMES_LIST[] =
    "all, none, second, minute, five_minute, ten_minute, fifteen_minute, thirty_minute, hour, "
    "six_hour, eight_hour, day, week, month, quarter, year";

int vrv_gran_parse(const char *s, size_t n, vrv_gran *out, vrv_error *err)
{
    for (int i = 0; i < VRV_GRAN_STD_COUNT; i++) {
        const char *name = STD[i].name;
        if (strlen(name) != n) continue;
        size_t k = 0;
        while (k < n) {
            char c = s[k];
            if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
            if (c != name[k]) break;
            k++;
        }
        if (k == n) {
            *out = vrv_gran_standard((vrv_gran_std)i);
            return 0;
        }
    }
    char q[VRV_TIME_QUOTE_MAX];
    return vrv_error_set(err, VRV_EINVAL, "unknown granularity \"%s\"; expected one of %s",
                         vrv_time_quote(s, n, q), NAMES_LIST);
}

/* ---- JSON -------------------------------------------------------------- */

static const char *sub_path(char *buf, size_t cap, const char *path, const char *key)
{
    if (path && *path)
        snprintf(buf, cap, "%s.%s", path, key);
    else
        snprintf(buf, cap, "%s", key);
    return buf;
}

/* An origin: ISO-8601 text (UTC unless it has an offset) or epoch millis. */
static int json_origin(const json_t *v, const char *path, vrv_ms *out, bool *present,
                       vrv_error *err)
{
    char p[256];
    *present = false;
    if (!v || json_is_null(v)) return 0;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        *present = true;
        return 0;
    }
    if (json_is_string(v)) {
        if (vrv_time_parse(json_string_value(v), json_string_length(v), 0, out, err))
            return vrv_error_prefix(err, "%s", sub_path(p, sizeof p, path, "origin"));
        *present = true;
        return 0;
    }
    return vrv_error_set(err, VRV_EINVAL, "%s: must be an ISO-8601 time or epoch milliseconds",
                         sub_path(p, sizeof p, path, "origin"));
}

int vrv_gran_from_json(const json_t *j, const char *path, vrv_gran *out, vrv_error *err)
{
    char p[256];
    const char *here = path && *path ? path : "granularity";
    if (json_is_string(j)) {
        if (vrv_gran_parse(json_string_value(j), json_string_length(j), out, err))
            return vrv_error_prefix(err, "%s", here);
        return 0;
    }
    if (!json_is_object(j))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be a granularity name or object", here);
    const json_t *type = json_object_get(j, "type");
    if (!type || json_is_null(type))
        return vrv_error_set(err, VRV_EINVAL, "%s: required", sub_path(p, sizeof p, here, "type"));
    if (!json_is_string(type))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be a string",
                             sub_path(p, sizeof p, here, "type"));
    const char *t = json_string_value(type);
    vrv_ms origin = 0;
    bool has_origin;
    if (strcmp(t, "all") == 0 || strcmp(t, "none") == 0) {
        *out = vrv_gran_standard(t[0] == 'a' ? VRV_GRAN_STD_ALL : VRV_GRAN_STD_NONE);
        return 0;
    }
    if (strcmp(t, "duration") == 0) {
        const json_t *d = json_object_get(j, "duration");
        int64_t ms = 0;
        sub_path(p, sizeof p, here, "duration");
        if (!d || json_is_null(d)) return vrv_error_set(err, VRV_EINVAL, "%s: required", p);
        if (json_is_integer(d)) {
            ms = json_integer_value(d);
        } else if (json_is_string(d)) {
            /* Jackson reads a numeric string into the long */
            if (!vrv_str_to_i64(vrv_str_make(json_string_value(d), json_string_length(d)), &ms))
                return vrv_error_set(err, VRV_EINVAL, "%s: must be a number of milliseconds", p);
        } else {
            return vrv_error_set(err, VRV_EINVAL, "%s: must be a number of milliseconds", p);
        }
        if (json_origin(json_object_get(j, "origin"), here, &origin, &has_origin, err))
            return err ? err->code : VRV_EINVAL;
        if (vrv_gran_make_duration(out, ms, has_origin ? &origin : NULL, err))
            return vrv_error_prefix(err, "%s", p);
        return 0;
    }
    if (strcmp(t, "period") == 0) {
        const json_t *per = json_object_get(j, "period");
        sub_path(p, sizeof p, here, "period");
        if (!per || json_is_null(per)) return vrv_error_set(err, VRV_EINVAL, "%s: required", p);
        if (!json_is_string(per))
            return vrv_error_set(err, VRV_EINVAL, "%s: must be an ISO-8601 period string", p);
        vrv_period pd;
        if (vrv_period_parse(json_string_value(per), json_string_length(per), &pd, err))
            return vrv_error_prefix(err, "%s", p);
        const vrv_tz *tz = vrv_tz_utc();
        const json_t *z = json_object_get(j, "timeZone");
        if (z && !json_is_null(z)) {
            char zp[256];
            sub_path(zp, sizeof zp, here, "timeZone");
            if (!json_is_string(z))
                return vrv_error_set(err, VRV_EINVAL, "%s: must be a time zone name", zp);
            if (vrv_tz_get(json_string_value(z), json_string_length(z), &tz, err))
                return vrv_error_prefix(err, "%s", zp);
        }
        if (json_origin(json_object_get(j, "origin"), here, &origin, &has_origin, err))
            return err ? err->code : VRV_EINVAL;
        if (vrv_gran_make_period(out, &pd, tz, has_origin ? &origin : NULL, err))
            return vrv_error_prefix(err, "%s", p);
        return 0;
    }
    char q[VRV_TIME_QUOTE_MAX];
    return vrv_error_set(err, VRV_EINVAL,
                         "%s: unknown granularity type \"%s\"; expected all, none, duration or "
                         "period",
                         sub_path(p, sizeof p, here, "type"),
                         vrv_time_quote(t, json_string_length(type), q));
}

json_t *vrv_gran_to_json(const vrv_gran *g)
{
    const char *std = vrv_gran_std_name(g);
    if (g->kind == VRV_GRAN_ALL) return json_pack("{s:s}", "type", "all");
    if (g->kind == VRV_GRAN_NONE) return json_pack("{s:s}", "type", "none");
    if (std) return json_string(std);
    char t[VRV_TIME_STR_MAX];
    if (g->kind == VRV_GRAN_DURATION) {
        vrv_time_format(g->origin, t);
        return json_pack("{s:s, s:I, s:s}", "type", "duration", "duration", (json_int_t)g->duration,
                         "origin", t);
    }
    char per[VRV_PERIOD_STR_MAX];
    vrv_period_format(&g->period, per);
    json_t *o =
        json_pack("{s:s, s:s, s:s}", "type", "period", "period", per, "timeZone", vrv_tz_id(g->tz));
    if (g->has_origin) {
        vrv_time_format(g->origin, t);
        json_object_set_new(o, "origin", json_string(t));
    } else {
        json_object_set_new(o, "origin", json_null());
    }
    return o;
}

void vrv_gran_append_json(vrv_buf *b, const vrv_gran *g)
{
    const char *std = vrv_gran_std_name(g);
    char t[VRV_TIME_STR_MAX];
    if (g->kind == VRV_GRAN_ALL) {
        vrv_buf_puts(b, "{\"type\":\"all\"}");
    } else if (g->kind == VRV_GRAN_NONE) {
        vrv_buf_puts(b, "{\"type\":\"none\"}");
    } else if (std) {
        vrv_buf_printf(b, "\"%s\"", std);
    } else if (g->kind == VRV_GRAN_DURATION) {
        vrv_time_format(g->origin, t);
        vrv_buf_printf(b, "{\"type\":\"duration\",\"duration\":%lld,\"origin\":\"%s\"}",
                       (long long)g->duration, t);
    } else {
        char per[VRV_PERIOD_STR_MAX];
        vrv_period_format(&g->period, per);
        /* zone ids are [A-Za-z0-9/_+-:.]: nothing to escape */
        vrv_buf_printf(b, "{\"type\":\"period\",\"period\":\"%s\",\"timeZone\":\"%s\",\"origin\":",
                       per, vrv_tz_id(g->tz));
        if (g->has_origin) {
            vrv_time_format(g->origin, t);
            vrv_buf_printf(b, "\"%s\"}", t);
        } else {
            vrv_buf_puts(b, "null}");
        }
    }
}

bool vrv_gran_equal(const vrv_gran *a, const vrv_gran *b)
{
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case VRV_GRAN_DURATION:
        return a->duration == b->duration && a->origin == b->origin;
    case VRV_GRAN_PERIOD:
        return a->tz == b->tz && a->has_origin == b->has_origin && a->origin == b->origin &&
               period_eq(&a->period, &b->period);
    default:
        return true;
    }
}

/* ---- Joda field differences (on local wall times) ---------------------- */

/* Millis since the start of t's year: with day numbers, so that instants near
 * the int64 ends do not overflow. */
static int64_t ms_into_year(vrv_ms t, int64_t year)
{
    int64_t days = vrv_time_floor_div(t, VRV_MS_PER_DAY) - vrv_time_days_from_civil(year, 1, 1);
    return days * VRV_MS_PER_DAY + vrv_time_floor_mod(t, VRV_MS_PER_DAY);
}

/* BasicGJChronology.getYearDifference for min >= sub. */
static int64_t year_diff_pos(vrv_ms min, vrv_ms sub)
{
    const int64_t FEB_29 = 59 * VRV_MS_PER_DAY;
    vrv_civil a, b;
    vrv_time_to_civil(min, &a);
    vrv_time_to_civil(sub, &b);
    int64_t arem = ms_into_year(min, a.year), brem = ms_into_year(sub, b.year);
    if (brem >= FEB_29) {
        if (vrv_time_is_leap(b.year)) {
            if (!vrv_time_is_leap(a.year)) brem -= VRV_MS_PER_DAY;
        } else if (arem >= FEB_29 && vrv_time_is_leap(a.year)) {
            arem -= VRV_MS_PER_DAY;
        }
    }
    int64_t d = (int64_t)a.year - b.year;
    if (arem < brem) d--;
    return d;
}

static int64_t year_diff(vrv_ms min, vrv_ms sub)
{
    return min < sub ? -year_diff_pos(sub, min) : year_diff_pos(min, sub);
}

/* BasicMonthOfYearDateTimeField.getDifferenceAsLong for min >= sub. */
static int64_t month_diff_pos(vrv_ms min, vrv_ms sub)
{
    vrv_civil a, b;
    vrv_time_to_civil(min, &a);
    vrv_time_to_civil(sub, &b);
    int64_t d = ((int64_t)a.year - b.year) * 12 + a.month - b.month;
    /* a minuend on the last day of its month counts as reaching a later day */
    int bday = b.day;
    if (a.day == vrv_time_month_days(a.year, a.month) && bday > a.day) bday = a.day;
    int64_t arem = (int64_t)(a.day - 1) * VRV_MS_PER_DAY + vrv_time_floor_mod(min, VRV_MS_PER_DAY);
    int64_t brem = (int64_t)(bday - 1) * VRV_MS_PER_DAY + vrv_time_floor_mod(sub, VRV_MS_PER_DAY);
    if (arem < brem) d--;
    return d;
}

static int64_t month_diff(vrv_ms min, vrv_ms sub)
{
    return min < sub ? -month_diff_pos(sub, min) : month_diff_pos(min, sub);
}

/* ZonedDurationField.add for a date unit ('Y', 'M', 'D'), saturating. */
static vrv_ms zadd(const vrv_tz *tz, vrv_ms t, int64_t v, char unit)
{
    vrv_period p = {0};
    if (unit == 'Y')
        p.years = 1;
    else if (unit == 'M')
        p.months = 1;
    else
        p.days = 1;
    vrv_ms out;
    if (vrv_period_add_tz(&p, t, v, tz, &out)) return v > 0 ? INT64_MAX : INT64_MIN;
    return out;
}

/* Druid's "count whole units from the origin, round down to a multiple":
 * diff is the number of units between origin and t, add(k) the origin moved by
 * k units. */
static vrv_ms from_origin(vrv_ms t, int64_t diff, int64_t step, const vrv_tz *tz, vrv_ms origin,
                          char unit)
{
    diff -= diff % step;
    vrv_ms tt = zadd(tz, origin, diff, unit);
    /* always round down to the previous period (also before the origin); a
     * boundary pushed forward by a DST gap can need one more step back */
    for (int k = 1; t < tt && k <= 3; k++) tt = zadd(tz, origin, diff - k * step, unit);
    return tt;
}

/* Rounds t down to the start of a local day in the zone, keeping t's side of
 * an overlap (Joda's dayOfMonth().roundFloor). */
static vrv_ms floor_local_day(const vrv_tz *tz, vrv_ms t, int64_t back_days)
{
    vrv_ms local = to_local(tz, t);
    vrv_ms day = vrv_time_floor_div(local, VRV_MS_PER_DAY) - back_days;
    vrv_ms l2;
    if (__builtin_mul_overflow(day, VRV_MS_PER_DAY, &l2)) return INT64_MIN;
    return vrv_tz_local_to_utc_near(tz, l2, t);
}

/* Rounds t down to a multiple of unit (< 1 day) of local time, using the
 * offset at t (Joda's rounding of time-of-day fields). */
static vrv_ms floor_local_time(const vrv_tz *tz, vrv_ms t, int64_t unit)
{
    int32_t off = vrv_tz_offset(tz, t);
    return add_sat(t, -vrv_time_floor_mod(add_sat(t, off), unit));
}

/* PeriodGranularity.truncateCompoundPeriod: steps of the period from the
 * origin, one at a time, because in a DST zone n steps of P1DT1H are not one
 * step of n days and n hours. Costs one period addition (~100 ns) per period
 * between origin and t. Beyond 2^20 periods (P1DT1H: 120 years) it jumps by
 * whole multiples first so one call stays bounded; Druid keeps stepping. */
static vrv_ms compound_floor(const vrv_gran *g, vrv_ms t)
{
    const vrv_period *p = &g->period;
    double approx = (double)p->years * 31556952000.0 + (double)p->months * 2629746000.0 +
                    (double)p->weeks * VRV_MS_PER_WEEK + (double)p->days * VRV_MS_PER_DAY +
                    (double)p->hours * VRV_MS_PER_HOUR + (double)p->minutes * VRV_MS_PER_MINUTE +
                    (double)p->seconds * 1000.0 + (double)p->millis;
    vrv_ms cur = g->origin, next;
    double steps = ((double)t - (double)g->origin) / approx;
    if (steps > 1048576.0 || steps < -1048576.0) {
        if (steps > 1e18) steps = 1e18;
        if (steps < -1e18) steps = -1e18;
        int64_t k = (int64_t)steps - 2;
        if (vrv_period_add_tz(p, g->origin, k, g->tz, &cur)) return t;
    }
    if (t >= cur) {
        for (;;) {
            if (vrv_period_add_tz(p, cur, 1, g->tz, &next) || next <= cur || t < next) return cur;
            cur = next;
        }
    }
    for (;;) {
        if (vrv_period_add_tz(p, cur, -1, g->tz, &next) || next >= cur) return cur;
        cur = next;
        if (t >= cur) return cur;
    }
}

static vrv_ms period_floor(const vrv_gran *g, vrv_ms t)
{
    const vrv_period *p = &g->period;
    const vrv_tz *tz = g->tz;
    if (g->compound) return compound_floor(g, t);
    if (p->years > 0) {
        if (p->years > 1 || g->has_origin)
            return from_origin(t, year_diff(to_local(tz, t), to_local(tz, g->origin)), p->years, tz,
                               g->origin, 'Y');
        vrv_civil c;
        vrv_time_to_civil(to_local(tz, t), &c);
        vrv_ms l;
        if (__builtin_mul_overflow(vrv_time_days_from_civil(c.year, 1, 1), VRV_MS_PER_DAY, &l))
            return INT64_MIN;
        return vrv_tz_local_to_utc_near(tz, l, t);
    }
    if (p->months > 0) {
        if (p->months > 1 || g->has_origin)
            return from_origin(t, month_diff(to_local(tz, t), to_local(tz, g->origin)), p->months,
                               tz, g->origin, 'M');
        vrv_civil c;
        vrv_time_to_civil(to_local(tz, t), &c);
        vrv_ms l;
        if (__builtin_mul_overflow(vrv_time_days_from_civil(c.year, c.month, 1), VRV_MS_PER_DAY,
                                   &l))
            return INT64_MIN;
        return vrv_tz_local_to_utc_near(tz, l, t);
    }
    if (p->weeks > 0) {
        if (p->weeks > 1 || g->has_origin) {
            int64_t w = sub_sat(to_local(tz, t), to_local(tz, g->origin)) / VRV_MS_PER_WEEK;
            return from_origin(t, w * 7, (int64_t)p->weeks * 7, tz, g->origin, 'D');
        }
        /* round to the day, then set the day of week to Monday */
        vrv_ms day = floor_local_day(tz, t, 0);
        vrv_ms local = to_local(tz, day);
        int dow = vrv_time_dow(vrv_time_floor_div(local, VRV_MS_PER_DAY));
        return vrv_tz_local_to_utc_near(tz, add_sat(local, -(dow - 1) * VRV_MS_PER_DAY), day);
    }
    if (p->days > 0) {
        if (p->days > 1 || g->has_origin)
            return from_origin(t,
                               sub_sat(to_local(tz, t), to_local(tz, g->origin)) / VRV_MS_PER_DAY,
                               p->days, tz, g->origin, 'D');
        return floor_local_day(tz, t, 0);
    }
    /* hours and smaller: exact durations from the origin, or the local field */
    int64_t unit = p->hours > 0     ? VRV_MS_PER_HOUR
                   : p->minutes > 0 ? VRV_MS_PER_MINUTE
                   : p->seconds > 0 ? VRV_MS_PER_SECOND
                                    : 1;
    int64_t n = p->hours > 0     ? p->hours
                : p->minutes > 0 ? p->minutes
                : p->seconds > 0 ? p->seconds
                                 : p->millis;
    if (n > 1 || (g->has_origin && unit > 1)) return floor_from(t, g->origin, n * unit);
    if (unit == 1) return t;
    return floor_local_time(tz, t, unit);
}

vrv_ms vrv_gran_bucket_start(const vrv_gran *g, vrv_ms t)
{
    if (VRV_LIKELY(g->fast_len > 0)) return floor_from(t, g->fast_origin, g->fast_len);
    switch (g->kind) {
    case VRV_GRAN_ALL:
        return VRV_TIME_MIN;
    case VRV_GRAN_NONE:
        return t;
    case VRV_GRAN_DURATION:
        return floor_from(t, g->origin, g->duration);
    default:
        return period_floor(g, t);
    }
}

vrv_ms vrv_gran_next(const vrv_gran *g, vrv_ms start)
{
    vrv_ms out;
    switch (g->kind) {
    case VRV_GRAN_ALL:
        return VRV_TIME_MAX;
    case VRV_GRAN_NONE:
        return add_sat(start, 1);
    case VRV_GRAN_DURATION:
        return add_sat(start, g->duration);
    default:
        /* fast_len is only set where one period is an exact duration */
        if (g->fast_len > 0) return add_sat(start, g->fast_len);
        if (vrv_period_add_tz(&g->period, start, 1, g->tz, &out)) return INT64_MAX;
        return out;
    }
}

vrv_interval vrv_gran_bucket(const vrv_gran *g, vrv_ms t)
{
    vrv_ms s = vrv_gran_bucket_start(g, t);
    return vrv_interval_make(s, vrv_gran_next(g, s));
}

vrv_ms vrv_gran_ceil(const vrv_gran *g, vrv_ms t)
{
    vrv_ms s = vrv_gran_bucket_start(g, t);
    return s == t ? t : vrv_gran_next(g, s);
}

bool vrv_gran_is_aligned(const vrv_gran *g, vrv_interval iv)
{
    if (g->kind == VRV_GRAN_ALL) return false;
    vrv_interval b = vrv_gran_bucket(g, iv.start);
    return b.start == iv.start && b.end == iv.end;
}

void vrv_gran_iter_init(vrv_gran_iter *it, const vrv_gran *g, vrv_interval iv)
{
    it->g = g;
    it->end = iv.end;
    it->all = iv;
    it->done = false;
    it->cur = g->kind == VRV_GRAN_ALL ? iv.start : vrv_gran_bucket_start(g, iv.start);
}

bool vrv_gran_iter_next(vrv_gran_iter *it, vrv_interval *bucket)
{
    if (it->done) return false;
    if (it->g->kind == VRV_GRAN_ALL) {
        it->done = true;
        *bucket = it->all;
        return true;
    }
    if (it->cur >= it->end) {
        it->done = true;
        return false;
    }
    vrv_ms next = vrv_gran_next(it->g, it->cur);
    bucket->start = it->cur;
    bucket->end = next;
    if (next <= it->cur) it->done = true; /* saturated at the end of time */
    it->cur = next;
    return true;
}

/* ---- comparison -------------------------------------------------------- */

static int64_t epoch_bucket_len(const vrv_gran *g)
{
    vrv_interval b = vrv_gran_bucket(g, 0);
    int64_t len;
    if (__builtin_sub_overflow(b.end, b.start, &len)) return INT64_MAX;
    return len;
}

int vrv_gran_compare(const vrv_gran *a, const vrv_gran *b)
{
    int64_t x = epoch_bucket_len(a), y = epoch_bucket_len(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

size_t vrv_gran_finer_standard(const vrv_gran *g, vrv_gran *out, size_t max)
{
    vrv_gran cand[VRV_GRAN_STD_COUNT];
    int64_t len[VRV_GRAN_STD_COUNT];
    size_t n = 0;
    int64_t glen = epoch_bucket_len(g);
    vrv_gran week = vrv_gran_standard(VRV_GRAN_STD_WEEK);
    for (int i = 0; i < VRV_GRAN_STD_COUNT; i++) {
        if (i == VRV_GRAN_STD_NONE || (i == VRV_GRAN_STD_ALL && g->kind != VRV_GRAN_ALL)) continue;
        if (i == VRV_GRAN_STD_WEEK && !vrv_gran_equal(g, &week)) continue;
        vrv_gran c = vrv_gran_standard((vrv_gran_std)i);
        if (g->kind == VRV_GRAN_PERIOD && i != VRV_GRAN_STD_ALL)
            vrv_gran_make_period(&c, &STD[i].p, g->tz, g->has_origin ? &g->origin : NULL, NULL);
        int64_t l = epoch_bucket_len(&c);
        if (l <= glen) {
            cand[n] = c;
            len[n] = l;
            n++;
        }
    }
    /* stable insertion sort, longest first */
    for (size_t i = 1; i < n; i++) {
        vrv_gran c = cand[i];
        int64_t l = len[i];
        size_t j = i;
        while (j > 0 && len[j - 1] < l) {
            cand[j] = cand[j - 1];
            len[j] = len[j - 1];
            j--;
        }
        cand[j] = c;
        len[j] = l;
    }
    for (size_t i = 0; i < n && i < max; i++) out[i] = cand[i];
    return n;
}

/* ---- rendering --------------------------------------------------------- */

size_t vrv_gran_format_time(const vrv_gran *g, vrv_ms t, char *buf)
{
    if (g->kind == VRV_GRAN_PERIOD) return vrv_tz_format(g->tz, t, buf);
    return vrv_time_format(t, buf);
}

void vrv_gran_append_time(vrv_buf *b, const vrv_gran *g, vrv_ms t)
{
    char *p = vrv_buf_reserve(b, VRV_TIME_STR_MAX);
    b->len += vrv_gran_format_time(g, t, p);
}
