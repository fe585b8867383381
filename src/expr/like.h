/*
 * like.h — SQL LIKE matching as Druid's LikeDimFilter.LikeMatcher does it, for
 * the `like` expression function and the `like` filter: `%` matches any run of
 * characters (newlines included), `_` exactly one character (a code point),
 * an optional escape character makes the next character literal; the whole
 * value must match; case-sensitive.
 */
#ifndef VRV_LIKE_H
#define VRV_LIKE_H

#include "base/arena.h"
#include "base/error.h"

typedef struct vrv_like vrv_like;

/* Compiles the pattern into arena memory (nothing to free). escape is the
 * escape character's text (NULL for none; must be one character). Returns 0
 * or VRV_EINVAL with err set. */
int vrv_like_compile(const char *pattern, size_t len, const char *escape, size_t escape_len,
                     vrv_arena *arena, vrv_like **out, vrv_error *err);

/* True when all of s matches. */
bool vrv_like_match(const vrv_like *l, const char *s, size_t n);

#endif
