/*
 * test_json_diff.c — the event scanner checked against jansson.
 *
 * A generated corpus of valid events (random nesting, escapes written as \uXXXX
 * or literally, multi-byte UTF-8, numbers at the int64 edges and with
 * exponents, random whitespace and duplicate keys) and of damaged ones (every
 * truncation, byte substitutions, insertions and deletions with JSON's special
 * characters and bad UTF-8), plus the hand-written files of tests/data/json/
 * (y_* must be accepted, n_* rejected). On each input both parsers must agree
 * on accept/reject, and on accept every root field the scanner discovers must
 * equal jansson's value: strings byte for byte, integers as longs, other
 * numbers as the same double, booleans, nulls, flat arrays element by element,
 * and containers as raw text that jansson parses to an equal value.
 *
 * Where varve follows Jackson and jansson does not, the case is left out of the
 * agreement check and asserted on its own: integers beyond int64 (Jackson reads
 * them as doubles, jansson rejects them), lone UTF-16 surrogate escapes
 * (Jackson accepts, Druid writes them as '?'; jansson rejects), numbers that
 * overflow a double (Jackson gives Infinity, jansson rejects), "\u0000" in a
 * field name (jansson rejects) and nesting between 1001 and 2048 levels
 * (Jackson's limit is 1000, jansson's 2048).
 */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>

#include "base/buf.h"
#include "json/scan.h"
#include "test.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}
/* VARVE_DIFF_SEED explores other corpora; the default keeps runs reproducible. */
static void seed(uint64_t dflt)
{
    const char *e = getenv("VARVE_DIFF_SEED");
    rng_state = e && *e ? strtoull(e, NULL, 0) * 0x9E3779B97F4A7C15ULL + 1 : dflt;
}

static unsigned rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static void gen_ws(vrv_buf *b)
{
    static const char *const ws[] = {"", "", "", "", " ", "\n", "\t", "\r\n", "  "};
    vrv_buf_puts(b, ws[rn(VRV_ARRAY_LEN(ws))]);
}

/* A string body with plain ASCII, escapes, literal UTF-8 and \u escapes of
 * BMP characters and surrogate pairs (never lone surrogates). */
static void gen_string(vrv_buf *b, bool key)
{
    static const char *const pieces[] = {
        "a",      "page",   "X",        "0",       " ",        "\\\"",   "\\\\", "\\/",
        "\\n",    "\\t",    "\\r",      "\\b",     "\\f",      "é",      "€",    "😀",
        "日本",   "\\u00e9", "\\u20AC", "\\ud83d\\ude00", "\\u0041", "\\u0000", "\\u001f",
        "'",      "{}[],:",  "null",    "\\uFFFF", "\\uDBFF\\uDFFF"};
    vrv_buf_putc(b, '"');
    unsigned n = key ? 1 + rn(3) : rn(8);
    for (unsigned i = 0; i < n; i++) {
        const char *p = pieces[rn(VRV_ARRAY_LEN(pieces))];
        if (key && strcmp(p, "\\u0000") == 0) p = "k"; /* jansson cannot hold it in a key */
        vrv_buf_puts(b, p);
    }
    vrv_buf_putc(b, '"');
}

static void gen_number(vrv_buf *b)
{
    static const char *const edges[] = {
        "0",   "-0",   "9223372036854775807", "-9223372036854775808", "9223372036854775806",
        "1",   "-1",   "0.0",  "-0.0", "1e10", "1E-10", "2.5e+3", "123.456", "1.7976931348623157e308",
        "5e-324", "0.1", "100", "3.0", "-12.75e-2", "4503599627370497", "9007199254740993.5",
        "0.30000000000000004", "1e22", "1e23", "123456789012345678e-10"};
    if (rn(3) == 0) {
        vrv_buf_puts(b, edges[rn(VRV_ARRAY_LEN(edges))]);
        return;
    }
    int64_t v = (int64_t)rnd() >> rn(63);
    if (rn(2)) {
        vrv_buf_printf(b, "%lld", (long long)v);
    } else {
        double d = (double)v / (double)(1 + rn(100000));
        vrv_buf_printf(b, rn(2) ? "%.17g" : "%.6e", d);
    }
}

