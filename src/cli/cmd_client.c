/*
 * cmd_client.c — the command-line client of a running server, over its HTTP
 * API (the same calls a Druid user makes with curl):
 *
 *   varve supervisor submit FILE | list | status ID | suspend ID | resume ID
 *                    | reset ID | terminate ID
 *   varve task list | status ID | report ID | log ID | shutdown ID
 *   varve query FILE|-              (a native query; - reads standard input)
 *
 * Common options: --url URL (default $VARVE_URL, else http://127.0.0.1:8888)
 * and --json (print the server's JSON as it came, for scripts). Without
 * --json, answers are shown as aligned tables. An error answer from the
 * server is printed with its status to standard error and the exit status is
 * 1; a usage error exits 2.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/vec.h"
#include "cli/cli.h"
#include "server/http_client.h"

typedef struct client {
    const char *url;
    bool json;
    vrv_http_client *http;
    const char *verb; /* "supervisor", "task", "query": for messages */
} client;

/* ---- options --------------------------------------------------------------- */

/* Takes --url and --json out of argv (in place); returns the remaining count,
 * or -1 after printing a usage error. */
static int take_options(client *c, int argc, char **argv)
{
    const char *env = getenv("VARVE_URL");
    c->url = env && *env ? env : "http://127.0.0.1:8888";
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            c->json = true;
        } else if (strcmp(argv[i], "--url") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "varve %s: --url needs a value\n", c->verb);
                return -1;
            }
            c->url = argv[++i];
        } else if (strncmp(argv[i], "--url=", 6) == 0) {
            c->url = argv[i] + 6;
        } else {
            argv[n++] = argv[i];
        }
    }
    return n;
}

/* ---- HTTP ------------------------------------------------------------------ */

/* Performs a request; on a 2xx answer returns 0 with *body (malloc'd, may be
 * empty). Otherwise prints the error and returns 1. */
static int call(client *c, const char *method, const char *path, const char *json, char **body)
{
    vrv_buf url = VRV_BUF_INIT;
    vrv_buf_printf(&url, "%s%s", c->url, path);
    vrv_http_result res;
    vrv_error err;
    int rc = vrv_http_client_request(c->http, method, url.data, json ? "application/json" : NULL,
                                     json, json ? strlen(json) : 0, 0, &res, &err);
    if (rc < 0) {
        fprintf(stderr, "varve %s: %s %s: %s\n", c->verb, method, url.data, err.msg);
        vrv_buf_free(&url);
        vrv_http_result_free(&res);
        return 1;
    }
    vrv_buf_free(&url);
    const char *text = res.body.data ? res.body.data : "";
    if (res.status < 200 || res.status > 299) {
        /* Druid's error bodies: {"error": ...} or {"error","errorMessage",...} */
        json_t *j = json_loads(text, 0, NULL);
        const char *msg = NULL;
        if (json_is_object(j)) {
            msg = json_string_value(json_object_get(j, "errorMessage"));
            if (!msg) msg = json_string_value(json_object_get(j, "error"));
        }
        fprintf(stderr, "varve %s: the server answered %ld: %s\n", c->verb, res.status,
                msg ? msg : text);
        json_decref(j);
        vrv_http_result_free(&res);
        return 1;
    }
    *body = vrv_strdup(text);
    vrv_http_result_free(&res);
    return 0;
}

/* Parses an answer that must be JSON. */
static json_t *parse(client *c, const char *body)
{
    json_error_t e;
    json_t *j = json_loads(body, JSON_DECODE_ANY, &e);
    if (!j) fprintf(stderr, "varve %s: the server's answer is not JSON: %s\n", c->verb, e.text);
    return j;
}

/* ---- tables ---------------------------------------------------------------- */

typedef struct table {
    VRV_VEC(char *) cells; /* row-major, ncols per row; header first */
    size_t ncols;
} table;

