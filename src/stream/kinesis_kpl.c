/*
 * kinesis_kpl.c — the Kinesis Producer Library's aggregated record format:
 * parsing one Kinesis record's data into its user records (what Druid's
 * KinesisRecordSupplier does through the KCL's UserRecord.deaggregate) and
 * building an aggregate, for tests and producers.
 *
 * Format: the magic bytes F3 89 9A C2, a protobuf AggregatedRecord, and the
 * MD5 of the protobuf bytes:
 *   message AggregatedRecord { repeated string partition_key_table = 1;
 *                              repeated string explicit_hash_key_table = 2;
 *                              repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1;
 *                    optional uint64 explicit_hash_key_index = 2;
 *                    required bytes data = 3; repeated Tag tags = 4; }
 * Data without the magic, with a wrong MD5 or a malformed message is an
 * ordinary record, as the KCL treats it.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "stream/kinesis.h"

static const unsigned char kpl_magic[4] = {0xF3, 0x89, 0x9A, 0xC2};

/* ------------------------------------------------------------------ MD5 */

typedef struct md5_ctx {
    uint32_t a, b, c, d;
    uint64_t len;
    unsigned char buf[64];
} md5_ctx;

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const unsigned char md5_r[64] = {
    7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 5,  9,  14, 20, 5,  9,
    14, 20, 5,  9,  14, 20, 5,  9,  14, 20, 4,  11, 16, 23, 4,  11, 16, 23, 4,  11, 16, 23,
    4,  11, 16, 23, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21,
};

static void md5_block(md5_ctx *c, const unsigned char *p)
{
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = c->a, b = c->b, cc = c->c, d = c->d;
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16)
            f = (b & cc) | (~b & d), g = i;
        else if (i < 32)
            f = (d & b) | (~d & cc), g = (5 * i + 1) % 16;
        else if (i < 48)
            f = b ^ cc ^ d, g = (3 * i + 5) % 16;
        else
            f = cc ^ (b | ~d), g = (7 * i) % 16;
        uint32_t t = d;
        d = cc;
        cc = b;
        uint32_t x = a + f + md5_k[i] + w[g];
        b = b + (x << md5_r[i] | x >> (32 - md5_r[i]));
        a = t;
    }
    c->a += a;
    c->b += b;
    c->c += cc;
    c->d += d;
}

static void md5(const void *data, size_t n, unsigned char out[16])
{
    md5_ctx c = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0, {0}};
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) md5_block(&c, p + i);
    size_t rest = n - i;
    memcpy(c.buf, p + i, rest);
    c.buf[rest++] = 0x80;
    if (rest > 56) {
        memset(c.buf + rest, 0, 64 - rest);
        md5_block(&c, c.buf);
        rest = 0;
    }
    memset(c.buf + rest, 0, 56 - rest);
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++) c.buf[56 + k] = (unsigned char)(bits >> (8 * k));
    md5_block(&c, c.buf);
    uint32_t v[4] = {c.a, c.b, c.c, c.d};
    for (int k = 0; k < 16; k++) out[k] = (unsigned char)(v[k / 4] >> (8 * (k % 4)));
}

/* ------------------------------------------------------------- protobuf */

typedef struct pb {
    const unsigned char *p, *end;
} pb;

static bool pb_varint(pb *b, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end) return false;
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Skips a field of wire type wt; reads a length-delimited one into *s, *n. */
static bool pb_field(pb *b, unsigned wt, const unsigned char **s, size_t *n)
{
    uint64_t v;
    switch (wt) {
    case 0:
        return pb_varint(b, &v);
    case 1:
        if (b->end - b->p < 8) return false;
        b->p += 8;
        return true;
    case 2:
        if (!pb_varint(b, &v) || v > (uint64_t)(b->end - b->p)) return false;
        *s = b->p;
        *n = (size_t)v;
        b->p += v;
        return true;
    case 5:
        if (b->end - b->p < 4) return false;
        b->p += 4;
        return true;
    default:
        return false;
    }
}

