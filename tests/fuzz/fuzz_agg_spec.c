/*
 * fuzz_agg_spec.c — aggregator and post-aggregator JSON from arbitrary bytes:
 * parsing must fail with an error or give a spec that every later step
 * handles (JSON written back and parsed again, combining factory, types,
 * state init/add/finalize/destroy, post-aggregator evaluation over a row of
 * nulls).
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/postagg.h"

static bool lookup_null(void *ud, const char *name, vrv_value *out)
{
    (void)ud;
    (void)name;
    *out = vrv_null();
    return true;
}

static void exercise_agg(const vrv_agg_spec *s)
{
    vrv_agg_stored_type(s);
    vrv_agg_finalized_type(s);
    json_t *back = vrv_agg_to_json(s);
    vrv_agg_spec *again = NULL;
    if (vrv_agg_parse(back, "again", VRV_AGG_CTX_QUERY, &again, NULL) == 0) vrv_agg_spec_free(again);
    json_decref(back);
    vrv_agg_spec *c = vrv_agg_combining(s);
    vrv_agg_spec_free(c);
    _Alignas(16) unsigned char st[64];
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    vrv_agg_init(s, st);
    vrv_value vals[] = {vrv_long(3), vrv_string("abc", 3), vrv_double(2.5), vrv_null()};
    for (size_t i = 0; i < 4; i++) vrv_agg_add_row(s, st, &vals[i], 1, (vrv_ms)i);
    vrv_agg_finalize(s, st, &arena);
    vrv_value g = vrv_agg_get(s, st);
    vrv_agg_complex_render(&g, &arena);
    vrv_agg_destroy(s, st);
    vrv_arena_destroy(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (!j) return 0;
    vrv_agg_spec *s = NULL;
    if (vrv_agg_parse(j, "a", VRV_AGG_CTX_INGEST, &s, NULL) == 0) vrv_agg_spec_free(s);
    if (vrv_agg_parse(j, "a", VRV_AGG_CTX_QUERY, &s, NULL) == 0) {
        exercise_agg(s);
        vrv_agg_spec_free(s);
    }
    vrv_agg_list l;
    if (vrv_agg_parse_list(j, "l", VRV_AGG_CTX_QUERY, &l, NULL) == 0) vrv_agg_list_free(&l);
    vrv_postagg *pa = NULL;
    if (vrv_postagg_parse(j, "p", false, &pa, NULL) == 0) {
        vrv_arena arena;
        vrv_arena_init(&arena, 0);
        vrv_postagg_ctx ctx = {.lookup = lookup_null, .arena = &arena};
        vrv_value out;
        vrv_postagg_eval(pa, &ctx, &out, NULL);
        vrv_agg_coltype t;
        vrv_postagg_output_type(pa, NULL, NULL, &t);
        vrv_arena_destroy(&arena);
        vrv_postagg_free(pa);
    }
    vrv_postagg_list pl;
    const char *known[] = {"a", "b"};
    if (vrv_postagg_parse_list(j, "pl", known, 2, &pl, NULL) == 0) vrv_postagg_list_free(&pl);
    json_decref(j);
    return 0;
}
