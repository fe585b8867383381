/*
 * log.c — the process-wide logger behind log.h.
 */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"

static _Atomic int log_level = VRV_LOG_INFO;
static FILE *log_out;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void vrv_log_init(vrv_log_level level, FILE *out)
{
    atomic_store(&log_level, (int)level);
    pthread_mutex_lock(&log_lock);
    if (out) log_out = out;
    pthread_mutex_unlock(&log_lock);
}

vrv_log_level vrv_log_get_level(void)
{
    return (vrv_log_level)atomic_load_explicit(&log_level, memory_order_relaxed);
}

int vrv_log_level_parse(const char *name, vrv_log_level *out)
{
    static const char *names[] = {"error", "warn", "info", "debug", "trace"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(names); i++) {
        if (strcasecmp(name, names[i]) == 0) {
            *out = (vrv_log_level)i;
            return VRV_OK;
        }
    }
    return VRV_EINVAL;
}

void vrv_log_write(vrv_log_level level, const char *module, const char *fmt, ...)
{
    static const char *tags[] = {"ERROR", "WARN ", "INFO ", "DEBUG", "TRACE"};
    char line[4096];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s [%s] ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, tags[level], module ? module : "-");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : VRV_MIN((size_t)m, sizeof line - (size_t)n - 2));
    line[len++] = '\n';
    pthread_mutex_lock(&log_lock);
    FILE *out = log_out ? log_out : stderr;
    fwrite(line, 1, len, out);
    fflush(out);
    pthread_mutex_unlock(&log_lock);
}
