/*
 * fuzz_regex_input.c — the regex reader on arbitrary bytes with fixed
 * patterns, and (for inputs starting with '!') the Java-to-PCRE2 pattern
 * translation: the first line is the pattern, the rest the data. Checks that
 * matching never crashes, values are well-formed UTF-8 and raw slices stay in
 * the block.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/fmt_util.h"
#include "input/input.h"

static const char *const patterns[] = {
    ("^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] \"(\\S+) (\\S+) (\\S+)\" (\\d{3}) (\\S+) \"([^\"]*)\" "
     "\"([^\"]*)\"$"),
    "(\\w+)=(\\d*)?;?(.*)",
    "(\\p{Alpha}*)(\\P{Digit}?)([\\p{Punct}\\u00e9]*)(.*)",
};
#define NPAT (sizeof patterns / sizeof patterns[0])

static vrv_input_format *formats[NPAT];
static vrv_fieldset fixed_fs, disc_fs;

static vrv_input_format *make(const char *pattern, const char *list_delim)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "type", "regex", "pattern", pattern, "listDelimiter",
                          list_delim);
    if (!j) return NULL; /* not valid UTF-8: jansson refuses it */
    vrv_input_format *f = NULL;
    vrv_error err;
    if (vrv_input_format_parse(j, "fuzz", &f, &err)) {
        if (err.code != VRV_EINVAL || !strstr(err.msg, "fuzz.pattern")) abort();
        f = NULL;
    }
    json_decref(j);
    return f;
}

static void check_value(const vrv_value *v)
{
    if (v->type == VRV_V_STRING && !vrv_fmt_utf8_valid(v->u.s, v->len)) abort();
    if (v->type == VRV_V_ARRAY)
        for (uint32_t i = 0; i < v->len; i++) check_value(&v->u.a[i]);
}

static void run(vrv_input_format *f, const vrv_fieldset *fs, const char *data, size_t len,
                vrv_arena *arena)
{
    vrv_error err;
    vrv_input_reader *r = vrv_input_reader_new(f, fs, &err);
    if (!r) abort();
    vrv_value vals[4];
    vrv_input_reader_start(r, data, len, NULL);
    for (int i = 0; i < 100000; i++) {
        vrv_row row = {vals, fs->n, 0, NULL, NULL};
        int rc = vrv_input_reader_next(r, &row, arena, &err);
        if (rc == 0) break;
        vrv_str raw = vrv_input_reader_raw(r);
        if (raw.n && (raw.p < data || raw.p + raw.n > data + len)) abort();
        if (rc < 0) continue;
        for (size_t s = 0; s < fs->n; s++) check_value(&row.vals[s]);
        for (size_t s = 0; s < row.nextra; s++) check_value(&row.extra_vals[s]);
    }
    vrv_input_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        for (size_t i = 0; i < NPAT; i++)
            if (!(formats[i] = make(patterns[i], i == 2 ? "," : "\x01"))) abort();
        vrv_fieldset_init(&fixed_fs);
        vrv_fieldset_add(&fixed_fs, "column_2");
        vrv_fieldset_add(&fixed_fs, "column_1");
        vrv_fieldset_init(&disc_fs);
        disc_fs.discover = true;
        ready = 1;
    }
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    const char *d = (const char *)data;
    if (size > 0 && d[0] == '!') {
        const char *nl = memchr(d, '\n', size);
        size_t pl = nl ? (size_t)(nl - d) - 1 : size - 1;
        if (pl <= 200 && !memchr(d + 1, 0, pl)) {
            char pat[201];
            memcpy(pat, d + 1, pl);
            pat[pl] = '\0';
            vrv_input_format *f = make(pat, "|");
            if (f) {
                const char *rest = nl ? nl + 1 : d + size;
                run(f, &disc_fs, rest, (size_t)(d + size - rest), &arena);
                vrv_input_format_free(f);
            }
        }
    } else {
        for (size_t i = 0; i < NPAT; i++) {
            run(formats[i], &fixed_fs, d, size, &arena);
            run(formats[i], &disc_fs, d, size, &arena);
            vrv_arena_reset(&arena);
        }
    }
    vrv_arena_destroy(&arena);
    return 0;
}