static void gen_value(vrv_buf *b, int depth);

static void gen_object(vrv_buf *b, int depth)
{
    vrv_buf_putc(b, '{');
    gen_ws(b);
    unsigned n = rn(depth == 0 ? 12 : 5);
    for (unsigned i = 0; i < n; i++) {
        if (i) {
            gen_ws(b);
            vrv_buf_putc(b, ',');
            gen_ws(b);
        }
        gen_string(b, true);
        gen_ws(b);
        vrv_buf_putc(b, ':');
        gen_ws(b);
        gen_value(b, depth + 1);
    }
    gen_ws(b);
    vrv_buf_putc(b, '}');
}

static void gen_value(vrv_buf *b, int depth)
{
    unsigned k = rn(depth > 6 ? 6 : 9);
    switch (k) {
    case 0:
    case 1: gen_string(b, false); break;
    case 2:
    case 3: gen_number(b); break;
    case 4: vrv_buf_puts(b, rn(2) ? "true" : "false"); break;
    case 5: vrv_buf_puts(b, "null"); break;
    case 6:
    case 7: {
        vrv_buf_putc(b, '[');
        gen_ws(b);
        unsigned n = rn(5);
        for (unsigned i = 0; i < n; i++) {
            if (i) {
                vrv_buf_putc(b, ',');
                gen_ws(b);
            }
            if (rn(3) == 0)
                gen_value(b, depth + 1);
            else if (rn(2))
                gen_string(b, false);
            else
                gen_number(b);
        }
        gen_ws(b);
        vrv_buf_putc(b, ']');
        break;
    }
    default: gen_object(b, depth); break;
    }
}

