/*
 * vrv.h — what every varve source file includes first: fixed-width types,
 * branch hints, small macros. Nothing here allocates or has state.
 */
#ifndef VRV_VRV_H
#define VRV_VRV_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRV_LIKELY(x)   __builtin_expect(!!(x), 1)
#define VRV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define VRV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define VRV_MIN(a, b)   ((a) < (b) ? (a) : (b))
#define VRV_MAX(a, b)   ((a) > (b) ? (a) : (b))
#define VRV_UNUSED(x)   ((void)(x))
#define VRV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define VRV_NORETURN    __attribute__((noreturn))

/* Debug-build invariant check with a message; compiled out of release builds. */
#ifdef VARVE_DEBUG
#define vrv_dassert(cond, msg) assert((cond) && (msg))
#else
#define vrv_dassert(cond, msg) ((void)0)
#endif

/* Milliseconds since the Unix epoch, UTC: the one time unit of varve. */
typedef int64_t vrv_ms;

#endif
