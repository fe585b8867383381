/*
 * cmd_sql.c — `varve sql`: Druid SQL from the command line, like Druid's
 * dsql. With a statement argument it runs that statement against a server's
 * POST /druid/v2/sql and prints the result as an aligned table (or JSON or
 * CSV); without one it reads statements ending in ';' — a prompt when
 * stdin is a terminal, a script otherwise — and keeps each statement in
 * ~/.varve_sql_history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/mem.h"
#include "cli/cli.h"
#include "server/http_client.h"

typedef enum out_format { OUT_TABLE = 0, OUT_JSON, OUT_CSV } out_format;

typedef struct sql_cli {
    const char *url;      /* server base URL */
    json_t *context;      /* --context k=v pairs */
    out_format format;
    vrv_http_client *http;
} sql_cli;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: varve sql [--url URL] [--context KEY=VALUE]... [--format table|json|csv] [STATEMENT]\n"
            "\n"
            "Runs a Druid SQL statement against a varve (or Druid) server and prints the result.\n"
            "Without STATEMENT, reads statements ending in ';' from stdin: an interactive\n"
            "prompt on a terminal (history in ~/.varve_sql_history), a script otherwise.\n"
            "\n"
            "  --url URL        the server (default http://localhost:8888)\n"
            "  --context K=V    a query context value (repeatable; numbers and true/false are typed)\n"
            "  --format F       table (default), json (one object per row) or csv\n");
}

/* Display width of UTF-8 text: one column per code point. */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static char *cell_text(const json_t *v)
{
    if (!v || json_is_null(v)) return vrv_strdup("");
    if (json_is_string(v)) return vrv_strdup(json_string_value(v));
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    char *r = vrv_strdup(s ? s : "");
    free(s);
    return r;
}

static void rule(const size_t *w, size_t n, const char *l, const char *m, const char *r)
{
    fputs(l, stdout);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < w[i] + 2; k++) fputs("─", stdout);
        fputs(i + 1 < n ? m : r, stdout);
    }
    fputc('\n', stdout);
}

static void cell(const char *s, size_t w, bool right)
{
    size_t pad = w - width_of(s);
    fputs("│ ", stdout);
    if (right)
        for (size_t k = 0; k < pad; k++) fputc(' ', stdout);
    fputs(s, stdout);
    if (!right)
        for (size_t k = 0; k < pad; k++) fputc(' ', stdout);
    fputc(' ', stdout);
}

