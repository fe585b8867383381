/*
 * fuzz_query_parse.c — libFuzzer target for the native query parser: the
 * input is a query body. It is parsed (every query type, datasource form,
 * interval form, granularity, filter, aggregator, having, limitSpec and
 * context key); a failure must classify and render Druid's legacy error
 * body, a success must list its tables and render the empty result (what a
 * query over no data answers). Nothing may crash, leak or trip a sanitizer.
 */
#include <stdint.h>
#include <stdlib.h>

#include "query/query.h"

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
    vrv_buf_free(&out);
    vrv_query_free(q);
    return 0;
}
