/*
 * spec_time.c — the one place the spec parser reads and writes time: ISO
 * periods converted to fixed durations, instants, intervals and granularities,
 * all through the time library (base/time.h), plus their JSON renderings in
 * the shape Druid's Jackson serialisers produce (Joda Duration "PT3600S",
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

/* Druid's GranularityType names with their periods. */
static const struct {
    const char *name;
    const char *period;
} simple_grans[] = {
    {"SECOND", "PT1S"},
    {"MINUTE", "PT1M"},
    {"FIVE_MINUTE", "PT5M"},
    {"TEN_MINUTE", "PT10M"},
    {"FIFTEEN_MINUTE", "PT15M"},
    {"THIRTY_MINUTE", "PT30M"},
    {"HOUR", "PT1H"},
    {"SIX_HOUR", "PT6H"},
    {"EIGHT_HOUR", "PT8H"},
    {"DAY", "P1D"},
    {"WEEK", "P1W"},
    {"MONTH", "P1M"},
    {"QUARTER", "P3M"},
    {"YEAR", "P1Y"},
};

static int gran_from_name(spec_ctx *c, const char *s, const char *path, const char *key,
                          vrv_spec_gran *out)
{
    if (strcasecmp(s, "all") == 0) {
        out->kind = VRV_SPEC_GRAN_ALL;
        return 0;
    }
    if (strcasecmp(s, "none") == 0) {
        out->kind = VRV_SPEC_GRAN_NONE;
        return 0;
    }
    for (size_t i = 0; i < VRV_ARRAY_LEN(simple_grans); i++) {
        if (strcasecmp(s, simple_grans[i].name) == 0) {
            out->kind = VRV_SPEC_GRAN_PERIOD;
            out->name = simple_grans[i].name;
            vrv_period_parse(simple_grans[i].period, strlen(simple_grans[i].period), &out->period,
                             NULL);
            return 0;
        }
    }
    return sp_fail(c, path, key, "unknown granularity '%s'", s);
}

int sp_granularity(spec_ctx *c, const json_t *obj, const char *path, const char *key,
                   const char *def_name, vrv_spec_gran *out)
{
    memset(out, 0, sizeof *out);
    json_t *v = sp_get(obj, key);
    if (!v) return gran_from_name(c, def_name, path, key, out);
    out->json = v;
    if (json_is_string(v)) return gran_from_name(c, json_string_value(v), path, key, out);
    if (!json_is_object(v)) return sp_fail(c, path, key, "must be a string or an object");
    const char *p = sp_path(c, path, key), *type;
    int rc;
    if ((rc = sp_str_req(c, v, p, "type", &type))) return rc;
    if (strcmp(type, "all") == 0 || strcmp(type, "none") == 0)
        return gran_from_name(c, type, p, "type", out);
    if (strcmp(type, "period") == 0) {
        out->kind = VRV_SPEC_GRAN_PERIOD;
        const char *ps;
        if ((rc = sp_str_req(c, v, p, "period", &ps))) return rc;
        vrv_error e;
        if (vrv_period_parse(ps, strlen(ps), &out->period, &e) != 0)
            return sp_fail(c, p, "period", "%s", e.msg);
        if (vrv_period_is_zero(&out->period))
            return sp_fail(c, p, "period", "must not be a zero period");
        if ((rc = sp_str(c, v, p, "timeZone", NULL, &out->time_zone))) return rc;
    } else if (strcmp(type, "duration") == 0) {
        out->kind = VRV_SPEC_GRAN_DURATION;
        if (!sp_has(v, "duration")) return sp_fail(c, p, "duration", "required");
        if ((rc = sp_i64_min(c, v, p, "duration", 0, 1, &out->duration_ms))) return rc;
    } else {
        return sp_fail(c, p, "type", "must be one of period, duration, all, none");
    }
    return sp_instant(c, v, p, "origin", &out->has_origin, &out->origin);
}

/* Length of one bucket starting at the epoch, for ordering granularities. */
static int64_t gran_len(const vrv_spec_gran *g)
{
    switch (g->kind) {
    case VRV_SPEC_GRAN_NONE:
        return 1;
    case VRV_SPEC_GRAN_ALL:
        return INT64_MAX;
    case VRV_SPEC_GRAN_DURATION:
        return g->duration_ms;
    case VRV_SPEC_GRAN_PERIOD: {
        vrv_ms end;
        if (vrv_period_add(&g->period, 0, 1, &end) != 0) return INT64_MAX;
        return end < 0 ? -end : end;
    }
    }
    return 1;
}

bool sp_gran_coarser(const vrv_spec_gran *a, const vrv_spec_gran *b)
{
    return gran_len(a) > gran_len(b);
}

json_t *sp_gran_json(const vrv_spec_gran *g)
{
    switch (g->kind) {
    case VRV_SPEC_GRAN_NONE:
        return json_pack("{s:s}", "type", "none");
    case VRV_SPEC_GRAN_ALL:
        return json_pack("{s:s}", "type", "all");
    case VRV_SPEC_GRAN_DURATION: {
        json_t *o =
            json_pack("{s:s,s:I}", "type", "duration", "duration", (json_int_t)g->duration_ms);
        json_object_set_new(o, "origin", sp_instant_json(g->has_origin ? g->origin : 0));
        return o;
    }
    case VRV_SPEC_GRAN_PERIOD:
        break;
    }
    bool utc = !g->time_zone || strcmp(g->time_zone, "UTC") == 0;
    char pbuf[VRV_PERIOD_STR_MAX];
    vrv_period_format(&g->period, pbuf);
    /* A standard period in UTC with no origin is written as its name. */
    if (utc && !g->has_origin) {
        for (size_t i = 0; i < VRV_ARRAY_LEN(simple_grans); i++)
            if (strcmp(pbuf, simple_grans[i].period) == 0) return json_string(simple_grans[i].name);
    }
    json_t *o = json_pack("{s:s,s:s,s:s}", "type", "period", "period", pbuf, "timeZone",
                          g->time_zone ? g->time_zone : "UTC");
    json_object_set_new(o, "origin", g->has_origin ? sp_instant_json(g->origin) : json_null());
    return o;
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