static void table_init(table *t, const char *const *header, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    for (size_t i = 0; i < ncols; i++) vrv_vec_push(&t->cells, vrv_strdup(header[i]));
}

/* The text of a JSON value in a cell: strings bare, null as "null", others
 * as compact JSON. */
static char *cell_text(const json_t *v)
{
    if (!v || json_is_null(v)) return vrv_strdup("null");
    if (json_is_string(v)) return vrv_strdup(json_string_value(v));
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return s ? s : vrv_strdup("?");
}

static void table_add(table *t, const json_t *const *vals)
{
    for (size_t i = 0; i < t->ncols; i++) vrv_vec_push(&t->cells, cell_text(vals[i]));
}

/* Display width of a UTF-8 string: code points (continuation bytes do not
 * count). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void table_print(table *t)
{
    size_t nrows = t->cells.n / t->ncols;
    size_t *w = vrv_calloc(t->ncols, sizeof *w);
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t x = width(t->cells.v[r * t->ncols + c]);
            if (x > w[c]) w[c] = x;
        }
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells.v[r * t->ncols + c];
            if (c + 1 < t->ncols)
                printf("%s%*s  ", s, (int)(w[c] - width(s)), "");
            else
                printf("%s", s);
        }
        printf("\n");
        if (r == 0) {
            for (size_t c = 0; c < t->ncols; c++) {
                for (size_t k = 0; k < w[c]; k++) putchar('-');
                if (c + 1 < t->ncols) printf("  ");
            }
            printf("\n");
        }
    }
    if (nrows == 1) printf("(no rows)\n");
    free(w);
    for (size_t i = 0; i < t->cells.n; i++) free(t->cells.v[i]);
    vrv_vec_free(&t->cells);
}

/* A table of the given fields of each object in arr. */
static void print_objects(const json_t *arr, const char *const *fields, size_t n)
{
    table t;
    table_init(&t, fields, n);
    size_t i;
    const json_t *o;
    json_array_foreach(arr, i, o) {
        const json_t *vals[32];
        for (size_t k = 0; k < n && k < 32; k++) vals[k] = json_object_get(o, fields[k]);
        table_add(&t, vals);
    }
    table_print(&t);
}

/* "key  value" lines for the given fields of an object (nested objects as
 * compact JSON). */
static void print_fields(const json_t *o, const char *const *fields, size_t n)
{
    size_t w = 0;
    for (size_t k = 0; k < n; k++)
        if (strlen(fields[k]) > w) w = strlen(fields[k]);
    for (size_t k = 0; k < n; k++) {
        char *s = cell_text(json_object_get(o, fields[k]));
        printf("%-*s  %s\n", (int)w, fields[k], s);
        free(s);
    }
}

static void print_json(const char *body)
{
    fputs(body, stdout);
    if (!*body || body[strlen(body) - 1] != '\n') putchar('\n');
}

/* ---- supervisor ------------------------------------------------------------ */

static void supervisor_usage(FILE *out)
{
    fprintf(out, "usage: varve supervisor [--url URL] [--json] COMMAND\n"
                 "  submit FILE     create or update a supervisor from a Druid supervisor spec\n"
                 "  list            every supervisor with its state\n"
                 "  status ID       state, health, lag and tasks of one supervisor\n"
                 "  suspend ID | resume ID | reset ID | terminate ID\n"
                 "URL defaults to $VARVE_URL, else http://127.0.0.1:8888.\n");
}

static int read_input(const char *path, vrv_buf *out, const char *verb)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "varve %s: cannot open %s\n", verb, path);
        return 1;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) vrv_buf_append(out, chunk, n);
    bool bad = ferror(f);
    if (f != stdin) fclose(f);
    if (bad) {
        fprintf(stderr, "varve %s: cannot read %s\n", verb, path);
        return 1;
    }
    return 0;
}

