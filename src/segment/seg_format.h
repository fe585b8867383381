/*
 * seg_format.h — constants and block codecs of varve's segment file format,
 * shared by the writer and the reader. docs/segment-format.md describes the
 * format in full; this header is its single source of numbers.
 *
 *   header   "VRVSEG01" (8 bytes), u32 format version, u32 reserved
 *   sections column data, each a byte range listed in the footer
 *   footer   JSON: segment metadata and the column directory (name, type,
 *            encoding, and for each section its offset, length and XXH3-64)
 *   trailer  u64 footer offset, u64 footer length, u64 XXH3-64 of the footer,
 *            "VSEGEND1"
 * All integers are little endian.
 */
#ifndef VRV_SEG_FORMAT_H
#define VRV_SEG_FORMAT_H

#include "base/buf.h"
#include "base/error.h"
#include "base/vrv.h"

#define VRV_SEG_MAGIC "VRVSEG01"
#define VRV_SEG_TRAILER_MAGIC "VSEGEND1"
#define VRV_SEG_VERSION 1
#define VRV_SEG_HEADER_SIZE 16
#define VRV_SEG_TRAILER_SIZE 32
#define VRV_SEG_BLOCK_ROWS 8192 /* values per compressed block: 64 KiB of longs */
#define VRV_SEG_MAX_FOOTER (64u << 20)

typedef enum vrv_seg_codec {
    VRV_SEG_CODEC_NONE = 0,
    VRV_SEG_CODEC_LZ4 = 1,
    VRV_SEG_CODEC_ZSTD = 2,
} vrv_seg_codec;

/* "lz4", "zstd", "uncompressed"/"none" (Druid's indexSpec names). */
bool vrv_seg_codec_parse(const char *name, vrv_seg_codec *out);
const char *vrv_seg_codec_name(vrv_seg_codec c);

/* A block is u8 codec, u32 raw length, u32 stored length, stored bytes. */
#define VRV_SEG_BLOCK_HEADER 9

/* Appends src as one block, compressed with codec when that makes it smaller. */
void vrv_seg_block_put(vrv_buf *out, vrv_seg_codec codec, const void *src, size_t len);

/* Decodes the block at p (avail bytes readable) into dst (cap bytes). Returns
 * the raw length, or a negative VRV_ECORRUPT when the block is malformed or
 * does not fit; *used is set to the block's total size. */
long vrv_seg_block_get(const uint8_t *p, size_t avail, void *dst, size_t cap, size_t *used);

/* A blocked section: u32 block count, u64 offsets[count + 1] relative to the
 * section start, then the blocks. */
typedef struct vrv_seg_blocks_writer {
    vrv_buf data;      /* blocks */
    vrv_buf offsets;   /* u64 per block start */
    uint32_t nblocks;
} vrv_seg_blocks_writer;

void vrv_seg_blocks_init(vrv_seg_blocks_writer *w);
void vrv_seg_blocks_add(vrv_seg_blocks_writer *w, vrv_seg_codec codec, const void *src, size_t len);
/* Appends the finished section to out and frees w. */
void vrv_seg_blocks_finish(vrv_seg_blocks_writer *w, vrv_buf *out);

#endif
