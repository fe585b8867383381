/*
 * joda.c — Joda date patterns: compiling, printing, parsing; Druid's
 * timestampSpec parser; timestamp_extract's fields.
 *
 * A compiled pattern is a token list. Parsing fills the fields the pattern
 * names and then applies them the way Joda's DateTimeParserBucket does:
 * larger fields first, each set on a 1970-01-01T00:00 base and rounded down
 * (so "yyyy-MM" gives the first of the month, "ww" the Monday of the week),
 * each checked against its range at that point ("dayOfMonth must be in the
 * range [1,30]").
 */
#include "base/joda.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "base/numfmt.h"
#include "base/str.h"

/* ---- compiling --------------------------------------------------------- */

typedef struct jtok {
    char c;       /* pattern letter; 0 for literal text */
    uint8_t n;    /* how many times the letter repeats */
    uint8_t maxd; /* most digits a number may take when parsing */
    bool lenient; /* two-digit year that also takes a full year */
    uint32_t off; /* literal: offset in lits */
    uint32_t len; /* literal: length */
} jtok;

struct vrv_joda {
    size_t ntok;
    jtok *tok;
    char *lits;    /* literal text of all literal tokens */
    char *pattern; /* NUL-terminated copy */
    int pivot;     /* two-digit years land in [pivot - 50, pivot + 49] */
};

static bool numeric_token(char c, int n)
{
    switch (c) {
    case 'x':
    case 'y':
    case 'Y':
    case 'd':
    case 'h':
    case 'H':
    case 'm':
    case 's':
    case 'S':
    case 'e':
    case 'D':
    case 'w':
    case 'k':
    case 'K':
        return true;
    case 'M':
        return n <= 2;
    default:
        return false;
    }
}

static const char SUPPORTED[] = "GyYxweEDMdahKHkmsSZ";

static int pattern_error(vrv_error *err, const char *pat, size_t n, const char *what, char c)
{
    char q[VRV_TIME_QUOTE_MAX];
    vrv_time_quote(pat, n, q);
    if (c) return vrv_error_set(err, VRV_EINVAL, "invalid date pattern \"%s\": %s: %c", q, what, c);
    return vrv_error_set(err, VRV_EINVAL, "invalid date pattern \"%s\": %s", q, what);
}

