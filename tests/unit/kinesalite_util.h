/*
 * kinesalite_util.h — runs kinesalite (the Kinesis API emulator, through
 * tests/tools/kserve.js) for a test process: started on an ephemeral
 * 127.0.0.1 port, waited for until it accepts connections, stopped at exit
 * (and, through PR_SET_PDEATHSIG, when the test process dies). Plus fault
 * injection into it. Header-only (static functions), like the other test
 * helpers, and free of the test harness so benchmarks use it too. Needs
 * `node` and tests/tools/node_modules (scripts/install-deps).
 */
#ifndef VRV_TEST_KINESALITE_UTIL_H
#define VRV_TEST_KINESALITE_UTIL_H

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct kl_server {
    pid_t pid;
    int port;
    char url[64]; /* "http://127.0.0.1:PORT" */
} kl_server;

static inline double kl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline bool kl_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static inline void kl_stop(kl_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        for (int i = 0; i < 200; i++) { /* up to 2 s, then for good */
            if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
                s->pid = 0;
                return;
            }
            usleep(10000);
        }
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &st, 0);
    }
    s->pid = 0;
}

/* Starts src_dir/tests/tools/kserve.js with args (NULL-terminated extra
 * arguments, may be NULL). Returns false (and says why on stderr) when it
 * cannot. */
static inline bool kl_start(kl_server *s, const char *src_dir, const char *const *args)
{
    memset(s, 0, sizeof *s);
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/tools/kserve.js", src_dir);
    char mod[1100];
    snprintf(mod, sizeof mod, "%s/tests/tools/node_modules/kinesalite/package.json", src_dir);
    if (access(mod, R_OK) != 0) {
        fprintf(stderr, "kinesalite is not installed (%s): run scripts/install-deps\n", mod);
        return false;
    }
    int fds[2];
    if (pipe(fds) != 0) return false;
    const char *argv[32] = {"node", script, "--port", "0"};
    size_t n = 4;
    for (size_t i = 0; args && args[i] && n + 1 < 32; i++) argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp("node", (char *const *)argv);
        fprintf(stderr, "cannot run node: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    s->pid = pid;
    char line[128];
    size_t len = 0;
    double deadline = kl_now() + 15;
    while (len + 1 < sizeof line && !memchr(line, '\n', len)) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int left = (int)((deadline - kl_now()) * 1000);
        if (left <= 0 || poll(&pfd, 1, left) <= 0) break;
        ssize_t r = read(fds[0], line + len, sizeof line - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(fds[0]);
    line[len] = '\0';
    if (sscanf(line, "port %d", &s->port) != 1) {
        fprintf(stderr, "kserve.js did not start (said \"%s\")\n", line);
        kl_stop(s);
        return false;
    }
    while (!kl_accepts(s->port)) {
        if (kl_now() > deadline) {
            fprintf(stderr, "kserve.js does not accept connections on port %d\n", s->port);
            kl_stop(s);
            return false;
        }
        usleep(10000);
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    return true;
}

/* Makes the next count calls of op fail with AWS error type (HTTP status).
 * false when the server did not take it. */
static inline bool kl_inject(const kl_server *s, const char *op, const char *type, int count,
                             int status)
{
    CURL *h = curl_easy_init();
    char body[512];
    snprintf(body, sizeof body,
             "{\"Operation\":\"%s\",\"Error\":\"%s\",\"Count\":%d,\"Status\":%d}", op, type, count,
             status);
    struct curl_slist *hd = curl_slist_append(NULL, "X-Amz-Target: VarveTest.InjectFault");
    curl_easy_setopt(h, CURLOPT_URL, s->url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    CURLcode cc = curl_easy_perform(h);
    long st = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return cc == CURLE_OK && st == 200;
}

#endif
