/*
 * rows_json.c — JSON lines from an appendable index (see rows_json.h).
 */
#include "ingest/rows_json.h"

#include <stdlib.h>

#include "base/time.h"
#include "json/jwriter.h"

void vrv_rows_json_write_row(const vrv_index *idx, const vrv_agg_list *metrics, size_t r,
                             bool time_millis, vrv_arena *arena, vrv_buf *out)
{
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    char ts[VRV_TIME_STR_MAX];
    vrv_jw w;
    vrv_jw_init(&w, out, 0);
    vrv_jw_begin_object(&w);
    vrv_jw_key(&w, "__time");
    if (time_millis)
        vrv_jw_long(&w, vrv_index_row_time(idx, r));
    else
        vrv_jw_stringn(&w, ts, vrv_time_format(vrv_index_row_time(idx, r), ts));
    for (size_t d = 0; d < snap.ndims; d++) {
        vrv_value v;
        vrv_index_row_dim(idx, r, d, arena, &v);
        vrv_jw_key(&w, snap.dims[d].name);
        if (v.type == VRV_V_JSON)
            vrv_jw_raw(&w, v.u.s, v.len);
        else
            vrv_jw_value(&w, &v);
    }
    vrv_index_lock_chunk(idx, r);
    for (size_t m = 0; m < snap.nmetrics && m < metrics->n; m++) {
        const vrv_agg_spec *outer = metrics->v[m];
        const vrv_agg_spec *inner = vrv_agg_unwrap(outer);
        const void *st = vrv_index_row_metric(idx, r, m);
        vrv_value v;
        if (vrv_agg_complex_kind(inner) == VRV_AGG_K_NONE) {
            v = vrv_agg_finalize(inner, st, arena);
        } else {
            vrv_value live = vrv_agg_get(inner, st);
            v = vrv_agg_complex_render(&live, arena);
        }
        vrv_jw_key(&w, outer->name);
        if (v.type == VRV_V_JSON)
            vrv_jw_raw(&w, v.u.s, v.len);
        else
            vrv_jw_value(&w, &v);
    }
    vrv_index_unlock_chunk(idx, r);
    vrv_jw_end_object(&w);
}

size_t vrv_rows_json_write(const vrv_index *idx, const vrv_agg_list *metrics, vrv_buf *out)
{
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    uint32_t *order = vrv_index_sorted(idx, &snap);
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    for (size_t i = 0; i < snap.nrows; i++) {
        vrv_rows_json_write_row(idx, metrics, order[i], false, &arena, out);
        vrv_buf_putc(out, '\n');
        vrv_arena_reset(&arena);
    }
    vrv_arena_destroy(&arena);
    free(order);
    return snap.nrows;
}
