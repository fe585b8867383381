/*
 * cmd_server.c — `varve server`: every role in one process.
 *
 *   varve server --data-dir DIR [--port PORT] [--bind ADDR] [--config FILE]
 *                [--port-file F] [--host NAME] [--log-level L] [--log-file F]
 *                [--task-slots N]
 *
 * Runs until SIGINT or SIGTERM, then stops the roles (task processes are
 * terminated and will be reported FAILED by the next start). With
 * --port-file the bound port is written to F once the server is ready
 * (useful with --port 0).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "cli/cli.h"
#include "server/node.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: varve server --data-dir DIR [options]\n"
            "  --data-dir DIR     metadata store, deep storage, segment cache, tasks, logs\n"
            "  --port PORT        HTTP port (default 8888; 0 = any free port)\n"
            "  --bind ADDR        address to listen on (default 127.0.0.1)\n"
            "  --config FILE      JSON settings (docs/configuration.md); flags win\n"
            "  --port-file F      write the bound port to F once ready\n"
            "  --host NAME        host name advertised in task locations (default localhost)\n"
            "  --log-level L      error, warn, info (default), debug, trace\n"
            "  --log-file F       server log (default DIR/log/server.log; - for stderr)\n"
            "  --task-slots N     tasks running at once (default 2)\n");
}

/* The absolute path of this executable, for launching task processes. */
static char *self_exe(const char *argv0)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = '\0';
        return strdup(buf);
    }
    return realpath(argv0, NULL);
}

int vrv_cmd_server(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    vrv_config cfg;
    vrv_config_defaults(&cfg);
    vrv_error err;
    if (vrv_config_from_args(&cfg, argc, argv, &err) < 0 || vrv_config_validate(&cfg, &err) < 0) {
        fprintf(stderr, "varve server: %s\n\n", err.msg);
        usage(stderr);
        vrv_config_free(&cfg);
        return 2;
    }
    /* Signals are taken by sigwait below; every thread inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *exe = self_exe(argv[0]);
    vrv_node *node = NULL;
    int rc = vrv_node_start(&cfg, exe ? exe : argv[0], VARVE_VERSION, &node, &err);
    free(exe);
    if (rc < 0) {
        fprintf(stderr, "varve server: %s\n", err.msg);
        vrv_config_free(&cfg);
        return 1;
    }
    unsigned port = vrv_node_port(node);
    if (cfg.port_file) {
        char text[16];
        int len = snprintf(text, sizeof text, "%u\n", port);
        if (vrv_fs_write_atomic(cfg.port_file, text, (size_t)len, &err) < 0)
            fprintf(stderr, "varve server: %s\n", err.msg);
    }
    fprintf(stderr, "varve server: listening on %s:%u, data in %s\n", cfg.bind, port, cfg.data_dir);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    fprintf(stderr, "varve server: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
    vrv_node_stop(node);
    vrv_config_free(&cfg);
    return 0;
}
