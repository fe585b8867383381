/*
 * taskdir.h — what a task's directory holds, shared by the overlord that
 * creates it and the task process that works in it. One directory per task,
 * <data dir>/tasks/<task id>/:
 *
 *   task.json    the task payload, written by the overlord before launch
 *   started      the overlord's mark that the process was launched (its pid)
 *   log          the process's stdout and stderr
 *   report.json  the completion report (druid-streaming.md §3.6), written by
 *                the task as it ends
 *   status.json  the final TaskStatus {"id","status","duration","errorMsg",
 *                "location"}, written last by the task: its presence means the
 *                task finished on its own
 *   spill/       intermediate segment files, removed when the task ends
 *   out/         final segment files before they are pushed to deep storage
 */
#ifndef VRV_TASKDIR_H
#define VRV_TASKDIR_H

#define VRV_TASKDIR_PAYLOAD "task.json"
#define VRV_TASKDIR_STARTED "started"
#define VRV_TASKDIR_LOG     "log"
#define VRV_TASKDIR_REPORT  "report.json"
#define VRV_TASKDIR_STATUS  "status.json"
#define VRV_TASKDIR_SPILL   "spill"
#define VRV_TASKDIR_OUT     "out"

#endif
