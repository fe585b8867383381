/*
 * cli.h — the verbs of the `varve` command. Each verb lives in its own
 * cmd_<verb>.c and is listed in main.c's table. A verb returns the process exit
 * status: 0 success, 1 failure, 2 usage error.
 */
#ifndef VRV_CLI_H
#define VRV_CLI_H

#include <stdbool.h>

#define VARVE_VERSION "0.1.0"

int vrv_cmd_version(int argc, char **argv);
int vrv_cmd_gen(int argc, char **argv);
int vrv_cmd_server(int argc, char **argv);
int vrv_cmd_kafka_mock(int argc, char **argv);
int vrv_cmd_produce(int argc, char **argv);
int vrv_cmd_sample(int argc, char **argv);
int vrv_cmd_quickstart(int argc, char **argv);
int vrv_cmd_task(int argc, char **argv);
int vrv_cmd_supervisor(int argc, char **argv);
int vrv_cmd_query(int argc, char **argv);
/* `varve task list|status|report|log|shutdown ...`: the client side of the
 * task verb (`varve task --id ...` runs a task process). */
int vrv_cmd_task_client(int argc, char **argv);
bool vrv_cli_task_is_client(int argc, char **argv);
int vrv_cmd_sql(int argc, char **argv);
int vrv_cmd_dump_segment(int argc, char **argv);

#endif
