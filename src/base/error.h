/*
 * error.h — varve's status codes and the rich error object used at the edges.
 *
 * Inside varve a call returns 0 (VRV_OK) or a negative VRV_E* code. A call that
 * faces a user (spec validation, query parsing, an API request) also fills a
 * caller-owned vrv_error with the code and a message naming the offending field
 * or position, e.g. "spec.ioConfig.taskCount: must be >= 1". The API layer turns
 * a vrv_error into Druid's JSON error body.
 */
#ifndef VRV_ERROR_H
#define VRV_ERROR_H

#include "base/vrv.h"

enum {
    VRV_OK = 0,
    VRV_EINVAL = -1,       /* bad input: spec, query, record, argument */
    VRV_ENOMEM = -2,       /* a configured memory bound was hit */
    VRV_EIO = -3,          /* file system or network failure */
    VRV_EAGAIN = -4,       /* try again later; nothing was changed */
    VRV_ECONFLICT = -5,    /* compare-and-swap lost, entry exists, lock held */
    VRV_ENOTFOUND = -6,    /* no such object */
    VRV_ECORRUPT = -7,     /* stored data failed a check */
    VRV_ETIMEOUT = -8,     /* a deadline passed */
    VRV_ELIMIT = -9,       /* a resource limit (rows, bytes, parse exceptions) */
    VRV_EUNSUPPORTED = -10,/* valid but not supported by varve */
    VRV_ECANCELED = -11,   /* stopped on request */
    VRV_EINTERNAL = -12,   /* a bug: an invariant did not hold */
    VRV_ERANGE = -13,      /* a stream position is not in the stream (offset out of range) */
};

#define VRV_ERROR_MSG_MAX 1024

typedef struct vrv_error {
    int code;                     /* one of VRV_E*, 0 when no error was set */
    char msg[VRV_ERROR_MSG_MAX];  /* NUL-terminated, human readable, names the field */
} vrv_error;

/* Resets err to "no error". err may be NULL. */
void vrv_error_clear(vrv_error *err);

/* Sets err (may be NULL) to code and the formatted message; returns code so a
 * caller can write `return vrv_error_set(err, VRV_EINVAL, "...")`. */
int vrv_error_set(vrv_error *err, int code, const char *fmt, ...) VRV_PRINTF(3, 4);

/* Prepends "<formatted>: " to err's message (e.g. a JSON path or a file name);
 * keeps the code. Returns err->code. err may be NULL (returns VRV_EINVAL). */
int vrv_error_prefix(vrv_error *err, const char *fmt, ...) VRV_PRINTF(2, 3);

/* A static name for a code ("invalid input", "conflict", ...). */
const char *vrv_strerror(int code);

#endif