/* rows: [names, types, row...] as the array format with headers gives them. */
static void print_table(const json_t *rows, double secs)
{
    const json_t *names = json_array_get(rows, 0), *types = json_array_get(rows, 1);
    size_t nc = json_array_size(names), nr = json_array_size(rows) > 2 ? json_array_size(rows) - 2 : 0;
    size_t *w = vrv_calloc(nc + 1, sizeof *w);
    bool *right = vrv_calloc(nc + 1, sizeof *right);
    for (size_t c = 0; c < nc; c++) {
        w[c] = width_of(json_string_value(json_array_get(names, c)));
        const char *t = json_string_value(json_array_get(types, c));
        right[c] = t && (!strcmp(t, "LONG") || !strcmp(t, "DOUBLE") || !strcmp(t, "FLOAT"));
    }
    char **cells = vrv_calloc(nr * nc + 1, sizeof *cells);
    for (size_t r = 0; r < nr; r++)
        for (size_t c = 0; c < nc; c++) {
            cells[r * nc + c] = cell_text(json_array_get(json_array_get(rows, r + 2), c));
            size_t cw = width_of(cells[r * nc + c]);
            if (cw > w[c]) w[c] = cw;
        }
    if (nc) {
        rule(w, nc, "┌", "┬", "┐");
        for (size_t c = 0; c < nc; c++) cell(json_string_value(json_array_get(names, c)), w[c], false);
        fputs("│\n", stdout);
        rule(w, nc, "├", "┼", "┤");
        for (size_t r = 0; r < nr; r++) {
            for (size_t c = 0; c < nc; c++) cell(cells[r * nc + c], w[c], right[c]);
            fputs("│\n", stdout);
        }
        rule(w, nc, "└", "┴", "┘");
    }
    printf("Retrieved %zu row%s in %.2fs.\n", nr, nr == 1 ? "" : "s", secs);
    for (size_t i = 0; i < nr * nc; i++) free(cells[i]);
    free(cells);
    free(w);
    free(right);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs one statement; 0 on success, 1 on an error (printed). */
static int run_statement(sql_cli *s, const char *stmt)
{
    const char *fmt = s->format == OUT_TABLE ? "array" : s->format == OUT_JSON ? "objectLines" : "csv";
    json_t *body = json_pack("{s:s, s:s, s:b, s:b}", "query", stmt, "resultFormat", fmt, "header",
                             s->format != OUT_JSON, "typesHeader", s->format == OUT_TABLE);
    if (json_object_size(s->context)) json_object_set(body, "context", s->context);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    vrv_buf url = VRV_BUF_INIT;
    vrv_buf_printf(&url, "%s/druid/v2/sql", s->url);
    vrv_http_result res = {0};
    vrv_error err;
    double t0 = now_s();
    int rc = vrv_http_client_post_json(s->http, url.data, text, &res, &err);
    double secs = now_s() - t0;
    free(text);
    vrv_buf_free(&url);
    if (rc < 0) {
        fprintf(stderr, "Error: %s\n", err.msg);
        vrv_http_result_free(&res);
        return 1;
    }
    if (res.status != 200) {
        json_t *e = json_loads(res.body.data ? res.body.data : "", 0, NULL);
        const char *msg = json_string_value(json_object_get(e, "errorMessage"));
        if (!msg) msg = json_string_value(json_object_get(e, "error"));
        fprintf(stderr, "Error (HTTP %ld): %s\n", res.status, msg ? msg : (res.body.data ? res.body.data : ""));
        json_decref(e);
        vrv_http_result_free(&res);
        return 1;
    }
    if (s->format == OUT_TABLE) {
        json_t *rows = json_loads(res.body.data ? res.body.data : "", 0, NULL);
        if (!json_is_array(rows)) {
            fprintf(stderr, "Error: the server's answer is not a JSON array\n");
            json_decref(rows);
            vrv_http_result_free(&res);
            return 1;
        }
        print_table(rows, secs);
        json_decref(rows);
    } else {
        /* the line formats end with a blank line; print the lines only */
        size_t n = res.body.len;
        while (n > 0 && res.body.data[n - 1] == '\n') n--;
        if (n) printf("%.*s\n", (int)n, res.body.data);
    }
    vrv_http_result_free(&res);
    fflush(stdout);
    return 0;
}

static void history_add(const char *stmt)
{
    const char *home = getenv("HOME");
    if (!home || !*home) return;
    vrv_buf path = VRV_BUF_INIT;
    vrv_buf_printf(&path, "%s/.varve_sql_history", home);
    FILE *f = fopen(path.data, "a");
    vrv_buf_free(&path);
    if (!f) return;
    /* one statement per line */
    while (*stmt == ' ' || *stmt == '\n' || *stmt == '\t' || *stmt == '\r') stmt++;
    for (const char *p = stmt; *p; p++) fputc(*p == '\n' ? ' ' : *p, f);
    fputc('\n', f);
    fclose(f);
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return false;
    return true;
}

/* Reads statements ending in ';' (outside quotes and comments) from stdin. */
static int repl(sql_cli *s)
{
    bool tty = isatty(STDIN_FILENO);
    vrv_buf stmt = VRV_BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    int status = 0;
    bool in_str = false, in_ident = false;
    if (tty) printf("varve sql against %s; end statements with ';', quit with 'quit' or Ctrl-D.\n", s->url);
    for (;;) {
        if (tty) {
            fputs(stmt.len ? "        > " : "varve sql> ", stdout);
            fflush(stdout);
        }
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0) break;
        if (stmt.len == 0) {
            char *t = line;
            while (*t == ' ' || *t == '\t') t++;
            if (!strncmp(t, "quit", 4) || !strncmp(t, "exit", 4) || !strncmp(t, "\\q", 2)) break;
        }
        for (ssize_t i = 0; i < n; i++) {
            char c = line[i];
            if (!in_str && !in_ident && c == '-' && i + 1 < n && line[i + 1] == '-') {
                vrv_buf_append(&stmt, line + i, (size_t)(n - i));
                break;
            }
            if (c == '\'' && !in_ident) in_str = !in_str;
            else if (c == '"' && !in_str) in_ident = !in_ident;
            if (c == ';' && !in_str && !in_ident) {
                if (!blank(stmt.data ? stmt.data : "")) {
                    history_add(stmt.data);
                    if (run_statement(s, stmt.data)) status = 1;
                }
                vrv_buf_reset(&stmt);
                continue;
            }
            vrv_buf_putc(&stmt, c);
        }
    }
    if (stmt.len && !blank(stmt.data)) {
        history_add(stmt.data);
        if (run_statement(s, stmt.data)) status = 1;
    }
    if (tty) fputc('\n', stdout);
    free(line);
    vrv_buf_free(&stmt);
    return status;
}

