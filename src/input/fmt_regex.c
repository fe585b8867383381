/*
 * fmt_regex.c — the `regex` input format: each line must match `pattern` as a
 * whole, and the capture groups become the columns.
 *
 * Druid behaviour reproduced (RegexInputFormat, RegexReader):
 *  - Lines as Druid's line iterator cuts them (LF, CR LF; no header handling).
 *  - The whole line must match (Java's Matcher.matches()); a line that does
 *    not is a row error naming the line, and reading continues.
 *  - Group i fills column i; `columns` defaults to column_1..column_<groups>.
 *    Groups past the last column are ignored, columns past the last group stay
 *    null. A group that did not take part in the match is null; one that
 *    matched nothing is the empty string.
 *  - A value containing `listDelimiter` (default U+0001) becomes a multi-value
 *    array of strings.
 *  - Ill-formed UTF-8 is replaced with U+FFFD before matching, as Java reads
 *    the line into a String first.
 *
 * The pattern is a Java regular expression compiled with PCRE2 (UTF mode).
 * The two dialects agree on nearly everything used in practice; this file
 * translates what differs in spelling: the POSIX classes \p{Alpha} etc., the
 * `Is` prefix of Unicode properties and scripts (\p{IsLatin}), \p{javaLowerCase}
 * and friends, and Java's \uXXXX escapes (surrogate pairs included).
 * Java's character-class intersection ([a-z&&[^e]]) and Unicode blocks
 * (\p{InGreek}) have no PCRE2 equivalent and fail with the compiler's message.
 * A match that backtracks past VRV_REGEX_MATCH_LIMIT steps is a row error
 * instead of a stalled task.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "input/fmt_util.h"
#include "json/jutil.h"
#include "input/input.h"

#define VRV_REGEX_MATCH_LIMIT 10000000u /* backtracking steps per line */

typedef struct regex_fmt {
    char *pattern;         /* as written in the spec, for messages */
    pcre2_code *code;      /* read-only once compiled: shared by all readers */
    uint32_t ngroups;
    char **columns;        /* `columns` or column_1..column_<ngroups> */
    size_t ncolumns;
    char *list_delim;
} regex_fmt;

typedef struct regex_reader {
    const regex_fmt *f;
    const vrv_fieldset *fs;
    long *slots;           /* column -> field-set slot */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    vrv_fmt_text_opts opts;
    vrv_fmt_lines lines;
    vrv_str raw;
    vrv_value *extra_vals;
    vrv_str *extra_names;
} regex_reader;

/* ---- Java -> PCRE2 spelling ------------------------------------------- */

static const struct {
    const char *java, *posix;
} posix_classes[] = {
    {"Lower", "lower"}, {"Upper", "upper"}, {"ASCII", "ascii"}, {"Alpha", "alpha"},
    {"Digit", "digit"}, {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"},
    {"Print", "print"}, {"Blank", "blank"}, {"Cntrl", "cntrl"}, {"XDigit", "xdigit"},
    {"Space", "space"},
};

static const struct {
    const char *java, *pcre;
} java_props[] = {
    {"javaLowerCase", "Ll"}, {"javaUpperCase", "Lu"}, {"javaTitleCase", "Lt"},
    {"javaDigit", "Nd"},     {"javaLetter", "L"},     {"javaWhitespace", "White_Space"},
    {"javaAlphabetic", "Alphabetic"},
};

/* Appends the PCRE2 form of \p{name} / \P{name} (neg) to out. */
static void translate_prop(vrv_buf *out, const char *name, size_t n, bool neg, bool in_class)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(posix_classes); i++) {
        if (strlen(posix_classes[i].java) == n && memcmp(posix_classes[i].java, name, n) == 0) {
            vrv_buf_printf(out, in_class ? "[:%s%s:]" : "[[:%s%s:]]", neg ? "^" : "",
                           posix_classes[i].posix);
            return;
        }
    }
    for (size_t i = 0; i < VRV_ARRAY_LEN(java_props); i++) {
        if (strlen(java_props[i].java) == n && memcmp(java_props[i].java, name, n) == 0) {
            vrv_buf_printf(out, "\\%c{%s}", neg ? 'P' : 'p', java_props[i].pcre);
            return;
        }
    }
    if (n > 2 && name[0] == 'I' && name[1] == 's') {
        name += 2;
        n -= 2;
    }
    vrv_buf_printf(out, "\\%c{%.*s}", neg ? 'P' : 'p', (int)n, name);
}

static bool hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d > 15) return false;
        v = v * 16 + d;
    }
    *out = v;
    return true;
}

