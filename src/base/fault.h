/*
 * fault.h — named fault points for the fault-injection suite (tests/fault/,
 * docs/reliability.md). They cost one getenv when unarmed and do nothing
 * unless the environment variable VARVE_FAULT_DIR names a directory.
 *
 * A point NAME is armed by creating the file $VARVE_FAULT_DIR/NAME; the first
 * process to reach the point and remove that file fires it, so an armed point
 * fires exactly once however many tasks pass it. A setting NAME (see
 * vrv_fault_setting) is on while the file $VARVE_FAULT_DIR/NAME exists: it
 * changes what the product does for the suite's sake, for every process that
 * asks, and is never consumed. Servers hand their environment to the task
 * processes they start, so one directory arms a whole server. Not meant for
 * production use.
 */
#ifndef VRV_FAULT_H
#define VRV_FAULT_H

#include "base/vrv.h"

/* Kills the calling process with SIGKILL (as `kill -9` would, no cleanup)
 * when point name is armed. */
void vrv_fault_point(const char *name);

/* True once when point name is armed: the caller then fails as the point's
 * name says (for example "persist-enospc": a persist as if the disk were
 * full). */
bool vrv_fault_fires(const char *name);

/* True while setting name is on ($VARVE_FAULT_DIR/name exists). Settings:
 *   keep-replica-copies  a streaming task whose segments a replica published
 *                        first keeps its own pushed copies in deep storage
 *                        (by default it removes them), so that the suite can
 *                        compare the replicas' rows for each segment id. */
bool vrv_fault_setting(const char *name);

#endif
