/*
 * fuzz_query_parse.c — libFuzzer target for the native query parser and
 * planner: the input is a query body. It is parsed (every query type,
 * datasource form, interval form, granularity, filter, aggregator, having,
 * limitSpec and context key); a failure must classify and render Druid's
 * legacy error body. A parsed query lists its tables, renders the empty
 * result (what a query over no data answers), and then runs for real over a
 * small fixed `wiki` table (its inline, nested and join datasources
 * included): the partial result goes through its wire form and back, and
 * is rendered. Nothing may crash, leak or trip a sanitizer; an execution
 * error is an answer like any other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/jwriter.h"
#include "query/adapter.h"
#include "query/query.h"

/* A fixed table of 6 rows over 10 seconds of 2021-03-04: a single- and a
 * multi-value string column with nulls and "", long, double and float
 * metrics with nulls. Built once, never freed (the fuzzer's process ends). */
static vrv_adapter *wiki_table(void)
{
    static vrv_adapter *a;
    if (a) return a;
    static const char *const names[] = {"page", "tags", "added", "delta", "ratio"};
    static const vrv_ctype types[] = {VRV_C_STRING, VRV_C_STRING, VRV_C_LONG, VRV_C_DOUBLE,
                                      VRV_C_FLOAT};
    vrv_table_builder *b = vrv_table_builder_new(names, types, 5);
    static vrv_value t12[2], t3[1];
    t12[0] = vrv_string("t1", 2);
    t12[1] = vrv_string("t2", 2);
    t3[0] = vrv_string("t3", 2);
    vrv_value rows[6][5] = {
        {vrv_string("A", 1), vrv_array(t12, 2), vrv_long(10), vrv_double(1.5), vrv_float(0.1f)},
        {vrv_string("B", 1), vrv_array(t3, 1), vrv_long(20), vrv_double(-2.0), vrv_float(0.2f)},
        {vrv_string("A", 1), vrv_null(), vrv_null(), vrv_double(3.25), vrv_null()},
        {vrv_null(), vrv_array(NULL, 0), vrv_long(-5), vrv_null(), vrv_float(0.4f)},
        {vrv_string("", 0), vrv_string("t1", 2), vrv_long(7), vrv_double(1e300), vrv_float(0.5f)},
        {vrv_string("C", 1), vrv_array(t3, 1), vrv_long(INT64_MAX), vrv_double(0.0), vrv_float(-1.0f)},
    };
    for (int r = 0; r < 6; r++) vrv_table_builder_add(b, 1614816000000LL + r * 2000, rows[r]);
    vrv_interval iv = vrv_interval_make(1614816000000LL, 1614902400000LL);
    a = vrv_table_builder_finish(b, "wiki", "wiki_2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z_v1",
                                 &iv);
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vrv_query *q = NULL;
    vrv_query_error qe;
    vrv_buf out = VRV_BUF_INIT;
    if (vrv_query_parse((const char *)data, size, &q, &qe) != 0) {
        int status = vrv_query_error_body(&qe, "fuzz:8082", &out);
        if (status != 400 && status != 500) abort();
        vrv_buf_free(&out);
        return 0;
    }
    const char *tables[16];
    vrv_query_tables(q, tables, 16);
    vrv_error err;
    vrv_query_partial *p = vrv_query_partial_new(q);
    vrv_query_render(q, p, 0, &out, &err);
    vrv_query_partial_free(p);
    vrv_buf_reset(&out);
    /* run over the table, through the wire form, merged, rendered */
    vrv_adapter *ads[1] = {wiki_table()};
    if (vrv_query_run(q, ads, 1, &p, &err) == 0) {
        vrv_buf wire = VRV_BUF_INIT;
        vrv_query_partial_to_json(p, &wire);
        vrv_query_partial *back = NULL;
        if (vrv_query_partial_from_json(q, wire.data, wire.len, &back, &err) != 0) abort();
        if (vrv_query_merge(p, back, &err) != 0) abort();
        vrv_query_render(q, p, VRV_JW_PRETTY, &out, &err);
        vrv_buf_free(&wire);
        vrv_query_partial_free(p);
    }
    vrv_buf_free(&out);
    vrv_query_free(q);
    return 0;
}
