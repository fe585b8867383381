/*
 * rows_json.h — the rows of an appendable index as JSON lines, the way Druid
 * stores them: one object per row in storage order, `__time` as an ISO-8601
 * UTC string with milliseconds, then the dimensions, then the metrics. Long
 * dimensions and metrics are integers, doubles always carry a decimal point
 * or an exponent, floats print at float precision, multi-value strings are
 * arrays, nulls are null; sketch and first/last metrics show their stored
 * (intermediate) form as a scan query would: base64 sketches, {"lhs","rhs"}
 * pairs.
 */
#ifndef VRV_ROWS_JSON_H
#define VRV_ROWS_JSON_H

#include "agg/agg.h"
#include "base/buf.h"
#include "ingest/index.h"

/* Appends every row of idx (a snapshot taken now) as JSON lines to out.
 * metrics are the index's metric specs in order (their output names and how
 * to render their states). Returns the number of rows written. */
size_t vrv_rows_json_write(const vrv_index *idx, const vrv_agg_list *metrics, vrv_buf *out);

/* Appends one row (position row of idx, which must be below a snapshot's
 * count) as one JSON object, no newline. With time_millis, __time is the
 * number of milliseconds (as Druid's sampler shows it) instead of ISO-8601. */
void vrv_rows_json_write_row(const vrv_index *idx, const vrv_agg_list *metrics, size_t row,
                             bool time_millis, vrv_arena *arena, vrv_buf *out);

#endif
