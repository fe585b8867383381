/*
 * fault.c — the fault points of fault.h: an armed point is a file in
 * $VARVE_FAULT_DIR, claimed by whoever unlinks it first; a setting is a
 * file there that stays.
 */
#include "base/fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"

bool vrv_fault_fires(const char *name)
{
    const char *dir = getenv("VARVE_FAULT_DIR");
    if (!dir || !*dir) return false;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return false;
    /* unlink is atomic: of several processes reaching the point, one wins. */
    if (unlink(path) != 0) return false;
    VRV_WARN("fault", "fault point [%s] fired", name);
    return true;
}

bool vrv_fault_setting(const char *name)
{
    const char *dir = getenv("VARVE_FAULT_DIR");
    if (!dir || !*dir) return false;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return false;
    return access(path, F_OK) == 0;
}

void vrv_fault_point(const char *name)
{
    if (!vrv_fault_fires(name)) return;
    raise(SIGKILL);
    _exit(137); /* not reached */
}
