/*
 * seg_format.c — block encoding shared by the segment writer and reader.
 */
#include "segment/seg_format.h"

#include <lz4.h>
#include <string.h>
#include <zstd.h>

bool vrv_seg_codec_parse(const char *name, vrv_seg_codec *out)
{
    if (strcmp(name, "lz4") == 0) *out = VRV_SEG_CODEC_LZ4;
    else if (strcmp(name, "zstd") == 0) *out = VRV_SEG_CODEC_ZSTD;
    else if (strcmp(name, "uncompressed") == 0 || strcmp(name, "none") == 0) *out = VRV_SEG_CODEC_NONE;
    else return false;
    return true;
}

const char *vrv_seg_codec_name(vrv_seg_codec c)
{
    switch (c) {
    case VRV_SEG_CODEC_LZ4: return "lz4";
    case VRV_SEG_CODEC_ZSTD: return "zstd";
    default: return "uncompressed";
    }
}

static void put_block_header(uint8_t *h, uint8_t codec, uint32_t raw, uint32_t stored)
{
    h[0] = codec;
    memcpy(h + 1, &raw, 4);
    memcpy(h + 5, &stored, 4);
}

void vrv_seg_block_put(vrv_buf *out, vrv_seg_codec codec, const void *src, size_t len)
{
    size_t start = out->len;
    if (codec == VRV_SEG_CODEC_LZ4 && len > 0 && len < LZ4_MAX_INPUT_SIZE) {
        int bound = LZ4_compressBound((int)len);
        uint8_t *p = (uint8_t *)vrv_buf_reserve(out, VRV_SEG_BLOCK_HEADER + (size_t)bound);
        int n = LZ4_compress_default(src, (char *)p + VRV_SEG_BLOCK_HEADER, (int)len, bound);
        if (n > 0 && (size_t)n < len) {
            put_block_header(p, VRV_SEG_CODEC_LZ4, (uint32_t)len, (uint32_t)n);
            out->len = start + VRV_SEG_BLOCK_HEADER + (size_t)n;
            out->data[out->len] = '\0';
            return;
        }
    } else if (codec == VRV_SEG_CODEC_ZSTD && len > 0) {
        size_t bound = ZSTD_compressBound(len);
        uint8_t *p = (uint8_t *)vrv_buf_reserve(out, VRV_SEG_BLOCK_HEADER + bound);
        size_t n = ZSTD_compress(p + VRV_SEG_BLOCK_HEADER, bound, src, len, 1);
        if (!ZSTD_isError(n) && n < len) {
            put_block_header(p, VRV_SEG_CODEC_ZSTD, (uint32_t)len, (uint32_t)n);
            out->len = start + VRV_SEG_BLOCK_HEADER + n;
            out->data[out->len] = '\0';
            return;
        }
    }
    uint8_t h[VRV_SEG_BLOCK_HEADER];
    put_block_header(h, VRV_SEG_CODEC_NONE, (uint32_t)len, (uint32_t)len);
    vrv_buf_append(out, h, sizeof h);
    vrv_buf_append(out, src, len);
}

long vrv_seg_block_get(const uint8_t *p, size_t avail, void *dst, size_t cap, size_t *used)
{
    if (avail < VRV_SEG_BLOCK_HEADER) return VRV_ECORRUPT;
    uint32_t raw, stored;
    memcpy(&raw, p + 1, 4);
    memcpy(&stored, p + 5, 4);
    if (stored > avail - VRV_SEG_BLOCK_HEADER || raw > cap) return VRV_ECORRUPT;
    const uint8_t *src = p + VRV_SEG_BLOCK_HEADER;
    *used = VRV_SEG_BLOCK_HEADER + stored;
    switch (p[0]) {
    case VRV_SEG_CODEC_NONE:
        if (stored != raw) return VRV_ECORRUPT;
        if (raw) memcpy(dst, src, raw);
        return (long)raw;
    case VRV_SEG_CODEC_LZ4: {
        int n = LZ4_decompress_safe((const char *)src, dst, (int)stored, (int)raw);
        return n == (int)raw ? (long)raw : VRV_ECORRUPT;
    }
    case VRV_SEG_CODEC_ZSTD: {
        size_t n = ZSTD_decompress(dst, raw, src, stored);
        return !ZSTD_isError(n) && n == raw ? (long)raw : VRV_ECORRUPT;
    }
    default: return VRV_ECORRUPT;
    }
}

void vrv_seg_blocks_init(vrv_seg_blocks_writer *w)
{
    vrv_buf_init(&w->data);
    vrv_buf_init(&w->offsets);
    w->nblocks = 0;
}

void vrv_seg_blocks_add(vrv_seg_blocks_writer *w, vrv_seg_codec codec, const void *src, size_t len)
{
    uint64_t off = w->data.len;
    vrv_buf_append(&w->offsets, &off, 8);
    vrv_seg_block_put(&w->data, codec, src, len);
    w->nblocks++;
}

void vrv_seg_blocks_finish(vrv_seg_blocks_writer *w, vrv_buf *out)
{
    uint64_t end = w->data.len;
    vrv_buf_append(&w->offsets, &end, 8);
    size_t head = 4 + w->offsets.len;
    vrv_buf_append(out, &w->nblocks, 4);
    /* offsets are relative to the section start: shift past the table */
    for (uint32_t i = 0; i <= w->nblocks; i++) {
        uint64_t o;
        memcpy(&o, w->offsets.data + 8 * i, 8);
        o += head;
        vrv_buf_append(out, &o, 8);
    }
    vrv_buf_append(out, w->data.data, w->data.len);
    vrv_buf_free(&w->data);
    vrv_buf_free(&w->offsets);
}
