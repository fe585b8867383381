/*
 * bench_expr.c — expression evaluation speed on the ingest path: typical
 * transformSpec transforms over wikipedia-edits-like rows (page, country,
 * added, deleted, tags), evaluated row by row with the row arena reset every
 * 1024 rows, as the ingest pipeline does.
 *
 *   concat_upper   concat(upper(page), '-', country)
 *   arith          added * 2 + deleted
 *   if_like        if(like(page, 'Talk:%'), 'talk', lower(country))
 *   mv_upper       upper(tags) on a two-value multi-value column (auto-mapped)
 *   filter_match   and(in(country), bound(added, numeric), not(like(page))) per row
 *
 * Before it is timed, each expression's value on every row is checked
 * against the answer computed here in plain C; a wrong value exits 1 and no
 * figure is printed. Prints `BENCH <name> <value> <unit>` lines (ns/row).
 * BENCH_QUICK=1 shortens the runs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr/expr.h"
#include "expr/filter.h"

#define NROWS 4096

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

enum { C_PAGE, C_COUNTRY, C_ADDED, C_DELETED, C_TAGS, NCOLS };
static const char *names[NCOLS] = {"page", "country", "added", "deleted", "tags"};

static int resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)ctx;
    (void)err;
    out->slot = -1;
    out->typed = false;
    for (int i = 0; i < NCOLS; i++)
        if (vrv_str_eq_c(name, names[i])) out->slot = i;
    return 0;
}

static vrv_value rows[NROWS][NCOLS];
static vrv_value tagvals[NROWS][2];

/* ---- the answers, in plain C ---- */

static const char *pages[] = {"Main Page", "Talk:Albert Einstein", "Düsseldorf", "Ecosystem",
                              "List of Star Wars characters", "User:Lsjbot/Log", "東京都"};
static const char *pages_upper[] = {"MAIN PAGE", "TALK:ALBERT EINSTEIN", "DÜSSELDORF", "ECOSYSTEM",
                                    "LIST OF STAR WARS CHARACTERS", "USER:LSJBOT/LOG", "東京都"};
static const char *countries[] = {"United States", "Sweden", "Germany", "Japan", "", "France"};
static const char *tags[] = {"bot", "minor", "new", "mobile edit", "visual edit"};
static int page_of[NROWS], country_of[NROWS], tag_of[NROWS][2];

static bool is_str(const vrv_value *v, const char *want)
{
    return (v->type == VRV_V_STRING) && v->len == strlen(want) && memcmp(v->u.s, want, v->len) == 0;
}

static void ascii_case(const char *in, char *out, bool up)
{
    size_t i = 0;
    for (; in[i]; i++) {
        char c = in[i];
        if (up && c >= 'a' && c <= 'z') c = (char)(c - 32);
        if (!up && c >= 'A' && c <= 'Z') c = (char)(c + 32);
        out[i] = c;
    }
    out[i] = '\0';
}

static bool is_talk(int row)
{
    return strncmp(pages[page_of[row]], "Talk:", 5) == 0;
}

/* Whether v is the expression's value on row i. */
static bool answer_ok(const char *name, int i, const vrv_value *v)
{
    char buf[128], up[64];
    if (strcmp(name, "concat_upper") == 0) {
        snprintf(buf, sizeof buf, "%s-%s", pages_upper[page_of[i]], countries[country_of[i]]);
        return is_str(v, buf);
    }
    if (strcmp(name, "arith") == 0)
        return v->type == VRV_V_LONG && v->u.l == rows[i][C_ADDED].u.l * 2 + rows[i][C_DELETED].u.l;
    if (strcmp(name, "if_like") == 0) {
        if (is_talk(i)) return is_str(v, "talk");
        ascii_case(countries[country_of[i]], buf, false);
        return is_str(v, buf);
    }
    if (strcmp(name, "mv_upper") == 0) {
        if (v->type != VRV_V_ARRAY || v->len != 2) return false;
        for (int k = 0; k < 2; k++) {
            ascii_case(tags[tag_of[i][k]], up, true);
            if (!is_str(&v->u.a[k], up)) return false;
        }
        return true;
    }
    return false;
}

