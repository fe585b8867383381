/*
 * node.h — `varve server`: one process with every role (overlord,
 * coordinator, historical, broker) over one data directory:
 *
 *   <dataDir>/metadata.db   the SQLite metadata store
 *   <dataDir>/deep/         local deep storage
 *   <dataDir>/cache/        the historical's segment cache
 *   <dataDir>/tasks/<id>/   task directories (payload, log, report, spills)
 *   <dataDir>/log/          the server log (unless logFile says otherwise)
 *
 * Starting opens the store, reloads the task queue, runs a first coordinator
 * cycle (so published segments are served again before the server says it is
 * ready), and then listens. Restarting over the same directory resumes where
 * the previous process stopped.
 */
#ifndef VRV_NODE_H
#define VRV_NODE_H

#include "base/error.h"
#include "server/config.h"

typedef struct vrv_node vrv_node;

/* Starts every role. cfg is copied; exe is the varve binary tasks run with;
 * version is what GET /status reports.
 * On success the HTTP server is listening. */
int vrv_node_start(const vrv_config *cfg, const char *exe, const char *version, vrv_node **out,
                   vrv_error *err);

/* The port the node listens on. */
uint16_t vrv_node_port(const vrv_node *n);

/* Stops the roles (tasks are terminated) and frees n. n may be NULL. */
void vrv_node_stop(vrv_node *n);

#endif
