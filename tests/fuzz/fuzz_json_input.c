/*
 * fuzz_json_input.c — the `json` input format on arbitrary blocks. The first
 * byte picks one of several inputFormat specs (flattenSpec fields of every
 * type, parser features, the three reading modes) and whether the block is a
 * file or a stream record and whether fields are discovered; the rest is the
 * block. Every row is read to the end; the raw bytes reported for a row must
 * lie inside the block and every value must be writable as JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"
#include "json/jwriter.h"

static const char *const specs[] = {
    "{\"type\":\"json\"}",
    "{\"type\":\"json\",\"flattenSpec\":{\"fields\":[\"a\",{\"type\":\"path\",\"name\":\"p\","
    "\"expr\":\"$.a.b[0]\"},{\"type\":\"path\",\"name\":\"w\",\"expr\":\"$.a[*].c\"},"
    "{\"type\":\"path\",\"name\":\"d\",\"expr\":\"$..c\"},{\"type\":\"jq\",\"name\":\"q\","
    "\"expr\":\".a.b | length\"},{\"type\":\"tree\",\"name\":\"t\",\"nodes\":[\"a\",\"b\"]},"
    "{\"type\":\"path\",\"name\":\"s\",\"expr\":\"$.tags.sum()\"},{\"type\":\"path\","
    "\"name\":\"c\",\"expr\":\"$.tags.concat('x')\"},{\"type\":\"jq\",\"name\":\"k\","
    "\"expr\":\".a | keys\"}]}}",
    "{\"type\":\"json\",\"featureSpec\":{\"ALLOW_COMMENTS\":true,\"ALLOW_SINGLE_QUOTES\":true,"
    "\"ALLOW_UNQUOTED_CONTROL_CHARS\":true,\"ALLOW_NON_NUMERIC_NUMBERS\":true,"
    "\"ALLOW_TRAILING_COMMA\":true,\"ALLOW_UNQUOTED_FIELD_NAMES\":true,"
    "\"ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER\":true,\"ALLOW_YAML_COMMENTS\":true,"
    "\"ALLOW_NUMERIC_LEADING_ZEROS\":true},\"flattenSpec\":{\"fields\":[{\"type\":\"jq\","
    "\"name\":\"j\",\"expr\":\".[\\\"a\\\"][-1]?\"},{\"type\":\"path\",\"name\":\"x\","
    "\"expr\":\"$['a'][1:]\"}]}}",
    "{\"type\":\"json\",\"assumeNewlineDelimited\":true,\"keepNullColumns\":true}",
    ("{\"type\":\"json\",\"useJsonNodeReader\":true,\"flattenSpec\":{\"useFieldDiscovery\":false,"
     "\"fields\":[{\"type\":\"path\",\"name\":\"all\",\"expr\":\"$\"}]}}"),
};

static vrv_input_format *formats[VRV_ARRAY_LEN(specs)];

static void check(const vrv_value *v, vrv_buf *b)
{
    vrv_buf_reset(b);
    vrv_jw w;
    vrv_jw_init(&w, b, 0);
    vrv_jw_value(&w, v);
    if (b->len == 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t which = data[0] % VRV_ARRAY_LEN(specs);
    bool stream = data[0] & 0x10, discover = data[0] & 0x20, nested = data[0] & 0x40;
    vrv_error err;
    if (!formats[which]) {
        json_t *j = json_loads(specs[which], 0, NULL);
        if (!j || vrv_input_format_parse(j, "inputFormat", &formats[which], &err) != 0) abort();
        json_decref(j);
    }
    vrv_fieldset fs;
    vrv_fieldset_init(&fs);
    vrv_fieldset_add(&fs, "a");
    vrv_fieldset_add(&fs, "p");
    vrv_fieldset_add(&fs, "timestamp");
    vrv_fieldset_add(&fs, "q");
    fs.discover = discover;
    fs.discover_nested = nested;
    vrv_input_reader *r = vrv_input_reader_new(formats[which], &fs, &err);
    if (!r) abort();
    char *block = malloc(size > 1 ? size - 1 : 1);
    memcpy(block, data + 1, size - 1);
    vrv_record_meta meta = {.partition = 0, .offset = 0};
    vrv_input_reader_start(r, block, size - 1, stream ? &meta : NULL);
    vrv_value vals[4];
    vrv_row row = {vals, 4, 0, NULL, NULL};
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    vrv_buf b = VRV_BUF_INIT;
    for (int guard = 0; guard < 100000; guard++) {
        int rc = vrv_input_reader_next(r, &row, &arena, &err);
        if (rc == 0) break;
        vrv_str raw = vrv_input_reader_raw(r);
        if (raw.n && (raw.p < block || raw.p + raw.n > block + size - 1)) abort();
        if (rc == 1) {
            for (int i = 0; i < 4; i++) check(&vals[i], &b);
            for (size_t i = 0; i < row.nextra; i++) check(&row.extra_vals[i], &b);
        }
    }
    vrv_buf_free(&b);
    vrv_arena_destroy(&arena);
    free(block);
    vrv_input_reader_free(r);
    vrv_fieldset_destroy(&fs);
    return 0;
}
