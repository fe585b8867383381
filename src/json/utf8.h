/*
 * utf8.h — UTF-8 well-formedness by Unicode's Table 3-7, shared by the JSON
 * writer (which replaces bad bytes) and the event scanner (which rejects them).
 * Internal to src/json.
 */
#ifndef VRV_JSON_UTF8_H
#define VRV_JSON_UTF8_H

#include "base/vrv.h"

/* p[0] >= 0x80. Returns the length (2..4) of the well-formed sequence starting at
 * p within avail bytes, or minus the length of its maximal ill-formed subpart
 * (-1..-3): the bytes that one U+FFFD replaces under Unicode's "best practice",
 * which Java's UTF-8 decoder follows. */
static inline int vrv_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xBF;
    int len;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return -1;
    }
    if (avail < 2 || p[1] < lo || p[1] > hi) return -1;
    for (int i = 2; i < len; i++)
        if ((size_t)i >= avail || (p[i] & 0xC0) != 0x80) return -i;
    return len;
}

/* Encodes code point cp (<= 0x10FFFF) at out; returns the byte count (1..4). */
static inline int vrv_utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#endif
