/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A latency profile's off-CPU stacks (--offcpu-stacks) as folded stacks
 * (folded.h), in nanoseconds off the CPU: frames outermost first, without
 * offsets, down to where the thread left the CPU, the traced function's frame
 * among them. The weights add up to the JSON offcpu_ns of every stack.
 */
#ifndef SONDE_LAT_OFFCPU_FOLDED_H
#define SONDE_LAT_OFFCPU_FOLDED_H

#include "lat/lat_profile.h"
#include "out/folded.h"

/* Add p's off-CPU stacks to f (folded_init(f, "ns") first): 0 or -ENOMEM. */
int lat_offcpu_folded_add(struct folded *f, const struct lat_profile *p);

#endif
