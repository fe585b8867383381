/*
 * sql_lex.c — the tokenizer of Druid's SQL dialect (Calcite's lexical rules
 * with double-quoted identifiers): words, "quoted identifiers" with ""
 * escapes, 'string literals' with '' escapes (also N'..' and U&'..' with
 * backslash escapes), exact and approximate numbers, ? placeholders,
 * operators, -- and block comments. Each token carries the line and column
 * (1-based, counted in characters) of its first and last character, which
 * every later error message names.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "json/utf8.h"
#include "sql/sql_int.h"

typedef struct lexer {
    vrv_arena *a;
    const char *s;
    size_t n, i;
    int line, col;          /* of s[i] */
    vrv_sql_error *err;
} lexer;

static bool is_cont_byte(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Advances one byte, keeping line and column (columns count characters). */
static void adv(lexer *L)
{
    unsigned char c = (unsigned char)L->s[L->i++];
    if (c == '\n') {
        L->line++;
        L->col = 1;
    } else if (!is_cont_byte(c)) {
        L->col++;
    }
}

static bool word_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
static bool word_char(unsigned char c)
{
    return word_start(c) || (c >= '0' && c <= '9') || c == '$';
}
static bool digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int lex_error(lexer *L, int line, int col, const char *what)
{
    sql_pos p = {line, col, line, col};
    return sql_fail(L->err, VRV_SQL_E_PARSE, &p, "%s", what);
}

/* The position of the last character consumed. */
static void end_pos(const lexer *L, size_t start, sql_pos *p)
{
    /* recount from the token start: tokens are short, and columns count characters */
    int line = p->line, col = p->col;
    int last_line = line, last_col = col;
    for (size_t k = start; k < L->i; k++) {
        unsigned char c = (unsigned char)L->s[k];
        if (is_cont_byte(c)) continue;
        last_line = line;
        last_col = col;
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    p->end_line = last_line;
    p->end_col = last_col;
}

/* A quoted run ending at an unescaped `q` (a doubled q is one q). */
static int quoted(lexer *L, char q, vrv_buf *b, int line, int col)
{
    adv(L); /* opening quote */
    for (;;) {
        if (L->i >= L->n) {
            char msg[160];
            snprintf(msg, sizeof msg, "Lexical error at line %d, column %d.  Encountered: <EOF> after : \"\"",
                     L->line, L->col);
            (void)line;
            (void)col;
            return lex_error(L, L->line, L->col, msg);
        }
        char c = L->s[L->i];
        if (c == q) {
            if (L->i + 1 < L->n && L->s[L->i + 1] == q) {
                vrv_buf_putc(b, q);
                adv(L);
                adv(L);
                continue;
            }
            adv(L);
            return 0;
        }
        vrv_buf_putc(b, c);
        adv(L);
    }
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void put_utf8(vrv_buf *b, uint32_t cp)
{
    char enc[4];
    vrv_buf_append(b, enc, (size_t)vrv_utf8_put(enc, cp));
}

/* U&'...': \XXXX and \+XXXXXX code points, \\ a backslash. */
static int unicode_unescape(lexer *L, vrv_buf *in, vrv_buf *out, const sql_pos *pos)
{
    for (size_t k = 0; k < in->len; k++) {
        char c = in->data[k];
        if (c != '\\') {
            vrv_buf_putc(out, c);
            continue;
        }
        if (k + 1 < in->len && in->data[k + 1] == '\\') {
            vrv_buf_putc(out, '\\');
            k++;
            continue;
        }
        size_t nd = (k + 1 < in->len && in->data[k + 1] == '+') ? 6 : 4;
        size_t st = k + 1 + (nd == 6);
        uint32_t cp = 0;
        bool ok = st + nd <= in->len;
        for (size_t d = 0; ok && d < nd; d++) {
            int h = hexv(in->data[st + d]);
            if (h < 0) ok = false;
            else cp = cp * 16 + (uint32_t)h;
        }
        if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return sql_fail(L->err, VRV_SQL_E_PARSE, pos,
                            "Unicode escape sequence starting at character %zu is not exactly four hex digits",
                            k);
        put_utf8(out, cp);
        k = st + nd - 1;
    }
    return 0;
}

static int next_token(lexer *L, sql_token *t)
{
    /* whitespace and comments */
    for (;;) {
        while (L->i < L->n && (L->s[L->i] == ' ' || L->s[L->i] == '\t' || L->s[L->i] == '\n' ||
                               L->s[L->i] == '\r' || L->s[L->i] == '\f'))
            adv(L);
        if (L->i + 1 < L->n && L->s[L->i] == '-' && L->s[L->i + 1] == '-') {
            while (L->i < L->n && L->s[L->i] != '\n') adv(L);
            continue;
        }
        if (L->i + 1 < L->n && L->s[L->i] == '/' && L->s[L->i + 1] == '*') {
            int line = L->line, col = L->col;
            adv(L);
            adv(L);
            while (L->i + 1 < L->n && !(L->s[L->i] == '*' && L->s[L->i + 1] == '/')) adv(L);
            if (L->i + 1 >= L->n) {
                char msg[160];
                snprintf(msg, sizeof msg,
                         "Lexical error at line %d, column %d.  Encountered: <EOF> after : \"\"",
                         L->line, L->col);
                (void)line;
                (void)col;
                return lex_error(L, L->line, L->col, msg);
            }
            adv(L);
            adv(L);
            continue;
        }
        break;
    }
    memset(t, 0, sizeof *t);
    t->pos.line = L->line;
    t->pos.col = L->col;
    size_t start = L->i;
    t->text = L->s + start;
    if (L->i >= L->n) {
        t->kind = TK_EOF;
        t->pos.end_line = L->line;
        t->pos.end_col = L->col;
        return 0;
    }
    unsigned char c = (unsigned char)L->s[L->i];
    int rc = 0;
    if (c == '\0') {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "Lexical error at line %d, column %d.  Encountered: \"\\u0000\" (0), after : \"\"",
                 L->line, L->col);
        return lex_error(L, L->line, L->col, msg);
    }
    /* N'..', U&'..', X'..' string prefixes */
    bool nprefix = (c == 'N' || c == 'n') && L->i + 1 < L->n && L->s[L->i + 1] == '\'';
    bool uprefix = (c == 'U' || c == 'u') && L->i + 2 < L->n && L->s[L->i + 1] == '&' &&
                   L->s[L->i + 2] == '\'';
    bool xprefix = (c == 'X' || c == 'x') && L->i + 1 < L->n && L->s[L->i + 1] == '\'';
    if (xprefix) {
        sql_pos p = {L->line, L->col, L->line, L->col + 1};
        return sql_fail(L->err, VRV_SQL_E_PARSE, &p,
                        "Binary string literals (X'...') are not supported (line [%d], column [%d])",
                        p.line, p.col);
    }
    if (nprefix || uprefix || c == '\'') {
        if (nprefix) adv(L);
        if (uprefix) {
            adv(L);
            adv(L);
        }
        vrv_buf b = VRV_BUF_INIT;
        rc = quoted(L, '\'', &b, t->pos.line, t->pos.col);
        if (rc == 0 && uprefix) {
            vrv_buf u = VRV_BUF_INIT;
            end_pos(L, start, &t->pos);
            rc = unicode_unescape(L, &b, &u, &t->pos);
            vrv_buf_free(&b);
            b = u;
        }
        if (rc == 0) {
            t->kind = TK_STRING;
            t->val = vrv_arena_strndup(L->a, b.data ? b.data : "", b.len);
            t->vlen = b.len;
        }
        vrv_buf_free(&b);
    } else if (c == '"') {
        vrv_buf b = VRV_BUF_INIT;
        rc = quoted(L, '"', &b, t->pos.line, t->pos.col);
        if (rc == 0) {
            t->kind = TK_QIDENT;
            t->val = vrv_arena_strndup(L->a, b.data ? b.data : "", b.len);
            t->vlen = b.len;
        }
        vrv_buf_free(&b);
    } else if (word_start(c)) {
        while (L->i < L->n && word_char((unsigned char)L->s[L->i])) adv(L);
        t->kind = TK_WORD;
    } else if (digit(c) || (c == '.' && L->i + 1 < L->n && digit((unsigned char)L->s[L->i + 1]))) {
        bool dot = false, exp = false;
        while (L->i < L->n && digit((unsigned char)L->s[L->i])) adv(L);
        if (L->i < L->n && L->s[L->i] == '.') {
            dot = true;
            adv(L);
            while (L->i < L->n && digit((unsigned char)L->s[L->i])) adv(L);
        }
        if (L->i < L->n && (L->s[L->i] == 'e' || L->s[L->i] == 'E')) {
            size_t k = L->i + 1;
            if (k < L->n && (L->s[k] == '+' || L->s[k] == '-')) k++;
            if (k < L->n && digit((unsigned char)L->s[k])) {
                exp = true;
                while (L->i < k) adv(L);
                while (L->i < L->n && digit((unsigned char)L->s[L->i])) adv(L);
            }
        }
        t->kind = exp ? TK_APPROX : dot ? TK_DEC : TK_INT;
    } else if (c == '?') {
        adv(L);
        t->kind = TK_PARAM;
    } else {
        static const char *two[] = {"<>", "!=", "<=", ">=", "||"};
        t->kind = TK_OP;
        bool done = false;
        for (size_t k = 0; k < VRV_ARRAY_LEN(two) && !done; k++)
            if (L->i + 1 < L->n && L->s[L->i] == two[k][0] && L->s[L->i + 1] == two[k][1]) {
                adv(L);
                adv(L);
                done = true;
            }
        if (!done) {
            if (strchr("(),.;*+-/%=<>[]", (int)c) && c) {
                adv(L);
            } else {
                /* one character, possibly multi-byte, in the message */
                size_t k = L->i + 1;
                while (k < L->n && is_cont_byte((unsigned char)L->s[k])) k++;
                char msg[200];
                snprintf(msg, sizeof msg,
                         "Lexical error at line %d, column %d.  Encountered: \"%.*s\" (%d), after : \"\"",
                         L->line, L->col, (int)(k - L->i), L->s + L->i, (int)c);
                return lex_error(L, L->line, L->col, msg);
            }
        }
    }
    if (rc < 0) return rc;
    t->len = L->i - start;
    end_pos(L, start, &t->pos);
    return 0;
}

int sql_lex(vrv_arena *a, const char *s, size_t n, sql_token **out, size_t *ntok,
            vrv_sql_error *err)
{
    lexer L = {a, s, n, 0, 1, 1, err};
    VRV_VEC(sql_token) toks = {0};
    for (;;) {
        sql_token t;
        int rc = next_token(&L, &t);
        if (rc < 0) {
            vrv_vec_free(&toks);
            return rc;
        }
        vrv_vec_push(&toks, t);
        if (t.kind == TK_EOF) break;
    }
    *out = vrv_arena_memdup(a, toks.v, toks.n * sizeof *toks.v);
    *ntok = toks.n;
    vrv_vec_free(&toks);
    return 0;
}
