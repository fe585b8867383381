/*
 * error.c — status code names and the vrv_error formatting helpers.
 */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void vrv_error_clear(vrv_error *err)
{
    if (!err) return;
    err->code = 0;
    err->msg[0] = '\0';
}

int vrv_error_set(vrv_error *err, int code, const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

int vrv_error_prefix(vrv_error *err, const char *fmt, ...)
{
    if (!err) return VRV_EINVAL;
    char head[VRV_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    if (n < 0) return err->code;
    char old[VRV_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", head, old);
    return err->code;
}

const char *vrv_strerror(int code)
{
    switch (code) {
    case VRV_OK: return "ok";
    case VRV_EINVAL: return "invalid input";
    case VRV_ENOMEM: return "out of memory";
    case VRV_EIO: return "i/o error";
    case VRV_EAGAIN: return "try again";
    case VRV_ECONFLICT: return "conflict";
    case VRV_ENOTFOUND: return "not found";
    case VRV_ECORRUPT: return "corrupt data";
    case VRV_ETIMEOUT: return "timeout";
    case VRV_ELIMIT: return "resource limit exceeded";
    case VRV_EUNSUPPORTED: return "unsupported";
    case VRV_ECANCELED: return "canceled";
    case VRV_EINTERNAL: return "internal error";
    case VRV_ERANGE: return "position out of range";
    default: return "unknown error";
    }
}
