/*
 * fuzz_csv.c — the csv and tsv readers (and the kafka wrapper's header
 * decoding around a csv payload) on arbitrary bytes, with a few fixed specs in
 * fixed and discovery modes. Checks that every row error leaves the reader
 * usable, that raw slices stay inside the block and that every string value
 * is well-formed UTF-8.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/fmt_util.h"
#include "input/input.h"

static const char *const specs[] = {
    ("{\"type\":\"csv\",\"columns\":[\"a\",\"b\",\"c\"],\"listDelimiter\":\"|\","
     "\"tryParseNumbers\":true}"),
    "{\"type\":\"csv\",\"findColumnsFromHeader\":true,\"skipHeaderRows\":1}",
    "{\"type\":\"tsv\",\"columns\":[\"a\",\"b\",\"c\"]}",
    "{\"type\":\"tsv\",\"findColumnsFromHeader\":true,\"delimiter\":\"::\",\"listDelimiter\":\",\"}",
    ("{\"type\":\"kafka\",\"valueFormat\":{\"type\":\"csv\",\"columns\":[\"a\",\"b\"]},"
     "\"headerFormat\":{\"type\":\"string\",\"encoding\":\"UTF-16\"},"
     "\"keyFormat\":{\"type\":\"tsv\",\"columns\":[\"k\"]}}"),
};
#define NSPECS (sizeof specs / sizeof specs[0])

static vrv_input_format *formats[NSPECS];
static vrv_fieldset fixed_fs, disc_fs;

static void init(void)
{
    for (size_t i = 0; i < NSPECS; i++) {
        json_t *j = json_loads(specs[i], 0, NULL);
        vrv_error err;
        if (!j || vrv_input_format_parse(j, "fuzz", &formats[i], &err)) abort();
        json_decref(j);
    }
    vrv_fieldset_init(&fixed_fs);
    const char *names[] = {"a", "b", "c", "x", "kafka.key", "kafka.header.h"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) vrv_fieldset_add(&fixed_fs, names[i]);
    vrv_fieldset_init(&disc_fs);
    vrv_fieldset_add(&disc_fs, "b");
    disc_fs.discover = true;
}

static void check_value(const vrv_value *v)
{
    if (v->type == VRV_V_STRING && !vrv_fmt_utf8_valid(v->u.s, v->len)) abort();
    if (v->type == VRV_V_ARRAY)
        for (uint32_t i = 0; i < v->len; i++) check_value(&v->u.a[i]);
}

static void run(vrv_input_format *f, const vrv_fieldset *fs, const char *data, size_t len,
                const vrv_record_meta *meta, vrv_arena *arena)
{
    vrv_error err;
    vrv_input_reader *r = vrv_input_reader_new(f, fs, &err);
    if (!r) abort();
    vrv_value vals[8];
    vrv_input_reader_start(r, data, len, meta);
    for (int i = 0; i < 100000; i++) {
        vrv_row row = {vals, fs->n, 0, NULL, NULL};
        int rc = vrv_input_reader_next(r, &row, arena, &err);
        if (rc == 0) break;
        vrv_str raw = vrv_input_reader_raw(r);
        if (data && raw.n && (raw.p < data || raw.p + raw.n > data + len)) abort();
        if (rc < 0) {
            if (rc != VRV_EINVAL || !err.msg[0]) abort();
            continue;
        }
        for (size_t s = 0; s < fs->n; s++) check_value(&row.vals[s]);
        for (size_t s = 0; s < row.nextra; s++) check_value(&row.extra_vals[s]);
    }
    vrv_input_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        init();
        ready = 1;
    }
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    const char *d = (const char *)data;
    /* the kafka case: bytes before the first NUL are a header value and the
     * key, the rest the payload */
    const char *nul = memchr(d, 0, size);
    size_t hl = nul ? (size_t)(nul - d) : 0;
    vrv_record_header h = {VRV_STR_LIT("h"), d, hl};
    vrv_record_meta meta = {.key = d, .key_len = hl, .timestamp = 1, .topic = VRV_STR_LIT("t"),
                            .partition = 0, .offset = 0, .headers = &h, .nheaders = 1};
    for (size_t i = 0; i < NSPECS; i++) {
        bool kafka = i == NSPECS - 1;
        const char *p = kafka && nul ? nul + 1 : d;
        size_t n = kafka && nul ? size - hl - 1 : size;
        run(formats[i], &fixed_fs, p, n, kafka ? &meta : NULL, &arena);
        run(formats[i], &disc_fs, p, n, kafka ? &meta : NULL, &arena);
        vrv_arena_reset(&arena);
    }
    vrv_arena_destroy(&arena);
    return 0;
}
