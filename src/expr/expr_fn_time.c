/*
 * expr_fn_time.c — Druid's time functions (Timestamp{Floor,Ceil,Shift,Extract,
 * Format,Parse}ExprMacro, TimestampFromEpochFunc): timestamp_floor,
 * timestamp_ceil, timestamp_shift, timestamp_extract, timestamp_format,
 * timestamp_parse, timestamp, unix_timestamp over epoch-millisecond
 * timestamps, in UTC or a time zone given as an IANA name or an offset
 * ("America/Los_Angeles", "-08:00"). Periods are calendar periods in the zone
 * (a P1D bucket follows local midnight); patterns are Joda's
 * (base/joda.h). Literal periods, origins, patterns and zones are resolved
 * once when the expression is bound; computed ones per row.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/granularity.h"
#include "base/joda.h"
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

typedef struct extract_state {
    vrv_time_unit unit;
    zone_arg zone;
} extract_state;

static int extract_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    extract_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    vrv_value u;
    if (!expr_arg_literal(n, 1, &u) || u.type != VRV_V_STRING)
        return expr_bind_fail(b, n, err, "function 'timestamp_extract' unit arg must be a string literal");
    if (!vrv_time_unit_parse(u.u.s, u.len, &st->unit))
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
    int64_t v = vrv_time_extract(ms, st->unit, st->zone.tz);
    return vrv_time_unit_is_double(st->unit) ? vrv_double((double)v) : vrv_long(v);
}

static expr_type ty_extract(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(a);
    const expr_node *u = n->args[1];
    vrv_time_unit unit;
    if (u->kind == EN_LIT && u->lit.type == VRV_V_STRING && vrv_time_unit_parse(u->lit.u.s, u->lit.len, &unit) &&
        vrv_time_unit_is_double(unit))
        return ET_DOUBLE;
    return ET_LONG;
}

/* ---- timestamp_format / timestamp_parse ----------------------------------------------- */

static void joda_free(void *p)
{
    vrv_joda_free(p);
}

/* A literal Joda pattern (arg i), compiled once; NULL when absent or null. */
static int pattern_prepare(expr_pnode *n, expr_bind *b, vrv_error *err, uint32_t i, bool literal_only,
                           vrv_joda **out, bool *dynamic)
{
    vrv_value v;
    *out = NULL;
    *dynamic = false;
    if (i >= n->nargs) return 0;
    if (!expr_arg_literal(n, i, &v)) {
        if (literal_only) return expr_bind_fail(b, n, err, "function '%s' pattern must be a literal", n->fn->name);
        *dynamic = true;
        return 0;
    }
    if (v.type == VRV_V_NULL) return 0;
    if (v.type != VRV_V_STRING)
        return expr_bind_fail(b, n, err, "function '%s' pattern must be a string", n->fn->name);
    vrv_error e2;
    if (vrv_joda_compile(v.u.s, v.len, out, &e2) != 0)
        return expr_bind_fail(b, n, err, "function '%s': %s", n->fn->name, e2.msg);
    expr_prog_on_free(b->prog, joda_free, *out);
    return 0;
}

typedef struct pattern_state {
    vrv_joda *joda;  /* NULL: the function's default (ISO) */
    bool dynamic;    /* timestamp(): the pattern is computed per row */
    zone_arg zone;
} pattern_state;

static int format_parse_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    pattern_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    n->state = st;
    int rc = pattern_prepare(n, b, err, 1, true, &st->joda, &st->dynamic);
    if (rc) return rc;
    if (n->nargs > 2 && !expr_arg_literal(n, 2, NULL))
        return expr_bind_fail(b, n, err, "function '%s' time zone must be a literal", n->fn->name);
    return zone_prepare(n, b, err, 2, &st->zone);
}

static vrv_value fn_timestamp_format(const expr_pnode *n, expr_eval *c)
{
    const pattern_state *st = n->state;
    vrv_value t = EV(0);
    int64_t ms;
    if (!vrv_expr_to_long(&t, &ms)) return vrv_null();
    if (!st->joda) {
        /* ISODateTimeFormat.dateTime() in the zone. */
        char buf[VRV_TIME_STR_MAX];
        size_t len = vrv_tz_format(st->zone.tz, ms, buf);
        return expr_str_dup(c->arena, buf, len);
    }
    vrv_buf *b = expr_scratch(c);
    vrv_joda_format(st->joda, ms, st->zone.tz, b);
    vrv_value r = expr_str_dup(c->arena, b->data ? b->data : "", b->len);
    expr_scratch_release(c, b);
    return r;
}

