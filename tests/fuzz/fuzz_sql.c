/*
 * fuzz_sql.c — libFuzzer target for the SQL front end: the input is a
 * statement. It is lexed, parsed, analysed against a fixed schema (a "wiki"
 * table answered by a canned segmentMetadata result) and planned; every
 * native query the planner emits must be accepted by the native query
 * parser (it is answered with an empty result), and a failure must be a
 * classified error with a message. Nothing may crash, leak or trip a
 * sanitizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"
#include "sql/sql.h"

static const char *schema =
    "[{\"id\":\"wiki_1\",\"columns\":{"
    "\"__time\":{\"typeSignature\":\"LONG\",\"type\":\"LONG\"},"
    "\"channel\":{\"typeSignature\":\"STRING\",\"type\":\"STRING\"},"
    "\"page\":{\"typeSignature\":\"STRING\",\"type\":\"STRING\"},"
    "\"added\":{\"typeSignature\":\"LONG\",\"type\":\"LONG\"},"
    "\"delta\":{\"typeSignature\":\"DOUBLE\",\"type\":\"DOUBLE\"},"
    "\"ratio\":{\"typeSignature\":\"FLOAT\",\"type\":\"FLOAT\"},"
    "\"uniq\":{\"typeSignature\":\"COMPLEX<hyperUnique>\",\"type\":\"hyperUnique\"}}}]";

static int run(void *ctx, const json_t *query, vrv_buf *out, vrv_error *err)
{
    (void)ctx;
    const char *qt = json_string_value(json_object_get(query, "queryType"));
    if (qt && !strcmp(qt, "segmentMetadata")) {
        vrv_buf_puts(out, schema);
        return 0;
    }
    vrv_query *q = NULL;
    vrv_query_error qe;
    if (vrv_query_parse_json(query, &q, &qe) < 0) {
        /* a planned query the engine cannot read is a planner bug, unless the
         * engine does not support that form */
        if (qe.err.code != VRV_EUNSUPPORTED && qe.cls != VRV_QERR_INVALID) abort();
        *err = qe.err;
        return VRV_EUNSUPPORTED;
    }
    vrv_query_free(q);
    vrv_buf_puts(out, "[]");
    return 0;
}

static json_t *datasources(void *ctx)
{
    (void)ctx;
    return json_pack("[s]", "wiki");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vrv_sql_env env = {run, datasources, NULL, NULL};
    vrv_sql_result *r = NULL;
    vrv_sql_error err;
    json_t *params = json_pack("[{s:s, s:s}, {s:s, s:i}]", "type", "VARCHAR", "value", "x", "type", "BIGINT",
                               "value", 3);
    if (vrv_sql_execute(&env, (const char *)data, size, NULL, params, &r, &err) == 0) {
        vrv_buf out = VRV_BUF_INIT;
        vrv_sql_result_write(r, VRV_SQL_FORMAT_CSV, VRV_SQL_HEADER | VRV_SQL_TYPES_HEADER, &out);
        vrv_buf_free(&out);
        vrv_sql_result_free(r);
    } else if (err.kind == VRV_SQL_E_NONE || !err.err.msg[0]) {
        abort();
    }
    json_decref(params);
    return 0;
}
