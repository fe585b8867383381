/*
 * expr_lex.c — the lexer of Druid's expression language, after the lexer rules
 * of Expr.g4: LONG `[0-9]+`; DOUBLE `NaN`, `Infinity`, `1.`, `1.5`, `1e3`,
 * `1.5e-3` (an exponent has no '+'); IDENTIFIER `[_$a-zA-Z][_$a-zA-Z0-9]*` or
 * double-quoted with escapes; STRING single-quoted with the escapes \' \" \\ \/
 * \b \f \n \r \t \uXXXX; `null`; typed array prefixes `<LONG>`, `<DOUBLE>`,
 * `<STRING>`, `ARRAY<...>`; operators. Where two rules match, the longer match
 * wins and then the earlier rule, as in ANTLR: `null` and `NaN` are literals,
 * `nullx` is an identifier.
 */
#include "expr/expr_lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"

static int lex_fail(const vrv_expr *e, vrv_error *err, size_t pos, const char *what)
{
    return vrv_error_set(err, VRV_EINVAL, "expression '%s': %s at %zu", e->text, what, pos);
}

static bool is_ident_start(char c)
{
    return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes a quoted string or identifier starting at text[*i] (the quote).
 * UTF-16 escapes are combined into code points; an unpaired surrogate is
 * written as '?', as Java's UTF-8 encoder does. */
static int lex_quoted(vrv_expr *e, size_t *i, vrv_str *out, vrv_error *err)
{
    const char *t = e->text;
    char q = t[*i];
    size_t start = *i, j = *i + 1;
    /* The decoded text is never longer than the source. */
    char *buf = vrv_arena_alloc(&e->arena, e->len - start + 1);
    size_t n = 0;
    uint32_t hi = 0; /* pending high surrogate */
    for (;;) {
        if (j >= e->len) return lex_fail(e, err, start, "unterminated quoted text");
        char c = t[j];
        if (c == q) break;
        if (c != '\\') {
            if (hi) {
                buf[n++] = '?';
                hi = 0;
            }
            buf[n++] = c;
            j++;
            continue;
        }
        if (j + 1 >= e->len) return lex_fail(e, err, start, "unterminated quoted text");
        char x = t[j + 1];
        uint32_t cp;
        switch (x) {
        case '\'': cp = '\''; break;
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u': {
            int h[4];
            for (int k = 0; k < 4; k++) {
                h[k] = j + 2 + k < e->len ? hexval(t[j + 2 + k]) : -1;
                if (h[k] < 0) return lex_fail(e, err, j, "invalid \\u escape");
            }
            uint32_t u = (uint32_t)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);
            j += 6;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (hi) buf[n++] = '?';
                hi = u;
                continue;
            }
            if (u >= 0xDC00 && u <= 0xDFFF) {
                if (hi) {
                    cp = 0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00);
                    hi = 0;
                    n += expr_utf8_put(cp, buf + n);
                } else {
                    buf[n++] = '?';
                }
                continue;
            }
            if (hi) {
                buf[n++] = '?';
                hi = 0;
            }
            n += expr_utf8_put(u, buf + n);
            continue;
        }
        default: return lex_fail(e, err, j, "invalid escape sequence");
        }
        if (hi) {
            buf[n++] = '?';
            hi = 0;
        }
        buf[n++] = (char)cp;
        j += 2;
    }
    if (hi) buf[n++] = '?';
    buf[n] = '\0';
    *out = vrv_str_make(buf, n);
    *i = j + 1;
    return 0;
}

static bool match_word(const vrv_expr *e, size_t i, const char *w)
{
    size_t n = strlen(w);
    return i + n <= e->len && memcmp(e->text + i, w, n) == 0;
}

/* Matches ARRAY<LONG|DOUBLE|STRING> at i; returns its length or 0. Nested
 * arrays and complex element types lex (as ANTLR would) but are rejected by the
 * caller. */
