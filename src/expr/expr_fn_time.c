/*
 * expr_fn_time.c — Druid's time functions (TimestampFloorExprMacro,
 * TimestampCeilExprMacro, TimestampShiftExprMacro, TimestampExtractExprMacro):
 * timestamp_floor, timestamp_ceil, timestamp_shift, timestamp_extract over
 * epoch-millisecond timestamps, in UTC or a time zone given as an IANA name or
 * an offset ("America/Los_Angeles", "-08:00"). Periods are calendar periods in
 * the zone (a P1D bucket follows local midnight). Literal periods, origins and
 * zones are resolved once when the expression is bound; computed ones per row.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/granularity.h"
#include "base/time.h"
#include "base/tz.h"
#include "expr/expr_int.h"

/* ---- arguments --------------------------------------------------------------- */

typedef struct zone_arg {
    bool fixed;         /* resolved at bind (literal or absent) */
    const vrv_tz *tz;   /* when fixed */
} zone_arg;

typedef struct period_arg {
    bool fixed;
    vrv_period p;
} period_arg;

static int zone_prepare(expr_pnode *n, expr_bind *b, vrv_error *err, uint32_t i, zone_arg *z)
{
    vrv_value v;
    z->fixed = true;
    z->tz = vrv_tz_utc();
    if (i >= n->nargs) return 0;
    if (!expr_arg_literal(n, i, &v)) {
        z->fixed = false;
        return 0;
    }
    if (v.type == VRV_V_NULL) return 0;
    if (v.type != VRV_V_STRING)
        return expr_bind_fail(b, n, err, "function '%s' time zone must be a string", n->fn->name);
    vrv_error e2;
    if (vrv_tz_get(v.u.s, v.len, &z->tz, &e2) != 0)
        return expr_bind_fail(b, n, err, "function '%s': %s", n->fn->name, e2.msg);
    return 0;
}

/* The zone of this row; NULL after failing the evaluation. */
static const vrv_tz *zone_of(const expr_pnode *n, expr_eval *c, uint32_t i, const zone_arg *z)
{
    if (z->fixed) return z->tz;
    vrv_value v = EV(i);
    if (v.type == VRV_V_NULL) return vrv_tz_utc();
    vrv_str s;
    if (!expr_as_str(&v, c->arena, &s)) return vrv_tz_utc();
    const vrv_tz *tz;
    vrv_error e2;
    if (vrv_tz_get(s.p, s.n, &tz, &e2) != 0) {
        expr_fail(c, "function '%s': %s", n->fn->name, e2.msg);
        return NULL;
    }
    return tz;
}

static int period_prepare(expr_pnode *n, expr_bind *b, vrv_error *err, uint32_t i, period_arg *p)
{
    vrv_value v;
    if (!expr_arg_literal(n, i, &v)) return 0;
    if (v.type != VRV_V_STRING)
        return expr_bind_fail(b, n, err, "function '%s' period must be a string", n->fn->name);
    vrv_error e2;
    if (vrv_period_parse(v.u.s, v.len, &p->p, &e2) != 0)
        return expr_bind_fail(b, n, err, "function '%s': %s", n->fn->name, e2.msg);
    p->fixed = true;
    return 0;
}

static bool period_of(const expr_pnode *n, expr_eval *c, uint32_t i, const period_arg *pa, vrv_period *out)
{
    if (pa->fixed) {
        *out = pa->p;
        return true;
    }
    vrv_value v = EV(i);
    vrv_str s;
    vrv_error e2;
    if (!expr_as_str(&v, c->arena, &s)) {
        expr_fail(c, "function '%s' period must not be null", n->fn->name);
        return false;
    }
    if (vrv_period_parse(s.p, s.n, out, &e2) != 0) {
        expr_fail(c, "function '%s': %s", n->fn->name, e2.msg);
        return false;
    }
    return true;
}

/* ---- timestamp_floor / timestamp_ceil ----------------------------------------------- */

/* The PeriodGranularity of arguments 1 (period), 2 (origin) and 3 (zone). */
typedef struct gran_state {
    bool fixed; /* every argument after the first is a literal */
    vrv_gran g;
} gran_state;

