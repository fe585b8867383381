/*
 * sampler.h — Druid's sampler (POST /druid/indexer/v1/sampler) over the row
 * pipeline: the first rows of some input as a spec's dataSchema would store
 * them, each next to the input it came from, for the console's preview.
 *
 * The caller reads the input (an inline or file input source, or the first
 * records of a stream) and feeds it block by block or record by record;
 * the sampler runs each through a pipeline into one appendable index, as
 * Druid's InputSourceSampler does, and builds Druid's SamplerResponse:
 *
 *   {"numRowsRead": N, "numRowsIndexed": M,
 *    "logicalDimensions": [...], "physicalDimensions": [...],
 *    "logicalSegmentSchema": [{"name": "__time", "type": "LONG"}, ...],
 *    "data": [{"input": {...}, "parsed": {"__time": <ms>, ...}},
 *             {"input": {...}, "unparseable": true, "error": "..."}]}
 *
 * with Druid's accounting: a row read counts once it is indexed or found
 * unparseable (rows thrown away by the transformSpec filter or a time
 * window are neither read nor shown); a row that rollup folds into an
 * earlier one counts but is not shown (the earlier row's parsed values
 * include it); reading stops at numRows. `input` is the row's fields as the
 * input format decodes them (absent when the row could not be decoded);
 * `parsed` the stored row, metrics in their stored form. Parse exception
 * limits do not apply.
 */
#ifndef VRV_SAMPLER_H
#define VRV_SAMPLER_H

#include <jansson.h>

#include "base/error.h"
#include "input/row.h"
#include "spec/spec.h"

#define VRV_SAMPLER_DEFAULT_ROWS       200 /* Druid's SamplerConfig defaults and limit */
#define VRV_SAMPLER_MAX_ROWS           5000
#define VRV_SAMPLER_DEFAULT_TIMEOUT_MS 10000

typedef struct vrv_sampler vrv_sampler;

/* A sampler for rows of schema read with input_format (both borrowed: they
 * must outlive the sampler). Errors name the spec path of the bad part. */
int vrv_sampler_new(const vrv_spec_data_schema *schema, const vrv_spec_sub *input_format,
                    size_t num_rows, vrv_sampler **out, vrv_error *err);
void vrv_sampler_free(vrv_sampler *s); /* s may be NULL */

/* Samples one block: a file's contents (each row on its own) or, with
 * record, one stream record (meta may then describe it; its rows stand or
 * fail together, as in a streaming task). Returns 0, or a pipeline error
 * other than a parse exception (VRV_E*, err set). */
int vrv_sampler_feed(vrv_sampler *s, const char *data, size_t len, const vrv_record_meta *meta,
                     bool record, vrv_error *err);

/* numRows rows have been read: feeding more changes nothing. */
bool vrv_sampler_full(const vrv_sampler *s);

/* The SamplerResponse for what was fed so far (a new reference). */
json_t *vrv_sampler_response(vrv_sampler *s);

#endif
