/*
 * kinesis_parse.c — reading a GetRecords answer where it lies: the JSON text
 * is walked once, record data is base64-decoded and strings unescaped in
 * place (both only shrink), and the results point into the buffer, so a
 * page of records costs no allocation beyond the record array. This is the
 * data plane of the Kinesis supplier; every other answer is small and read
 * with jansson.
 *
 * The walk accepts any RFC 8259 JSON the service may send (keys in any
 * order, unknown keys and nested values skipped, escapes anywhere) and never
 * reads past len; anything else is an error naming the byte offset.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "json/utf8.h"
#include "stream/kinesis.h"

#define SKIP_MAX_DEPTH 512 /* nesting of a skipped value (ChildShards and the like) */

typedef struct parser {
    char *p, *end, *start;
    vrv_error *err;
} parser;

static int fail(parser *ps, const char *what)
{
    return vrv_error_set(ps->err, VRV_EIO, "Kinesis GetRecords answer, byte %zu: %s",
                         (size_t)(ps->p - ps->start), what);
}

static void ws(parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static bool eat(parser *ps, char c)
{
    ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* A string at p (after ws): unescaped in place; *s, *n get its bytes. A lone
 * surrogate escape becomes U+FFFD. */
static int string(parser *ps, char **s, size_t *n)
{
    ws(ps);
    if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "a string was expected");
    char *in = ++ps->p, *out = in;
    /* the common case: no escape, nothing moves */
    while (in < ps->end && *in != '"' && *in != '\\') {
        if ((unsigned char)*in < 0x20) {
            ps->p = in;
            return fail(ps, "a control character in a string");
        }
        in++;
    }
    out = in;
    while (in < ps->end && *in != '"') {
        unsigned char c = (unsigned char)*in;
        if (c < 0x20) {
            ps->p = in;
            return fail(ps, "a control character in a string");
        }
        if (c != '\\') {
            *out++ = *in++;
            continue;
        }
        if (in + 1 >= ps->end) break;
        char e = in[1];
        in += 2;
        switch (e) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (ps->end - in < 4 || hex4(in, &cp)) {
                ps->p = in;
                return fail(ps, "a bad \\u escape");
            }
            in += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && ps->end - in >= 6 && in[0] == '\\' &&
                in[1] == 'u' && hex4(in + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                in += 6;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            out += vrv_utf8_put(out, cp);
            break;
        }
        default: ps->p = in - 1; return fail(ps, "a bad escape");
        }
    }
    if (in >= ps->end) {
        ps->p = in;
        return fail(ps, "the answer ends inside a string");
    }
    *s = ps->p;
    *n = (size_t)(out - ps->p);
    ps->p = in + 1;
    return VRV_OK;
}

/* Skips one value of any kind, containers walked with an explicit stack. */
static int skip_value(parser *ps)
{
    bool in_object[SKIP_MAX_DEPTH]; /* per open container: object (true) or array */
    int depth = 0;
    for (;;) {
        /* a value starts here */
        ws(ps);
        if (ps->p >= ps->end) return fail(ps, "the answer ends inside a value");
        char c = *ps->p;
        if (c == '{' || c == '[') {
            if (depth == SKIP_MAX_DEPTH) return fail(ps, "values nest too deep");
            in_object[depth++] = c == '{';
            ps->p++;
            if (eat(ps, c == '{' ? '}' : ']')) {
                depth--;
            } else {
                if (c == '{') {
                    char *k;
                    size_t kn;
                    int rc = string(ps, &k, &kn);
                    if (rc) return rc;
                    if (!eat(ps, ':')) return fail(ps, "':' was expected");
                }
                continue; /* the first member's value, or the first element */
            }
        } else if (c == '"') {
            char *sv;
            size_t n;
            int rc = string(ps, &sv, &n);
            if (rc) return rc;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            ps->p++;
            while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' ||
                                       *ps->p == 'e' || *ps->p == 'E' || *ps->p == '+' ||
                                       *ps->p == '-'))
                ps->p++;
        } else if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) {
            ps->p += 4;
        } else if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) {
            ps->p += 5;
        } else if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
            ps->p += 4;
        } else {
            return fail(ps, "a JSON value was expected");
        }
        /* a value ended: close containers until one goes on with ',' */
        for (;;) {
            if (depth == 0) return VRV_OK;
            if (eat(ps, ',')) {
                if (in_object[depth - 1]) {
                    char *k;
                    size_t kn;
                    int rc = string(ps, &k, &kn);
                    if (rc) return rc;
                    if (!eat(ps, ':')) return fail(ps, "':' was expected");
                }
                break;
            }
            if (!eat(ps, in_object[depth - 1] ? '}' : ']'))
                return fail(ps, "',' or a closing bracket was expected");
            depth--;
        }
    }
}

/* A JSON number as a double (ApproximateArrivalTimestamp, seconds). */
static int number(parser *ps, double *out, bool *is_null)
{
    ws(ps);
    *is_null = false;
    if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
        ps->p += 4;
        *is_null = true;
        return VRV_OK;
    }
    char tmp[64];
    size_t n = 0;
    while (ps->p + n < ps->end && n < sizeof tmp - 1 &&
           ((ps->p[n] >= '0' && ps->p[n] <= '9') || ps->p[n] == '.' || ps->p[n] == 'e' ||
            ps->p[n] == 'E' || ps->p[n] == '+' || ps->p[n] == '-'))
        n++;
    memcpy(tmp, ps->p, n);
    tmp[n] = '\0';
    char *endp;
    double v = n ? strtod(tmp, &endp) : 0;
    if (!n || *endp) return fail(ps, "a number was expected");
    ps->p += n;
    *out = v;
    return VRV_OK;
}