static int make_gran(const vrv_value *period, const vrv_value *origin, const vrv_value *zone, vrv_gran *g,
                     vrv_arena *a, char *msg, size_t cap)
{
    vrv_str ps;
    vrv_period p;
    vrv_error e2;
    if (!expr_as_str(period, a, &ps)) {
        snprintf(msg, cap, "period must not be null");
        return VRV_EINVAL;
    }
    if (vrv_period_parse(ps.p, ps.n, &p, &e2) != 0) {
        snprintf(msg, cap, "%s", e2.msg);
        return VRV_EINVAL;
    }
    vrv_ms o = 0;
    bool has_origin = origin && origin->type != VRV_V_NULL;
    if (has_origin) {
        if (origin->type == VRV_V_STRING) {
            if (vrv_time_parse(origin->u.s, origin->len, 0, &o, &e2) != 0) {
                snprintf(msg, cap, "origin: %s", e2.msg);
                return VRV_EINVAL;
            }
        } else if (!vrv_expr_to_long(origin, &o)) {
            snprintf(msg, cap, "origin must be a timestamp");
            return VRV_EINVAL;
        }
    }
    const vrv_tz *tz = vrv_tz_utc();
    vrv_str zs;
    if (zone && zone->type != VRV_V_NULL && expr_as_str(zone, a, &zs) && vrv_tz_get(zs.p, zs.n, &tz, &e2) != 0) {
        snprintf(msg, cap, "%s", e2.msg);
        return VRV_EINVAL;
    }
    if (vrv_gran_make_period(g, &p, tz, has_origin ? &o : NULL, &e2) != 0) {
        snprintf(msg, cap, "%s", e2.msg);
        return VRV_EINVAL;
    }
    return 0;
}

static int gran_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    gran_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    n->state = st;
    vrv_value args[3] = {vrv_null(), vrv_null(), vrv_null()};
    for (uint32_t i = 1; i < n->nargs; i++)
        if (!expr_arg_literal(n, i, &args[i - 1])) return 0; /* computed per row */
    char msg[512];
    if (make_gran(&args[0], n->nargs > 2 ? &args[1] : NULL, n->nargs > 3 ? &args[2] : NULL, &st->g, &b->prog->arena, msg,
                  sizeof msg) != 0)
        return expr_bind_fail(b, n, err, "function '%s': %s", n->fn->name, msg);
    st->fixed = true;
    return 0;
}

static vrv_value floor_ceil(const expr_pnode *n, expr_eval *c, bool ceiling)
{
    const gran_state *st = n->state;
    vrv_value t = EV(0);
    int64_t ms;
    if (!vrv_expr_to_long(&t, &ms)) return vrv_null();
    vrv_gran g = st->g;
    if (!st->fixed) {
        vrv_value args[3] = {vrv_null(), vrv_null(), vrv_null()};
        for (uint32_t i = 1; i < n->nargs; i++) args[i - 1] = EV(i);
        char msg[512];
        if (make_gran(&args[0], n->nargs > 2 ? &args[1] : NULL, n->nargs > 3 ? &args[2] : NULL, &g, c->arena, msg,
                      sizeof msg) != 0)
            return expr_fail(c, "function '%s': %s", n->fn->name, msg);
    }
    return vrv_long(ceiling ? vrv_gran_ceil(&g, ms) : vrv_gran_bucket_start(&g, ms));
}

static vrv_value fn_timestamp_floor(const expr_pnode *n, expr_eval *c)
{
    return floor_ceil(n, c, false);
}

static vrv_value fn_timestamp_ceil(const expr_pnode *n, expr_eval *c)
{
    return floor_ceil(n, c, true);
}

/* ---- timestamp_shift ------------------------------------------------------------ */

typedef struct shift_state {
    period_arg period;
    zone_arg zone;
} shift_state;

static int shift_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    shift_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    int rc = period_prepare(n, b, err, 1, &st->period);
    if (rc == 0) rc = zone_prepare(n, b, err, 3, &st->zone);
    n->state = st;
    return rc;
}

static vrv_value fn_timestamp_shift(const expr_pnode *n, expr_eval *c)
{
    const shift_state *st = n->state;
    vrv_value t = EV(0);
    int64_t ms;
    if (!vrv_expr_to_long(&t, &ms)) return vrv_null();
    vrv_period p;
    if (!period_of(n, c, 1, &st->period, &p)) return vrv_null();
    vrv_value sv = EV(2);
    int32_t step = expr_as_int(&sv);
    const vrv_tz *tz = zone_of(n, c, 3, &st->zone);
    if (!tz) return vrv_null();
    vrv_ms out;
    if (vrv_period_add_tz(&p, ms, step, tz, &out) != 0)
        return expr_fail(c, "function 'timestamp_shift' result out of the LONG range");
    return vrv_long(out);
}

/* ---- timestamp_extract ------------------------------------------------------------ */

enum {
    U_EPOCH,
    U_MICROSECOND,
    U_MILLISECOND,
    U_SECOND,
    U_MINUTE,
    U_HOUR,
    U_DAY,
    U_DOW,
    U_ISODOW,
    U_DOY,
    U_WEEK,
    U_MONTH,
    U_QUARTER,
    U_YEAR,
    U_ISOYEAR,
    U_DECADE,
    U_CENTURY,
    U_MILLENNIUM,
};

static const char *units[] = {
    "EPOCH", "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE",  "HOUR",   "DAY",    "DOW",     "ISODOW",
    "DOY",   "WEEK",        "MONTH",       "QUARTER", "YEAR",   "ISOYEAR", "DECADE", "CENTURY", "MILLENNIUM",
};

typedef struct extract_state {
    int unit;
    zone_arg zone;
} extract_state;

