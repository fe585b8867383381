/*
 * source.h — batch input: reading a file or an HTTP resource into memory,
 * transparently decompressing gzip and zstd, and Druid's `inputSource`
 * objects (`inline`, `local`, `http`) listed as splits, each of which yields
 * one block of bytes for an input format reader (vrv_input_reader_start).
 *
 * Decompression is chosen by magic bytes (gzip 1f 8b, zstd 28 b5 2f fd) and,
 * failing those, by the name's extension (.gz, .zst), where a compressed
 * extension on data without the magic is corrupt. Druid decides by extension
 * only; the magic also catches compressed data under a plain name. Input is
 * decompressed as a stream, in bounded steps, into one growing buffer that
 * may hold at most `max_bytes` (VRV_SOURCE_MAX_BYTES_DEFAULT): a block is
 * kept whole in memory, which bounds the size of one file or URI. Truncated
 * or damaged compressed data is VRV_ECORRUPT naming the file or URI; going
 * past the limit is VRV_ELIMIT.
 *
 * Ownership: a vrv_source is owned by its creator (vrv_source_free); splits
 * are owned by the vrv_source_splits that holds them (vrv_source_splits_free);
 * bytes are appended to the caller's vrv_buf.
 */
#ifndef VRV_SOURCE_H
#define VRV_SOURCE_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"

#define VRV_SOURCE_MAX_BYTES_DEFAULT ((size_t)1 << 30) /* 1 GiB decompressed per block */
#define VRV_SOURCE_HTTP_TIMEOUT_MS   300000L           /* whole transfer of one URI */
#define VRV_SOURCE_HTTP_RETRIES      3                 /* after the first attempt */

typedef enum vrv_source_codec {
    VRV_CODEC_NONE,
    VRV_CODEC_GZIP,
    VRV_CODEC_ZSTD,
} vrv_source_codec;

typedef struct vrv_source_limits {
    size_t max_bytes;        /* decompressed bytes per block; 0: the default */
    long http_timeout_ms;    /* 0: the default */
    int http_retries;        /* < 0: none; 0: the default */
    /* Polled (about once a second, and as data arrives) during an HTTP
     * transfer; true abandons it with VRV_ECANCELED. NULL: never. A task
     * being stopped must not wait for a slow server. */
    bool (*stop)(void);
} vrv_source_limits;

/* ---- decompression ----------------------------------------------------- */

/* The codec for data starting with head[0..n) (n >= 4 when available) under
 * name (for the extension; may be NULL). */
vrv_source_codec vrv_source_codec_detect(const char *name, const void *head, size_t n);

/* A streaming decoder appending decompressed bytes to out. name is copied and
 * used for the codec choice and in errors. */
typedef struct vrv_source_decoder vrv_source_decoder;
vrv_source_decoder *vrv_source_decoder_new(const char *name, size_t max_bytes, vrv_buf *out);
int vrv_source_decoder_feed(vrv_source_decoder *d, const void *data, size_t n, vrv_error *err);
/* Checks the input ended where the compressed stream does (else VRV_ECORRUPT). */
int vrv_source_decoder_finish(vrv_source_decoder *d, vrv_error *err);
void vrv_source_decoder_free(vrv_source_decoder *d);

/* Reads the file at path, decompressed, appending to out. Errors name path:
 * VRV_ENOTFOUND, VRV_EIO, VRV_ECORRUPT, VRV_ELIMIT. */
int vrv_source_read_file(const char *path, size_t max_bytes, vrv_buf *out, vrv_error *err);

/* GETs uri (http or https; basic authentication when user is not NULL),
 * decompressed, appending to out. Retries connection failures and 5xx
 * answers. A 4xx answer is VRV_ENOTFOUND (404) or VRV_EIO. */
int vrv_source_read_http(const char *uri, const char *user, const char *password,
                         const vrv_source_limits *lim, vrv_buf *out, vrv_error *err);

/* ---- input sources ----------------------------------------------------- */

typedef struct vrv_source vrv_source;

typedef struct vrv_source_split {
    char *name;  /* the file path, the URI, or "inline": for messages and reports */
} vrv_source_split;

typedef struct vrv_source_splits {
    vrv_source_split *v;
    size_t n;
} vrv_source_splits;

/* Parses a Druid `inputSource` object (`path` names it in errors, e.g.
 * "spec.ioConfig.inputSource"):
 *   inline  `data` (a non-empty string)
 *   local   `baseDir` with `filter` (a wildcard on file names: `*` and `?`,
 *           matched in baseDir and every directory below it), and/or `files`
 *   http    `uris` (http/https), `httpAuthenticationUsername`,
 *           `httpAuthenticationPassword` (a string, {"type":"default",
 *           "password":...} or {"type":"environment","variable":...})
 * On success *out is owned by the caller. */
int vrv_source_parse(const json_t *spec, const char *path, vrv_source **out, vrv_error *err);
void vrv_source_free(vrv_source *s);
const char *vrv_source_type(const vrv_source *s);

/* Lists the splits: one per file, URI or inline string. local lists the
 * directory tree now: matching files sorted by path, then `files` in the
 * order given (a listed file also named in `files` is read once, from
 * `files`, as in Druid); empty files are skipped as Druid skips them; a file
 * in `files` that does not exist is VRV_ENOTFOUND. */
int vrv_source_list(const vrv_source *s, vrv_source_splits *out, vrv_error *err);
void vrv_source_splits_free(vrv_source_splits *sp);

/* Appends the block of one split to out (lim may be NULL for the defaults). */
int vrv_source_read(const vrv_source *s, const vrv_source_split *sp, const vrv_source_limits *lim,
                    vrv_buf *out, vrv_error *err);

#endif