static void java_to_pcre(const char *pat, vrv_buf *out)
{
    size_t depth = 0; /* character class nesting */
    for (const char *p = pat; *p;) {
        if (p[0] == '\\' && p[1] == 'Q') {
            const char *e = strstr(p + 2, "\\E");
            size_t n = e ? (size_t)(e + 2 - p) : strlen(p);
            vrv_buf_append(out, p, n);
            p += n;
            continue;
        }
        if (p[0] == '\\' && (p[1] == 'p' || p[1] == 'P') && p[2] == '{') {
            const char *close = strchr(p + 3, '}');
            if (close) {
                translate_prop(out, p + 3, (size_t)(close - p - 3), p[1] == 'P', depth > 0);
                p = close + 1;
                continue;
            }
        }
        unsigned u, lo;
        if (p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &u)) {
            p += 6;
            /* a surrogate pair written as two escapes is one code point */
            if (u >= 0xD800 && u <= 0xDBFF && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) &&
                lo >= 0xDC00 && lo <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            vrv_buf_printf(out, "\\x{%x}", u);
            continue;
        }
        if (p[0] == '\\' && p[1]) {
            vrv_buf_append(out, p, 2);
            p += 2;
            continue;
        }
        if (p[0] == '[') {
            depth++;
            vrv_buf_putc(out, *p++);
            /* a leading ] or ^] is literal inside the class */
            if (*p == '^') vrv_buf_putc(out, *p++);
            continue;
        }
        if (p[0] == ']' && depth > 0) depth--;
        vrv_buf_putc(out, *p++);
    }
}

/* ---- spec -------------------------------------------------------------- */

static void regex_free(void *impl)
{
    regex_fmt *f = impl;
    if (!f) return;
    free(f->pattern);
    pcre2_code_free(f->code);
    vrv_fmt_strings_free(f->columns, f->ncolumns);
    free(f->list_delim);
    free(f);
}

static int regex_parse(const json_t *spec, const char *path, void **impl, vrv_error *err)
{
    regex_fmt *f = vrv_calloc(1, sizeof *f);
    int rc;
    const char *pattern, *list_delim;
    if ((rc = vrv_json_get_string(spec, "pattern", path, NULL, &pattern, err))) goto fail;
    if (!pattern) {
        rc = vrv_error_set(err, VRV_EINVAL, "%s.pattern: required", path);
        goto fail;
    }
    f->pattern = vrv_strdup(pattern);
    if ((rc = vrv_json_get_string(spec, "listDelimiter", path, "\x01", &list_delim, err))) goto fail;
    if (!*list_delim) {
        rc = vrv_error_set(err, VRV_EINVAL, "%s.listDelimiter: must not be empty", path);
        goto fail;
    }
    f->list_delim = vrv_strdup(list_delim);

    vrv_buf pc = VRV_BUF_INIT;
    java_to_pcre(pattern, &pc);
    pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
    pcre2_set_newline(cctx, PCRE2_NEWLINE_ANYCRLF);
    int ecode;
    PCRE2_SIZE eoff;
    f->code = pcre2_compile((PCRE2_SPTR)(pc.data ? pc.data : ""), pc.len,
                            PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                            &ecode, &eoff, cctx);
    pcre2_compile_context_free(cctx);
    vrv_buf_free(&pc);
    if (!f->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        rc = vrv_error_set(err, VRV_EINVAL, "%s.pattern: invalid regular expression: %s", path,
                           (const char *)msg);
        goto fail;
    }
    pcre2_jit_compile(f->code, PCRE2_JIT_COMPLETE); /* the interpreter serves when JIT cannot */
    pcre2_pattern_info(f->code, PCRE2_INFO_CAPTURECOUNT, &f->ngroups);

    if ((rc = vrv_json_get_string_array(spec, "columns", path, &f->columns, &f->ncolumns, err))) goto fail;
    if (!f->columns) {
        f->ncolumns = f->ngroups;
        f->columns = vrv_calloc(f->ngroups ? f->ngroups : 1, sizeof *f->columns);
        for (uint32_t i = 0; i < f->ngroups; i++) {
            char name[32];
            snprintf(name, sizeof name, "column_%u", i + 1);
            f->columns[i] = vrv_strdup(name);
        }
    } else {
        char colpath[512];
        snprintf(colpath, sizeof colpath, "%s.columns", path);
        if ((rc = vrv_fmt_check_unique(f->columns, f->ncolumns, colpath, err))) goto fail;
    }
    *impl = f;
    return VRV_OK;
fail:
    regex_free(f);
    return rc;
}

static const char *const *regex_columns(const void *impl, size_t *n)
{
    const regex_fmt *f = impl;
    *n = f->ncolumns;
    return (const char *const *)f->columns;
}