static vrv_value fn_timestamp_parse(const expr_pnode *n, expr_eval *c)
{
    const pattern_state *st = n->state;
    vrv_value v = EV(0);
    vrv_str s;
    if (!expr_as_str(&v, c->arena, &s)) return vrv_null();
    vrv_ms out;
    /* Unparsable text is null, not an error. */
    int rc = st->joda ? vrv_joda_parse(st->joda, s.p, s.n, st->zone.tz, &out, NULL)
                      : vrv_tz_parse_time(st->zone.tz, s.p, s.n, VRV_TIME_PARSE_SPACE, &out, NULL);
    return rc == 0 ? vrv_long(out) : vrv_null();
}

/* ---- timestamp / unix_timestamp --------------------------------------------------------- */

static int epoch_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    pattern_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    n->state = st;
    st->zone.tz = vrv_tz_utc();
    return pattern_prepare(n, b, err, 1, false, &st->joda, &st->dynamic);
}

/* TimestampFromEpochFunc: a STRING parsed as an ISO date with optional time
 * (or with the Joda pattern), in UTC; text that does not parse fails the row,
 * as Druid throws there. */
static vrv_value epoch(const expr_pnode *n, expr_eval *c, int64_t divisor)
{
    const pattern_state *st = n->state;
    vrv_value v = EV(0);
    if (v.type == VRV_V_NULL) return v;
    if (v.type != VRV_V_STRING)
        return expr_fail(c, "function '%s' first argument should be a STRING but got %s instead", n->fn->name,
                         expr_type_name(expr_value_type(&v)));
    vrv_joda *j = st->joda;
    if (st->dynamic) {
        vrv_value f = EV(1);
        if (f.type != VRV_V_STRING)
            return expr_fail(c, "function '%s' second argument should be a STRING but got %s instead", n->fn->name,
                             f.type == VRV_V_NULL ? "null" : expr_type_name(expr_value_type(&f)));
        vrv_error e2;
        if (vrv_joda_compile(f.u.s, f.len, &j, &e2) != 0) return expr_fail(c, "function '%s': %s", n->fn->name, e2.msg);
    }
    vrv_ms out;
    int rc = j ? vrv_joda_parse(j, v.u.s, v.len, vrv_tz_utc(), &out, NULL) : vrv_time_parse(v.u.s, v.len, 0, &out, NULL);
    if (st->dynamic) vrv_joda_free(j);
    if (rc != 0) return expr_fail(c, "function '%s' invalid value %.*s", n->fn->name, (int)VRV_MIN(v.len, 200), v.u.s);
    return vrv_long(out / divisor);
}

static vrv_value fn_timestamp(const expr_pnode *n, expr_eval *c)
{
    return epoch(n, c, 1);
}

static vrv_value fn_unix_timestamp(const expr_pnode *n, expr_eval *c)
{
    return epoch(n, c, 1000);
}

const expr_fn expr_fns_time[] = {
    {"timestamp_floor", 2, 4, 0, 0, fn_timestamp_floor, gran_prepare, expr_ty_long, NULL},
    {"timestamp_ceil", 2, 4, 0, 0, fn_timestamp_ceil, gran_prepare, expr_ty_long, NULL},
    {"timestamp_shift", 3, 4, 0, 0, fn_timestamp_shift, shift_prepare, expr_ty_long, NULL},
    {"timestamp_extract", 2, 3, 0, 0, fn_timestamp_extract, extract_prepare, ty_extract, NULL},
    {"timestamp_format", 1, 3, 0, 0, fn_timestamp_format, format_parse_prepare, expr_ty_string, NULL},
    {"timestamp_parse", 1, 3, 0, 0, fn_timestamp_parse, format_parse_prepare, expr_ty_long, NULL},
    {"timestamp", 1, 2, 0, 0, fn_timestamp, epoch_prepare, expr_ty_long, NULL},
    {"unix_timestamp", 1, 2, 0, 0, fn_unix_timestamp, epoch_prepare, expr_ty_long, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