/* Does a scanner value equal a jansson value? */
static bool same(const vrv_value *v, const json_t *j)
{
    switch (v->type) {
    case VRV_V_NULL: return json_is_null(j);
    case VRV_V_LONG:
        if (v->flags & VRV_VF_BOOL) return json_is_boolean(j) && (json_is_true(j) == (v->u.l == 1));
        return json_is_integer(j) && json_integer_value(j) == v->u.l;
    case VRV_V_DOUBLE:
        return json_is_real(j) &&
               (json_real_value(j) == v->u.d || (isnan(v->u.d) && isnan(json_real_value(j)))) &&
               signbit(json_real_value(j)) == signbit(v->u.d);
    case VRV_V_STRING:
        return json_is_string(j) && json_string_length(j) == v->len &&
               memcmp(json_string_value(j), v->u.s, v->len) == 0;
    case VRV_V_ARRAY:
        if (!json_is_array(j) || json_array_size(j) != v->len) return false;
        for (uint32_t i = 0; i < v->len; i++) {
            const json_t *e = json_array_get(j, i);
            if (json_is_array(e) || json_is_object(e)) return false;
            if (!same(&v->u.a[i], e)) return false;
        }
        return true;
    case VRV_V_JSON: {
        if (!json_is_array(j) && !json_is_object(j)) return false;
        if (json_is_array(j)) {
            /* raw only when the array holds a container */
            bool nested = false;
            for (size_t i = 0; i < json_array_size(j); i++)
                if (json_is_array(json_array_get(j, i)) || json_is_object(json_array_get(j, i)))
                    nested = true;
            if (!nested) return false;
        }
        json_error_t je;
        json_t *r = json_loadb(v->u.s, v->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        bool eq = r && json_equal(r, (json_t *)j);
        json_decref(r);
        return eq;
    }
    default: return false;
    }
}

/* jansson errors that mark a case where varve follows Jackson instead. */
static bool known_divergence(const char *jansson_error)
{
    return strstr(jansson_error, "too big") || strstr(jansson_error, "invalid Unicode") ||
           strstr(jansson_error, "real number overflow") ||
           strstr(jansson_error, "NUL byte in object key");
}

typedef struct diff {
    vrv_scan_plan *plan;
    vrv_value slots[4];
    vrv_scan_out out;
    vrv_arena arena;
    size_t accepted, rejected, skipped;
} diff;

/* Returns false (and reports) when the two parsers disagree on input. */
static bool compare(diff *d, const char *in, size_t n)
{
    char *buf = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
    memcpy(buf, in, n);
    vrv_error err;
    vrv_arena_reset(&d->arena);
    int rc = vrv_scan_event(d->plan, buf, n, &d->out, &d->arena, &err);
    json_error_t je;
    json_t *j = json_loadb(buf, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    bool ok = true;
    if (!j && known_divergence(je.text)) {
        d->skipped++;
    } else if (!j || !json_is_object(j)) {
        if (rc == 0) {
            fprintf(stderr, "scanner accepts, jansson rejects (%s): %.*s\n", j ? "not an object" : je.text,
                    (int)n, buf);
            ok = false;
        }
        d->rejected++;
    } else if (rc != 0 && strstr(err.msg, "nesting deeper than 1000 levels")) {
        d->skipped++; /* Jackson's depth limit; jansson allows 2048 */
        d->rejected++;
    } else if (rc != 0) {
        fprintf(stderr, "scanner rejects (%s), jansson accepts: %.*s\n", err.msg, (int)n, buf);
        ok = false;
    } else {
        d->accepted++;
        if (d->out.nfields != json_object_size(j)) {
            fprintf(stderr, "field count %zu vs %zu: %.*s\n", d->out.nfields, json_object_size(j),
                    (int)n, buf);
            ok = false;
        }
        /* same keys in the same order with equal values */
        void *it = json_object_iter(j);
        for (size_t i = 0; ok && i < d->out.nfields && it; i++, it = json_object_iter_next(j, it)) {
            const char *k = json_object_iter_key(it);
            size_t kl = json_object_iter_key_len(it);
            if (d->out.names[i].n != kl || memcmp(d->out.names[i].p, k, kl) != 0) {
                fprintf(stderr, "field %zu name differs: %.*s\n", i, (int)n, buf);
                ok = false;
            } else if (!same(&d->out.vals[i], json_object_iter_value(it))) {
                fprintf(stderr, "field '%s' value differs: %.*s\n", k, (int)n, buf);
                ok = false;
            }
        }
        /* the planned slots see the same values */
        static const char *const keys[] = {"a", "page", "X", "0"};
        for (int k = 0; ok && k < 4; k++) {
            json_t *jv = json_object_get(j, keys[k]);
            if (jv ? !same(&d->slots[k], jv) : d->slots[k].type != VRV_V_NULL) {
                fprintf(stderr, "slot '%s' differs: %.*s\n", keys[k], (int)n, buf);
                ok = false;
            }
        }
    }
    json_decref(j);
    free(buf);
    return ok;
}

static void diff_init(diff *d)
{
    memset(d, 0, sizeof *d);
    d->plan = vrv_scan_plan_new(0);
    static const char *const keys[] = {"a", "page", "X", "0"};
    for (uint32_t k = 0; k < 4; k++)
        vrv_scan_plan_add_root(d->plan, keys[k], strlen(keys[k]), k, VRV_SCAN_VALUE);
    d->out.slots = d->slots;
    d->out.discover = true;
    vrv_arena_init(&d->arena, 0);
}

static void diff_free(diff *d)
{
    vrv_scan_plan_free(d->plan);
    vrv_scan_out_free(&d->out);
    vrv_arena_destroy(&d->arena);
}

TEST(generated_valid_events_agree)
{
    diff d;
    diff_init(&d);
    seed(0x2545F4914F6CDD1DULL);
    vrv_buf b = VRV_BUF_INIT;
    int bad = 0;
    for (int i = 0; i < 3000 && bad < 5; i++) {
        vrv_buf_reset(&b);
        gen_ws(&b);
        gen_object(&b, 0);
        gen_ws(&b);
        if (!compare(&d, b.data, b.len)) bad++;
    }
    CHECK_INT(bad, 0);
    fprintf(stderr, "generated: %zu accepted, %zu rejected, %zu skipped\n", d.accepted, d.rejected, d.skipped);
    CHECK(d.accepted > 2900);
    vrv_buf_free(&b);
    diff_free(&d);
}

TEST(damaged_events_agree)
{
    diff d;
    diff_init(&d);
    seed(0x9E3779B97F4A7C15ULL);
    vrv_buf b = VRV_BUF_INIT, m = VRV_BUF_INIT;
    static const char junk[] = {'"',  '\\', '{',  '}',    '[',    ']',    ',',    ':',
                                '0',  '-',  'e',  '.',    'u',    't',    'n',    ' ',
                                '\n', 1,    '\'', '/',    (char)0x80, (char)0xC3, (char)0xFF,
                                (char)0xED, 'E', '+', '9', 'a'};
    int bad = 0;
    for (int i = 0; i < 400 && bad < 5; i++) {
        vrv_buf_reset(&b);
        gen_object(&b, 0);
        /* every truncation */
        for (size_t cut = 0; cut < b.len && bad < 5; cut++)
            if (!compare(&d, b.data, cut)) bad++;
        /* substitutions, insertions, deletions */
        for (int k = 0; k < 30 && bad < 5 && b.len; k++) {
            vrv_buf_reset(&m);
            vrv_buf_append(&m, b.data, b.len);
            size_t at = rn((unsigned)m.len);
            char c = junk[rn(sizeof junk)];
            switch (rn(3)) {
            case 0: m.data[at] = c; break;
            case 1:
                vrv_buf_putc(&m, 0);
                memmove(m.data + at + 1, m.data + at, m.len - at - 1);
                m.data[at] = c;
                break;
            default:
                memmove(m.data + at, m.data + at + 1, m.len - at - 1);
                m.len--;
                break;
            }
            if (!compare(&d, m.data, m.len)) bad++;
        }
    }
    fprintf(stderr, "damaged: %zu accepted, %zu rejected, %zu skipped\n", d.accepted, d.rejected,
            d.skipped);
    CHECK_INT(bad, 0);
    CHECK(d.rejected > 10000);
    CHECK(d.accepted > 100);
    vrv_buf_free(&b);
    vrv_buf_free(&m);
    diff_free(&d);
}

TEST(corpus_files_agree)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/tests/data/json", vrv_test_src_dir());
    DIR *dh = opendir(dir);
    CHECK(dh != NULL);
    if (!dh) return;
    diff d;
    diff_init(&d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(dh))) {
        bool y = strncmp(e->d_name, "y_", 2) == 0, n = strncmp(e->d_name, "n_", 2) == 0;
        if (!y && !n) continue;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        vrv_buf b = VRV_BUF_INIT;
        CHECK_INT(vrv_buf_read_file(&b, path), 0);
        size_t before = d.accepted;
        if (!compare(&d, b.data ? b.data : "", b.len)) {
            fprintf(stderr, "  in %s\n", e->d_name);
            CHECK(0);
        }
        bool accepted = d.accepted > before;
        if (accepted != y) {
            fprintf(stderr, "  %s: expected %s\n", e->d_name, y ? "accept" : "reject");
            CHECK(0);
        }
        vrv_buf_free(&b);
        files++;
    }
    closedir(dh);
    CHECK(files >= 30);
    diff_free(&d);
}

TEST(divergences_follow_jackson)
{
    diff d;
    diff_init(&d);
    vrv_error err;
    /* beyond int64: a double, where jansson refuses */
    const char *big = "{\"a\":18446744073709551616,\"page\":-99999999999999999999}";
    CHECK_INT(vrv_scan_event(d.plan, big, strlen(big), &d.out, &d.arena, &err), 0);
    CHECK_INT(d.slots[0].type, VRV_V_DOUBLE);
    CHECK_DBL(d.slots[0].u.d, 18446744073709551616.0);
    CHECK_DBL(d.slots[1].u.d, -1e20);
    /* lone surrogates: '?' */
    const char *sur = "{\"a\":\"\\udc00x\"}";
    CHECK_INT(vrv_scan_event(d.plan, sur, strlen(sur), &d.out, &d.arena, &err), 0);
    CHECK_STRN(d.slots[0].u.s, d.slots[0].len, "?x");
    /* overflowing doubles: Infinity */
    const char *inf = "{\"a\":2e308}";
    CHECK_INT(vrv_scan_event(d.plan, inf, strlen(inf), &d.out, &d.arena, &err), 0);
    CHECK(isinf(d.slots[0].u.d));
    diff_free(&d);
}
