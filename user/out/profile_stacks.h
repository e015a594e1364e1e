/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stacks a recorded profile holds, as folded stacks for a flame graph:
 * a latency profile's call paths (--tree, self ns) and off-CPU stacks
 * (--offcpu-stacks, ns off the CPU), a memory profile's live bytes by stack.
 * One table, read by sonde report --flamegraph and the HTML report.
 */
#ifndef SONDE_PROFILE_STACKS_H
#define SONDE_PROFILE_STACKS_H

#include "out/folded.h"
#include "out/sonde_profile.h"

/*
 * The profile's nth set of stacks (0 first, in the order above, of those it
 * holds) into f, folded_init()ed here with its unit; its title in *what.
 * 0, -ENODATA when it has no nth set, or -ENOMEM.
 */
int profile_stacks(const struct sonde_profile *p, unsigned int nth, struct folded *f,
		   const char **what);

#endif