long vrv_kinesis_kpl_parse(const char *p, size_t n, vrv_kinesis_user_record *out, size_t cap)
{
    if (n < sizeof kpl_magic + 16 || memcmp(p, kpl_magic, sizeof kpl_magic) != 0) return -1;
    const unsigned char *msg = (const unsigned char *)p + sizeof kpl_magic;
    size_t mlen = n - sizeof kpl_magic - 16;
    unsigned char sum[16];
    md5(msg, mlen, sum);
    if (memcmp(sum, msg + mlen, 16) != 0) return -1;

    /* two passes: the key table first (it may follow the records) */
    size_t nkeys = 0;
    pb b = {msg, msg + mlen};
    while (b.p < b.end) {
        uint64_t tag = 0;
        const unsigned char *s = NULL;
        size_t sl = 0;
        if (!pb_varint(&b, &tag) || !pb_field(&b, (unsigned)(tag & 7), &s, &sl)) return -1;
        if (tag >> 3 == 1 && (tag & 7) == 2) nkeys++;
    }
    long count = 0;
    b = (pb){msg, msg + mlen};
    while (b.p < b.end) {
        uint64_t tag = 0;
        const unsigned char *s = NULL;
        size_t sl = 0;
        if (!pb_varint(&b, &tag) || !pb_field(&b, (unsigned)(tag & 7), &s, &sl)) return -1;
        if (tag >> 3 != 3 || (tag & 7) != 2) continue;
        pb r = {s, s + sl};
        uint64_t key_index = UINT64_MAX;
        const unsigned char *data = NULL;
        size_t dlen = 0;
        while (r.p < r.end) {
            uint64_t rt = 0;
            const unsigned char *rs = NULL;
            size_t rl = 0;
            if (!pb_varint(&r, &rt)) return -1;
            if (rt >> 3 == 1 && (rt & 7) == 0) {
                if (!pb_varint(&r, &key_index)) return -1;
            } else if (!pb_field(&r, (unsigned)(rt & 7), &rs, &rl)) {
                return -1;
            } else if (rt >> 3 == 3 && (rt & 7) == 2) {
                data = rs;
                dlen = rl;
            }
        }
        if (key_index >= nkeys || !data) return -1;
        if ((size_t)count < cap) {
            out[count].data = (const char *)data;
            out[count].len = dlen;
            out[count].partition_key = vrv_str_make(NULL, (size_t)key_index); /* resolved below */
        }
        count++;
    }
    if ((size_t)count > cap) return count;
    /* resolve the key indexes to the table's strings */
    size_t k = 0;
    const unsigned char **keys = NULL;
    size_t *klens = NULL;
    if (nkeys) {
        keys = vrv_malloc(nkeys * sizeof *keys);
        klens = vrv_malloc(nkeys * sizeof *klens);
    }
    b = (pb){msg, msg + mlen};
    while (b.p < b.end) {
        uint64_t tag = 0;
        const unsigned char *s = NULL;
        size_t sl = 0;
        /* the first pass checked the message */
        if (!pb_varint(&b, &tag) || !pb_field(&b, (unsigned)(tag & 7), &s, &sl)) break;
        if (tag >> 3 == 1 && (tag & 7) == 2) {
            keys[k] = s;
            klens[k++] = sl;
        }
    }
    for (long i = 0; i < count; i++) {
        size_t ki = out[i].partition_key.n;
        out[i].partition_key = vrv_str_make((const char *)keys[ki], klens[ki]);
    }
    free(keys);
    free(klens);
    return count;
}

static void pb_put_varint(vrv_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        vrv_buf_putc(b, (char)(v | 0x80));
        v >>= 7;
    }
    vrv_buf_putc(b, (char)v);
}

static void pb_put_bytes(vrv_buf *b, unsigned field, const void *p, size_t n)
{
    pb_put_varint(b, (uint64_t)field << 3 | 2);
    pb_put_varint(b, n);
    if (n) vrv_buf_append(b, p, n);
}

void vrv_kinesis_kpl_encode(const vrv_kinesis_put *recs, size_t n, vrv_buf *out)
{
    vrv_buf msg = VRV_BUF_INIT, rec = VRV_BUF_INIT;
    /* one key table entry per distinct partition key, in first-use order */
    size_t *key_of = vrv_malloc((n ? n : 1) * sizeof *key_of), nkeys = 0;
    const char **keys = vrv_malloc((n ? n : 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < nkeys; k++)
            if (strcmp(keys[k], recs[i].partition_key) == 0) break;
        if (k == nkeys) {
            keys[nkeys++] = recs[i].partition_key;
            pb_put_bytes(&msg, 1, recs[i].partition_key, strlen(recs[i].partition_key));
        }
        key_of[i] = k;
    }
    for (size_t i = 0; i < n; i++) {
        vrv_buf_reset(&rec);
        pb_put_varint(&rec, 1 << 3 | 0);
        pb_put_varint(&rec, key_of[i]);
        pb_put_bytes(&rec, 3, recs[i].data, recs[i].len);
        pb_put_bytes(&msg, 3, rec.data, rec.len);
    }
    unsigned char sum[16];
    md5(msg.data ? msg.data : "", msg.len, sum);
    vrv_buf_append(out, kpl_magic, sizeof kpl_magic);
    if (msg.len) vrv_buf_append(out, msg.data, msg.len);
    vrv_buf_append(out, sum, sizeof sum);
    vrv_buf_free(&msg);
    vrv_buf_free(&rec);
    free(key_of);
    free(keys);
}