static int supervisor_status(client *c, const char *id)
{
    char path[512], *body;
    snprintf(path, sizeof path, "/druid/indexer/v1/supervisor/%s/status", id);
    if (call(c, "GET", path, NULL, &body)) return 1;
    if (c->json) {
        print_json(body);
        free(body);
        return 0;
    }
    json_t *j = parse(c, body);
    free(body);
    if (!j) return 1;
    const json_t *p = json_object_get(j, "payload");
    /* A Kinesis supervisor's lag is time (aggregateLagMillis, lagMillis). */
    const bool ms = json_object_get(p, "aggregateLagMillis") != NULL;
    static const char *const fields[] = {"dataSource", "stream", "state", "detailedState",
                                         "healthy", "suspended", "partitions", "replicas",
                                         "durationSeconds", "aggregateLag",
                                         "offsetsLastUpdated"};
    static const char *const kfields[] = {"dataSource", "stream", "state", "detailedState",
                                          "healthy", "suspended", "partitions", "replicas",
                                          "durationSeconds", "aggregateLagMillis"};
    if (ms)
        print_fields(p, kfields, VRV_ARRAY_LEN(kfields));
    else
        print_fields(p, fields, VRV_ARRAY_LEN(fields));
    const char *groups[] = {"activeTasks", "publishingTasks"};
    for (size_t g = 0; g < 2; g++) {
        const json_t *tasks = json_object_get(p, groups[g]);
        if (!json_array_size(tasks)) continue;
        printf("\n%s:\n", groups[g]);
        static const char *const tf[] = {"id", "startTime", "remainingSeconds", "currentOffsets",
                                         "lag"};
        static const char *const ktf[] = {"id", "startTime", "remainingSeconds",
                                          "currentOffsets", "lagMillis"};
        print_objects(tasks, ms ? ktf : tf, ms ? VRV_ARRAY_LEN(ktf) : VRV_ARRAY_LEN(tf));
    }
    const json_t *errs = json_object_get(p, "recentErrors");
    if (json_array_size(errs)) {
        printf("\nrecentErrors:\n");
        size_t i;
        const json_t *e;
        json_array_foreach(errs, i, e) {
            char *s = cell_text(e);
            printf("  %s\n", s);
            free(s);
        }
    }
    json_decref(j);
    return 0;
}

int vrv_cmd_supervisor(int argc, char **argv)
{
    client c = {.verb = "supervisor"};
    argc = take_options(&c, argc - 1, argv + 1);
    argv++;
    if (argc < 0) return 2;
    if (argc == 0 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        supervisor_usage(argc == 0 ? stderr : stdout);
        return argc == 0 ? 2 : 0;
    }
    const char *cmd = argv[0];
    bool needs_arg = strcmp(cmd, "list") != 0;
    if ((needs_arg && argc != 2) || (!needs_arg && argc != 1)) {
        supervisor_usage(stderr);
        return 2;
    }
    static const char *const actions[] = {"suspend", "resume", "reset", "terminate"};
    bool action = false;
    for (size_t i = 0; i < VRV_ARRAY_LEN(actions); i++) action |= strcmp(cmd, actions[i]) == 0;
    if (!action && strcmp(cmd, "submit") != 0 && strcmp(cmd, "list") != 0 &&
        strcmp(cmd, "status") != 0) {
        fprintf(stderr, "varve supervisor: unknown command %s\n", cmd);
        supervisor_usage(stderr);
        return 2;
    }
    c.http = vrv_http_client_new(NULL);
    int rc = 1;
    char *body = NULL;
    if (strcmp(cmd, "submit") == 0) {
        vrv_buf spec = VRV_BUF_INIT;
        if (read_input(argv[1], &spec, c.verb) == 0 &&
            call(&c, "POST", "/druid/indexer/v1/supervisor", spec.data ? spec.data : "", &body) == 0) {
            if (c.json) {
                print_json(body);
            } else {
                json_t *j = parse(&c, body);
                printf("supervisor %s submitted\n", json_string_value(json_object_get(j, "id")));
                json_decref(j);
            }
            rc = 0;
        }
        vrv_buf_free(&spec);
    } else if (strcmp(cmd, "list") == 0) {
        if (call(&c, "GET", "/druid/indexer/v1/supervisor?state=true", NULL, &body) == 0) {
            if (c.json) {
                print_json(body);
                rc = 0;
            } else {
                json_t *j = parse(&c, body);
                if (j) {
                    static const char *const f[] = {"id", "dataSource", "state", "detailedState",
                                                    "healthy"};
                    print_objects(j, f, VRV_ARRAY_LEN(f));
                    rc = 0;
                }
                json_decref(j);
            }
        }
    } else if (strcmp(cmd, "status") == 0) {
        rc = supervisor_status(&c, argv[1]);
    } else {
        char path[512];
        snprintf(path, sizeof path, "/druid/indexer/v1/supervisor/%s/%s", argv[1], cmd);
        if (call(&c, "POST", path, NULL, &body) == 0) {
            if (c.json)
                print_json(body);
            else
                printf("supervisor %s: %s done\n", argv[1], cmd);
            rc = 0;
        }
    }
    free(body);
    vrv_http_client_free(c.http);
    return rc;
}