static bool key_is(const char *k, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(k, want, n) == 0;
}

static int record(parser *ps, vrv_kinesis_wire_record *r)
{
    *r = (vrv_kinesis_wire_record){.arrival = -1};
    bool has_data = false, has_seq = false;
    if (!eat(ps, '{')) return fail(ps, "a record object was expected");
    if (eat(ps, '}')) return fail(ps, "a record without Data and SequenceNumber");
    do {
        char *k;
        size_t kn;
        int rc = string(ps, &k, &kn);
        if (rc) return rc;
        if (!eat(ps, ':')) return fail(ps, "':' was expected");
        ws(ps);
        char *value = ps->p; /* errors about the value point at it */
        if (key_is(k, kn, "Data")) {
            char *s;
            size_t n, dn;
            if ((rc = string(ps, &s, &n))) return rc;
            /* decoding in place: the output never overtakes the input */
            if (!vrv_kinesis_base64_decode(s, n, s, &dn)) {
                ps->p = value;
                return fail(ps, "Data is not base64");
            }
            r->data = s;
            r->len = dn;
            has_data = true;
        } else if (key_is(k, kn, "SequenceNumber")) {
            char *s;
            size_t n;
            if ((rc = string(ps, &s, &n))) return rc;
            bool digits = n > 0 && n <= VRV_KINESIS_SEQ_MAX;
            for (size_t i = 0; i < n && digits; i++) digits = s[i] >= '0' && s[i] <= '9';
            if (!digits) {
                ps->p = value;
                return fail(ps, "SequenceNumber must be 1 to 128 decimal digits");
            }
            r->seq = s;
            r->seq_len = n;
            has_seq = true;
        } else if (key_is(k, kn, "PartitionKey")) {
            char *s;
            size_t n;
            if ((rc = string(ps, &s, &n))) return rc;
            r->pk = s;
            r->pk_len = n;
        } else if (key_is(k, kn, "ApproximateArrivalTimestamp")) {
            double v;
            bool nul;
            if ((rc = number(ps, &v, &nul))) return rc;
            if (!nul && isfinite(v) && fabs(v) < 9.0e15) r->arrival = (vrv_ms)llround(v * 1000.0);
        } else if ((rc = skip_value(ps))) {
            return rc;
        }
    } while (eat(ps, ','));
    if (!eat(ps, '}')) return fail(ps, "',' or '}' was expected");
    if (!has_data || !has_seq) return fail(ps, "a record without Data or SequenceNumber");
    return VRV_OK;
}

int vrv_kinesis_parse_records(char *buf, size_t len, vrv_kinesis_records *out, vrv_error *err)
{
    parser ps = {buf, buf + len, buf, err};
    out->n = 0;
    out->next_iterator = NULL;
    out->next_iterator_len = 0;
    out->millis_behind = 0;
    bool seen_records = false;
    if (!eat(&ps, '{')) return fail(&ps, "an object was expected");
    if (!eat(&ps, '}')) {
        do {
            char *k;
            size_t kn;
            int rc = string(&ps, &k, &kn);
            if (rc) return rc;
            if (!eat(&ps, ':')) return fail(&ps, "':' was expected");
            if (key_is(k, kn, "Records")) {
                if (!eat(&ps, '[')) return fail(&ps, "Records must be an array");
                out->n = 0; /* a repeated key: the last one wins */
                seen_records = true;
                if (!eat(&ps, ']')) {
                    do {
                        vrv_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v);
                        if ((rc = record(&ps, &out->v[out->n]))) return rc;
                        out->n++;
                    } while (eat(&ps, ','));
                    if (!eat(&ps, ']')) return fail(&ps, "',' or ']' was expected");
                }
            } else if (key_is(k, kn, "NextShardIterator")) {
                ws(&ps);
                if (ps.end - ps.p >= 4 && memcmp(ps.p, "null", 4) == 0) {
                    ps.p += 4;
                    out->next_iterator = NULL;
                    out->next_iterator_len = 0;
                } else {
                    char *s;
                    size_t n;
                    if ((rc = string(&ps, &s, &n))) return rc;
                    out->next_iterator = s;
                    out->next_iterator_len = n;
                }
            } else if (key_is(k, kn, "MillisBehindLatest")) {
                double v;
                bool nul;
                if ((rc = number(&ps, &v, &nul))) return rc;
                out->millis_behind = nul || !isfinite(v) ? 0 : (int64_t)fmin(fmax(v, 0), 9.0e15);
            } else if ((rc = skip_value(&ps))) {
                return rc;
            }
        } while (eat(&ps, ','));
        if (!eat(&ps, '}')) return fail(&ps, "',' or '}' was expected");
    }
    ws(&ps);
    if (ps.p != ps.end) return fail(&ps, "text after the answer");
    if (!seen_records) return fail(&ps, "no Records");
    return VRV_OK;
}
