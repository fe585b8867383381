/*
 * tz.h — time zones: IANA zones read from the system tz database
 * (/usr/share/zoneinfo, or $TZDIR) and fixed offsets, with the conversions
 * Druid's Joda-Time DateTimeZone performs.
 *
 * A zone answers "what is the offset at this UTC instant" and converts a local
 * wall time back to UTC with Joda's rules: a wall time inside a DST gap moves
 * forward past the gap; a wall time inside an overlap takes the earlier of its
 * two instants (the offset in effect before the transition). Zones are loaded
 * once from TZif files (versions 1-3, including the POSIX TZ rule in the footer
 * for instants past the file's table), cached for the life of the process and
 * shared between threads: a `const vrv_tz *` is never freed and is safe to use
 * from any thread. Resolve a zone once (when compiling a spec, query or
 * expression) rather than per row: vrv_tz_get takes a lock.
 *
 * Zone ids are Joda's: "UTC" for every zero offset (also "Z", "GMT",
 * "Etc/UTC"), "+05:30" / "-08:00" for fixed offsets, and the canonical IANA
 * name for a region (links such as "US/Pacific" resolve to
 * "America/Los_Angeles").
 */
#ifndef VRV_TZ_H
#define VRV_TZ_H

#include "base/error.h"
#include "base/time.h"
#include "base/vrv.h"

typedef struct vrv_tz vrv_tz;

#define VRV_TZ_ID_MAX 64 /* longest zone id kept, with the NUL */

/* The UTC zone; never NULL. */
const vrv_tz *vrv_tz_utc(void);

/* Looks up a zone by name: "UTC", "Z", "GMT", "UT", an offset ("+05:30",
 * "-0800", "+5", "UTC+05:30", "GMT-8"; up to +-23:59:59.999), or an IANA name
 * ("America/Los_Angeles"). Names are case-sensitive, as in Java. On success
 * *out is a cached zone (never freed). Errors: VRV_EINVAL for a malformed name,
 * VRV_ENOTFOUND for an unknown zone, VRV_ECORRUPT for an unreadable tz file;
 * err says which name. */
int vrv_tz_get(const char *name, size_t n, const vrv_tz **out, vrv_error *err);

/* The fixed-offset zone for offset_ms (|offset| < 24h); UTC for 0. */
const vrv_tz *vrv_tz_fixed(int32_t offset_ms);

/* The zone's id (see above); NUL-terminated, lives as long as the zone. */
const char *vrv_tz_id(const vrv_tz *tz);

/* True for zones whose offset never changes (UTC and fixed offsets); *offset_ms
 * (may be NULL) receives it. */
bool vrv_tz_is_fixed(const vrv_tz *tz, int32_t *offset_ms);

static inline bool vrv_tz_is_utc(const vrv_tz *tz)
{
    return tz == vrv_tz_utc();
}

/* Offset (local = utc + offset) in effect at the UTC instant t. */
int32_t vrv_tz_offset(const vrv_tz *tz, vrv_ms t);

/* The first transition strictly after t, or t itself when there is none
 * (Joda's nextTransition). */
vrv_ms vrv_tz_next_transition(const vrv_tz *tz, vrv_ms t);

/* One millisecond before the last transition at or before t, or t itself when
 * there is none (Joda's previousTransition, which returns the last instant of
 * the previous offset). */
vrv_ms vrv_tz_prev_transition(const vrv_tz *tz, vrv_ms t);

/* The UTC instant of local wall time `local` (a wall time written as if it
 * were UTC millis), by Joda's getOffsetFromLocal: a time in a gap is moved
 * forward by the gap's length, a time in an overlap gets the earlier instant.
 * This is how period arithmetic (vrv_period_add_tz) returns to UTC. */
vrv_ms vrv_tz_local_to_utc(const vrv_tz *tz, vrv_ms local);

/* Joda's convertLocalToUTC(local, false, near): keeps the offset in effect at
 * the UTC instant `near` when it is valid for `local` (so rounding a time in an
 * overlap keeps its side), otherwise as vrv_tz_local_to_utc but with the later
 * instant of an overlap east of Greenwich. Used when a field of a date is
 * rounded or set in place. */
vrv_ms vrv_tz_local_to_utc_near(const vrv_tz *tz, vrv_ms local, vrv_ms near);

/* The wall time of t in tz, broken down. */
static inline void vrv_tz_to_civil(const vrv_tz *tz, vrv_ms t, vrv_civil *out)
{
    vrv_time_to_civil((vrv_ms)((uint64_t)t + (uint64_t)(int64_t)vrv_tz_offset(tz, t)), out);
}

/* Writes t as ISO-8601 in tz: "2021-03-04T00:00:00.000-08:00", with "Z" when
 * the offset at t is zero (also in non-UTC zones, as Joda prints it), into
 * buf (VRV_TIME_STR_MAX bytes); returns the length. */
size_t vrv_tz_format(const vrv_tz *tz, vrv_ms t, char *buf);

/* Appends vrv_tz_format(tz, t) to b. */
void vrv_tz_append(vrv_buf *b, const vrv_tz *tz, vrv_ms t);

/* Parses an ISO-8601 instant (vrv_time_parse_local's grammar and flags); a
 * time without an offset is wall time in tz. As in Joda, a wall time that
 * falls in a DST gap is an error ("illegal instant due to time zone offset
 * transition"). */
int vrv_tz_parse_time(const vrv_tz *tz, const char *s, size_t n, unsigned flags, vrv_ms *out,
                      vrv_error *err);

/* Adds n times p to t in calendar arithmetic in tz (Joda's
 * ISOChronology.getInstance(tz).add(period, t, n)): years, months, weeks and
 * days move the wall time and come back through vrv_tz_local_to_utc; hours
 * and smaller add exact durations. tz NULL or UTC is vrv_period_add. Returns
 * 0 or VRV_EINVAL when the result leaves int64. */
int vrv_period_add_tz(const vrv_period *p, vrv_ms t, int64_t n, const vrv_tz *tz, vrv_ms *out);

#endif
