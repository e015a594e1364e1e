/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the kernel's per-CPU function totals into a cumulative profile. */
#ifndef SONDE_LAT_READ_H
#define SONDE_LAT_READ_H

#include "lat.skel.h"
#include "probes.h"
#include "profile.h"

/* Fill `p` (sized for set->nr functions) with the totals so far, summed over CPUs.
 * Never clears the kernel's counters: intervals are differences of snapshots,
 * so no count arriving between a read and a reset is lost. */
int lat_read(struct lat_bpf *skel, const struct probe_set *set, struct lat_profile *p);

#endif
