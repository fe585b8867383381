/*
 * sha1.c — a straightforward SHA-1: 64-byte blocks, 80 rounds, big-endian
 * length padding. Speed is irrelevant here (control-plane identifiers only).
 */
#include "base/sha1.h"

#include <string.h>

static inline uint32_t rol32(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999u;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1u;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCu;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6u;
        }
        uint32_t t = rol32(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void vrv_sha1_init(vrv_sha1_ctx *c)
{
    c->h[0] = 0x67452301u;
    c->h[1] = 0xEFCDAB89u;
    c->h[2] = 0x98BADCFEu;
    c->h[3] = 0x10325476u;
    c->h[4] = 0xC3D2E1F0u;
    c->total = 0;
    c->used = 0;
}

void vrv_sha1_update(vrv_sha1_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    if (c->used) {
        size_t take = VRV_MIN(len, 64 - c->used);
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used < 64) return;
        sha1_block(c->h, c->block);
        c->used = 0;
    }
    for (; len >= 64; p += 64, len -= 64) sha1_block(c->h, p);
    if (len) {
        memcpy(c->block, p, len);
        c->used = len;
    }
}

void vrv_sha1_final(vrv_sha1_ctx *c, uint8_t out[VRV_SHA1_LEN])
{
    uint64_t bits = c->total * 8;
    uint8_t pad = 0x80;
    vrv_sha1_update(c, &pad, 1);
    uint8_t zero = 0;
    while (c->used != 56) vrv_sha1_update(c, &zero, 1);
    uint8_t len_be[8];
    for (int i = 0; i < 8; i++) len_be[i] = (uint8_t)(bits >> (56 - 8 * i));
    vrv_sha1_update(c, len_be, 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

void vrv_sha1(const void *data, size_t len, uint8_t out[VRV_SHA1_LEN])
{
    vrv_sha1_ctx c;
    vrv_sha1_init(&c);
    vrv_sha1_update(&c, data, len);
    vrv_sha1_final(&c, out);
}

void vrv_sha1_hex(const uint8_t digest[VRV_SHA1_LEN], char out[VRV_SHA1_HEX_LEN + 1])
{
    static const char hex[] = "0123456789ABCDEF";
    for (int i = 0; i < VRV_SHA1_LEN; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[VRV_SHA1_HEX_LEN] = '\0';
}
