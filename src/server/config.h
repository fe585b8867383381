/*
 * config.h — the settings of `varve server`, from an optional JSON file and
 * the command line (which wins). docs/configuration.md describes every key.
 *
 *   {"dataDir": "/var/lib/varve", "bind": "127.0.0.1", "port": 8888,
 *    "host": "localhost", "httpThreads": 4, "maxRequestBytes": 16777216,
 *    "coordinatorPeriod": "PT1S", "taskSlots": 2, "taskMemory": 1073741824,
 *    "taskShutdownTimeout": "PT10S", "queryTimeout": 300000,
 *    "logLevel": "info", "logFile": "-"}
 *
 * Unknown keys are an error (a misspelt setting must not pass silently).
 */
#ifndef VRV_SERVER_CONFIG_H
#define VRV_SERVER_CONFIG_H

#include "base/error.h"
#include "base/vrv.h"

typedef struct vrv_config {
    char *data_dir;              /* required */
    char *bind;                  /* "127.0.0.1" */
    int port;                    /* 8888; 0 = ephemeral */
    char *host;                  /* advertised in task locations and error bodies: "localhost" */
    int http_threads;            /* 4 */
    int64_t max_request_bytes;   /* 16 MiB */
    int64_t coordinator_period_ms; /* 1000 */
    int64_t realtime_poll_ms;    /* 20: how often the view asks each streaming task for its
                                    real-time segments (a new one is queryable this soon) */
    int task_slots;              /* 2 */
    int64_t task_memory;         /* 1 GiB: a task's memory budget (Druid's heap) */
    int64_t task_shutdown_timeout_ms; /* 10000 */
    int64_t query_timeout_ms;    /* 300000: Druid's druid.server.http.defaultQueryTimeout */
    char *log_level;             /* "info" */
    char *log_file;              /* NULL = <dataDir>/log/server.log; "-" = stderr */
    char *port_file;             /* command line only: write the bound port here */
} vrv_config;

/* Fills c with the defaults (data_dir NULL). */
void vrv_config_defaults(vrv_config *c);

/* Reads a JSON config file over c. Errors name the file and the key. */
int vrv_config_load_file(vrv_config *c, const char *path, vrv_error *err);

/* Applies `varve server` arguments over c: --config FILE (read first, so
 * the other flags win), --port, --data-dir, --bind, --host, --port-file,
 * --log-level, --log-file, --task-slots. VRV_EINVAL for an unknown or
 * malformed argument. */
int vrv_config_from_args(vrv_config *c, int argc, char **argv, vrv_error *err);

/* Checks the result (data dir given, numbers in range). */
int vrv_config_validate(const vrv_config *c, vrv_error *err);

void vrv_config_free(vrv_config *c);

#endif