static int unit_of(vrv_str s)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(units); i++)
        if (strlen(units[i]) == s.n && strncasecmp(units[i], s.p, s.n) == 0) return (int)i;
    return -1;
}

static int extract_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    extract_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    vrv_value u;
    if (!expr_arg_literal(n, 1, &u) || u.type != VRV_V_STRING)
        return expr_bind_fail(b, n, err, "function 'timestamp_extract' unit arg must be a string literal");
    st->unit = unit_of(vrv_value_str(&u));
    if (st->unit < 0)
        return expr_bind_fail(b, n, err, "function 'timestamp_extract' has an unknown unit '%.*s'", (int)VRV_MIN(u.len, 40),
                              u.u.s);
    if (n->nargs > 2 && !expr_arg_literal(n, 2, NULL))
        return expr_bind_fail(b, n, err, "function 'timestamp_extract' time zone must be a literal");
    n->state = st;
    return zone_prepare(n, b, err, 2, &st->zone);
}

/* new DateTime(value, chronology): a long is millis, a string an ISO instant. */
static bool instant_of(const vrv_value *v, int64_t *out, expr_eval *c, const char *fn)
{
    switch (v->type) {
    case VRV_V_LONG: *out = v->u.l; return true;
    case VRV_V_DOUBLE:
    case VRV_V_FLOAT: *out = expr_d2l(expr_num_d(v)); return true;
    case VRV_V_STRING: {
        vrv_error e2;
        if (vrv_time_parse(v->u.s, v->len, 0, out, &e2) != 0) {
            expr_fail(c, "function '%s': %s", fn, e2.msg);
            return false;
        }
        return true;
    }
    default: expr_fail(c, "function '%s' cannot read a timestamp from %s", fn, expr_type_name(expr_value_type(v))); return false;
    }
}

static vrv_value fn_timestamp_extract(const expr_pnode *n, expr_eval *c)
{
    const extract_state *st = n->state;
    vrv_value t = EV(0);
    if (t.type == VRV_V_NULL) return t;
    int64_t ms;
    if (!instant_of(&t, &ms, c, "timestamp_extract")) return vrv_null();
    const vrv_tz *tz = st->zone.tz;
    vrv_civil cv;
    vrv_tz_to_civil(tz, ms, &cv);
    /* Local wall time as days since the epoch, for day-of-week and weeks. */
    int64_t local = (int64_t)((uint64_t)ms + (uint64_t)(int64_t)vrv_tz_offset(tz, ms));
    int64_t days = vrv_time_floor_div(local, VRV_MS_PER_DAY);
    int64_t epoch = ms / 1000; /* Java truncates toward zero */
    switch (st->unit) {
    case U_EPOCH: return vrv_long(epoch);
    case U_MICROSECOND: return vrv_long(epoch / 1000);
    case U_MILLISECOND: return vrv_long(cv.millis);
    case U_SECOND: return vrv_long(cv.second);
    case U_MINUTE: return vrv_long(cv.minute);
    case U_HOUR: return vrv_long(cv.hour);
    case U_DAY: return vrv_long(cv.day);
    case U_DOW:
    case U_ISODOW: return vrv_long(vrv_time_dow(days));
    case U_DOY: return vrv_long(days - vrv_time_days_from_civil(cv.year, 1, 1) + 1);
    case U_WEEK:
    case U_ISOYEAR: {
        int64_t wy;
        int w;
        vrv_time_iso_week(days, &wy, &w);
        return vrv_long(st->unit == U_WEEK ? w : wy);
    }
    case U_MONTH: return vrv_long(cv.month);
    case U_QUARTER: return vrv_long((cv.month - 1) / 3 + 1);
    case U_YEAR: return vrv_long(cv.year);
    case U_DECADE: return vrv_long(cv.year / 10);
    case U_CENTURY: return vrv_double(ceil((double)cv.year / 100));
    default: return vrv_double(ceil((double)cv.year / 1000));
    }
}

static expr_type ty_extract(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(a);
    const expr_node *u = n->args[1];
    if (u->kind == EN_LIT && u->lit.type == VRV_V_STRING) {
        int unit = unit_of(vrv_value_str(&u->lit));
        if (unit == U_CENTURY || unit == U_MILLENNIUM) return ET_DOUBLE;
    }
    return ET_LONG;
}

const expr_fn expr_fns_time[] = {
    {"timestamp_floor", 2, 4, 0, 0, fn_timestamp_floor, gran_prepare, expr_ty_long, NULL},
    {"timestamp_ceil", 2, 4, 0, 0, fn_timestamp_ceil, gran_prepare, expr_ty_long, NULL},
    {"timestamp_shift", 3, 4, 0, 0, fn_timestamp_shift, shift_prepare, expr_ty_long, NULL},
    {"timestamp_extract", 2, 3, 0, 0, fn_timestamp_extract, extract_prepare, ty_extract, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