int vrv_joda_compile(const char *pat, size_t n, vrv_joda **out, vrv_error *err)
{
    jtok *tok = vrv_malloc((n + 1) * sizeof *tok);
    char *lits = vrv_malloc(n + 1);
    size_t nt = 0, nl = 0, i = 0;
    while (i < n) {
        char c = pat[i];
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (letter) {
            size_t k = i;
            while (k < n && pat[k] == c) k++;
            size_t cnt = k - i;
            if (!strchr(SUPPORTED, c)) {
                free(tok);
                free(lits);
                if (c == 'z' || c == 'C')
                    return pattern_error(err, pat, n, "unsupported pattern letter", c);
                return pattern_error(err, pat, n, "illegal pattern component", c);
            }
            if (cnt > 64) cnt = 64; /* more repeats only pad further */
            tok[nt] = (jtok){.c = c, .n = (uint8_t)cnt};
            nt++;
            i = k;
        } else if (c == '\'') {
            /* quoted text; '' inside (or alone) is one quote */
            size_t start = nl;
            i++;
            if (i < n && pat[i] == '\'') {
                lits[nl++] = '\'';
                i++;
            } else {
                bool closed = false;
                while (i < n) {
                    if (pat[i] == '\'') {
                        if (i + 1 < n && pat[i + 1] == '\'') {
                            lits[nl++] = '\'';
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    lits[nl++] = pat[i++];
                }
                if (!closed) {
                    free(tok);
                    free(lits);
                    return pattern_error(err, pat, n, "unterminated quote", 0);
                }
            }
            if (nt > 0 && tok[nt - 1].c == 0 && tok[nt - 1].off + tok[nt - 1].len == start) {
                tok[nt - 1].len += (uint32_t)(nl - start);
            } else {
                tok[nt++] = (jtok){.c = 0, .off = (uint32_t)start, .len = (uint32_t)(nl - start)};
            }
        } else {
            size_t start = nl;
            lits[nl++] = c;
            i++;
            if (nt > 0 && tok[nt - 1].c == 0 && tok[nt - 1].off + tok[nt - 1].len == start)
                tok[nt - 1].len++;
            else
                tok[nt++] = (jtok){.c = 0, .off = (uint32_t)start, .len = 1};
        }
    }
    /* Number widths depend on the next token: adjacent numbers
     * ("yyyyMMdd") are read at their written width. */
    for (size_t t = 0; t < nt; t++) {
        jtok *k = &tok[t];
        if (!k->c) continue;
        bool next_num = t + 1 < nt && tok[t + 1].c && numeric_token(tok[t + 1].c, tok[t + 1].n);
        switch (k->c) {
        case 'y':
        case 'Y':
        case 'x':
            if (k->n == 2) {
                k->maxd = 2;
                k->lenient = !next_num;
            } else {
                k->maxd = next_num ? k->n : 9;
            }
            break;
        case 'D':
            k->maxd = 3;
            break;
        case 'e':
            k->maxd = 1;
            break;
        case 'S':
            k->maxd = k->n > 9 ? 9 : k->n;
            break;
        default:
            k->maxd = 2;
            break;
        }
    }
    vrv_joda *j = vrv_calloc(1, sizeof *j);
    j->ntok = nt;
    j->tok = tok;
    j->lits = lits;
    j->pattern = vrv_strndup(pat, n);
    /* Joda's two-digit year pivot: this year minus 30 */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    j->pivot = tm.tm_year + 1900 - 30;
    *out = j;
    return 0;
}

void vrv_joda_free(vrv_joda *j)
{
    if (!j) return;
    free(j->tok);
    free(j->lits);
    free(j->pattern);
    free(j);
}

const char *vrv_joda_pattern(const vrv_joda *j)
{
    return j->pattern;
}

/* ---- texts ------------------------------------------------------------- */

static const char *const MONTHS[12] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
static const char *const DAYS[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                    "Friday", "Saturday", "Sunday"};

/* ---- printing ---------------------------------------------------------- */

/* Joda's appendPaddedInteger: '-' then at least min digits. */
static void put_num(vrv_buf *b, int64_t v, int min)
{
    char tmp[24];
    int k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) vrv_buf_putc(b, '-');
    for (int i = k; i < min; i++) vrv_buf_putc(b, '0');
    while (k) vrv_buf_putc(b, tmp[--k]);
}

static void put_offset(vrv_buf *b, int32_t off, bool colon)
{
    vrv_buf_putc(b, off < 0 ? '-' : '+');
    uint32_t a = off < 0 ? (uint32_t)0 - (uint32_t)off : (uint32_t)off;
    put_num(b, a / 3600000, 2);
    if (colon) vrv_buf_putc(b, ':');
    put_num(b, a / 60000 % 60, 2);
}

void vrv_joda_format(const vrv_joda *j, vrv_ms t, const vrv_tz *tz, vrv_buf *b)
{
    if (!tz) tz = vrv_tz_utc();
    int32_t off = vrv_tz_offset(tz, t);
    vrv_ms local = (vrv_ms)((uint64_t)t + (uint64_t)(int64_t)off);
    vrv_civil c;
    vrv_time_to_civil(local, &c);
    int64_t days = vrv_time_floor_div(local, VRV_MS_PER_DAY);
    int dow = vrv_time_dow(days);
    for (size_t i = 0; i < j->ntok; i++) {
        const jtok *k = &j->tok[i];
        int n = k->n;
        switch (k->c) {
        case 0:
            vrv_buf_append(b, j->lits + k->off, k->len);
            break;
        case 'G':
            vrv_buf_puts(b, c.year <= 0 ? "BC" : "AD");
            break;
        case 'y':
            if (n == 2)
                put_num(b, (c.year < 0 ? -(int64_t)c.year : c.year) % 100, 2);
            else
                put_num(b, c.year, n);
            break;
        case 'Y': {
            int64_t yoe = c.year <= 0 ? 1 - (int64_t)c.year : c.year;
            put_num(b, n == 2 ? yoe % 100 : yoe, n);
            break;
        }
        case 'x':
        case 'w': {
            int64_t wy;
            int w;
            vrv_time_iso_week(days, &wy, &w);
            if (k->c == 'w')
                put_num(b, w, n);
            else if (n == 2)
                put_num(b, (wy < 0 ? -wy : wy) % 100, 2);
            else
                put_num(b, wy, n);
            break;
        }
        case 'e':
            put_num(b, dow, n);
            break;
        case 'E':
            if (n >= 4)
                vrv_buf_puts(b, DAYS[dow - 1]);
            else
                vrv_buf_append(b, DAYS[dow - 1], 3);
            break;
        case 'D':
            put_num(b, days - vrv_time_days_from_civil(c.year, 1, 1) + 1, n);
            break;
        case 'M':
            if (n >= 4)
                vrv_buf_puts(b, MONTHS[c.month - 1]);
            else if (n == 3)
                vrv_buf_append(b, MONTHS[c.month - 1], 3);
            else
                put_num(b, c.month, n);
            break;
        case 'd':
            put_num(b, c.day, n);
            break;
        case 'a':
            vrv_buf_puts(b, c.hour < 12 ? "AM" : "PM");
            break;
        case 'h':
            put_num(b, c.hour % 12 == 0 ? 12 : c.hour % 12, n);
            break;
        case 'K':
            put_num(b, c.hour % 12, n);
            break;
        case 'H':
            put_num(b, c.hour, n);
            break;
        case 'k':
            put_num(b, c.hour == 0 ? 24 : c.hour, n);
            break;
        case 'm':
            put_num(b, c.minute, n);
            break;
        case 's':
            put_num(b, c.second, n);
            break;
        case 'S':
            /* millisecond precision: shorter truncates, longer pads with zeros */
            if (n <= 3) {
                int v = c.millis;
                for (int d = n; d < 3; d++) v /= 10;
                put_num(b, v, n);
            } else {
                put_num(b, c.millis, 3);
                for (int d = 3; d < n; d++) vrv_buf_putc(b, '0');
            }
            break;
        case 'Z':
            if (n >= 3)
                vrv_buf_puts(b, vrv_tz_id(tz));
            else
                put_offset(b, off, n == 2);
            break;
        }
    }
}

/* ---- parsing ----------------------------------------------------------- */

enum {
    F_ERA,
    F_YEAR,
    F_YOE,
    F_WEEKYEAR,
    F_MONTH,
    F_WEEK,
    F_DOY,
    F_DOM,
    F_DOW,
    F_HALFDAY,
    F_HOUR,      /* H 0-23 */
    F_CLOCKDAY,  /* k 1-24 */
    F_HOH,       /* K 0-11 */
    F_CLOCKHALF, /* h 1-12 */
    F_MINUTE,
    F_SECOND,
    F_MILLIS,
    F_COUNT
};

typedef struct jfields {
    uint32_t has; /* bit per F_* */
    int64_t v[F_COUNT];
    bool has_offset;
    int32_t offset;
    const vrv_tz *zone; /* from ZZZ */
} jfields;

static inline bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* Case-insensitive literal match, as Joda's literal parsers compare. */
static bool match_literal(const char *s, size_t n, size_t pos, const char *lit, size_t len)
{
    if (pos + len > n) return false;
    for (size_t i = 0; i < len; i++) {
        char a = s[pos + i], b = lit[i];
        if (a == b) continue;
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

/* Does s at pos start with word in one of Joda's accepted spellings: as
 * written, all lower case or all upper case? */
static bool match_word(const char *s, size_t n, size_t pos, const char *w, size_t len)
{
    if (pos + len > n) return false;
    bool exact = true, lower = true, upper = true;
    for (size_t i = 0; i < len; i++) {
        char a = s[pos + i], c = w[i];
        char lc = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        char uc = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
        exact &= a == c;
        lower &= a == lc;
        upper &= a == uc;
    }
    return exact || lower || upper;
}

/* Longest text among names (full and 3-letter forms); returns its index. */
static int match_text(const char *s, size_t n, size_t *pos, const char *const *names, int count,
                      bool short_forms)
{
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < count; i++) {
        size_t full = strlen(names[i]);
        if (full > best_len && match_word(s, n, *pos, names[i], full)) {
            best = i;
            best_len = full;
        }
        if (short_forms && 3 > best_len && match_word(s, n, *pos, names[i], 3)) {
            best = i;
            best_len = 3;
        }
    }
    if (best >= 0) *pos += best_len;
    return best;
}

/* A number of 1..maxd digits; signed fields take a leading '-' or '+'. */
static bool read_number(const char *s, size_t n, size_t *pos, int maxd, bool sign, int64_t *out,
                        int *ndigits)
{
    size_t p = *pos;
    bool neg = false;
    if (sign && p < n && (s[p] == '-' || s[p] == '+')) {
        if (p + 1 >= n || !is_digit(s[p + 1])) return false;
        neg = s[p] == '-';
        p++;
    }
    int k = 0;
    int64_t v = 0;
    while (p < n && k < maxd && is_digit(s[p])) {
        v = v * 10 + (s[p] - '0');
        p++;
        k++;
    }
    if (k == 0) return false;
    *out = neg ? -v : v;
    *pos = p;
    if (ndigits) *ndigits = k;
    return true;
}

/* Joda's TwoDigitYear parser. */
static bool read_two_digit_year(const jtok *k, int pivot, const char *s, size_t n, size_t *pos,
                                int64_t *out)
{
    size_t p = *pos;
    if (k->lenient) {
        /* any number of digits; anything but exactly two is a full year */
        bool has_sign = p < n && (s[p] == '-' || s[p] == '+');
        size_t q = p;
        int64_t v;
        int nd;
        if (!read_number(s, n, &q, 18, true, &v, &nd)) return false;
        if (has_sign || nd != 2) {
            if (nd > 9) return false;
            *out = v;
            *pos = q;
            return true;
        }
    }
    if (p + 2 > n || !is_digit(s[p]) || !is_digit(s[p + 1])) return false;
    int year = (s[p] - '0') * 10 + (s[p + 1] - '0');
    int low = pivot - 50;
    int t = low >= 0 ? low % 100 : 99 + ((low + 1) % 100);
    *out = year + low + (year < t ? 100 : 0) - t;
    *pos = p + 2;
    return true;
}

/* Joda's fraction parser: up to maxd digits, scaled to milliseconds and
 * truncated. */
static bool read_fraction(const char *s, size_t n, size_t *pos, int maxd, int64_t *out)
{
    size_t p = *pos;
    int64_t value = 0, w = 10000;
    int k = 0;
    while (p < n && k < maxd && is_digit(s[p])) {
        w /= 10;
        value += (s[p] - '0') * w;
        p++;
        k++;
    }
    if (k == 0) return false;
    *out = value / 10;
    *pos = p;
    return true;
}

/* "invalid time \"<text>\" for pattern \"<pattern>\": <what>" */
static int time_error(vrv_error *err, const vrv_joda *j, const char *s, size_t n, const char *what)
{
    char q[VRV_TIME_QUOTE_MAX], pq[VRV_TIME_QUOTE_MAX];
    vrv_time_quote(s, n, q);
    vrv_time_quote(j->pattern, strlen(j->pattern), pq);
    return vrv_error_set(err, VRV_EINVAL, "invalid time \"%s\" for pattern \"%s\": %s", q, pq,
                         what);
}

static int parse_error(vrv_error *err, const vrv_joda *j, const char *s, size_t n, size_t pos)
{
    if (pos >= n) return time_error(err, j, s, n, "too short");
    char r[VRV_TIME_QUOTE_MAX], what[VRV_TIME_QUOTE_MAX + 16];
    snprintf(what, sizeof what, "malformed at \"%s\"", vrv_time_quote(s + pos, n - pos, r));
    return time_error(err, j, s, n, what);
}

static int range_error(vrv_error *err, const vrv_joda *j, const char *s, size_t n,
                       const char *field, int64_t v, int64_t lo, int64_t hi)
{
    char what[160];
    snprintf(what, sizeof what, "value %lld for %s must be in the range [%lld,%lld]", (long long)v,
             field, (long long)lo, (long long)hi);
    return time_error(err, j, s, n, what);
}

#define SET(f, val) (fl->has |= 1u << (f), fl->v[f] = (val))
#define HAS(f)      ((fl->has >> (f)) & 1u)

static inline bool fail_at(size_t *at, size_t pos)
{
    *at = pos;
    return false;
}

/* Reads the text token by token into fl. Returns true when every token
 * matched; *at is where matching ended or stopped. */
static bool scan(const vrv_joda *j, const char *s, size_t n, jfields *fl, size_t *at)
{
    size_t pos = 0;
    for (size_t i = 0; i < j->ntok; i++) {
        const jtok *k = &j->tok[i];
        int64_t v;
        switch (k->c) {
        case 0:
            if (!match_literal(s, n, pos, j->lits + k->off, k->len)) return fail_at(at, pos);
            pos += k->len;
            break;
        case 'G': {
            static const char *const eras[2] = {"BC", "AD"};
            int e = match_text(s, n, &pos, eras, 2, false);
            if (e < 0) return fail_at(at, pos);
            SET(F_ERA, e);
            break;
        }
        case 'y':
        case 'Y':
        case 'x': {
            int f = k->c == 'y' ? F_YEAR : k->c == 'Y' ? F_YOE : F_WEEKYEAR;
            if (k->n == 2) {
                if (!read_two_digit_year(k, j->pivot, s, n, &pos, &v)) return fail_at(at, pos);
            } else if (!read_number(s, n, &pos, k->maxd, k->c != 'Y', &v, NULL)) {
                return fail_at(at, pos);
            }
            SET(f, v);
            break;
        }
        case 'M':
            if (k->n >= 3) {
                int m = match_text(s, n, &pos, MONTHS, 12, true);
                if (m < 0) return fail_at(at, pos);
                SET(F_MONTH, m + 1);
            } else {
                if (!read_number(s, n, &pos, k->maxd, false, &v, NULL)) return fail_at(at, pos);
                SET(F_MONTH, v);
            }
            break;
        case 'E': {
            int d = match_text(s, n, &pos, DAYS, 7, true);
            if (d < 0) return fail_at(at, pos);
            SET(F_DOW, d + 1);
            break;
        }
        case 'a': {
            static const char *const half[2] = {"AM", "PM"};
            int h = match_text(s, n, &pos, half, 2, false);
            if (h < 0) return fail_at(at, pos);
            SET(F_HALFDAY, h);
            break;
        }
        case 'S':
            if (!read_fraction(s, n, &pos, k->maxd, &v)) return fail_at(at, pos);
            SET(F_MILLIS, v);
            break;
        case 'Z':
            if (k->n >= 3) {
                /* the longest zone id the text starts with */
                size_t e = pos;
                while (e < n && e - pos < VRV_TZ_ID_MAX - 1 &&
                       ((s[e] >= 'A' && s[e] <= 'Z') || (s[e] >= 'a' && s[e] <= 'z') ||
                        is_digit(s[e]) || s[e] == '/' || s[e] == '_' || s[e] == '-' ||
                        s[e] == '+' || s[e] == ':'))
                    e++;
                const vrv_tz *z = NULL;
                while (e > pos && vrv_tz_get(s + pos, e - pos, &z, NULL) != 0) e--;
                if (e == pos) return fail_at(at, pos);
                fl->zone = z;
                fl->has_offset = false;
                pos = e;
            } else {
                int32_t off;
                if (!vrv_time_parse_offset(s, n, &pos, &off)) return fail_at(at, pos);
                fl->has_offset = true;
                fl->offset = off;
                fl->zone = NULL;
            }
            break;
        default: {
            int f;
            switch (k->c) {
            case 'w':
                f = F_WEEK;
                break;
            case 'e':
                f = F_DOW;
                break;
            case 'D':
                f = F_DOY;
                break;
            case 'd':
                f = F_DOM;
                break;
            case 'h':
                f = F_CLOCKHALF;
                break;
            case 'K':
                f = F_HOH;
                break;
            case 'H':
                f = F_HOUR;
                break;
            case 'k':
                f = F_CLOCKDAY;
                break;
            case 'm':
                f = F_MINUTE;
                break;
            default:
                f = F_SECOND;
                break;
            }
            if (!read_number(s, n, &pos, k->maxd, false, &v, NULL)) return fail_at(at, pos);
            SET(f, v);
            break;
        }
        }
    }
    *at = pos;
    return true;
}

/* Applies the fields as Joda's bucket does; writes the wall time in *local. */
static int compute(const vrv_joda *j, const char *s, size_t n, const jfields *fl, vrv_ms *local,
                   vrv_error *err)
{
#define RANGE(field, val, lo, hi)                                                                  \
    do {                                                                                           \
        if ((val) < (lo) || (val) > (hi)) return range_error(err, j, s, n, field, val, lo, hi);    \
    } while (0)
    const int64_t YMAX = 292278993, YMIN = -292275054; /* Joda's ISO year range */
    int64_t y = 1970, hour = 0, minute = 0, second = 0, millis = 0;
    int mm, dd;
    if (HAS(F_YEAR)) {
        RANGE("year", fl->v[F_YEAR], YMIN, YMAX);
        y = fl->v[F_YEAR];
    }
    if (HAS(F_YOE)) {
        RANGE("yearOfEra", fl->v[F_YOE], 1, YMAX);
        y = (HAS(F_ERA) && fl->v[F_ERA] == 0) ? 1 - fl->v[F_YOE] : fl->v[F_YOE];
    }
    int64_t days = vrv_time_days_from_civil(y, 1, 1);
    if (HAS(F_WEEKYEAR)) {
        RANGE("weekyear", fl->v[F_WEEKYEAR], YMIN, YMAX);
        int64_t jan4 = vrv_time_days_from_civil(fl->v[F_WEEKYEAR], 1, 4);
        days = jan4 - (vrv_time_dow(jan4) - 1);
    }
    if (HAS(F_MONTH)) {
        RANGE("monthOfYear", fl->v[F_MONTH], 1, 12);
        vrv_time_civil_from_days(days, &y, &mm, &dd);
        days = vrv_time_days_from_civil(y, (int)fl->v[F_MONTH], 1);
    }
    if (HAS(F_WEEK)) {
        /* the week of the current week year (Jan 1 may belong to the last one) */
        int64_t wy;
        int w;
        vrv_time_iso_week(days, &wy, &w);
        RANGE("weekOfWeekyear", fl->v[F_WEEK], 1, vrv_time_weeks_in_year(wy));
        int64_t jan4 = vrv_time_days_from_civil(wy, 1, 4);
        days = jan4 - (vrv_time_dow(jan4) - 1) + (fl->v[F_WEEK] - 1) * 7;
    }
    if (HAS(F_DOY)) {
        vrv_time_civil_from_days(days, &y, &mm, &dd);
        RANGE("dayOfYear", fl->v[F_DOY], 1, vrv_time_is_leap(y) ? 366 : 365);
        days = vrv_time_days_from_civil(y, 1, 1) + fl->v[F_DOY] - 1;
    }
    if (HAS(F_DOM)) {
        vrv_time_civil_from_days(days, &y, &mm, &dd);
        RANGE("dayOfMonth", fl->v[F_DOM], 1, vrv_time_month_days(y, mm));
        days = vrv_time_days_from_civil(y, mm, (int)fl->v[F_DOM]);
    }
    if (HAS(F_DOW)) {
        /* moves within the ISO week, as Joda's dayOfWeek().set */
        RANGE("dayOfWeek", fl->v[F_DOW], 1, 7);
        days += fl->v[F_DOW] - vrv_time_dow(days);
    }
    if (HAS(F_HALFDAY)) hour = fl->v[F_HALFDAY] * 12;
    if (HAS(F_HOUR)) {
        RANGE("hourOfDay", fl->v[F_HOUR], 0, 23);
        hour = fl->v[F_HOUR];
    }
    if (HAS(F_CLOCKDAY)) {
        RANGE("clockhourOfDay", fl->v[F_CLOCKDAY], 1, 24);
        hour = fl->v[F_CLOCKDAY] % 24;
    }
    if (HAS(F_HOH)) {
        RANGE("hourOfHalfday", fl->v[F_HOH], 0, 11);
        hour = hour / 12 * 12 + fl->v[F_HOH];
    }
    if (HAS(F_CLOCKHALF)) {
        RANGE("clockhourOfHalfday", fl->v[F_CLOCKHALF], 1, 12);
        hour = hour / 12 * 12 + fl->v[F_CLOCKHALF] % 12;
    }
    if (HAS(F_MINUTE)) {
        RANGE("minuteOfHour", fl->v[F_MINUTE], 0, 59);
        minute = fl->v[F_MINUTE];
    }
    if (HAS(F_SECOND)) {
        RANGE("secondOfMinute", fl->v[F_SECOND], 0, 59);
        second = fl->v[F_SECOND];
    }
    if (HAS(F_MILLIS)) millis = fl->v[F_MILLIS];
#undef RANGE
    int64_t tod = hour * VRV_MS_PER_HOUR + minute * VRV_MS_PER_MINUTE + second * 1000 + millis;
    if (days < 0 && tod > 0) { /* the day before INT64_MIN's day: borrow one */
        days++;
        tod -= VRV_MS_PER_DAY;
    }
    if (__builtin_mul_overflow(days, VRV_MS_PER_DAY, local) ||
        __builtin_add_overflow(*local, tod, local))
        return range_error(err, j, s, n, "year", y, YMIN, YMAX);
    return 0;
}

int vrv_joda_parse(const vrv_joda *j, const char *s, size_t n, const vrv_tz *tz, vrv_ms *out,
                   vrv_error *err)
{
    jfields f = {0};
    jfields *fl = &f;
    size_t pos;
    if (!scan(j, s, n, fl, &pos) || pos != n) return parse_error(err, j, s, n, pos);
    vrv_ms local = 0;
    int rc = compute(j, s, n, fl, &local, err);
    if (rc) return rc;
    if (fl->has_offset) {
        if (__builtin_sub_overflow(local, (vrv_ms)fl->offset, out))
            return range_error(err, j, s, n, "year", 0, -292275054, 292278993);
        return 0;
    }
    const vrv_tz *zone = fl->zone ? fl->zone : tz ? tz : vrv_tz_utc();
    int32_t off;
    if (vrv_tz_is_fixed(zone, &off)) {
        if (__builtin_sub_overflow(local, (vrv_ms)off, out))
            return range_error(err, j, s, n, "year", 0, -292275054, 292278993);
        return 0;
    }
    /* a wall time that does not exist in the zone is an error, as in Joda */
    vrv_ms utc = vrv_tz_local_to_utc(zone, local);
    if ((vrv_ms)((uint64_t)utc + (uint64_t)(int64_t)vrv_tz_offset(zone, utc)) != local) {
        char what[VRV_TZ_ID_MAX + 64];
        snprintf(what, sizeof what, "illegal instant due to time zone offset transition (%s)",
                 vrv_tz_id(zone));
        return time_error(err, j, s, n, what);
    }
    *out = utc;
    return 0;
}

/* ---- timestampSpec ----------------------------------------------------- */

int vrv_ts_parser_init(vrv_ts_parser *p, const char *format, vrv_error *err)
{
    static const struct {
        const char *name;
        vrv_ts_format kind;
    } names[] = {{"auto", VRV_TS_AUTO},     {"iso", VRV_TS_ISO},     {"posix", VRV_TS_POSIX},
                 {"millis", VRV_TS_MILLIS}, {"micro", VRV_TS_MICRO}, {"nano", VRV_TS_NANO},
                 {"ruby", VRV_TS_RUBY}};
    p->kind = VRV_TS_AUTO;
    p->joda = NULL;
    if (!format) return 0;
    for (size_t i = 0; i < VRV_ARRAY_LEN(names); i++)
        if (strcasecmp(format, names[i].name) == 0) {
            p->kind = names[i].kind;
            return 0;
        }
    if (vrv_joda_compile(format, strlen(format), &p->joda, err))
        return vrv_error_prefix(err, "unable to parse timestamps with format [%s]",
                                strlen(format) > 80 ? "..." : format);
    p->kind = VRV_TS_JODA;
    return 0;
}

void vrv_ts_parser_destroy(vrv_ts_parser *p)
{
    vrv_joda_free(p->joda);
    p->joda = NULL;
}

static int ts_error(vrv_error *err, const char *what, const char *s, size_t n)
{
    char q[VRV_TIME_QUOTE_MAX];
    return vrv_error_set(err, VRV_EINVAL, "%s \"%s\"", what, vrv_time_quote(s, n, q));
}

/* Java's (long) of a double: truncation, NaN 0, saturating. */
static int64_t java_d2l(double d)
{
    if (isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

/* Druid's numeric conversions (createNumericTimestampParser). */
static vrv_ms numeric_ms(vrv_ts_format kind, int64_t l)
{
    switch (kind) {
    case VRV_TS_POSIX: /* TimeUnit.SECONDS.toMillis saturates */
        if (l > INT64_MAX / 1000) return INT64_MAX;
        if (l < INT64_MIN / 1000) return INT64_MIN;
        return l * 1000;
    case VRV_TS_MICRO:
        return l / 1000;
    case VRV_TS_NANO:
        return l / 1000000;
    default:
        return l;
    }
}

int vrv_ts_parse_str(const vrv_ts_parser *p, const char *s, size_t n, vrv_ms *out, vrv_error *err)
{
    if (n == 0) return vrv_error_set(err, VRV_EINVAL, "null timestamp");
    const char *orig = s;
    size_t orig_n = n;
    if (p->kind == VRV_TS_AUTO) {
        /* all digits: millis, before any trimming (as Druid checks) */
        size_t i = 0;
        while (i < n && is_digit(s[i])) i++;
        if (i == n) {
            int64_t l;
            if (!vrv_str_to_i64(vrv_str_make(s, n), &l))
                return ts_error(err, "timestamp millis out of range:", s, n);
            *out = l;
            return 0;
        }
    }
    /* ParserUtils.stripQuotes: trim, then one pair of surrounding quotes */
    if (VRV_UNLIKELY((unsigned char)s[0] <= ' ' || (unsigned char)s[n - 1] <= ' ')) {
        while (n > 0 && (unsigned char)s[0] <= ' ') s++, n--;
        while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
        if (n == 0) return ts_error(err, "unparseable timestamp", orig, orig_n);
    }
    if (VRV_UNLIKELY(s[0] == '"' && s[n - 1] == '"')) {
        if (n < 2) return ts_error(err, "unparseable timestamp", orig, orig_n);
        s++;
        n -= 2;
        while (n > 0 && (unsigned char)s[0] <= ' ') s++, n--;
        while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
    }
    int rc;
    switch (p->kind) {
    case VRV_TS_AUTO: {
        /* a trailing " <zone>" is dropped; the time itself is read in UTC.
         * Zone names and offsets start with a letter or a sign, which keeps
         * "2021-03-04 05:06:07" from a zone lookup. */
        const char *sp = n > 1 ? memrchr(s + 1, ' ', n - 1) : NULL;
        if (sp && sp + 1 < s + n) {
            char c = sp[1];
            const vrv_tz *z;
            if (((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '+' || c == '-') &&
                vrv_tz_get(sp + 1, n - (size_t)(sp - s) - 1, &z, NULL) == 0)
                n = (size_t)(sp - s);
        }
        rc = vrv_time_parse(s, n, VRV_TIME_PARSE_SPACE | VRV_TIME_PARSE_DATE_FIRST, out, err);
        break;
    }
    case VRV_TS_ISO:
        rc = vrv_time_parse(s, n, 0, out, err);
        break;
    case VRV_TS_POSIX:
    case VRV_TS_MILLIS:
    case VRV_TS_MICRO:
    case VRV_TS_NANO: {
        int64_t l;
        if (!vrv_str_to_i64(vrv_str_make(s, n), &l))
            return ts_error(err, "unparseable timestamp (expected an integer):", orig, orig_n);
        *out = numeric_ms(p->kind, l);
        return 0;
    }
    case VRV_TS_RUBY: {
        double d;
        if (!vrv_str_to_double(vrv_str_make(s, n), &d))
            return ts_error(err, "unparseable timestamp (expected seconds):", orig, orig_n);
        *out = java_d2l(d * 1000);
        return 0;
    }
    default:
        rc = vrv_joda_parse(p->joda, s, n, NULL, out, err);
        break;
    }
    return rc;
}

int vrv_ts_parse(const vrv_ts_parser *p, const vrv_value *v, vrv_ms *out, vrv_error *err)
{
    bool numeric_format = p->kind != VRV_TS_ISO && p->kind != VRV_TS_JODA;
    char tmp[VRV_NUMFMT_MAX];
    size_t k;
    switch (v->type) {
    case VRV_V_NULL:
        return vrv_error_set(err, VRV_EINVAL, "null timestamp");
    case VRV_V_STRING:
        return vrv_ts_parse_str(p, v->u.s, v->len, out, err);
    case VRV_V_LONG:
        if (numeric_format) {
            /* ruby multiplies as a double */
            *out = p->kind == VRV_TS_RUBY ? java_d2l((double)v->u.l * 1000)
                                          : numeric_ms(p->kind, v->u.l);
            return 0;
        }
        k = vrv_fmt_long(v->u.l, tmp);
        return vrv_ts_parse_str(p, tmp, k, out, err);
    case VRV_V_DOUBLE:
    case VRV_V_FLOAT: {
        double d = v->type == VRV_V_DOUBLE ? v->u.d : (double)v->u.f;
        if (numeric_format) {
            *out = p->kind == VRV_TS_RUBY ? java_d2l(d * 1000) : numeric_ms(p->kind, java_d2l(d));
            return 0;
        }
        k = v->type == VRV_V_DOUBLE ? vrv_fmt_double(d, tmp) : vrv_fmt_float(v->u.f, tmp);
        return vrv_ts_parse_str(p, tmp, k, out, err);
    }
    default:
        return vrv_error_set(err, VRV_EINVAL, "unparseable timestamp: not a number or a string");
    }
}

/* ---- timestamp_extract ------------------------------------------------- */

static const char *const UNITS[] = {
    "EPOCH",   "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE",  "HOUR",
    "DAY",     "DOW",         "ISODOW",      "DOY",    "WEEK",    "MONTH",
    "QUARTER", "YEAR",        "ISOYEAR",     "DECADE", "CENTURY", "MILLENNIUM",
};

bool vrv_time_unit_parse(const char *s, size_t n, vrv_time_unit *out)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(UNITS); i++) {
        if (strlen(UNITS[i]) != n) continue;
        size_t k = 0;
        while (k < n) {
            char c = s[k];
            if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
            if (c != UNITS[i][k]) break;
            k++;
        }
        if (k == n) {
            *out = (vrv_time_unit)i;
            return true;
        }
    }
    return false;
}

int64_t vrv_time_extract(vrv_ms t, vrv_time_unit u, const vrv_tz *tz)
{
    if (!tz) tz = vrv_tz_utc();
    int64_t epoch = t / 1000; /* Java's division, toward zero */
    if (u == VRV_UNIT_EPOCH) return epoch;
    if (u == VRV_UNIT_MICROSECOND) return epoch / 1000;
    vrv_ms local = (vrv_ms)((uint64_t)t + (uint64_t)(int64_t)vrv_tz_offset(tz, t));
    vrv_civil c;
    vrv_time_to_civil(local, &c);
    int64_t days = vrv_time_floor_div(local, VRV_MS_PER_DAY);
    int64_t wy;
    int w;
    switch (u) {
    case VRV_UNIT_MILLISECOND:
        return c.millis;
    case VRV_UNIT_SECOND:
        return c.second;
    case VRV_UNIT_MINUTE:
        return c.minute;
    case VRV_UNIT_HOUR:
        return c.hour;
    case VRV_UNIT_DAY:
        return c.day;
    case VRV_UNIT_DOW:
    case VRV_UNIT_ISODOW:
        return vrv_time_dow(days);
    case VRV_UNIT_DOY:
        return days - vrv_time_days_from_civil(c.year, 1, 1) + 1;
    case VRV_UNIT_WEEK:
        vrv_time_iso_week(days, &wy, &w);
        return w;
    case VRV_UNIT_MONTH:
        return c.month;
    case VRV_UNIT_QUARTER:
        return (c.month - 1) / 3 + 1;
    case VRV_UNIT_YEAR:
        return c.year;
    case VRV_UNIT_ISOYEAR:
        vrv_time_iso_week(days, &wy, &w);
        return wy;
    case VRV_UNIT_DECADE:
        return c.year / 10;
    case VRV_UNIT_CENTURY:
        return (int64_t)ceil((double)c.year / 100);
    case VRV_UNIT_MILLENNIUM:
        return (int64_t)ceil((double)c.year / 1000);
    default:
        return epoch;
    }
}