/* ---- task ------------------------------------------------------------------ */

static void task_usage(FILE *out)
{
    fprintf(out, "usage: varve task [--url URL] [--json] COMMAND\n"
                 "  list            tasks, running first, then the most recent complete ones\n"
                 "  status ID       one task's status\n"
                 "  report ID       its row counts and parse exceptions\n"
                 "  log ID          its log\n"
                 "  shutdown ID     stop it\n"
                 "URL defaults to $VARVE_URL, else http://127.0.0.1:8888.\n");
}

bool vrv_cli_task_is_client(int argc, char **argv)
{
    static const char *const cmds[] = {"list", "status", "report", "log", "shutdown", "--help",
                                       "-h"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0) {
            i++;
            continue;
        }
        if (strcmp(argv[i], "--json") == 0 || strncmp(argv[i], "--url=", 6) == 0) continue;
        for (size_t k = 0; k < VRV_ARRAY_LEN(cmds); k++)
            if (strcmp(argv[i], cmds[k]) == 0) return true;
        return false;
    }
    return false;
}

static void print_report(const json_t *rep)
{
    /* Druid's shape: {"ingestionStatsAndErrors": {"payload": {...}}} */
    const json_t *p = json_object_get(json_object_get(rep, "ingestionStatsAndErrors"), "payload");
    if (!p) p = rep;
    static const char *const f[] = {"ingestionState", "errorMsg", "segmentsPublished",
                                    "segmentsRead"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(f); i++)
        if (json_object_get(p, f[i])) {
            char *s = cell_text(json_object_get(p, f[i]));
            printf("%-18s  %s\n", f[i], s);
            free(s);
        }
    const json_t *stats = json_object_get(p, "rowStats");
    if (json_is_object(stats)) {
        /* {"buildSegments": {"processed": ..}, ...} or the counters directly */
        static const char *const cols[] = {"phase", "processed", "processedBytes",
                                           "processedWithError", "thrownAway", "unparseable"};
        table t;
        table_init(&t, cols, VRV_ARRAY_LEN(cols));
        const char *phase;
        const json_t *v;
        bool nested = false;
        json_object_foreach((json_t *)stats, phase, v) {
            if (!json_is_object(v)) continue;
            nested = true;
            json_t *name = json_string(phase);
            const json_t *vals[] = {name, json_object_get(v, "processed"),
                                    json_object_get(v, "processedBytes"),
                                    json_object_get(v, "processedWithError"),
                                    json_object_get(v, "thrownAway"),
                                    json_object_get(v, "unparseable")};
            table_add(&t, vals);
            json_decref(name);
        }
        if (!nested) {
            json_t *name = json_string("all");
            const json_t *vals[] = {name, json_object_get(stats, "processed"),
                                    json_object_get(stats, "processedBytes"),
                                    json_object_get(stats, "processedWithError"),
                                    json_object_get(stats, "thrownAway"),
                                    json_object_get(stats, "unparseable")};
            table_add(&t, vals);
            json_decref(name);
        }
        printf("\n");
        table_print(&t);
    }
    const json_t *errs = json_object_get(p, "unparseableEvents");
    if (json_is_object(errs)) {
        const char *phase;
        const json_t *list;
        json_object_foreach((json_t *)errs, phase, list) {
            if (!json_array_size(list)) continue;
            printf("\nparse exceptions (%s):\n", phase);
            size_t i;
            const json_t *e;
            json_array_foreach(list, i, e) {
                char *d = cell_text(json_object_get(e, "details"));
                char *in = cell_text(json_object_get(e, "input"));
                printf("  %s\n    input: %s\n", d, in);
                free(d);
                free(in);
            }
        }
    }
}