static void run(const char *name, const char *text, int passes)
{
    vrv_error err = {0};
    vrv_expr *e;
    vrv_expr_prog *p;
    if (vrv_expr_parse(text, strlen(text), &e, &err) || vrv_expr_bind(e, resolve, NULL, &p, &err)) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        exit(1);
    }
    vrv_arena a;
    vrv_arena_init(&a, 0);
    for (int i = 0; i < NROWS; i++) {
        vrv_value v;
        if (vrv_expr_eval(p, rows[i], &a, &v, &err) != 0 || !answer_ok(name, i, &v)) {
            fprintf(stderr, "bench_expr: %s: wrong value on row %d %s\n", name, i, err.msg);
            exit(1);
        }
        vrv_arena_reset(&a);
    }
    uint64_t check = 0;
    double t0 = now();
    for (int pass = 0; pass < passes; pass++) {
        for (int i = 0; i < NROWS; i++) {
            vrv_value v;
            if (vrv_expr_eval(p, rows[i], &a, &v, &err) != 0) {
                fprintf(stderr, "%s: %s\n", name, err.msg);
                exit(1);
            }
            check += v.len + (uint64_t)v.u.l;
            if ((i & 1023) == 1023) vrv_arena_reset(&a);
        }
    }
    double t = now() - t0;
    printf("BENCH expr_%s %.1f ns/row\n", name, t * 1e9 / ((double)passes * NROWS));
    fprintf(stderr, "%s checksum %llu\n", name, (unsigned long long)check);
    vrv_arena_destroy(&a);
    vrv_expr_prog_free(p);
    vrv_expr_free(e);
}

static void run_filter(const char *name, const char *json, int passes)
{
    vrv_error err = {0};
    json_t *j = json_loads(json, 0, NULL);
    vrv_filter *f;
    vrv_filter_matcher *m;
    if (!j || vrv_filter_parse(j, "filter", &f, &err) || vrv_filter_bind(f, resolve, NULL, &m, &err)) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        exit(1);
    }
    vrv_arena a;
    vrv_arena_init(&a, 0);
    /* country in (Sweden, Japan) and added >= 100 and page not like 'Talk:%' */
    for (int i = 0; i < NROWS; i++) {
        bool want = (country_of[i] == 1 || country_of[i] == 3) && rows[i][C_ADDED].u.l >= 100 &&
                    !is_talk(i);
        if ((vrv_filter_match(m, rows[i], &a, &err) == VRV_TRI_TRUE) != want) {
            fprintf(stderr, "bench_expr: %s: wrong match on row %d\n", name, i);
            exit(1);
        }
        vrv_arena_reset(&a);
    }
    uint64_t matched = 0;
    double t0 = now();
    for (int pass = 0; pass < passes; pass++) {
        for (int i = 0; i < NROWS; i++) {
            matched += vrv_filter_match(m, rows[i], &a, &err) == VRV_TRI_TRUE;
            if ((i & 1023) == 1023) vrv_arena_reset(&a);
        }
    }
    double t = now() - t0;
    printf("BENCH expr_%s %.1f ns/row\n", name, t * 1e9 / ((double)passes * NROWS));
    fprintf(stderr, "%s matched %llu\n", name, (unsigned long long)matched);
    vrv_arena_destroy(&a);
    vrv_filter_matcher_free(m);
    vrv_filter_free(f);
    json_decref(j);
}

int main(void)
{
    for (int i = 0; i < NROWS; i++) {
        page_of[i] = (int)(next() % 7);
        country_of[i] = (int)(next() % 6);
        const char *pg = pages[page_of[i]], *co = countries[country_of[i]];
        rows[i][C_PAGE] = vrv_string(pg, strlen(pg));
        rows[i][C_COUNTRY] = vrv_string(co, strlen(co));
        rows[i][C_ADDED] = vrv_long((int64_t)(next() % 5000));
        rows[i][C_DELETED] = vrv_long((int64_t)(next() % 300));
        for (int k = 0; k < 2; k++) {
            tag_of[i][k] = (int)(next() % 5);
            const char *t = tags[tag_of[i][k]];
            tagvals[i][k] = vrv_string(t, strlen(t));
        }
        rows[i][C_TAGS] = vrv_array(tagvals[i], 2);
    }
    int passes = getenv("BENCH_QUICK") ? 50 : 500;
    run("concat_upper", "concat(upper(page), '-', country)", passes);
    run("arith", "added * 2 + deleted", passes);
    run("if_like", "if(like(page, 'Talk:%'), 'talk', lower(country))", passes);
    run("mv_upper", "upper(tags)", passes);
    run_filter("filter_match",
               "{\"type\":\"and\",\"fields\":[{\"type\":\"in\",\"dimension\":\"country\",\"values\":[\"Sweden\",\"Japan\"]},"
               "{\"type\":\"bound\",\"dimension\":\"added\",\"lower\":\"100\",\"ordering\":\"numeric\"},"
               "{\"type\":\"not\",\"field\":{\"type\":\"like\",\"dimension\":\"page\",\"pattern\":\"Talk:%\"}}]}",
               passes);
    return 0;
}