/* ---- reader ------------------------------------------------------------ */

static void regex_reader_free(void *reader)
{
    regex_reader *r = reader;
    if (!r) return;
    free(r->slots);
    pcre2_match_data_free(r->md);
    pcre2_match_context_free(r->mctx);
    free(r->extra_vals);
    free(r->extra_names);
    free(r);
}

static void *regex_reader_new(const void *impl, const vrv_fieldset *fs, vrv_error *err)
{
    const regex_fmt *f = impl;
    regex_reader *r = vrv_calloc(1, sizeof *r);
    r->f = f;
    r->fs = fs;
    size_t nc = f->ncolumns ? f->ncolumns : 1;
    r->slots = vrv_malloc(nc * sizeof *r->slots);
    vrv_fmt_map_slots(fs, f->columns, f->ncolumns, r->slots);
    r->extra_vals = vrv_malloc(nc * sizeof *r->extra_vals);
    r->extra_names = vrv_malloc(nc * sizeof *r->extra_names);
    for (size_t i = 0; i < f->ncolumns; i++) r->extra_names[i] = vrv_str_c(f->columns[i]);
    r->md = pcre2_match_data_create_from_pattern(f->code, NULL);
    r->mctx = pcre2_match_context_create(NULL);
    if (!r->md || !r->mctx) {
        regex_reader_free(r);
        vrv_error_set(err, VRV_ENOMEM, "regex: cannot allocate match data");
        return NULL;
    }
    pcre2_set_match_limit(r->mctx, VRV_REGEX_MATCH_LIMIT);
    r->opts.list_delim = vrv_str_c(f->list_delim);
    vrv_fmt_lines_init(&r->lines, NULL, 0);
    return r;
}

static void regex_reader_start(void *reader, const char *data, size_t len,
                               const vrv_record_meta *meta)
{
    regex_reader *r = reader;
    vrv_fmt_lines_init(&r->lines, data, len);
    r->raw = vrv_str_make(data, 0);
    /* Repaired lines are valid; values then need no second repair. */
    r->opts.repair_utf8 = false;
}

static vrv_str regex_reader_raw(const void *reader)
{
    return ((const regex_reader *)reader)->raw;
}

static int regex_reader_next(void *reader, vrv_row *row, vrv_arena *arena, vrv_error *err)
{
    regex_reader *r = reader;
    const regex_fmt *f = r->f;
    assert(row->nvals >= r->fs->n);
    vrv_str line;
    if (!vrv_fmt_lines_next(&r->lines, &line)) return 0;
    r->raw = line;
    line = vrv_fmt_utf8_repair(line.p, line.n, arena);
    int m = pcre2_match(f->code, (PCRE2_SPTR)(line.p ? line.p : ""), line.n, 0,
                        PCRE2_NO_UTF_CHECK, r->md, r->mctx);
    if (m < 0) {
        if (m == PCRE2_ERROR_NOMATCH)
            return vrv_error_set(err, VRV_EINVAL, "line %zu: no match for pattern [%s]",
                                 r->lines.lineno, f->pattern);
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(m, msg, sizeof msg);
        return vrv_error_set(err, VRV_EINVAL, "line %zu: matching pattern [%s] failed: %s",
                             r->lines.lineno, f->pattern, (const char *)msg);
    }
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
    uint32_t npairs = pcre2_get_ovector_count(r->md);
    size_t n = VRV_MIN((size_t)f->ngroups, f->ncolumns);
    for (size_t s = 0; s < r->fs->n; s++) row->vals[s] = vrv_null();
    for (size_t i = 0; i < f->ncolumns; i++) {
        vrv_value v = vrv_null();
        size_t g = i + 1;
        if (i < n && g < npairs && ov[2 * g] != PCRE2_UNSET)
            v = vrv_fmt_text_value(line.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g], &r->opts, arena);
        r->extra_vals[i] = v;
        if (r->slots[i] >= 0) row->vals[r->slots[i]] = v;
    }
    if (r->fs->discover) {
        row->nextra = f->ncolumns;
        row->extra_names = r->extra_names;
        row->extra_vals = r->extra_vals;
    } else {
        row->nextra = 0;
        row->extra_names = NULL;
        row->extra_vals = NULL;
    }
    return 1;
}

const vrv_input_format_ops vrv_input_format_regex = {
    .type = "regex",
    .parse = regex_parse,
    .free_impl = regex_free,
    .columns = regex_columns,
    .reader_new = regex_reader_new,
    .reader_free = regex_reader_free,
    .reader_start = regex_reader_start,
    .reader_next = regex_reader_next,
    .reader_raw = regex_reader_raw,
};