int vrv_cmd_task_client(int argc, char **argv)
{
    client c = {.verb = "task"};
    argc = take_options(&c, argc - 1, argv + 1);
    argv++;
    if (argc < 0) return 2;
    if (argc == 0 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        task_usage(argc == 0 ? stderr : stdout);
        return argc == 0 ? 2 : 0;
    }
    const char *cmd = argv[0];
    bool list = strcmp(cmd, "list") == 0;
    if ((list && argc != 1) || (!list && argc != 2)) {
        task_usage(stderr);
        return 2;
    }
    char path[512];
    const char *method = "GET";
    if (list)
        snprintf(path, sizeof path, "/druid/indexer/v1/tasks");
    else if (strcmp(cmd, "status") == 0)
        snprintf(path, sizeof path, "/druid/indexer/v1/task/%s/status", argv[1]);
    else if (strcmp(cmd, "report") == 0)
        snprintf(path, sizeof path, "/druid/indexer/v1/task/%s/reports", argv[1]);
    else if (strcmp(cmd, "log") == 0)
        snprintf(path, sizeof path, "/druid/indexer/v1/task/%s/log", argv[1]);
    else if (strcmp(cmd, "shutdown") == 0) {
        snprintf(path, sizeof path, "/druid/indexer/v1/task/%s/shutdown", argv[1]);
        method = "POST";
    } else {
        fprintf(stderr, "varve task: unknown command %s\n", cmd);
        task_usage(stderr);
        return 2;
    }
    c.http = vrv_http_client_new(NULL);
    char *body = NULL;
    int rc = call(&c, method, path, NULL, &body);
    if (rc == 0) {
        if (c.json || strcmp(cmd, "log") == 0) {
            fputs(body, stdout);
        } else if (strcmp(cmd, "shutdown") == 0) {
            printf("task %s: shutdown requested\n", argv[1]);
        } else {
            json_t *j = parse(&c, body);
            if (!j) {
                rc = 1;
            } else if (list) {
                static const char *const f[] = {"id", "type", "dataSource", "statusCode",
                                                "createdTime", "duration"};
                print_objects(j, f, VRV_ARRAY_LEN(f));
            } else if (strcmp(cmd, "status") == 0) {
                static const char *const f[] = {"id", "type", "dataSource", "statusCode",
                                                "runnerStatusCode", "createdTime", "duration",
                                                "location", "errorMsg"};
                print_fields(json_object_get(j, "status"), f, VRV_ARRAY_LEN(f));
            } else {
                print_report(j);
            }
            json_decref(j);
        }
    }
    free(body);
    vrv_http_client_free(c.http);
    return rc;
}

/* ---- query ----------------------------------------------------------------- */

/* Rows of a native query result as a table: each result row flattened to
 * {timestamp, fields...} with columns in first-seen order. */
