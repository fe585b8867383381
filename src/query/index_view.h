/*
 * index_view.h — queryable copies of a growing appendable index, kept
 * between queries so that a query over a real-time segment copies only the
 * rows that arrived since the last one.
 *
 * A query cannot read an appendable index in place (ingest/index.h): it
 * reads adapters (query/adapter.h), and building one copies and sorts rows.
 * Copying every row for every query made a query's cost grow with the
 * index (tens of milliseconds at 100,000 rows), and with it the time until
 * a new row is seen. A view keeps the index's rows as a few adapters over
 * consecutive row ranges ("parts"): a query adds a part for the rows that
 * are new and reuses the others. Parts are merged as they accumulate (a part
 * is merged into the one before it once it is at least half that one's
 * size), so there are O(log rows) of them and each row is copied O(log rows)
 * times in all. Rollup folds later rows into earlier ones; a part whose rows
 * were folded into since it was built (vrv_index_folds) is built again.
 * Part boundaries fall on VRV_INDEX_FOLD_BLOCK rows, except the end of the
 * last, so a fold into the newest rows never makes an older part stale.
 *
 * The rows of one index appear in exactly one part: the adapters of a view
 * together hold every row of the snapshot once, as the adapter of the whole
 * index would. A view is not thread safe: its owner serialises the calls
 * (the streaming task holds its query lock).
 */
#ifndef VRV_INDEX_VIEW_H
#define VRV_INDEX_VIEW_H

#include "query/adapter.h"

typedef struct vrv_index_view vrv_index_view;

vrv_index_view *vrv_index_view_new(void);
void vrv_index_view_free(vrv_index_view *v);

/* Appends to out (an array of *n adapters, grown with realloc) the adapters
 * holding every row of idx now, each a new reference the caller frees with
 * vrv_adapter_free. idx NULL or empty appends nothing and drops what the view
 * kept. A different index than the last call's (vrv_index_uid) starts over.
 * datasource, segment_id, interval and meta are as for vrv_adapter_index and
 * must not change for one index. */
void vrv_index_view_read(vrv_index_view *v, const vrv_index *idx, const char *datasource,
                         const char *segment_id, vrv_interval interval, const json_t *meta,
                         vrv_adapter ***out, size_t *n);

/* Parts kept and rows copied into parts since the view was made (for tests
 * and the task's metrics). */
size_t vrv_index_view_parts(const vrv_index_view *v);
uint64_t vrv_index_view_rows_copied(const vrv_index_view *v);

#endif
