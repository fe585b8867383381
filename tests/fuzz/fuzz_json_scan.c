/*
 * fuzz_json_scan.c — the event scanner on arbitrary bytes. The first byte picks
 * the lenient parser features; the rest is scanned as a block of JSON values
 * with a plan of root keys, nested paths and raw captures, in discovery mode,
 * then as one event, skipped, and parsed into the arena tree. Every extracted
 * value is written back with the JSON writer and must parse with jansson: a
 * scanner slice that is not JSON text, or a writer that emits invalid JSON,
 * aborts.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/jwriter.h"
#include "json/scan.h"

static void check_json(const vrv_value *v, vrv_buf *b)
{
    vrv_buf_reset(b);
    vrv_jw w;
    vrv_jw_init(&w, b, 0);
    vrv_jw_value(&w, v);
    json_error_t je;
    json_t *j = json_loadb(b->data, b->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    /* raw JSON slices keep the source text: with lenient features it may hold
     * comments or single quotes, which jansson does not read */
    if (!j && v->type != VRV_V_JSON && !strstr(je.text, "too big")) abort();
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned features = data[0] == 0 ? 0x1ffu : (data[0] & 1) ? 0 : (data[0] * 37u) & 0x1ffu;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;

    vrv_scan_plan *plan = vrv_scan_plan_new(features);
    static const char *const roots[] = {"a", "page", "timestamp", "", "tags"};
    for (uint32_t i = 0; i < 5; i++) vrv_scan_plan_add_root(plan, roots[i], strlen(roots[i]), i, 0);
    vrv_scan_step p1[] = {{"a", 1, 0}, {"b", 1, 0}};
    vrv_scan_step p2[] = {{"tags", 4, 0}, {NULL, 0, 1}};
    vrv_scan_step p3[] = {{"a", 1, 0}, {NULL, 0, 0}, {"c", 1, 0}};
    vrv_scan_plan_add(plan, p1, 2, 5, VRV_SCAN_VALUE);
    vrv_scan_plan_add(plan, p2, 2, 6, VRV_SCAN_VALUE);
    vrv_scan_plan_add(plan, p3, 3, 7, VRV_SCAN_VALUE);
    vrv_scan_plan_add_root(plan, "a", 1, 8, VRV_SCAN_RAW);

    vrv_value slots[9];
    vrv_scan_out out = {.slots = slots, .discover = true};
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    vrv_error err;
    vrv_buf b = VRV_BUF_INIT;

    size_t pos = 0;
    for (int guard = 0; guard < 10000; guard++) {
        size_t before = pos;
        int rc = vrv_scan_next(plan, in, len, &pos, &out, &arena, &err);
        if (rc == 0) break;
        if (pos > len) abort();
        if (rc == 1) {
            for (size_t i = 0; i < 9; i++) check_json(&slots[i], &b);
            for (size_t i = 0; i < out.nfields; i++) check_json(&out.vals[i], &b);
        } else if (pos == before) {
            pos++; /* resynchronise past the bad byte */
        }
        if (pos >= len) break;
    }
    vrv_scan_event(plan, in, len, &out, &arena, &err);
    pos = 0;
    vrv_scan_skip(features, in, len, &pos, &err);
    vrv_jnode *root = NULL;
    if (vrv_scan_dom(features, in, len, &arena, &root, &err) == 0) {
        vrv_value v;
        vrv_jnode_to_value(root, &v, &arena);
        check_json(&v, &b);
        vrv_jnode_get(root, "a", 1);
    }
    vrv_buf_free(&b);
    vrv_scan_out_free(&out);
    vrv_arena_destroy(&arena);
    vrv_scan_plan_free(plan);
    return 0;
}