static json_t *context_value(const char *v)
{
    char *end;
    long long l = strtoll(v, &end, 10);
    if (*v && !*end) return json_integer(l);
    double d = strtod(v, &end);
    if (*v && !*end) return json_real(d);
    if (!strcmp(v, "true")) return json_true();
    if (!strcmp(v, "false")) return json_false();
    return json_string(v);
}

int vrv_cmd_sql(int argc, char **argv)
{
    sql_cli s = {.url = "http://localhost:8888", .context = json_object(), .format = OUT_TABLE};
    const char *stmt = NULL;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            json_decref(s.context);
            return 0;
        } else if (!strcmp(a, "--url") && i + 1 < argc) {
            s.url = argv[++i];
        } else if (!strcmp(a, "--context") && i + 1 < argc) {
            const char *kv = argv[++i];
            const char *eq = strchr(kv, '=');
            if (!eq || eq == kv) {
                fprintf(stderr, "varve sql: --context wants KEY=VALUE, got '%s'\n", kv);
                json_decref(s.context);
                return 2;
            }
            char *key = vrv_strndup(kv, (size_t)(eq - kv));
            json_object_set_new(s.context, key, context_value(eq + 1));
            free(key);
        } else if (!strcmp(a, "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "table")) s.format = OUT_TABLE;
            else if (!strcmp(f, "json")) s.format = OUT_JSON;
            else if (!strcmp(f, "csv")) s.format = OUT_CSV;
            else {
                fprintf(stderr, "varve sql: --format is table, json or csv, not '%s'\n", f);
                json_decref(s.context);
                return 2;
            }
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "varve sql: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            json_decref(s.context);
            return 2;
        } else if (!stmt) {
            stmt = a;
        } else {
            fprintf(stderr, "varve sql: one statement at a time (quote it)\n");
            json_decref(s.context);
            return 2;
        }
    }
    /* a trailing slash would double in the path */
    char *url = vrv_strdup(s.url);
    size_t ul = strlen(url);
    while (ul > 0 && url[ul - 1] == '/') url[--ul] = '\0';
    s.url = url;
    vrv_http_client_opts opts = {.timeout_ms = 3600000};
    s.http = vrv_http_client_new(&opts);
    if (stmt) status = run_statement(&s, stmt);
    else status = repl(&s);
    vrv_http_client_free(s.http);
    json_decref(s.context);
    free(url);
    return status;
}