static void print_query_result(const json_t *res)
{
    VRV_VEC(json_t *) rows = {0};
    VRV_VEC(char *) cols = {0};
    size_t i;
    const json_t *r;
    /* flatten */
    json_array_foreach(res, i, r) {
        const json_t *ts = json_object_get(r, "timestamp");
        const json_t *inner = json_object_get(r, "result");
        if (!inner) inner = json_object_get(r, "event");
        const json_t *events = json_object_get(r, "events");
        if (events) { /* scan */
            const json_t *columns = json_object_get(r, "columns");
            size_t k;
            const json_t *e;
            json_array_foreach(events, k, e) {
                json_t *row = json_object();
                if (json_is_array(e)) { /* compactedList */
                    size_t m;
                    const json_t *v;
                    json_array_foreach(e, m, v) {
                        const char *name = json_string_value(json_array_get(columns, m));
                        if (name) json_object_set(row, name, (json_t *)v);
                    }
                } else {
                    json_object_update(row, (json_t *)e);
                }
                vrv_vec_push(&rows, row);
            }
            continue;
        }
        if (json_is_array(inner)) { /* topN, search */
            size_t k;
            const json_t *e;
            json_array_foreach(inner, k, e) {
                json_t *row = json_object();
                if (ts) json_object_set(row, "timestamp", (json_t *)ts);
                if (json_is_object(e)) json_object_update(row, (json_t *)e);
                vrv_vec_push(&rows, row);
            }
            continue;
        }
        json_t *row = json_object();
        if (ts) json_object_set(row, "timestamp", (json_t *)ts);
        if (json_is_object(inner))
            json_object_update(row, (json_t *)inner);
        else if (json_is_object(r) && !ts)
            json_object_update(row, (json_t *)r);
        vrv_vec_push(&rows, row);
    }
    for (size_t k = 0; k < rows.n; k++) {
        const char *key;
        json_t *v;
        json_object_foreach(rows.v[k], key, v) {
            bool seen = false;
            for (size_t m = 0; m < cols.n && !seen; m++) seen = strcmp(cols.v[m], key) == 0;
            if (!seen) vrv_vec_push(&cols, vrv_strdup(key));
        }
    }
    if (cols.n == 0) {
        printf("(no rows)\n");
    } else {
        table t;
        table_init(&t, (const char *const *)cols.v, cols.n);
        const json_t **vals = vrv_calloc(cols.n, sizeof *vals);
        for (size_t k = 0; k < rows.n; k++) {
            for (size_t m = 0; m < cols.n; m++) vals[m] = json_object_get(rows.v[k], cols.v[m]);
            table_add(&t, vals);
        }
        free(vals);
        table_print(&t);
    }
    for (size_t k = 0; k < rows.n; k++) json_decref(rows.v[k]);
    for (size_t m = 0; m < cols.n; m++) free(cols.v[m]);
    vrv_vec_free(&rows);
    vrv_vec_free(&cols);
}

int vrv_cmd_query(int argc, char **argv)
{
    client c = {.verb = "query"};
    argc = take_options(&c, argc - 1, argv + 1);
    argv++;
    if (argc < 0) return 2;
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        printf("usage: varve query [--url URL] [--json] FILE|-\n"
               "  runs a Druid native query (JSON) on the server and prints the result\n");
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: varve query [--url URL] [--json] FILE|-\n");
        return 2;
    }
    vrv_buf q = VRV_BUF_INIT;
    if (read_input(argv[0], &q, c.verb)) {
        vrv_buf_free(&q);
        return 1;
    }
    c.http = vrv_http_client_new(NULL);
    char *body = NULL;
    int rc = call(&c, "POST", "/druid/v2", q.data ? q.data : "", &body);
    if (rc == 0) {
        if (c.json) {
            print_json(body);
        } else {
            json_t *j = parse(&c, body);
            if (j)
                print_query_result(j);
            else
                rc = 1;
            json_decref(j);
        }
    }
    free(body);
    vrv_buf_free(&q);
    vrv_http_client_free(c.http);
    return rc;
}
