/*
 * sha1.h — SHA-1 (FIPS 180-4), for the identifiers Druid derives from it: the
 * commit_metadata_sha1 of a stored DataSourceMetadata row, the
 * sequence_name_prev_id_sha1 unique key of a pending segment, and the hashed
 * part of streaming sequence names. Not for security. No allocation, no state
 * outside the caller's context.
 */
#ifndef VRV_SHA1_H
#define VRV_SHA1_H

#include "base/vrv.h"

#define VRV_SHA1_LEN     20 /* digest bytes */
#define VRV_SHA1_HEX_LEN 40 /* hex digits, without the NUL */

typedef struct vrv_sha1_ctx {
    uint32_t h[5];
    uint64_t total;    /* bytes fed so far */
    uint8_t block[64]; /* pending partial block */
    size_t used;       /* bytes in block */
} vrv_sha1_ctx;

void vrv_sha1_init(vrv_sha1_ctx *c);
void vrv_sha1_update(vrv_sha1_ctx *c, const void *data, size_t len);
/* Writes the 20-byte digest; the context must be re-initialised before reuse. */
void vrv_sha1_final(vrv_sha1_ctx *c, uint8_t out[VRV_SHA1_LEN]);

/* One-shot digest of data. */
void vrv_sha1(const void *data, size_t len, uint8_t out[VRV_SHA1_LEN]);

/* Writes the digest as 40 UPPER-case hex digits plus a NUL, the way Druid stores
 * it (Guava BaseEncoding.base16()). */
void vrv_sha1_hex(const uint8_t digest[VRV_SHA1_LEN], char out[VRV_SHA1_HEX_LEN + 1]);

#endif
