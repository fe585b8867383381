/*
 * spec_time.c — the one place the spec parser reads and writes time: ISO
 * periods converted to fixed durations, instants, intervals and granularities,
 * all through the time library (base/time.h, base/granularity.h), plus their
 * JSON renderings in the shape Druid's Jackson serialisers produce (Joda Duration "PT3600S",
 * instants "2021-03-04T05:06:07.000Z", granularity names "HOUR").
 */
#include <stdio.h>
#include <string.h>

#include "json/jutil.h"
#include "spec/spec_internal.h"

int sp_period(spec_ctx *c, const json_t *obj, const char *path, const char *key,
              const char *def_text, vrv_ms min_ms, vrv_ms *out, const char **text)
{
    const char *s;
    int rc = sp_str(c, obj, path, key, def_text, &s);
    if (rc) return rc;
    vrv_error e;
    int64_t ms;
    if (vrv_period_parse_ms(s, strlen(s), &ms, &e) != 0) return sp_fail(c, path, key, "%s", e.msg);
    if (ms < min_ms)
        return min_ms == 0 ? sp_fail(c, path, key, "must not be negative")
                           : sp_fail(c, path, key, "must be a positive period");
    *out = ms;
    if (text) *text = s;
    return 0;
}

int sp_instant(spec_ctx *c, const json_t *obj, const char *path, const char *key, bool *has,
               vrv_ms *out)
{
    const char *s;
    *has = false;
    json_t *v = sp_get(obj, key);
    /* Jackson reads a Joda DateTime from a number as epoch millis. */
    if (v && json_is_integer(v)) {
        *out = json_integer_value(v);
        *has = true;
        return 0;
    }
    int rc = sp_str(c, obj, path, key, NULL, &s);
    if (rc || !s) return rc;
    vrv_error e;
    if (vrv_time_parse(s, strlen(s), 0, out, &e) != 0) return sp_fail(c, path, key, "%s", e.msg);
    *has = true;
    return 0;
}

int sp_interval(spec_ctx *c, const json_t *v, const char *path, vrv_interval *out)
{
    if (!json_is_string(v)) return sp_fail(c, path, NULL, "must be an ISO-8601 interval string");
    vrv_error e;
    if (vrv_interval_parse(json_string_value(v), json_string_length(v), out, &e) != 0)
        return sp_fail(c, path, NULL, "%s", e.msg);
    return 0;
}

/* ---- granularities ---------------------------------------------------------- */

int sp_granularity(spec_ctx *c, const json_t *obj, const char *path, const char *key,
                   const char *def_name, vrv_gran *out)
{
    json_t *v = sp_get(obj, key);
    if (!v) return vrv_gran_parse(def_name, strlen(def_name), out, c->err);
    return vrv_gran_from_json(v, sp_path(c, path, key), out, c->err);
}

bool sp_gran_coarser(const vrv_gran *a, const vrv_gran *b)
{
    return vrv_gran_compare(a, b) > 0;
}

json_t *sp_gran_json(const vrv_gran *g)
{
    return vrv_gran_to_json(g);
}

/* ---- renderings ---------------------------------------------------------------- */

json_t *sp_instant_json(vrv_ms t)
{
    char buf[VRV_TIME_STR_MAX];
    vrv_time_format(t, buf);
    return json_string(buf);
}

json_t *sp_duration_json(vrv_ms ms)
{
    /* Joda Duration.toString: whole seconds, then ".SSS" only when there are
     * milliseconds. */
    char buf[48];
    uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    if (a % 1000 == 0)
        snprintf(buf, sizeof buf, "PT%s%lluS", ms < 0 ? "-" : "", (unsigned long long)(a / 1000));
    else
        snprintf(buf, sizeof buf, "PT%s%llu.%03lluS", ms < 0 ? "-" : "",
                 (unsigned long long)(a / 1000), (unsigned long long)(a % 1000));
    return json_string(buf);
}

json_t *sp_interval_json(const vrv_interval *iv)
{
    char buf[VRV_INTERVAL_STR_MAX];
    vrv_interval_format(*iv, buf);
    return json_string(buf);
}
