/*
 * strcmp.h — Druid's string orderings (StringComparators): lexicographic,
 * alphanumeric, numeric, strlen, version. Used by `bound` filters and by topN
 * and groupBy dimension ordering. Strings are UTF-8; where Java compares UTF-16
 * code units (lexicographic, strlen's tie-break) the comparison reproduces it.
 * Null sorts before every string in all of them.
 */
#ifndef VRV_STRCMP_H
#define VRV_STRCMP_H

#include "base/str.h"

typedef enum vrv_order {
    VRV_ORDER_LEXICOGRAPHIC = 0, /* String.compareTo: UTF-16 code unit order */
    VRV_ORDER_ALPHANUMERIC,      /* digit runs compare as numbers, other runs ignoring case */
    VRV_ORDER_NUMERIC,           /* as BigDecimals; unparsable strings before numbers */
    VRV_ORDER_STRLEN,            /* by length in UTF-16 units, then lexicographic */
    VRV_ORDER_VERSION,           /* Maven version order: 1.10 > 1.9, 1.0-alpha < 1.0 */
    VRV_ORDER_NATURAL,           /* the column type's own order; never compares strings */
} vrv_order;

/* Parses an ordering name ("lexicographic", "numeric", ...; case-insensitive).
 * Returns false when unknown. */
bool vrv_order_parse(vrv_str name, vrv_order *out);
/* "lexicographic", "alphanumeric", "numeric", "strlen", "version", "natural". */
const char *vrv_order_name(vrv_order o);

/* Compares two non-null strings: <0, 0, >0. NATURAL compares lexicographically. */
int vrv_strcmp(vrv_order o, vrv_str a, vrv_str b);
/* The same with nulls (NULL pointers) first. */
int vrv_strcmp_nullable(vrv_order o, const vrv_str *a, const vrv_str *b);

int vrv_strcmp_lexicographic(vrv_str a, vrv_str b);
int vrv_strcmp_alphanumeric(vrv_str a, vrv_str b);
int vrv_strcmp_numeric(vrv_str a, vrv_str b);
int vrv_strcmp_strlen(vrv_str a, vrv_str b);
int vrv_strcmp_version(vrv_str a, vrv_str b);

/* A decimal number as BigDecimal reads it. */
typedef struct vrv_decimal {
    int sign;          /* -1, 0 (zero), 1 */
    const char *mant;  /* the mantissa text: digits and at most one '.' */
    size_t first, last; /* indexes in mant of the first and last non-zero digits */
    int64_t exp;       /* value = 0.(digits first..last) * 10^exp */
} vrv_decimal;

/* Parses s the way new BigDecimal(s) does ([+-]digits[.digits][e[+-]digits]);
 * false when it would throw NumberFormatException. *out borrows s. */
bool vrv_decimal_parse(vrv_str s, vrv_decimal *out);
/* Exact comparison of two parsed decimals. */
int vrv_decimal_cmp(const vrv_decimal *a, const vrv_decimal *b);

#endif
