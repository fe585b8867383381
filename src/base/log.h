/*
 * log.h — leveled logging to one stream (stderr by default, or a file).
 *
 * One line per call: "2026-11-28T04:33:07.123Z INFO  [module] message". Thread
 * safe: each line is written with a single locked fwrite. The level is global to
 * the process and set once at start-up (`--log-level`, env VARVE_LOG_LEVEL).
 */
#ifndef VRV_LOG_H
#define VRV_LOG_H

#include <stdio.h>

#include "base/vrv.h"

typedef enum vrv_log_level {
    VRV_LOG_ERROR = 0,
    VRV_LOG_WARN = 1,
    VRV_LOG_INFO = 2,
    VRV_LOG_DEBUG = 3,
    VRV_LOG_TRACE = 4,
} vrv_log_level;

/* Sets the threshold and the stream; out NULL keeps the current stream. The
 * stream is not closed by the logger. */
void vrv_log_init(vrv_log_level level, FILE *out);

/* Parses "error", "warn", "info", "debug", "trace" (case-insensitive). Returns
 * 0 and sets *out, or VRV_EINVAL. */
int vrv_log_level_parse(const char *name, vrv_log_level *out);

vrv_log_level vrv_log_get_level(void);

void vrv_log_write(vrv_log_level level, const char *module, const char *fmt, ...) VRV_PRINTF(3, 4);

#define VRV_LOG(level, module, ...)                                                               \
    do {                                                                                          \
        if ((level) <= vrv_log_get_level()) vrv_log_write((level), (module), __VA_ARGS__);       \
    } while (0)
#define VRV_ERR(module, ...)   VRV_LOG(VRV_LOG_ERROR, module, __VA_ARGS__)
#define VRV_WARN(module, ...)  VRV_LOG(VRV_LOG_WARN, module, __VA_ARGS__)
#define VRV_INFO(module, ...)  VRV_LOG(VRV_LOG_INFO, module, __VA_ARGS__)
#define VRV_DEBUG(module, ...) VRV_LOG(VRV_LOG_DEBUG, module, __VA_ARGS__)
#define VRV_TRACE(module, ...) VRV_LOG(VRV_LOG_TRACE, module, __VA_ARGS__)

#endif
