/*
 * node_int.h — the parts of a running node the endpoint files share
 * (api_overlord.c, api_coordinator.c, api_broker.c). Each api_*.c registers
 * its routes with one function and reads the node only through these
 * thread-safe components.
 */
#ifndef VRV_NODE_INT_H
#define VRV_NODE_INT_H

#include <stdatomic.h>

#include "overlord/overlord.h"
#include "server/coordinator.h"
#include "server/historical.h"
#include "server/http.h"
#include "server/node.h"
#include "server/view.h"
#include "storage/deep.h"
#include "storage/meta.h"

struct vrv_node {
    vrv_config cfg;
    char *exe;
    vrv_meta *meta;
    vrv_deep *deep;
    vrv_hist *hist;
    vrv_coord *coord;
    vrv_overlord *ovl;
    vrv_view *view;
    vrv_http_server *http;
    vrv_dataserver hist_server; /* this process's historical, as the broker sees it */
    char host_port[300];        /* "localhost:8888", for error bodies and the leader URL */
    struct vrv_broker *broker;  /* query fan-out (server/broker.h) */
    struct vrv_sup_mgr *sup;    /* streaming supervisors (overlord/supervisor.h) */
    char *version;              /* what GET /status reports */
    char start_time[48];        /* ISO-8601, for sys.servers */
    struct vrv_rt *rt;          /* running streaming tasks in the view (server/realtime.h) */
    atomic_bool ready;
};

int vrv_api_overlord_routes(vrv_node *n, vrv_error *err);
int vrv_api_coordinator_routes(vrv_node *n, vrv_error *err);
int vrv_api_broker_routes(vrv_node *n, vrv_error *err);
int vrv_api_supervisor_routes(vrv_node *n, vrv_error *err);
/* The web console's files (console.c) and the sampler (api_sampler.c). */
int vrv_api_console_routes(vrv_node *n, vrv_error *err);
int vrv_api_sampler_routes(vrv_node *n, vrv_error *err);
int vrv_api_sql_routes(vrv_node *n, vrv_error *err);

/* Parses Druid's URL interval form "2021-03-04_2021-03-05" ('_' for '/'),
 * also accepting '/'. */
int vrv_api_parse_url_interval(const char *s, vrv_interval *out, vrv_error *err);

/* A query flag given as ?full, ?full=true or any value but "false". */
bool vrv_api_flag(const vrv_http_req *req, const char *name);

#endif
