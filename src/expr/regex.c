/*
 * regex.c — Java regular expressions on PCRE2 (see regex.h). Patterns compile
 * in UTF mode and tolerate invalid UTF-8 subjects (PCRE2_MATCH_INVALID_UTF), so
 * arbitrary input bytes never make matching fail; `\uXXXX` escapes are read as
 * Java reads them.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "expr/regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

struct vrv_regex {
    pcre2_code *code;
    pcre2_match_data *md;
    unsigned groups;
    bool matched; /* the last find succeeded: md holds its offsets */
};

vrv_regex *vrv_regex_compile(const char *pattern, size_t len, vrv_error *err)
{
    int ec;
    PCRE2_SIZE eoff;
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (cc) pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, len,
                                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ALT_BSUX, &ec, &eoff, cc);
    pcre2_compile_context_free(cc);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        vrv_error_set(err, VRV_EINVAL, "invalid regular expression '%.*s': %s at %zu", (int)VRV_MIN(len, 200),
                      pattern, (const char *)msg, (size_t)eoff);
        return NULL;
    }
    vrv_regex *r = vrv_calloc(1, sizeof *r);
    r->code = code;
    r->md = pcre2_match_data_create_from_pattern(code, NULL);
    uint32_t cap = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &cap);
    r->groups = cap;
    return r;
}

void vrv_regex_free(vrv_regex *r)
{
    if (!r) return;
    pcre2_match_data_free(r->md);
    pcre2_code_free(r->code);
    free(r);
}

unsigned vrv_regex_groups(const vrv_regex *r)
{
    return r->groups;
}

int vrv_regex_find(vrv_regex *r, const char *s, size_t n, size_t start, vrv_error *err)
{
    r->matched = false;
    if (start > n) return 0;
    int rc = pcre2_match(r->code, (PCRE2_SPTR)(s ? s : ""), n, start, 0, r->md, NULL);
    if (rc >= 0) {
        r->matched = true;
        return 1;
    }
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    return vrv_error_set(err, VRV_ELIMIT, "regular expression match failed: %s", (const char *)msg);
}

bool vrv_regex_group(const vrv_regex *r, unsigned g, size_t *begin, size_t *end)
{
    if (!r->matched || g > r->groups) return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
    if (g >= pcre2_get_ovector_count(r->md) || ov[2 * g] == PCRE2_UNSET) return false;
    *begin = ov[2 * g];
    *end = ov[2 * g + 1];
    return true;
}

/* Length of the UTF-8 character at s[i] (1 for invalid bytes). */
static size_t char_len(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + k > n) return 1;
    for (size_t j = 1; j < k; j++)
        if (((unsigned char)s[i + j] & 0xC0) != 0x80) return 1;
    return k;
}

/* Appends one replacement (Matcher.appendReplacement's template language). */
static int append_replacement(vrv_regex *r, const char *s, const char *rep, size_t rlen, vrv_buf *out,
                              vrv_error *err)
{
    size_t i = 0;
    while (i < rlen) {
        char c = rep[i];
        if (c == '\\') {
            if (++i >= rlen) return vrv_error_set(err, VRV_EINVAL, "regexp_replace: character to be escaped is missing");
            size_t k = char_len(rep, rlen, i);
            vrv_buf_append(out, rep + i, k);
            i += k;
            continue;
        }
        if (c != '$') {
            vrv_buf_putc(out, c);
            i++;
            continue;
        }
        if (++i >= rlen)
            return vrv_error_set(err, VRV_EINVAL, "regexp_replace: illegal group reference: group index is missing");
        unsigned g;
        if (rep[i] == '{') {
            size_t j = ++i;
            while (j < rlen && rep[j] != '}') j++;
            if (j >= rlen || j == i)
                return vrv_error_set(err, VRV_EINVAL, "regexp_replace: named capturing group is missing trailing '}'");
            char name[128];
            size_t nl = VRV_MIN(j - i, sizeof name - 1);
            memcpy(name, rep + i, nl);
            name[nl] = '\0';
            int num = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)name);
            if (num < 0) return vrv_error_set(err, VRV_EINVAL, "regexp_replace: no group with name {%s}", name);
            g = (unsigned)num;
            i = j + 1;
        } else {
            if (rep[i] < '0' || rep[i] > '9')
                return vrv_error_set(err, VRV_EINVAL, "regexp_replace: illegal group reference");
            g = (unsigned)(rep[i++] - '0');
            /* Java takes further digits while the number still names a group. */
            while (i < rlen && rep[i] >= '0' && rep[i] <= '9') {
                unsigned ng = g * 10 + (unsigned)(rep[i] - '0');
                if (ng > r->groups) break;
                g = ng;
                i++;
            }
            if (g > r->groups) return vrv_error_set(err, VRV_EINVAL, "regexp_replace: No group %u", g);
        }
        size_t b, e;
        if (vrv_regex_group(r, g, &b, &e)) vrv_buf_append(out, s + b, e - b);
    }
    return 0;
}

int vrv_regex_replace_all(vrv_regex *r, const char *s, size_t n, const char *rep, size_t rlen, size_t max_len,
                          vrv_buf *out, vrv_error *err)
{
    size_t pos = 0, last = 0;
    for (;;) {
        int rc = vrv_regex_find(r, s, n, pos, err);
        if (rc < 0) return rc;
        if (rc == 0) break;
        size_t b, e;
        vrv_regex_group(r, 0, &b, &e);
        vrv_buf_append(out, s + last, b - last);
        if ((rc = append_replacement(r, s, rep, rlen, out, err)) != 0) return rc;
        if (out->len > max_len)
            return vrv_error_set(err, VRV_ELIMIT, "regexp_replace: result longer than %zu bytes", max_len);
        last = e;
        if (e == b) {
            if (e >= n) break;
            pos = e + char_len(s, n, e);
        } else {
            pos = e;
        }
    }
    vrv_buf_append(out, s + last, n - last);
    return 0;
}