static size_t match_array_type(const vrv_expr *e, size_t i, uint8_t *atype, bool *supported)
{
    static const struct {
        const char *word;
        uint8_t type;
    } simple[] = {{"ARRAY<LONG>", ET_ALONG}, {"ARRAY<DOUBLE>", ET_ADOUBLE}, {"ARRAY<STRING>", ET_ASTRING}};
    for (size_t k = 0; k < VRV_ARRAY_LEN(simple); k++) {
        if (match_word(e, i, simple[k].word)) {
            *atype = simple[k].type;
            *supported = true;
            return strlen(simple[k].word);
        }
    }
    /* ARRAY<COMPLEX<name>> and ARRAY<ARRAY<...>>: find the balanced '>'. */
    if (match_word(e, i, "ARRAY<ARRAY<") || match_word(e, i, "ARRAY<COMPLEX<")) {
        int depth = 0;
        for (size_t j = i; j < e->len; j++) {
            if (e->text[j] == '<') depth++;
            else if (e->text[j] == '>') {
                if (--depth == 0) {
                    *supported = false;
                    return j + 1 - i;
                }
            } else if (!is_ident_char(e->text[j])) {
                return 0;
            }
        }
    }
    return 0;
}

int expr_lex(vrv_expr *e, expr_token **toks, size_t *ntoks, vrv_error *err)
{
    VRV_VEC(expr_token) v = {0};
    const char *t = e->text;
    size_t i = 0;
    int rc = 0;
    for (;;) {
        while (i < e->len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n')) i++;
        expr_token tk = {0};
        tk.pos = (uint32_t)i;
        if (i >= e->len) {
            tk.kind = T_EOF;
            tk.end = (uint32_t)i;
            vrv_vec_push(&v, tk);
            break;
        }
        char c = t[i];
        char c1 = i + 1 < e->len ? t[i + 1] : '\0';
        if (is_digit(c)) {
            size_t j = i;
            while (j < e->len && is_digit(t[j])) j++;
            bool is_double = false;
            size_t end = j;
            if (end < e->len && t[end] == '.') {
                is_double = true;
                end++;
                while (end < e->len && is_digit(t[end])) end++;
            }
            /* EXP: [eE] '-'? [0-9]+ */
            if (end < e->len && (t[end] == 'e' || t[end] == 'E')) {
                size_t k = end + 1;
                if (k < e->len && t[k] == '-') k++;
                if (k < e->len && is_digit(t[k])) {
                    while (k < e->len && is_digit(t[k])) k++;
                    end = k;
                    is_double = true;
                }
            }
            if (is_double) {
                char tmp[64];
                size_t n = end - i;
                char *heap = NULL, *s = tmp;
                if (n >= sizeof tmp) s = heap = vrv_malloc(n + 1);
                memcpy(s, t + i, n);
                s[n] = '\0';
                tk.kind = T_DOUBLE;
                tk.d = strtod(s, NULL);
                free(heap);
                i = end;
            } else {
                uint64_t val = 0;
                bool over = false;
                for (size_t k = i; k < j; k++) {
                    unsigned d = (unsigned)(t[k] - '0');
                    if (val > (UINT64_MAX - d) / 10) {
                        over = true;
                        break;
                    }
                    val = val * 10 + d;
                }
                if (over || val > (uint64_t)INT64_MAX + 1) {
                    rc = lex_fail(e, err, i, "number out of the LONG range");
                    break;
                }
                tk.kind = T_LONG;
                tk.big = val == (uint64_t)INT64_MAX + 1;
                tk.l = tk.big ? INT64_MIN : (int64_t)val;
                i = j;
            }
        } else if (is_ident_start(c)) {
            size_t j = i;
            while (j < e->len && is_ident_char(t[j])) j++;
            size_t n = j - i;
            bool supported = true;
            size_t alen;
            if (n == 5 && memcmp(t + i, "ARRAY", 5) == 0 && j < e->len && t[j] == '<' &&
                (alen = match_array_type(e, i, &tk.atype, &supported)) > 0) {
                if (!supported) {
                    rc = lex_fail(e, err, i, "unsupported array type");
                    break;
                }
                tk.kind = T_TYPED;
                tk.big = true;
                i += alen;
            } else if (n == 4 && memcmp(t + i, "null", 4) == 0) {
                tk.kind = T_NULL;
                i = j;
            } else if (n == 3 && memcmp(t + i, "NaN", 3) == 0) {
                tk.kind = T_DOUBLE;
                tk.d = strtod("NaN", NULL);
                i = j;
            } else if (n == 8 && memcmp(t + i, "Infinity", 8) == 0) {
                tk.kind = T_DOUBLE;
                tk.d = strtod("Infinity", NULL);
                i = j;
            } else {
                tk.kind = T_IDENT;
                tk.s = vrv_str_make(vrv_arena_strndup(&e->arena, t + i, n), n);
                i = j;
            }
        } else if (c == '\'' || c == '"') {
            tk.kind = c == '\'' ? T_STRING : T_IDENT;
            if ((rc = lex_quoted(e, &i, &tk.s, err)) != 0) break;
        } else {
            int kind = -1;
            size_t w = 1;
            switch (c) {
            case '(': kind = T_LPAREN; break;
            case ')': kind = T_RPAREN; break;
            case '[': kind = T_LBRACK; break;
            case ']': kind = T_RBRACK; break;
            case ',': kind = T_COMMA; break;
            case '^': kind = T_POW; break;
            case '*': kind = T_MUL; break;
            case '/': kind = T_DIV; break;
            case '%': kind = T_MOD; break;
            case '+': kind = T_PLUS; break;
            case '-':
                if (c1 == '>') kind = T_ARROW, w = 2;
                else kind = T_MINUS;
                break;
            case '!':
                if (c1 == '=') kind = T_NE, w = 2;
                else kind = T_NOT;
                break;
            case '=':
                if (c1 == '=') kind = T_EQ, w = 2;
                break;
            case '&':
                if (c1 == '&') kind = T_AND, w = 2;
                break;
            case '|':
                if (c1 == '|') kind = T_OR, w = 2;
                break;
            case '>':
                if (c1 == '=') kind = T_GE, w = 2;
                else kind = T_GT;
                break;
            case '<':
                if (match_word(e, i, "<LONG>")) kind = T_TYPED, w = 6, tk.atype = ET_ALONG;
                else if (match_word(e, i, "<DOUBLE>")) kind = T_TYPED, w = 8, tk.atype = ET_ADOUBLE;
                else if (match_word(e, i, "<STRING>")) kind = T_TYPED, w = 8, tk.atype = ET_ASTRING;
                else if (c1 == '=') kind = T_LE, w = 2;
                else kind = T_LT;
                break;
            default: break;
            }
            if (kind < 0) {
                char what[48];
                if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
                    snprintf(what, sizeof what, "unexpected character '%c'", c);
                else
                    snprintf(what, sizeof what, "unexpected byte 0x%02x", (unsigned char)c);
                rc = lex_fail(e, err, i, what);
                break;
            }
            tk.kind = (uint8_t)kind;
            i += w;
        }
        tk.end = (uint32_t)i;
        vrv_vec_push(&v, tk);
    }
    if (rc != 0) {
        vrv_vec_free(&v);
        return rc;
    }
    *toks = vrv_arena_memdup(&e->arena, v.v, v.n * sizeof *v.v);
    *ntoks = v.n;
    vrv_vec_free(&v);
    return 0;
}

const char *expr_tok_desc(const expr_token *t, char *buf, size_t cap)
{
    static const char *ops[] = {
        [T_LPAREN] = "'('", [T_RPAREN] = "')'", [T_LBRACK] = "'['", [T_RBRACK] = "']'",
        [T_COMMA] = "','",  [T_ARROW] = "'->'", [T_MINUS] = "'-'",  [T_NOT] = "'!'",
        [T_POW] = "'^'",    [T_MUL] = "'*'",    [T_DIV] = "'/'",    [T_MOD] = "'%'",
        [T_PLUS] = "'+'",   [T_LT] = "'<'",     [T_LE] = "'<='",    [T_GT] = "'>'",
        [T_GE] = "'>='",    [T_EQ] = "'=='",    [T_NE] = "'!='",    [T_AND] = "'&&'",
        [T_OR] = "'||'",
    };
    switch (t->kind) {
    case T_EOF: return "end";
    case T_LONG: snprintf(buf, cap, "number %lld", (long long)t->l); return buf;
    case T_DOUBLE: return "number";
    case T_STRING: return "string";
    case T_IDENT: snprintf(buf, cap, "identifier '%.*s'", (int)VRV_MIN(t->s.n, 40), t->s.p); return buf;
    case T_NULL: return "'null'";
    case T_TYPED: return "array type";
    default: return t->kind < VRV_ARRAY_LEN(ops) && ops[t->kind] ? ops[t->kind] : "token";
    }
}
