/*
 * regex.h — Java regular expressions (java.util.regex) over UTF-8 text, for the
 * expression functions regexp_extract / regexp_like / regexp_replace and the
 * `regex` filter. Backed by PCRE2, whose syntax is a superset of nearly all of
 * Java's (not supported: class intersection `[a-z&&[^e]]` and the java* property
 * classes). Matching follows Matcher.find: the first match anywhere, searching
 * on after an empty match one character further.
 *
 * A vrv_regex owns its compiled pattern and its match data, so one object is
 * used by one thread at a time; compile one per bound program / matcher.
 */
#ifndef VRV_REGEX_H
#define VRV_REGEX_H

#include "base/buf.h"
#include "base/error.h"

typedef struct vrv_regex vrv_regex;

/* Compiles len bytes of pattern. Returns NULL with err set ("invalid regular
 * expression '...': <reason> at <offset>") on a bad pattern. Free with
 * vrv_regex_free. */
vrv_regex *vrv_regex_compile(const char *pattern, size_t len, vrv_error *err);
void vrv_regex_free(vrv_regex *r);

/* Number of capturing groups. */
unsigned vrv_regex_groups(const vrv_regex *r);

/* Searches s[start..n) for the first match. Returns 1 (found), 0 (no match) or
 * VRV_ELIMIT with err set when PCRE2 gives up (match limit). */
int vrv_regex_find(vrv_regex *r, const char *s, size_t n, size_t start, vrv_error *err);

/* Byte offsets of group g (0 = the whole match) of the last successful find;
 * false when the group did not take part in the match. */
bool vrv_regex_group(const vrv_regex *r, unsigned g, size_t *begin, size_t *end);

/* Matcher.replaceAll(replacement): appends the result to out. The replacement
 * uses Java's syntax: $n and ${name} insert groups, a backslash quotes the next
 * character. Returns 0, VRV_EINVAL with err set for a bad replacement ("No
 * group 3"), or VRV_ELIMIT when the result would exceed max_len bytes. */
int vrv_regex_replace_all(vrv_regex *r, const char *s, size_t n, const char *rep, size_t rlen, size_t max_len,
                          vrv_buf *out, vrv_error *err);

#endif
