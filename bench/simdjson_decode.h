/*
 * simdjson_decode.h — simdjson (C++, libsimdjson-dev) decoding newline-
 * separated JSON events, as a reference point next to varve's scanner and
 * jansson in bench_ingest. Built into bench_ingest only when simdjson is
 * installed (VARVE_HAVE_SIMDJSON); nothing outside bench/ uses it.
 */
#ifndef VRV_BENCH_SIMDJSON_DECODE_H
#define VRV_BENCH_SIMDJSON_DECODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses events [starts[i], starts[i+1] - 1) of buf (n events, each ending
 * in a newline) with simdjson's On-Demand API, reading the fields names[0..
 * nnames) of each object as bench_ingest's jansson pass does: *check gets the
 * sum of their integer values and of their decoded string lengths. The buffer is copied
 * once, with simdjson's padding, before the clock starts. Returns the CPU
 * seconds of the calling thread spent parsing, or -1 on a parse error. */
double bench_simdjson_decode(const char *buf, size_t len, const size_t *starts, size_t n,
                             const char *const *names, size_t nnames, uint64_t *check);

/* simdjson's version and the kernel it chose for this CPU ("icelake", ...). */
const char *bench_simdjson_version(void);
const char *bench_simdjson_kernel(void);

#ifdef __cplusplus
}
#endif

#endif
