/*
 * expr_lex.h — tokens of Druid's expression grammar (Expr.g4), produced all at
 * once by expr_lex so the parser can look ahead freely (lambdas need it).
 * Internal to the expression module.
 */
#ifndef VRV_EXPR_LEX_H
#define VRV_EXPR_LEX_H

#include "expr/expr_int.h"

enum expr_tok {
    T_EOF,
    T_LONG,   /* l (big: the literal 2^63, only valid negated) */
    T_DOUBLE, /* d */
    T_STRING, /* s: the decoded text */
    T_IDENT,  /* s: the decoded name (quotes removed) */
    T_NULL,
    T_LPAREN,
    T_RPAREN,
    T_LBRACK,
    T_RBRACK,
    T_COMMA,
    T_ARROW, /* -> */
    T_MINUS,
    T_NOT,
    T_POW,
    T_MUL,
    T_DIV,
    T_MOD,
    T_PLUS,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_EQ,
    T_NE,
    T_AND,
    T_OR,
    T_TYPED, /* <LONG> <DOUBLE> <STRING> or ARRAY<...>: atype */
};

typedef struct expr_token {
    uint8_t kind;      /* enum expr_tok */
    bool big;          /* T_LONG: value 2^63; T_TYPED: the ARRAY<...> spelling */
    uint8_t atype;     /* T_TYPED: expr_type of the array */
    uint32_t pos;      /* byte offset in the text */
    uint32_t end;      /* byte offset just past the token */
    int64_t l;
    double d;
    vrv_str s;         /* T_STRING, T_IDENT: decoded, in the expr arena */
} expr_token;

/* Tokenizes e->text into an array ending with T_EOF (allocated in e->arena).
 * On a lexical error fills err ("expression '...': <what> at <pos>"). */
int expr_lex(vrv_expr *e, expr_token **toks, size_t *ntoks, vrv_error *err);

/* A printable description of a token for "unexpected ..." messages. */
const char *expr_tok_desc(const expr_token *t, char *buf, size_t cap);

#endif
