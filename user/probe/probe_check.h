/* SPDX-License-Identifier: GPL-2.0 */
/*
 * -- CMD: the kernel checks a uprobe's instruction only when it installs the
 * probe into a mapped image, here when the command execs, and says nothing
 * when it refuses one. Once the executable is mapped, its code read through
 * /proc/PID/mem shows every installed probe as an int3: a site that shows
 * none was refused, and is skipped by name like one refused at attach.
 */
#ifndef SONDE_PROBE_CHECK_H
#define SONDE_PROBE_CHECK_H

#include <sys/types.h>
#include "probe/probes.h"

/* Check the sites in `exe` (as the command maps it) once pid has exec'ed it. */
int probes_check_installed(struct probe_set *set, pid_t pid, const char *exe);

#endif
