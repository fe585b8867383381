/*
 * main.c — `varve <verb> [options]`: dispatches to the verb's cmd_*.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "cli/cli.h"

typedef struct verb {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
    bool ingests; /* fills and frees in-memory indexes: tune the heap for it */
} verb;

static const verb verbs[] = {
    {"dump-segment", vrv_cmd_dump_segment,
     "print a segment file's rows (JSON lines) or its metadata, as Druid's DumpSegment does"},
    {"gen", vrv_cmd_gen, "write a synthetic event stream (JSON lines)"},
    {"kafka-mock", vrv_cmd_kafka_mock, "run an in-process Kafka cluster until stopped"},
    {"produce", vrv_cmd_produce, "send lines to a Kafka topic, one record each"},
    {"quickstart", vrv_cmd_quickstart,
     "run a server, an embedded Kafka cluster, a producer and a supervisor: varve's main job"},
    {"query", vrv_cmd_query, "run a native query on a server and show the result"},
    {"sample", vrv_cmd_sample, "print the rows a Druid ingestion spec would store from files", true},
    {"server", vrv_cmd_server, "run a server with every role (overlord, coordinator, broker, historical)"},
    {"sql", vrv_cmd_sql, "run Druid SQL against a server: one statement, or an interactive prompt"},
    {"supervisor", vrv_cmd_supervisor, "submit, list, inspect and control supervisors of a server"},
    {"task", vrv_cmd_task, "task list|status|report|log|shutdown: the tasks of a server; task --id ..: run one task (the overlord does)", true},
    {"version", vrv_cmd_version, "print version information"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: varve <verb> [options]\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        fprintf(out, "  %-12s %s\n", verbs[i].name, verbs[i].help);
    fprintf(out, "\n`varve <verb> --help` describes a verb's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) return vrv_cmd_version(argc - 1, argv + 1);
    const char *lvl = getenv("VARVE_LOG_LEVEL");
    vrv_log_level level;
    if (lvl && vrv_log_level_parse(lvl, &level) == 0) vrv_log_init(level, NULL);
    /* `varve task list|status|...` talks to a server; `varve task --id ..`
     * is a task process */
    if (strcmp(argv[1], "task") == 0 && vrv_cli_task_is_client(argc - 1, argv + 1))
        return vrv_cmd_task_client(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(argv[1], verbs[i].name) == 0) {
            if (verbs[i].ingests) vrv_mem_tune_for_ingest();
            return verbs[i].fn(argc - 1, argv + 1);
        }
    fprintf(stderr, "varve: unknown verb '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
